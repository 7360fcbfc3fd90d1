/* eval.c - OPA's top-down evaluation over the compiled AST.
 *
 * Continuation-passing: every construct that can produce several solutions
 * (a body, a reference with unbound operands, a unification, a call whose
 * arguments enumerate) calls its continuation once per solution.  A
 * continuation returns R_CONT to ask for more, R_STOP to end the search
 * (the caller that installed it translates that), or R_ERR.  Variables are
 * slots of a frame (one per rule or function call); bindings are undone
 * through a trail when a branch is left.
 *
 * Documents: the rule tree node of a reference is evaluated once per
 * evaluation and `with` scope (cache keyed by node id and generation):
 * complete rules (conflict check, else chains, default), multi-value and
 * keyed rules (sets/objects built from every solution, merged with deeper
 * rules and base data).  Builtin errors make the call undefined unless
 * strict; conflicts and limits are always errors.
 *
 * Fast paths (docs/rego.md, Performance): terms marked direct at compile
 * time (reval_prepare, at the end of this file) are computed without
 * continuations once their variables are bound, so bodies run as loops
 * over expressions with one outcome; a call's one unbound reference
 * operand is enumerated in place; function frames live on the C stack;
 * large objects get a per-evaluation hash index; calls without variables
 * are computed once per evaluation outside `with`.  Every cache lives in
 * the evaluation's state: the compiled policy is shared read-only. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rego/bi_util.h"
#include "base/vec.h"
#include "rego/rego_int.h"

enum { R_ERR = -1, R_CONT = 0, R_STOP = 1 };

struct ev;
struct kont {
    int (*fn)(struct ev *ev, struct kont *k);
};
struct vk {
    int (*fn)(struct ev *ev, struct vk *k, struct value *v);
};

struct cache_ent {
    struct value *v;
    uint32_t gen;
    uint8_t state; /* 0 none, 1 computing, 2 done */
};

struct overlay {
    struct overlay *next;
    struct value *const *path;
    size_t plen;
    struct value *val;
};

struct mock {
    struct mock *next;
    const char *name;
    struct value *val;
    struct rnode *fn;
    const struct rego_builtin *bi;
    int host;
};

struct nd_ent {
    struct nd_ent *next;
    const char *name;
    struct value *args; /* array */
    struct value *out;
};

/* Comprehension values of this evaluation, by memo_id: a comprehension's
 * value depends only on its captured variables and the `with` scope. */
struct memo_ent {
    struct memo_ent *next;
    uint32_t gen;
    struct value **key; /* the captured values (NULL: unbound) */
    struct value *val;
};
struct memo_slot {
    struct memo_ent *list;
    unsigned n;
};
#define MEMO_MAX_PER_TERM 16

/* The value of a reference's constant prefix (term prefix_id) in this
 * evaluation and `with` scope. */
struct prefix_ent {
    struct value *v; /* NULL: undefined */
    uint32_t gen;
    bool known;
};

/* The value of a call term with a call_id outside `with` (undefined is a
 * value too). */
struct call_ent {
    struct value *v;
    bool known;
};

struct ev {
    const struct rego_compiled *c;
    struct arena *a;
    struct value *input;
    struct value *data;
    struct value ***trail;
    size_t tn, tcap;
    struct cache_ent *cache;
    struct memo_slot *memo;
    struct prefix_ent *prefix;
    struct call_ent *calls;
    uint32_t gen, gen_counter;
    struct overlay *ov;
    struct mock *mocks;
    struct nd_ent *nd;
    unsigned long steps, max_steps;
    unsigned depth, max_depth;
    bool strict;
    bool check_capture;
    bool allow_network;
    int opa_compat;
    struct rego_err *err;
    struct value **expr_vals;
    int64_t now_ns;
    uintptr_t stack_floor; /* the C stack must stay above (0: unchecked) */
    struct obj_index *index; /* INDEX_WAYS entries (object index below) */
    uint64_t hash_seed;
};

/* ------------------------------------------------------------ errors */

static int ev_fail(struct ev *ev, const char *code, struct rloc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ev_fail(struct ev *ev, const char *code, struct rloc loc, const char *fmt, ...)
{
    char msg[560];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rego_err_set(ev->err, code, loc, "%s", msg);
    return R_ERR;
}

static int oom(struct ev *ev)
{
    return ev_fail(ev, "eval_internal_error", (struct rloc){0}, "out of memory");
}

static const struct rloc NOLOC = {0};

static __attribute__((noinline, cold)) int step_fail(struct ev *ev, const struct rloc *loc)
{
    if (ev->steps > ev->max_steps)
        return ev_fail(ev, "eval_limit_error", *loc, "evaluation step limit exceeded (%lu)",
                       ev->max_steps);
    return ev_fail(ev, "eval_limit_error", *loc, "maximum evaluation depth exceeded");
}

#define STACK_BUDGET ((uintptr_t)3 << 20)

/* Counts one step; fails past the step limit or the C-stack budget.  The
 * location is passed by address: it is read only on failure. */
static inline int step_at(struct ev *ev, const struct rloc *loc)
{
    if (__builtin_expect(++ev->steps > ev->max_steps, 0) ||
        __builtin_expect((uintptr_t)__builtin_frame_address(0) < ev->stack_floor, 0))
        return step_fail(ev, loc);
    return R_CONT;
}
#define step(ev, loc) step_at((ev), &(loc))

/* ----------------------------------------------------------- bindings */

static int bind(struct ev *ev, struct value **slot, struct value *v)
{
    if (ev->tn == ev->tcap) {
        /* the trail grows in the evaluation arena: no heap allocation */
        size_t nc = ev->tcap ? ev->tcap * 2 : 256;
        struct value ***nt = arena_alloc(ev->a, nc * sizeof(*nt));
        if (!nt)
            return oom(ev);
        if (ev->tn)
            memcpy(nt, ev->trail, ev->tn * sizeof(*nt));
        ev->trail = nt;
        ev->tcap = nc;
    }
    *slot = v;
    ev->trail[ev->tn++] = slot;
    return R_CONT;
}

static void undo(struct ev *ev, size_t mark)
{
    while (ev->tn > mark)
        *ev->trail[--ev->tn] = NULL;
}

static struct value **new_frame(struct ev *ev, int nslots)
{
    return arena_zalloc(ev->a, (size_t)(nslots > 0 ? nslots : 1) * sizeof(struct value *));
}

/* ------------------------------------------------------ small integers */

#define NSMALL 1024
static struct value g_small[NSMALL];
static pthread_once_t g_small_once = PTHREAD_ONCE_INIT;
static void init_small(void)
{
    for (int i = 0; i < NSMALL; i++) {
        g_small[i].type = V_NUMBER;
        g_small[i].num_kind = NUM_INT;
        g_small[i].u.num.i = i;
        g_small[i].u.num.d = i;
    }
}
static struct value *int_value(struct ev *ev, int64_t i)
{
    if (i >= 0 && i < NSMALL)
        return &g_small[i];
    return v_int(ev->a, i);
}

/* ------------------------------------------------------- object index */

/* Large objects looked up repeatedly by string keys in one evaluation (the
 * reference values under data, the input claims) get a hash index in the
 * evaluation's arena after a few lookups; the index is never written into
 * shared values.  Slots are taken by the first objects that qualify and
 * kept for the evaluation. */
#define INDEX_MIN_LEN 32
#define INDEX_AFTER 4
#define INDEX_WAYS 16
#define INDEX_MAX_PROBE 32

struct obj_index {
    const struct value *obj;
    uint32_t *slots; /* 1 + pair index, 0 empty; NULL until built */
    uint32_t mask;
    unsigned lookups;
    const struct value *memo_key; /* the last key found, at pair memo_at */
    size_t memo_at;
};

/* The index's string hash: 8 bytes per multiply, the tail read as two
 * overlapping 4-byte words (no byte loop, no memcpy call), seeded per
 * evaluation.  Strength against chosen keys is not needed: probes are
 * bounded and a long one falls back to the binary search. */
static inline uint64_t key_hash(uint64_t seed, const char *s, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t h = seed ^ (n * k);
    for (; n > 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        w = (uint64_t)lo << 32 | hi;
    } else if (n > 0) {
        w = (uint64_t)(uint8_t)s[0] << 16 | (uint64_t)(uint8_t)s[n / 2] << 8 | (uint8_t)s[n - 1];
    }
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
}

static bool index_build(struct ev *ev, struct obj_index *x)
{
    size_t len = x->obj->u.obj.len, cap = 64;
    while (cap < 2 * len)
        cap *= 2;
    if (cap > UINT32_MAX)
        return false;
    uint32_t *slots = arena_zalloc(ev->a, cap * sizeof(*slots));
    if (!slots)
        return false;
    uint32_t mask = (uint32_t)cap - 1;
    for (size_t i = 0; i < len; i++) {
        const struct value *k = x->obj->u.obj.pairs[i].key;
        if (k->type != V_STRING)
            continue; /* a string key never matches it */
        uint32_t h = (uint32_t)key_hash(ev->hash_seed, k->u.str.s, k->u.str.len) & mask;
        while (slots[h])
            h = (h + 1) & mask;
        slots[h] = (uint32_t)i + 1;
    }
    x->slots = slots;
    x->mask = mask;
    return true;
}

/* The member of obj under the string key (V_STRING), through the index once
 * obj has been looked up often enough. */
static struct value *indexed_get(struct ev *ev, const struct value *obj, const struct value *key)
{
    uintptr_t p = (uintptr_t)obj;
    struct obj_index *x = &ev->index[(p >> 4 ^ p >> 10) % INDEX_WAYS];
    if (x->obj != obj) {
        if (x->slots)
            return value_object_get_fast(obj, key); /* slot kept by another */
        *x = (struct obj_index){obj, NULL, 0, 0, NULL, 0};
    }
    if (!x->slots && (++x->lookups < INDEX_AFTER || !index_build(ev, x)))
        return value_object_get_fast(obj, key);
    const char *s = key->u.str.s;
    size_t n = key->u.str.len;
    if (x->memo_key) {
        /* the same key value again (has_key(m, k) then m[k]): its member,
         * found in this object in this evaluation (values do not change
         * while it runs, the arena is not reused); else the member after
         * it, as when another object with the same keys is iterated in
         * order (the claims and their reference values) */
        if (key == x->memo_key)
            return obj->u.obj.pairs[x->memo_at].val;
        size_t nx = x->memo_at + 1;
        const struct value_pair *pr = &obj->u.obj.pairs[nx];
        if (nx < obj->u.obj.len && pr->key->type == V_STRING && pr->key->u.str.len == n &&
            memcmp(pr->key->u.str.s, s, n) == 0) {
            x->memo_key = key;
            x->memo_at = nx;
            return pr->val;
        }
    }
    uint32_t h = (uint32_t)key_hash(ev->hash_seed, s, n) & x->mask;
    for (int probe = 0; probe < INDEX_MAX_PROBE; probe++) {
        uint32_t at = x->slots[h];
        if (!at)
            return NULL;
        const struct value_pair *pr = &obj->u.obj.pairs[at - 1];
        if (pr->key->u.str.len == n && memcmp(pr->key->u.str.s, s, n) == 0) {
            x->memo_key = key;
            x->memo_at = at - 1;
            return pr->val;
        }
        h = (h + 1) & x->mask;
    }
    return value_object_get_fast(obj, key); /* a long probe: clustered keys */
}

/* ------------------------------------------------------- value access */

static struct value *lookup(struct ev *ev, const struct value *coll, const struct value *key);

/* lookup with the index's memo answered in place: the member found last
 * in an indexed object under the same key value (indexed_get). */
static inline struct value *lookup_memo(struct ev *ev, const struct value *coll,
                                        const struct value *key)
{
    if (coll && key) {
        uintptr_t p = (uintptr_t)coll;
        struct obj_index *x = &ev->index[(p >> 4 ^ p >> 10) % INDEX_WAYS];
        if (x->obj == coll && x->slots && x->memo_key) {
            if (x->memo_key == key)
                return coll->u.obj.pairs[x->memo_at].val;
            /* the member after the last one found (indexed_get) */
            size_t nx = x->memo_at + 1;
            const struct value_pair *pr = &coll->u.obj.pairs[nx];
            if (key->type == V_STRING && nx < coll->u.obj.len && pr->key->type == V_STRING &&
                pr->key->u.str.len == key->u.str.len &&
                memcmp(pr->key->u.str.s, key->u.str.s, key->u.str.len) == 0) {
                x->memo_key = key;
                x->memo_at = nx;
                return pr->val;
            }
        }
    }
    return lookup(ev, coll, key);
}

static struct value *lookup(struct ev *ev, const struct value *coll, const struct value *key)
{
    if (!coll || !key)
        return NULL;
    switch (coll->type) {
    case V_OBJECT:
        if (coll->u.obj.len >= INDEX_MIN_LEN && key->type == V_STRING)
            return indexed_get(ev, coll, key);
        return value_object_get_fast(coll, key);
    case V_ARRAY: {
        int64_t i;
        if (key->type != V_NUMBER || value_as_int64(key, &i) < 0)
            return NULL;
        if (!value_is_integer(key))
            return NULL;
        return i >= 0 && (size_t)i < coll->u.arr.len ? coll->u.arr.items[i] : NULL;
    }
    case V_SET:
        return value_set_contains(coll, key) ? (struct value *)key : NULL;
    default:
        (void)ev;
        return NULL;
    }
}

static size_t coll_len(const struct value *v)
{
    if (!v)
        return 0;
    if (v->type == V_ARRAY || v->type == V_SET)
        return v->u.arr.len;
    if (v->type == V_OBJECT)
        return v->u.obj.len;
    return 0;
}

static void coll_at(struct ev *ev, const struct value *v, size_t i, struct value **k,
                    struct value **x)
{
    if (v->type == V_ARRAY) {
        *k = int_value(ev, (int64_t)i);
        *x = v->u.arr.items[i];
    } else if (v->type == V_SET) {
        *k = *x = v->u.arr.items[i];
    } else {
        *k = v->u.obj.pairs[i].key;
        *x = v->u.obj.pairs[i].val;
    }
}

/* Replaces the value at path inside doc (objects created as needed). */
static struct value *upsert(struct ev *ev, struct value *doc, struct value *const *path,
                            size_t n, struct value *val)
{
    if (n == 0)
        return val;
    struct value *base = doc && doc->type == V_OBJECT ? doc : NULL;
    struct value *child = base ? value_object_get_fast(base, path[0]) : NULL;
    struct value *nv = upsert(ev, child, path + 1, n - 1, val);
    if (!nv)
        return NULL;
    size_t len = base ? base->u.obj.len : 0;
    struct value_pair *pairs = arena_alloc(ev->a, (len + 1) * sizeof(*pairs));
    if (!pairs)
        return NULL;
    size_t o = 0;
    for (size_t k = 0; k < len; k++)
        if (!value_equal(base->u.obj.pairs[k].key, path[0]))
            pairs[o++] = base->u.obj.pairs[k];
    pairs[o].key = path[0];
    pairs[o].val = nv;
    return v_object(ev->a, pairs, o + 1, DUP_LAST_WINS, NULL);
}

/* The value at the first t->prefix_n constant operands of t below root
 * (input, or base data when no `with data` is active), cached per
 * evaluation and `with` scope; NULL when undefined. */
static struct value *prefix_value(struct ev *ev, const struct term *t, struct value *root)
{
    struct prefix_ent *pe = &ev->prefix[t->prefix_id];
    if (pe->known && pe->gen == ev->gen)
        return pe->v;
    struct value *v = root;
    for (size_t i = 1; v && i <= t->prefix_n; i++)
        v = lookup(ev, v, t->a[i]->val);
    *pe = (struct prefix_ent){v, ev->gen, true};
    return v;
}

static bool has_prefix(const struct ev *ev, const struct term *t)
{
    return t->prefix_id > 0 && t->prefix_id <= ev->c->nprefix;
}

/* ------------------------------------------------------ forward decls */

static int eval_term(struct ev *ev, struct value **fr, struct term *t, struct vk *k);
static int eval_body(struct ev *ev, struct value **fr, struct body *b, size_t i,
                     struct kont *k);
static int unify_tv(struct ev *ev, struct value **fr, struct term *p, struct value *v,
                    struct kont *k);
static int node_value(struct ev *ev, struct rnode *n, struct value *base, struct value **out);
static int subtree_doc(struct ev *ev, struct rnode *n, struct value *base,
                       struct value *const *path, size_t plen, struct value **out);

/* ------------------------------------------------------- simple terms */

/* Value of a TF_SIMPLE term whose variables are all bound; NULL if one
 * is not (or undefined input). */
static struct value *simple_value(struct ev *ev, struct value **fr, struct term *t, bool *err)
{
    if (t->flags & TF_CONST)
        return t->val;
    switch (t->kind) {
    case TM_VAR:
        if (t->slot >= 0)
            return fr[t->slot];
        if (t->slot == SLOT_INPUT)
            return ev->input;
        return NULL;
    case TM_ARRAY:
    case TM_SET: {
        struct value **items = arena_alloc(ev->a, (t->n + 1) * sizeof(*items));
        if (!items) {
            *err = true;
            return NULL;
        }
        for (size_t k = 0; k < t->n; k++)
            if (!(items[k] = simple_value(ev, fr, t->a[k], err)))
                return NULL;
        return t->kind == TM_ARRAY ? v_array(ev->a, items, t->n) : v_set(ev->a, items, t->n);
    }
    case TM_OBJECT: {
        size_t np = t->n / 2;
        struct value_pair *pairs = arena_alloc(ev->a, (np + 1) * sizeof(*pairs));
        if (!pairs) {
            *err = true;
            return NULL;
        }
        for (size_t k = 0; k < np; k++) {
            pairs[k].key = simple_value(ev, fr, t->a[2 * k], err);
            pairs[k].val = simple_value(ev, fr, t->a[2 * k + 1], err);
            if (!pairs[k].key || !pairs[k].val)
                return NULL;
        }
        /* a repeated key: the last one wins (OPA's Object insert) */
        struct value *v = v_object(ev->a, pairs, np, DUP_LAST_WINS, NULL);
        if (!v)
            *err = true;
        return v;
    }
    default:
        return NULL;
    }
}

/* Whether t can be evaluated now: no unbound variable outside reference
 * operands and closures. */
static bool evaluable(struct ev *ev, struct value **fr, struct term *t)
{
    if (t->flags & TF_CONST)
        return true;
    switch (t->kind) {
    case TM_VAR:
        return t->slot < 0 || fr[t->slot] != NULL;
    case TM_REF:
        if (!evaluable(ev, fr, t->a[0]))
            return false;
        for (size_t k = 1; k < t->n; k++) {
            struct term *op = t->a[k];
            if (op->kind == TM_REF || op->kind == TM_CALL)
                if (!evaluable(ev, fr, op))
                    return false;
        }
        return true;
    case TM_CALL:
        for (size_t k = 1; k < t->n - (t->call_out ? 1 : 0); k++)
            if (!evaluable(ev, fr, t->a[k]))
                return false;
        return true;
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        for (size_t k = 0; k < t->n; k++)
            if (!evaluable(ev, fr, t->a[k]))
                return false;
        return true;
    default:
        return true;
    }
}

/* --------------------------------------------------------- direct values */

static int eval_data_ref(struct ev *ev, struct value **fr, struct term *t, struct vk *k);

struct capture_vk {
    struct vk vk;
    struct value *v;
};

static int capture_val(struct ev *ev, struct vk *k, struct value *v)
{
    (void)ev;
    ((struct capture_vk *)k)->v = v;
    return R_STOP;
}

/* Whether operand op of a reference is a constant or a bound variable. */
static struct value *ground_operand(struct value **fr, const struct term *op)
{
    if (op->flags & TF_CONST)
        return op->val;
    if (op->kind == TM_VAR && op->slot >= 0)
        return fr[op->slot];
    return NULL;
}

static int direct_eval(struct ev *ev, struct value **fr, struct term *t, struct value **out);
static inline bool direct_ready(struct value **fr, const struct term *t);
static int direct_data_ref(struct ev *ev, struct value **fr, struct term *t,
                           struct value **out);

/* The value of t without continuations when t has at most one value and
 * needs no enumeration: constants, variables, input, references whose
 * operands are constants or bound variables, and calls of such terms (see
 * direct_eval).  Returns 1 with *out set (NULL when undefined), 0 when t
 * needs eval_term, R_ERR on error. */
/* The value of reference t whose head is bound and whose operands are
 * ground: data through the prefix cache or the rule tree, a variable or
 * input by lookups; 1 with *out (NULL when undefined) or R_ERR. */
static int ground_ref_value(struct ev *ev, struct value **fr, struct term *t,
                            struct value **out)
{
    struct term *head = t->a[0];
    if (head->slot == SLOT_DATA) {
        if (!ev->ov && has_prefix(ev, t))
            return direct_data_ref(ev, fr, t, out);
        struct capture_vk cv = {{capture_val}, NULL};
        if (eval_data_ref(ev, fr, t, &cv.vk) == R_ERR)
            return R_ERR;
        *out = cv.v;
        return 1;
    }
    struct value *v = head->slot >= 0           ? fr[head->slot]
                      : head->slot == SLOT_INPUT ? ev->input
                                                 : NULL;
    size_t i = 1;
    if (v && head->slot == SLOT_INPUT && has_prefix(ev, t)) {
        v = prefix_value(ev, t, v);
        i += t->prefix_n;
    }
    for (; v && i < t->n; i++)
        v = lookup(ev, v, ground_operand(fr, t->a[i]));
    *out = v;
    return 1;
}

static int direct_value(struct ev *ev, struct value **fr, struct term *t, struct value **out)
{
    if (t->flags & TF_CONST) {
        *out = t->val;
        return 1;
    }
    if (t->direct)
        return direct_ready(fr, t) ? direct_eval(ev, fr, t, out) : 0;
    if (t->kind == TM_CALL)
        return 0;
    if (t->kind == TM_VAR) {
        if (t->slot >= 0 && fr[t->slot])
            *out = fr[t->slot];
        else if (t->slot == SLOT_INPUT)
            *out = ev->input;
        else
            return 0;
        return 1;
    }
    if (t->kind != TM_REF || t->a[0]->kind != TM_VAR)
        return 0;
    for (size_t i = 1; i < t->n; i++)
        if (!ground_operand(fr, t->a[i]))
            return 0;
    struct term *head = t->a[0];
    if (head->slot >= 0 && !fr[head->slot])
        return 0; /* unbound: unification may bind it */
    return ground_ref_value(ev, fr, t, out);
}

/* ---------------------------------------------------- composite terms */

struct elems_k {
    struct vk vk;
    struct value **fr;
    struct term *t;
    size_t i;
    struct value **vals;
    struct vk *out;
};

static int build_composite(struct ev *ev, struct term *t, struct value **vals, struct vk *out)
{
    struct value *v;
    if (t->kind == TM_ARRAY) {
        v = v_array(ev->a, vals, t->n);
    } else if (t->kind == TM_SET) {
        v = v_set(ev->a, vals, t->n);
    } else {
        size_t np = t->n / 2;
        struct value_pair *pairs = arena_alloc(ev->a, (np + 1) * sizeof(*pairs));
        if (!pairs)
            return oom(ev);
        for (size_t k = 0; k < np; k++) {
            pairs[k].key = vals[2 * k];
            pairs[k].val = vals[2 * k + 1];
        }
        v = v_object(ev->a, pairs, np, DUP_LAST_WINS, NULL);
    }
    if (!v)
        return oom(ev);
    return out->fn(ev, out, v);
}

static int elems_next(struct ev *ev, struct vk *k, struct value *v);

static int elems_from(struct ev *ev, struct elems_k *ek)
{
    if (ek->i == ek->t->n)
        return build_composite(ev, ek->t, ek->vals, ek->out);
    struct elems_k nk = *ek;
    nk.vk.fn = elems_next;
    return eval_term(ev, ek->fr, ek->t->a[ek->i], &nk.vk);
}

static int elems_next(struct ev *ev, struct vk *k, struct value *v)
{
    struct elems_k *ek = (struct elems_k *)k;
    ek->vals[ek->i] = v;
    struct elems_k nk = *ek;
    nk.i++;
    return elems_from(ev, &nk);
}

static int eval_composite(struct ev *ev, struct value **fr, struct term *t, struct vk *k)
{
    if (t->flags & TF_SIMPLE) {
        bool err = false;
        struct value *v = simple_value(ev, fr, t, &err);
        if (v)
            return k->fn(ev, k, v);
        return err ? oom(ev) : R_CONT;
    }
    struct value **vals = arena_alloc(ev->a, (t->n + 1) * sizeof(*vals));
    if (!vals)
        return oom(ev);
    struct elems_k ek = {{elems_next}, fr, t, 0, vals, k};
    return elems_from(ev, &ek);
}

/* -------------------------------------------------------- comprehensions */

struct compr_k {
    struct kont k;
    struct value **fr;
    struct term *t;
    struct value_list items;
    struct pair_list pairs;
};

struct compr_head_k {
    struct vk vk;
    struct compr_k *ck;
    struct value *key;
};

static int compr_head_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct compr_head_k *hk = (struct compr_head_k *)k;
    struct compr_k *ck = hk->ck;
    if (ck->t->kind == TM_OBJC) {
        for (size_t i = 0; i < ck->pairs.len; i++) {
            if (value_equal(ck->pairs.pairs[i].key, hk->key)) {
                if (!value_equal(ck->pairs.pairs[i].val, v))
                    return ev_fail(ev, "eval_conflict_error", ck->t->loc,
                                   "object keys must be unique");
                return R_CONT;
            }
        }
        return pair_list_push(ev->a, &ck->pairs, hk->key, v) < 0 ? oom(ev) : R_CONT;
    }
    return value_list_push(ev->a, &ck->items, v) < 0 ? oom(ev) : R_CONT;
}

