/* ast_json.c - a parsed module as OPA's JSON AST (rego.parse_module).
 *
 * OPA marshals ast.Module with encoding/json and reads the text back as a
 * term, so the result is what that JSON holds, with OPA's default options
 * (no locations):
 *   {"package": {"path": [data, "a", ...]},
 *    "imports": [{"path": ref, "alias": "x"}],       (omitted when none)
 *    "rules": [{"head": ..., "body": [...], "default": true, "else": rule}],
 *    "comments": [{"Text": base64, "Location": {"file","row","col"}}]}
 * A term is {"type": "<kind>", "value": ...}; an expression is
 * {"index": i, "terms": term | [operator, operands...] | {"symbols": [...]}
 * | {"key", "value", "domain", "body"}, "negated": true, "with": [...]}.
 * The head follows the shapes OPA's parser gives each way of writing a
 * rule (name only for a one-part head or where OPA keeps it for
 * compatibility; key for multi-value and `p[x]` heads; value true when
 * generated).  Wildcards `_` are numbered `$0`, `$1`, ... in source order,
 * else branches of functions renumbering their wildcard arguments, as
 * OPA's parser does.  Sets and objects are written sorted by OPA's term
 * order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "rego/ast.h"
#include "rego/lexer.h"

/* ---- wildcard numbering ---- */

struct wild {
    const void *key; /* the term, or the else rule for its argument idx */
    size_t idx;
    int row, col;
    size_t seq;
    int num;
};

struct jctx {
    struct arena *a;
    struct wild *w;
    size_t nw, wcap;
    bool oom;
};

static void wild_add(struct jctx *cx, const void *key, size_t idx, int row, int col)
{
    if (cx->nw == cx->wcap) {
        size_t nc = cx->wcap ? cx->wcap * 2 : 16;
        struct wild *n = arena_alloc(cx->a, nc * sizeof(*n));
        if (!n) {
            cx->oom = true;
            return;
        }
        if (cx->nw)
            memcpy(n, cx->w, cx->nw * sizeof(*n));
        cx->w = n;
        cx->wcap = nc;
    }
    cx->w[cx->nw] = (struct wild){key, idx, row, col, cx->nw, 0};
    cx->nw++;
}

static void wild_term(struct jctx *cx, const struct term *t);
static void wild_body(struct jctx *cx, const struct body *b);

static void wild_expr(struct jctx *cx, const struct expr *e)
{
    wild_term(cx, e->a);
    wild_term(cx, e->b);
    wild_term(cx, e->c);
    for (size_t i = 0; i < e->nvars; i++)
        wild_term(cx, e->vars[i]);
    for (size_t i = 0; i < e->nwith; i++) {
        wild_term(cx, e->with[i].target);
        wild_term(cx, e->with[i].value);
    }
    wild_body(cx, e->body);
}

static void wild_body(struct jctx *cx, const struct body *b)
{
    for (size_t i = 0; b && i < b->n; i++)
        wild_expr(cx, b->e[i]);
}

static void wild_term(struct jctx *cx, const struct term *t)
{
    if (!t)
        return;
    if (t->kind == TM_VAR && t->wildcard)
        wild_add(cx, t, 0, t->loc.row, t->loc.col);
    for (size_t i = 0; i < t->n; i++)
        wild_term(cx, t->a[i]);
    wild_term(cx, t->key);
    wild_term(cx, t->head);
    wild_body(cx, t->body);
}

static void wild_rule(struct jctx *cx, const struct rule *r, bool first)
{
    if (first) {
        wild_term(cx, r->ref);
        for (size_t i = 0; i < r->nargs; i++)
            wild_term(cx, r->args[i]);
    } else {
        /* an else branch copies the head, renumbering wildcard arguments */
        for (size_t i = 0; i < r->nargs; i++)
            if (r->args[i]->kind == TM_VAR && r->args[i]->wildcard)
                wild_add(cx, r, i, r->loc.row, r->loc.col);
    }
    wild_term(cx, r->value);
    wild_term(cx, r->elem);
    wild_body(cx, r->body);
}

