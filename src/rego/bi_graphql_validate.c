/* bi_graphql_validate.c - a query document checked against a schema with
 * gqlparser's walker and validation rules (graphql-js's rules).
 *
 * The walker visits operations then fragments, annotating the document as
 * gqlparser does (field and type definitions, expected types of values,
 * variable uses); after each node it runs the rules interested in it, in
 * rule-name order, which is the order gqlparser registers them in.  So the
 * error list, its order and its messages are the library's.  Suggestions
 * ("Did you mean ...?") use graphql-js's distance and thresholds; where
 * gqlparser lists candidates from a Go map (unordered) we use the schema's
 * definition order.  Fragment spreads are followed once per operation;
 * nesting and total work are bounded (GQL_MAX_WALK_DEPTH, GQL_MAX_STEPS). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_graphql.h"
#include "rego/bi_util.h"

/* ---- errors and helpers ---- */

void gql_add_error(struct gql_walker *w, struct gql_pos pos, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct gql_error *e = gql_alloc(w->m, sizeof(*e));
    e->file = "input";
    e->pos = pos;
    e->msg = gql_strndup(w->m, msg, strlen(msg));
    gql_push(w->m, w->errs, e);
}

bool gql_step(struct gql_walker *w)
{
    if (++w->steps > GQL_MAX_STEPS)
        w->aborted = true;
    return !w->aborted;
}

static char *bstr(struct gql_walker *w, struct buf *b)
{
    bool failed = buf_failed(b);
    char *s = failed ? NULL : gql_strndup(w->m, b->data ? b->data : "", b->len);
    buf_free(b);
    if (failed)
        longjmp(w->m->oom, 1);
    return s;
}

void gql_value_text(struct buf *b, const struct gql_value *v)
{
    if (!v) {
        buf_puts(b, "<nil>");
        return;
    }
    switch (v->kind) {
    case GQL_VARIABLE:
        buf_putc(b, '$');
        buf_append(b, v->raw, v->raw_len);
        return;
    case GQL_STRING:
    case GQL_BLOCK:
        bi_go_quote(b, v->raw, v->raw_len);
        return;
    case GQL_LIST:
    case GQL_OBJECT:
        buf_putc(b, v->kind == GQL_LIST ? '[' : '{');
        for (size_t i = 0; i < v->children.n; i++) {
            struct gql_child *c = v->children.v[i];
            if (i)
                buf_putc(b, ',');
            if (v->kind == GQL_OBJECT) {
                buf_puts(b, c->name);
                buf_putc(b, ':');
            }
            gql_value_text(b, c->value);
        }
        buf_putc(b, v->kind == GQL_LIST ? ']' : '}');
        return;
    default:
        buf_append(b, v->raw, v->raw_len);
    }
}

static char *vtext(struct gql_walker *w, const struct gql_value *v)
{
    struct buf b = BUF_INIT;
    gql_value_text(&b, v);
    return bstr(w, &b);
}

static char *ttext(struct gql_walker *w, const struct gql_type *t)
{
    return gql_type_str(w->m, t);
}

static struct gql_def *type_named(struct gql_walker *w, const char *name)
{
    return gql_map_get(w->schema->types, name ? name : "");
}

static struct gql_frag *fragment_named(struct gql_walker *w, const char *name)
{
    for (size_t i = 0; i < w->doc->frags.n; i++) {
        struct gql_frag *f = w->doc->frags.v[i];
        if (f && !strcmp(f->name, name))
            return f;
    }
    return NULL;
}

static struct gql_vardef *vardef_named(struct gql_op *op, const char *name)
{
    for (size_t i = 0; i < op->vars.n; i++) {
        struct gql_vardef *d = op->vars.v[i];
        if (d && !strcmp(d->var, name))
            return d;
    }
    return NULL;
}

/* ---- suggestions (graphql-js suggestionList) ---- */

