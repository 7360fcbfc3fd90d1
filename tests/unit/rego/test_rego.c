/* test_rego.c - the Rego engine through its public interface (rego.h):
 * parse and compile errors with OPA's codes and locations, v0/v1 rules,
 * evaluation semantics (undefined vs false, conflicts, defaults, else,
 * functions, every/some/not, with, partial rules, ref heads), limits,
 * concurrent evaluation of one compiled policy, host built-ins, and the
 * original's policies when a trustee mirror is present. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego.h"
#include "trustee_mirror.h"

static struct arena g_arena;

static void setup(void) { arena_init(&g_arena, 1 << 16); }
static void teardown(void) { arena_free(&g_arena); }

TestSuite(rego, .init = setup, .fini = teardown);

static struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s", err.detail);
    return v;
}

static struct rego_compiled *compile_ver(const char *text, enum rego_version ver,
                                         const char *data)
{
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    int rc = rego_compile(&src, 1, ver, data ? J(data) : NULL, &c, &err);
    cr_assert_eq(rc, 0, "compile failed: %s", err.detail);
    return c;
}

static struct rego_compiled *compile(const char *text) { return compile_ver(text, REGO_AUTO, NULL); }

/* Compile error detail, e.g. "p.rego:3:7: rego_unsafe_var_error: var x is unsafe". */
static const char *compile_error(const char *text, enum rego_version ver,
                                 struct rego_error_info *info)
{
    static struct as_error err;
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    int rc = rego_compile_ex(&src, 1, ver, NULL, &c, &err, info);
    cr_assert_eq(rc, -1, "expected a compile error");
    cr_assert_null(c);
    cr_assert_str_eq(err.type, ERR_INVALID_POLICY);
    return err.detail;
}

static struct value *eval_path(struct rego_compiled *c, const char *path, const char *input,
                               bool *exists)
{
    struct rego_eval_opts o = {0};
    if (input)
        o.input = J(input);
    struct value *out = NULL;
    struct as_error err;
    cr_assert_eq(rego_eval_path(c, path, &o, &g_arena, &out, exists, &err), 0, "%s",
                 err.detail);
    return out;
}

static void expect_json(const struct value *v, const char *want)
{
    cr_assert_not_null(v, "undefined, want %s", want);
    char *got = json_to_string(&g_arena, v, JSON_COMPACT);
    cr_assert_str_eq(got, want);
}

/* ---- parse and compile errors ---- */

Test(rego, parse_error_has_location)
{
    struct rego_error_info info;
    const char *d = compile_error("package p\n\nallow if {\n  x := \n}\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_parse_error");
    cr_assert_eq(info.row, 5, "%s", d);
    cr_assert(strstr(d, "p.rego:5:") == d, "%s", d);
}

Test(rego, v1_requires_if)
{
    struct rego_error_info info;
    const char *d = compile_error("package p\nallow { true }\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_parse_error");
    cr_assert(strstr(d, "`if` keyword is required before rule body"), "%s", d);
    /* the same module is fine as v0 */
    rego_compiled_free(compile_ver("package p\nallow { true }\n", REGO_V0, NULL));
}

Test(rego, auto_version)
{
    /* v0 syntax, v1 syntax, and import rego.v1 all compile under AUTO */
    rego_compiled_free(compile("package p\nallow { true }\n"));
    rego_compiled_free(compile("package p\nallow if true\nq contains 1\n"));
    rego_compiled_free(compile("package p\nimport rego.v1\nallow if true\n"));
}

Test(rego, unsafe_var)
{
    struct rego_error_info info;
    const char *d = compile_error("package p\nimport rego.v1\np if {\n  x > 1\n}\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_unsafe_var_error");
    cr_assert(strstr(d, "var x is unsafe"), "%s", d);
    cr_assert_eq(info.row, 4);
}

Test(rego, unsafe_head_var)
{
    struct rego_error_info info;
    compile_error("package p\np := x if { y := 1 }\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_unsafe_var_error");
}

