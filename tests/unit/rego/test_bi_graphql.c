/* test_bi_graphql.c - graphql.* built-ins: AST shapes, parse error texts
 * and positions, schema checks, validation rules and their messages, AST
 * objects as inputs, and the input bounds. */
#include <stdio.h>

#include "bi_test_util.h"

TestSuite(bi_graphql, .init = bt_setup, .fini = bt_teardown);

#define str(s) STR(s)

#define GQL_ERR(name, text, ...)                                                                   \
    do {                                                                                           \
        struct value *got_;                                                                        \
        int rc_ = bt_call(name, &got_, __VA_ARGS__);                                               \
        cr_assert(rc_ < 0, "%s should fail", name);                                                \
        cr_expect(strstr(bt_err.detail, text) != NULL, "%s: got '%s' want '%s'", name,             \
                  bt_err.detail, text);                                                            \
    } while (0)

static const char *SCHEMA = "type Query { hero(episode: Episode): Character droid(id: ID!): "
                            "Droid }\n"
                            "enum Episode { NEWHOPE EMPIRE JEDI }\n"
                            "interface Character { id: ID! name: String friends: [Character] }\n"
                            "type Droid implements Character { id: ID! name: String friends: "
                            "[Character] primaryFunction: String }\n"
                            "type Human implements Character { id: ID! name: String friends: "
                            "[Character] height: Float }\n";

Test(bi_graphql, query_ast_shape)
{
    EXPECT("{\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":"
           "\"a\",\"Name\":\"f\",\"Arguments\":[{\"Name\":\"x\",\"Value\":{\"Kind\":8,\"Raw\":\"\","
           "\"Children\":[{\"Name\":\"\",\"Value\":{\"Kind\":2,\"Raw\":\"1.5e3\"}}]}}]}]}]}",
           "graphql.parse_query", 1, str("{ a: f(x: [1.5e3]) }"));
    EXPECT("{}", "graphql.parse_query", 1, str("  # only a comment\n"));
    EXPECT("{\"Fragments\":[{\"Name\":\"F\",\"TypeCondition\":\"T\",\"SelectionSet\":[{\"Name\":"
           "\"G\"},{\"TypeCondition\":\"\",\"SelectionSet\":[{\"Alias\":\"x\",\"Name\":\"x\"}]}]}]}",
           "graphql.parse_query", 1, str("fragment F on T { ...G ... { x } }"));
}

