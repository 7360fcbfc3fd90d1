/* compiler.c - from parsed modules to an evaluable policy.
 *
 * Steps, as OPA's compiler orders them where it matters:
 *   1. the rule tree: every rule filed under data.<package>.<constant head
 *      prefix>, with the rest of its head as keys; then every conflict
 *      (OPA's checkRuleConflicts: kinds, arities, defaults, rules inside a
 *      ground rule, rules that are packages);
 *   2. per rule (and per query): scopes and variable slots; declarations
 *      checked (OPA's rewriteDeclaredVar); names resolved to locals,
 *      input/data, imports and rules of the package; calls resolved to user
 *      functions, built-ins or host built-ins (every undefined one and
 *      arity mismatch reported); constants folded;
 *   3. safety: head variables the body never mentions (checkSafetyRuleHeads);
 *      each body reordered so every expression runs once the variables it
 *      needs are bound (OPA's reorderBodyForSafety: always the first ready
 *      expression as written, negations binding nothing); heads checked;
 *      closures reordered with the variables safe where they run; every
 *      unsafe variable reported (safetyErrorSlice);
 *   4. recursion between rules is an error (rego_recursion_error), one per
 *      rule on a cycle.
 * Errors are recorded with their OPA stage; the earliest stage's are kept,
 * in OPA's order, at most 10 (cerr_flush). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "rego/rego_int.h"
#include "rego/typecheck.h"

/* An index over an array of names (position + 1 per hash slot), built
 * once the array is long enough for linear search to cost (a body with
 * 20,000 variables took 24 s to compile). */
struct name_index {
    uint32_t *ix;
    size_t cap;
};

enum { NAME_INDEX_FROM = 16 };

struct scope {
    struct scope *parent;
    const char **names;
    int *slots;
    size_t n, cap;
    struct name_index nix;
    struct body *closure; /* set when this scope is a closure/every body */
    const char **pending; /* names that `:=` in this body declares later */
    size_t npending, pcap;
    struct name_index pix;
};

/* What OPA's checkRuleConflicts looks at in one rule-tree node's rules
 * (node.Values), gathered while they are filed. */
struct node_rules {
    struct rule *first, *last;
    struct rule **dflts; /* default rules (heap) */
    size_t ndflt, dcap;
    int arity;           /* -1: none yet */
    bool single, multi, arity_clash, kind_clash, ground;
    size_t complete, partial;
};

/* node_get's hash table of (parent, name) -> node (see node_get) */
struct node_index {
    struct rnode **slot;
    size_t cap, n;
};

struct cctx {
    struct rego_compiled *c;
    struct arena *a;
    struct module *m;  /* NULL for a query */
    struct rnode *pkg; /* package node, NULL for a query */
    int nslots;
    struct rego_err *err;
    bool failed;
    struct rtc_errors *all; /* every error, for rcomp_modules_all (or NULL) */
    const char *details;    /* detail lines of the next cfail (OPA's Details) */
    const struct term *stmt_call; /* the call an expression consists of */
    /* Errors found so far with the OPA stage of each (cerr_flush keeps the
     * earliest stage's); any_failed: a rule failed, later ones are still
     * checked; in_head: head safety is being checked. */
    struct rtc_errors pend;
    struct node_index nodes; /* node_get's lookup while rules are filed */
    uint8_t *pend_stage;
    struct rloc *pend_rule; /* per error: the rule being compiled (rule_loc) */
    size_t pend_rcap;
    struct rloc rule_loc;
    size_t pend_cap;
    bool any_failed, in_head, in_conflicts;
    /* soft_only: the rule failed only with errors after which OPA goes on
     * checking it (undefined functions, arity, `assigned above`);
     * soft_pending: the last -1 was such an error (take_soft) */
    bool soft_only, soft_pending;
    size_t safety_work; /* bytes of safe sets copied trying expressions */
    const struct expr *cur_expr; /* the expression being placed (error locations) */
    struct node_rules *nr; /* per node id, while rules are filed */
    size_t nrcap;
};

/* OPA's compiler stages (Compiler.stages) that report errors, in order:
 * OPA stops after the first stage that reported any. */
enum cstage { ST_REWRITE = 1, ST_CONFLICTS, ST_FUNCS, ST_HEADS, ST_BODIES, ST_LATER };

static uint8_t stage_of(const struct cctx *cx, const char *code, const char *msg)
{
    if (cx->in_conflicts)
        return ST_CONFLICTS;
    if (strcmp(code, "rego_unsafe_var_error") == 0)
        return cx->in_head ? ST_HEADS : ST_BODIES;
    if (strcmp(code, "rego_type_error") == 0 &&
        (strncmp(msg, "undefined function", 18) == 0 || strstr(msg, "arity") != NULL))
        return ST_FUNCS;
    if (strcmp(code, "rego_recursion_error") == 0)
        return ST_LATER;
    return ST_REWRITE;
}

/* Records one error: the first goes to cx->err at once. */
static void cerr_record(struct cctx *cx, const char *code, struct rloc loc, const char *msg)
{
    if (cx->pend.n == 0)
        rego_err_set(cx->err, code, loc, "%s", msg);
    if (cx->pend.n == cx->pend_cap) {
        size_t nc = cx->pend_cap ? cx->pend_cap * 2 : 8;
        uint8_t *ns = realloc(cx->pend_stage, nc);
        if (!ns) {
            cx->err->code[0] = '\0'; /* out of memory */
            return;
        }
        cx->pend_stage = ns;
        cx->pend_cap = nc;
    }
    if (cx->pend_rcap < cx->pend_cap) {
        struct rloc *nr = realloc(cx->pend_rule, cx->pend_cap * sizeof(*nr));
        if (!nr) {
            cx->err->code[0] = '\0'; /* out of memory */
            return;
        }
        cx->pend_rule = nr;
        cx->pend_rcap = cx->pend_cap;
    }
    if (rtc_errors_add(&cx->pend, code, msg, cx->details, &loc) < 0) {
        cx->err->code[0] = '\0'; /* out of memory */
        return;
    }
    cx->pend_stage[cx->pend.n - 1] = stage_of(cx, code, msg);
    cx->pend_rule[cx->pend.n - 1] = cx->rule_loc;
}

/* Drops the errors recorded after the first n (a speculative attempt). */
static void cerr_truncate(struct cctx *cx, size_t n)
{
    struct rtc_errors tail = {.v = cx->pend.v + n, .n = cx->pend.n - n};
    for (size_t i = 0; i < tail.n; i++) {
        free(tail.v[i].msg);
        free(tail.v[i].details);
        free(tail.v[i].file);
    }
    cx->pend.n = n;
}

