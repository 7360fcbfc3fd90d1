/* ear.c - the 2026 (V26) attestation pipeline that issues EAR tokens
 * (api.md §5, policy.md §3-4, tokens.md §2, claims.md §3, binding.md §5):
 *
 *   every verification request verified first, in array order (the first
 *   failure aborts the call) ->
 *   per evidence: the claims object {"<tee>", "report_data",
 *   "runtime_data_claims", "init_data", "init_data_claims"} (no flattening)
 *   -> policy <policy_ids[0]>_<tee class> -> rules data.policy.trust_claims
 *   and data.policy.extensions, with the host built-in
 *   query_reference_value(name) answering from the RVPS ->
 *   one EAR token with one submod per evidence (token_ear_issue).
 *
 * There is no "deny": the trust values land in the token.  The built-in
 * query_reference_value is registered with the Rego engine when the first
 * EAR-mode service is created; the engine hands host functions no context,
 * so the RVPS and the time of the evaluation reach it through a
 * thread-local set around each evaluation (evaluations are synchronous on
 * the calling thread). */
#include <pthread.h>
#include <string.h>

#include "base/log.h"
#include "service/service_internal.h"

static int oom(struct as_error *err)
{
    return as_err(err, 500, ERR_INTERNAL, "out of memory");
}

/* ---- query_reference_value ---- */

struct rv_query_ctx {
    struct rvps *rvps;
    time_t now;
};

static _Thread_local const struct rv_query_ctx *tl_rv_ctx;

static struct value *rv_fail(bool *failed, struct as_error *err, const char *code,
                             const char *detail, const char *arg)
{
    *failed = true;
    as_err(err, 500, code, "%s%s", detail, arg ? arg : "");
    return NULL;
}

/* query_reference_value(name): the RVPS record's stored value, or null
 * when there is none (policy.md §3 step 4).  A store failure aborts the
 * evaluation. */
static struct value *query_reference_value(void *unused, struct arena *a, struct value *const *args,
                                           size_t nargs, bool *failed, struct as_error *err)
{
    (void)unused;
    const struct rv_query_ctx *ctx = tl_rv_ctx;
    if (nargs != 1)
        return rv_fail(failed, err, "eval_type_error", "expects exactly one argument", NULL);
    if (!v_is(args[0], V_STRING))
        return rv_fail(failed, err, "eval_type_error", "operand 1 must be string but got ",
                       value_type_name((enum value_type)args[0]->type));
    if (!ctx)
        return rv_fail(failed, err, "eval_builtin_error",
                       "reference values are only available while appraising evidence", NULL);
    const struct value *name = args[0];
    if (strlen(name->u.str.s) != name->u.str.len) /* no record can have this name */
        return v_null();
    struct value *v;
    struct as_error e;
    if (rvps_query(ctx->rvps, name->u.str.s, ctx->now, a, &v, &e) < 0)
        return rv_fail(failed, err, "eval_builtin_error", "reference value store: ", e.detail);
    if (!v)
        LOG_D("service", "no reference value '%s': query_reference_value answers null",
              name->u.str.s);
    return v ? v : v_null();
}

static pthread_once_t register_once = PTHREAD_ONCE_INIT;
static int register_rc;

static void register_builtins(void)
{
    register_rc = rego_register_host_builtin("query_reference_value", 1, query_reference_value);
}

int ear_register_builtins(struct as_error *err)
{
    pthread_once(&register_once, register_builtins);
    if (register_rc < 0)
        return as_err(err, 500, ERR_INTERNAL, "cannot register query_reference_value");
    return 0;
}

/* ---- the claims object (claims.md §3) ---- */

static bool key_is(const struct value *k, const char *s)
{
    return v_is(k, V_STRING) && k->u.str.len == strlen(s) &&
           memcmp(k->u.str.s, s, k->u.str.len) == 0;
}

/* runtime_data_claims: the structured runtime data or null; without
 * `additional-evidence` when verbose_token is false (tokens.md §2.4). */
