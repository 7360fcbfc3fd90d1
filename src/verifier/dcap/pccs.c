/* pccs.c - DCAP collateral sources: the as-tool bundle, a PCS/PCCS v4
 * client over fetch/, and the PCS Client Tool's file:// JSON (see
 * pccs.h).  Verified collateral obtained from a service is also kept in
 * memory per (TEE, FMSPC, CA, service) until it expires or an hour passes,
 * so a warm server does no I/O per quote. */
#include "verifier/dcap/pccs.h"

#include <ctype.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/codec.h"
#include "base/log.h"
#include "fetch/fetch.h"
#include "verifier/common/x509.h"
#include "verifier/dcap/collateral.h"

#define INTEL_PCS_URL "https://api.trustedservices.intel.com/sgx/certification/v4/"
#define INTEL_ROOT_CRL_URL "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"
#define QCNL_DEFAULT_PATH "/etc/sgx_default_qcnl.conf"
#define MEM_SLOTS 64
#define MEM_MAX_AGE 3600

struct source {
    const char *base;      /* scheme://host[:port]/ (HTTP), or NULL */
    const char *file_path; /* file:// source, or NULL */
    bool is_pcs;
    const char *update; /* "early" | "standard" */
    struct fetch_opts fo;
};

char *dcap_url_decode(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    char *out = arena_alloc(a, n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hx[3] = {s[i + 1], s[i + 2], 0};
            *o++ = (char)strtol(hx, NULL, 16);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

/* ---- configuration ---- */

static const struct value *dcap_config(const struct verify_ctx *ctx)
{
    const struct value *v = v_is(ctx->config, V_OBJECT)
                                ? value_object_get_str(ctx->config, "dcap_verifier")
                                : NULL;
    return v_is(v, V_OBJECT) ? v : NULL;
}

static const char *cfg_str(const struct value *o, const char *k)
{
    const struct value *v = o ? value_object_get_str(o, k) : NULL;
    return v_is(v, V_STRING) ? v->u.str.s : NULL;
}

static int64_t cfg_int(const struct value *o, const char *k, int64_t dflt)
{
    const struct value *v = o ? value_object_get_str(o, k) : NULL;
    int64_t x;
    return v_is(v, V_NUMBER) && value_as_int64(v, &x) == 0 ? x : dflt;
}

static bool cfg_bool(const struct value *o, const char *k, bool dflt)
{
    const struct value *v = o ? value_object_get_str(o, k) : NULL;
    return v_is(v, V_BOOL) ? v->u.b : dflt;
}

/* The QCNL file is JSON in which Intel tolerates // comments: strip them
 * (outside strings) before parsing. */
static const struct value *read_qcnl(struct arena *a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = arena_alloc(a, 65537);
    size_t n = text ? fread(text, 1, 65536, f) : 0;
    fclose(f);
    if (!text)
        return NULL;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
            in_str = !in_str;
        if (!in_str && text[i] == '/' && i + 1 < n && text[i + 1] == '/')
            while (i < n && text[i] != '\n')
                text[i++] = ' ';
    }
    struct value *v;
    struct as_error err;
    if (json_parse(a, text, n, NULL, &v, &err) < 0 || !v_is(v, V_OBJECT)) {
        LOG_W("dcap", "ignoring QCNL file %s: %s", path, err.detail);
        return NULL;
    }
    return v;
}

/* A file's identity and version: re-read only when one of these changes. */
struct file_stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

static bool file_stamp_of(const char *path, struct file_stamp *st)
{
    struct stat sb;
    memset(st, 0, sizeof *st);
    if (stat(path, &sb) != 0)
        return false;
    *st = (struct file_stamp){sb.st_dev, sb.st_ino, sb.st_size, sb.st_mtim};
    return true;
}

static bool same_stamp(const struct file_stamp *a, const struct file_stamp *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* What source_from_config takes from the QCNL file (strings "" = absent;
 * use_secure_cert -1 = absent). */
struct qcnl_settings {
    char collateral_service[1024], pccs_url[1024];
    int64_t retry_times, retry_delay;
    int use_secure_cert;
};

#define QCNL_MEMO_SLOTS 4

static pthread_mutex_t qcnl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char path[512];
    struct file_stamp stamp;
    struct qcnl_settings settings;
    bool used;
} qcnl_memo[QCNL_MEMO_SLOTS];
static size_t qcnl_next;

static void qcnl_extract(const struct value *q, struct qcnl_settings *out)
{
    const char *cs = cfg_str(q, "collateral_service"), *pccs = cfg_str(q, "pccs_url");
    memset(out, 0, sizeof *out);
    snprintf(out->collateral_service, sizeof out->collateral_service, "%s", cs ? cs : "");
    snprintf(out->pccs_url, sizeof out->pccs_url, "%s", pccs ? pccs : "");
    out->retry_times = cfg_int(q, "retry_times", 0);
    out->retry_delay = cfg_int(q, "retry_delay", 0);
    const struct value *sec = q ? value_object_get_str(q, "use_secure_cert") : NULL;
    out->use_secure_cert = v_is(sec, V_BOOL) ? sec->u.b : -1;
}

/* The QCNL file's settings, parsed once per version of the file (one
 * stat() per call on the warm path). */
static void qcnl_settings(const char *path, struct qcnl_settings *out)
{
    struct file_stamp st;
    if (!file_stamp_of(path, &st) || strlen(path) >= sizeof qcnl_memo[0].path) {
        qcnl_extract(NULL, out);
        return;
    }
    bool hit = false;
    pthread_mutex_lock(&qcnl_lock);
    for (size_t i = 0; i < QCNL_MEMO_SLOTS && !hit; i++)
        if (qcnl_memo[i].used && strcmp(qcnl_memo[i].path, path) == 0 &&
            same_stamp(&qcnl_memo[i].stamp, &st)) {
            *out = qcnl_memo[i].settings;
            hit = true;
        }
    pthread_mutex_unlock(&qcnl_lock);
    if (hit)
        return;
    struct arena a;
    arena_init(&a, 4096);
    qcnl_extract(read_qcnl(&a, path), out);
    arena_free(&a);
    pthread_mutex_lock(&qcnl_lock);
    size_t slot = qcnl_next;
    qcnl_next = (qcnl_next + 1) % QCNL_MEMO_SLOTS;
    snprintf(qcnl_memo[slot].path, sizeof qcnl_memo[slot].path, "%s", path);
    qcnl_memo[slot].stamp = st;
    qcnl_memo[slot].settings = *out;
    qcnl_memo[slot].used = true;
    pthread_mutex_unlock(&qcnl_lock);
}

/* scheme://host[:port]/ of url (the path is rebuilt per request). */
static const char *url_base(struct arena *a, const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    const char *slash = strchr(p + 3, '/');
    size_t n = slash ? (size_t)(slash - url) : strlen(url);
    return arena_sprintf(a, "%.*s/", (int)n, url);
}

static int source_from_config(const struct verify_ctx *ctx, struct source *s,
                              struct as_error *err)
{
    const struct value *dc = dcap_config(ctx);
    const char *qpath = cfg_str(dc, "qcnl_conf_path");
    if (!qpath)
        qpath = getenv("QCNL_CONF_PATH");
    struct qcnl_settings qcnl;
    qcnl_settings(qpath ? qpath : QCNL_DEFAULT_PATH, &qcnl);
    const char *url = cfg_str(dc, "collateral_service");
    if (!url && qcnl.collateral_service[0])
        url = arena_strdup(ctx->arena, qcnl.collateral_service);
    if (!url && qcnl.pccs_url[0])
        url = arena_strdup(ctx->arena, qcnl.pccs_url);
    if (!url)
        url = INTEL_PCS_URL;
    memset(s, 0, sizeof *s);
    s->update = cfg_str(dc, "tcb_update_type");
    if (!s->update || (strcmp(s->update, "early") != 0 && strcmp(s->update, "standard") != 0))
        s->update = "early";
    if (strncmp(url, "file://", 7) == 0) {
        s->file_path = url + 7;
        return 0;
    }
    s->base = url_base(ctx->arena, url);
    if (!s->base)
        return as_err(err, 500, ERR_CONFIG, "dcap: collateral service '%s' is not a URL", url);
    s->is_pcs = strstr(s->base, "://api.trustedservices.intel.com") != NULL;
    const char *cache = cfg_str(dc, "cache_dir");
    if (!cache && ctx->work_dir)
        cache = arena_sprintf(ctx->arena, "%s/dcap-cache", ctx->work_dir);
    s->fo.cache_dir = cache;
    s->fo.retries = (int)qcnl.retry_times;
    s->fo.retry_delay_s = (int)qcnl.retry_delay;
    s->fo.insecure_tls = !cfg_bool(dc, "use_secure_cert", qcnl.use_secure_cert != 0);
    s->fo.offline = cfg_bool(dc, "offline", false);
    s->fo.timeout_ms = cfg_int(dc, "timeout_ms", 10000);
    return 0;
}

/* ---- HTTP ---- */

static int get_piece(struct source *s, struct arena *a, const char *what, const char *url,
                     const char *chain_header, const char *alt_header,
                     struct fetch_response *r, const char **chain, bool *cached,
                     struct as_error *err)
{
    if (fetch_get(&s->fo, url, a, r, err) < 0) {
        char why[sizeof err->detail]; /* as_err must not read the buffer it writes */
        snprintf(why, sizeof why, "%s", err->detail);
        return as_err(err, 503, ERR_UPSTREAM, "dcap: no %s collateral: %s", what, why);
    }
    *cached = *cached || r->from_cache;
    if (!chain_header)
        return 0;
    const char *h = r->header(r, chain_header);
    if (!h && alt_header)
        h = r->header(r, alt_header);
    if (!h || !(*chain = dcap_url_decode(a, h)))
        return as_err(err, 502, ERR_UPSTREAM, "dcap: %s response from %s lacks the %s header",
                      what, url, chain_header);
    return 0;
}

/* {"<wrap>": <signed>, "signature": "<hex>"} -> exact signed text + sig. */
static int split_signed(struct arena *a, const uint8_t *body, size_t len, const char *wrap,
                        const char **text, size_t *text_len, const uint8_t **sig,
                        size_t *sig_len, const char *what, struct as_error *err)
{
    const char *s;
    size_t sl;
    uint8_t *raw;
    if (dcap_json_member_span((const char *)body, len, wrap, text, text_len) < 0 ||
        dcap_json_member_span((const char *)body, len, "signature", &s, &sl) < 0 || sl < 2 ||
        hex_decode(a, s + 1, sl - 2, &raw, sig_len) < 0 || *sig_len != 64)
        return as_err(err, 502, ERR_UPSTREAM, "dcap: %s response is not {\"%s\":..,\"signature\":..}",
                      what, wrap);
    *sig = raw;
    return 0;
}

static int fetch_http(struct source *s, struct arena *a, const struct dcap_pck *pck, bool tdx,
                      struct dcap_collateral_raw *raw, bool *cached, struct as_error *err)
{
    char fmspc[13];
    const char *tee = tdx ? "tdx" : "sgx", *ca = pck->platform_ca ? "platform" : "processor";
    struct fetch_response r;
    hex_encode(pck->ext.fmspc, 6, fmspc);
    for (char *p = fmspc; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    const char *url = arena_sprintf(a, "%s%s/certification/v4/tcb?fmspc=%s&update=%s", s->base,
                                    tee, fmspc, s->update);
    TRY(get_piece(s, a, "TCB info", url, "TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain", &r,
                  &raw->tcb_info_issuer_chain, cached, err));
    TRY(split_signed(a, r.body, r.body_len, "tcbInfo", &raw->tcb_info, &raw->tcb_info_len,
                     &raw->tcb_info_sig, &raw->tcb_info_sig_len, "TCB info", err));
    url = arena_sprintf(a, "%s%s/certification/v4/qe/identity?update=%s", s->base, tee, s->update);
    TRY(get_piece(s, a, "QE identity", url, "SGX-Enclave-Identity-Issuer-Chain", NULL, &r,
                  &raw->qe_identity_issuer_chain, cached, err));
    TRY(split_signed(a, r.body, r.body_len, "enclaveIdentity", &raw->qe_identity,
                     &raw->qe_identity_len, &raw->qe_identity_sig, &raw->qe_identity_sig_len,
                     "QE identity", err));
    url = arena_sprintf(a, "%ssgx/certification/v4/pckcrl?ca=%s&encoding=der", s->base, ca);
    TRY(get_piece(s, a, "PCK CRL", url, "SGX-PCK-CRL-Issuer-Chain", NULL, &r,
                  &raw->pck_crl_issuer_chain, cached, err));
    raw->pck_crl = r.body;
    raw->pck_crl_len = r.body_len;
    url = s->is_pcs ? INTEL_ROOT_CRL_URL
                    : arena_sprintf(a, "%ssgx/certification/v4/rootcacrl", s->base);
    TRY(get_piece(s, a, "root CA CRL", url, NULL, NULL, &r, NULL, cached, err));
    raw->root_ca_crl = r.body;
    raw->root_ca_crl_len = r.body_len;
    raw->tcb_info_issuer_chain_len = strlen(raw->tcb_info_issuer_chain);
    raw->qe_identity_issuer_chain_len = strlen(raw->qe_identity_issuer_chain);
    raw->pck_crl_issuer_chain_len = strlen(raw->pck_crl_issuer_chain);
    return 0;
}

/* ---- PCS Client Tool file ---- */

static int span_path(const char *text, size_t len, const char *const *keys, const char **s,
                     size_t *sl)
{
    *s = text;
    *sl = len;
    for (; *keys; keys++)
        if (dcap_json_member_span(*s, *sl, *keys, s, sl) < 0)
            return -1;
    return 0;
}

static const char *str_at(struct arena *a, const char *text, size_t len, const char *const *keys)
{
    const char *s;
    size_t sl;
    struct value *v;
    struct as_error e;
    if (span_path(text, len, keys, &s, &sl) < 0 || json_parse(a, s, sl, NULL, &v, &e) < 0 ||
        !v_is(v, V_STRING))
        return NULL;
    return v->u.str.s;
}

/* Index of the tcbinfos entry for fmspc, then its raw span. */
static int file_tcbinfo(struct arena *a, const char *text, size_t len, const char *fmspc,
                        const char *member, const char **s, size_t *sl)
{
    static const char *const path[] = {"collaterals", "tcbinfos", NULL};
    const char *arr;
    size_t al;
    struct value *v;
    struct as_error e;
    if (span_path(text, len, path, &arr, &al) < 0 || json_parse(a, arr, al, NULL, &v, &e) < 0 ||
        !v_is(v, V_ARRAY))
        return -1;
    /* Walk the raw array text in step with the parsed items. */
    size_t pos = 1;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        while (pos < al && (arr[pos] == ' ' || arr[pos] == ',' || arr[pos] == '\n' ||
                            arr[pos] == '\r' || arr[pos] == '\t'))
            pos++;
        const char *el = arr + pos, *dummy;
        size_t el_len = al - pos, dl;
        /* Element span: find its end by asking for a member we know. */
        const struct value *f = value_object_get_str(v->u.arr.items[i], "fmspc");
        if (dcap_json_member_span(el, el_len, "fmspc", &dummy, &dl) < 0)
            return -1;
        if (v_is(f, V_STRING) && strcasecmp(f->u.str.s, fmspc) == 0)
            return dcap_json_member_span(el, el_len, member, s, sl);
        /* Skip this element: balanced braces outside strings. */
        int depth = 0;
        bool in_str = false;
        for (; pos < al; pos++) {
            char c = arr[pos];
            if (in_str) {
                if (c == '\\')
                    pos++;
                else if (c == '"')
                    in_str = false;
            } else if (c == '"') {
                in_str = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                pos++;
                break;
            }
        }
    }
    return -1;
}

static int file_missing(const char *path, const char *what, struct as_error *err)
{
    return as_err(err, 503, ERR_UPSTREAM, "dcap: no %s collateral in %s", what, path);
}

/* The tool may indent its output; Intel signed the compact text, so drop
 * whitespace outside strings (keys, order and numbers are kept). */
static const char *compact(struct arena *a, const char *s, size_t n, size_t *out_len)
{
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    bool in_str = false;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            o[k++] = c;
            if (c == '\\' && i + 1 < n)
                o[k++] = s[++i];
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            o[k++] = c;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            o[k++] = c;
        }
    }
    o[k] = 0;
    *out_len = k;
    return o;
}