static int cfail(struct cctx *cx, const char *code, struct rloc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int cfail(struct cctx *cx, const char *code, struct rloc loc, const char *fmt, ...)
{
    if (cx->failed && !cx->soft_only)
        return -1;
    cx->failed = true;
    cx->soft_only = false;
    char msg[560];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cerr_record(cx, code, loc, msg);
    return -1;
}

/* An error after which the rule is still checked for more of its kind
 * (OPA's checkUndefinedFuncs and rewriteLocalVars report each): the
 * caller that can go on calls take_soft; the rule fails at the end of
 * its resolution. */
static int cfail_soft(struct cctx *cx, const char *code, struct rloc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int cfail_soft(struct cctx *cx, const char *code, struct rloc loc, const char *fmt, ...)
{
    if (cx->failed && !cx->soft_only)
        return -1;
    char msg[560];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cerr_record(cx, code, loc, msg);
    cx->failed = true;
    cx->soft_only = true;
    cx->soft_pending = true;
    return -1;
}

static bool take_soft(struct cctx *cx)
{
    bool soft = cx->soft_pending && cx->soft_only && cx->err->code[0];
    cx->soft_pending = false;
    return soft;
}

/* A further error of the same step (OPA reports every unsafe variable). */
static void cerr_more(struct cctx *cx, const char *code, struct rloc loc, const char *msg)
{
    if (!cx->failed)
        cfail(cx, code, loc, "%s", msg);
    else
        cerr_record(cx, code, loc, msg);
}

static int cmp_rloc_of(const struct rloc *a, const struct rloc *b)
{
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c)
        return c;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

static int cmp_rtc_loc(const struct rtc_error *a, const struct rtc_error *b)
{
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c)
        return c;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

/* Order of two errors of one stage as OPA emits them: undefined
 * functions rule by rule (modules by file, rules as written), within a
 * rule as the calls are checked (nested calls first: OPA rewrites them into
 * expressions before the outer one); conflicts and recursion in rule-tree
 * order as found; the rest by location. */
static int cmp_pending(const struct cctx *cx, uint8_t stage, size_t a, size_t b)
{
    if (stage == ST_LATER || stage == ST_CONFLICTS)
        return 0;
    if (stage == ST_FUNCS)
        return cmp_rloc_of(&cx->pend_rule[a], &cx->pend_rule[b]);
    return cmp_rtc_loc(&cx->pend.v[a], &cx->pend.v[b]);
}

/* The errors of the earliest stage that failed, in OPA's order
 * (cmp_pending, stable), at most RTC_MAX_ERRORS and then OPA's "error
 * limit reached", into cx->all; the first also into cx->err. */
static void cerr_flush(struct cctx *cx)
{
    struct rtc_errors *p = &cx->pend;
    uint8_t min = 255;
    for (size_t i = 0; i < p->n; i++)
        min = cx->pend_stage[i] < min ? cx->pend_stage[i] : min;
    size_t *order = malloc((p->n + 1) * sizeof(*order));
    size_t kept = 0;
    for (size_t i = 0; i < p->n && order; i++) {
        if (cx->pend_stage[i] != min)
            continue;
        size_t at = kept++;
        while (at > 0 && cmp_pending(cx, min, order[at - 1], i) > 0) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    if (!order)
        cx->err->code[0] = '\0'; /* out of memory */
    if (kept && cx->err->code[0]) {
        const struct rtc_error *e = &p->v[order[0]];
        struct rloc loc = {e->file ? arena_strdup(cx->a, e->file) : NULL, e->row, e->col};
        rego_err_set(cx->err, e->code, loc, "%s", e->msg);
    }
    for (size_t i = 0; i < kept && cx->all; i++) {
        const struct rtc_error *e = &p->v[order[i]];
        struct rloc loc = {e->file, e->row, e->col};
        bool over = i == RTC_MAX_ERRORS;
        if (over ? rtc_errors_add(cx->all, "rego_compile_error", "error limit reached", NULL,
                                  NULL) < 0
                 : rtc_errors_add(cx->all, e->code, e->msg, e->details, &loc) < 0)
            cx->err->code[0] = '\0'; /* out of memory */
        if (over)
            break;
    }
    free(order);
    rtc_errors_free(p);
    free(cx->pend_stage);
    free(cx->pend_rule);
    cx->pend_stage = NULL;
    cx->pend_rule = NULL;
    cx->pend_cap = cx->pend_rcap = 0;
}

/* ---------------------------------------------------------------- tree */

struct rnode *rcomp_node_child(const struct rnode *n, const char *name, size_t len)
{
    if (!n)
        return NULL;
    size_t lo = 0, hi = n->nkids;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct value *k = n->kids[mid]->key;
        size_t kl = k->u.str.len, m = kl < len ? kl : len;
        int c = memcmp(k->u.str.s, name, m);
        if (c == 0)
            c = kl < len ? -1 : kl > len ? 1 : 0;
        if (c == 0)
            return n->kids[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* While rules are filed, children are found through one hash table of
 * (parent, name) and appended unsorted; node_sort_kids then orders every
 * node's children once for rcomp_node_child (inserting in order cost
 * O(children) per rule: minutes for a 100,000-rule package). */
static uint64_t node_hash(const struct rnode *parent, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)parent;
    for (size_t k = 0; k < len; k++)
        h = (h ^ (uint8_t)s[k]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static bool node_is(const struct rnode *k, const struct rnode *parent, const struct value *key)
{
    return k->parent == parent && k->key->u.str.len == key->u.str.len &&
           memcmp(k->key->u.str.s, key->u.str.s, key->u.str.len) == 0;
}

static struct rnode **node_index_find(struct node_index *ix, const struct rnode *parent,
                                      const struct value *key)
{
    size_t mask = ix->cap - 1;
    size_t at = (size_t)node_hash(parent, key->u.str.s, key->u.str.len) & mask;
    while (ix->slot[at] && !node_is(ix->slot[at], parent, key))
        at = (at + 1) & mask;
    return &ix->slot[at];
}

static int node_index_grow(struct node_index *ix)
{
    size_t nc = ix->cap ? ix->cap * 2 : 256;
    struct rnode **ns = calloc(nc, sizeof(*ns));
    if (!ns)
        return -1;
    struct node_index bigger = {ns, nc, 0};
    for (size_t k = 0; k < ix->cap; k++)
        if (ix->slot[k])
            *node_index_find(&bigger, ix->slot[k]->parent, ix->slot[k]->key) = ix->slot[k];
    bigger.n = ix->n;
    free(ix->slot);
    *ix = bigger;
    return 0;
}

static struct rnode *node_get(struct cctx *cx, struct rnode *n, const struct value *key)
{
    struct node_index *ix = &cx->nodes;
    if ((ix->n + 1) * 2 > ix->cap && node_index_grow(ix) < 0)
        return NULL;
    struct rnode **at = node_index_find(ix, n, key);
    if (*at)
        return *at;
    if (n->nkids == n->kcap) {
        size_t nc = n->kcap ? n->kcap * 2 : 4;
        struct rnode **nk = arena_alloc(cx->a, nc * sizeof(*nk));
        if (!nk)
            return NULL;
        if (n->nkids)
            memcpy(nk, n->kids, n->nkids * sizeof(*nk));
        n->kids = nk;
        n->kcap = nc;
    }
    struct rnode *k = arena_zalloc(cx->a, sizeof(*k));
    if (!k)
        return NULL;
    k->key = (struct value *)key;
    k->parent = n;
    k->id = cx->c->nnodes++;
    k->path = arena_sprintf(cx->a, "%s.%s", n->path, key->u.str.s);
    if (!k->path)
        return NULL;
    n->kids[n->nkids++] = k;
    *at = k;
    ix->n++;
    return k;
}

static int cmp_kids(const void *x, const void *y)
{
    const struct rnode *a = *(const struct rnode *const *)x, *b = *(const struct rnode *const *)y;
    return value_compare(a->key, b->key);
}

static void node_sort_kids(struct rnode *n)
{
    if (n->nkids > 1)
        qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_kids);
    for (size_t k = 0; k < n->nkids; k++)
        node_sort_kids(n->kids[k]);
}

static int push_rule(struct cctx *cx, struct rule ***arr, size_t *n, size_t *cap, struct rule *r)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        struct rule **na = arena_alloc(cx->a, nc * sizeof(*na));
        if (!na)
            return -1;
        if (*n)
            memcpy(na, *arr, *n * sizeof(*na));
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = r;
    return 0;
}

static bool is_const_string(const struct term *t)
{
    return t->kind == TM_SCALAR && v_is(t->val, V_STRING);
}

/* ------------------------------------------------------ rule conflicts */

static struct node_rules *node_rules_of(struct cctx *cx, const struct rnode *n)
{
    if ((size_t)n->id >= cx->nrcap) {
        size_t nc = cx->nrcap ? cx->nrcap : 64;
        while (nc <= (size_t)n->id)
            nc *= 2;
        struct node_rules *nx = realloc(cx->nr, nc * sizeof(*nx));
        if (!nx)
            return NULL;
        memset(nx + cx->nrcap, 0, (nc - cx->nrcap) * sizeof(*nx));
        cx->nr = nx;
        cx->nrcap = nc;
    }
    return &cx->nr[n->id];
}

static void node_rules_free(struct cctx *cx)
{
    for (size_t k = 0; k < cx->nrcap; k++)
        free(cx->nr[k].dflts);
    free(cx->nr);
    cx->nr = NULL;
    cx->nrcap = 0;
}

/* A head operand without variables (OPA's Ref.IsGround; a reference or
 * call becomes a variable in OPA's rewriting). */
static bool key_ground(const struct term *t)
{
    if (t->kind == TM_VAR || t->kind == TM_REF || t->kind == TM_CALL || t->body)
        return false;
    for (size_t k = 0; k < t->n; k++)
        if (!key_ground(t->a[k]))
            return false;
    return true;
}

static int note_rule(struct node_rules *x, struct rule *r)
{
    if (!x->first) {
        x->first = r;
        x->arity = -1;
    }
    x->last = r;
    bool ground = true;
    for (size_t k = 0; k < r->nkeys; k++)
        ground = ground && key_ground(r->keys[k]);
    x->ground = x->ground || ground;
    int arity = r->is_func ? (int)r->nargs : 0;
    if (x->arity >= 0 && x->arity != arity)
        x->arity_clash = true;
    x->arity = arity;
    x->multi = x->multi || r->is_multi;
    x->single = x->single || !r->is_multi;
    if (!r->is_multi && ground)
        x->complete++;
    else
        x->partial++;
    if (r->is_default) {
        struct rule **nd = vec_grow(x->dflts, &x->dcap, x->ndflt, sizeof(*nd), 2);
        if (!nd)
            return -1;
        x->dflts = nd;
        x->dflts[x->ndflt++] = r;
    }
    return 0;
}

/* Rule r's full reference as OPA prints it: the node's path, then the
 * head operands after it. */
static void rule_ref_str(struct buf *b, const struct rnode *n, const struct rule *r)
{
    buf_puts(b, n->path);
    for (size_t k = 0; k < r->nkeys; k++) {
        const struct term *t = r->keys[k];
        buf_putc(b, '[');
        if (t->kind == TM_VAR && t->name)
            buf_puts(b, t->name);
        else if (t->kind == TM_SCALAR && t->val)
            json_print(b, t->val, JSON_COMPACT);
        else
            buf_puts(b, "...");
        buf_putc(b, ']');
    }
}

/* OPA's Location.String() of a rule: "file:row". */
static void loc_str(struct buf *b, struct rloc loc)
{
    if (loc.file && loc.file[0])
        buf_printf(b, "%s:%d", loc.file, loc.row);
    else
        buf_printf(b, "%d:%d", loc.row, loc.col);
}

/* The `package` keyword of module m (OPA's Package.Location). */
static struct rloc package_loc(const struct module *m)
{
    struct rloc loc = m->pkg ? m->pkg->loc : (struct rloc){m->file, 1, 1};
    if (!m->pkg || !m->text)
        return loc;
    size_t at = m->pkg->off;
    while (at > 0 && (m->text[at - 1] == ' ' || m->text[at - 1] == '\t'))
        at--;
    if (at >= 7 && memcmp(m->text + at - 7, "package", 7) == 0 &&
        (size_t)loc.col > m->pkg->off - (at - 7))
        loc.col -= (int)(m->pkg->off - (at - 7));
    return loc;
}

static bool subtree_has_rules(const struct rnode *n)
{
    if (n->nrules || n->nfuncs || n->dflt)
        return true;
    for (size_t k = 0; k < n->nkids; k++)
        if (subtree_has_rules(n->kids[k]))
            return true;
    return false;
}

/* OPA's TreeNode.flattenChildren: the references of the rules below n. */
static void rules_below(struct cctx *cx, const struct rnode *n, struct buf *b, bool *first)
{
    const struct node_rules *x = (size_t)n->id < cx->nrcap ? &cx->nr[n->id] : NULL;
    if (x && x->last) {
        if (!*first)
            buf_putc(b, ' ');
        *first = false;
        rule_ref_str(b, n, x->last);
    }
    for (size_t k = 0; k < n->nkids; k++)
        rules_below(cx, n->kids[k], b, first);
}

static void conflict_error(struct cctx *cx, struct rloc loc, struct buf *msg)
{
    cerr_more(cx, "rego_type_error", loc, buf_cstr(msg));
    buf_free(msg);
}

/* OPA's checkRuleConflicts over the rule tree (depth first, children in
 * key order): one error per node, the first of: a rule with a ground
 * reference and rules below it; rules of different kinds, arities, or
 * complete and partial; several default rules. */
static void check_node_conflicts(struct cctx *cx, const struct rnode *n)
{
    const struct node_rules *x = (size_t)n->id < cx->nrcap ? &cx->nr[n->id] : NULL;
    if (x && x->first) {
        struct buf msg = BUF_INIT;
        bool below = false;
        for (size_t k = 0; k < n->nkids && x->ground && !below; k++)
            below = subtree_has_rules(n->kids[k]);
        if (below) {
            buf_puts(&msg, "rule ");
            rule_ref_str(&msg, n, x->last);
            buf_puts(&msg, " conflicts with [");
            bool first = true;
            for (size_t k = 0; k < n->nkids; k++)
                rules_below(cx, n->kids[k], &msg, &first);
            buf_putc(&msg, ']');
            conflict_error(cx, x->first->loc, &msg);
        } else if ((x->single && x->multi) || x->arity_clash || (x->complete && x->partial) ||
                   x->kind_clash) {
            buf_puts(&msg, "conflicting rules ");
            rule_ref_str(&msg, n, x->last);
            buf_puts(&msg, " found");
            conflict_error(cx, x->first->loc, &msg);
        } else if (x->ndflt > 1) {
            buf_puts(&msg, "multiple default rules ");
            rule_ref_str(&msg, n, x->last);
            buf_puts(&msg, " found at ");
            for (size_t k = 0; k < x->ndflt; k++) {
                if (k)
                    buf_puts(&msg, ", ");
                loc_str(&msg, x->dflts[k]->loc);
            }
            conflict_error(cx, package_loc(x->dflts[0]->mod), &msg);
        }
    }
    for (size_t k = 0; k < n->nkids; k++)
        check_node_conflicts(cx, n->kids[k]);
}

static int cmp_pkg_path(const struct module *a, const struct module *b)
{
    for (size_t k = 0; k < a->pkg_len && k < b->pkg_len; k++) {
        int c = value_compare(a->pkg_path[k], b->pkg_path[k]);
        if (c)
            return c;
    }
    return a->pkg_len < b->pkg_len ? -1 : a->pkg_len > b->pkg_len;
}

static struct rnode *package_node(struct cctx *cx, const struct module *m)
{
    struct rnode *n = cx->c->root;
    for (size_t k = 0; k < m->pkg_len && n; k++)
        n = rcomp_node_child(n, m->pkg_path[k]->u.str.s, m->pkg_path[k]->u.str.len);
    return n;
}

/* OPA's module-tree check: a rule whose whole (ground) reference is the
 * package of another module, once per such module, at the rule's
 * package. */
static void check_package_conflicts(struct cctx *cx, struct module *m, struct module **mods,
                                    struct rnode **pkgs, size_t nmods)
{
    struct rnode *mine = package_node(cx, m);
    for (size_t k = 0; k < m->nrules && mine; k++) {
        struct rule *r = m->rules[k];
        if (!r->node || r->nkeys || !r->node->is_pkg)
            continue;
        for (size_t j = 0; j < nmods; j++) {
            if (mods[j] == m || pkgs[j] != r->node)
                continue;
            struct buf msg = BUF_INIT;
            buf_printf(&msg, "package %s conflicts with rule %s defined at ",
                       pkgs[j]->path + strlen("data."), r->node->path + strlen(mine->path) + 1);
            loc_str(&msg, r->loc);
            conflict_error(cx, package_loc(m), &msg);
        }
    }
}

/* OPA's checkRuleConflicts: every conflict of the rule tree, then every
 * rule that is also a package; -1 when there was any. */
static int check_conflicts(struct cctx *cx, struct rego_compiled *c)
{
    struct module **mods = malloc((c->nmods + 1) * sizeof(*mods));
    struct rnode **pkgs = malloc((c->nmods + 1) * sizeof(*pkgs));
    if (!mods || !pkgs) {
        free(mods);
        free(pkgs);
        return -1;
    }
    if (c->nmods)
        memcpy(mods, c->mods, c->nmods * sizeof(*mods));
    for (size_t k = 1; k < c->nmods; k++) { /* by package, stable */
        struct module *m = mods[k];
        size_t at = k;
        for (; at > 0 && cmp_pkg_path(mods[at - 1], m) > 0; at--)
            mods[at] = mods[at - 1];
        mods[at] = m;
    }
    for (size_t k = 0; k < c->nmods; k++)
        pkgs[k] = package_node(cx, mods[k]);
    cx->in_conflicts = true;
    check_node_conflicts(cx, c->root);
    for (size_t k = 0; k < c->nmods; k++)
        check_package_conflicts(cx, mods[k], mods, pkgs, c->nmods);
    cx->in_conflicts = false;
    free(mods);
    free(pkgs);
    node_rules_free(cx);
    return cx->failed ? -1 : 0;
}

/* Files rule r: node = package + constant string prefix of its head. */
static int file_rule(struct cctx *cx, struct module *m, struct rule *r)
{
    struct rnode *n = cx->c->root;
    for (size_t k = 0; k < m->pkg_len; k++)
        if (!(n = node_get(cx, n, m->pkg_path[k])))
            return -1;
    n->is_pkg = true;
    struct term *ref = r->ref;
    struct term *head = ref->kind == TM_REF ? ref->a[0] : ref;
    if (head->kind != TM_VAR)
        return cfail(cx, "rego_parse_error", r->loc, "invalid rule head");
    struct value *hk = v_cstr(cx->a, head->name);
    if (!hk || !(n = node_get(cx, n, hk)))
        return -1;
    n->rule_head = true;
    size_t nops = ref->kind == TM_REF ? ref->n - 1 : 0;
    size_t k = 0;
    /* a constant string last operand of a single-value rule is part of
     * the path; so is every string operand before the first non-string */
    while (k < nops && is_const_string(ref->a[k + 1])) {
        if (!(n = node_get(cx, n, ref->a[k + 1]->val)))
            return -1;
        k++;
    }
    r->node = n;
    r->nkeys = nops - k;
    r->keys = r->nkeys ? ref->a + 1 + k : NULL;
    if (r->is_func && r->nkeys)
        return cfail(cx, "rego_parse_error", r->loc, "function name must be a constant path");
    int kind = r->is_func ? NK_FUNC : r->nkeys ? NK_KEYED : r->is_multi ? NK_MULTI : NK_COMPLETE;
    struct node_rules *x = node_rules_of(cx, n);
    if (!x || note_rule(x, r) < 0)
        return -1;
    if (r->is_default) {
        if (n->dflt)
            return 0; /* checked with the node (check_conflicts) */
        n->dflt = r;
        if (n->kind == NK_NONE)
            n->kind = kind;
        else if (n->kind != kind)
            x->kind_clash = true;
        return 0;
    }
    if (n->kind != NK_NONE && n->kind != kind &&
        !(n->kind == NK_KEYED && kind == NK_MULTI) && !(n->kind == NK_MULTI && kind == NK_KEYED)) {
        x->kind_clash = true;
        return 0;
    }
    if (n->kind == NK_NONE || n->kind == NK_MULTI)
        n->kind = kind;
    if (kind == NK_FUNC)
        return push_rule(cx, &n->funcs, &n->nfuncs, &n->fcap, r);
    return push_rule(cx, &n->rules, &n->nrules, &n->rcap, r);
}

static void mark_has_rules(struct rnode *n)
{
    for (size_t k = 0; k < n->nkids; k++) {
        mark_has_rules(n->kids[k]);
        if (n->kids[k]->has_rules_below)
            n->has_rules_below = true;
    }
    if (n->nrules || n->nfuncs || n->dflt || n->is_pkg)
        n->has_rules_below = true;
}

/* --------------------------------------------------------------- scopes */

static struct scope *scope_new(struct cctx *cx, struct scope *parent, struct body *closure)
{
    struct scope *s = arena_zalloc(cx->a, sizeof(*s));
    if (s) {
        s->parent = parent;
        s->closure = closure;
    }
    return s;
}

static uint64_t name_hash(const char *name)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *name; name++)
        h = (h ^ (uint8_t)*name) * 1099511628211ULL;
    return h ^ (h >> 31);
}

/* Position of name in names[0..n), or -1. */
static long name_find(const struct name_index *x, const char *const *names, size_t n,
                      const char *name)
{
    if (!x->ix) {
        for (size_t k = 0; k < n; k++)
            if (strcmp(names[k], name) == 0)
                return (long)k;
        return -1;
    }
    size_t mask = x->cap - 1;
    for (size_t at = (size_t)name_hash(name) & mask; x->ix[at]; at = (at + 1) & mask)
        if (strcmp(names[x->ix[at] - 1], name) == 0)
            return (long)x->ix[at] - 1;
    return -1;
}

static void name_put(struct name_index *x, const char *const *names, size_t k)
{
    size_t mask = x->cap - 1, at = (size_t)name_hash(names[k]) & mask;
    while (x->ix[at])
        at = (at + 1) & mask;
    x->ix[at] = (uint32_t)(k + 1);
}

/* After names[n - 1] was appended: index it (a = NULL: heap memory). */
static int name_added(struct arena *a, struct name_index *x, const char *const *names, size_t n)
{
    if (n < NAME_INDEX_FROM || n >= UINT32_MAX)
        return 0;
    if (x->ix && n * 2 <= x->cap) {
        name_put(x, names, n - 1);
        return 0;
    }
    size_t nc = x->cap ? x->cap * 2 : 64;
    while (nc < n * 2)
        nc *= 2;
    uint32_t *ix = a ? arena_zalloc(a, nc * sizeof(*ix)) : calloc(nc, sizeof(*ix));
    if (!ix)
        return -1;
    if (!a)
        free(x->ix);
    x->ix = ix;
    x->cap = nc;
    for (size_t k = 0; k < n; k++)
        name_put(x, names, k);
    return 0;
}

static int scope_find_local(const struct scope *s, const char *name)
{
    long k = name_find(&s->nix, s->names, s->n, name);
    return k < 0 ? SLOT_NONE : s->slots[k];
}

static int scope_declare(struct cctx *cx, struct scope *s, const char *name)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        const char **nn = arena_alloc(cx->a, nc * sizeof(*nn));
        int *ns = arena_alloc(cx->a, nc * sizeof(*ns));
        if (!nn || !ns)
            return SLOT_NONE;
        if (s->n) {
            memcpy(nn, s->names, s->n * sizeof(*nn));
            memcpy(ns, s->slots, s->n * sizeof(*ns));
        }
        s->names = nn;
        s->slots = ns;
        s->cap = nc;
    }
    s->names[s->n] = name;
    s->slots[s->n] = cx->nslots++;
    s->n++;
    if (name_added(cx->a, &s->nix, s->names, s->n) < 0)
        return SLOT_NONE;
    return s->slots[s->n - 1];
}

static int body_add_cap(struct cctx *cx, struct body *b, struct term *t)
{
    for (size_t k = 0; k < b->ncaps; k++)
        if (b->caps[k]->slot == t->slot)
            return 0;
    if (b->ncaps == b->capcap) {
        size_t nc = b->capcap ? b->capcap * 2 : 4;
        struct term **nv = arena_alloc(cx->a, nc * sizeof(*nv));
        if (!nv)
            return -1;
        if (b->ncaps)
            memcpy(nv, b->caps, b->ncaps * sizeof(*nv));
        b->caps = nv;
        b->capcap = nc;
    }
    b->caps[b->ncaps++] = t;
    return 0;
}

/* Finds name in the scope chain; records captures for closures crossed. */
static int scope_lookup(struct cctx *cx, struct scope *s, struct term *t)
{
    struct scope *crossed[64];
    size_t nc = 0;
    for (struct scope *x = s; x; x = x->parent) {
        int slot = scope_find_local(x, t->name);
        if (slot != SLOT_NONE) {
            t->slot = slot;
            for (size_t k = 0; k < nc; k++)
                if (body_add_cap(cx, crossed[k]->closure, t) < 0)
                    return SLOT_NONE;
            return slot;
        }
        if (x->closure && nc < 64)
            crossed[nc++] = x;
        else if (x->closure)
            x->closure->caps_partial = true;
    }
    return SLOT_NONE;
}

static bool scope_has(const struct scope *s, const char *name)
{
    for (; s; s = s->parent)
        if (scope_find_local(s, name) != SLOT_NONE)
            return true;
    return false;
}

/* The import binding name; of several (v0 allows it), the last, as OPA's
 * getGlobals. */
static const struct import *find_import(const struct cctx *cx, const char *name)
{
    if (!cx->m)
        return NULL;
    for (size_t k = cx->m->nimports; k-- > 0;) {
        const struct import *im = &cx->m->imports[k];
        const char *alias = im->alias;
        if (!alias) {
            const struct term *p = im->path;
            if (p->kind == TM_VAR)
                alias = p->name;
            else if (is_const_string(p->a[p->n - 1]))
                alias = p->a[p->n - 1]->val->u.str.s;
            else
                continue;
        }
        if (strcmp(alias, name) == 0)
            return im;
    }
    return NULL;
}

static bool is_rule_name(const struct cctx *cx, const char *name)
{
    if (!cx->pkg)
        return false;
    struct rnode *k = rcomp_node_child(cx->pkg, name, strlen(name));
    return k && k->rule_head;
}

static bool is_global_name(const struct cctx *cx, const char *name)
{
    return strcmp(name, "input") == 0 || strcmp(name, "data") == 0 || find_import(cx, name) ||
           is_rule_name(cx, name);
}

/* ------------------------------------------------------- term building */

static struct term *mk_term(struct cctx *cx, enum term_kind k, struct rloc loc)
{
    struct term *t = arena_zalloc(cx->a, sizeof(*t));
    if (t) {
        t->kind = (uint8_t)k;
        t->loc = loc;
        t->slot = SLOT_NONE;
    }
    return t;
}

