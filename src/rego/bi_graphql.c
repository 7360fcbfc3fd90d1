/* bi_graphql.c - the GraphQL built-ins: graphql.parse, graphql.parse_query,
 * graphql.parse_schema, graphql.parse_and_verify, graphql.is_valid and
 * graphql.schema_is_valid (see bi_graphql.h for the parser and validator).
 *
 * As OPA: queries and schemas are GraphQL text or the AST objects these
 * built-ins return; the AST is computed before validation (so "Used" stays
 * false); parse errors read "<message> in GraphQL string at location L:C"
 * (OPA splits gqlparser's "input:L:C: message" at its first three colons,
 * and for validation errors, which come as a list, the rest of the list
 * follows the first message); a schema that fails its checks gives "Error
 * in gqlparser SchemaDocument to Schema conversion: input:L:C: message".
 * is_valid, schema_is_valid and parse_and_verify turn every failure into
 * false. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rego/bi_graphql.h"
#include "rego/bi_util.h"
#include "rego/rego.h"

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

enum gql_status {
    GQL_OK = 0,
    GQL_BAD_TYPE,   /* operand neither string nor object */
    GQL_FAILED,     /* parse, decode, schema or validation failure; msg set */
};

struct gql_job {
    struct gql_mem mem;
    struct rego_bi_ctx *ctx;
    char *msg; /* the failure, as OPA words it */
    struct gql_qdoc *qdoc;
    struct gql_sdoc *sdoc;
    struct gql_schema *schema;
};

static char *job_printf(struct gql_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *job_printf(struct gql_job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t len = (size_t)(n > 0 ? n : 0) + 1;
    char *s = gql_alloc(&j->mem, len);
    va_start(ap, fmt);
    vsnprintf(s, len, fmt, ap);
    va_end(ap);
    return s;
}

/* gqlerror.Error.Error(): "input:L:C: message" (no location when unknown). */
static void error_text(struct buf *b, const struct gql_error *e)
{
    buf_puts(b, e->file ? e->file : "input");
    if (e->pos.line)
        buf_printf(b, ":%d:%d", e->pos.line, e->pos.col);
    buf_puts(b, ": ");
    buf_puts(b, e->msg ? e->msg : "");
}

/* OPA's rewording: SplitN(text, ":", 4), then "<rest> in GraphQL string at
 * location <1>:<2>" (a trailing ".\n" dropped from validation lists). */
static char *opa_location_message(struct gql_job *j, const char *text, bool list)
{
    const char *p[4] = {text, NULL, NULL, NULL};
    for (int i = 1; i < 4; i++) {
        const char *c = strchr(p[i - 1], ':');
        if (!c)
            return job_printf(j, "%s", text); /* OPA would fail here; keep the text */
        p[i] = c + 1;
    }
    const char *msg = p[3];
    while (*msg == ' ')
        msg++;
    size_t mlen = strlen(msg);
    if (list && mlen >= 2 && !strcmp(msg + mlen - 2, ".\n"))
        mlen -= 2;
    return job_printf(j, "%.*s in GraphQL string at location %.*s:%.*s", (int)mlen, msg,
                      (int)(p[2] - p[1] - 1), p[1], (int)(p[3] - p[2] - 1), p[2]);
}

static char *single_error_message(struct gql_job *j, const struct gql_error *e)
{
    struct buf b = BUF_INIT;
    error_text(&b, e);
    char *s = buf_failed(&b) ? NULL : opa_location_message(j, b.data ? b.data : "", false);
    buf_free(&b);
    if (!s)
        longjmp(j->mem.oom, 1);
    return s;
}

static bool text_ok(struct gql_job *j, const struct value *v)
{
    if (v->u.str.len <= GQL_MAX_TEXT)
        return true;
    j->msg = job_printf(j, "GraphQL string longer than %u bytes", GQL_MAX_TEXT);
    return false;
}

static enum gql_status load_query(struct gql_job *j, const struct value *v)
{
    struct gql_error err;
    if (v->type == V_STRING) {
        if (!text_ok(j, v))
            return GQL_FAILED;
        if (gql_parse_query(&j->mem, v->u.str.s, v->u.str.len, &j->qdoc, &err) == 0)
            return GQL_OK;
        j->msg = single_error_message(j, &err);
        return GQL_FAILED;
    }
    if (v->type != V_OBJECT)
        return GQL_BAD_TYPE;
    if (gql_qdoc_from_value(&j->mem, v, &j->qdoc) == 0)
        return GQL_OK;
    j->msg = job_printf(j, "json: cannot unmarshal the object into a GraphQL QueryDocument");
    return GQL_FAILED;
}

static enum gql_status load_schema(struct gql_job *j, const struct value *v)
{
    struct gql_error err;
    if (v->type == V_STRING) {
        if (!text_ok(j, v))
            return GQL_FAILED;
        if (gql_parse_schema(&j->mem, v->u.str.s, v->u.str.len, false, &j->sdoc, &err) == 0)
            return GQL_OK;
        j->msg = single_error_message(j, &err);
        return GQL_FAILED;
    }
    if (v->type != V_OBJECT)
        return GQL_BAD_TYPE;
    if (gql_sdoc_from_value(&j->mem, v, &j->sdoc) == 0)
        return GQL_OK;
    j->msg = job_printf(j, "json: cannot unmarshal the object into a GraphQL SchemaDocument");
    return GQL_FAILED;
}

static enum gql_status build_schema(struct gql_job *j)
{
    struct gql_error err;
    if (gql_schema_build(&j->mem, j->sdoc, &j->schema, &err) == 0)
        return GQL_OK;
    if (j->mem.opa_2026 && !err.pos.line)
        err.pos = (struct gql_pos){-1, -1};
    struct buf b = BUF_INIT;
    error_text(&b, &err);
    j->msg = job_printf(j, "Error in gqlparser SchemaDocument to Schema conversion: %s",
                        b.data ? b.data : "");
    buf_free(&b);
    return GQL_FAILED;
}

static enum gql_status validate_query(struct gql_job *j)
{
    struct gql_vec errs = {0};
    int n = gql_validate(&j->mem, j->schema, j->qdoc, &errs);
    if (n == 0)
        return GQL_OK;
    if (n < 0) {
        j->msg = job_printf(j, "GraphQL query too complex to validate");
        return GQL_FAILED;
    }
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < errs.n; i++) {
        error_text(&b, errs.v[i]);
        buf_putc(&b, '\n');
    }
    char *s = buf_failed(&b) ? NULL : opa_location_message(j, b.data ? b.data : "", true);
    buf_free(&b);
    if (!s)
        longjmp(j->mem.oom, 1);
    j->msg = s;
    return GQL_FAILED;
}

