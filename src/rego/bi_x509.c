/* bi_x509.c - the X.509 and key-parsing Crypto built-ins:
 * crypto.x509.parse_certificates, parse_and_verify_certificates(_with_options),
 * parse_certificate_request, parse_keypair, parse_rsa_private_key and
 * crypto.parse_private_keys (OpenSSL underneath).
 *
 * OPA returns Go structures marshalled by encoding/json, so the objects
 * here have Go's field names and encodings: x509.Certificate (plus OPA's
 * URIStrings), x509.CertificateRequest, tls.Certificate, rsa/ecdsa keys.
 * []byte is standard base64, big.Int a number, time.Time RFC 3339 in UTC,
 * pkix.Name its fields plus Names [{Type: [OID arcs], Value}], enums Go's
 * integers (SignatureAlgorithm, PublicKeyAlgorithm, KeyUsage bits,
 * ExtKeyUsage), net.IP and x509.OID their text, *url.URL its struct.
 * Name constraints and policy mappings are not decoded (their fields are
 * the zero values).  Inputs are PEM, or base64 of PEM or DER, as OPA takes
 * them.  Chains are verified as Go's Certificate.Verify does it for OPA:
 * first certificate the root, last the leaf, at the query's time (or the
 * CurrentTime option), extended key usage ServerAuth unless KeyUsages says
 * otherwise. */
#include "rego/bi_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "base/reader.h"

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,              \
                    struct value **out)

/* ---- object building ---- */

struct obj {
    struct rego_bi_ctx *ctx;
    struct pair_list pl;
    bool failed;
};

static void put(struct obj *o, const char *key, struct value *v)
{
    if (!v || pair_list_push_str(o->ctx->arena, &o->pl, key, v) < 0)
        o->failed = true;
}

static struct value *obj_done(struct obj *o)
{
    if (o->failed)
        return NULL;
    return v_object(o->ctx->arena, o->pl.pairs, o->pl.len, DUP_LAST_WINS, NULL);
}

static struct value *b64_value(struct rego_bi_ctx *ctx, const uint8_t *p, size_t n)
{
    if (!p)
        return v_null();
    char *s = b64_encode_arena(ctx->arena, p, n, B64_STD_PAD);
    return s ? v_string_ref(ctx->arena, s, strlen(s)) : NULL;
}

static struct value *bn_value(struct rego_bi_ctx *ctx, const BIGNUM *bn)
{
    if (!bn)
        return v_null();
    char *dec = BN_bn2dec(bn);
    struct value *v = dec ? v_number_text(ctx->arena, dec, strlen(dec)) : NULL;
    OPENSSL_free(dec);
    return v;
}

static struct value *str_value(struct rego_bi_ctx *ctx, const char *s)
{
    return v_cstr(ctx->arena, s ? s : "");
}

/* An OID as Go's asn1.ObjectIdentifier (array of arcs) or its text. */
static struct value *oid_value(struct rego_bi_ctx *ctx, const ASN1_OBJECT *obj, bool as_text)
{
    char txt[256];
    int n = OBJ_obj2txt(txt, sizeof(txt), obj, 1);
    if (n <= 0 || (size_t)n >= sizeof(txt))
        return NULL;
    if (as_text)
        return v_cstr(ctx->arena, txt);
    struct value_list l = {0};
    for (char *p = txt; *p;) {
        char *end;
        long long arc = strtoll(p, &end, 10);
        if (value_list_push(ctx->arena, &l, v_int(ctx->arena, arc)) < 0)
            return NULL;
        p = *end == '.' ? end + 1 : end;
        if (end == p && *p)
            break;
    }
    return v_array(ctx->arena, l.items, l.len);
}

/* A list of values, or null when empty (Go's nil slice). */
static struct value *list_value(struct rego_bi_ctx *ctx, struct value_list *l)
{
    return l->len ? v_array(ctx->arena, l->items, l->len) : v_null();
}

/* ---- DER slices (Raw* fields) ---- */

/* Reads one TLV; *all is the whole element, *body its contents. */
static int der_next(struct reader *r, uint8_t *tag, const uint8_t **all, size_t *all_len,
                    struct reader *body)
{
    size_t start = rd_offset(r);
    uint8_t t, l0;
    TRY(rd_u8(r, &t));
    TRY(rd_u8(r, &l0));
    size_t len = l0;
    if (l0 & 0x80) {
        int nb = l0 & 0x7f;
        if (nb == 0 || nb > 4)
            return -1;
        len = 0;
        for (int i = 0; i < nb; i++) {
            uint8_t b;
            TRY(rd_u8(r, &b));
            len = (len << 8) | b;
        }
    }
    TRY(rd_sub(r, len, body));
    *tag = t;
    *all = r->data + start;
    *all_len = rd_offset(r) - start;
    return 0;
}

struct raw_parts {
    const uint8_t *tbs, *issuer, *subject, *spki;
    size_t tbs_len, issuer_len, subject_len, spki_len;
};

/* Certificate: tbs, then in tbs: [0] version?, serial, sigalg, issuer,
 * validity, subject, spki.  CSR: tbs, then version, subject, spki. */
static void raw_split(const uint8_t *der, size_t n, bool csr, struct raw_parts *rp)
{
    struct reader r, outer, tbs, skip;
    uint8_t tag;
    const uint8_t *p;
    size_t pl;
    memset(rp, 0, sizeof(*rp));
    rd_init(&r, der, n);
    if (der_next(&r, &tag, &p, &pl, &outer) < 0 ||
        der_next(&outer, &tag, &rp->tbs, &rp->tbs_len, &tbs) < 0)
        return;
    const uint8_t **slot_p[4];
    size_t *slot_n[4];
    int k = 0;
    if (csr) {
        slot_p[0] = NULL, slot_p[1] = &rp->subject, slot_p[2] = &rp->spki;
        slot_n[0] = NULL, slot_n[1] = &rp->subject_len, slot_n[2] = &rp->spki_len;
        k = 3;
    }
    if (!csr) {
        if (rd_remaining(&tbs) > 0 && rd_ptr(&tbs)[0] == 0xa0 &&
            der_next(&tbs, &tag, &p, &pl, &skip) < 0)
            return;
        const uint8_t **sp[6] = {NULL, NULL, &rp->issuer, NULL, &rp->subject, &rp->spki};
        size_t *sn[6] = {NULL, NULL, &rp->issuer_len, NULL, &rp->subject_len, &rp->spki_len};
        for (int i = 0; i < 6; i++) {
            if (der_next(&tbs, &tag, &p, &pl, &skip) < 0)
                return;
            if (sp[i])
                *sp[i] = p, *sn[i] = pl;
        }
        return;
    }
    for (int i = 0; i < k; i++) {
        if (der_next(&tbs, &tag, &p, &pl, &skip) < 0)
            return;
        if (slot_p[i])
            *slot_p[i] = p, *slot_n[i] = pl;
    }
}

/* ---- names, keys, times ---- */

static void name_field(struct obj *o, const char *key, struct value_list *l)
{
    put(o, key, list_value(o->ctx, l));
}

