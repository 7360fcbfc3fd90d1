/* test_bi_core.c - types and aggregates built-ins against OPA's behaviour. */
#include "bi_test_util.h"

TestSuite(bi_core, .init = bt_setup, .fini = bt_teardown);

Test(bi_core, type_tests)
{
    EXPECT("true", "is_number", 1, J("-42.0"));
    EXPECT("false", "is_number", 1, J("null"));
    EXPECT("true", "is_set", 1, S("[1]"));
    EXPECT("false", "is_array", 1, S("[1]"));
    EXPECT("true", "is_object", 1, J("{}"));
    EXPECT("\"set\"", "type_name", 1, S("[]"));
    EXPECT("\"boolean\"", "type_name", 1, J("true"));
}

Test(bi_core, count_and_errors)
{
    EXPECT("3", "count", 1, J("[1,2,3]"));
    EXPECT("2", "count", 1, STR("h\xc3\xa9"));
    EXPECT("1", "count", 1, J("{\"a\":1}"));
    EXPECT_ERR("eval_type_error", "count: operand 1 must be one of {array, object, set, string} but got number",
               "count", 1, J("1"));
}

Test(bi_core, sum_product)
{
    EXPECT("10", "sum", 1, J("[1,2,3,4]"));
    EXPECT("10", "sum", 1, S("[1,2,3,4]"));
    EXPECT("24", "product", 1, S("[1,2,3,4]"));
    EXPECT("49649733058", "sum", 1, J("[49649733057, 1]"));
    EXPECT("18446744073709551614", "sum", 1, J("[9223372036854775807, 9223372036854775807]"));
    EXPECT("3.5", "sum", 1, J("[1, 2.5]"));
    EXPECT("3", "sum", 1, J("[1.5, 1.5]"));
    EXPECT("0", "sum", 1, J("[]"));
    EXPECT("1", "product", 1, J("[]"));
    EXPECT_ERR("eval_type_error", "operand 1 must be array of numbers but got array containing string",
               "sum", 1, J("[1.5, \"a\"]"));
}

Test(bi_core, max_min_sort)
{
    EXPECT("3", "max", 1, J("[1,3,2]"));
    EXPECT("1", "min", 1, S("[1,3,2]"));
    EXPECT_UNDEF("max", 1, J("[]"));
    EXPECT("[null, false, 1, \"a\"]", "sort", 1, J("[\"a\", 1, false, null]"));
    EXPECT("[1, 2]", "sort", 1, S("[2, 1]"));
    EXPECT_ERR("eval_type_error", "sort: operand 1 must be one of {set, array} but got string", "sort", 1,
               STR("x"));
}

Test(bi_core, any_all)
{
    EXPECT("true", "any", 1, J("[false, true]"));
    EXPECT("false", "any", 1, S("[]"));
    EXPECT("true", "all", 1, S("[]"));
    EXPECT("false", "all", 1, J("[true, 1]"));
}