static int fetch_file(struct source *s, struct arena *a, const struct dcap_pck *pck, bool tdx,
                      struct dcap_collateral_raw *raw, struct as_error *err)
{
    FILE *f = fopen(s->file_path, "rb");
    if (!f)
        return as_err(err, 503, ERR_UPSTREAM, "dcap: cannot read collateral file %s",
                      s->file_path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = n > 0 && n < (64 << 20) ? arena_alloc(a, (size_t)n + 1) : NULL;
    bool ok = text && fread(text, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (!ok)
        return file_missing(s->file_path, "readable", err);
    size_t len = (size_t)n;
    char fmspc[13], member[32];
    hex_encode(pck->ext.fmspc, 6, fmspc);
    bool early = strcmp(s->update, "early") == 0;
    const char *tee = tdx ? "tdx" : "sgx";
    const char *doc;
    size_t dl;
    snprintf(member, sizeof member, "%s_tcbinfo%s", tee, early ? "_early" : "");
    if (file_tcbinfo(a, text, len, fmspc, member, &doc, &dl) < 0) {
        snprintf(member, sizeof member, "%s_tcbinfo", tee);
        if (file_tcbinfo(a, text, len, fmspc, member, &doc, &dl) < 0)
            return file_missing(s->file_path, "TCB info for this FMSPC", err);
    }
    if (!(doc = compact(a, doc, dl, &dl)))
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    TRY(split_signed(a, (const uint8_t *)doc, dl, "tcbInfo", &raw->tcb_info, &raw->tcb_info_len,
                     &raw->tcb_info_sig, &raw->tcb_info_sig_len, "TCB info", err));
    const char *qe_name = tdx ? "tdqeidentity" : "qeidentity";
    const char *qe_path[] = {"collaterals", member, NULL};
    snprintf(member, sizeof member, "%s%s", qe_name, early ? "_early" : "");
    if (span_path(text, len, qe_path, &doc, &dl) < 0) {
        snprintf(member, sizeof member, "%s", qe_name);
        if (span_path(text, len, qe_path, &doc, &dl) < 0)
            return file_missing(s->file_path, "QE identity", err);
    }
    if (!(doc = compact(a, doc, dl, &dl)))
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    TRY(split_signed(a, (const uint8_t *)doc, dl, "enclaveIdentity", &raw->qe_identity,
                     &raw->qe_identity_len, &raw->qe_identity_sig, &raw->qe_identity_sig_len,
                     "QE identity", err));
    const char *p_tcb[] = {"collaterals", "certificates", "TCB-Info-Issuer-Chain", NULL};
    const char *p_qe[] = {"collaterals", "certificates", "SGX-Enclave-Identity-Issuer-Chain",
                          NULL};
    const char *p_crlc[] = {"collaterals", "certificates", "SGX-PCK-Certificate-Issuer-Chain",
                            pck->platform_ca ? "PLATFORM" : "PROCESSOR", NULL};
    const char *p_crl[] = {"collaterals", "pckcacrl",
                           pck->platform_ca ? "platformCrl" : "processorCrl", NULL};
    const char *p_root[] = {"collaterals", "rootcacrl", NULL};
    const char *tcb_chain = str_at(a, text, len, p_tcb), *qe_chain = str_at(a, text, len, p_qe);
    const char *crl_chain = str_at(a, text, len, p_crlc), *crl = str_at(a, text, len, p_crl);
    const char *root = str_at(a, text, len, p_root);
    if (!tcb_chain || !qe_chain || !crl_chain || !crl || !root)
        return file_missing(s->file_path, "certificate chain or CRL", err);
    raw->tcb_info_issuer_chain = dcap_url_decode(a, tcb_chain);
    raw->qe_identity_issuer_chain = dcap_url_decode(a, qe_chain);
    raw->pck_crl_issuer_chain = dcap_url_decode(a, crl_chain);
    if (!raw->tcb_info_issuer_chain || !raw->qe_identity_issuer_chain || !raw->pck_crl_issuer_chain)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    raw->tcb_info_issuer_chain_len = strlen(raw->tcb_info_issuer_chain);
    raw->qe_identity_issuer_chain_len = strlen(raw->qe_identity_issuer_chain);
    raw->pck_crl_issuer_chain_len = strlen(raw->pck_crl_issuer_chain);
    raw->pck_crl = (const uint8_t *)crl;
    raw->pck_crl_len = strlen(crl);
    raw->root_ca_crl = (const uint8_t *)root;
    raw->root_ca_crl_len = strlen(root);
    return 0;
}

/* ---- in-memory map of service collateral ---- */

struct mem_entry {
    char key[512];
    struct dcap_collateral *coll;
    time_t until;
};

static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mem_entry mem[MEM_SLOTS];
static size_t mem_next;

static struct dcap_collateral *mem_get(const char *key)
{
    struct dcap_collateral *c = NULL;
    time_t now = time(NULL);
    pthread_mutex_lock(&mem_lock);
    for (size_t i = 0; i < MEM_SLOTS && !c; i++)
        if (mem[i].coll && now < mem[i].until && strcmp(mem[i].key, key) == 0) {
            c = mem[i].coll;
            atomic_fetch_add(&c->refs, 1);
        }
    pthread_mutex_unlock(&mem_lock);
    return c;
}

/* A service's collateral lives until its earliest expiry, at most an hour
 * (expired collateral is asked for again every time).  A file's (versioned:
 * the key names the version of the file) lives an hour whatever its dates:
 * reading the same file again gives the same answer. */
static void mem_put(const char *key, struct dcap_collateral *c, bool versioned)
{
    time_t now = time(NULL), until = now + MEM_MAX_AGE;
    if (!versioned && c->earliest_expiration < until)
        until = c->earliest_expiration;
    if (until <= now)
        return;
    atomic_fetch_add(&c->refs, 1);
    pthread_mutex_lock(&mem_lock);
    struct dcap_collateral *old = mem[mem_next].coll;
    snprintf(mem[mem_next].key, sizeof mem[mem_next].key, "%s", key);
    mem[mem_next].coll = c;
    mem[mem_next].until = until;
    mem_next = (mem_next + 1) % MEM_SLOTS;
    pthread_mutex_unlock(&mem_lock);
    dcap_collateral_release(old);
}

/* ---- entry point ---- */

/* Bundles given on the command line, kept with their exact bytes: the
 * warm path compares bytes instead of hashing them. */
#define BUNDLE_SLOTS 8

struct bundle_entry {
    uint8_t *bytes;
    size_t len;
    struct dcap_collateral *coll;
};

static pthread_mutex_t bundle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bundle_entry bundles[BUNDLE_SLOTS];
static size_t bundle_next;

static struct dcap_collateral *bundle_get(const uint8_t *p, size_t len)
{
    struct dcap_collateral *c = NULL;
    pthread_mutex_lock(&bundle_lock);
    for (size_t i = 0; i < BUNDLE_SLOTS && !c; i++)
        if (bundles[i].coll && bundles[i].len == len && memcmp(bundles[i].bytes, p, len) == 0) {
            c = bundles[i].coll;
            atomic_fetch_add(&c->refs, 1);
        }
    pthread_mutex_unlock(&bundle_lock);
    return c;
}

static void bundle_put(const uint8_t *p, size_t len, struct dcap_collateral *c)
{
    uint8_t *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, p, len);
    atomic_fetch_add(&c->refs, 1);
    pthread_mutex_lock(&bundle_lock);
    struct bundle_entry old = bundles[bundle_next];
    bundles[bundle_next] = (struct bundle_entry){copy, len, c};
    bundle_next = (bundle_next + 1) % BUNDLE_SLOTS;
    pthread_mutex_unlock(&bundle_lock);
    free(old.bytes);
    dcap_collateral_release(old.coll);
}

static int from_bundle(const struct verify_ctx *ctx, struct dcap_collateral **out,
                       struct as_error *err)
{
    if ((*out = bundle_get(ctx->collateral, ctx->collateral_len)) != NULL)
        return 0;
    struct dcap_collateral_raw raw;
    TRY(dcap_collateral_raw_from_json(ctx->arena, (const char *)ctx->collateral,
                                      ctx->collateral_len, &raw, err));
    TRY(dcap_collateral_load(&raw, NULL, out, err));
    bundle_put(ctx->collateral, ctx->collateral_len, *out);
    return 0;
}

/* A piece from the disk cache did not parse or verify (a 2xx error page or
 * truncated body stored earlier): ask the service once more for every piece
 * (revalidate), so a bad answer is not served until its cache entry
 * expires; fail if that does not give verifying collateral either. */
static int refetch_unusable(const struct verify_ctx *ctx, struct source *s,
                            const struct dcap_pck *pck, bool tdx, struct dcap_collateral **out,
                            bool *cached, struct as_error *err)
{
    struct dcap_collateral_raw raw = {0};
    struct fetch_opts keep = s->fo;
    LOG_W("dcap", "cached DCAP collateral unusable (%s); asking the collateral service again",
          err->detail);
    as_err_clear(err);
    s->fo.revalidate = true;
    *cached = false;
    int rc = fetch_http(s, ctx->arena, pck, tdx, &raw, cached, err);
    if (rc == 0)
        rc = dcap_collateral_load(&raw, NULL, out, err);
    s->fo = keep;
    return rc;
}

static int from_service(const struct verify_ctx *ctx, struct source *s,
                        const struct dcap_pck *pck, bool tdx, struct dcap_collateral **out,
                        struct as_error *err)
{
    struct dcap_collateral_raw raw = {0};
    bool cached = false;
    if (s->file_path) {
        TRY(fetch_file(s, ctx->arena, pck, tdx, &raw, err));
        return dcap_collateral_load(&raw, NULL, out, err);
    }
    if (fetch_http(s, ctx->arena, pck, tdx, &raw, &cached, err) < 0 ||
        dcap_collateral_load(&raw, NULL, out, err) < 0) {
        if (!cached || s->fo.offline)
            return -1;
        TRY(refetch_unusable(ctx, s, pck, tdx, out, &cached, err));
    }
    if (!cached || (*out)->earliest_expiration > time(NULL) || s->fo.offline)
        return 0;
    /* Served from a disk cache past its nextUpdate: ask upstream again (a
     * failure falls back to the cached copy, flagged as expired). */
    struct dcap_collateral *fresh = NULL;
    struct fetch_opts keep = s->fo;
    s->fo.revalidate = true;
    memset(&raw, 0, sizeof raw);
    if (fetch_http(s, ctx->arena, pck, tdx, &raw, &cached, err) == 0 &&
        dcap_collateral_load(&raw, NULL, &fresh, err) == 0) {
        dcap_collateral_release(*out);
        *out = fresh;
    }
    s->fo = keep;
    as_err_clear(err);
    return 0;
}

/* Before asking a collateral service for the FMSPC / CA type a PCK
 * certificate names: its chain must be signed up to the pinned Intel root,
 * so a client-made certificate cannot make us fetch (the full check, CRLs
 * included, is verify_pck_chain once the collateral is there). */
static int pck_chain_reaches_intel_root(const struct dcap_pck *pck, struct as_error *err)
{
    X509 *root = dcap_intel_root();
    if (!root)
        return as_err(err, 500, ERR_INTERNAL, "dcap: the Intel root certificate did not load");
    if (pck->chain.len < 2 || x509_signed_by(pck->chain.certs[0], pck->chain.certs[1], err) < 0 ||
        x509_signed_by(pck->chain.certs[1], root, err) < 0)
        return as_err_prefix(err, "PCK certificate chain (STATUS_INVALID_PCK_CERT)");
    return 0;
}

int dcap_collateral_for(const struct verify_ctx *ctx, const struct dcap_pck *pck, bool tdx,
                        struct dcap_collateral **out, struct as_error *err)
{
    if (ctx->collateral && ctx->collateral_len > 0)
        return from_bundle(ctx, out, err);
    struct source s;
    TRY(source_from_config(ctx, &s, err));
    char key[512], fmspc[13], version[96] = "";
    struct file_stamp st;
    hex_encode(pck->ext.fmspc, 6, fmspc);
    /* a file:// source is keyed by the version of the file as well */
    if (s.file_path && file_stamp_of(s.file_path, &st))
        snprintf(version, sizeof version, "|%ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.dev,
                 (uintmax_t)st.ino, (intmax_t)st.size, (intmax_t)st.mtime.tv_sec,
                 st.mtime.tv_nsec);
    int n = snprintf(key, sizeof key, "%s|%s|%s|%s|%s%s", tdx ? "tdx" : "sgx", fmspc,
                     pck->platform_ca ? "platform" : "processor", s.update,
                     s.base ? s.base : s.file_path, version);
    bool keyed = n > 0 && (size_t)n < sizeof key && (!s.file_path || version[0]);
    if (keyed && (*out = mem_get(key)) != NULL)
        return 0;
    if (!s.file_path)
        TRY(pck_chain_reaches_intel_root(pck, err));
    TRY(from_service(ctx, &s, pck, tdx, out, err));
    if (keyed)
        mem_put(key, *out, s.file_path != NULL);
    return 0;
}
