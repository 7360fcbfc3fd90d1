/* collateral.c - DCAP collateral: bundle JSON, TCB info and enclave
 * identity parsing, quote-independent verification, and the cache of
 * verified collateral (see collateral.h). */
#include "verifier/dcap/collateral.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "base/codec.h"
#include "value/value.h"

#define COLL_CACHE_SLOTS 32
#define MAX_LEVELS 256
#define MAX_ADVISORIES 128

static const char *const STATUS_NAMES[TCB_STATUS_COUNT] = {
    [TCB_UP_TO_DATE] = "UpToDate",
    [TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
    [TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
    [TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
    [TCB_OUT_OF_DATE] = "OutOfDate",
    [TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
    [TCB_TD_RELAUNCH_ADVISED] = "TDRelaunchAdvised",
    [TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED] = "TDRelaunchAdvisedConfigurationNeeded",
    [TCB_REVOKED] = "Revoked",
    [TCB_NOT_SUPPORTED] = "TCBNotSupported",
};

const char *dcap_tcb_status_name(enum dcap_tcb_status s)
{
    return (unsigned)s < TCB_STATUS_COUNT ? STATUS_NAMES[s] : "Unknown";
}

/* Only the statuses that may appear in Intel's JSON documents. */
int dcap_tcb_status_parse(const char *s, enum dcap_tcb_status *out)
{
    static const enum dcap_tcb_status in_json[] = {
        TCB_UP_TO_DATE,  TCB_SW_HARDENING_NEEDED, TCB_CONFIGURATION_NEEDED,
        TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, TCB_OUT_OF_DATE,
        TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, TCB_REVOKED,
    };
    for (size_t i = 0; i < sizeof in_json / sizeof in_json[0]; i++)
        if (strcmp(s, STATUS_NAMES[in_json[i]]) == 0) {
            *out = in_json[i];
            return 0;
        }
    return -1;
}

/* ---- time ---- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int dcap_parse_time(const char *s, size_t n, time_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, se;
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0 ||
        digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &se) < 0)
        return -1;
    size_t i = 19;
    if (s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    }
    bool utc = (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) ||
               (i + 6 == n && memcmp(s + i, "+00:00", 6) == 0);
    if (!utc || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = timegm(&tm);
    return 0;
}

/* ---- raw JSON spans ---- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* i at '"'; returns index after the closing quote, or n+1 on error. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n + 1;
}

/* Skips one value starting at i (after whitespace); n+1 on error. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return n + 1;
    if (s[i] == '"')
        return skip_string(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = skip_string(s, n, i);
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return n + 1;
    }
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
           s[i] != '\r' && s[i] != '\t')
        i++;
    return i;
}

int dcap_json_member_span(const char *json, size_t len, const char *key, const char **start,
                          size_t *span_len)
{
    size_t klen = strlen(key), i = skip_ws(json, len, 0);
    if (i >= len || json[i] != '{')
        return -1;
    i = skip_ws(json, len, i + 1);
    while (i < len && json[i] == '"') {
        size_t kend = skip_string(json, len, i);
        if (kend > len)
            return -1;
        bool match = kend - i - 2 == klen && memcmp(json + i + 1, key, klen) == 0;
        i = skip_ws(json, len, kend);
        if (i >= len || json[i] != ':')
            return -1;
        i = skip_ws(json, len, i + 1);
        size_t vend = skip_value(json, len, i);
        if (vend > len)
            return -1;
        if (match) {
            *start = json + i;
            *span_len = vend - i;
            return 0;
        }
        i = skip_ws(json, len, vend);
        if (i < len && json[i] == ',')
            i = skip_ws(json, len, i + 1);
    }
    return -1;
}

/* ---- JSON helpers over value.h ---- */

static int bad_doc(struct as_error *err, const char *doc, const char *what)
{
    return as_err(err, 400, ERR_INVALID_EVIDENCE, "collateral %s: %s", doc, what);
}

static const struct value *member(const struct value *o, const char *k, enum value_type t)
{
    const struct value *v = v_is(o, V_OBJECT) ? value_object_get_str(o, k) : NULL;
    return v_is(v, t) ? v : NULL;
}

static int get_int(const struct value *o, const char *k, long lo, long hi, long *out)
{
    const struct value *v = member(o, k, V_NUMBER);
    int64_t x;
    if (!v || value_as_int64(v, &x) < 0 || x < lo || x > hi)
        return -1;
    *out = (long)x;
    return 0;
}

static int get_hex(struct arena *a, const struct value *o, const char *k, uint8_t *out, size_t n)
{
    const struct value *v = member(o, k, V_STRING);
    uint8_t *p;
    size_t pl;
    if (!v || hex_decode(a, v->u.str.s, v->u.str.len, &p, &pl) < 0 || pl != n)
        return -1;
    memcpy(out, p, n);
    return 0;
}

static int get_time(const struct value *o, const char *k, time_t *out)
{
    const struct value *v = member(o, k, V_STRING);
    return v ? dcap_parse_time(v->u.str.s, v->u.str.len, out) : -1;
}

static int get_status(const struct value *o, enum dcap_tcb_status *out)
{
    const struct value *v = member(o, "tcbStatus", V_STRING);
    return v ? dcap_tcb_status_parse(v->u.str.s, out) : -1;
}

static int get_advisories(struct arena *a, const struct value *o, struct dcap_advisories *adv)
{
    const struct value *arr = member(o, "advisoryIDs", V_ARRAY);
    adv->ids = NULL;
    adv->len = 0;
    if (!arr) /* absent is fine; present but not an array is not */
        return value_object_get_str(o, "advisoryIDs") ? -1 : 0;
    if (arr->u.arr.len > MAX_ADVISORIES)
        return -1;
    adv->ids = arena_alloc(a, (arr->u.arr.len + 1) * sizeof *adv->ids);
    if (!adv->ids)
        return -1;
    for (size_t i = 0; i < arr->u.arr.len; i++) {
        const struct value *s = arr->u.arr.items[i];
        if (!v_is(s, V_STRING))
            return -1;
        adv->ids[adv->len++] = s->u.str.s;
    }
    return 0;
}

static int parse_doc(struct arena *a, const char *json, size_t len, struct value **out,
                     struct as_error *err, const char *doc)
{
    if (json_parse(a, json, len, NULL, out, err) < 0)
        return as_err_prefix(err, "collateral %s", doc);
    if (!v_is(*out, V_OBJECT))
        return bad_doc(err, doc, "not a JSON object");
    return 0;
}

/* ---- TCB info ---- */

static int parse_components(const struct value *tcb, const char *k, uint8_t out[16])
{
    const struct value *arr = member(tcb, k, V_ARRAY);
    if (!arr || arr->u.arr.len != 16)
        return -1;
    for (size_t i = 0; i < 16; i++) {
        long svn;
        if (get_int(arr->u.arr.items[i], "svn", 0, 255, &svn) < 0)
            return -1;
        out[i] = (uint8_t)svn;
    }
    return 0;
}

static int parse_tcb_level(struct arena *a, const struct value *lv, const struct dcap_tcb_info *t,
                           struct dcap_tcb_level *l)
{
    const struct value *tcb = member(lv, "tcb", V_OBJECT);
    long pcesvn;
    if (!tcb || get_int(tcb, "pcesvn", 0, 65535, &pcesvn) < 0)
        return -1;
    l->pcesvn = (uint16_t)pcesvn;
    if (t->version >= 3) {
        if (parse_components(tcb, "sgxtcbcomponents", l->sgx_svn) < 0)
            return -1;
        l->has_tdx = member(tcb, "tdxtcbcomponents", V_ARRAY) != NULL;
        if (l->has_tdx && parse_components(tcb, "tdxtcbcomponents", l->tdx_svn) < 0)
            return -1;
        if (t->is_tdx && !l->has_tdx)
            return -1;
    } else {
        for (int i = 0; i < 16; i++) {
            char k[24];
            long svn;
            snprintf(k, sizeof k, "sgxtcbcomp%02dsvn", i + 1);
            if (get_int(tcb, k, 0, 255, &svn) < 0)
                return -1;
            l->sgx_svn[i] = (uint8_t)svn;
        }
    }
    if (get_time(lv, "tcbDate", &l->tcb_date) < 0 || get_status(lv, &l->status) < 0)
        return -1;
    return get_advisories(a, lv, &l->advisories);
}

static int parse_module_identity(struct arena *a, const struct value *m,
                                 struct dcap_module_identity *mi)
{
    const struct value *id = member(m, "id", V_STRING);
    const struct value *lv = member(m, "tcbLevels", V_ARRAY);
    if (!id || id->u.str.len >= sizeof mi->id || !lv || lv->u.arr.len > MAX_LEVELS)
        return -1;
    for (size_t i = 0; i < id->u.str.len; i++)
        mi->id[i] = (char)(id->u.str.s[i] >= 'a' && id->u.str.s[i] <= 'z' ? id->u.str.s[i] - 32
                                                                          : id->u.str.s[i]);
    mi->id[id->u.str.len] = 0;
    if (get_hex(a, m, "mrsigner", mi->mrsigner, 48) < 0 ||
        get_hex(a, m, "attributes", mi->attributes, 8) < 0 ||
        get_hex(a, m, "attributesMask", mi->attributes_mask, 8) < 0)
        return -1;
    mi->nlevels = lv->u.arr.len;
    mi->levels = arena_zalloc(a, (mi->nlevels + 1) * sizeof *mi->levels);
    if (!mi->levels)
        return -1;
    for (size_t i = 0; i < mi->nlevels; i++) {
        const struct value *l = lv->u.arr.items[i];
        const struct value *tcb = member(l, "tcb", V_OBJECT);
        long isvsvn;
        if (!tcb || get_int(tcb, "isvsvn", 0, 255, &isvsvn) < 0 ||
            get_time(l, "tcbDate", &mi->levels[i].tcb_date) < 0 ||
            get_status(l, &mi->levels[i].status) < 0 ||
            get_advisories(a, l, &mi->levels[i].advisories) < 0)
            return -1;
        mi->levels[i].isvsvn = (uint8_t)isvsvn;
    }
    return 0;
}

static int parse_tdx_parts(struct arena *a, const struct value *root, struct dcap_tcb_info *t)
{
    const struct value *mod = member(root, "tdxModule", V_OBJECT);
    const struct value *ids = member(root, "tdxModuleIdentities", V_ARRAY);
    if (mod) {
        t->has_tdx_module = true;
        if (get_hex(a, mod, "mrsigner", t->module_mrsigner, 48) < 0 ||
            get_hex(a, mod, "attributes", t->module_attributes, 8) < 0 ||
            get_hex(a, mod, "attributesMask", t->module_attributes_mask, 8) < 0)
            return -1;
    }
    if (!ids)
        return 0;
    if (ids->u.arr.len > 64)
        return -1;
    t->nmodules = ids->u.arr.len;
    t->modules = arena_zalloc(a, (t->nmodules + 1) * sizeof *t->modules);
    if (!t->modules)
        return -1;
    for (size_t i = 0; i < t->nmodules; i++)
        if (parse_module_identity(a, ids->u.arr.items[i], &t->modules[i]) < 0)
            return -1;
    return 0;
}

static int parse_tcb_header(struct arena *a, const struct value *root, struct dcap_tcb_info *t)
{
    long version;
    const struct value *id = member(root, "id", V_STRING);
    if (get_int(root, "version", 2, 3, &version) < 0)
        return -1;
    t->version = (int)version;
    if (t->version >= 3) {
        if (!id || (strcmp(id->u.str.s, "SGX") != 0 && strcmp(id->u.str.s, "TDX") != 0))
            return -1;
        t->is_tdx = strcmp(id->u.str.s, "TDX") == 0;
    }
    if (get_time(root, "issueDate", &t->issue_date) < 0 ||
        get_time(root, "nextUpdate", &t->next_update) < 0 ||
        get_hex(a, root, "fmspc", t->fmspc, 6) < 0 || get_hex(a, root, "pceId", t->pceid, 2) < 0 ||
        get_int(root, "tcbEvaluationDataNumber", 0, 0x7fffffff, &t->eval_num) < 0)
        return -1;
    if (get_int(root, "tcbType", 0, 255, &t->tcb_type) < 0)
        t->tcb_type = 0;
    return 0;
}

int dcap_tcb_info_parse(struct arena *a, const char *json, size_t len, struct dcap_tcb_info *t,
                        struct as_error *err)
{
    struct value *root;
    memset(t, 0, sizeof *t);
    TRY(parse_doc(a, json, len, &root, err, "TCB info"));
    if (parse_tcb_header(a, root, t) < 0)
        return bad_doc(err, "TCB info", "missing or malformed id/version/dates/fmspc/pceId");
    if (t->is_tdx && parse_tdx_parts(a, root, t) < 0)
        return bad_doc(err, "TCB info", "malformed tdxModule or tdxModuleIdentities");
    const struct value *lv = member(root, "tcbLevels", V_ARRAY);
    if (!lv || lv->u.arr.len == 0 || lv->u.arr.len > MAX_LEVELS)
        return bad_doc(err, "TCB info", "tcbLevels missing or empty");
    t->nlevels = lv->u.arr.len;
    t->levels = arena_zalloc(a, t->nlevels * sizeof *t->levels);
    if (!t->levels)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < t->nlevels; i++)
        if (parse_tcb_level(a, lv->u.arr.items[i], t, &t->levels[i]) < 0)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "collateral TCB info: tcbLevels[%zu] is malformed", i);
    return 0;
}

/* ---- enclave identity ---- */

static int parse_enclave_id(const struct value *root, struct dcap_qe_identity *q)
{
    const struct value *id = member(root, "id", V_STRING);
    if (!id)
        return -1;
    if (strcmp(id->u.str.s, "QE") == 0)
        q->id = ENCLAVE_QE;
    else if (strcmp(id->u.str.s, "QVE") == 0)
        q->id = ENCLAVE_QVE;
    else if (strcmp(id->u.str.s, "TD_QE") == 0)
        q->id = ENCLAVE_TD_QE;
    else
        return -1;
    return 0;
}

static int parse_qe_header(struct arena *a, const struct value *root, struct dcap_qe_identity *q)
{
    long version, prodid;
    if (parse_enclave_id(root, q) < 0 || get_int(root, "version", 2, 2, &version) < 0 ||
        get_time(root, "issueDate", &q->issue_date) < 0 ||
        get_time(root, "nextUpdate", &q->next_update) < 0 ||
        get_int(root, "tcbEvaluationDataNumber", 0, 0x7fffffff, &q->eval_num) < 0 ||
        get_hex(a, root, "miscselect", q->miscselect, 4) < 0 ||
        get_hex(a, root, "miscselectMask", q->miscselect_mask, 4) < 0 ||
        get_hex(a, root, "attributes", q->attributes, 16) < 0 ||
        get_hex(a, root, "attributesMask", q->attributes_mask, 16) < 0 ||
        get_hex(a, root, "mrsigner", q->mrsigner, 32) < 0 ||
        get_int(root, "isvprodid", 0, 65535, &prodid) < 0)
        return -1;
    q->version = (int)version;
    q->isvprodid = (uint16_t)prodid;
    return 0;
}

int dcap_qe_identity_parse(struct arena *a, const char *json, size_t len,
                           struct dcap_qe_identity *q, struct as_error *err)
{
    struct value *root;
    memset(q, 0, sizeof *q);
    TRY(parse_doc(a, json, len, &root, err, "QE identity"));
    if (parse_qe_header(a, root, q) < 0)
        return bad_doc(err, "QE identity", "missing or malformed id/version/dates/identity fields");
    const struct value *lv = member(root, "tcbLevels", V_ARRAY);
    if (!lv || lv->u.arr.len == 0 || lv->u.arr.len > MAX_LEVELS)
        return bad_doc(err, "QE identity", "tcbLevels missing or empty");
    q->nlevels = lv->u.arr.len;
    q->levels = arena_zalloc(a, q->nlevels * sizeof *q->levels);
    if (!q->levels)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < q->nlevels; i++) {
        const struct value *l = lv->u.arr.items[i];
        const struct value *tcb = member(l, "tcb", V_OBJECT);
        long isvsvn;
        if (!tcb || get_int(tcb, "isvsvn", 0, 65535, &isvsvn) < 0 ||
            get_time(l, "tcbDate", &q->levels[i].tcb_date) < 0 ||
            get_status(l, &q->levels[i].status) < 0 ||
            get_advisories(a, l, &q->levels[i].advisories) < 0)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "collateral QE identity: tcbLevels[%zu] is malformed", i);
        q->levels[i].isvsvn = (uint16_t)isvsvn;
    }
    return 0;
}

