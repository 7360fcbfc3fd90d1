/* policy_rego.c - the only file of src/policy that talks to the Rego
 * engine: compile one module, and the V24 evaluation contract
 * (policy.md §2): query data.policy.allow with input = the flattened claims
 * and data = {"reference": R}; exactly one boolean.
 *
 * Outcomes: true -> pass; false or undefined -> 403 policy_denied (the
 * policy did not allow this evidence); a non-boolean or an evaluation error
 * -> 500 policy_error (the operator's policy is broken, not the client's
 * request).  Every message names the policy id.
 *
 * V26 (policy.md §3): the value of one rule (trust_claims, extensions) for
 * the per-evidence claims, telling a missing rule from an undefined one. */
#include "policy/policy.h"

int policy_rego_compile(const char *filename, const char *text, size_t len,
                        enum rego_version ver, struct rego_compiled **out, struct as_error *err)
{
    struct rego_source src = {filename, text, len};
    return rego_compile(&src, 1, ver, NULL, out, err);
}

void policy_rego_free(struct rego_compiled *rc) { rego_compiled_free(rc); }

int policy_eval_allow(const struct policy_compiled *p, const char *id, const struct value *input,
                      const struct value *reference, struct arena *a, struct as_error *err)
{
    struct pair_list l = {0};
    if (pair_list_push_str(a, &l, "reference", (struct value *)reference) < 0)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    struct value *data = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    struct rego_eval_opts opts = {.input = input,
                                  .extra_data = data,
                                  .allow_network = p->eval.allow_network,
                                  .opa_compat = p->eval.opa_compat};
    struct value *allow = NULL;
    bool exists = false;
    struct as_error e;
    if (!data)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    if (rego_eval_path(p->rc, "data.policy.allow", &opts, a, &allow, &exists, &e) < 0)
        return as_err(err, 500, ERR_POLICY_ERROR, "policy '%s': evaluation failed: %s", id,
                      e.detail);
    if (!allow)
        return as_err(err, 403, ERR_POLICY_DENIED,
                      "policy '%s' denied the evidence: data.policy.allow is undefined%s", id,
                      exists ? "" : " (the policy has no `allow` rule in package policy)");
    if (!v_is(allow, V_BOOL))
        return as_err(err, 500, ERR_POLICY_ERROR,
                      "policy '%s': data.policy.allow must be a boolean, not %s", id,
                      value_type_name((enum value_type)allow->type));
    if (!allow->u.b)
        return as_err(err, 403, ERR_POLICY_DENIED,
                      "policy '%s' denied the evidence (data.policy.allow = false)", id);
    return 0;
}

int policy_eval_rule(const struct policy_compiled *p, const char *id, const char *path,
                     const struct value *input, struct arena *a, struct value **out,
                     bool *exists, struct as_error *err)
{
    struct rego_eval_opts opts = {.input = input,
                                  .allow_network = p->eval.allow_network,
                                  .opa_compat = p->eval.opa_compat};
    struct as_error e;
    *out = NULL;
    *exists = false;
    if (rego_eval_path(p->rc, path, &opts, a, out, exists, &e) < 0)
        return as_err(err, 500, ERR_POLICY_ERROR, "policy '%s': evaluation of %s failed: %s", id,
                      path, e.detail);
    return 0;
}