/* Parses both operands, keeps their AST values, builds the schema and
 * validates: graphql.parse's steps in OPA's order.  On failure *bad_pos is
 * the operand with a wrong type (1 or 2) or 0. */
static enum gql_status parse_and_validate(struct gql_job *j, struct value *const *args,
                                          struct value **qv, struct value **sv, int *bad_pos)
{
    enum gql_status st = load_query(j, args[0]);
    *bad_pos = st == GQL_BAD_TYPE ? 1 : 0;
    if (st != GQL_OK)
        return st;
    st = load_schema(j, args[1]);
    *bad_pos = st == GQL_BAD_TYPE ? 2 : 0;
    if (st != GQL_OK)
        return st;
    *qv = gql_qdoc_to_value(&j->mem, j->qdoc);
    *sv = gql_sdoc_to_value(&j->mem, j->sdoc);
    if ((st = build_schema(j)) != GQL_OK)
        return st;
    return validate_query(j);
}

static struct value *pair(struct gql_job *j, struct value *a, struct value *b, struct value *c)
{
    struct value *items[3] = {a, b, c};
    size_t n = c ? 3 : 2;
    return v_array(j->mem.arena, items, n);
}

#define JOB_BEGIN(j)                                                                               \
    struct gql_job j;                                                                              \
    memset(&j, 0, sizeof(j));                                                                      \
    j.mem.arena = ctx->arena;                                                                      \
    j.mem.opa_2026 = ctx->opa_compat == REGO_OPA_2026;                                             \
    j.ctx = ctx;                                                                                   \
    if (setjmp(j.mem.oom))                                                                         \
    return bi_oom(ctx)

BI_FN(bi_graphql_parse)
{
    (void)nargs;
    JOB_BEGIN(j);
    struct value *qv = NULL, *sv = NULL;
    int bad = 0;
    enum gql_status st = parse_and_validate(&j, args, &qv, &sv, &bad);
    if (st == GQL_BAD_TYPE)
        return rego_bi_type_error(ctx, bad, "one of {string, object}", args[bad - 1]);
    if (st != GQL_OK)
        return bi_err(ctx, "%s", j.msg);
    BI_RET(pair(&j, qv, sv, NULL));
}

BI_FN(bi_graphql_parse_and_verify)
{
    (void)nargs;
    JOB_BEGIN(j);
    struct value *qv = NULL, *sv = NULL;
    int bad = 0;
    if (parse_and_validate(&j, args, &qv, &sv, &bad) != GQL_OK) {
        struct value *empty = v_object(ctx->arena, NULL, 0, DUP_LAST_WINS, NULL);
        BI_RET(empty ? pair(&j, v_bool(false), empty, empty) : NULL);
    }
    BI_RET(pair(&j, v_bool(true), qv, sv));
}

BI_FN(bi_graphql_is_valid)
{
    (void)nargs;
    JOB_BEGIN(j);
    struct value *qv = NULL, *sv = NULL;
    int bad = 0;
    BI_RET(v_bool(parse_and_validate(&j, args, &qv, &sv, &bad) == GQL_OK));
}

BI_FN(bi_graphql_schema_is_valid)
{
    (void)nargs;
    JOB_BEGIN(j);
    bool ok = load_schema(&j, args[0]) == GQL_OK && build_schema(&j) == GQL_OK;
    BI_RET(v_bool(ok));
}

BI_FN(bi_graphql_parse_query)
{
    (void)nargs;
    if (args[0]->type != V_STRING)
        return rego_bi_type_error(ctx, 1, "string", args[0]);
    JOB_BEGIN(j);
    if (load_query(&j, args[0]) != GQL_OK)
        return bi_err(ctx, "%s", j.msg);
    BI_RET(gql_qdoc_to_value(&j.mem, j.qdoc));
}

BI_FN(bi_graphql_parse_schema)
{
    (void)nargs;
    if (args[0]->type != V_STRING)
        return rego_bi_type_error(ctx, 1, "string", args[0]);
    JOB_BEGIN(j);
    if (load_schema(&j, args[0]) != GQL_OK)
        return bi_err(ctx, "%s", j.msg);
    BI_RET(gql_sdoc_to_value(&j.mem, j.sdoc));
}

const struct rego_builtin rego_bi_graphql[] = {
    {"graphql.is_valid", 2, bi_graphql_is_valid, 0, NULL},
    {"graphql.parse", 2, bi_graphql_parse, 0, NULL},
    {"graphql.parse_and_verify", 2, bi_graphql_parse_and_verify, 0, NULL},
    {"graphql.parse_query", 1, bi_graphql_parse_query, 0, NULL},
    {"graphql.parse_schema", 1, bi_graphql_parse_schema, 0, NULL},
    {"graphql.schema_is_valid", 1, bi_graphql_schema_is_valid, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
