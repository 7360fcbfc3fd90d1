/* test_bi_misc.c - templates, walk, graphs, internal.test_case, http.send argument checks. */
#include "bi_test_util.h"

TestSuite(bi_misc, .init = bt_setup, .fini = bt_teardown);

Test(bi_misc, templates)
{
    struct value *parts[4] = {STR("a="), S("[42]"), STR(" b="), S("[]")};
    EXPECT_V(STR("a=42 b=<undefined>"), "internal.template_string", 1, v_array(&bt_arena, parts, 4));
    struct value *many[1] = {S("[1, 2]")};
    EXPECT_ERR("eval_builtin_error", "multiple outputs", "internal.template_string", 1,
               v_array(&bt_arena, many, 1));
    EXPECT("\"hello rohan,hello john doe\"", "strings.render_template", 2,
           STR("{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}"),
           J("{\"hellonames\": [\"rohan\", \"john doe\"]}"));
    EXPECT_ERR("eval_builtin_error", "map has no entry for key", "strings.render_template", 2,
               STR("test {{.foo}} {{.baz}}"), J("{\"baz\": 1}"));
}

/* internal.test_case: OPA's test-framework hook answers true for an
 * array (its declared argument) and is a type error otherwise. */
Test(bi_misc, internal_test_case)
{
    EXPECT("true", "internal.test_case", 1, J("[\"data.p.test_x\"]"));
    EXPECT("true", "internal.test_case", 1, J("[]"));
    EXPECT_ERR("eval_type_error", "operand 1 must be array but got object", "internal.test_case", 1,
               J("{}"));
}

Test(bi_misc, walk_graph)
{
    EXPECT("[[[], {\"a\": [1]}], [[\"a\"], [1]], [[\"a\", 0], 1]]", "walk", 1, J("{\"a\": [1]}"));
    EXPECT_V(S("[\"a\", \"b\", \"c\"]"), "graph.reachable", 2,
             J("{\"a\": [\"b\"], \"b\": [\"c\"], \"c\": [\"a\"], \"d\": []}"), J("[\"a\"]"));
    EXPECT_V(S("[[\"a\", \"b\", \"c\"]]"), "graph.reachable_paths", 2,
             J("{\"a\": [\"b\"], \"b\": [\"c\"], \"c\": []}"), J("[\"a\"]"));
}

/* The initial nodes must be an array or a set (OPA's own check: a string
 * from input is a type error, not an empty result). */
Test(bi_misc, graph_initial_nodes_type)
{
    const char *want = "operand 2 must be {array, set} but got string";
    EXPECT_ERR("eval_type_error", want, "graph.reachable", 2, J("{\"a\": []}"), STR("a"));
    EXPECT_ERR("eval_type_error", want, "graph.reachable_paths", 2, J("{\"a\": []}"), STR("a"));
    EXPECT_ERR("eval_type_error", "operand 2 must be {array, set} but got null",
               "graph.reachable", 2, J("{}"), J("null"));
    EXPECT_V(S("[\"a\"]"), "graph.reachable", 2, J("{\"a\": []}"), S("[\"a\"]"));
    EXPECT_V(S("[[\"a\"]]"), "graph.reachable_paths", 2, J("{\"a\": null}"), J("[\"a\"]"));
}

Test(bi_misc, http_send_checks)
{
    EXPECT_ERR("eval_type_error", "operand 1 invalid request parameters(s): {\"bad_key\"}",
               "http.send", 1,
               J("{\"bad_key\": 1, \"method\": \"get\", \"url\": \"http://x\"}"));
    EXPECT_ERR("eval_type_error", "operand 1 missing required request parameters(s): {\"url\"}",
               "http.send", 1,
               J("{\"method\": \"get\"}"));
    /* network built-ins off (the default): OPA's unsafe built-in error */
    EXPECT_ERR("rego_type_error", "unsafe built-in function calls in expression: http.send",
               "http.send", 1, J("{\"method\": \"get\", \"url\": \"http://x\"}"));
}
