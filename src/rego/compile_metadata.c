/* compile_metadata.c - the annotation set and rego.metadata.* rewriting.
 *
 * OPA's compiler stages setAnnotationSet and rewriteRegoMetadataCalls:
 * every module's annotations (parse_annotations.c) are collected by scope
 * (rule: per rule; package: per package path, once; document: per rule
 * path, once; subpackages: per package path, once; a second one is a
 * rego_type_error "<scope> annotation redeclared: <file>:<row>"), then in
 * each rule (else branches included) the calls rego.metadata.chain() and
 * rego.metadata.rule() become constants:
 *   chain: [{"path": [...], "annotations": {...}}, ...] from the rule's own
 *          rule-scope annotations (closest first; a bare {"path"} entry
 *          when it has none) through the document scope of its path, the
 *          package scope and the subpackages scopes up to the root;
 *   rule:  the closest rule-scope annotation, or {}.
 * Paths leave out the leading "data".  `f(x)` with an output argument
 * becomes `x = <constant>`. */
#include <stdio.h>
#include <string.h>

#include "rego/ast.h"

struct aentry {
    struct value *path; /* array, without "data" */
    struct annotation *an;
};

struct alist {
    struct aentry *v;
    size_t n, cap;
};

struct aset {
    struct arena *a;
    struct rego_err *err;
    struct alist by_rule, by_pkg, by_path;
};

struct mctx {
    struct aset *set;
    struct value *chain, *rule; /* the constants of the rule being rewritten */
};

/* ---- paths ---- */

static struct value *pkg_path(struct arena *a, const struct module *m)
{
    return v_array(a, m->pkg_path, m->pkg_len);
}

/* The package path extended by the constant prefix of the rule's head. */
static struct value *rule_path(struct arena *a, const struct rule *r)
{
    const struct module *m = r->mod;
    const struct term *ref = r->ref;
    size_t n = ref->kind == TM_REF ? ref->n : 1;
    struct value **items = arena_alloc(a, (m->pkg_len + n) * sizeof(*items));
    if (!items)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < m->pkg_len; i++)
        items[k++] = m->pkg_path[i];
    const struct term *head = ref->kind == TM_REF ? ref->a[0] : ref;
    if (!(items[k++] = v_cstr(a, head->name)))
        return NULL;
    for (size_t i = 1; i < n && ref->a[i]->kind == TM_SCALAR; i++)
        items[k++] = ref->a[i]->val;
    return v_array(a, items, k);
}

static bool is_prefix(const struct value *pre, const struct value *path)
{
    if (pre->u.arr.len > path->u.arr.len)
        return false;
    for (size_t i = 0; i < pre->u.arr.len; i++)
        if (!value_equal(pre->u.arr.items[i], path->u.arr.items[i]))
            return false;
    return true;
}

static struct aentry *find_path(const struct alist *l, const struct value *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (value_equal(l->v[i].path, path))
            return &l->v[i];
    return NULL;
}

/* ---- the set ---- */

static int redeclared(struct aset *s, const struct annotation *an, const struct annotation *old)
{
    rego_err_set(s->err, "rego_type_error", an->loc, "%s annotation redeclared: %s:%d", an->scope,
                 old->loc.file ? old->loc.file : "", old->loc.row);
    return -1;
}

static int add(struct aset *s, struct alist *l, struct value *path, struct annotation *an)
{
    if (!path)
        return -1;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        struct aentry *nv = arena_alloc(s->a, nc * sizeof(*nv));
        if (!nv)
            return -1;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = (struct aentry){path, an};
    return 0;
}

static int add_annotation(struct aset *s, const struct module *m, struct annotation *an)
{
    if (!strcmp(an->scope, "rule"))
        return add(s, &s->by_rule, rule_path(s->a, an->rule), an);
    struct value *path = !strcmp(an->scope, "document") ? rule_path(s->a, an->rule)
                                                        : pkg_path(s->a, m);
    if (!path)
        return -1;
    if (!strcmp(an->scope, "package")) {
        struct aentry *old = find_path(&s->by_pkg, path);
        return old ? redeclared(s, an, old->an) : add(s, &s->by_pkg, path, an);
    }
    struct aentry *old = find_path(&s->by_path, path);
    return old ? redeclared(s, an, old->an) : add(s, &s->by_path, path, an);
}

/* ---- the constants ---- */

