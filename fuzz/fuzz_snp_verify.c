/* fuzz_snp_verify.c - libFuzzer target for the whole SEV-SNP verification
 * with the chain cache, as a differential test: every input is verified
 * with the chain cache emptied first and then again with whatever the first
 * run cached, and both runs must agree exactly (status, detail, failed
 * checks).  A certificate that differs from the real VCEK in one byte must
 * never verify, cached chain or not.
 *
 * Real evidence is read at start-up from $AS_SHARED_DIR/vectors/snp (or
 * ../shared next to the working directory); without it every input is a
 * no-op.  The input is an edit of that evidence, so the empty input is the
 * genuine report:
 *   byte 0      mode: 0 VCEK as one DER certificate, 1 VCEK in a GHCB
 *               certificate table, 2 VCEK with one byte flipped at the
 *               position in bytes 1-2
 *   bytes 3..   XORed onto the 1184-byte report (signed area, signature,
 *               reserved bytes: anything). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"
#include "verifier/snp/snp_cache.h"
#include "verifier/snp/snp_verify.h"

#define REPORT_FILE "/vectors/snp/good/turin-v5-vcek-openanolis-report.bin"
#define VCEK_FILE   "/vectors/snp/good/turin-v5-vcek-openanolis-vcek.der"

static uint8_t report[SNP_REPORT_LEN];
static uint8_t *vcek;
static size_t vcek_len;

static uint8_t *slurp(const char *dir, const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *dir = getenv("AS_SHARED_DIR") ? getenv("AS_SHARED_DIR") : "../shared";
    size_t n = 0;
    uint8_t *r = slurp(dir, REPORT_FILE, &n);
    log_init("off");
    if (r && n == SNP_REPORT_LEN)
        memcpy(report, r, n);
    free(r);
    vcek = r && n == SNP_REPORT_LEN ? slurp(dir, VCEK_FILE, &vcek_len) : NULL;
    if (!vcek)
        fprintf(stderr, "fuzz_snp_verify: no vectors under %s: every input is a no-op\n", dir);
    return 0;
}

/* One GHCB table entry for the VCEK and the terminator, then the VCEK. */
static size_t table_of_vcek(uint8_t *out)
{
    static const uint8_t guid[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                     0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
    memset(out, 0, 48);
    memcpy(out, guid, 16);
    for (int i = 0; i < 4; i++) {
        out[16 + i] = (uint8_t)(48u >> (8 * i));
        out[20 + i] = (uint8_t)(vcek_len >> (8 * i));
    }
    memcpy(out + 48, vcek, vcek_len);
    return 48 + vcek_len;
}

struct outcome {
    int rc;
    struct as_error err;
    uint32_t failed;
};

static void run(const uint8_t *rep, const uint8_t *vek, size_t vek_len, struct outcome *o)
{
    struct arena a;
    struct snp_verified v;
    arena_init(&a, 1 << 14);
    struct snp_verify_in in = {
        .arena = &a, .report = rep, .report_len = SNP_REPORT_LEN, .vek = vek, .vek_len = vek_len};
    memset(o, 0, sizeof *o);
    o->rc = snp_verify(&in, &v, &o->err);
    o->failed = v.findings.failed;
    arena_free(&a);
}

static bool same(const struct outcome *x, const struct outcome *y)
{
    if (x->rc != y->rc || x->failed != y->failed)
        return false;
    return x->rc == 0 || (x->err.status == y->err.status && strcmp(x->err.type, y->err.type) == 0 &&
                          strcmp(x->err.detail, y->err.detail) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t vek[(1 << 16) + 48];
    uint8_t rep[SNP_REPORT_LEN];
    if (!vcek)
        return 0;
    uint8_t mode = size ? data[0] % 3 : 0;
    memcpy(rep, report, sizeof rep);
    for (size_t i = 3; i < size && i - 3 < sizeof rep; i++)
        rep[i - 3] ^= data[i];
    size_t vek_len = vcek_len;
    memcpy(vek, vcek, vcek_len);
    if (mode == 1)
        vek_len = table_of_vcek(vek);
    if (mode == 2) {
        size_t at = size >= 3 ? (size_t)(data[1] | data[2] << 8) % vcek_len : 0;
        vek[at] ^= (uint8_t)(size >= 4 ? data[3] | 1 : 1);
    }
    struct outcome cold, warm;
    snp_chain_cache_clear();
    run(rep, vek, vek_len, &cold);
    run(rep, vek, vek_len, &warm);
    if (!same(&cold, &warm)) {
        fprintf(stderr, "cold %d %s / warm %d %s\n", cold.rc, cold.err.detail, warm.rc,
                warm.err.detail);
        __builtin_trap();
    }
    if (mode == 2 && warm.rc == 0)
        __builtin_trap(); /* a different certificate verified */
    return 0;
}
