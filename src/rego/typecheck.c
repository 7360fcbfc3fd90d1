/* typecheck.c - OPA's compile-time type checker (ast/check.go, ast/env.go,
 * types/types.go), run by the compiler after safety analysis.
 *
 * Owns: the type model (null, boolean, number, string, array, object, set,
 * any<...>, functions) with OPA's order, union, selection and printing; the
 * parser of built-in declarations (bi_decls.c, OPA's notation); the body
 * checker (unification of `=`/`:=`, built-in and function arguments,
 * references into values of known type, comprehensions); rule types
 * (complete, partial set/object, functions, ref heads) merged per rule
 * node as OPA's type environment; and the error list in OPA's order.
 *
 * OPA checks the program after its compiler rewrote it: nested calls are
 * lifted into their own expressions with a fresh output variable, `:=`
 * became `=`, `some x in xs` became `x = xs[_]`.  We check the compiled
 * tree as it is and follow the same order: a nested call is checked as an
 * expression of its own (its output "variable" is the call term) before
 * the expression holding it.  input and base data are `any`, except in
 * rules under METADATA `schemas` annotations with inline schemas
 * (typecheck_schema.c converts them; apply_schemas below scopes them).
 * Where our tree cannot tell what OPA would infer (every bodies, with
 * modifiers, iteration over rule children) the checker stays silent: it
 * must never reject a policy OPA accepts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "rego/typecheck.h"

/* ------------------------------------------------------------ types */

enum ty_kind { T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_SET, T_ANY, T_FN };

struct ty {
    uint8_t k;
    const char *name; /* named declaration argument or result */
    struct ty **v;    /* T_ARR static items, T_ANY members (sorted), T_FN args */
    size_t n;
    struct ty *dyn;    /* T_ARR dynamic items, T_SET element, T_FN result */
    struct value **pk; /* T_OBJ static keys (sorted) */
    struct ty **pv;
    size_t np;
    struct ty *dk, *dv;         /* T_OBJ dynamic property (both or neither) */
    struct ty *var;             /* T_FN variadic argument */
    struct ty *plain;           /* a named type: the same type without its name */
    struct ty *mkeys, *mvalues; /* T_OBJ: Keys and Values computed once */
};

static struct ty g_null = {.k = T_NULL}, g_bool = {.k = T_BOOL}, g_num = {.k = T_NUM},
                 g_str = {.k = T_STR}, g_any = {.k = T_ANY};
#define TY_A (&g_any)

/* pointer -> type map (lifted call outputs, comprehension types, decls) */
struct pmap_ent {
    const void *key;
    void *val;
};
struct pmap {
    struct pmap_ent *e;
    size_t cap, n;
};

struct lerr {
    struct rloc loc;
    char *msg, *details;
    bool nil_cause; /* OPA's causedByNilType */
};
struct lerrs {
    struct lerr *v;
    size_t n, cap;
};

#define RTC_MAX_NESTING 128

struct tc {
    struct rego_compiled *c;
    struct arena a;
    bool oom;
    struct pmap calls, comps, decls;
    struct ty **ntype;            /* per rule node id */
    uint8_t *nstate;              /* 0 unvisited, 1 in progress, 2 done */
    uint8_t *ntyped;              /* node_typed: 0 unknown, 1 no, 2 yes */
    struct ty **nextent;          /* node_extent of non-leaf nodes */
    int depth;                    /* rule types being inferred on demand, nested */
    const struct expr *with_expr; /* the expression vexpr checks next, for its with */
    struct lerrs all;
    struct pmap schemas; /* inline schema -> struct schema_memo */
    bool has_schemas;    /* some annotation has schemas */
};

struct env {
    struct tc *tc;
    struct ty **vt; /* per slot */
    int nslots;
    struct ty *sinput, *sdata; /* types given by schema annotations, or NULL */
};

static struct ty *ty_new(struct tc *tc, enum ty_kind k)
{
    struct ty *t = arena_zalloc(&tc->a, sizeof(*t));
    if (!t) {
        tc->oom = true;
        return NULL;
    }
    t->k = (uint8_t)k;
    return t;
}

static int ty_order(const struct ty *t)
{
    return t ? t->k : -1;
}

static int ty_cmp(const struct ty *a, const struct ty *b);

static int ty_slice_cmp(struct ty *const *a, size_t na, struct ty *const *b, size_t nb)
{
    size_t m = na < nb ? na : nb;
    for (size_t i = 0; i < m; i++) {
        int c = ty_cmp(a[i], b[i]);
        if (c)
            return c;
    }
    return na < nb ? -1 : na > nb ? 1 : 0;
}

static int ty_cmp_obj(const struct ty *a, const struct ty *b)
{
    if (a->dk && !b->dk)
        return 1;
    if (!a->dk && b->dk)
        return -1;
    if (a->dk) {
        int c = ty_cmp(a->dk, b->dk);
        if (c || (c = ty_cmp(a->dv, b->dv)))
            return c;
    }
    size_t m = a->np < b->np ? a->np : b->np;
    for (size_t i = 0; i < m; i++) {
        int c = value_compare(a->pk[i], b->pk[i]);
        if (c || (c = ty_cmp(a->pv[i], b->pv[i])))
            return c < 0 ? -1 : 1;
    }
    return a->np < b->np ? -1 : a->np > b->np ? 1 : 0;
}

static int ty_cmp(const struct ty *a, const struct ty *b)
{
    int x = ty_order(a), y = ty_order(b);
    if (x != y)
        return x < y ? -1 : 1;
    if (!a)
        return 0;
    switch (a->k) {
    case T_ARR:
        if (a->dyn && !b->dyn)
            return 1;
        if (!a->dyn && b->dyn)
            return -1;
        if (a->dyn) {
            int c = ty_cmp(a->dyn, b->dyn);
            if (c)
                return c;
        }
        return ty_slice_cmp(a->v, a->n, b->v, b->n);
    case T_OBJ:
        return ty_cmp_obj(a, b);
    case T_SET:
        return ty_cmp(a->dyn, b->dyn);
    case T_ANY:
        return ty_slice_cmp(a->v, a->n, b->v, b->n);
    case T_FN: {
        if (a->n != b->n)
            return a->n < b->n ? -1 : 1;
        int c = ty_slice_cmp(a->v, a->n, b->v, b->n);
        if (c || (c = ty_cmp(a->dyn, b->dyn)))
            return c;
        return ty_cmp(a->var, b->var);
    }
    default:
        return 0;
    }
}

static struct ty *ty_array(struct tc *tc, struct ty **st, size_t n, struct ty *dyn)
{
    struct ty *t = ty_new(tc, T_ARR);
    if (t) {
        t->v = st;
        t->n = n;
        t->dyn = dyn;
    }
    return t;
}

static struct ty *ty_set(struct tc *tc, struct ty *of)
{
    struct ty *t = ty_new(tc, T_SET);
    if (t)
        t->dyn = of;
    return t;
}

/* Sorts static properties by key (OPA's NewObject). */
static void obj_sort(struct ty *t)
{
    for (size_t i = 1; i < t->np; i++) {
        for (size_t j = i; j > 0 && value_compare(t->pk[j - 1], t->pk[j]) > 0; j--) {
            struct value *k = t->pk[j];
            struct ty *v = t->pv[j];
            t->pk[j] = t->pk[j - 1];
            t->pv[j] = t->pv[j - 1];
            t->pk[j - 1] = k;
            t->pv[j - 1] = v;
        }
    }
}

static struct ty *ty_object(struct tc *tc, struct ty *dk, struct ty *dv)
{
    struct ty *t = ty_new(tc, T_OBJ);
    if (t) {
        t->dk = dk;
        t->dv = dv;
    }
    return t;
}

static bool any_has(const struct ty *t, const struct ty *o, size_t *pos)
{
    size_t i = 0;
    while (i < t->n && ty_cmp(t->v[i], o) < 0)
        i++;
    if (pos)
        *pos = i;
    return i < t->n && ty_cmp(t->v[i], o) == 0;
}

static bool any_contains(const struct ty *t, const struct ty *o)
{
    if (o && o->k == T_FN)
        return false;
    return any_has(t, o, NULL) || t->n == 0;
}

static struct ty *any_union(struct tc *tc, struct ty *t, struct ty *o)
{
    if (t->n == 0)
        return t;
    if (o->n == 0)
        return o;
    struct ty *r = ty_new(tc, T_ANY);
    struct ty **v = arena_alloc(&tc->a, (t->n + o->n) * sizeof(*v));
    if (!r || !v) {
        tc->oom = true;
        return NULL;
    }
    size_t i = 0, j = 0, n = 0;
    while (i < t->n || j < o->n) {
        int c = i == t->n ? 1 : j == o->n ? -1 : ty_cmp(t->v[i], o->v[j]);
        if (c <= 0)
            v[n++] = t->v[i++];
        else
            v[n++] = o->v[j++];
        if (c == 0)
            j++;
    }
    r->v = v;
    r->n = n;
    return r;
}

static struct ty *any_merge(struct tc *tc, struct ty *t, struct ty *o)
{
    if (o->k == T_ANY)
        return any_union(tc, t, o);
    if (any_contains(t, o))
        return t;
    size_t pos;
    any_has(t, o, &pos);
    struct ty *r = ty_new(tc, T_ANY);
    struct ty **v = arena_alloc(&tc->a, (t->n + 1) * sizeof(*v));
    if (!r || !v) {
        tc->oom = true;
        return NULL;
    }
    memcpy(v, t->v, pos * sizeof(*v));
    v[pos] = o;
    memcpy(v + pos + 1, t->v + pos, (t->n - pos) * sizeof(*v));
    r->v = v;
    r->n = t->n + 1;
    return r;
}

static struct ty *ty_or(struct tc *tc, struct ty *a, struct ty *b);

static struct ty *fn_union(struct tc *tc, struct ty *a, struct ty *b)
{
    if (a->n != b->n || (a->var == NULL) != (b->var == NULL))
        return NULL;
    struct ty *r = ty_new(tc, T_FN);
    struct ty **v = arena_alloc(&tc->a, (a->n + 1) * sizeof(*v));
    if (!r || !v)
        return NULL;
    for (size_t i = 0; i < a->n; i++)
        v[i] = ty_or(tc, a->v[i], b->v[i]);
    r->v = v;
    r->n = a->n;
    r->dyn = ty_or(tc, a->dyn, b->dyn);
    r->var = ty_or(tc, a->var, b->var);
    return r;
}

/* OPA's types.Or */
static struct ty *ty_or(struct tc *tc, struct ty *a, struct ty *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->k == T_FN && b->k == T_FN)
        return fn_union(tc, a, b);
    if (a->k == T_FN || b->k == T_FN)
        return NULL;
    if (a->k == T_ANY)
        return any_merge(tc, a, b);
    if (b->k == T_ANY)
        return any_merge(tc, b, a);
    int c = ty_cmp(a, b);
    if (c == 0)
        return a;
    struct ty *r = ty_new(tc, T_ANY);
    struct ty **v = arena_alloc(&tc->a, 2 * sizeof(*v));
    if (!r || !v) {
        tc->oom = true;
        return NULL;
    }
    v[0] = c < 0 ? a : b;
    v[1] = c < 0 ? b : a;
    r->v = v;
    r->n = 2;
    return r;
}

static bool ty_contains(const struct ty *a, const struct ty *b)
{
    if (a && a->k == T_ANY)
        return any_contains(a, b);
    return ty_cmp(a, b) == 0;
}

/* OPA's types.TypeOf of a JSON value (sets are arrays in JSON) */
static struct ty *type_of(struct tc *tc, const struct value *v)
{
    switch (v->type) {
    case V_NULL:
        return &g_null;
    case V_BOOL:
        return &g_bool;
    case V_NUMBER:
        return &g_num;
    case V_STRING:
        return &g_str;
    case V_ARRAY:
    case V_SET: {
        struct ty **st = arena_alloc(&tc->a, (v->u.arr.len + 1) * sizeof(*st));
        if (!st) {
            tc->oom = true;
            return NULL;
        }
        for (size_t i = 0; i < v->u.arr.len; i++)
            st[i] = type_of(tc, v->u.arr.items[i]);
        return ty_array(tc, st, v->u.arr.len, NULL);
    }
    default: {
        struct ty *t = ty_object(tc, NULL, NULL);
        size_t n = v->u.obj.len;
        if (!t || !(t->pk = arena_alloc(&tc->a, (n + 1) * sizeof(*t->pk))) ||
            !(t->pv = arena_alloc(&tc->a, (n + 1) * sizeof(*t->pv)))) {
            tc->oom = true;
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            t->pk[i] = v->u.obj.pairs[i].key;
            t->pv[i] = type_of(tc, v->u.obj.pairs[i].val);
        }
        t->np = n;
        return t;
    }
    }
}

