/* bi_graphql_overlap.c - the OverlappingFieldsCanBeMerged validation rule,
 * as gqlparser implements graphql-js's algorithm.
 *
 * Two fields with the same response name (alias or name) in one selection
 * (inline fragments and fragment spreads included) must be the same field
 * with the same arguments, unless their parents are different object
 * types, and their return types must not conflict; sub-selections are
 * compared recursively.  Fragment pairs already compared are remembered
 * for the whole document.  Cyclic fragments could make this recurse
 * without end, so recursion depth and work are bounded (the walker's
 * budget). */
#include <string.h>

#include "rego/bi_graphql.h"

struct conflict {
    const char *response;
    const char *message;  /* when no sub-conflicts */
    struct gql_vec subs;  /* struct conflict * */
    struct gql_pos pos;
};

/* Fields of a selection set grouped by response name, in first-seen order. */
struct field_map {
    struct gql_vec names;    /* char * */
    struct gql_map *by_name; /* name -> struct gql_vec * of struct gql_sel * */
};

static const char *response_name(const struct gql_sel *f)
{
    return f->alias[0] ? f->alias : f->name;
}

static void collect(struct gql_walker *w, const struct gql_vec *sels, struct field_map *fm,
                    struct gql_vec *spreads, int depth)
{
    if (depth > GQL_MAX_WALK_DEPTH || !gql_step(w)) {
        w->aborted = true;
        return;
    }
    for (size_t i = 0; i < sels->n; i++) {
        struct gql_sel *s = sels->v[i];
        if (s->kind == GQL_SEL_FIELD) {
            const char *rn = response_name(s);
            struct gql_vec *list = gql_map_get(fm->by_name, rn);
            if (!list) {
                list = gql_alloc(w->m, sizeof(*list));
                gql_map_put(w->m, fm->by_name, rn, list);
                gql_push(w->m, &fm->names, (void *)rn);
            }
            gql_push(w->m, list, s);
        } else if (s->kind == GQL_SEL_INLINE) {
            collect(w, &s->sels, fm, spreads, depth + 1);
        } else {
            gql_push(w->m, spreads, s);
        }
    }
}

static struct field_map *fields_and_spreads(struct gql_walker *w, const struct gql_vec *sels,
                                            struct gql_vec *spreads)
{
    struct field_map *fm = gql_alloc(w->m, sizeof(*fm));
    fm->by_name = gql_map_new(w->m);
    collect(w, sels, fm, spreads, 0);
    return fm;
}

static bool same_fields(const struct field_map *a, const struct field_map *b)
{
    if (a->names.n != b->names.n)
        return false;
    for (size_t i = 0; i < a->names.n; i++) {
        if (strcmp(a->names.v[i], b->names.v[i]))
            return false;
        struct gql_vec *la = gql_map_get(a->by_name, a->names.v[i]);
        struct gql_vec *lb = gql_map_get(b->by_name, b->names.v[i]);
        if (la->n != lb->n || memcmp(la->v, lb->v, la->n * sizeof(void *)))
            return false;
    }
    return true;
}

/* ---- the pair set of compared fragments ---- */

static const char *pair_key(struct gql_walker *w, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *k = gql_alloc(w->m, la + lb + 2);
    memcpy(k, a, la);
    k[la] = '\x01';
    memcpy(k + la + 1, b, lb);
    return k;
}

/* Values: 1 = compared as not exclusive, 2 = as exclusive. */
static bool pair_has(struct gql_walker *w, const char *a, const char *b, bool exclusive)
{
    long r = (long)gql_map_get(w->overlap_pairs, pair_key(w, a, b));
    if (!r)
        return false;
    return exclusive ? true : r == 1;
}

static void pair_add(struct gql_walker *w, const char *a, const char *b, bool exclusive)
{
    void *v = (void *)(long)(exclusive ? 2 : 1);
    gql_map_put(w->m, w->overlap_pairs, pair_key(w, a, b), v);
    gql_map_put(w->m, w->overlap_pairs, pair_key(w, b, a), v);
}

/* ---- comparisons ---- */

static struct conflict *find_conflict(struct gql_walker *w, bool exclusive, struct gql_sel *a,
                                      struct gql_sel *b, int depth);