static int cmp_pos(const void *x, const void *y)
{
    const struct wild *a = x, *b = y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_key(const void *x, const void *y)
{
    const struct wild *a = x, *b = y;
    if (a->key != b->key)
        return (uintptr_t)a->key < (uintptr_t)b->key ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void number_wildcards(struct jctx *cx, const struct module *m)
{
    for (size_t i = 0; i < m->nrules; i++) {
        const struct rule *r = m->rules[i];
        /* v0 chained bodies share the head of the first rule */
        bool shared = i > 0 && m->rules[i - 1]->ref == r->ref;
        wild_rule(cx, r, !shared);
        for (const struct rule *e = r->els; e; e = e->els)
            wild_rule(cx, e, false);
    }
    if (!cx->nw)
        return;
    qsort(cx->w, cx->nw, sizeof(*cx->w), cmp_pos);
    for (size_t i = 0; i < cx->nw; i++)
        cx->w[i].num = (int)i;
    qsort(cx->w, cx->nw, sizeof(*cx->w), cmp_key);
}

static int wild_num(const struct jctx *cx, const void *key, size_t idx)
{
    if (!cx->nw)
        return 0;
    struct wild k = {.key = key, .idx = idx};
    const struct wild *w = bsearch(&k, cx->w, cx->nw, sizeof(*cx->w), cmp_key);
    return w ? w->num : 0;
}

/* ---- building values ---- */

static struct value *str(struct jctx *cx, const char *s)
{
    struct value *v = v_cstr(cx->a, s);
    if (!v)
        cx->oom = true;
    return v;
}

static struct value *obj(struct jctx *cx, struct pair_list *p)
{
    struct value *v = v_object(cx->a, p->pairs, p->len, DUP_LAST_WINS, NULL);
    if (!v)
        cx->oom = true;
    return v;
}

static void put(struct jctx *cx, struct pair_list *p, const char *k, struct value *v)
{
    if (!v || pair_list_push_str(cx->a, p, k, v) < 0)
        cx->oom = true;
}

static struct value *arr(struct jctx *cx, struct value_list *l)
{
    struct value *v = v_array(cx->a, l->items, l->len);
    if (!v)
        cx->oom = true;
    return v;
}

static void push(struct jctx *cx, struct value_list *l, struct value *v)
{
    if (!v || value_list_push(cx->a, l, v) < 0)
        cx->oom = true;
}

static struct value *typed(struct jctx *cx, const char *type, struct value *val)
{
    struct pair_list p = {0};
    put(cx, &p, "type", str(cx, type));
    put(cx, &p, "value", val);
    return obj(cx, &p);
}

static struct value *var_term(struct jctx *cx, const char *name)
{
    return typed(cx, "var", str(cx, name));
}

static struct value *string_term(struct jctx *cx, const char *s, size_t n)
{
    struct value *v = v_string(cx->a, s, n);
    if (!v)
        cx->oom = true;
    return typed(cx, "string", v);
}

static struct value *wildcard_var(struct jctx *cx, const void *key, size_t idx)
{
    char name[32];
    snprintf(name, sizeof(name), "$%d", wild_num(cx, key, idx));
    return var_term(cx, name);
}

/* ---- OPA's term order (for sets and object keys) ---- */

static int kind_rank(const struct term *t)
{
    switch (t->kind) {
    case TM_SCALAR: return 0; /* ranked by value_compare */
    case TM_VAR: return 4;
    case TM_REF: return 5;
    case TM_ARRAY: return 6;
    case TM_OBJECT: return 7;
    case TM_SET: return 8;
    case TM_ARRAYC: return 9;
    case TM_OBJC: return 10;
    case TM_SETC: return 11;
    case TM_CALL: return 12;
    default: return 13;
    }
}

static int term_cmp(const struct term *a, const struct term *b)
{
    int ra = kind_rank(a), rb = kind_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->kind == TM_SCALAR)
        return value_compare(a->val, b->val);
    if (a->kind == TM_VAR)
        return strcmp(a->name, b->name);
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        int c = term_cmp(a->a[i], b->a[i]);
        if (c)
            return c;
    }
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    /* comprehensions and templates: by position (no semantic order) */
    return a->off < b->off ? -1 : a->off > b->off;
}

