/* bi_graphql_schema.c - a schema from a schema document, checked the way
 * gqlparser's ValidateSchemaDocument checks it (OPA merges the library's
 * built-in definitions with the user's document first).
 *
 * The built-in definitions are the GraphQL specification's scalars,
 * directives and introspection types, written here in SDL and parsed per
 * call.  The checks run in gqlparser's order (type definitions by name,
 * then input-object cycles, then directive definitions) and the first
 * failure is the error, with gqlparser's message.  Extensions of types that
 * do not exist create them (gqlparser allows it, for federation). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_graphql.h"
#include "rego/bi_util.h"

/* ---- insertion-ordered string map ---- */

struct gql_map {
    const char **keys;
    void **vals;
    size_t n, cap;
    size_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t nslots;
};

struct gql_map *gql_map_new(struct gql_mem *m) { return gql_alloc(m, sizeof(struct gql_map)); }

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t *find_slot(const struct gql_map *map, const char *key)
{
    size_t mask = map->nslots - 1;
    for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask) {
        size_t s = map->slots[i];
        if (!s || !strcmp(map->keys[s - 1], key))
            return &map->slots[i];
    }
}

void *gql_map_get(const struct gql_map *map, const char *key)
{
    if (!map || !map->nslots)
        return NULL;
    size_t s = *find_slot(map, key);
    return s ? map->vals[s - 1] : NULL;
}

static void grow(struct gql_mem *m, struct gql_map *map)
{
    size_t cap = map->cap ? map->cap * 2 : 16;
    const char **keys = gql_alloc(m, cap * sizeof(*keys));
    void **vals = gql_alloc(m, cap * sizeof(*vals));
    if (map->n) {
        memcpy(keys, map->keys, map->n * sizeof(*keys));
        memcpy(vals, map->vals, map->n * sizeof(*vals));
    }
    map->keys = keys;
    map->vals = vals;
    map->cap = cap;
    map->nslots = cap * 2;
    map->slots = gql_alloc(m, map->nslots * sizeof(*map->slots));
    for (size_t i = 0; i < map->n; i++)
        *find_slot(map, keys[i]) = i + 1;
}

void gql_map_put(struct gql_mem *m, struct gql_map *map, const char *key, void *val)
{
    if (map->nslots) {
        size_t *slot = find_slot(map, key);
        if (*slot) {
            map->vals[*slot - 1] = val;
            return;
        }
    }
    if (map->n == map->cap)
        grow(m, map);
    map->keys[map->n] = key;
    map->vals[map->n] = val;
    map->n++;
    *find_slot(map, key) = map->n;
}

size_t gql_map_len(const struct gql_map *map) { return map ? map->n : 0; }
const char *gql_map_key(const struct gql_map *map, size_t i) { return map->keys[i]; }

/* ---- types and kinds ---- */

bool gql_kind_is(const struct gql_def *d, const char *kind) { return d && !strcmp(d->kind, kind); }

bool gql_is_leaf(const struct gql_def *d)
{
    return gql_kind_is(d, "ENUM") || gql_kind_is(d, "SCALAR");
}

bool gql_is_composite(const struct gql_def *d)
{
    return gql_kind_is(d, "OBJECT") || gql_kind_is(d, "INTERFACE") || gql_kind_is(d, "UNION");
}

bool gql_is_input(const struct gql_def *d)
{
    return gql_kind_is(d, "SCALAR") || gql_kind_is(d, "ENUM") || gql_kind_is(d, "INPUT_OBJECT");
}

const char *gql_type_name(const struct gql_type *t)
{
    for (int guard = 0; t && guard <= GQL_MAX_DEPTH; guard++, t = t->elem)
        if (t->named[0] || !t->elem)
            return t->named;
    return "";
}

void gql_type_text(struct buf *b, const struct gql_type *t)
{
    if (!t) {
        buf_puts(b, "<nil>");
        return;
    }
    if (t->named[0]) {
        buf_puts(b, t->named);
    } else {
        buf_putc(b, '[');
        gql_type_text(b, t->elem);
        buf_putc(b, ']');
    }
    if (t->nonnull)
        buf_putc(b, '!');
}

