/* snp_cert.c - AMD certificate profile, VCEK/VLEK extensions and the GHCB
 * certificate table (see snp_cert.h). */
#include "verifier/snp/snp_cert.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "base/reader.h"
#include "verifier/common/x509.h"

#define AMD_PSS_SALT_LEN 48

static bool why_fail(char *why, size_t cap, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return false;
}

static int algor_nid(const X509_ALGOR *a)
{
    const ASN1_OBJECT *obj;
    X509_ALGOR_get0(&obj, NULL, NULL, a);
    return OBJ_obj2nid(obj);
}

/* The hash inside MGF1's parameters (an AlgorithmIdentifier). */
static int mgf1_hash_nid(const X509_ALGOR *mgf)
{
    int ptype;
    const void *pval;
    X509_ALGOR_get0(NULL, &ptype, &pval, mgf);
    if (ptype != V_ASN1_SEQUENCE || !pval)
        return NID_undef;
    const ASN1_STRING *seq = pval;
    const unsigned char *p = ASN1_STRING_get0_data(seq);
    X509_ALGOR *hash = d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(seq));
    int nid = hash ? algor_nid(hash) : NID_undef;
    X509_ALGOR_free(hash);
    return nid;
}

static bool pss_fields_ok(const RSA_PSS_PARAMS *pss, char *why, size_t cap)
{
    if (!pss->hashAlgorithm || algor_nid(pss->hashAlgorithm) != NID_sha384)
        return why_fail(why, cap, "RSA-PSS hash is not SHA-384");
    if (!pss->maskGenAlgorithm || algor_nid(pss->maskGenAlgorithm) != NID_mgf1 ||
        mgf1_hash_nid(pss->maskGenAlgorithm) != NID_sha384)
        return why_fail(why, cap, "RSA-PSS mask generation is not MGF1 with SHA-384");
    if (!pss->saltLength || ASN1_INTEGER_get(pss->saltLength) != AMD_PSS_SALT_LEN)
        return why_fail(why, cap, "RSA-PSS salt length is not 48");
    if (pss->trailerField && ASN1_INTEGER_get(pss->trailerField) != 1)
        return why_fail(why, cap, "RSA-PSS trailer field is not 1");
    return true;
}

/* The signatureAlgorithm must be RSASSA-PSS with AMD's explicit parameters. */
static bool pss_profile_ok(X509 *cert, char *why, size_t cap)
{
    const ASN1_BIT_STRING *sig;
    const X509_ALGOR *alg;
    const ASN1_OBJECT *obj;
    int ptype;
    const void *pval;

    X509_get0_signature(&sig, &alg, cert);
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    if (OBJ_obj2nid(obj) != NID_rsassaPss)
        return why_fail(why, cap, "signature algorithm is not RSASSA-PSS");
    if (ptype != V_ASN1_SEQUENCE || !pval)
        return why_fail(why, cap, "RSASSA-PSS parameters missing");
    const ASN1_STRING *seq = pval;
    const unsigned char *p = ASN1_STRING_get0_data(seq);
    RSA_PSS_PARAMS *pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
    if (!pss)
        return why_fail(why, cap, "RSASSA-PSS parameters malformed");
    bool ok = pss_fields_ok(pss, why, cap);
    RSA_PSS_PARAMS_free(pss);
    ERR_clear_error();
    return ok;
}

bool snp_cert_signed_by(X509 *cert, X509 *issuer, char *why, size_t cap)
{
    struct as_error e;
    if (!cert || !issuer)
        return why_fail(why, cap, "certificate missing");
    if (!pss_profile_ok(cert, why, cap))
        return false;
    if (x509_signed_by(cert, issuer, &e) < 0)
        return why_fail(why, cap, e.detail);
    return true;
}

const char *snp_vek_kind_name(enum snp_vek_kind k)
{
    return k == SNP_VEK_VLEK ? "VLEK" : "VCEK";
}