static int term_cmp_qsort(const void *x, const void *y)
{
    return term_cmp(*(const struct term *const *)x, *(const struct term *const *)y);
}

/* ---- terms ---- */

static struct value *term_json(struct jctx *cx, const struct term *t);
static struct value *body_json(struct jctx *cx, const struct body *b);

/* A function name as OPA's operator reference: "a.b" is a.b. */
static struct value *name_ref(struct jctx *cx, const char *name)
{
    struct value_list l = {0};
    const char *dot = strchr(name, '.');
    if (!dot) {
        push(cx, &l, var_term(cx, name));
        return typed(cx, "ref", arr(cx, &l));
    }
    char *head = arena_strndup(cx->a, name, (size_t)(dot - name));
    if (!head) {
        cx->oom = true;
        return NULL;
    }
    push(cx, &l, var_term(cx, head));
    while (dot) {
        const char *s = dot + 1;
        dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        push(cx, &l, string_term(cx, s, n));
    }
    return typed(cx, "ref", arr(cx, &l));
}

static struct value *operator_json(struct jctx *cx, const struct term *f)
{
    if (f->kind == TM_VAR)
        return name_ref(cx, f->name);
    return term_json(cx, f);
}

static struct value *terms_list(struct jctx *cx, const struct term *t, size_t from)
{
    struct value_list l = {0};
    for (size_t i = from; i < t->n; i++)
        push(cx, &l, term_json(cx, t->a[i]));
    return arr(cx, &l);
}

/* [operator, args...] of a call term */
static struct value *call_list(struct jctx *cx, const struct term *t)
{
    struct value_list l = {0};
    push(cx, &l, operator_json(cx, t->a[0]));
    for (size_t i = 1; i < t->n; i++)
        push(cx, &l, term_json(cx, t->a[i]));
    return arr(cx, &l);
}

static struct value *set_json(struct jctx *cx, const struct term *t)
{
    const struct term **s = arena_alloc(cx->a, (t->n + 1) * sizeof(*s));
    if (!s) {
        cx->oom = true;
        return NULL;
    }
    if (t->n) {
        memcpy(s, t->a, t->n * sizeof(*s));
        qsort(s, t->n, sizeof(*s), term_cmp_qsort);
    }
    struct value_list l = {0};
    for (size_t i = 0; i < t->n; i++)
        if (i == 0 || term_cmp(s[i - 1], s[i]) != 0)
            push(cx, &l, term_json(cx, s[i]));
    return typed(cx, "set", arr(cx, &l));
}

struct kv {
    const struct term *k, *v;
};

static int kv_cmp(const void *x, const void *y)
{
    return term_cmp(((const struct kv *)x)->k, ((const struct kv *)y)->k);
}

static struct value *object_json(struct jctx *cx, const struct term *t)
{
    size_t n = t->n / 2, m = 0;
    struct kv *kv = arena_alloc(cx->a, (n + 1) * sizeof(*kv));
    if (!kv) {
        cx->oom = true;
        return NULL;
    }
    /* a repeated key keeps its first place and takes the last value */
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && term_cmp(kv[j].k, t->a[2 * i]) != 0)
            j++;
        kv[j] = (struct kv){t->a[2 * i], t->a[2 * i + 1]};
        if (j == m)
            m++;
    }
    if (m)
        qsort(kv, m, sizeof(*kv), kv_cmp);
    struct value_list l = {0};
    for (size_t i = 0; i < m; i++) {
        struct value_list pair = {0};
        push(cx, &pair, term_json(cx, kv[i].k));
        push(cx, &pair, term_json(cx, kv[i].v));
        push(cx, &l, arr(cx, &pair));
    }
    return typed(cx, "object", arr(cx, &l));
}

static struct value *comprehension_json(struct jctx *cx, const struct term *t)
{
    struct pair_list p = {0};
    if (t->kind == TM_OBJC) {
        put(cx, &p, "key", term_json(cx, t->key));
        put(cx, &p, "value", term_json(cx, t->head));
    } else {
        put(cx, &p, "term", term_json(cx, t->head));
    }
    put(cx, &p, "body", body_json(cx, t->body));
    const char *type = t->kind == TM_ARRAYC ? "arraycomprehension"
                     : t->kind == TM_SETC  ? "setcomprehension"
                                           : "objectcomprehension";
    return typed(cx, type, obj(cx, &p));
}