/* pkix.Name from an X509_NAME (FillFromRDNSequence). */
static struct value *name_value(struct rego_bi_ctx *ctx, const X509_NAME *nm)
{
    static const struct {
        int nid;
        const char *field;
    } lists[] = {{NID_countryName, "Country"},
                 {NID_organizationName, "Organization"},
                 {NID_organizationalUnitName, "OrganizationalUnit"},
                 {NID_localityName, "Locality"},
                 {NID_stateOrProvinceName, "Province"},
                 {NID_streetAddress, "StreetAddress"},
                 {NID_postalCode, "PostalCode"}};
    struct value_list vals[7] = {{0}}, names = {0};
    const char *cn = "", *serial = "";
    int n = nm ? X509_NAME_entry_count(nm) : 0;
    for (int i = 0; i < n; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
        unsigned char *utf8 = NULL;
        int ul = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        struct value *val = ul >= 0 ? v_string(ctx->arena, (char *)utf8, (size_t)ul) : v_null();
        OPENSSL_free(utf8);
        struct obj atv = {ctx, {0}, false};
        put(&atv, "Type", oid_value(ctx, obj, false));
        put(&atv, "Value", val);
        if (value_list_push(ctx->arena, &names, obj_done(&atv)) < 0 || !val)
            return NULL;
        int nid = OBJ_obj2nid(obj);
        if (nid == NID_commonName && v_is(val, V_STRING))
            cn = val->u.str.s;
        if (nid == NID_serialNumber && v_is(val, V_STRING))
            serial = val->u.str.s;
        for (int j = 0; j < 7; j++)
            if (nid == lists[j].nid && v_is(val, V_STRING) &&
                value_list_push(ctx->arena, &vals[j], val) < 0)
                return NULL;
    }
    struct obj o = {ctx, {0}, false};
    for (int j = 0; j < 7; j++)
        name_field(&o, lists[j].field, &vals[j]);
    put(&o, "CommonName", str_value(ctx, cn));
    put(&o, "SerialNumber", str_value(ctx, serial));
    put(&o, "Names", list_value(ctx, &names));
    put(&o, "ExtraNames", v_null());
    return obj_done(&o);
}

static struct value *time_value(struct rego_bi_ctx *ctx, const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return v_cstr(ctx->arena, "0001-01-01T00:00:00Z");
    char s[64];
    snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return v_cstr(ctx->arena, s);
}

static BIGNUM *pkey_bn(const EVP_PKEY *pk, const char *param)
{
    BIGNUM *bn = NULL;
    EVP_PKEY_get_bn_param(pk, param, &bn);
    return bn;
}

/* Puts BIGNUM params of pk as numbers under the given keys. */
static void put_bns(struct obj *o, const EVP_PKEY *pk, const char *const *keys,
                    const char *const *params, int n)
{
    for (int i = 0; i < n; i++) {
        BIGNUM *bn = pkey_bn(pk, params[i]);
        put(o, keys[i], bn_value(o->ctx, bn));
        BN_clear_free(bn);
    }
}

static void put_ec_point(struct obj *o, const EVP_PKEY *pk)
{
    static const char *const keys[] = {"X", "Y"};
    static const char *const params[] = {OSSL_PKEY_PARAM_EC_PUB_X, OSSL_PKEY_PARAM_EC_PUB_Y};
    put(o, "Curve", v_object(o->ctx->arena, NULL, 0, DUP_LAST_WINS, NULL));
    put_bns(o, pk, keys, params, 2);
}

/* Go's json of a public key: rsa {N,E}, ecdsa {Curve,X,Y}, ed25519 bytes. */
static struct value *pubkey_value(struct rego_bi_ctx *ctx, const EVP_PKEY *pk)
{
    struct obj o = {ctx, {0}, false};
    int id = pk ? EVP_PKEY_get_base_id(pk) : 0;
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
        static const char *const keys[] = {"N", "E"};
        static const char *const params[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E};
        put_bns(&o, pk, keys, params, 2);
        return obj_done(&o);
    }
    if (id == EVP_PKEY_EC) {
        put_ec_point(&o, pk);
        return obj_done(&o);
    }
    if (id == EVP_PKEY_ED25519) {
        uint8_t raw[32];
        size_t len = sizeof(raw);
        if (EVP_PKEY_get_raw_public_key(pk, raw, &len) != 1)
            return v_null();
        return b64_value(ctx, raw, len);
    }
    return v_null();
}

static int pubkey_algorithm(const EVP_PKEY *pk)
{
    switch (pk ? EVP_PKEY_get_base_id(pk) : 0) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        return 1;
    case EVP_PKEY_DSA:
        return 2;
    case EVP_PKEY_EC:
        return 3;
    case EVP_PKEY_ED25519:
        return 4;
    default:
        return 0;
    }
}

/* Go's x509.SignatureAlgorithm from the signature's digest and key type. */
static int signature_algorithm(int sig_nid, int md_nid, int pk_nid)
{
    if (sig_nid == NID_ED25519)
        return 16;
    if (sig_nid == NID_rsassaPss)
        return md_nid == NID_sha256   ? 13
               : md_nid == NID_sha384 ? 14
               : md_nid == NID_sha512 ? 15
                                      : 0;
    static const struct {
        int md, rsa, dsa, ecdsa;
    } map[] = {{NID_md2, 1, 0, 0},     {NID_md5, 2, 0, 0},     {NID_sha1, 3, 7, 9},
               {NID_sha256, 4, 8, 10}, {NID_sha384, 5, 0, 11}, {NID_sha512, 6, 0, 12}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].md == md_nid)
            return pk_nid == NID_rsaEncryption          ? map[i].rsa
                   : pk_nid == NID_dsa                  ? map[i].dsa
                   : pk_nid == NID_X9_62_id_ecPublicKey ? map[i].ecdsa
                                                        : 0;
    return 0;
}

/* ---- extensions ---- */

static struct value *extensions_value(struct rego_bi_ctx *ctx,
                                      const STACK_OF(X509_EXTENSION) * exts)
{
    struct value_list l = {0};
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
        const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(e);
        struct obj o = {ctx, {0}, false};
        put(&o, "Id", oid_value(ctx, X509_EXTENSION_get_object(e), false));
        put(&o, "Critical", v_bool(X509_EXTENSION_get_critical(e) > 0));
        put(&o, "Value",
            b64_value(ctx, ASN1_STRING_get0_data(data), (size_t)ASN1_STRING_length(data)));
        if (value_list_push(ctx->arena, &l, obj_done(&o)) < 0)
            return NULL;
    }
    return list_value(ctx, &l);
}

