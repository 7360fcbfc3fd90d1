/* test_review_dcap.c - security review of the DCAP verifiers: negative
 * tests on real Intel vectors (read from AS_SHARED_DIR at run time, skipped
 * when absent).
 *
 * What is checked: the quote signature covers exactly header + body (every
 * byte of it matters, nothing after it does); the QE report signature
 * covers the 384-byte QE report; QE report data binds the attestation key
 * and the QE authentication data; a one-byte change anywhere in the PCK
 * chain PEM is refused even right after the genuine chain was cached (PCK
 * chain cache keyed by exact bytes); collateral whose signed text, signature,
 * CRLs or issuer chains are altered is refused (collateral caches keyed by
 * content); the collateral of the wrong TEE type or of another platform is
 * refused; a time before the collateral was issued is refused while expired
 * collateral is only flagged; and concurrent verifications of genuine and
 * tampered quotes sharing the caches each get their own right answer. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "value/value.h"
#include "verifier/dcap/dcap_verify.h"
#include "verifier/verifier.h"

extern const struct verifier verifier_sgx, verifier_tdx;

#define VEC AS_SHARED_DIR "/vectors/intel/"
#define SGX_QUOTE "quotes/sgx-v3-trustee-occlum.bin"
#define SGX_COLL "collateral/asm-sgx-00606a000000-2025-08.json"
#define SGX_TIME 1756684800
#define TDX_QUOTE "quotes/tdx-v4-trustee-4.bin"
#define TDX_COLL "collateral/asm-tdx-50806f000000-2023-06.json"
#define TDX_TIME 1688169600

static uint8_t *slurp(struct arena *a, const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, VEC "%s", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = arena_alloc(a, (size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static uint8_t *need(struct arena *a, const char *rel, size_t *len)
{
    uint8_t *p = slurp(a, rel, len);
    if (!p)
        cr_skip("Intel vector %s absent: skipped", rel);
    return p;
}

/* Quote bytes against a collateral bundle through the DCAP core. */
static int core_verify(struct arena *a, const uint8_t *quote, size_t qlen, const char *coll,
                       size_t coll_len, time_t now, struct dcap_result *res,
                       struct as_error *err)
{
    struct dcap_quote q;
    struct dcap_pck pck;
    struct dcap_collateral_raw raw;
    struct dcap_collateral *c = NULL;
    TRY(dcap_quote_parse(quote, qlen, &q, err));
    TRY(dcap_pck_from_quote(&q, &pck, err));
    int rc = dcap_collateral_raw_from_json(a, coll, coll_len, &raw, err);
    if (rc == 0)
        rc = dcap_collateral_load(&raw, NULL, &c, err);
    if (rc == 0)
        rc = dcap_verify(&q, &pck, c, now, res, err);
    dcap_collateral_release(c);
    dcap_pck_free(&pck);
    return rc;
}

struct vec {
    struct arena a;
    uint8_t *quote;
    size_t qlen;
    char *coll;
    size_t clen;
    time_t now;
    struct dcap_quote q; /* parsed, for offsets */
};

static void vec_load(struct vec *v, const char *quote, const char *coll, time_t now)
{
    struct as_error err;
    arena_init(&v->a, 1 << 20);
    v->quote = need(&v->a, quote, &v->qlen);
    v->coll = (char *)need(&v->a, coll, &v->clen);
    v->now = now;
    cr_assert_eq(dcap_quote_parse(v->quote, v->qlen, &v->q, &err), 0, "%s", err.detail);
}

static size_t off(const struct vec *v, const uint8_t *p) { return (size_t)(p - v->q.raw); }

/* A copy of the quote with byte i XORed with x, verified. */
static int verify_flipped(struct vec *v, size_t i, uint8_t x, struct as_error *err)
{
    uint8_t *copy = arena_memdup(&v->a, v->quote, v->qlen);
    struct dcap_result res;
    copy[i] ^= x;
    return core_verify(&v->a, copy, v->qlen, v->coll, v->clen, v->now, &res, err);
}

static void expect_refused(struct vec *v, size_t i, const char *needle)
{
    struct as_error err;
    int rc = verify_flipped(v, i, 0x01, &err);
    cr_assert_eq(rc, -1, "byte %zu flipped: accepted", i);
    cr_assert(err.status == 403 || err.status == 400, "byte %zu: status %d", i, err.status);
    if (needle)
        cr_assert(strstr(err.detail, needle), "byte %zu: '%s' not in '%s'", i, needle,
                  err.detail);
}