static struct value *term_json(struct jctx *cx, const struct term *t)
{
    if (!t)
        return v_null();
    switch (t->kind) {
    case TM_SCALAR:
        return typed(cx, value_type_name((enum value_type)t->val->type), t->val);
    case TM_VAR:
        return t->wildcard ? wildcard_var(cx, t, 0) : var_term(cx, t->name);
    case TM_REF: return typed(cx, "ref", terms_list(cx, t, 0));
    case TM_ARRAY: return typed(cx, "array", terms_list(cx, t, 0));
    case TM_SET: return set_json(cx, t);
    case TM_OBJECT: return object_json(cx, t);
    case TM_ARRAYC:
    case TM_SETC:
    case TM_OBJC: return comprehension_json(cx, t);
    case TM_CALL: return typed(cx, "call", call_list(cx, t));
    default: /* TM_TEMPLATE: its literal parts and expressions */
        return typed(cx, "templatestring", terms_list(cx, t, 0));
    }
}

/* ---- expressions ---- */

static struct value *infix(struct jctx *cx, const char *op, const struct term *a,
                           const struct term *b)
{
    struct value_list l = {0};
    push(cx, &l, name_ref(cx, op));
    push(cx, &l, term_json(cx, a));
    push(cx, &l, term_json(cx, b));
    return arr(cx, &l);
}

static struct value *some_json(struct jctx *cx, const struct expr *e)
{
    struct value_list syms = {0};
    if (e->kind == EX_SOME) {
        for (size_t i = 0; i < e->nvars; i++)
            push(cx, &syms, term_json(cx, e->vars[i]));
    } else {
        struct value_list call = {0};
        push(cx, &call, name_ref(cx, e->a ? "internal.member_3" : "internal.member_2"));
        if (e->a)
            push(cx, &call, term_json(cx, e->a));
        push(cx, &call, term_json(cx, e->b));
        push(cx, &call, term_json(cx, e->c));
        push(cx, &syms, typed(cx, "call", arr(cx, &call)));
    }
    struct pair_list p = {0};
    put(cx, &p, "symbols", arr(cx, &syms));
    return obj(cx, &p);
}

static struct value *every_json(struct jctx *cx, const struct expr *e)
{
    struct pair_list p = {0};
    put(cx, &p, "key", term_json(cx, e->a));
    put(cx, &p, "value", term_json(cx, e->b));
    put(cx, &p, "domain", term_json(cx, e->c));
    put(cx, &p, "body", body_json(cx, e->body));
    return obj(cx, &p);
}

static struct value *expr_terms(struct jctx *cx, const struct expr *e)
{
    switch (e->kind) {
    case EX_UNIFY: return infix(cx, "eq", e->a, e->b);
    case EX_ASSIGN: return infix(cx, "assign", e->a, e->b);
    case EX_SOME:
    case EX_SOMEIN: return some_json(cx, e);
    case EX_EVERY: return every_json(cx, e);
    default:
        if (e->a->kind == TM_CALL)
            return call_list(cx, e->a);
        return term_json(cx, e->a);
    }
}

static struct value *expr_json(struct jctx *cx, const struct expr *e, size_t index)
{
    struct pair_list p = {0};
    put(cx, &p, "index", v_int(cx->a, (int64_t)index));
    put(cx, &p, "terms", expr_terms(cx, e));
    if (e->neg)
        put(cx, &p, "negated", v_bool(true));
    if (e->nwith) {
        struct value_list l = {0};
        for (size_t i = 0; i < e->nwith; i++) {
            struct pair_list w = {0};
            put(cx, &w, "target", term_json(cx, e->with[i].target));
            put(cx, &w, "value", term_json(cx, e->with[i].value));
            push(cx, &l, obj(cx, &w));
        }
        put(cx, &p, "with", arr(cx, &l));
    }
    return obj(cx, &p);
}

static struct value *body_json(struct jctx *cx, const struct body *b)
{
    struct value_list l = {0};
    for (size_t i = 0; b && i < b->n; i++)
        push(cx, &l, expr_json(cx, b->e[i], i));
    return arr(cx, &l);
}