static struct ty *obj_select(struct tc *tc, const struct ty *t, const struct value *key)
{
    for (size_t i = 0; i < t->np; i++)
        if (value_compare(t->pk[i], key) == 0)
            return t->pv[i];
    if (t->dk && ty_contains(t->dk, type_of(tc, key)))
        return t->dv;
    return NULL;
}

/* OPA's types.Select */
static struct ty *ty_select(struct tc *tc, struct ty *a, const struct value *key)
{
    if (!a)
        return NULL;
    switch (a->k) {
    case T_ARR: {
        int64_t pos;
        if (key->type != V_NUMBER || value_as_int64(key, &pos) < 0 || pos < 0)
            return NULL;
        if ((size_t)pos < a->n)
            return a->v[pos];
        return a->dyn;
    }
    case T_OBJ:
        return obj_select(tc, a, key);
    case T_SET: {
        struct ty *t = type_of(tc, key);
        if (ty_cmp(a->dyn, t) == 0)
            return a->dyn;
        if (a->dyn && a->dyn->k == T_ANY && any_contains(a->dyn, t))
            return t;
        return NULL;
    }
    case T_ANY: {
        if (a->n == 0)
            return TY_A;
        struct ty *r = NULL;
        for (size_t i = 0; i < a->n; i++)
            r = ty_or(tc, ty_select(tc, a->v[i], key), r);
        return r;
    }
    default:
        return NULL;
    }
}

/* OPA's types.Keys */
static struct ty *ty_keys(struct tc *tc, struct ty *a)
{
    if (!a)
        return NULL;
    switch (a->k) {
    case T_ARR:
        return &g_num;
    case T_OBJ: {
        if (a->mkeys)
            return a->mkeys;
        struct ty *r = NULL;
        for (size_t i = 0; i < a->np; i++)
            r = ty_or(tc, r, type_of(tc, a->pk[i]));
        if (a->dk)
            r = ty_or(tc, r, a->dk);
        return a->mkeys = r;
    }
    case T_SET:
        return a->dyn;
    case T_ANY: {
        if (a->n == 0)
            return TY_A;
        struct ty *r = NULL;
        for (size_t i = 0; i < a->n; i++)
            r = ty_or(tc, ty_keys(tc, a->v[i]), r);
        return r;
    }
    default:
        return NULL;
    }
}

/* OPA's types.Values */
static struct ty *ty_values(struct tc *tc, struct ty *a)
{
    if (!a)
        return NULL;
    struct ty *r = NULL;
    switch (a->k) {
    case T_ARR:
        for (size_t i = 0; i < a->n; i++)
            r = ty_or(tc, r, a->v[i]);
        return ty_or(tc, r, a->dyn);
    case T_OBJ:
        if (a->mvalues)
            return a->mvalues;
        for (size_t i = 0; i < a->np; i++)
            r = ty_or(tc, r, a->pv[i]);
        return a->mvalues = a->dk ? ty_or(tc, r, a->dv) : r;
    case T_SET:
        return a->dyn;
    case T_ANY:
        if (a->n == 0)
            return TY_A;
        for (size_t i = 0; i < a->n; i++)
            r = ty_or(tc, ty_values(tc, a->v[i]), r);
        return r;
    default:
        return NULL;
    }
}

/* OPA's types.Nil: the type is unknown somewhere */
static bool ty_nil(const struct ty *a)
{
    if (!a)
        return true;
    switch (a->k) {
    case T_FN:
        for (size_t i = 0; i < a->n; i++)
            if (ty_nil(a->v[i]))
                return true;
        return ty_nil(a->dyn);
    case T_ARR:
        for (size_t i = 0; i < a->n; i++)
            if (ty_nil(a->v[i]))
                return true;
        return a->dyn && ty_nil(a->dyn);
    case T_OBJ:
        for (size_t i = 0; i < a->np; i++)
            if (ty_nil(a->pv[i]))
                return true;
        return a->dk && (ty_nil(a->dk) || ty_nil(a->dv));
    case T_SET:
        return ty_nil(a->dyn);
    default:
        return false;
    }
}

static struct ty *arr_sel(const struct ty *a, size_t i)
{
    return i < a->n ? a->v[i] : a->dyn;
}

static bool unifies(const struct ty *a, const struct ty *b);

static bool unifies_any(const struct ty *a, const struct ty *b)
{
    if (b->k == T_FN)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (unifies(a->v[i], b))
            return true;
    return a->n == 0;
}

static bool unifies_arrays(const struct ty *a, const struct ty *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (!unifies(a->v[i], arr_sel(b, i)))
            return false;
    for (size_t i = 0; i < b->n; i++)
        if (!unifies(b->v[i], arr_sel(a, i)))
            return false;
    return !a->dyn || !b->dyn || unifies(a->dyn, b->dyn);
}

static bool unifies_objects(const struct ty *a, const struct ty *b)
{
    /* obj_select needs no allocation for a static key lookup miss only
     * when the key types are known: compare statics directly */
    for (int pass = 0; pass < 2; pass++) {
        const struct ty *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->np; i++) {
            const struct ty *sel = NULL;
            size_t j;
            for (j = 0; j < y->np; j++)
                if (value_compare(y->pk[j], x->pk[i]) == 0)
                    break;
            if (j < y->np)
                sel = y->pv[j];
            else if (y->dk) {
                enum value_type kt = x->pk[i]->type;
                struct ty scalar = {.k = kt == V_NULL     ? T_NULL
                                         : kt == V_BOOL   ? T_BOOL
                                         : kt == V_NUMBER ? T_NUM
                                         : kt == V_STRING ? T_STR
                                                          : T_ARR};
                if (kt <= V_STRING && ty_contains(y->dk, &scalar))
                    sel = y->dv;
                else if (kt > V_STRING && y->dk->k == T_ANY && y->dk->n == 0)
                    sel = y->dv;
            }
            if (!unifies(x->pv[i], sel))
                return false;
        }
    }
    return !a->dk || !b->dk || unifies(a->dv, b->dv);
}

/* OPA's unifies(a, b) of check.go */
static bool unifies(const struct ty *a, const struct ty *b)
{
    if (!a || !b)
        return false;
    if (a->k == T_ANY && unifies_any(a, b))
        return true;
    if (b->k == T_ANY && unifies_any(b, a))
        return true;
    if (a->k == T_ANY || b->k == T_ANY)
        return false;
    if (a->k != b->k)
        return false;
    switch (a->k) {
    case T_ARR:
        return unifies_arrays(a, b);
    case T_OBJ:
        return unifies_objects(a, b);
    case T_SET:
        return unifies(a->dyn, b->dyn);
    case T_FN:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!unifies(a->v[i], b->v[i]))
                return false;
        return true;
    default:
        return true;
    }
}

/* ------------------------------------------------------------ printing */

static void print_key(struct buf *b, const struct value *k)
{
    if (k->type == V_STRING)
        buf_append(b, k->u.str.s, k->u.str.len);
    else
        json_print(b, k, JSON_COMPACT);
}

static void ty_print(struct buf *b, const struct ty *t);

static void ty_print_list(struct buf *b, struct ty *const *v, size_t n, bool named)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(b, ", ");
        if (named && v[i] && v[i]->name)
            buf_printf(b, "%s: ", v[i]->name);
        ty_print(b, v[i]);
    }
}

/* OPA's FuncArgs.String; named keeps declaration names (NamedFuncArgs) */
static void fargs_print(struct buf *b, struct ty *const *v, size_t n, const struct ty *var,
                        bool named)
{
    buf_putc(b, '(');
    ty_print_list(b, v, n, named);
    if (var) {
        if (n)
            buf_puts(b, ", ");
        if (named && var->name)
            buf_printf(b, "%s: ", var->name);
        ty_print(b, var);
        buf_puts(b, "...");
    }
    buf_putc(b, ')');
}

static void ty_print(struct buf *b, const struct ty *t)
{
    if (!t) {
        buf_puts(b, "???");
        return;
    }
    static const char *const names[] = {"null",  "boolean", "number", "string",
                                        "array", "object",  "set",    "any"};
    switch (t->k) {
    case T_ARR:
    case T_ANY:
        buf_puts(b, names[t->k]);
        if (t->n) {
            buf_putc(b, '<');
            ty_print_list(b, t->v, t->n, false);
            buf_putc(b, '>');
        }
        if (t->k == T_ARR && t->dyn) {
            buf_putc(b, '[');
            ty_print(b, t->dyn);
            buf_putc(b, ']');
        }
        return;
    case T_OBJ:
        buf_puts(b, "object");
        for (size_t i = 0; i < t->np; i++) {
            buf_puts(b, i ? ", " : "<");
            print_key(b, t->pk[i]);
            buf_puts(b, ": ");
            ty_print(b, t->pv[i]);
        }
        if (t->np)
            buf_putc(b, '>');
        if (t->dk) {
            buf_putc(b, '[');
            ty_print(b, t->dk);
            buf_puts(b, ": ");
            ty_print(b, t->dv);
            buf_putc(b, ']');
        }
        return;
    case T_SET:
        buf_puts(b, "set[");
        ty_print(b, t->dyn);
        buf_putc(b, ']');
        return;
    case T_FN:
        fargs_print(b, t->v, t->n, t->var, false);
        buf_puts(b, " => ");
        ty_print(b, t->dyn);
        return;
    default:
        buf_puts(b, names[t->k]);
    }
}

/* ------------------------------------------------- declarations (parse) */

struct dparse {
    struct tc *tc;
    const char *s;
    bool bad;
};

static void dp_ws(struct dparse *p)
{
    while (*p->s == ' ')
        p->s++;
}

static bool dp_eat(struct dparse *p, const char *tok)
{
    dp_ws(p);
    size_t n = strlen(tok);
    if (strncmp(p->s, tok, n) != 0)
        return false;
    p->s += n;
    return true;
}

static size_t dp_ident(struct dparse *p)
{
    dp_ws(p);
    size_t n = 0;
    while (p->s[n] == '_' || (p->s[n] >= 'a' && p->s[n] <= 'z') ||
           (p->s[n] >= 'A' && p->s[n] <= 'Z') || (p->s[n] >= '0' && p->s[n] <= '9'))
        n++;
    return n;
}

static struct ty *dp_type(struct dparse *p);

/* "name:" before a type (an argument or result name; OPA has one with a
 * space: "formatted timestamp") */
static const char *dp_name(struct dparse *p)
{
    size_t n = dp_ident(p);
    while (p->s[n] == ' ' && n > 0) {
        size_t m = n + 1;
        while ((p->s[m] >= 'a' && p->s[m] <= 'z') || p->s[m] == '_')
            m++;
        if (m == n + 1)
            break;
        n = m;
    }
    const char *q = p->s + n;
    while (*q == ' ')
        q++;
    if (n == 0 || *q != ':')
        return NULL;
    char *name = arena_strndup(&p->tc->a, p->s, n);
    p->s = q + 1;
    return name;
}

static size_t dp_list(struct dparse *p, const char *close, struct ty ***out)
{
    struct ty *items[32];
    size_t n = 0;
    do {
        if (n == 32) {
            p->bad = true;
            return 0;
        }
        items[n++] = dp_type(p);
    } while (dp_eat(p, ","));
    if (!dp_eat(p, close))
        p->bad = true;
    *out = arena_memdup(&p->tc->a, items, n * sizeof(*items));
    return n;
}

static void dp_sort_any(struct ty *t)
{
    for (size_t i = 1; i < t->n; i++)
        for (size_t j = i; j > 0 && ty_cmp(t->v[j - 1], t->v[j]) > 0; j--) {
            struct ty *x = t->v[j];
            t->v[j] = t->v[j - 1];
            t->v[j - 1] = x;
        }
}

static void dp_object(struct dparse *p, struct ty *t)
{
    if (dp_eat(p, "<")) {
        struct value *keys[32];
        struct ty *vals[32];
        size_t n = 0;
        do {
            size_t len = dp_ident(p);
            if (n == 32 || len == 0) {
                p->bad = true;
                return;
            }
            keys[n] = v_string(&p->tc->a, p->s, len);
            p->s += len;
            if (!dp_eat(p, ":")) {
                p->bad = true;
                return;
            }
            vals[n++] = dp_type(p);
        } while (dp_eat(p, ","));
        if (!dp_eat(p, ">"))
            p->bad = true;
        t->pk = arena_memdup(&p->tc->a, keys, n * sizeof(*keys));
        t->pv = arena_memdup(&p->tc->a, vals, n * sizeof(*vals));
        t->np = n;
        obj_sort(t);
    }
    if (dp_eat(p, "[")) {
        t->dk = dp_type(p);
        if (!dp_eat(p, ":"))
            p->bad = true;
        t->dv = dp_type(p);
        if (!dp_eat(p, "]"))
            p->bad = true;
    }
}

