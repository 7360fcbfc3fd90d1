/* bi_graphql_ast.c - GraphQL documents to and from Rego values.
 *
 * To values: what OPA returns, i.e. gqlparser's structs marshalled by Go
 * (member names are the Go field names), then pruned: Position and every
 * null, empty array and empty object member are dropped, while strings,
 * booleans and numbers stay even when empty/false/0.  Members that only
 * validation fills (Definition, ObjectDefinition, ...) are null at that
 * point and so never appear.  Strings are made valid UTF-8 as Go's JSON
 * encoder does (invalid bytes become U+FFFD).
 *
 * From values: Go's json.Unmarshal into those structs.  Unknown members are
 * ignored, null leaves the zero value, a member of the wrong JSON type is
 * an error.  Field, InlineFragment, FragmentDefinition and
 * OperationDefinition have hand-written decoders in gqlparser that match
 * member names exactly; the other structs match them case-insensitively.
 * A selection is decoded as a Field if that works (it does for any object),
 * else as a FragmentSpread, else as an InlineFragment, else dropped. */
#include <string.h>
#include <strings.h>

#include "rego/bi_graphql.h"
#include "rego/bi_util.h"

/* ---- to values ---- */

struct obj {
    struct gql_mem *m;
    struct pair_list pl;
};

static struct value *oom_check(struct gql_mem *m, struct value *v)
{
    if (!v)
        longjmp(m->oom, 1);
    return v;
}

static struct value *str_value(struct gql_mem *m, const char *s, size_t n)
{
    bool valid = true;
    for (size_t i = 0; i < n && valid;) {
        uint32_t cp;
        size_t w = bi_utf8_decode(s + i, n - i, &cp);
        valid = !(cp == 0xfffd && w == 1); /* the decoder's mark of a bad byte */
        i += w;
    }
    if (valid)
        return oom_check(m, v_string(m->arena, s, n));
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        char enc[4];
        i += bi_utf8_decode(s + i, n - i, &cp);
        buf_append(&b, enc, bi_utf8_encode(cp, enc));
    }
    struct value *v = v_string(m->arena, b.data ? b.data : "", b.len);
    bool failed = buf_failed(&b);
    buf_free(&b);
    if (failed)
        longjmp(m->oom, 1);
    return oom_check(m, v);
}

static struct value *cstr_value(struct gql_mem *m, const char *s)
{
    return str_value(m, s ? s : "", s ? strlen(s) : 0);
}

static void put(struct obj *o, const char *key, struct value *v)
{
    if (!v)
        return;
    if ((v->type == V_ARRAY && v->u.arr.len == 0) || (v->type == V_OBJECT && v->u.obj.len == 0))
        return;
    if (pair_list_push_str(o->m->arena, &o->pl, key, v) < 0)
        longjmp(o->m->oom, 1);
}

static void put_str(struct obj *o, const char *key, const char *s)
{
    put(o, key, cstr_value(o->m, s));
}

static void put_bool(struct obj *o, const char *key, bool b) { put(o, key, v_bool(b)); }

static struct value *finish(struct obj *o)
{
    return oom_check(o->m, v_object(o->m->arena, o->pl.pairs, o->pl.len, DUP_LAST_WINS, NULL));
}

typedef struct value *(*to_fn)(struct gql_mem *m, const void *item);

static struct value *list_value(struct gql_mem *m, const struct gql_vec *vec, to_fn fn)
{
    struct value_list l = {0};
    for (size_t i = 0; i < vec->n; i++) {
        struct value *v = vec->v[i] ? fn(m, vec->v[i]) : NULL;
        if (!v || (v->type == V_OBJECT && v->u.obj.len == 0))
            continue;
        if (value_list_push(m->arena, &l, v) < 0)
            longjmp(m->oom, 1);
    }
    return oom_check(m, v_array(m->arena, l.items, l.len));
}

static struct value *strings_value(struct gql_mem *m, const struct gql_vec *vec)
{
    struct value_list l = {0};
    for (size_t i = 0; i < vec->n; i++)
        if (value_list_push(m->arena, &l, cstr_value(m, vec->v[i])) < 0)
            longjmp(m->oom, 1);
    return oom_check(m, v_array(m->arena, l.items, l.len));
}

static struct value *value_to(struct gql_mem *m, const void *item);

static struct value *child_to(struct gql_mem *m, const void *item)
{
    const struct gql_child *c = item;
    struct obj o = {m, {0}};
    put_str(&o, "Name", c->name);
    put(&o, "Value", c->value ? value_to(m, c->value) : NULL);
    return finish(&o);
}