Test(review_dcap, genuine_vectors_verify)
{
    struct vec v;
    struct dcap_result res;
    struct as_error err;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err), 0, "%s",
                 err.detail);
    arena_free(&v.a);
    vec_load(&v, TDX_QUOTE, TDX_COLL, TDX_TIME);
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err), 0, "%s",
                 err.detail);
    arena_free(&v.a);
}

/* Every byte of header + body is signed: a flip anywhere there is refused
 * (by the parser for the version/key type/TEE type fields, else by the
 * quote signature). */
static void every_signed_byte(const char *quote, const char *coll, time_t now)
{
    struct vec v;
    vec_load(&v, quote, coll, now);
    cr_assert_eq(v.q.signed_len, 48 + v.q.body_len);
    for (size_t i = 0; i < v.q.signed_len; i++) {
        bool parsed_field = i < 8; /* version, key type, TEE type */
        bool vendor = i >= 12 && i < 28;
        /* TDX: TEE_TCB_SVN, MRSIGNERSEAM and SEAMATTRIBUTES are judged
         * against the TDX module identity before the quote signature */
        size_t b = i - 48;
        bool module = dcap_quote_is_tdx(&v.q) && i >= 48 &&
                      (b < TD_MR_SEAM || (b >= TD_MR_SIGNER_SEAM && b < TD_TD_ATTRIBUTES));
        expect_refused(&v, i,
                       parsed_field || module ? NULL
                       : vendor               ? "QE vendor id"
                                              : "STATUS_INVALID_QUOTE_SIGNATURE");
    }
    arena_free(&v.a);
}

Test(review_dcap, sgx_quote_signature_covers_every_header_and_body_byte, .timeout = 120)
{
    every_signed_byte(SGX_QUOTE, SGX_COLL, SGX_TIME);
}

Test(review_dcap, tdx_quote_signature_covers_every_header_and_body_byte, .timeout = 120)
{
    every_signed_byte(TDX_QUOTE, TDX_COLL, TDX_TIME);
}

/* Signature data: the quote signature itself, the attestation key, the QE
 * report, its signature and the QE authentication data all matter. */
Test(review_dcap, signature_data_pieces_are_all_bound, .timeout = 120)
{
    const char *quotes[2][2] = {{SGX_QUOTE, SGX_COLL}, {TDX_QUOTE, TDX_COLL}};
    const time_t times[2] = {SGX_TIME, TDX_TIME};
    for (int k = 0; k < 2; k++) {
        struct vec v;
        vec_load(&v, quotes[k][0], quotes[k][1], times[k]);
        const struct dcap_quote *q = &v.q;
        for (size_t i = 0; i < 64; i += 7)
            expect_refused(&v, off(&v, q->signature) + i, "STATUS_INVALID_QUOTE_SIGNATURE");
        for (size_t i = 0; i < 64; i += 5) {
            /* a changed key no longer hashes to the QE report data (or is
             * not a point on the curve) */
            struct as_error err;
            cr_assert_eq(verify_flipped(&v, off(&v, q->att_key) + i, 0x01, &err), -1);
            cr_assert(strstr(err.detail, "STATUS_INVALID_QE_REPORT_DATA") ||
                          strstr(err.detail, "P-256"),
                      "%s", err.detail);
        }
        for (size_t i = 0; i < DCAP_SGX_REPORT_LEN; i++)
            expect_refused(&v, off(&v, q->qe_report) + i, "STATUS_INVALID_QE_REPORT_SIGNATURE");
        for (size_t i = 0; i < 64; i += 3)
            expect_refused(&v, off(&v, q->qe_report_sig) + i,
                           "STATUS_INVALID_QE_REPORT_SIGNATURE");
        cr_assert_gt(q->qe_auth_len, 0);
        for (size_t i = 0; i < q->qe_auth_len; i++)
            expect_refused(&v, off(&v, q->qe_auth) + i, "STATUS_INVALID_QE_REPORT_DATA");
        arena_free(&v.a);
    }
}

/* QE authentication data longer or shorter than signed: the size field
 * changes where every later field is read; never accepted. */
