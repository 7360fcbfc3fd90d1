/* bi_objects.c - the Object Manipulation built-ins (object.get, keys,
 * remove, filter, union, union_n, subset) and the JSON Object Manipulation
 * ones (json.filter, json.remove, json.patch).
 *
 * Follows OPA: union merges nested objects with the right side winning,
 * union_n is a left fold of union, subset recurses into objects and
 * compares sets by membership and arrays as contiguous runs; the json.*
 * paths are "/"-separated strings (with ~0/~1 escapes) or arrays of
 * segments, and array elements are addressed by their index as a string. */
#include "rego/bi_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

/* ---- object.get / keys ---- */

/* OPA's Value.Find along path items [0..n). NULL when absent. */
static struct value *find_path(struct value *v, struct value *const *path, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct value *k = path[i];
        switch (v->type) {
        case V_OBJECT:
            v = value_object_get(v, k);
            break;
        case V_ARRAY: {
            int64_t idx;
            if (!bi_num_int64(k, &idx) || idx < 0 || (uint64_t)idx >= v->u.arr.len)
                return NULL;
            v = v->u.arr.items[idx];
            break;
        }
        case V_SET: {
            long at = value_set_index(v, k);
            v = at < 0 ? NULL : v->u.arr.items[at];
            break;
        }
        default:
            return NULL;
        }
        if (!v)
            return NULL;
    }
    return v;
}

BI_FN(bi_object_get)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    struct value *r;
    if (!v_is(args[1], V_ARRAY))
        r = value_object_get(args[0], args[1]);
    else
        r = find_path(args[0], args[1]->u.arr.items, args[1]->u.arr.len);
    *out = r ? r : args[2];
    return 0;
}

BI_FN(bi_object_keys)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    const struct value *o = args[0];
    struct value **keys = arena_alloc(ctx->arena, (o->u.obj.len + 1) * sizeof(*keys));
    if (!keys)
        return bi_oom(ctx);
    for (size_t i = 0; i < o->u.obj.len; i++)
        keys[i] = o->u.obj.pairs[i].key;
    BI_RET(v_set(ctx->arena, keys, o->u.obj.len));
}

/* ---- remove / filter ---- */

/* The key set of an array, set or object operand 2 (a set value). */
static int keys_param(struct rego_bi_ctx *ctx, const struct value *p, struct value **set)
{
    switch (p->type) {
    case V_ARRAY:
        *set = v_set(ctx->arena, p->u.arr.items, p->u.arr.len);
        break;
    case V_SET:
        *set = (struct value *)p;
        break;
    case V_OBJECT: {
        struct value **keys = arena_alloc(ctx->arena, (p->u.obj.len + 1) * sizeof(*keys));
        if (!keys)
            return bi_oom(ctx);
        for (size_t i = 0; i < p->u.obj.len; i++)
            keys[i] = p->u.obj.pairs[i].key;
        *set = v_set(ctx->arena, keys, p->u.obj.len);
        break;
    }
    default:
        return rego_bi_type_error(ctx, 2, "one of {object, set, array}", p);
    }
    return *set ? 0 : bi_oom(ctx);
}

static int keep_keys(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                     bool keep_listed)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    struct value *keys;
    TRY(keys_param(ctx, args[1], &keys));
    const struct value *o = args[0];
    struct pair_list kept = {0};
    for (size_t i = 0; i < o->u.obj.len; i++) {
        bool listed = value_set_contains(keys, o->u.obj.pairs[i].key);
        if (listed == keep_listed &&
            pair_list_push(ctx->arena, &kept, o->u.obj.pairs[i].key, o->u.obj.pairs[i].val) < 0)
            return bi_oom(ctx);
    }
    BI_RET(v_object(ctx->arena, kept.pairs, kept.len, DUP_LAST_WINS, NULL));
}

BI_FN(bi_object_remove) { return keep_keys(ctx, args, out, false); }
BI_FN(bi_object_filter) { return keep_keys(ctx, args, out, true); }

/* ---- union ---- */

