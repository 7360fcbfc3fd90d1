/* snp_bench.c - time to verify one SEV-SNP report with warm caches (trust
 * anchors loaded, evidence already in memory, VCEK in the evidence, its
 * verified chain in the chain cache) next to the crypto floor measured in
 * the same run: one ECDSA P-384/SHA-384 verification of the report with the
 * VCEK key (the floor of a warm verification), and one RSA-4096 PSS
 * verification of the VCEK by the ASK (what a cold chain adds).
 *
 * Cases: the raw report + VCEK (as-tool --report/--vcek) and the original's
 * JSON evidence (rebuild included; the JSON is parsed once, outside the
 * timing, as the server hands the verifier a parsed value), each with a
 * warm chain cache and with the chain cache emptied before every call
 * (what every verification cost before the cache).
 *
 * The machine may be shared: time is the thread's CPU time (time spent
 * waiting for a core does not count), the measurements are interleaved
 * (every round measures every case) and the best round of each is kept, so
 * slow phases hit all cases alike.
 *
 * Usage: snp_bench [seconds-per-measurement (default 1)] [only-cases-containing]
 * (the filter is for profiling one case under perf or callgrind)
 * Vectors: $AS_SHARED_DIR/vectors/snp (default ../shared next to the repo). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "base/log.h"
#include "verifier/common/x509.h"
#include "verifier/snp/snp_cache.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_roots.h"
#include "verifier/snp/snp_verify.h"

#define ROUNDS 7

static double seconds_per_run = 1.0;

static double now_s(void) /* thread CPU time */
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *dir, const char *rel, size_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors/snp/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "snp_bench: cannot read %s (vectors absent: skipped)\n", path);
        exit(0);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)len + 1);
    if (!b || fread(b, 1, (size_t)len, f) != (size_t)len)
        exit(1);
    fclose(f);
    b[len] = 0;
    *n = (size_t)len;
    return b;
}

typedef int (*op_fn)(void *ctx);

/* Operations per second of one run of about seconds_per_run. */
static double run_once(op_fn fn, void *ctx)
{
    long count = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 8; i++)
            if (fn(ctx) != 0) {
                fprintf(stderr, "snp_bench: operation failed\n");
                exit(1);
            }
        count += 8;
        t = now_s();
    } while (t - t0 < seconds_per_run);
    return count / (t - t0);
}

struct bench_case {
    const char *name;
    op_fn fn;
    void *ctx;
    double best; /* operations per second, best round */
};

/* ROUNDS rounds, each running every case once; the best rate per case. */
static const char *only_cases;

static void measure(struct bench_case *cases, size_t n)
{
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < n; i++) {
            if (only_cases && !strstr(cases[i].name, only_cases))
                continue;
            double ops = run_once(cases[i].fn, cases[i].ctx);
            if (ops > cases[i].best)
                cases[i].best = ops;
        }
}

struct ecdsa_ctx {
    EVP_PKEY *key;
    const uint8_t *report;
    uint8_t sig[96];
};

static int op_ecdsa(void *p)
{
    struct ecdsa_ctx *c = p;
    return x509_ecdsa_verify_raw(c->key, EVP_sha384(), c->report, 0x2A0, c->sig, 96) ? 0 : -1;
}

struct rsa_ctx {
    X509 *vek, *ask;
};

static int op_rsa(void *p)
{
    struct rsa_ctx *c = p;
    char why[256];
    return snp_cert_signed_by(c->vek, c->ask, why, sizeof why) ? 0 : -1;
}

struct verify_ctx_b {
    struct snp_verify_in in;
    struct arena a;
    bool cold; /* empty the chain cache before every call */
};

static int op_verify(void *p)
{
    struct verify_ctx_b *c = p;
    struct snp_verified v;
    struct as_error err;
    if (c->cold)
        snp_chain_cache_clear();
    arena_reset(&c->a);
    c->in.arena = &c->a;
    int rc = snp_verify(&c->in, &v, &err);
    if (rc == 0 && !snp_claims(&c->a, &v, true))
        rc = -1;
    if (rc)
        fprintf(stderr, "%s\n", err.detail);
    return rc;
}