Test(rego, recursion)
{
    struct rego_error_info info;
    const char *d = compile_error("package p\np if q\nq if p\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_recursion_error");
    cr_assert(strstr(d, "data.p.p -> data.p.q -> data.p.p") ||
                  strstr(d, "data.p.q -> data.p.p -> data.p.q"),
              "%s", d);
}

Test(rego, undefined_function_and_arity)
{
    struct rego_error_info info;
    compile_error("package p\np if nosuch(1)\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_type_error");
    compile_error("package p\nf(x) := x\np if f(1, 2, 3)\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_type_error");
}

Test(rego, assigned_twice)
{
    struct rego_error_info info;
    const char *d = compile_error("package p\np if { x := 1; x := 2 }\n", REGO_V1, &info);
    cr_assert_str_eq(info.code, "rego_compile_error");
    cr_assert(strstr(d, "var x assigned above"), "%s", d);
}

/* ---- evaluation ---- */

Test(rego, undefined_false_default)
{
    struct rego_compiled *c = compile("package p\nimport rego.v1\n"
                                      "default allow := false\n"
                                      "allow if input.x == 1\n"
                                      "q if input.x == 1\n");
    expect_json(eval_path(c, "data.p.allow", "{\"x\":1}", NULL), "true");
    expect_json(eval_path(c, "data.p.allow", "{\"x\":2}", NULL), "false");
    bool exists = false;
    cr_assert_null(eval_path(c, "data.p.q", "{\"x\":2}", &exists));
    cr_assert(exists, "q is a rule: it exists even when undefined");
    cr_assert_null(eval_path(c, "data.p.nosuch", "{}", &exists));
    cr_assert(!exists);
    rego_compiled_free(c);
}

Test(rego, complete_rule_conflict)
{
    struct rego_compiled *c = compile("package p\np := 1 if true\np := 2 if true\n");
    struct rego_eval_opts o = {0};
    struct value *out;
    struct as_error err;
    cr_assert_eq(rego_eval_path(c, "data.p.p", &o, &g_arena, &out, NULL, &err), -1);
    cr_assert(strstr(err.detail, "eval_conflict_error: complete rules must not produce multiple "
                                 "outputs"),
              "%s", err.detail);
    rego_compiled_free(c);
}

Test(rego, function_conflict_and_else)
{
    struct rego_compiled *c = compile("package p\n"
                                      "f(x) := 1 if x > 0\n"
                                      "f(x) := 2 if x > 1\n"
                                      "g(x) := \"big\" if x > 10 else := \"small\"\n"
                                      "a := f(1)\nb := f(5)\nc := g(20)\nd := g(1)\n");
    expect_json(eval_path(c, "data.p.a", NULL, NULL), "1");
    expect_json(eval_path(c, "data.p.c", NULL, NULL), "\"big\"");
    expect_json(eval_path(c, "data.p.d", NULL, NULL), "\"small\"");
    struct rego_eval_opts o = {0};
    struct value *out;
    struct as_error err;
    cr_assert_eq(rego_eval_path(c, "data.p.b", &o, &g_arena, &out, NULL, &err), -1);
    cr_assert(strstr(err.detail, "functions must not produce multiple outputs"), "%s",
              err.detail);
    rego_compiled_free(c);
}

Test(rego, partial_rules_and_ref_heads)
{
    struct rego_compiled *c = compile("package p\nimport rego.v1\n"
                                      "s contains x if some x in [3, 1, 2]\n"
                                      "o[k] := v if some k, v in {\"a\": 1, \"b\": 2}\n"
                                      "r.deep[k].leaf := k if some k in [\"x\", \"y\"]\n");
    expect_json(eval_path(c, "data.p.s", NULL, NULL), "[1,2,3]");
    expect_json(eval_path(c, "data.p.o", NULL, NULL), "{\"a\":1,\"b\":2}");
    expect_json(eval_path(c, "data.p.r", NULL, NULL),
                "{\"deep\":{\"x\":{\"leaf\":\"x\"},\"y\":{\"leaf\":\"y\"}}}");
    expect_json(eval_path(c, "data.p.r.deep.y.leaf", NULL, NULL), "\"y\"");
    rego_compiled_free(c);
}

