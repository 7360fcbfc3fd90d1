/* policy_rego.c - the only file of src/policy that talks to the Rego
 * engine: compile one module, and the V24 evaluation contract
 * (policy.md §2): query data.policy.allow, exactly one boolean.
 *
 * Transitional: the Rego engine (src/rego) has not landed yet, so compiling
 * answers 501 not_implemented; the pipeline up to the policy step works. */
#include "policy/policy.h"

int policy_rego_compile(const char *filename, const char *text, size_t len,
                        enum rego_version ver, struct rego_compiled **out, struct as_error *err)
{
    (void)text;
    (void)len;
    (void)ver;
    *out = NULL;
    return as_err(err, 501, ERR_NOT_IMPLEMENTED,
                  "%s: the Rego engine is not part of this build yet", filename);
}

void policy_rego_free(struct rego_compiled *rc) { (void)rc; }

int policy_eval_allow(const struct policy_compiled *p, const char *id, const struct value *input,
                      const struct value *reference, struct arena *a, struct as_error *err)
{
    (void)p;
    (void)input;
    (void)reference;
    (void)a;
    return as_err(err, 501, ERR_NOT_IMPLEMENTED,
                  "policy '%s': the Rego engine is not part of this build yet", id);
}
