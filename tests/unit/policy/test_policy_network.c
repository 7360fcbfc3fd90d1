/* test_policy_network.c - the store's evaluation settings reach the Rego
 * engine: with allow_network off (the default) a policy calling
 * net.lookup_ip_addr is 500 policy_error with OPA's unsafe built-in error,
 * on it evaluates (an address literal: no DNS query). */
#include <criterion/criterion.h>
#include <string.h>

#include "base/log.h"
#include "policy/policy.h"

static const char POLICY[] = "package policy\n"
                             "import rego.v1\n"
                             "default allow := false\n"
                             "allow if \"192.0.2.7\" in net.lookup_ip_addr(\"192.0.2.7\")\n";

static int evaluate(bool allow_network, struct as_error *err)
{
    struct policy_store *ps;
    struct arena a;
    arena_init(&a, 4096);
    cr_assert_eq(policy_store_open(NULL, REGO_AUTO, &ps, err), 0, "%s", err->detail);
    if (allow_network) {
        struct policy_eval_settings s = {.allow_network = true};
        policy_store_set_eval_settings(ps, &s);
    }
    struct policy_compiled *pc;
    cr_assert_eq(policy_store_compile_text(ps, "net.rego", POLICY, strlen(POLICY), &pc, err), 0,
                 "%s", err->detail);
    struct value *input = v_object(&a, NULL, 0, DUP_LAST_WINS, NULL);
    struct value *ref = v_object(&a, NULL, 0, DUP_LAST_WINS, NULL);
    int rc = policy_eval_allow(pc, "net", input, ref, &a, err);
    policy_compiled_release(pc);
    policy_store_free(ps);
    arena_free(&a);
    return rc;
}

Test(policy_network, off_by_default_is_a_policy_error)
{
    log_init("warn");
    struct as_error err;
    cr_assert_eq(evaluate(false, &err), -1);
    cr_expect_eq(err.status, 500);
    cr_expect_str_eq(err.type, "policy_error");
    cr_expect(strstr(err.detail, "policy 'net'"), "%s", err.detail);
    cr_expect(strstr(err.detail, "unsafe built-in function calls in expression: "
                                 "net.lookup_ip_addr"),
              "%s", err.detail);
}

Test(policy_network, on_evaluates)
{
    log_init("warn");
    struct as_error err;
    cr_expect_eq(evaluate(true, &err), 0, "%s", err.detail);
}
