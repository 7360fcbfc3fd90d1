/* test_dcap_quote.c - the DCAP quote parser on real quotes: every prefix
 * of every real quote is rejected with a 400 that names the truncated
 * field, never read out of bounds (run under ASan); unsupported versions,
 * key types, TEE types, body types and certification data types are
 * rejected; trailing bytes after the signature data are accepted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