Test(rego, v0_default_policy_shape)
{
    /* the features of the original's 2024 default policy, written anew */
    const char *text = "package policy\n"
                       "import future.keywords.every\n"
                       "default allow = false\n"
                       "allow { every k, v in input { check(k, v) } }\n"
                       "check(k, v) { has(data.reference, k); ref := data.reference[k]; ok(ref, v) }\n"
                       "check(k, v) { not has(data.reference, k) }\n"
                       "ok(r, v) { not is_array(r); v == r }\n"
                       "ok(r, v) { is_array(r); some i; r[i] == v }\n"
                       "has(m, k) { _ = m[k] }\n";
    struct rego_compiled *c = compile_ver(text, REGO_AUTO, NULL);
    struct rego_eval_opts o = {0};
    o.input = J("{\"a\":\"1\",\"b\":2,\"c\":\"x\"}");
    o.extra_data = J("{\"reference\":{\"a\":[\"0\",\"1\"],\"b\":2}}");
    struct value *out;
    struct as_error err;
    cr_assert_eq(rego_eval_path(c, "data.policy.allow", &o, &g_arena, &out, NULL, &err), 0);
    expect_json(out, "true");
    o.input = J("{\"a\":\"2\"}");
    cr_assert_eq(rego_eval_path(c, "data.policy.allow", &o, &g_arena, &out, NULL, &err), 0);
    expect_json(out, "false");
    o.input = J("{\"b\":\"2\"}"); /* type-strict: "2" != 2 */
    cr_assert_eq(rego_eval_path(c, "data.policy.allow", &o, &g_arena, &out, NULL, &err), 0);
    expect_json(out, "false");
    rego_compiled_free(c);
}

Test(rego, with_modifiers)
{
    struct rego_compiled *c = compile("package p\nimport rego.v1\n"
                                      "a := input.x\n"
                                      "b := data.cfg.y\n"
                                      "f(x) := x + 1\n"
                                      "t1 := v if v := a with input.x as 7\n"
                                      "t2 := v if v := b with data.cfg.y as 8\n"
                                      "t3 := v if v := f(1) with f as 9\n");
    expect_json(eval_path(c, "data.p.t1", "{\"x\":1}", NULL), "7");
    expect_json(eval_path(c, "data.p.t2", NULL, NULL), "8");
    expect_json(eval_path(c, "data.p.t3", NULL, NULL), "9");
    expect_json(eval_path(c, "data.p.a", "{\"x\":1}", NULL), "1");
    rego_compiled_free(c);
}

/* Comprehension values are memoised per evaluation by captured values and
 * `with` scope: repeated, different and shadowed captures keep their own
 * values. */
Test(rego, comprehension_memo)
{
    struct rego_compiled *c = compile(
        "package p\nimport rego.v1\n"
        "groups[k] := vs if { some m in input.ms; k := m.g; "
        "vs := [v | some x in input.ms; x.g == k; v := x.v] }\n"
        "f(k) := [v | some x in input.ms; x.g == k; v := x.v]\n"
        "calls := [f(\"a\"), f(\"b\"), f(\"a\"), f(\"z\")]\n"
        "scoped := [p, q, r] if { p := f(\"a\"); "
        "q := f(\"a\") with input.ms as [{\"g\": \"a\", \"v\": 9}]; r := f(\"a\") }\n"
        "nested := [[k, n] | some k in [\"a\", \"b\", \"a\"]; "
        "n := count([1 | some x in input.ms; x.g == k])]\n");
    const char *in = "{\"ms\":[{\"g\":\"a\",\"v\":1},{\"g\":\"b\",\"v\":2},"
                     "{\"g\":\"a\",\"v\":3}]}";
    expect_json(eval_path(c, "data.p.groups", in, NULL), "{\"a\":[1,3],\"b\":[2]}");
    expect_json(eval_path(c, "data.p.calls", in, NULL), "[[1,3],[2],[1,3],[]]");
    expect_json(eval_path(c, "data.p.scoped", in, NULL), "[[1,3],[9],[1,3]]");
    expect_json(eval_path(c, "data.p.nested", in, NULL), "[[\"a\",2],[\"b\",1],[\"a\",2]]");
    rego_compiled_free(c);
}

