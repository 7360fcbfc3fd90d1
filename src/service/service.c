/* service.c - the service object and the operations behind the HTTP
 * routes (service.h): construction (work_dir, built-in policies, RVPS,
 * token broker), POST /attestation, /challenge, the policy endpoints and
 * JWKS.  The 2024 pipeline is pipeline.c, the 2026 (EAR) one ear.c;
 * request decoding is request.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "service/service_internal.h"

#define DEFAULT_RVPS_DIR "/opt/confidential-containers/attestation-service/reference_values"
#define DEFAULT_RVPS_JSON "/opt/confidential-containers/attestation-service/reference_values.json"
#define DEFAULT_V26_FS_DIR "/opt/confidential-containers/storage/local_fs"
#define DEFAULT_V26_JSON_DIR "/opt/confidential-containers/storage/local_json"

/* V26 parses policies as Rego v1 (policy.md §1.2) unless the config forces
 * a version; V24 keeps the configured rule (v0 unless rego.v1 ...). */
static enum rego_version policy_version(const struct service *s)
{
    enum rego_version v = s->cfg->policy_engine_version;
    return s->ear && v == REGO_AUTO ? REGO_V1 : v;
}

static int open_store(struct service *s, struct kv_store *kv, struct as_error *err)
{
    if (s->ear)
        TRY(policy_store_open_builtins(kv, policy_version(s), POLICY_EAR_BUILTINS,
                                       POLICY_EAR_BUILTINS_N, &s->policies, err));
    else
        TRY(policy_store_open(kv, policy_version(s), &s->policies, err));
    struct policy_eval_settings eval = {.allow_network = s->cfg->allow_network_builtins,
                                        .opa_compat = s->cfg->policy_opa_compat};
    policy_store_set_eval_settings(s->policies, &eval);
    return 0;
}

static int open_policies(struct service *s, struct as_error *err)
{
    if (!s->work_dir)
        return open_store(s, NULL, err);
    char *opa = malloc(strlen(s->work_dir) + 5);
    if (!opa)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    sprintf(opa, "%s/opa", s->work_dir);
    struct kv_store *kv = NULL;
    int rc = store_mkdir_p(opa, err);
    if (rc == 0)
        rc = kv_dir_open(opa, ".rego", POLICY_MAX_BYTES, &kv, err);
    free(opa);
    TRY(rc);
    return open_store(s, kv, err);
}

/* 2026 layout: the reference values live in the storage backend's
 * `reference_value` namespace (config.md §3.2), here a directory (LocalFs)
 * or a JSON file (LocalJson) in our own record layouts. */
static const char *v26_rvps_path(struct service *s, struct arena *a)
{
    const struct as_config *c = s->cfg;
    bool fs = c->rvps_store == STORE_LOCAL_FS;
    const struct value *be = value_object_get_str(
        value_object_get_str(c->storage_backend, "backends"), fs ? "local_fs" : "local_json");
    const struct value *dir = value_object_get_str(be, fs ? "dir_path" : "file_dir_path");
    const char *base = v_is(dir, V_STRING) ? dir->u.str.s
                       : fs                ? DEFAULT_V26_FS_DIR
                                           : DEFAULT_V26_JSON_DIR;
    return arena_sprintf(a, fs ? "%s/reference_value" : "%s/reference_value.json", base);
}

static int open_rvps_other(struct service *s, struct as_error *err);

static int open_rvps(struct service *s, struct as_error *err)
{
    const struct as_config *c = s->cfg;
    if (c->rvps == RVPS_GRPC_REMOTE)
        return as_err(err, 501, ERR_CONFIG,
                      "rvps_config: type GrpcRemote is not supported by this build yet; use "
                      "BuiltIn");
    struct arena a;
    arena_init(&a, 512);
    const char *path = c->rvps_store_path;
    if (!path && c->layout_v26 &&
        (c->rvps_store == STORE_LOCAL_FS || c->rvps_store == STORE_LOCAL_JSON))
        path = v26_rvps_path(s, &a);
    int rc;
    switch (c->rvps_store) {
    case STORE_LOCAL_FS:
        rc = rvps_open_dir(path ? path : DEFAULT_RVPS_DIR, &s->rvps, err);
        break;
    case STORE_LOCAL_JSON:
        rc = rvps_open_json_file(path ? path : DEFAULT_RVPS_JSON, &s->rvps, err);
        break;
    default:
        rc = open_rvps_other(s, err);
        break;
    }
    arena_free(&a);
    return rc;
}

