/* policy_store.c - the policy store: ids -> Rego texts in a kv_store (by
 * default the directory <work_dir>/opa, one <id>.rego file each, the
 * original's layout), plus the compiled-policy cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/hash.h"
#include "base/log.h"
#include "policy/policy.h"
#include "policy/text.h"

struct policy_store {
    struct kv_store *kv;
    struct policy_cache *cache;
    const struct policy_builtin *builtins; /* written when absent; not deletable */
    size_t n_builtins;
};

static const struct policy_builtin V24_BUILTIN = {POLICY_DEFAULT_ID, POLICY_DEFAULT_TEXT, 0};

/* Writes every built-in whose id is absent. */
static int seed_builtins(struct policy_store *ps, struct as_error *err)
{
    struct arena a;
    arena_init(&a, 4096);
    int rc = 0;
    for (size_t i = 0; i < ps->n_builtins && rc == 0; i++) {
        const struct policy_builtin *b = &ps->builtins[i];
        char *text;
        size_t len;
        rc = kv_get(ps->kv, b->id, &a, &text, &len, err);
        if (rc == 1) {
            LOG_I("policy", "writing the built-in policy '%s'", b->id);
            rc = kv_put(ps->kv, b->id, b->text, b->len ? b->len : strlen(b->text), err);
        }
    }
    arena_free(&a);
    return rc;
}

int policy_store_open(struct kv_store *kv, enum rego_version ver, struct policy_store **out,
                      struct as_error *err)
{
    return policy_store_open_builtins(kv, ver, &V24_BUILTIN, 1, out, err);
}

int policy_store_open_builtins(struct kv_store *kv, enum rego_version ver,
                               const struct policy_builtin *builtins, size_t n,
                               struct policy_store **out, struct as_error *err)
{
    struct policy_store *ps = calloc(1, sizeof(*ps));
    if (!ps) {
        kv_free(kv);
        return as_err(err, 500, ERR_INTERNAL, "out of memory opening the policy store");
    }
    ps->kv = kv;
    ps->builtins = builtins;
    ps->n_builtins = n;
    if (policy_cache_new(ver, 64, &ps->cache, err) < 0) {
        policy_store_free(ps);
        return -1;
    }
    if (kv && seed_builtins(ps, err) < 0) { /* kv NULL: compile-only (as-tool) */
        policy_store_free(ps);
        return -1;
    }
    *out = ps;
    return 0;
}

void policy_store_free(struct policy_store *ps)
{
    if (!ps)
        return;
    policy_cache_free(ps->cache);
    kv_free(ps->kv);
    free(ps);
}

void policy_store_set_eval_settings(struct policy_store *ps, const struct policy_eval_settings *s)
{
    policy_cache_set_eval_settings(ps->cache, s);
}

static int check_utf8(const char *text, size_t len, struct as_error *err)
{
    size_t bad = 0;
    if (!text_utf8_valid(text, len, &bad))
        return as_err(err, 400, ERR_INVALID_POLICY,
                      "policy is not valid UTF-8 (invalid byte at offset %zu)", bad);
    return 0;
}

static int no_storage(struct as_error *err)
{
    return as_err(err, 500, ERR_INTERNAL, "this policy store has no storage");
}

int policy_store_set(struct policy_store *ps, const char *id, const char *text, size_t len,
                     struct as_error *err)
{
    if (!ps->kv)
        return no_storage(err);
    TRY(check_utf8(text, len, err));
    TRY(policy_id_check(id, strlen(id), err));
    if (len > POLICY_MAX_BYTES)
        return as_err(err, 400, ERR_INVALID_POLICY, "policy is larger than %u bytes",
                      POLICY_MAX_BYTES);
    char filename[POLICY_ID_MAX + 8];
    snprintf(filename, sizeof(filename), "%s.rego", id);
    struct policy_compiled *p;
    TRY(policy_cache_get(ps->cache, filename, text, len, &p, err));
    policy_compiled_release(p);
    TRY(kv_put(ps->kv, id, text, len, err));
    LOG_I("policy", "policy '%s' set (%zu bytes)", id, len);
    return 0;
}