Test(review_dcap, qe_auth_size_field_cannot_be_shifted)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    size_t at = off(&v, v.q.qe_auth) - 2;
    for (int d = -3; d <= 3; d++) {
        if (d == 0)
            continue;
        uint8_t *copy = arena_memdup(&v.a, v.quote, v.qlen);
        uint16_t n = (uint16_t)(v.q.qe_auth_len + d);
        copy[at] = (uint8_t)n;
        copy[at + 1] = (uint8_t)(n >> 8);
        struct dcap_result res;
        struct as_error err;
        cr_assert_eq(core_verify(&v.a, copy, v.qlen, v.coll, v.clen, v.now, &res, &err), -1,
                     "QE auth size %+d accepted", d);
    }
    arena_free(&v.a);
}

/* One byte changed in the PCK chain text - inside the leaf's base64, which
 * changes the certificate or its signature - is refused, also right after
 * the genuine chain was verified and cached with leaf_signed_by_ca. */
Test(review_dcap, tampered_pck_chain_refused_after_genuine_one_was_cached, .timeout = 120)
{
    struct vec v;
    struct dcap_result res;
    struct as_error err;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err), 0, "%s",
                 err.detail);
    const char *pem = v.q.pck_pem;
    const char *end_leaf = memmem(pem, v.q.pck_pem_len, "-----END CERTIFICATE-----", 25);
    cr_assert_not_null(end_leaf);
    size_t start = off(&v, (const uint8_t *)pem) + 28, stop = off(&v, (const uint8_t *)end_leaf);
    int refused = 0, tried = 0;
    for (size_t i = start; i < stop; i += 11) {
        uint8_t c = v.quote[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            continue;
        uint8_t *copy = arena_memdup(&v.a, v.quote, v.qlen);
        copy[i] = c == 'A' ? 'B' : 'A';
        tried++;
        int rc = core_verify(&v.a, copy, v.qlen, v.coll, v.clen, v.now, &res, &err);
        cr_assert_eq(rc, -1, "PCK PEM byte %zu changed: accepted", i);
        refused++;
        /* and the genuine one still verifies between tampered ones */
        if (tried % 16 == 0)
            cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err),
                         0, "%s", err.detail);
    }
    cr_assert_gt(refused, 20);
    arena_free(&v.a);
}

/* ---- collateral ---- */

/* The bundle with member `key`'s string value edited by `edit`. */
typedef void (*edit_fn)(char *s, size_t n);

static char *edit_member(struct vec *v, const char *key, edit_fn edit, size_t *out_len)
{
    struct value *o;
    struct as_error err;
    cr_assert_eq(json_parse(&v->a, v->coll, v->clen, NULL, &o, &err), 0);
    struct value *m = (struct value *)value_object_get_str(o, key);
    cr_assert(v_is(m, V_STRING), "member %s", key);
    char *s = arena_memdup(&v->a, m->u.str.s, m->u.str.len + 1);
    edit(s, m->u.str.len);
    m->u.str.s = s;
    char *text = json_to_string(&v->a, o, JSON_COMPACT);
    *out_len = strlen(text);
    return text;
}

static void flip_middle_hex(char *s, size_t n)
{
    size_t i = n / 2;
    while (i < n && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
        i++;
    cr_assert_lt(i, n);
    s[i] = s[i] == '0' ? '1' : '0';
}

static void status_to_uptodate(char *s, size_t n)
{
    /* the first "OutOfDate" (or other status) of a level becomes UpToDate-
     * sized text: same length, still valid JSON */
    char *p = memmem(s, n, "\"OutOfDate\"", 11);
    if (!p)
        p = memmem(s, n, "\"SWHardeningNeeded\"", 19);
    cr_assert_not_null(p, "no status to edit");
    memcpy(p, "\"UpToDate\" ", 11);
}

static void bump_isvsvn_digit(char *s, size_t n)
{
    char *p = memmem(s, n, "\"isvsvn\":", 9);
    cr_assert_not_null(p);
    p += 9;
    *p = *p == '9' ? '8' : (char)(*p + 1);
}

static void expect_collateral_refused(struct vec *v, const char *key, edit_fn edit,
                                      const char *needle)
{
    size_t n;
    char *coll = edit_member(v, key, edit, &n);
    struct dcap_result res;
    struct as_error err;
    int rc = core_verify(&v->a, v->quote, v->qlen, coll, n, v->now, &res, &err);
    cr_assert_eq(rc, -1, "edited %s accepted", key);
    if (needle)
        cr_assert(strstr(err.detail, needle), "%s: '%s' not in '%s'", key, needle, err.detail);
}

Test(review_dcap, altered_collateral_is_refused)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    /* signed documents re-worded, signatures flipped */
    expect_collateral_refused(&v, "tcb_info", status_to_uptodate, "TCB info signature");
    expect_collateral_refused(&v, "qe_identity", bump_isvsvn_digit, "QE identity signature");
    expect_collateral_refused(&v, "tcb_info_signature", flip_middle_hex, "TCB info signature");
    expect_collateral_refused(&v, "qe_identity_signature", flip_middle_hex,
                              "QE identity signature");
    /* CRLs (hex of DER): a flipped byte breaks the signature or the DER */
    expect_collateral_refused(&v, "pck_crl", flip_middle_hex, NULL);
    expect_collateral_refused(&v, "root_ca_crl", flip_middle_hex, NULL);
    arena_free(&v.a);
}