static int compr_key_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct compr_head_k *hk = (struct compr_head_k *)k;
    struct compr_head_k nk = {{compr_head_val}, hk->ck, v};
    return eval_term(ev, hk->ck->fr, hk->ck->t->head, &nk.vk);
}

static int compr_solution(struct ev *ev, struct kont *k)
{
    struct compr_k *ck = (struct compr_k *)k;
    if (ck->t->kind == TM_OBJC) {
        struct compr_head_k hk = {{compr_key_val}, ck, NULL};
        return eval_term(ev, ck->fr, ck->t->key, &hk.vk);
    }
    struct compr_head_k hk = {{compr_head_val}, ck, NULL};
    return eval_term(ev, ck->fr, ck->t->head, &hk.vk);
}

static struct memo_slot *memo_slot(struct ev *ev, const struct term *t)
{
    if (t->memo_id <= 0 || t->memo_id > ev->c->nmemo || t->body->caps_partial)
        return NULL;
    return &ev->memo[t->memo_id];
}

static struct value *memo_get(struct ev *ev, const struct memo_slot *ms, struct value **fr,
                              const struct body *b)
{
    for (const struct memo_ent *e = ms->list; e; e = e->next) {
        if (e->gen != ev->gen)
            continue;
        size_t i = 0;
        while (i < b->ncaps && value_equal(e->key[i], fr[b->caps[i]->slot]))
            i++;
        if (i == b->ncaps)
            return e->val;
    }
    return NULL;
}

static void memo_put(struct ev *ev, struct memo_slot *ms, struct value **fr,
                     const struct body *b, struct value *v)
{
    if (ms->n >= MEMO_MAX_PER_TERM)
        return;
    struct memo_ent *e = arena_alloc(ev->a, sizeof(*e));
    struct value **key = arena_alloc(ev->a, (b->ncaps + 1) * sizeof(*key));
    if (!e || !key)
        return; /* only a missed shortcut */
    for (size_t i = 0; i < b->ncaps; i++)
        key[i] = fr[b->caps[i]->slot];
    *e = (struct memo_ent){ms->list, ev->gen, key, v};
    ms->list = e;
    ms->n++;
}

static int eval_compr(struct ev *ev, struct value **fr, struct term *t, struct vk *k)
{
    struct memo_slot *ms = memo_slot(ev, t);
    if (ms) {
        struct value *v = memo_get(ev, ms, fr, t->body);
        if (v)
            return k->fn(ev, k, v);
    }
    struct compr_k ck = {{compr_solution}, fr, t, {0}, {0}};
    size_t mark = ev->tn;
    int r = eval_body(ev, fr, t->body, 0, &ck.k);
    undo(ev, mark);
    if (r == R_ERR)
        return R_ERR;
    struct value *v;
    if (t->kind == TM_ARRAYC)
        v = v_array(ev->a, ck.items.items, ck.items.len);
    else if (t->kind == TM_SETC)
        v = v_set(ev->a, ck.items.items, ck.items.len);
    else
        v = v_object(ev->a, ck.pairs.pairs, ck.pairs.len, DUP_LAST_WINS, NULL);
    if (!v)
        return oom(ev);
    if (ms)
        memo_put(ev, ms, fr, t->body, v);
    return k->fn(ev, k, v);
}

/* ------------------------------------------------------------- walking */

struct walk_k {
    struct vk vk;
    struct value **fr;
    struct term *t;
    size_t i;
    struct value *coll;
    struct vk *out;
};

static int walk_value(struct ev *ev, struct value **fr, struct term *t, size_t i,
                      struct value *v, struct vk *k);

static int walk_key_val(struct ev *ev, struct vk *k, struct value *key)
{
    struct walk_k *wk = (struct walk_k *)k;
    struct value *child = lookup(ev, wk->coll, key);
    if (!child)
        return R_CONT;
    return walk_value(ev, wk->fr, wk->t, wk->i + 1, child, wk->out);
}

struct walk_enum_k {
    struct kont k;
    struct value **fr;
    struct term *t;
    size_t i;
    struct value *child;
    struct vk *out;
};

static int walk_enum_next(struct ev *ev, struct kont *k)
{
    struct walk_enum_k *wk = (struct walk_enum_k *)k;
    return walk_value(ev, wk->fr, wk->t, wk->i + 1, wk->child, wk->out);
}

static int walk_value(struct ev *ev, struct value **fr, struct term *t, size_t i,
                      struct value *v, struct vk *k)
{
    if (!v)
        return R_CONT;
    while (i < t->n) {
        struct term *op = t->a[i];
        struct value *key = NULL;
        if (op->flags & TF_CONST) {
            key = op->val;
        } else if (op->kind == TM_VAR && op->slot >= 0) {
            key = fr[op->slot];
            if (!key)
                break; /* enumerate */
        } else if (op->kind == TM_REF || op->kind == TM_CALL || op->kind >= TM_ARRAYC ||
                   (op->kind == TM_VAR && op->slot < 0)) {
            struct walk_k wk = {{walk_key_val}, fr, t, i, v, k};
            return eval_term(ev, fr, op, &wk.vk);
        } else {
            bool err = false;
            key = (op->flags & TF_SIMPLE) ? simple_value(ev, fr, op, &err) : NULL;
            if (!key) {
                if (evaluable(ev, fr, op)) {
                    struct walk_k wk = {{walk_key_val}, fr, t, i, v, k};
                    return eval_term(ev, fr, op, &wk.vk);
                }
                break;
            }
        }
        v = lookup(ev, v, key);
        if (!v)
            return R_CONT;
        i++;
    }
    if (i == t->n)
        return k->fn(ev, k, v);
    /* enumerate the collection, unifying the operand with each key */
    if (!v || (v->type != V_ARRAY && v->type != V_OBJECT && v->type != V_SET))
        return R_CONT;
    struct term *op = t->a[i];
    size_t n = coll_len(v);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, op->loc));
        struct value *key, *child;
        coll_at(ev, v, j, &key, &child);
        struct walk_enum_k wk = {{walk_enum_next}, fr, t, i, child, k};
        int r;
        if (op->kind == TM_VAR && op->slot >= 0) {
            fr[op->slot] = key;
            size_t mark = ev->tn;
            if (bind(ev, &fr[op->slot], key) < 0)
                return R_ERR;
            r = walk_value(ev, fr, t, i + 1, child, k);
            undo(ev, mark);
        } else {
            r = unify_tv(ev, fr, op, key, &wk.k);
        }
        if (r != R_CONT)
            return r;
    }
    return R_CONT;
}

/* ---------------------------------------------------------- data refs */

static struct value *overlay_at(struct ev *ev, struct value *const *path, size_t plen)
{
    for (struct overlay *o = ev->ov; o; o = o->next) {
        if (o->plen != plen)
            continue;
        size_t k = 0;
        while (k < plen && value_equal(o->path[k], path[k]))
            k++;
        if (k == plen)
            return o->val;
    }
    return NULL;
}

/* Applies overlays strictly below path to doc (innermost first wins:
 * the list is newest first, so apply oldest first). */
static struct value *apply_overlays(struct ev *ev, struct value *doc, struct value *const *path,
                                    size_t plen)
{
    struct overlay *list[64];
    size_t n = 0;
    for (struct overlay *o = ev->ov; o && n < 64; o = o->next)
        list[n++] = o;
    while (n--) {
        struct overlay *o = list[n];
        if (o->plen <= plen)
            continue;
        size_t k = 0;
        while (k < plen && value_equal(o->path[k], path[k]))
            k++;
        if (k < plen)
            continue;
        doc = upsert(ev, doc, o->path + plen, o->plen - plen, o->val);
    }
    return doc;
}

static bool overlay_below(struct ev *ev, struct value *const *path, size_t plen)
{
    for (struct overlay *o = ev->ov; o; o = o->next) {
        if (o->plen < plen)
            continue;
        size_t k = 0;
        while (k < plen && value_equal(o->path[k], path[k]))
            k++;
        if (k == plen)
            return true;
    }
    return false;
}

struct dwalk {
    struct value **fr;
    struct term *t;
    struct value **path; /* consumed operand values */
    struct vk *out;
};

static int walk_data(struct ev *ev, struct dwalk *w, size_t i, struct rnode *node,
                     struct value *base);

struct dkey_k {
    struct vk vk;
    struct dwalk *w;
    size_t i;
    struct rnode *node;
    struct value *base;
};

static int walk_data_key(struct ev *ev, struct dwalk *w, size_t i, struct rnode *node,
                         struct value *base, struct value *key)
{
    w->path[i - 1] = key;
    struct value *bchild = lookup(ev, base, key);
    if (!bchild && base && base->type == V_OBJECT && key->type == V_NUMBER) {
        /* storage paths are strings: data[2] reads the key "2" */
        char *txt = json_to_string(ev->a, key, JSON_COMPACT);
        if (txt)
            bchild = value_object_get_str(base, txt);
    }
    struct rnode *kid = NULL;
    if (node && key->type == V_STRING)
        kid = rcomp_node_child(node, key->u.str.s, key->u.str.len);
    if (ev->ov) {
        struct value *o = overlay_at(ev, w->path, i);
        if (o)
            return walk_value(ev, w->fr, w->t, i + 1, o, w->out);
    }
    return walk_data(ev, w, i + 1, kid, bchild);
}

static int dkey_val(struct ev *ev, struct vk *k, struct value *key)
{
    struct dkey_k *dk = (struct dkey_k *)k;
    return walk_data_key(ev, dk->w, dk->i, dk->node, dk->base, key);
}

static int walk_data(struct ev *ev, struct dwalk *w, size_t i, struct rnode *node,
                     struct value *base)
{
    struct term *t = w->t;
    size_t plen = i - 1;
    if (!node || !node->has_rules_below) {
        if (ev->ov && overlay_below(ev, w->path, plen))
            base = apply_overlays(ev, base, w->path, plen);
        /* base documents are read by storage path: a number selects an
         * object member by its text */
        while (base && i < t->n && base->type == V_OBJECT) {
            struct term *op = t->a[i];
            struct value *key = (op->flags & TF_CONST) ? op->val
                                : (op->kind == TM_VAR && op->slot >= 0) ? w->fr[op->slot]
                                                                        : NULL;
            if (!key)
                break;
            struct value *child = lookup(ev, base, key);
            if (!child && key->type == V_NUMBER) {
                char *txt = json_to_string(ev->a, key, JSON_COMPACT);
                child = txt ? value_object_get_str(base, txt) : NULL;
            }
            if (!child)
                return R_CONT;
            base = child;
            i++;
        }
        return walk_value(ev, w->fr, t, i, base, w->out);
    }
    if (node->kind == NK_FUNC)
        return R_CONT;
    if (node->nrules || node->dflt) {
        struct value *doc;
        TRY(node_value(ev, node, base, &doc));
        if (doc && node->nkids) {
            /* keyed/multi rules merge the rules below; done in node_value */
        }
        if (ev->ov && overlay_below(ev, w->path, plen))
            doc = apply_overlays(ev, doc, w->path, plen);
        if (!doc)
            return R_CONT;
        return walk_value(ev, w->fr, t, i, doc, w->out);
    }
    if (node->nfuncs)
        return R_CONT;
    if (i == t->n) {
        struct value *doc;
        TRY(subtree_doc(ev, node, base, w->path, plen, &doc));
        if (ev->ov && overlay_below(ev, w->path, plen))
            doc = apply_overlays(ev, doc, w->path, plen);
        if (!doc)
            return R_CONT;
        return w->out->fn(ev, w->out, doc);
    }
    struct term *op = t->a[i];
    struct value *key = NULL;
    if (op->flags & TF_CONST)
        key = op->val;
    else if (op->kind == TM_VAR && op->slot >= 0)
        key = w->fr[op->slot];
    if (key)
        return walk_data_key(ev, w, i, node, base, key);
    if (op->kind != TM_VAR && evaluable(ev, w->fr, op)) {
        struct dkey_k dk = {{dkey_val}, w, i, node, base};
        return eval_term(ev, w->fr, op, &dk.vk);
    }
    struct value *doc;
    TRY(subtree_doc(ev, node, base, w->path, plen, &doc));
    if (ev->ov && overlay_below(ev, w->path, plen))
        doc = apply_overlays(ev, doc, w->path, plen);
    if (!doc)
        return R_CONT;
    return walk_value(ev, w->fr, t, i, doc, w->out);
}

static int eval_data_ref(struct ev *ev, struct value **fr, struct term *t, struct vk *k)
{
    struct value *pathbuf[32];
    struct value **path = t->n <= 32 ? pathbuf : arena_alloc(ev->a, t->n * sizeof(*path));
    if (!path)
        return oom(ev);
    struct dwalk w = {fr, t, path, k};
    if (!ev->ov && has_prefix(ev, t)) {
        /* base data only from the root on: no rule tree to consult */
        struct value *base = prefix_value(ev, t, ev->data);
        return base ? walk_data(ev, &w, 1 + t->prefix_n, NULL, base) : R_CONT;
    }
    if (!ev->ov && t->pre_node) {
        /* constant prefix: jump to the node, walking base data alongside */
        struct value *base = ev->data;
        for (size_t j = 1; j <= t->pre_n; j++) {
            path[j - 1] = t->a[j]->val;
            base = base ? lookup(ev, base, t->a[j]->val) : NULL;
        }
        return walk_data(ev, &w, 1 + t->pre_n, t->pre_node, base);
    }
    if (ev->ov) {
        struct value *o = overlay_at(ev, path, 0);
        if (o)
            return walk_value(ev, fr, t, 1, o, k);
    }
    return walk_data(ev, &w, 1, ev->c->root, ev->data);
}

/* ------------------------------------------------------- rule values */

struct contrib {
    struct value **path;
    size_t plen;
    struct value *leaf;
    uint8_t kind; /* 0 value, 1 set element, 2 base/sub document (soft) */
};

struct contribs {
    struct contrib *v;
    size_t n, cap;
};

static int contrib_push(struct ev *ev, struct contribs *c, struct value **path, size_t plen,
                        struct value *leaf, uint8_t kind)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        struct contrib *nv = arena_alloc(ev->a, nc * sizeof(*nv));
        if (!nv)
            return oom(ev);
        if (c->n)
            memcpy(nv, c->v, c->n * sizeof(*nv));
        c->v = nv;
        c->cap = nc;
    }
    struct value **p = plen ? arena_memdup(ev->a, path, plen * sizeof(*p)) : NULL;
    if (plen && !p)
        return oom(ev);
    c->v[c->n++] = (struct contrib){p, plen, leaf, kind};
    return R_CONT;
}

static int cmp_contrib_depth;
static int cmp_contrib(const void *x, const void *y)
{
    const struct contrib *a = x, *b = y;
    size_t d = (size_t)cmp_contrib_depth;
    bool ae = a->plen <= d, be = b->plen <= d;
    if (ae || be)
        return ae && be ? 0 : ae ? -1 : 1;
    return value_compare(a->path[d], b->path[d]);
}