/* Go's url.URL for a URI (url.Parse, without re-escaping). */
static struct value *url_value(struct rego_bi_ctx *ctx, const char *s)
{
    struct obj o = {ctx, {0}, false};
    const char *frag = strchr(s, '#');
    size_t n = frag ? (size_t)(frag - s) : strlen(s);
    const char *colon = memchr(s, ':', n);
    const char *scheme_end = colon && colon > s ? colon : NULL;
    for (const char *p = s; scheme_end && p < scheme_end; p++)
        if (!(isalnum((unsigned char)*p) || ((*p == '+' || *p == '-' || *p == '.') && p > s)))
            scheme_end = NULL;
    const char *rest = scheme_end ? scheme_end + 1 : s;
    const char *q = memchr(rest, '?', (size_t)(s + n - rest));
    size_t body = (size_t)((q ? q : s + n) - rest);
    const char *host = "", *path = "", *opaque = "";
    char *hostbuf = NULL, *pathbuf = NULL;
    if (body >= 2 && rest[0] == '/' && rest[1] == '/') {
        const char *slash = memchr(rest + 2, '/', body - 2);
        size_t hl = slash ? (size_t)(slash - rest - 2) : body - 2;
        hostbuf = arena_sprintf(ctx->arena, "%.*s", (int)hl, rest + 2);
        pathbuf = arena_sprintf(ctx->arena, "%.*s", (int)(body - 2 - hl), rest + 2 + hl);
        host = hostbuf ? hostbuf : "";
        path = pathbuf ? pathbuf : "";
    } else if (scheme_end && body > 0 && rest[0] != '/') {
        opaque = arena_sprintf(ctx->arena, "%.*s", (int)body, rest);
    } else {
        path = arena_sprintf(ctx->arena, "%.*s", (int)body, rest);
    }
    put(&o, "Scheme", v_string(ctx->arena, s, scheme_end ? (size_t)(scheme_end - s) : 0));
    put(&o, "Opaque", str_value(ctx, opaque));
    put(&o, "User", v_null());
    put(&o, "Host", str_value(ctx, host));
    put(&o, "Path", str_value(ctx, path));
    put(&o, "RawPath", str_value(ctx, ""));
    put(&o, "OmitHost", v_bool(false));
    put(&o, "ForceQuery", v_bool(q && q + 1 == s + n));
    put(&o, "RawQuery",
        q ? v_string(ctx->arena, q + 1, (size_t)(s + n - q - 1)) : str_value(ctx, ""));
    put(&o, "Fragment", str_value(ctx, frag ? frag + 1 : ""));
    put(&o, "RawFragment", str_value(ctx, ""));
    return obj_done(&o);
}

struct san_lists {
    struct value_list dns, email, ip, uri, uri_str;
};

static int ip_text(const ASN1_OCTET_STRING *ip, char *out, size_t cap)
{
    const unsigned char *b = ASN1_STRING_get0_data(ip);
    int n = ASN1_STRING_length(ip);
    if (n == 4)
        return inet_ntop(AF_INET, b, out, (socklen_t)cap) ? 0 : -1;
    if (n == 16) {
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, v4mapped, 12) == 0)
            return inet_ntop(AF_INET, b + 12, out, (socklen_t)cap) ? 0 : -1;
        return inet_ntop(AF_INET6, b, out, (socklen_t)cap) ? 0 : -1;
    }
    snprintf(out, cap, "?");
    return 0;
}

static int san_collect(struct rego_bi_ctx *ctx, const GENERAL_NAMES *gens, struct san_lists *s)
{
    struct arena *a = ctx->arena;
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_STRING *str = g->type == GEN_DNS     ? g->d.dNSName
                                 : g->type == GEN_EMAIL ? g->d.rfc822Name
                                 : g->type == GEN_URI   ? g->d.uniformResourceIdentifier
                                                        : NULL;
        struct value *v = str ? v_string(a, (const char *)ASN1_STRING_get0_data(str),
                                         (size_t)ASN1_STRING_length(str))
                              : NULL;
        int rc = 0;
        if (g->type == GEN_DNS)
            rc = value_list_push(a, &s->dns, v);
        else if (g->type == GEN_EMAIL)
            rc = value_list_push(a, &s->email, v);
        else if (g->type == GEN_URI)
            rc = value_list_push(a, &s->uri_str, v) < 0 || !v ||
                         value_list_push(a, &s->uri, url_value(ctx, v->u.str.s)) < 0
                     ? -1
                     : 0;
        else if (g->type == GEN_IPADD) {
            char txt[64];
            rc = ip_text(g->d.iPAddress, txt, sizeof(txt)) < 0
                     ? -1
                     : value_list_push(a, &s->ip, v_cstr(a, txt));
        }
        if (rc < 0 || ((g->type == GEN_DNS || g->type == GEN_EMAIL) && !v))
            return -1;
    }
    return 0;
}

static void put_san(struct obj *o, struct san_lists *s, bool uri_strings)
{
    put(o, "DNSNames", list_value(o->ctx, &s->dns));
    put(o, "EmailAddresses", list_value(o->ctx, &s->email));
    put(o, "IPAddresses", list_value(o->ctx, &s->ip));
    put(o, "URIs", list_value(o->ctx, &s->uri));
    if (uri_strings)
        put(o, "URIStrings", list_value(o->ctx, &s->uri_str));
}

static int ext_key_usage_id(int nid)
{
    static const int ids[] = {NID_anyExtendedKeyUsage, NID_server_auth,   NID_client_auth,
                              NID_code_sign,           NID_email_protect, NID_ipsecEndSystem,
                              NID_ipsecTunnel,         NID_ipsecUser,     NID_time_stamp,
                              NID_OCSP_sign,           NID_ms_sgc,        NID_ns_sgc,
                              NID_ms_code_com,         NID_ms_code_ind};
    for (int i = 0; i < (int)(sizeof(ids) / sizeof(ids[0])); i++)
        if (ids[i] == nid)
            return i == 13 ? -1 : i; /* Go's 13 is the kernel signing OID, not ms_code_ind */
    return -1;
}

static void put_key_usage(struct obj *o, X509 *c)
{
    ASN1_BIT_STRING *ku = X509_get_ext_d2i(c, NID_key_usage, NULL, NULL);
    int usage = 0;
    for (int i = 0; ku && i < 9; i++)
        if (ASN1_BIT_STRING_get_bit(ku, i))
            usage |= 1 << i;
    ASN1_BIT_STRING_free(ku);
    put(o, "KeyUsage", v_int(o->ctx->arena, usage));
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c, NID_ext_key_usage, NULL, NULL);
    struct value_list known = {0}, unknown = {0};
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
        ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);
        int id = ext_key_usage_id(OBJ_obj2nid(obj));
        if (id >= 0)
            value_list_push(o->ctx->arena, &known, v_int(o->ctx->arena, id));
        else
            value_list_push(o->ctx->arena, &unknown, oid_value(o->ctx, obj, false));
    }
    EXTENDED_KEY_USAGE_free(eku);
    put(o, "ExtKeyUsage", list_value(o->ctx, &known));
    put(o, "UnknownExtKeyUsage", list_value(o->ctx, &unknown));
}

static void put_basic_constraints(struct obj *o, X509 *c)
{
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(c, NID_basic_constraints, NULL, NULL);
    long max = 0;
    bool zero = false;
    if (bc) {
        max = bc->pathlen ? ASN1_INTEGER_get(bc->pathlen) : -1;
        zero = bc->pathlen && max == 0;
    }
    put(o, "BasicConstraintsValid", v_bool(bc != NULL));
    put(o, "IsCA", v_bool(bc && bc->ca));
    put(o, "MaxPathLen", v_int(o->ctx->arena, max));
    put(o, "MaxPathLenZero", v_bool(zero));
    BASIC_CONSTRAINTS_free(bc);
}