static struct ty *dp_type(struct dparse *p)
{
    static struct {
        const char *word;
        struct ty *t;
    } const scalars[] = {
        {"null", &g_null}, {"boolean", &g_bool}, {"number", &g_num}, {"string", &g_str}};
    size_t n = dp_ident(p);
    for (size_t i = 0; i < 4; i++)
        if (n == strlen(scalars[i].word) && !strncmp(p->s, scalars[i].word, n)) {
            p->s += n;
            return scalars[i].t;
        }
    enum ty_kind k = n == 3 && !strncmp(p->s, "any", 3)      ? T_ANY
                     : n == 5 && !strncmp(p->s, "array", 5)  ? T_ARR
                     : n == 6 && !strncmp(p->s, "object", 6) ? T_OBJ
                     : n == 3 && !strncmp(p->s, "set", 3)    ? T_SET
                                                             : T_FN;
    if (k == T_FN) {
        p->bad = true;
        return NULL;
    }
    p->s += n;
    struct ty *t = ty_new(p->tc, k);
    if (!t)
        return NULL;
    if (k == T_OBJ) {
        dp_object(p, t);
        return t;
    }
    if ((k == T_ANY || k == T_ARR) && dp_eat(p, "<"))
        t->n = dp_list(p, ">", &t->v);
    if (k == T_ANY)
        dp_sort_any(t);
    if (k != T_ANY && dp_eat(p, "[")) {
        t->dyn = dp_type(p);
        if (!dp_eat(p, "]"))
            p->bad = true;
    }
    return t;
}

static struct ty *dp_named(struct dparse *p)
{
    const char *name = dp_name(p);
    struct ty *t = dp_type(p);
    if (!t || !name)
        return t;
    struct ty *c = ty_new(p->tc, t->k);
    if (!c)
        return NULL;
    *c = *t;
    c->name = name;
    c->plain = t;
    return c;
}

/* "(a: T, b: U, v: W...) => r: R" -> function type */
static struct ty *parse_decl(struct tc *tc, const char *s)
{
    struct dparse p = {.tc = tc, .s = s};
    struct ty *f = ty_new(tc, T_FN);
    struct ty *args[32];
    size_t n = 0;
    if (!f || !dp_eat(&p, "("))
        return NULL;
    if (!dp_eat(&p, ")")) {
        do {
            struct ty *t = n < 32 ? dp_named(&p) : NULL;
            if (!t)
                return NULL;
            if (dp_eat(&p, "..."))
                f->var = t;
            else
                args[n++] = t;
        } while (dp_eat(&p, ","));
        if (!dp_eat(&p, ")"))
            return NULL;
    }
    if (dp_eat(&p, "=>"))
        f->dyn = dp_named(&p);
    dp_ws(&p);
    if (p.bad || *p.s || tc->oom)
        return NULL;
    f->v = arena_memdup(&tc->a, args, (n + 1) * sizeof(*args));
    f->n = n;
    return f;
}

/* ------------------------------------------------------------ pmap */

static size_t pm_hash(const void *k, size_t cap)
{
    uintptr_t x = (uintptr_t)k;
    x ^= x >> 17;
    x *= 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 7) & (cap - 1);
}

static struct pmap_ent *pm_find(struct pmap *m, const void *k)
{
    if (!m->cap)
        return NULL;
    for (size_t i = pm_hash(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->e[i].key)
            return NULL;
        if (m->e[i].key == k)
            return &m->e[i];
    }
}

static int pm_put(struct pmap *m, const void *k, void *v)
{
    struct pmap_ent *e = pm_find(m, k);
    if (e) {
        e->val = v;
        return 0;
    }
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        struct pmap_ent *ne = calloc(ncap, sizeof(*ne));
        if (!ne)
            return -1;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->e[i].key)
                continue;
            size_t j = pm_hash(m->e[i].key, ncap);
            while (ne[j].key)
                j = (j + 1) & (ncap - 1);
            ne[j] = m->e[i];
        }
        free(m->e);
        m->e = ne;
        m->cap = ncap;
    }
    size_t j = pm_hash(k, m->cap);
    while (m->e[j].key)
        j = (j + 1) & (m->cap - 1);
    m->e[j] = (struct pmap_ent){.key = k, .val = v};
    m->n++;
    return 0;
}

/* ------------------------------------------------------------ errors */

static void lerr_add(struct tc *tc, struct lerrs *l, struct rloc loc, struct buf *msg,
                     struct buf *det, bool nil_cause)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        struct lerr *nv = arena_alloc(&tc->a, ncap * sizeof(*nv));
        if (!nv) {
            tc->oom = true;
            return;
        }
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = ncap;
    }
    struct lerr *e = &l->v[l->n];
    e->loc = loc;
    e->msg = arena_strdup(&tc->a, buf_cstr(msg));
    e->details = det && det->len ? arena_strdup(&tc->a, buf_cstr(det)) : NULL;
    e->nil_cause = nil_cause;
    if (!e->msg || buf_failed(msg) || (det && buf_failed(det)))
        tc->oom = true;
    else
        l->n++;
}

static void lerrs_cat(struct tc *tc, struct lerrs *dst, const struct lerrs *src)
{
    for (size_t i = 0; i < src->n && !tc->oom; i++) {
        if (dst->n == dst->cap) {
            size_t ncap = dst->cap ? dst->cap * 2 : 8;
            struct lerr *nv = arena_alloc(&tc->a, ncap * sizeof(*nv));
            if (!nv) {
                tc->oom = true;
                return;
            }
            if (dst->n)
                memcpy(nv, dst->v, dst->n * sizeof(*nv));
            dst->v = nv;
            dst->cap = ncap;
        }
        dst->v[dst->n++] = src->v[i];
    }
}

/* ------------------------------------------------- term printing (OPA) */

static bool is_keyword(const char *s, size_t n)
{
    static const char *const kws[] = {"not",  "package", "import", "as",       "default",
                                      "else", "with",    "null",   "true",     "false",
                                      "some", "in",      "every",  "contains", "if"};
    for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
        if (strlen(kws[i]) == n && !memcmp(kws[i], s, n))
            return true;
    return false;
}

static bool is_var_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

static void term_print(struct buf *b, const struct term *t);

static void terms_print(struct buf *b, struct term *const *v, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(b, sep);
        term_print(b, v[i]);
    }
}

/* OPA's Ref.String for the first n terms */
static void ref_print(struct buf *b, const struct term *r, size_t n)
{
    size_t start = 0;
    if (n && r->a[0]->kind == TM_VAR) {
        term_print(b, r->a[0]);
        start = 1;
    }
    for (size_t i = start; i < n; i++) {
        const struct term *p = r->a[i];
        if (p->kind == TM_SCALAR && p->val->type == V_STRING && b->len > 0 &&
            is_var_name(p->val->u.str.s, p->val->u.str.len) &&
            !is_keyword(p->val->u.str.s, p->val->u.str.len)) {
            buf_putc(b, '.');
            buf_append(b, p->val->u.str.s, p->val->u.str.len);
        } else {
            buf_putc(b, '[');
            term_print(b, p);
            buf_putc(b, ']');
        }
    }
}

static void term_print(struct buf *b, const struct term *t)
{
    switch (t->kind) {
    case TM_SCALAR:
        json_print(b, t->val, JSON_COMPACT);
        return;
    case TM_VAR:
        buf_puts(b, t->wildcard || !t->name ? "_" : t->name);
        return;
    case TM_REF:
        ref_print(b, t, t->n);
        return;
    case TM_ARRAY:
        buf_putc(b, '[');
        terms_print(b, t->a, t->n, ", ");
        buf_putc(b, ']');
        return;
    case TM_SET:
        if (!t->n) {
            buf_puts(b, "set()");
            return;
        }
        buf_putc(b, '{');
        terms_print(b, t->a, t->n, ", ");
        buf_putc(b, '}');
        return;
    case TM_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i + 1 < t->n; i += 2) {
            if (i)
                buf_puts(b, ", ");
            term_print(b, t->a[i]);
            buf_puts(b, ": ");
            term_print(b, t->a[i + 1]);
        }
        buf_putc(b, '}');
        return;
    case TM_CALL:
        buf_puts(b, t->fn_name ? t->fn_name : "?");
        buf_putc(b, '(');
        terms_print(b, t->a + 1, t->n - 1, ", ");
        buf_putc(b, ')');
        return;
    default:
        buf_puts(b, "<term>");
    }
}

static size_t ref_len(const struct term *r, size_t n)
{
    struct buf b = BUF_INIT;
    ref_print(&b, r, n);
    size_t len = b.len;
    buf_free(&b);
    return len;
}

/* ------------------------------------------------- environment (env.go) */

static struct ty *node_leaf(struct tc *tc, struct rnode *n);
static struct ty *term_type(struct env *e, struct term *t);
static void check_body(struct env *e, struct body *b, struct lerrs *errs);

static bool var_like(const struct term *t)
{
    return t->kind == TM_VAR || t->kind == TM_CALL;
}

static bool has_rules(const struct rnode *n)
{
    return n->nrules || n->nfuncs || n->dflt;
}

/* A rule node is in OPA's type tree when it or a node below has rules
 * (decided without inferring any type: a rule whose type is unknown is
 * `any` below). */
static bool node_typed(struct tc *tc, struct rnode *n)
{
    bool cache = n->id >= 0 && n->id < tc->c->nnodes;
    if (cache && tc->ntyped[n->id])
        return tc->ntyped[n->id] == 2;
    bool typed = has_rules(n);
    for (size_t k = 0; k < n->nkids && !typed; k++)
        typed = node_typed(tc, n->kids[k]);
    if (cache)
        tc->ntyped[n->id] = typed ? 2 : 1;
    return typed;
}

static struct rnode *typed_kid(struct tc *tc, struct rnode *n, const struct value *key)
{
    if (key->type != V_STRING)
        return NULL;
    struct rnode *kid = rcomp_node_child(n, key->u.str.s, key->u.str.len);
    return kid && node_typed(tc, kid) ? kid : NULL;
}

/* OPA's getRefRecExtent */
static struct ty *node_extent(struct tc *tc, struct rnode *n)
{
    struct ty *leaf = node_leaf(tc, n);
    if (leaf)
        return leaf;
    if (has_rules(n))
        return TY_A;
    bool cache = n->id >= 0 && n->id < tc->c->nnodes;
    if (cache && tc->nextent[n->id])
        return tc->nextent[n->id];
    struct ty *t = ty_object(tc, &g_str, TY_A);
    if (!t || !(t->pk = arena_alloc(&tc->a, (n->nkids + 1) * sizeof(*t->pk))) ||
        !(t->pv = arena_alloc(&tc->a, (n->nkids + 1) * sizeof(*t->pv)))) {
        tc->oom = true;
        return TY_A;
    }
    for (size_t k = 0; k < n->nkids; k++) {
        if (!node_typed(tc, n->kids[k]))
            continue;
        t->pk[t->np] = n->kids[k]->key;
        t->pv[t->np++] = node_extent(tc, n->kids[k]);
    }
    obj_sort(t);
    if (cache)
        tc->nextent[n->id] = t;
    return t;
}

static struct ty *data_type(struct tc *tc)
{
    return node_typed(tc, tc->c->root) ? node_extent(tc, tc->c->root) : TY_A;
}

static struct ty *var_get(struct env *e, const struct term *t)
{
    if (t->kind == TM_CALL) {
        struct pmap_ent *pe = pm_find(&e->tc->calls, t);
        return pe ? pe->val : NULL;
    }
    if (t->slot == SLOT_INPUT)
        return e->sinput ? e->sinput : TY_A;
    if (t->slot == SLOT_DATA)
        return e->sdata ? e->sdata : data_type(e->tc);
    return t->slot >= 0 && t->slot < e->nslots ? e->vt[t->slot] : NULL;
}

static void var_put(struct env *e, const struct term *t, struct ty *ty)
{
    if (t->kind == TM_CALL) {
        if (pm_put(&e->tc->calls, t, ty) < 0)
            e->tc->oom = true;
    } else if (t->slot >= 0 && t->slot < e->nslots) {
        e->vt[t->slot] = ty;
    }
}

/* OPA's selectRef from operand k on */
static struct ty *select_ref(struct tc *tc, struct ty *t, const struct term *r, size_t k)
{
    for (; k < r->n && t; k++) {
        const struct term *op = r->a[k];
        t = op->kind == TM_SCALAR ? ty_select(tc, t, op->val) : ty_values(tc, t);
    }
    return t;
}

/* OPA's GetByRef for data.<...> */
static struct ty *data_ref_type(struct tc *tc, const struct term *r)
{
    struct rnode *n = tc->c->root;
    if (!node_typed(tc, n))
        return TY_A;
    for (size_t k = 1;; k++) {
        if (k == r->n)
            return node_extent(tc, n);
        const struct term *op = r->a[k];
        struct ty *leaf = node_leaf(tc, n);
        if (leaf) {
            struct rnode *kid = op->kind == TM_SCALAR ? typed_kid(tc, n, op->val) : NULL;
            if (!kid)
                return select_ref(tc, leaf, r, k);
            n = kid;
            continue;
        }
        if (op->kind != TM_SCALAR)
            return (op->flags & TF_CONST) ? TY_A : select_ref(tc, node_extent(tc, n), r, k);
        struct rnode *kid = typed_kid(tc, n, op->val);
        if (!kid)
            return TY_A;
        n = kid;
    }
}

