/* test_eval_guard.c - evaluator semantics behind eval.c's second round of
 * fast paths: equal, neq and the is_<type> tests computed in place (number
 * representations, collections, mocks through `with`), function definitions
 * skipped when their first expression (such a test over the parameters) is
 * false, including else chains and mocks, and an enumerated reference
 * argument taking the element only when the variable is its last operand. */
#include "eval_test_util.h"

TestSuite(eval_guard, .init = et_setup, .fini = et_teardown);

Test(eval_guard, equality_and_type_tests_in_place)
{
    /* operands from input: nothing folded at compile time */
    struct rego_compiled *c = compile(
        "package p\n"
        "eq := [input.i == input.f, input.i == input.two, input.s == input.s2,\n"
        "       input.arr == input.arrf, input.set1 == input.set2, input.nul == input.fal]\n"
        "ne := [input.i != input.f, input.s != input.two, input.arr != input.obj]\n"
        "types := [is_null(input.nul), is_boolean(input.fal), is_number(input.f),\n"
        "          is_string(input.s), is_array(input.arr), is_object(input.obj),\n"
        "          is_set(input.set1), is_array(input.obj), is_string(input.i),\n"
        "          is_set(input.arr)]\n"
        "set1 := {x | some x in input.arr}\n"
        "set_eq if set1 == {x | some x in input.arrf}\n");
    const char *in = "{\"i\": 1, \"f\": 1.0, \"two\": 2, \"s\": \"a\", \"s2\": \"a\","
                     " \"arr\": [1, {\"a\": 2}], \"arrf\": [1.0, {\"a\": 2}], \"obj\": {},"
                     " \"set1\": [1, 2], \"set2\": [2, 1], \"nul\": null, \"fal\": false}";
    cr_assert_str_eq(eval_in(c, "data.p.eq", in), "[true,false,true,true,false,false]");
    cr_assert_str_eq(eval_in(c, "data.p.ne", in), "[false,true,true]");
    cr_assert_str_eq(eval_in(c, "data.p.types", in),
                     "[true,true,true,true,true,true,false,false,false,false]");
    cr_assert_str_eq(eval_in(c, "data.p.set_eq", in), "true");
    rego_compiled_free(c);
}

Test(eval_guard, definitions_skipped_on_a_false_first_test)
{
    struct rego_compiled *c = compile(
        "package p\n"
        "match(r, v) if { not is_array(r); v == r }\n"
        "match(r, v) if { is_array(r); some i; r[i] == v }\n"
        "three(x) if x == 3\n"
        "differ(x, y) if { x != y; true }\n"
        "kind(x) := \"string\" if { is_string(x) } else := \"number\" if { is_number(x) }"
        " else := \"other\"\n"
        "second(x, y) := y if { is_object(y) }\n"
        "matches := [x | some x in input.refs; match(x, \"a\")]\n"
        "threes := [x | some x in input.nums; three(x)]\n"
        "differs := [[x, y] | some x in [1, 2]; some y in [2, 1.0]; differ(x, y)]\n"
        "kinds := [kind(x) | some x in input.nums] if true\n"
        "kinds2 := [kind(x) | some x in [\"s\", 1, null]]\n"
        "seconds := [second(1, x) | some x in [{}, 1, {\"a\": 1}]]\n");
    const char *in = "{\"refs\": [\"a\", [\"b\", \"a\"], [\"c\"], \"b\", []],"
                     " \"nums\": [1, 3, 3.0, \"3\"]}";
    cr_assert_str_eq(eval_in(c, "data.p.matches", in), "[\"a\",[\"b\",\"a\"]]");
    cr_assert_str_eq(eval_in(c, "data.p.threes", in), "[3,3.0]");
    cr_assert_str_eq(eval_in(c, "data.p.differs", in), "[[1,2],[2,1.0]]");
    cr_assert_str_eq(eval_in(c, "data.p.kinds", in),
                     "[\"number\",\"number\",\"number\",\"string\"]");
    cr_assert_str_eq(eval_in(c, "data.p.kinds2", in), "[\"string\",\"number\",\"other\"]");
    cr_assert_str_eq(eval_in(c, "data.p.seconds", in), "[{},{\"a\":1}]");
    rego_compiled_free(c);
}

Test(eval_guard, mocked_tests_decide_the_definition)
{
    /* the real is_array("a") is false; the mock says true */
    struct rego_compiled *c = compile("package p\n"
                                      "fake(_) := true\n"
                                      "arr(x) if is_array(x)\n"
                                      "same(x, y) if x == y\n"
                                      "always(_, _) := true\n"
                                      "never(_, _) := false\n"
                                      "mocked if arr(\"a\") with is_array as fake\n"
                                      "real if arr(\"a\")\n"
                                      "mocked_eq if same(1, 2) with equal as always\n"
                                      "mocked_ne if same(1, 1) with equal as never\n");
    cr_assert_str_eq(eval_in(c, "data.p.mocked", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.real", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.mocked_eq", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.mocked_ne", NULL), "undefined");
    rego_compiled_free(c);
}

Test(eval_guard, enumerated_reference_argument)
{
    struct rego_compiled *c = compile("package p\n"
                                      "diag contains i if { some i; input.m[i][i] == 1 }\n"
                                      "rows contains i if { some i; input.m[i] == [0, 1] }\n"
                                      "heads contains i if { some i; input.m[i][0] == 0 }\n"
                                      "keys contains k if { some k; input.o[k] == k }\n");
    const char *in = "{\"m\": [[1, 0], [0, 1], [0, 0, 1], [1]], \"o\": {\"a\": \"a\", \"b\": \"c\"}}";
    cr_assert_str_eq(eval_in(c, "data.p.diag", in), "[0,1,2]");
    cr_assert_str_eq(eval_in(c, "data.p.rows", in), "[1]");
    cr_assert_str_eq(eval_in(c, "data.p.heads", in), "[1,2]");
    cr_assert_str_eq(eval_in(c, "data.p.keys", in), "[\"a\"]");
    rego_compiled_free(c);
}