/* ---- bundle ---- */

static const char *str_member(const struct value *o, const char *k, size_t *len)
{
    const struct value *v = member(o, k, V_STRING);
    if (!v)
        return NULL;
    *len = v->u.str.len;
    return v->u.str.s;
}

/* tcb_info / qe_identity: exact signed text + hex signature, or the PCS
 * response body carrying both. */
static int signed_doc(struct arena *a, const struct value *o, const char *doc_key,
                      const char *sig_key, const char *const *wrap_keys, const char **text,
                      size_t *text_len, const uint8_t **sig, size_t *sig_len,
                      struct as_error *err)
{
    size_t dl, sl = 0;
    const char *d = str_member(o, doc_key, &dl), *s = str_member(o, sig_key, &sl);
    if (!d)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "collateral: '%s' missing", doc_key);
    const char *sig_text = s;
    if (!s) { /* PCS response body */
        const char *span;
        size_t span_len;
        for (const char *const *k = wrap_keys; *k && !sig_text; k++)
            if (dcap_json_member_span(d, dl, *k, &span, &span_len) == 0 &&
                dcap_json_member_span(d, dl, "signature", &sig_text, &sl) == 0) {
                d = span;
                dl = span_len;
            }
        if (!sig_text || sl < 2 || sig_text[0] != '"')
            return as_err(err, 400, ERR_INVALID_EVIDENCE, "collateral: '%s' missing", sig_key);
        sig_text++;
        sl -= 2;
    }
    uint8_t *raw;
    size_t rl;
    if (hex_decode(a, sig_text, sl, &raw, &rl) < 0 || rl != 64)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "collateral: '%s' is not 64 bytes of hex (r||s)", sig_key);
    *text = d;
    *text_len = dl;
    *sig = raw;
    *sig_len = rl;
    return 0;
}

