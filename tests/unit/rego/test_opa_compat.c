/* test_opa_compat.c - the built-ins whose behaviour depends on the OPA
 * generation (rego_eval_opts.opa_compat, docs/rego-builtins.md), each
 * evaluated through the engine under REGO_OPA_2025 (the default) and
 * REGO_OPA_2026: numbers.range_step, strings.render_template,
 * io.jwt.encode_sign(_raw) header reading, graphql.* (AST values,
 * VariablesInAllowedPosition, schema errors without a position). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rego/rego.h"

static struct arena g_arena;

static void setup(void)
{
    arena_init(&g_arena, 1 << 16);
}
static void teardown(void)
{
    arena_free(&g_arena);
}

TestSuite(opa_compat, .init = setup, .fini = teardown);

#define HS256_KEY                                                                                  \
    "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"                       \
    "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}"

struct outcome {
    struct value *value; /* NULL when undefined or on error */
    const char *error;   /* the error detail, or NULL */
};

/* Evaluates `x := <expr>` in a v1 module with strict built-in errors. */
static struct outcome eval_expr(enum rego_opa_compat compat, const char *expr)
{
    char *text = arena_sprintf(&g_arena, "package t\nx := %s\n", expr);
    struct rego_source src = {"t.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &err), 0, "%s: %s", expr, err.detail);
    struct rego_eval_opts o = {.strict_builtin_errors = true, .opa_compat = compat};
    struct outcome r = {NULL, NULL};
    if (rego_eval_path(c, "data.t.x", &o, &g_arena, &r.value, NULL, &err) < 0)
        r.error = arena_strdup(&g_arena, err.detail);
    rego_compiled_free(c);
    return r;
}

static struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s", err.detail);
    return v;
}

static const char *compat_name(enum rego_opa_compat compat)
{
    return compat == REGO_OPA_2026 ? "2026" : "2025";
}

static void expect_value(enum rego_opa_compat compat, const char *expr, const char *want)
{
    struct outcome r = eval_expr(compat, expr);
    cr_assert_null(r.error, "[%s] %s: unexpected error %s", compat_name(compat), expr, r.error);
    cr_assert_not_null(r.value, "[%s] %s: undefined", compat_name(compat), expr);
    cr_expect(value_equal(r.value, J(want)), "[%s] %s: got %s, want %s", compat_name(compat), expr,
              json_to_string(&g_arena, r.value, JSON_COMPACT), want);
}

/* The error detail must contain want (OPA's full message text). */
static void expect_error(enum rego_opa_compat compat, const char *expr, const char *want)
{
    struct outcome r = eval_expr(compat, expr);
    cr_assert_not_null(r.error, "[%s] %s: want error '%s', got %s", compat_name(compat), expr, want,
                       r.value ? json_to_string(&g_arena, r.value, JSON_COMPACT) : "undefined");
    cr_expect(strstr(r.error, want) != NULL, "[%s] %s: error '%s' lacks '%s'", compat_name(compat),
              expr, r.error, want);
}

/* ---- numbers.range_step ---- */

Test(opa_compat, range_step_message)
{
    expect_error(REGO_OPA_2025, "numbers.range_step(1, 5, 0)",
                 "numbers.range_step: step must be a positive number above zero");
    expect_error(REGO_OPA_2026, "numbers.range_step(1, 5, 0)",
                 "numbers.range_step: step must be a positive integer");
    expect_error(REGO_OPA_2026, "numbers.range_step(1, 5, -100000000000000000000)",
                 "numbers.range_step: step must be a positive integer");
    struct outcome r = eval_expr(REGO_OPA_2026, "numbers.range_step(1, 5, 0)");
    cr_expect(strstr(r.error, "above zero") == NULL, "%s", r.error);
    for (int k = 0; k < 2; k++) {
        expect_value((enum rego_opa_compat)k, "numbers.range_step(1, 6, 2)", "[1,3,5]");
        expect_value((enum rego_opa_compat)k, "numbers.range_step(5, 1, 2)", "[5,3,1]");
        expect_error((enum rego_opa_compat)k, "numbers.range_step(1, 5, 1.5)",
                     "operand 3 must be integer number but got floating-point number");
    }
}