static void between(struct gql_walker *w, struct gql_vec *out, bool exclusive,
                    const struct field_map *ma, const struct field_map *mb, int depth)
{
    for (size_t i = 0; i < ma->names.n && !w->aborted; i++) {
        struct gql_vec *lb = gql_map_get(mb->by_name, ma->names.v[i]);
        struct gql_vec *la = gql_map_get(ma->by_name, ma->names.v[i]);
        for (size_t x = 0; lb && x < la->n; x++)
            for (size_t y = 0; y < lb->n; y++) {
                struct conflict *c = find_conflict(w, exclusive, la->v[x], lb->v[y], depth + 1);
                if (c)
                    gql_push(w->m, out, c);
            }
    }
}

static void fields_and_fragment(struct gql_walker *w, struct gql_vec *out, bool exclusive,
                                const struct field_map *fm, struct gql_sel *spread, int depth)
{
    if (depth > GQL_MAX_WALK_DEPTH || !gql_step(w)) {
        w->aborted = true;
        return;
    }
    if (gql_map_get(w->overlap_compared, spread->name))
        return;
    gql_map_put(w->m, w->overlap_compared, spread->name, spread);
    if (!spread->frag)
        return;
    struct gql_vec spreads = {0};
    struct field_map *fb = fields_and_spreads(w, &spread->frag->sels, &spreads);
    if (same_fields(fm, fb))
        return;
    between(w, out, exclusive, fm, fb, depth);
    for (size_t i = 0; i < spreads.n; i++) {
        struct gql_sel *s = spreads.v[i];
        if (strcmp(s->name, spread->name))
            fields_and_fragment(w, out, exclusive, fm, s, depth + 1);
    }
}

static void fragments_check(struct gql_walker *w, struct gql_vec *out, bool exclusive,
                            struct gql_sel *a, struct gql_sel *b, int depth)
{
    if (!strcmp(a->name, b->name) || pair_has(w, a->name, b->name, exclusive))
        return;
    if (depth > GQL_MAX_WALK_DEPTH || !gql_step(w)) {
        w->aborted = true;
        return;
    }
    pair_add(w, a->name, b->name, exclusive);
    if (!a->frag || !b->frag)
        return;
    struct gql_vec sa = {0}, sb = {0};
    struct field_map *fa = fields_and_spreads(w, &a->frag->sels, &sa);
    struct field_map *fb = fields_and_spreads(w, &b->frag->sels, &sb);
    between(w, out, exclusive, fa, fb, depth);
    for (size_t i = 0; i < sb.n; i++)
        fragments_check(w, out, exclusive, a, sb.v[i], depth + 1);
    for (size_t i = 0; i < sa.n; i++)
        fragments_check(w, out, exclusive, sa.v[i], b, depth + 1);
}

static void sub_selections(struct gql_walker *w, struct gql_vec *out, bool exclusive,
                           const struct gql_vec *sela, const struct gql_vec *selb, int depth)
{
    struct gql_vec sa = {0}, sb = {0};
    struct field_map *fa = fields_and_spreads(w, sela, &sa);
    struct field_map *fb = fields_and_spreads(w, selb, &sb);
    between(w, out, exclusive, fa, fb, depth);
    for (size_t i = 0; i < sb.n; i++) {
        w->overlap_compared = gql_map_new(w->m);
        fields_and_fragment(w, out, exclusive, fa, sb.v[i], depth + 1);
    }
    for (size_t i = 0; i < sa.n; i++) {
        w->overlap_compared = gql_map_new(w->m);
        fields_and_fragment(w, out, exclusive, fb, sa.v[i], depth + 1);
    }
    for (size_t i = 0; i < sa.n; i++)
        for (size_t k = 0; k < sb.n; k++)
            fragments_check(w, out, exclusive, sa.v[i], sb.v[k], depth + 1);
}

static bool same_arguments(const struct gql_vec *a, const struct gql_vec *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        struct gql_arg *x = a->v[i];
        bool matched = false;
        for (size_t k = 0; k < b->n && !matched; k++) {
            struct gql_arg *y = b->v[k];
            matched = !strcmp(x->name, y->name) && x->value && y->value &&
                      x->value->kind == y->value->kind && x->value->raw_len == y->value->raw_len &&
                      !memcmp(x->value->raw, y->value->raw, x->value->raw_len);
        }
        if (!matched)
            return false;
    }
    return true;
}