static struct term *mk_string(struct cctx *cx, struct value *v, struct rloc loc)
{
    struct term *t = mk_term(cx, TM_SCALAR, loc);
    if (t) {
        t->val = v;
        t->flags = TF_CONST | TF_SIMPLE;
    }
    return t;
}

static struct term *clone_term(struct cctx *cx, const struct term *t);

static struct body *clone_body(struct cctx *cx, const struct body *b);

static struct expr *clone_expr(struct cctx *cx, const struct expr *e)
{
    struct expr *x = arena_alloc(cx->a, sizeof(*x));
    if (!x)
        return NULL;
    *x = *e;
    x->a = e->a ? clone_term(cx, e->a) : NULL;
    x->b = e->b ? clone_term(cx, e->b) : NULL;
    x->c = e->c ? clone_term(cx, e->c) : NULL;
    x->body = e->body ? clone_body(cx, e->body) : NULL;
    if (e->nvars) {
        x->vars = arena_alloc(cx->a, e->nvars * sizeof(*x->vars));
        for (size_t k = 0; x->vars && k < e->nvars; k++)
            x->vars[k] = clone_term(cx, e->vars[k]);
    }
    if (e->nwith) {
        x->with = arena_alloc(cx->a, e->nwith * sizeof(*x->with));
        for (size_t k = 0; x->with && k < e->nwith; k++) {
            x->with[k] = e->with[k];
            x->with[k].target = clone_term(cx, e->with[k].target);
            x->with[k].value = clone_term(cx, e->with[k].value);
        }
    }
    return x;
}

static struct body *clone_body(struct cctx *cx, const struct body *b)
{
    struct body *x = arena_zalloc(cx->a, sizeof(*x));
    if (!x)
        return NULL;
    x->n = b->n;
    x->e = arena_alloc(cx->a, (b->n + 1) * sizeof(*x->e));
    for (size_t k = 0; x->e && k < b->n; k++)
        x->e[k] = clone_expr(cx, b->e[k]);
    return x;
}

static struct term *clone_term(struct cctx *cx, const struct term *t)
{
    struct term *x = arena_alloc(cx->a, sizeof(*x));
    if (!x)
        return NULL;
    *x = *t;
    if (t->n) {
        x->a = arena_alloc(cx->a, t->n * sizeof(*x->a));
        for (size_t k = 0; x->a && k < t->n; k++)
            x->a[k] = clone_term(cx, t->a[k]);
    }
    if (t->key)
        x->key = clone_term(cx, t->key);
    if (t->head)
        x->head = clone_term(cx, t->head);
    if (t->body)
        x->body = clone_body(cx, t->body);
    return x;
}

/* Turns t into the data reference data.<pkg...>.<name>. */
static int make_data_ref(struct cctx *cx, struct term *t, struct value *const *pkg, size_t plen,
                         struct term *const *rest, size_t nrest)
{
    struct term *root = mk_term(cx, TM_VAR, t->loc);
    struct term **a = arena_alloc(cx->a, (1 + plen + nrest) * sizeof(*a));
    if (!root || !a)
        return -1;
    root->name = "data";
    root->slot = SLOT_DATA;
    a[0] = root;
    for (size_t k = 0; k < plen; k++)
        if (!(a[1 + k] = mk_string(cx, pkg[k], t->loc)))
            return -1;
    for (size_t k = 0; k < nrest; k++)
        a[1 + plen + k] = rest[k];
    t->kind = TM_REF;
    t->a = a;
    t->n = 1 + plen + nrest;
    t->flags = 0;
    return 0;
}

/* t (var or ref with var head `name`) names a rule of the package or an
 * import: rewrite to the full reference. 1 rewritten, 0 not global. */
static int rewrite_global_head(struct cctx *cx, struct term *t, struct term *head)
{
    struct term *const *rest = t->kind == TM_REF ? t->a + 1 : NULL;
    size_t nrest = t->kind == TM_REF ? t->n - 1 : 0;
    if (strcmp(head->name, "input") == 0) {
        head->slot = SLOT_INPUT;
        return 1;
    }
    if (strcmp(head->name, "data") == 0) {
        head->slot = SLOT_DATA;
        return 1;
    }
    const struct import *im = find_import(cx, head->name);
    if (im) {
        struct term *p = clone_term(cx, im->path);
        if (!p)
            return -1;
        struct term *ph = p->kind == TM_REF ? p->a[0] : p;
        ph->slot = strcmp(ph->name, "input") == 0 ? SLOT_INPUT : SLOT_DATA;
        size_t pn = p->kind == TM_REF ? p->n : 1;
        struct term **a = arena_alloc(cx->a, (pn + nrest) * sizeof(*a));
        if (!a)
            return -1;
        if (p->kind == TM_REF)
            memcpy(a, p->a, pn * sizeof(*a));
        else
            a[0] = p;
        for (size_t k = 0; k < nrest; k++)
            a[pn + k] = rest[k];
        for (size_t k = 0; k < pn; k++)
            if (k > 0)
                a[k]->loc = t->loc;
        if (pn + nrest == 1) {
            *t = *a[0];
        } else {
            t->kind = TM_REF;
            t->a = a;
            t->n = pn + nrest;
        }
        return 1;
    }
    if (is_rule_name(cx, head->name)) {
        struct term **r2 = arena_alloc(cx->a, (nrest + 1) * sizeof(*r2));
        struct term *nm = mk_string(cx, v_cstr(cx->a, head->name), head->loc);
        if (!r2 || !nm)
            return -1;
        r2[0] = nm;
        for (size_t k = 0; k < nrest; k++)
            r2[1 + k] = rest[k];
        TRY(make_data_ref(cx, t, cx->m->pkg_path, cx->m->pkg_len, r2, nrest + 1));
        return 1;
    }
    return 0;
}

/* --------------------------------------------------- declare / collect */

static int collect_term(struct cctx *cx, struct scope *s, struct term *t);

static bool is_pending(const struct scope *s, const char *name)
{
    return name_find(&s->pix, s->pending, s->npending, name) >= 0;
}

static int add_pending(struct cctx *cx, struct scope *s, struct term *t)
{
    if (t->kind == TM_VAR) {
        if (t->wildcard || is_pending(s, t->name))
            return 0;
        if (s->npending == s->pcap) {
            size_t nc = s->pcap ? s->pcap * 2 : 4;
            const char **np = arena_alloc(cx->a, nc * sizeof(*np));
            if (!np)
                return -1;
            if (s->npending)
                memcpy(np, s->pending, s->npending * sizeof(*np));
            s->pending = np;
            s->pcap = nc;
        }
        s->pending[s->npending++] = t->name;
        return name_added(cx->a, &s->pix, s->pending, s->npending);
    }
    if (t->kind == TM_ARRAY)
        for (size_t k = 0; k < t->n; k++)
            TRY(add_pending(cx, s, t->a[k]));
    if (t->kind == TM_OBJECT)
        for (size_t k = 1; k < t->n; k += 2)
            TRY(add_pending(cx, s, t->a[k]));
    return 0;
}

static int collect_var(struct cctx *cx, struct scope *s, struct term *t)
{
    if (t->wildcard || scope_has(s, t->name) || is_global_name(cx, t->name) ||
        is_pending(s, t->name))
        return 0;
    return scope_declare(cx, s, t->name) == SLOT_NONE ? -1 : 0;
}

static int collect_term(struct cctx *cx, struct scope *s, struct term *t)
{
    switch (t->kind) {
    case TM_VAR:
        return collect_var(cx, s, t);
    case TM_REF:
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        for (size_t k = 0; k < t->n; k++)
            TRY(collect_term(cx, s, t->a[k]));
        return 0;
    case TM_CALL:
        for (size_t k = 1; k < t->n; k++)
            TRY(collect_term(cx, s, t->a[k]));
        return 0;
    default:
        return 0;
    }
}

static int declare_pattern(struct cctx *cx, struct scope *s, struct term *t, bool assign)
{
    switch (t->kind) {
    case TM_VAR:
        if (t->wildcard)
            return 0;
        if (assign && scope_find_local(s, t->name) != SLOT_NONE) {
            cfail_soft(cx, "rego_compile_error", t->loc, "var %s assigned above", t->name);
            return take_soft(cx) ? 0 : -1;
        }
        if (assign && (strcmp(t->name, "input") == 0 || strcmp(t->name, "data") == 0))
            return cfail(cx, "rego_compile_error", t->loc,
                         "variables must not shadow %s (use a different variable name)",
                         t->name);
        return scope_declare(cx, s, t->name) == SLOT_NONE ? -1 : 0;
    case TM_ARRAY:
        for (size_t k = 0; k < t->n; k++)
            TRY(declare_pattern(cx, s, t->a[k], assign));
        return 0;
    case TM_OBJECT:
        for (size_t k = 1; k < t->n; k += 2)
            TRY(declare_pattern(cx, s, t->a[k], assign));
        return 0;
    default:
        return 0;
    }
}

static char *dotted_name(struct cctx *cx, const struct term *f);

/* A var or reference naming a built-in or a function of the package (a
 * `with` replacement), not a variable. */
static bool names_function(struct cctx *cx, const struct term *t)
{
    const struct term *h = t->kind == TM_REF ? t->a[0] : t;
    if (h->kind != TM_VAR || (t->kind != TM_VAR && t->kind != TM_REF))
        return false;
    for (size_t k = 1; t->kind == TM_REF && k < t->n; k++)
        if (!is_const_string(t->a[k]))
            return false;
    char *name = dotted_name(cx, t);
    int hi;
    if (!name)
        return false;
    if (rego_builtin_lookup(name, strlen(name)) || rego_host_lookup(name, &hi))
        return true;
    if (cx->pkg && is_rule_name(cx, h->name)) {
        struct rnode *n = rcomp_node_child(cx->pkg, h->name, strlen(h->name));
        for (size_t k = 1; n && t->kind == TM_REF && k < t->n; k++)
            n = rcomp_node_child(n, t->a[k]->val->u.str.s, t->a[k]->val->u.str.len);
        return n && n->kind == NK_FUNC;
    }
    return false;
}

/* OPA's rewriteLocalVars occurrences of a name in one body (scope):
 * what a `some` or `:=` declaring it finds. */
enum { OCC_NONE, OCC_ARG, OCC_SEEN, OCC_DECLARED, OCC_ASSIGNED };

struct occ_map {
    const char **name;
    uint8_t *kind;
    size_t n, cap;
    struct name_index ix; /* heap */
};

static uint8_t occ_get(const struct occ_map *m, const char *name)
{
    long k = name_find(&m->ix, m->name, m->n, name);
    return k < 0 ? OCC_NONE : m->kind[k];
}

static int occ_put(struct occ_map *m, const char *name, uint8_t kind)
{
    if (occ_get(m, name) != OCC_NONE)
        return 0; /* the first occurrence stands */
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        const char **nn = realloc(m->name, nc * sizeof(*nn));
        if (!nn)
            return -1;
        m->name = nn;
        uint8_t *nk = realloc(m->kind, nc);
        if (!nk)
            return -1;
        m->kind = nk;
        m->cap = nc;
    }
    m->name[m->n] = name;
    m->kind[m->n++] = kind;
    return name_added(NULL, &m->ix, m->name, m->n);
}

/* Variables referenced by t outside closures (rule and import names are
 * references by then in OPA, unless the body declares them). */
static int occ_seen(struct cctx *cx, struct scope *s, struct occ_map *m, const struct term *t)
{
    if (t->kind == TM_VAR && !t->wildcard && t->name &&
        !(is_global_name(cx, t->name) && !is_pending(s, t->name)))
        return occ_put(m, t->name, OCC_SEEN);
    if (t->kind == TM_ARRAYC || t->kind == TM_SETC || t->kind == TM_OBJC)
        return 0;
    for (size_t k = t->kind == TM_CALL ? 1 : 0; k < t->n; k++)
        TRY(occ_seen(cx, s, m, t->a[k]));
    return 0;
}

static const char *const occ_what[] = {"", "arg %s redeclared", "var %s referenced above",
                                       "var %s declared above", "var %s assigned above"};

/* A `some` or `:=` declaring the variables of pattern t: an error if the
 * body used or declared one above (`:=` after `:=` is resolve_expr's). */
static int occ_declare(struct cctx *cx, struct occ_map *m, const struct term *t, uint8_t kind,
                       bool *bad)
{
    if (t->kind == TM_VAR) {
        if (t->wildcard || !t->name)
            return 0;
        uint8_t was = occ_get(m, t->name);
        if (was != OCC_NONE && !(kind == OCC_ASSIGNED && was == OCC_ASSIGNED)) {
            char msg[300];
            snprintf(msg, sizeof(msg), occ_what[was], t->name);
            cfail_soft(cx, "rego_compile_error", t->loc, "%s", msg);
            if (!take_soft(cx))
                return -1;
            *bad = true;
            return 0;
        }
        return occ_put(m, t->name, kind);
    }
    for (size_t k = t->kind == TM_OBJECT ? 1 : 0; k < t->n; k += t->kind == TM_OBJECT ? 2 : 1)
        if (t->kind == TM_ARRAY || t->kind == TM_OBJECT)
            TRY(occ_declare(cx, m, t->a[k], kind, bad));
    return 0;
}

static int check_declarations_in(struct cctx *cx, struct scope *s, struct body *b,
                                 struct occ_map *m, bool *bad)
{
    for (size_t k = 0; k < s->n; k++) /* arguments (every's key and value) */
        TRY(occ_put(m, s->names[k], OCC_ARG));
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        if (e->kind == EX_SOME) {
            for (size_t k = 0; k < e->nvars; k++)
                TRY(occ_declare(cx, m, e->vars[k], OCC_DECLARED, bad));
        } else if (e->kind == EX_SOMEIN) {
            TRY(occ_seen(cx, s, m, e->c));
            if (e->a)
                TRY(occ_declare(cx, m, e->a, OCC_DECLARED, bad));
            TRY(occ_declare(cx, m, e->b, OCC_DECLARED, bad));
        } else if (e->kind == EX_ASSIGN) {
            TRY(occ_seen(cx, s, m, e->b));
            TRY(occ_declare(cx, m, e->a, OCC_ASSIGNED, bad));
        } else {
            const struct term *ts[3] = {e->a, e->b, e->kind == EX_EVERY ? e->c : NULL};
            for (int k = 0; k < 3; k++)
                if (ts[k] && !(e->kind == EX_EVERY && k < 2))
                    TRY(occ_seen(cx, s, m, ts[k]));
        }
        for (size_t k = 0; k < e->nwith; k++)
            if (e->with[k].value)
                TRY(occ_seen(cx, s, m, e->with[k].value));
    }
    return 0;
}

/* OPA's rewriteLocalVars errors for declarations: `some x` or `x := ...`
 * after x was used (`referenced above`), declared (`declared above`) or
 * assigned (`assigned above`) in the same body, or names an argument
 * (`arg x redeclared`); each reported, then the body fails. */
static int check_declarations(struct cctx *cx, struct scope *s, struct body *b)
{
    bool has_decl = false;
    for (size_t i = 0; i < b->n && !has_decl; i++)
        has_decl = b->e[i]->kind == EX_SOME || b->e[i]->kind == EX_SOMEIN ||
                   b->e[i]->kind == EX_ASSIGN;
    if (!has_decl)
        return 0;
    struct occ_map m = {0};
    bool bad = false;
    int rc = check_declarations_in(cx, s, b, &m, &bad);
    free(m.name);
    free(m.kind);
    free(m.ix.ix);
    return rc < 0 || bad ? -1 : 0;
}

/* Declarations (some, :=, some-in) then every other plain variable. */
static int declare_body(struct cctx *cx, struct scope *s, struct body *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i]->kind == EX_ASSIGN)
            TRY(add_pending(cx, s, b->e[i]->a));
    TRY(check_declarations(cx, s, b));
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        e->index = (int)i;
        if (e->kind == EX_SOME) {
            for (size_t k = 0; k < e->nvars; k++)
                if (!e->vars[k]->wildcard && scope_find_local(s, e->vars[k]->name) == SLOT_NONE)
                    if (scope_declare(cx, s, e->vars[k]->name) == SLOT_NONE)
                        return -1;
        } else if (e->kind == EX_SOMEIN) {
            if (e->a)
                TRY(declare_pattern(cx, s, e->a, false));
            TRY(declare_pattern(cx, s, e->b, false));
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        if (e->kind == EX_TERM || e->kind == EX_UNIFY || e->kind == EX_ASSIGN) {
            /* `:=` declares its variables where it stands (resolve_expr) */
            if (e->kind != EX_ASSIGN)
                TRY(collect_term(cx, s, e->a));
            if (e->b)
                TRY(collect_term(cx, s, e->b));
        } else if (e->kind == EX_SOMEIN) {
            if (e->a)
                TRY(collect_term(cx, s, e->a));
            TRY(collect_term(cx, s, e->b));
            TRY(collect_term(cx, s, e->c));
        } else if (e->kind == EX_EVERY) {
            TRY(collect_term(cx, s, e->c));
        }
        for (size_t k = 0; k < e->nwith; k++)
            if (!names_function(cx, e->with[k].value))
                TRY(collect_term(cx, s, e->with[k].value));
    }
    return 0;
}