/* OPA's expandExprRef assigns a composite, comprehension or call subject
 * of a reference to a fresh local first: its type is the subject's. */
static bool is_composite_head(const struct term *h)
{
    return h->kind == TM_ARRAY || h->kind == TM_OBJECT || h->kind == TM_SET ||
           h->kind == TM_ARRAYC || h->kind == TM_SETC || h->kind == TM_OBJC;
}

static struct ty *ref_type(struct env *e, const struct term *r)
{
    const struct term *h = r->a[0];
    if (h->kind == TM_VAR && h->slot == SLOT_DATA && e->sdata)
        return select_ref(e->tc, e->sdata, r, 1);
    if (h->kind == TM_VAR && h->slot == SLOT_DATA)
        return data_ref_type(e->tc, r);
    if (h->kind == TM_VAR && h->slot == SLOT_INPUT)
        return e->sinput ? select_ref(e->tc, e->sinput, r, 1) : TY_A;
    if (var_like(h))
        return select_ref(e->tc, var_get(e, h), r, 1);
    if (is_composite_head(h))
        return select_ref(e->tc, term_type(e, (struct term *)h), r, 1);
    return NULL;
}

/* A comprehension: its body checked once in a wrapped environment. */
struct comp_memo {
    struct ty *t;
    struct lerrs errs;
};

static struct comp_memo *comp_check(struct env *e, struct term *t)
{
    struct tc *tc = e->tc;
    struct pmap_ent *pe = pm_find(&tc->comps, t);
    if (pe)
        return pe->val;
    struct comp_memo *m = arena_zalloc(&tc->a, sizeof(*m));
    struct ty **saved = arena_memdup(&tc->a, e->vt, ((size_t)e->nslots + 1) * sizeof(*saved));
    if (!m || !saved || pm_put(&tc->comps, t, m) < 0) {
        tc->oom = true;
        return NULL;
    }
    check_body(e, t->body, &m->errs);
    if (m->errs.n == 0) {
        if (t->kind == TM_ARRAYC)
            m->t = ty_array(tc, NULL, 0, term_type(e, t->head));
        else if (t->kind == TM_SETC)
            m->t = ty_set(tc, term_type(e, t->head));
        else
            m->t = ty_object(tc, term_type(e, t->key), term_type(e, t->head));
    }
    memcpy(e->vt, saved, (size_t)e->nslots * sizeof(*saved));
    return m;
}

static struct ty *object_term_type(struct env *e, struct term *t)
{
    struct tc *tc = e->tc;
    struct ty *o = ty_object(tc, NULL, NULL);
    if (!o || !(o->pk = arena_alloc(&tc->a, (t->n / 2 + 1) * sizeof(*o->pk))) ||
        !(o->pv = arena_alloc(&tc->a, (t->n / 2 + 1) * sizeof(*o->pv)))) {
        tc->oom = true;
        return NULL;
    }
    for (size_t i = 0; i + 1 < t->n; i += 2) {
        struct term *k = t->a[i], *v = t->a[i + 1];
        if ((k->flags & TF_CONST) && k->val) {
            o->pk[o->np] = k->val;
            o->pv[o->np++] = term_type(e, v);
        } else {
            o->dk = term_type(e, k);
            o->dv = term_type(e, v);
        }
    }
    if (!o->np && !o->dk) {
        o->dk = TY_A;
        o->dv = TY_A;
    }
    obj_sort(o);
    return o;
}

/* OPA's GetByValue */
static struct ty *term_type(struct env *e, struct term *t)
{
    struct tc *tc = e->tc;
    switch (t->kind) {
    case TM_SCALAR:
        return type_of(tc, t->val);
    case TM_VAR:
    case TM_CALL:
        return var_get(e, t);
    case TM_REF:
        return ref_type(e, t);
    case TM_ARRAY: {
        struct ty **st = arena_alloc(&tc->a, (t->n + 1) * sizeof(*st));
        if (!st) {
            tc->oom = true;
            return NULL;
        }
        for (size_t i = 0; i < t->n; i++)
            st[i] = term_type(e, t->a[i]);
        return ty_array(tc, st, t->n, t->n ? NULL : TY_A);
    }
    case TM_OBJECT:
        return object_term_type(e, t);
    case TM_SET: {
        struct ty *of = NULL;
        for (size_t i = 0; i < t->n; i++)
            of = ty_or(tc, of, term_type(e, t->a[i]));
        return ty_set(tc, t->n ? of : TY_A);
    }
    case TM_ARRAYC:
    case TM_SETC:
    case TM_OBJC: {
        struct comp_memo *m = comp_check(e, t);
        return m ? m->t : NULL;
    }
    default: /* template strings */
        return &g_str;
    }
}

/* ------------------------------------------------- unification (check.go) */

static bool unify1(struct env *e, struct term *t, struct ty *tpe, bool uni);

static bool unify1_members(struct env *e, struct term *t, struct ty *tpe)
{
    if (tpe->n == 0) {
        for (size_t i = 0; i < t->n; i++)
            unify1(e, t->a[i], TY_A, true);
        return true;
    }
    bool ok = false;
    for (size_t i = 0; i < tpe->n; i++)
        ok = unify1(e, t, tpe->v[i], true) || ok;
    return ok;
}

static bool unify1_object(struct env *e, struct term *t, struct ty *tpe, bool uni)
{
    if (t->n / 2 != tpe->np && !tpe->dk)
        return false;
    for (size_t i = 0; i + 1 < t->n; i += 2) {
        struct term *k = t->a[i], *v = t->a[i + 1];
        if ((k->flags & TF_CONST) && k->val) {
            struct ty *child = obj_select(e->tc, tpe, k->val);
            if (!child || !unify1(e, v, child, uni))
                return false;
        } else {
            unify1(e, v, TY_A, uni);
        }
    }
    return true;
}

static bool unify1(struct env *e, struct term *t, struct ty *tpe, bool uni)
{
    switch (t->kind) {
    case TM_ARRAY:
        if (tpe && tpe->k == T_ARR) {
            if (t->n != tpe->n && !tpe->dyn)
                return false;
            for (size_t i = 0; i < t->n; i++)
                if (!unify1(e, t->a[i], arr_sel(tpe, i), uni))
                    return false;
            return true;
        }
        return tpe && tpe->k == T_ANY && unify1_members(e, t, tpe);
    case TM_OBJECT:
        if (tpe && tpe->k == T_OBJ)
            return unify1_object(e, t, tpe, uni);
        if (tpe && tpe->k == T_ANY && tpe->n == 0) {
            for (size_t i = 0; i < t->n; i++)
                unify1(e, t->a[i], TY_A, true);
            return true;
        }
        return tpe && tpe->k == T_ANY && unify1_members(e, t, tpe);
    case TM_SET:
        if (tpe && tpe->k == T_SET) {
            for (size_t i = 0; i < t->n; i++)
                if (!unify1(e, t->a[i], tpe->dyn, uni))
                    return false;
            return true;
        }
        return tpe && tpe->k == T_ANY && unify1_members(e, t, tpe);
    case TM_VAR:
    case TM_CALL:
        if (!uni) {
            struct ty *exist = var_get(e, t);
            if (exist)
                return unifies(exist, tpe);
            var_put(e, t, tpe);
        } else {
            var_put(e, t, ty_or(e->tc, var_get(e, t), tpe));
        }
        return true;
    default:
        return unifies(term_type(e, t), tpe);
    }
}

static bool unify2(struct env *e, struct term *a, struct ty *ta, struct term *b, struct ty *tb);

static bool unify2_var(struct env *e, struct term *a, struct term *b)
{
    return unify1(e, a, TY_A, false) && unify1(e, b, term_type(e, a), false);
}

static bool unify2_array(struct env *e, struct term *a, struct term *b)
{
    if (b->kind == TM_ARRAY) {
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!unify2(e, a->a[i], term_type(e, a->a[i]), b->a[i], term_type(e, b->a[i])))
                return false;
        return true;
    }
    return var_like(b) && unify2_var(e, a, b);
}

static bool same_key(const struct term *x, const struct term *y)
{
    if ((x->flags & TF_CONST) && (y->flags & TF_CONST) && x->val && y->val)
        return value_equal(x->val, y->val);
    return x->kind == TM_VAR && y->kind == TM_VAR && x->slot == y->slot && x->slot >= 0;
}

static bool unify2_object(struct env *e, struct term *a, struct term *b)
{
    if (b->kind == TM_OBJECT) {
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i + 1 < a->n; i += 2) {
            size_t j = 0;
            while (j + 1 < b->n && !same_key(a->a[i], b->a[j]))
                j += 2;
            if (j + 1 >= b->n)
                return false;
            struct term *va = a->a[i + 1], *vb = b->a[j + 1];
            if (!unify2(e, va, term_type(e, va), vb, term_type(e, vb)))
                return false;
        }
        return true;
    }
    return var_like(b) && unify2_var(e, a, b);
}

static bool unify2(struct env *e, struct term *a, struct ty *ta, struct term *b, struct ty *tb)
{
    bool nil_a = ty_nil(ta), nil_b = ty_nil(tb);
    if (nil_a && !nil_b)
        return unify1(e, a, tb, false);
    if (nil_b && !nil_a)
        return unify1(e, b, ta, false);
    if (!nil_a && !nil_b)
        return unifies(ta, tb);
    if (a->kind == TM_ARRAY)
        return unify2_array(e, a, b);
    if (a->kind == TM_OBJECT)
        return unify2_object(e, a, b);
    if (var_like(a)) {
        if (var_like(b))
            return unify2_var(e, a, b);
        if (b->kind == TM_ARRAY)
            return unify2_array(e, b, a);
        if (b->kind == TM_OBJECT)
            return unify2_object(e, b, a);
    }
    return false;
}

/* ------------------------------------------------- reference checks */

static int cmp_values(const void *x, const void *y)
{
    return value_compare(*(struct value *const *)x, *(struct value *const *)y);
}

/* OPA's getOneOfForType: the static keys of the object(s) */
static size_t one_of_type(const struct ty *t, struct value **out, size_t n, size_t cap)
{
    if (!t)
        return n;
    if (t->k == T_OBJ) {
        for (size_t i = 0; i < t->np && n < cap; i++) {
            size_t j = 0;
            while (j < n && !value_equal(out[j], t->pk[i]))
                j++;
            if (j == n)
                out[n++] = t->pk[i];
        }
    } else if (t->k == T_ANY) {
        for (size_t i = 0; i < t->n; i++)
            n = one_of_type(t->v[i], out, n, cap);
    }
    return n;
}

static void print_one_of(struct buf *b, struct value **v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_values);
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ' ');
        json_print(b, v[i], JSON_COMPACT);
    }
    buf_putc(b, ']');
}

#define ONE_OF_MAX 64

struct one_of {
    struct value *v[ONE_OF_MAX];
    size_t n;
};

/* OPA's RefErrInvalidDetail */
static void ref_err_invalid(struct env *e, const struct term *r, size_t pos, const struct ty *have,
                            const struct ty *want, struct one_of *oneof, struct lerrs *errs)
{
    struct buf msg = BUF_INIT, det = BUF_INIT;
    buf_puts(&msg, "undefined ref: ");
    ref_print(&msg, r, r->n);
    ref_print(&det, r, r->n);
    size_t pad = ref_len(r, pos) + 1;
    buf_putc(&det, '\n');
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < pad; i++)
            buf_putc(&det, ' ');
        if (round == 0) {
            buf_puts(&det, "^\n");
        } else if (round == 1 && have) {
            buf_puts(&det, "have (type): ");
            ty_print(&det, have);
            buf_putc(&det, '\n');
        } else if (round == 1) {
            buf_puts(&det, "have: ");
            term_print(&det, r->a[pos]);
            buf_putc(&det, '\n');
        } else if (round == 2 && oneof && oneof->n) {
            buf_puts(&det, "want (one of): ");
            print_one_of(&det, oneof->v, oneof->n);
            break;
        } else {
            buf_puts(&det, "want (type): ");
            ty_print(&det, want);
            break;
        }
    }
    lerr_add(e->tc, errs, r->a[0]->loc, &msg, &det, false);
    buf_free(&msg);
    buf_free(&det);
}

/* OPA's RefErrUnsupportedDetail */
static void ref_err_unsupported(struct env *e, const struct term *r, size_t pos,
                                const struct ty *have, struct lerrs *errs)
{
    struct buf msg = BUF_INIT, det = BUF_INIT;
    buf_puts(&msg, "undefined ref: ");
    ref_print(&msg, r, r->n);
    ref_print(&det, r, r->n);
    buf_putc(&det, '\n');
    size_t carets = ref_len(r, pos + 1);
    for (size_t i = 0; i < carets; i++)
        buf_putc(&det, '^');
    buf_puts(&det, "\nhave: ");
    ty_print(&det, have);
    lerr_add(e->tc, errs, r->a[0]->loc, &msg, &det, false);
    buf_free(&msg);
    buf_free(&det);
}