static void put_key_ids(struct obj *o, X509 *c)
{
    ASN1_OCTET_STRING *ski = X509_get_ext_d2i(c, NID_subject_key_identifier, NULL, NULL);
    AUTHORITY_KEYID *aki = X509_get_ext_d2i(c, NID_authority_key_identifier, NULL, NULL);
    put(o, "SubjectKeyId",
        ski ? b64_value(o->ctx, ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski))
            : v_null());
    put(o, "AuthorityKeyId",
        aki && aki->keyid ? b64_value(o->ctx, ASN1_STRING_get0_data(aki->keyid),
                                      (size_t)ASN1_STRING_length(aki->keyid))
                          : v_null());
    ASN1_OCTET_STRING_free(ski);
    AUTHORITY_KEYID_free(aki);
}

static struct value *uri_of(struct rego_bi_ctx *ctx, const GENERAL_NAME *g)
{
    if (g->type != GEN_URI)
        return NULL;
    const ASN1_STRING *s = g->d.uniformResourceIdentifier;
    return v_string(ctx->arena, (const char *)ASN1_STRING_get0_data(s),
                    (size_t)ASN1_STRING_length(s));
}

static void put_access(struct obj *o, X509 *c)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(c, NID_info_access, NULL, NULL);
    struct value_list ocsp = {0}, issuers = {0};
    for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        struct value *u = uri_of(o->ctx, ad->location);
        int nid = OBJ_obj2nid(ad->method);
        if (u && nid == NID_ad_OCSP)
            value_list_push(o->ctx->arena, &ocsp, u);
        else if (u && nid == NID_ad_ca_issuers)
            value_list_push(o->ctx->arena, &issuers, u);
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    put(o, "OCSPServer", list_value(o->ctx, &ocsp));
    put(o, "IssuingCertificateURL", list_value(o->ctx, &issuers));
    STACK_OF(DIST_POINT) *crl = X509_get_ext_d2i(c, NID_crl_distribution_points, NULL, NULL);
    struct value_list dps = {0};
    for (int i = 0; crl && i < sk_DIST_POINT_num(crl); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(crl, i);
        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;
        GENERAL_NAMES *full = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(full); j++) {
            struct value *u = uri_of(o->ctx, sk_GENERAL_NAME_value(full, j));
            if (u)
                value_list_push(o->ctx->arena, &dps, u);
        }
    }
    sk_DIST_POINT_pop_free(crl, DIST_POINT_free);
    put(o, "CRLDistributionPoints", list_value(o->ctx, &dps));
}

static void put_policies(struct obj *o, X509 *c)
{
    CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(c, NID_certificate_policies, NULL, NULL);
    struct value_list ids = {0}, texts = {0};
    for (int i = 0; pol && i < sk_POLICYINFO_num(pol); i++) {
        POLICYINFO *pi = sk_POLICYINFO_value(pol, i);
        value_list_push(o->ctx->arena, &ids, oid_value(o->ctx, pi->policyid, false));
        value_list_push(o->ctx->arena, &texts, oid_value(o->ctx, pi->policyid, true));
    }
    CERTIFICATEPOLICIES_free(pol);
    put(o, "PolicyIdentifiers", list_value(o->ctx, &ids));
    put(o, "Policies", list_value(o->ctx, &texts));
}

/* The zero values of what is not decoded (name constraints, policy
 * constraints and mappings, fields only set when creating certificates). */
static void put_zero_fields(struct obj *o)
{
    static const char *const nulls[] = {"ExtraExtensions",         "UnhandledCriticalExtensions",
                                        "PermittedDNSDomains",     "ExcludedDNSDomains",
                                        "PermittedIPRanges",       "ExcludedIPRanges",
                                        "PermittedEmailAddresses", "ExcludedEmailAddresses",
                                        "PermittedURIDomains",     "ExcludedURIDomains",
                                        "PolicyMappings"};
    static const char *const falses[] = {"PermittedDNSDomainsCritical", "InhibitAnyPolicyZero",
                                         "InhibitPolicyMappingZero", "RequireExplicitPolicyZero"};
    static const char *const zeros[] = {"InhibitAnyPolicy", "InhibitPolicyMapping",
                                        "RequireExplicitPolicy"};
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        put(o, nulls[i], v_null());
    for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++)
        put(o, falses[i], v_bool(false));
    for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++)
        put(o, zeros[i], v_int(o->ctx->arena, 0));
}

static void put_signature(struct obj *o, const ASN1_BIT_STRING *sig, const X509_ALGOR *alg,
                          const EVP_PKEY *pk)
{
    int sig_nid = OBJ_obj2nid(alg ? alg->algorithm : NULL), md_nid = 0, pk_nid = 0;
    OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid);
    if (sig_nid == NID_rsassaPss && alg) {
        RSA_PSS_PARAMS *pss = NULL;
        if (alg->parameter && alg->parameter->type == V_ASN1_SEQUENCE)
            pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
        md_nid = pss && pss->hashAlgorithm ? OBJ_obj2nid(pss->hashAlgorithm->algorithm) : NID_sha1;
        RSA_PSS_PARAMS_free(pss);
    }
    put(o, "Signature",
        b64_value(o->ctx, sig ? ASN1_STRING_get0_data(sig) : NULL,
                  sig ? (size_t)ASN1_STRING_length(sig) : 0));
    put(o, "SignatureAlgorithm",
        v_int(o->ctx->arena, signature_algorithm(sig_nid, md_nid, pk_nid)));
    put(o, "PublicKeyAlgorithm", v_int(o->ctx->arena, pubkey_algorithm(pk)));
    put(o, "PublicKey", pubkey_value(o->ctx, pk));
}

/* x509.Certificate (+ URIStrings) of a parsed certificate whose DER is
 * der[0..n). */
static struct value *cert_value(struct rego_bi_ctx *ctx, X509 *c, const uint8_t *der, size_t n)
{
    struct obj o = {ctx, {0}, false};
    struct raw_parts rp;
    raw_split(der, n, false, &rp);
    put(&o, "Raw", b64_value(ctx, der, n));
    put(&o, "RawTBSCertificate", b64_value(ctx, rp.tbs, rp.tbs_len));
    put(&o, "RawSubjectPublicKeyInfo", b64_value(ctx, rp.spki, rp.spki_len));
    put(&o, "RawSubject", b64_value(ctx, rp.subject, rp.subject_len));
    put(&o, "RawIssuer", b64_value(ctx, rp.issuer, rp.issuer_len));
    const ASN1_BIT_STRING *sig;
    const X509_ALGOR *alg;
    X509_get0_signature(&sig, &alg, c);
    put_signature(&o, sig, alg, X509_get0_pubkey(c));
    put(&o, "Version", v_int(ctx->arena, X509_get_version(c) + 1));
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
    put(&o, "SerialNumber", bn_value(ctx, serial));
    BN_free(serial);
    put(&o, "Issuer", name_value(ctx, X509_get_issuer_name(c)));
    put(&o, "Subject", name_value(ctx, X509_get_subject_name(c)));
    put(&o, "NotBefore", time_value(ctx, X509_get0_notBefore(c)));
    put(&o, "NotAfter", time_value(ctx, X509_get0_notAfter(c)));
    put(&o, "Extensions", extensions_value(ctx, X509_get0_extensions(c)));
    put_key_usage(&o, c);
    put_basic_constraints(&o, c);
    put_key_ids(&o, c);
    put_access(&o, c);
    put_policies(&o, c);
    put_zero_fields(&o);
    struct san_lists s;
    memset(&s, 0, sizeof(s));
    GENERAL_NAMES *gens = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
    if (san_collect(ctx, gens, &s) < 0)
        o.failed = true;
    GENERAL_NAMES_free(gens);
    put_san(&o, &s, true);
    return obj_done(&o);
}