int dcap_collateral_raw_from_json(struct arena *a, const char *json, size_t len,
                                  struct dcap_collateral_raw *raw, struct as_error *err)
{
    static const char *const tcb_wrap[] = {"tcbInfo", NULL};
    static const char *const qe_wrap[] = {"enclaveIdentity", "qeIdentity", NULL};
    struct value *o;
    memset(raw, 0, sizeof *raw);
    if (json_parse(a, json, len, NULL, &o, err) < 0)
        return as_err_prefix(err, "collateral");
    if (!v_is(o, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "collateral: not a JSON object");
    raw->pck_crl_issuer_chain = str_member(o, "pck_crl_issuer_chain", &raw->pck_crl_issuer_chain_len);
    raw->root_ca_crl = (const uint8_t *)str_member(o, "root_ca_crl", &raw->root_ca_crl_len);
    raw->pck_crl = (const uint8_t *)str_member(o, "pck_crl", &raw->pck_crl_len);
    raw->tcb_info_issuer_chain = str_member(o, "tcb_info_issuer_chain", &raw->tcb_info_issuer_chain_len);
    raw->qe_identity_issuer_chain =
        str_member(o, "qe_identity_issuer_chain", &raw->qe_identity_issuer_chain_len);
    if (!raw->pck_crl_issuer_chain || !raw->root_ca_crl || !raw->pck_crl ||
        !raw->tcb_info_issuer_chain || !raw->qe_identity_issuer_chain)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "collateral: needs pck_crl_issuer_chain, root_ca_crl, pck_crl, "
                      "tcb_info_issuer_chain, qe_identity_issuer_chain");
    TRY(signed_doc(a, o, "tcb_info", "tcb_info_signature", tcb_wrap, &raw->tcb_info,
                   &raw->tcb_info_len, &raw->tcb_info_sig, &raw->tcb_info_sig_len, err));
    return signed_doc(a, o, "qe_identity", "qe_identity_signature", qe_wrap, &raw->qe_identity,
                      &raw->qe_identity_len, &raw->qe_identity_sig, &raw->qe_identity_sig_len,
                      err);
}