static void one_of_node(struct tc *tc, struct rnode *n, struct one_of *o)
{
    o->n = 0;
    for (size_t k = 0; k < n->nkids && o->n < ONE_OF_MAX; k++)
        if (node_typed(tc, n->kids[k]))
            o->v[o->n++] = n->kids[k]->key;
}

/* OPA's checkRefLeaf; false after an error */
static bool check_leaf(struct env *e, struct ty *tpe, const struct term *r, size_t idx,
                       struct lerrs *errs)
{
    struct tc *tc = e->tc;
    for (; idx < r->n; idx++) {
        struct term *op = r->a[idx];
        struct ty *keys = ty_keys(tc, tpe);
        struct one_of oneof;
        if (!keys) {
            ref_err_unsupported(e, r, idx - 1, tpe, errs);
            return false;
        }
        oneof.n = one_of_type(tpe, oneof.v, 0, ONE_OF_MAX);
        if (var_like(op)) {
            struct ty *exist = var_get(e, op);
            if (exist && !unifies(exist, keys)) {
                ref_err_invalid(e, r, idx, exist, keys, &oneof, errs);
                return false;
            }
            if (!exist)
                var_put(e, op, keys);
        } else if (op->kind == TM_REF) {
            struct ty *exist = ref_type(e, op);
            if (exist && !unifies(exist, keys)) {
                ref_err_invalid(e, r, idx, exist, keys, &oneof, errs);
                return false;
            }
        } else if (op->kind == TM_ARRAY || op->kind == TM_OBJECT || op->kind == TM_SET) {
            if (!unify1(e, op, keys, false)) {
                ref_err_invalid(e, r, idx, term_type(e, op), keys, NULL, errs);
                return false;
            }
        } else if (op->kind == TM_SCALAR) {
            struct ty *child = ty_select(tc, tpe, op->val);
            if (!child) {
                ref_err_invalid(e, r, idx, NULL, keys, &oneof, errs);
                return false;
            }
            tpe = child;
            continue;
        }
        tpe = ty_values(tc, tpe);
    }
    return true;
}

/* OPA's checkRef over the rule tree for data.<...> */
static void check_data_ref(struct env *e, const struct term *r, struct lerrs *errs)
{
    struct tc *tc = e->tc;
    struct rnode *n = tc->c->root;
    if (!node_typed(tc, n)) {
        check_leaf(e, TY_A, r, 1, errs);
        return;
    }
    for (size_t idx = 1; idx < r->n; idx++) {
        struct term *op = r->a[idx];
        struct one_of oneof;
        bool str = op->kind == TM_SCALAR && op->val->type == V_STRING;
        if ((idx == 1 || idx == 2) && !var_like(op) && !str) {
            one_of_node(tc, n, &oneof);
            ref_err_invalid(e, r, idx, term_type(e, op), &g_str, &oneof, errs);
            return;
        }
        if (var_like(op)) {
            struct ty *keys = ty_keys(tc, node_extent(tc, n));
            struct ty *exist = var_get(e, op);
            if (exist && !unifies(keys, exist)) {
                one_of_node(tc, n, &oneof);
                ref_err_invalid(e, r, idx, exist, keys, &oneof, errs);
                return;
            }
            if (!exist)
                var_put(e, op, keys);
        }
        struct rnode *kid = op->kind == TM_SCALAR ? typed_kid(tc, n, op->val) : NULL;
        if (!kid) {
            /* OPA walks the children ignoring errors, typing the variables
             * of the rest from whichever child it meets: any here */
            for (size_t k = idx + 1; k < r->n; k++)
                if (var_like(r->a[k]) && !var_get(e, r->a[k]))
                    var_put(e, r->a[k], TY_A);
            return;
        }
        struct ty *leaf = node_leaf(tc, kid);
        if (leaf) {
            check_leaf(e, leaf, r, idx + 1, errs);
            return;
        }
        n = kid;
    }
}

static void check_ref(struct env *e, const struct term *r, struct lerrs *errs)
{
    const struct term *h = r->a[0];
    if (h->kind == TM_VAR && h->slot == SLOT_DATA && e->sdata) {
        check_leaf(e, e->sdata, r, 1, errs); /* the schema's leaf hides the rule tree */
    } else if (h->kind == TM_VAR && h->slot == SLOT_DATA) {
        /* OPA's checkApply: functions are no values */
        struct ty *t = data_ref_type(e->tc, r);
        if (t && t->k == T_FN) {
            ref_err_unsupported(e, r, r->n - 1, t, errs);
            return;
        }
        check_data_ref(e, r, errs);
    } else if (h->kind == TM_VAR && h->slot == SLOT_INPUT) {
        check_leaf(e, e->sinput ? e->sinput : TY_A, r, 1, errs);
    } else if (var_like(h) || is_composite_head(h)) {
        struct ty *t = var_like(h) ? var_get(e, h) : term_type(e, (struct term *)h);
        if (t)
            check_leaf(e, t, r, 1, errs);
        else
            check_leaf(e, TY_A, r, 0, errs);
    } else {
        check_leaf(e, TY_A, r, 0, errs);
    }
}

/* OPA's refChecker walk: every reference, not into closures or into calls
 * (those are expressions of their own after OPA's rewriting). */
static void walk_refs(struct env *e, struct term *t, struct lerrs *errs)
{
    if (t->kind == TM_REF)
        check_ref(e, t, errs);
    if (t->kind == TM_REF || t->kind == TM_ARRAY || t->kind == TM_SET || t->kind == TM_OBJECT)
        for (size_t i = 0; i < t->n; i++)
            walk_refs(e, t->a[i], errs);
}

/* OPA's checkClosures: the errors of the last comprehension that has some */
static void walk_closures(struct env *e, struct term *t, struct lerrs *out)
{
    if (t->kind == TM_ARRAYC || t->kind == TM_SETC || t->kind == TM_OBJC) {
        struct comp_memo *m = comp_check(e, t);
        if (m && m->errs.n)
            *out = m->errs;
        return;
    }
    if (t->kind == TM_REF || t->kind == TM_ARRAY || t->kind == TM_SET || t->kind == TM_OBJECT)
        for (size_t i = 0; i < t->n; i++)
            walk_closures(e, t->a[i], out);
}

/* ------------------------------------------------- expressions */

static struct ty *decl_of(struct tc *tc, const struct rego_builtin *bi)
{
    struct pmap_ent *pe = pm_find(&tc->decls, bi);
    if (pe)
        return pe->val;
    /* our table carries OPA's argument names; a family's own decl is the
     * fallback */
    const char *s = rtc_builtin_decl(bi->name);
    if (!s)
        s = bi->decl;
    struct ty *f = s ? parse_decl(tc, s) : NULL;
    if (pm_put(&tc->decls, bi, f) < 0)
        tc->oom = true;
    return f;
}

/* The declared or inferred function type of a call; NULL = not checked. */
static struct ty *callee_type(struct env *e, const struct term *call)
{
    struct ty *t = NULL;
    if (call->bi)
        t = decl_of(e->tc, call->bi);
    else if (call->fn)
        t = node_leaf(e->tc, call->fn);
    return t && t->k == T_FN ? t : NULL;
}

static void types_print(struct buf *b, struct env *e, struct term **args, size_t n)
{
    buf_putc(b, '(');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(b, ", ");
        ty_print(b, term_type(e, args[i]));
    }
    buf_putc(b, ')');
}

/* Unknown input types: where our tree lacks a type OPA would have, no
 * error is reported (never stricter than OPA). */
static bool any_nil_type(struct env *e, struct term **args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ty_nil(term_type(e, args[i])))
            return true;
    return false;
}

/* OPA's newArgError */
static void arg_error(struct env *e, struct rloc loc, const struct term *call, const char *what,
                      struct term **args, size_t n, struct ty *f, struct lerrs *errs)
{
    struct buf msg = BUF_INIT, det = BUF_INIT;
    buf_printf(&msg, "%s: %s", call->fn_name ? call->fn_name : "?", what);
    buf_puts(&det, "have: ");
    types_print(&det, e, args, n);
    buf_puts(&det, "\nwant: ");
    struct ty *want[34];
    size_t nw = 0;
    for (size_t i = 0; i < f->n && nw < 33; i++)
        want[nw++] = f->v[i];
    if (f->dyn)
        want[nw++] = f->dyn;
    fargs_print(&det, want, nw, f->var, true);
    lerr_add(e->tc, errs, loc, &msg, &det, any_nil_type(e, args, n < f->n ? n : f->n));
    buf_free(&msg);
    buf_free(&det);
}

/* OPA's checkExprBuiltin; args may end with the call term itself standing
 * for the output variable of a lifted call. */
static void check_call(struct env *e, struct rloc loc, const struct term *call, struct term **args,
                       size_t n, struct lerrs *errs)
{
    struct ty *f = callee_type(e, call);
    if (!f)
        return;
    size_t nf = f->n + (f->dyn ? 1 : 0);
    if (n > nf && !f->var) {
        arg_error(e, loc, call, "too many arguments", args, n, f, errs);
        return;
    }
    if (n < f->n) {
        arg_error(e, loc, call, "too few arguments", args, n, f, errs);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct ty *want = i < f->n ? f->v[i] : (f->dyn && i == f->n && !f->var) ? f->dyn : f->var;
        if (want && want->plain)
            want = want->plain; /* OPA unifies with unnamed types */
        if (!unify1(e, args[i], want, false)) {
            arg_error(e, loc, call, "invalid argument(s)", args, n, f, errs);
            return;
        }
    }
}

/* OPA's checkExprEq */
static void check_eq(struct env *e, struct rloc loc, struct term *a, struct term *b,
                     struct lerrs *errs)
{
    struct ty *ta = term_type(e, a), *tb = term_type(e, b);
    if (unify2(e, a, ta, b, tb))
        return;
    struct buf msg = BUF_INIT, det = BUF_INIT;
    buf_puts(&msg, "match error");
    buf_puts(&det, "left  : ");
    ty_print(&det, ta);
    buf_puts(&det, "\nright : ");
    ty_print(&det, tb);
    lerr_add(e->tc, errs, loc, &msg, &det, ty_nil(ta) || ty_nil(tb));
    buf_free(&msg);
    buf_free(&det);
}

enum vx_kind { VX_TERM, VX_CALL, VX_LIFTED, VX_EQ };

/* One expression as OPA checks it after rewriting: closures, references,
 * then the expression itself (its error dropped when a closure or
 * reference error explains an unknown type). */
/* The function type a `with` target or value names: a built-in's
 * declaration or a user function's inferred type. */
static struct ty *named_fn_type(struct env *e, const char *name)
{
    if (!name)
        return NULL;
    if (strncmp(name, "data.", 5) == 0) {
        struct rnode *n = e->tc->c->root;
        for (const char *p = name + 5; n && *p;) {
            const char *dot = strchr(p, '.');
            size_t len = dot ? (size_t)(dot - p) : strlen(p);
            n = rcomp_node_child(n, p, len);
            p += len + (dot ? 1 : 0);
        }
        return n ? node_leaf(e->tc, n) : NULL;
    }
    const struct rego_builtin *bi = rego_builtin_lookup(name, strlen(name));
    return bi ? decl_of(e->tc, bi) : NULL;
}

/* OPA's checkExprWith: a function replaced by a function of another
 * signature; true after an error */
static bool check_with(struct env *e, const struct expr *x, struct lerrs *errs)
{
    for (size_t i = 0; i < x->nwith; i++) {
        const struct with_mod *w = &x->with[i];
        if (w->kind != 2)
            continue;
        struct ty *t = named_fn_type(e, w->fn_name);
        struct ty *v = w->mock_fn   ? node_leaf(e->tc, w->mock_fn)
                       : w->mock_bi ? decl_of(e->tc, w->mock_bi)
                                    : NULL;
        if (!t || !v || t->k != T_FN || v->k != T_FN || unifies(t, v))
            continue;
        struct buf msg = BUF_INIT, det = BUF_INIT;
        buf_printf(&msg, "%s: arity mismatch", w->fn_name);
        buf_puts(&det, "have: (");
        for (size_t k = 0; k < v->n; k++) {
            if (k)
                buf_puts(&det, ", ");
            ty_print(&det, v->v[k]);
        }
        buf_puts(&det, ")\nwant: ");
        fargs_print(&det, t->v, t->n, t->var, true);
        lerr_add(e->tc, errs, w->loc, &msg, &det, false);
        buf_free(&msg);
        buf_free(&det);
        return true;
    }
    return false;
}