/* Constant prefixes of input and base-data references are cached per
 * evaluation and with scope. */
Test(rego, reference_prefix_cache)
{
    struct rego_compiled *c = compile_ver(
        "package p\nimport rego.v1\n"
        "a := [input.x.y, input.x.y]\n"
        "b := [v, input.x.y] if v := input.x.y with input.x.y as 5\n"
        "c := [input.x.y, v, input.x.y] if v := input.x.y with input as {\"x\": {\"y\": 6}}\n"
        "d := [data.cfg.k.v, data.cfg.k.v]\n"
        "e := [v, data.cfg.k.v] if v := data.cfg.k.v with data.cfg.k as {\"v\": 7}\n"
        "f := [data.cfg.k.v, v] if v := data.cfg.k.v with data.cfg as {\"k\": {\"v\": 8}}\n"
        "g := data.cfg.missing.v\n"
        "h := data.cfg.list[1]\n"
        "fy(_) := input.x.y\n"
        "i := [fy(1), v, fy(2)] if v := fy(1) with input.x.y as 5\n"
        "fd(_) := data.cfg.k.v\n"
        "j := [fd(1), v, fd(2)] if v := fd(1) with data.cfg.k.v as 9\n",
        REGO_AUTO, "{\"cfg\":{\"k\":{\"v\":1},\"list\":[\"l0\",\"l1\"]}}");
    const char *in = "{\"x\":{\"y\":2}}";
    expect_json(eval_path(c, "data.p.a", in, NULL), "[2,2]");
    expect_json(eval_path(c, "data.p.b", in, NULL), "[5,2]");
    expect_json(eval_path(c, "data.p.c", in, NULL), "[2,6,2]");
    expect_json(eval_path(c, "data.p.d", in, NULL), "[1,1]");
    expect_json(eval_path(c, "data.p.e", in, NULL), "[7,1]");
    expect_json(eval_path(c, "data.p.f", in, NULL), "[1,8]");
    expect_json(eval_path(c, "data.p.h", in, NULL), "\"l1\"");
    expect_json(eval_path(c, "data.p.i", in, NULL), "[2,5,2]");
    expect_json(eval_path(c, "data.p.j", in, NULL), "[1,9,1]");
    cr_assert_null(eval_path(c, "data.p.g", in, NULL));
    expect_json(eval_path(c, "data.p.a", "{\"x\":{\"y\":3}}", NULL), "[3,3]");
    rego_compiled_free(c);
}

Test(rego, big_numbers)
{
    struct rego_compiled *c = compile("package p\n"
                                      "a := 123456789123456789123\n"
                                      "b := 9223372036854775807 > 9223372036854775806\n"
                                      "c := 7 / 2\n");
    expect_json(eval_path(c, "data.p.b", NULL, NULL), "true");
    expect_json(eval_path(c, "data.p.c", NULL, NULL), "3.5");
    struct value *a = eval_path(c, "data.p.a", NULL, NULL);
    cr_assert_not_null(a);
    cr_assert_eq(value_compare(a, J("123456789123456789123")), 0);
    cr_assert_neq(value_compare(a, J("123456789123456789122")), 0);
    rego_compiled_free(c);
}