/* A TCB info whose text gained one space (not what Intel signed): the
 * signature is over the exact text, nothing is re-serialised. */
static char *tcb_info_with_space(struct vec *v, size_t *out_len)
{
    struct value *o;
    struct as_error err;
    cr_assert_eq(json_parse(&v->a, v->coll, v->clen, NULL, &o, &err), 0);
    struct value *m = (struct value *)value_object_get_str(o, "tcb_info");
    char *s = arena_alloc(&v->a, m->u.str.len + 2);
    char *comma = memchr(m->u.str.s, ',', m->u.str.len);
    cr_assert_not_null(comma);
    size_t k = (size_t)(comma - m->u.str.s) + 1;
    memcpy(s, m->u.str.s, k);
    s[k] = ' ';
    memcpy(s + k + 1, m->u.str.s + k, m->u.str.len - k + 1);
    m->u.str.s = s;
    m->u.str.len++;
    char *text = json_to_string(&v->a, o, JSON_COMPACT);
    *out_len = strlen(text);
    return text;
}

Test(review_dcap, tcb_info_signature_is_over_the_exact_text)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    size_t n;
    char *coll = tcb_info_with_space(&v, &n);
    struct dcap_result res;
    struct as_error err;
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, coll, n, v.now, &res, &err), -1);
    cr_assert(strstr(err.detail, "TCB info signature"), "%s", err.detail);
    arena_free(&v.a);
}

/* Issuer chains swapped between documents or replaced by the PCK CA
 * chain: the TCB info must be signed by "Intel SGX TCB Signing". */
Test(review_dcap, tcb_info_issuer_chain_must_be_the_tcb_signing_chain)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    struct value *o;
    struct as_error err;
    cr_assert_eq(json_parse(&v.a, v.coll, v.clen, NULL, &o, &err), 0);
    struct value *tcb = (struct value *)value_object_get_str(o, "tcb_info_issuer_chain");
    const struct value *pck = value_object_get_str(o, "pck_crl_issuer_chain");
    *tcb = *pck;
    char *text = json_to_string(&v.a, o, JSON_COMPACT);
    struct dcap_result res;
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, text, strlen(text), v.now, &res, &err), -1);
    cr_assert(strstr(err.detail, "Intel SGX TCB Signing"), "%s", err.detail);
    arena_free(&v.a);
}

/* The PCK CRL of the other CA (Processor vs Platform): the PCK CRL must be
 * the one of the PCK's issuer.  Built from the TDX collateral (Platform CA)
 * and the SGX quote (its own CA): whichever differs is refused. */
Test(review_dcap, collateral_of_another_platform_or_tee_is_refused)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, TDX_COLL, SGX_TIME);
    struct dcap_result res;
    struct as_error err;
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err), -1);
    cr_assert_eq(err.status, 403, "%s", err.detail);
    arena_free(&v.a);
    vec_load(&v, TDX_QUOTE, SGX_COLL, TDX_TIME);
    int rc = core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err);
    cr_assert_eq(rc, -1);
    arena_free(&v.a);
}

/* A verification time before the collateral's issue dates is refused; a
 * time after every expiry is only flagged (collateral_expiration_status). */