static void vexpr(struct env *e, struct rloc loc, enum vx_kind k, struct term *t, struct term *b,
                  struct lerrs *errs)
{
    const struct expr *wx = e->tc->with_expr;
    e->tc->with_expr = NULL;
    struct term *ops[64], **argv = ops;
    size_t n = 0;
    if (k == VX_CALL || k == VX_LIFTED) {
        argv = arena_alloc(&e->tc->a, (t->n + 1) * sizeof(*argv));
        if (!argv) {
            e->tc->oom = true;
            return;
        }
        for (size_t i = 1; i < t->n; i++)
            argv[n++] = t->a[i];
        if (k == VX_LIFTED)
            argv[n] = t;
    } else {
        ops[n++] = t;
        if (b)
            ops[n++] = b;
    }
    struct lerrs cerrs = {0}, rerrs = {0}, xerrs = {0};
    for (size_t i = 0; i < n; i++)
        walk_closures(e, argv[i], &cerrs);
    for (size_t i = 0; i < n; i++)
        walk_refs(e, argv[i], &rerrs);
    if (wx && check_with(e, wx, &xerrs))
        ; /* the expression's own check is not reached (OPA's checkExpr) */
    else if (k == VX_CALL)
        check_call(e, loc, t, argv, n, &xerrs);
    else if (k == VX_LIFTED)
        check_call(e, loc, t, argv, n + 1, &xerrs);
    else if (k == VX_EQ)
        check_eq(e, loc, t, b, &xerrs);
    lerrs_cat(e->tc, errs, &cerrs);
    lerrs_cat(e->tc, errs, &rerrs);
    if (xerrs.n && !xerrs.v[0].nil_cause)
        lerrs_cat(e->tc, errs, &xerrs);
}

/* Nested calls first, as OPA's expandExprTerm lifts them. */
static void lift(struct env *e, struct term *t, struct lerrs *errs)
{
    switch (t->kind) {
    case TM_CALL:
        for (size_t i = 1; i < t->n; i++)
            lift(e, t->a[i], errs);
        vexpr(e, t->loc, VX_LIFTED, t, NULL, errs);
        return;
    case TM_REF:
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        for (size_t i = 0; i < t->n; i++)
            lift(e, t->a[i], errs);
        return;
    default:
        return;
    }
}

/* `some k, v in xs` is `v = xs[k]` for OPA's checker (k fresh when absent) */
static void check_some_in(struct env *e, struct expr *x, struct lerrs *errs)
{
    struct tc *tc = e->tc;
    struct term *c = x->c, *key = x->a;
    lift(e, c, errs);
    if (!key) {
        key = arena_zalloc(&tc->a, sizeof(*key));
        if (!key) {
            tc->oom = true;
            return;
        }
        key->kind = TM_VAR;
        key->wildcard = true;
        key->slot = SLOT_NONE;
        key->loc = c->loc;
    }
    size_t hn = c->kind == TM_REF ? c->n : 1;
    struct term *ref = arena_zalloc(&tc->a, sizeof(*ref));
    struct term **a = arena_alloc(&tc->a, (hn + 1) * sizeof(*a));
    if (!ref || !a) {
        tc->oom = true;
        return;
    }
    if (c->kind == TM_REF)
        memcpy(a, c->a, hn * sizeof(*a));
    else
        a[0] = c;
    a[hn] = key;
    ref->kind = TM_REF;
    ref->loc = c->loc;
    ref->a = a;
    ref->n = hn + 1;
    vexpr(e, x->loc, VX_EQ, x->b, ref, errs);
}

/* OPA checks no call of an `every` body (its body walk stops at the
 * every expression) but its reference checker and closure check walk
 * into it: references and comprehensions in the domain and the body. */
static void every_terms(struct env *e, struct term *t, struct lerrs *cerrs, struct lerrs *rerrs)
{
    if (!t)
        return;
    if (t->kind == TM_CALL) {
        for (size_t i = 1; i < t->n; i++)
            every_terms(e, t->a[i], cerrs, rerrs);
        return;
    }
    walk_closures(e, t, cerrs);
    walk_refs(e, t, rerrs);
}

static void every_body(struct env *e, struct body *b, struct lerrs *cerrs, struct lerrs *rerrs)
{
    for (size_t i = 0; i < b->n; i++) {
        struct expr *x = b->e[i];
        every_terms(e, x->a, cerrs, rerrs);
        every_terms(e, x->b, cerrs, rerrs);
        every_terms(e, x->c, cerrs, rerrs);
        if (x->kind == EX_EVERY && x->body)
            every_body(e, x->body, cerrs, rerrs);
    }
}

static void check_every(struct env *e, struct expr *x, struct lerrs *errs)
{
    struct lerrs cerrs = {0}, rerrs = {0};
    every_terms(e, x->c, &cerrs, &rerrs);
    if (x->body)
        every_body(e, x->body, &cerrs, &rerrs);
    lerrs_cat(e->tc, errs, &cerrs);
    lerrs_cat(e->tc, errs, &rerrs);
}

static void check_expr(struct env *e, struct expr *x, struct lerrs *errs)
{
    switch (x->kind) {
    case EX_TERM:
        if (x->a->kind == TM_CALL) {
            for (size_t i = 1; i < x->a->n; i++)
                lift(e, x->a->a[i], errs);
            e->tc->with_expr = x;
            vexpr(e, x->loc, VX_CALL, x->a, NULL, errs);
        } else {
            lift(e, x->a, errs);
            e->tc->with_expr = x;
            vexpr(e, x->loc, VX_TERM, x->a, NULL, errs);
        }
        return;
    case EX_UNIFY:
    case EX_ASSIGN:
        lift(e, x->a, errs);
        lift(e, x->b, errs);
        e->tc->with_expr = x;
        vexpr(e, x->loc, VX_EQ, x->a, x->b, errs);
        return;
    case EX_SOMEIN:
        check_some_in(e, x, errs);
        return;
    case EX_EVERY:
        check_every(e, x, errs);
        return;
    default: /* some declarations */
        return;
    }
}

static void check_body(struct env *e, struct body *b, struct lerrs *errs)
{
    for (size_t i = 0; i < b->n && !e->tc->oom; i++)
        check_expr(e, b->e[i], errs);
}

/* ------------------------------------------------- rules */

/* OPA's mergeTypes (env.go) */
static struct ty *merge_types(struct tc *tc, struct ty *a, struct ty *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->k == T_OBJ && b->k == T_OBJ && !a->np && !b->np && a->dk && b->dk)
        return ty_object(tc, ty_or(tc, a->dk, b->dk), merge_types(tc, a->dv, b->dv));
    if (a->k == T_SET && b->k == T_SET)
        return ty_set(tc, ty_or(tc, a->dyn, b->dyn));
    if (a->k == T_ANY && b->k != T_ANY)
        return merge_types(tc, b, a);
    return ty_or(tc, a, b);
}

/* Function arguments not typed by the body are any. */
static void default_any(struct env *e, struct term *t)
{
    if (t->kind == TM_VAR && t->slot >= 0 && !var_get(e, t))
        var_put(e, t, TY_A);
    for (size_t i = 0; i < t->n; i++)
        default_any(e, t->a[i]);
}

static struct ty *rule_type(struct env *e, struct rule *r)
{
    struct tc *tc = e->tc;
    if (r->is_func) {
        struct ty *f = ty_new(tc, T_FN);
        struct ty **args = arena_alloc(&tc->a, (r->nargs + 1) * sizeof(*args));
        if (!f || !args)
            return NULL;
        for (size_t i = 0; i < r->nargs; i++)
            default_any(e, r->args[i]);
        for (size_t i = 0; i < r->nargs; i++)
            args[i] = term_type(e, r->args[i]);
        f->v = args;
        f->n = r->nargs;
        f->dyn = r->value ? term_type(e, r->value) : &g_bool;
        if (!f->dyn)
            f->dyn = TY_A; /* unknown result: accept any use (never stricter than OPA) */
        return f;
    }
    if (r->is_multi) {
        if (r->nkeys)
            return TY_A;
        struct ty *of = r->elem ? term_type(e, r->elem) : NULL;
        return of ? ty_set(tc, of) : NULL;
    }
    /* a ground head with non-string keys (a.b.c[3] := x) is a path of
     * OPA's type tree, not an object value: any here, never stricter */
    bool ground = r->nkeys > 0;
    for (size_t k = 0; k < r->nkeys; k++)
        ground = ground && (r->keys[k]->flags & TF_CONST);
    if (ground)
        return TY_A;
    struct ty *t = r->value ? term_type(e, r->value) : &g_bool;
    for (size_t k = r->nkeys; k-- > 0 && t;) {
        struct ty *tk = term_type(e, r->keys[k]);
        t = tk ? ty_object(tc, tk, t) : NULL;
    }
    return t;
}

/* ------------------------------------- schema annotations (check.go checkRule) */

#define SCHEMA_MAX_DEPTH 32

/* A converted schema (typecheck_schema.c) as a checker type; a recursive
 * schema is cut at SCHEMA_MAX_DEPTH (`any` below). */
static struct ty *stype_ty(struct tc *tc, const struct rtc_stype *s, int depth)
{
    if (!s || depth > SCHEMA_MAX_DEPTH)
        return TY_A;
    switch (s->k) {
    case RS_BOOL:
        return &g_bool;
    case RS_NUM:
        return &g_num;
    case RS_STR:
        return &g_str;
    case RS_DYNOBJ:
        return ty_object(tc, TY_A, TY_A);
    case RS_OR: {
        struct ty *t = NULL;
        for (size_t i = 0; i < s->n; i++)
            t = ty_or(tc, stype_ty(tc, s->v[i], depth + 1), t);
        return t ? t : TY_A;
    }
    case RS_ARR: {
        struct ty **st = s->n ? arena_alloc(&tc->a, s->n * sizeof(*st)) : NULL;
        if (s->n && !st)
            return tc->oom = true, TY_A;
        for (size_t i = 0; i < s->n; i++)
            st[i] = stype_ty(tc, s->v[i], depth + 1);
        return ty_array(tc, st, s->n, s->items ? stype_ty(tc, s->items, depth + 1) : NULL);
    }
    case RS_OBJ: {
        struct ty *t = ty_object(tc, NULL, NULL);
        if (!t || !(t->pk = arena_alloc(&tc->a, (s->n + 1) * sizeof(*t->pk))) ||
            !(t->pv = arena_alloc(&tc->a, (s->n + 1) * sizeof(*t->pv))))
            return tc->oom = true, TY_A;
        for (size_t i = 0; i < s->n; i++) {
            t->pk[i] = s->keys[i];
            t->pv[i] = stype_ty(tc, s->v[i], depth + 1);
        }
        t->np = s->n;
        obj_sort(t);
        return t;
    }
    default:
        return TY_A;
    }
}

/* OPA's getObjectTypeRec: {k0: {k1: ... o}} with dynamic dk: dv at each level */
static struct ty *object_path(struct tc *tc, struct value *const *keys, size_t n, struct ty *o,
                              struct ty *dk, struct ty *dv)
{
    struct ty *t = ty_object(tc, dk, dv);
    if (!t || !(t->pk = arena_alloc(&tc->a, sizeof(*t->pk))) ||
        !(t->pv = arena_alloc(&tc->a, sizeof(*t->pv))))
        return tc->oom = true, TY_A;
    t->pk[0] = keys[0];
    t->pv[0] = n == 1 ? o : object_path(tc, keys + 1, n - 1, o, dk, dv);
    t->np = 1;
    return t;
}

/* OPA's override: t with the path keys[0..n) set to o. */
static struct ty *override(struct tc *tc, struct value *const *keys, size_t n, struct ty *t,
                           struct ty *o)
{
    if (!t || t->k != T_OBJ)
        return object_path(tc, keys, n, o, TY_A, TY_A);
    struct ty *r = ty_object(tc, t->dk, t->dv);
    if (!r || !(r->pk = arena_alloc(&tc->a, (t->np + 1) * sizeof(*r->pk))) ||
        !(r->pv = arena_alloc(&tc->a, (t->np + 1) * sizeof(*r->pv))))
        return tc->oom = true, TY_A;
    bool found = false;
    for (size_t i = 0; i < t->np; i++) {
        r->pk[i] = t->pk[i];
        r->pv[i] = t->pv[i];
        if (value_equal(t->pk[i], keys[0])) {
            found = true;
            r->pv[i] = n == 1 ? o : override(tc, keys + 1, n - 1, t->pv[i], o);
        }
    }
    r->np = t->np;
    if (!found) {
        struct ty *add = object_path(tc, keys, n, o, t->dk, t->dv);
        r->pk[r->np] = add->k == T_OBJ ? add->pk[0] : keys[0];
        r->pv[r->np++] = add->k == T_OBJ ? add->pv[0] : TY_A;
    }
    obj_sort(r);
    return r;
}

/* One inline schema, converted once per policy (an error is kept as its
 * message). */