/* ------------------------------------------------------------ resolve */

static int resolve_term(struct cctx *cx, struct scope *s, struct term *t);
static int resolve_body(struct cctx *cx, struct scope *s, struct body *b);

static char *dotted_name(struct cctx *cx, const struct term *f)
{
    if (f->kind == TM_VAR)
        return arena_strdup(cx->a, f->name);
    struct buf b = BUF_INIT;
    if (f->a[0]->kind == TM_VAR)
        buf_puts(&b, f->a[0]->name);
    for (size_t k = 1; k < f->n; k++) {
        buf_putc(&b, '.');
        if (is_const_string(f->a[k]))
            buf_append(&b, f->a[k]->val->u.str.s, f->a[k]->val->u.str.len);
    }
    char *s = arena_strdup(cx->a, buf_cstr(&b));
    buf_free(&b);
    return s;
}

/* Node of a data reference whose operands are all constant strings. */
static struct rnode *const_ref_node(struct cctx *cx, const struct term *r)
{
    struct rnode *n = cx->c->root;
    for (size_t k = 1; k < r->n && n; k++) {
        if (!is_const_string(r->a[k]))
            return NULL;
        n = rcomp_node_child(n, r->a[k]->val->u.str.s, r->a[k]->val->u.str.len);
    }
    return n;
}

struct fn_target {
    struct rnode *fn;
    const struct rego_builtin *bi;
    int host;
    const char *name;
    size_t arity;
    bool variadic;
};

/* Resolves a function name term (var or ref) without changing it. */
static int resolve_fn(struct cctx *cx, struct scope *s, const struct term *f,
                      struct fn_target *out)
{
    memset(out, 0, sizeof(*out));
    const struct term *head = f->kind == TM_REF ? f->a[0] : f;
    if (head->kind != TM_VAR)
        return cfail(cx, "rego_type_error", f->loc, "invalid function name");
    struct term *tmp = clone_term(cx, f);
    if (!tmp)
        return -1;
    struct term *th = tmp->kind == TM_REF ? tmp->a[0] : tmp;
    int g = 0;
    if (!scope_has(s, head->name) && strcmp(head->name, "input") != 0)
        g = rewrite_global_head(cx, tmp, th);
    if (g < 0)
        return -1;
    if (g == 1 && tmp->kind == TM_REF && tmp->a[0]->slot == SLOT_DATA) {
        struct rnode *n = const_ref_node(cx, tmp);
        out->name = dotted_name(cx, tmp);
        if (n && (n->nfuncs || (n->dflt && n->dflt->is_func))) {
            out->fn = n;
            out->arity = n->nfuncs ? n->funcs[0]->nargs : n->dflt->nargs;
            return 0;
        }
        if (strcmp(head->name, "data") == 0 || n)
            return cfail_soft(cx, "rego_type_error", f->loc, "undefined function %s", out->name);
    }
    char *name = dotted_name(cx, f);
    if (!name)
        return -1;
    out->name = name;
    int hi;
    const struct host_builtin *h = rego_host_lookup(name, &hi);
    if (h) {
        out->host = hi + 1;
        out->arity = h->arity;
        return 0;
    }
    const struct rego_builtin *bi = rego_builtin_lookup(name, strlen(name));
    bool v1 = cx->m ? cx->m->v1 : cx->c->ver != REGO_V0;
    if (bi && v1 && (bi->flags & BI_DEPRECATED) && cx->m && cx->m->compat_v1)
        /* v0 with rego.v1: OPA's checkDeprecatedBuiltins (v1: undefined) */
        return cfail_soft(cx, "rego_type_error", f->loc,
                          "deprecated built-in function calls in expression: %s", name);
    if (bi && !(v1 && (bi->flags & BI_DEPRECATED))) {
        out->bi = bi;
        out->arity = (size_t)bi->arity;
        out->variadic = (bi->flags & BI_VARIADIC) != 0;
        return 0;
    }
    return cfail_soft(cx, "rego_type_error", f->loc, "undefined function %s", name);
}

/* OPA's arityMismatchError: built-ins with their declaration, functions
 * by arity.  A nested call gets an output operand in OPA, so it must have
 * exactly the arity. */
static int arity_error(struct cctx *cx, const struct term *t, const struct fn_target *ft,
                       bool nested)
{
    size_t act = t->n - 1;
    if (ft->fn)
        return cfail_soft(cx, "rego_type_error", t->loc,
                          "function %s has arity %zu, got %zu argument%s", ft->name, ft->arity,
                          act, act == 1 ? "" : "s");
    const char *decl = ft->bi ? rtc_builtin_decl(ft->bi->name) : NULL;
    if (ft->bi && !decl)
        decl = ft->bi->decl;
    char *details = decl ? rtc_arity_details(t, decl, nested) : NULL;
    cx->details = details;
    int rc = cfail_soft(cx, "rego_type_error", t->loc, "%s: arity mismatch", ft->name);
    cx->details = NULL;
    free(details);
    return rc;
}

static int resolve_call(struct cctx *cx, struct scope *s, struct term *t)
{
    struct fn_target ft;
    bool nested = t != cx->stmt_call;
    /* calls in the arguments first: OPA checks them as expressions of
     * their own, placed before this one */
    for (size_t k = 1; k < t->n; k++)
        TRY(resolve_term(cx, s, t->a[k]));
    if (resolve_fn(cx, s, t->a[0], &ft) < 0)
        return take_soft(cx) ? 0 : -1;
    size_t nargs = t->n - 1;
    if ((!ft.variadic && nargs != ft.arity && (nested || nargs != ft.arity + 1)) ||
        (ft.variadic && nargs < ft.arity))
        return arity_error(cx, t, &ft, nested) < 0 && take_soft(cx) ? 0 : -1;
    t->call_out = !ft.variadic && nargs == ft.arity + 1;
    t->bi = ft.bi;
    t->fn = ft.fn;
    t->host = ft.host;
    t->fn_name = ft.name;
    return 0;
}

static int resolve_closure(struct cctx *cx, struct scope *s, struct term *t)
{
    struct scope *cs = scope_new(cx, s, t->body);
    if (!cs)
        return -1;
    if (cx->m && cx->c->nmemo < INT32_MAX)
        t->memo_id = ++cx->c->nmemo; /* queries are compiled against a const policy */
    TRY(declare_body(cx, cs, t->body));
    TRY(resolve_body(cx, cs, t->body));
    if (t->key)
        TRY(collect_term(cx, cs, t->key));
    TRY(collect_term(cx, cs, t->head));
    if (t->key)
        TRY(resolve_term(cx, cs, t->key));
    return resolve_term(cx, cs, t->head);
}

static int resolve_var(struct cctx *cx, struct scope *s, struct term *t)
{
    if (t->wildcard) {
        t->slot = cx->nslots++;
        return 0;
    }
    if (scope_lookup(cx, s, t) != SLOT_NONE)
        return 0;
    int g = rewrite_global_head(cx, t, t);
    if (g < 0)
        return -1;
    if (g == 0)
        return cfail(cx, "rego_compile_error", t->loc, "var %s is undeclared", t->name);
    if (t->kind == TM_REF)
        for (size_t k = 1; k < t->n; k++)
            TRY(resolve_term(cx, s, t->a[k]));
    return 0;
}

static int resolve_term(struct cctx *cx, struct scope *s, struct term *t)
{
    switch (t->kind) {
    case TM_SCALAR:
        return 0;
    case TM_VAR:
        return resolve_var(cx, s, t);
    case TM_REF: {
        struct term *h = t->a[0];
        if (h->kind == TM_VAR && !h->wildcard && scope_lookup(cx, s, h) == SLOT_NONE) {
            int g = rewrite_global_head(cx, t, h);
            if (g < 0)
                return -1;
            if (g == 0)
                return cfail(cx, "rego_compile_error", h->loc, "var %s is undeclared", h->name);
        } else {
            TRY(resolve_term(cx, s, t->a[0]));
        }
        for (size_t k = 1; k < t->n; k++)
            TRY(resolve_term(cx, s, t->a[k]));
        return 0;
    }
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        for (size_t k = 0; k < t->n; k++)
            TRY(resolve_term(cx, s, t->a[k]));
        return 0;
    case TM_CALL:
        return resolve_call(cx, s, t);
    case TM_TEMPLATE:
        for (size_t k = 0; k < t->n; k++)
            TRY(resolve_term(cx, s, t->a[k]));
        return 0;
    default:
        return resolve_closure(cx, s, t);
    }
}

static int resolve_with(struct cctx *cx, struct scope *s, struct with_mod *w)
{
    struct term *t = w->target;
    struct term *head = t->kind == TM_REF ? t->a[0] : t;
    if (head->kind != TM_VAR)
        return cfail(cx, "rego_compile_error", w->loc,
                     "with keyword target must reference existing input, data, or a function");
    bool is_in = strcmp(head->name, "input") == 0, is_data = strcmp(head->name, "data") == 0;
    if (is_in || is_data) {
        size_t n = t->kind == TM_REF ? t->n - 1 : 0;
        w->kind = is_in ? 0 : 1;
        w->path = arena_alloc(cx->a, (n + 1) * sizeof(*w->path));
        if (!w->path)
            return -1;
        for (size_t k = 0; k < n; k++) {
            if (!is_const_string(t->a[k + 1]))
                return cfail(cx, "rego_compile_error", w->loc,
                             "with keyword target must reference existing input, data, or a "
                             "function");
            w->path[k] = t->a[k + 1]->val;
        }
        w->plen = n;
        /* a target naming a function under data is a function mock */
        if (is_data && n) {
            struct rnode *fn = const_ref_node(cx, t);
            if (fn && fn->nfuncs) {
                w->kind = 2;
                w->fn_name = fn->path;
            }
        }
    } else {
        struct fn_target ft;
        TRY(resolve_fn(cx, s, t, &ft));
        w->kind = 2;
        w->fn_name = ft.name;
    }
    struct term *v = w->value;
    struct term *vh = v->kind == TM_REF ? v->a[0] : v;
    if (w->kind == 2 && vh->kind == TM_VAR && !scope_has(s, vh->name) &&
        strcmp(vh->name, "input") != 0 && (v->kind == TM_VAR || v->kind == TM_REF)) {
        struct fn_target ft;
        struct rego_err save = *cx->err;
        bool was = cx->failed, was_soft = cx->soft_only;
        size_t npend = cx->pend.n;
        if (resolve_fn(cx, s, v, &ft) == 0) {
            if (ft.fn || ft.bi || ft.host) {
                w->mock_fn = ft.fn;
                w->mock_bi = ft.bi;
                w->mock_host = ft.host;
                w->value = NULL;
                return 0;
            }
        }
        *cx->err = save;
        cx->failed = was;
        cx->soft_only = was_soft;
        cx->soft_pending = false;
        cerr_truncate(cx, npend);
    }
    return resolve_term(cx, s, w->value);
}

static int resolve_expr(struct cctx *cx, struct scope *s, struct expr *e)
{
    switch (e->kind) {
    case EX_SOME:
        for (size_t k = 0; k < e->nvars; k++)
            TRY(resolve_term(cx, s, e->vars[k]));
        break;
    case EX_EVERY: {
        TRY(resolve_term(cx, s, e->c));
        struct scope *es = scope_new(cx, s, e->body);
        if (!es)
            return -1;
        if (e->a)
            TRY(declare_pattern(cx, es, e->a, false));
        TRY(declare_pattern(cx, es, e->b, false));
        TRY(declare_body(cx, es, e->body));
        if (e->a)
            TRY(resolve_term(cx, es, e->a));
        TRY(resolve_term(cx, es, e->b));
        TRY(resolve_body(cx, es, e->body));
        break;
    }
    case EX_ASSIGN:
        TRY(resolve_term(cx, s, e->b));
        TRY(declare_pattern(cx, s, e->a, true));
        TRY(collect_term(cx, s, e->a));
        TRY(resolve_term(cx, s, e->a));
        break;
    default:
        cx->stmt_call = e->kind == EX_TERM && e->a && e->a->kind == TM_CALL ? e->a : NULL;
        if (e->a)
            TRY(resolve_term(cx, s, e->a));
        if (e->b)
            TRY(resolve_term(cx, s, e->b));
        if (e->c)
            TRY(resolve_term(cx, s, e->c));
    }
    for (size_t k = 0; k < e->nwith; k++)
        TRY(resolve_with(cx, s, &e->with[k]));
    return 0;
}

static int resolve_body(struct cctx *cx, struct scope *s, struct body *b)
{
    for (size_t i = 0; i < b->n; i++)
        TRY(resolve_expr(cx, s, b->e[i]));
    return 0;
}

/* --------------------------------------------------------------- fold */

static void fold_term(struct cctx *cx, struct term *t);

static void fold_body(struct cctx *cx, struct body *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        if (e->a)
            fold_term(cx, e->a);
        if (e->b)
            fold_term(cx, e->b);
        if (e->c)
            fold_term(cx, e->c);
        for (size_t k = 0; k < e->nvars; k++)
            fold_term(cx, e->vars[k]);
        if (e->body)
            fold_body(cx, e->body);
        for (size_t k = 0; k < e->nwith; k++)
            if (e->with[k].value)
                fold_term(cx, e->with[k].value);
    }
}


/* Whether data.<t's operands from k on> reads base data only once the rule
 * tree walk (as eval.c's walk_data does it) has consumed them: the walk
 * leaves the rule tree, or reaches a node with nothing below, before
 * meeting rules or functions. */
static size_t base_data_prefix(const struct rego_compiled *c, const struct term *t)
{
    const struct rnode *n = c->root;
    size_t k = 1;
    bool pure = false;
    for (; k < t->n && is_const_string(t->a[k]); k++) {
        if (!pure) {
            if (!n->has_rules_below) {
                pure = true;
            } else {
                if (n->nrules || n->dflt || n->nfuncs || n->kind == NK_FUNC)
                    return 0;
                n = rcomp_node_child(n, t->a[k]->val->u.str.s, t->a[k]->val->u.str.len);
                pure = n == NULL || !n->has_rules_below;
            }
        }
    }
    return pure ? k - 1 : 0;
}

/* Numbers references whose constant prefix eval.c may cache per evaluation:
 * rooted at input, or at data over base data only. */
static void set_prefix_cache(struct cctx *cx, struct term *t)
{
    if (!cx->m || cx->c->nprefix >= INT32_MAX || t->a[0]->kind != TM_VAR)
        return;
    size_t n = 0;
    if (t->a[0]->slot == SLOT_INPUT) {
        while (n + 1 < t->n && (t->a[n + 1]->flags & TF_CONST))
            n++;
    } else if (t->a[0]->slot == SLOT_DATA) {
        n = base_data_prefix(cx->c, t);
    }
    if (n == 0)
        return;
    t->prefix_n = n;
    t->prefix_id = ++cx->c->nprefix;
}

static void fold_term(struct cctx *cx, struct term *t)
{
    bool all_const = true, all_simple = true;
    for (size_t k = 0; k < t->n; k++) {
        fold_term(cx, t->a[k]);
        all_const = all_const && (t->a[k]->flags & TF_CONST);
        all_simple = all_simple && (t->a[k]->flags & TF_SIMPLE);
    }
    if (t->key)
        fold_term(cx, t->key);
    if (t->head)
        fold_term(cx, t->head);
    if (t->body)
        fold_body(cx, t->body);
    switch (t->kind) {
    case TM_SCALAR:
        t->flags = TF_CONST | TF_SIMPLE;
        return;
    case TM_VAR:
        t->flags = TF_SIMPLE;
        return;
    case TM_TEMPLATE:
        if (all_const) {
            struct buf b = BUF_INIT;
            for (size_t k = 0; k < t->n; k++)
                buf_append(&b, t->a[k]->val->u.str.s, t->a[k]->val->u.str.len);
            t->val = v_string(cx->a, b.data ? b.data : "", b.len);
            buf_free(&b);
            if (t->val)
                t->flags = TF_CONST;
        }
        return;
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
        t->flags = all_simple ? TF_SIMPLE : 0;
        if (!all_const)
            return;
        break;
    case TM_REF:
        if (t->a[0]->slot == SLOT_DATA) {
            /* stop at the first node with rules: rules above a node (ref
             * heads) may contribute to its document */
            struct rnode *n = cx->c->root;
            size_t k = 1;
            while (k < t->n && is_const_string(t->a[k]) && !n->nrules && !n->dflt) {
                struct rnode *kid =
                    rcomp_node_child(n, t->a[k]->val->u.str.s, t->a[k]->val->u.str.len);
                if (!kid)
                    break;
                n = kid;
                k++;
            }
            t->pre_node = n;
            t->pre_n = k - 1;
        }
        set_prefix_cache(cx, t);
        return;
    default:
        return;
    }
    struct value *v = NULL;
    if (t->kind == TM_ARRAY) {
        struct value **items = arena_alloc(cx->a, (t->n + 1) * sizeof(*items));
        if (!items)
            return;
        for (size_t k = 0; k < t->n; k++)
            items[k] = t->a[k]->val;
        v = v_array(cx->a, items, t->n);
    } else if (t->kind == TM_SET) {
        struct value **items = arena_alloc(cx->a, (t->n + 1) * sizeof(*items));
        if (!items)
            return;
        for (size_t k = 0; k < t->n; k++)
            items[k] = t->a[k]->val;
        v = v_set(cx->a, items, t->n);
    } else {
        size_t np = t->n / 2;
        struct value_pair *pairs = arena_alloc(cx->a, (np + 1) * sizeof(*pairs));
        if (!pairs)
            return;
        for (size_t k = 0; k < np; k++) {
            pairs[k].key = t->a[2 * k]->val;
            pairs[k].val = t->a[2 * k + 1]->val;
        }
        /* a repeated key: the last one wins (OPA's Object insert) */
        v = v_object(cx->a, pairs, np, DUP_LAST_WINS, NULL);
    }
    if (v) {
        t->val = v;
        t->flags |= TF_CONST;
    }
}