/* ---- verification ---- */

static void collateral_free(struct dcap_collateral *c)
{
    X509_CRL_free(c->root_crl);
    X509_CRL_free(c->pck_crl);
    x509_chain_free(&c->pck_crl_chain);
    x509_chain_free(&c->tcb_chain);
    x509_chain_free(&c->qe_chain);
    X509_free(c->root);
    arena_free(&c->arena);
    free(c);
}

void dcap_collateral_release(struct dcap_collateral *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        collateral_free(c);
}

static int verify_signed_json(const struct x509_chain *chain, const char *text, size_t len,
                              const uint8_t *sig, size_t sig_len, const char *doc,
                              struct as_error *err)
{
    char cn[128];
    x509_subject_cn(chain->certs[0], cn, sizeof cn);
    if (strcmp(cn, "Intel SGX TCB Signing") != 0)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "%s issuer chain: leaf is '%s', not 'Intel SGX TCB Signing'", doc, cn);
    if (!x509_ecdsa_verify_raw(X509_get0_pubkey(chain->certs[0]), EVP_sha256(),
                               (const uint8_t *)text, len, sig, sig_len))
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "%s signature does not verify with the TCB signing key "
                      "(STATUS_SGX_%s_INVALID_SIGNATURE)",
                      doc, strcmp(doc, "TCB info") == 0 ? "TCB_INFO" : "ENCLAVE_IDENTITY");
    return 0;
}