struct schema_memo {
    struct ty *t;
    char *err;
};

static struct schema_memo *schema_of(struct tc *tc, const struct value *def)
{
    struct pmap_ent *pe = pm_find(&tc->schemas, def);
    if (pe)
        return pe->val;
    struct schema_memo *m = arena_zalloc(&tc->a, sizeof(*m));
    char msg[512];
    if (!m || pm_put(&tc->schemas, def, m) < 0)
        return tc->oom = true, NULL;
    struct rtc_stype *st = rtc_schema_type(&tc->a, def, msg, sizeof(msg));
    if (st)
        m->t = stype_ty(tc, st, 0);
    else if (msg[0])
        m->err = arena_strdup(&tc->a, msg);
    if (!m->t && !m->err)
        tc->oom = true;
    return m;
}

/* OPA's getRefRecExtent over its environment when a rule is checked: only
 * the rules already checked are in it (its order puts a rule's
 * dependencies first); NULL when none is below n.  Never infers a rule. */
static struct ty *checked_extent(struct tc *tc, struct rnode *n)
{
    if (has_rules(n)) {
        bool done = n->id >= 0 && n->id < tc->c->nnodes && tc->nstate[n->id] == 2;
        return done ? tc->ntype[n->id] : NULL;
    }
    struct ty *t = ty_object(tc, &g_str, TY_A);
    if (!t || !(t->pk = arena_alloc(&tc->a, (n->nkids + 1) * sizeof(*t->pk))) ||
        !(t->pv = arena_alloc(&tc->a, (n->nkids + 1) * sizeof(*t->pv))))
        return tc->oom = true, NULL;
    for (size_t k = 0; k < n->nkids; k++) {
        struct ty *kt = checked_extent(tc, n->kids[k]);
        if (kt) {
            t->pk[t->np] = n->kids[k]->key;
            t->pv[t->np++] = kt;
        }
    }
    obj_sort(t);
    return t->np ? t : NULL;
}

static void apply_schema(struct tc *tc, struct env *e, const struct rule *r,
                         const struct value *item)
{
    const struct value *path = value_object_get_str(item, "path");
    const struct value *def = value_object_get_str(item, "definition");
    if (!path || !def || path->type != V_ARRAY || !path->u.arr.len)
        return; /* schema references need a schema set, which we never have */
    const struct value *head = path->u.arr.items[0];
    bool input = head->type == V_STRING && !strcmp(head->u.str.s, "input");
    bool data = head->type == V_STRING && !strcmp(head->u.str.s, "data");
    struct schema_memo *m = (input || data) ? schema_of(tc, def) : NULL;
    if (m && m->err) {
        struct buf msg = BUF_INIT;
        buf_puts(&msg, m->err);
        lerr_add(tc, &tc->all, r->loc, &msg, NULL, false);
        buf_free(&msg);
    }
    if (!m || !m->t)
        return;
    struct ty **root = input ? &e->sinput : &e->sdata;
    size_t n = path->u.arr.len - 1;
    if (n == 0) {
        *root = m->t;
        return;
    }
    struct ty *base = *root ? *root : input ? TY_A : checked_extent(tc, tc->c->root);
    if (!base)
        base = TY_A; /* no rule in OPA's environment yet: data is any */
    *root = override(tc, path->u.arr.items + 1, n, base, m->t);
}

static void apply_annotation(struct tc *tc, struct env *e, const struct rule *r,
                             const struct annotation *an)
{
    const struct value *l = an->obj ? value_object_get_str(an->obj, "schemas") : NULL;
    for (size_t i = 0; l && l->type == V_ARRAY && i < l->u.arr.len; i++)
        if (l->u.arr.items[i]->type == V_OBJECT)
            apply_schema(tc, e, r, l->u.arr.items[i]);
}

static bool path_prefix(struct value *const *p, size_t np, struct value *const *q, size_t nq)
{
    if (np > nq)
        return false;
    for (size_t i = 0; i < np; i++)
        if (!value_equal(p[i], q[i]))
            return false;
    return true;
}

/* The rule's head up to its first non-constant part (OPA's GroundPrefix). */
static bool same_document(const struct rule *a, const struct rule *b)
{
    const struct module *ma = a->mod, *mb = b->mod;
    if (ma->pkg_len != mb->pkg_len || !path_prefix(ma->pkg_path, ma->pkg_len, mb->pkg_path,
                                                   mb->pkg_len))
        return false;
    const struct term *x = a->ref, *y = b->ref;
    const struct term *hx = x->kind == TM_REF ? x->a[0] : x, *hy = y->kind == TM_REF ? y->a[0] : y;
    if (strcmp(hx->name, hy->name) != 0)
        return false;
    size_t nx = x->kind == TM_REF ? x->n : 1, ny = y->kind == TM_REF ? y->n : 1, i = 1;
    for (; i < nx && i < ny; i++) {
        bool cx = x->a[i]->kind == TM_SCALAR, cy = y->a[i]->kind == TM_SCALAR;
        if (!cx || !cy)
            return !cx && !cy;
        if (!value_equal(x->a[i]->val, y->a[i]->val))
            return false;
    }
    return (i == nx || x->a[i]->kind != TM_SCALAR) && (i == ny || y->a[i]->kind != TM_SCALAR);
}

enum { SC_SUBPACKAGES, SC_PACKAGE, SC_DOCUMENT, SC_RULE };

static bool scope_applies(const struct annotation *an, const struct module *m, int scope,
                          const struct rule *r, size_t depth)
{
    const struct module *rm = r->mod;
    switch (scope) {
    case SC_SUBPACKAGES:
        return !strcmp(an->scope, "subpackages") && m->pkg_len == depth &&
               path_prefix(m->pkg_path, m->pkg_len, rm->pkg_path, rm->pkg_len);
    case SC_PACKAGE:
        return !strcmp(an->scope, "package") && m->pkg_len == rm->pkg_len &&
               path_prefix(m->pkg_path, m->pkg_len, rm->pkg_path, rm->pkg_len);
    case SC_DOCUMENT:
        return !strcmp(an->scope, "document") && an->rule && same_document(an->rule, r);
    default:
        return !strcmp(an->scope, "rule") && an->rule == r;
    }
}

/* OPA's getRuleAnnotation order: subpackages from the root down, the
 * package, the document, the rule's own; each schema put into the rule's
 * environment in turn (a path below input or data overrides that part of
 * the type so far). */
static void apply_schemas(struct tc *tc, struct env *e, const struct rule *r)
{
    const struct rego_compiled *c = tc->c;
    if (!tc->has_schemas)
        return;
    for (int scope = SC_SUBPACKAGES; scope <= SC_RULE; scope++) {
        size_t depths = scope == SC_SUBPACKAGES ? r->mod->pkg_len + 1 : 1;
        for (size_t d = 0; d < depths; d++)
            for (size_t i = 0; i < c->nmods; i++)
                for (size_t k = 0; k < c->mods[i]->nannots; k++)
                    if (scope_applies(c->mods[i]->annots[k], c->mods[i], scope, r, d))
                        apply_annotation(tc, e, r, c->mods[i]->annots[k]);
    }
}

static bool policy_has_schemas(const struct rego_compiled *c)
{
    for (size_t i = 0; i < c->nmods; i++)
        for (size_t k = 0; k < c->mods[i]->nannots; k++) {
            const struct annotation *an = c->mods[i]->annots[k];
            if (an->obj && value_object_get_str(an->obj, "schemas"))
                return true;
        }
    return false;
}

/* Only under schemas: without them every reference a head can hold is
 * `any` in OPA's environment at that point (its rule tree typing differs
 * from ours before the rule is inserted, see check_data_ref). */
static void head_refs(struct env *e, const struct rule *r, struct lerrs *errs)
{
    if (!e->sinput && !e->sdata)
        return;
    for (size_t k = 0; k < r->nkeys; k++)
        walk_refs(e, r->keys[k], errs);
    if (r->value)
        walk_refs(e, r->value, errs);
    if (r->elem)
        walk_refs(e, r->elem, errs);
}

/* Checks one rule (one body of it); false when it has type errors. */
static bool check_rule(struct tc *tc, struct rule *r, struct ty **out)
{
    struct env e = {.tc = tc, .nslots = r->nslots};
    e.vt = arena_zalloc(&tc->a, ((size_t)r->nslots + 1) * sizeof(*e.vt));
    *out = NULL;
    if (!e.vt) {
        tc->oom = true;
        return true;
    }
    struct lerrs errs = {0};
    apply_schemas(tc, &e, r);
    check_body(&e, r->body, &errs);
    /* references in the head are checked at the end of the body
     * (rewriteRefsInHead), calls after them (rewriteExprTermsInHead) */
    head_refs(&e, r, &errs);
    for (size_t k = 0; k < r->nkeys; k++)
        lift(&e, r->keys[k], &errs);
    if (r->value)
        lift(&e, r->value, &errs);
    if (r->elem)
        lift(&e, r->elem, &errs);
    if (errs.n) {
        lerrs_cat(tc, &tc->all, &errs);
        return false;
    }
    *out = rule_type(&e, r);
    return true;
}

/* OPA's insertIntoObject: a rule below a rule whose value is an object
 * joins that object's dynamic part. */
static struct ty *insert_into(struct tc *tc, struct ty *o, struct value *const *path, size_t n,
                              struct ty *t)
{
    struct ty *key = type_of(tc, path[0]);
    struct ty *val = n == 1 ? t : insert_into(tc, ty_object(tc, NULL, NULL), path + 1, n - 1, t);
    struct ty *r =
        ty_object(tc, o->dk ? ty_or(tc, o->dk, key) : key, o->dk ? ty_or(tc, o->dv, val) : val);
    if (r) {
        r->pk = o->pk;
        r->pv = o->pv;
        r->np = o->np;
    }
    return r ? r : o;
}

static struct ty *node_leaf(struct tc *tc, struct rnode *n);

static struct ty *merge_below(struct tc *tc, struct ty *o, struct rnode *n, struct value **path,
                              size_t depth)
{
    for (size_t k = 0; k < n->nkids && depth < 64 && o; k++) {
        struct rnode *kid = n->kids[k];
        path[depth] = kid->key;
        struct ty *lt = has_rules(kid) ? node_leaf(tc, kid) : NULL;
        if (lt)
            o = insert_into(tc, o, path, depth + 1, lt);
        else if (!has_rules(kid))
            o = merge_below(tc, o, kid, path, depth + 1);
    }
    return o;
}

static struct ty *node_leaf(struct tc *tc, struct rnode *n)
{
    if (n->id < 0 || n->id >= tc->c->nnodes)
        return NULL;
    if (tc->nstate[n->id] == 2)
        return tc->ntype[n->id];
    if (tc->nstate[n->id] == 1)
        return TY_A;
    /* a long chain of rules using rules: the deep ones are `any` for
     * their users (never stricter than OPA) and checked from the top */
    if (tc->depth >= RTC_MAX_NESTING)
        return TY_A;
    tc->depth++;
    tc->nstate[n->id] = 1;
    struct rule **lists[3] = {n->rules, n->funcs, n->dflt ? &n->dflt : NULL};
    size_t counts[3] = {n->nrules, n->nfuncs, n->dflt ? 1 : 0};
    struct ty *t = NULL;
    bool failed = false;
    for (int l = 0; l < 3; l++) {
        for (size_t k = 0; k < counts[l]; k++) {
            for (struct rule *r = lists[l][k]; r; r = r->els) {
                struct ty *rt;
                if (!check_rule(tc, r, &rt))
                    failed = true;
                else
                    t = merge_types(tc, t, rt);
            }
        }
    }
    if (!failed && t && t->k == T_OBJ && n->nkids) {
        struct value *path[64];
        t = merge_below(tc, t, n, path, 0);
    }
    tc->ntype[n->id] = failed ? TY_A : t;
    tc->nstate[n->id] = 2;
    tc->depth--;
    return tc->ntype[n->id];
}

/* Rule nodes in an order where a node comes after the nodes its rules
 * use (an iterative depth-first walk), so that inferring a rule's type
 * seldom recurses into another rule's. */
struct deps {
    struct rnode **v;
    size_t n, cap;
};

static void deps_add(struct tc *tc, struct deps *d, struct rnode *n)
{
    if (!n)
        return;
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        struct rnode **nv = arena_alloc(&tc->a, ncap * sizeof(*nv));
        if (!nv) {
            tc->oom = true;
            return;
        }
        if (d->n)
            memcpy(nv, d->v, d->n * sizeof(*nv));
        d->v = nv;
        d->cap = ncap;
    }
    d->v[d->n++] = n;
}

/* A node's subtree: the node itself, whose dependencies include its
 * children (node_deps), so each reference adds one entry. */
static void deps_subtree(struct tc *tc, struct deps *d, struct rnode *n)
{
    deps_add(tc, d, n);
}

static void deps_body(struct tc *tc, struct deps *d, const struct body *b);