/* -------------------------------------------------------------- safety */

struct safety {
    struct cctx *cx;
    int nslots;
};

/* Scratch copies of a safe set live on the heap and are freed by the
 * caller (safety checks run often: the compile arena must not grow with
 * them). */
static uint8_t *safe_dup(struct cctx *cx, const uint8_t *safe)
{
    cx->safety_work += (size_t)cx->nslots + 64;
    uint8_t *d = malloc((size_t)cx->nslots + 1);
    if (d)
        memcpy(d, safe, (size_t)cx->nslots);
    else
        cfail(cx, "rego_compile_error", (struct rloc){0}, "out of memory");
    return d;
}

static bool is_safe(const uint8_t *safe, const struct term *t)
{
    return t->slot < 0 || safe[t->slot];
}

static int reorder_body(struct cctx *cx, struct body *b, uint8_t *safe);
static struct term *need_eval(struct cctx *cx, struct term *t, uint8_t *safe, bool final);

/* Marks variables bound by matching pattern t; returns a blocking var or
 * NULL.  Non-pattern parts (keys, refs, calls) must be evaluable. */
static struct term *bind_pattern(struct cctx *cx, struct term *t, uint8_t *safe, bool final)
{
    switch (t->kind) {
    case TM_VAR:
        if (t->slot >= 0)
            safe[t->slot] = 1;
        return NULL;
    case TM_ARRAY:
        for (size_t k = 0; k < t->n; k++) {
            struct term *r = bind_pattern(cx, t->a[k], safe, final);
            if (r)
                return r;
        }
        return NULL;
    case TM_OBJECT:
        for (size_t k = 0; k < t->n; k += 2) {
            struct term *r = need_eval(cx, t->a[k], safe, final);
            if (!r)
                r = bind_pattern(cx, t->a[k + 1], safe, final);
            if (r)
                return r;
        }
        return NULL;
    default:
        return need_eval(cx, t, safe, final);
    }
}

static struct term *closure_needs(struct cctx *cx, struct body *b, uint8_t *safe)
{
    for (size_t k = 0; k < b->ncaps; k++)
        if (!is_safe(safe, b->caps[k]))
            return b->caps[k];
    return NULL;
}

/* OPA's Vars(SafetyCheckVisitorParams) of a body: the variables outside
 * closures, function names left out. */
static void flat_term_vars(const struct term *t, uint8_t *mark, int nslots)
{
    if (t->kind == TM_VAR && t->slot >= 0 && t->slot < nslots)
        mark[t->slot] = 1;
    if (t->kind == TM_ARRAYC || t->kind == TM_SETC || t->kind == TM_OBJC)
        return;
    for (size_t k = t->kind == TM_CALL ? 1 : 0; k < t->n; k++)
        flat_term_vars(t->a[k], mark, nslots);
}

static void flat_body_vars(const struct body *b, uint8_t *mark, int nslots)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct expr *e = b->e[i];
        const struct term *ts[3] = {e->a, e->b, e->c};
        for (int k = 0; k < 3; k++)
            if (ts[k])
                flat_term_vars(ts[k], mark, nslots);
        for (size_t k = 0; k < e->nwith; k++)
            if (e->with[k].value)
                flat_term_vars(e->with[k].value, mark, nslots);
    }
}

static void head_var_check(struct cctx *cx, const struct term *t, uint8_t *seen, bool *bad)
{
    if (t->kind == TM_VAR && t->slot >= 0 && t->slot < cx->nslots && !seen[t->slot]) {
        seen[t->slot] = 1;
        if (t->name && !t->wildcard) {
            char msg[300];
            snprintf(msg, sizeof(msg), "var %s is unsafe", t->name);
            cerr_more(cx, "rego_unsafe_var_error", cx->cur_expr ? cx->cur_expr->loc : t->loc,
                      msg);
        }
        *bad = true;
    }
    for (size_t k = t->kind == TM_CALL ? 1 : 0; k < t->n; k++)
        head_var_check(cx, t->a[k], seen, bad);
}

/* OPA's reorderComprehensionSafety: a variable of a comprehension's head
 * that the body never mentions (outside closures) and that is not safe
 * where the comprehension runs is unsafe, whatever the body's own errors.
 * Returns whether there was one. */
static bool head_vars_outside_body(struct cctx *cx, const struct term *t, const uint8_t *safe)
{
    uint8_t *seen = safe_dup(cx, safe);
    if (!seen)
        return true;
    flat_body_vars(t->body, seen, cx->nslots);
    bool bad = false;
    if (t->key)
        head_var_check(cx, t->key, seen, &bad);
    if (t->head)
        head_var_check(cx, t->head, seen, &bad);
    free(seen);
    return bad;
}

static struct term *need_eval(struct cctx *cx, struct term *t, uint8_t *safe, bool final)
{
    struct term *r;
    switch (t->kind) {
    case TM_SCALAR:
        return NULL;
    case TM_VAR:
        return is_safe(safe, t) ? NULL : t;
    case TM_REF:
        if ((r = need_eval(cx, t->a[0], safe, final)))
            return r;
        for (size_t k = 1; k < t->n; k++) {
            struct term *op = t->a[k];
            if (op->kind == TM_VAR || op->kind == TM_ARRAY || op->kind == TM_OBJECT)
                r = bind_pattern(cx, op, safe, final);
            else
                r = need_eval(cx, op, safe, final);
            if (r)
                return r;
        }
        return NULL;
    case TM_CALL: {
        /* references in arguments run first and may bind variables that
         * other arguments use (OPA pulls them out before the call) */
        uint8_t done[64] = {0};
        struct term *blocker[64] = {0}; /* what stopped each try last */
        unsigned tried_at[64] = {0};    /* bindings generation + 1 of that try */
        unsigned gen = 0;               /* bumped whenever an argument binds */
        size_t n = t->n < 64 ? t->n : 64, left = n - 1;
        bool progress = true, first_pass = true;
        while (left && progress) {
            if (!first_pass && final)
                t->call_ooo = true;
            first_pass = false;
            progress = false;
            for (size_t k = 1; k < n; k++) {
                /* blocked before and nothing bound since: still blocked
                 * (trying again doubled the work per nesting level) */
                if (done[k] || tried_at[k] == gen + 1)
                    continue;
                tried_at[k] = gen + 1;
                /* Try the argument on a copy.  Outside the final pass the
                 * try is the evaluation: keep its bindings instead of
                 * analysing the argument again, which made nested calls
                 * (1+1+...+1) cost 2^depth. */
                uint8_t *tmp = safe_dup(cx, safe);
                blocker[k] = tmp ? need_eval(cx, t->a[k], tmp, false) : NULL;
                bool blocked = !tmp || blocker[k];
                /* an argument that binds nothing cannot unblock another:
                 * those are not tried again (that doubled the work per
                 * level of `x - 1 - 1 - ...` with x unsafe) */
                bool bound = !blocked && memcmp(safe, tmp, (size_t)cx->nslots) != 0;
                if (!blocked && !final)
                    memcpy(safe, tmp, (size_t)cx->nslots);
                free(tmp);
                if (blocked)
                    continue;
                if (final)
                    need_eval(cx, t->a[k], safe, final);
                done[k] = 1;
                left--;
                progress = true;
                if (bound)
                    gen++;
            }
        }
        /* The last pass tried every argument left against the current
         * bindings: outside the final pass its answer stands (analysing
         * the argument again made v0-v1-...-vN cost 2^N). */
        for (size_t k = 1; k < t->n; k++) {
            if (k < 64 && done[k])
                continue;
            r = !final && k < 64 && blocker[k] ? blocker[k] : need_eval(cx, t->a[k], safe, final);
            if (r)
                return r;
        }
        return NULL;
    }
    case TM_ARRAY:
    case TM_SET:
    case TM_OBJECT:
    case TM_TEMPLATE:
        for (size_t k = 0; k < t->n; k++)
            if ((r = need_eval(cx, t->a[k], safe, final)))
                return r;
        return NULL;
    default: /* comprehensions */
        if ((r = closure_needs(cx, t->body, safe)))
            return r;
        if (final) {
            uint8_t *cs = safe_dup(cx, safe);
            if (!cs)
                return NULL;
            int rc = reorder_body(cx, t->body, cs);
            if (head_vars_outside_body(cx, t, safe) || rc < 0) {
                free(cs);
                return NULL;
            }
            struct term *h = t->key ? need_eval(cx, t->key, cs, true) : NULL;
            if (!h)
                h = need_eval(cx, t->head, cs, true);
            free(cs);
            if (h) {
                cfail(cx, "rego_unsafe_var_error", cx->cur_expr ? cx->cur_expr->loc : h->loc,
                      "var %s is unsafe", h->name ? h->name : "_");
                return NULL;
            }
        }
        return NULL;
    }
}

/* The value of object term o under the constant key equal to key (NULL
 * when key is not constant or o has no such key). */
static struct term *object_value_at(const struct term *o, const struct term *key)
{
    if (!(key->flags & TF_CONST))
        return NULL;
    for (size_t k = 0; k + 1 < o->n; k += 2)
        if ((o->a[k]->flags & TF_CONST) && value_compare(o->a[k]->val, key->val) == 0)
            return o->a[k + 1];
    return NULL;
}

/* a = b: one side evaluable binds the other as a pattern; arrays and
 * objects of the same shape unify element-wise in any workable order. */
static struct term *unify_check_in(struct cctx *cx, struct term *a, struct term *b,
                                   uint8_t *safe, bool final, uint8_t *s1);

static struct term *unify_check(struct cctx *cx, struct term *a, struct term *b, uint8_t *safe,
                                bool final)
{
    uint8_t *s1 = safe_dup(cx, safe);
    if (!s1)
        return NULL;
    struct term *r = unify_check_in(cx, a, b, safe, final, s1);
    free(s1);
    return r;
}

static struct term *unify_check_in(struct cctx *cx, struct term *a, struct term *b,
                                   uint8_t *safe, bool final, uint8_t *s1)
{
    if (!need_eval(cx, b, s1, false) && !bind_pattern(cx, a, s1, false)) {
        if (final) {
            need_eval(cx, b, safe, true);
            bind_pattern(cx, a, safe, true);
        } else {
            memcpy(safe, s1, (size_t)cx->nslots);
        }
        return NULL;
    }
    memcpy(s1, safe, (size_t)cx->nslots);
    if (!need_eval(cx, a, s1, false) && !bind_pattern(cx, b, s1, false)) {
        if (final) {
            need_eval(cx, a, safe, true);
            bind_pattern(cx, b, safe, true);
        } else {
            memcpy(safe, s1, (size_t)cx->nslots);
        }
        return NULL;
    }
    bool arrays = a->kind == TM_ARRAY && b->kind == TM_ARRAY && a->n == b->n;
    bool objects = a->kind == TM_OBJECT && b->kind == TM_OBJECT && a->n == b->n;
    if (arrays || objects) {
        size_t np = arrays ? a->n : a->n / 2;
        uint8_t *done = calloc(np + 1, 1);
        if (!done)
            return NULL;
        size_t left = np;
        while (left) {
            bool progress = false;
            for (size_t k = 0; k < np; k++) {
                if (done[k])
                    continue;
                struct term *x = arrays ? a->a[k] : a->a[2 * k + 1];
                struct term *y = arrays ? b->a[k] : object_value_at(b, a->a[2 * k]);
                if (!y)
                    continue; /* OPA's Unify pairs values of equal constant keys only */
                memcpy(s1, safe, (size_t)cx->nslots);
                if (!unify_check(cx, x, y, s1, false)) {
                    unify_check(cx, x, y, safe, final);
                    done[k] = 1;
                    left--;
                    progress = true;
                }
            }
            if (!progress)
                break;
        }
        free(done);
        if (!left)
            return NULL;
    }
    struct term *r = need_eval(cx, b, s1, false);
    return r ? r : need_eval(cx, a, s1, false);
}

static void term_slots(struct term *t, uint8_t *mark);

static void body_slots(struct body *b, uint8_t *mark)
{
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        struct term *ts[3] = {e->a, e->b, e->c};
        for (int k = 0; k < 3; k++)
            if (ts[k])
                term_slots(ts[k], mark);
        for (size_t k = 0; k < e->nvars; k++)
            term_slots(e->vars[k], mark);
        if (e->body)
            body_slots(e->body, mark);
        for (size_t k = 0; k < e->nwith; k++)
            if (e->with[k].value)
                term_slots(e->with[k].value, mark);
    }
}

static void term_slots(struct term *t, uint8_t *mark)
{
    if (t->kind == TM_VAR && t->slot >= 0)
        mark[t->slot] = 1;
    for (size_t k = 0; k < t->n; k++)
        term_slots(t->a[k], mark);
    if (t->key)
        term_slots(t->key, mark);
    if (t->head)
        term_slots(t->head, mark);
    if (t->body)
        body_slots(t->body, mark);
}

static void expr_slots(struct expr *e, uint8_t *mark)
{
    struct body one = {&e, 1, NULL, 0, 0, false};
    body_slots(&one, mark);
}

/* OPA's outputVarsForExpr gives a negated expression no outputs: every
 * variable in it (closures aside: their captures are checked as theirs)
 * must be bound before it, wildcards included. */
static struct term *neg_term_needs(struct cctx *cx, struct term *t, uint8_t *safe)
{
    switch (t->kind) {
    case TM_VAR:
        return is_safe(safe, t) ? NULL : t;
    case TM_ARRAYC:
    case TM_SETC:
    case TM_OBJC:
        return closure_needs(cx, t->body, safe);
    default:
        for (size_t k = t->kind == TM_CALL ? 1 : 0; k < t->n; k++) {
            struct term *r = neg_term_needs(cx, t->a[k], safe);
            if (r)
                return r;
        }
        return NULL;
    }
}

static struct term *negation_needs(struct cctx *cx, struct expr *e, uint8_t *safe)
{
    struct term *ts[3] = {e->a, e->b, e->c};
    for (int k = 0; k < 3; k++) {
        struct term *r = ts[k] ? neg_term_needs(cx, ts[k], safe) : NULL;
        if (r)
            return r;
    }
    return NULL;
}

static struct term *expr_check(struct cctx *cx, struct body *b, struct expr *e, uint8_t *safe,
                               bool final)
{
    struct term *r = NULL;
    for (size_t k = 0; k < e->nwith && !r; k++)
        if (e->with[k].value)
            r = need_eval(cx, e->with[k].value, safe, final);
    if (r)
        return r;
    if (e->neg) {
        if ((r = negation_needs(cx, e, safe)))
            return r;
        if (final) {
            uint8_t *tmp = safe_dup(cx, safe);
            if (!tmp)
                return NULL;
            struct expr pos = *e;
            pos.neg = false;
            pos.nwith = 0;
            r = expr_check(cx, b, &pos, tmp, true);
            free(tmp);
            if (r) {
                cfail(cx, "rego_unsafe_var_error", e->loc, "var %s is unsafe",
                      r->name ? r->name : "_");
                return r;
            }
        }
        return NULL;
    }
    switch (e->kind) {
    case EX_SOME:
        return NULL;
    case EX_UNIFY:
    case EX_ASSIGN:
        return unify_check(cx, e->a, e->b, safe, final);
    case EX_SOMEIN:
        if ((r = need_eval(cx, e->c, safe, final)))
            return r;
        if (e->a && (r = bind_pattern(cx, e->a, safe, final)))
            return r;
        return bind_pattern(cx, e->b, safe, final);
    case EX_EVERY:
        if ((r = need_eval(cx, e->c, safe, final)))
            return r;
        if ((r = closure_needs(cx, e->body, safe)))
            return r;
        if (final) {
            uint8_t *es = safe_dup(cx, safe);
            if (!es)
                return NULL;
            if (e->a)
                bind_pattern(cx, e->a, es, true);
            bind_pattern(cx, e->b, es, true);
            reorder_body(cx, e->body, es);
            free(es);
        }
        return NULL;
    default: {
        struct term *t = e->a;
        if (t->kind == TM_CALL && t->call_out) {
            struct term call = *t;
            call.n = t->n - 1;
            call.call_out = false;
            return unify_check(cx, t->a[t->n - 1], &call, safe, final);
        }
        return need_eval(cx, t, safe, final);
    }
    }
}