Test(rego, query_output)
{
    struct rego_compiled *c = compile("package p\nxs := [1, 2, 3]\n");
    struct value *res;
    struct as_error err;
    cr_assert_eq(rego_eval_query(c, "x := data.p.xs[_]; x > 1", NULL, &g_arena, &res, &err), 0);
    expect_json(res, "{\"result\":[{\"bindings\":{\"x\":2},\"expressions\":[{\"location\":{\"col\":1,"
                     "\"row\":1},\"text\":\"x := data.p.xs[_]\",\"value\":true},{\"location\":{\"col\":"
                     "20,\"row\":1},\"text\":\"x > 1\",\"value\":true}]},{\"bindings\":{\"x\":3},"
                     "\"expressions\":[{\"location\":{\"col\":1,\"row\":1},\"text\":\"x := "
                     "data.p.xs[_]\",\"value\":true},{\"location\":{\"col\":20,\"row\":1},\"text\":\"x "
                     "> 1\",\"value\":true}]}]}");
    cr_assert_eq(rego_eval_query(c, "data.p.nosuch", NULL, &g_arena, &res, &err), 0);
    expect_json(res, "{}");
    rego_compiled_free(c);
}

Test(rego, step_limit)
{
    struct rego_compiled *c = compile("package p\nimport rego.v1\n"
                                      "xs := [i | some i, _ in array.concat([], [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0])]\n"
                                      "n := count([1 | some a in xs; some b in xs; some c in xs; some d in xs])\n");
    struct rego_eval_opts o = {.limits = {.max_steps = 5000}};
    struct value *out;
    struct as_error err;
    cr_assert_eq(rego_eval_path(c, "data.p.n", &o, &g_arena, &out, NULL, &err), -1);
    cr_assert(strstr(err.detail, "eval_limit_error"), "%s", err.detail);
    o.limits.max_steps = 0; /* default: large enough */
    cr_assert_eq(rego_eval_path(c, "data.p.n", &o, &g_arena, &out, NULL, &err), 0, "%s", err.detail);
    expect_json(out, "160000");
    rego_compiled_free(c);
}

/* ---- concurrency ---- */

struct thread_arg {
    struct rego_compiled *c;
    int id;
    int failures;
};

static void *worker(void *p)
{
    struct thread_arg *t = p;
    struct arena a;
    arena_init(&a, 4096);
    for (int i = 0; i < 300; i++) {
        char in[64];
        snprintf(in, sizeof(in), "{\"n\":%d}", t->id * 1000 + i);
        struct value *input;
        struct as_error err;
        if (json_parse(&a, in, strlen(in), NULL, &input, &err) < 0) {
            t->failures++;
            continue;
        }
        struct rego_eval_opts o = {.input = input};
        struct value *out;
        int64_t got;
        if (rego_eval_path(t->c, "data.p.double", &o, &a, &out, NULL, &err) < 0 || !out ||
            value_as_int64(out, &got) < 0 || got != 2 * (t->id * 1000 + i))
            t->failures++;
        arena_reset(&a);
    }
    arena_free(&a);
    return NULL;
}

Test(rego, concurrent_evaluation)
{
    struct rego_compiled *c = compile("package p\ndouble := y if { y := input.n * 2 }\n");
    pthread_t th[4];
    struct thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){c, i, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(args[i].failures, 0, "thread %d", i);
    }
    rego_compiled_free(c);
}

/* ---- host built-ins and the original's policies ---- */

static struct value *host_rv(void *ctx, struct arena *a, struct value *const *args, size_t n,
                             bool *failed, struct as_error *err)
{
    (void)ctx;
    (void)n;
    (void)err;
    *failed = false;
    if (!v_is(args[0], V_STRING))
        return NULL;
    const char *id = args[0]->u.str.s;
    const char *json = strcmp(id, "launch_digest") == 0         ? "[\"abcde\"]"
                       : strcmp(id, "svn") == 0                 ? "[\"1\"]"
                       : strcmp(id, "major_version") == 0       ? "1"
                       : strcmp(id, "minimum_minor_version") == 0 ? "0"
                                                                : "null";
    struct value *v;
    struct as_error e2;
    return json_parse(a, json, strlen(json), NULL, &v, &e2) == 0 ? v : NULL;
}