static int not_found(const char *id, struct as_error *err)
{
    return as_err(err, 404, ERR_POLICY_NOT_FOUND, "policy '%s' not found", id);
}

int policy_store_get(struct policy_store *ps, const char *id, struct arena *a, char **text,
                     size_t *len, struct as_error *err)
{
    TRY(policy_id_check(id, strlen(id), err));
    if (!ps->kv)
        return not_found(id, err);
    int rc = kv_get(ps->kv, id, a, text, len, err);
    if (rc == 1)
        return not_found(id, err);
    return rc;
}

int policy_store_delete(struct policy_store *ps, const char *id, struct as_error *err)
{
    TRY(policy_id_check(id, strlen(id), err));
    for (size_t i = 0; i < ps->n_builtins; i++) {
        if (strcmp(id, ps->builtins[i].id) == 0)
            return as_err(err, 403, POLICY_ERR_FORBIDDEN,
                          "the policy '%s' cannot be deleted (requests without policy_ids use "
                          "it); replace it with POST /policy instead",
                          id);
    }
    if (!ps->kv)
        return not_found(id, err);
    int rc = kv_del(ps->kv, id, err);
    if (rc == 1)
        return not_found(id, err);
    if (rc == 0)
        LOG_I("policy", "policy '%s' deleted", id);
    return rc;
}

static struct value *list_entry(struct arena *a, const char *id, const char *text, size_t len)
{
    uint8_t sha[48];
    if (hash_digest(HASH_SHA384, text, len, sha) < 0)
        return NULL;
    char *b64 = b64_encode_arena(a, sha, sizeof(sha), B64_URL_NOPAD);
    struct pair_list l = {0};
    if (!b64 || pair_list_push_str(a, &l, "policy-hash", v_cstr(a, b64)) < 0 ||
        pair_list_push_str(a, &l, "policy-id", v_cstr(a, id)) < 0)
        return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

int policy_store_list(struct policy_store *ps, struct arena *a, struct value **out,
                      struct as_error *err)
{
    char **ids = NULL;
    size_t n = 0;
    if (ps->kv)
        TRY(kv_list(ps->kv, a, &ids, &n, err));
    struct value_list items = {0};
    for (size_t i = 0; i < n; i++) {
        char *text;
        size_t len;
        int rc = kv_get(ps->kv, ids[i], a, &text, &len, err);
        if (rc == 1)
            continue; /* deleted while listing */
        TRY(rc);
        struct value *e = list_entry(a, ids[i], text, len);
        if (!e || value_list_push(a, &items, e) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory listing policies");
    }
    *out = v_array(a, items.items, items.len);
    if (!*out)
        return as_err(err, 500, ERR_INTERNAL, "out of memory listing policies");
    return 0;
}

int policy_store_list_ids(struct policy_store *ps, struct arena *a, struct value **out,
                          struct as_error *err)
{
    char **ids = NULL;
    size_t n = 0;
    if (ps->kv)
        TRY(kv_list(ps->kv, a, &ids, &n, err));
    struct value_list items = {0};
    for (size_t i = 0; i < n; i++) {
        struct pair_list l = {0};
        if (pair_list_push_str(a, &l, "policy-id", v_cstr(a, ids[i])) < 0 ||
            value_list_push(a, &items, v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL)) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory listing policies");
    }
    *out = v_array(a, items.items, items.len);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory listing policies");
}

int policy_store_load(struct policy_store *ps, const char *id, struct arena *a,
                      struct policy_compiled **out, struct as_error *err)
{
    char *text;
    size_t len;
    TRY(policy_store_get(ps, id, a, &text, &len, err));
    return policy_store_compile_text(ps, arena_sprintf(a, "%s.rego", id), text, len, out, err);
}

int policy_store_compile_text(struct policy_store *ps, const char *filename, const char *text,
                              size_t len, struct policy_compiled **out, struct as_error *err)
{
    TRY(check_utf8(text, len, err));
    return policy_cache_get(ps->cache, filename ? filename : "policy.rego", text, len, out, err);
}
