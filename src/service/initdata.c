/* initdata.c - V26 init_data_toml (binding.md §1.4): parse the initdata
 * document, hash the whole original text with its own `algorithm`, and
 * turn its `data` table into claims (cdh.toml / aa.toml rendered as JSON
 * when they parse as TOML; policy.rego's trailing `policy_data := {...}`
 * JSON moved to agent_policy_claims). */
#include <string.h>

#include "service/service_internal.h"
#include "service/toml.h"

static int initdata_error(struct as_error *err, const char *msg)
{
    return as_err(err, 400, ERR_INVALID_INITDATA, "init_data_toml: %s", msg);
}

/* serde names of kbs-types HashAlgorithm: exact lower case. */
static int initdata_alg(const struct value *v, enum hash_alg *alg, struct as_error *err)
{
    static const struct {
        const char *name;
        enum hash_alg alg;
    } NAMES[] = {{"sha256", HASH_SHA256}, {"sha384", HASH_SHA384}, {"sha512", HASH_SHA512},
                 {"sm3", HASH_SM3}};
    if (!v_is(v, V_STRING))
        return initdata_error(err, "`algorithm` must be a string");
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
        if (v->u.str.len == strlen(NAMES[i].name) && strcmp(v->u.str.s, NAMES[i].name) == 0) {
            *alg = NAMES[i].alg;
            return 0;
        }
    }
    return as_err(err, 400, ERR_INVALID_INITDATA,
                  "init_data_toml: unknown `algorithm` (expected exactly sha256, sha384, sha512 "
                  "or sm3)");
}

/* policy.rego: the JSON object from the first "policy_data := {" to the
 * end of the text; NULL when absent or not JSON. */
static struct value *policy_data(struct arena *a, const struct value *rego)
{
    static const char PATTERN[] = "policy_data := {";
    const char *s = rego->u.str.s;
    size_t n = rego->u.str.len, pl = sizeof(PATTERN) - 1;
    for (size_t i = 0; i + pl <= n; i++) {
        if (memcmp(s + i, PATTERN, pl) != 0)
            continue;
        struct value *v;
        struct as_error ignored;
        size_t start = i + pl - 1;
        if (json_parse(a, s + start, n - start, NULL, &v, &ignored) < 0)
            return NULL;
        return v;
    }
    return NULL;
}

static bool key_is(const struct value *k, const char *name)
{
    return k->u.str.len == strlen(name) && memcmp(k->u.str.s, name, k->u.str.len) == 0;
}

static int transform_claims(struct arena *a, const struct value *data, struct value **out,
                            struct as_error *err)
{
    struct pair_list l = {0};
    struct value *agent = NULL;
    for (size_t i = 0; i < data->u.obj.len; i++) {
        const struct value_pair *p = &data->u.obj.pairs[i];
        if (!v_is(p->val, V_STRING))
            return initdata_error(err, "every value of the `data` table must be a string");
        struct value *v = p->val;
        if (key_is(p->key, "cdh.toml") || key_is(p->key, "aa.toml")) {
            struct value *parsed;
            struct as_error ignored;
            if (toml_parse(a, v->u.str.s, v->u.str.len, ERR_INVALID_INITDATA, &parsed,
                           &ignored) == 0)
                v = parsed;
        } else if (key_is(p->key, "policy.rego") && (agent = policy_data(a, v)) != NULL) {
            continue;
        }
        if (pair_list_push(a, &l, p->key, v) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    if (agent && pair_list_push_str(a, &l, "agent_policy_claims", agent) < 0)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    *out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

int initdata_toml(struct arena *a, const char *text, size_t len, uint8_t **digest,
                  size_t *digest_len, struct value **claims, struct as_error *err)
{
    struct value *doc;
    if (toml_parse(a, text, len, ERR_INVALID_INITDATA, &doc, err) < 0)
        return as_err_prefix(err, "init_data_toml");
    const struct value *version = value_object_get_str(doc, "version");
    const struct value *alg_name = value_object_get_str(doc, "algorithm");
    const struct value *data = value_object_get_str(doc, "data");
    if (!version || !alg_name || !data)
        return initdata_error(err, "`version`, `algorithm` and `data` are all required");
    if (!v_is(version, V_STRING))
        return initdata_error(err, "`version` must be a string");
    if (!v_is(data, V_OBJECT))
        return initdata_error(err, "`data` must be a table of strings");
    enum hash_alg alg = HASH_SHA256;
    TRY(initdata_alg(alg_name, &alg, err));
    *digest = arena_alloc(a, HASH_MAX_LEN);
    if (!*digest)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    if (hash_digest(alg, text, len, *digest) < 0)
        return as_err(err, 400, ERR_INVALID_INITDATA, "init_data_toml: %s is not available",
                      hash_alg_name(alg));
    *digest_len = hash_len(alg);
    return transform_claims(a, data, claims, err);
}
