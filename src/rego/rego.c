/* rego.c - the public entry points of the Rego engine (rego.h): compile a
 * set of modules into an immutable policy, evaluate a data path or an
 * opa-eval style query, and the host-builtin registry.  Errors carry OPA's
 * codes and locations in the detail "<file>:<row>:<col>: <code>: <msg>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_int.h"
#include "rego/typecheck.h"

#define MAX_HOST 32
static struct host_builtin g_host[MAX_HOST];
static int g_nhost;

int rego_register_host_builtin(const char *name, size_t arity, rego_host_fn fn)
{
    if (!name || !fn || strlen(name) >= sizeof(g_host[0].name))
        return -1;
    for (int k = 0; k < g_nhost; k++) {
        if (strcmp(g_host[k].name, name) == 0) {
            g_host[k].arity = arity;
            g_host[k].fn = fn;
            return 0;
        }
    }
    if (g_nhost == MAX_HOST)
        return -1;
    snprintf(g_host[g_nhost].name, sizeof(g_host[0].name), "%s", name);
    g_host[g_nhost].arity = arity;
    g_host[g_nhost].fn = fn;
    g_nhost++;
    return 0;
}

const struct host_builtin *rego_host_lookup(const char *name, int *index)
{
    for (int k = 0; k < g_nhost; k++) {
        if (strcmp(g_host[k].name, name) == 0) {
            *index = k;
            return &g_host[k];
        }
    }
    return NULL;
}

const struct host_builtin *rego_host_at(int index)
{
    return index >= 0 && index < g_nhost ? &g_host[index] : NULL;
}

static void fill_info(const struct rego_err *e, struct rego_error_info *info)
{
    if (!info)
        return;
    memset(info, 0, sizeof(*info));
    snprintf(info->code, sizeof(info->code), "%s", e->code);
    snprintf(info->message, sizeof(info->message), "%s", e->msg);
    if (e->loc.file)
        snprintf(info->file, sizeof(info->file), "%s", e->loc.file);
    info->row = e->loc.row;
    info->col = e->loc.col;
}

static int report(const struct rego_err *e, const char *type, struct as_error *err,
                  struct rego_error_info *info)
{
    fill_info(e, info);
    if (e->loc.file && e->loc.row)
        return as_err(err, 400, type, "%s:%d:%d: %s: %s", e->loc.file, e->loc.row, e->loc.col,
                      e->code, e->msg);
    return as_err(err, 400, type, "%s: %s", e->code, e->msg);
}

static int compile_impl(const struct rego_source *mods, size_t n, enum rego_version ver,
                        const struct value *base_data, struct rego_compiled **out,
                        struct as_error *err, struct rego_error_info *info,
                        struct rtc_errors *all)
{
    *out = NULL;
    struct rego_compiled *c = calloc(1, sizeof(*c));
    if (!c)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    arena_init(&c->arena, 64 * 1024);
    c->ver = ver;
    c->mods = arena_zalloc(&c->arena, (n + 1) * sizeof(*c->mods));
    struct rego_err e = {0};
    if (!c->mods)
        goto oom;
    for (size_t k = 0; k < n; k++) {
        const char *file = arena_strdup(&c->arena, mods[k].filename ? mods[k].filename : "");
        const char *text = arena_strndup(&c->arena, mods[k].text, mods[k].len);
        if (!file || !text)
            goto oom;
        if (rparse_module(&c->arena, file, text, mods[k].len, ver, &c->mods[k], &e) < 0) {
            if (!e.code[0])
                goto oom;
            report(&e, ERR_INVALID_POLICY, err, info);
            rego_compiled_free(c);
            return -1;
        }
    }
    c->nmods = n;
    if (base_data) {
        c->base_data = value_copy(&c->arena, base_data);
        if (!c->base_data)
            goto oom;
    }
    if (rcomp_modules_all(c, &e, all) < 0) {
        if (!e.code[0])
            goto oom;
        report(&e, ERR_INVALID_POLICY, err, info);
        rego_compiled_free(c);
        return -1;
    }
    *out = c;
    return 0;
oom:
    rego_compiled_free(c);
    return as_err(err, 500, ERR_INTERNAL, "out of memory while compiling policy");
}

int rego_compile_ex(const struct rego_source *mods, size_t n, enum rego_version ver,
                    const struct value *base_data, struct rego_compiled **out,
                    struct as_error *err, struct rego_error_info *info)
{
    return compile_impl(mods, n, ver, base_data, out, err, info, NULL);
}

static void info_from(const struct rtc_error *e, struct rego_error_info *info)
{
    memset(info, 0, sizeof(*info));
    snprintf(info->code, sizeof(info->code), "%s", e->code);
    snprintf(info->message, sizeof(info->message), "%s", e->msg ? e->msg : "");
    snprintf(info->details, sizeof(info->details), "%s", e->details ? e->details : "");
    snprintf(info->file, sizeof(info->file), "%s", e->file ? e->file : "");
    info->row = e->row;
    info->col = e->col;
}

int rego_compile_all(const struct rego_source *mods, size_t n, enum rego_version ver,
                     const struct value *base_data, struct rego_compiled **out,
                     struct as_error *err, struct rego_error_list *errs)
{
    struct rtc_errors all = {0};
    struct rego_error_info first = {0};
    memset(errs, 0, sizeof(*errs));
    int rc = compile_impl(mods, n, ver, base_data, out, err, &first, &all);
    if (rc == 0 || (!all.n && !first.code[0])) {
        rtc_errors_free(&all);
        return rc;
    }
    size_t cnt = all.n ? all.n : 1;
    errs->v = calloc(cnt, sizeof(*errs->v));
    if (!errs->v) {
        rtc_errors_free(&all);
        return rc;
    }
    for (size_t k = 0; k < all.n; k++)
        info_from(&all.v[k], &errs->v[k]);
    if (!all.n)
        errs->v[0] = first;
    errs->n = cnt;
    rtc_errors_free(&all);
    return rc;
}

void rego_error_list_free(struct rego_error_list *errs)
{
    free(errs->v);
    errs->v = NULL;
    errs->n = 0;
}

int rego_check_query(const struct rego_compiled *c, const char *query, struct arena *a,
                     struct rego_error_list *errs)
{
    struct rquery q;
    struct rego_err e = {0};
    struct rtc_errors all = {0};
    memset(errs, 0, sizeof(*errs));
    int rc = rcomp_query_all(c, a, query, strlen(query), &q, &e, &all);
    if (rc == 0 || (!all.n && !e.code[0])) {
        rtc_errors_free(&all);
        return rc;
    }
    size_t cnt = all.n ? all.n : 1;
    errs->v = calloc(cnt, sizeof(*errs->v));
    if (errs->v) {
        for (size_t k = 0; k < all.n; k++)
            info_from(&all.v[k], &errs->v[k]);
        if (!all.n)
            fill_info(&e, &errs->v[0]);
        errs->n = cnt;
    }
    rtc_errors_free(&all);
    return -1;
}

int rego_compile(const struct rego_source *mods, size_t n, enum rego_version ver,
                 const struct value *base_data, struct rego_compiled **out, struct as_error *err)
{
    return rego_compile_ex(mods, n, ver, base_data, out, err, NULL);
}

void rego_compiled_free(struct rego_compiled *c)
{
    if (!c)
        return;
    arena_free(&c->arena);
    free(c);
}

static void to_reval_opts(const struct rego_eval_opts *o, struct reval_opts *r)
{
    memset(r, 0, sizeof(*r));
    if (!o)
        return;
    r->input = o->input;
    r->extra_data = o->extra_data;
    r->strict = o->strict_builtin_errors;
    r->limits = o->limits;
    r->allow_network = o->allow_network;
    r->opa_compat = o->opa_compat;
}

/* "data.a.b" -> ["a", "b"] */
static int split_path(struct arena *a, const char *path, struct value ***out, size_t *n)
{
    if (strncmp(path, "data", 4) != 0 || (path[4] != '\0' && path[4] != '.'))
        return -1;
    size_t cap = 1;
    for (const char *p = path; *p; p++)
        cap += *p == '.';
    struct value **parts = arena_alloc(a, cap * sizeof(*parts));
    if (!parts)
        return -1;
    size_t k = 0;
    const char *p = path + 4;
    while (*p == '.') {
        const char *s = p + 1, *e = strchr(s, '.');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0)
            return -1;
        if (!(parts[k++] = v_string(a, s, len)))
            return -1;
        p = s + len;
    }
    *out = parts;
    *n = k;
    return 0;
}

