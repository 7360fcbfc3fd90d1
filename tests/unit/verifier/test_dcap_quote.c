/* test_dcap_quote.c - the DCAP quote parser on real quotes: every prefix
 * of every real quote is rejected with a 400 that names the truncated
 * field, never read out of bounds (run under ASan); unsupported versions,
 * key types, TEE types, body types and certification data types are
 * rejected; trailing bytes after the signature data are accepted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/dcap/dcap_claims.h"
#include "verifier/dcap/quote.h"

#define VEC AS_SHARED_DIR "/vectors/intel/quotes/"

static uint8_t *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, VEC "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static const char *QUOTES[] = {"sgx-v3-phala.bin", "tdx-v4-phala.bin", "tdx-v5-gotdx.bin",
                               "tdx-v4-gotdx-spr-e4.bin"};

Test(dcap_quote, every_truncation_is_a_clean_400)
{
    for (size_t k = 0; k < sizeof QUOTES / sizeof QUOTES[0]; k++) {
        size_t len;
        uint8_t *full = slurp(QUOTES[k], &len);
        if (!full)
            cr_skip("vectors absent");
        struct dcap_quote q;
        struct as_error err;
        cr_assert_eq(dcap_quote_parse(full, len, &q, &err), 0, "%s: %s", QUOTES[k], err.detail);
        size_t end = len - q.trailing_len; /* beyond the signature data nothing is read */
        for (size_t n = 0; n < end; n++) {
            /* an exact-size copy so ASan sees any overread */
            uint8_t *p = malloc(n ? n : 1);
            memcpy(p, full, n);
            int rc = dcap_quote_parse(p, n, &q, &err);
            cr_assert_eq(rc, -1, "%s truncated to %zu parsed", QUOTES[k], n);
            cr_assert_eq(err.status, 400);
            cr_assert_str_eq(err.type, "invalid_evidence");
            cr_assert(n == 0 || strstr(err.detail, "truncated") || strstr(err.detail, "size"),
                      "%zu: %s", n, err.detail);
            free(p);
        }
        for (size_t n = end; n <= len; n++)
            cr_assert_eq(dcap_quote_parse(full, n, &q, &err), 0, "%s at %zu: %s", QUOTES[k], n,
                         err.detail);
        free(full);
    }
}

static void expect_reject(uint8_t *p, size_t len, const char *needle)
{
    struct dcap_quote q;
    struct as_error err;
    cr_assert_eq(dcap_quote_parse(p, len, &q, &err), -1);
    cr_assert_eq(err.status, 400);
    cr_assert(strstr(err.detail, needle), "'%s' not in '%s'", needle, err.detail);
}

Test(dcap_quote, unsupported_fields)
{
    size_t len;
    uint8_t *p = slurp("tdx-v4-phala.bin", &len);
    if (!p)
        cr_skip("vectors absent");
    uint8_t *m = malloc(len);
    static const uint16_t versions[] = {0, 1, 2, 6, 0xffff};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        memcpy(m, p, len);
        m[0] = (uint8_t)versions[i];
        m[1] = (uint8_t)(versions[i] >> 8);
        expect_reject(m, len, "unsupported quote version");
    }
    memcpy(m, p, len);
    m[2] = 3; /* ECDSA P-384 */
    expect_reject(m, len, "attestation key type");
    memcpy(m, p, len);
    m[4] = 0x80;
    expect_reject(m, len, "TEE type");
    memcpy(m, p, len);
    m[636] = 7; /* outer certification data type: 632 + 4 + 128 = 764 */
    m[764] = 7;
    expect_reject(m, len, "certification data type");
    free(m);
    free(p);
    p = slurp("tdx-v5-gotdx.bin", &len);
    m = malloc(len);
    memcpy(m, p, len);
    m[48] = 9; /* v5 body type */
    expect_reject(m, len, "body type");
    memcpy(m, p, len);
    m[48] = 4; /* TD report 1.5 with extensions */
    expect_reject(m, len, "body type 4 (TD report 1.5 with extensions");
    memcpy(m, p, len);
    m[48] = 1; /* SGX body in a TDX quote */
    expect_reject(m, len, "size");
    memcpy(m, p, len);
    m[50] = 0x90; /* body size field */
    expect_reject(m, len, "size");
    free(m);
    free(p);
}