static const char *const spl_names[SNP_SPL_COUNT] = {"blSPL", "teeSPL", "snpSPL", "ucodeSPL",
                                                     "fmcSPL"};
/* AMD KDS spec #57230: 1.3.6.1.4.1.3704.1.3.{1,2,3,8,9}. */
static const char *const spl_oids[SNP_SPL_COUNT] = {
    "1.3.6.1.4.1.3704.1.3.1", "1.3.6.1.4.1.3704.1.3.2", "1.3.6.1.4.1.3704.1.3.3",
    "1.3.6.1.4.1.3704.1.3.8", "1.3.6.1.4.1.3704.1.3.9"};
#define OID_PRODUCT_NAME "1.3.6.1.4.1.3704.1.2"
#define OID_HWID "1.3.6.1.4.1.3704.1.4"
#define OID_CSP_ID "1.3.6.1.4.1.3704.1.5"

const char *snp_spl_ext_name(enum snp_spl s)
{
    return (unsigned)s < SNP_SPL_COUNT ? spl_names[s] : "?";
}

/* Occurrences of the extension with dotted oid (a certificate may carry an
 * AMD extension at most once). */
static int ext_count(X509 *cert, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int n = 0, pos = -1;
    if (!obj)
        return 0;
    while ((pos = X509_get_ext_by_OBJ(cert, obj, pos)) >= 0)
        n++;
    ASN1_OBJECT_free(obj);
    return n;
}

static const uint8_t *unique_ext(X509 *cert, const char *oid, size_t *len, const char **problem)
{
    int n = ext_count(cert, oid);
    if (n == 0) {
        *problem = "extension missing";
        return NULL;
    }
    if (n > 1) {
        *problem = "extension present more than once";
        return NULL;
    }
    const uint8_t *v = x509_ext_value(cert, oid, len);
    if (!v)
        *problem = "extension unreadable";
    return v;
}

static int read_spl(X509 *cert, const char *oid, const char **problem)
{
    size_t len;
    const uint8_t *v = unique_ext(cert, oid, &len, problem);
    if (!v)
        return -1;
    const unsigned char *p = v;
    ASN1_INTEGER *ai = d2i_ASN1_INTEGER(NULL, &p, (long)len);
    int64_t val = -1;
    if (!ai || p != v + len || !ASN1_INTEGER_get_int64(&val, ai) || val < 0 || val > 255) {
        *problem = "extension is not a DER INTEGER in 0..255";
        val = -1;
    }
    ASN1_INTEGER_free(ai);
    return (int)val;
}

/* hwID: 64 bytes (Milan, Genoa) or 8 bytes (Turin), either raw as the
 * extnValue (every real KDS certificate) or wrapped in a DER OCTET STRING. */
static void read_hwid(X509 *cert, struct snp_vek_info *out)
{
    size_t len;
    const char *problem;
    const uint8_t *v = unique_ext(cert, OID_HWID, &len, &problem);
    if (!v)
        return;
    if (len == 64 || len == 8) {
        memcpy(out->hwid, v, len);
        out->hwid_len = len;
        return;
    }
    const unsigned char *p = v;
    ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)len);
    if (os && p == v + len) {
        int n = ASN1_STRING_length(os);
        if (n == 64 || n == 8) {
            memcpy(out->hwid, ASN1_STRING_get0_data(os), (size_t)n);
            out->hwid_len = (size_t)n;
            out->hwid_wrapped = true;
        }
    }
    ASN1_OCTET_STRING_free(os);
}