/* qsort with a depth parameter without globals: insertion sort on groups */
static void sort_contribs(struct contrib *v, size_t n, size_t depth)
{
    for (size_t i = 1; i < n; i++) {
        struct contrib x = v[i];
        size_t j = i;
        while (j > 0) {
            const struct contrib *a = &v[j - 1];
            bool ae = a->plen <= depth, xe = x.plen <= depth;
            int c = ae || xe ? (ae && xe ? 0 : ae ? -1 : 1)
                             : value_compare(a->path[depth], x.path[depth]);
            if (c <= 0)
                break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    (void)cmp_contrib;
    (void)cmp_contrib_depth;
}

static int build_doc(struct ev *ev, struct contrib *v, size_t n, size_t depth, struct rloc loc,
                     struct value **out)
{
    sort_contribs(v, n, depth);
    struct value *leaf = NULL, *soft = NULL;
    struct value_list set = {0};
    bool is_set = false;
    size_t i = 0;
    for (; i < n && v[i].plen <= depth; i++) {
        if (v[i].kind == 1) {
            is_set = true;
            if (value_list_push(ev->a, &set, v[i].leaf) < 0)
                return oom(ev);
        } else if (v[i].kind == 0) {
            if (leaf && !value_equal(leaf, v[i].leaf))
                return ev_fail(ev, "eval_conflict_error", loc, "object keys must be unique");
            leaf = v[i].leaf;
        } else {
            soft = v[i].leaf;
        }
    }
    if (is_set && leaf && leaf->type == V_SET) {
        for (size_t k = 0; k < leaf->u.arr.len; k++)
            if (value_list_push(ev->a, &set, leaf->u.arr.items[k]) < 0)
                return oom(ev);
        leaf = NULL;
    }
    if (is_set) {
        if (leaf || i < n)
            return ev_fail(ev, "eval_conflict_error", loc, "object keys must be unique");
        *out = v_set(ev->a, set.items, set.len);
        return *out ? R_CONT : oom(ev);
    }
    /* base data wins over virtual documents where they do not both hold
     * objects (OPA's merge(base, virtual)) */
    if (soft && (soft->type != V_OBJECT || (leaf && leaf->type != V_OBJECT))) {
        *out = soft;
        return R_CONT;
    }
    if (leaf && i == n && !soft) {
        *out = leaf;
        return R_CONT;
    }
    if (leaf && leaf->type != V_OBJECT) {
        /* a value where deeper rules also define members */
        return ev_fail(ev, "eval_conflict_error", loc, "object keys must be unique");
    }
    if (!leaf && soft && i == n) {
        *out = soft;
        return R_CONT;
    }
    /* deeper contributions: expand object leaves into them */
    struct contribs all = {0};
    struct value *objs[2] = {leaf, soft};
    for (int o = 0; o < 2; o++) {
        struct value *ol = objs[o];
        if (!ol)
            continue;
        for (size_t k = 0; k < ol->u.obj.len; k++) {
            struct value **p = arena_alloc(ev->a, (depth + 1) * sizeof(*p));
            if (!p)
                return oom(ev);
            if (depth)
                memcpy(p, v[0].path, depth * sizeof(*p));
            p[depth] = ol->u.obj.pairs[k].key;
            TRY(contrib_push(ev, &all, p, depth + 1, ol->u.obj.pairs[k].val, o == 0 ? 0 : 2));
        }
    }
    for (size_t k = i; k < n; k++)
        TRY(contrib_push(ev, &all, v[k].path, v[k].plen, v[k].leaf, v[k].kind));
    sort_contribs(all.v, all.n, depth);
    struct pair_list pairs = {0};
    size_t g = 0;
    while (g < all.n) {
        size_t e = g + 1;
        while (e < all.n && value_equal(all.v[e].path[depth], all.v[g].path[depth]))
            e++;
        struct value *sub;
        TRY(build_doc(ev, all.v + g, e - g, depth + 1, loc, &sub));
        if (sub && pair_list_push(ev->a, &pairs, all.v[g].path[depth], sub) < 0)
            return oom(ev);
        g = e;
    }
    *out = v_object(ev->a, pairs.pairs, pairs.len, DUP_LAST_WINS, NULL);
    return *out ? R_CONT : oom(ev);
}

/* Complete rules. */
struct complete_k {
    struct kont k;
    struct value **fr;
    struct rule *r;
    struct value *result;
};

static int complete_value(struct ev *ev, struct vk *k, struct value *v);

struct complete_vk {
    struct vk vk;
    struct complete_k *ck;
};

static int complete_value(struct ev *ev, struct vk *k, struct value *v)
{
    struct complete_k *ck = ((struct complete_vk *)k)->ck;
    if (ck->result && !value_equal(ck->result, v))
        return ev_fail(ev, "eval_conflict_error", ck->r->loc,
                       "complete rules must not produce multiple outputs");
    ck->result = v;
    return ck->r->const_value ? R_STOP : R_CONT;
}

static int complete_solution(struct ev *ev, struct kont *k)
{
    struct complete_k *ck = (struct complete_k *)k;
    if (!ck->r->value)
        return complete_value(ev, &(struct complete_vk){{complete_value}, ck}.vk, v_bool(true));
    struct complete_vk cv = {{complete_value}, ck};
    return eval_term(ev, ck->fr, ck->r->value, &cv.vk);
}

static int eval_rule_once(struct ev *ev, struct rule *r, struct value **out)
{
    struct value **fr = new_frame(ev, r->nslots);
    if (!fr)
        return oom(ev);
    struct complete_k ck = {{complete_solution}, fr, r, NULL};
    size_t mark = ev->tn;
    int rc = eval_body(ev, fr, r->body, 0, &ck.k);
    undo(ev, mark);
    if (rc == R_ERR)
        return R_ERR;
    *out = ck.result;
    return R_CONT;
}

static int eval_complete(struct ev *ev, struct rnode *n, struct value **out)
{
    struct value *result = NULL;
    struct rule *from = NULL;
    for (size_t i = 0; i < n->nrules; i++) {
        struct value *v = NULL;
        for (struct rule *r = n->rules[i]; r && !v; r = r->els)
            TRY(eval_rule_once(ev, r, &v));
        if (v) {
            if (result && !value_equal(result, v))
                return ev_fail(ev, "eval_conflict_error", n->rules[i]->loc,
                               "complete rules must not produce multiple outputs");
            result = v;
            from = n->rules[i];
            if (n->all_same_const)
                break;
        }
    }
    (void)from;
    if (!result && n->dflt)
        TRY(eval_rule_once(ev, n->dflt, &result));
    *out = result;
    return R_CONT;
}

/* Multi-value and keyed rules. */
struct partial_k {
    struct kont k;
    struct value **fr;
    struct rule *r;
    struct contribs *cs;
    struct value **keys;
    size_t base_depth;
};

struct partial_vk {
    struct vk vk;
    struct partial_k *pk;
    size_t ki;
};

static int partial_keys(struct ev *ev, struct partial_k *pk, size_t ki);

static int partial_leaf(struct ev *ev, struct vk *k, struct value *v)
{
    struct partial_k *pk = ((struct partial_vk *)k)->pk;
    struct rule *r = pk->r;
    TRY(contrib_push(ev, pk->cs, pk->keys, r->nkeys, v, r->is_multi ? 1 : 0));
    return R_CONT;
}

static int partial_key_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct partial_vk *pv = (struct partial_vk *)k;
    pv->pk->keys[pv->ki] = v;
    return partial_keys(ev, pv->pk, pv->ki + 1);
}

static int partial_keys(struct ev *ev, struct partial_k *pk, size_t ki)
{
    struct rule *r = pk->r;
    if (ki < r->nkeys) {
        struct partial_vk pv = {{partial_key_val}, pk, ki};
        return eval_term(ev, pk->fr, r->keys[ki], &pv.vk);
    }
    struct partial_vk pv = {{partial_leaf}, pk, ki};
    struct term *leaf = r->is_multi ? r->elem : r->value;
    if (!leaf)
        return partial_leaf(ev, &pv.vk, v_bool(true));
    return eval_term(ev, pk->fr, leaf, &pv.vk);
}

static int partial_solution(struct ev *ev, struct kont *k)
{
    return partial_keys(ev, (struct partial_k *)k, 0);
}

static int eval_partial_rules(struct ev *ev, struct rnode *n, struct contribs *cs)
{
    for (size_t i = 0; i < n->nrules; i++) {
        struct rule *r = n->rules[i];
        struct value **fr = new_frame(ev, r->nslots);
        struct value **keys = arena_alloc(ev->a, (r->nkeys + 1) * sizeof(*keys));
        if (!fr || !keys)
            return oom(ev);
        struct partial_k pk = {{partial_solution}, fr, r, cs, keys, 0};
        size_t mark = ev->tn;
        int rc = eval_body(ev, fr, r->body, 0, &pk.k);
        undo(ev, mark);
        if (rc == R_ERR)
            return R_ERR;
    }
    return R_CONT;
}

/* Adds the documents of n's children (rules below n) as contributions. */
static int add_kid_docs(struct ev *ev, struct rnode *n, struct value *base,
                        struct contribs *cs)
{
    for (size_t k = 0; k < n->nkids; k++) {
        struct rnode *kid = n->kids[k];
        if (!kid->has_rules_below || kid->kind == NK_FUNC)
            continue;
        struct value *kb = lookup(ev, base, kid->key);
        struct value *doc;
        TRY(subtree_doc(ev, kid, kb, NULL, 0, &doc));
        if (doc) {
            struct value *p[1] = {kid->key};
            TRY(contrib_push(ev, cs, p, 1, doc, 0));
        }
    }
    return R_CONT;
}

static int compute_node(struct ev *ev, struct rnode *n, struct value *base, struct value **out)
{
    if (n->kind == NK_COMPLETE)
        return eval_complete(ev, n, out);
    struct contribs cs = {0};
    TRY(eval_partial_rules(ev, n, &cs));
    TRY(add_kid_docs(ev, n, base, &cs));
    struct rloc loc = n->nrules ? n->rules[0]->loc : NOLOC;
    if (cs.n == 0) {
        bool set = n->nrules && n->rules[0]->is_multi && n->rules[0]->nkeys == 0;
        *out = set ? v_set(ev->a, NULL, 0) : v_object(ev->a, NULL, 0, DUP_LAST_WINS, NULL);
        if (set && cs.n == 0) {
            bool all_multi = true;
            for (size_t k = 0; k < n->nrules; k++)
                all_multi = all_multi && n->rules[k]->is_multi && !n->rules[k]->nkeys;
            if (!all_multi)
                *out = v_object(ev->a, NULL, 0, DUP_LAST_WINS, NULL);
        }
        return *out ? R_CONT : oom(ev);
    }
    return build_doc(ev, cs.v, cs.n, 0, loc, out);
}

static int node_value(struct ev *ev, struct rnode *n, struct value *base, struct value **out)
{
    struct cache_ent *ce = &ev->cache[n->id];
    if (ce->state == 2 && ce->gen == ev->gen) {
        *out = ce->v;
        return R_CONT;
    }
    if (ce->state == 1 && ce->gen == ev->gen)
        return ev_fail(ev, "rego_recursion_error",
                       n->nrules ? n->rules[0]->loc : NOLOC, "rule %s is recursive", n->path);
    if (++ev->depth > ev->max_depth)
        return ev_fail(ev, "eval_limit_error", n->nrules ? n->rules[0]->loc : NOLOC,
                       "maximum evaluation depth exceeded (%u)", ev->max_depth);
    uint32_t gen = ev->gen;
    ce->state = 1;
    ce->gen = gen;
    struct value *v = NULL;
    int r = compute_node(ev, n, base, &v);
    ev->depth--;
    ce = &ev->cache[n->id];
    if (r == R_ERR) {
        ce->state = 0;
        return R_ERR;
    }
    ce->state = 2;
    ce->gen = gen;
    ce->v = v;
    *out = v;
    return R_CONT;
}

static int subtree_doc(struct ev *ev, struct rnode *n, struct value *base,
                       struct value *const *path, size_t plen, struct value **out)
{
    if (!n || !n->has_rules_below) {
        *out = base;
        return R_CONT;
    }
    if (n->kind == NK_FUNC) {
        *out = NULL;
        return R_CONT;
    }
    if (n->nrules || n->dflt)
        return node_value(ev, n, base, out);
    struct contribs cs = {0};
    if (base) {
        if (base->type != V_OBJECT) {
            *out = base;
            return R_CONT;
        }
        TRY(contrib_push(ev, &cs, NULL, 0, base, 2));
    }
    TRY(add_kid_docs(ev, n, base, &cs));
    if (cs.n == 0) {
        *out = v_object(ev->a, NULL, 0, DUP_LAST_WINS, NULL);
        return *out ? R_CONT : oom(ev);
    }
    TRY(build_doc(ev, cs.v, cs.n, 0, NOLOC, out));
    (void)path;
    (void)plen;
    return R_CONT;
}

/* Total built-ins computed in place (struct term fast_op, set by
 * reval_prepare): equal, neq and the is_<type> tests; they never fail, so
 * run_builtin's context is not needed.  Mocks take invoke's path. */
enum { FAST_NONE, FAST_EQUAL, FAST_NEQ, FAST_IS /* + enum value_type */ };

static inline bool fast_truth(unsigned op, struct value *const *args)
{
    if (op == FAST_EQUAL)
        return value_equal(args[0], args[1]);
    if (op == FAST_NEQ)
        return !value_equal(args[0], args[1]);
    return args[0]->type == op - FAST_IS;
}

static inline struct value *fast_builtin(unsigned op, struct value *const *args)
{
    return v_bool(fast_truth(op, args));
}

/* --------------------------------------------------------------- calls */

struct fn_k {
    struct kont k;
    struct value **fr;
    struct rule *r;
    struct value *result;
    bool produced;
};

static int fn_value(struct ev *ev, struct vk *k, struct value *v);
struct fn_vk {
    struct vk vk;
    struct fn_k *fk;
};

static int fn_value(struct ev *ev, struct vk *k, struct value *v)
{
    struct fn_k *fk = ((struct fn_vk *)k)->fk;
    if (fk->result && !value_equal(fk->result, v))
        return ev_fail(ev, "eval_conflict_error", fk->r->loc,
                       "functions must not produce multiple outputs for same inputs");
    fk->result = v;
    fk->produced = true;
    return (!fk->r->value || (fk->r->value->flags & TF_CONST)) ? R_STOP : R_CONT;
}

static int fn_solution(struct ev *ev, struct kont *k)
{
    struct fn_k *fk = (struct fn_k *)k;
    struct fn_vk fv = {{fn_value}, fk};
    if (!fk->r->value)
        return fn_value(ev, &fv.vk, v_bool(true));
    return eval_term(ev, fk->fr, fk->r->value, &fv.vk);
}

/* fn_solution of a definition without a value: true. */
static int fn_true(struct ev *ev, struct kont *k)
{
    struct fn_k *fk = (struct fn_k *)k;
    struct value *t = v_bool(true);
    if (fk->result && !value_equal(fk->result, t))
        return ev_fail(ev, "eval_conflict_error", fk->r->loc,
                       "functions must not produce multiple outputs for same inputs");
    fk->result = t;
    fk->produced = true;
    return R_STOP;
}

struct args_k {
    struct kont k;
    struct value **fr;
    struct rule *r;
    struct value *const *args;
    size_t i;
    struct fn_k *fk;
};

static int args_next(struct ev *ev, struct kont *k)
{
    struct args_k *ak = (struct args_k *)k;
    if (ak->i == ak->r->nargs)
        return eval_body(ev, ak->fr, ak->r->body, 0, &ak->fk->k);
    struct args_k nk = *ak;
    nk.i++;
    return unify_tv(ev, ak->fr, ak->r->args[ak->i], ak->args[ak->i], &nk.k);
}

static int eval_static(struct ev *ev, struct value **fr, const struct rule *r, size_t i,
                       struct kont *k);

/* Frames of up to this many slots live on the C stack of the call (a
 * function's frame dies with its call: bindings into it are undone before
 * eval_fn_def returns, values are never frame pointers). */
#define LOCAL_FRAME 16

static int eval_fn_def(struct ev *ev, struct rule *r, struct value *const *args,
                       bool guarded, struct value **result, bool *produced)
{
    struct value *local[LOCAL_FRAME];
    struct value **fr = local;
    if (r->nslots <= LOCAL_FRAME) {
        for (int i = 0; i < r->nslots; i++)
            local[i] = NULL;
    } else if (!(fr = new_frame(ev, r->nslots))) {
        return oom(ev);
    }
    struct fn_k fk = {{r->value ? fn_solution : fn_true}, fr, r, *result, false};
    /* leading parameters that are distinct plain variables bind directly:
     * the frame is fresh and dies with the call, nothing to undo */
    size_t first = r->nplain;
    for (size_t i = 0; i < first; i++)
        fr[r->args[i]->slot] = args[i];
    size_t mark = ev->tn;
    int rc;
    if (first == r->nargs) {
        /* a guard found true (and counted) is not evaluated again */
        rc = eval_static(ev, fr, r, guarded ? 1 : 0, &fk.k);
    } else {
        struct args_k ak = {{args_next}, fr, r, args, first, &fk};
        rc = args_next(ev, &ak.k);
    }
    undo(ev, mark);
    if (rc == R_ERR)
        return R_ERR;
    *result = fk.result;
    *produced = fk.produced;
    return R_CONT;
}

/* Definition r's guard (struct rule guard) for args: 1 true, 0 false (r
 * produces nothing), -1 no guard or not decided here (mocks may replace the
 * tested built-in).  The caller counts the step the general path counts for
 * the guard expression and, when true, starts r's body after it. */
static inline int guard_test(struct ev *ev, const struct rule *r, struct value *const *args)
{
    const struct expr *e = r->guard;
    if (!e || ev->mocks)
        return -1;
    const struct term *t = e->a;
    struct value *gargs[2];
    for (size_t j = 0; j + 1 < t->n; j++)
        gargs[j] = r->guard_arg[j] == GUARD_CONST ? t->a[1 + j]->val : args[r->guard_arg[j]];
    return fast_truth(t->fast_op, gargs) != e->neg;
}

struct fcode;
static int fc_call(struct ev *ev, const struct fcode *fc, struct value *const *args,
                   struct value **result);

/* The definitions of function fn for args through eval_fn_def (a guard
 * decided first), collecting *result. */
static int defs_general(struct ev *ev, struct rnode *fn, struct value *const *args,
                        struct value **result)
{
    for (size_t i = 0; i < fn->nfuncs; i++) {
        for (struct rule *r = fn->funcs[i]; r; r = r->els) {
            bool produced = false;
            int g = guard_test(ev, r, args);
            if (g >= 0 && step(ev, r->guard->loc) == R_ERR)
                return R_ERR;
            if (g == 0)
                continue;
            if (eval_fn_def(ev, r, args, g == 1, result, &produced) < 0)
                return R_ERR;
            if (produced)
                break;
        }
        if (*result && fn->all_same_const)
            break;
    }
    return R_CONT;
}

/* A call of user function fn: its definitions, then its default when they
 * produce nothing; *out NULL when undefined. */
static int call_user(struct ev *ev, struct rnode *fn, struct value *const *args,
                     struct rloc loc, struct value **out)
{
    if (++ev->depth > ev->max_depth)
        return ev_fail(ev, "eval_limit_error", loc, "maximum evaluation depth exceeded (%u)",
                       ev->max_depth);
    struct value *result = NULL;
    int rc = fn->fcode ? fc_call(ev, fn->fcode, args, &result)
                       : defs_general(ev, fn, args, &result);
    if (rc == R_CONT && !result && fn->dflt) {
        bool produced = false;
        if (eval_fn_def(ev, fn->dflt, args, false, &result, &produced) < 0)
            rc = R_ERR;
    }
    ev->depth--;
    *out = result;
    return rc;
}

static struct value *nd_get(struct ev *ev, const char *name, struct value *args)
{
    for (struct nd_ent *e = ev->nd; e; e = e->next)
        if (strcmp(e->name, name) == 0 && value_equal(e->args, args))
            return e->out;
    return NULL;
}

/* Runs built-in bi; a built-in error makes the call undefined unless
 * strict (or the built-in asks to halt). */
static int run_builtin(struct ev *ev, const struct rego_builtin *bi, struct value *const *args,
                       size_t nargs, struct rloc loc, struct value **out)
{
    struct as_error aerr;
    aerr.status = 0; /* as_err_clear, without the call on this hot path */
    aerr.type[0] = aerr.detail[0] = '\0';
    struct rego_bi_ctx ctx = {.arena = ev->a, .name = bi->name, .strict = ev->strict,
                              .now_ns = ev->now_ns, .err = &aerr, .eval = ev,
                              .allow_network = ev->allow_network, .opa_compat = ev->opa_compat};
    *out = NULL;
    if (bi->fn(&ctx, args, nargs, out) < 0) {
        *out = NULL;
        if (ev->strict || ctx.halt)
            return ev_fail(ev, ctx.err_code ? ctx.err_code : "eval_builtin_error", loc, "%s",
                           aerr.detail);
    }
    return R_CONT;
}

/* A non-deterministic built-in: its result for the same arguments is the
 * same within the evaluation. */
static __attribute__((noinline)) int call_builtin_nondet(struct ev *ev,
                                                         const struct rego_builtin *bi,
                                                         struct value *const *args, size_t nargs,
                                                         struct rloc loc, struct value **out)
{
    struct value *argv = v_array(ev->a, (struct value **)args, nargs);
    if (!argv)
        return oom(ev);
    struct value *c = nd_get(ev, bi->name, argv);
    if (c) {
        *out = c;
        return R_CONT;
    }
    TRY(run_builtin(ev, bi, args, nargs, loc, out));
    if (*out) {
        struct nd_ent *e = arena_alloc(ev->a, sizeof(*e));
        if (!e)
            return oom(ev);
        *e = (struct nd_ent){ev->nd, bi->name, argv, *out};
        ev->nd = e;
    }
    return R_CONT;
}

static int call_builtin(struct ev *ev, const struct rego_builtin *bi, struct value *const *args,
                        size_t nargs, struct rloc loc, struct value **out)
{
    if (__builtin_expect((bi->flags & BI_NONDET) != 0, 0))
        return call_builtin_nondet(ev, bi, args, nargs, loc, out);
    return run_builtin(ev, bi, args, nargs, loc, out);
}

static int call_host(struct ev *ev, int host, struct value *const *args, size_t nargs,
                     struct rloc loc, struct value **out)
{
    const struct host_builtin *h = rego_host_at(host - 1);
    if (!h)
        return ev_fail(ev, "eval_internal_error", loc, "host builtin missing");
    bool failed = false;
    struct as_error aerr;
    as_err_clear(&aerr);
    *out = h->fn(NULL, ev->a, args, nargs, &failed, &aerr);
    if (failed)
        return ev_fail(ev, aerr.type[0] ? aerr.type : "eval_builtin_error", loc, "%s: %s",
                       h->name, aerr.detail);
    return R_CONT;
}

static struct mock *find_mock(struct ev *ev, const char *name)
{
    for (struct mock *m = ev->mocks; m; m = m->next)
        if (name && strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

/* Calls the function of call term t with evaluated args; *out NULL when
 * undefined. */
static __attribute__((noinline)) int invoke_mocked(struct ev *ev, struct term *t,
                                                   struct value *const *args, size_t nargs,
                                                   struct value **out);

static inline __attribute__((always_inline)) int invoke(struct ev *ev, struct term *t,
                                                        struct value *const *args,
                                                        size_t nargs, struct value **out)
{
    *out = NULL;
    if (__builtin_expect(ev->mocks != NULL, 0))
        return invoke_mocked(ev, t, args, nargs, out);
    if (t->fn)
        return call_user(ev, t->fn, args, t->loc, out);
    if (t->host)
        return call_host(ev, t->host, args, nargs, t->loc, out);
    if (t->bi)
        return call_builtin(ev, t->bi, args, nargs, t->loc, out);
    return ev_fail(ev, "eval_internal_error", t->loc, "unresolved call");
}

/* invoke under `with` function mocks. */
static int invoke_mocked(struct ev *ev, struct term *t, struct value *const *args, size_t nargs,
                         struct value **out)
{
    struct rnode *fn = t->fn;
    const struct rego_builtin *bi = t->bi;
    int host = t->host;
    {
        struct mock *m = find_mock(ev, t->fn_name);
        if (!m && fn)
            m = find_mock(ev, fn->path);
        if (m) {
            if (m->val) {
                *out = m->val;
                return R_CONT;
            }
            fn = m->fn;
            bi = m->bi;
            host = m->host;
        }
    }
    if (fn && fn != t->fn) {
        struct mock *saved = ev->mocks;
        struct mock *m = find_mock(ev, t->fn_name);
        if (!m && t->fn)
            m = find_mock(ev, t->fn->path);
        /* a replacement runs without the mocks (it may call the original) */
        (void)m;
        ev->mocks = NULL;
        int r = call_user(ev, fn, args, t->loc, out);
        ev->mocks = saved;
        return r;
    }
    if (fn)
        return call_user(ev, fn, args, t->loc, out);
    if (host)
        return call_host(ev, host, args, nargs, t->loc, out);
    if (bi)
        return call_builtin(ev, bi, args, nargs, t->loc, out);
    return ev_fail(ev, "eval_internal_error", t->loc, "unresolved call");
}

struct call_k {
    struct vk vk;
    struct value **fr;
    struct term *t;
    size_t i, nin;
    struct value **vals;
    struct vk *out;
    uint64_t done; /* arguments evaluated (any order: see call_from) */
    size_t ndone;
};

static int call_arg_val(struct ev *ev, struct vk *k, struct value *v);

static int call_from(struct ev *ev, struct call_k *ck)
{
    if (ck->ndone == ck->nin) {
        struct value *res;
        TRY(invoke(ev, ck->t, ck->vals, ck->nin, &res));
        if (!res)
            return R_CONT;
        if (ck->t->bi && (ck->t->bi->flags & BI_RELATION) && res->type == V_ARRAY) {
            for (size_t j = 0; j < res->u.arr.len; j++) {
                int r = ck->out->fn(ev, ck->out, res->u.arr.items[j]);
                if (r != R_CONT)
                    return r;
            }
            return R_CONT;
        }
        return ck->out->fn(ev, ck->out, res);
    }
    struct call_k nk = *ck;
    nk.vk.fn = call_arg_val;
    /* the first argument not yet evaluated that can be; one whose variables
     * a later argument's reference binds waits for it */
    size_t pick = ck->t->call_ooo ? ck->nin : ck->ndone;
    size_t fallback = ck->nin;
    for (size_t j = 0; pick == ck->nin && j < ck->nin && j < 64; j++) {
        if (ck->done & (1ULL << j))
            continue;
        if (fallback == ck->nin)
            fallback = j;
        if (evaluable(ev, ck->fr, ck->t->a[1 + j]))
            pick = j;
    }
    if (pick == ck->nin)
        pick = fallback;
    if (ck->nin > 64)
        pick = ck->i;
    nk.i = pick;
    struct term *arg = ck->t->a[1 + pick];
    if (arg->flags & TF_CONST)
        return call_arg_val(ev, &nk.vk, arg->val);
    if (arg->kind == TM_VAR && arg->slot >= 0 && ck->fr[arg->slot])
        return call_arg_val(ev, &nk.vk, ck->fr[arg->slot]);
    return eval_term(ev, ck->fr, arg, &nk.vk);
}

static int call_arg_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct call_k *ck = (struct call_k *)k;
    ck->vals[ck->i] = v;
    struct call_k nk = *ck;
    if (ck->i < 64)
        nk.done |= 1ULL << ck->i;
    nk.ndone = ck->ndone + 1;
    nk.i = nk.ndone;
    return call_from(ev, &nk);
}

static int eval_call(struct ev *ev, struct value **fr, struct term *t, struct vk *k)
{
    size_t nin = t->n - 1 - (t->call_out ? 1 : 0);
    struct value *argbuf[8];
    struct value **vals = nin <= 8 ? argbuf : arena_alloc(ev->a, nin * sizeof(*vals));
    if (!vals)
        return oom(ev);
    /* fast path: every argument a constant or a bound variable */
    size_t j = 0;
    for (; j < nin; j++) {
        struct term *arg = t->a[1 + j];
        if (arg->flags & TF_CONST) {
            vals[j] = arg->val;
        } else if (arg->kind == TM_VAR && arg->slot >= 0 && fr[arg->slot]) {
            vals[j] = fr[arg->slot];
        } else if (!t->call_ooo && arg->kind == TM_REF) {
            /* arguments in order: an undefined one makes the call undefined
             * before any later argument is evaluated, as call_from does */
            int d = direct_value(ev, fr, arg, &vals[j]);
            if (d == R_ERR)
                return R_ERR;
            if (d == 0)
                break;
            if (!vals[j])
                return R_CONT;
        } else {
            break;
        }
    }
    if (j == nin && !(t->bi && (t->bi->flags & BI_RELATION))) {
        struct value *res;
        TRY(invoke(ev, t, vals, nin, &res));
        return res ? k->fn(ev, k, res) : R_CONT;
    }
    struct call_k ck = {{call_arg_val}, fr, t, 0, nin, vals, k, 0, 0};
    return call_from(ev, &ck);
}

/* ------------------------------------------------------ direct values II */

/* Whether the direct term t can be computed now: its variables bound. */
static inline bool direct_ready(struct value **fr, const struct term *t)
{
    if (!t->direct)
        return false;
    for (unsigned i = 0; i < t->ndvars; i++)
        if (!fr[t->dvars[i]])
            return false;
    return true;
}

static inline __attribute__((always_inline)) int direct_call_run(struct ev *ev,
                                                                 struct value **fr,
                                                                 struct term *t,
                                                                 struct value **out);
static inline __attribute__((always_inline)) int direct_call_args(struct ev *ev,
                                                                  struct value **fr,
                                                                  struct term *t, size_t given,
                                                                  struct value *given_val,
                                                                  struct value **out);

/* A direct call; a user function called without variables is computed once
 * per evaluation outside `with` (it depends on input and data only, and
 * non-deterministic built-ins are cached per evaluation anyway). */
static __attribute__((noinline)) int direct_call_eval(struct ev *ev, struct value **fr,
                                                      struct term *t, struct value **out)
{
    if (t->call_id <= 0 || t->call_id > ev->c->ncalls || ev->gen != 0)
        return direct_call_run(ev, fr, t, out);
    struct call_ent *ce = &ev->calls[t->call_id];
    if (ce->known) {
        *out = ce->v;
        return 1;
    }
    int r = direct_call_run(ev, fr, t, out);
    if (r == 1) {
        ce = &ev->calls[t->call_id];
        *ce = (struct call_ent){*out, true};
    }
    return r;
}

/* A direct call: arguments in order (the first undefined one makes the call
 * undefined, as eval_call), then the call. */
static inline __attribute__((always_inline)) int direct_call_run(struct ev *ev,
                                                                 struct value **fr,
                                                                 struct term *t,
                                                                 struct value **out)
{
    return direct_call_args(ev, fr, t, SIZE_MAX, NULL, out);
}

/* direct_call_run with argument `given` (SIZE_MAX: none) already known to be
 * given_val (expr_enum's element). */
static inline __attribute__((always_inline)) int direct_call_args(struct ev *ev,
                                                                  struct value **fr,
                                                                  struct term *t, size_t given,
                                                                  struct value *given_val,
                                                                  struct value **out)
{
    struct value *args[8];
    size_t nin = t->n - 1;
    for (size_t j = 0; j < nin; j++) {
        struct term *arg = t->a[1 + j];
        if (j == given)
            args[j] = given_val;
        else if (arg->flags & TF_CONST)
            args[j] = arg->val;
        else if (arg->kind == TM_VAR && arg->slot >= 0)
            args[j] = fr[arg->slot];
        else if (direct_eval(ev, fr, arg, &args[j]) == R_ERR)
            return R_ERR;
        if (!args[j]) {
            *out = NULL;
            return 1;
        }
    }
    if (t->fast_op && __builtin_expect(ev->mocks == NULL, 1)) {
        *out = fast_builtin(t->fast_op, args);
        return 1;
    }
    return invoke(ev, t, args, nin, out) == R_ERR ? R_ERR : 1;
}

/* The value of a direct term whose variables are bound: 1 with *out (NULL
 * when undefined) or R_ERR. */
static int direct_eval(struct ev *ev, struct value **fr, struct term *t, struct value **out)
{
    if (t->flags & TF_CONST) {
        *out = t->val;
        return 1;
    }
    switch (t->kind) {
    case TM_VAR:
        *out = t->slot >= 0 ? fr[t->slot] : ev->input;
        return 1;
    case TM_CALL:
        return direct_call_eval(ev, fr, t, out);
    default:
        break;
    }
    return ground_ref_value(ev, fr, t, out);
}

/* A data reference with ground operands whose constant prefix leads into
 * base data only (prefix cache), outside `with data`: walk_data's base
 * document branch without continuations. */
static int direct_data_ref(struct ev *ev, struct value **fr, struct term *t,
                           struct value **out)
{
    struct value *v = prefix_value(ev, t, ev->data);
    size_t i = 1 + t->prefix_n;
    /* base documents are read by storage path: a number selects an object
     * member by its text */
    for (; v && i < t->n && v->type == V_OBJECT; i++) {
        struct value *key = ground_operand(fr, t->a[i]);
        struct value *child = lookup(ev, v, key);
        if (!child && key->type == V_NUMBER) {
            char *txt = json_to_string(ev->a, key, JSON_COMPACT);
            child = txt ? value_object_get_str(v, txt) : NULL;
        }
        v = child;
    }
    for (; v && i < t->n; i++)
        v = lookup(ev, v, ground_operand(fr, t->a[i]));
    *out = v;
    return 1;
}

/* ------------------------------------------------------------ templates */

struct tpl_k {
    struct vk vk;
    struct value *v;
};

static int tpl_val(struct ev *ev, struct vk *k, struct value *v)
{
    (void)ev;
    ((struct tpl_k *)k)->v = v;
    return R_CONT;
}

/* $"...": literal parts and the text of each expression's value (strings
 * as they are, other values as OPA prints terms, <undefined> when the
 * expression has no value). */
static int eval_template(struct ev *ev, struct value **fr, struct term *t, struct vk *k)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < t->n; i++) {
        struct term *part = t->a[i];
        if (part->flags & TF_CONST) {
            buf_append(&b, part->val->u.str.s, part->val->u.str.len);
            continue;
        }
        struct tpl_k tk = {{tpl_val}, NULL};
        if (eval_compr(ev, fr, part, &tk.vk) == R_ERR) {
            buf_free(&b);
            return R_ERR;
        }
        struct value *arr = tk.v;
        if (!arr || arr->u.arr.len == 0) {
            buf_puts(&b, "<undefined>");
        } else {
            struct value *v = arr->u.arr.items[0];
            if (v->type == V_STRING)
                buf_append(&b, v->u.str.s, v->u.str.len);
            else
                bi_value_text(&b, v);
        }
    }
    if (buf_failed(&b)) {
        buf_free(&b);
        return oom(ev);
    }
    struct value *s = v_string(ev->a, b.data ? b.data : "", b.len);
    buf_free(&b);
    if (!s)
        return oom(ev);
    return k->fn(ev, k, s);
}