/* ---- inputs ---- */

/* Go's base64.StdEncoding.DecodeString through the registered built-in. */
static int std_b64(struct rego_bi_ctx *ctx, const char *s, size_t n, struct value **out)
{
    struct value *arg = v_string(ctx->arena, s, n);
    const char *msg = "";
    if (!arg)
        return bi_oom(ctx);
    if (bi_call(ctx, "base64.decode", &arg, 1, out, &msg) < 0)
        return bi_err(ctx, "%s", msg);
    return 0;
}

static bool has_prefix(const char *s, size_t n, const char *pre)
{
    size_t m = strlen(pre);
    return n >= m && memcmp(s, pre, m) == 0;
}

struct certs {
    X509 **v;
    const uint8_t **der;
    size_t *der_len;
    size_t n;
};

static void certs_free(struct certs *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        X509_free(cs->v[i]);
    free(cs->v);
    free(cs->der);
    free(cs->der_len);
    memset(cs, 0, sizeof(*cs));
}

/* x509.ParseCertificates: concatenated DER certificates. */
static int certs_parse_der(struct rego_bi_ctx *ctx, const uint8_t *p, size_t n, struct certs *cs)
{
    size_t cap = 0;
    while (n > 0) {
        const unsigned char *q = p;
        X509 *c = d2i_X509(NULL, &q, (long)(n > LONG_MAX ? LONG_MAX : n));
        if (!c)
            return bi_err(ctx, "x509: malformed certificate");
        if (cs->n == cap) {
            cap = cap ? 2 * cap : 4;
            X509 **v = realloc(cs->v, cap * sizeof(*v));
            const uint8_t **d = realloc(cs->der, cap * sizeof(*d));
            size_t *l = realloc(cs->der_len, cap * sizeof(*l));
            cs->v = v ? v : cs->v;
            cs->der = d ? d : cs->der;
            cs->der_len = l ? l : cs->der_len;
            if (!v || !d || !l) {
                X509_free(c);
                return bi_oom(ctx);
            }
        }
        cs->v[cs->n] = c;
        cs->der[cs->n] = p;
        cs->der_len[cs->n++] = (size_t)(q - p);
        n -= (size_t)(q - p);
        p = q;
    }
    return 0;
}

/* getX509CertsFromPem: every block must be a CERTIFICATE. */
static int certs_parse_pem(struct rego_bi_ctx *ctx, const char *s, size_t n, struct certs *cs)
{
    struct buf all = BUF_INIT;
    while (n > 0) {
        struct bi_pem_block blk;
        const char *rest;
        size_t rest_len;
        int found = bi_pem_decode(ctx->arena, s, n, &blk, &rest, &rest_len);
        if (found < 0) {
            buf_free(&all);
            return bi_oom(ctx);
        }
        if (!found)
            break;
        if (strcmp(blk.type, "CERTIFICATE") != 0) {
            buf_free(&all);
            return bi_err(ctx, "PEM block type is '%s', expected CERTIFICATE", blk.type);
        }
        buf_append(&all, blk.der, blk.der_len);
        s = rest;
        n = rest_len;
    }
    uint8_t *der = arena_alloc(ctx->arena, all.len ? all.len : 1);
    if (!der || buf_failed(&all)) {
        buf_free(&all);
        return bi_oom(ctx);
    }
    memcpy(der, all.data ? all.data : "", all.len);
    size_t len = all.len;
    buf_free(&all);
    return certs_parse_der(ctx, der, len, cs);
}

/* getX509CertsFromString: PEM, or base64 of PEM or DER. */
static int certs_parse(struct rego_bi_ctx *ctx, const struct value *in, struct certs *cs)
{
    const char *s = in->u.str.s;
    size_t n = in->u.str.len;
    if (has_prefix(s, n, "-----BEGIN"))
        return certs_parse_pem(ctx, s, n, cs);
    struct value *raw;
    TRY(std_b64(ctx, s, n, &raw));
    if (has_prefix(raw->u.str.s, raw->u.str.len, "-----BEGIN"))
        return certs_parse_pem(ctx, raw->u.str.s, raw->u.str.len, cs);
    return certs_parse_der(ctx, (const uint8_t *)raw->u.str.s, raw->u.str.len, cs);
}

static struct value *certs_value(struct rego_bi_ctx *ctx, X509 *const *v, const uint8_t *const *der,
                                 const size_t *der_len, size_t n)
{
    struct value_list l = {0};
    for (size_t i = 0; i < n; i++)
        if (value_list_push(ctx->arena, &l, cert_value(ctx, v[i], der[i], der_len[i])) < 0)
            return NULL;
    return v_array(ctx->arena, l.items, l.len);
}

BI_FN(bi_parse_certificates)
{
    struct certs cs = {0};
    TRY(bi_want(ctx, args, 0, V_STRING));
    int rc = certs_parse(ctx, args[0], &cs);
    struct value *v = rc == 0 ? certs_value(ctx, cs.v, cs.der, cs.der_len, cs.n) : NULL;
    certs_free(&cs);
    if (rc < 0)
        return -1;
    BI_RET(v);
}

/* ---- chain verification ---- */

struct verify_opts {
    const char *dns_name;
    int64_t time_ns;
    int usages[16];
    int nusages;
    bool any_usage;
};

static const char *const usage_names[] = {"KeyUsageAny",
                                          "KeyUsageServerAuth",
                                          "KeyUsageClientAuth",
                                          "KeyUsageCodeSigning",
                                          "KeyUsageEmailProtection",
                                          "KeyUsageIPSECEndSystem",
                                          "KeyUsageIPSECTunnel",
                                          "KeyUsageIPSECUser",
                                          "KeyUsageTimeStamping",
                                          "KeyUsageOCSPSigning",
                                          "KeyUsageMicrosoftServerGatedCrypto",
                                          "KeyUsageNetscapeServerGatedCrypto",
                                          "KeyUsageMicrosoftCommercialCodeSigning",
                                          "KeyUsageMicrosoftKernelCodeSigning"};

static int opts_usages(struct rego_bi_ctx *ctx, const struct value *v, struct verify_opts *o)
{
    if (!v_is(v, V_ARRAY) && !v_is(v, V_SET))
        return bi_err(ctx, "'KeyUsages' should be an Array or Set");
    struct buf bad = BUF_INIT;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const struct value *e = v->u.arr.items[i];
        if (!v_is(e, V_STRING))
            continue;
        size_t k = 0;
        while (k < 14 && strcmp(usage_names[k], e->u.str.s) != 0)
            k++;
        if (k == 14) {
            buf_printf(&bad, "%s%s", bad.len ? " " : "", e->u.str.s);
        } else if (o->nusages < 16) {
            o->usages[o->nusages++] = (int)k;
            o->any_usage |= k == 0;
        }
    }
    int rc = 0;
    if (bad.len)
        rc = bi_err(ctx, "invalid entries for 'KeyUsages' found: [%.*s]", (int)bad.len, bad.data);
    buf_free(&bad);
    return rc;
}