/* productName / csp_id: IA5String (or UTF8String) text, copied. */
static void read_text_ext(X509 *cert, const char *oid, char *out, size_t cap)
{
    size_t len;
    const char *problem;
    const uint8_t *v = unique_ext(cert, oid, &len, &problem);
    out[0] = 0;
    if (!v)
        return;
    const unsigned char *p = v;
    ASN1_STRING *s = d2i_ASN1_IA5STRING(NULL, &p, (long)len);
    if (!s) {
        p = v;
        s = d2i_ASN1_UTF8STRING(NULL, &p, (long)len);
    }
    if (s && p == v + len) {
        size_t n = (size_t)ASN1_STRING_length(s);
        if (n >= cap)
            n = cap - 1;
        memcpy(out, ASN1_STRING_get0_data(s), n);
        out[n] = 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
                out[i] = '?';
    }
    ASN1_STRING_free(s);
}

static enum snp_product product_from_issuer_cn(const char *cn)
{
    if (strncmp(cn, "SEV-VLEK-", 9) == 0)
        return snp_product_from_name(cn + 9);
    if (strncmp(cn, "SEV-", 4) == 0)
        return snp_product_from_name(cn + 4);
    return SNP_PRODUCT_UNKNOWN;
}

void snp_vek_info_read(X509 *vek, struct snp_vek_info *out)
{
    memset(out, 0, sizeof *out);
    for (int s = 0; s < SNP_SPL_COUNT; s++)
        out->spl[s] = read_spl(vek, spl_oids[s], &out->spl_problem[s]);
    read_hwid(vek, out);
    read_text_ext(vek, OID_PRODUCT_NAME, out->product_name, sizeof out->product_name);
    read_text_ext(vek, OID_CSP_ID, out->csp_id, sizeof out->csp_id);
    x509_subject_cn(vek, out->subject_cn, sizeof out->subject_cn);
    x509_issuer_cn(vek, out->issuer_cn, sizeof out->issuer_cn);
    out->issuer_product = product_from_issuer_cn(out->issuer_cn);
    out->not_before = x509_not_before(vek);
    out->not_after = x509_not_after(vek);
    ERR_clear_error();
}

/* GUIDs in their RFC 4122 byte order (GHCB spec, "certificate table"). */
static const struct {
    uint8_t guid[16];
    enum snp_cert_type type;
} known_guids[] = {
    {{0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0,
      0xae},
     SNP_CERT_ARK},
    {{0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7,
      0x82},
     SNP_CERT_ASK},
    {{0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac,
      0xcd},
     SNP_CERT_VCEK},
    {{0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8,
      0xa1},
     SNP_CERT_VLEK},
    {{0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d, 0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67,
      0xea},
     SNP_CERT_CRL},
};

static enum snp_cert_type guid_type(const uint8_t *g)
{
    for (size_t i = 0; i < sizeof known_guids / sizeof known_guids[0]; i++)
        if (memcmp(g, known_guids[i].guid, 16) == 0)
            return known_guids[i].type;
    return SNP_CERT_OTHER;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static int table_entry(const uint8_t *p, size_t n, const uint8_t *guid, uint32_t off,
                       uint32_t len, struct snp_cert_entry *e, struct as_error *err)
{
    if (off > n || len > n - off || len == 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: certificate table entry (offset %u, length %u) lies outside the "
                      "%zu-byte table",
                      off, len, n);
    e->type = guid_type(guid);
    e->data = p + off;
    e->len = len;
    return 0;
}

int snp_cert_table_parse(const uint8_t *p, size_t n, struct snp_cert_entry *out, size_t *count,
                         struct as_error *err)
{
    struct reader rd;
    rd_init(&rd, p, n);
    *count = 0;
    for (;;) {
        const uint8_t *guid;
        uint32_t off, len;
        if (rd_bytes(&rd, 16, &guid) < 0 || rd_u32le(&rd, &off) < 0 || rd_u32le(&rd, &len) < 0)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "snp: certificate table truncated (no terminating entry)");
        if (all_zero(guid, 16))
            return 0;
        if (*count == SNP_CERT_TABLE_MAX)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "snp: certificate table has more than %d entries", SNP_CERT_TABLE_MAX);
        TRY(table_entry(p, n, guid, off, len, &out[*count], err));
        (*count)++;
    }
}