static bool path_exists(const struct rego_compiled *c, struct value *const *parts, size_t n,
                        const struct value *data)
{
    const struct rnode *node = c->root;
    for (size_t k = 0; k < n && node; k++)
        node = rcomp_node_child(node, parts[k]->u.str.s, parts[k]->u.str.len);
    if (node && node->has_rules_below)
        return true;
    const struct value *v = data;
    for (size_t k = 0; k < n && v; k++)
        v = v->type == V_OBJECT ? value_object_get(v, parts[k]) : NULL;
    return v != NULL;
}

int rego_eval_path(const struct rego_compiled *c, const char *path,
                   const struct rego_eval_opts *opts, struct arena *a, struct value **out,
                   bool *exists, struct as_error *err)
{
    *out = NULL;
    struct value **parts;
    size_t n;
    if (split_path(a, path, &parts, &n) < 0)
        return as_err(err, 400, ERR_POLICY_ERROR, "invalid rule path %s", path);
    struct reval_opts ro;
    to_reval_opts(opts, &ro);
    if (exists)
        *exists = path_exists(c, parts, n, c->base_data) ||
                  (ro.extra_data && path_exists(c, parts, n, ro.extra_data));
    struct rego_err e = {0};
    if (reval_path(c, parts, n, &ro, a, out, &e) < 0)
        return report(&e, ERR_POLICY_ERROR, err, NULL);
    return 0;
}