static int opts_parse(struct rego_bi_ctx *ctx, const struct value *obj, struct verify_opts *o)
{
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const struct value *k = obj->u.obj.pairs[i].key, *v = obj->u.obj.pairs[i].val;
        const char *name = v_is(k, V_STRING) ? k->u.str.s : NULL;
        if (!name)
            continue;
        if (strcmp(name, "DNSName") == 0) {
            if (!v_is(v, V_STRING))
                return bi_err(ctx, "'DNSName' should be a string");
            o->dns_name = v->u.str.s;
        } else if (strcmp(name, "CurrentTime") == 0) {
            if (!v_is(v, V_NUMBER))
                return bi_err(ctx, "'CurrentTime' should be a number");
            if (!bi_num_int64(v, &o->time_ns))
                return bi_err(ctx, "'CurrentTime' should be a valid int64 number");
        } else if (strcmp(name, "MaxConstraintComparisons") == 0) {
            int64_t m;
            if (!v_is(v, V_NUMBER))
                return bi_err(ctx, "'MaxConstraintComparisons' should be a number");
            if (!bi_num_int64(v, &m))
                return bi_err(ctx, "'MaxConstraintComparisons' should be a valid number");
        } else if (strcmp(name, "KeyUsages") == 0) {
            TRY(opts_usages(ctx, v, o));
        } else {
            return bi_err(ctx, "invalid key option");
        }
    }
    return 0;
}

/* Go's checkChainForKeyUsage: every certificate with an EKU extension must
 * allow one of the wanted usages (or any). */
static bool chain_usage_ok(STACK_OF(X509) * chain, const struct verify_opts *o)
{
    if (o->any_usage)
        return true;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        EXTENDED_KEY_USAGE *eku =
            X509_get_ext_d2i(sk_X509_value(chain, i), NID_ext_key_usage, NULL, NULL);
        if (!eku)
            continue;
        bool ok = false;
        for (int j = 0; j < sk_ASN1_OBJECT_num(eku) && !ok; j++) {
            int id = ext_key_usage_id(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, j)));
            for (int k = 0; k < o->nusages && !ok; k++)
                ok = id == 0 || id == o->usages[k];
        }
        EXTENDED_KEY_USAGE_free(eku);
        if (!ok)
            return false;
    }
    return true;
}

/* Verifies leaf (last) -> intermediates -> root (first); the verified
 * chain leaf first in *chain (caller frees), or NULL. */
static STACK_OF(X509) * chain_verify(struct certs *cs, const struct verify_opts *o)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null(), *chain = NULL;
    bool ok = store && sctx && untrusted && X509_STORE_add_cert(store, cs->v[0]) == 1;
    for (size_t i = 1; ok && i + 1 < cs->n; i++)
        ok = sk_X509_push(untrusted, cs->v[i]) > 0;
    if (ok && X509_STORE_CTX_init(sctx, store, cs->v[cs->n - 1], untrusted) == 1) {
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
        X509_VERIFY_PARAM_set_time(param, (time_t)(o->time_ns / 1000000000LL));
        if (o->dns_name && o->dns_name[0]) {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
            X509_VERIFY_PARAM_set1_host(param, o->dns_name, 0);
        }
        if (X509_verify_cert(sctx) == 1) {
            chain = X509_STORE_CTX_get1_chain(sctx);
            if (chain && !chain_usage_ok(chain, o)) {
                sk_X509_pop_free(chain, X509_free);
                chain = NULL;
            }
        }
    }
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(sctx);
    X509_STORE_free(store);
    return chain;
}

static struct value *unverified(struct rego_bi_ctx *ctx)
{
    struct value *items[2] = {v_bool(false), v_array(ctx->arena, NULL, 0)};
    return items[1] ? v_array(ctx->arena, items, 2) : NULL;
}

/* The DER of a chain certificate: the input slice of the same certificate. */
static struct value *chain_value(struct rego_bi_ctx *ctx, STACK_OF(X509) * chain, struct certs *cs)
{
    struct value_list l = {0};
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        size_t k = 0;
        while (k < cs->n && X509_cmp(cs->v[k], c) != 0)
            k++;
        if (k == cs->n)
            return NULL;
        if (value_list_push(ctx->arena, &l, cert_value(ctx, c, cs->der[k], cs->der_len[k])) < 0)
            return NULL;
    }
    struct value *items[2] = {v_bool(true), v_array(ctx->arena, l.items, l.len)};
    return items[1] ? v_array(ctx->arena, items, 2) : NULL;
}

static int parse_and_verify(struct rego_bi_ctx *ctx, struct value *const *args,
                            const struct value *options, struct value **out)
{
    struct certs cs = {0};
    struct verify_opts o = {.time_ns = ctx->now_ns, .usages = {1}, .nusages = 0};
    struct as_error saved = *ctx->err;
    const char *saved_code = ctx->err_code;
    if (certs_parse(ctx, args[0], &cs) < 0) {
        /* OPA: a parse failure is an unverified result, not an error */
        *ctx->err = saved;
        ctx->err_code = saved_code;
        certs_free(&cs);
        BI_RET(unverified(ctx));
    }
    if (options && opts_parse(ctx, options, &o) < 0) {
        certs_free(&cs);
        return -1;
    }
    if (o.nusages == 0)
        o.usages[o.nusages++] = 1; /* ExtKeyUsageServerAuth */
    if (cs.n < 2) {
        certs_free(&cs);
        BI_RET(unverified(ctx));
    }
    STACK_OF(X509) *chain = chain_verify(&cs, &o);
    struct value *v = chain ? chain_value(ctx, chain, &cs) : unverified(ctx);
    sk_X509_pop_free(chain, X509_free);
    certs_free(&cs);
    BI_RET(v);
}

BI_FN(bi_parse_and_verify_certificates)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    return parse_and_verify(ctx, args, NULL, out);
}

BI_FN(bi_parse_and_verify_certificates_with_options)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_OBJECT));
    return parse_and_verify(ctx, args, args[1], out);
}

/* ---- certificate requests ---- */

static struct value *csr_value(struct rego_bi_ctx *ctx, X509_REQ *req, const uint8_t *der, size_t n)
{
    struct obj o = {ctx, {0}, false};
    struct raw_parts rp;
    raw_split(der, n, true, &rp);
    put(&o, "Raw", b64_value(ctx, der, n));
    put(&o, "RawTBSCertificateRequest", b64_value(ctx, rp.tbs, rp.tbs_len));
    put(&o, "RawSubjectPublicKeyInfo", b64_value(ctx, rp.spki, rp.spki_len));
    put(&o, "RawSubject", b64_value(ctx, rp.subject, rp.subject_len));
    put(&o, "Version", v_int(ctx->arena, X509_REQ_get_version(req)));
    const ASN1_BIT_STRING *sig;
    const X509_ALGOR *alg;
    X509_REQ_get0_signature(req, &sig, &alg);
    put_signature(&o, sig, alg, X509_REQ_get0_pubkey(req));
    put(&o, "Subject", name_value(ctx, X509_REQ_get_subject_name(req)));
    put(&o, "Attributes", v_null());
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    put(&o, "Extensions", extensions_value(ctx, exts));
    put(&o, "ExtraExtensions", v_null());
    struct san_lists s;
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
        if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) != NID_subject_alt_name)
            continue;
        GENERAL_NAMES *gens = X509V3_EXT_d2i(e);
        if (san_collect(ctx, gens, &s) < 0)
            o.failed = true;
        GENERAL_NAMES_free(gens);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    put_san(&o, &s, false);
    return obj_done(&o);
}

