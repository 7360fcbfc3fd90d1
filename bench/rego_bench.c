/* rego_bench.c - Rego engine evaluation speed (bench/rego.sh).
 *
 * Two workloads, each compiled once and evaluated many times with a
 * per-call arena reset (as the service does):
 *   1. the original's default policy (V24) over 100 flattened claims and
 *      100 reference values under data.reference (all matching: allow);
 *   2. the shared workload of shared/rego/bench (52 rules over 200 claims,
 *      query data.policy.allow, allowed input and the deny variant).
 * Prints the median time per call over batches and, per call, the heap
 * allocations (malloc/calloc/realloc, counted through --wrap) and arena
 * bytes.  Usage: rego_bench [seconds] [default|shared]; with
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
};

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
        struct value *out;
        rego_eval_path(w->c, "data.policy.allow", &w->opts, a, &out, NULL, &err);
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
        struct value *out = NULL;
        bool exists;
        if (rego_eval_path(w->c, "data.policy.allow", &w->opts, &a, &out, &exists, &err) < 0) {
            fprintf(stderr, "rego_bench: %s: %s\n", w->name, err.detail);
            exit(1);
        }
        if (!out || out->type != V_BOOL || out->u.b != w->want) {
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
        struct value *out;
        rego_eval_path(w->c, "data.policy.allow", &w->opts, &a, &out, NULL, &err);
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
            struct value *out;
            rego_eval_path(w->c, "data.policy.allow", &w->opts, &a, &out, NULL, &err);
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
    struct workload w = {"default policy, 100 claims x 100 refs", NULL, {0}, true};
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
        struct workload w = {"shared workload (52 rules, 200 claims)", NULL, {0}, true};
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

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    const char *shared = getenv("AS_SHARED_DIR");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/rego/bench", shared ? shared : "../shared");
    struct arena a;
    arena_init(&a, 1 << 16);
    const char *only = argc > 2 ? argv[2] : "";
    if (strcmp(only, "shared") != 0)
        default_policy(&a, seconds);
    if (strcmp(only, "default") != 0)
        shared_workload(&a, dir, seconds);
    arena_free(&a);
    return 0;
}