/* ---- strings.render_template ---- */

Test(opa_compat, render_template_missing_key)
{
    const char *one = "strings.render_template(`{{.testvarnotprovided}}`, {`test`: `hello world`})";
    expect_error(REGO_OPA_2025, one,
                 "strings.render_template: template: template:1:2: executing \"template\" at "
                 "<.testvarnotprovided>: map has no entry for key \"testvarnotprovided\"");
    expect_value(REGO_OPA_2026, one, "\"<undefined>\"");
    const char *several = "strings.render_template(`test {{.foo}} {{.bar}} {{.baz}}`, {`baz`: 1})";
    expect_error(REGO_OPA_2025, several, "map has no entry for key \"foo\"");
    expect_value(REGO_OPA_2026, several, "\"test <undefined> <undefined> 1\"");
}

Test(opa_compat, render_template_no_value_in_if_range_and_chains)
{
    const char *cond = "strings.render_template(`{{if .m}}yes{{else}}no{{end}}`, {})";
    expect_error(REGO_OPA_2025, cond, "map has no entry for key \"m\"");
    expect_value(REGO_OPA_2026, cond, "\"no\"");
    const char *loop = "strings.render_template(`{{range .m}}r{{else}}empty{{end}}`, {})";
    expect_error(REGO_OPA_2025, loop, "map has no entry for key \"m\"");
    expect_value(REGO_OPA_2026, loop, "\"empty\"");
    /* a missing parent: Go yields "no value" for the whole chain */
    const char *chain = "strings.render_template(`[{{.a.b.c}}]`, {})";
    expect_error(REGO_OPA_2025, chain, "map has no entry for key \"a\"");
    expect_value(REGO_OPA_2026, chain, "\"[<undefined>]\"");
    /* OPA 2026 replaces every "<no value>" of the output, literal text too */
    expect_value(REGO_OPA_2026, "strings.render_template(`<no value> {{.v}}`, {`v`: `<no value>`})",
                 "\"<undefined> <undefined>\"");
    expect_value(REGO_OPA_2025, "strings.render_template(`<no value> {{.v}}`, {`v`: `<no value>`})",
                 "\"<no value> <no value>\"");
}

Test(opa_compat, render_template_same_in_both)
{
    for (int k = 0; k < 2; k++) {
        enum rego_opa_compat c = (enum rego_opa_compat)k;
        expect_value(c,
                     "strings.render_template(`{{range $i, $name := .names}}{{if $i}},{{end}}"
                     "hello {{$name}}{{end}}`, {`names`: [`a`, `b`]})",
                     "\"hello a,hello b\"");
        expect_value(c, "strings.render_template(`{{.test}}`, {`test`: 2023})", "\"2023\"");
        /* a field of a non-object is an error in Go whatever missingkey says */
        expect_error(c, "strings.render_template(`{{.s.f}}`, {`s`: `str`})",
                     "can't evaluate field f in type interface {}");
        expect_error(c, "strings.render_template(`{{.n.f}}`, {`n`: null})",
                     "nil pointer evaluating interface {}.f");
        expect_error(c, "strings.render_template(`{{$nope}}`, {})", "undefined variable \"$nope\"");
    }
}

/* ---- io.jwt.encode_sign_raw / encode_sign ---- */

static char *sign_raw(const char *header_json_string, const char *payload_json_string)
{
    return arena_sprintf(&g_arena, "io.jwt.encode_sign_raw(%s, %s, `%s`)", header_json_string,
                         payload_json_string, HS256_KEY);
}

#define PAYLOAD "`{\"iss\":\"joe\"}`"