/* ---------------------------------------------------------------- terms */

struct head_k {
    struct vk vk;
    struct value **fr;
    struct term *t;
    struct vk *out;
};

static int head_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct head_k *hk = (struct head_k *)k;
    return walk_value(ev, hk->fr, hk->t, 1, v, hk->out);
}

static int eval_term(struct ev *ev, struct value **fr, struct term *t, struct vk *k)
{
    if (t->flags & TF_CONST)
        return k->fn(ev, k, t->val);
    switch (t->kind) {
    case TM_VAR:
        if (t->slot >= 0)
            return fr[t->slot] ? k->fn(ev, k, fr[t->slot]) : R_CONT;
        if (t->slot == SLOT_INPUT)
            return ev->input ? k->fn(ev, k, ev->input) : R_CONT;
        if (t->slot == SLOT_DATA) {
            struct value *doc = ev->data;
            if (ev->ov)
                doc = apply_overlays(ev, doc, NULL, 0);
            TRY(subtree_doc(ev, ev->c->root, doc, NULL, 0, &doc));
            return doc ? k->fn(ev, k, doc) : R_CONT;
        }
        return R_CONT;
    case TM_REF:
        if (t->a[0]->kind == TM_VAR && t->a[0]->slot == SLOT_DATA)
            return eval_data_ref(ev, fr, t, k);
        if (t->a[0]->slot == SLOT_INPUT && has_prefix(ev, t)) {
            struct value *h = ev->input ? prefix_value(ev, t, ev->input) : NULL;
            return h ? walk_value(ev, fr, t, 1 + t->prefix_n, h, k) : R_CONT;
        }
        if (t->a[0]->kind == TM_VAR) {
            struct value *h = t->a[0]->slot >= 0       ? fr[t->a[0]->slot]
                              : t->a[0]->slot == SLOT_INPUT ? ev->input
                                                            : NULL;
            if (!h)
                return R_CONT;
            return walk_value(ev, fr, t, 1, h, k);
        } else {
            struct head_k hk = {{head_val}, fr, t, k};
            return eval_term(ev, fr, t->a[0], &hk.vk);
        }
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        return eval_composite(ev, fr, t, k);
    case TM_CALL:
        return eval_call(ev, fr, t, k);
    case TM_TEMPLATE:
        return eval_template(ev, fr, t, k);
    default:
        return eval_compr(ev, fr, t, k);
    }
}

/* ---------------------------------------------------------- unification */

struct eqv_k {
    struct vk vk;
    struct value *want;
    struct kont *k;
};

static int eqv_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct eqv_k *ek = (struct eqv_k *)k;
    return value_equal(ek->want, v) ? ek->k->fn(ev, ek->k) : R_CONT;
}

struct seq_k {
    struct kont k;
    struct value **fr;
    struct term *p;
    struct value *v;
    size_t i;
    struct kont *out;
};

static int unify_seq(struct ev *ev, struct kont *k)
{
    struct seq_k *sk = (struct seq_k *)k;
    struct term *p = sk->p;
    struct value *v = sk->v;
    if (p->kind == TM_ARRAY) {
        if (sk->i == p->n)
            return sk->out->fn(ev, sk->out);
        struct seq_k nk = *sk;
        nk.i++;
        return unify_tv(ev, sk->fr, p->a[sk->i], v->u.arr.items[sk->i], &nk.k);
    }
    /* object: pattern pairs by key */
    size_t np = p->n / 2;
    if (sk->i == np)
        return sk->out->fn(ev, sk->out);
    struct term *kt = p->a[2 * sk->i];
    bool err = false;
    struct value *key = (kt->flags & TF_SIMPLE) ? simple_value(ev, sk->fr, kt, &err) : NULL;
    if (!key) {
        /* non-ground key: try each member */
        for (size_t j = 0; j < v->u.obj.len; j++) {
            struct seq_k nk = *sk;
            nk.i++;
            struct value_pair *pr = &v->u.obj.pairs[j];
            struct seq_k vk2 = {{unify_seq}, sk->fr, NULL, NULL, 0, &nk.k};
            (void)vk2;
            size_t mark = ev->tn;
            struct kont *after = &nk.k;
            /* unify the key, then the value */
            struct seq_k pair = {{NULL}, sk->fr, p, v, sk->i, after};
            (void)pair;
            int r;
            {
                struct value_pair_k {
                    struct kont k;
                    struct value **fr;
                    struct term *vt;
                    struct value *vv;
                    struct kont *after;
                };
                r = unify_tv(ev, sk->fr, kt, pr->key, after);
            }
            undo(ev, mark);
            if (r != R_CONT)
                return r;
        }
        return R_CONT;
    }
    struct value *mv = value_object_get_fast(v, key);
    if (!mv)
        return R_CONT;
    struct seq_k nk = *sk;
    nk.i++;
    return unify_tv(ev, sk->fr, p->a[2 * sk->i + 1], mv, &nk.k);
}

static int unify_tv(struct ev *ev, struct value **fr, struct term *p, struct value *v,
                    struct kont *k)
{
    if (p->flags & TF_CONST)
        return value_equal(p->val, v) ? k->fn(ev, k) : R_CONT;
    switch (p->kind) {
    case TM_VAR: {
        if (p->slot >= 0) {
            struct value *cur = fr[p->slot];
            if (cur)
                return value_equal(cur, v) ? k->fn(ev, k) : R_CONT;
            size_t mark = ev->tn;
            TRY(bind(ev, &fr[p->slot], v));
            int r = k->fn(ev, k);
            undo(ev, mark);
            return r;
        }
        struct eqv_k ek = {{eqv_val}, v, k};
        return eval_term(ev, fr, p, &ek.vk);
    }
    case TM_ARRAY:
        if (v->type != V_ARRAY || v->u.arr.len != p->n)
            return R_CONT;
        {
            struct seq_k sk = {{unify_seq}, fr, p, v, 0, k};
            return unify_seq(ev, &sk.k);
        }
    case TM_OBJECT:
        if (v->type != V_OBJECT || v->u.obj.len != p->n / 2)
            return R_CONT;
        {
            struct seq_k sk = {{unify_seq}, fr, p, v, 0, k};
            return unify_seq(ev, &sk.k);
        }
    default: {
        struct eqv_k ek = {{eqv_val}, v, k};
        return eval_term(ev, fr, p, &ek.vk);
    }
    }
}

struct utv_k {
    struct vk vk;
    struct value **fr;
    struct term *p;
    struct kont *k;
};

static int utv_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct utv_k *uk = (struct utv_k *)k;
    return unify_tv(ev, uk->fr, uk->p, v, uk->k);
}

static int unify_terms(struct ev *ev, struct value **fr, struct term *a, struct term *b,
                       struct kont *k);

struct pairs_k {
    struct kont k;
    struct value **fr;
    struct term **xs, **ys;
    uint8_t *done;
    size_t n;
    struct kont *out;
};

static int unify_pairs(struct ev *ev, struct kont *k)
{
    struct pairs_k *pk = (struct pairs_k *)k;
    for (size_t j = 0; j < pk->n; j++) {
        if (pk->done[j])
            continue;
        struct term *x = pk->xs[j], *y = pk->ys[j];
        if (!evaluable(ev, pk->fr, x) && !evaluable(ev, pk->fr, y) &&
            !(x->kind == y->kind && (x->kind == TM_ARRAY || x->kind == TM_OBJECT)))
            continue;
        pk->done[j] = 1;
        int r = unify_terms(ev, pk->fr, x, y, k);
        pk->done[j] = 0;
        return r;
    }
    for (size_t j = 0; j < pk->n; j++)
        if (!pk->done[j])
            return R_CONT; /* unresolvable (the compiler rejects these) */
    return pk->out->fn(ev, pk->out);
}

static int unify_terms(struct ev *ev, struct value **fr, struct term *a, struct term *b,
                       struct kont *k)
{
    struct value *bv;
    int d = direct_value(ev, fr, b, &bv);
    if (d == R_ERR)
        return R_ERR;
    if (d == 1)
        return bv ? unify_tv(ev, fr, a, bv, k) : R_CONT;
    if (evaluable(ev, fr, b)) {
        struct utv_k uk = {{utv_val}, fr, a, k};
        return eval_term(ev, fr, b, &uk.vk);
    }
    if (evaluable(ev, fr, a)) {
        struct utv_k uk = {{utv_val}, fr, b, k};
        return eval_term(ev, fr, a, &uk.vk);
    }
    bool arrays = a->kind == TM_ARRAY && b->kind == TM_ARRAY;
    bool objects = a->kind == TM_OBJECT && b->kind == TM_OBJECT;
    if ((!arrays && !objects) || a->n != b->n)
        return R_CONT;
    size_t n = arrays ? a->n : a->n / 2;
    struct term **xs = arena_alloc(ev->a, (n + 1) * sizeof(*xs));
    struct term **ys = arena_alloc(ev->a, (n + 1) * sizeof(*ys));
    uint8_t *done = arena_zalloc(ev->a, n + 1);
    if (!xs || !ys || !done)
        return oom(ev);
    if (arrays) {
        for (size_t j = 0; j < n; j++) {
            xs[j] = a->a[j];
            ys[j] = b->a[j];
        }
    } else {
        for (size_t j = 0; j < n; j++) {
            bool e1 = false, e2 = false;
            struct value *ka = simple_value(ev, fr, a->a[2 * j], &e1);
            size_t m = 0;
            for (; m < n; m++) {
                struct value *kb = simple_value(ev, fr, b->a[2 * m], &e2);
                if (ka && kb && value_equal(ka, kb))
                    break;
            }
            if (m == n)
                return R_CONT;
            xs[j] = a->a[2 * j + 1];
            ys[j] = b->a[2 * m + 1];
        }
    }
    struct pairs_k pk = {{unify_pairs}, fr, xs, ys, done, n, k};
    return unify_pairs(ev, &pk.k);
}

/* ---------------------------------------------------------- expressions */

struct stop_k {
    struct kont k;
};
static int stop_fn(struct ev *ev, struct kont *k)
{
    (void)ev;
    (void)k;
    return R_STOP;
}

struct term_k {
    struct vk vk;
    struct expr *e;
    struct kont *k;
};

static int term_truth(struct ev *ev, struct vk *k, struct value *v)
{
    struct term_k *tk = (struct term_k *)k;
    if (tk->e->capture && ev->expr_vals) {
        ev->expr_vals[tk->e->index] = v;
        if (v->type == V_BOOL && !v->u.b && ev->check_capture)
            return R_CONT;
        return tk->k->fn(ev, tk->k);
    }
    if (v->type == V_BOOL && !v->u.b)
        return R_CONT;
    if (tk->e->qtop && ev->expr_vals)
        ev->expr_vals[tk->e->index] = v;
    return tk->k->fn(ev, tk->k);
}

struct mark_k {
    struct kont k;
    struct expr *e;
    struct kont *next;
};

static int mark_true(struct ev *ev, struct kont *k)
{
    struct mark_k *mk = (struct mark_k *)k;
    if (mk->e->qtop && ev->expr_vals)
        ev->expr_vals[mk->e->index] = v_bool(true);
    return mk->next->fn(ev, mk->next);
}

struct somein_k {
    struct kont k;
    struct value **fr;
    struct expr *e;
    struct value *val;
    struct kont *next;
};

static int somein_key_done(struct ev *ev, struct kont *k)
{
    struct somein_k *sk = (struct somein_k *)k;
    return unify_tv(ev, sk->fr, sk->e->b, sk->val, sk->next);
}

struct dom_k {
    struct vk vk;
    struct value **fr;
    struct expr *e;
    struct kont *next;
};