char *gql_type_str(struct gql_mem *m, const struct gql_type *t)
{
    struct buf b = BUF_INIT;
    gql_type_text(&b, t);
    bool failed = buf_failed(&b);
    char *s = failed ? NULL : gql_strndup(m, b.data ? b.data : "", b.len);
    buf_free(&b);
    if (failed)
        longjmp(m->oom, 1);
    return s;
}

/* Go's Type.IsCompatible. */
bool gql_type_compatible(const struct gql_type *t, const struct gql_type *other)
{
    if (!t || !other)
        return t == other;
    if (strcmp(t->named, other->named))
        return false;
    if (t->elem && !other->elem)
        return false;
    if (t->elem && !gql_type_compatible(t->elem, other->elem))
        return false;
    return other->nonnull ? t->nonnull : true;
}

struct gql_fielddef *gql_fields_find(const struct gql_vec *fields, const char *name)
{
    for (size_t i = 0; i < fields->n; i++) {
        struct gql_fielddef *f = fields->v[i];
        if (f && !strcmp(f->name, name))
            return f;
    }
    return NULL;
}

struct gql_vec *gql_possible_types(const struct gql_schema *s, const char *name)
{
    return gql_map_get(s->possible, name);
}

static void add_possible(struct gql_mem *m, struct gql_schema *s, const char *name,
                         struct gql_def *def)
{
    if (!def)
        return;
    struct gql_vec *v = gql_map_get(s->possible, name);
    if (!v) {
        v = gql_alloc(m, sizeof(*v));
        gql_map_put(m, s->possible, name, v);
    }
    gql_push(m, v, def);
}

/* ---- the built-in definitions (GraphQL specification) ---- */

static const char PRELUDE[] =
    "scalar Int\nscalar Float\nscalar String\nscalar Boolean\nscalar ID\n"
    "directive @defer(if: Boolean = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @deprecated(reason: String = \"No longer supported\") on FIELD_DEFINITION | "
    "ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE\n"
    "directive @specifiedBy(url: String!) on SCALAR\n"
    "directive @oneOf on INPUT_OBJECT\n"
    "type __Schema { description: String types: [__Type!]! queryType: __Type! "
    "mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }\n"
    "type __Type { kind: __TypeKind! name: String description: String specifiedByURL: String "
    "fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!] "
    "possibleTypes: [__Type!] enumValues(includeDeprecated: Boolean = false): [__EnumValue!] "
    "inputFields(includeDeprecated: Boolean = false): [__InputValue!] ofType: __Type "
    "isOneOf: Boolean }\n"
    "enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }\n"
    "type __Field { name: String! description: String "
    "args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type! "
    "isDeprecated: Boolean! deprecationReason: String }\n"
    "type __InputValue { name: String! description: String type: __Type! defaultValue: String "
    "isDeprecated: Boolean! deprecationReason: String }\n"
    "type __EnumValue { name: String! description: String isDeprecated: Boolean! "
    "deprecationReason: String }\n"
    "type __Directive { name: String! description: String isRepeatable: Boolean! "
    "locations: [__DirectiveLocation!]! args(includeDeprecated: Boolean = false): "
    "[__InputValue!]! }\n"
    "enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION "
    "FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION "
    "ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION }\n";

/* ---- checks ---- */

struct build {
    struct gql_mem *m;
    struct gql_schema *s;
    struct gql_error *err;
};

static int fail(struct build *b, struct gql_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct build *b, struct gql_pos pos, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    b->err->file = "input";
    b->err->pos = pos;
    b->err->msg = gql_strndup(b->m, msg, strlen(msg));
    return -1;
}

static struct gql_def *type_of(struct build *b, const char *name)
{
    return gql_map_get(b->s->types, name);
}

static int check_name(struct build *b, struct gql_pos pos, const char *name)
{
    if (!strncmp(name, "__", 2))
        return fail(b, pos,
                    "Name \"%s\" must not begin with \"__\", which is reserved by GraphQL "
                    "introspection.",
                    name);
    return 0;
}