static void deps_term(struct tc *tc, struct deps *d, const struct term *t)
{
    if (!t)
        return;
    if (t->kind == TM_REF && t->a[0]->kind == TM_VAR && t->a[0]->slot == SLOT_DATA)
        deps_subtree(tc, d, t->pre_node ? t->pre_node : tc->c->root);
    else if (t->kind == TM_VAR && t->slot == SLOT_DATA)
        deps_subtree(tc, d, tc->c->root);
    if (t->kind == TM_CALL)
        deps_add(tc, d, t->fn);
    for (size_t i = 0; i < t->n; i++)
        deps_term(tc, d, t->a[i]);
    deps_term(tc, d, t->key);
    deps_term(tc, d, t->head);
    if (t->body)
        deps_body(tc, d, t->body);
}

static void deps_body(struct tc *tc, struct deps *d, const struct body *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct expr *x = b->e[i];
        deps_term(tc, d, x->a);
        deps_term(tc, d, x->b);
        deps_term(tc, d, x->c);
        if (x->body)
            deps_body(tc, d, x->body);
        for (size_t k = 0; k < x->nwith; k++)
            deps_term(tc, d, x->with[k].value);
    }
}

static void deps_rule(struct tc *tc, struct deps *d, const struct rule *r)
{
    for (; r; r = r->els) {
        deps_body(tc, d, r->body);
        deps_term(tc, d, r->value);
        deps_term(tc, d, r->elem);
        for (size_t k = 0; k < r->nkeys; k++)
            deps_term(tc, d, r->keys[k]);
    }
}

static struct deps node_deps(struct tc *tc, struct rnode *n)
{
    struct deps d = {0};
    for (size_t k = 0; k < n->nkids; k++)
        deps_add(tc, &d, n->kids[k]);
    for (size_t k = 0; k < n->nrules; k++)
        deps_rule(tc, &d, n->rules[k]);
    for (size_t k = 0; k < n->nfuncs; k++)
        deps_rule(tc, &d, n->funcs[k]);
    deps_rule(tc, &d, n->dflt);
    return d;
}

struct frame {
    struct rnode *n;
    struct deps d;
    size_t i;
};

/* Infers every node with rules, dependencies first. */
static void check_from(struct tc *tc, struct rnode *start, uint8_t *seen, struct frame *stack)
{
    size_t sp = 0;
    if (seen[start->id])
        return;
    seen[start->id] = 1;
    stack[sp++] = (struct frame){start, node_deps(tc, start), 0};
    while (sp && !tc->oom) {
        struct frame *f = &stack[sp - 1];
        if (f->i < f->d.n) {
            struct rnode *m = f->d.v[f->i++];
            if (m->id >= 0 && m->id < tc->c->nnodes && !seen[m->id]) {
                seen[m->id] = 1;
                stack[sp++] = (struct frame){m, node_deps(tc, m), 0};
            }
            continue;
        }
        node_leaf(tc, f->n);
        sp--;
    }
}

static void check_nodes(struct tc *tc, struct rnode *root)
{
    size_t nn = (size_t)tc->c->nnodes;
    uint8_t *seen = arena_zalloc(&tc->a, nn + 1);
    struct frame *stack = arena_alloc(&tc->a, (nn + 1) * sizeof(*stack));
    struct rnode **todo = arena_alloc(&tc->a, (nn + 1) * sizeof(*todo));
    if (!seen || !stack || !todo) {
        tc->oom = true;
        return;
    }
    size_t nt = 0;
    todo[nt++] = root;
    for (size_t k = 0; k < nt && !tc->oom; k++) {
        struct rnode *n = todo[k];
        if (n->id >= 0 && (size_t)n->id < nn)
            check_from(tc, n, seen, stack);
        for (size_t j = 0; j < n->nkids && nt < nn + 1; j++)
            todo[nt++] = n->kids[j];
    }
}

/* ------------------------------------------------- error list */

void rtc_errors_free(struct rtc_errors *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].msg);
        free(l->v[i].details);
        free(l->v[i].file);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

int rtc_errors_add(struct rtc_errors *l, const char *code, const char *msg, const char *details,
                   const struct rloc *loc)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        struct rtc_error *nv = realloc(l->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = ncap;
    }
    struct rtc_error *e = &l->v[l->n];
    memset(e, 0, sizeof(*e));
    snprintf(e->code, sizeof(e->code), "%s", code);
    bool oom = false;
    e->msg = dup_or_null(msg, &oom);
    e->details = dup_or_null(details, &oom);
    if (loc && loc->row) {
        e->file = dup_or_null(loc->file ? loc->file : "", &oom);
        e->row = loc->row;
        e->col = loc->col;
    }
    l->n++;
    return oom ? -1 : 0;
}

static int cmp_lerr(const void *x, const void *y)
{
    const struct lerr *a = x, *b = y;
    int c = strcmp(a->loc.file ? a->loc.file : "", b->loc.file ? b->loc.file : "");
    if (c)
        return c;
    if (a->loc.row != b->loc.row)
        return a->loc.row < b->loc.row ? -1 : 1;
    if (a->loc.col != b->loc.col)
        return a->loc.col < b->loc.col ? -1 : 1;
    if ((c = strcmp(a->msg, b->msg)))
        return c;
    return strcmp(a->details ? a->details : "", b->details ? b->details : "");
}

/* OPA's Compiler.err: the error that reaches the limit is followed by
 * {rego_compile_error, "error limit reached"} and no more are taken. */
static bool limit_reached(struct rtc_errors *out, int *rc)
{
    if (out->n < RTC_MAX_ERRORS)
        return false;
    if (rtc_errors_add(out, "rego_compile_error", "error limit reached", NULL, NULL) < 0)
        *rc = -1;
    return true;
}

int rtc_check_modules(struct rego_compiled *c, struct rtc_errors *out)
{
    struct tc tc = {.c = c};
    arena_init(&tc.a, 64 * 1024);
    tc.ntype = arena_zalloc(&tc.a, ((size_t)c->nnodes + 1) * sizeof(*tc.ntype));
    tc.nstate = arena_zalloc(&tc.a, (size_t)c->nnodes + 1);
    tc.ntyped = arena_zalloc(&tc.a, (size_t)c->nnodes + 1);
    tc.nextent = arena_zalloc(&tc.a, ((size_t)c->nnodes + 1) * sizeof(*tc.nextent));
    int rc = -1;
    if (tc.ntype && tc.nstate && tc.ntyped && tc.nextent && c->root) {
        tc.has_schemas = policy_has_schemas(c);
        check_nodes(&tc, c->root);
        if (!tc.oom) {
            if (tc.all.n)
                qsort(tc.all.v, tc.all.n, sizeof(*tc.all.v), cmp_lerr);
            rc = (int)tc.all.n;
            for (size_t i = 0; i < tc.all.n && rc >= 0; i++) {
                const struct lerr *le = &tc.all.v[i];
                if (rtc_errors_add(out, "rego_type_error", le->msg, le->details, &le->loc) < 0)
                    rc = -1;
                if (limit_reached(out, &rc))
                    break;
            }
        }
    }
    free(tc.calls.e);
    free(tc.comps.e);
    free(tc.decls.e);
    free(tc.schemas.e);
    arena_free(&tc.a);
    return rc;
}

/* ------------------------------------------------- arity errors */

/* A term's type where OPA checks arities (CheckUndefinedFuncs, before
 * any inference): constants, input and data (any), unknown otherwise. */
static struct ty *pre_type(struct tc *tc, const struct term *t)
{
    switch (t->kind) {
    case TM_SCALAR:
        return type_of(tc, t->val);
    case TM_VAR:
        return t->slot == SLOT_INPUT || t->slot == SLOT_DATA ? TY_A : NULL;
    case TM_REF:
        return t->a[0]->kind == TM_VAR &&
                       (t->a[0]->slot == SLOT_INPUT || t->a[0]->slot == SLOT_DATA)
                   ? TY_A
                   : NULL;
    case TM_ARRAY: {
        struct ty **st = arena_alloc(&tc->a, (t->n + 1) * sizeof(*st));
        if (!st)
            return NULL;
        for (size_t i = 0; i < t->n; i++)
            st[i] = pre_type(tc, t->a[i]);
        return ty_array(tc, st, t->n, t->n ? NULL : TY_A);
    }
    case TM_SET: {
        struct ty *of = NULL;
        for (size_t i = 0; i < t->n; i++)
            of = ty_or(tc, of, pre_type(tc, t->a[i]));
        return ty_set(tc, t->n ? of : TY_A);
    }
    case TM_OBJECT: {
        struct ty *o = ty_object(tc, NULL, NULL);
        if (!o || !(o->pk = arena_alloc(&tc->a, (t->n / 2 + 1) * sizeof(*o->pk))) ||
            !(o->pv = arena_alloc(&tc->a, (t->n / 2 + 1) * sizeof(*o->pv))))
            return NULL;
        for (size_t i = 0; i + 1 < t->n; i += 2) {
            if ((t->a[i]->flags & TF_CONST) && t->a[i]->val) {
                o->pk[o->np] = t->a[i]->val;
                o->pv[o->np++] = pre_type(tc, t->a[i + 1]);
            } else {
                o->dk = pre_type(tc, t->a[i]);
                o->dv = pre_type(tc, t->a[i + 1]);
            }
        }
        if (!o->np && !o->dk) {
            o->dk = TY_A;
            o->dv = TY_A;
        }
        obj_sort(o);
        return o;
    }
    default:
        return NULL;
    }
}

char *rtc_arity_details(const struct term *call, const char *decl, bool generated)
{
    struct tc tc = {0};
    arena_init(&tc.a, 4096);
    struct ty *f = decl ? parse_decl(&tc, decl) : NULL;
    char *out = NULL;
    if (f) {
        struct buf b = BUF_INIT;
        buf_puts(&b, "have: (");
        for (size_t i = 1; i < call->n; i++) {
            if (i > 1)
                buf_puts(&b, ", ");
            ty_print(&b, pre_type(&tc, call->a[i]));
        }
        if (generated)
            buf_puts(&b, call->n > 1 ? ", ???" : "???");
        buf_puts(&b, ")\nwant: ");
        fargs_print(&b, f->v, f->n, f->var ? (f->var->plain ? f->var->plain : f->var) : NULL,
                    false);
        if (!buf_failed(&b))
            out = strdup(buf_cstr(&b));
        buf_free(&b);
    }
    arena_free(&tc.a);
    return out;
}

/* ------------------------------------------------- queries */

int rtc_check_query(const struct rego_compiled *c, struct body *b, int nslots,
                    struct rtc_errors *out)
{
    struct tc tc = {.c = (struct rego_compiled *)c};
    arena_init(&tc.a, 16 * 1024);
    tc.ntype = arena_zalloc(&tc.a, ((size_t)c->nnodes + 1) * sizeof(*tc.ntype));
    tc.nstate = arena_zalloc(&tc.a, (size_t)c->nnodes + 1);
    tc.ntyped = arena_zalloc(&tc.a, (size_t)c->nnodes + 1);
    tc.nextent = arena_zalloc(&tc.a, ((size_t)c->nnodes + 1) * sizeof(*tc.nextent));
    struct env e = {.tc = &tc, .nslots = nslots};
    e.vt = arena_zalloc(&tc.a, ((size_t)nslots + 1) * sizeof(*e.vt));
    struct lerrs errs = {0};
    int rc = -1;
    if (tc.ntype && tc.nstate && tc.ntyped && tc.nextent && e.vt && c->root) {
        check_body(&e, b, &errs);
        if (!tc.oom) {
            if (errs.n)
                qsort(errs.v, errs.n, sizeof(*errs.v), cmp_lerr);
            rc = (int)errs.n;
            for (size_t i = 0; i < errs.n && rc >= 0; i++) {
                if (rtc_errors_add(out, "rego_type_error", errs.v[i].msg, errs.v[i].details,
                                   &errs.v[i].loc) < 0)
                    rc = -1;
                if (limit_reached(out, &rc))
                    break;
            }
        }
    }
    free(tc.calls.e);
    free(tc.comps.e);
    free(tc.decls.e);
    arena_free(&tc.a);
    return rc;
}

/* ------------------------------------------------- declarations (check) */

char *rtc_decl_format(const char *decl)
{
    struct tc tc = {0};
    arena_init(&tc.a, 4096);
    struct ty *f = parse_decl(&tc, decl);
    char *out = NULL;
    if (f) {
        struct buf b = BUF_INIT;
        fargs_print(&b, f->v, f->n, f->var, true);
        if (f->dyn) {
            buf_puts(&b, " => ");
            if (f->dyn->name)
                buf_printf(&b, "%s: ", f->dyn->name);
            ty_print(&b, f->dyn);
        }
        if (!buf_failed(&b))
            out = strdup(buf_cstr(&b));
        buf_free(&b);
    }
    arena_free(&tc.a);
    return out;
}
