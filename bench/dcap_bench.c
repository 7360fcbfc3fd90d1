/* dcap_bench.c - per-quote DCAP verification time with warm caches, next
 * to the crypto floor measured in the same run: OpenSSL ECDSA P-256
 * verifications per second x the verifications a quote needs once the
 * collateral and its chains are cached: the quote signature (attestation
 * key) and the QE report signature (PCK key) = 2.  The collateral (CRLs,
 * issuer chains, TCB info and QE identity signatures) and the PCK chain
 * (leaf signed by its CA) are verified once and cached by content.
 *
 * Usage: dcap_bench [seconds-per-measurement]  (AS_SHARED_DIR locates the
 * vectors). */
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

/* The floor: ECDSA P-256/SHA-256 verifications per second over a
 * quote-sized message, key already parsed. */
static double ecdsa_rate(double secs)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    uint8_t msg[632], sig[80];
    size_t sl = sizeof sig;
    memset(msg, 7, sizeof msg);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k);
    EVP_DigestSign(m, sig, &sl, msg, sizeof msg);
    EVP_MD_CTX_free(m);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 50; i++) {
            m = EVP_MD_CTX_new();
            EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, k);
            if (EVP_DigestVerify(m, sig, sl, msg, sizeof msg) != 1)
                exit(3);
            EVP_MD_CTX_free(m);
        }
        n += 50;
    } while ((t = now_s() - t0) < secs);
    EVP_PKEY_free(k);
    return (double)n / t;
}

/* Full verifier calls (evidence JSON -> claims) with warm caches. */
static double verify_rate(const struct verifier *vf, const char *quote_path,
                          const char *coll_path, time_t at, double secs)
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
    struct pair_list l = {0};
    pair_list_push_str(&ev_arena, &l, "quote",
                       v_cstr(&ev_arena, b64_encode_arena(&ev_arena, q, ql, B64_STD_PAD)));
    struct value *ev = v_object(&ev_arena, l.pairs, l.len, DUP_LAST_WINS, NULL);
    struct binding none = {0};
    struct value *claims;
    struct as_error err;
    long n = 0;
    double t0 = 0, t = 0;
    for (int warm = 1; warm >= 0; warm--) {
        n = 0;
        t0 = now_s();
        do {
            struct verify_ctx ctx = {.arena = &a, .now = at, .v26 = true, .collateral = c,
                                     .collateral_len = cl};
            if (vf->verify(&ctx, ev, &none, &none, &claims, &err) < 0) {
                fprintf(stderr, "dcap bench: %s\n", err.detail);
                exit(1);
            }
            arena_reset(&a);
            n++;
        } while ((t = now_s() - t0) < (warm ? 0.2 : secs));
    }
    arena_free(&a);
    arena_free(&ev_arena);
    free(q);
    free(c);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    const char *shared = getenv("AS_SHARED_DIR");
    char qp[512], cp[512];
    if (!shared)
        shared = "../shared";
    double rate = ecdsa_rate(secs);
    double floor_us = VERIFS_PER_QUOTE * 1e6 / rate;
    printf("dcap: ECDSA P-256 verify: %.0f/s -> crypto floor %.1f us/quote (%d verifications)\n",
           rate, floor_us, VERIFS_PER_QUOTE);
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
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(qp, sizeof qp, "%s/vectors/intel/%s", shared, cases[i].quote);
        snprintf(cp, sizeof cp, "%s/vectors/intel/%s", shared, cases[i].coll);
        double r = verify_rate(cases[i].vf, qp, cp, cases[i].at, secs);
        printf("dcap: %-24s %.1f us/quote (%.0f/s), %.2fx the crypto floor\n", cases[i].name,
               1e6 / r, r, (1e6 / r) / floor_us);
    }
    return 0;
}