static int somein_domain(struct ev *ev, struct vk *k, struct value *dom)
{
    struct dom_k *dk = (struct dom_k *)k;
    if (dom->type != V_ARRAY && dom->type != V_OBJECT && dom->type != V_SET)
        return R_CONT;
    size_t n = coll_len(dom);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, dk->e->loc));
        struct value *key, *val;
        coll_at(ev, dom, j, &key, &val);
        int r;
        if (dk->e->a) {
            struct somein_k sk = {{somein_key_done}, dk->fr, dk->e, val, dk->next};
            r = unify_tv(ev, dk->fr, dk->e->a, key, &sk.k);
        } else {
            r = unify_tv(ev, dk->fr, dk->e->b, val, dk->next);
        }
        if (r != R_CONT)
            return r;
    }
    return R_CONT;
}

static int every_calls(struct ev *ev, struct dom_k *dk, struct value *dom);
static int every_flat(struct ev *ev, struct dom_k *dk, struct value *dom);
static int fc_outer(struct ev *ev, struct value **fr, const struct finst *x);

static int every_domain(struct ev *ev, struct vk *k, struct value *dom)
{
    struct dom_k *dk = (struct dom_k *)k;
    struct expr *e = dk->e;
    if (dom->type != V_ARRAY && dom->type != V_OBJECT && dom->type != V_SET)
        return R_CONT;
    if (e->every_calls && (!e->a || e->a->kind == TM_VAR) && e->b->kind == TM_VAR)
        return e->body->n == 1 && e->body->e[0]->flat && !ev->mocks ? every_flat(ev, dk, dom)
                                                                    : every_calls(ev, dk, dom);
    size_t n = coll_len(dom);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, e->loc));
        struct value *key, *val;
        coll_at(ev, dom, j, &key, &val);
        size_t mark = ev->tn;
        struct stop_k stop = {{stop_fn}};
        struct somein_k sk = {{NULL}, dk->fr, e, val, NULL};
        (void)sk;
        int r = R_CONT;
        bool ok = true;
        if (e->a && e->a->kind == TM_VAR && e->a->slot >= 0)
            r = bind(ev, &dk->fr[e->a->slot], key);
        if (r == R_CONT && e->b->kind == TM_VAR && e->b->slot >= 0)
            r = bind(ev, &dk->fr[e->b->slot], val);
        else if (r == R_CONT && e->b->kind != TM_VAR)
            ok = false;
        if (r == R_ERR)
            return R_ERR;
        if (ok)
            r = eval_body(ev, dk->fr, e->body, 0, &stop.k);
        else
            r = R_CONT;
        undo(ev, mark);
        if (r == R_ERR)
            return R_ERR;
        if (r != R_STOP)
            return R_CONT; /* an element fails the body: every is false */
    }
    return dk->next->fn(ev, dk->next);
}

struct with_state {
    struct value *input;
    struct overlay *ov;
    struct mock *mocks;
    uint32_t gen;
};

struct with_k {
    struct kont k;
    struct with_state outer, inner;
    struct kont *next;
};

static void with_set(struct ev *ev, const struct with_state *s)
{
    ev->input = s->input;
    ev->ov = s->ov;
    ev->mocks = s->mocks;
    ev->gen = s->gen;
}

static int with_after(struct ev *ev, struct kont *k)
{
    struct with_k *wk = (struct with_k *)k;
    with_set(ev, &wk->outer);
    int r = wk->next->fn(ev, wk->next);
    with_set(ev, &wk->inner);
    return r;
}

struct first_k {
    struct vk vk;
    struct value *v;
};
static int first_val(struct ev *ev, struct vk *k, struct value *v)
{
    (void)ev;
    ((struct first_k *)k)->v = v;
    return R_STOP;
}

static int eval_expr_core(struct ev *ev, struct value **fr, struct expr *e, struct kont *k);

static int eval_with(struct ev *ev, struct value **fr, struct expr *e, struct kont *k)
{
    struct with_k wk = {{with_after}, {ev->input, ev->ov, ev->mocks, ev->gen}, {0}, k};
    for (size_t i = 0; i < e->nwith; i++) {
        struct with_mod *w = &e->with[i];
        struct value *v = NULL;
        if (w->value) {
            struct first_k fk = {{first_val}, NULL};
            if (eval_term(ev, fr, w->value, &fk.vk) == R_ERR) {
                with_set(ev, &wk.outer);
                return R_ERR;
            }
            v = fk.v;
            if (!v) {
                with_set(ev, &wk.outer);
                return R_CONT;
            }
        }
        if (w->kind == 0) {
            ev->input = upsert(ev, ev->input, w->path, w->plen, v);
            if (!ev->input)
                return oom(ev);
        } else if (w->kind == 1) {
            struct overlay *o = arena_alloc(ev->a, sizeof(*o));
            if (!o)
                return oom(ev);
            *o = (struct overlay){ev->ov, w->path, w->plen, v};
            ev->ov = o;
        } else {
            struct mock *m = arena_alloc(ev->a, sizeof(*m));
            if (!m)
                return oom(ev);
            *m = (struct mock){ev->mocks, w->fn_name, v, w->mock_fn, w->mock_bi, w->mock_host};
            ev->mocks = m;
        }
    }
    ev->gen = ++ev->gen_counter;
    wk.inner = (struct with_state){ev->input, ev->ov, ev->mocks, ev->gen};
    int r = eval_expr_core(ev, fr, e, &wk.k);
    with_set(ev, &wk.outer);
    return r;
}

struct callout_k {
    struct vk vk;
    struct value **fr;
    struct term *out;
    struct kont *k;
};

static int callout_val(struct ev *ev, struct vk *k, struct value *v)
{
    struct callout_k *ck = (struct callout_k *)k;
    return unify_tv(ev, ck->fr, ck->out, v, ck->k);
}

static int eval_positive(struct ev *ev, struct value **fr, struct expr *e, struct kont *k)
{
    switch (e->kind) {
    case EX_TERM: {
        struct term *t = e->a;
        if (t->kind == TM_CALL && t->call_out) {
            struct mark_k mk = {{mark_true}, e, k};
            struct callout_k ck = {{callout_val}, fr, t->a[t->n - 1], &mk.k};
            return eval_call(ev, fr, t, &ck.vk);
        }
        struct term_k tk = {{term_truth}, e, k};
        return eval_term(ev, fr, t, &tk.vk);
    }
    case EX_UNIFY:
    case EX_ASSIGN: {
        struct mark_k mk = {{mark_true}, e, k};
        return unify_terms(ev, fr, e->a, e->b, &mk.k);
    }
    case EX_SOME: {
        struct mark_k mk = {{mark_true}, e, k};
        return mark_true(ev, &mk.k);
    }
    case EX_SOMEIN: {
        struct mark_k mk = {{mark_true}, e, k};
        struct dom_k dk = {{somein_domain}, fr, e, &mk.k};
        return eval_term(ev, fr, e->c, &dk.vk);
    }
    case EX_EVERY: {
        struct mark_k mk = {{mark_true}, e, k};
        struct dom_k dk = {{every_domain}, fr, e, &mk.k};
        return eval_term(ev, fr, e->c, &dk.vk);
    }
    }
    return R_CONT;
}

static int eval_expr_core(struct ev *ev, struct value **fr, struct expr *e, struct kont *k)
{
    if (!e->neg)
        return eval_positive(ev, fr, e, k);
    struct stop_k stop = {{stop_fn}};
    size_t mark = ev->tn;
    int r = eval_positive(ev, fr, e, &stop.k);
    undo(ev, mark);
    if (r == R_ERR)
        return R_ERR;
    if (r == R_STOP)
        return R_CONT;
    if (e->qtop && ev->expr_vals)
        ev->expr_vals[e->index] = v_bool(true);
    return k->fn(ev, k);
}

struct body_k {
    struct kont k;
    struct value **fr;
    struct body *b;
    size_t i;
    struct kont *next;
};

static int body_next(struct ev *ev, struct kont *k)
{
    struct body_k *bk = (struct body_k *)k;
    return eval_body(ev, bk->fr, bk->b, bk->i, bk->next);
}

/* ---------------------------------------------------- direct expressions */

/* Whether unify_direct(p, v) can decide p = v. */
static bool unify_direct_ready(struct value **fr, const struct term *p)
{
    return (p->kind == TM_VAR && p->slot >= 0) || direct_ready(fr, p);
}

/* p = v for a constant, a variable or a direct term p (unify_tv's cases):
 * 1 true (an unbound variable is bound), 0 false, R_ERR. */
static int unify_direct(struct ev *ev, struct value **fr, struct term *p, struct value *v)
{
    if (p->flags & TF_CONST)
        return value_equal(p->val, v);
    if (p->kind == TM_VAR && p->slot >= 0) {
        if (fr[p->slot])
            return value_equal(fr[p->slot], v);
        return bind(ev, &fr[p->slot], v) == R_ERR ? R_ERR : 1;
    }
    struct value *pv;
    if (direct_eval(ev, fr, p, &pv) == R_ERR)
        return R_ERR;
    return pv && value_equal(pv, v);
}

/* a = b (and :=) in unify_terms' order: b first when it can be evaluated,
 * else a; 2 when either side needs the general path. */
static int unify_expr_direct(struct ev *ev, struct value **fr, struct expr *e)
{
    struct term *a = e->a, *b = e->b, *from, *to;
    if (direct_ready(fr, b)) {
        from = b;
        to = a;
    } else if (!evaluable(ev, fr, b) && direct_ready(fr, a)) {
        from = a;
        to = b;
    } else {
        return 2;
    }
    if (!unify_direct_ready(fr, to))
        return 2;
    struct value *v;
    if (direct_eval(ev, fr, from, &v) == R_ERR)
        return R_ERR;
    return v ? unify_direct(ev, fr, to, v) : 0;
}

/* every over a direct domain: one outcome, no bindings left behind. */
static __attribute__((noinline)) int every_direct(struct ev *ev, struct value **fr,
                                                  struct expr *e)
{
    if (!direct_ready(fr, e->c))
        return 2;
    struct value *dom;
    if (direct_eval(ev, fr, e->c, &dom) == R_ERR)
        return R_ERR;
    if (!dom)
        return 0;
    struct stop_k stop = {{stop_fn}};
    struct dom_k dk = {{every_domain}, fr, e, &stop.k};
    int r = every_domain(ev, &dk.vk, dom);
    return r == R_ERR ? R_ERR : r == R_STOP;
}

/* The positive form of e without continuations: 1 true (variables it binds
 * stay bound, on the trail), 0 false or undefined, 2 when e may have several
 * solutions or needs the general path, R_ERR. */
static int positive_direct(struct ev *ev, struct value **fr, struct expr *e)
{
    switch (e->kind) {
    case EX_TERM: {
        struct term *t = e->a;
        if ((t->kind == TM_CALL && t->call_out) || !direct_ready(fr, t))
            return 2;
        struct value *v;
        int d = t->kind == TM_CALL ? direct_call_eval(ev, fr, t, &v) : direct_eval(ev, fr, t, &v);
        if (d == R_ERR)
            return R_ERR;
        return v && !(v->type == V_BOOL && !v->u.b);
    }
    case EX_UNIFY:
    case EX_ASSIGN:
        return unify_expr_direct(ev, fr, e);
    case EX_SOME:
        return 1;
    case EX_EVERY:
        return every_direct(ev, fr, e);
    default:
        return 2;
    }
}

/* An expression that has at most one solution, evaluated in place (see
 * positive_direct); a negation always is one. */
static int expr_direct(struct ev *ev, struct value **fr, struct expr *e)
{
    if (e->nwith || e->qtop || e->capture)
        return 2;
    if (!e->neg)
        return positive_direct(ev, fr, e);
    size_t mark = ev->tn;
    int r = positive_direct(ev, fr, e);
    if (r == 2) {
        struct stop_k stop = {{stop_fn}};
        r = eval_positive(ev, fr, e, &stop.k);
        r = r == R_ERR ? R_ERR : r == R_STOP;
    }
    undo(ev, mark);
    return r == R_ERR ? R_ERR : !r;
}

/* Whether term t mentions frame slot s (in a direct term's shape). */
static bool term_has_slot(const struct term *t, int s)
{
    if (t->flags & TF_CONST)
        return false;
    if (t->kind == TM_VAR)
        return t->slot == s;
    for (size_t i = 0; i < t->n; i++)
        if (term_has_slot(t->a[i], s))
            return true;
    return false;
}

/* The collection a call argument enumerates for its one unbound variable
 * (slot s = t->dvars[ks]): the first argument mentioning s (t->dvar_arg,
 * found at prepare time) must be a reference rooted at a
 * bound variable or input with s as an operand after ground ones.  Sets
 * *coll (NULL: nothing to enumerate), *op and *argj (the argument's index
 * when its value is the element itself, else SIZE_MAX); false when the
 * general path must decide. */
static bool enum_domain(struct ev *ev, struct value **fr, const struct term *t, unsigned ks,
                        struct value **coll, const struct term **op, size_t *argj)
{
    int s = t->dvars[ks];
    size_t j = t->dvar_arg ? t->dvar_arg[ks] : 0;
    const struct term *ref = j ? t->a[j++] : NULL;
    if (ref && ref->kind != TM_REF)
        return false;
    if (!ref || ref->a[0]->slot == SLOT_DATA || ref->a[0]->slot == s)
        return false;
    struct value *v = ref->a[0]->slot >= 0 ? fr[ref->a[0]->slot] : ev->input;
    for (size_t i = 1; i < ref->n; i++) {
        const struct term *o = ref->a[i];
        if (o->kind == TM_VAR && o->slot == s) {
            *coll = v;
            *op = o;
            /* the argument (t->a[j - 1]) is the element itself when s is
             * the reference's last operand */
            *argj = i + 1 == ref->n ? j - 2 : SIZE_MAX;
            return true;
        }
        v = lookup(ev, v, ground_operand(fr, o));
    }
    return false;
}

/* A direct call with one argument known (see direct_call_args). */
static __attribute__((noinline)) int direct_call_elem(struct ev *ev, struct value **fr,
                                                      struct term *t, size_t given,
                                                      struct value *given_val, struct value **out)
{
    return direct_call_args(ev, fr, t, given, given_val, out);
}

/* Whether expr_enum may compute the call's other arguments once: none of
 * them mentions the enumerated slot s (only argument argj, the element). */
static bool enum_hoistable(const struct term *t, int s, size_t argj)
{
    if (t->n - 1 > 8)
        return false;
    for (size_t j = 0; j + 1 < t->n; j++)
        if (j != argj && term_has_slot(t->a[1 + j], s))
            return false;
    return true;
}

/* One element of an enumeration `f(..., xs[i], ...)` whose other arguments
 * do not mention i (argument argj is the element; enum_hoisted,
 * static_any): at the first element (j == 0) the other arguments are
 * computed into args, in order; then the call's truth with the element:
 * 1, 0, R_ERR, or 2 when another argument is undefined (no element can
 * make the call true, as direct_call_args).  *key is the element's key. */
static inline int static_value(struct ev *ev, struct value **fr, struct term *t,
                               struct value **out);

static inline __attribute__((always_inline)) int
enum_elem_truth(struct ev *ev, struct value **fr, struct term *t, size_t argj,
                struct value **args, const struct value *coll, size_t j, struct value **key)
{
    size_t nin = t->n - 1;
    for (size_t a = 0; j == 0 && a < nin; a++) {
        if (a == argj)
            continue;
        if (static_value(ev, fr, t->a[1 + a], &args[a]) == R_ERR)
            return R_ERR;
        if (!args[a])
            return 2;
    }
    if (coll->type == V_ARRAY) {
        *key = NULL; /* the index, made only where needed */
        args[argj] = coll->u.arr.items[j];
    } else {
        coll_at(ev, coll, j, key, &args[argj]);
    }
    if (t->fast_op && !ev->mocks)
        return fast_truth(t->fast_op, args);
    struct value *v;
    if (invoke(ev, t, args, nin, &v) == R_ERR)
        return R_ERR;
    return v && !(v->type == V_BOOL && !v->u.b);
}

/* expr_enum when the element is argument argj and the other arguments do
 * not depend on it (enum_elem_truth); s is bound only where the call is
 * true. */
static __attribute__((noinline)) int enum_hoisted(struct ev *ev, struct value **fr,
                                                  struct body *b, size_t i, struct kont *k,
                                                  struct value *coll, const struct term *op,
                                                  int s, size_t argj)
{
    struct term *t = b->e[i]->a;
    struct value *args[8];
    size_t n = coll_len(coll);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, op->loc));
        struct value *key;
        int truth = enum_elem_truth(ev, fr, t, argj, args, coll, j, &key);
        if (truth != 1) {
            if (truth == 0)
                continue;
            return truth == 2 ? R_CONT : R_ERR;
        }
        size_t mark = ev->tn;
        int r = bind(ev, &fr[s], key ? key : int_value(ev, (int64_t)j));
        if (r != R_ERR)
            r = eval_body(ev, fr, b, i + 1, k);
        undo(ev, mark);
        if (r != R_CONT)
            return r;
    }
    return R_CONT;
}

/* An expression `f(..., x[i], ...)` (a call whose only unbound variable is
 * an operand of one reference argument, as in `xs[i] == v` or `xs[_] == v`):
 * enumerates the collection as walk_value would, binding the variable, and
 * for each element where the call is true continues with expression i + 1.
 * 2 when the expression has another shape. */
static __attribute__((noinline)) int expr_enum(struct ev *ev, struct value **fr,
                                               struct body *b, size_t i, struct kont *k)
{
    struct expr *e = b->e[i];
    struct term *t = e->a;
    if (e->neg || e->nwith || e->qtop || e->capture || e->kind != EX_TERM ||
        t->kind != TM_CALL || !t->direct)
        return 2;
    int s = -1;
    unsigned ks = 0;
    for (unsigned j = 0; j < t->ndvars; j++) {
        if (fr[t->dvars[j]])
            continue;
        if (s >= 0)
            return 2;
        s = t->dvars[j];
        ks = j;
    }
    struct value *coll;
    const struct term *op;
    size_t argj = SIZE_MAX;
    if (s < 0 || !enum_domain(ev, fr, t, ks, &coll, &op, &argj))
        return 2;
    if (!coll || (coll->type != V_ARRAY && coll->type != V_OBJECT && coll->type != V_SET))
        return R_CONT;
    if (argj != SIZE_MAX && ev->c->static_paths && enum_hoistable(t, s, argj))
        return enum_hoisted(ev, fr, b, i, k, coll, op, s, argj);
    size_t n = coll_len(coll);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, op->loc));
        struct value *key, *child;
        coll_at(ev, coll, j, &key, &child);
        size_t mark = ev->tn;
        TRY(bind(ev, &fr[s], key));
        struct value *v;
        int r = direct_call_elem(ev, fr, t, argj, child, &v);
        if (r != R_ERR)
            r = v && !(v->type == V_BOOL && !v->u.b) ? eval_body(ev, fr, b, i + 1, k) : R_CONT;
        undo(ev, mark);
        if (r != R_CONT)
            return r;
    }
    return R_CONT;
}

/* The most common expression, a call whose value is its truth (`f(x)`,
 * `x == y`, `not f(x)`), without expr_direct's dispatch: 1 true, 0 false,
 * 2 another shape, R_ERR. */
static inline int expr_call_direct(struct ev *ev, struct value **fr, struct expr *e)
{
    struct term *t = e->a;
    if (!e->call_direct)
        return 2;
    for (unsigned j = 0; j < t->ndvars; j++)
        if (!fr[t->dvars[j]])
            return 2;
    struct value *v;
    if (direct_call_eval(ev, fr, t, &v) == R_ERR)
        return R_ERR;
    bool truth = v && !(v->type == V_BOOL && !v->u.b);
    return truth != e->neg;
}

/* Expression i of b through its continuation (after its step). */
static int eval_body_expr(struct ev *ev, struct value **fr, struct body *b, size_t i,
                          struct kont *k)
{
    struct expr *e = b->e[i];
    if (i + 1 == b->n) {
        if (e->nwith)
            return eval_with(ev, fr, e, k);
        return eval_expr_core(ev, fr, e, k);
    }
    struct body_k bk = {{body_next}, fr, b, i + 1, k};
    if (e->nwith)
        return eval_with(ev, fr, e, &bk.k);
    return eval_expr_core(ev, fr, e, &bk.k);
}

/* Expressions with one outcome run in a loop; the first that may have
 * several solutions continues through continuations.  Bindings made here
 * are undone before returning, as every construct does. */
static int eval_body(struct ev *ev, struct value **fr, struct body *b, size_t i,
                     struct kont *k)
{
    size_t mark = ev->tn;
    int r;
    for (;; i++) {
        if (i == b->n) {
            r = k->fn(ev, k);
            break;
        }
        struct expr *e = b->e[i];
        if ((r = step(ev, e->loc)) == R_ERR)
            break;
        int d = expr_call_direct(ev, fr, e);
        if (d == 2)
            d = expr_direct(ev, fr, e);
        if (d == 1)
            continue;
        if (d == 2) {
            r = expr_enum(ev, fr, b, i, k);
            if (r == 2)
                r = eval_body_expr(ev, fr, b, i, k);
        } else {
            r = d == 0 ? R_CONT : R_ERR;
        }
        break;
    }
    undo(ev, mark);
    return r;
}

/* ------------------------------------------------------ static prefixes */

/* Static operations of a function body's leading expressions (struct expr
 * sop, decided by prep_static from which slots are bound there). */
enum { SOP_NONE, SOP_TEST, SOP_BIND, SOP_EQ, SOP_SOME, SOP_ANY, SOP_ENUM };

/* How static_value reads a term (struct term opk, set by prep_opk). */
enum {
    OPK_OTHER,  /* direct_eval */
    OPK_CONST,  /* t->val */
    OPK_SLOT,   /* a frame slot */
    OPK_REF1,   /* x[k]: a slot's member under a slot or constant key */
    OPK_PREFIX, /* data.a.b over base data: the cached prefix */
    OPK_DATA1,  /* data.a.b[k]: the cached prefix's member under k */
};

