/* test_bi_net.c - CIDR built-ins and the hash/HMAC ones. */
#include "bi_test_util.h"

TestSuite(bi_net, .init = bt_setup, .fini = bt_teardown);

Test(bi_net, cidr)
{
    EXPECT("true", "net.cidr_contains", 2, STR("10.0.0.0/8"), STR("10.1.2.3"));
    EXPECT("true", "net.cidr_contains", 2, STR("10.0.0.0/8"), STR("10.1.0.0/16"));
    EXPECT("false", "net.cidr_contains", 2, STR("10.0.0.0/16"), STR("10.0.0.0/8"));
    EXPECT("true", "net.cidr_contains", 2, STR("2001:db8::/32"), STR("2001:db8::1"));
    EXPECT("true", "net.cidr_intersects", 2, STR("10.0.0.0/8"), STR("10.1.0.0/16"));
    EXPECT("false", "net.cidr_is_valid", 1, STR("192.168.1.1/33"));
    EXPECT_ERR("eval_builtin_error", "net.cidr_expand: invalid CIDR address: 192.168.1.1/33", "net.cidr_expand",
               1, STR("192.168.1.1/33"));
    EXPECT_V(S("[\"192.168.1.0\", \"192.168.1.1\", \"192.168.1.2\", \"192.168.1.3\"]"), "net.cidr_expand", 1,
             STR("192.168.1.1/30"));
    EXPECT_V(S("[\"192.0.2.0/24\"]"), "net.cidr_merge", 1,
             J("[\"192.0.2.112\", \"192.0.2.116/31\", \"192.0.2.118/31\"]"));
    EXPECT_V(S("[\"192.0.128.0/23\"]"), "net.cidr_merge", 1, J("[\"192.0.128.0\", \"192.0.129.0\"]"));
    EXPECT_V(S("[\"2601:600:8a80:207e::/64\"]"), "net.cidr_merge", 1,
             J("[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64\", \"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128\"]"));
    EXPECT_ERR("eval_builtin_error", "net.cidr_merge: IPv6 invalid: needs prefix length", "net.cidr_merge", 1,
               J("[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3\"]"));
    EXPECT_V(S("[[0, \"a\"]]"), "net.cidr_contains_matches", 2, J("[\"10.0.0.0/8\"]"),
             J("{\"a\": \"10.0.0.1\", \"b\": \"11.0.0.1\"}"));
}

Test(bi_net, hashes)
{
    EXPECT("\"5d41402abc4b2a76b9719d911017c592\"", "crypto.md5", 1, STR("hello"));
    EXPECT("\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"", "crypto.sha256", 1,
           STR("hello"));
    EXPECT("\"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8\"", "crypto.hmac.sha256", 2,
           STR("The quick brown fox jumps over the lazy dog"), STR("key"));
    EXPECT("true", "crypto.hmac.equal", 2, STR("ab"), STR("ab"));
    EXPECT("false", "crypto.hmac.equal", 2, STR("ab"), STR("abc"));
}