/* One unsafe variable of a body that cannot be ordered: its first
 * occurrence (expression, then place in it); generated: a wildcard or a
 * variable the compiler made up, which OPA does not name. */
struct unsafe_var {
    const char *name;
    struct rloc loc, eloc;
    size_t pos;
    bool generated;
};

struct unsafe_list {
    struct unsafe_var *v;
    size_t n, cap;
};

/* Bounds on the work for hostile input (OPA stops at 10 errors anyway):
 * blockers tried per expression, variables kept per body. */
enum { MAX_UNSAFE_PER_EXPR = 32, MAX_UNSAFE_VARS = 1024 };

static int unsafe_add(struct unsafe_list *l, const struct term *t, const struct expr *e)
{
    bool gen = t->kind != TM_VAR || t->wildcard || !t->name || t->name[0] == '$';
    if (l->n >= MAX_UNSAFE_VARS)
        return 0;
    for (size_t i = 0; i < l->n && !gen; i++)
        if (!l->v[i].generated && strcmp(l->v[i].name, t->name) == 0)
            return 0; /* the first occurrence stands */
    struct unsafe_var *nv = vec_grow(l->v, &l->cap, l->n, sizeof(*nv), 8);
    if (!nv)
        return -1;
    l->v = nv;
    l->v[l->n] = (struct unsafe_var){gen ? NULL : t->name, t->loc, e->loc, l->n, gen};
    l->n++;
    return 0;
}

static int cmp_rloc(const struct rloc *a, const struct rloc *b)
{
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c)
        return c;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

static int cmp_unsafe(const void *x, const void *y)
{
    const struct unsafe_var *a = x, *b = y;
    int c = cmp_rloc(&a->eloc, &b->eloc);
    if (!c)
        c = cmp_rloc(&a->loc, &b->loc);
    return c ? c : a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The variables an unplaced expression needs: each one that blocks it,
 * taken as bound in turn until the expression could run (what it would
 * bind itself is no input it lacks). */
static int unsafe_of_expr(struct cctx *cx, struct body *b, struct expr *e, uint8_t *tmp,
                          struct unsafe_list *l)
{
    for (int k = 0; k < MAX_UNSAFE_PER_EXPR; k++) {
        struct term *r = expr_check(cx, b, e, tmp, false);
        if (!r || cx->failed)
            return 0;
        if (unsafe_add(l, r, e) < 0)
            return -1;
        if (r->kind != TM_VAR || r->slot < 0 || r->slot >= cx->nslots || tmp[r->slot])
            return 0;
        tmp[r->slot] = 1;
    }
    return 0;
}

/* OPA's Expr.Vars(SafetyCheckVisitorParams): the variables of an
 * expression outside closures, function names left out. */
static int term_vars_in(const struct term *t, const struct expr *e, struct unsafe_list *l,
                        const uint8_t *safe, int nslots)
{
    switch (t->kind) {
    case TM_VAR:
        if (t->slot >= 0 && t->slot < nslots && !safe[t->slot])
            return unsafe_add(l, t, e);
        return 0;
    case TM_ARRAYC:
    case TM_SETC:
    case TM_OBJC:
        return 0;
    default:
        for (size_t k = t->kind == TM_CALL ? 1 : 0; k < t->n; k++)
            TRY(term_vars_in(t->a[k], e, l, safe, nslots));
        return 0;
    }
}

static int expr_unsafe_vars(const struct expr *e, struct unsafe_list *l, const uint8_t *safe,
                            int nslots)
{
    const struct term *ts[3] = {e->a, e->b, e->c};
    if (e->kind == EX_SOME)
        return 0;
    for (int k = e->kind == EX_EVERY ? 2 : 0; k < 3; k++)
        if (ts[k])
            TRY(term_vars_in(ts[k], e, l, safe, nslots));
    for (size_t k = 0; k < e->nwith; k++)
        if (e->with[k].value)
            TRY(term_vars_in(e->with[k].value, e, l, safe, nslots));
    return 0;
}

static bool var_safe(const struct term *t, const uint8_t *safe, int nslots)
{
    return t->slot < 0 || t->slot >= nslots || safe[t->slot];
}

static bool pattern_safe(const struct term *t, const uint8_t *safe, int nslots)
{
    if (t->kind == TM_VAR)
        return var_safe(t, safe, nslots);
    if (t->kind == TM_ARRAY || t->kind == TM_OBJECT)
        for (size_t k = t->kind == TM_OBJECT ? 1 : 0; k < t->n; k += t->kind == TM_OBJECT ? 2 : 1)
            if (!pattern_safe(t->a[k], safe, nslots))
                return false;
    return true;
}

static void mark_pattern(const struct term *t, uint8_t *safe, int nslots)
{
    if (t->kind == TM_VAR && t->slot >= 0 && t->slot < nslots)
        safe[t->slot] = 1;
    if (t->kind == TM_ARRAY || t->kind == TM_OBJECT)
        for (size_t k = t->kind == TM_OBJECT ? 1 : 0; k < t->n; k += t->kind == TM_OBJECT ? 2 : 1)
            mark_pattern(t->a[k], safe, nslots);
}

static bool term_all_safe(const struct term *t, const uint8_t *safe, int nslots)
{
    if (t->kind == TM_VAR)
        return var_safe(t, safe, nslots);
    if (t->kind == TM_ARRAYC || t->kind == TM_SETC || t->kind == TM_OBJC)
        return true;
    for (size_t k = t->kind == TM_CALL ? 1 : 0; k < t->n; k++)
        if (!term_all_safe(t->a[k], safe, nslots))
            return false;
    return true;
}

/* OPA's Unify for the safety check: a variable unified with a scalar,
 * set or comprehension, or with a reference or call whose variables are
 * safe, is an output; var = var and var = pattern pass safety from one
 * side to the other; arrays of one length pairwise. */
static void unify_outputs(const struct term *a, const struct term *b, uint8_t *safe, int nslots)
{
    if (a->kind != TM_VAR && b->kind == TM_VAR) {
        const struct term *t = a;
        a = b;
        b = t;
    }
    if (a->kind == TM_VAR) {
        if (b->kind == TM_VAR || b->kind == TM_ARRAY || b->kind == TM_OBJECT) {
            if (var_safe(a, safe, nslots))
                mark_pattern(b, safe, nslots);
            else if (pattern_safe(b, safe, nslots))
                mark_pattern(a, safe, nslots);
        } else if ((b->kind != TM_REF && b->kind != TM_CALL) ||
                   term_all_safe(b, safe, nslots)) {
            mark_pattern(a, safe, nslots);
        }
        return;
    }
    if (a->kind == TM_ARRAY && b->kind == TM_ARRAY && a->n == b->n)
        for (size_t k = 0; k < a->n; k++)
            unify_outputs(a->a[k], b->a[k], safe, nslots);
}

/* OPA's outputVarsForTerms: the variables in the operands of a reference
 * whose head is safe are outputs (nested references too). */
static void ref_outputs(const struct term *t, uint8_t *safe, int nslots)
{
    if (t->kind == TM_ARRAYC || t->kind == TM_SETC || t->kind == TM_OBJC)
        return;
    if (t->kind == TM_REF && t->n) {
        const struct term *h = t->a[0];
        bool head_safe = h->kind == TM_VAR ? var_safe(h, safe, nslots)
                                           : term_all_safe(h, safe, nslots);
        for (size_t k = 1; k < t->n && head_safe; k++)
            if (t->a[k]->kind == TM_VAR || t->a[k]->kind == TM_ARRAY ||
                t->a[k]->kind == TM_OBJECT)
                mark_pattern(t->a[k], safe, nslots);
    }
    for (size_t k = 0; k < t->n; k++)
        ref_outputs(t->a[k], safe, nslots);
}

/* OPA's SkipRefHead variable check of a call's inputs. */
static bool inputs_safe(const struct term *t, const uint8_t *safe, int nslots)
{
    switch (t->kind) {
    case TM_VAR:
        return var_safe(t, safe, nslots);
    case TM_ARRAYC:
    case TM_SETC:
    case TM_OBJC:
    case TM_SET:
        return true;
    default:
        for (size_t k = t->kind == TM_REF || t->kind == TM_CALL ? 1 : 0; k < t->n; k++)
            if ((t->kind != TM_OBJECT || k % 2 == 1) && !inputs_safe(t->a[k], safe, nslots))
                return false;
        return true;
    }
}

/* OPA's outputVarsForExpr on top of what our check binds. */
static void opa_outputs(const struct expr *e, uint8_t *safe, int nslots)
{
    for (size_t k = 0; k < e->nwith; k++)
        if (e->with[k].value && !term_all_safe(e->with[k].value, safe, nslots))
            return;
    const struct term *ts[3] = {e->a, e->b, e->c};
    for (int k = 0; k < 3; k++)
        if (ts[k])
            ref_outputs(ts[k], safe, nslots);
    if (e->kind == EX_UNIFY)
        unify_outputs(e->a, e->b, safe, nslots);
    if (e->kind == EX_ASSIGN) /* OPA names only what := needs */
        mark_pattern(e->a, safe, nslots);
    if (e->kind == EX_TERM && e->a->kind == TM_CALL && e->a->call_out && e->a->n >= 2) {
        const struct term *c = e->a;
        bool ok = true;
        for (size_t k = 1; k + 1 < c->n && ok; k++)
            ok = inputs_safe(c->a[k], safe, nslots);
        if (ok)
            mark_pattern(c->a[c->n - 1], safe, nslots);
    }
}

/* OPA's reorderBodyForSafety when it gets stuck: an expression left out
 * has as unsafe every variable that neither the expressions placed nor
 * its own outputs make safe (outputs of other expressions left out do not
 * count: they never run). */
static void safe_with_own_outputs(struct cctx *cx, struct body *b, struct expr *e, uint8_t *all,
                                  const uint8_t *safe)
{
    memcpy(all, safe, (size_t)cx->nslots);
    if (e->neg)
        return;
    expr_check(cx, b, e, all, false); /* binds what it can */
    opa_outputs(e, all, cx->nslots);
}

static const char *const future_keywords[] = {"contains", "every", "if", "in"};

static void unsafe_var_error(struct cctx *cx, const struct unsafe_var *u)
{
    char msg[400];
    snprintf(msg, sizeof(msg), "var %s is unsafe", u->name);
    for (size_t k = 0; k < sizeof(future_keywords) / sizeof(*future_keywords); k++)
        if (strcmp(u->name, future_keywords[k]) == 0)
            snprintf(msg, sizeof(msg),
                     "var %s is unsafe (hint: `import future.keywords.%s` to import a future "
                     "keyword)",
                     u->name, u->name);
    cerr_more(cx, "rego_unsafe_var_error", u->loc, msg);
}

/* OPA's safetyErrorSlice: every unsafe variable of the expressions left,
 * one error each in location order; only when all are generated, one
 * "expression is unsafe" per expression. */
static int unsafe_report(struct cctx *cx, struct body *b, const uint8_t *safe, uint8_t *tmp,
                         const uint8_t *done)
{
    struct unsafe_list l = {0};
    uint8_t *all = safe_dup(cx, safe);
    if (!all)
        return cfail(cx, "rego_compile_error", b->e[0]->loc, "out of memory");
    for (size_t i = 0; i < b->n && !cx->failed; i++) {
        if (done[i])
            continue;
        safe_with_own_outputs(cx, b, b->e[i], all, safe);
        size_t before = l.n;
        int rc = expr_unsafe_vars(b->e[i], &l, all, cx->nslots);
        if (rc == 0 && l.n == before) { /* blocked by what it would bind */
            memcpy(tmp, safe, (size_t)cx->nslots);
            rc = unsafe_of_expr(cx, b, b->e[i], tmp, &l);
        }
        if (rc < 0) {
            free(l.v);
            free(all);
            return cfail(cx, "rego_compile_error", b->e[i]->loc, "out of memory");
        }
    }
    free(all);
    if (cx->failed) {
        free(l.v);
        return -1;
    }
    if (l.n)
        qsort(l.v, l.n, sizeof(*l.v), cmp_unsafe);
    bool named = false;
    for (size_t i = 0; i < l.n; i++) {
        if (!l.v[i].generated) {
            struct unsafe_var u = l.v[i];
            u.loc = u.eloc; /* OPA: the expression's location (unsafeVars.Vars) */
            unsafe_var_error(cx, &u);
            named = true;
        }
    }
    const struct rloc *last = NULL;
    for (size_t i = 0; i < l.n && !named; i++) {
        if (!last || cmp_rloc(last, &l.v[i].eloc) != 0)
            cerr_more(cx, "rego_unsafe_var_error", l.v[i].eloc, "expression is unsafe");
        last = &l.v[i].eloc;
    }
    free(l.v);
    if (!cx->failed)
        cfail(cx, "rego_unsafe_var_error", b->n ? b->e[0]->loc : (struct rloc){0},
              "body is unsafe");
    return -1;
}

/* Trying an expression costs copies of the rule's bound-variable set (here
 * and in safe_dup): a body whose expressions only become ready in reverse
 * order costs expressions^2 * variables (10,000 reversed `x_i = x_(i-1)`
 * took 38 s).  The whole compilation gets this many bytes of copies
 * (~1 s); written policies use a tiny fraction. */
#define SAFETY_WORK_LIMIT ((size_t)2000000000)

static int reorder_body_in(struct cctx *cx, struct body *b, uint8_t *safe, uint8_t *tmp,
                           struct expr **order, uint8_t *done)
{
    size_t n = b->n, ns = (size_t)cx->nslots, first = 0;
    for (size_t cnt = 0; cnt < n; cnt++) {
        size_t pick = n;
        while (first < n && done[first])
            first++; /* expressions in order stay linear */
        for (size_t i = first; i < n && pick == n; i++) {
            if (done[i])
                continue;
            cx->safety_work += ns + 64;
            if (cx->safety_work > SAFETY_WORK_LIMIT)
                return cfail(cx, "rego_compile_error", b->e[i]->loc,
                             "rule bodies too large to order for safety (the policy needs more "
                             "than %llu variable checks)",
                             (unsigned long long)SAFETY_WORK_LIMIT);
            memcpy(tmp, safe, ns);
            if (!expr_check(cx, b, b->e[i], tmp, false))
                pick = i;
            if (cx->failed)
                return -1;
        }
        if (pick == n)
            return unsafe_report(cx, b, safe, tmp, done);
        const struct expr *outer = cx->cur_expr;
        cx->cur_expr = b->e[pick];
        expr_check(cx, b, b->e[pick], safe, true);
        cx->cur_expr = outer;
        if (cx->failed)
            return -1;
        done[pick] = 1;
        order[cnt] = b->e[pick];
    }
    memcpy(b->e, order, n * sizeof(*order));
    return 0;
}

static int reorder_body(struct cctx *cx, struct body *b, uint8_t *safe)
{
    size_t n = b->n;
    struct expr **order = malloc((n + 1) * sizeof(*order));
    uint8_t *done = calloc(n + 1, 1);
    uint8_t *tmp = malloc((size_t)cx->nslots + 1);
    int rc = -1;
    if (order && done && tmp) {
        rc = reorder_body_in(cx, b, safe, tmp, order, done);
    } else {
        cfail(cx, "rego_compile_error", b->n ? b->e[0]->loc : (struct rloc){0}, "out of memory");
    }
    free(order);
    free(done);
    free(tmp);
    return rc;
}

/* -------------------------------------------------------------- rules */

/* A head term OPA moves into the body before its safety checks (it
 * holds a reference, call or comprehension: rewriteRefsInHead,
 * rewriteExprTermsInHead); its variables are the body's to bind. */
static bool head_term_evaluated(const struct term *t)
{
    if (t->kind == TM_REF || t->kind == TM_CALL || t->kind == TM_TEMPLATE || t->body)
        return true;
    for (size_t k = 0; k < t->n; k++)
        if (head_term_evaluated(t->a[k]))
            return true;
    return false;
}

static int head_vars_list(const struct term *t, const uint8_t *known, struct unsafe_list *l,
                          const struct expr *at, int nslots)
{
    if (t->kind == TM_VAR && t->slot >= 0 && t->slot < nslots && !known[t->slot])
        return unsafe_add(l, t, at);
    for (size_t k = 0; k < t->n; k++)
        TRY(head_vars_list(t->a[k], known, l, at, nslots));
    return 0;
}

/* OPA's checkSafetyRuleHeads (before any body is checked): a variable of
 * the head (keys, value) that neither the body (closures aside) nor the
 * arguments mention is unsafe, reported at the rule (r.Loc()), in the
 * variables' order. */
static int head_vars_in_body(struct cctx *cx, struct rule *r)
{
    uint8_t *known = calloc((size_t)cx->nslots + 1, 1);
    if (!known)
        return cfail(cx, "rego_compile_error", r->loc, "out of memory");
    flat_body_vars(r->body, known, cx->nslots);
    for (size_t k = 0; k < r->nargs; k++)
        term_slots(r->args[k], known);
    struct unsafe_list l = {0};
    struct expr at = {.loc = r->loc};
    struct term *heads[2] = {r->value, r->elem};
    int rc = 0;
    for (size_t k = 0; k < r->nkeys && rc == 0; k++)
        if (!head_term_evaluated(r->keys[k]))
            rc = head_vars_list(r->keys[k], known, &l, &at, cx->nslots);
    for (int k = 0; k < 2 && rc == 0; k++)
        if (heads[k] && !head_term_evaluated(heads[k]))
            rc = head_vars_list(heads[k], known, &l, &at, cx->nslots);
    free(known);
    if (rc < 0) {
        free(l.v);
        return cfail(cx, "rego_compile_error", r->loc, "out of memory");
    }
    if (l.n)
        qsort(l.v, l.n, sizeof(*l.v), cmp_unsafe);
    bool any = false;
    cx->in_head = true;
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].generated)
            continue;
        struct unsafe_var u = l.v[i];
        u.loc = r->loc;
        unsafe_var_error(cx, &u);
        any = true;
    }
    cx->in_head = false;
    free(l.v);
    return any ? -1 : 0;
}