static struct value *value_to(struct gql_mem *m, const void *item)
{
    const struct gql_value *v = item;
    struct obj o = {m, {0}};
    put(&o, "Raw", str_value(m, v->raw ? v->raw : "", v->raw ? v->raw_len : 0));
    put(&o, "Children", list_value(m, &v->children, child_to));
    put(&o, "Kind", oom_check(m, v_int(m->arena, v->kind)));
    if (m->opa_2026)
        put_bool(&o, "ExpectedTypeHasDefault", v->expected_has_default);
    return finish(&o);
}

static struct value *type_to(struct gql_mem *m, const void *item)
{
    const struct gql_type *t = item;
    struct obj o = {m, {0}};
    put_str(&o, "NamedType", t->named);
    put(&o, "Elem", t->elem ? type_to(m, t->elem) : NULL);
    put_bool(&o, "NonNull", t->nonnull);
    return finish(&o);
}

static struct value *arg_to(struct gql_mem *m, const void *item)
{
    const struct gql_arg *a = item;
    struct obj o = {m, {0}};
    put_str(&o, "Name", a->name);
    put(&o, "Value", a->value ? value_to(m, a->value) : NULL);
    return finish(&o);
}

static struct value *directive_to(struct gql_mem *m, const void *item)
{
    const struct gql_directive *d = item;
    struct obj o = {m, {0}};
    put_str(&o, "Name", d->name);
    put(&o, "Arguments", list_value(m, &d->args, arg_to));
    put_str(&o, "Location", d->location);
    return finish(&o);
}

static struct value *sel_to(struct gql_mem *m, const void *item)
{
    const struct gql_sel *s = item;
    struct obj o = {m, {0}};
    if (s->kind == GQL_SEL_FIELD) {
        put_str(&o, "Alias", s->alias);
        put_str(&o, "Name", s->name);
        put(&o, "Arguments", list_value(m, &s->args, arg_to));
    } else if (s->kind == GQL_SEL_SPREAD) {
        put_str(&o, "Name", s->name);
    } else {
        put_str(&o, "TypeCondition", s->type_cond);
    }
    put(&o, "Directives", list_value(m, &s->dirs, directive_to));
    if (s->kind != GQL_SEL_SPREAD)
        put(&o, "SelectionSet", list_value(m, &s->sels, sel_to));
    return finish(&o);
}

static struct value *vardef_to(struct gql_mem *m, const void *item)
{
    const struct gql_vardef *d = item;
    struct obj o = {m, {0}};
    put_str(&o, "Variable", d->var);
    put(&o, "Type", d->type ? type_to(m, d->type) : NULL);
    put(&o, "DefaultValue", d->defval ? value_to(m, d->defval) : NULL);
    put(&o, "Directives", list_value(m, &d->dirs, directive_to));
    put_bool(&o, "Used", d->used);
    return finish(&o);
}

static struct value *op_to(struct gql_mem *m, const void *item)
{
    const struct gql_op *op = item;
    struct obj o = {m, {0}};
    put_str(&o, "Operation", op->operation);
    put_str(&o, "Name", op->name);
    put(&o, "VariableDefinitions", list_value(m, &op->vars, vardef_to));
    put(&o, "Directives", list_value(m, &op->dirs, directive_to));
    put(&o, "SelectionSet", list_value(m, &op->sels, sel_to));
    return finish(&o);
}

static struct value *frag_to(struct gql_mem *m, const void *item)
{
    const struct gql_frag *f = item;
    struct obj o = {m, {0}};
    put_str(&o, "Name", f->name);
    put(&o, "VariableDefinition", list_value(m, &f->vars, vardef_to));
    put_str(&o, "TypeCondition", f->type_cond);
    put(&o, "Directives", list_value(m, &f->dirs, directive_to));
    put(&o, "SelectionSet", list_value(m, &f->sels, sel_to));
    return finish(&o);
}

struct value *gql_qdoc_to_value(struct gql_mem *m, const struct gql_qdoc *d)
{
    struct obj o = {m, {0}};
    put(&o, "Operations", list_value(m, &d->ops, op_to));
    put(&o, "Fragments", list_value(m, &d->frags, frag_to));
    return finish(&o);
}

static void put_desc(struct obj *o, const char *s, size_t n)
{
    put(o, "Description", str_value(o->m, s ? s : "", s ? n : 0));
}