static bool has_location(const struct gql_dirdef *d, const char *loc)
{
    for (size_t i = 0; i < d->locations.n; i++)
        if (d->locations.v[i] && !strcmp(d->locations.v[i], loc))
            return true;
    return false;
}

static struct gql_arg *arg_find(const struct gql_vec *args, const char *name)
{
    for (size_t i = 0; i < args->n; i++) {
        struct gql_arg *a = args->v[i];
        if (a && !strcmp(a->name, name))
            return a;
    }
    return NULL;
}

static int check_directive_args(struct build *b, struct gql_directive *dir,
                                struct gql_dirdef *def)
{
    for (size_t i = 0; i < dir->args.n; i++) {
        struct gql_arg *a = dir->args.v[i];
        if (a && !gql_fields_find(&def->args, a->name))
            return fail(b, a->pos, "Undefined argument %s for directive %s.", a->name, dir->name);
    }
    for (size_t i = 0; i < def->args.n; i++) {
        struct gql_fielddef *sa = def->args.v[i];
        if (!sa || !sa->type || !sa->type->nonnull || sa->defval)
            continue;
        struct gql_arg *a = arg_find(&dir->args, sa->name);
        if (!a || (a->value && a->value->kind == GQL_NULL))
            return fail(b, dir->pos, "Argument %s for directive %s cannot be null.", sa->name,
                        dir->name);
    }
    return 0;
}

static int check_directives(struct build *b, const struct gql_vec *dirs, const char *loc,
                            const struct gql_dirdef *current, bool single)
{
    struct gql_map *seen = gql_map_new(b->m);
    for (size_t i = 0; i < dirs->n; i++) {
        struct gql_directive *dir = dirs->v[i];
        if (!dir)
            continue;
        if (check_name(b, dir->pos, dir->name) < 0)
            return -1;
        if (current && !strcmp(dir->name, current->name))
            return fail(b, dir->pos, "Directive %s cannot refer to itself.", current->name);
        struct gql_dirdef *def = gql_map_get(b->s->directives, dir->name);
        if (!def)
            return fail(b, dir->pos, "Undefined directive %s.", dir->name);
        if (single) {
            if (gql_map_get(seen, dir->name) && !def->repeatable)
                return fail(b, dir->pos, "The directive %s can only be used once at this location.",
                            dir->name);
            gql_map_put(b->m, seen, dir->name, def);
        }
        if (!has_location(def, loc))
            return fail(b, dir->pos, "Directive %s is not applicable on %s.", dir->name, loc);
        if (check_directive_args(b, dir, def) < 0)
            return -1;
        dir->definition = def;
    }
    return 0;
}

static int check_type_ref(struct build *b, const struct gql_type *t)
{
    if (!type_of(b, gql_type_name(t)))
        return fail(b, t ? t->pos : (struct gql_pos){0, 0}, "Undefined type %s.",
                    gql_type_name(t));
    return 0;
}

static int check_args(struct build *b, const struct gql_vec *args, const struct gql_dirdef *current)
{
    for (size_t i = 0; i < args->n; i++) {
        struct gql_fielddef *a = args->v[i];
        if (!a)
            continue;
        if (check_name(b, a->pos, a->name) < 0 || check_type_ref(b, a->type) < 0)
            return -1;
        struct gql_def *def = type_of(b, gql_type_name(a->type));
        if (!gql_is_input(def))
            return fail(b, a->pos,
                        "cannot use %s as argument %s because %s is not a valid input type",
                        gql_type_str(b->m, a->type), a->name, def->kind);
        if (check_directives(b, &a->dirs, "ARGUMENT_DEFINITION", current, true) < 0)
            return -1;
    }
    return 0;
}