static struct value *runtime_claims(struct arena *a, const struct value *rc, bool verbose)
{
    if (!rc)
        return v_null();
    if (verbose || !v_is(rc, V_OBJECT))
        return (struct value *)rc;
    struct pair_list l = {0};
    for (size_t i = 0; i < rc->u.obj.len; i++) {
        const struct value_pair *p = &rc->u.obj.pairs[i];
        if (!key_is(p->key, "additional-evidence") && pair_list_push(a, &l, p->key, p->val) < 0)
            return NULL;
    }
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

int ear_claims(struct arena *a, const struct attest_input *in, const struct value *claims,
               bool verbose, struct value **out, struct as_error *err)
{
    struct pair_list tee = {0}, top = {0};
    const struct value *rd = NULL, *id = NULL;
    for (size_t i = 0; i < claims->u.obj.len; i++) {
        const struct value_pair *p = &claims->u.obj.pairs[i];
        if (key_is(p->key, "report_data"))
            rd = p->val;
        else if (key_is(p->key, "init_data"))
            id = p->val;
        else if (pair_list_push(a, &tee, p->key, p->val) < 0)
            return oom(err);
    }
    /* the *_claims members only beside the value the verifier emitted
     * (binding.md §5) */
    if (id &&
        (pair_list_push_str(a, &top, "init_data", (struct value *)id) < 0 ||
         pair_list_push_str(a, &top, "init_data_claims",
                            in->init_claims ? (struct value *)in->init_claims : v_null()) < 0))
        return oom(err);
    struct value *rdc = rd ? runtime_claims(a, in->runtime_claims, verbose) : NULL;
    if (rd && (!rdc || pair_list_push_str(a, &top, "report_data", (struct value *)rd) < 0 ||
               pair_list_push_str(a, &top, "runtime_data_claims", rdc) < 0))
        return oom(err);
    struct value *tee_obj = v_object(a, tee.pairs, tee.len, DUP_LAST_WINS, NULL);
    if (!tee_obj ||
        pair_list_push_str(a, &top, tee_claim_name(in->verifier->kind, true), tee_obj) < 0)
        return oom(err);
    *out = v_object(a, top.pairs, top.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : oom(err);
}

/* ---- one appraisal ---- */

static const struct policy_builtin *builtin_policy(const char *id)
{
    for (size_t i = 0; i < POLICY_EAR_BUILTINS_N; i++) {
        if (strcmp(POLICY_EAR_BUILTINS[i].id, id) == 0)
            return &POLICY_EAR_BUILTINS[i];
    }
    return NULL;
}

/* The policy text given by the caller (as-tool --policy), else the stored
 * policy `id`; without a store (as-tool) the built-in of that id. */
static int load_ear_policy(struct service *s, const struct attest_policy *given, const char *id,
                           struct arena *a, struct policy_compiled **out, struct as_error *err)
{
    if (!s->policies)
        return as_err(err, 500, ERR_INTERNAL, "no policy engine");
    if (given && given->text) {
        char *name = arena_sprintf(a, "%s.rego", given->id);
        return policy_store_compile_text(s->policies, name, given->text, given->len, out, err);
    }
    if (s->work_dir)
        return policy_store_load(s->policies, id, a, out, err);
    const struct policy_builtin *b = builtin_policy(id);
    if (!b)
        return as_err(err, 404, ERR_POLICY_NOT_FOUND,
                      "policy '%s' not found (no policy store; give the policy as a file)", id);
    return policy_store_compile_text(s->policies, arena_sprintf(a, "%s.rego", id), b->text, b->len,
                                     out, err);
}

static int defined_or_absent(const char *id, const char *rule, bool exists, const struct value *v,
                             struct as_error *err)
{
    if (exists && !v)
        return as_err(err, 500, TOKEN_ERR_INVALID_POLICY_OUTPUT,
                      "policy '%s': %s is undefined (the rule exists, none of its definitions "
                      "applied and it has no default)",
                      id, rule);
    return 0;
}

static int evaluate_rules(const struct policy_compiled *pc, const char *id,
                          const struct value *input, const struct rv_query_ctx *rv, struct arena *a,
                          struct token_ear_submod *sm, struct as_error *err)
{
    struct value *tc = NULL, *ext = NULL;
    bool tc_exists = false, ext_exists = false;
    tl_rv_ctx = rv;
    int rc = policy_eval_rule(pc, id, "data.policy.trust_claims", input, a, &tc, &tc_exists, err);
    if (rc == 0)
        rc = policy_eval_rule(pc, id, "data.policy.extensions", input, a, &ext, &ext_exists, err);
    tl_rv_ctx = NULL;
    TRY(rc);
    TRY(defined_or_absent(id, "data.policy.trust_claims", tc_exists, tc, err));
    TRY(defined_or_absent(id, "data.policy.extensions", ext_exists, ext, err));
    if (!tc_exists)
        LOG_W("service", "policy '%s' has no trust_claims rule: all eight trust claims are 0", id);
    sm->trust_claims = tc_exists ? tc : NULL;
    sm->extensions = ext_exists ? ext : NULL;
    return 0;
}

static int appraise(struct service *s, const struct attest_input *in, const struct value *claims,
                    const struct attest_policy *policy, const struct rv_query_ctx *rv, bool verbose,
                    struct arena *a, struct token_ear_submod *sm, struct as_error *err)
{
    struct value *input;
    TRY(ear_claims(a, in, claims, verbose, &input, err));
    sm->tee_class = tee_class(in->verifier->kind);
    sm->annotated_evidence = input;
    const char *id = arena_sprintf(a, "%s_%s", policy->id, sm->tee_class);
    if (!id)
        return oom(err);
    struct policy_compiled *pc;
    TRY(load_ear_policy(s, policy, id, a, &pc, err));
    int rc = evaluate_rules(pc, id, input, rv, a, sm, err);
    policy_compiled_release(pc);
    return rc;
}

/* ---- the batch ---- */

static int verify_all(struct service *s, const struct attest_input *items, size_t n,
                      const struct attest_options *o, struct arena *a, time_t now,
                      struct value **claims, struct as_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (pipeline_verify(s, &items[i], o, a, now, &claims[i], err) < 0) {
            if (n > 1)
                as_err_prefix(err, "verification_requests[%zu]", i);
            return -1;
        }
    }
    return 0;
}

int service_evaluate_ear(struct service *s, const struct attest_input *items, size_t n,
                         const struct attest_options *o, struct arena *a, struct ear_result *out,
                         struct as_error *err)
{
    memset(out, 0, sizeof(*out));
    if (n == 0 || o->n_policies == 0)
        return as_err(err, 500, ERR_INTERNAL, "EAR appraisal without evidence or policy id");
    if (o->n_policies > 1)
        LOG_W("service", "EAR tokens use only the first policy id ('%s'); %zu more ignored",
              o->policies[0].id, o->n_policies - 1);
    time_t now = o->now ? o->now : time(NULL);
    struct token_broker *broker;
    TRY(service_broker(s, &broker, err));
    out->claims = arena_zalloc(a, n * sizeof(*out->claims));
    out->submods = arena_zalloc(a, n * sizeof(*out->submods));
    if (!out->claims || !out->submods)
        return oom(err);
    TRY(verify_all(s, items, n, o, a, now, out->claims, err));
    struct rv_query_ctx rv = {o->rvps ? o->rvps : s->rvps, now};
    if (!rv.rvps)
        return as_err(err, 500, ERR_INTERNAL, "no reference value store");
    for (size_t i = 0; i < n; i++) {
        TRY(appraise(s, &items[i], out->claims[i], &o->policies[0], &rv, token_ear_verbose(broker),
                     a, &out->submods[i], err));
        out->n_submods++;
    }
    out->policy_id = o->policies[0].id;
    TRY(token_ear_issue(broker, out->submods, n, out->policy_id, a, &out->token, err));
    LOG_D("service", "EAR token issued for %zu evidence(s), policy '%s'", n, out->policy_id);
    return 0;
}
