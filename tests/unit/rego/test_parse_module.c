/* test_parse_module.c - rego.parse_module: OPA's JSON AST of a module.
 *
 * The exact JSON for the package, imports (rego.v1 and aliases kept),
 * comments (base64 text, locations), each way of writing a rule head,
 * every expression form, sorted sets and objects, wildcard numbering, and
 * the built-in's errors (worded as OPA's ast.Errors).  The text is parsed
 * as Rego v1 whatever the calling policy's version, and METADATA comments
 * stay plain comments. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rego/rego.h"

static struct arena g_arena;

static void setup(void) { arena_init(&g_arena, 1 << 16); }
static void teardown(void) { arena_free(&g_arena); }

TestSuite(parse_module, .init = setup, .fini = teardown);

/* Term shapes */
#define T(type, v) "{\"type\":\"" type "\",\"value\":" v "}"
#define VAR(n) T("var", "\"" n "\"")
#define STR(s) T("string", "\"" s "\"")
#define NUM(n) T("number", n)
#define TRUE T("boolean", "true")
#define REF(...) T("ref", "[" __VA_ARGS__ "]")
#define OP(n) REF(VAR(n))
#define ARR(...) T("array", "[" __VA_ARGS__ "]")
#define TRUE_BODY "[{\"index\":0,\"terms\":" TRUE "}]"

static struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s: %s", json,
                 err.detail);
    return v;
}

static const char *const POLICY = "package t\n"
                                  "m := rego.parse_module(\"x.rego\", input.text)\n";

/* rego.parse_module("x.rego", text) through a compiled policy; NULL when
 * undefined.  err_out (optional) receives the strict-mode error. */
static struct value *parse_ver(const char *text, enum rego_version ver, const char **err_out)
{
    const char *pol = ver == REGO_V0 ? "package t\nm = rego.parse_module(\"x.rego\", input.text) { true }\n"
                                     : POLICY;
    struct rego_source src = {"p.rego", pol, strlen(pol)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, ver, NULL, &c, &err), 0, "%s", err.detail);
    struct value *key = v_cstr(&g_arena, "text");
    struct value *val = v_cstr(&g_arena, text);
    struct value_pair pair = {key, val};
    struct rego_eval_opts o = {.input = v_object(&g_arena, &pair, 1, DUP_LAST_WINS, NULL),
                               .strict_builtin_errors = err_out != NULL};
    struct value *out = NULL;
    int rc = rego_eval_path(c, "data.t.m", &o, &g_arena, &out, NULL, &err);
    if (err_out) {
        cr_assert_eq(rc, -1, "expected an error");
        *err_out = arena_strndup(&g_arena, err.detail, strlen(err.detail));
    } else {
        cr_assert_eq(rc, 0, "%s", err.detail);
    }
    rego_compiled_free(c);
    return out;
}

static struct value *parse(const char *text) { return parse_ver(text, REGO_V1, NULL); }

static void expect_value(const struct value *got, const char *want)
{
    cr_assert_not_null(got, "undefined, want %s", want);
    char *g = json_to_string(&g_arena, got, JSON_COMPACT);
    char *w = json_to_string(&g_arena, J(want), JSON_COMPACT);
    cr_assert_str_eq(g, w);
}

static struct value *rule_at(struct value *m, size_t i)
{
    struct value *rules = value_object_get_str(m, "rules");
    cr_assert_not_null(rules);
    cr_assert(i < rules->u.arr.len);
    return rules->u.arr.items[i];
}

/* The head of the module's only rule. */
static void expect_head(const char *rule_text, const char *want)
{
    char text[512];
    snprintf(text, sizeof(text), "package p\n%s\n", rule_text);
    expect_value(value_object_get_str(rule_at(parse(text), 0), "head"), want);
}

/* The expressions of the body of `p if { <body> }`. */
static void expect_body(const char *body, const char *want)
{
    char text[512];
    snprintf(text, sizeof(text), "package p\np if {\n%s\n}\n", body);
    expect_value(value_object_get_str(rule_at(parse(text), 0), "body"), want);
}

