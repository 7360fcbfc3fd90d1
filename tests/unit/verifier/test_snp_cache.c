/* Unit tests for the SNP chain cache (snp_cache.h) through snp_verify: a
 * warm verification reuses the verified chain, and nothing about a cached
 * chain lets a different certificate, a different ARK/ASK, other anchors
 * or a broken report pass; failing chains are never cached; the cache is
 * bounded and its entries outlive eviction while referenced; concurrent
 * verifications with evictions running alongside stay correct. */
#include <pthread.h>

#include <criterion/criterion.h>

#include "base/arena.h"
#include "test_snp_chain_util.h"
#include "verifier/snp/snp_cache.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_verify.h"

struct fx {
    struct test_chain c;
    struct snp_report r;
    uint8_t raw[SNP_REPORT_LEN];
    uint8_t vek[4096];
    size_t vek_len;
};

static const struct snp_tcb tcb = {false, 0, 3, 0, 8, 115};

static void fx_make(struct fx *f, enum snp_product p, uint32_t version)
{
    struct vek_spec spec = {
        .subject_cn = "SEV-VCEK", .spl = {3, 0, 8, 115, -1}, .hwid_len = 64, .mode = SIGN_PSS48};
    memset(f, 0, sizeof *f);
    test_report_fields(&f->r, p, version, &tcb);
    memcpy(spec.hwid, f->r.chip_id, 64);
    test_chain_make(&f->c, p, &spec);
    test_report_sign(&f->r, f->c.vek_key, f->raw);
    f->vek_len = test_der(f->c.vek, f->vek, sizeof f->vek);
}

/* Raw report + one certificate (or table) against trust. */
static int verify(const uint8_t *report, const uint8_t *vek, size_t vek_len,
                  const struct snp_trust *trust, struct snp_verified *v, struct as_error *err)
{
    struct arena a;
    arena_init(&a, 1 << 14);
    struct snp_verify_in in = {.arena = &a,
                               .report = report,
                               .report_len = SNP_REPORT_LEN,
                               .vek = vek,
                               .vek_len = vek_len,
                               .trust = trust};
    int rc = snp_verify(&in, v, err);
    arena_free(&a);
    return rc;
}

static struct snp_chain_cache_stats stats(void)
{
    struct snp_chain_cache_stats s;
    snp_chain_cache_stats(&s);
    return s;
}

Test(snp_cache, warm_verification_reuses_the_chain)
{
    struct fx f;
    struct snp_verified cold, warm;
    struct as_error err;
    snp_chain_cache_clear();
    fx_make(&f, SNP_MILAN, 3);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &cold, &err), 0, "%s", err.detail);
    cr_expect_eq(stats().inserts, 1);
    cr_expect_eq(stats().hits, 0);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &warm, &err), 0, "%s", err.detail);
    cr_expect_eq(stats().hits, 1);
    cr_expect_eq(stats().inserts, 1);
    cr_expect_eq(memcmp(&cold.findings, &warm.findings, sizeof cold.findings), 0);
    cr_expect_eq(warm.vek_kind, SNP_VEK_VCEK);
    test_chain_free(&f.c);
}

/* Version 2 has no CPUID: the product comes from the VCEK issuer, which a
 * warm verification reads from the cache entry of the same bytes. */
Test(snp_cache, version_2_product_from_the_cached_issuer)
{
    struct fx f;
    struct snp_verified v;
    struct as_error err;
    snp_chain_cache_clear();
    fx_make(&f, SNP_GENOA, 2);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &v, &err), 0, "%s", err.detail);
    cr_expect_eq(snp_chain_cache_issuer_product(f.vek, f.vek_len), SNP_GENOA);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &v, &err), 0, "%s", err.detail);
    cr_expect_eq(v.product, SNP_GENOA);
    cr_expect_eq(stats().hits, 1);
    uint8_t other[4096];
    memcpy(other, f.vek, f.vek_len);
    other[f.vek_len - 1] ^= 1;
    cr_expect_eq(snp_chain_cache_issuer_product(other, f.vek_len), SNP_PRODUCT_UNKNOWN);
    test_chain_free(&f.c);
}