static struct value *merge(struct arena *a, struct value *x, struct value *y)
{
    if (!v_is(x, V_OBJECT) || !v_is(y, V_OBJECT))
        return y;
    struct pair_list m = {0};
    size_t i = 0, k = 0;
    while (i < x->u.obj.len || k < y->u.obj.len) {
        int c = i == x->u.obj.len   ? 1
                : k == y->u.obj.len ? -1
                                    : value_compare(x->u.obj.pairs[i].key, y->u.obj.pairs[k].key);
        struct value *key, *val;
        if (c < 0) {
            key = x->u.obj.pairs[i].key;
            val = x->u.obj.pairs[i++].val;
        } else if (c > 0) {
            key = y->u.obj.pairs[k].key;
            val = y->u.obj.pairs[k++].val;
        } else {
            key = x->u.obj.pairs[i].key;
            val = merge(a, x->u.obj.pairs[i++].val, y->u.obj.pairs[k++].val);
            if (!val)
                return NULL;
        }
        if (pair_list_push(a, &m, key, val) < 0)
            return NULL;
    }
    return v_object(a, m.pairs, m.len, DUP_LAST_WINS, NULL);
}

BI_FN(bi_object_union)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    TRY(bi_want(ctx, args, 1, V_OBJECT));
    BI_RET(merge(ctx->arena, args[0], args[1]));
}

BI_FN(bi_object_union_n)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    const struct value *arr = args[0];
    for (size_t i = 0; i < arr->u.arr.len; i++)
        if (!v_is(arr->u.arr.items[i], V_OBJECT))
            return bi_elem_err(ctx, 1, arr, "object", arr->u.arr.items[i]);
    struct value *acc = v_object(ctx->arena, NULL, 0, DUP_LAST_WINS, NULL);
    for (size_t i = 0; acc && i < arr->u.arr.len; i++)
        acc = merge(ctx->arena, acc, arr->u.arr.items[i]);
    BI_RET(acc);
}

/* ---- subset ---- */

static bool set_subset(const struct value *super, const struct value *sub)
{
    for (size_t i = 0; i < sub->u.arr.len; i++)
        if (!value_set_contains(super, sub->u.arr.items[i]))
            return false;
    return true;
}

static bool array_subset(const struct value *super, const struct value *sub)
{
    size_t n = super->u.arr.len, m = sub->u.arr.len;
    if (m > n)
        return false;
    for (size_t s = 0; s + m <= n; s++) {
        size_t k = 0;
        while (k < m && value_compare(super->u.arr.items[s + k], sub->u.arr.items[k]) == 0)
            k++;
        if (k == m)
            return true;
    }
    return m == 0;
}

static bool object_subset(const struct value *super, const struct value *sub)
{
    for (size_t i = 0; i < sub->u.obj.len; i++) {
        const struct value *sv = sub->u.obj.pairs[i].val;
        const struct value *pv = value_object_get(super, sub->u.obj.pairs[i].key);
        if (!pv)
            return false;
        if (value_equal(sv, pv))
            continue;
        if (pv->type != sv->type)
            return false;
        if (pv->type == V_OBJECT && object_subset(pv, sv))
            continue;
        if (pv->type == V_SET && set_subset(pv, sv))
            continue;
        if (pv->type == V_ARRAY && array_subset(pv, sv))
            continue;
        return false;
    }
    return true;
}

static bool array_set_subset(const struct value *super, const struct value *sub)
{
    size_t unmatched = sub->u.arr.len;
    if (unmatched == 0)
        return true;
    for (size_t i = 0; i < super->u.arr.len; i++) {
        if (value_set_contains(sub, super->u.arr.items[i]))
            unmatched--;
        if (unmatched == 0)
            return true;
    }
    return false;
}

BI_FN(bi_object_subset)
{
    const struct value *super = args[0], *sub = args[1];
    bool r;
    if (v_is(super, V_OBJECT) && v_is(sub, V_OBJECT))
        r = object_subset(super, sub);
    else if (v_is(super, V_SET) && v_is(sub, V_SET))
        r = set_subset(super, sub);
    else if (v_is(super, V_ARRAY) && v_is(sub, V_ARRAY))
        r = array_subset(super, sub);
    else if (v_is(super, V_ARRAY) && v_is(sub, V_SET))
        r = array_set_subset(super, sub);
    else
        return rego_bi_error(ctx, "eval_type_error",
                             "both arguments object.subset must be of the same type or array and set");
    *out = v_bool(r);
    return 0;
}

