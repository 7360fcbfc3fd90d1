/* test_bi_formats.c - units, semver, uuid. */
#include "bi_test_util.h"

TestSuite(bi_formats, .init = bt_setup, .fini = bt_teardown);

Test(bi_formats, units)
{
    EXPECT("1000", "units.parse", 1, STR("1K"));
    EXPECT("0.001", "units.parse", 1, STR("1m"));
    EXPECT("1000000", "units.parse", 1, STR("1M"));
    EXPECT("1024", "units.parse", 1, STR("1Ki"));
    EXPECT("1500", "units.parse", 1, STR("1.5k"));
    EXPECT("100000", "units.parse", 1, STR("1e5"));
    EXPECT_ERR("eval_builtin_error", "units.parse: no amount provided", "units.parse", 1, STR("K"));
    EXPECT_ERR("eval_builtin_error", "units.parse: spaces not allowed in resource strings", "units.parse", 1,
               STR("1 K"));
    EXPECT("1073741824", "units.parse_bytes", 1, STR("1GiB"));
    EXPECT("1500", "units.parse_bytes", 1, STR("1.5KB"));
    EXPECT("5", "units.parse_bytes", 1, STR("\"5\""));
    EXPECT_ERR("eval_builtin_error", "units.parse_bytes: could not parse byte amount to a number",
               "units.parse_bytes", 1, STR("1..5kb"));
}

Test(bi_formats, semver)
{
    EXPECT("true", "semver.is_valid", 1, STR("1.2.3-rc.1+build.5"));
    EXPECT("false", "semver.is_valid", 1, STR("1.2"));
    EXPECT("false", "semver.is_valid", 1, J("1"));
    EXPECT("-1", "semver.compare", 2, STR("1.0.0-alpha"), STR("1.0.0"));
    EXPECT("-1", "semver.compare", 2, STR("1.0.0-alpha.1"), STR("1.0.0-alpha.beta"));
    EXPECT("1", "semver.compare", 2, STR("1.0.0-beta.11"), STR("1.0.0-beta.2"));
    EXPECT("-1", "semver.compare", 2, STR("1.0.0-alpha"), STR("1.0.0-alpha.1"));
    EXPECT("0", "semver.compare", 2, STR("1.0.0+a"), STR("1.0.0+b"));
    EXPECT_ERR("eval_builtin_error", "semver.compare: operand 2: string \"1\" is not a valid SemVer",
               "semver.compare", 2, STR("1.0.0"), STR("1"));
}

Test(bi_formats, uuid)
{
    EXPECT("{\"variant\": \"RFC4122\", \"version\": 4}", "uuid.parse", 1,
           STR("{00000000-0000-4000-8000-000000000000}"));
    EXPECT("{\"clocksequence\": 12800, \"domain\": \"Person\", \"id\": 1000, \"macvariables\": "
           "\"local:unicast\", \"nodeid\": \"32-50-96-b3-9f-47\", \"time\": 1693566990121469600, "
           "\"variant\": \"RFC4122\", \"version\": 2}",
           "uuid.parse", 1, STR("urn:uuid:000003e8-48b9-21ee-b200-325096b39f47"));
    EXPECT_UNDEF("uuid.parse", 1, STR("nope"));
    struct value *u;
    cr_assert(bt_call("uuid.rfc4122", &u, 1, STR("k")) == 0);
    struct value *p;
    cr_assert(bt_call("uuid.parse", &p, 1, u) == 0 && p);
    cr_expect(value_equal(value_object_get_str(p, "version"), J("4")));
}