static bool types_conflict(struct gql_walker *w, const struct gql_type *t1, const struct gql_type *t2)
{
    for (int guard = 0; t1 && t2 && guard <= GQL_MAX_DEPTH; guard++) {
        if (t1->elem || t2->elem) {
            if (!t1->elem || !t2->elem)
                return true;
            t1 = t1->elem;
            t2 = t2->elem;
            continue;
        }
        if (t1->nonnull != t2->nonnull)
            return true;
        struct gql_def *d1 = gql_map_get(w->schema->types, t1->named);
        struct gql_def *d2 = gql_map_get(w->schema->types, t2->named);
        if (gql_is_leaf(d1) && gql_is_leaf(d2))
            return strcmp(d1->name, d2->name) != 0;
        return false;
    }
    return false;
}

static struct conflict *new_conflict(struct gql_walker *w, const char *response,
                                     const char *message, struct gql_pos pos)
{
    struct conflict *c = gql_alloc(w->m, sizeof(*c));
    c->response = response;
    c->message = message;
    c->pos = pos;
    return c;
}

static struct conflict *find_conflict(struct gql_walker *w, bool exclusive, struct gql_sel *a,
                                      struct gql_sel *b, int depth)
{
    if (!a->object_def || !b->object_def || w->aborted)
        return NULL;
    if (depth > GQL_MAX_WALK_DEPTH || !gql_step(w)) {
        w->aborted = true;
        return NULL;
    }
    bool mutex = exclusive || (strcmp(a->object_def->name, b->object_def->name) &&
                               gql_kind_is(a->object_def, "OBJECT") &&
                               gql_kind_is(b->object_def, "OBJECT") && a->definition &&
                               b->definition);
    const char *rn = response_name(a);
    if (!mutex && strcmp(a->name, b->name))
        return new_conflict(w, rn,
                            arena_sprintf(w->m->arena, "\"%s\" and \"%s\" are different fields",
                                          a->name, b->name),
                            b->pos);
    if (!mutex && !same_arguments(&a->args, &b->args))
        return new_conflict(w, rn, "they have differing arguments", b->pos);
    if (a->definition && b->definition &&
        types_conflict(w, a->definition->type, b->definition->type))
        return new_conflict(w, rn,
                            arena_sprintf(w->m->arena,
                                          "they return conflicting types \"%s\" and \"%s\"",
                                          gql_type_str(w->m, a->definition->type),
                                          gql_type_str(w->m, b->definition->type)),
                            b->pos);
    struct gql_vec subs = {0};
    sub_selections(w, &subs, mutex, &a->sels, &b->sels, depth + 1);
    if (!subs.n)
        return NULL;
    struct conflict *c = new_conflict(w, rn, NULL, b->pos);
    c->subs = subs;
    return c;
}

static void conflict_text(struct buf *b, const struct conflict *c, int depth)
{
    if (!c->subs.n || depth > GQL_MAX_WALK_DEPTH) {
        buf_puts(b, c->message ? c->message : "");
        return;
    }
    for (size_t i = 0; i < c->subs.n; i++) {
        const struct conflict *s = c->subs.v[i];
        buf_printf(b, "subfields \"%s\" conflict because ", s->response);
        conflict_text(b, s, depth + 1);
        if (i + 1 < c->subs.n)
            buf_puts(b, " and ");
    }
}

void gql_overlap_check(struct gql_walker *w, struct gql_vec *sels)
{
    if (!sels->n || w->aborted)
        return;
    struct gql_vec spreads = {0}, found = {0};
    struct field_map *fm = fields_and_spreads(w, sels, &spreads);
    for (size_t i = 0; i < fm->names.n && !w->aborted; i++) {
        struct gql_vec *l = gql_map_get(fm->by_name, fm->names.v[i]);
        for (size_t x = 0; x < l->n; x++)
            for (size_t y = x + 1; y < l->n; y++) {
                struct conflict *c = find_conflict(w, false, l->v[x], l->v[y], 0);
                if (c)
                    gql_push(w->m, &found, c);
            }
    }
    w->overlap_compared = gql_map_new(w->m);
    for (size_t i = 0; i < spreads.n && !w->aborted; i++) {
        fields_and_fragment(w, &found, false, fm, spreads.v[i], 0);
        for (size_t k = i + 1; k < spreads.n; k++)
            fragments_check(w, &found, false, spreads.v[i], spreads.v[k], 0);
    }
    for (size_t i = 0; i < found.n; i++) {
        const struct conflict *c = found.v[i];
        struct buf b = BUF_INIT;
        conflict_text(&b, c, 0);
        gql_add_error(w, c->pos,
                      "Fields \"%s\" conflict because %s. Use different aliases on the fields to "
                      "fetch both if this was intentional.",
                      c->response, b.data ? b.data : "");
        buf_free(&b);
    }
}
