/* bi_ops.c - operators as built-ins (OPA names: plus, minus, eq, lt, ...).
 * Owned by the language core; filled in with the evaluator. */
#include "rego/builtins.h"

const struct rego_builtin rego_bi_ops[] = {
    {NULL, 0, NULL, 0, NULL},
};