/* The value of a term of a static operation (its variables bound): the
 * common shapes read in place, the rest through direct_eval. */
static inline int static_value(struct ev *ev, struct value **fr, struct term *t,
                               struct value **out)
{
    switch (t->opk) {
    case OPK_CONST:
        *out = t->val;
        return 1;
    case OPK_SLOT:
        *out = fr[t->slot];
        return 1;
    case OPK_REF1:
        *out = lookup(ev, fr[t->a[0]->slot], ground_operand(fr, t->a[1]));
        return 1;
    case OPK_PREFIX:
        if (ev->ov)
            break;
        *out = prefix_value(ev, t, ev->data);
        return 1;
    case OPK_DATA1: {
        if (ev->ov)
            break;
        struct value *base = prefix_value(ev, t, ev->data);
        struct value *key = ground_operand(fr, t->a[t->n - 1]);
        if (!base) {
            *out = NULL;
            return 1;
        }
        if (base->type == V_OBJECT && key->type == V_STRING) {
            *out = lookup(ev, base, key);
            return 1;
        }
        break; /* a number selects a member by its text: direct_data_ref */
    }
    default:
        break;
    }
    return direct_eval(ev, fr, t, out);
}

/* The truth of a static test's call (1, 0 or R_ERR): direct_call_eval
 * without its layers for the common cases (no call cache, no mocks), the
 * built-ins computed in place giving their truth directly. */
static int static_call_truth(struct ev *ev, struct value **fr, struct term *t)
{
    struct value *v;
    if (t->call_id || __builtin_expect(ev->mocks != NULL, 0)) {
        if (direct_call_eval(ev, fr, t, &v) == R_ERR)
            return R_ERR;
        return v && !(v->type == V_BOOL && !v->u.b);
    }
    struct value *args[8];
    size_t nin = t->n - 1;
    for (size_t j = 0; j < nin; j++) {
        if (static_value(ev, fr, t->a[1 + j], &args[j]) == R_ERR)
            return R_ERR;
        if (!args[j])
            return 0;
    }
    if (t->fast_op)
        return fast_truth(t->fast_op, args);
    v = NULL;
    int rc = t->fn ? call_user(ev, t->fn, args, t->loc, &v) : invoke(ev, t, args, nin, &v);
    if (rc == R_ERR)
        return R_ERR;
    return v && !(v->type == V_BOOL && !v->u.b);
}

/* every_domain for a body of calls whose truth is the expression's (struct
 * expr every_calls, `every k, v in xs { f(k, v) }`): per element k and v are
 * bound and the calls run in place, as eval_body's loop would (a step per
 * element and per expression); an element whose calls have unbound
 * variables takes eval_body. */
static int every_calls(struct ev *ev, struct dom_k *dk, struct value *dom)
{
    struct expr *e = dk->e;
    struct body *b = e->body;
    struct value **fr = dk->fr;
    size_t n = coll_len(dom);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, e->loc));
        struct value *key, *val;
        coll_at(ev, dom, j, &key, &val);
        /* k and v are the every's own variables, unbound outside it: set
         * and cleared here without the trail (the calls bind nothing) */
        if (e->a && e->a->slot >= 0)
            fr[e->a->slot] = key;
        if (e->b->slot >= 0)
            fr[e->b->slot] = val;
        int r = R_CONT, truth = 1;
        for (size_t i = 0; r == R_CONT && truth == 1 && i < b->n; i++) {
            struct expr *x = b->e[i];
            struct term *t = x->a;
            if ((r = step(ev, x->loc)) == R_ERR)
                break;
            unsigned u = 0;
            while (u < t->ndvars && fr[t->dvars[u]])
                u++;
            if (u < t->ndvars) {
                struct stop_k stop = {{stop_fn}};
                r = eval_body(ev, fr, b, i, &stop.k);
                truth = r == R_STOP;
                r = r == R_ERR ? R_ERR : R_CONT;
                break;
            }
            truth = x->flat && !ev->mocks ? fc_outer(ev, fr, x->flat)
                                          : static_call_truth(ev, fr, t);
            if (truth == R_ERR)
                r = R_ERR;
            else
                truth = truth != x->neg;
        }
        if (e->a && e->a->slot >= 0)
            fr[e->a->slot] = NULL;
        if (e->b->slot >= 0)
            fr[e->b->slot] = NULL;
        if (r == R_ERR)
            return R_ERR;
        if (truth != 1)
            return R_CONT; /* an element fails the body: every is false */
    }
    return dk->next->fn(ev, dk->next);
}

/* One static operation: 1 true (a SOP_BIND's slot bound, without the trail:
 * the function's frame dies with the definition), 0 false, R_ERR. */
static inline int static_op(struct ev *ev, struct value **fr, struct expr *e)
{
    struct value *v, *w;
    switch (e->sop) {
    case SOP_TEST: {
        struct term *t = e->a;
        int truth;
        if (t->kind == TM_CALL) {
            truth = static_call_truth(ev, fr, t);
        } else if (direct_eval(ev, fr, t, &v) == R_ERR) {
            truth = R_ERR;
        } else {
            truth = v && !(v->type == V_BOOL && !v->u.b);
        }
        return truth == R_ERR ? R_ERR : truth != e->neg;
    }
    case SOP_BIND:
        if (static_value(ev, fr, e->sop_from, &v) == R_ERR)
            return R_ERR;
        fr[e->sop_slot] = v;
        return v != NULL;
    case SOP_EQ:
        if (static_value(ev, fr, e->sop_from, &v) == R_ERR)
            return R_ERR;
        if (!v)
            return 0;
        if (static_value(ev, fr, e->sop_to, &w) == R_ERR)
            return R_ERR;
        return w && value_equal(v, w);
    default: /* SOP_SOME: a declaration */
        return 1;
    }
}

static int static_ops(struct ev *ev, struct value **fr, const struct rule *r, size_t i,
                      struct kont *k);

/* The collection a SOP_ANY enumerates: its reference (e->sop_from) without
 * the last operand, the enumerated variable. */
static struct value *static_coll(struct ev *ev, struct value **fr, const struct term *ref)
{
    const struct term *head = ref->a[0];
    struct value *v = head->slot >= 0 ? fr[head->slot] : ev->input;
    for (size_t i = 1; v && i + 1 < ref->n; i++)
        v = lookup(ev, v, ground_operand(fr, ref->a[i]));
    return v;
}

/* SOP_ANY (expression i of r): `f(..., xs[s], ...)`, s unbound and only in
 * that argument: for each element of xs (a step each, as walk_value) the
 * call with the element; where it is true s is bound to the element's key
 * and the operations after i run.  The other arguments are computed at the
 * first element, in order, the first undefined one making every call
 * undefined (direct_call_args). */
static __attribute__((noinline)) int static_any(struct ev *ev, struct value **fr,
                                                const struct rule *r, size_t i,
                                                struct kont *k)
{
    struct expr *e = r->body->e[i];
    struct term *t = e->a;
    struct value *coll = static_coll(ev, fr, e->sop_from);
    if (!coll || (coll->type != V_ARRAY && coll->type != V_OBJECT && coll->type != V_SET))
        return R_CONT;
    const struct term *op = e->sop_from->a[e->sop_from->n - 1];
    struct value *args[8];
    size_t n = coll_len(coll);
    for (size_t j = 0; j < n; j++) {
        TRY(step(ev, op->loc));
        struct value *key;
        int truth = enum_elem_truth(ev, fr, t, e->sop_arg, args, coll, j, &key);
        if (truth != 1) {
            if (truth == 0)
                continue;
            return truth == 2 ? R_CONT : R_ERR;
        }
        fr[e->sop_slot] = key ? key : int_value(ev, (int64_t)j);
        int rc = static_ops(ev, fr, r, i + 1, k);
        if (rc != R_CONT)
            return rc;
    }
    fr[e->sop_slot] = NULL;
    return R_CONT;
}

/* Body of function definition r from expression i: its static prefix
 * (r->nstatic) as a loop of static operations (bindings without the
 * trail: the frame dies with the definition), then the rest of the body
 * through eval_body (an enumerating expression first through expr_enum)
 * with k.  R_CONT when there is no (further) solution, R_ERR. */
static int static_ops(struct ev *ev, struct value **fr, const struct rule *r, size_t i,
                      struct kont *k)
{
    struct body *b = r->body;
    for (; i < r->nstatic; i++) {
        struct expr *e = b->e[i];
        TRY(step(ev, e->loc));
        if (e->sop == SOP_ANY)
            return static_any(ev, fr, r, i, k);
        int d = static_op(ev, fr, e);
        if (d != 1)
            return d == R_ERR ? R_ERR : R_CONT;
    }
    if (i < b->n && b->e[i]->sop == SOP_ENUM) {
        TRY(step(ev, b->e[i]->loc));
        int rc = expr_enum(ev, fr, b, i, k);
        return rc == 2 ? eval_body_expr(ev, fr, b, i, k) : rc;
    }
    return eval_body(ev, fr, b, i, k);
}

static int eval_static(struct ev *ev, struct value **fr, const struct rule *r, size_t i,
                       struct kont *k)
{
    return static_ops(ev, fr, r, i, k);
}

/* ---------------------------------------------------------- flat code */

/* Functions all of whose definitions are static operations with a constant
 * or no value (struct rnode all_static) run as flat code: per definition an
 * array of instructions decided at prepare time from the static operations
 * (struct expr sop), with their operands decoded (a slot, a constant, or a
 * term read through static_value).  A test calling another such function
 * of a few instructions is inlined (FI_CALL): the arguments are computed
 * into the callee's region of the caller's frame (struct fcode nregs
 * counts the regions), straight into its parameters' slots when every
 * definition has parameter k in slot k, and its definitions run there:
 * no call_user, no frame of its own, no dispatch.  Steps, depth, the order
 * of argument evaluation, conflicts, else chains and defaults are
 * call_user's; under `with` function mocks a call or a test of a built-in
 * takes static_call_truth.  The C stack is checked once per flat call (the
 * code inlined into one is bounded), not at every step. */
enum { FI_TEST, FI_FAST, FI_CALL, FI_BIND, FI_EQ, FI_SOME, FI_ANY };
enum { FOP_TERM, FOP_SLOT, FOP_CONST, FOP_PREFIX, FOP_REF1, FOP_DATA1 };

#define FC_MAX_REGS 64   /* frame of one flat call, inlined regions included */
#define FC_INLINE_MAX 48 /* instructions of a function inlined at a call */

struct fop {
    uint8_t kind;
    int slot;          /* FOP_SLOT; FOP_REF1: the collection's */
    int key_slot;      /* FOP_REF1, FOP_DATA1: the key's slot, -1: val */
    struct value *val; /* FOP_CONST; FOP_REF1, FOP_DATA1: a constant key */
    struct term *t;    /* the term (static_value reads the other kinds) */
};

struct finst {
    uint8_t op;
    bool neg;
    uint8_t fast_op;   /* FI_FAST */
    uint8_t argj;      /* FI_ANY: the argument holding the element */
    uint8_t nargs;     /* FI_FAST, FI_CALL */
    bool slot_args;    /* every argument is a FOP_SLOT */
    int slot;          /* FI_BIND, FI_ANY: the slot bound */
    int delta;         /* FI_CALL: the callee's region in the frame */
    const struct rloc *loc; /* the expression's (its step) */
    struct term *t;    /* FI_TEST, FI_FAST, FI_CALL, FI_ANY: the term */
    struct term *ref;  /* FI_ANY: the enumerated reference */
    struct fop from, to; /* FI_BIND, FI_EQ */
    struct fop *arg;   /* FI_FAST, FI_CALL: the call's arguments */
    const struct fcode *callee; /* FI_CALL */
};

struct fdef {
    const struct rule *r;
    struct finst *ins;
    size_t n;
    struct value *val; /* the definition's value */
    bool last;         /* the last of its else chain */
};

struct jcode;

struct fcode {
    struct rnode *fn;
    struct fdef *defs; /* every definition, else chains in order */
    size_t ndefs;
    size_t size;       /* instructions, inlined ones included */
    int nregs;
    bool fixed;        /* every definition has parameter k in slot k */
    const struct jcode *jcode; /* its jump code (jrun), NULL = none */
};

static inline __attribute__((always_inline)) int fop_value(struct ev *ev, struct value **fr,
                                                           const struct fop *o,
                                                           struct value **out)
{
    if (o->kind == FOP_SLOT) {
        *out = fr[o->slot];
        return R_CONT;
    }
    if (o->kind == FOP_CONST) {
        *out = o->val;
        return R_CONT;
    }
    if (o->kind == FOP_REF1) {
        *out = lookup_memo(ev, fr[o->slot], o->key_slot >= 0 ? fr[o->key_slot] : o->val);
        return R_CONT;
    }
    if ((o->kind == FOP_PREFIX || o->kind == FOP_DATA1) && !ev->ov) {
        /* data.a.b over base data: the prefix cache, hit in place */
        const struct prefix_ent *pe = &ev->prefix[o->t->prefix_id];
        struct value *base =
            pe->known && pe->gen == ev->gen ? pe->v : prefix_value(ev, o->t, ev->data);
        if (o->kind == FOP_PREFIX || !base) {
            *out = base;
            return R_CONT;
        }
        struct value *key = o->key_slot >= 0 ? fr[o->key_slot] : o->val;
        if (base->type == V_OBJECT && key->type == V_STRING) {
            *out = lookup_memo(ev, base, key);
            return R_CONT;
        }
    }
    return static_value(ev, fr, o->t, out) == R_ERR ? R_ERR : R_CONT;
}

static inline int fc_step(struct ev *ev, const struct rloc *loc)
{
    if (__builtin_expect(++ev->steps > ev->max_steps, 0))
        return step_fail(ev, loc);
    return R_CONT;
}

/* The frame of a flat call from outside flat code (regs, on the caller's C
 * stack): n slots cleared; the C-stack budget checked here, once per such
 * call, as steps do elsewhere. */
static inline int fc_frame(struct ev *ev, struct value **regs, int n, const struct rloc *loc)
{
    if (__builtin_expect((uintptr_t)__builtin_frame_address(0) < ev->stack_floor, 0))
        return step_fail(ev, loc);
    for (int i = 0; i < n; i++)
        regs[i] = NULL;
    return R_CONT;
}

static inline int fc_fn(struct ev *ev, const struct fcode *fc, struct value *const *args,
                        struct value **fr, struct value **result);

/* Call x (FI_CALL) from frame fr, the callee's definitions on frame cf:
 * its truth (1, 0) or R_ERR. */
static inline __attribute__((always_inline)) int fc_enter(struct ev *ev, const struct finst *x,
                                                          struct value **cf,
                                                          struct value *const *args);

static inline __attribute__((always_inline)) int fc_invoke(struct ev *ev, struct value **fr,
                                                           const struct finst *x,
                                                           struct value **cf)
{
    const struct fcode *fc = x->callee;
    struct value *buf[8];
    struct value **args = fc->fixed ? cf : buf;
    for (size_t j = 0; j < x->nargs; j++) {
        TRY(fop_value(ev, fr, &x->arg[j], &args[j]));
        if (!args[j])
            return 0;
    }
    return fc_enter(ev, x, cf, args);
}

/* The rest of fc_invoke, the arguments computed (args; cf when the callee's
 * parameters are fixed): depth, the definitions, the default, the truth. */
static inline __attribute__((always_inline)) int fc_enter(struct ev *ev, const struct finst *x,
                                                          struct value **cf,
                                                          struct value *const *args)
{
    const struct fcode *fc = x->callee;
    if (++ev->depth > ev->max_depth)
        return ev_fail(ev, "eval_limit_error", x->t->loc, "maximum evaluation depth exceeded (%u)",
                       ev->max_depth);
    struct value *v = NULL;
    int rc = fc_fn(ev, fc, fc->fixed ? NULL : args, cf, &v);
    if (rc == R_CONT && !v && fc->fn->dflt) {
        bool produced = false;
        rc = eval_fn_def(ev, fc->fn->dflt, args, false, &v, &produced);
    }
    ev->depth--;
    if (rc == R_ERR)
        return R_ERR;
    return v && !(v->type == V_BOOL && !v->u.b);
}

/* Instruction x other than FI_ANY on frame fr (its step counted): 1 when
 * it succeeds, 0 when not, R_ERR. */
static inline __attribute__((always_inline)) int fc_op(struct ev *ev, struct value **fr,
                                                        const struct finst *x)
{
    struct value *v, *w;
    int truth;
    switch (x->op) {
    case FI_FAST: {
        if (__builtin_expect(ev->mocks != NULL, 0)) {
            truth = static_call_truth(ev, fr, x->t);
            break;
        }
        struct value *args[2];
        TRY(fop_value(ev, fr, &x->arg[0], &args[0]));
        if (!args[0]) {
            truth = 0;
            break;
        }
        if (x->nargs == 1) {
            truth = args[0]->type == x->fast_op - FAST_IS;
            break;
        }
        TRY(fop_value(ev, fr, &x->arg[1], &args[1]));
        truth = args[1] && value_equal(args[0], args[1]) == (x->fast_op == FAST_EQUAL);
        break;
    }
    case FI_CALL:
        truth = __builtin_expect(ev->mocks != NULL, 0) ? static_call_truth(ev, fr, x->t)
                                                       : fc_invoke(ev, fr, x, fr + x->delta);
        break;
    case FI_TEST:
        if (x->t->kind == TM_CALL) {
            truth = static_call_truth(ev, fr, x->t);
        } else if (direct_eval(ev, fr, x->t, &v) == R_ERR) {
            truth = R_ERR;
        } else {
            truth = v && !(v->type == V_BOOL && !v->u.b);
        }
        break;
    case FI_BIND:
        TRY(fop_value(ev, fr, &x->from, &v));
        return (fr[x->slot] = v) != NULL;
    case FI_EQ:
        TRY(fop_value(ev, fr, &x->from, &v));
        if (!v)
            return 0;
        TRY(fop_value(ev, fr, &x->to, &w));
        return w && value_equal(v, w);
    default: /* FI_SOME */
        return 1;
    }
    if (truth == R_ERR)
        return R_ERR;
    return truth != x->neg;
}

/* Instructions i.. of a definition on frame fr: 1 when they all succeed
 * (for some element of each FI_ANY), 0 when not, R_ERR. */