static struct value *fielddef_to(struct gql_mem *m, const void *item)
{
    const struct gql_fielddef *f = item;
    struct obj o = {m, {0}};
    put_desc(&o, f->desc, f->desc_len);
    put_str(&o, "Name", f->name);
    put(&o, "Arguments", list_value(m, &f->args, fielddef_to));
    put(&o, "DefaultValue", f->defval ? value_to(m, f->defval) : NULL);
    put(&o, "Type", f->type ? type_to(m, f->type) : NULL);
    put(&o, "Directives", list_value(m, &f->dirs, directive_to));
    return finish(&o);
}

static struct value *enumval_to(struct gql_mem *m, const void *item)
{
    const struct gql_enumval *e = item;
    struct obj o = {m, {0}};
    put_desc(&o, e->desc, e->desc_len);
    put_str(&o, "Name", e->name);
    put(&o, "Directives", list_value(m, &e->dirs, directive_to));
    return finish(&o);
}

static struct value *def_to(struct gql_mem *m, const void *item)
{
    const struct gql_def *d = item;
    struct obj o = {m, {0}};
    put_str(&o, "Kind", d->kind);
    put_desc(&o, d->desc, d->desc_len);
    put_str(&o, "Name", d->name);
    put(&o, "Directives", list_value(m, &d->dirs, directive_to));
    put(&o, "Interfaces", strings_value(m, &d->interfaces));
    put(&o, "Fields", list_value(m, &d->fields, fielddef_to));
    put(&o, "Types", strings_value(m, &d->types));
    put(&o, "EnumValues", list_value(m, &d->enum_values, enumval_to));
    put_bool(&o, "BuiltIn", d->builtin);
    return finish(&o);
}

static struct value *dirdef_to(struct gql_mem *m, const void *item)
{
    const struct gql_dirdef *d = item;
    struct obj o = {m, {0}};
    put_desc(&o, d->desc, d->desc_len);
    put_str(&o, "Name", d->name);
    put(&o, "Arguments", list_value(m, &d->args, fielddef_to));
    put(&o, "Locations", strings_value(m, &d->locations));
    put_bool(&o, "IsRepeatable", d->repeatable);
    return finish(&o);
}

static struct value *optype_to(struct gql_mem *m, const void *item)
{
    const struct gql_optype *t = item;
    struct obj o = {m, {0}};
    put_str(&o, "Operation", t->operation);
    put_str(&o, "Type", t->type);
    return finish(&o);
}

static struct value *schemadef_to(struct gql_mem *m, const void *item)
{
    const struct gql_schemadef *s = item;
    struct obj o = {m, {0}};
    put_desc(&o, s->desc, s->desc_len);
    put(&o, "Directives", list_value(m, &s->dirs, directive_to));
    put(&o, "OperationTypes", list_value(m, &s->optypes, optype_to));
    return finish(&o);
}

struct value *gql_sdoc_to_value(struct gql_mem *m, const struct gql_sdoc *d)
{
    struct obj o = {m, {0}};
    put(&o, "Schema", list_value(m, &d->schema, schemadef_to));
    put(&o, "SchemaExtension", list_value(m, &d->schema_ext, schemadef_to));
    put(&o, "Directives", list_value(m, &d->directives, dirdef_to));
    put(&o, "Definitions", list_value(m, &d->definitions, def_to));
    put(&o, "Extensions", list_value(m, &d->extensions, def_to));
    return finish(&o);
}

/* ---- from values ---- */

struct dec {
    struct gql_mem *m;
    int depth;
};

/* The member named key: exact, else (when ci) case-insensitive. */
static const struct value *member(const struct value *o, const char *key, bool ci)
{
    const struct value *v = value_object_get_str(o, key);
    if (v || !ci)
        return v;
    size_t kl = strlen(key);
    for (size_t i = 0; i < o->u.obj.len; i++) {
        const struct value *k = o->u.obj.pairs[i].key;
        if (k->type == V_STRING && k->u.str.len == kl && !strncasecmp(k->u.str.s, key, kl))
            return o->u.obj.pairs[i].val;
    }
    return NULL;
}

static bool absent(const struct value *v) { return !v || v->type == V_NULL; }

static int d_str(struct dec *d, const struct value *o, const char *key, bool ci, const char **out,
                 size_t *len)
{
    const struct value *v = member(o, key, ci);
    if (absent(v))
        return 0;
    if (v->type != V_STRING)
        return -1;
    *out = gql_strndup(d->m, v->u.str.s, v->u.str.len);
    if (len)
        *len = v->u.str.len;
    return 0;
}