static void row(const char *what, double ops)
{
    printf("  %-46s %9.0f /s  %8.1f us\n", what, ops, 1e6 / ops);
}

int main(int argc, char **argv)
{
    const char *shared = getenv("AS_SHARED_DIR") ? getenv("AS_SHARED_DIR") : "../shared";
    if (argc > 1)
        seconds_per_run = atof(argv[1]);
    if (argc > 2)
        only_cases = argv[2];
    log_init("error");
    size_t rlen, vlen, jlen;
    uint8_t *report = slurp(shared, "good/turin-v5-vcek-openanolis-report.bin", &rlen);
    uint8_t *vcek = slurp(shared, "good/turin-v5-vcek-openanolis-vcek.der", &vlen);
    uint8_t *json = slurp(shared, "derived-json/turin-v5-vcek-openanolis.evidence.json", &jlen);
    struct as_error err;
    X509 *vek = x509_cert_parse(vcek, vlen, &err);
    const struct snp_trust *trust = snp_trust_amd(SNP_TURIN);
    if (!vek || !trust)
        return 1;

    struct ecdsa_ctx ec = {X509_get0_pubkey(vek), report, {0}};
    for (int i = 0; i < 48; i++) {
        ec.sig[i] = report[0x2A0 + 47 - i];
        ec.sig[48 + i] = report[0x2E8 + 47 - i];
    }
    struct rsa_ctx rc = {vek, trust->ask};

    struct verify_ctx_b raw = {0}, js = {0}, raw_cold = {0}, js_cold = {0};
    struct arena keep;
    arena_init(&keep, 1 << 20);
    struct value *ev = NULL;
    if (json_parse(&keep, (const char *)json, jlen, NULL, &ev, &err) < 0)
        return 1;
    struct verify_ctx_b *all[4] = {&raw, &js, &raw_cold, &js_cold};
    for (int i = 0; i < 4; i++) {
        arena_init(&all[i]->a, 1 << 16);
        if (i % 2 == 0)
            all[i]->in.report = report, all[i]->in.report_len = rlen, all[i]->in.vek = vcek,
            all[i]->in.vek_len = vlen;
        else
            all[i]->in.evidence = ev;
        all[i]->cold = i >= 2;
    }

    printf("snp verification, Turin v5 report, 1 thread, CPU time, best of %d interleaved rounds x "
           "%.1fs\n",
           ROUNDS, seconds_per_run);
    struct bench_case cases[] = {
        {"floor: ECDSA P-384 verify (report)", op_ecdsa, &ec, 0},
        {"floor: RSA-4096 PSS verify (VCEK by ASK)", op_rsa, &rc, 0},
        {"snp_verify raw report + VCEK DER, claims", op_verify, &raw, 0},
        {"snp_verify JSON evidence (rebuild), claims", op_verify, &js, 0},
        {"cold chain cache: raw report + VCEK DER", op_verify, &raw_cold, 0},
        {"cold chain cache: JSON evidence", op_verify, &js_cold, 0},
    };
    size_t ncases = sizeof cases / sizeof cases[0];
    measure(cases, ncases);
    double f_ec = cases[0].best;
    for (size_t i = 0; i < ncases; i++)
        if (cases[i].best > 0)
            row(cases[i].name, cases[i].best);
    if (!only_cases)
        printf("  per report / ECDSA P-384 floor: warm raw %.2fx, warm json %.2fx, "
               "cold raw %.2fx, cold json %.2fx\n",
               f_ec / cases[2].best, f_ec / cases[3].best, f_ec / cases[4].best,
               f_ec / cases[5].best);
    struct snp_chain_cache_stats st;
    snp_chain_cache_stats(&st);
    printf("  chain cache: %zu entries, %llu inserts since the last clear\n", st.entries,
           (unsigned long long)st.inserts);
    X509_free(vek);
    for (int i = 0; i < 4; i++)
        arena_free(&all[i]->a);
    arena_free(&keep);
    free(report), free(vcek), free(json);
    return 0;
}