BI_FN(bi_parse_certificate_request)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const char *s = args[0]->u.str.s;
    size_t n = args[0]->u.str.len;
    if (!has_prefix(s, n, "-----BEGIN CERTIFICATE REQUEST-----")) {
        struct value *raw;
        TRY(std_b64(ctx, s, n, &raw));
        s = raw->u.str.s;
        n = raw->u.str.len;
    }
    struct bi_pem_block blk;
    const char *rest;
    size_t rest_len;
    const uint8_t *der = (const uint8_t *)s;
    int found = bi_pem_decode(ctx->arena, s, n, &blk, &rest, &rest_len);
    if (found < 0)
        return bi_oom(ctx);
    if (found && strcmp(blk.type, "CERTIFICATE REQUEST") != 0)
        return bi_err(ctx, "invalid PEM-encoded certificate signing request");
    if (found)
        der = blk.der, n = blk.der_len;
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)n);
    if (!req || p != der + n) {
        X509_REQ_free(req);
        return bi_err(ctx, "asn1: structure error: invalid certificate request");
    }
    struct value *v = csr_value(ctx, req, der, n);
    X509_REQ_free(req);
    BI_RET(v);
}

/* ---- private keys ---- */

/* Go's json of an RSA / ECDSA / Ed25519 private key. */
static struct value *privkey_value(struct rego_bi_ctx *ctx, EVP_PKEY *pk)
{
    struct obj o = {ctx, {0}, false};
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
        static const char *const keys[] = {"N", "E", "D"};
        static const char *const params[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
                                             OSSL_PKEY_PARAM_RSA_D};
        static const char *const pre_keys[] = {"Dp", "Dq", "Qinv"};
        static const char *const pre_params[] = {OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                                 OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                                 OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
        put_bns(&o, pk, keys, params, 3);
        BIGNUM *p = pkey_bn(pk, OSSL_PKEY_PARAM_RSA_FACTOR1),
               *q = pkey_bn(pk, OSSL_PKEY_PARAM_RSA_FACTOR2);
        struct value *primes[2] = {bn_value(ctx, p), bn_value(ctx, q)};
        BN_clear_free(p);
        BN_clear_free(q);
        put(&o, "Primes", primes[0] && primes[1] ? v_array(ctx->arena, primes, 2) : NULL);
        struct obj pre = {ctx, {0}, false};
        put_bns(&pre, pk, pre_keys, pre_params, 3);
        put(&pre, "CRTValues", v_array(ctx->arena, NULL, 0));
        put(&o, "Precomputed", obj_done(&pre));
        return obj_done(&o);
    }
    if (id == EVP_PKEY_EC) {
        put_ec_point(&o, pk);
        BIGNUM *d = pkey_bn(pk, OSSL_PKEY_PARAM_PRIV_KEY);
        put(&o, "D", bn_value(ctx, d));
        BN_clear_free(d);
        return obj_done(&o);
    }
    if (id == EVP_PKEY_ED25519) {
        uint8_t raw[64];
        size_t sl = 32, pl = 32;
        if (EVP_PKEY_get_raw_private_key(pk, raw, &sl) != 1 ||
            EVP_PKEY_get_raw_public_key(pk, raw + 32, &pl) != 1)
            return v_null();
        return b64_value(ctx, raw, 64);
    }
    return v_null();
}

/* One PEM private-key block (RSA PRIVATE KEY / PRIVATE KEY / EC PRIVATE
 * KEY) -> key; NULL with an error set when it does not parse. */
static EVP_PKEY *privkey_parse(struct rego_bi_ctx *ctx, const struct bi_pem_block *blk)
{
    const unsigned char *p = blk->der;
    long n = (long)blk->der_len;
    EVP_PKEY *pk = NULL;
    const char *what = "";
    if (strcmp(blk->type, "RSA PRIVATE KEY") == 0) {
        pk = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, n);
        what = "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key "
               "format)";
    } else if (strcmp(blk->type, "PRIVATE KEY") == 0) {
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, n);
        pk = p8 ? EVP_PKCS82PKEY(p8) : NULL;
        PKCS8_PRIV_KEY_INFO_free(p8);
        what = "x509: failed to parse PKCS#8 private key";
    } else if (strcmp(blk->type, "EC PRIVATE KEY") == 0) {
        pk = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, n);
        what = "x509: failed to parse EC private key";
    }
    if (!pk)
        bi_err(ctx, "%s", what);
    return pk;
}

static bool is_key_block(const char *type)
{
    return strcmp(type, "RSA PRIVATE KEY") == 0 || strcmp(type, "PRIVATE KEY") == 0 ||
           strcmp(type, "EC PRIVATE KEY") == 0;
}

static struct value *rsa_jwk(struct rego_bi_ctx *ctx, EVP_PKEY *pk);

/* getPrivateKeysFromPEMData: base64 is decoded first when it decodes;
 * each key as Go's JSON of it, or as its JWK. */
static int privkeys_collect(struct rego_bi_ctx *ctx, const char *s, size_t n,
                            struct value_list *keys, bool as_jwk)
{
    struct value *arg = v_string(ctx->arena, s, n), *dec = NULL;
    if (!arg)
        return bi_oom(ctx);
    if (bi_call(ctx, "base64.decode", &arg, 1, &dec, NULL) == 0) {
        s = dec->u.str.s;
        n = dec->u.str.len;
    }
    while (n > 0) {
        struct bi_pem_block blk;
        const char *rest;
        size_t rest_len;
        int found = bi_pem_decode(ctx->arena, s, n, &blk, &rest, &rest_len);
        if (found < 0)
            return bi_oom(ctx);
        if (!found || rest_len == n)
            break;
        s = rest;
        n = rest_len;
        if (!is_key_block(blk.type))
            continue;
        EVP_PKEY *pk = privkey_parse(ctx, &blk);
        if (!pk)
            return -1;
        struct value *v = as_jwk ? rsa_jwk(ctx, pk) : privkey_value(ctx, pk);
        EVP_PKEY_free(pk);
        if (value_list_push(ctx->arena, keys, v) < 0 || !v)
            return bi_oom(ctx);
    }
    return 0;
}

BI_FN(bi_parse_private_keys)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    if (args[0]->u.str.len == 0) {
        *out = v_null();
        return 0;
    }
    struct value_list keys = {0};
    TRY(privkeys_collect(ctx, args[0]->u.str.s, args[0]->u.str.len, &keys, false));
    BI_RET(v_array(ctx->arena, keys.items, keys.len));
}

/* jwx's jwk.New(key) JSON: base64url (no padding) members. */
static void put_b64url_bn(struct obj *o, const char *key, const EVP_PKEY *pk, const char *param)
{
    BIGNUM *bn = pkey_bn(pk, param);
    if (!bn)
        return;
    size_t n = (size_t)BN_num_bytes(bn);
    uint8_t *b = arena_alloc(o->ctx->arena, n ? n : 1);
    if (b && BN_bn2bin(bn, b) >= 0) {
        char *s = b64_encode_arena(o->ctx->arena, b, n, B64_URL_NOPAD);
        put(o, key, s ? v_string_ref(o->ctx->arena, s, strlen(s)) : NULL);
    } else {
        o->failed = true;
    }
    BN_clear_free(bn);
}

