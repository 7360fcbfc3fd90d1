/* test_bi_strings.c - sprintf (Go fmt semantics) and the Strings family. */
#include "bi_test_util.h"

TestSuite(bi_strings, .init = bt_setup, .fini = bt_teardown);

#define SPRINTF(want, fmt, argsjson) EXPECT_V(STR(want), "sprintf", 2, STR(fmt), J(argsjson))

Test(bi_strings, sprintf_go_verbs)
{
    SPRINTF("hi", "hi", "[]");
    SPRINTF("hi there", "hi %s", "[\"there\"]");
    SPRINTF("hi 05", "hi %02d", "[5]");
    SPRINTF("hi 7F.01", "hi %02X.%02X", "[127, 1]");
    SPRINTF("hi 3.14", "hi %.2f", "[3.1415]");
    struct value *big = v_number_text(&bt_arena, "2e308", 5);
    EXPECT_V(STR("hi 2e308"), "sprintf", 2, STR("hi %v"), v_array(&bt_arena, &big, 1));
    SPRINTF("hi true", "hi %s", "[true]");
    SPRINTF("hi [\"there\", 5, 3.14]", "hi %v", "[[\"there\", 5, 3.14]]");
    SPRINTF("123456789123456789123", "%s", "[123456789123456789123]");
    SPRINTF("%!s(int=1)", "%s", "[1]");
    SPRINTF("%!d(string=a)", "%d", "[\"a\"]");
    SPRINTF("1 %!d(MISSING)", "%d %d", "[1]");
    SPRINTF("1%!(EXTRA string=x)", "%d", "[1, \"x\"]");
    SPRINTF("100%", "%d%%", "[100]");
    SPRINTF("1e+06 1.5 0.0001 1e-05", "%v %v %v %v", "[1000000.0, 1.5, 0.0001, 0.00001]");
    SPRINTF("  abc|abc  ", "%5s|%-5s", "[\"abc\", \"abc\"]");
    SPRINTF("-0042 +42 2a 0x2a 101", "%05d %+d %x %#x %b", "[-42, 42, 42, 42, 5]");
    SPRINTF("1.500000e+00 1.5 3", "%e %g %v", "[1.5, 1.5, 3]");
    SPRINTF("\"a\\n\" int float64 string", "%q %T %T %T", "[\"a\\n\", 1, 1.5, \"x\"]");
    
}

Test(bi_strings, sprintf_sets_text)
{
    struct value *items[2] = {J("{\"a\": 1}"), S("[]")};
    struct value *arr = v_array(&bt_arena, items, 2);
    EXPECT_V(STR("{\"a\": 1} set()"), "sprintf", 2, STR("%v %v"), arr);
    struct value *set_items[1] = {S("[2, 1]")};
    EXPECT_V(STR("{1, 2}"), "sprintf", 2, STR("%v"), v_array(&bt_arena, set_items, 1));
}

Test(bi_strings, substring_and_indexes)
{
    EXPECT("\"bc\"", "substring", 3, STR("abcd"), J("1"), J("2"));
    EXPECT("\"bcd\"", "substring", 3, STR("abcd"), J("1"), J("-1"));
    EXPECT("\"\"", "substring", 3, STR("abcd"), J("9"), J("2"));
    EXPECT_V(STR("\xc3\xa9t"), "substring", 3, STR("\xc3\xa9t\xc3\xa9"), J("0"), J("2"));
    EXPECT_ERR("eval_builtin_error", "substring: negative offset", "substring", 3, STR("a"), J("-1"),
               J("1"));
    EXPECT_ERR("eval_type_error", "operand 2 must be integer number but got floating-point number",
               "substring", 3, STR("a"), J("1.5"), J("1"));
    EXPECT("2", "indexof", 2, STR("\xc3\xa9\xc3\xa9x"), STR("x"));
    EXPECT("-1", "indexof", 2, STR("abc"), STR("z"));
    EXPECT("[0, 2]", "indexof_n", 2, STR("aXa"), STR("a"));
    EXPECT_ERR("eval_builtin_error", "empty search character", "indexof", 2, STR("a"), STR(""));
}

Test(bi_strings, split_replace_trim)
{
    EXPECT("[\"a\", \"b\", \"\"]", "split", 2, STR("a,b,"), STR(","));
    EXPECT("[\"a\", \"b\"]", "split", 2, STR("ab"), STR(""));
    EXPECT("\"-a-b-\"", "replace", 3, STR("ab"), STR(""), STR("-"));
    EXPECT("\"xbxb\"", "replace", 3, STR("abab"), STR("a"), STR("x"));
    EXPECT("\"1 2 c\"", "strings.replace_n", 2, J("{\"a\": \"1\", \"b\": \"2\"}"), STR("a b c"));
    EXPECT("\"b\"", "trim", 2, STR("aabaa"), STR("a"));
    EXPECT("\"baa\"", "trim_left", 2, STR("aabaa"), STR("a"));
    EXPECT("\"aab\"", "trim_right", 2, STR("aabaa"), STR("a"));
    EXPECT("\"x\"", "trim_space", 1, STR(" \t x \n"));
    EXPECT("\"bc\"", "trim_prefix", 2, STR("abc"), STR("a"));
    EXPECT("\"ab\"", "trim_suffix", 2, STR("abc"), STR("c"));
    EXPECT("6", "strings.count", 2, STR("dummy"), STR(""));
    EXPECT("3", "strings.count", 2, STR("cheese"), STR("e"));
}

Test(bi_strings, misc)
{
    EXPECT("\"a,b\"", "concat", 2, STR(","), J("[\"a\", \"b\"]"));
    EXPECT("\"a,b\"", "concat", 2, STR(","), S("[\"b\", \"a\"]"));
    EXPECT_ERR("eval_type_error", "operand 2 must be array of strings but got array containing number",
               "concat", 2, STR(","), J("[1]"));
    EXPECT("\"ABC\\u00c9\"", "upper", 1, STR("abc\xc3\xa9"));
    EXPECT("\"abc\"", "lower", 1, STR("ABC"));
    EXPECT("\"cba\"", "strings.reverse", 1, STR("abc"));
    EXPECT("\"ff\"", "format_int", 2, J("255"), J("16"));
    EXPECT("\"-101\"", "format_int", 2, J("-5.9"), J("2"));
    EXPECT_ERR("eval_type_error", "operand 2 must be one of {2, 8, 10, 16}", "format_int", 2, J("1"),
               J("3"));
    EXPECT("true", "strings.any_prefix_match", 2, J("[\"abc\", \"x\"]"), STR("ab"));
    EXPECT("false", "strings.any_suffix_match", 2, STR("abc"), S("[\"b\"]"));
    EXPECT("true", "startswith", 2, STR("abc"), STR("ab"));
    EXPECT("true", "endswith", 2, STR("abc"), STR("bc"));
    EXPECT("true", "contains", 2, STR("abc"), STR("b"));
}