Test(parse_module, whole_module)
{
    struct value *m = parse("package a.b\n\nimport rego.v1\nimport data.x as y\n\n# hi\np := 1\n");
    expect_value(m, "{\"package\":{\"path\":[" VAR("data") "," STR("a") "," STR("b") "]},"
                    "\"imports\":[{\"path\":" REF(VAR("rego") "," STR("v1")) "},"
                    "{\"alias\":\"y\",\"path\":" REF(VAR("data") "," STR("x")) "}],"
                    "\"rules\":[{\"body\":" TRUE_BODY ",\"head\":{\"assign\":true,\"name\":\"p\","
                    "\"ref\":[" VAR("p") "],\"value\":" NUM("1") "}}],"
                    "\"comments\":[{\"Location\":{\"col\":1,\"file\":\"x.rego\",\"row\":6},"
                    "\"Text\":\"IGhp\"}]}");
}

Test(parse_module, the_conformance_shape)
{
    struct value *m = parse("package foo.bar\n\nimport rego.v1\nimport data.a\n\np if { a = true }");
    expect_value(rule_at(m, 0),
                 "{\"body\":[{\"index\":0,\"terms\":[" OP("eq") "," VAR("a") "," TRUE "]}],"
                 "\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE "}}");
}

Test(parse_module, heads)
{
    expect_head("p := 1", "{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" NUM("1") "}");
    expect_head("p = 1", "{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" NUM("1") "}");
    expect_head("p if true", "{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE "}");
    expect_head("q contains x if x := 1",
                "{\"key\":" VAR("x") ",\"name\":\"q\",\"ref\":[" VAR("q") "]}");
    expect_head("a.b contains 1", "{\"key\":" NUM("1") ",\"ref\":[" VAR("a") "," STR("b") "]}");
    expect_head("p[x] := 1 if x := \"k\"",
                "{\"assign\":true,\"key\":" VAR("x") ",\"name\":\"p\",\"ref\":[" VAR("p") "," VAR("x")
                "],\"value\":" NUM("1") "}");
    expect_head("p[\"k\"] if true", "{\"ref\":[" VAR("p") "," STR("k") "],\"value\":" TRUE "}");
    expect_head("p[x] if x := 1",
                "{\"key\":" VAR("x") ",\"ref\":[" VAR("p") "," VAR("x") "],\"value\":" TRUE "}");
    expect_head("a.b.c := 1", "{\"assign\":true,\"ref\":[" VAR("a") "," STR("b") "," STR("c")
                "],\"value\":" NUM("1") "}");
    /* a two-part head without a body keeps OPA's compatibility name and key */
    expect_head("a.b := 1", "{\"assign\":true,\"key\":" STR("b") ",\"name\":\"a\",\"ref\":[" VAR("a")
                "," STR("b") "],\"value\":" NUM("1") "}");
    expect_head("f(x) := x", "{\"args\":[" VAR("x") "],\"assign\":true,\"name\":\"f\",\"ref\":[" VAR("f")
                "],\"value\":" VAR("x") "}");
    expect_head("f(x) if x", "{\"args\":[" VAR("x") "],\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" TRUE "}");
    expect_head("a.b.f(x) := 1", "{\"args\":[" VAR("x") "],\"assign\":true,\"ref\":[" VAR("a") ","
                STR("b") "," STR("f") "],\"value\":" NUM("1") "}");
}

Test(parse_module, default_and_else)
{
    struct value *m = parse("package p\ndefault r := false\nf(x) := 1 if x > 1 else := 2 if x > 0 else = 3\n");
    expect_value(rule_at(m, 0), "{\"body\":" TRUE_BODY ",\"default\":true,\"head\":{\"assign\":true,"
                                "\"name\":\"r\",\"ref\":[" VAR("r") "],\"value\":" T("boolean", "false") "}}");
    const char *gt1 = "[{\"index\":0,\"terms\":[" OP("gt") "," VAR("x") "," NUM("1") "]}]";
    const char *gt0 = "[{\"index\":0,\"terms\":[" OP("gt") "," VAR("x") "," NUM("0") "]}]";
    char want[2048];
    snprintf(want, sizeof(want),
             "{\"body\":%s,\"head\":{\"args\":[" VAR("x") "],\"assign\":true,\"name\":\"f\",\"ref\":[" VAR("f")
             "],\"value\":" NUM("1") "},\"else\":{\"body\":%s,\"head\":{\"args\":[" VAR("x")
             "],\"assign\":true,\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" NUM("2")
             "},\"else\":{\"body\":" TRUE_BODY ",\"head\":{\"args\":[" VAR("x") "],\"name\":\"f\","
             "\"ref\":[" VAR("f") "],\"value\":" NUM("3") "}}}}",
             gt1, gt0);
    expect_value(rule_at(m, 1), want);
}

