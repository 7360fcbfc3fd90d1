/* rego_bench.c - Rego engine evaluation speed (bench/rego.sh).
 *
 * Two workloads, each compiled once and evaluated many times with a
 * per-call arena reset (as the service does):
 *   1. the original's default policy (V24) over 100 flattened claims and
 *      100 reference values under data.reference (all matching: allow);
 *   2. the shared workload of shared/rego/bench (52 rules over 200 claims,
 *      query data.policy.allow, allowed input and the deny variant).
 *   3. the built-in EAR policy default_cpu (trust_claims and extensions)
 *      over the TDX claims of a shared vector (trustee's expected claims
 *      for tdx_quote_4), reference values from a host built-in;
 *   4. bench/rego/builtins.rego: string, regex, time, JSON and semver
 *      built-ins over 50 records.
 * Prints the median time per call over batches and, per call, the heap
 * allocations (malloc/calloc/realloc, counted through --wrap) and arena
 * bytes.  Usage: rego_bench [seconds] [default|shared|ear|builtins]; with
 * REGO_BENCH_CALLS=N each workload runs N untimed calls instead.  Reference: regorus 0.9.1 takes 0.83 ms per call on workload 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "rego/rego.h"

/* ---- allocation counting (linked with -Wl,--wrap=malloc,...) ---- */
static unsigned long g_allocs;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
    g_allocs++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    g_allocs++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    g_allocs++;
    return __real_realloc(p, n);
}

/* Thread CPU time: the machine is shared (builds, other benchmarks), and
 * CPU time is what one evaluation costs. */
static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) {
        s[n] = '\0';
        *len = (size_t)n;
    }
    return s;
}

