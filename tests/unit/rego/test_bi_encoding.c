/* test_bi_encoding.c - numbers/bits/casts and the encoding built-ins. */
#include "bi_test_util.h"

TestSuite(bi_encoding, .init = bt_setup, .fini = bt_teardown);

Test(bi_encoding, numbers_bits)
{
    EXPECT("[1, 2, 3]", "numbers.range", 2, J("1"), J("3"));
    EXPECT("[3, 2, 1]", "numbers.range", 2, J("3"), J("1"));
    EXPECT("[0, 4, 8]", "numbers.range_step", 3, J("0"), J("10"), J("4"));
    EXPECT_ERR("eval_builtin_error", "numbers.range_step: step must be a positive number above zero",
               "numbers.range_step", 3, J("0"), J("10"), J("-2"));
    EXPECT_ERR("eval_type_error", "numbers.range: operand 1 must be integer number but got floating-point number",
               "numbers.range", 2, J("1.5"), J("3"));
    EXPECT("3", "abs", 1, J("-3"));
    EXPECT("1.5", "abs", 1, J("-1.5"));
    EXPECT("-2", "round", 1, J("-1.5"));
    EXPECT("2", "ceil", 1, J("1.2"));
    EXPECT("1", "floor", 1, J("1.8"));
    EXPECT("7", "bits.or", 2, J("5"), J("3"));
    EXPECT("-6", "bits.negate", 1, J("5"));
    EXPECT("1267650600228229401496703205376", "bits.lsh", 2, J("1"), J("100"));
    EXPECT("-1", "bits.rsh", 2, J("-2"), J("1"));
    EXPECT_ERR("eval_type_error", "bits.lsh: operand 2 must be an unsigned integer number but got a negative integer",
               "bits.lsh", 2, J("1"), J("-1"));
    EXPECT("-42", "to_number", 1, STR("-42.0"));
    EXPECT("1", "to_number", 1, J("true"));
    EXPECT("0", "to_number", 1, J("null"));
    EXPECT_ERR("eval_type_error", "", "to_number", 1, STR("inf"));
    EXPECT_ERR("eval_builtin_error", "invalid syntax", "to_number", 1, STR("broken"));
}

Test(bi_encoding, base64_hex)
{
    EXPECT("\"aGVsbG8=\"", "base64.encode", 1, STR("hello"));
    EXPECT("\"hello\"", "base64.decode", 1, STR("aGVsbG8="));
    EXPECT("false", "base64.is_valid", 1, STR("aGVsbG8"));
    EXPECT("true", "base64.is_valid", 1, STR("aGVs\nbG8="));
    EXPECT("\"hello\"", "base64url.decode", 1, STR("aGVsbG8"));
    EXPECT("\"aGVsbG8\"", "base64url.encode_no_pad", 1, STR("hello"));
    EXPECT("\"68656c6c6f\"", "hex.encode", 1, STR("hello"));
    EXPECT("\"hello\"", "hex.decode", 1, STR("68656C6C6F"));
    EXPECT_ERR("eval_builtin_error", "invalid byte: U+0067 'g'", "hex.decode", 1, STR("6g"));
}

Test(bi_encoding, json)
{
    EXPECT("\"{\\\"a\\\":[1,2.5,\\\"\\\\u003c\\\"]}\"", "json.marshal", 1, J("{\"a\": [1, 2.5, \"<\"]}"));
    EXPECT_V(STR("JSON => {\nJSON => \t\"bar\": \"baz\",\nJSON => \t\"foo\": \"bar\"\nJSON => }"),
             "json.marshal_with_options", 2, J("{\"foo\": \"bar\", \"bar\": \"baz\"}"),
             J("{\"prefix\": \"JSON => \"}"));
    EXPECT_V(STR("---[]"), "json.marshal_with_options", 2, J("[]"),
             J("{\"indent\": \"    \", \"prefix\": \"---\"}"));
    EXPECT_ERR("eval_type_error", "object contained unknown key \"x\"",
               "json.marshal_with_options", 2, J("[]"), J("{\"x\": 1}"));
    EXPECT("{\"a\": [1]}", "json.unmarshal", 1, STR("{\"a\": [1]}"));
    EXPECT("true", "json.is_valid", 1, STR("[1]"));
    EXPECT("false", "json.is_valid", 1, STR("[1"));
}

Test(bi_encoding, urlquery)
{
    EXPECT("\"a+b%26c%3D\"", "urlquery.encode", 1, STR("a b&c="));
    EXPECT("\"a b&c=\"", "urlquery.decode", 1, STR("a+b%26c%3D"));
    EXPECT_ERR("eval_builtin_error", "invalid URL escape \"%zz\"", "urlquery.decode", 1, STR("%zz"));
    EXPECT("\"a=1&a=2&b=x+y\"", "urlquery.encode_object", 1, J("{\"b\": \"x y\", \"a\": [\"1\", \"2\"]}"));
    EXPECT("{\"a\": [\"1\", \"2\"], \"b\": [\"\"]}", "urlquery.decode_object", 1, STR("a=1&b&a=2"));
}

Test(bi_encoding, yaml)
{
    EXPECT("{\"a\": [1, true, null, \"x\", 1.5], \"1\": \"on\"}", "yaml.unmarshal", 1,
           STR("a:\n- 1\n- yes\n- ~\n- x\n- 1.5\n1: 'on'\n"));
    EXPECT_ERR("eval_builtin_error", "yaml: line 1: did not find", "yaml.unmarshal", 1, STR("[1,2,3"));
    EXPECT("false", "yaml.is_valid", 1, STR("a: [1"));
    struct value *v = J("[{\"foo\": [1, 2, 3], \"s\": \"true\", \"e\": {}}]");
    struct value *m;
    cr_assert(bt_call("yaml.marshal", &m, 1, v) == 0);
    EXPECT_V(v, "yaml.unmarshal", 1, m);
    EXPECT_V(STR("- e: {}\n  foo:\n  - 1\n  - 2\n  - 3\n  s: 'true'\n"), "yaml.marshal", 1, v);
}