static int fc_run(struct ev *ev, struct value **fr, const struct finst *ins, size_t i, size_t n)
{
    for (; i < n; i++) {
        const struct finst *x = &ins[i];
        TRY(fc_step(ev, x->loc));
        if (x->op != FI_ANY) {
            int d = fc_op(ev, fr, x);
            if (d != 1)
                return d;
            continue;
        }
        /* FI_ANY, as static_any */
        struct value *coll = static_coll(ev, fr, x->ref);
        if (!coll || (coll->type != V_ARRAY && coll->type != V_OBJECT && coll->type != V_SET))
            return 0;
        const struct term *op = x->ref->a[x->ref->n - 1];
        size_t len = coll_len(coll);
        if (x->fast_op && !ev->mocks) {
            /* `xs[i] == v`, `xs[i] != v`: v computed at the first
             * element, as enum_elem_truth */
            struct value *o = NULL;
            bool want = x->fast_op == FAST_EQUAL;
            for (size_t j = 0; j < len; j++) {
                TRY(fc_step(ev, &op->loc));
                if (j == 0) {
                    TRY(fop_value(ev, fr, &x->arg[1 - x->argj], &o));
                    if (!o)
                        return 0;
                }
                struct value *key = NULL, *el;
                if (coll->type == V_ARRAY)
                    el = coll->u.arr.items[j];
                else
                    coll_at(ev, coll, j, &key, &el);
                if (value_equal(el, o) != want)
                    continue;
                fr[x->slot] = key ? key : int_value(ev, (int64_t)j);
                int rc = fc_run(ev, fr, ins, i + 1, n);
                if (rc != 0)
                    return rc;
            }
            return 0;
        }
        struct value *args[8];
        for (size_t j = 0; j < len; j++) {
            TRY(fc_step(ev, &op->loc));
            struct value *key;
            int truth = enum_elem_truth(ev, fr, x->t, x->argj, args, coll, j, &key);
            if (truth != 1) {
                if (truth == 0)
                    continue;
                return truth == 2 ? 0 : R_ERR;
            }
            fr[x->slot] = key ? key : int_value(ev, (int64_t)j);
            int rc = fc_run(ev, fr, ins, i + 1, n);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    return 1;
}

/* Jump code: a flat function whose definitions all have one constant value
 * (the first that succeeds decides), no default and parameter k in slot k,
 * and whose enumerations are `xs[i] == v` / `xs[i] != v`, also runs as one
 * array of instructions with the small functions it calls inlined in it
 * (struct fcode jcode): every instruction has the pc to go to when it
 * fails (the next definition, or the last enumeration before it in its
 * definition, whose J_NEXT takes the next element), so a call of a helper
 * is not a C call and a definition is not a loop iteration.  Each
 * instruction runs on its definition's region of the frame (base).  The
 * steps, depth and order are fc_run's; it runs only without function mocks
 * (fc_fn). */
enum {
    J_OP,    /* a flat instruction other than FI_ANY (fc_op) */
    J_CALL,  /* an inlined call: its arguments into the callee's slots, depth */
    J_DEFOK, /* a definition of the inlined call succeeded */
    J_NONE,  /* no definition of the inlined call succeeded */
    J_ANY,   /* an enumeration starts */
    J_NEXT,  /* its next element */
    J_RET,   /* a definition of the function succeeded: its value */
    J_UNDEF, /* no definition of the function succeeded */
    J_IS,    /* FI_FAST of one argument: is_<type> */
    J_CMP,   /* FI_FAST of two: equal, neq */
    J_BIND,  /* FI_BIND */
    J_SOME,  /* FI_SOME: its step */
};

#define JC_MAX 256  /* instructions of one function's jump code */
#define JC_MAX_ANY 16

struct jins {
    uint8_t op;
    uint8_t any;             /* J_ANY, J_NEXT: the enumeration's state */
    bool pass;               /* J_DEFOK: the call's truth is its success */
    int base;                /* the definition's region of the frame */
    int fail;                /* the instruction to go to when it fails */
    int to;                  /* J_CALL, J_DEFOK, J_NONE: the one after the call */
    const struct jins *failp, *top; /* fail and to as pointers (jrun) */
    const struct finst *x;   /* the flat instruction; J_DEFOK, J_NONE: the call */
    struct value *val;       /* J_RET */
};

struct jcode {
    struct jins *ins;
    size_t n;
    int nany;
};

/* Runs jump code jc on frame fr (parameters in slots 0..): *result the
 * value of the definition that succeeds, unchanged when none does. */
static int jrun(struct ev *ev, const struct jcode *jc, struct value **fr, struct value **result)
{
    size_t it[JC_MAX_ANY];
    struct value *coll[JC_MAX_ANY], *other[JC_MAX_ANY];
    unsigned depth0 = ev->depth;
    const struct jins *j = jc->ins, *next;
    for (;; j = next) {
        const struct finst *x = j->x;
        struct value **f = fr + j->base;
        int d;
        switch (j->op) {
        case J_OP:
            if ((d = fc_step(ev, x->loc)) == R_CONT)
                d = fc_op(ev, f, x);
            break;
        case J_IS: {
            /* fc_op's FI_FAST without mocks (jrun runs without) */
            struct value *a;
            if ((d = fc_step(ev, x->loc)) == R_ERR ||
                (d = fop_value(ev, f, &x->arg[0], &a)) == R_ERR)
                break;
            d = (a && a->type == x->fast_op - FAST_IS) != x->neg;
            break;
        }
        case J_CMP: {
            struct value *a, *b = NULL;
            if ((d = fc_step(ev, x->loc)) == R_ERR ||
                (d = fop_value(ev, f, &x->arg[0], &a)) == R_ERR ||
                (a && (d = fop_value(ev, f, &x->arg[1], &b)) == R_ERR))
                break;
            d = (a && b && value_equal(a, b) == (x->fast_op == FAST_EQUAL)) != x->neg;
            break;
        }
        case J_BIND: {
            struct value *v;
            if ((d = fc_step(ev, x->loc)) == R_ERR ||
                (d = fop_value(ev, f, &x->from, &v)) == R_ERR)
                break;
            d = (f[x->slot] = v) != NULL;
            break;
        }
        case J_SOME:
            d = fc_step(ev, x->loc) == R_ERR ? R_ERR : 1;
            break;
        case J_CALL: {
            if ((d = fc_step(ev, x->loc)) == R_ERR)
                break;
            struct value **cf = f + x->delta;
            d = 1;
            if (x->slot_args && x->nargs == 2) {
                cf[0] = f[x->arg[0].slot];
                cf[1] = f[x->arg[1].slot];
                d = cf[0] && cf[1];
            } else if (x->slot_args) {
                for (size_t k = 0; k < x->nargs && d == 1; k++)
                    d = (cf[k] = f[x->arg[k].slot]) != NULL;
            } else {
                for (size_t k = 0; k < x->nargs && d == 1; k++) {
                    d = fop_value(ev, f, &x->arg[k], &cf[k]);
                    if (d == R_CONT)
                        d = cf[k] != NULL;
                }
            }
            if (d == R_ERR)
                break;
            if (d == 0) { /* an argument undefined: the call is */
                next = x->neg ? j->top : j->failp;
                continue;
            }
            if (++ev->depth > ev->max_depth) {
                d = ev_fail(ev, "eval_limit_error", x->t->loc,
                            "maximum evaluation depth exceeded (%u)", ev->max_depth);
                break;
            }
            next = j + 1;
            continue;
        }
        case J_DEFOK:
            ev->depth--;
            next = j->pass ? j->top : j->failp;
            continue;
        case J_NONE:
            ev->depth--;
            next = x->neg ? j->top : j->failp;
            continue;
        case J_ANY: {
            if ((d = fc_step(ev, x->loc)) == R_ERR)
                break;
            const struct term *head = x->ref->a[0];
            struct value *c = x->ref->n == 2 && head->slot >= 0 ? f[head->slot]
                                                               : static_coll(ev, f, x->ref);
            if (!c || (c->type != V_ARRAY && c->type != V_OBJECT && c->type != V_SET)) {
                next = j->failp;
                continue;
            }
            it[j->any] = 0;
            coll[j->any] = c;
            next = j + 1;
            continue;
        }
        case J_NEXT: {
            /* as fc_run's FI_ANY with a fast_op */
            struct value *c = coll[j->any];
            size_t len = coll_len(c);
            const struct term *op = x->ref->a[x->ref->n - 1];
            bool want = x->fast_op == FAST_EQUAL;
            d = 0;
            while (it[j->any] < len) {
                size_t k = it[j->any]++;
                if ((d = fc_step(ev, &op->loc)) == R_ERR)
                    break;
                if (k == 0) {
                    if ((d = fop_value(ev, f, &x->arg[1 - x->argj], &other[j->any])) == R_ERR)
                        break;
                    if (!other[j->any]) {
                        d = 0;
                        break;
                    }
                }
                struct value *key = NULL, *el;
                if (c->type == V_ARRAY)
                    el = c->u.arr.items[k];
                else
                    coll_at(ev, c, k, &key, &el);
                if (value_equal(el, other[j->any]) != want) {
                    d = 0;
                    continue;
                }
                f[x->slot] = key ? key : int_value(ev, (int64_t)k);
                d = 1;
                break;
            }
            break;
        }
        case J_RET:
            *result = j->val;
            return R_CONT;
        default: /* J_UNDEF */
            return R_CONT;
        }
        if (d == R_ERR) {
            ev->depth = depth0;
            return R_ERR;
        }
        next = d ? j + 1 : j->failp;
    }
}

/* The definitions of flat function fc on frame fr (its region), args bound
 * to each definition's parameters (NULL: fc->fixed, already in slots
 * 0..), as defs_general: in order, else chains, the conflict check, the
 * early exit when all values are one constant (not the default: the
 * caller's). */
static inline __attribute__((always_inline)) int fc_fn(struct ev *ev, const struct fcode *fc,
                                                        struct value *const *args,
                                                        struct value **fr,
                                                        struct value **result)
{
    if (fc->jcode && __builtin_expect(ev->mocks == NULL, 1))
        return jrun(ev, fc->jcode, fr, result);
    bool same = fc->fn->all_same_const;
    for (size_t i = 0; i < fc->ndefs; i++) {
        const struct fdef *d = &fc->defs[i];
        const struct rule *r = d->r;
        for (size_t k = 0; args && k < r->nargs; k++)
            fr[r->args[k]->slot] = args[k];
        int rc = fc_run(ev, fr, d->ins, 0, d->n);
        if (rc == R_ERR)
            return R_ERR;
        if (rc == 0)
            continue;
        if (*result && !value_equal(*result, d->val))
            return ev_fail(ev, "eval_conflict_error", r->loc,
                           "functions must not produce multiple outputs for same inputs");
        *result = d->val;
        if (same)
            break;
        while (!fc->defs[i].last)
            i++; /* the rest of the else chain */
    }
    return R_CONT;
}

/* The truth of call x (FI_CALL, no function mocks) from outside flat code
 * (every_calls), on a frame of its own. */
static int fc_outer(struct ev *ev, struct value **fr, const struct finst *x)
{
    struct value *regs[FC_MAX_REGS];
    TRY(fc_frame(ev, regs, x->callee->nregs, x->loc));
    return fc_invoke(ev, fr, x, regs);
}

/* every_calls for `every k, v in xs { f(k, v) }` where f has flat code
 * (struct expr flat) and no function mocks: f's frame is set up once for
 * all elements (its slots are written before they are read). */
static int every_flat(struct ev *ev, struct dom_k *dk, struct value *dom)
{
    struct expr *e = dk->e, *c = e->body->e[0];
    const struct finst *x = c->flat;
    const struct term *t = c->a;
    struct value **fr = dk->fr;
    int ks = e->a ? e->a->slot : -1, vs = e->b->slot;
    for (unsigned u = 0; u < t->ndvars; u++)
        if (t->dvars[u] != ks && t->dvars[u] != vs && !fr[t->dvars[u]])
            return every_calls(ev, dk, dom); /* a variable of the call unbound */
    struct value *regs[FC_MAX_REGS];
    TRY(fc_frame(ev, regs, x->callee->nregs, &e->loc));
    size_t n = coll_len(dom);
    /* f(k, v), f(v): the element straight into f's parameters */
    bool kv = x->callee->fixed && x->slot_args && vs >= 0 && ks != vs && x->nargs >= 1 &&
              x->nargs <= 2 && x->arg[x->nargs - 1].slot == vs &&
              (x->nargs == 1 || x->arg[0].slot == ks);
    for (size_t j = 0; kv && j < n; j++) {
        TRY(fc_step(ev, &e->loc));
        coll_at(ev, dom, j, &regs[0], &regs[x->nargs - 1]);
        int truth = fc_step(ev, &c->loc);
        if (truth == R_CONT)
            truth = fc_enter(ev, x, regs, regs);
        if (truth == R_ERR)
            return R_ERR;
        if (truth == c->neg)
            return R_CONT; /* an element fails the body: every is false */
    }
    for (size_t j = 0; !kv && j < n; j++) {
        TRY(fc_step(ev, &e->loc));
        struct value *key, *val;
        coll_at(ev, dom, j, &key, &val);
        /* k and v: the every's own variables, as every_calls */
        if (ks >= 0)
            fr[ks] = key;
        if (vs >= 0)
            fr[vs] = val;
        int truth = fc_step(ev, &c->loc);
        if (truth == R_CONT)
            truth = fc_invoke(ev, fr, x, regs);
        if (ks >= 0)
            fr[ks] = NULL;
        if (vs >= 0)
            fr[vs] = NULL;
        if (truth == R_ERR)
            return R_ERR;
        if (truth == c->neg)
            return R_CONT; /* an element fails the body: every is false */
    }
    return dk->next->fn(ev, dk->next);
}

/* call_user's definitions of a flat function: its frame on the C stack
 * (call_user then takes the default). */
static int fc_call(struct ev *ev, const struct fcode *fc, struct value *const *args,
                   struct value **result)
{
    struct value *regs[FC_MAX_REGS];
    TRY(fc_frame(ev, regs, fc->nregs, &fc->defs[0].r->loc));
    if (fc->fixed) {
        for (size_t k = 0; k < fc->defs[0].r->nargs; k++)
            regs[k] = args[k];
        args = NULL;
    }
    return fc_fn(ev, fc, args, regs, result);
}

/* ---------------------------------------------------------------- entry */

static int ev_init(struct ev *ev, const struct rego_compiled *c, const struct reval_opts *o,
                   struct arena *a, struct rego_err *err)
{
    pthread_once(&g_small_once, init_small);
    memset(ev, 0, sizeof(*ev));
    ev->c = c;
    ev->a = a;
    ev->err = err;
    ev->input = (struct value *)o->input;
    ev->strict = o->strict;
    ev->check_capture = o->check_capture;
    ev->allow_network = o->allow_network;
    ev->opa_compat = o->opa_compat;
    ev->max_steps = o->limits.max_steps ? o->limits.max_steps : 10000000UL;
    ev->max_depth = o->limits.max_depth ? o->limits.max_depth : 1000;
    ev->cache = arena_zalloc(a, (size_t)(c->nnodes + 1) * sizeof(*ev->cache));
    ev->memo = arena_zalloc(a, (size_t)(c->nmemo + 1) * sizeof(*ev->memo));
    ev->prefix = arena_zalloc(a, (size_t)(c->nprefix + 1) * sizeof(*ev->prefix));
    ev->index = arena_zalloc(a, INDEX_WAYS * sizeof(*ev->index));
    ev->calls = arena_zalloc(a, (size_t)(c->ncalls + 1) * sizeof(*ev->calls));
    if (!ev->cache || !ev->memo || !ev->prefix || !ev->index || !ev->calls)
        return oom(ev);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ev->now_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    /* object index hashing: unpredictable per evaluation (crafted keys) */
    ev->hash_seed = key_hash((uint64_t)ev->now_ns, (const char *)&ev, sizeof(ev));
    /* base data: compiled base merged with this evaluation's extra data */
    struct value *d = c->base_data;
    if (o->extra_data) {
        if (!d || d->type != V_OBJECT || o->extra_data->type != V_OBJECT) {
            d = (struct value *)o->extra_data;
        } else {
            struct value *m = d;
            for (size_t k = 0; k < o->extra_data->u.obj.len; k++) {
                struct value *p[1] = {o->extra_data->u.obj.pairs[k].key};
                m = upsert(ev, m, p, 1, o->extra_data->u.obj.pairs[k].val);
                if (!m)
                    return oom(ev);
            }
            d = m;
        }
    }
    ev->data = d;
    /* the C-stack budget of an evaluation: 3 MiB below its entry */
    uintptr_t base = (uintptr_t)__builtin_frame_address(0);
    ev->stack_floor = base > STACK_BUDGET ? base - STACK_BUDGET : 0;
    return R_CONT;
}

static void ev_done(struct ev *ev) { (void)ev; }

struct result_k {
    struct kont k;
    struct value **fr;
    reval_result_fn fn;
    void *ctx;
};

static int result_fn(struct ev *ev, struct kont *k)
{
    struct result_k *rk = (struct result_k *)k;
    if (rk->fn(rk->ctx, rk->fr, ev->expr_vals) < 0)
        return oom(ev);
    return R_CONT;
}

int reval_query(const struct rego_compiled *c, const struct rquery *q,
                const struct reval_opts *o, struct arena *a, reval_result_fn fn, void *ctx,
                struct rego_err *err)
{
    struct ev ev;
    if (ev_init(&ev, c, o, a, err) < 0)
        return -1;
    struct value **fr = new_frame(&ev, q->nslots);
    ev.expr_vals = arena_zalloc(a, (q->nexprs + 1) * sizeof(*ev.expr_vals));
    if (!fr || !ev.expr_vals) {
        ev_done(&ev);
        return oom(&ev);
    }
    struct result_k rk = {{result_fn}, fr, fn, ctx};
    int r = eval_body(&ev, fr, q->body, 0, &rk.k);
    ev_done(&ev);
    return r == R_ERR ? -1 : 0;
}

struct path_vk {
    struct vk vk;
    struct value *v;
};
static int path_val(struct ev *ev, struct vk *k, struct value *v)
{
    (void)ev;
    ((struct path_vk *)k)->v = v;
    return R_STOP;
}

int reval_path(const struct rego_compiled *c, struct value *const *path, size_t n,
               const struct reval_opts *o, struct arena *a, struct value **out,
               struct rego_err *err)
{
    struct ev ev;
    if (ev_init(&ev, c, o, a, err) < 0)
        return -1;
    struct term *t = arena_zalloc(a, sizeof(*t));
    struct term **ops = arena_zalloc(a, (n + 1) * sizeof(*ops));
    struct term *opterms = arena_zalloc(a, (n + 1) * sizeof(*opterms));
    struct term *root = arena_zalloc(a, sizeof(*root));
    if (!t || !ops || !opterms || !root) {
        ev_done(&ev);
        return oom(&ev);
    }
    root->kind = TM_VAR;
    root->slot = SLOT_DATA;
    root->name = "data";
    ops[0] = root;
    struct rnode *node = c->root;
    size_t pre = 0;
    bool walking = true;
    for (size_t k = 0; k < n; k++) {
        opterms[k].kind = TM_SCALAR;
        opterms[k].flags = TF_CONST | TF_SIMPLE;
        opterms[k].val = path[k];
        ops[k + 1] = &opterms[k];
        if (walking && path[k]->type == V_STRING) {
            struct rnode *kid = rcomp_node_child(node, path[k]->u.str.s, path[k]->u.str.len);
            if (kid) {
                node = kid;
                pre++;
            } else {
                walking = false;
            }
        } else {
            walking = false;
        }
    }
    if (n == 0) {
        t = root;
    } else {
        t->kind = TM_REF;
        t->a = ops;
        t->n = n + 1;
        t->pre_node = node;
        t->pre_n = pre;
    }
    struct path_vk pv = {{path_val}, NULL};
    int r = eval_term(&ev, NULL, t, &pv.vk);
    ev_done(&ev);
    if (r == R_ERR)
        return -1;
    *out = pv.v;
    return 0;
}

/* ------------------------------------------------------------- prepare */

/* The variables of one term being marked direct (reval_prepare). */
struct prep {
    struct rego_compiled *c;
    struct arena *a;
    int vars[255];
    unsigned n;
    struct expr **every; /* expressions of every_calls bodies (expr flat) */
    size_t nevery, every_cap;
};

static bool prep_var(struct prep *p, const struct term *v, bool wild_ok)
{
    if (v->wildcard && !wild_ok)
        return false; /* never bound before its expression */
    for (unsigned i = 0; i < p->n; i++)
        if (p->vars[i] == v->slot)
            return true;
    if (p->n == 255)
        return false;
    p->vars[p->n++] = v->slot;
    return true;
}

/* Whether t has the shape direct_eval computes, collecting its variables. */
static bool prep_shape(struct prep *p, const struct term *t)
{
    if (t->flags & TF_CONST)
        return true;
    switch (t->kind) {
    case TM_VAR:
        return t->slot >= 0 ? prep_var(p, t, false) : t->slot == SLOT_INPUT;
    case TM_REF: {
        const struct term *head = t->a[0];
        if (head->kind != TM_VAR)
            return false;
        if (head->slot >= 0 ? !prep_var(p, head, false)
                            : head->slot != SLOT_INPUT && head->slot != SLOT_DATA)
            return false;
        for (size_t i = 1; i < t->n; i++) {
            const struct term *op = t->a[i];
            /* a wildcard operand is never bound: only expr_enum binds it */
            if (!(op->flags & TF_CONST) &&
                (op->kind != TM_VAR || op->slot < 0 || !prep_var(p, op, true)))
                return false;
        }
        return true;
    }
    case TM_CALL:
        if (t->call_out || t->call_ooo || t->n < 1 || t->n > 9 ||
            (t->bi && (t->bi->flags & BI_RELATION)) || (!t->fn && !t->bi && !t->host))
            return false;
        for (size_t i = 1; i < t->n; i++)
            if (!prep_shape(p, t->a[i]))
                return false;
        return true;
    default:
        return false;
    }
}

static int prep_body(struct prep *p, struct body *b);

/* The FAST_* code of a call of a total built-in (not a user function or a
 * host built-in of the same name), else FAST_NONE. */
static uint8_t fast_op_of(const struct term *t)
{
    static const struct {
        const char *name;
        uint8_t op;
    } fast[] = {
        {"equal", FAST_EQUAL},
        {"neq", FAST_NEQ},
        {"is_null", FAST_IS + V_NULL},
        {"is_boolean", FAST_IS + V_BOOL},
        {"is_number", FAST_IS + V_NUMBER},
        {"is_string", FAST_IS + V_STRING},
        {"is_array", FAST_IS + V_ARRAY},
        {"is_object", FAST_IS + V_OBJECT},
        {"is_set", FAST_IS + V_SET},
    };
    if (!t->bi || t->fn || t->host || !t->bi->name)
        return FAST_NONE;
    if (t->bi->arity < 0 || t->n != 1 + (size_t)t->bi->arity)
        return FAST_NONE;
    for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
        if (strcmp(t->bi->name, fast[i].name) == 0)
            return fast[i].op;
    return FAST_NONE;
}

/* struct term dvar_arg of a direct call t (dvars set). */
static uint8_t *dvar_args(struct arena *a, const struct term *t)
{
    uint8_t *first = arena_zalloc(a, t->ndvars);
    if (!first)
        return NULL;
    for (unsigned k = 0; k < t->ndvars; k++)
        for (size_t j = 1; j < t->n && !first[k]; j++)
            if (term_has_slot(t->a[j], t->dvars[k]))
                first[k] = (uint8_t)j;
    return first;
}

/* struct term opk (static_value's reading of t). */
static uint8_t prep_opk(const struct rego_compiled *c, const struct term *t)
{
    if (t->flags & TF_CONST)
        return OPK_CONST;
    if (t->kind == TM_VAR)
        return t->slot >= 0 ? OPK_SLOT : OPK_OTHER;
    if (t->kind != TM_REF || !t->direct || t->a[0]->kind != TM_VAR)
        return OPK_OTHER;
    const struct term *last = t->a[t->n - 1];
    bool key_ok = (last->flags & TF_CONST) || (last->kind == TM_VAR && last->slot >= 0);
    if (t->a[0]->slot >= 0 && t->n == 2 && key_ok)
        return OPK_REF1;
    if (t->a[0]->slot != SLOT_DATA || t->prefix_id <= 0 || t->prefix_id > c->nprefix)
        return OPK_OTHER;
    if (t->prefix_n + 1 == t->n)
        return OPK_PREFIX;
    if (t->prefix_n + 2 == t->n && key_ok)
        return OPK_DATA1;
    return OPK_OTHER;
}

static int prep_term(struct prep *p, struct term *t)
{
    if (!t)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        TRY(prep_term(p, t->a[i]));
    TRY(prep_term(p, t->key));
    TRY(prep_term(p, t->head));
    if (t->body)
        TRY(prep_body(p, t->body));
    p->n = 0;
    if (!prep_shape(p, t)) {
        t->opk = prep_opk(p->c, t);
        return 0;
    }
    if (p->n) {
        t->dvars = arena_memdup(p->a, p->vars, p->n * sizeof(p->vars[0]));
        if (!t->dvars)
            return -1;
    }
    t->ndvars = (uint8_t)p->n;
    t->direct = true;
    t->opk = prep_opk(p->c, t);
    if (t->kind == TM_CALL && p->n && !(t->dvar_arg = dvar_args(p->a, t)))
        return -1;
    if (t->kind == TM_CALL)
        t->fast_op = fast_op_of(t);
    if (t->kind == TM_CALL && t->fn && p->n == 0 && p->c->ncalls < INT32_MAX && !t->call_id)
        t->call_id = ++p->c->ncalls;
    return 0;
}

static int prep_body(struct prep *p, struct body *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        TRY(prep_term(p, e->a));
        e->call_direct = e->kind == EX_TERM && !e->nwith && !e->qtop && !e->capture && e->a &&
                         e->a->kind == TM_CALL && !e->a->call_out && e->a->direct;
        TRY(prep_term(p, e->b));
        TRY(prep_term(p, e->c));
        for (size_t k = 0; k < e->nvars; k++)
            TRY(prep_term(p, e->vars[k]));
        if (e->body)
            TRY(prep_body(p, e->body));
        e->every_calls = p->c->static_paths && e->kind == EX_EVERY && e->body && e->body->n > 0;
        for (size_t k = 0; e->every_calls && k < e->body->n; k++)
            e->every_calls = e->body->e[k]->call_direct;
        for (size_t k = 0; e->every_calls && k < e->body->n; k++) {
            struct expr **v = vec_grow(p->every, &p->every_cap, p->nevery, sizeof(*v), 16);
            if (!v)
                return -1;
            p->every = v;
            p->every[p->nevery++] = e->body->e[k];
        }
        for (size_t k = 0; k < e->nwith; k++)
            TRY(prep_term(p, e->with[k].value));
    }
    return 0;
}

/* How many leading parameters of function r are distinct variables. */
static size_t plain_params(const struct rule *r)
{
    size_t n = 0;
    for (; n < r->nargs; n++) {
        const struct term *a = r->args[n];
        if (a->kind != TM_VAR || a->slot < 0)
            break;
        size_t k = 0;
        while (k < n && r->args[k]->slot != a->slot)
            k++;
        if (k < n)
            break;
    }
    return n;
}

/* r->guard: the first body expression of function r when it is a test
 * guard_test can decide from the arguments (a call with a fast_op over
 * constants and parameters, all parameters plain).  After prep_body. */
static void prep_guard(struct rule *r)
{
    r->guard = NULL;
    if (!r->is_func || !r->body || r->body->n == 0 || r->nplain != r->nargs)
        return;
    struct expr *e = r->body->e[0];
    struct term *t = e->a;
    if (e->kind != EX_TERM || e->nwith || e->qtop || e->capture || !t ||
        t->kind != TM_CALL || !t->fast_op || t->call_out || t->n < 2 || t->n > 3)
        return;
    for (size_t j = 0; j + 1 < t->n; j++) {
        const struct term *arg = t->a[1 + j];
        size_t k = 0;
        if (arg->flags & TF_CONST) {
            r->guard_arg[j] = GUARD_CONST;
            continue;
        }
        if (arg->kind != TM_VAR || arg->slot < 0)
            return;
        while (k < r->nargs && r->args[k]->slot != arg->slot)
            k++;
        if (k == r->nargs || k >= GUARD_CONST)
            return;
        r->guard_arg[j] = (uint8_t)k;
    }
    r->guard = e;
}

/* Whether direct term t has all its variables bound. */
static bool static_ready(const struct term *t, const bool *bound)
{
    if (!t->direct)
        return false;
    for (unsigned k = 0; k < t->ndvars; k++)
        if (!bound[t->dvars[k]])
            return false;
    return true;
}

/* SOP_ANY's shape (static_any): a call `f(..., xs[s], ...)` whose only
 * unbound variable s is the last operand of a reference argument rooted at
 * a bound variable or input, and occurs in no other argument or operand. */
static bool static_any_shape(struct expr *e, bool *bound)
{
    struct term *t = e->a;
    if (e->neg || t->kind != TM_CALL || !t->direct || t->n - 1 > 8)
        return false;
    int s = -1;
    for (unsigned k = 0; k < t->ndvars; k++) {
        if (bound[t->dvars[k]])
            continue;
        if (s >= 0)
            return false;
        s = t->dvars[k];
    }
    if (s < 0)
        return false;
    size_t argj = SIZE_MAX;
    for (size_t j = 0; j + 1 < t->n; j++) {
        if (!term_has_slot(t->a[1 + j], s))
            continue;
        if (argj != SIZE_MAX)
            return false;
        argj = j;
    }
    struct term *ref = argj == SIZE_MAX ? NULL : t->a[1 + argj];
    if (!ref || ref->kind != TM_REF || ref->n < 2)
        return false;
    const struct term *head = ref->a[0], *last = ref->a[ref->n - 1];
    if (head->kind != TM_VAR || (head->slot < 0 && head->slot != SLOT_INPUT) ||
        head->slot == s || last->kind != TM_VAR || last->slot != s)
        return false;
    for (size_t i = 1; i + 1 < ref->n; i++)
        if (term_has_slot(ref->a[i], s))
            return false;
    e->sop = SOP_ANY;
    e->sop_slot = s;
    e->sop_from = ref;
    e->sop_arg = (uint8_t)argj;
    bound[s] = true;
    return true;
}

/* e's static operation (unify_expr_direct's and positive_direct's choices
 * made here once) when the slots in bound are bound; false when e needs
 * eval_body. */
static bool static_expr(struct expr *e, bool *bound)
{
    struct term *from, *to;
    switch (e->kind) {
    case EX_SOME:
        e->sop = SOP_SOME;
        return true;
    case EX_TERM:
        if (e->a->kind == TM_CALL && e->a->call_out)
            return false;
        if (static_ready(e->a, bound)) {
            e->sop = SOP_TEST;
            return true;
        }
        return static_any_shape(e, bound);
    case EX_UNIFY:
    case EX_ASSIGN:
        if (e->neg)
            return false;
        if (static_ready(e->b, bound)) {
            from = e->b;
            to = e->a;
        } else if (e->b->kind == TM_VAR && e->b->slot >= 0 && !bound[e->b->slot] &&
                   static_ready(e->a, bound)) {
            from = e->a;
            to = e->b;
        } else {
            return false;
        }
        e->sop_from = from;
        e->sop_to = to;
        if (to->kind == TM_VAR && to->slot >= 0 && !(to->flags & TF_CONST) && !bound[to->slot]) {
            e->sop = SOP_BIND;
            e->sop_slot = to->slot;
            bound[to->slot] = true;
            return true;
        }
        if ((to->flags & TF_CONST) || (to->kind == TM_VAR && to->slot >= 0) ||
            static_ready(to, bound)) {
            e->sop = SOP_EQ;
            return true;
        }
        return false;
    default:
        return false;
    }
}

/* r->nstatic and the sop of its body's expressions: a function definition
 * whose parameters are distinct variables starts with exactly those slots
 * bound; each static operation adds the slot it binds. */
static int prep_static(struct rule *r)
{
    r->nstatic = 0;
    if (!r->is_func || r->nplain != r->nargs || !r->body || r->nslots <= 0)
        return 0;
    bool *bound = calloc((size_t)r->nslots, sizeof(*bound));
    if (!bound)
        return -1;
    for (size_t k = 0; k < r->nargs; k++)
        bound[r->args[k]->slot] = true;
    struct body *b = r->body;
    size_t i = 0;
    for (; i < b->n; i++) {
        struct expr *e = b->e[i];
        e->sop = SOP_NONE;
        if (e->nwith || e->qtop || e->capture || !static_expr(e, bound))
            break;
    }
    r->nstatic = i;
    for (size_t j = i; j < b->n; j++)
        b->e[j]->sop = SOP_NONE;
    if (i < b->n) {
        /* expr_enum's shape: a call with one unbound variable */
        struct expr *e = b->e[i];
        struct term *t = e->a;
        unsigned unbound = 0;
        if (e->kind == EX_TERM && !e->neg && !e->nwith && t->kind == TM_CALL && t->direct &&
            !t->call_out) {
            for (unsigned k = 0; k < t->ndvars; k++)
                unbound += !bound[t->dvars[k]];
            if (unbound == 1)
                e->sop = SOP_ENUM;
        }
    }
    free(bound);
    return 0;
}

static int prep_rule(struct prep *p, struct rule *r)
{
    for (; r; r = r->els) {
        r->nplain = plain_params(r);
        for (size_t k = 0; k < r->nargs; k++)
            TRY(prep_term(p, r->args[k]));
        for (size_t k = 0; k < r->nkeys; k++)
            TRY(prep_term(p, r->keys[k]));
        TRY(prep_term(p, r->value));
        TRY(prep_term(p, r->elem));
        if (r->body)
            TRY(prep_body(p, r->body));
        prep_guard(r);
        if (p->c->static_paths)
            TRY(prep_static(r));
        else
            r->nstatic = 0;
    }
    return 0;
}

static int prep_fcode(struct prep *p, struct rnode *n, int depth);

/* Whether definition r runs entirely as static operations with a constant
 * or no value, on a frame of at most LOCAL_FRAME slots (flat code). */
static bool def_all_static(const struct rule *r)
{
    return r->is_func && r->nplain == r->nargs && r->body && r->nstatic == r->body->n &&
           r->nslots <= LOCAL_FRAME && (!r->value || (r->value->flags & TF_CONST));
}

/* struct rnode all_static of function node n (after prep_rule). */
static void prep_all_static(struct rnode *n)
{
    if (!n || n->kind != NK_FUNC || n->nfuncs == 0)
        return;
    bool all = true;
    for (size_t i = 0; i < n->nfuncs && all; i++)
        for (const struct rule *r = n->funcs[i]; r && all; r = r->els)
            all = def_all_static(r);
    n->all_static = all;
}

/* How flat code reads term t. */
static struct fop prep_fop(struct term *t)
{
    struct fop o = {FOP_TERM, -1, -1, NULL, t};
    const struct term *key = t->kind == TM_REF ? t->a[t->n - 1] : NULL;
    switch (t->opk) {
    case OPK_CONST:
        o.kind = FOP_CONST;
        o.val = t->val;
        break;
    case OPK_SLOT:
        o.kind = FOP_SLOT;
        o.slot = t->slot;
        break;
    case OPK_PREFIX:
        o.kind = FOP_PREFIX;
        break;
    case OPK_REF1:
    case OPK_DATA1:
        /* the key as ground_operand reads it: a constant or a slot */
        o.kind = t->opk == OPK_REF1 ? FOP_REF1 : FOP_DATA1;
        o.slot = t->a[0]->slot;
        if (key->flags & TF_CONST)
            o.val = key->val;
        else
            o.key_slot = key->slot;
        break;
    default:
        break;
    }
    return o;
}

/* x->arg: the arguments of call x->t. */
static int prep_fargs(struct prep *p, struct finst *x)
{
    struct term *t = x->t;
    x->nargs = (uint8_t)(t->n - 1);
    if (!(x->arg = arena_zalloc(p->a, (t->n - 1) * sizeof(*x->arg))))
        return -1;
    x->slot_args = true;
    for (size_t j = 0; j + 1 < t->n; j++) {
        x->arg[j] = prep_fop(t->a[1 + j]);
        x->slot_args = x->slot_args && x->arg[j].kind == FOP_SLOT;
    }
    return 0;
}

/* One instruction of flat code from static expression e of definition r;
 * *need grows to the frame the instruction uses. */
static int prep_finst(struct prep *p, struct fcode *fc, const struct rule *r,
                      const struct expr *e, struct finst *x, int *need, int depth)
{
    struct term *t = e->a;
    x->loc = &e->loc;
    x->neg = e->neg;
    x->t = t;
    fc->size++;
    switch (e->sop) {
    case SOP_TEST:
        x->op = FI_TEST;
        if (t->kind != TM_CALL || t->n < 2)
            return 0;
        if (t->fast_op && t->n <= 3) {
            x->op = FI_FAST;
            x->fast_op = t->fast_op;
            return prep_fargs(p, x);
        }
        if (!t->fn || t->call_id)
            return 0;
        TRY(prep_fcode(p, t->fn, depth + 1));
        const struct fcode *cf = t->fn->fcode;
        if (!cf || cf->size > FC_INLINE_MAX || r->nslots + cf->nregs > FC_MAX_REGS ||
            cf->defs[0].r->nargs != t->n - 1)
            return 0;
        x->op = FI_CALL;
        x->callee = cf;
        x->delta = r->nslots;
        if (*need < r->nslots + cf->nregs)
            *need = r->nslots + cf->nregs;
        fc->size += cf->size;
        return prep_fargs(p, x);
    case SOP_BIND:
        x->op = FI_BIND;
        x->from = prep_fop(e->sop_from);
        x->slot = e->sop_slot;
        return 0;
    case SOP_EQ:
        x->op = FI_EQ;
        x->from = prep_fop(e->sop_from);
        x->to = prep_fop(e->sop_to);
        return 0;
    case SOP_SOME:
        x->op = FI_SOME;
        return 0;
    default:
        x->op = FI_ANY;
        x->ref = e->sop_from;
        x->slot = e->sop_slot;
        x->argj = e->sop_arg;
        if (t->n == 3 && (t->fast_op == FAST_EQUAL || t->fast_op == FAST_NEQ)) {
            x->fast_op = t->fast_op; /* equal or neq: computed in place */
            return prep_fargs(p, x);
        }
        return 0;
    }
}

/* Jump code being built (prep_jcode).  A fail or to field not known yet
 * holds a sentinel (negative, one per definition or call) patched when its
 * target is emitted. */
struct jb {
    struct jins v[JC_MAX];
    size_t n;
    int nany;
    int sent;
    bool ok;
};

/* Whether flat function fc can run as jump code (struct jcode). */
static bool jc_able(const struct fcode *fc)
{
    if (!fc->fixed || !fc->fn->all_same_const || fc->fn->dflt)
        return false;
    for (size_t i = 0; i < fc->ndefs; i++)
        for (size_t k = 0; k < fc->defs[i].n; k++)
            if (fc->defs[i].ins[k].op == FI_ANY && !fc->defs[i].ins[k].fast_op)
                return false;
    return true;
}

static int jb_emit(struct jb *b, struct jins j)
{
    if (b->n == JC_MAX) {
        b->ok = false;
        return 0;
    }
    b->v[b->n] = j;
    return (int)b->n++;
}

/* Instructions from..: sentinel s becomes target. */
static void jb_patch(struct jb *b, size_t from, int s, int target)
{
    for (size_t i = from; i < b->n; i++) {
        if (b->v[i].fail == s)
            b->v[i].fail = target;
        if (b->v[i].to == s)
            b->v[i].to = target;
    }
}

/* Emits the definitions of fc on frame region base: for an inlined call x
 * J_CALL first, J_DEFOK after each definition and J_NONE last (the call
 * failing to fail); for the function itself (x NULL) J_RET and J_UNDEF. */
static void jb_fn(struct jb *b, const struct fcode *fc, const struct finst *x, int base, int fail,
                  int depth)
{
    size_t start = b->n;
    int cbase = base, to = -2 - b->sent++;
    if (x) {
        jb_emit(b, (struct jins){.op = J_CALL, .base = base, .fail = fail, .to = to, .x = x});
        cbase = base + x->delta;
    }
    for (size_t i = 0; i < fc->ndefs && b->ok; i++) {
        const struct fdef *d = &fc->defs[i];
        size_t dstart = b->n;
        int next = -2 - b->sent++, cur = next;
        for (size_t k = 0; k < d->n && b->ok; k++) {
            const struct finst *y = &d->ins[k];
            if (y->op == FI_CALL && depth < 8 && jc_able(y->callee)) {
                jb_fn(b, y->callee, y, cbase, cur, depth + 1);
            } else if (y->op == FI_ANY) {
                if (b->nany == JC_MAX_ANY) {
                    b->ok = false;
                    return;
                }
                uint8_t id = (uint8_t)b->nany++;
                jb_emit(b, (struct jins){.op = J_ANY, .any = id, .base = cbase, .fail = cur,
                                         .to = 0, .x = y});
                cur = jb_emit(b, (struct jins){.op = J_NEXT, .any = id, .base = cbase,
                                               .fail = cur, .to = 0, .x = y});
            } else {
                uint8_t op = y->op == FI_FAST  ? (y->nargs == 1 ? J_IS : J_CMP)
                             : y->op == FI_BIND ? J_BIND
                             : y->op == FI_SOME ? J_SOME
                                                : J_OP;
                jb_emit(b, (struct jins){.op = op, .base = cbase, .fail = cur, .to = 0, .x = y});
            }
        }
        if (x) {
            bool truthy = !(d->val->type == V_BOOL && !d->val->u.b);
            jb_emit(b, (struct jins){.op = J_DEFOK, .pass = truthy != x->neg, .base = base,
                                     .fail = fail, .to = to, .x = x});
        } else {
            jb_emit(b, (struct jins){.op = J_RET, .base = base, .fail = 0, .to = 0,
                                     .val = d->val});
        }
        jb_patch(b, dstart, next, (int)b->n);
    }
    if (x)
        jb_emit(b, (struct jins){.op = J_NONE, .base = base, .fail = fail, .to = to, .x = x});
    else
        jb_emit(b, (struct jins){.op = J_UNDEF, .base = base, .fail = 0, .to = 0});
    jb_patch(b, start, to, (int)b->n);
}

/* fc->jcode when fc can run as jump code. */
static int prep_jcode(struct prep *p, struct fcode *fc)
{
    if (!jc_able(fc))
        return 0;
    struct jb *b = calloc(1, sizeof(*b));
    if (!b)
        return -1;
    b->ok = true;
    jb_fn(b, fc, NULL, 0, 0, 0);
    for (size_t i = 0; b->ok && i < b->n; i++)
        b->ok = b->v[i].fail >= 0 && b->v[i].to >= 0; /* every target patched */
    int rc = 0;
    if (b->ok) {
        struct jcode *jc = arena_zalloc(p->a, sizeof(*jc));
        struct jins *ins = jc ? arena_memdup(p->a, b->v, b->n * sizeof(b->v[0])) : NULL;
        if (!ins) {
            rc = -1;
        } else {
            for (size_t i = 0; i < b->n; i++) {
                ins[i].failp = ins + ins[i].fail;
                ins[i].top = ins + ins[i].to;
            }
            jc->ins = ins;
            jc->n = b->n;
            jc->nany = b->nany;
            fc->jcode = jc;
        }
    }
    free(b);
    return rc;
}

/* n->fcode of an all_static function (after prep_all_static everywhere):
 * the functions its definitions call first, to inline the small ones. */
static int prep_fcode(struct prep *p, struct rnode *n, int depth)
{
    if (!n || !n->all_static || n->fcode || depth > 16)
        return 0;
    size_t nd = 0;
    for (size_t i = 0; i < n->nfuncs; i++)
        for (const struct rule *r = n->funcs[i]; r; r = r->els)
            nd++;
    struct fcode *fc = arena_zalloc(p->a, sizeof(*fc));
    struct fdef *defs = arena_zalloc(p->a, nd * sizeof(*defs));
    if (!fc || !defs)
        return -1;
    fc->fn = n;
    fc->defs = defs;
    fc->fixed = true;
    for (size_t i = 0; i < n->nfuncs; i++) {
        for (const struct rule *r = n->funcs[i]; r; r = r->els) {
            struct fdef *d = &defs[fc->ndefs++];
            const struct body *b = r->body;
            d->r = r;
            d->val = r->value ? r->value->val : v_bool(true);
            d->last = !r->els;
            d->n = b->n;
            if (b->n && !(d->ins = arena_zalloc(p->a, b->n * sizeof(*d->ins))))
                return -1;
            for (size_t k = 0; k < r->nargs; k++)
                fc->fixed = fc->fixed && r->args[k]->slot == (int)k;
            int need = r->nslots;
            for (size_t k = 0; k < b->n; k++)
                TRY(prep_finst(p, fc, r, b->e[k], &d->ins[k], &need, depth));
            if (fc->nregs < need)
                fc->nregs = need;
        }
    }
    n->fcode = fc;
    return prep_jcode(p, fc);
}

/* e->flat: a call of a function with flat code in an every_calls body. */
static int prep_every_flat(struct prep *p, struct expr *e)
{
    struct term *t = e->a;
    if (!t->fn || !t->fn->fcode || t->call_id || t->n < 2 ||
        t->fn->fcode->defs[0].r->nargs != t->n - 1)
        return 0;
    struct finst *x = arena_zalloc(p->a, sizeof(*x));
    if (!x)
        return -1;
    x->op = FI_CALL;
    x->loc = &e->loc;
    x->neg = e->neg;
    x->t = t;
    x->callee = t->fn->fcode;
    TRY(prep_fargs(p, x));
    e->flat = x;
    return 0;
}

bool reval_static_paths = true;

int reval_prepare(struct rego_compiled *c)
{
    c->static_paths = reval_static_paths;
    struct prep *p = malloc(sizeof(*p));
    if (!p)
        return -1;
    p->c = c;
    p->a = &c->arena;
    p->every = NULL;
    p->nevery = p->every_cap = 0;
    int rc = 0;
    for (size_t i = 0; i < c->nmods && rc == 0; i++)
        for (size_t k = 0; k < c->mods[i]->nrules && rc == 0; k++)
            rc = prep_rule(p, c->mods[i]->rules[k]);
    for (size_t i = 0; i < c->nmods && rc == 0; i++)
        for (size_t k = 0; k < c->mods[i]->nrules; k++)
            if (c->static_paths)
                prep_all_static(c->mods[i]->rules[k]->node);
    for (size_t i = 0; i < c->nmods && rc == 0; i++)
        for (size_t k = 0; k < c->mods[i]->nrules && rc == 0; k++)
            rc = prep_fcode(p, c->mods[i]->rules[k]->node, 0);
    for (size_t i = 0; i < p->nevery && rc == 0; i++)
        rc = prep_every_flat(p, p->every[i]);
    free(p->every);
    free(p);
    return rc;
}