static int d_bool(const struct value *o, const char *key, bool ci, bool *out)
{
    const struct value *v = member(o, key, ci);
    if (absent(v))
        return 0;
    if (v->type != V_BOOL)
        return -1;
    *out = v->u.b;
    return 0;
}

static int d_int(const struct value *o, const char *key, bool ci, int *out)
{
    const struct value *v = member(o, key, ci);
    if (absent(v))
        return 0;
    if (v->type != V_NUMBER || v->num_kind != NUM_INT || v->u.num.i < -2147483647 - 1 ||
        v->u.num.i > 2147483647)
        return -1;
    *out = (int)v->u.num.i;
    return 0;
}

typedef void *(*from_fn)(struct dec *d, const struct value *v, int *rc);

static bool is_list(const struct value *v) { return v->type == V_ARRAY || v->type == V_SET; }

/* A list member: absent/null = empty; null items are dropped. */
static int d_list(struct dec *d, const struct value *o, const char *key, bool ci, from_fn fn,
                  struct gql_vec *out)
{
    const struct value *v = member(o, key, ci);
    if (absent(v))
        return 0;
    if (!is_list(v))
        return -1;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        if (v->u.arr.items[i]->type == V_NULL)
            continue;
        int rc = 0;
        void *item = fn(d, v->u.arr.items[i], &rc);
        if (rc < 0)
            return -1;
        gql_push(d->m, out, item);
    }
    return 0;
}

static void *d_string_item(struct dec *d, const struct value *v, int *rc)
{
    if (v->type != V_STRING) {
        *rc = -1;
        return NULL;
    }
    return gql_strndup(d->m, v->u.str.s, v->u.str.len);
}

/* Enters a nested object; -1 for non-objects and past the depth bound. */
static int enter_obj(struct dec *d, const struct value *v)
{
    if (v->type != V_OBJECT || d->depth >= GQL_MAX_DEPTH)
        return -1;
    d->depth++;
    return 0;
}

#define DECODE_BEGIN(type, var)                                                                    \
    type *var = gql_alloc(d->m, sizeof(*var));                                                     \
    if (enter_obj(d, v) < 0) {                                                                     \
        *rc = -1;                                                                                  \
        return NULL;                                                                               \
    }                                                                                              \
    int bad_ = 0
#define DECODE_END(var)                                                                            \
    d->depth--;                                                                                    \
    if (bad_)                                                                                      \
        *rc = -1;                                                                                  \
    return var

static void *d_value(struct dec *d, const struct value *v, int *rc);

/* A pointer member (absent/null = NULL). */
static int d_ptr(struct dec *d, const struct value *o, const char *key, bool ci, from_fn fn,
                 void **out)
{
    const struct value *v = member(o, key, ci);
    if (absent(v))
        return 0;
    int rc = 0;
    *out = fn(d, v, &rc);
    return rc;
}

static void *d_child(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_child, c);
    c->name = "";
    bad_ |= d_str(d, v, "Name", true, &c->name, NULL);
    bad_ |= d_ptr(d, v, "Value", true, d_value, (void **)&c->value);
    DECODE_END(c);
}

static void *d_value(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_value, x);
    x->raw = "";
    bad_ |= d_str(d, v, "Raw", true, &x->raw, &x->raw_len);
    bad_ |= d_list(d, v, "Children", true, d_child, &x->children);
    bad_ |= d_int(v, "Kind", true, &x->kind);
    if (d->m->opa_2026) /* before, Go's decoder skipped the unknown key */
        bad_ |= d_bool(v, "ExpectedTypeHasDefault", true, &x->expected_has_default);
    DECODE_END(x);
}

static void *d_type(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_type, t);
    t->named = "";
    bad_ |= d_str(d, v, "NamedType", true, &t->named, NULL);
    bad_ |= d_ptr(d, v, "Elem", true, d_type, (void **)&t->elem);
    bad_ |= d_bool(v, "NonNull", true, &t->nonnull);
    DECODE_END(t);
}

static void *d_arg(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_arg, a);
    a->name = "";
    bad_ |= d_str(d, v, "Name", true, &a->name, NULL);
    bad_ |= d_ptr(d, v, "Value", true, d_value, (void **)&a->value);
    DECODE_END(a);
}