static int head_safe(struct cctx *cx, struct term *t, uint8_t *safe)
{
    if (!t)
        return 0;
    struct expr moved = {.loc = t->loc}; /* OPA moves the head term into the body */
    const struct expr *outer = cx->cur_expr;
    cx->cur_expr = &moved;
    struct term *r = need_eval(cx, t, safe, true);
    cx->cur_expr = outer;
    if (cx->failed)
        return -1;
    if (!r)
        return 0;
    /* OPA's checkSafetyRuleHeads: every variable of the head left unbound */
    struct unsafe_list l = {0};
    struct expr head = {.loc = t->loc};
    if (term_vars_in(t, &head, &l, safe, cx->nslots) < 0) {
        free(l.v);
        return cfail(cx, "rego_compile_error", t->loc, "out of memory");
    }
    if (l.n)
        qsort(l.v, l.n, sizeof(*l.v), cmp_unsafe);
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].generated)
            continue;
        struct unsafe_var u = l.v[i];
        u.loc = u.eloc; /* the expression OPA moves the head term into */
        unsafe_var_error(cx, &u);
    }
    free(l.v);
    if (!cx->failed)
        cfail(cx, "rego_unsafe_var_error", t->loc, "var %s is unsafe",
              r->wildcard ? "_" : r->name);
    return -1;
}

static bool term_is_const(const struct term *t) { return !t || (t->flags & TF_CONST); }

static bool is_pattern(const struct term *t)
{
    if (t->kind == TM_VAR || t->kind == TM_SCALAR)
        return true;
    if (t->kind != TM_ARRAY && t->kind != TM_OBJECT)
        return false;
    for (size_t k = 0; k < t->n; k++)
        if (!is_pattern(t->a[k]))
            return false;
    return true;
}

/* A function parameter that is no pattern (a template, reference, call
 * or comprehension) becomes a fresh variable compared with it at the end
 * of the body, where safety reordering puts it (OPA rewrites the same). */
static int lift_dynamic_args(struct cctx *cx, struct rule *r)
{
    for (size_t k = 0; k < r->nargs; k++) {
        struct term *arg = r->args[k];
        if (is_pattern(arg))
            continue;
        struct term *v = mk_term(cx, TM_VAR, arg->loc), *v2 = mk_term(cx, TM_VAR, arg->loc);
        struct expr *e = arena_zalloc(cx->a, sizeof(*e));
        struct expr **ne = arena_alloc(cx->a, (r->body->n + 2) * sizeof(*ne));
        if (!v || !v2 || !e || !ne)
            return -1;
        v->name = v2->name = arena_sprintf(cx->a, "$arg%zu", k);
        e->kind = EX_UNIFY;
        e->loc = arg->loc;
        e->a = v2;
        e->b = arg;
        memcpy(ne, r->body->e, r->body->n * sizeof(*ne));
        ne[r->body->n] = e;
        r->body->e = ne;
        r->body->n++;
        r->args[k] = v;
    }
    return 0;
}

/* The safety check copies a rule's set of bound variables per expression
 * it tries: a rule with N variables costs N * expressions.  Past this many
 * (no written policy comes near) the rule is refused before that work
 * (100,000 would take ~20 s). */
enum { MAX_RULE_VARIABLES = 10000 };

static int compile_rule(struct cctx *cx, struct rule *r)
{
    cx->nslots = 0;
    struct scope *s = scope_new(cx, NULL, NULL);
    if (!s)
        return -1;
    /* heads are shared by chained bodies and else clauses: own copies */
    if (r->nargs) {
        struct term **na = arena_alloc(cx->a, r->nargs * sizeof(*na));
        if (!na)
            return -1;
        memcpy(na, r->args, r->nargs * sizeof(*na));
        for (size_t k = 0; k < r->nargs; k++)
            na[k] = clone_term(cx, r->args[k]);
        r->args = na;
    }
    if (r->value && !(r->value = clone_term(cx, r->value)))
        return -1;
    if (r->elem && !(r->elem = clone_term(cx, r->elem)))
        return -1;
    if (r->nkeys) {
        struct term **nk = arena_alloc(cx->a, r->nkeys * sizeof(*nk));
        if (!nk)
            return -1;
        for (size_t k = 0; k < r->nkeys; k++)
            nk[k] = clone_term(cx, r->keys[k]);
        r->keys = nk;
    }
    r->body = clone_body(cx, r->body);
    if (!r->body)
        return -1;
    TRY(lift_dynamic_args(cx, r));
    for (size_t k = 0; k < r->nargs; k++) {
        TRY(declare_pattern(cx, s, r->args[k], false));
        TRY(collect_term(cx, s, r->args[k]));
    }
    TRY(declare_body(cx, s, r->body));
    for (size_t k = 0; k < r->nargs; k++)
        TRY(resolve_term(cx, s, r->args[k]));
    TRY(resolve_body(cx, s, r->body));
    for (size_t k = 0; k < r->nkeys; k++)
        TRY(collect_term(cx, s, r->keys[k]));
    if (r->value)
        TRY(collect_term(cx, s, r->value));
    if (r->elem)
        TRY(collect_term(cx, s, r->elem));
    for (size_t k = 0; k < r->nkeys; k++)
        TRY(resolve_term(cx, s, r->keys[k]));
    if (r->value)
        TRY(resolve_term(cx, s, r->value));
    if (r->elem)
        TRY(resolve_term(cx, s, r->elem));
    if (cx->failed)
        return -1; /* errors OPA reports each of (cfail_soft) */
    if (cx->nslots > MAX_RULE_VARIABLES)
        return cfail(cx, "rego_compile_error", r->loc,
                     "rule %s has more than %d variables", r->node ? r->node->path : "",
                     MAX_RULE_VARIABLES);
    fold_body(cx, r->body);
    for (size_t k = 0; k < r->nargs; k++)
        fold_term(cx, r->args[k]);
    for (size_t k = 0; k < r->nkeys; k++)
        fold_term(cx, r->keys[k]);
    if (r->value)
        fold_term(cx, r->value);
    if (r->elem)
        fold_term(cx, r->elem);
    uint8_t *safe = arena_zalloc(cx->a, (size_t)cx->nslots + 1);
    if (!safe)
        return -1;
    for (size_t k = 0; k < r->nargs; k++)
        bind_pattern(cx, r->args[k], safe, true);
    TRY(head_vars_in_body(cx, r));
    TRY(reorder_body(cx, r->body, safe));
    cx->in_head = true;
    for (size_t k = 0; k < r->nkeys; k++)
        TRY(head_safe(cx, r->keys[k], safe));
    TRY(head_safe(cx, r->value, safe));
    TRY(head_safe(cx, r->elem, safe));
    cx->in_head = false;
    r->nslots = cx->nslots;
    r->const_value = term_is_const(r->value) && term_is_const(r->elem);
    for (size_t k = 0; k < r->nkeys; k++)
        r->const_value = r->const_value && term_is_const(r->keys[k]);
    return 0;
}

static void node_finish(struct rnode *n)
{
    bool same = n->nrules > 0;
    struct value *v0 = NULL;
    for (size_t k = 0; k < n->nrules && same; k++) {
        for (struct rule *r = n->rules[k]; r && same; r = r->els) {
            struct value *v = r->value ? r->value->val : v_bool(true);
            if (!r->const_value || r->nkeys || r->is_multi || !v)
                same = false;
            else if (!v0)
                v0 = v;
            else if (!value_equal(v0, v))
                same = false;
        }
    }
    for (size_t k = 0; k < n->nfuncs && same; k++)
        same = false;
    n->all_same_const = same;
    if (n->nfuncs) {
        bool fsame = true;
        struct value *f0 = NULL;
        for (size_t k = 0; k < n->nfuncs && fsame; k++) {
            for (struct rule *r = n->funcs[k]; r && fsame; r = r->els) {
                struct value *v = r->value ? r->value->val : v_bool(true);
                if (!term_is_const(r->value) || !v)
                    fsame = false;
                else if (!f0)
                    f0 = v;
                else if (!value_equal(f0, v))
                    fsame = false;
            }
        }
        n->all_same_const = fsame;
    }
    for (size_t k = 0; k < n->nkids; k++)
        node_finish(n->kids[k]);
}

/* ----------------------------------------------------------- recursion */

/* Longest chain of rules depending on each other that compiles (evaluation
 * stops at rego_limits.max_depth, 1000 by default, long before). */
enum { MAX_RULE_DEPENDENCY_DEPTH = 5000 };

struct dep_walk {
    struct cctx *cx;
    uint8_t *state; /* 0 new, 1 on stack, 2 done */
    struct rnode **stack;
    size_t depth;
    struct rnode **all; /* id -> node */
    bool cycle;         /* the walk stopped at a cycle */
    /* collect mode (recursion report): visit_node only lists the nodes a
     * rule reads, once each (fmark[id] == fgen) */
    bool collect;
    struct rnode **found;
    size_t nfound, fcap;
    uint32_t *fmark, fgen;
};

static int visit_node(struct dep_walk *w, struct rnode *n);

static int dep_term(struct dep_walk *w, struct term *t);

static int dep_body(struct dep_walk *w, struct body *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct expr *e = b->e[i];
        struct term *ts[3] = {e->a, e->b, e->c};
        for (int k = 0; k < 3; k++)
            if (ts[k])
                TRY(dep_term(w, ts[k]));
        if (e->body)
            TRY(dep_body(w, e->body));
        for (size_t k = 0; k < e->nwith; k++) {
            if (e->with[k].value)
                TRY(dep_term(w, e->with[k].value));
            if (e->with[k].mock_fn)
                TRY(visit_node(w, e->with[k].mock_fn));
        }
    }
    return 0;
}

static int dep_subtree(struct dep_walk *w, struct rnode *n)
{
    if (n->nrules || n->dflt || n->nfuncs)
        return visit_node(w, n);
    for (size_t k = 0; k < n->nkids; k++)
        TRY(dep_subtree(w, n->kids[k]));
    return 0;
}

/* The rules a data reference may read: constant operands select one
 * child, others any child (later constant operands still have to match). */
static int dep_match(struct dep_walk *w, struct rnode *n, struct term *t, size_t k)
{
    if (n->nrules || n->dflt || n->nfuncs)
        return visit_node(w, n);
    if (k == t->n)
        return dep_subtree(w, n);
    struct term *op = t->a[k];
    if (op->flags & TF_CONST) {
        if (!v_is(op->val, V_STRING))
            return 0;
        struct rnode *kid = rcomp_node_child(n, op->val->u.str.s, op->val->u.str.len);
        return kid ? dep_match(w, kid, t, k + 1) : 0;
    }
    for (size_t j = 0; j < n->nkids; j++)
        TRY(dep_match(w, n->kids[j], t, k + 1));
    return 0;
}

static int dep_term(struct dep_walk *w, struct term *t)
{
    if (t->kind == TM_REF && t->a[0]->kind == TM_VAR && t->a[0]->slot == SLOT_DATA)
        TRY(dep_match(w, w->cx->c->root, t, 1));
    if (t->kind == TM_VAR && t->slot == SLOT_DATA)
        TRY(dep_subtree(w, w->cx->c->root));
    if (t->kind == TM_CALL && t->fn)
        TRY(visit_node(w, t->fn));
    size_t first = t->kind == TM_CALL || (t->kind == TM_REF && t->a[0]->kind == TM_VAR) ? 1 : 0;
    for (size_t k = first; k < t->n; k++)
        TRY(dep_term(w, t->a[k]));
    if (t->key)
        TRY(dep_term(w, t->key));
    if (t->head)
        TRY(dep_term(w, t->head));
    if (t->body)
        TRY(dep_body(w, t->body));
    return 0;
}

/* One clause of a rule (its else clauses are rules of their own, as in
 * OPA's dependency graph). */
static int dep_clause(struct dep_walk *w, struct rule *r)
{
    TRY(dep_body(w, r->body));
    for (size_t k = 0; k < r->nkeys; k++)
        TRY(dep_term(w, r->keys[k]));
    if (r->value)
        TRY(dep_term(w, r->value));
    if (r->elem)
        TRY(dep_term(w, r->elem));
    return 0;
}

static int dep_rule(struct dep_walk *w, struct rule *r)
{
    for (; r; r = r->els)
        TRY(dep_clause(w, r));
    return 0;
}

static int collect_node(struct dep_walk *w, struct rnode *n)
{
    if (w->fmark[n->id] == w->fgen)
        return 0;
    w->fmark[n->id] = w->fgen;
    struct rnode **nf = vec_grow(w->found, &w->fcap, w->nfound, sizeof(*nf), 16);
    if (!nf)
        return -1;
    w->found = nf;
    w->found[w->nfound++] = n;
    return 0;
}

static int visit_node(struct dep_walk *w, struct rnode *n)
{
    if (w->collect)
        return collect_node(w, n);
    if (w->state[n->id] == 2)
        return 0;
    if (w->state[n->id] == 1) {
        w->cycle = true; /* reported rule by rule: report_recursion */
        return -1;
    }
    if (w->depth >= MAX_RULE_DEPENDENCY_DEPTH) {
        /* the walk recurses per level: a longer chain (a 1.6 MB policy
         * can hold 100,000 rules) would overflow the thread's stack */
        struct rule *r = n->nrules ? n->rules[0] : n->nfuncs ? n->funcs[0] : n->dflt;
        cfail(w->cx, "rego_compile_error", r ? r->loc : (struct rloc){"", 0, 0},
              "rule %s: rules depend on each other more than %d levels deep", n->path,
              MAX_RULE_DEPENDENCY_DEPTH);
        return -1;
    }
    w->state[n->id] = 1;
    w->stack[w->depth++] = n;
    for (size_t k = 0; k < n->nrules; k++)
        TRY(dep_rule(w, n->rules[k]));
    for (size_t k = 0; k < n->nfuncs; k++)
        TRY(dep_rule(w, n->funcs[k]));
    if (n->dflt)
        TRY(dep_rule(w, n->dflt));
    /* a rule's document includes the rules below it */
    for (size_t k = 0; k < n->nkids; k++)
        if (n->nrules)
            TRY(dep_subtree(w, n->kids[k]));
    w->depth--;
    w->state[n->id] = 2;
    return 0;
}

/* OPA's checkRecursion: every rule clause, in rule-tree order, from which
 * a path of dependencies leads back to it is an error of its own,
 * "rule P is recursive: P -> Q -> P" (util.DFSPath: depth first, the first
 * path found).  Nodes stand for their rules: reaching a rule's node reaches
 * the rule.  Runs only once the walk above found a cycle; bounded work. */
enum { RECURSION_SEARCH_STEPS = 4000000 };

struct rec_search {
    struct dep_walk *w;
    struct rnode ***adj; /* per node id: the nodes its rules read (cached) */
    size_t *nadj;
    uint32_t *seen, gen;
    struct rnode **path;
    size_t depth, budget;
    size_t reported;
};

static int node_reads(struct rec_search *s, struct rnode *n)
{
    if (s->adj[n->id])
        return 0;
    struct dep_walk *w = s->w;
    w->fgen++;
    w->nfound = 0;
    for (size_t k = 0; k < n->nrules; k++)
        TRY(dep_rule(w, n->rules[k]));
    for (size_t k = 0; k < n->nfuncs; k++)
        TRY(dep_rule(w, n->funcs[k]));
    if (n->dflt)
        TRY(dep_rule(w, n->dflt));
    for (size_t k = 0; k < n->nkids && n->nrules; k++)
        TRY(dep_subtree(w, n->kids[k]));
    struct rnode **list = arena_alloc(w->cx->a, (w->nfound + 1) * sizeof(*list));
    if (!list)
        return -1;
    if (w->nfound)
        memcpy(list, w->found, w->nfound * sizeof(*list));
    s->adj[n->id] = list;
    s->nadj[n->id] = w->nfound;
    return 0;
}