Test(rego, ear_cpu_policy_from_mirror)
{
    char *text = mirror_file("attestation-service/src/ear_token/ear_default_policy_cpu.rego");
    if (!text)
        cr_skip_test("no trustee mirror (AS_TRUSTEE_MIRROR): skipped");
    cr_assert_eq(rego_register_host_builtin("query_reference_value", 1, host_rv), 0);
    struct rego_compiled *c = compile_ver(text, REGO_AUTO, NULL);
    free(text);
    const char *in = "{\"sample\":{\"launch_digest\":\"abcde\",\"svn\":\"1\",\"debug\":false,"
                     "\"platform_version\":{\"major\":1,\"minor\":0}}}";
    expect_json(eval_path(c, "data.policy.trust_claims", in, NULL),
                "{\"configuration\":2,\"executables\":3,\"file-system\":0,\"hardware\":2,"
                "\"instance-identity\":0,\"runtime-opaque\":0,\"sourced-data\":0,"
                "\"storage-opaque\":0}");
    /* no platform claims: the defaults */
    expect_json(eval_path(c, "data.policy.trust_claims", "{}", NULL),
                "{\"configuration\":36,\"executables\":33,\"file-system\":0,\"hardware\":97,"
                "\"instance-identity\":0,\"runtime-opaque\":0,\"sourced-data\":0,"
                "\"storage-opaque\":0}");
    rego_compiled_free(c);
}

Test(rego, original_policies_compile_from_mirror)
{
    static const char *const files[] = {
        "attestation-service/src/ear_token/ear_default_policy_gpu.rego",
        "attestation-service/src/ear_token/ear_default_policy_switch.rego",
        "attestation-service/src/ear_token/ear_default_policy_ppcie.rego",
        "attestation-service/tests/coco-as/policy/example-1.rego",
        "attestation-service/tests/coco-as/policy/example-2.rego",
        "attestation-service/tests/coco-as/policy/example-3.rego",
        "attestation-service/tests/coco-as/policy/new_policy.rego",
        "attestation-service/tests/coco-as/policy/opa/ear_no_rv_policy_cpu.rego",
        "attestation-service/tests/policy/ear_sample.rego",
        "deps/verifier/test_data/cca/conf/default.rego",
    };
    char *probe = mirror_file(files[0]);
    if (!probe)
        cr_skip_test("no trustee mirror (AS_TRUSTEE_MIRROR): skipped");
    free(probe);
    rego_register_host_builtin("query_reference_value", 1, host_rv);
    for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
        char *text = mirror_file(files[k]);
        cr_assert_not_null(text, "%s", files[k]);
        struct rego_source src = {files[k], text, strlen(text)};
        struct rego_compiled *c;
        struct as_error err;
        cr_assert_eq(rego_compile(&src, 1, REGO_AUTO, NULL, &c, &err), 0, "%s: %s", files[k],
                     err.detail);
        struct value *out;
        struct rego_eval_opts o = {.input = J("{}")};
        cr_assert_eq(rego_eval_path(c, "data.policy", &o, &g_arena, &out, NULL, &err), 0, "%s: %s",
                     files[k], err.detail);
        rego_compiled_free(c);
        free(text);
    }
}

/* Safety analysis of nested calls must be linear-ish in depth: a chain of
 * 200 operators (a ~600-byte policy a client can POST) used to take 2^depth
 * steps and pin a worker thread. */
Test(rego, nested_operator_chain_compiles_quickly)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "package p\nx := 1");
    for (int i = 0; i < 200; i++)
        buf_puts(&b, "+1");
    buf_puts(&b, "\ny := f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(2))))))))))"
                 "))))))))))))))))))))\nf(a) := a\n");
    struct rego_compiled *c = compile_ver(buf_cstr(&b), REGO_V1, NULL);
    buf_free(&b);
    expect_json(eval_path(c, "data.p.x", NULL, NULL), "201");
    expect_json(eval_path(c, "data.p.y", NULL, NULL), "2");
    rego_compiled_free(c);
}