static struct value *parse_json(struct arena *a, const char *text, size_t len)
{
    struct value *v = NULL;
    struct as_error err;
    if (json_parse(a, text, len, NULL, &v, &err) < 0) {
        fprintf(stderr, "rego_bench: bad JSON: %s\n", err.detail);
        exit(1);
    }
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct workload {
    const char *name;
    struct rego_compiled *c;
    struct rego_eval_opts opts;
    bool want;
    /* optional: the queried paths (default data.policy.allow, checked
     * against want) and a check of their values */
    const char *const *paths;
    size_t npaths;
    bool (*check)(struct value *const *vals);
};

static const char *const ALLOW_PATH[] = {"data.policy.allow"};

/* One call = one evaluation of each path of w (as the service: EAR asks
 * for trust_claims then extensions). */
static int eval_once(const struct workload *w, struct arena *a, struct value **vals,
                     struct as_error *err)
{
    const char *const *paths = w->paths ? w->paths : ALLOW_PATH;
    size_t n = w->paths ? w->npaths : 1;
    for (size_t i = 0; i < n; i++)
        if (rego_eval_path(w->c, paths[i], &w->opts, a, &vals[i], NULL, err) < 0)
            return -1;
    return 0;
}

static bool answer_ok(const struct workload *w, struct value *const *vals)
{
    if (w->check)
        return w->check(vals);
    return vals[0] && vals[0]->type == V_BOOL && vals[0]->u.b == w->want;
}

/* REGO_BENCH_CALLS=N: exactly N evaluations and no timing (for
 * valgrind --tool=callgrind --toggle-collect=rego_eval_path). */
static bool fixed_calls(const struct workload *w, struct arena *a)
{
    const char *env = getenv("REGO_BENCH_CALLS");
    if (!env)
        return false;
    long n = atol(env);
    struct as_error err;
    for (long i = 0; i < n; i++) {
        struct value *vals[4];
        eval_once(w, a, vals, &err);
        arena_reset(a);
    }
    printf("rego: %-44s %ld calls\n", w->name, n);
    return true;
}

static void run(const struct workload *w, double seconds)
{
    struct arena a;
    arena_init(&a, 256 * 1024);
    struct as_error err;
    /* check the answer, then warm up */
    for (int i = 0; i < 50; i++) {
        struct value *vals[4] = {0};
        if (eval_once(w, &a, vals, &err) < 0) {
            fprintf(stderr, "rego_bench: %s: %s\n", w->name, err.detail);
            exit(1);
        }
        if (!answer_ok(w, vals)) {
            fprintf(stderr, "rego_bench: %s: unexpected result\n", w->name);
            exit(1);
        }
        arena_reset(&a);
    }
    if (fixed_calls(w, &a)) {
        arena_free(&a);
        return;
    }
    enum { BATCHES = 41 };
    double per[BATCHES];
    unsigned long calls = 0, allocs = 0;
    size_t arena_bytes = 0;
    /* batch size: about seconds / BATCHES per batch */
    double t0 = now_sec();
    int probe = 0;
    while (now_sec() - t0 < 0.02 && probe < 100000) {
        struct value *vals[4];
        eval_once(w, &a, vals, &err);
        arena_reset(&a);
        probe++;
    }
    double one = (now_sec() - t0) / probe;
    int batch = (int)(seconds / BATCHES / one);
    if (batch < 1)
        batch = 1;
    for (int b = 0; b < BATCHES; b++) {
        unsigned long a0 = g_allocs;
        double s = now_sec();
        for (int i = 0; i < batch; i++) {
            struct value *vals[4];
            eval_once(w, &a, vals, &err);
            arena_bytes = a.total;
            arena_reset(&a);
        }
        per[b] = (now_sec() - s) / batch;
        allocs += g_allocs - a0;
        calls += (unsigned long)batch;
    }
    qsort(per, BATCHES, sizeof(per[0]), cmp_double);
    printf("rego: %-44s median %9.2f us/call  %6.1f allocs/call  %7.1f KiB arena/call\n",
           w->name, per[BATCHES / 2] * 1e6, (double)allocs / (double)calls,
           (double)arena_bytes / 1024.0);
    arena_free(&a);
}

static struct rego_compiled *compile(const char *file, const char *text, struct value *data)
{
    struct rego_source src = {file, text, strlen(text)};
    struct rego_compiled *c;
    struct as_error err;
    if (rego_compile(&src, 1, REGO_AUTO, data, &c, &err) < 0) {
        fprintf(stderr, "rego_bench: compile %s: %s\n", file, err.detail);
        exit(1);
    }
    return c;
}

static void default_policy(struct arena *a, double seconds)
{
    struct pair_list in = {0}, ref = {0};
    for (int i = 0; i < 100; i++) {
        char key[64], val[80], other[80];
        snprintf(key, sizeof(key), "tdx.quote.body.claim_%03d", i);
        snprintf(val, sizeof(val), "%064x", i * 7919);
        snprintf(other, sizeof(other), "%064x", i * 104729 + 1);
        pair_list_push_str(a, &in, key, v_cstr(a, val));
        struct value *items[2] = {v_cstr(a, other), v_cstr(a, val)};
        pair_list_push_str(a, &ref, key, v_array(a, items, 2));
    }
    struct value *input = v_object(a, in.pairs, in.len, DUP_LAST_WINS, NULL);
    struct pair_list d = {0};
    pair_list_push_str(a, &d, "reference", v_object(a, ref.pairs, ref.len, DUP_LAST_WINS, NULL));
    struct value *data = v_object(a, d.pairs, d.len, DUP_LAST_WINS, NULL);
    struct workload w = {"default policy, 100 claims x 100 refs", NULL, {0}, true, NULL, 0, NULL};
    w.c = compile("default.rego", POLICY_DEFAULT_TEXT, NULL);
    w.opts.input = input;
    w.opts.extra_data = data;
    run(&w, seconds);
    rego_compiled_free(w.c);
}

static void shared_workload(struct arena *a, const char *dir, double seconds)
{
    char path[1200];
    size_t len;
    snprintf(path, sizeof(path), "%s/policy.rego", dir);
    char *policy = slurp(path, &len);
    snprintf(path, sizeof(path), "%s/data.json", dir);
    char *data = slurp(path, &len);
    struct value *dv = data ? parse_json(a, data, len) : NULL;
    snprintf(path, sizeof(path), "%s/input.json", dir);
    char *in = slurp(path, &len);
    struct value *iv = in ? parse_json(a, in, len) : NULL;
    snprintf(path, sizeof(path), "%s/input_deny.json", dir);
    char *deny = slurp(path, &len);
    struct value *dn = deny ? parse_json(a, deny, len) : NULL;
    if (!policy || !dv || !iv || !dn) {
        printf("rego: shared workload not found under %s: skipped\n", dir);
    } else {
        struct workload w = {"shared workload (52 rules, 200 claims)", NULL, {0}, true, NULL, 0, NULL};
        w.c = compile("policy.rego", policy, dv);
        w.opts.input = iv;
        run(&w, seconds);
        w.name = "shared workload, deny input";
        w.opts.input = dn;
        w.want = false;
        run(&w, seconds);
        rego_compiled_free(w.c);
    }
    free(policy);
    free(data);
    free(in);
    free(deny);
}

/* ---- EAR: the built-in default_cpu policy over TDX claims ---- */

static struct value *g_ear_refs; /* name -> reference value (bench data) */

static struct value *bench_query_rv(void *unused, struct arena *a, struct value *const *args,
                                    size_t nargs, bool *failed, struct as_error *err)
{
    (void)unused;
    (void)a;
    (void)err;
    if (nargs != 1 || !args[0] || args[0]->type != V_STRING) {
        *failed = true;
        return NULL;
    }
    struct value *v = value_object_get_str(g_ear_refs, args[0]->u.str.s);
    return v ? v : v_null();
}

static const char *const EAR_PATHS[] = {"data.policy.trust_claims", "data.policy.extensions"};

static bool ear_check(struct value *const *vals)
{
    struct value *x = vals[0] ? value_object_get_str(vals[0], "executables") : NULL;
    struct value *h = vals[0] ? value_object_get_str(vals[0], "hardware") : NULL;
    int64_t xi, hi;
    return x && h && value_as_int64(x, &xi) == 0 && value_as_int64(h, &hi) == 0 && xi == 4 &&
           hi == 2;
}

/* The reference values registered for the claims: their own RTMR1/2,
 * MRTD and XFAM, so rtmrs and hardware are "registered" (4 / 2). */
static struct value *ear_refs_for(struct arena *a, struct value *tdx)
{
    static const char *const names[] = {"rtmr_1", "rtmr_2", "mr_td", "xfam"};
    struct value *body = value_object_get_str(value_object_get_str(tdx, "quote"), "body");
    struct pair_list l = {0};
    for (size_t i = 0; i < 4; i++) {
        struct value *v = value_object_get_str(body, names[i]);
        if (!v)
            return NULL;
        struct value *items[2] = {v_cstr(a, "00"), v};
        pair_list_push_str(a, &l, names[i], v_array(a, items, 2));
    }
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

static void ear_workload(struct arena *a, const char *shared, double seconds)
{
    char path[1200];
    size_t len;
    snprintf(path, sizeof(path), "%s/vectors/intel/extra/trustee-tdx_quote_4.parse_tdx_claims_expected.json",
             shared);
    char *text = slurp(path, &len);
    if (!text) {
        printf("rego: EAR workload: %s not found: skipped\n", path);
        return;
    }
    struct value *claims = parse_json(a, text, len);
    free(text);
    /* the tdx verifier adds the collateral verdicts to trustee's claims */
    struct pair_list t = {0};
    for (size_t i = 0; i < claims->u.obj.len; i++)
        pair_list_push(a, &t, claims->u.obj.pairs[i].key, claims->u.obj.pairs[i].val);
    pair_list_push_str(a, &t, "tcb_status", v_cstr(a, "UpToDate"));
    pair_list_push_str(a, &t, "collateral_expiration_status", v_cstr(a, "0"));
    struct value *tdx = v_object(a, t.pairs, t.len, DUP_LAST_WINS, NULL);
    struct pair_list in = {0};
    pair_list_push_str(a, &in, "tdx", tdx);
    pair_list_push_str(a, &in, "report_data", value_object_get_str(claims, "report_data"));
    pair_list_push_str(a, &in, "init_data", value_object_get_str(claims, "init_data"));
    g_ear_refs = ear_refs_for(a, tdx);
    if (!g_ear_refs) {
        printf("rego: EAR workload: unexpected claims shape: skipped\n");
        return;
    }
    const struct policy_builtin *cpu = NULL;
    for (size_t i = 0; i < POLICY_EAR_BUILTINS_N; i++)
        if (!strcmp(POLICY_EAR_BUILTINS[i].id, "default_cpu"))
            cpu = &POLICY_EAR_BUILTINS[i];
    if (!cpu || rego_register_host_builtin("query_reference_value", 1, bench_query_rv) < 0) {
        fprintf(stderr, "rego_bench: EAR: default_cpu policy or host built-in missing\n");
        exit(1);
    }
    struct workload w = {"EAR default_cpu over TDX claims (2 rules)", NULL, {0}, true,
                         EAR_PATHS, 2, ear_check};
    w.c = compile("default_cpu.rego", cpu->text, NULL);
    w.opts.input = v_object(a, in.pairs, in.len, DUP_LAST_WINS, NULL);
    run(&w, seconds);
    rego_compiled_free(w.c);
}

/* ---- built-in heavy: bench/rego/builtins.rego over 50 records ---- */

static const char *const BUILTINS_PATHS[] = {"data.policy.allow_with_summary"};

static struct value *builtins_input(struct arena *a)
{
    struct value_list recs = {0};
    for (int i = 0; i < 50; i++) {
        char name[64], email[96], created[40], labels[160], version[24];
        snprintf(name, sizeof(name), "svc-%d-prod", i);
        snprintf(email, sizeof(email), "Owner.%d@Team-%d.Example.com", i, i % 7);
        /* 2026-11-02 is a Monday: weekdays only */
        snprintf(created, sizeof(created), "2026-11-%02dT%02d:%02d:%02d.%03dZ", 2 + (i % 5), i % 24,
                 (i * 7) % 60, (i * 13) % 60, i);
        snprintf(labels, sizeof(labels),
                 "{\"app.name\":\"svc-%d\",\"app.tier\":\"%s\",\"app.owner\":\"team-%d\"}", i,
                 i % 2 ? "web" : "db", i % 7);
        snprintf(version, sizeof(version), "v1.%d.%d", 2 + i % 5, i);
        struct pair_list r = {0};
        pair_list_push_str(a, &r, "name", v_cstr(a, name));
        pair_list_push_str(a, &r, "email", v_cstr(a, email));
        pair_list_push_str(a, &r, "created", v_cstr(a, created));
        pair_list_push_str(a, &r, "labels", v_cstr(a, labels));
        pair_list_push_str(a, &r, "version", v_cstr(a, version));
        value_list_push(a, &recs, v_object(a, r.pairs, r.len, DUP_LAST_WINS, NULL));
    }
    struct pair_list in = {0};
    pair_list_push_str(a, &in, "records", v_array(a, recs.items, recs.len));
    pair_list_push_str(a, &in, "now", v_cstr(a, "2026-11-27T00:00:00Z"));
    return v_object(a, in.pairs, in.len, DUP_LAST_WINS, NULL);
}

static void builtins_workload(struct arena *a, const char *source, double seconds)
{
    char path[1200];
    size_t len;
    snprintf(path, sizeof(path), "%s/bench/rego/builtins.rego", source);
    char *policy = slurp(path, &len);
    if (!policy) {
        fprintf(stderr, "rego_bench: %s: cannot read\n", path);
        exit(1);
    }
    struct workload w = {"built-ins (regex, time, json...; 50 records)", NULL, {0},
                         true, BUILTINS_PATHS, 1, NULL};
    w.c = compile("builtins.rego", policy, NULL);
    w.opts.input = builtins_input(a);
    run(&w, seconds);
    rego_compiled_free(w.c);
    free(policy);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    const char *shared = getenv("AS_SHARED_DIR");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/rego/bench", shared ? shared : "../shared");
    struct arena a;
    arena_init(&a, 1 << 16);
    const char *only = argc > 2 ? argv[2] : "";
    if (!*only || !strcmp(only, "default"))
        default_policy(&a, seconds);
    if (!*only || !strcmp(only, "shared"))
        shared_workload(&a, dir, seconds);
    if (!*only || !strcmp(only, "ear"))
        ear_workload(&a, shared ? shared : "../shared", seconds);
    if (!*only || !strcmp(only, "builtins")) {
        const char *src = getenv("AS_SOURCE_DIR");
        builtins_workload(&a, src ? src : ".", seconds);
    }
    arena_free(&a);
    return 0;
}