/* ---- JSON paths ---- */

struct jpath {
    struct value **seg;
    size_t n;
};

/* One path: "/a/b" (with ~1 ~0 escapes) or an array of segments. */
static int parse_path(struct rego_bi_ctx *ctx, const struct value *p, struct jpath *out)
{
    out->seg = NULL;
    out->n = 0;
    if (v_is(p, V_ARRAY)) {
        out->seg = p->u.arr.items;
        out->n = p->u.arr.len;
        return 0;
    }
    if (!v_is(p, V_STRING))
        return bi_operand_err(ctx, 2,
                              "must be one of {set, array} containing string paths or array of "
                              "path segments but got %s",
                              value_type_name((enum value_type)p->type));
    const char *s = p->u.str.s;
    size_t n = p->u.str.len;
    if (n == 0)
        return 0;
    while (n && *s == '/') {
        s++;
        n--;
    }
    struct value_list segs = {0};
    for (;;) {
        const char *slash = memchr(s, '/', n);
        size_t len = slash ? (size_t)(slash - s) : n;
        struct buf b = BUF_INIT;
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '~' && i + 1 < len && s[i + 1] == '1') {
                buf_putc(&b, '/');
                i++;
            } else if (s[i] == '~' && i + 1 < len && s[i + 1] == '0') {
                buf_putc(&b, '~');
                i++;
            } else {
                buf_putc(&b, s[i]);
            }
        }
        if (value_list_push(ctx->arena, &segs, bi_buf_str(ctx, &b)) < 0)
            return bi_oom(ctx);
        if (!slash)
            break;
        n -= len + 1;
        s = slash + 1;
    }
    out->seg = segs.items;
    out->n = segs.len;
    return 0;
}

static int parse_paths(struct rego_bi_ctx *ctx, const struct value *p, struct jpath **paths,
                       size_t *n)
{
    if (!v_is(p, V_ARRAY) && !v_is(p, V_SET))
        return rego_bi_type_error(ctx, 2, "one of {set, array}", p);
    *n = p->u.arr.len;
    *paths = arena_alloc(ctx->arena, (*n + 1) * sizeof(**paths));
    if (!*paths)
        return bi_oom(ctx);
    for (size_t i = 0; i < *n; i++)
        TRY(parse_path(ctx, p->u.arr.items[i], &(*paths)[i]));
    return 0;
}

/* A tree of the paths: object nodes, null at each path's end (a shorter
 * path covers every longer one through it). Built as a mutable tree. */
struct ptree {
    struct value *key;
    bool leaf;
    struct ptree *kids;
    struct ptree *next;
};

static struct ptree *ptree_child(struct arena *a, struct ptree *node, struct value *key)
{
    for (struct ptree *k = node->kids; k; k = k->next)
        if (value_equal(k->key, key))
            return k;
    struct ptree *k = arena_zalloc(a, sizeof(*k));
    if (!k)
        return NULL;
    k->key = key;
    k->next = node->kids;
    node->kids = k;
    return k;
}

static int ptree_build(struct rego_bi_ctx *ctx, const struct jpath *paths, size_t n,
                       struct ptree *root)
{
    for (size_t p = 0; p < n; p++) {
        struct ptree *node = root;
        if (paths[p].n == 0)
            continue;
        bool done = false;
        for (size_t i = 0; i + 1 < paths[p].n && !done; i++) {
            node = ptree_child(ctx->arena, node, paths[p].seg[i]);
            if (!node)
                return bi_oom(ctx);
            done = node->leaf;
        }
        if (done)
            continue;
        struct ptree *last = ptree_child(ctx->arena, node, paths[p].seg[paths[p].n - 1]);
        if (!last)
            return bi_oom(ctx);
        last->leaf = true;
        last->kids = NULL;
    }
    return 0;
}

static struct ptree *ptree_get(const struct ptree *node, const struct value *key)
{
    for (struct ptree *k = node->kids; k; k = k->next)
        if (value_equal(k->key, key))
            return k;
    return NULL;
}

static struct value *index_key(struct arena *a, size_t i)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%zu", i);
    return v_string(a, tmp, (size_t)n);
}