/* ---- rule heads ---- */

static bool term_ground(const struct term *t)
{
    if (!t)
        return true;
    switch (t->kind) {
    case TM_SCALAR: return true;
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        for (size_t i = 0; i < t->n; i++)
            if (!term_ground(t->a[i]))
                return false;
        return true;
    default: return false;
    }
}

/* The head reference as written: parts[0..n). */
struct head_ref {
    const struct term *parts[64];
    const struct term **v;
    size_t n;
};

static bool head_parts(struct jctx *cx, const struct rule *r, struct head_ref *h)
{
    const struct term *ref = r->ref;
    size_t n = ref->kind == TM_REF ? ref->n : 1;
    bool shorthand = r->is_multi && !r->src_contains; /* v0 p[x] { } */
    h->n = n + (shorthand ? 1 : 0);
    h->v = h->n <= 64 ? h->parts : arena_alloc(cx->a, h->n * sizeof(*h->v));
    if (!h->v) {
        cx->oom = true;
        return false;
    }
    if (ref->kind == TM_REF)
        memcpy(h->v, ref->a, n * sizeof(*h->v));
    else
        h->v[0] = ref;
    if (shorthand)
        h->v[n] = r->elem;
    return true;
}

static struct value *head_ref_json(struct jctx *cx, const struct head_ref *h, size_t n)
{
    struct value_list l = {0};
    for (size_t i = 0; i < n; i++)
        push(cx, &l, term_json(cx, h->v[i]));
    return arr(cx, &l);
}

struct head_shape {
    bool name;                 /* "name": the head's first part */
    size_t ref_len;            /* parts in "ref" */
    const struct term *key;    /* "key" */
    const struct term *value;  /* "value" (NULL = none) */
    bool value_true;           /* a generated `true` value */
};

/* A rule without a written body: OPA turns the statement into a rule. */
static void shape_bodyless(const struct rule *r, const struct head_ref *h,
                           struct head_shape *s)
{
    s->ref_len = h->n;
    s->value = r->value;
    if (r->nargs || r->is_func) {
        s->name = h->n == 1;
        s->value_true = !r->value;
    } else if (h->n == 2) {
        s->name = true;
        s->key = h->v[1];
        if (!r->value)
            s->ref_len = 1;
    } else {
        s->name = h->n == 1;
        s->value_true = !r->value;
    }
}

static void shape_of(const struct rule *r, const struct head_ref *h, struct head_shape *s)
{
    memset(s, 0, sizeof(*s));
    s->ref_len = h->n;
    s->name = h->n == 1;
    if (r->is_multi) {
        /* contains (ref as written) or the v0 shorthand (ref without x) */
        s->key = r->elem;
        if (!r->src_contains) {
            s->name = true;
            s->ref_len = h->n - 1;
        }
        return;
    }
    if (r->is_default) {
        s->value = r->value;
        return;
    }
    if (!r->src_body) {
        shape_bodyless(r, h, s);
        return;
    }
    s->value = r->value;
    bool func = r->nargs || r->is_func;
    if (h->n == 2 && !func && r->src_if) {
        const struct term *k = h->v[1];
        if (!term_ground(k) || k->kind == TM_REF)
            s->key = k;
        if (r->value)
            s->name = true;
        else
            s->value_true = true;
        return;
    }
    if (h->n == 2 && !func && r->value) {
        /* v0 p[x] = y { } */
        s->name = true;
        s->key = h->v[1];
        return;
    }
    s->value_true = !r->value;
}