/* Go's isCovariant. */
static bool covariant(struct build *b, const struct gql_type *req, const struct gql_type *act)
{
    for (int guard = 0; req && act && guard <= GQL_MAX_DEPTH; guard++) {
        if (req->nonnull && !act->nonnull)
            return false;
        if (req->named[0]) {
            if (!strcmp(req->named, act->named))
                return true;
            struct gql_vec *pt = gql_possible_types(b->s, req->named);
            for (size_t i = 0; pt && i < pt->n; i++)
                if (!strcmp(((struct gql_def *)pt->v[i])->name, act->named))
                    return true;
            return false;
        }
        if (req->elem && !act->elem)
            return false;
        req = req->elem;
        act = act->elem;
    }
    return false;
}

static bool contains_str(const struct gql_vec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] && !strcmp(v->v[i], s))
            return true;
    return false;
}

static int check_field_implements(struct build *b, struct gql_def *def, struct gql_def *intf,
                                  struct gql_fielddef *req)
{
    struct gql_fielddef *found = gql_fields_find(&def->fields, req->name);
    if (!found)
        return fail(b, def->pos, "For %s to implement %s it must have a field called %s.",
                    def->name, intf->name, req->name);
    if (!covariant(b, req->type, found->type))
        return fail(b, found->pos, "For %s to implement %s the field %s must have type %s.",
                    def->name, intf->name, req->name, gql_type_str(b->m, req->type));
    for (size_t i = 0; i < req->args.n; i++) {
        struct gql_fielddef *ra = req->args.v[i];
        struct gql_fielddef *fa = ra ? gql_fields_find(&found->args, ra->name) : NULL;
        if (ra && !fa)
            return fail(b, found->pos,
                        "For %s to implement %s the field %s must have the same arguments but it "
                        "is missing %s.",
                        def->name, intf->name, req->name, ra->name);
        if (ra && !gql_type_compatible(ra->type, fa->type))
            return fail(b, fa->pos,
                        "For %s to implement %s the field %s must have the same arguments but %s "
                        "has the wrong type.",
                        def->name, intf->name, req->name, ra->name);
    }
    for (size_t i = 0; i < found->args.n; i++) {
        struct gql_fielddef *fa = found->args.v[i];
        if (fa && !gql_fields_find(&req->args, fa->name) && fa->type && fa->type->nonnull &&
            !fa->defval)
            return fail(b, fa->pos,
                        "For %s to implement %s any additional arguments on %s must be optional "
                        "or have a default value but %s is required.",
                        def->name, intf->name, found->name, fa->name);
    }
    return 0;
}

static int check_implements(struct build *b, struct gql_def *def, const char *intf_name)
{
    struct gql_def *intf = type_of(b, intf_name);
    struct buf q = BUF_INIT;
    bi_go_quote(&q, intf_name, strlen(intf_name));
    char *quoted = gql_strndup(b->m, q.data ? q.data : "", q.len);
    buf_free(&q);
    if (!intf)
        return fail(b, def->pos, "Undefined type %s.", quoted);
    if (strcmp(intf->kind, "INTERFACE"))
        return fail(b, def->pos, "%s is a non interface type %s.", quoted, intf->kind);
    for (size_t i = 0; i < intf->fields.n; i++)
        if (intf->fields.v[i] && check_field_implements(b, def, intf, intf->fields.v[i]) < 0)
            return -1;
    for (size_t i = 0; i < intf->interfaces.n; i++) {
        const char *tr = intf->interfaces.v[i];
        if (!tr || contains_str(&def->interfaces, tr))
            continue;
        if (!strcmp(tr, def->name))
            return fail(b, def->pos,
                        "Type %s cannot implement %s because it would create a circular "
                        "reference.",
                        def->name, intf_name);
        return fail(b, def->pos, "Type %s must implement %s because it is implemented by %s.",
                    def->name, tr, intf_name);
    }
    return 0;
}

static bool kind_in(const char *kind, const char *const *kinds)
{
    for (; *kinds; kinds++)
        if (!strcmp(kind, *kinds))
            return true;
    return false;
}