/* OPA's Object.Filter: keep what the tree names. */
static struct value *filter_value(struct arena *a, struct value *v, const struct ptree *f)
{
    if (f->leaf)
        return v;
    switch (v->type) {
    case V_ARRAY: {
        struct value_list l = {0};
        for (size_t i = 0; i < v->u.arr.len; i++) {
            struct value *k = index_key(a, i);
            const struct ptree *sub = k ? ptree_get(f, k) : NULL;
            if (!k)
                return NULL;
            if (!sub)
                continue;
            struct value *fv = filter_value(a, v->u.arr.items[i], sub);
            if (!fv || value_list_push(a, &l, fv) < 0)
                return NULL;
        }
        return v_array(a, l.items, l.len);
    }
    case V_SET: {
        struct value_list l = {0};
        for (size_t i = 0; i < v->u.arr.len; i++) {
            const struct ptree *sub = ptree_get(f, v->u.arr.items[i]);
            if (!sub)
                continue;
            struct value *fv = filter_value(a, v->u.arr.items[i], sub);
            if (!fv || value_list_push(a, &l, fv) < 0)
                return NULL;
        }
        return v_set(a, l.items, l.len);
    }
    case V_OBJECT: {
        struct pair_list l = {0};
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const struct ptree *sub = ptree_get(f, v->u.obj.pairs[i].key);
            if (!sub)
                continue;
            struct value *fv = filter_value(a, v->u.obj.pairs[i].val, sub);
            if (!fv || pair_list_push(a, &l, v->u.obj.pairs[i].key, fv) < 0)
                return NULL;
        }
        return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    }
    default:
        return v;
    }
}

BI_FN(bi_json_filter)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    struct jpath *paths;
    size_t n;
    TRY(parse_paths(ctx, args[1], &paths, &n));
    struct ptree root = {0};
    TRY(ptree_build(ctx, paths, n, &root));
    BI_RET(filter_value(ctx->arena, args[0], &root));
}

/* jsonRemove: drop what the tree names; *gone when v itself is removed. */
static struct value *remove_value(struct arena *a, struct value *v, const struct ptree *f, bool *gone)
{
    *gone = false;
    if (!f)
        return v;
    if (f->leaf) {
        *gone = true;
        return v;
    }
    switch (v->type) {
    case V_ARRAY:
    case V_SET: {
        struct value_list l = {0};
        for (size_t i = 0; i < v->u.arr.len; i++) {
            const struct ptree *sub;
            if (v->type == V_ARRAY) {
                struct value *k = index_key(a, i);
                if (!k)
                    return NULL;
                sub = ptree_get(f, k);
            } else {
                sub = ptree_get(f, v->u.arr.items[i]);
            }
            bool g;
            struct value *rv = remove_value(a, v->u.arr.items[i], sub, &g);
            if (!rv)
                return NULL;
            if (!g && value_list_push(a, &l, rv) < 0)
                return NULL;
        }
        return v->type == V_ARRAY ? v_array(a, l.items, l.len) : v_set(a, l.items, l.len);
    }
    case V_OBJECT: {
        struct pair_list l = {0};
        for (size_t i = 0; i < v->u.obj.len; i++) {
            bool g;
            struct value *rv =
                remove_value(a, v->u.obj.pairs[i].val, ptree_get(f, v->u.obj.pairs[i].key), &g);
            if (!rv)
                return NULL;
            if (!g && pair_list_push(a, &l, v->u.obj.pairs[i].key, rv) < 0)
                return NULL;
        }
        return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    }
    default:
        return v;
    }
}

BI_FN(bi_json_remove)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    struct jpath *paths;
    size_t n;
    TRY(parse_paths(ctx, args[1], &paths, &n));
    struct ptree root = {0};
    TRY(ptree_build(ctx, paths, n, &root));
    bool gone;
    struct value *r = remove_value(ctx->arena, args[0], &root, &gone);
    if (r && gone)
        BI_UNDEF();
    BI_RET(r);
}

/* ---- json.patch (RFC 6902 over immutable values) ---- */

