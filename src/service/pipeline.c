/* pipeline.c - service_evaluate: the request-independent pipeline shared
 * by POST /attestation and `as-tool verify`:
 *   verifier -> flatten (V24) -> RVPS lookup for every claim key ->
 *   policies in order (V24 contract) -> the Simple token's claims
 * (DESIGN.md data flow; claims.md §2; policy.md §2, §4; tokens.md §1.4). */
#include <openssl/rand.h>
#include <string.h>

#include "base/log.h"
#include "service/service_internal.h"

static int oom(struct as_error *err) { return as_err(err, 500, ERR_INTERNAL, "out of memory"); }

int pipeline_verify(struct service *s, const struct attest_input *in,
                    const struct attest_options *o, struct arena *a, time_t now,
                    struct value **claims, struct as_error *err)
{
    struct verify_ctx ctx = {
        .arena = a,
        .now = now,
        .config = s->cfg ? s->cfg->verifier_config : NULL,
        .work_dir = s->work_dir,
        .v26 = in->v26,
        .collateral = o->collateral,
        .collateral_len = o->collateral_len,
        .vcek = o->vcek,
        .vcek_len = o->vcek_len,
        .quote = o->quote,
        .quote_len = o->quote_len,
        .report = o->report,
        .report_len = o->report_len,
    };
    if (!in->verifier || !in->verifier->verify)
        return as_err(err, 501, ERR_NOT_IMPLEMENTED, "tee `%s`: verifier not built in",
                      in->verifier ? in->verifier->name : "?");
    TRY(in->verifier->verify(&ctx, in->evidence, &in->report_data, &in->init_data, claims, err));
    if (!v_is(*claims, V_OBJECT))
        return as_err(err, 500, ERR_INTERNAL, "verifier %s returned no claims object",
                      in->verifier->name);
    return 0;
}

static int lookup_references(struct service *s, const struct attest_options *o,
                             const struct value *flat, struct arena *a, time_t now,
                             struct value **reference, struct as_error *err)
{
    size_t n = flat->u.obj.len;
    const char **keys = arena_alloc(a, (n ? n : 1) * sizeof(*keys));
    if (!keys)
        return oom(err);
    for (size_t i = 0; i < n; i++)
        keys[i] = flat->u.obj.pairs[i].key->u.str.s;
    struct rvps *r = o->rvps ? o->rvps : s->rvps;
    if (!r)
        return as_err(err, 500, ERR_INTERNAL, "no reference value store");
    return rvps_lookup(r, keys, n, now, a, reference, err);
}

/* Loads (store or given text) and compiles one policy. */
static int load_policy(struct service *s, const struct attest_policy *p, struct arena *a,
                       struct policy_compiled **out, struct as_error *err)
{
    if (p->text) {
        if (!s->policies)
            return as_err(err, 500, ERR_INTERNAL, "no policy engine");
        char *name = arena_sprintf(a, "%s.rego", p->id);
        return policy_store_compile_text(s->policies, name, p->text, p->len, out, err);
    }
    TRY(policy_id_check(p->id, strlen(p->id), err));
    if (!s->policies)
        return as_err(err, 404, ERR_POLICY_NOT_FOUND, "policy '%s' not found (no policy store)",
                      p->id);
    return policy_store_load(s->policies, p->id, a, out, err);
}

static bool seen_before(const struct attest_policy *ps, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(ps[j].id, ps[i].id) == 0)
            return true;
    }
    return false;
}

static int run_policies(struct service *s, const struct attest_options *o, struct arena *a,
                        struct attest_result *out, struct as_error *err)
{
    out->policies = arena_zalloc(a, (o->n_policies ? o->n_policies : 1) * sizeof(*out->policies));
    if (!out->policies)
        return oom(err);
    for (size_t i = 0; i < o->n_policies; i++) {
        const struct attest_policy *p = &o->policies[i];
        if (seen_before(o->policies, i))
            continue;
        struct attest_policy_result *r = &out->policies[out->n_policies++];
        r->id = p->id;
        struct policy_compiled *pc;
        TRY(load_policy(s, p, a, &pc, err));
        memcpy(r->hash_hex, pc->hash_hex, sizeof(r->hash_hex));
        int rc = policy_eval_allow(pc, p->id, out->flat, out->reference, a, err);
        policy_compiled_release(pc);
        TRY(rc);
        r->allowed = true;
    }
    return 0;
}

/* 10 characters of [A-Za-z0-9], uniformly (tokens.md §1.4 jti). */
static int make_jti(char out[11], struct as_error *err)
{
    static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = 0;
    while (n < 10) {
        unsigned char r[16];
        if (RAND_bytes(r, sizeof(r)) != 1)
            return as_err(err, 500, ERR_INTERNAL, "random generator failed");
        for (size_t i = 0; i < sizeof(r) && n < 10; i++) {
            if (r[i] < 248) /* 248 = 4 * 62: no modulo bias */
                out[n++] = ALNUM[r[i] % 62];
        }
    }
    out[10] = '\0';
    return 0;
}

