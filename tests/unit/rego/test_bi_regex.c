/* test_bi_regex.c - RE2 semantics on PCRE2 and glob matching. */
#include "bi_test_util.h"

TestSuite(bi_regex, .init = bt_setup, .fini = bt_teardown);

Test(bi_regex, validity_re2_only)
{
    EXPECT("true", "regex.is_valid", 1, STR("^[a-z]+(?P<n>\\d+)?$"));
    EXPECT("false", "regex.is_valid", 1, STR("(a)\\1"));
    EXPECT("false", "regex.is_valid", 1, STR("a(?=b)"));
    EXPECT("false", "regex.is_valid", 1, STR("a(?<!b)"));
    EXPECT("false", "regex.is_valid", 1, STR("a++"));
    EXPECT("false", "regex.is_valid", 1, STR("a{1001}"));
    EXPECT("false", "regex.is_valid", 1, STR("("));
    EXPECT("false", "regex.is_valid", 1, J("1"));
    EXPECT_ERR("eval_builtin_error", "error parsing regexp: missing closing ]: `[`", "regex.match", 2,
               STR("["), STR("x"));
}

Test(bi_regex, match_semantics)
{
    EXPECT("true", "regex.match", 2, STR("^a.c$"), STR("a\xc3\xa9"
                                                        "c"));
    EXPECT("false", "regex.match", 2, STR("^abc$"), STR("abc\n"));
    EXPECT("true", "regex.match", 2, STR("(?m)^abc$"), STR("x\nabc\n"));
    EXPECT("false", "regex.match", 2, STR("\\s"), STR("\x0b"));
    EXPECT("true", "regex.match", 2, STR("\\v"), STR("\x0b"));
    EXPECT("true", "regex.match", 2, STR("(?i)ABC"), STR("abc"));
}

Test(bi_regex, find_split_replace)
{
    EXPECT("[\"a\", \"b\", \"c\"]", "regex.find_n", 3, STR("[a-z]"), STR("a1b2c"), J("-1"));
    EXPECT("[\"a\", \"b\"]", "regex.find_n", 3, STR("[a-z]"), STR("a1b2c"), J("2"));
    EXPECT("[\"\", \"\", \"\"]", "regex.find_n", 3, STR("x*"), STR("ab"), J("-1"));
    EXPECT("[[\"a1\", \"a\", \"1\"], [\"b2\", \"b\", \"2\"]]", "regex.find_all_string_submatch_n", 3,
           STR("([a-z])(\\d)"), STR("a1b2"), J("-1"));
    EXPECT("[\"a\", \"b\", \"c\"]", "regex.split", 2, STR(","), STR("a,b,c"));
    EXPECT("[\"\"]", "regex.split", 2, STR(","), STR(""));
    EXPECT("\"-0-0-\"", "regex.replace", 3, STR("-wy-wxxy-"), STR("w(x*)y"), STR("0"));
    EXPECT("\"foofoo\"", "regex.replace", 3, STR("foo"), STR("(foo)"), STR("$1$1"));
    EXPECT("\"Foo\"", "regex.replace", 3, STR("foo"), STR("^[a-z]"), STR("F"));
    EXPECT("\"_o __\"", "regex.replace", 3, STR("foo barx"), STR("[a-z]{2}"), STR("_"));
    EXPECT("\"-a-b-\"", "regex.replace", 3, STR("ab"), STR("x*"), STR("-"));
    EXPECT("true", "regex.template_match", 4, STR("urn:foo:{.*}"), STR("urn:foo:bar:baz"), STR("{"),
           STR("}"));
}

Test(bi_regex, glob)
{
    EXPECT("true", "glob.match", 3, STR("*.github.com"), J("[\".\"]"), STR("api.github.com"));
    EXPECT("false", "glob.match", 3, STR("*.github.com"), J("[\".\"]"), STR("api.cdn.github.com"));
    EXPECT("true", "glob.match", 3, STR("api.**.com"), J("[\".\"]"), STR("api.cdn.github.com"));
    EXPECT("false", "glob.match", 3, STR("*"), J("[]"), STR("foo.bar"));
    EXPECT("true", "glob.match", 3, STR("*"), J("null"), STR("foo.bar"));
    EXPECT("true", "glob.match", 3, STR("{cat,bat,[fr]at}"), J("[]"), STR("rat"));
    EXPECT("false", "glob.match", 3, STR("[!a-c]at"), J("[]"), STR("bat"));
    EXPECT("false", "glob.match", 3, STR("?at"), J("[\"f\"]"), STR("fat"));
    EXPECT("\"\\\\*.github.com\"", "glob.quote_meta", 1, STR("*.github.com"));
}
