/* dcap_bench.c - per-quote DCAP verification time with warm caches (the
 * evidence JSON parsed, the quote verified, the claims built), next
 * to the crypto floor measured in the same run: OpenSSL ECDSA P-256
 * verifications per second x the verifications a quote needs once the
 * collateral and its chains are cached: the quote signature (attestation
 * key) and the QE report signature (PCK key) = 2.  The collateral (CRLs,
 * issuer chains, TCB info and QE identity signatures) and the PCK chain
 * (leaf signed by its CA) are verified once and cached by content.
 *
 * Usage: dcap_bench [seconds-per-measurement]  (AS_SHARED_DIR locates the
 * vectors).  dcap_bench --count N [CASE] instead runs exactly N floor
 * verifications (bench_floor_verifies) and, after one cold call
 * (bench_quote_warm_up), N warm quotes (bench_quote_verifies) of every case
 * or of case number CASE, for instruction counts under callgrind
 * (bench/dcap.sh --callgrind). */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "verifier/dcap/dcap_verify.h"
#include "verifier/verifier.h"

extern const struct verifier verifier_sgx, verifier_tdx;

#define VERIFS_PER_QUOTE 2

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (fread(p, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    *len = (size_t)n;
    return p;
}

struct floor_key {
    EVP_PKEY *key;
    uint8_t msg[632], sig[80];
    size_t sig_len;
};

static void floor_key_init(struct floor_key *f)
{
    f->key = EVP_EC_gen("P-256");
    f->sig_len = sizeof f->sig;
    memset(f->msg, 7, sizeof f->msg);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, f->key);
    EVP_DigestSign(m, f->sig, &f->sig_len, f->msg, sizeof f->msg);
    EVP_MD_CTX_free(m);
}

/* n ECDSA P-256/SHA-256 verifications of a quote-sized message, key
 * already parsed. */
__attribute__((noinline)) void bench_floor_verifies(const struct floor_key *f, long n)
{
    for (long i = 0; i < n; i++) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, f->key);
        if (EVP_DigestVerify(m, f->sig, f->sig_len, f->msg, sizeof f->msg) != 1)
            exit(3);
        EVP_MD_CTX_free(m);
    }
}

/* Calls per second of f(arg, 10) over about secs seconds. */
static double rate_of(void (*f)(const void *, long), const void *arg, double secs)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        f(arg, 10);
        n += 10;
    } while ((t = now_s() - t0) < secs);
    return (double)n / t;
}

static void floor_batch(const void *f, long n) { bench_floor_verifies(f, n); }

struct quote_case {
    const struct verifier *vf;
    const char *evidence_json; /* as the service receives it */
    size_t evidence_len;
    const uint8_t *collateral;
    size_t collateral_len;
    time_t at;
    struct arena *arena;
};

/* One evidence JSON parse and full verifier call (evidence -> claims). */
static void quote_verify(const struct quote_case *qc)
{
    struct binding none = {0};
    struct value *evidence, *claims;
    struct as_error err;
    struct verify_ctx ctx = {.arena = qc->arena, .now = qc->at, .v26 = true,
                             .collateral = qc->collateral, .collateral_len = qc->collateral_len};
    if (json_parse(qc->arena, qc->evidence_json, qc->evidence_len, NULL, &evidence, &err) < 0 ||
        qc->vf->verify(&ctx, evidence, &none, &none, &claims, &err) < 0) {
        fprintf(stderr, "dcap bench: %s\n", err.detail);
        exit(1);
    }
    arena_reset(qc->arena);
}

/* The cold call: collateral and PCK chain verified and cached. */
__attribute__((noinline)) void bench_quote_warm_up(const struct quote_case *qc)
{
    quote_verify(qc);
}

/* n warm verifier calls. */
__attribute__((noinline)) void bench_quote_verifies(const struct quote_case *qc, long n)
{
    for (long i = 0; i < n; i++)
        quote_verify(qc);
}

static void quote_batch(const void *qc, long n) { bench_quote_verifies(qc, n); }

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One case.  count > 0: one cold call then exactly count warm calls (for
 * callgrind).  Else rounds of 0.1 s of floor verifications then 0.1 s of
 * quotes, so both see the same machine load; prints the best times and
 * the median of the per-round ratios. */
