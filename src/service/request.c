/* request.c - decoding POST /attestation bodies into attest_input items
 * (api.md §4 V24 single form, §5 V26 batch form; binding.md §1).
 *
 * Order of checks per item (which error wins): the JSON shape of every
 * member (missing_field / invalid_request), evidence base64url, the TEE,
 * runtime data then init data base64url, the hash algorithms, the binding
 * digests, the evidence JSON; then the policy ids.  Both forms accept all
 * init data shapes (raw, structured, init_data_digest, init_data_toml). */
#include <string.h>

#include "base/codec.h"
#include "service/service_internal.h"

static const char *TYPE_ARTICLE[] = {
    [V_NULL] = "null", [V_BOOL] = "a boolean", [V_NUMBER] = "a number",
    [V_STRING] = "a string", [V_ARRAY] = "an array", [V_OBJECT] = "an object", [V_SET] = "a set",
};

int request_member(const struct value *obj, const char *path, const char *key,
                   enum value_type type, bool required, const struct value **out,
                   struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, key);
    *out = NULL;
    if (!v || (v_is(v, V_NULL) && !required)) {
        if (required)
            return as_err(err, 400, ERR_MISSING_FIELD, "missing field `%s%s`", path, key);
        return 0;
    }
    if (v->type != type)
        return as_err(err, 400, ERR_INVALID_REQUEST, "field `%s%s` must be %s, not %s", path, key,
                      TYPE_ARTICLE[type], value_type_name((enum value_type)v->type));
    *out = v;
    return 0;
}

/* The raw members of one item, shape-checked. */
struct item_fields {
    const struct value *tee, *evidence, *runtime, *init, *rd_alg, *id_alg;
    const char *runtime_kind, *init_kind; /* member name inside the Data object */
    const struct value *runtime_val, *init_val;
};

/* Data := {"raw": s} | {"structured": any} | (init) {"init_data_digest": s}
 * | {"init_data_toml": s}: exactly one member. */
static int data_shape(const struct value *d, const char *path, const char *key, bool init,
                      const char **kind, const struct value **val, struct as_error *err)
{
    *kind = NULL;
    if (!d)
        return 0;
    const char *names[] = {"raw", "structured", "init_data_digest", "init_data_toml"};
    size_t allowed = init ? 4 : 2;
    if (d->u.obj.len == 1) {
        const struct value *k = d->u.obj.pairs[0].key;
        for (size_t i = 0; i < allowed; i++) {
            if (v_is(k, V_STRING) && strcmp(k->u.str.s, names[i]) == 0 &&
                strlen(names[i]) == k->u.str.len) {
                *kind = names[i];
                *val = d->u.obj.pairs[0].val;
            }
        }
    }
    if (!*kind)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "field `%s%s` must be an object with exactly one member: %s", path, key,
                      init ? "\"raw\", \"structured\", \"init_data_digest\" or \"init_data_toml\""
                           : "\"raw\" or \"structured\"");
    if (strcmp(*kind, "structured") != 0 && !v_is(*val, V_STRING))
        return as_err(err, 400, ERR_INVALID_REQUEST, "field `%s%s.%s` must be a string, not %s",
                      path, key, *kind, value_type_name((enum value_type)(*val)->type));
    return 0;
}