static struct value *link(struct arena *a, struct value *path, const struct annotation *an)
{
    struct pair_list p = {0};
    if (pair_list_push_str(a, &p, "path", path) < 0 ||
        (an && pair_list_push_str(a, &p, "annotations", an->obj) < 0))
        return NULL;
    return v_object(a, p.pairs, p.len, DUP_LAST_WINS, NULL);
}

/* Rule-scope entries of r (*n of them), closest (latest location) first;
 * NULL when out of memory. */
static struct aentry **own_annotations(const struct aset *s, const struct rule *r, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < s->by_rule.n; i++)
        n += s->by_rule.v[i].an->rule == r;
    struct aentry **out = arena_alloc(s->a, (n + 1) * sizeof(*out));
    if (!out)
        return NULL;
    n = 0;
    for (size_t i = 0; i < s->by_rule.n; i++)
        if (s->by_rule.v[i].an->rule == r)
            out[n++] = &s->by_rule.v[i];
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0; j--) {
            const struct rloc *x = &out[j - 1]->an->loc, *y = &out[j]->an->loc;
            if (x->row > y->row || (x->row == y->row && x->col >= y->col))
                break;
            struct aentry *t = out[j - 1];
            out[j - 1] = out[j];
            out[j] = t;
        }
    }
    *count = n;
    return out;
}

static struct value *make_chain(const struct aset *s, const struct rule *r)
{
    struct arena *a = s->a;
    struct value_list l = {0};
    size_t n;
    struct aentry **own = own_annotations(s, r, &n);
    struct value *path = rule_path(a, r), *pkg = pkg_path(a, r->mod);
    if (!own || !path || !pkg)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (value_list_push(a, &l, link(a, own[i]->path, own[i]->an)) < 0)
            return NULL;
    if (!n && value_list_push(a, &l, link(a, path, NULL)) < 0)
        return NULL;
    const struct aentry *doc = find_path(&s->by_path, path);
    if (doc && value_list_push(a, &l, link(a, doc->path, doc->an)) < 0)
        return NULL;
    const struct aentry *pk = find_path(&s->by_pkg, pkg);
    if (pk && value_list_push(a, &l, link(a, pk->path, pk->an)) < 0)
        return NULL;
    for (size_t len = pkg->u.arr.len + 1; len-- > 0;) {
        for (size_t i = 0; i < s->by_path.n; i++) {
            const struct aentry *e = &s->by_path.v[i];
            if (e->path->u.arr.len == len && is_prefix(e->path, pkg) &&
                value_list_push(a, &l, link(a, e->path, e->an)) < 0)
                return NULL;
        }
    }
    return v_array(a, l.items, l.len);
}

static struct value *make_rule(const struct aset *s, const struct rule *r)
{
    size_t n;
    struct aentry **own = own_annotations(s, r, &n);
    if (!own)
        return NULL;
    if (n)
        return own[0]->an->obj;
    return v_object(s->a, NULL, 0, DUP_LAST_WINS, NULL);
}

/* ---- rewriting ---- */

/* 1 for rego.metadata.chain, 2 for rego.metadata.rule, else 0. */
static int metadata_call(const struct term *t)
{
    if (!t || t->kind != TM_CALL || t->n < 1)
        return 0;
    const struct term *f = t->a[0];
    if (f->kind != TM_REF || f->n != 3 || f->a[0]->kind != TM_VAR ||
        strcmp(f->a[0]->name, "rego") != 0)
        return 0;
    for (size_t i = 1; i < 3; i++)
        if (f->a[i]->kind != TM_SCALAR || !v_is(f->a[i]->val, V_STRING))
            return 0;
    if (strcmp(f->a[1]->val->u.str.s, "metadata") != 0)
        return 0;
    const char *fn = f->a[2]->val->u.str.s;
    return !strcmp(fn, "chain") ? 1 : !strcmp(fn, "rule") ? 2 : 0;
}

static bool term_calls(const struct term *t);
static bool body_calls(const struct body *b);

static bool expr_calls(const struct expr *e)
{
    if (term_calls(e->a) || term_calls(e->b) || term_calls(e->c) || body_calls(e->body))
        return true;
    for (size_t i = 0; i < e->nvars; i++)
        if (term_calls(e->vars[i]))
            return true;
    for (size_t i = 0; i < e->nwith; i++)
        if (term_calls(e->with[i].value))
            return true;
    return false;
}

