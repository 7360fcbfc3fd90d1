/* Edge cases found by UBSan in built-ins: shifts by the full width in
 * net.cidr_merge and int64 overflow at the lower bound of time.parse_ns. */
#include "bi_test_util.h"

TestSuite(bi_edges, .init = bt_setup, .fini = bt_teardown);

Test(bi_edges, cidr_merge_whole_ipv6_space)
{
    struct value *out;
    cr_assert_eq(bt_call("net.cidr_merge", &out, 1, J("[\"::/0\",\"::1/128\"]")), 0);
    cr_assert_str_eq(bt_json(out), "[\"::/0\"]");
    cr_assert_eq(bt_call("net.cidr_merge", &out, 1, J("[\"0.0.0.0/0\",\"10.0.0.0/8\"]")), 0);
    cr_assert_str_eq(bt_json(out), "[\"0.0.0.0/0\"]");
}

Test(bi_edges, parse_ns_at_the_int64_bounds)
{
    struct value *out;
    cr_assert_eq(bt_call("time.parse_rfc3339_ns", &out, 1, J("\"1677-09-21T00:12:43.145224192Z\"")),
                 0);
    cr_assert_str_eq(bt_json(out), "-9223372036854775808");
    cr_assert_eq(bt_call("time.parse_rfc3339_ns", &out, 1, J("\"2262-04-11T23:47:16.854775807Z\"")),
                 0);
    cr_assert_str_eq(bt_json(out), "9223372036854775807");
    /* one nanosecond outside: an error, not a wrapped number */
    bt_call("time.parse_rfc3339_ns", &out, 1, J("\"1677-09-21T00:12:43.145224191Z\""));
    cr_assert_null(out);
}