static int item_shape(const struct value *item, const char *path, struct item_fields *f,
                      struct as_error *err)
{
    if (!v_is(item, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_REQUEST, "`%s` must be an object", path);
    memset(f, 0, sizeof(*f));
    TRY(request_member(item, path, "tee", V_STRING, true, &f->tee, err));
    TRY(request_member(item, path, "evidence", V_STRING, true, &f->evidence, err));
    TRY(request_member(item, path, "runtime_data", V_OBJECT, false, &f->runtime, err));
    TRY(request_member(item, path, "init_data", V_OBJECT, false, &f->init, err));
    TRY(request_member(item, path, "runtime_data_hash_algorithm", V_STRING, false, &f->rd_alg,
                       err));
    TRY(request_member(item, path, "init_data_hash_algorithm", V_STRING, false, &f->id_alg, err));
    TRY(data_shape(f->runtime, path, "runtime_data", false, &f->runtime_kind, &f->runtime_val,
                   err));
    TRY(data_shape(f->init, path, "init_data", true, &f->init_kind, &f->init_val, err));
    return 0;
}

static int b64url_field(struct arena *a, const struct value *s, const char *path, const char *name,
                        uint8_t **out, size_t *len, struct as_error *err)
{
    const char *why = NULL;
    if (b64_decode(a, s->u.str.s, s->u.str.len, B64_URL_NOPAD, out, len, &why) < 0)
        return as_err(err, 400, ERR_INVALID_BASE64,
                      "`%s%s` is not valid base64url without padding (alphabet A-Z a-z 0-9 - _, "
                      "no '='): %s",
                      path, name, why ? why : "decode failed");
    return 0;
}

/* A client string for an error message: printable ASCII only, at most 64
 * bytes, so the detail stays one line of valid UTF-8. */
static const char *shown(struct arena *a, const struct value *s)
{
    size_t n = s->u.str.len > 64 ? 64 : s->u.str.len;
    char *o = arena_alloc(a, n + 4);
    if (!o)
        return "?";
    for (size_t i = 0; i < n; i++) {
        char c = s->u.str.s[i];
        o[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    strcpy(o + n, s->u.str.len > n ? "..." : "");
    return o;
}

static int tee_lookup(struct arena *a, const struct value *tee, const char *path, const struct verifier **out,
                      struct as_error *err)
{
    const struct verifier *v = verifier_for_name(tee->u.str.s);
    if (!v || strlen(tee->u.str.s) != tee->u.str.len)
        return as_err(err, 400, ERR_UNSUPPORTED_TEE, "`%stee`: tee `%s` is not supported", path,
                      shown(a, tee));
    if (!v->verify) {
        if (v->kind == TEE_SEV)
            return as_err(err, 501, ERR_NOT_IMPLEMENTED,
                          "tee `sev`: the SEV (pre-SNP) verifier does not exist (the original "
                          "left it unimplemented); use `snp`");
        return as_err(err, 501, ERR_NOT_IMPLEMENTED,
                      "tee `%s`: this verifier is not built into this restful-as yet", v->name);
    }
    *out = v;
    return 0;
}

static int hash_alg(struct arena *a, const struct value *name, const char *path, const char *key,
                    enum hash_alg *alg, struct as_error *err)
{
    *alg = HASH_SHA384;
    if (!name)
        return 0;
    if (strlen(name->u.str.s) != name->u.str.len || hash_alg_from_name(name->u.str.s, alg) < 0)
        return as_err(err, 400, ERR_UNSUPPORTED_HASH,
                      "`%s%s`: unsupported hash algorithm `%s` (sha256, sha384, sha512, sm3)",
                      path, key, shown(a, name));
    return 0;
}

/* H(canon(v)): V24 serde_json BTreeMap order, V26 RFC 8785. */
static int structured_digest(struct arena *a, const struct value *v, enum hash_alg alg, bool v26,
                             struct binding *b, struct as_error *err)
{
    struct buf text = BUF_INIT;
    json_print(&text, v, v26 ? JSON_JCS : JSON_CANON_V24);
    uint8_t *d = arena_alloc(a, HASH_MAX_LEN);
    int rc = 0;
    if (buf_failed(&text) || !d)
        rc = as_err(err, 500, ERR_INTERNAL, "out of memory canonicalising structured data");
    else if (hash_digest(alg, text.data ? text.data : "", text.len, d) < 0)
        rc = as_err(err, 400, ERR_UNSUPPORTED_HASH, "hash algorithm %s is not available",
                    hash_alg_name(alg));
    buf_free(&text);
    TRY(rc);
    *b = (struct binding){true, d, hash_len(alg)};
    return 0;
}

static bool is_raw_kind(const char *kind)
{
    return kind && (strcmp(kind, "raw") == 0 || strcmp(kind, "init_data_digest") == 0);
}

/* Runtime or init data -> expected bytes and claims.  Raw kinds are decoded
 * in the first phase (before the hash algorithms are read, api.md §4.2),
 * the others in the second. */
static int data_binding(struct arena *a, const char *path, const char *key, const char *kind,
                        const struct value *val, enum hash_alg alg, bool v26, struct binding *b,
                        const struct value **claims, bool raw_phase, struct as_error *err)
{
    if (!kind || is_raw_kind(kind) != raw_phase)
        return 0;
    if (strcmp(kind, "structured") == 0) {
        *claims = val;
        return structured_digest(a, val, alg, v26, b, err);
    }
    if (strcmp(kind, "init_data_toml") == 0) {
        uint8_t *d;
        size_t n;
        struct value *c;
        TRY(initdata_toml(a, val->u.str.s, val->u.str.len, &d, &n, &c, err));
        *b = (struct binding){true, d, n};
        *claims = c;
        return 0;
    }
    /* raw / init_data_digest: the decoded bytes, never hashed */
    uint8_t *bytes;
    size_t n;
    char *name = arena_sprintf(a, "%s.%s", key, kind);
    TRY(b64url_field(a, val, path, name ? name : key, &bytes, &n, err));
    *b = (struct binding){true, bytes, n};
    return 0;
}

static int parse_evidence(struct arena *a, const uint8_t *bytes, size_t len, const char *path,
                          const struct value **out, struct as_error *err)
{
    struct value *v;
    struct as_error perr;
    if (json_parse(a, (const char *)bytes, len, NULL, &v, &perr) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "`%sevidence` does not decode to JSON: %s",
                      path, perr.detail);
    *out = v;
    return 0;
}

static int parse_item(struct arena *a, const struct value *item, const char *path, bool v26,
                      struct attest_input *in, struct as_error *err)
{
    struct item_fields f;
    TRY(item_shape(item, path, &f, err));
    uint8_t *ev;
    size_t ev_len;
    TRY(b64url_field(a, f.evidence, path, "evidence", &ev, &ev_len, err));
    TRY(tee_lookup(a, f.tee, path, &in->verifier, err));
    enum hash_alg rd_alg = HASH_SHA384, id_alg = HASH_SHA384;
    for (int raw_phase = 1; raw_phase >= 0; raw_phase--) {
        if (!raw_phase) {
            TRY(hash_alg(a, f.rd_alg, path, "runtime_data_hash_algorithm", &rd_alg, err));
            TRY(hash_alg(a, f.id_alg, path, "init_data_hash_algorithm", &id_alg, err));
        }
        TRY(data_binding(a, path, "runtime_data", f.runtime_kind, f.runtime_val, rd_alg, v26,
                         &in->report_data, &in->runtime_claims, raw_phase, err));
        TRY(data_binding(a, path, "init_data", f.init_kind, f.init_val, id_alg, v26,
                         &in->init_data, &in->init_claims, raw_phase, err));
    }
    TRY(parse_evidence(a, ev, ev_len, path, &in->evidence, err));
    in->v26 = v26;
    return 0;
}

static int parse_policy_ids(struct arena *a, const struct value *ids, struct service_request *r,
                            struct as_error *err)
{
    size_t n = ids->u.arr.len;
    r->policies = arena_zalloc(a, (n ? n : 1) * sizeof(*r->policies));
    if (!r->policies)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct value *id = ids->u.arr.items[i];
        if (!v_is(id, V_STRING))
            return as_err(err, 400, ERR_INVALID_REQUEST,
                          "field `policy_ids[%zu]` must be a string, not %s", i,
                          value_type_name((enum value_type)id->type));
        TRY(policy_id_check(id->u.str.s, id->u.str.len, err));
        r->policies[i].id = id->u.str.s;
    }
    r->n_policies = n;
    if (n == 0) {
        r->policies[0].id = POLICY_DEFAULT_ID;
        r->n_policies = 1;
    }
    return 0;
}

static int parse_batch(struct arena *a, const struct value *list, struct service_request *r,
                       struct as_error *err)
{
    size_t n = list->u.arr.len;
    if (n == 0)
        return as_err(err, 400, ERR_EMPTY_REQUESTS,
                      "`verification_requests` is empty: no verification requests provided");
    r->items = arena_zalloc(a, n * sizeof(*r->items));
    if (!r->items)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char *path = arena_sprintf(a, "verification_requests[%zu].", i);
        TRY(parse_item(a, list->u.arr.items[i], path ? path : "", true, &r->items[i], err));
    }
    r->n_items = n;
    r->batch = true;
    return 0;
}

int request_parse(const struct value *body, struct arena *a, struct service_request *out,
                  struct as_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!v_is(body, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_REQUEST, "the request body must be a JSON object");
    const struct value *ids, *batch = value_object_get_str(body, "verification_requests");
    if (batch) {
        TRY(request_member(body, "", "verification_requests", V_ARRAY, true, &batch, err));
        TRY(request_member(body, "", "policy_ids", V_ARRAY, true, &ids, err));
        TRY(parse_batch(a, batch, out, err));
    } else {
        TRY(request_member(body, "", "policy_ids", V_ARRAY, true, &ids, err));
        out->items = arena_zalloc(a, sizeof(*out->items));
        if (!out->items)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
        TRY(parse_item(a, body, "", false, out->items, err));
        out->n_items = 1;
    }
    return parse_policy_ids(a, ids, out, err);
}