static int open_rvps_other(struct service *s, struct as_error *err)
{
    switch (s->cfg->rvps_store) {
    case STORE_MEMORY:
        return rvps_open_memory(&s->rvps, err);
    case STORE_POSTGRES:
    default:
        return as_err(err, 501, ERR_CONFIG,
                      "rvps_config: this storage type is not supported by this build yet");
    }
}

static int service_create(const struct as_config *cfg, bool eager_broker, struct service **out,
                          struct as_error *err)
{
    struct service *s = calloc(1, sizeof(*s));
    if (!s)
        return as_err(err, 500, ERR_INTERNAL, "out of memory creating the service");
    pthread_mutex_init(&s->broker_lock, NULL);
    s->cfg = cfg;
    s->ear = cfg->token_broker == TOKEN_EAR;
    s->issuer = cfg->token_issuer ? cfg->token_issuer : "CoCo-Attestation-Service";
    s->duration_min = cfg->token_duration_min;
    if (cfg->work_dir && !(s->work_dir = strdup(cfg->work_dir))) {
        free(s);
        return as_err(err, 500, ERR_INTERNAL, "out of memory creating the service");
    }
    if ((s->ear && ear_register_builtins(err) < 0) ||
        (s->work_dir && store_mkdir_p(s->work_dir, err) < 0) || open_policies(s, err) < 0 ||
        open_rvps(s, err) < 0 || (eager_broker && token_broker_new(cfg, &s->broker, err) < 0)) {
        service_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int service_new(const struct as_config *cfg, struct service **out, struct as_error *err)
{
    return service_create(cfg, true, out, err);
}

int service_new_offline(const struct as_config *cfg, struct service **out, struct as_error *err)
{
    return service_create(cfg, false, out, err);
}

int service_broker(struct service *s, struct token_broker **out, struct as_error *err)
{
    pthread_mutex_lock(&s->broker_lock);
    int rc = s->broker ? 0 : token_broker_new(s->cfg, &s->broker, err);
    *out = s->broker;
    pthread_mutex_unlock(&s->broker_lock);
    return rc;
}

void service_free(struct service *s)
{
    if (!s)
        return;
    policy_store_free(s->policies);
    rvps_free(s->rvps);
    token_broker_free(s->broker);
    pthread_mutex_destroy(&s->broker_lock);
    free(s->work_dir);
    free(s);
}

/* ---- POST /attestation ---- */

/* 2026 mode: one EAR token for the whole batch.  Every element is appraised
 * in the V26 claim model, also a body in the 2024 single form (which keeps
 * its 2024 canonicalisation of structured data). */
static int attestation_ear(struct service *s, struct service_request *req, struct arena *a,
                           char **token, struct as_error *err)
{
    for (size_t i = 0; i < req->n_items; i++)
        req->items[i].v26 = true;
    struct attest_options opts = {.policies = req->policies, .n_policies = req->n_policies};
    struct ear_result res;
    TRY(service_evaluate_ear(s, req->items, req->n_items, &opts, a, &res, err));
    *token = res.token;
    return 0;
}

int service_attestation(struct service *s, const struct value *body, struct arena *a,
                        char **token, struct as_error *err)
{
    struct service_request req;
    TRY(request_parse(body, a, &req, err));
    if (s->ear)
        return attestation_ear(s, &req, a, token, err);
    if (req.n_items != 1)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "verification_requests: the Simple token covers exactly one evidence "
                      "(got %zu); send one request per evidence or configure the EAR broker",
                      req.n_items);
    struct attest_options opts = {.policies = req.policies, .n_policies = req.n_policies};
    struct attest_result res;
    TRY(service_evaluate(s, &req.items[0], &opts, a, &res, err));
    return service_sign(s, res.token_claims, a, token, err);
}

/* ---- POST /challenge ---- */

static int challenge_members(const struct value *body, struct as_error *err)
{
    if (!v_is(body, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_REQUEST, "the request body must be a JSON object");
    for (size_t i = 0; i < body->u.obj.len; i++) {
        const struct value_pair *p = &body->u.obj.pairs[i];
        if (!v_is(p->val, V_STRING))
            return as_err(err, 400, ERR_INVALID_REQUEST,
                          "field `%s` must be a string, not %s (all /challenge members are "
                          "strings)",
                          v_is(p->key, V_STRING) ? p->key->u.str.s : "?",
                          value_type_name((enum value_type)p->val->type));
    }
    return 0;
}

int service_challenge(struct service *s, const struct value *body, struct arena *a, char **out,
                      struct as_error *err)
{
    TRY(challenge_members(body, err));
    const struct value *tee, *params;
    TRY(request_member(body, "", "tee", V_STRING, true, &tee, err));
    TRY(request_member(body, "", "tee_params", V_STRING, true, &params, err));
    const struct verifier *v = verifier_for_name(tee->u.str.s);
    if (!v || strlen(tee->u.str.s) != tee->u.str.len)
        return as_err(err, 400, ERR_UNSUPPORTED_TEE, "tee is not supported");
    if (!v->challenge) {
        if (v->kind == TEE_SE)
            return as_err(err, 501, ERR_NOT_IMPLEMENTED,
                          "tee `se`: the IBM SE challenge is not built into this restful-as yet");
        *out = arena_strdup(a, "");
        return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    struct verify_ctx ctx = {.arena = a, .now = time(NULL), .work_dir = s->work_dir,
                             .config = s->cfg->verifier_config};
    return v->challenge(&ctx, params->u.str.s, out, err);
}

/* ---- policies ---- */

static int need_store(struct service *s, struct as_error *err)
{
    if (!s->policies)
        return as_err(err, 500, ERR_INTERNAL, "this service has no policy store");
    return 0;
}

int service_set_policy(struct service *s, const struct value *body, struct as_error *err)
{
    TRY(need_store(s, err));
    if (!v_is(body, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_REQUEST, "the request body must be a JSON object");
    const struct value *id, *policy;
    TRY(request_member(body, "", "policy_id", V_STRING, true, &id, err));
    TRY(request_member(body, "", "policy", V_STRING, true, &policy, err));
    struct arena a;
    arena_init(&a, 4096);
    uint8_t *text;
    size_t len;
    const char *why = NULL;
    int rc = b64_decode(&a, policy->u.str.s, policy->u.str.len, B64_URL_NOPAD, &text, &len, &why);
    if (rc < 0)
        as_err(err, 400, ERR_INVALID_BASE64,
               "`policy` is not valid base64url without padding (alphabet A-Z a-z 0-9 - _, no "
               "'='): %s",
               why ? why : "decode failed");
    else if (strlen(id->u.str.s) != id->u.str.len)
        rc = policy_id_check(id->u.str.s, id->u.str.len, err);
    else
        rc = policy_store_set(s->policies, id->u.str.s, (const char *)text, len, err);
    arena_free(&a);
    return rc;
}

int service_list_policies(struct service *s, struct arena *a, struct value **out,
                          struct as_error *err)
{
    TRY(need_store(s, err));
    if (s->ear) /* api.md §7.2: V26 lists ids only */
        return policy_store_list_ids(s->policies, a, out, err);
    return policy_store_list(s->policies, a, out, err);
}

int service_get_policy(struct service *s, const char *id, struct arena *a, char **text,
                       size_t *len, struct as_error *err)
{
    TRY(need_store(s, err));
    return policy_store_get(s->policies, id, a, text, len, err);
}

int service_delete_policy(struct service *s, const char *id, struct as_error *err)
{
    TRY(need_store(s, err));
    return policy_store_delete(s->policies, id, err);
}

/* ---- JWKS ---- */

int service_jwks(struct service *s, struct arena *a, struct value **out, struct as_error *err)
{
    struct token_broker *b;
    TRY(service_broker(s, &b, err));
    return token_jwks(b, a, out, err);
}