static struct value *rsa_jwk(struct rego_bi_ctx *ctx, EVP_PKEY *pk)
{
    struct obj o = {ctx, {0}, false};
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_RSA) {
        static const char *const keys[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
        static const char *const params[] = {
            OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
            OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
            OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
            OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
        put(&o, "kty", v_cstr(ctx->arena, "RSA"));
        for (int i = 0; i < 8; i++)
            put_b64url_bn(&o, keys[i], pk, params[i]);
        return obj_done(&o);
    }
    if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t gl = 0;
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &gl);
        const char *crv = strcmp(group, "prime256v1") == 0  ? "P-256"
                          : strcmp(group, "secp384r1") == 0 ? "P-384"
                          : strcmp(group, "secp521r1") == 0 ? "P-521"
                                                            : group;
        put(&o, "kty", v_cstr(ctx->arena, "EC"));
        put(&o, "crv", v_cstr(ctx->arena, crv));
        put_b64url_bn(&o, "x", pk, OSSL_PKEY_PARAM_EC_PUB_X);
        put_b64url_bn(&o, "y", pk, OSSL_PKEY_PARAM_EC_PUB_Y);
        put_b64url_bn(&o, "d", pk, OSSL_PKEY_PARAM_PRIV_KEY);
        return obj_done(&o);
    }
    return v_null();
}

BI_FN(bi_parse_rsa_private_key)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const char *s = args[0]->u.str.s;
    size_t n = args[0]->u.str.len;
    if (n == 0)
        return bi_err(ctx, "input PEM data was empty");
    if (!has_prefix(s, n, "-----BEGIN")) {
        struct value *raw;
        TRY(std_b64(ctx, s, n, &raw));
        s = raw->u.str.s;
        n = raw->u.str.len;
    }
    struct value_list keys = {0};
    TRY(privkeys_collect(ctx, s, n, &keys, true));
    *out = keys.len ? keys.items[0] : v_null();
    return 0;
}

/* ---- tls.X509KeyPair ---- */

static int keypair_input(struct rego_bi_ctx *ctx, const struct value *v, const char *type,
                         struct bi_pem_block *blk, const char **rest, size_t *rest_len)
{
    const char *s = v->u.str.s;
    size_t n = v->u.str.len;
    if (!has_prefix(s, n, "-----BEGIN ")) {
        struct value *raw;
        TRY(std_b64(ctx, s, n, &raw));
        s = raw->u.str.s;
        n = raw->u.str.len;
    }
    if (!has_prefix(s, n, "-----BEGIN")) {
        /* DER: Go wraps it in a PEM block of the expected type */
        blk->type = type;
        blk->der = (const uint8_t *)s;
        blk->der_len = n;
        *rest = s + n;
        *rest_len = 0;
        return 1;
    }
    int found = bi_pem_decode(ctx->arena, s, n, blk, rest, rest_len);
    return found < 0 ? bi_oom(ctx) : found;
}

static bool same_public_key(X509 *c, EVP_PKEY *key)
{
    return EVP_PKEY_eq(X509_get0_pubkey(c), key) == 1;
}

BI_FN(bi_parse_keypair)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    if (!v_is(args[1], V_STRING))
        return bi_type_err(ctx, 1, "string", args[1]);
    struct bi_pem_block blk;
    const char *rest;
    size_t rest_len;
    struct certs cs = {0};
    struct buf der = BUF_INIT;
    /* certificates: every CERTIFICATE block of the first input */
    const struct value *in = args[0];
    int found = keypair_input(ctx, in, "CERTIFICATE", &blk, &rest, &rest_len);
    while (found > 0) {
        if (strcmp(blk.type, "CERTIFICATE") == 0)
            buf_append(&der, blk.der, blk.der_len);
        if (rest_len == 0)
            break;
        found = bi_pem_decode(ctx->arena, rest, rest_len, &blk, &rest, &rest_len);
    }
    if (found < 0 || der.len == 0 || buf_failed(&der)) {
        buf_free(&der);
        return found < 0 ? -1
                         : bi_err(ctx, "tls: failed to find any PEM data in certificate input");
    }
    uint8_t *all = arena_alloc(ctx->arena, der.len);
    size_t all_len = der.len;
    if (all)
        memcpy(all, der.data, der.len);
    buf_free(&der);
    if (!all)
        return bi_oom(ctx);
    if (certs_parse_der(ctx, all, all_len, &cs) < 0) {
        certs_free(&cs);
        return -1;
    }
    /* the key: the first private-key block of the second input */
    found = keypair_input(ctx, args[1], "PRIVATE KEY", &blk, &rest, &rest_len);
    while (found > 0 && !is_key_block(blk.type) && rest_len > 0)
        found = bi_pem_decode(ctx->arena, rest, rest_len, &blk, &rest, &rest_len);
    EVP_PKEY *key = NULL;
    int rc = 0;
    if (found <= 0 || !is_key_block(blk.type))
        rc = found < 0 ? -1 : bi_err(ctx, "tls: failed to find any PEM data in key input");
    else if (!(key = privkey_parse(ctx, &blk)))
        rc = bi_err(ctx, "tls: failed to parse private key");
    else if (!same_public_key(cs.v[0], key))
        rc = bi_err(ctx, "tls: private key does not match public key");
    struct value *v = NULL;
    if (rc == 0) {
        struct value_list ders = {0};
        struct obj o = {ctx, {0}, false};
        for (size_t i = 0; i < cs.n; i++)
            value_list_push(ctx->arena, &ders, b64_value(ctx, cs.der[i], cs.der_len[i]));
        put(&o, "Certificate", v_array(ctx->arena, ders.items, ders.len));
        put(&o, "PrivateKey", privkey_value(ctx, key));
        put(&o, "SupportedSignatureAlgorithms", v_null());
        put(&o, "OCSPStaple", v_null());
        put(&o, "SignedCertificateTimestamps", v_null());
        put(&o, "Leaf", cert_value(ctx, cs.v[0], cs.der[0], cs.der_len[0]));
        v = obj_done(&o);
    }
    EVP_PKEY_free(key);
    certs_free(&cs);
    if (rc < 0)
        return -1;
    BI_RET(v);
}

const struct rego_builtin rego_bi_x509[] = {
    {"crypto.parse_private_keys", 1, bi_parse_private_keys, 0, NULL},
    {"crypto.x509.parse_and_verify_certificates", 1, bi_parse_and_verify_certificates, 0, NULL},
    {"crypto.x509.parse_and_verify_certificates_with_options", 2,
     bi_parse_and_verify_certificates_with_options, 0, NULL},
    {"crypto.x509.parse_certificate_request", 1, bi_parse_certificate_request, 0, NULL},
    {"crypto.x509.parse_certificates", 1, bi_parse_certificates, 0, NULL},
    {"crypto.x509.parse_keypair", 2, bi_parse_keypair, 0, NULL},
    {"crypto.x509.parse_rsa_private_key", 1, bi_parse_rsa_private_key, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