Test(parse_module, expressions)
{
    expect_body("not x", "[{\"index\":0,\"negated\":true,\"terms\":" VAR("x") "}]");
    expect_body("x := 1 with input.a as 2",
                "[{\"index\":0,\"terms\":[" OP("assign") "," VAR("x") "," NUM("1") "],\"with\":[{"
                "\"target\":" REF(VAR("input") "," STR("a")) ",\"value\":" NUM("2") "}]}]");
    expect_body("some x, y", "[{\"index\":0,\"terms\":{\"symbols\":[" VAR("x") "," VAR("y") "]}}]");
    expect_body("some k, v in [1]",
                "[{\"index\":0,\"terms\":{\"symbols\":[" T("call", "[" REF(VAR("internal") "," STR("member_3"))
                "," VAR("k") "," VAR("v") "," ARR(NUM("1")) "]") "]}}]");
    expect_body("every v in [1] { v }",
                "[{\"index\":0,\"terms\":{\"body\":[{\"index\":0,\"terms\":" VAR("v") "}],\"domain\":"
                ARR(NUM("1")) ",\"key\":null,\"value\":" VAR("v") "}}]");
    expect_body("every k, v in [1] { v }",
                "[{\"index\":0,\"terms\":{\"body\":[{\"index\":0,\"terms\":" VAR("v") "}],\"domain\":"
                ARR(NUM("1")) ",\"key\":" VAR("k") ",\"value\":" VAR("v") "}}]");
    expect_body("count([1], n)\nx in [1]",
                "[{\"index\":0,\"terms\":[" OP("count") "," ARR(NUM("1")) "," VAR("n") "]},"
                "{\"index\":1,\"terms\":[" REF(VAR("internal") "," STR("member_2")) "," VAR("x") ","
                ARR(NUM("1")) "]}]");
    expect_body("a.b(1) + 2 == input[x].y",
                "[{\"index\":0,\"terms\":[" OP("equal") "," T("call", "[" OP("plus") ","
                T("call", "[" REF(VAR("a") "," STR("b")) "," NUM("1") "]") "," NUM("2") "]") ","
                REF(VAR("input") "," VAR("x") "," STR("y")) "]}]");
}

Test(parse_module, comprehensions)
{
    expect_body("[x | x := 1]",
                "[{\"index\":0,\"terms\":" T("arraycomprehension", "{\"body\":[{\"index\":0,\"terms\":["
                OP("assign") "," VAR("x") "," NUM("1") "]}],\"term\":" VAR("x") "}") "}]");
    expect_body("{x | x = 1}",
                "[{\"index\":0,\"terms\":" T("setcomprehension", "{\"body\":[{\"index\":0,\"terms\":["
                OP("eq") "," VAR("x") "," NUM("1") "]}],\"term\":" VAR("x") "}") "}]");
    expect_body("{k: 1 | k = 1}",
                "[{\"index\":0,\"terms\":" T("objectcomprehension", "{\"body\":[{\"index\":0,\"terms\":["
                OP("eq") "," VAR("k") "," NUM("1") "]}],\"key\":" VAR("k") ",\"value\":" NUM("1") "}") "}]");
}

Test(parse_module, sets_and_objects_sorted)
{
    expect_head("p := {3, \"a\", 1, x, 1}",
                "{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" T("set", "[" NUM("1") ","
                NUM("3") "," STR("a") "," VAR("x") "]") "}");
    expect_head("p := {\"b\": 1, \"a\": 2}",
                "{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" T("object",
                "[[" STR("a") "," NUM("2") "],[" STR("b") "," NUM("1") "]]") "}");
    expect_head("p := set()", "{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" T("set", "[]") "}");
}