/* ---- queries ---- */

struct qresults {
    struct arena *a;
    const struct rquery *q;
    struct value_list rows;
};

static struct value *location_obj(struct arena *a, int row, int col)
{
    struct pair_list l = {0};
    if (pair_list_push_str(a, &l, "row", v_int(a, row)) < 0 ||
        pair_list_push_str(a, &l, "col", v_int(a, col)) < 0)
        return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

static int on_solution(void *ctx, struct value **slots, struct value **expr_vals)
{
    struct qresults *qr = ctx;
    struct arena *a = qr->a;
    const struct rquery *q = qr->q;
    struct value_list exprs = {0};
    for (size_t k = 0; k < q->nexprs; k++) {
        struct expr *e = q->orig[k];
        struct value *v = expr_vals[k] ? expr_vals[k] : v_bool(true);
        struct pair_list l = {0};
        struct value *text = v_string(a, q->text + e->off, e->end - e->off);
        struct value *loc = location_obj(a, e->loc.row, e->loc.col);
        if (!text || !loc || pair_list_push_str(a, &l, "value", v) < 0 ||
            pair_list_push_str(a, &l, "text", text) < 0 ||
            pair_list_push_str(a, &l, "location", loc) < 0)
            return -1;
        struct value *o = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
        if (!o || value_list_push(a, &exprs, o) < 0)
            return -1;
    }
    struct pair_list row = {0};
    struct value *ex = v_array(a, exprs.items, exprs.len);
    if (!ex || pair_list_push_str(a, &row, "expressions", ex) < 0)
        return -1;
    struct pair_list b = {0};
    for (size_t k = 0; k < q->nvars; k++) {
        struct value *v = slots[q->var_slots[k]];
        if (v && pair_list_push_str(a, &b, q->var_names[k], v) < 0)
            return -1;
    }
    if (q->nvars) {
        struct value *bo = v_object(a, b.pairs, b.len, DUP_LAST_WINS, NULL);
        if (!bo || pair_list_push_str(a, &row, "bindings", bo) < 0)
            return -1;
    }
    struct value *r = v_object(a, row.pairs, row.len, DUP_LAST_WINS, NULL);
    return r && value_list_push(a, &qr->rows, r) == 0 ? 0 : -1;
}

int rego_eval_query_ex(const struct rego_compiled *c, const char *query,
                       const struct rego_eval_opts *opts, struct arena *a, struct value **result,
                       struct as_error *err, struct rego_error_info *info)
{
    *result = NULL;
    struct rquery q;
    struct rego_err e = {0};
    if (rcomp_query(c, a, query, strlen(query), &q, &e) < 0) {
        if (!e.code[0])
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
        return report(&e, ERR_POLICY_ERROR, err, info);
    }
    struct reval_opts ro;
    to_reval_opts(opts, &ro);
    ro.check_capture = q.check_capture;
    struct qresults qr = {a, &q, {0}};
    if (reval_query(c, &q, &ro, a, on_solution, &qr, &e) < 0) {
        if (!e.code[0])
            snprintf(e.code, sizeof(e.code), "eval_internal_error");
        return report(&e, ERR_POLICY_ERROR, err, info);
    }
    struct pair_list top = {0};
    if (qr.rows.len) {
        struct value *arr = v_array(a, qr.rows.items, qr.rows.len);
        if (!arr || pair_list_push_str(a, &top, "result", arr) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    *result = v_object(a, top.pairs, top.len, DUP_LAST_WINS, NULL);
    return *result ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

int rego_eval_query(const struct rego_compiled *c, const char *query,
                    const struct rego_eval_opts *opts, struct arena *a, struct value **result,
                    struct as_error *err)
{
    return rego_eval_query_ex(c, query, opts, a, result, err, NULL);
}

int rego_parse_value(const char *text, size_t len, struct arena *a, struct value **out,
                     struct as_error *err)
{
    struct rego_compiled *c;
    TRY(rego_compile(NULL, 0, REGO_V1, NULL, &c, err));
    char *q = arena_strndup(a, text, len);
    struct value *res;
    int rc = q ? rego_eval_query(c, q, NULL, a, &res, err) : -1;
    rego_compiled_free(c);
    if (rc < 0)
        return -1;
    struct value *rows = value_object_get_str(res, "result");
    if (!rows || rows->u.arr.len != 1)
        return as_err(err, 400, ERR_INVALID_REQUEST, "term is undefined");
    struct value *ex = value_object_get_str(rows->u.arr.items[0], "expressions");
    *out = value_object_get_str(ex->u.arr.items[0], "value");
    return 0;
}