static bool array_index(const struct value *seg, size_t len, bool allow_end, size_t *idx)
{
    if (v_is(seg, V_STRING)) {
        const char *s = seg->u.str.s;
        size_t n = seg->u.str.len;
        if (allow_end && n == 1 && s[0] == '-') {
            *idx = len;
            return true;
        }
        if (n == 0 || n > 18 || (n > 1 && s[0] == '0'))
            return false;
        size_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            v = v * 10 + (size_t)(s[i] - '0');
        }
        *idx = v;
    } else {
        int64_t v;
        if (!bi_num_int64(seg, &v) || v < 0)
            return false;
        *idx = (size_t)v;
    }
    return *idx < len || (allow_end && *idx == len);
}

enum patch_op { P_ADD, P_REMOVE };

/* Returns the document with value added at / removed from path; NULL on
 * a path error (*bad set) or out of memory. */
static struct value *patch_at(struct arena *a, struct value *doc, struct value *const *seg, size_t n,
                              enum patch_op op, struct value *val, bool *bad)
{
    if (n == 0) {
        if (op == P_ADD)
            return val;
        *bad = true;
        return NULL;
    }
    struct value *key = seg[0];
    switch (doc->type) {
    case V_OBJECT: {
        struct value *child = value_object_get(doc, key);
        struct value *nv;
        if (n == 1) {
            if (op == P_REMOVE && !child) {
                *bad = true;
                return NULL;
            }
            nv = op == P_ADD ? val : NULL;
        } else {
            if (!child) {
                *bad = true;
                return NULL;
            }
            nv = patch_at(a, child, seg + 1, n - 1, op, val, bad);
            if (!nv)
                return NULL;
        }
        struct pair_list l = {0};
        for (size_t i = 0; i < doc->u.obj.len; i++) {
            if (value_equal(doc->u.obj.pairs[i].key, key))
                continue;
            if (pair_list_push(a, &l, doc->u.obj.pairs[i].key, doc->u.obj.pairs[i].val) < 0)
                return NULL;
        }
        if (nv && pair_list_push(a, &l, key, nv) < 0)
            return NULL;
        return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    }
    case V_ARRAY: {
        size_t len = doc->u.arr.len, idx;
        bool insert = n == 1 && op == P_ADD;
        if (!array_index(key, len, insert, &idx)) {
            *bad = true;
            return NULL;
        }
        struct value_list l = {0};
        for (size_t i = 0; i <= len; i++) {
            if (i == idx) {
                struct value *nv = NULL;
                if (insert)
                    nv = val;
                else if (n > 1 && !(nv = patch_at(a, doc->u.arr.items[i], seg + 1, n - 1, op, val, bad)))
                    return NULL;
                if (nv && value_list_push(a, &l, nv) < 0)
                    return NULL;
                if (!insert)
                    continue;
            }
            if (i < len && value_list_push(a, &l, doc->u.arr.items[i]) < 0)
                return NULL;
        }
        return v_array(a, l.items, l.len);
    }
    case V_SET: {
        if (n != 1) {
            long at = value_set_index(doc, key);
            if (at < 0) {
                *bad = true;
                return NULL;
            }
            struct value *nv = patch_at(a, doc->u.arr.items[at], seg + 1, n - 1, op, val, bad);
            if (!nv)
                return NULL;
            struct value_list l = {0};
            for (size_t i = 0; i < doc->u.arr.len; i++)
                if (value_list_push(a, &l, (long)i == at ? nv : doc->u.arr.items[i]) < 0)
                    return NULL;
            return v_set(a, l.items, l.len);
        }
        struct value_list l = {0};
        bool found = false;
        for (size_t i = 0; i < doc->u.arr.len; i++) {
            if (value_equal(doc->u.arr.items[i], key)) {
                found = true;
                continue;
            }
            if (value_list_push(a, &l, doc->u.arr.items[i]) < 0)
                return NULL;
        }
        if (op == P_REMOVE && !found) {
            *bad = true;
            return NULL;
        }
        if (op == P_ADD && !value_equal(key, val)) {
            *bad = true; /* a set member is addressed by itself */
            return NULL;
        }
        if (op == P_ADD && value_list_push(a, &l, val) < 0)
            return NULL;
        return v_set(a, l.items, l.len);
    }
    default:
        *bad = true;
        return NULL;
    }
}