Test(parse_module, wildcards_numbered_in_source_order)
{
    struct value *m = parse("package p\nf(_, [_]) := 1 if { _ = 1 } else := 2\ng(_) := 3\n");
    expect_value(rule_at(m, 0),
                 "{\"body\":[{\"index\":0,\"terms\":[" OP("eq") "," VAR("$2") "," NUM("1") "]}],"
                 "\"else\":{\"body\":" TRUE_BODY ",\"head\":{\"args\":[" VAR("$3") "," ARR(VAR("$1"))
                 "],\"assign\":true,\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" NUM("2") "}},"
                 "\"head\":{\"args\":[" VAR("$0") "," ARR(VAR("$1")) "],\"assign\":true,\"name\":\"f\","
                 "\"ref\":[" VAR("f") "],\"value\":" NUM("1") "}}");
    expect_value(value_object_get_str(rule_at(m, 1), "head"),
                 "{\"args\":[" VAR("$4") "],\"assign\":true,\"name\":\"g\",\"ref\":[" VAR("g") "],"
                 "\"value\":" NUM("3") "}");
}

Test(parse_module, comments_and_metadata_stay_comments)
{
    struct value *m = parse("# METADATA\n# title: [broken\npackage p\n#\np := 1 # end\r\n");
    expect_value(value_object_get_str(m, "comments"),
                 "[{\"Location\":{\"col\":1,\"file\":\"x.rego\",\"row\":1},\"Text\":\"IE1FVEFEQVRB\"},"
                 "{\"Location\":{\"col\":1,\"file\":\"x.rego\",\"row\":2},\"Text\":\"IHRpdGxlOiBbYnJva2Vu\"},"
                 "{\"Location\":{\"col\":1,\"file\":\"x.rego\",\"row\":4},\"Text\":null},"
                 "{\"Location\":{\"col\":8,\"file\":\"x.rego\",\"row\":5},\"Text\":\"IGVuZA==\"}]");
    cr_assert_null(value_object_get_str(m, "annotations"));
    cr_assert_null(value_object_get_str(rule_at(m, 0), "annotations"));
}

Test(parse_module, errors)
{
    const char *e;
    cr_assert_null(parse_ver("package foo.", REGO_V1, &e));
    cr_assert(strstr(e, "rego.parse_module: 1 error occurred: x.rego:1: rego_parse_error: "
                        "unexpected eof token: expected ident"), "%s", e);
    parse_ver("package p\nx := input.\n  y\n", REGO_V1, &e);
    cr_assert(strstr(e, "x.rego:2: rego_parse_error: unexpected whitespace token: expected ident"),
              "%s", e);
    /* OPA's token names: operators by their built-in names, keywords */
    parse_ver("package p\nx := := 1\n", REGO_V1, &e);
    cr_assert(strstr(e, "x.rego:2: rego_parse_error: unexpected assign token"), "%s", e);
    parse_ver("package p\nif := 1\n", REGO_V1, &e);
    cr_assert(strstr(e, "x.rego:2: rego_parse_error: unexpected if keyword"), "%s", e);
    parse_ver("", REGO_V1, &e);
    cr_assert(strstr(e, "rego.parse_module: 1 error occurred: x.rego:0: rego_parse_error: empty "
                        "module"), "%s", e);
    /* bare references are no v1 rules (OPA's CheckRegoV1) */
    parse_ver("package p\na.b\n", REGO_V1, &e);
    cr_assert(strstr(e, "x.rego:2: rego_parse_error: `contains` keyword is required for partial "
                        "set rules"), "%s", e);
    parse_ver("package p\na.b.c\n", REGO_V1, &e);
    cr_assert(strstr(e, "x.rego:2: rego_parse_error: rule must have value assignment and/or body "
                        "declaration"), "%s", e);
    /* always Rego v1, even from a v0 policy */
    parse_ver("package p\np { true }\n", REGO_V0, &e);
    cr_assert(strstr(e, "x.rego:2: rego_parse_error: `if` keyword is required before rule body"),
              "%s", e);
}

Test(parse_module, error_is_undefined_without_strict_mode)
{
    struct value *m = parse("package");
    cr_assert_null(m);
}