static void run_case(const char *name, const struct verifier *vf, const char *quote_path,
                     const char *coll_path, time_t at, const struct floor_key *f, double secs,
                     long count)
{
    size_t ql, cl;
    uint8_t *q = slurp(quote_path, &ql), *c = slurp(coll_path, &cl);
    if (!q || !c) {
        fprintf(stderr, "dcap bench: vectors absent (%s)\n", quote_path);
        exit(77);
    }
    struct arena ev_arena, a;
    arena_init(&ev_arena, 1 << 16);
    arena_init(&a, 1 << 16);
    const char *json = arena_sprintf(&ev_arena, "{\"quote\":\"%s\"}",
                                     b64_encode_arena(&ev_arena, q, ql, B64_STD_PAD));
    struct quote_case qc = {vf, json, strlen(json), c, cl, at, &a};
    bench_quote_warm_up(&qc);
    if (count > 0) {
        bench_quote_verifies(&qc, count);
    } else {
        enum { MAX_ROUNDS = 200 };
        double ratios[MAX_ROUNDS], best_floor = 0, best_quote = 0;
        int rounds = (int)(secs / 0.2);
        rounds = rounds < 5 ? 5 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
        quote_batch(&qc, 10);
        for (int r = 0; r < rounds; r++) {
            double fr = rate_of(floor_batch, f, 0.1), qr = rate_of(quote_batch, &qc, 0.1);
            ratios[r] = fr / (VERIFS_PER_QUOTE * qr);
            best_floor = fr > best_floor ? fr : best_floor;
            best_quote = qr > best_quote ? qr : best_quote;
        }
        qsort(ratios, (size_t)rounds, sizeof ratios[0], compare_doubles);
        printf("dcap: %-24s %.1f us/quote (best), floor %.1f us (2 x %.1f), %.2fx the floor "
               "(median of %d paired rounds, %.2f..%.2f)\n",
               name, 1e6 / best_quote, VERIFS_PER_QUOTE * 1e6 / best_floor, 1e6 / best_floor,
               ratios[rounds / 2], rounds, ratios[0], ratios[rounds - 1]);
    }
    arena_free(&a);
    arena_free(&ev_arena);
    free(q);
    free(c);
}

int main(int argc, char **argv)
{
    long count = argc > 2 && strcmp(argv[1], "--count") == 0 ? atol(argv[2]) : 0;
    double secs = argc > 1 && !count ? atof(argv[1]) : 2.0;
    const char *shared = getenv("AS_SHARED_DIR");
    char qp[512], cp[512];
    if (!shared)
        shared = "../shared";
    struct floor_key f;
    floor_key_init(&f);
    if (count > 0)
        bench_floor_verifies(&f, count);
    struct {
        const char *name, *quote, *coll;
        const struct verifier *vf;
        time_t at;
    } cases[] = {
        {"tdx v4 (tdx-v4-phala)", "quotes/tdx-v4-phala.bin",
         "collateral/phala-tdx-b0c06f000000-2025-06.json", &verifier_tdx, 1751328000},
        {"tdx v5 (tdx-v5-gotdx)", "quotes/tdx-v5-gotdx.bin",
         "collateral/phala-tdx-90c06f000000-2026-02.json", &verifier_tdx, 1772323200},
        {"sgx v3 (sgx-v3-phala)", "quotes/sgx-v3-phala.bin",
         "collateral/phala-sgx-00a067110000-2025-06.json", &verifier_sgx, 1751328000},
    };
    long only = argc > 3 && count ? atol(argv[3]) : -1; /* --count N CASE */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (only >= 0 && (size_t)only != i)
            continue;
        snprintf(qp, sizeof qp, "%s/vectors/intel/%s", shared, cases[i].quote);
        snprintf(cp, sizeof cp, "%s/vectors/intel/%s", shared, cases[i].coll);
        run_case(cases[i].name, cases[i].vf, qp, cp, cases[i].at, &f, secs, count);
    }
    EVP_PKEY_free(f.key);
    return 0;
}
