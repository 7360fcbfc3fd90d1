/* test_bi_time.c - time built-ins: Go layouts, IANA zones, durations. */
#include "bi_test_util.h"

TestSuite(bi_time, .init = bt_setup, .fini = bt_teardown);

Test(bi_time, parse)
{
    EXPECT("1496455200000000000", "time.parse_ns", 2, STR("2006-01-02T15:04:05Z07:00"),
           STR("2017-06-02T19:00:00-07:00"));
    EXPECT("1496455200500000000", "time.parse_rfc3339_ns", 1, STR("2017-06-03T02:00:00.5Z"));
    EXPECT("1580601600000000000", "time.parse_ns", 2, STR("2006-01-02"), STR("2020-02-02"));
    EXPECT_ERR("eval_builtin_error", "time outside of valid range", "time.parse_ns", 2,
               STR("2006-01-02T15:04:05Z07:00"), STR("2262-04-11T23:47:16.854775808-00:00"));
    EXPECT_ERR("eval_builtin_error", "cannot parse", "time.parse_ns", 2, STR("2006-01-02"), STR("2020/02/02"));
    EXPECT("3723500000000", "time.parse_duration_ns", 1, STR("1h2m3.5s"));
    EXPECT("-1500", "time.parse_duration_ns", 1, STR("-1.5us"));
    EXPECT_ERR("eval_builtin_error", "time: missing unit", "time.parse_duration_ns", 1, STR("12"));
}

Test(bi_time, zones_and_fields)
{
    /* 2022-12-02T18:40:53.141828752Z */
    EXPECT("\"2022-12-02T18:40:53.141828752Z\"", "time.format", 1, J("1670006453141828752"));
    EXPECT("\"2022-12-03T00:10:53.141828752+05:30\"", "time.format", 1,
           J("[1670006453141828752, \"Asia/Kolkata\"]"));
    EXPECT("\"Fri Dec  2 13:40:53 2022\"", "time.format", 1,
           J("[1670006453141828752, \"America/New_York\", \"ANSIC\"]"));
    EXPECT("[2022, 12, 3]", "time.date", 1, J("[1670006453141828752, \"Asia/Kolkata\"]"));
    EXPECT("[18, 40, 53]", "time.clock", 1, J("1670006453141828752"));
    EXPECT("\"Friday\"", "time.weekday", 1, J("1670006453141828752"));
    EXPECT("[0, 0, 28, 0, 0, 0]", "time.diff", 2, J("1580601600000000000"), J("1583020800000000000"));
    EXPECT("1583020800000000000", "time.add_date", 4, J("1580515200000000000"), J("0"), J("1"), J("0"));
    EXPECT_ERR("eval_builtin_error", "timestamp too big", "time.date", 1, J("1e30"));
    /* the smallest timestamp: its seconds and nanoseconds without overflow
     * (UBSan: the product of the seconds and 1e9 is below INT64_MIN) */
    EXPECT_ERR("eval_builtin_error", "time outside of valid range", "time.add_date", 4,
               J("-9223372036854775808"), J("0"), J("0"), J("-1"));
    EXPECT("[1677, 9, 21]", "time.date", 1, J("-9223372036854775808"));
    EXPECT("[0, 12, 43]", "time.clock", 1, J("-9223372036854775808"));
}