static bool body_calls(const struct body *b)
{
    for (size_t i = 0; b && i < b->n; i++)
        if (expr_calls(b->e[i]))
            return true;
    return false;
}

static bool term_calls(const struct term *t)
{
    if (!t)
        return false;
    if (metadata_call(t))
        return true;
    for (size_t i = 0; i < t->n; i++)
        if (term_calls(t->a[i]))
            return true;
    return term_calls(t->key) || term_calls(t->head) || body_calls(t->body);
}

static int rewrite_term(struct mctx *cx, struct term **slot);
static int rewrite_body(struct mctx *cx, struct body *b);

static struct term *const_term(struct mctx *cx, const struct term *at, int which)
{
    struct term *c = arena_zalloc(cx->set->a, sizeof(*c));
    if (!c)
        return NULL;
    c->kind = TM_SCALAR;
    c->loc = at->loc;
    c->off = at->off;
    c->end = at->end;
    c->slot = SLOT_NONE;
    c->val = which == 1 ? cx->chain : cx->rule;
    return c->val ? c : NULL;
}

static int rewrite_term(struct mctx *cx, struct term **slot)
{
    struct term *t = *slot;
    if (!t)
        return 0;
    int which = metadata_call(t);
    if (which && t->n == 1) {
        *slot = const_term(cx, t, which);
        return *slot ? 0 : -1;
    }
    for (size_t i = 0; i < t->n; i++)
        TRY(rewrite_term(cx, &t->a[i]));
    TRY(rewrite_term(cx, &t->key));
    TRY(rewrite_term(cx, &t->head));
    return rewrite_body(cx, t->body);
}

static int rewrite_expr(struct mctx *cx, struct expr *e)
{
    int which = metadata_call(e->a);
    if (e->kind == EX_TERM && which && e->a->n == 2) {
        /* rego.metadata.chain(x): x = <constant> */
        struct term *out = e->a->a[1];
        struct term *c = const_term(cx, e->a, which);
        if (!c)
            return -1;
        e->kind = EX_UNIFY;
        e->a = out;
        e->b = c;
        return rewrite_term(cx, &e->a);
    }
    TRY(rewrite_term(cx, &e->a));
    TRY(rewrite_term(cx, &e->b));
    TRY(rewrite_term(cx, &e->c));
    for (size_t i = 0; i < e->nvars; i++)
        TRY(rewrite_term(cx, &e->vars[i]));
    for (size_t i = 0; i < e->nwith; i++)
        TRY(rewrite_term(cx, &e->with[i].value));
    return rewrite_body(cx, e->body);
}

static int rewrite_body(struct mctx *cx, struct body *b)
{
    for (size_t i = 0; b && i < b->n; i++)
        TRY(rewrite_expr(cx, b->e[i]));
    return 0;
}

static bool rule_calls(const struct rule *r)
{
    if (term_calls(r->value) || term_calls(r->elem) || term_calls(r->ref) || body_calls(r->body))
        return true;
    for (size_t i = 0; i < r->nargs; i++)
        if (term_calls(r->args[i]))
            return true;
    return false;
}

static int rewrite_rule(struct aset *s, struct rule *r)
{
    if (!rule_calls(r))
        return 0;
    struct mctx cx = {.set = s, .chain = make_chain(s, r), .rule = make_rule(s, r)};
    if (!cx.chain || !cx.rule)
        return -1;
    TRY(rewrite_term(&cx, &r->value));
    TRY(rewrite_term(&cx, &r->elem));
    if (r->ref->kind == TM_REF)
        for (size_t i = 1; i < r->ref->n; i++)
            TRY(rewrite_term(&cx, &r->ref->a[i]));
    return rewrite_body(&cx, r->body);
}

int rcomp_metadata(struct arena *a, struct module **mods, size_t nmods, struct rego_err *err)
{
    struct aset s = {.a = a, .err = err};
    for (size_t i = 0; i < nmods; i++)
        for (size_t k = 0; k < mods[i]->nannots; k++)
            TRY(add_annotation(&s, mods[i], mods[i]->annots[k]));
    for (size_t i = 0; i < nmods; i++)
        for (size_t k = 0; k < mods[i]->nrules; k++)
            for (struct rule *r = mods[i]->rules[k]; r; r = r->els)
                TRY(rewrite_rule(&s, r));
    return 0;
}