/* The value at a JSON-patch path (array indexes may be strings). */
static struct value *patch_find(struct value *v, struct value *const *seg, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        if (v->type == V_ARRAY) {
            size_t idx;
            v = array_index(seg[i], v->u.arr.len, false, &idx) ? v->u.arr.items[idx] : NULL;
        } else {
            v = find_path(v, &seg[i], 1);
        }
    }
    return v;
}

/* One patch operation; NULL with *bad for an invalid operation. */
static struct value *apply_patch(struct rego_bi_ctx *ctx, struct value *doc, const struct value *op,
                                 bool *bad)
{
    struct arena *a = ctx->arena;
    if (!v_is(op, V_OBJECT)) {
        *bad = true;
        return NULL;
    }
    const struct value *name = value_object_get_str(op, "op");
    struct value *path = value_object_get_str(op, "path");
    if (!v_is(name, V_STRING) || !path) {
        *bad = true;
        return NULL;
    }
    struct jpath p, from;
    if (parse_path(ctx, path, &p) < 0) {
        *bad = true;
        return NULL;
    }
    const char *o = name->u.str.s;
    struct value *val = value_object_get_str(op, "value");
    struct value *from_v = value_object_get_str(op, "from");
    if (!strcmp(o, "add") || !strcmp(o, "replace") || !strcmp(o, "test")) {
        if (!val) {
            *bad = true;
            return NULL;
        }
    } else if (!strcmp(o, "move") || !strcmp(o, "copy")) {
        if (!from_v || parse_path(ctx, from_v, &from) < 0) {
            *bad = true;
            return NULL;
        }
    } else if (strcmp(o, "remove") != 0) {
        *bad = true;
        return NULL;
    }
    if (!strcmp(o, "add"))
        return patch_at(a, doc, p.seg, p.n, P_ADD, val, bad);
    if (!strcmp(o, "remove"))
        return patch_at(a, doc, p.seg, p.n, P_REMOVE, NULL, bad);
    if (!strcmp(o, "replace")) {
        struct value *d = patch_at(a, doc, p.seg, p.n, P_REMOVE, NULL, bad);
        if (p.n == 0) {
            *bad = false;
            return val;
        }
        return d ? patch_at(a, d, p.seg, p.n, P_ADD, val, bad) : NULL;
    }
    if (!strcmp(o, "test")) {
        struct value *cur = patch_find(doc, p.seg, p.n);
        if (!cur || !value_equal(cur, val)) {
            *bad = true;
            return NULL;
        }
        return doc;
    }
    struct value *chunk = patch_find(doc, from.seg, from.n);
    if (!chunk) {
        *bad = true;
        return NULL;
    }
    if (!strcmp(o, "move")) {
        doc = patch_at(a, doc, from.seg, from.n, P_REMOVE, NULL, bad);
        if (!doc)
            return NULL;
    }
    return patch_at(a, doc, p.seg, p.n, P_ADD, chunk, bad);
}

BI_FN(bi_json_patch)
{
    TRY(bi_want(ctx, args, 1, V_ARRAY));
    struct value *doc = args[0];
    const struct value *ops = args[1];
    for (size_t i = 0; i < ops->u.arr.len; i++) {
        bool bad = false;
        doc = apply_patch(ctx, doc, ops->u.arr.items[i], &bad);
        if (!doc) {
            if (bad) /* OPA: any patch failure makes the call undefined */
                BI_UNDEF();
            return bi_oom(ctx);
        }
    }
    *out = doc;
    return 0;
}

const struct rego_builtin rego_bi_objects[] = {
    {"json.filter", 2, bi_json_filter, 0, NULL},
    {"json.patch", 2, bi_json_patch, 0, NULL},
    {"json.remove", 2, bi_json_remove, 0, NULL},
    {"object.filter", 2, bi_object_filter, 0, NULL},
    {"object.get", 3, bi_object_get, 0, NULL},
    {"object.keys", 1, bi_object_keys, 0, NULL},
    {"object.remove", 2, bi_object_remove, 0, NULL},
    {"object.subset", 2, bi_object_subset, 0, NULL},
    {"object.union", 2, bi_object_union, 0, NULL},
    {"object.union_n", 1, bi_object_union_n, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