static void *d_directive(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_directive, x);
    x->name = x->location = "";
    bad_ |= d_str(d, v, "Name", true, &x->name, NULL);
    bad_ |= d_list(d, v, "Arguments", true, d_arg, &x->args);
    bad_ |= d_str(d, v, "Location", true, &x->location, NULL);
    DECODE_END(x);
}

static int d_selections(struct dec *d, const struct value *o, const char *key, struct gql_vec *out);

static void *d_field(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_sel, s);
    s->kind = GQL_SEL_FIELD;
    s->alias = s->name = s->type_cond = "";
    bad_ |= d_str(d, v, "Alias", false, &s->alias, NULL);
    bad_ |= d_str(d, v, "Name", false, &s->name, NULL);
    bad_ |= d_list(d, v, "Arguments", false, d_arg, &s->args);
    bad_ |= d_list(d, v, "Directives", false, d_directive, &s->dirs);
    bad_ |= d_selections(d, v, "SelectionSet", &s->sels);
    DECODE_END(s);
}

static void *d_spread(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_sel, s);
    s->kind = GQL_SEL_SPREAD;
    s->alias = s->name = s->type_cond = "";
    bad_ |= d_str(d, v, "Name", true, &s->name, NULL);
    bad_ |= d_list(d, v, "Directives", true, d_directive, &s->dirs);
    DECODE_END(s);
}

static void *d_inline(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_sel, s);
    s->kind = GQL_SEL_INLINE;
    s->alias = s->name = s->type_cond = "";
    bad_ |= d_str(d, v, "TypeCondition", false, &s->type_cond, NULL);
    bad_ |= d_list(d, v, "Directives", false, d_directive, &s->dirs);
    bad_ |= d_selections(d, v, "SelectionSet", &s->sels);
    DECODE_END(s);
}

/* gqlparser's UnmarshalSelectionSet. */
static int d_selections(struct dec *d, const struct value *o, const char *key, struct gql_vec *out)
{
    const struct value *v = member(o, key, false);
    if (absent(v))
        return 0;
    if (!is_list(v))
        return -1;
    static const from_fn tries[] = {d_field, d_spread, d_inline};
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const struct value *item = v->u.arr.items[i];
        if (item->type == V_NULL) { /* decodes as an empty Field */
            struct gql_sel *s = gql_alloc(d->m, sizeof(*s));
            s->alias = s->name = s->type_cond = "";
            gql_push(d->m, out, s);
            continue;
        }
        for (size_t t = 0; t < 3; t++) {
            int rc = 0;
            void *s = tries[t](d, item, &rc);
            if (rc == 0) {
                gql_push(d->m, out, s);
                break;
            }
        }
    }
    return 0;
}

static void *d_vardef(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_vardef, x);
    x->var = "";
    bad_ |= d_str(d, v, "Variable", true, &x->var, NULL);
    bad_ |= d_ptr(d, v, "Type", true, d_type, (void **)&x->type);
    bad_ |= d_ptr(d, v, "DefaultValue", true, d_value, (void **)&x->defval);
    bad_ |= d_list(d, v, "Directives", true, d_directive, &x->dirs);
    bad_ |= d_bool(v, "Used", true, &x->used);
    DECODE_END(x);
}

static void *d_op(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_op, op);
    op->operation = op->name = "";
    bad_ |= d_str(d, v, "Operation", false, &op->operation, NULL);
    bad_ |= d_str(d, v, "Name", false, &op->name, NULL);
    bad_ |= d_list(d, v, "VariableDefinitions", false, d_vardef, &op->vars);
    bad_ |= d_list(d, v, "Directives", false, d_directive, &op->dirs);
    bad_ |= d_selections(d, v, "SelectionSet", &op->sels);
    DECODE_END(op);
}

static void *d_frag(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_frag, f);
    f->name = f->type_cond = "";
    bad_ |= d_str(d, v, "Name", false, &f->name, NULL);
    bad_ |= d_list(d, v, "VariableDefinition", false, d_vardef, &f->vars);
    bad_ |= d_str(d, v, "TypeCondition", false, &f->type_cond, NULL);
    bad_ |= d_list(d, v, "Directives", false, d_directive, &f->dirs);
    bad_ |= d_selections(d, v, "SelectionSet", &f->sels);
    DECODE_END(f);
}