static int load_chain(const char *pem, size_t len, struct x509_chain *out, X509 *root,
                      X509_CRL *root_crl, const char *what, struct as_error *err)
{
    if (x509_chain_parse_pem(pem, len, out, err) < 0)
        return as_err_prefix(err, "collateral %s", what);
    X509_CRL *crls[1] = {root_crl};
    struct x509_verify_opts o = {.root = root, .crls = crls, .ncrls = 1,
                                 .time_check = X509_TIME_IGNORE};
    if (x509_chain_verify(out, &o, err) < 0)
        return as_err_prefix(err, "collateral %s", what);
    return 0;
}

static void widen(struct dcap_collateral *c, time_t issue, time_t expiry)
{
    if (issue >= 0 && (c->earliest_issue == 0 || issue < c->earliest_issue))
        c->earliest_issue = issue;
    if (issue > c->latest_issue)
        c->latest_issue = issue;
    if (expiry >= 0 && (c->earliest_expiration == 0 || expiry < c->earliest_expiration))
        c->earliest_expiration = expiry;
}

static void widen_chain(struct dcap_collateral *c, const struct x509_chain *ch)
{
    for (size_t i = 0; i < ch->len; i++)
        widen(c, x509_not_before(ch->certs[i]), x509_not_after(ch->certs[i]));
}