Test(snp_cache, a_different_certificate_never_uses_the_entry)
{
    struct fx f, g;
    struct snp_verified v;
    struct as_error err;
    snp_chain_cache_clear();
    fx_make(&f, SNP_MILAN, 3);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &v, &err), 0, "%s", err.detail);
    /* The cached VCEK with one byte of its signature changed. */
    uint8_t tampered[4096];
    memcpy(tampered, f.vek, f.vek_len);
    tampered[f.vek_len - 5] ^= 0x01;
    cr_expect_eq(verify(f.raw, tampered, f.vek_len, &f.c.trust, &v, &err), -1);
    cr_expect(v.findings.failed & (1u << SNP_CHECK_VEK_SIGNED_BY_ASK), "%s", err.detail);
    /* Another chain's VCEK: its report verifies only with its own anchors. */
    fx_make(&g, SNP_MILAN, 3);
    cr_expect_eq(verify(g.raw, g.vek, g.vek_len, &f.c.trust, &v, &err), -1);
    cr_expect(v.findings.failed & (1u << SNP_CHECK_VEK_SIGNED_BY_ASK), "%s", err.detail);
    /* The cached VCEK under other anchors: not the cached chain. */
    cr_expect_eq(verify(f.raw, f.vek, f.vek_len, &g.c.trust, &v, &err), -1);
    cr_expect(v.findings.failed & (1u << SNP_CHECK_VEK_SIGNED_BY_ASK), "%s", err.detail);
    cr_expect_eq(stats().hits, 0);
    cr_expect_eq(stats().inserts, 1, "failing chains are never cached");
    test_chain_free(&f.c);
    test_chain_free(&g.c);
}

/* A GHCB table of the given certificates (VCEK last). */
static size_t table_of(X509 *ark, X509 *ask, X509 *vek, uint8_t *out, size_t cap)
{
    static const uint8_t guids[3][16] = {{0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97,
                                          0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae},
                                         {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0,
                                          0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82},
                                         {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad,
                                          0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd}};
    X509 *certs[3] = {ark, ask, vek};
    uint32_t off = 4 * 24;
    memset(out, 0, cap);
    for (int i = 0; i < 3; i++) {
        uint32_t len = (uint32_t)test_der(certs[i], out + off, cap - off);
        memcpy(out + 24 * i, guids[i], 16);
        memcpy(out + 24 * i + 16, &off, 4); /* little-endian host */
        memcpy(out + 24 * i + 20, &len, 4);
        off += len;
    }
    return off;
}

Test(snp_cache, the_evidence_ark_and_ask_are_part_of_the_identity)
{
    struct fx f, g;
    struct snp_verified v;
    struct as_error err;
    uint8_t table[16384];
    snp_chain_cache_clear();
    fx_make(&f, SNP_MILAN, 3);
    fx_make(&g, SNP_MILAN, 3);
    size_t n = table_of(f.c.ark, f.c.ask, f.c.vek, table, sizeof table);
    cr_assert_eq(verify(f.raw, table, n, &f.c.trust, &v, &err), 0, "%s", err.detail);
    cr_assert_eq(verify(f.raw, table, n, &f.c.trust, &v, &err), 0, "%s", err.detail);
    cr_expect_eq(stats().hits, 1);
    /* Same VCEK bytes, a foreign ARK in the table. */
    n = table_of(g.c.ark, f.c.ask, f.c.vek, table, sizeof table);
    cr_expect_eq(verify(f.raw, table, n, &f.c.trust, &v, &err), -1);
    cr_expect(v.findings.failed & (1u << SNP_CHECK_ARK_PINNED), "%s", err.detail);
    /* Same VCEK bytes, a foreign ASK in the table. */
    n = table_of(f.c.ark, g.c.ask, f.c.vek, table, sizeof table);
    cr_expect_eq(verify(f.raw, table, n, &f.c.trust, &v, &err), -1);
    cr_expect(v.findings.failed & (1u << SNP_CHECK_ASK_SIGNED_BY_ARK), "%s", err.detail);
    cr_expect_eq(stats().hits, 1);
    test_chain_free(&f.c);
    test_chain_free(&g.c);
}

Test(snp_cache, report_checks_still_run_on_a_warm_chain)
{
    struct fx f;
    struct snp_verified v;
    struct as_error err;
    snp_chain_cache_clear();
    fx_make(&f, SNP_MILAN, 3);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &v, &err), 0, "%s", err.detail);
    uint8_t bad[SNP_REPORT_LEN];
    memcpy(bad, f.raw, sizeof bad);
    bad[0x50] ^= 1; /* report_data: the signature no longer covers it */
    cr_expect_eq(verify(bad, f.vek, f.vek_len, &f.c.trust, &v, &err), -1);
    cr_expect_eq(v.findings.failed, 1u << SNP_CHECK_REPORT_SIGNATURE, "%s", err.detail);
    /* TCB and chip ID compared with the cached extension values. */
    struct snp_tcb other = tcb;
    other.microcode = 116;
    cr_assert(snp_tcb_encode(&other, SNP_MILAN, f.r.reported_tcb, NULL) == 0);
    f.r.chip_id[0] ^= 0xff;
    test_report_sign(&f.r, f.c.vek_key, f.raw);
    cr_expect_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &v, &err), -1);
    cr_expect_eq(v.findings.failed, (1u << SNP_CHECK_TCB_MICROCODE) | (1u << SNP_CHECK_CHIP_ID),
                 "%s", err.detail);
    cr_expect_eq(stats().hits, 2);
    test_chain_free(&f.c);
}

