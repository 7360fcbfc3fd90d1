/* snp_bench.c - time to verify one SEV-SNP report with warm caches (trust
 * anchors loaded, evidence already in memory, VCEK in the evidence) next to
 * the crypto floor measured in the same run: one ECDSA P-384/SHA-384
 * verification of the report with the VCEK key, and one RSA-4096 PSS
 * verification of the VCEK by the ASK.
 *
 * Cases: the raw report + VCEK (as-tool --report/--vcek) and the original's
 * JSON evidence (rebuild included; the JSON is parsed once, outside the
 * timing, as the server hands the verifier a parsed value).
 *
 * Usage: snp_bench [seconds-per-measurement (default 1)]
 * Vectors: $AS_SHARED_DIR/vectors/snp (default ../shared next to the repo). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "base/log.h"
#include "verifier/common/x509.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_roots.h"
#include "verifier/snp/snp_verify.h"

#define ROUNDS 3

static double seconds_per_run = 1.0;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

/* Best operations per second over ROUNDS runs. */
static double rate(op_fn fn, void *ctx)
{
    double best = 0;
    for (int r = 0; r < ROUNDS; r++) {
        long count = 0;
        double t0 = now_s(), t;
        do {
            for (int i = 0; i < 16; i++)
                if (fn(ctx) != 0) {
                    fprintf(stderr, "snp_bench: operation failed\n");
                    exit(1);
                }
            count += 16;
            t = now_s();
        } while (t - t0 < seconds_per_run);
        if (count / (t - t0) > best)
            best = count / (t - t0);
    }
    return best;
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
};

static int op_verify(void *p)
{
    struct verify_ctx_b *c = p;
    struct snp_verified v;
    struct as_error err;
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

    struct verify_ctx_b raw = {0}, js = {0};
    arena_init(&raw.a, 1 << 16);
    arena_init(&js.a, 1 << 16);
    raw.in.report = report, raw.in.report_len = rlen, raw.in.vek = vcek, raw.in.vek_len = vlen;
    struct arena keep;
    arena_init(&keep, 1 << 20);
    struct value *ev = NULL;
    if (json_parse(&keep, (const char *)json, jlen, NULL, &ev, &err) < 0)
        return 1;
    js.in.evidence = ev;

    printf("snp verification, Turin v5 report, 1 thread, best of %d x %.1fs\n", ROUNDS,
           seconds_per_run);
    double f_ec = rate(op_ecdsa, &ec), f_rsa = rate(op_rsa, &rc);
    double v_raw = rate(op_verify, &raw), v_json = rate(op_verify, &js);
    row("floor: ECDSA P-384 verify (report)", f_ec);
    row("floor: RSA-4096 PSS verify (VCEK by ASK)", f_rsa);
    row("floor: both", 1.0 / (1.0 / f_ec + 1.0 / f_rsa));
    row("snp_verify raw report + VCEK DER, claims", v_raw);
    row("snp_verify JSON evidence (rebuild), claims", v_json);
    printf("  overhead over ECDSA+RSA floor: raw %.1f%%, json %.1f%%\n",
           100.0 * ((1.0 / v_raw) / (1.0 / f_ec + 1.0 / f_rsa) - 1),
           100.0 * ((1.0 / v_json) / (1.0 / f_ec + 1.0 / f_rsa) - 1));
    X509_free(vek);
    arena_free(&raw.a);
    arena_free(&js.a);
    arena_free(&keep);
    free(report), free(vcek), free(json);
    return 0;
}
