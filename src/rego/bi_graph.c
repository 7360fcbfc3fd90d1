/* bi_graph.c - the Graphs built-ins: walk (a relation: every [path, value]
 * of a document, root first), graph.reachable and graph.reachable_paths.
 *
 * As OPA: a graph is an object from node to an array or set of neighbours;
 * the initial nodes are an array or a set (anything else is OPA's type
 * error "operand 2 must be {array, set} but got <type>"); reachable returns the initial and discovered nodes that appear in the
 * graph; reachable_paths follows edges depth-first from each initial node,
 * ending a path at a node without edges, at a node outside the graph
 * (which is then left out) or where it meets an already reached node. */
#include "rego/bi_util.h"

#include <string.h>

#define WALK_MAX_DEPTH 10000

struct walker {
    struct rego_bi_ctx *ctx;
    struct value_list out;
    struct value_list path;
};

static int walk_node(struct walker *w, struct value *v, int depth)
{
    struct arena *a = w->ctx->arena;
    if (depth > WALK_MAX_DEPTH)
        return bi_err(w->ctx, "document too deep");
    struct value *pair[2] = {v_array(a, w->path.items, w->path.len), v};
    struct value *p = pair[0] ? v_array(a, pair, 2) : NULL;
    if (!p || value_list_push(a, &w->out, p) < 0)
        return bi_oom(w->ctx);
    size_t n = v->type == V_OBJECT ? v->u.obj.len
               : (v->type == V_ARRAY || v->type == V_SET) ? v->u.arr.len
                                                          : 0;
    for (size_t i = 0; i < n; i++) {
        struct value *key, *child;
        if (v->type == V_OBJECT) {
            key = v->u.obj.pairs[i].key;
            child = v->u.obj.pairs[i].val;
        } else {
            child = v->u.arr.items[i];
            key = v->type == V_ARRAY ? v_int(a, (int64_t)i) : child;
        }
        if (!key || value_list_push(a, &w->path, key) < 0)
            return bi_oom(w->ctx);
        TRY(walk_node(w, child, depth + 1));
        w->path.len--;
    }
    return 0;
}

static int bi_walk(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                   struct value **out)
{
    struct walker w = {ctx, {0}, {0}};
    TRY(walk_node(&w, args[0], 0));
    BI_RET(v_array(ctx->arena, w.out.items, w.out.len));
}

/* ---- graphs ---- */

static size_t vertex_count(const struct value *v)
{
    return (v_is(v, V_ARRAY) || v_is(v, V_SET)) ? v->u.arr.len : 0;
}

/* OPA checks the initial nodes' type itself (the type checker cannot when
 * they come from input); its expected text is "{array, set}" as one word. */
static int want_initial_nodes(struct rego_bi_ctx *ctx, const struct value *initial)
{
    if (v_is(initial, V_ARRAY) || v_is(initial, V_SET))
        return 0;
    return bi_type_err(ctx, 2, "{array, set}", initial);
}

static bool list_has(const struct value_list *l, const struct value *v)
{
    for (size_t i = 0; i < l->len; i++)
        if (value_equal(l->items[i], v))
            return true;
    return false;
}

static int bi_reachable(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                        struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    TRY(want_initial_nodes(ctx, args[1]));
    struct arena *a = ctx->arena;
    struct value_list queue = {0}, reached = {0};
    for (size_t i = 0; i < vertex_count(args[1]); i++)
        if (value_list_push(a, &queue, args[1]->u.arr.items[i]) < 0)
            return bi_oom(ctx);
    for (size_t q = 0; q < queue.len; q++) {
        struct value *node = queue.items[q];
        const struct value *edges = value_object_get(args[0], node);
        if (!edges)
            continue;
        for (size_t i = 0; i < vertex_count(edges); i++) {
            struct value *nb = edges->u.arr.items[i];
            if (!list_has(&reached, nb) && value_list_push(a, &queue, nb) < 0)
                return bi_oom(ctx);
        }
        if (!list_has(&reached, node) && value_list_push(a, &reached, node) < 0)
            return bi_oom(ctx);
        if (queue.len > 10000000)
            return bi_err(ctx, "graph too large");
    }
    BI_RET(v_set(a, reached.items, reached.len));
}

struct paths {
    struct rego_bi_ctx *ctx;
    const struct value *graph;
    struct value_list result;
    struct value_list reached;
};

static int add_path(struct paths *p, struct value **items, size_t n)
{
    struct value *arr = v_array(p->ctx->arena, items, n);
    if (!arr || value_list_push(p->ctx->arena, &p->result, arr) < 0)
        return bi_oom(p->ctx);
    return 0;
}

static int build_paths(struct paths *p, struct value *root, struct value_list *path, int depth)
{
    struct arena *a = p->ctx->arena;
    if (depth > WALK_MAX_DEPTH)
        return bi_err(p->ctx, "graph too deep");
    const struct value *edges = value_object_get(p->graph, root);
    if (!edges)
        return add_path(p, path->items, path->len);
    if (value_list_push(a, path, root) < 0)
        return bi_oom(p->ctx);
    size_t n = vertex_count(edges);
    if (n == 0) {
        TRY(add_path(p, path->items, path->len));
    }
    for (size_t i = 0; i < n; i++) {
        struct value *nb = edges->u.arr.items[i];
        if (list_has(&p->reached, nb)) {
            TRY(add_path(p, path->items, path->len));
        } else {
            if (!list_has(&p->reached, root) && value_list_push(a, &p->reached, root) < 0)
                return bi_oom(p->ctx);
            TRY(build_paths(p, nb, path, depth + 1));
        }
    }
    path->len--;
    return 0;
}

static int bi_reachable_paths(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                              struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    TRY(want_initial_nodes(ctx, args[1]));
    struct paths p = {ctx, args[0], {0}, {0}};
    for (size_t i = 0; i < vertex_count(args[1]); i++) {
        struct value *node = args[1]->u.arr.items[i];
        const struct value *edges = value_object_get(args[0], node);
        if (!edges)
            continue;
        size_t n = vertex_count(edges);
        if (n == 0) {
            TRY(add_path(&p, &node, 1));
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            struct value_list path = {0};
            p.reached.len = 0;
            if (value_list_push(ctx->arena, &path, node) < 0 ||
                value_list_push(ctx->arena, &p.reached, node) < 0)
                return bi_oom(ctx);
            TRY(build_paths(&p, edges->u.arr.items[k], &path, 0));
        }
    }
    BI_RET(v_set(ctx->arena, p.result.items, p.result.len));
}

const struct rego_builtin rego_bi_graph[] = {
    {"graph.reachable", 2, bi_reachable, 0, NULL},
    {"graph.reachable_paths", 2, bi_reachable_paths, 0, NULL},
    {"walk", 1, bi_walk, BI_RELATION, NULL},
    {NULL, 0, NULL, 0, NULL},
};