static int check_fields(struct build *b, struct gql_def *def)
{
    const char *loc = strcmp(def->kind, "INPUT_OBJECT") ? "FIELD_DEFINITION"
                                                        : "INPUT_FIELD_DEFINITION";
    for (size_t i = 0; i < def->fields.n; i++) {
        struct gql_fielddef *f = def->fields.v[i];
        if (!f)
            continue;
        if (check_name(b, f->pos, f->name) < 0 || check_type_ref(b, f->type) < 0 ||
            check_args(b, &f->args, NULL) < 0 || check_directives(b, &f->dirs, loc, NULL, true) < 0)
            return -1;
    }
    return 0;
}

static int check_union_members(struct build *b, struct gql_def *def)
{
    for (size_t i = 0; i < def->types.n; i++) {
        const char *t = def->types.v[i] ? def->types.v[i] : "";
        struct gql_def *td = type_of(b, t);
        struct buf q = BUF_INIT;
        bi_go_quote(&q, t, strlen(t));
        char *quoted = gql_strndup(b->m, q.data ? q.data : "", q.len);
        buf_free(&q);
        if (!td)
            return fail(b, def->pos, "Undefined type %s.", quoted);
        if (strcmp(td->kind, "OBJECT"))
            return fail(b, def->pos, "%s type %s must be OBJECT.", def->kind, quoted);
    }
    return 0;
}

