/* test_bi_jsonschema.c - json.verify_schema / json.match_schema (schema
 * compile errors, keyword checks and gojsonschema's error objects) and
 * regex.globs_match (glob intersection and its error texts). */
#include "bi_test_util.h"

TestSuite(bi_jsonschema, .init = bt_setup, .fini = bt_teardown);

Test(bi_jsonschema, verify)
{
    EXPECT("[true, null]", "json.verify_schema", 1, J("{\"type\": [\"string\", \"null\"]}"));
    EXPECT("[true, null]", "json.verify_schema", 1, STR("{\"properties\": {\"a\": true}}"));
    EXPECT("[false, \"jsonschema: invalid JSON string\"]", "json.verify_schema", 1, STR("{"));
    EXPECT("[false, \"jsonschema: wrong type, expected string or object\"]", "json.verify_schema", 1,
           J("5"));
    EXPECT("[false, \"jsonschema: string type is duplicated\"]", "json.verify_schema", 1,
           J("{\"type\": [\"string\", \"string\"]}"));
    EXPECT("[false, \"jsonschema: minLength must be greater than or equal to 0\"]",
           "json.verify_schema", 1, J("{\"minLength\": -1}"));
    EXPECT("[false, \"jsonschema: multipleOf must be strictly greater than 0\"]",
           "json.verify_schema", 1, J("{\"multipleOf\": 0}"));
}

Test(bi_jsonschema, match_errors)
{
    EXPECT("[false, [{\"error\": \"(root): name is required\", \"type\": \"required\", "
           "\"field\": \"(root)\", \"desc\": \"name is required\"}]]",
           "json.match_schema", 2, J("{}"), J("{\"required\": [\"name\"]}"));
    EXPECT("[false, [{\"error\": \"a.1: Must be less than or equal to 3\", \"type\": "
           "\"number_lte\", \"field\": \"a.1\", \"desc\": \"Must be less than or equal to 3\"}]]",
           "json.match_schema", 2, J("{\"a\": [1, 4]}"),
           J("{\"properties\": {\"a\": {\"items\": {\"maximum\": 3}}}}"));
    EXPECT("[false, [{\"error\": \"(root): Additional property b is not allowed\", \"type\": "
           "\"additional_property_not_allowed\", \"field\": \"(root)\", \"desc\": \"Additional "
           "property b is not allowed\"}]]",
           "json.match_schema", 2, J("{\"a\": 1, \"b\": 2}"),
           J("{\"properties\": {\"a\": {}}, \"additionalProperties\": false}"));
    EXPECT("[false, [{\"error\": \"x: x must be one of the following: \\\"a\\\", 1\", \"type\": "
           "\"enum\", \"field\": \"x\", \"desc\": \"x must be one of the following: \\\"a\\\", "
           "1\"}]]",
           "json.match_schema", 2, J("{\"x\": 2}"),
           J("{\"properties\": {\"x\": {\"enum\": [\"a\", 1]}}}"));
}

Test(bi_jsonschema, match_keywords)
{
    EXPECT("[true, []]", "json.match_schema", 2, STR("[1, 2.0, 3]"),
           J("{\"items\": {\"type\": \"integer\"}, \"uniqueItems\": true}"));
    EXPECT("[true, []]", "json.match_schema", 2, J("{\"n\": \"ab\"}"),
           J("{\"definitions\": {\"s\": {\"type\": \"string\", \"pattern\": \"^a\"}}, "
             "\"properties\": {\"n\": {\"$ref\": \"#/definitions/s\"}}}"));
    struct value *got;
    cr_assert(bt_call("json.match_schema", &got, 2, J("[1, 1]"), J("{\"uniqueItems\": true}")) == 0);
    cr_expect(got->u.arr.items[0]->type == V_BOOL && !got->u.arr.items[0]->u.b);
    cr_assert(bt_call("json.match_schema", &got, 2, STR("\"x\""),
                      J("{\"oneOf\": [{\"type\": \"string\"}, {\"minLength\": 1}]}")) == 0);
    cr_expect(!got->u.arr.items[0]->u.b, "both branches match: oneOf fails");
    cr_assert(bt_call("json.match_schema", &got, 2, STR("7"),
                      J("{\"exclusiveMinimum\": 7, \"multipleOf\": 0.5}")) == 0);
    cr_expect(!got->u.arr.items[0]->u.b);
    EXPECT_ERR("eval_builtin_error", "remote schema references are not supported",
               "json.match_schema", 2, STR("1"), J("{\"$ref\": \"http://example.com/s.json\"}"));
}

TestSuite(bi_globs, .init = bt_setup, .fini = bt_teardown);

Test(bi_globs, intersection)
{
    EXPECT("true", "regex.globs_match", 2, STR("a.a.[0-9]+z"), STR(".b.b2359825792*594823z"));
    EXPECT("false", "regex.globs_match", 2, STR("[a-z]+"), STR("[0-9]*"));
    EXPECT("true", "regex.globs_match", 2, STR("a*b+"), STR("aab"));
    EXPECT("false", "regex.globs_match", 2, STR("ab"), STR("a"));
    EXPECT("true", "regex.globs_match", 2, STR("\\.x"), STR(".x"));
    EXPECT("false", "regex.globs_match", 2, STR("\\.x"), STR("yx"));
    /* the library's answer, although "" matches a*: an empty glob only meets an empty one */
    EXPECT("false", "regex.globs_match", 2, STR(""), STR("a*"));
}

Test(bi_globs, errors)
{
    EXPECT_ERR("eval_builtin_error",
               "input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is "
               "invalid",
               "regex.globs_match", 2, STR("pqrs]"), STR("a"));
    EXPECT_ERR("eval_builtin_error", "pos:1, flag '*' must be preceded by a non-flag",
               "regex.globs_match", 2, STR("*"), STR("a"));
    EXPECT_ERR("eval_builtin_error", "found [ without matching ]", "regex.globs_match", 2,
               STR("[ab"), STR("a"));
    EXPECT_ERR("eval_builtin_error", "range is out of order: 'a' comes before 'z'",
               "regex.globs_match", 2, STR("[z-a]"), STR("a"));
    EXPECT_ERR("eval_builtin_error", "input ends with a \\ (escape) character", "regex.globs_match",
               2, STR("a\\"), STR("a"));
}