/* Depth first from n: 1 when target is reached (s->path holds the nodes
 * from n on), 0 when not, -1 out of memory. */
static int rec_dfs(struct rec_search *s, struct rnode *n, struct rnode *target)
{
    if (s->seen[n->id] == s->gen || !s->budget || s->depth >= MAX_RULE_DEPENDENCY_DEPTH)
        return 0;
    s->seen[n->id] = s->gen;
    s->budget--;
    TRY(node_reads(s, n));
    s->path[s->depth++] = n;
    for (size_t k = 0; k < s->nadj[n->id]; k++) {
        struct rnode *m = s->adj[n->id][k];
        if (m == target)
            return 1;
        int rc = rec_dfs(s, m, target);
        if (rc != 0)
            return rc;
    }
    s->depth--;
    return 0;
}

static int recursion_of_clause(struct rec_search *s, struct rnode *n, struct rule *r)
{
    struct dep_walk *w = s->w;
    w->fgen++;
    w->nfound = 0;
    TRY(dep_clause(w, r));
    size_t nreads = w->nfound;
    struct rnode **reads = malloc((nreads + 1) * sizeof(*reads));
    if (!reads)
        return -1;
    if (nreads)
        memcpy(reads, w->found, nreads * sizeof(*reads));
    s->gen++;
    s->seen[n->id] = s->gen;
    int found = 0;
    for (size_t k = 0; k < nreads && !found; k++) {
        s->depth = 0;
        found = reads[k] == n ? 1 : rec_dfs(s, reads[k], n);
    }
    free(reads);
    if (found <= 0)
        return found;
    struct buf b = BUF_INIT;
    buf_puts(&b, n->path);
    for (size_t k = 0; k < s->depth; k++) {
        buf_puts(&b, " -> ");
        buf_puts(&b, s->path[k]->path);
    }
    buf_puts(&b, " -> ");
    buf_puts(&b, n->path);
    char msg[560];
    snprintf(msg, sizeof(msg), "rule %s is recursive: %s", n->path, buf_cstr(&b));
    buf_free(&b);
    cerr_more(s->w->cx, "rego_recursion_error", r->loc, msg);
    s->reported++;
    return 0;
}

static int report_recursion_in(struct rec_search *s, struct rnode *n)
{
    struct rule **lists[3] = {n->rules, n->funcs, n->dflt ? &n->dflt : NULL};
    size_t counts[3] = {n->nrules, n->nfuncs, n->dflt ? 1 : 0};
    for (int l = 0; l < 3; l++)
        for (size_t k = 0; k < counts[l]; k++)
            for (struct rule *r = lists[l][k]; r && s->reported <= RTC_MAX_ERRORS; r = r->els)
                TRY(recursion_of_clause(s, n, r));
    for (size_t k = 0; k < n->nkids && s->reported <= RTC_MAX_ERRORS; k++)
        TRY(report_recursion_in(s, n->kids[k]));
    return 0;
}

static int report_recursion(struct cctx *cx, struct dep_walk *w)
{
    size_t nn = (size_t)cx->c->nnodes + 1;
    struct rec_search s = {.w = w, .budget = RECURSION_SEARCH_STEPS};
    s.adj = calloc(nn, sizeof(*s.adj));
    s.nadj = calloc(nn, sizeof(*s.nadj));
    s.seen = calloc(nn, sizeof(*s.seen));
    s.path = calloc(nn, sizeof(*s.path));
    w->fmark = calloc(nn, sizeof(*w->fmark));
    w->collect = true;
    int rc = -1;
    if (s.adj && s.nadj && s.seen && s.path && w->fmark)
        rc = report_recursion_in(&s, cx->c->root);
    w->collect = false;
    free(s.adj);
    free(s.nadj);
    free(s.seen);
    free(s.path);
    free(w->fmark);
    free(w->found);
    w->fmark = NULL;
    w->found = NULL;
    if (rc == 0 && !s.reported) /* the bounded search found no path again */
        cfail(cx, "rego_recursion_error", (struct rloc){0}, "rules are recursive");
    return -1;
}

static int check_recursion(struct cctx *cx, struct rnode *n, struct dep_walk *w)
{
    if (n->nrules || n->nfuncs || n->dflt)
        TRY(visit_node(w, n));
    for (size_t k = 0; k < n->nkids; k++)
        TRY(check_recursion(cx, n->kids[k], w));
    return 0;
}

/* ---------------------------------------------------------------- entry */

static int compile_rules_of(struct cctx *cx, struct rnode *n)
{
    struct rule **lists[3] = {n->rules, n->funcs, n->dflt ? &n->dflt : NULL};
    size_t counts[3] = {n->nrules, n->nfuncs, n->dflt ? 1 : 0};
    for (int l = 0; l < 3; l++) {
        for (size_t k = 0; k < counts[l]; k++) {
            for (struct rule *r = lists[l][k]; r; r = r->els) {
                cx->m = r->mod;
                cx->pkg = cx->c->root;
                for (size_t p = 0; p < r->mod->pkg_len; p++)
                    cx->pkg = rcomp_node_child(cx->pkg, r->mod->pkg_path[p]->u.str.s,
                                               r->mod->pkg_path[p]->u.str.len);
                cx->rule_loc = r->loc;
                if (compile_rule(cx, r) < 0) {
                    if (!cx->failed || !cx->err->code[0])
                        return -1; /* out of memory */
                    /* OPA checks every rule of a stage: go on */
                    cx->any_failed = true;
                    cx->failed = false;
                    cx->soft_only = false;
                    cx->soft_pending = false;
                    cx->in_head = false;
                }
            }
        }
    }
    for (size_t k = 0; k < n->nkids; k++)
        TRY(compile_rules_of(cx, n->kids[k]));
    return 0;
}

/* The name an import binds: its alias or its path's last name. */
static const char *import_name(const struct import *im)
{
    const struct term *p = im->path;
    if (im->alias)
        return im->alias;
    return p->kind == TM_VAR ? p->name : p->a[p->n - 1]->val->u.str.s;
}

/* OPA's checkDuplicateImports, for Rego v1 modules (v1, or v0 with
 * rego.v1): a later import binding the same name as an earlier one,
 * reported at the later one with the earlier one as written. */
static void check_imports(struct cctx *cx, struct module *m)
{
    if (!m->v1)
        return;
    for (size_t j = 1; j < m->nimports; j++) {
        const struct import *b = &m->imports[j];
        for (size_t i = 0; i < j; i++) {
            const struct import *a = &m->imports[i];
            if (strcmp(import_name(a), import_name(b)) != 0)
                continue;
            char *path = dotted_name(cx, a->path);
            char msg[560];
            snprintf(msg, sizeof(msg), "import must not shadow import %s%s%s",
                     path ? path : "?", a->alias ? " as " : "", a->alias ? a->alias : "");
            cerr_more(cx, "rego_compile_error", b->loc, msg);
            break;
        }
    }
}

/* A function argument pattern's variable named input or data (OPA's
 * resolveRefsInRule: object keys, sets, comprehensions and calls are not
 * walked). */
static const struct term *root_doc_arg(const struct term *t)
{
    switch (t->kind) {
    case TM_VAR:
        return !t->wildcard && (!strcmp(t->name, "input") || !strcmp(t->name, "data")) ? t
                                                                                        : NULL;
    case TM_ARRAY:
        for (size_t k = 0; k < t->n; k++)
            if (root_doc_arg(t->a[k]))
                return root_doc_arg(t->a[k]);
        return NULL;
    case TM_OBJECT:
        for (size_t k = 1; k < t->n; k += 2)
            if (root_doc_arg(t->a[k]))
                return root_doc_arg(t->a[k]);
        return NULL;
    default:
        return NULL;
    }
}

/* OPA's stages before the rule tree, each stopping compilation when it
 * found errors: ResolveRefs (function arguments named input or data, in
 * every module), CheckKeywordOverrides (Rego v1 modules: rules named
 * input or data) and CheckDuplicateImports. */
static int check_root_documents(struct cctx *cx, struct rego_compiled *c)
{
    for (size_t i = 0; i < c->nmods; i++)
        for (size_t k = 0; k < c->mods[i]->nrules; k++)
            for (const struct rule *r = c->mods[i]->rules[k]; r; r = r->els)
                for (size_t a = 0; a < r->nargs; a++) {
                    const struct term *x = root_doc_arg(r->args[a]);
                    if (!x)
                        continue;
                    char msg[160];
                    snprintf(msg, sizeof(msg),
                             "args must not shadow %s (use a different variable name)", x->name);
                    cerr_more(cx, "rego_compile_error", r->loc, msg);
                    break;
                }
    if (cx->failed)
        return -1;
    for (size_t i = 0; i < c->nmods; i++) {
        if (!c->mods[i]->v1)
            continue;
        for (size_t k = 0; k < c->mods[i]->nrules; k++)
            for (const struct rule *r = c->mods[i]->rules[k]; r; r = r->els) {
                const struct term *head = r->ref->kind == TM_REF ? r->ref->a[0] : r->ref;
                if (head->kind != TM_VAR ||
                    (strcmp(head->name, "input") != 0 && strcmp(head->name, "data") != 0))
                    continue;
                char msg[160];
                snprintf(msg, sizeof(msg), "rules must not shadow %s (use a different rule name)",
                         head->name);
                cerr_more(cx, "rego_compile_error", r->loc, msg);
            }
    }
    if (cx->failed)
        return -1;
    for (size_t i = 0; i < c->nmods; i++)
        check_imports(cx, c->mods[i]);
    return cx->failed ? -1 : 0;
}

/* OPA's type checker (typecheck.c) after safety; its errors all go to
 * cx->all, the first also to cx->err. */
static int type_check(struct cctx *cx)
{
    struct rtc_errors local = {0}, *out = cx->all ? cx->all : &local;
    size_t first = out->n;
    int n = rtc_check_modules(cx->c, out);
    if (n > 0 && out->n > first) {
        const struct rtc_error *e = &out->v[first];
        struct rloc loc = {arena_strdup(cx->a, e->file ? e->file : ""), e->row, e->col};
        rego_err_set(cx->err, e->code, loc, "%s", e->msg);
        cx->failed = true;
    }
    rtc_errors_free(&local);
    return n == 0 ? 0 : -1;
}

static int type_check_query(struct cctx *cx, struct body *b)
{
    struct rtc_errors local = {0}, *out = cx->all ? cx->all : &local;
    size_t first = out->n;
    int n = rtc_check_query(cx->c, b, cx->nslots, out);
    if (n > 0 && out->n > first) {
        const struct rtc_error *e = &out->v[first];
        struct rloc loc = {e->file ? arena_strdup(cx->a, e->file) : NULL, e->row, e->col};
        rego_err_set(cx->err, e->code, loc, "%s", e->msg);
        cx->failed = true;
    }
    rtc_errors_free(&local);
    return n == 0 ? 0 : -1;
}

static int compile_modules(struct cctx *cx, struct rego_compiled *c)
{
    c->root = arena_zalloc(cx->a, sizeof(*c->root));
    if (!c->root)
        return -1;
    c->root->path = "data";
    c->root->id = c->nnodes++;
    TRY(rcomp_metadata(cx->a, c->mods, c->nmods, cx->err)); /* compile_metadata.c */
    TRY(check_root_documents(cx, c));
    for (size_t i = 0; i < c->nmods; i++) {
        struct rnode *pn = c->root;
        for (size_t k = 0; k < c->mods[i]->pkg_len && pn; k++)
            pn = node_get(cx, pn, c->mods[i]->pkg_path[k]);
        if (!pn)
            return -1;
        pn->is_pkg = true;
        for (size_t k = 0; k < c->mods[i]->nrules; k++)
            TRY(file_rule(cx, c->mods[i], c->mods[i]->rules[k]));
    }
    node_sort_kids(c->root);
    TRY(check_conflicts(cx, c));
    mark_has_rules(c->root);
    TRY(compile_rules_of(cx, c->root));
    if (cx->any_failed)
        return -1;
    node_finish(c->root);
    struct dep_walk w = {.cx = cx};
    w.state = arena_zalloc(cx->a, (size_t)c->nnodes + 1);
    w.stack = arena_alloc(cx->a, ((size_t)c->nnodes + 1) * sizeof(*w.stack));
    if (!w.state || !w.stack)
        return -1;
    if (check_recursion(cx, c->root, &w) < 0)
        return w.cycle ? report_recursion(cx, &w) : -1;
    TRY(type_check(cx));
    return reval_prepare(c); /* eval.c: direct evaluation annotations */
}

int rcomp_modules_all(struct rego_compiled *c, struct rego_err *err, struct rtc_errors *all)
{
    size_t before = all ? all->n : 0;
    struct cctx cx = {.c = c, .a = &c->arena, .err = err, .all = all};
    int rc = compile_modules(&cx, c);
    free(cx.nodes.slot);
    node_rules_free(&cx);
    cerr_flush(&cx);
    if (rc < 0 && all && all->n == before && err->code[0] &&
        rtc_errors_add(all, err->code, err->msg, NULL, &err->loc) < 0)
        err->code[0] = '\0'; /* out of memory */
    return rc;
}

int rcomp_modules(struct rego_compiled *c, struct rego_err *err)
{
    return rcomp_modules_all(c, err, NULL);
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int rcomp_query(const struct rego_compiled *c, struct arena *a, const char *text, size_t len,
                struct rquery *q, struct rego_err *err)
{
    return rcomp_query_all(c, a, text, len, q, err, NULL);
}

static int compile_query(struct cctx *cx, const struct rego_compiled *c, struct arena *a,
                         const char *text, size_t len, struct rquery *q, struct rego_err *err)
{
    memset(q, 0, sizeof(*q));
    struct body *b;
    TRY(rparse_query(a, text, len, &b, err));
    struct scope *s = scope_new(cx, NULL, NULL);
    if (!s)
        return -1;
    TRY(declare_body(cx, s, b));
    TRY(resolve_body(cx, s, b));
    if (cx->failed)
        return -1; /* errors OPA reports each of (cfail_soft) */
    fold_body(cx, b);
    uint8_t *safe = arena_zalloc(a, (size_t)cx->nslots + 1);
    if (!safe)
        return -1;
    q->nexprs = b->n;
    /* n expressions and a NULL after them (b->e holds exactly n) */
    q->orig = arena_zalloc(a, (b->n + 1) * sizeof(*b->e));
    q->text = text;
    if (!q->orig)
        return -1;
    if (b->n)
        memcpy(q->orig, b->e, b->n * sizeof(*b->e));
    /* as OPA's rego package (rewriteQueryToCaptureValue): a term or call
     * expression reports its value, false included; with several
     * expressions or iteration a false value still fails */
    bool iter = false;
    for (size_t k = 0; k < b->n; k++) {
        struct expr *e = b->e[k];
        e->qtop = true;
        e->capture = !e->neg && e->kind == EX_TERM &&
                     !(e->a->kind == TM_CALL && e->a->call_out);
        uint8_t *mark = arena_zalloc(a, (size_t)cx->nslots + 1);
        if (!mark)
            return -1;
        expr_slots(e, mark);
        for (int sl = 0; sl < cx->nslots; sl++)
            iter = iter || mark[sl];
    }
    q->check_capture = b->n > 1 || iter;
    TRY(reorder_body(cx, b, safe));
    TRY(type_check_query(cx, b));
    q->body = b;
    q->nslots = cx->nslots;
    q->var_names = arena_alloc(a, (s->n + 1) * sizeof(*q->var_names));
    q->var_slots = arena_alloc(a, (s->n + 1) * sizeof(*q->var_slots));
    if (!q->var_names || !q->var_slots)
        return -1;
    const char **names = arena_alloc(a, (s->n + 1) * sizeof(*names));
    if (!names)
        return -1;
    for (size_t k = 0; k < s->n; k++)
        names[k] = s->names[k];
    qsort(names, s->n, sizeof(*names), cmp_names);
    for (size_t k = 0; k < s->n; k++) {
        q->var_names[k] = names[k];
        q->var_slots[k] = scope_find_local(s, names[k]);
    }
    q->nvars = s->n;
    return 0;
}

int rcomp_query_all(const struct rego_compiled *c, struct arena *a, const char *text, size_t len,
                    struct rquery *q, struct rego_err *err, struct rtc_errors *all)
{
    /* the compiler only reads the policy; it writes into the query arena */
    struct cctx cx = {.c = (struct rego_compiled *)c, .a = a, .err = err, .all = all};
    int rc = compile_query(&cx, c, a, text, len, q, err);
    cerr_flush(&cx);
    return rc;
}