static void collateral_dates(struct dcap_collateral *c)
{
    widen(c, x509_crl_this_update(c->root_crl), x509_crl_next_update(c->root_crl));
    widen(c, x509_crl_this_update(c->pck_crl), x509_crl_next_update(c->pck_crl));
    widen(c, c->tcb.issue_date, c->tcb.next_update);
    widen(c, c->qe.issue_date, c->qe.next_update);
    widen_chain(c, &c->pck_crl_chain);
    widen_chain(c, &c->tcb_chain);
    widen_chain(c, &c->qe_chain);
}

static int load_crls(const struct dcap_collateral_raw *raw, struct dcap_collateral *c,
                     struct as_error *err)
{
    c->root_crl = x509_crl_parse(raw->root_ca_crl, raw->root_ca_crl_len, err);
    if (!c->root_crl)
        return as_err_prefix(err, "collateral root CA CRL");
    if (x509_crl_signed_by(c->root_crl, c->root, err) < 0)
        return as_err_prefix(err, "collateral root CA CRL");
    c->pck_crl = x509_crl_parse(raw->pck_crl, raw->pck_crl_len, err);
    if (!c->pck_crl)
        return as_err_prefix(err, "collateral PCK CRL");
    TRY(load_chain(raw->pck_crl_issuer_chain, raw->pck_crl_issuer_chain_len, &c->pck_crl_chain,
                   c->root, c->root_crl, "PCK CRL issuer chain", err));
    if (x509_crl_signed_by(c->pck_crl, c->pck_crl_chain.certs[0], err) < 0)
        return as_err_prefix(err, "collateral PCK CRL");
    c->pck_crl_num = x509_crl_number(c->pck_crl);
    c->root_crl_num = x509_crl_number(c->root_crl);
    return 0;
}