Test(bi_graphql, strings_are_decoded)
{
    EXPECT("{\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":[{\"Alias\":"
           "\"f\",\"Name\":\"f\",\"Arguments\":[{\"Name\":\"s\",\"Value\":{\"Kind\":3,\"Raw\":"
           "\"a\\\"\\u00e9\\n\"}},{\"Name\":\"b\",\"Value\":{\"Kind\":4,\"Raw\":\"x\\n  y\"}}]}]}]}",
           "graphql.parse_query", 1,
           str("{ f(s: \"a\\\"\\u00e9\\n\", b: \"\"\"\n    x\n      y\n  \"\"\") }"));
}

Test(bi_graphql, parse_errors)
{
    GQL_ERR("graphql.parse_query", "Expected Name, found <EOF> in GraphQL string at location 1:2", 1,
            str("{"));
    /* a lexing error is reported where it was found, as the token the parser rejects */
    GQL_ERR("graphql.parse_query", "Unexpected <Invalid> in GraphQL string at location 1:15", 1,
            str("{ f(a: \"abc) }"));
    GQL_ERR("graphql.parse_query", "Expected Name, found <Invalid> in GraphQL string at location 1:3",
            1, str("{ 'x' }"));
    GQL_ERR("graphql.parse_query", "Expected Name, found Int in GraphQL string at location 2:3", 1,
            str("{\n  12 }"));
    GQL_ERR("graphql.parse_schema", "Unexpected Name \"nope\" in GraphQL string at location 1:1", 1,
            str("nope"));
    GQL_ERR("graphql.parse_schema", "Expected \"on\", found <EOF>", 1, str("directive @d"));
    EXPECT_ERR("eval_type_error", "operand 1 must be string but got number", "graphql.parse_query",
               1, J("1"));
}

Test(bi_graphql, nesting_is_bounded)
{
    char q[2000];
    size_t n = 0;
    q[n++] = '{';
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(q + n, sizeof(q) - n, "a{");
    q[n] = 0;
    GQL_ERR("graphql.parse_query", "nested more than 200 levels deep", 1, str(q));
}

Test(bi_graphql, schema_ast_and_checks)
{
    EXPECT("{\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"d\",\"Kind\":\"INPUT_OBJECT\","
           "\"Name\":\"I\",\"Fields\":[{\"Description\":\"\",\"Name\":\"a\",\"Type\":{\"NamedType\":"
           "\"Int\",\"NonNull\":true},\"DefaultValue\":{\"Kind\":1,\"Raw\":\"3\"}}]}]}",
           "graphql.parse_schema", 1, str("\"d\" input I { a: Int! = 3 }"));
    EXPECT("true", "graphql.schema_is_valid", 1, str(SCHEMA));
    EXPECT("false", "graphql.schema_is_valid", 1, str("type Query { a: Nope }"));
    EXPECT("false", "graphql.schema_is_valid", 1, str("type Query { a: Int } type Query { b: Int }"));
    EXPECT("false", "graphql.schema_is_valid", 1, str("type Query { __a: Int }"));
    EXPECT("false", "graphql.schema_is_valid", 1,
           str("input A { b: B! } input B { a: A! } type Query { x(a: A): Int }"));
    EXPECT("false", "graphql.schema_is_valid", 1, str("type Query { a: Int @skip(if: true) }"));
    EXPECT("false", "graphql.schema_is_valid", 1, J("5"));
    GQL_ERR("graphql.parse", "Error in gqlparser SchemaDocument to Schema conversion: input:1:7: "
                             "Undefined type \"Nope\".",
            2, str("{ a }"), str("union U = Nope type Query { a: U }"));
}

Test(bi_graphql, validation_messages)
{
    struct value *s = str(SCHEMA);
    EXPECT("true", "graphql.is_valid", 2, str("{ hero(episode: JEDI) { name ... on Droid { "
                                              "primaryFunction } } }"),
           s);
    GQL_ERR("graphql.parse", "Cannot query field \"nam\" on type \"Character\". Did you mean "
                             "\"name\"?\n in GraphQL string at location 1:10",
            2, str("{ hero { nam } }"), s);
    GQL_ERR("graphql.parse", "Value \"JEDAI\" does not exist in \"Episode\" enum. Did you mean the "
                             "enum value \"JEDI\"?",
            2, str("{ hero(episode: JEDAI) { name } }"), s);
    GQL_ERR("graphql.parse", "Field \"hero\" of type \"Character\" must have a selection of "
                             "subfields. Did you mean \"hero { ... }\"?",
            2, str("{ hero }"), s);
    GQL_ERR("graphql.parse", "Variable \"$e\" is never used in operation \"Q\"", 2,
            str("query Q($e: Episode) { hero { id } }"), s);
    GQL_ERR("graphql.parse", "Variable \"$x\" is not defined in GraphQL string at location 1:17", 2,
            str("{ hero(episode: $x) { id } }"), s);
    GQL_ERR("graphql.parse", "Unknown fragment \"F\" in GraphQL string at location 1:13", 2, str("{ hero { ...F } }"), s);
    GQL_ERR("graphql.parse", "Fields \"id\" conflict because \"id\" and \"name\" are different "
                             "fields. Use different aliases",
            2, str("{ hero { id id: name } }"), s);
    GQL_ERR("graphql.parse", "Cannot spread fragment \"A\" within itself via \"B\" in GraphQL", 2,
            str("{ hero { ...A } } fragment A on Character { ...B } fragment B on Character "
                "{ ...A }"),
            s);
    GQL_ERR("graphql.parse", "Schema does not support operation type \"mutation\"", 2,
            str("mutation { x }"), s);
    GQL_ERR("graphql.parse", "Field \"droid\" argument \"id\" of type \"ID!\" is required", 2,
            str("{ droid { id } }"), s);
    /* the last "." of the list is dropped; a "?" is not, so its newline stays (as in OPA) */
    /* the rest of the error list follows the first message, as OPA prints it */
    GQL_ERR("graphql.parse", "Unknown directive \"@x\".\ninput:1:17: Unknown directive \"@y\" in "
                             "GraphQL string at location 1:14",
            2, str("{ hero { id @x @y } }"), s);
}

Test(bi_graphql, ast_objects_round_trip)
{
    struct value *s = str(SCHEMA);
    struct value *q = str("query Q($e: Episode = JEDI) { hero(episode: $e) { id } }");
    struct value *out = NULL;
    cr_assert(bt_call("graphql.parse", &out, 2, q, s) == 0, "%s", bt_err.detail);
    struct value *qast = out->u.arr.items[0], *sast = out->u.arr.items[1];
    struct value *again = NULL;
    cr_assert(bt_call("graphql.parse", &again, 2, qast, sast) == 0, "%s", bt_err.detail);
    cr_expect(value_equal(again, out), "round trip: %s vs %s", bt_json(again), bt_json(out));
    EXPECT("true", "graphql.is_valid", 2, qast, sast);
    /* decoded selections are always Fields (gqlparser's decoder) */
    EXPECT("false", "graphql.is_valid", 2,
           J("{\"Operations\":[{\"Operation\":\"query\",\"SelectionSet\":[{\"Name\":\"F\"}]}]}"),
           sast);
    EXPECT("false", "graphql.is_valid", 2, J("{\"Operations\":5}"), sast);
    EXPECT("[false, {}, {}]", "graphql.parse_and_verify", 2, str("{ nope }"), s);
    EXPECT_ERR("eval_type_error", "operand 2 must be one of {string, object} but got number",
               "graphql.parse", 2, q, J("1"));
}