Test(dcap_quote, fields_of_a_v5_quote)
{
    size_t len;
    uint8_t *p = slurp("tdx-v5-gotdx.bin", &len);
    if (!p)
        cr_skip("vectors absent");
    struct dcap_quote q;
    struct as_error err;
    cr_assert_eq(dcap_quote_parse(p, len, &q, &err), 0, "%s", err.detail);
    cr_assert_eq(q.version, 5);
    cr_assert_eq(q.body_type, DCAP_BODY_TD15);
    cr_assert_eq(q.signed_len, 702);
    cr_assert_eq(q.sig_data_len, 4300);
    cr_assert_eq(q.outer_cert_type, 6);
    cr_assert_eq(q.body[TD_MR_TD], 0x73);
    cr_assert(q.pck_pem_len > 1000);
    cr_assert(memcmp(q.pck_pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
    free(p);
}

/* An SGX enclave report in a v4 quote, and in a v5 quote (body descriptor
 * type 1), made from the real v3 quote: the QE tail wrapped in a type-6
 * certification data block.  Both parse to the same fields; verified with
 * the real collateral, every check passes up to the quote signature, which
 * covers the header (now changed) and so fails on its own Intel status. */
static uint8_t *sgx_quote_as(int version, const uint8_t *v3, size_t v3_len, size_t *out_len)
{
    const size_t body_end = 48 + 384, tail = body_end + 4 + 128; /* QE report onwards */
    size_t extra = version == 5 ? 6 : 0, n = v3_len + 6 + extra;
    uint8_t *q = calloc(1, n);
    uint32_t sig_len = (uint32_t)(v3[body_end] | v3[body_end + 1] << 8 |
                                  v3[body_end + 2] << 16 | (uint32_t)v3[body_end + 3] << 24);
    uint32_t inner = sig_len - 128, outer = sig_len + 6;
    memcpy(q, v3, 48);
    q[0] = (uint8_t)version;
    size_t o = 48;
    if (version == 5) {
        q[o] = 1;               /* body type: SGX */
        q[o + 2] = 384 & 0xff; /* body size */
        q[o + 3] = 384 >> 8;
        o += 6;
    }
    memcpy(q + o, v3 + 48, 384);
    o += 384;
    for (int i = 0; i < 4; i++)
        q[o++] = (uint8_t)(outer >> (8 * i));
    memcpy(q + o, v3 + body_end + 4, 128); /* signature, attestation key */
    o += 128;
    q[o++] = 6; /* QE report certification data */
    q[o++] = 0;
    for (int i = 0; i < 4; i++)
        q[o++] = (uint8_t)(inner >> (8 * i));
    memcpy(q + o, v3 + tail, v3_len - tail);
    *out_len = o + (v3_len - tail);
    cr_assert_leq(*out_len, n);
    return q;
}

Test(dcap_quote, sgx_bodies_in_v4_and_v5_quotes)
{
    size_t len, cl;
    uint8_t *v3 = slurp("sgx-v3-phala.bin", &len);
    FILE *f = fopen(AS_SHARED_DIR "/vectors/intel/collateral/phala-sgx-00a067110000-2025-06.json",
                    "rb");
    if (!v3 || !f)
        cr_skip("vectors absent");
    uint8_t coll[65536];
    cl = fread(coll, 1, sizeof coll, f);
    fclose(f);
    struct dcap_quote ref, q;
    struct as_error err;
    cr_assert_eq(dcap_quote_parse(v3, len, &ref, &err), 0, "%s", err.detail);
    for (int version = 4; version <= 5; version++) {
        size_t n;
        uint8_t *m = sgx_quote_as(version, v3, len, &n);
        cr_assert_eq(dcap_quote_parse(m, n, &q, &err), 0, "v%d: %s", version, err.detail);
        cr_assert_eq(q.version, version);
        cr_assert_eq(q.body_type, DCAP_BODY_SGX);
        cr_assert_eq(q.outer_cert_type, DCAP_CERT_QE_REPORT);
        cr_assert(memcmp(q.body, ref.body, 384) == 0);
        cr_assert(memcmp(q.qe_report, ref.qe_report, 384) == 0);
        cr_assert_eq(q.pck_pem_len, ref.pck_pem_len);
        cr_assert(memcmp(q.pck_pem, ref.pck_pem, ref.pck_pem_len) == 0);

        struct arena a;
        arena_init(&a, 1 << 16);
        struct verify_ctx ctx = {.arena = &a, .now = 1751328000, .collateral = coll,
                                 .collateral_len = cl};
        struct dcap_pck pck;
        struct dcap_result res;
        cr_assert_eq(dcap_verify_quote(&ctx, m, n, false, &q, &pck, &res, &err), -1);
        cr_assert_eq(err.status, 403);
        cr_assert(strstr(err.detail, "STATUS_INVALID_QUOTE_SIGNATURE"), "v%d: %s", version,
                  err.detail);
        arena_free(&a);
        free(m);
    }
    free(v3);
}