static struct value *head_json(struct jctx *cx, const struct rule *r, const struct rule *first)
{
    struct head_ref h;
    if (!head_parts(cx, first, &h))
        return NULL;
    struct head_shape s;
    shape_of(first, &h, &s);
    if (r != first) {
        /* else: the first head with this branch's value */
        s.value = r->value;
        s.value_true = !r->value;
        s.key = NULL;
    }
    struct pair_list p = {0};
    if (s.name)
        put(cx, &p, "name", str(cx, h.v[0]->name));
    put(cx, &p, "ref", head_ref_json(cx, &h, s.ref_len));
    if (first->nargs) {
        struct value_list l = {0};
        for (size_t i = 0; i < first->nargs; i++) {
            const struct term *a = first->args[i];
            bool renumber = r != first && a->kind == TM_VAR && a->wildcard;
            push(cx, &l, renumber ? wildcard_var(cx, r, i) : term_json(cx, a));
        }
        put(cx, &p, "args", arr(cx, &l));
    }
    if (s.key)
        put(cx, &p, "key", term_json(cx, s.key));
    if (s.value)
        put(cx, &p, "value", term_json(cx, s.value));
    else if (s.value_true)
        put(cx, &p, "value", typed(cx, "boolean", v_bool(true)));
    if (r->is_assign)
        put(cx, &p, "assign", v_bool(true));
    return obj(cx, &p);
}

static struct value *rule_json(struct jctx *cx, const struct rule *r, const struct rule *first)
{
    struct pair_list p = {0};
    put(cx, &p, "head", head_json(cx, r, first));
    put(cx, &p, "body", body_json(cx, r->body));
    if (r == first && r->is_default)
        put(cx, &p, "default", v_bool(true));
    if (r->els)
        put(cx, &p, "else", rule_json(cx, r->els, first));
    return obj(cx, &p);
}

/* ---- module ---- */

static struct value *package_json(struct jctx *cx, const struct module *m)
{
    struct value_list l = {0};
    push(cx, &l, var_term(cx, "data"));
    for (size_t i = 0; i < m->pkg_len; i++)
        push(cx, &l, typed(cx, "string", m->pkg_path[i]));
    struct pair_list p = {0};
    put(cx, &p, "path", arr(cx, &l));
    return obj(cx, &p);
}

static struct value *import_json(struct jctx *cx, const struct import *im)
{
    struct pair_list p = {0};
    struct value *path = im->path->kind == TM_REF ? term_json(cx, im->path) : NULL;
    if (!path) {
        struct value_list l = {0};
        push(cx, &l, term_json(cx, im->path));
        path = typed(cx, "ref", arr(cx, &l));
    }
    put(cx, &p, "path", path);
    if (im->alias)
        put(cx, &p, "alias", str(cx, im->alias));
    return obj(cx, &p);
}

static struct value *comment_json(struct jctx *cx, const struct module *m,
                                  const struct rlex_comment *c)
{
    struct pair_list loc = {0}, p = {0};
    put(cx, &loc, "file", str(cx, m->file ? m->file : ""));
    put(cx, &loc, "row", v_int(cx->a, c->row));
    put(cx, &loc, "col", v_int(cx->a, c->col));
    struct value *text = v_null(); /* Go's nil []byte for an empty comment */
    if (c->len) {
        char *b64 = b64_encode_arena(cx->a, (const uint8_t *)c->text, c->len, B64_STD_PAD);
        text = b64 ? v_string_ref(cx->a, b64, strlen(b64)) : NULL;
        if (!text)
            cx->oom = true;
    }
    put(cx, &p, "Text", text);
    put(cx, &p, "Location", obj(cx, &loc));
    return obj(cx, &p);
}

struct value *rast_module_json(struct arena *a, const struct module *m)
{
    struct jctx cx = {.a = a};
    number_wildcards(&cx, m);
    struct pair_list p = {0};
    put(&cx, &p, "package", package_json(&cx, m));
    if (m->nsrc_imports) {
        struct value_list l = {0};
        for (size_t i = 0; i < m->nsrc_imports; i++)
            push(&cx, &l, import_json(&cx, &m->src_imports[i]));
        put(&cx, &p, "imports", arr(&cx, &l));
    }
    if (m->nrules) {
        struct value_list l = {0};
        for (size_t i = 0; i < m->nrules; i++)
            push(&cx, &l, rule_json(&cx, m->rules[i], m->rules[i]));
        put(&cx, &p, "rules", arr(&cx, &l));
    }
    if (m->ncomments) {
        struct value_list l = {0};
        for (size_t i = 0; i < m->ncomments; i++)
            push(&cx, &l, comment_json(&cx, m, &m->comments[i]));
        put(&cx, &p, "comments", arr(&cx, &l));
    }
    struct value *v = obj(&cx, &p);
    return cx.oom ? NULL : v;
}