Test(review_dcap, time_rules)
{
    struct vec v;
    struct dcap_result res;
    struct as_error err;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, 1500000000, &res, &err),
                 -1);
    cr_assert(strstr(err.detail, "not yet valid"), "%s", err.detail);
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, 2500000000, &res, &err), 0,
                 "%s", err.detail);
    cr_assert_eq(res.collateral_expired, 1);
    cr_assert_eq(core_verify(&v.a, v.quote, v.qlen, v.coll, v.clen, v.now, &res, &err), 0);
    cr_assert_eq(res.collateral_expired, 0);
    arena_free(&v.a);
}

/* Bindings through the verifiers: the report_data claim is the signed
 * REPORTDATA, and a check requested with present=true runs even for a
 * zero-length expected value (regularize("", 64) = 64 zero bytes). */
Test(review_dcap, bindings_use_signed_fields_and_empty_expected_value_still_checks)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    struct pair_list l = {0};
    pair_list_push_str(&v.a, &l, "quote",
                       v_cstr(&v.a, b64_encode_arena(&v.a, v.quote, v.qlen, B64_STD_PAD)));
    struct value *ev = v_object(&v.a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    struct verify_ctx ctx = {.arena = &v.a, .now = v.now, .collateral = (uint8_t *)v.coll,
                             .collateral_len = v.clen};
    struct binding none = {0}, empty = {true, (const uint8_t *)"", 0};
    struct value *claims;
    struct as_error err;
    /* REPORTDATA of this quote starts with "test": an empty expectation
     * (all zeros) must not match it */
    cr_assert_eq(verifier_sgx.verify(&ctx, ev, &empty, &none, &claims, &err), -1);
    cr_assert_str_eq(err.type, "report_data_mismatch");
    /* the expected value longer than 64 bytes: only its first 64 count */
    uint8_t long_rd[80] = {0};
    memcpy(long_rd, v.q.body + SGX_REPORT_DATA, 64);
    memset(long_rd + 64, 0xee, 16);
    struct binding rd = {true, long_rd, sizeof long_rd};
    cr_assert_eq(verifier_sgx.verify(&ctx, ev, &rd, &none, &claims, &err), 0, "%s", err.detail);
    const struct value *c = value_object_get_str(claims, "report_data");
    char hex[129];
    hex_encode(v.q.body + SGX_REPORT_DATA, 64, hex);
    cr_assert_str_eq(c->u.str.s, hex);
    /* one byte different inside the first 64: refused */
    long_rd[10] ^= 1;
    cr_assert_eq(verifier_sgx.verify(&ctx, ev, &rd, &none, &claims, &err), -1);
    cr_assert_str_eq(err.type, "report_data_mismatch");
    arena_free(&v.a);
}

/* ---- concurrency: caches shared by threads ---- */

struct worker {
    const uint8_t *quote, *bad_quote;
    size_t qlen;
    const char *coll;
    size_t clen;
    time_t now;
    int good_ok, bad_refused, rounds;
};

static void *work(void *p)
{
    struct worker *w = p;
    for (int i = 0; i < w->rounds; i++) {
        struct arena a;
        struct dcap_result res;
        struct as_error err;
        arena_init(&a, 1 << 16);
        if (core_verify(&a, w->quote, w->qlen, w->coll, w->clen, w->now, &res, &err) == 0)
            w->good_ok++;
        if (core_verify(&a, w->bad_quote, w->qlen, w->coll, w->clen, w->now, &res, &err) < 0)
            w->bad_refused++;
        arena_free(&a);
    }
    return NULL;
}

Test(review_dcap, concurrent_genuine_and_tampered_quotes, .timeout = 120)
{
    struct vec v;
    vec_load(&v, SGX_QUOTE, SGX_COLL, SGX_TIME);
    uint8_t *bad = arena_memdup(&v.a, v.quote, v.qlen);
    /* a changed QE report: its signature by the (cached) PCK key fails */
    bad[off(&v, v.q.qe_report) + 100] ^= 0x80;
    enum { N = 4 };
    struct worker w[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){v.quote, bad, v.qlen, v.coll, v.clen, v.now, 0, 0, 25};
        cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].good_ok, w[i].rounds, "thread %d: genuine refused", i);
        cr_assert_eq(w[i].bad_refused, w[i].rounds, "thread %d: tampered accepted", i);
    }
    arena_free(&v.a);
}