Test(snp_cache, bounded_and_entries_outlive_eviction_while_referenced)
{
    struct fx f;
    struct snp_verified v;
    struct as_error err;
    snp_chain_cache_clear();
    fx_make(&f, SNP_MILAN, 3);
    cr_assert_eq(verify(f.raw, f.vek, f.vek_len, &f.c.trust, &v, &err), 0, "%s", err.detail);
    /* Hold a reference, then flood the cache with other identities. */
    uint8_t trust_id[48];
    struct snp_chain_id id;
    struct snp_chain_source src = {SNP_KIND_FROM_SUBJECT, f.vek, f.vek_len, NULL, 0, NULL, 0};
    cr_assert_eq(snp_trust_id(&f.c.trust, trust_id), 0);
    cr_assert_eq(snp_chain_id_compute(&src, trust_id, &id), 0);
    const struct snp_chain_entry *held = snp_chain_cache_get(&id, f.vek, f.vek_len);
    cr_assert_not_null(held);
    for (int i = 0; i < 4 * SNP_CHAIN_CACHE_SLOTS; i++) {
        struct snp_chain_id other = id;
        memcpy(other.vek, &i, sizeof i); /* spreads over every group */
        const struct snp_chain_entry *e =
            snp_chain_cache_put(&other, SNP_VEK_VCEK, f.c.vek, &held->info, f.vek, f.vek_len);
        cr_assert_not_null(e);
        snp_chain_entry_release(e);
    }
    struct snp_chain_cache_stats s = stats();
    cr_expect_leq(s.entries, SNP_CHAIN_CACHE_SLOTS);
    cr_expect_geq(s.evictions, 3 * SNP_CHAIN_CACHE_SLOTS - 1);
    /* The held entry was evicted but is still whole (ASan would see a
     * use after free). */
    cr_expect_eq(held->vek_len, f.vek_len);
    cr_expect_eq(memcmp(held->vek_bytes, f.vek, f.vek_len), 0);
    cr_expect_eq(EVP_PKEY_eq(held->key, f.c.vek_key), 1);
    snp_chain_entry_release(held);
    cr_expect_null(snp_chain_cache_get(&id, f.vek, f.vek_len));
    test_chain_free(&f.c);
}

/* ---- concurrency ---- */

#define THREADS 4
#define ROUNDS  12

struct worker {
    struct fx *chains; /* 2 chains */
    int failures;
    char detail[256];
};

static void *verify_loop(void *p)
{
    struct worker *w = p;
    for (int i = 0; i < ROUNDS; i++) {
        struct fx *f = &w->chains[i % 2];
        struct snp_verified v;
        struct as_error err;
        if (verify(f->raw, f->vek, f->vek_len, &f->c.trust, &v, &err) != 0) {
            w->failures++;
            snprintf(w->detail, sizeof w->detail, "%s", err.detail);
        }
        /* Crossed: chain 0's report with chain 1's VCEK must fail. */
        struct fx *g = &w->chains[(i + 1) % 2];
        if (verify(f->raw, g->vek, g->vek_len, &f->c.trust, &v, &err) == 0)
            w->failures++;
    }
    return NULL;
}

static void *clear_loop(void *p)
{
    atomic_int *stop = p;
    while (!atomic_load(stop))
        snp_chain_cache_clear();
    return NULL;
}

Test(snp_cache, concurrent_verifications_with_clears_alongside)
{
    struct fx chains[2];
    snp_chain_cache_clear();
    fx_make(&chains[0], SNP_MILAN, 3);
    fx_make(&chains[1], SNP_GENOA, 3);
    struct worker w[THREADS] = {0};
    pthread_t t[THREADS], clearer;
    atomic_int stop = 0;
    cr_assert_eq(pthread_create(&clearer, NULL, clear_loop, &stop), 0);
    for (int i = 0; i < THREADS; i++) {
        w[i].chains = chains;
        cr_assert_eq(pthread_create(&t[i], NULL, verify_loop, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    atomic_store(&stop, 1);
    pthread_join(clearer, NULL);
    for (int i = 0; i < THREADS; i++)
        cr_expect_eq(w[i].failures, 0, "worker %d: %s", i, w[i].detail);
    test_chain_free(&chains[0].c);
    test_chain_free(&chains[1].c);
}