int gql_qdoc_from_value(struct gql_mem *m, const struct value *v, struct gql_qdoc **out)
{
    struct dec dd = {m, 0}, *d = &dd;
    struct gql_qdoc *doc = gql_alloc(m, sizeof(*doc));
    *out = doc;
    if (v->type != V_OBJECT)
        return -1;
    int bad = d_list(d, v, "Operations", true, d_op, &doc->ops);
    bad |= d_list(d, v, "Fragments", true, d_frag, &doc->frags);
    return bad ? -1 : 0;
}

static void *d_fielddef(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_fielddef, f);
    f->desc = f->name = "";
    bad_ |= d_str(d, v, "Description", true, &f->desc, &f->desc_len);
    bad_ |= d_str(d, v, "Name", true, &f->name, NULL);
    bad_ |= d_list(d, v, "Arguments", true, d_fielddef, &f->args);
    bad_ |= d_ptr(d, v, "DefaultValue", true, d_value, (void **)&f->defval);
    bad_ |= d_ptr(d, v, "Type", true, d_type, (void **)&f->type);
    bad_ |= d_list(d, v, "Directives", true, d_directive, &f->dirs);
    DECODE_END(f);
}

static void *d_enumval(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_enumval, e);
    e->desc = e->name = "";
    bad_ |= d_str(d, v, "Description", true, &e->desc, &e->desc_len);
    bad_ |= d_str(d, v, "Name", true, &e->name, NULL);
    bad_ |= d_list(d, v, "Directives", true, d_directive, &e->dirs);
    DECODE_END(e);
}

static void *d_def(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_def, x);
    x->kind = x->desc = x->name = "";
    bad_ |= d_str(d, v, "Kind", true, &x->kind, NULL);
    bad_ |= d_str(d, v, "Description", true, &x->desc, &x->desc_len);
    bad_ |= d_str(d, v, "Name", true, &x->name, NULL);
    bad_ |= d_list(d, v, "Directives", true, d_directive, &x->dirs);
    bad_ |= d_list(d, v, "Interfaces", true, d_string_item, &x->interfaces);
    bad_ |= d_list(d, v, "Fields", true, d_fielddef, &x->fields);
    bad_ |= d_list(d, v, "Types", true, d_string_item, &x->types);
    bad_ |= d_list(d, v, "EnumValues", true, d_enumval, &x->enum_values);
    bad_ |= d_bool(v, "BuiltIn", true, &x->builtin);
    DECODE_END(x);
}

static void *d_dirdef(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_dirdef, x);
    x->desc = x->name = "";
    bad_ |= d_str(d, v, "Description", true, &x->desc, &x->desc_len);
    bad_ |= d_str(d, v, "Name", true, &x->name, NULL);
    bad_ |= d_list(d, v, "Arguments", true, d_fielddef, &x->args);
    bad_ |= d_list(d, v, "Locations", true, d_string_item, &x->locations);
    bad_ |= d_bool(v, "IsRepeatable", true, &x->repeatable);
    DECODE_END(x);
}

static void *d_optype(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_optype, t);
    t->operation = t->type = "";
    bad_ |= d_str(d, v, "Operation", true, &t->operation, NULL);
    bad_ |= d_str(d, v, "Type", true, &t->type, NULL);
    DECODE_END(t);
}

static void *d_schemadef(struct dec *d, const struct value *v, int *rc)
{
    DECODE_BEGIN(struct gql_schemadef, s);
    s->desc = "";
    bad_ |= d_str(d, v, "Description", true, &s->desc, &s->desc_len);
    bad_ |= d_list(d, v, "Directives", true, d_directive, &s->dirs);
    bad_ |= d_list(d, v, "OperationTypes", true, d_optype, &s->optypes);
    DECODE_END(s);
}

int gql_sdoc_from_value(struct gql_mem *m, const struct value *v, struct gql_sdoc **out)
{
    struct dec dd = {m, 0}, *d = &dd;
    struct gql_sdoc *doc = gql_alloc(m, sizeof(*doc));
    *out = doc;
    if (v->type != V_OBJECT)
        return -1;
    int bad = d_list(d, v, "Schema", true, d_schemadef, &doc->schema);
    bad |= d_list(d, v, "SchemaExtension", true, d_schemadef, &doc->schema_ext);
    bad |= d_list(d, v, "Directives", true, d_dirdef, &doc->directives);
    bad |= d_list(d, v, "Definitions", true, d_def, &doc->definitions);
    bad |= d_list(d, v, "Extensions", true, d_def, &doc->extensions);
    return bad ? -1 : 0;
}