static struct value *nonempty_references(struct arena *a, const struct value *reference)
{
    struct pair_list l = {0};
    for (size_t i = 0; i < reference->u.obj.len; i++) {
        const struct value_pair *p = &reference->u.obj.pairs[i];
        if (v_is(p->val, V_ARRAY) && p->val->u.arr.len == 0)
            continue;
        if (pair_list_push(a, &l, p->key, p->val) < 0)
            return NULL;
    }
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

static struct value *evaluation_reports(struct arena *a, const struct attest_result *r)
{
    struct value_list l = {0};
    for (size_t i = 0; i < r->n_policies; i++) {
        struct pair_list e = {0};
        if (pair_list_push_str(a, &e, "policy-hash", v_cstr(a, r->policies[i].hash_hex)) < 0 ||
            pair_list_push_str(a, &e, "policy-id", v_cstr(a, r->policies[i].id)) < 0 ||
            value_list_push(a, &l, v_object(a, e.pairs, e.len, DUP_LAST_WINS, NULL)) < 0)
            return NULL;
    }
    return v_array(a, l.items, l.len);
}

static struct value *or_null(const struct value *v) { return v ? (struct value *)v : v_null(); }

static int token_claims(struct service *s, const struct attest_input *in, struct arena *a,
                        time_t now, struct attest_result *r, struct as_error *err)
{
    char jti[11];
    TRY(make_jti(jti, err));
    int64_t iat = token_fixed_now ? (int64_t)token_fixed_now : (int64_t)now;
    int64_t exp;
    if (__builtin_mul_overflow(s->duration_min, 60, &exp) || __builtin_add_overflow(iat, exp, &exp))
        return as_err(err, 500, ERR_CONFIG, "attestation_token_config.duration_min overflows");
    struct pair_list cc = {0}, t = {0};
    struct value *refs = nonempty_references(a, r->reference);
    struct value *reports = evaluation_reports(a, r);
    if (pair_list_push_str(a, &cc, "init_data", or_null(in->init_claims)) < 0 ||
        pair_list_push_str(a, &cc, "runtime_data", or_null(in->runtime_claims)) < 0 ||
        pair_list_push_str(a, &t, "customized_claims",
                           v_object(a, cc.pairs, cc.len, DUP_LAST_WINS, NULL)) < 0 ||
        pair_list_push_str(a, &t, "evaluation-reports", reports) < 0 ||
        pair_list_push_str(a, &t, "exp", v_int(a, exp)) < 0 ||
        pair_list_push_str(a, &t, "iat", v_int(a, iat)) < 0 ||
        pair_list_push_str(a, &t, "iss", v_cstr(a, s->issuer)) < 0 ||
        pair_list_push_str(a, &t, "jti", v_cstr(a, jti)) < 0 ||
        pair_list_push_str(a, &t, "nbf", v_int(a, iat)) < 0 ||
        pair_list_push_str(a, &t, "reference-data", refs) < 0 ||
        pair_list_push_str(a, &t, "tcb-status", r->flat) < 0 ||
        pair_list_push_str(a, &t, "tee", v_cstr(a, tee_claim_name(in->verifier->kind, false))) < 0 ||
        !refs || !reports)
        return oom(err);
    r->token_claims = v_object(a, t.pairs, t.len, DUP_LAST_WINS, NULL);
    return r->token_claims ? 0 : oom(err);
}

int service_evaluate(struct service *s, const struct attest_input *in,
                     const struct attest_options *o, struct arena *a, struct attest_result *out,
                     struct as_error *err)
{
    memset(out, 0, sizeof(*out));
    time_t now = o->now ? o->now : time(NULL);
    TRY(pipeline_verify(s, in, o, a, now, &out->claims, err));
    const char *tee = tee_claim_name(in->verifier->kind, false);
    TRY(claims_flatten(a, tee, out->claims, &out->flat, err));
    TRY(lookup_references(s, o, out->flat, a, now, &out->reference, err));
    TRY(run_policies(s, o, a, out, err));
    TRY(token_claims(s, in, a, now, out, err));
    LOG_D("service", "%s evidence verified, %zu claims, %zu policies passed", tee,
          out->flat->u.obj.len, out->n_policies);
    return 0;
}

int service_sign(struct service *s, const struct value *claims, struct arena *a, char **jws,
                 struct as_error *err)
{
    struct token_broker *b;
    TRY(service_broker(s, &b, err));
    return token_sign_jwt(b, claims, a, jws, err);
}
