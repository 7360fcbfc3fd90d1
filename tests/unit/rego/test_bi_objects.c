/* test_bi_objects.c - object.*, json.filter/remove/patch, arrays, sets. */
#include "bi_test_util.h"

TestSuite(bi_objects, .init = bt_setup, .fini = bt_teardown);

Test(bi_objects, get_keys_remove_filter)
{
    EXPECT("1", "object.get", 3, J("{\"a\": 1}"), STR("a"), J("0"));
    EXPECT("0", "object.get", 3, J("{\"a\": 1}"), STR("b"), J("0"));
    EXPECT("3", "object.get", 3, J("{\"a\": {\"b\": [1, 3]}}"), J("[\"a\", \"b\", 1]"), J("0"));
    EXPECT("{\"a\": 1}", "object.get", 3, J("{\"a\": 1}"), J("[]"), J("0"));
    EXPECT_ERR("eval_type_error", "object.get: operand 1 must be object but got string", "object.get",
               3, STR("x"), STR("a"), J("0"));
    EXPECT_V(S("[\"a\", \"b\"]"), "object.keys", 1, J("{\"a\": 1, \"b\": 2}"));
    EXPECT("{\"b\": 2}", "object.remove", 2, J("{\"a\": 1, \"b\": 2}"), J("[\"a\"]"));
    EXPECT("{\"a\": 1}", "object.filter", 2, J("{\"a\": 1, \"b\": 2}"), J("{\"a\": 0}"));
    EXPECT_ERR("eval_type_error", "operand 2 must be one of {object, set, array} but got string",
               "object.remove", 2, J("{}"), STR("a"));
}

Test(bi_objects, union_subset)
{
    EXPECT("{\"a\": {\"b\": 1, \"c\": 2}, \"d\": 3}", "object.union", 2, J("{\"a\": {\"b\": 1}, \"d\": 0}"),
           J("{\"a\": {\"c\": 2}, \"d\": 3}"));
    EXPECT("{\"a\": {\"c\": 3}}", "object.union_n", 1, J("[{\"a\": {\"b\": 2}}, {\"a\": 4}, {\"a\": {\"c\": 3}}]"));
    EXPECT("true", "object.subset", 2, J("{\"a\": {\"b\": 1, \"c\": 2}}"), J("{\"a\": {\"b\": 1}}"));
    EXPECT("true", "object.subset", 2, J("[1, 2, 3, 4]"), J("[2, 3]"));
    EXPECT("false", "object.subset", 2, J("[1, 2, 3, 4]"), J("[2, 4]"));
    EXPECT("true", "object.subset", 2, J("[1, 2, 3, 4]"), S("[4, 2]"));
    EXPECT_ERR("eval_type_error", "both arguments object.subset must be of the same type or array and set",
               "object.subset", 2, J("{}"), J("[]"));
}

Test(bi_objects, json_filter_remove)
{
    EXPECT("{\"a\": {\"b\": 1}}", "json.filter", 2, J("{\"a\": {\"b\": 1, \"c\": 2}, \"d\": 3}"),
           J("[\"a/b\"]"));
    EXPECT("{\"a\": [\"y\"]}", "json.filter", 2, J("{\"a\": [\"x\", \"y\"]}"), J("[\"/a/1\"]"));
    EXPECT("{\"a\": {\"c\": 2}, \"d\": 3}", "json.remove", 2,
           J("{\"a\": {\"b\": 1, \"c\": 2}, \"d\": 3}"), J("[[\"a\", \"b\"]]"));
    EXPECT("{\"a\": [\"x\"]}", "json.remove", 2, J("{\"a\": [\"x\", \"y\"]}"), J("[\"a/1\"]"));
    EXPECT_ERR("eval_type_error",
               "json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number",
               "json.remove", 2, J("{}"), J("[1]"));
}

Test(bi_objects, json_patch)
{
    EXPECT("{\"a\": 1, \"b\": [0, 2]}", "json.patch", 2, J("{\"a\": 1, \"b\": [2]}"),
           J("[{\"op\": \"add\", \"path\": \"/b/0\", \"value\": 0}]"));
    EXPECT("{\"b\": [2, 9]}", "json.patch", 2, J("{\"a\": 9, \"b\": [2]}"),
           J("[{\"op\": \"move\", \"from\": \"/a\", \"path\": \"/b/-\"}]"));
    EXPECT("{\"a\": 2}", "json.patch", 2, J("{\"a\": 1}"),
           J("[{\"op\": \"replace\", \"path\": \"/a\", \"value\": 2}, {\"op\": \"test\", \"path\": \"/a\", \"value\": 2}]"));
    EXPECT_UNDEF("json.patch", 2, J("{\"a\": 1}"), J("[{\"op\": \"remove\", \"path\": \"/x\"}]"));
}

Test(bi_objects, arrays_and_sets)
{
    EXPECT("[1, 2, 3]", "array.concat", 2, J("[1]"), J("[2, 3]"));
    EXPECT("[2, 3]", "array.slice", 3, J("[1, 2, 3, 4, 5]"), J("1"), J("3"));
    EXPECT("[1, 2]", "array.slice", 3, J("[1, 2, 3, 4, 5]"), J("-1"), J("2"));
    EXPECT("[]", "array.slice", 3, J("[1, 2, 3, 4, 5]"), J("4"), J("1"));
    EXPECT("[3, 2, 1]", "array.reverse", 1, J("[1, 2, 3]"));
    EXPECT("[1, [2], 3]", "array.flatten", 1, J("[[1, [2]], 3]"));
    struct value *sets[2] = {S("[1, 2]"), S("[2, 3]")};
    struct value *ss = v_set(&bt_arena, sets, 2);
    EXPECT_V(S("[2]"), "intersection", 1, ss);
    EXPECT_V(S("[1, 2, 3]"), "union", 1, ss);
    EXPECT_ERR("eval_type_error", "array.concat: operand 1 must be array but got object", "array.concat",
               2, J("{}"), J("[]"));
}