static size_t levenshtein(const char *a, const char *b)
{
    size_t na = bi_utf8_count(a, strlen(a)), nb = bi_utf8_count(b, strlen(b));
    uint32_t *ra = malloc((na + 1) * sizeof(*ra)), *rb = malloc((nb + 1) * sizeof(*rb));
    size_t *row = malloc((nb + 1) * sizeof(*row));
    if (!ra || !rb || !row) {
        free(ra);
        free(rb);
        free(row);
        return SIZE_MAX;
    }
    for (size_t i = 0, o = 0, n = strlen(a); i < na; i++)
        o += bi_utf8_decode(a + o, n - o, &ra[i]);
    for (size_t i = 0, o = 0, n = strlen(b); i < nb; i++)
        o += bi_utf8_decode(b + o, n - o, &rb[i]);
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cur = row[j];
            size_t best = prev + (ra[i - 1] != rb[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    size_t d = row[nb];
    free(ra);
    free(rb);
    free(row);
    return d;
}

static char *lower(struct gql_walker *w, const char *s)
{
    size_t n = strlen(s);
    char *o = gql_strndup(w->m, s, n);
    for (size_t i = 0; i < n; i++)
        if (o[i] >= 'A' && o[i] <= 'Z')
            o[i] = (char)(o[i] - 'A' + 'a');
    return o;
}

static size_t distance(struct gql_walker *w, const char *a, const char *b)
{
    if (!strcmp(a, b))
        return 0;
    char *la = lower(w, a), *lb = lower(w, b);
    if (!strcmp(la, lb))
        return 1;
    return levenshtein(la, lb);
}

/* Appends " <prefix> <list>?" for the options close to typed; quoted
 * items ("a", "b", or "c") or bare ones. */
static void suggest(struct gql_walker *w, struct buf *msg, const char *prefix, const char *typed,
                    const struct gql_vec *options, bool quoted)
{
    size_t n = options->n, k = 0;
    const char **picked = gql_alloc(w->m, (n + 1) * sizeof(*picked));
    size_t *dist = gql_alloc(w->m, (n + 1) * sizeof(*dist));
    size_t threshold = strlen(typed) * 4 / 10 + 1;
    for (size_t i = 0; i < n; i++) {
        const char *opt = options->v[i];
        size_t d = opt ? distance(w, typed, opt) : SIZE_MAX;
        if (d > threshold)
            continue;
        size_t j = k++; /* insertion sort by distance, stable */
        while (j > 0 && dist[j - 1] > d) {
            picked[j] = picked[j - 1];
            dist[j] = dist[j - 1];
            j--;
        }
        picked[j] = opt;
        dist[j] = d;
    }
    if (!k)
        return;
    if (k > 5)
        k = 5;
    buf_printf(msg, " %s ", prefix);
    const char *q = quoted ? "\"" : "";
    for (size_t i = 0; i < k; i++) {
        if (i)
            buf_puts(msg, k == 2 ? " or " : (i == k - 1 ? ", or " : ", "));
        buf_printf(msg, "%s%s%s", q, picked[i], q);
    }
    buf_putc(msg, '?');
}

/* ---- rules on values ---- */

static void no_undefined_variables(struct gql_walker *w, struct gql_value *v)
{
    if (!w->current_op || v->kind != GQL_VARIABLE || v->vardef)
        return;
    if (w->current_op->name[0])
        gql_add_error(w, v->pos, "Variable \"%s\" is not defined by operation \"%s\".",
                      vtext(w, v), w->current_op->name);
    else
        gql_add_error(w, v->pos, "Variable \"%s\" is not defined.", vtext(w, v));
}

static void unique_input_field_names(struct gql_walker *w, struct gql_value *v)
{
    if (v->kind != GQL_OBJECT)
        return;
    struct gql_map *seen = gql_map_new(w->m);
    for (size_t i = 0; i < v->children.n; i++) {
        struct gql_child *c = v->children.v[i];
        if (gql_map_get(seen, c->name))
            gql_add_error(w, c->pos, "There can be only one input field named \"%s\".", c->name);
        gql_map_put(w->m, seen, c->name, c);
    }
}

static bool is_one_of(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(name, *names))
            return true;
    return false;
}

/* Go's strconv.ParseInt(raw, 10, 32) failing with ErrRange: a well-formed
 * integer outside int32. */
static bool int32_out_of_range(const char *raw, size_t n)
{
    size_t i = (n && (raw[0] == '-' || raw[0] == '+')) ? 1 : 0;
    if (i == n)
        return false;
    for (size_t k = i; k < n; k++)
        if (raw[k] < '0' || raw[k] > '9')
            return false;
    while (i + 1 < n && raw[i] == '0')
        i++;
    if (n - i > 10)
        return true;
    long long x = 0;
    for (size_t k = i; k < n; k++)
        x = x * 10 + (raw[k] - '0');
    if (raw[0] == '-')
        x = -x;
    return x > 2147483647LL || x < -2147483648LL;
}

/* gqlparser's unexpectedTypeMessageOnly. */
static char *unexpected_type_message(struct gql_walker *w, struct gql_value *v)
{
    char *et = ttext(w, v->expected), *vs = vtext(w, v);
    if (!strcmp(et, "Int") || !strcmp(et, "Int!")) {
        if (int32_out_of_range(v->raw, v->raw_len))
            return arena_sprintf(w->m->arena,
                                 "Int cannot represent non 32-bit signed integer value: %s", vs);
        return arena_sprintf(w->m->arena, "Int cannot represent non-integer value: %s", vs);
    }
    if (!strcmp(et, "String") || !strcmp(et, "String!") || !strcmp(et, "[String]"))
        return arena_sprintf(w->m->arena, "String cannot represent a non string value: %s", vs);
    if (!strcmp(et, "Boolean") || !strcmp(et, "Boolean!"))
        return arena_sprintf(w->m->arena, "Boolean cannot represent a non boolean value: %s", vs);
    if (!strcmp(et, "Float") || !strcmp(et, "Float!"))
        return arena_sprintf(w->m->arena, "Float cannot represent non numeric value: %s", vs);
    if (!strcmp(et, "ID") || !strcmp(et, "ID!"))
        return arena_sprintf(w->m->arena,
                             "ID cannot represent a non-string and non-integer value: %s", vs);
    if (gql_kind_is(v->definition, "ENUM"))
        return arena_sprintf(w->m->arena, "Enum \"%s\" cannot represent non-enum value: %s.", et,
                             vs);
    return arena_sprintf(w->m->arena, "Expected value of type \"%s\", found %s.", et, vs);
}

static void type_mismatch(struct gql_walker *w, struct gql_value *v)
{
    char *msg = unexpected_type_message(w, v);
    if (!msg)
        longjmp(w->m->oom, 1);
    gql_add_error(w, v->pos, "%s", msg);
}

static void enum_names(struct gql_walker *w, const struct gql_def *def, struct gql_vec *out)
{
    if (!gql_kind_is(def, "ENUM"))
        return;
    for (size_t i = 0; i < def->enum_values.n; i++) {
        struct gql_enumval *e = def->enum_values.v[i];
        if (e)
            gql_push(w->m, out, (void *)e->name);
    }
}

static void field_names(struct gql_walker *w, const struct gql_vec *fields, struct gql_vec *out)
{
    for (size_t i = 0; i < fields->n; i++) {
        struct gql_fielddef *f = fields->v[i];
        if (f)
            gql_push(w->m, out, (void *)f->name);
    }
}

static bool enum_has(const struct gql_def *def, const char *raw, size_t len)
{
    for (size_t i = 0; i < def->enum_values.n; i++) {
        struct gql_enumval *e = def->enum_values.v[i];
        if (e && strlen(e->name) == len && !memcmp(e->name, raw, len))
            return true;
    }
    return false;
}

/* Go's Value.Value(nil) fails for unparsable ints, floats and booleans,
 * also inside lists and objects. */
static bool value_parses(const struct gql_value *v, int depth)
{
    char buf[64];
    if (!v || depth > GQL_MAX_DEPTH)
        return true;
    if (v->kind == GQL_LIST || v->kind == GQL_OBJECT) {
        for (size_t i = 0; i < v->children.n; i++) {
            const struct gql_value *c = GQL_AT(v->children, struct gql_child, i)->value;
            if (v->kind == GQL_OBJECT && c && c->kind == GQL_VARIABLE &&
                (!c->vardef || !c->vardef->defval))
                continue; /* an unset variable is left out */
            if (!value_parses(c, depth + 1))
                return false;
        }
        return true;
    }
    if (v->kind == GQL_VARIABLE && v->vardef && v->vardef->defval)
        return value_parses(v->vardef->defval, depth + 1);
    if (v->kind != GQL_INT && v->kind != GQL_FLOAT && v->kind != GQL_BOOLEAN)
        return true;
    if (!v->raw_len || v->raw_len >= sizeof(buf) || memchr(v->raw, 0, v->raw_len))
        return v->kind == GQL_FLOAT && v->raw_len >= sizeof(buf); /* long floats parse */
    memcpy(buf, v->raw, v->raw_len);
    buf[v->raw_len] = 0;
    char *end;
    errno = 0;
    if (v->kind == GQL_INT) {
        (void)strtoll(buf, &end, 10);
        return *end == 0 && errno == 0;
    }
    if (v->kind == GQL_FLOAT) {
        double d = strtod(buf, &end);
        return *end == 0 && !isinf(d);
    }
    static const char *const OK[] = {"1", "t", "T", "TRUE", "true", "True",
                                     "0", "f", "F", "FALSE", "false", "False", NULL};
    return is_one_of(buf, OK);
}

static void object_value_checks(struct gql_walker *w, struct gql_value *v)
{
    struct gql_def *def = v->definition;
    for (size_t i = 0; i < def->fields.n; i++) {
        struct gql_fielddef *f = def->fields.v[i];
        if (!f || !f->type || !f->type->nonnull)
            continue;
        bool given = false;
        for (size_t k = 0; k < v->children.n && !given; k++)
            given = !strcmp(GQL_AT(v->children, struct gql_child, k)->name, f->name);
        if (!given && !f->defval)
            gql_add_error(w, v->pos, "Field \"%s.%s\" of required type \"%s\" was not provided.",
                          def->name, f->name, ttext(w, f->type));
    }
    for (size_t i = 0; i < def->dirs.n; i++) {
        struct gql_directive *d = def->dirs.v[i];
        if (!d || strcmp(d->name, "oneOf"))
            continue;
        if (v->children.n != 1) {
            gql_add_error(w, v->pos, "OneOf Input Object \"%s\" must specify exactly one key.",
                          def->name);
            continue;
        }
        struct gql_value *fv = GQL_AT(v->children, struct gql_child, 0)->value;
        if ((!fv || fv->kind == GQL_NULL) && def->fields.n)
            gql_add_error(w, fv ? fv->pos : v->pos, "Field \"%s.%s\" must be non-null.", def->name,
                          GQL_AT(def->fields, struct gql_fielddef, 0)->name);
    }
    for (size_t i = 0; i < v->children.n; i++) {
        struct gql_child *c = v->children.v[i];
        if (gql_fields_find(&def->fields, c->name))
            continue;
        struct buf msg = BUF_INIT;
        struct gql_vec names = {0};
        buf_printf(&msg, "Field \"%s\" is not defined by type \"%s\".", c->name, def->name);
        field_names(w, &def->fields, &names);
        suggest(w, &msg, "Did you mean", c->name, &names, true);
        gql_add_error(w, c->pos, "%s", bstr(w, &msg));
    }
}

enum enum_msg { ENUM_NON_ENUM_VALUE, ENUM_NOT_IN_ENUM, ENUM_WRONG_TYPE };

static void enum_message(struct gql_walker *w, struct gql_value *v, enum enum_msg which)
{
    struct buf msg = BUF_INIT;
    struct gql_vec names = {0};
    char *raw = gql_strndup(w->m, v->raw, v->raw_len);
    if (which == ENUM_NON_ENUM_VALUE)
        buf_printf(&msg, "Enum \"%s\" cannot represent non-enum value: %s.", ttext(w, v->expected),
                   vtext(w, v));
    else if (which == ENUM_NOT_IN_ENUM)
        buf_printf(&msg, "Value \"%s\" does not exist in \"%s\" enum.", vtext(w, v),
                   ttext(w, v->expected));
    else
        buf_puts(&msg, unexpected_type_message(w, v));
    enum_names(w, v->definition, &names);
    suggest(w, &msg, "Did you mean the enum value", raw, &names, which != ENUM_WRONG_TYPE);
    gql_add_error(w, v->pos, "%s", bstr(w, &msg));
}

static void values_of_correct_type(struct gql_walker *w, struct gql_value *v)
{
    static const char *const BUILTIN_SCALARS[] = {"Int", "Float", "String", "Boolean", "ID", NULL};
    struct gql_def *def = v->definition;
    if (!def || !v->expected)
        return;
    if (v->kind == GQL_NULL && v->expected->nonnull)
        gql_add_error(w, v->pos, "Expected value of type \"%s\", found %s.", ttext(w, v->expected),
                      vtext(w, v));
    if (gql_kind_is(def, "SCALAR") && !is_one_of(def->name, BUILTIN_SCALARS))
        return;
    if (!value_parses(v, 0))
        type_mismatch(w, v);
    switch (v->kind) {
    case GQL_LIST:
        if (!v->expected->elem)
            type_mismatch(w, v);
        return;
    case GQL_INT:
        if (!is_one_of(def->name, (const char *const[]){"Int", "Float", "ID", NULL}))
            type_mismatch(w, v);
        return;
    case GQL_FLOAT:
        if (strcmp(def->name, "Float"))
            type_mismatch(w, v);
        return;
    case GQL_STRING:
    case GQL_BLOCK:
        if (gql_kind_is(def, "ENUM"))
            enum_message(w, v, ENUM_NON_ENUM_VALUE);
        else if (!is_one_of(def->name, (const char *const[]){"String", "ID", NULL}))
            type_mismatch(w, v);
        return;
    case GQL_ENUM:
        if (!gql_kind_is(def, "ENUM"))
            enum_message(w, v, ENUM_WRONG_TYPE);
        else if (!enum_has(def, v->raw, v->raw_len))
            enum_message(w, v, ENUM_NOT_IN_ENUM);
        return;
    case GQL_BOOLEAN:
        if (strcmp(def->name, "Boolean"))
            type_mismatch(w, v);
        return;
    case GQL_OBJECT:
        object_value_checks(w, v);
        return;
    default:
        return;
    }
}

static void variables_in_allowed_position(struct gql_walker *w, struct gql_value *v)
{
    if (v->kind == GQL_VARIABLE && v->expected && v->vardef && w->current_op) {
        struct gql_type tmp = *v->expected;
        struct gql_value *dv = v->vardef->defval;
        if (dv && dv->kind != GQL_NULL && v->expected->nonnull)
            tmp.nonnull = false;
        if (v->expected_has_default && w->m->opa_2026)
            tmp.nonnull = false;
        if (!gql_type_compatible(v->vardef->type, &tmp))
            gql_add_error(w, v->pos,
                          "Variable \"%s\" of type \"%s\" used in position expecting type \"%s\".",
                          vtext(w, v), ttext(w, v->vardef->type), ttext(w, v->expected));
    }
    if (v->kind != GQL_OBJECT || !v->definition)
        return;
    bool one_of = false;
    for (size_t i = 0; i < v->definition->dirs.n; i++) {
        struct gql_directive *d = v->definition->dirs.v[i];
        one_of |= d && !strcmp(d->name, "oneOf");
    }
    if (!one_of)
        return;
    for (size_t i = 0; i < v->children.n; i++) {
        struct gql_value *fv = GQL_AT(v->children, struct gql_child, i)->value;
        if (!fv || fv->kind != GQL_VARIABLE || !fv->vardef || !fv->vardef->type ||
            fv->vardef->type->nonnull)
            continue;
        gql_add_error(w, fv->vardef->pos,
                      "Variable \"%s\" is of type \"%s\" but must be non-nullable to be used for "
                      "OneOf Input Object \"%s\".",
                      vtext(w, fv), ttext(w, fv->vardef->type), v->definition->name);
    }
}

static void on_value(struct gql_walker *w, struct gql_value *v)
{
    no_undefined_variables(w, v);
    unique_input_field_names(w, v);
    values_of_correct_type(w, v);
    variables_in_allowed_position(w, v);
}

/* ---- the walker: values and arguments ---- */

static void walk_value(struct gql_walker *w, struct gql_value *v, int depth)
{
    if (!v)
        return;
    if (!gql_step(w) || depth > GQL_MAX_WALK_DEPTH) {
        w->aborted = true;
        return;
    }
    if (v->kind == GQL_VARIABLE && w->current_op) {
        char *name = gql_strndup(w->m, v->raw, v->raw_len);
        v->vardef = vardef_named(w->current_op, name);
        if (v->vardef)
            v->vardef->used = true;
    }
    for (size_t i = 0; i < v->children.n; i++) {
        struct gql_child *c = v->children.v[i];
        if (!c->value)
            continue;
        if (v->kind == GQL_OBJECT && v->definition) {
            struct gql_fielddef *f = gql_fields_find(&v->definition->fields, c->name);
            if (f) {
                c->value->expected = f->type;
                c->value->expected_has_default = f->defval && f->defval->kind != GQL_NULL;
                c->value->definition = type_named(w, gql_type_name(f->type));
            }
        } else if (v->kind == GQL_LIST && v->expected && v->expected->elem) {
            c->value->expected = v->expected->elem;
            c->value->definition = v->definition;
        }
        if (v->kind == GQL_OBJECT || v->kind == GQL_LIST)
            walk_value(w, c->value, depth + 1);
    }
    on_value(w, v);
}

static void walk_argument(struct gql_walker *w, struct gql_fielddef *argdef, struct gql_arg *a)
{
    if (!a->value)
        return;
    if (argdef) {
        a->value->expected = argdef->type;
        a->value->expected_has_default = argdef->defval && argdef->defval->kind != GQL_NULL;
        a->value->definition = type_named(w, gql_type_name(argdef->type));
    }
    walk_value(w, a->value, 0);
}

/* ---- rules on arguments and directives ---- */

static void unique_argument_names(struct gql_walker *w, const struct gql_vec *args)
{
    struct gql_map *seen = gql_map_new(w->m);
    for (size_t i = 0; i < args->n; i++) {
        struct gql_arg *a = args->v[i];
        long k = (long)gql_map_get(seen, a->name);
        if (k == 1)
            gql_add_error(w, a->pos, "There can be only one argument named \"%s\".", a->name);
        gql_map_put(w->m, seen, a->name, (void *)(k + 1));
    }
}

static bool arg_given(const struct gql_vec *args, const char *name)
{
    for (size_t i = 0; i < args->n; i++)
        if (!strcmp(GQL_AT(*args, struct gql_arg, i)->name, name))
            return true;
    return false;
}

static void on_directive(struct gql_walker *w, struct gql_directive *d)
{
    /* KnownArgumentNames */
    if (d->definition)
        for (size_t i = 0; i < d->args.n; i++) {
            struct gql_arg *a = d->args.v[i];
            if (gql_fields_find(&d->definition->args, a->name))
                continue;
            struct buf msg = BUF_INIT;
            struct gql_vec names = {0};
            buf_printf(&msg, "Unknown argument \"%s\" on directive \"@%s\".", a->name, d->name);
            field_names(w, &d->definition->args, &names);
            suggest(w, &msg, "Did you mean", a->name, &names, true);
            gql_add_error(w, d->pos, "%s", bstr(w, &msg));
        }
    /* KnownDirectives */
    if (!d->definition) {
        gql_add_error(w, d->pos, "Unknown directive \"@%s\".", d->name);
    } else {
        bool ok = false;
        for (size_t i = 0; i < d->definition->locations.n && !ok; i++)
            ok = d->definition->locations.v[i] && !strcmp(d->definition->locations.v[i], d->location);
        char *key = arena_sprintf(w->m->arena, "%s@%d:%d", d->name, d->pos.line, d->pos.col);
        if (!key)
            longjmp(w->m->oom, 1);
        if (!ok && !gql_map_get(w->known_dir_seen, key)) {
            gql_add_error(w, d->pos, "Directive \"@%s\" may not be used on %s.", d->name,
                          d->location);
            gql_map_put(w->m, w->known_dir_seen, key, d);
        }
    }
    /* ProvidedRequiredArguments */
    if (d->definition)
        for (size_t i = 0; i < d->definition->args.n; i++) {
            struct gql_fielddef *ad = d->definition->args.v[i];
            if (!ad || !ad->type || !ad->type->nonnull || ad->defval || arg_given(&d->args, ad->name))
                continue;
            gql_add_error(w, d->pos,
                          "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it "
                          "was not provided.",
                          d->definition->name, ad->name, ttext(w, ad->type));
        }
    unique_argument_names(w, &d->args);
}

static void walk_directives(struct gql_walker *w, const struct gql_vec *dirs, const char *loc)
{
    for (size_t i = 0; i < dirs->n; i++) {
        struct gql_directive *d = dirs->v[i];
        d->definition = gql_map_get(w->schema->directives, d->name);
        d->location = loc;
        for (size_t k = 0; k < d->args.n; k++) {
            struct gql_arg *a = d->args.v[k];
            walk_argument(w, d->definition ? gql_fields_find(&d->definition->args, a->name) : NULL,
                          a);
        }
        on_directive(w, d);
    }
    /* UniqueDirectivesPerLocation */
    struct gql_map *seen = gql_map_new(w->m);
    for (size_t i = 0; i < dirs->n; i++) {
        struct gql_directive *d = dirs->v[i];
        if ((!d->definition || !d->definition->repeatable) && gql_map_get(seen, d->name))
            gql_add_error(w, d->pos, "The directive \"@%s\" can only be used once at this location.",
                          d->name);
        gql_map_put(w->m, seen, d->name, d);
    }
}

/* ---- rules on fields ---- */

static void suggested_types(struct gql_walker *w, struct gql_def *parent, const char *name,
                            struct gql_vec *out)
{
    if (!gql_kind_is(parent, "INTERFACE") && !gql_kind_is(parent, "UNION"))
        return;
    struct gql_vec *pts = gql_possible_types(w->schema, parent->name);
    struct gql_vec objs = {0}, ifaces = {0};
    struct gql_map *usage = gql_map_new(w->m);
    for (size_t i = 0; pts && i < pts->n; i++) {
        struct gql_def *pt = pts->v[i];
        if (!gql_fields_find(&pt->fields, name))
            continue;
        gql_push(w->m, &objs, (void *)pt->name);
        for (size_t k = 0; k < pt->interfaces.n; k++) {
            const char *in = pt->interfaces.v[k];
            struct gql_def *idef = in ? type_named(w, in) : NULL;
            if (!idef || !gql_fields_find(&idef->fields, name))
                continue;
            long c = (long)gql_map_get(usage, in);
            if (!c)
                gql_push(w->m, &ifaces, (void *)in);
            gql_map_put(w->m, usage, in, (void *)(c + 1));
        }
    }
    for (size_t i = 0; i < objs.n; i++)
        gql_push(w->m, &ifaces, objs.v[i]);
    /* stable sort: more interface uses first, then by name */
    for (size_t i = 1; i < ifaces.n; i++) {
        const char *x = ifaces.v[i];
        long ux = (long)gql_map_get(usage, x);
        size_t j = i;
        while (j > 0) {
            const char *y = ifaces.v[j - 1];
            long uy = (long)gql_map_get(usage, y);
            if (uy > ux || (uy == ux && strcmp(y, x) <= 0))
                break;
            ifaces.v[j] = ifaces.v[j - 1];
            j--;
        }
        ifaces.v[j] = (void *)x;
    }
    *out = ifaces;
}

static void fields_on_correct_type(struct gql_walker *w, struct gql_sel *f)
{
    if (!f->object_def || f->definition)
        return;
    struct buf msg = BUF_INIT;
    buf_printf(&msg, "Cannot query field \"%s\" on type \"%s\".", f->name, f->object_def->name);
    struct gql_vec types = {0};
    suggested_types(w, f->object_def, f->name, &types);
    if (types.n) {
        buf_puts(&msg, " Did you mean to use an inline fragment on ");
        for (size_t i = 0; i < types.n && i < 5; i++) {
            size_t k = types.n < 5 ? types.n : 5;
            if (i)
                buf_puts(&msg, k == 2 ? " or " : (i == k - 1 ? ", or " : ", "));
            buf_printf(&msg, "\"%s\"", (char *)types.v[i]);
        }
        buf_putc(&msg, '?');
    } else if (gql_kind_is(f->object_def, "OBJECT") || gql_kind_is(f->object_def, "INTERFACE")) {
        struct gql_vec names = {0};
        field_names(w, &f->object_def->fields, &names);
        suggest(w, &msg, "Did you mean", f->name, &names, true);
    }
    gql_add_error(w, f->pos, "%s", bstr(w, &msg));
}

static void known_argument_names(struct gql_walker *w, struct gql_sel *f)
{
    if (!f->definition || !f->object_def)
        return;
    for (size_t i = 0; i < f->args.n; i++) {
        struct gql_arg *a = f->args.v[i];
        if (gql_fields_find(&f->definition->args, a->name))
            continue;
        struct buf msg = BUF_INIT;
        struct gql_vec names = {0};
        buf_printf(&msg, "Unknown argument \"%s\" on field \"%s.%s\".", a->name,
                   f->object_def->name, f->name);
        field_names(w, &f->definition->args, &names);
        suggest(w, &msg, "Did you mean", a->name, &names, true);
        gql_add_error(w, f->pos, "%s", bstr(w, &msg));
    }
}

static bool introspection_too_deep(struct gql_walker *w, const struct gql_vec *sels, int depth,
                                   struct gql_map *visited, int nest);

static bool introspection_field_too_deep(struct gql_walker *w, struct gql_sel *f, int depth,
                                         struct gql_map *visited, int nest)
{
    static const char *const LISTS[] = {"fields", "interfaces", "possibleTypes", "inputFields",
                                        NULL};
    if (is_one_of(f->name, LISTS) && ++depth >= 3)
        return true;
    return introspection_too_deep(w, &f->sels, depth, visited, nest + 1);
}

static bool introspection_too_deep(struct gql_walker *w, const struct gql_vec *sels, int depth,
                                   struct gql_map *visited, int nest)
{
    if (nest > GQL_MAX_WALK_DEPTH || !gql_step(w))
        return false;
    for (size_t i = 0; i < sels->n; i++) {
        struct gql_sel *s = sels->v[i];
        if (s->kind == GQL_SEL_FIELD) {
            if (introspection_field_too_deep(w, s, depth, visited, nest))
                return true;
        } else if (s->kind == GQL_SEL_INLINE) {
            if (introspection_too_deep(w, &s->sels, depth, visited, nest + 1))
                return true;
        } else if (!gql_map_get(visited, s->name) && s->frag) {
            gql_map_put(w->m, visited, s->name, s);
            bool deep = introspection_too_deep(w, &s->frag->sels, depth, visited, nest + 1);
            gql_map_put(w->m, visited, s->name, NULL);
            if (deep)
                return true;
        }
    }
    return false;
}

static void max_introspection_depth(struct gql_walker *w, struct gql_sel *f)
{
    if (strcmp(f->name, "__schema") && strcmp(f->name, "__type"))
        return;
    if (introspection_field_too_deep(w, f, 0, gql_map_new(w->m), 0))
        gql_add_error(w, f->pos, "Maximum introspection depth exceeded");
}

static void provided_required_arguments(struct gql_walker *w, struct gql_sel *f)
{
    if (!f->definition)
        return;
    for (size_t i = 0; i < f->definition->args.n; i++) {
        struct gql_fielddef *ad = f->definition->args.v[i];
        if (!ad || !ad->type || !ad->type->nonnull || ad->defval || arg_given(&f->args, ad->name))
            continue;
        gql_add_error(w, f->pos,
                      "Field \"%s\" argument \"%s\" of type \"%s\" is required, but it was not "
                      "provided.",
                      f->name, ad->name, ttext(w, ad->type));
    }
}

static void scalar_leafs(struct gql_walker *w, struct gql_sel *f)
{
    if (!f->definition)
        return;
    struct gql_def *t = type_named(w, gql_type_name(f->definition->type));
    if (!t)
        return;
    if (gql_is_leaf(t) && f->sels.n)
        gql_add_error(w, f->pos, "Field \"%s\" must not have a selection since type \"%s\" has no "
                                 "subfields.",
                      f->name, t->name);
    if (!gql_is_leaf(t) && !f->sels.n)
        gql_add_error(w, f->pos, "Field \"%s\" of type \"%s\" must have a selection of subfields. "
                                 "Did you mean \"%s { ... }\"?",
                      f->name, ttext(w, f->definition->type), f->name);
}

static void on_field(struct gql_walker *w, struct gql_sel *f)
{
    fields_on_correct_type(w, f);
    known_argument_names(w, f);
    max_introspection_depth(w, f);
    if (w->current_op)
        gql_overlap_check(w, &f->sels);
    provided_required_arguments(w, f);
    scalar_leafs(w, f);
    unique_argument_names(w, &f->args);
}

/* ---- rules on fragments ---- */

static void known_fragment_type(struct gql_walker *w, const char *type_cond, struct gql_pos pos,
                                bool with_suggestions)
{
    if (type_named(w, type_cond))
        return;
    struct buf msg = BUF_INIT;
    buf_printf(&msg, "Unknown type \"%s\".", type_cond);
    if (with_suggestions) {
        struct gql_vec names = {0};
        for (size_t i = 0; i < gql_map_len(w->schema->types); i++)
            gql_push(w->m, &names, (void *)gql_map_key(w->schema->types, i));
        suggest(w, &msg, "Did you mean", type_cond, &names, true);
    }
    gql_add_error(w, pos, "%s", bstr(w, &msg));
}

/* PossibleFragmentSpreads: can objects of parent ever be of type frag_type? */
static bool spread_possible(struct gql_walker *w, struct gql_def *parent, const char *frag_type)
{
    if (!parent)
        return true;
    struct gql_vec parents = {0}, *pp;
    if (gql_kind_is(parent, "OBJECT")) {
        gql_push(w->m, &parents, parent);
        pp = &parents;
    } else if (gql_kind_is(parent, "INTERFACE") || gql_kind_is(parent, "UNION")) {
        pp = gql_possible_types(w->schema, parent->name);
    } else {
        return true;
    }
    struct gql_def *ft = type_named(w, frag_type);
    if (!ft || !gql_is_composite(ft))
        return true;
    struct gql_vec *fts = gql_possible_types(w->schema, ft->name);
    for (size_t i = 0; fts && i < fts->n; i++)
        for (size_t k = 0; pp && k < pp->n; k++)
            if (!strcmp(((struct gql_def *)fts->v[i])->name, ((struct gql_def *)pp->v[k])->name))
                return true;
    return false;
}

static void on_inline_fragment(struct gql_walker *w, struct gql_sel *s)
{
    struct gql_def *ft = type_named(w, s->type_cond);
    if (ft && !gql_is_composite(ft))
        gql_add_error(w, s->pos, "Fragment cannot condition on non composite type \"%s\".",
                      s->type_cond);
    if (s->type_cond[0])
        known_fragment_type(w, s->type_cond, s->pos, false);
    gql_overlap_check(w, &s->sels);
    if (!spread_possible(w, s->object_def, s->type_cond))
        gql_add_error(w, s->pos,
                      "Fragment cannot be spread here as objects of type \"%s\" can never be of "
                      "type \"%s\".",
                      s->object_def->name, s->type_cond);
}

static void on_fragment_spread(struct gql_walker *w, struct gql_sel *s)
{
    if (!s->frag)
        gql_add_error(w, s->pos, "Unknown fragment \"%s\".", s->name);
    if (!w->in_fragment_definition)
        gql_map_put(w->m, w->frag_names_used, s->name, s);
    if (s->frag && !spread_possible(w, s->object_def, s->frag->type_cond))
        gql_add_error(w, s->pos,
                      "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never "
                      "be of type \"%s\".",
                      s->name, s->object_def->name, s->frag->type_cond);
}

static void fragment_spreads(struct gql_walker *w, const struct gql_vec *sels, struct gql_vec *out)
{
    struct gql_vec stack = {0};
    gql_push(w->m, &stack, (void *)sels);
    while (stack.n && gql_step(w)) {
        const struct gql_vec *set = stack.v[--stack.n];
        for (size_t i = 0; i < set->n; i++) {
            struct gql_sel *s = set->v[i];
            if (s->kind == GQL_SEL_SPREAD)
                gql_push(w->m, out, s);
            else
                gql_push(w->m, &stack, &s->sels);
        }
    }
}

struct cycle_walk {
    struct gql_vec path;  /* struct gql_sel * (spreads) */
    struct gql_map *index; /* fragment name -> path index + 1 */
};

static void cycle_recurse(struct gql_walker *w, struct cycle_walk *c, struct gql_frag *f, int depth)
{
    if (gql_map_get(w->cycle_visited, f->name) || depth > GQL_MAX_WALK_DEPTH || !gql_step(w))
        return;
    gql_map_put(w->m, w->cycle_visited, f->name, f);
    struct gql_vec spreads = {0};
    fragment_spreads(w, &f->sels, &spreads);
    if (!spreads.n)
        return;
    gql_map_put(w->m, c->index, f->name, (void *)(c->path.n + 1));
    for (size_t i = 0; i < spreads.n; i++) {
        struct gql_sel *sp = spreads.v[i];
        size_t at = (size_t)gql_map_get(c->index, sp->name);
        gql_push(w->m, &c->path, sp);
        if (!at) {
            struct gql_frag *next = fragment_named(w, sp->name);
            if (next)
                cycle_recurse(w, c, next, depth + 1);
        } else {
            struct buf via = BUF_INIT;
            for (size_t k = at - 1; k + 1 < c->path.n; k++)
                buf_printf(&via, "%s\"%s\"", k > at - 1 ? ", " : " via ",
                           GQL_AT(c->path, struct gql_sel, k)->name);
            gql_add_error(w, sp->pos, "Cannot spread fragment \"%s\" within itself%s.", sp->name,
                          bstr(w, &via));
        }
        c->path.n--;
    }
    gql_map_put(w->m, c->index, f->name, NULL);
}

static void on_fragment(struct gql_walker *w, struct gql_frag *f)
{
    if (f->definition && f->type_cond[0] && !gql_is_composite(f->definition))
        gql_add_error(w, f->pos, "Fragment \"%s\" cannot condition on non composite type \"%s\".",
                      f->name, f->type_cond);
    known_fragment_type(w, f->type_cond, f->pos, true);
    struct cycle_walk c = {{0}, gql_map_new(w->m)};
    cycle_recurse(w, &c, f, 0);
    w->in_fragment_definition = true;
    if (!gql_map_get(w->frag_names_used, f->name))
        gql_add_error(w, f->pos, "Fragment \"%s\" is never used.", f->name);
    gql_overlap_check(w, &f->sels);
    if (gql_map_get(w->frags_seen, f->name))
        gql_add_error(w, f->pos, "There can be only one fragment named \"%s\".", f->name);
    gql_map_put(w->m, w->frags_seen, f->name, f);
}

/* ---- selections ---- */

static void walk_selections(struct gql_walker *w, struct gql_def *parent, struct gql_vec *sels,
                            int depth);

static struct gql_fielddef *typename_field(struct gql_walker *w)
{
    struct gql_fielddef *f = gql_alloc(w->m, sizeof(*f));
    f->name = "__typename";
    f->desc = "";
    f->type = gql_alloc(w->m, sizeof(*f->type));
    f->type->named = "String";
    return f;
}

static void walk_field(struct gql_walker *w, struct gql_def *parent, struct gql_sel *s, int depth)
{
    struct gql_fielddef *def = NULL;
    if (!strcmp(s->name, "__typename"))
        def = typename_field(w);
    else if (parent)
        def = gql_fields_find(&parent->fields, s->name);
    s->definition = def;
    s->object_def = parent;
    struct gql_def *next = def ? type_named(w, gql_type_name(def->type)) : NULL;
    for (size_t i = 0; i < s->args.n; i++) {
        struct gql_arg *a = s->args.v[i];
        walk_argument(w, def ? gql_fields_find(&def->args, a->name) : NULL, a);
    }
    walk_directives(w, &s->dirs, "FIELD");
    walk_selections(w, next, &s->sels, depth + 1);
    on_field(w, s);
}

static void walk_selection(struct gql_walker *w, struct gql_def *parent, struct gql_sel *s,
                           int depth)
{
    if (s->kind == GQL_SEL_FIELD) {
        walk_field(w, parent, s, depth);
        return;
    }
    if (s->kind == GQL_SEL_INLINE) {
        s->object_def = parent;
        struct gql_def *next = s->type_cond[0] ? type_named(w, s->type_cond) : parent;
        walk_directives(w, &s->dirs, "INLINE_FRAGMENT");
        walk_selections(w, next, &s->sels, depth + 1);
        on_inline_fragment(w, s);
        return;
    }
    struct gql_frag *f = fragment_named(w, s->name);
    s->frag = f;
    s->object_def = parent;
    struct gql_def *next = f ? type_named(w, f->type_cond) : NULL;
    walk_directives(w, &s->dirs, "FRAGMENT_SPREAD");
    if (f && !gql_map_get(w->spread_seen, f->name)) {
        gql_map_put(w->m, w->spread_seen, f->name, f);
        walk_directives(w, &f->dirs, "FRAGMENT_DEFINITION");
        walk_selections(w, next, &f->sels, depth + 1);
    }
    on_fragment_spread(w, s);
}

static void walk_selections(struct gql_walker *w, struct gql_def *parent, struct gql_vec *sels,
                            int depth)
{
    if (depth > GQL_MAX_WALK_DEPTH) {
        w->aborted = true;
        return;
    }
    for (size_t i = 0; i < sels->n && gql_step(w); i++)
        walk_selection(w, parent, sels->v[i], depth);
}

/* ---- operations ---- */

static struct gql_def *root_of(struct gql_walker *w, const char *op, const char **loc)
{
    if (!op[0] || !strcmp(op, "query")) {
        *loc = "QUERY";
        return w->schema->query;
    }
    if (!strcmp(op, "mutation")) {
        *loc = "MUTATION";
        return w->schema->mutation;
    }
    if (!strcmp(op, "subscription")) {
        *loc = "SUBSCRIPTION";
        return w->schema->subscription;
    }
    *loc = "";
    return NULL;
}

struct top_field {
    const char *name;
    struct gql_pos pos;
};

static void top_fields(struct gql_walker *w, const struct gql_vec *sels, struct gql_map *in_frag,
                       struct gql_vec *out, int depth)
{
    if (depth > GQL_MAX_WALK_DEPTH || !gql_step(w))
        return;
    for (size_t i = 0; i < sels->n; i++) {
        struct gql_sel *s = sels->v[i];
        if (s->kind == GQL_SEL_FIELD) {
            struct top_field *t = gql_alloc(w->m, sizeof(*t));
            t->name = s->name;
            t->pos = s->pos;
            gql_push(w->m, out, t);
        } else if (s->kind == GQL_SEL_INLINE) {
            top_fields(w, &s->sels, in_frag, out, depth + 1);
        } else {
            if (!s->frag)
                return; /* gqlparser stops at an unknown fragment */
            if (!gql_map_get(in_frag, s->frag->name)) {
                gql_map_put(w->m, in_frag, s->frag->name, s);
                top_fields(w, &s->frag->sels, in_frag, out, depth + 1);
            }
        }
    }
}

static void single_field_subscriptions(struct gql_walker *w, struct gql_op *op)
{
    if (!w->schema->subscription || strcmp(op->operation, "subscription"))
        return;
    struct gql_vec all = {0}, uniq = {0};
    top_fields(w, &op->sels, gql_map_new(w->m), &all, 0);
    struct gql_map *seen = gql_map_new(w->m);
    for (size_t i = 0; i < all.n; i++) {
        struct top_field *t = all.v[i];
        if (!gql_map_get(seen, t->name))
            gql_push(w->m, &uniq, t);
        gql_map_put(w->m, seen, t->name, t);
    }
    char *name = "Anonymous Subscription";
    if (op->name[0]) {
        struct buf b = BUF_INIT;
        buf_puts(&b, "Subscription ");
        bi_go_quote(&b, op->name, strlen(op->name));
        name = bstr(w, &b);
    }
    if (uniq.n > 1)
        gql_add_error(w, GQL_AT(uniq, struct top_field, 1)->pos,
                      "%s must select only one top level field.", name);
    for (size_t i = 0; i < uniq.n; i++) {
        struct top_field *t = uniq.v[i];
        if (!strncmp(t->name, "__", 2))
            gql_add_error(w, t->pos, "%s must not select an introspection top level field.", name);
    }
}

static void on_operation(struct gql_walker *w, struct gql_op *op)
{
    const char *loc;
    if (!root_of(w, op->operation, &loc))
        gql_add_error(w, op->pos, "Schema does not support operation type \"%s\"", op->operation);
    if (!op->name[0] && w->doc->ops.n > 1)
        gql_add_error(w, op->pos, "This anonymous operation must be the only defined operation.");
    for (size_t i = 0; i < op->vars.n; i++) { /* NoUnusedVariables */
        struct gql_vardef *d = op->vars.v[i];
        if (d->used)
            continue;
        if (op->name[0])
            gql_add_error(w, d->pos, "Variable \"$%s\" is never used in operation \"%s\".", d->var,
                          op->name);
        else
            gql_add_error(w, d->pos, "Variable \"$%s\" is never used.", d->var);
    }
    gql_overlap_check(w, &op->sels);
    single_field_subscriptions(w, op);
    if (gql_map_get(w->ops_seen, op->name))
        gql_add_error(w, op->pos, "There can be only one operation named \"%s\".", op->name);
    gql_map_put(w->m, w->ops_seen, op->name, op);
    struct gql_map *vars = gql_map_new(w->m);
    for (size_t i = 0; i < op->vars.n; i++) { /* UniqueVariableNames */
        struct gql_vardef *d = op->vars.v[i];
        long k = (long)gql_map_get(vars, d->var);
        if (k == 1)
            gql_add_error(w, d->pos, "There can be only one variable named \"$%s\".", d->var);
        gql_map_put(w->m, vars, d->var, (void *)(k + 1));
    }
    for (size_t i = 0; i < op->vars.n; i++) { /* VariablesAreInputTypes */
        struct gql_vardef *d = op->vars.v[i];
        if (d->definition && !gql_is_input(d->definition))
            gql_add_error(w, d->pos, "Variable \"$%s\" cannot be non-input type \"%s\".", d->var,
                          ttext(w, d->type));
    }
}

static void walk_operation(struct gql_walker *w, struct gql_op *op)
{
    w->current_op = op;
    for (size_t i = 0; i < op->vars.n; i++) {
        struct gql_vardef *d = op->vars.v[i];
        d->definition = type_named(w, gql_type_name(d->type));
        if (!d->definition) /* KnownTypeNames */
            gql_add_error(w, d->pos, "Unknown type \"%s\".", gql_type_name(d->type));
        if (d->defval) {
            d->defval->expected = d->type;
            d->defval->definition = d->definition;
        }
    }
    const char *loc;
    struct gql_def *root = root_of(w, op->operation, &loc);
    for (size_t i = 0; i < op->vars.n; i++) {
        struct gql_vardef *d = op->vars.v[i];
        if (d->defval)
            walk_value(w, d->defval, 0);
        walk_directives(w, &d->dirs, "VARIABLE_DEFINITION");
    }
    walk_directives(w, &op->dirs, loc);
    walk_selections(w, root, &op->sels, 0);
    on_operation(w, op);
    w->current_op = NULL;
}

static void walk_fragment(struct gql_walker *w, struct gql_frag *f)
{
    f->definition = type_named(w, f->type_cond);
    walk_directives(w, &f->dirs, "FRAGMENT_DEFINITION");
    walk_selections(w, f->definition, &f->sels, 0);
    on_fragment(w, f);
}

/* Decoded documents may hold NULL list items; the walker skips them. */
static void drop_nulls(struct gql_vec *v)
{
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i])
            v->v[k++] = v->v[i];
    v->n = k;
}

int gql_validate(struct gql_mem *m, struct gql_schema *s, struct gql_qdoc *d, struct gql_vec *errs)
{
    struct gql_walker w = {.m = m, .schema = s, .doc = d, .errs = errs};
    w.frag_names_used = gql_map_new(m);
    w.frags_seen = gql_map_new(m);
    w.ops_seen = gql_map_new(m);
    w.cycle_visited = gql_map_new(m);
    w.known_dir_seen = gql_map_new(m);
    w.overlap_pairs = gql_map_new(m);
    drop_nulls(&d->ops);
    drop_nulls(&d->frags);
    for (size_t i = 0; i < d->ops.n && !w.aborted; i++) {
        w.spread_seen = gql_map_new(m);
        walk_operation(&w, d->ops.v[i]);
    }
    for (size_t i = 0; i < d->frags.n && !w.aborted; i++) {
        w.spread_seen = gql_map_new(m);
        walk_fragment(&w, d->frags.v[i]);
    }
    return w.aborted ? -1 : (int)errs->n;
}