Test(opa_compat, jwt_header_errors_of_the_suites)
{
    static const struct {
        const char *header;
        const char *err2025, *err2026;
    } cases[] = {
        {"`{\"typ:\"JWT\",\r\n \"alg\":\"HS256\"}`", "invalid character 'J' after object key",
         "missing or invalid 'alg' header: cannot parse JSON: cannot parse object: missing ':' "
         "after object key; unparsed tail: \"JWT\\\",\\r\\n \\\"alg\\\":\\\"HS256\\\"}\""},
        {"`{\"alg\":\"dummy\"}`", "io.jwt.encode_sign_raw: unknown signature algorithm",
         "io.jwt.encode_sign_raw: unknown JWS algorithm: dummy"},
        {"`{}`", "failed to create signer: unsupported signature algorithm ",
         "missing or invalid 'alg' header: jwsbb: header \"alg\" not found"},
        {"``", "unexpected end of JSON input",
         "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string; "
         "unparsed tail: \"\""},
        {"`e`", "invalid character 'e' looking for beginning of value",
         "missing or invalid 'alg' header: jwsbb: header \"alg\" not found"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_error(REGO_OPA_2025, sign_raw(cases[i].header, PAYLOAD), cases[i].err2025);
        expect_error(REGO_OPA_2026, sign_raw(cases[i].header, PAYLOAD), cases[i].err2026);
    }
}

Test(opa_compat, jwt_header_2026_details)
{
    /* "none" is not one of OPA's token algorithms in 2026 */
    expect_error(REGO_OPA_2025, sign_raw("`{\"alg\":\"none\"}`", PAYLOAD),
                 "failed to create signer: unsupported signature algorithm none");
    expect_error(REGO_OPA_2026, sign_raw("`{\"alg\":\"none\"}`", PAYLOAD),
                 "unknown JWS algorithm: none");
    expect_error(REGO_OPA_2026, sign_raw("`{\"alg\":5}`", PAYLOAD),
                 "missing or invalid 'alg' header: value doesn't contain string; it contains "
                 "number");
    expect_error(REGO_OPA_2026, sign_raw("`[{\"alg\":\"HS256\"}]`", PAYLOAD),
                 "jwsbb: header \"alg\" not found");
    expect_error(REGO_OPA_2026, sign_raw("`{\"alg\":\"HS256\"} x`", PAYLOAD),
                 "missing or invalid 'alg' header: unexpected tail: \"x\"");
    expect_error(REGO_OPA_2026, sign_raw("`{\"a\":-x}`", PAYLOAD),
                 "cannot parse JSON: cannot parse object: cannot parse object value: cannot "
                 "parse number: unexpected char: \"-\"; unparsed tail: \"-x}\"");
    expect_error(REGO_OPA_2026, sign_raw("`tru`", PAYLOAD),
                 "cannot parse JSON: unexpected value found: \"tru\"; unparsed tail: \"tru\"");
    /* fastjson cuts a tail longer than 80 bytes to its first 40, "..." and
     * its last 40 (here ending with the closing brace) */
    expect_error(REGO_OPA_2026,
                 sign_raw("`{\"alg\" 0123456789012345678901234567890123456789abcdefghij"
                          "0123456789012345678901234567890123456789}`",
                          PAYLOAD),
                 "missing ':' after object key; unparsed tail: "
                 "\"0123456789012345678901234567890123456789..."
                 "123456789012345678901234567890123456789}\"");
    /* fastjson does not check numbers or escapes: this header is fine */
    struct outcome lenient = eval_expr(
        REGO_OPA_2026, sign_raw("`{\"alg\":\"HS256\",\"n\":1e+-.,\"s\":\"\\q\"}`", PAYLOAD));
    cr_expect_null(lenient.error, "%s", lenient.error);
    expect_error(REGO_OPA_2025,
                 sign_raw("`{\"alg\":\"HS256\",\"n\":1e+-.,\"s\":\"\\q\"}`", PAYLOAD),
                 "invalid character");
}

Test(opa_compat, jwt_header_keys_and_typ)
{
    /* escaped keys are found once no raw key matches; the first wins */
    struct outcome esc = eval_expr(REGO_OPA_2026, sign_raw("`{\"\\u0061lg\":\"HS256\"}`", PAYLOAD));
    cr_expect_null(esc.error, "%s", esc.error);
    expect_error(REGO_OPA_2026, sign_raw("`{\"\\u0061lg\":\"HS256\",\"alg\":\"x\"}`", PAYLOAD),
                 "unknown JWS algorithm: x");
    expect_error(REGO_OPA_2026, sign_raw("`{\"alg\":\"x\",\"alg\":\"HS256\"}`", PAYLOAD),
                 "unknown JWS algorithm: x");
    /* typ not a string: the payload must be JSON (2025: a type error) */
    expect_error(REGO_OPA_2026, sign_raw("`{\"alg\":\"HS256\",\"typ\":7}`", "`not json`"),
                 "type is JWT but payload is not JSON");
    expect_error(REGO_OPA_2025, sign_raw("`{\"alg\":\"HS256\",\"typ\":7}`", "`not json`"),
                 "json: cannot unmarshal number into Go struct field StandardHeaders.typ of type "
                 "string");
    /* a typ other than JWT lets any payload through in both */
    for (int k = 0; k < 2; k++) {
        struct outcome r = eval_expr((enum rego_opa_compat)k,
                                     sign_raw("`{\"alg\":\"HS256\",\"typ\":\"JOSE\"}`", "`raw`"));
        cr_expect_null(r.error, "%s", r.error);
    }
}

Test(opa_compat, jwt_same_token_in_both)
{
    /* HS256 is deterministic: both generations sign the same text */
    struct outcome a =
        eval_expr(REGO_OPA_2025, sign_raw("`{\"alg\":\"HS256\",\"typ\":\"JWT\"}`", PAYLOAD));
    struct outcome b =
        eval_expr(REGO_OPA_2026, sign_raw("`{\"alg\":\"HS256\",\"typ\":\"JWT\"}`", PAYLOAD));
    cr_assert_null(a.error, "%s", a.error);
    cr_assert_null(b.error, "%s", b.error);
    cr_assert(value_equal(a.value, b.value));
    cr_expect(v_is(a.value, V_STRING) &&
                  strncmp(a.value->u.str.s,
                          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqb2UifQ.", 56) == 0,
              "%s", json_to_string(&g_arena, a.value, JSON_COMPACT));
    /* encode_sign marshals its header object: no alg */
    char *no_alg =
        arena_sprintf(&g_arena, "io.jwt.encode_sign({\"typ\": \"JWT\"}, {}, %s)", HS256_KEY);
    expect_error(REGO_OPA_2025, no_alg,
                 "failed to create signer: unsupported signature algorithm ");
    expect_error(REGO_OPA_2026, no_alg,
                 "missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
}

/* ---- graphql.* ---- */

Test(opa_compat, graphql_expected_type_has_default_in_asts)
{
    expect_value(REGO_OPA_2025, "graphql.parse_query(`{ f(id: 4) }`)",
                 "{\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":"
                 "[{\"Alias\":\"f\",\"Arguments\":[{\"Name\":\"id\",\"Value\":{\"Kind\":1,"
                 "\"Raw\":\"4\"}}],\"Name\":\"f\"}]}]}");
    expect_value(
        REGO_OPA_2026, "graphql.parse_query(`{ f(id: 4) }`)",
        "{\"Operations\":[{\"Name\":\"\",\"Operation\":\"query\",\"SelectionSet\":"
        "[{\"Alias\":\"f\",\"Arguments\":[{\"Name\":\"id\",\"Value\":"
        "{\"ExpectedTypeHasDefault\":false,\"Kind\":1,\"Raw\":\"4\"}}],\"Name\":\"f\"}]}]}");
    expect_value(
        REGO_OPA_2026, "graphql.parse_schema(`type Q { f(a: Int = 1): Int }`)",
        "{\"Definitions\":[{\"BuiltIn\":false,\"Description\":\"\",\"Fields\":"
        "[{\"Arguments\":[{\"DefaultValue\":{\"ExpectedTypeHasDefault\":false,\"Kind\":1,"
        "\"Raw\":\"1\"},\"Description\":\"\",\"Name\":\"a\",\"Type\":{\"NamedType\":"
        "\"Int\",\"NonNull\":false}}],\"Description\":\"\",\"Name\":\"f\",\"Type\":"
        "{\"NamedType\":\"Int\",\"NonNull\":false}}],\"Kind\":\"OBJECT\",\"Name\":\"Q\"}]}");
}

Test(opa_compat, graphql_nullable_variable_for_argument_with_default)
{
    const char *parse = "graphql.parse(`query Q($n: String) { user(name: $n) }`, "
                        "`type Query { user(name: String! = \"x\"): String }`)";
    expect_error(REGO_OPA_2025, parse,
                 "graphql.parse: Variable \"$n\" of type \"String\" used in position expecting "
                 "type \"String!\" in GraphQL string at location 1:34");
    struct outcome r = eval_expr(REGO_OPA_2026, parse);
    cr_expect_null(r.error, "%s", r.error);
    const char *valid = "graphql.is_valid(`query Q($n: String) { user(name: $n) }`, "
                        "`type Query { user(name: String! = \"x\"): String }`)";
    expect_value(REGO_OPA_2025, valid, "false");
    expect_value(REGO_OPA_2026, valid, "true");
    /* input object fields with a default count too */
    const char *field = "graphql.is_valid(`query Q($n: Int) { f(o: {a: $n}) }`, "
                        "`input I { a: Int! = 1 } type Query { f(o: I): Int }`)";
    expect_value(REGO_OPA_2025, field, "false");
    expect_value(REGO_OPA_2026, field, "true");
    /* without a default the variable must be non-null in both */
    for (int k = 0; k < 2; k++)
        expect_value((enum rego_opa_compat)k,
                     "graphql.is_valid(`query Q($n: String) { user(name: $n) }`, "
                     "`type Query { user(name: String!): String }`)",
                     "false");
}

Test(opa_compat, graphql_schema_object_errors_and_decoding)
{
    const char *bad_schema = "graphql.parse(`{ f }`, {\"Definitions\": [{\"Kind\": \"OBJECT\", "
                             "\"Name\": \"Query\", \"Fields\": [{\"Name\": \"f\", \"Type\": "
                             "{\"NamedType\": \"Nope\"}}]}]})";
    expect_error(REGO_OPA_2025, bad_schema,
                 "Error in gqlparser SchemaDocument to Schema conversion: input: Undefined type "
                 "Nope.");
    expect_error(REGO_OPA_2026, bad_schema,
                 "Error in gqlparser SchemaDocument to Schema conversion: input:-1:-1: Undefined "
                 "type Nope.");
    /* 2025's Value has no ExpectedTypeHasDefault: Go skips the key */
    const char *decoded =
        "graphql.is_valid({\"Operations\": [{\"Operation\": \"query\", \"SelectionSet\": "
        "[{\"Name\": \"f\", \"Alias\": \"f\", \"Arguments\": [{\"Name\": \"a\", \"Value\": "
        "{\"Kind\": 1, \"Raw\": \"1\", \"ExpectedTypeHasDefault\": \"yes\"}}]}]}]}, "
        "`type Query { f(a: Int): Int }`)";
    expect_value(REGO_OPA_2025, decoded, "true");
    expect_value(REGO_OPA_2026, decoded, "false");
}