static int check_field_kinds(struct build *b, struct gql_def *def)
{
    static const char *const OUT_KINDS[] = {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", NULL};
    static const char *const IN_KINDS[] = {"SCALAR", "ENUM", "INPUT_OBJECT", NULL};
    bool input = !strcmp(def->kind, "INPUT_OBJECT");
    if (!def->fields.n)
        return fail(b, def->pos, "%s %s: must define one or more %s.", def->kind, def->name,
                    input ? "input fields" : "fields");
    for (size_t i = 0; i < def->fields.n; i++) {
        struct gql_fielddef *f = def->fields.v[i];
        struct gql_def *t = f ? type_of(b, gql_type_name(f->type)) : NULL;
        if (!t || kind_in(t->kind, input ? IN_KINDS : OUT_KINDS))
            continue;
        if (input)
            return fail(b, f->pos, "%s %s: field must be one of SCALAR, ENUM, INPUT_OBJECT.",
                        t->kind, f->name);
        return fail(b, f->pos,
                    "%s %s: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.",
                    def->kind, def->name);
    }
    return 0;
}

static int check_enum_values(struct build *b, struct gql_def *def)
{
    if (!def->enum_values.n)
        return fail(b, def->pos, "%s %s: must define one or more unique enum values.", def->kind,
                    def->name);
    for (size_t i = 0; i < def->enum_values.n; i++) {
        struct gql_enumval *e = def->enum_values.v[i];
        if (!e)
            continue;
        if (!strcmp(e->name, "true") || !strcmp(e->name, "false") || !strcmp(e->name, "null"))
            return fail(b, def->pos, "%s %s: non-enum value %s.", def->kind, def->name, e->name);
        if (check_directives(b, &e->dirs, "ENUM_VALUE", NULL, true) < 0)
            return -1;
    }
    return 0;
}

static int check_duplicates(struct build *b, struct gql_def *def)
{
    for (size_t i = 0; i < def->fields.n; i++)
        for (size_t j = i + 1; j < def->fields.n; j++) {
            struct gql_fielddef *f1 = def->fields.v[i], *f2 = def->fields.v[j];
            if (f1 && f2 && !strcmp(f1->name, f2->name))
                return fail(b, f2->pos, "Field %s.%s can only be defined once.", def->name,
                            f2->name);
        }
    for (size_t i = 0; i < def->enum_values.n; i++)
        for (size_t j = i + 1; j < def->enum_values.n; j++) {
            struct gql_enumval *e1 = def->enum_values.v[i], *e2 = def->enum_values.v[j];
            if (e1 && e2 && !strcmp(e1->name, e2->name))
                return fail(b, e2->pos, "Enum value %s.%s can only be defined once.", def->name,
                            e2->name);
        }
    for (size_t i = 0; i < def->types.n; i++)
        for (size_t j = i + 1; j < def->types.n; j++)
            if (def->types.v[i] && def->types.v[j] && !strcmp(def->types.v[i], def->types.v[j]))
                return fail(b, def->pos, "Union type %s can only include type %s once.",
                            def->name, (char *)def->types.v[j]);
    return 0;
}

static int check_definition(struct build *b, struct gql_def *def)
{
    if (check_fields(b, def) < 0 || check_union_members(b, def) < 0)
        return -1;
    for (size_t i = 0; i < def->interfaces.n; i++)
        if (def->interfaces.v[i] && check_implements(b, def, def->interfaces.v[i]) < 0)
            return -1;
    if (!strcmp(def->kind, "OBJECT") || !strcmp(def->kind, "INTERFACE") ||
        !strcmp(def->kind, "INPUT_OBJECT")) {
        if (check_field_kinds(b, def) < 0)
            return -1;
    } else if (!strcmp(def->kind, "ENUM") && check_enum_values(b, def) < 0) {
        return -1;
    }
    if (check_duplicates(b, def) < 0)
        return -1;
    if (!def->builtin && check_name(b, def->pos, def->name) < 0)
        return -1;
    return check_directives(b, &def->dirs, def->kind, NULL, false);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **sorted_keys(struct gql_mem *m, const struct gql_map *map)
{
    size_t n = gql_map_len(map);
    const char **keys = gql_alloc(m, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++)
        keys[i] = gql_map_key(map, i);
    qsort(keys, n, sizeof(*keys), cmp_str);
    return keys;
}

/* ---- input object cycles through non-null fields ---- */

struct cycle {
    struct build *b;
    struct gql_map *visited;
    struct gql_map *index; /* type name -> path index + 1 */
    struct gql_fielddef **path;
    size_t len;
};

static int detect_cycle(struct cycle *c, struct gql_def *def)
{
    if (gql_map_get(c->visited, def->name) || c->len >= GQL_MAX_WALK_DEPTH)
        return 0; /* beyond the bound the chain is not followed (C stack) */
    gql_map_put(c->b->m, c->visited, def->name, def);
    gql_map_put(c->b->m, c->index, def->name, (void *)(c->len + 1));
    for (size_t i = 0; i < def->fields.n; i++) {
        struct gql_fielddef *f = def->fields.v[i];
        if (!f || !f->type || !f->type->nonnull || !f->type->named[0])
            continue;
        struct gql_def *ft = type_of(c->b, f->type->named);
        if (!gql_kind_is(ft, "INPUT_OBJECT"))
            continue;
        c->path[c->len++] = f;
        size_t at = (size_t)gql_map_get(c->index, ft->name);
        if (at) {
            struct buf names = BUF_INIT, q1 = BUF_INIT, q2 = BUF_INIT;
            for (size_t k = at - 1; k < c->len; k++) {
                if (k > at - 1)
                    buf_putc(&names, '.');
                buf_puts(&names, c->path[k]->name);
            }
            bi_go_quote(&q1, ft->name, strlen(ft->name));
            bi_go_quote(&q2, names.data ? names.data : "", names.len);
            int rc = fail(c->b, c->path[at - 1]->pos,
                          "Cannot reference Input Object %s within itself through a series of "
                          "non-null fields: %s.",
                          q1.data ? q1.data : "", q2.data ? q2.data : "");
            buf_free(&names);
            buf_free(&q1);
            buf_free(&q2);
            return rc;
        }
        if (detect_cycle(c, ft) < 0)
            return -1;
        c->len--;
    }
    gql_map_put(c->b->m, c->index, def->name, NULL);
    return 0;
}

static int check_input_cycles(struct build *b, const char **names, size_t n)
{
    size_t total_fields = 0;
    for (size_t i = 0; i < n; i++)
        total_fields += type_of(b, names[i])->fields.n;
    struct cycle c = {b, gql_map_new(b->m), gql_map_new(b->m), NULL, 0};
    c.path = gql_alloc(b->m, (total_fields + 1) * sizeof(*c.path));
    for (size_t i = 0; i < n; i++) {
        struct gql_def *def = type_of(b, names[i]);
        if (gql_kind_is(def, "INPUT_OBJECT") && detect_cycle(&c, def) < 0)
            return -1;
    }
    return 0;
}

/* ---- building ---- */

static void merge_extension(struct gql_mem *m, struct gql_def *def, const struct gql_def *ext)
{
    const struct gql_vec *from[] = {&ext->dirs, &ext->interfaces, &ext->fields, &ext->types,
                                    &ext->enum_values};
    struct gql_vec *to[] = {&def->dirs, &def->interfaces, &def->fields, &def->types,
                            &def->enum_values};
    for (size_t k = 0; k < 5; k++)
        for (size_t i = 0; i < from[k]->n; i++)
            gql_push(m, to[k], from[k]->v[i]);
}

static int add_types(struct build *b, const struct gql_sdoc *const *docs, size_t ndocs,
                     struct gql_vec *defs)
{
    for (size_t d = 0; d < ndocs; d++)
        for (size_t i = 0; i < docs[d]->definitions.n; i++) {
            struct gql_def *def = docs[d]->definitions.v[i];
            if (!def)
                continue;
            if (type_of(b, def->name))
                return fail(b, def->pos, "Cannot redeclare type %s.", def->name);
            gql_map_put(b->m, b->s->types, def->name, def);
            gql_push(b->m, defs, def);
        }
    for (size_t d = 0; d < ndocs; d++)
        for (size_t i = 0; i < docs[d]->extensions.n; i++) {
            struct gql_def *ext = docs[d]->extensions.v[i];
            if (!ext)
                continue;
            struct gql_def *def = type_of(b, ext->name);
            if (!def) {
                def = gql_alloc(b->m, sizeof(*def));
                def->kind = ext->kind;
                def->name = ext->name;
                def->desc = "";
                def->pos = ext->pos;
                gql_map_put(b->m, b->s->types, def->name, def);
                gql_push(b->m, defs, def);
            }
            if (strcmp(def->kind, ext->kind))
                return fail(b, ext->pos,
                            "Cannot extend type %s because the base type is a %s, not %s.",
                            ext->name, def->kind, ext->kind);
            merge_extension(b->m, def, ext);
        }
    return 0;
}

static void add_possible_types(struct build *b, const struct gql_vec *defs)
{
    for (size_t i = 0; i < defs->n; i++) {
        struct gql_def *def = defs->v[i];
        if (!strcmp(def->kind, "UNION")) {
            for (size_t k = 0; k < def->types.n; k++)
                if (def->types.v[k])
                    add_possible(b->m, b->s, def->name, type_of(b, def->types.v[k]));
        } else if (!strcmp(def->kind, "OBJECT") || !strcmp(def->kind, "INPUT_OBJECT") ||
                   !strcmp(def->kind, "INTERFACE")) {
            for (size_t k = 0; k < def->interfaces.n; k++)
                if (def->interfaces.v[k])
                    add_possible(b->m, b->s, def->interfaces.v[k], def);
            if (strcmp(def->kind, "INTERFACE"))
                add_possible(b->m, b->s, def->name, def);
        }
    }
}

static int add_directives(struct build *b, const struct gql_sdoc *const *docs, size_t ndocs)
{
    static const char *const BUILTIN[] = {"include",     "skip",  "deprecated",
                                          "specifiedBy", "defer", "oneOf", NULL};
    for (size_t d = 0; d < ndocs; d++)
        for (size_t i = 0; i < docs[d]->directives.n; i++) {
            struct gql_dirdef *dir = docs[d]->directives.v[i];
            if (!dir)
                continue;
            if (gql_map_get(b->s->directives, dir->name) && !kind_in(dir->name, BUILTIN))
                return fail(b, dir->pos, "Cannot redeclare directive %s.", dir->name);
            gql_map_put(b->m, b->s->directives, dir->name, dir);
        }
    return 0;
}

static int set_roots(struct build *b, const struct gql_schemadef *sd)
{
    for (size_t i = 0; i < sd->optypes.n; i++) {
        struct gql_optype *ot = sd->optypes.v[i];
        if (!ot)
            continue;
        struct gql_def *def = type_of(b, ot->type);
        if (!def)
            return fail(b, ot->pos, "Schema root %s refers to a type %s that does not exist.",
                        ot->operation, ot->type);
        if (!strcmp(ot->operation, "query"))
            b->s->query = def;
        else if (!strcmp(ot->operation, "mutation"))
            b->s->mutation = def;
        else if (!strcmp(ot->operation, "subscription"))
            b->s->subscription = def;
    }
    return check_directives(b, &sd->dirs, "SCHEMA", NULL, true);
}

static int check_all(struct build *b)
{
    size_t n = gql_map_len(b->s->types);
    const char **names = sorted_keys(b->m, b->s->types);
    for (size_t i = 0; i < n; i++)
        if (check_definition(b, type_of(b, names[i])) < 0)
            return -1;
    if (check_input_cycles(b, names, n) < 0)
        return -1;
    size_t nd = gql_map_len(b->s->directives);
    const char **dnames = sorted_keys(b->m, b->s->directives);
    for (size_t i = 0; i < nd; i++) {
        struct gql_dirdef *d = gql_map_get(b->s->directives, dnames[i]);
        if (check_name(b, d->pos, d->name) < 0 || check_args(b, &d->args, d) < 0)
            return -1;
    }
    return 0;
}

static void add_introspection_fields(struct gql_mem *m, struct gql_def *query)
{
    struct gql_fielddef *schema = gql_alloc(m, sizeof(*schema));
    schema->name = "__schema";
    schema->desc = "";
    schema->type = gql_alloc(m, sizeof(*schema->type));
    schema->type->named = "__Schema";
    schema->type->nonnull = true;
    struct gql_fielddef *type = gql_alloc(m, sizeof(*type));
    type->name = "__type";
    type->desc = "";
    type->type = gql_alloc(m, sizeof(*type->type));
    type->type->named = "__Type";
    struct gql_fielddef *arg = gql_alloc(m, sizeof(*arg));
    arg->name = "name";
    arg->desc = "";
    arg->type = gql_alloc(m, sizeof(*arg->type));
    arg->type->named = "String";
    arg->type->nonnull = true;
    gql_push(m, &type->args, arg);
    gql_push(m, &query->fields, schema);
    gql_push(m, &query->fields, type);
}

int gql_schema_build(struct gql_mem *m, const struct gql_sdoc *doc, struct gql_schema **out,
                     struct gql_error *err)
{
    struct gql_sdoc *prelude;
    if (gql_parse_schema(m, PRELUDE, sizeof(PRELUDE) - 1, true, &prelude, err) < 0)
        return -1; /* cannot happen: the prelude is fixed text */
    struct gql_schema *s = gql_alloc(m, sizeof(*s));
    s->types = gql_map_new(m);
    s->directives = gql_map_new(m);
    s->possible = gql_map_new(m);
    struct build b = {m, s, err};
    const struct gql_sdoc *docs[] = {prelude, doc};
    struct gql_vec defs = {0};
    if (add_types(&b, docs, 2, &defs) < 0)
        return -1;
    add_possible_types(&b, &defs);
    if (add_directives(&b, docs, 2) < 0)
        return -1;
    if (doc->schema.n > 1)
        return fail(&b, GQL_AT(doc->schema, struct gql_schemadef, 1)->pos,
                    "Cannot have multiple schema entry points, consider schema extensions "
                    "instead.");
    if (doc->schema.n == 1 && doc->schema.v[0] && set_roots(&b, doc->schema.v[0]) < 0)
        return -1;
    for (size_t i = 0; i < doc->schema_ext.n; i++)
        if (doc->schema_ext.v[i] && set_roots(&b, doc->schema_ext.v[i]) < 0)
            return -1;
    if (check_all(&b) < 0)
        return -1;
    if (!doc->schema.n) {
        if (!s->query)
            s->query = type_of(&b, "Query");
        if (!s->mutation)
            s->mutation = type_of(&b, "Mutation");
        if (!s->subscription)
            s->subscription = type_of(&b, "Subscription");
    }
    if (s->query)
        add_introspection_fields(m, s->query);
    *out = s;
    return 0;
}