static int collateral_build(const struct dcap_collateral_raw *raw, struct dcap_collateral *c,
                            struct as_error *err)
{
    TRY(load_crls(raw, c, err));
    TRY(load_chain(raw->tcb_info_issuer_chain, raw->tcb_info_issuer_chain_len, &c->tcb_chain,
                   c->root, c->root_crl, "TCB info issuer chain", err));
    TRY(verify_signed_json(&c->tcb_chain, raw->tcb_info, raw->tcb_info_len, raw->tcb_info_sig,
                           raw->tcb_info_sig_len, "TCB info", err));
    TRY(dcap_tcb_info_parse(&c->arena, raw->tcb_info, raw->tcb_info_len, &c->tcb, err));
    TRY(load_chain(raw->qe_identity_issuer_chain, raw->qe_identity_issuer_chain_len,
                   &c->qe_chain, c->root, c->root_crl, "QE identity issuer chain", err));
    TRY(verify_signed_json(&c->qe_chain, raw->qe_identity, raw->qe_identity_len,
                           raw->qe_identity_sig, raw->qe_identity_sig_len, "QE identity", err));
    TRY(dcap_qe_identity_parse(&c->arena, raw->qe_identity, raw->qe_identity_len, &c->qe, err));
    collateral_dates(c);
    return 0;
}

/* ---- cache ---- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dcap_collateral *cache_slots[COLL_CACHE_SLOTS];
static size_t cache_next;

static void hash_piece(EVP_MD_CTX *md, const void *p, size_t n)
{
    uint64_t len = n;
    EVP_DigestUpdate(md, &len, sizeof len);
    if (n)
        EVP_DigestUpdate(md, p, n);
}

static void collateral_key(const struct dcap_collateral_raw *raw, X509 *root, uint8_t key[32])
{
    uint8_t rd[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    X509_digest(root, EVP_sha256(), rd, &mdlen);
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    hash_piece(md, rd, sizeof rd);
    hash_piece(md, raw->pck_crl_issuer_chain, raw->pck_crl_issuer_chain_len);
    hash_piece(md, raw->root_ca_crl, raw->root_ca_crl_len);
    hash_piece(md, raw->pck_crl, raw->pck_crl_len);
    hash_piece(md, raw->tcb_info_issuer_chain, raw->tcb_info_issuer_chain_len);
    hash_piece(md, raw->tcb_info, raw->tcb_info_len);
    hash_piece(md, raw->tcb_info_sig, raw->tcb_info_sig_len);
    hash_piece(md, raw->qe_identity_issuer_chain, raw->qe_identity_issuer_chain_len);
    hash_piece(md, raw->qe_identity, raw->qe_identity_len);
    hash_piece(md, raw->qe_identity_sig, raw->qe_identity_sig_len);
    EVP_DigestFinal_ex(md, key, &mdlen);
    EVP_MD_CTX_free(md);
}

static struct dcap_collateral *cache_find(const uint8_t key[32])
{
    struct dcap_collateral *hit = NULL;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < COLL_CACHE_SLOTS && !hit; i++)
        if (cache_slots[i] && memcmp(cache_slots[i]->key, key, 32) == 0) {
            hit = cache_slots[i];
            atomic_fetch_add(&hit->refs, 1);
        }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void cache_insert(struct dcap_collateral *c)
{
    struct dcap_collateral *old;
    atomic_fetch_add(&c->refs, 1); /* the cache's reference */
    pthread_mutex_lock(&cache_lock);
    old = cache_slots[cache_next];
    cache_slots[cache_next] = c;
    cache_next = (cache_next + 1) % COLL_CACHE_SLOTS;
    pthread_mutex_unlock(&cache_lock);
    dcap_collateral_release(old);
}

int dcap_collateral_load(const struct dcap_collateral_raw *raw, X509 *root,
                         struct dcap_collateral **out, struct as_error *err)
{
    uint8_t key[32];
    if (!root)
        root = dcap_intel_root();
    if (!root)
        return as_err(err, 500, ERR_INTERNAL, "the embedded Intel SGX Root CA does not parse");
    collateral_key(raw, root, key);
    if ((*out = cache_find(key)) != NULL)
        return 0;
    struct dcap_collateral *c = calloc(1, sizeof *c);
    if (!c)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    atomic_init(&c->refs, 1);
    memcpy(c->key, key, 32);
    c->root = root;
    X509_up_ref(root);
    arena_init(&c->arena, 16384);
    uint8_t point[133];
    size_t point_len = x509_ec_point(X509_get0_pubkey(root), point, sizeof point);
    SHA384(point, point_len, c->root_key_id);
    if (collateral_build(raw, c, err) < 0) {
        collateral_free(c);
        return -1;
    }
    cache_insert(c);
    *out = c;
    return 0;
}
