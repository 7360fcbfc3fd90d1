/* bi_rego_meta.c - rego.parse_module, rego.metadata.chain, rego.metadata.rule.
 *
 * rego.parse_module(filename, text) parses the text as a Rego v1 module
 * (OPA's ast.ParseModule with default options: annotations stay comments)
 * and returns its JSON AST (ast_json.c).  A parse error is the built-in's
 * error, worded as OPA's ast.Errors: "1 error occurred: <file>:<row>:
 * rego_parse_error: <message>".
 * rego.metadata.chain() and rego.metadata.rule() are replaced by constants
 * inside rules at compile time (compile_metadata.c); a call that reaches
 * evaluation comes from a query, where OPA reports an error. */
#include <string.h>

#include "rego/ast.h"
#include "rego/bi_util.h"

static int bi_parse_module(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                           struct value **out)
{
    (void)nargs;
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    const char *file = args[0]->u.str.s;
    struct module *m;
    struct rego_err e;
    memset(&e, 0, sizeof(e));
    struct parse_opts o = {.ver = REGO_V1, .annotations = false};
    if (rparse_module_opts(ctx->arena, file, args[1]->u.str.s, args[1]->u.str.len, &o, &m,
                           &e) < 0) {
        if (!e.code[0])
            return bi_oom(ctx);
        /* OPA reports an empty module at row 0 */
        int row = strcmp(e.msg, "empty module") == 0 ? 0 : e.loc.row;
        if (file[0])
            return bi_err(ctx, "1 error occurred: %s:%d: %s: %s", file, row, e.code, e.msg);
        return bi_err(ctx, "1 error occurred: %d:%d: %s: %s", row, e.loc.col, e.code, e.msg);
    }
    BI_RET(rast_module_json(ctx->arena, m));
}

static int bi_metadata_outside_rule(struct rego_bi_ctx *ctx, struct value *const *args,
                                    size_t nargs, struct value **out)
{
    (void)args;
    (void)nargs;
    (void)out;
    return bi_err(ctx, "the %s function must only be called within the scope of a rule",
                  ctx->name);
}

const struct rego_builtin rego_bi_rego_meta[] = {
    {"rego.metadata.chain", 0, bi_metadata_outside_rule, 0, NULL},
    {"rego.metadata.rule", 0, bi_metadata_outside_rule, 0, NULL},
    {"rego.parse_module", 2, bi_parse_module, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
