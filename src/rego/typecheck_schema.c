/* typecheck_schema.c - inline JSON Schemas of METADATA `schemas` annotations
 * turned into the type checker's types, as OPA does (ast/compile.go:
 * compileSchema, schemaParser; its gojsonschema fork's schema.go).
 *
 * Owns two steps:
 *  1. compile: the schema document is read as gojsonschema reads it,
 *     keyword by keyword in its order, with its errors for malformed
 *     keywords ("unable to compile the schema: <error>"), `$ref` resolved
 *     as a JSON pointer into the same document (anything else is a remote
 *     reference, which OPA refuses by default);
 *  2. convert: OPA's parseSchema: `$ref` first, then `anyOf` (a union,
 *     with the schema's own object type when it has static properties
 *     only), `allOf` (merged by mergeSchemas, "type checking: unable to
 *     merge these schemas..."), then the first of boolean, string,
 *     integer/number, object (static properties, or object[any: any] when
 *     it lists none), array (items: one schema is array[T], a list is a
 *     tuple, none is array[any]); properties or items without a type imply
 *     object or array; anything else (null, oneOf, not, enum, const) is any.
 * The result is a struct rtc_stype (typecheck.h), converted to the
 * checker's own types by typecheck.c.  A `$ref` met again while its
 * object is being built yields the same node (OPA's definitionCache), so
 * recursive schemas become cyclic; the converter bounds the depth.
 * Keywords that only constrain values (minimum, pattern, format, ...) are
 * checked for their form, as gojsonschema does (patternProperties keys
 * must be Go regular expressions; `pattern` itself is not compiled, as
 * OPA leaves validatePatterns off). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_regex.h"
#include "rego/typecheck.h"

#define SCH_MAX_DEPTH 64
#define SCH_MAX_REFS 256
#define DRAFT_HYBRID 1000

static const char *const json_types[] = {"array",  "boolean", "integer", "number",
                                         "null",   "object",  "string"};
#define NJSON_TYPES 7

/* One schema node as gojsonschema's SubSchema keeps it. */
struct sub {
    uint8_t types[NJSON_TYPES]; /* indexes into json_types, in order added */
    size_t ntypes;
    struct value **pnames; /* properties (sorted by name) */
    struct sub **props;
    size_t nprops;
    struct sub **items;
    size_t nitems;
    bool items_single;
    struct sub **anyof, **allof;
    size_t nany, nall;
    struct sub *ref; /* $ref target */
    const char *refstr;
};

struct refent {
    const char *ref;
    struct sub *s;
};

struct sctx {
    struct arena *a;
    const struct value *root;
    char *msg;
    size_t cap;
    struct refent refs[SCH_MAX_REFS];
    size_t nrefs;
    int depth;
    int draft; /* 4, 6, 7 or DRAFT_HYBRID (gojsonschema's default) */
    bool oom;
    /* conversion */
    struct refent cache[SCH_MAX_REFS]; /* ref -> object node (definitionCache) */
    size_t ncache;
};

static int fail(struct sctx *cx, const char *fmt, const char *x, const char *y)
{
    char inner[400];
    snprintf(inner, sizeof(inner), fmt, x, y);
    snprintf(cx->msg, cx->cap, "unable to compile the schema: %s", inner);
    return -1;
}

static int invalid_type(struct sctx *cx, const char *expected, const char *given)
{
    return fail(cx, "Invalid type. Expected: %s, given: %s", expected, given);
}

static int parse_error(struct sctx *cx)
{
    return fail(cx, "Expected: %s, given: Invalid JSON", "valid schema", "");
}

static void *alloc_list(struct sctx *cx, size_t n, size_t size)
{
    void *p = arena_zalloc(cx->a, (n ? n : 1) * size);
    if (!p)
        cx->oom = true;
    return p;
}

static int parse_node(struct sctx *cx, const struct value *v, struct sub *s);

static struct sub *new_sub(struct sctx *cx)
{
    struct sub *s = arena_zalloc(cx->a, sizeof(*s));
    if (!s)
        cx->oom = true;
    return s;
}

/* A schema where one is expected: an object or (draft 6 on) a boolean. */
static bool is_schema(const struct value *v)
{
    return v->type == V_OBJECT || v->type == V_BOOL;
}

static int parse_child(struct sctx *cx, const struct value *v, struct sub **out)
{
    if (!(*out = new_sub(cx)))
        return -1;
    return parse_node(cx, v, *out);
}

/* ---- $ref: a JSON pointer into the document ---- */

static size_t unescape_part(const char *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
            out[k++] = p[i + 1] == '0' ? '~' : '/';
            i++;
        } else {
            out[k++] = p[i];
        }
    }
    out[k] = 0;
    return k;
}

static const struct value *pointer_step(struct sctx *cx, const struct value *at, const char *key,
                                        size_t klen)
{
    if (at->type == V_OBJECT) {
        const struct value *next = value_object_get_strn(at, key, klen);
        if (!next)
            fail(cx, "Object has no key '%s'%s", key, "");
        return next;
    }
    if (at->type == V_ARRAY) {
        char *end = NULL;
        long idx = klen ? strtol(key, &end, 10) : -1;
        if (!klen || *end || idx < 0) {
            fail(cx, "Invalid array index '%s'%s", key, "");
            return NULL;
        }
        if ((size_t)idx >= at->u.arr.len) {
            char b[32];
            snprintf(b, sizeof(b), "%zu", at->u.arr.len);
            fail(cx, "Out of bound array[0,%s] index '%s'", b, key);
            return NULL;
        }
        return at->u.arr.items[idx];
    }
    fail(cx, "Invalid token reference '%s'%s", key, "");
    return NULL;
}

static const struct value *resolve(struct sctx *cx, const char *ref)
{
    if (ref[0] != '#')
        return fail(cx, "remote reference loading disabled%s%s", "", ""), NULL;
    const char *p = ref + 1;
    const struct value *at = cx->root;
    if (*p && *p != '/')
        return fail(cx, "JSON pointer must be empty or start with a \"/\"%s%s", "", ""), NULL;
    while (*p == '/' && at) {
        p++;
        size_t n = strcspn(p, "/");
        char key[256];
        size_t klen = unescape_part(p, n, key, sizeof(key));
        at = pointer_step(cx, at, key, klen);
        p += n;
    }
    return at;
}

static int parse_ref(struct sctx *cx, const struct value *refv, struct sub *s)
{
    const char *ref = refv->u.str.s;
    s->refstr = ref;
    for (size_t i = 0; i < cx->nrefs; i++) {
        if (!strcmp(cx->refs[i].ref, ref)) {
            s->ref = cx->refs[i].s;
            return 0;
        }
    }
    if (cx->nrefs == SCH_MAX_REFS)
        return fail(cx, "too many references%s%s", "", "");
    struct sub *target = new_sub(cx);
    if (!target)
        return -1;
    cx->refs[cx->nrefs++] = (struct refent){ref, target};
    const struct value *doc = resolve(cx, ref);
    if (!doc)
        return -1;
    if (!is_schema(doc))
        return fail(cx, "%s must be of type %s", "valid schema", "object");
    TRY(parse_node(cx, doc, target));
    s->ref = target;
    return 0;
}

/* ---- keywords ---- */

static int add_type(struct sctx *cx, struct sub *s, const struct value *t)
{
    size_t i = 0;
    while (i < NJSON_TYPES && strcmp(json_types[i], t->u.str.s) != 0)
        i++;
    if (i == NJSON_TYPES) {
        char given[200];
        snprintf(given, sizeof(given), "/%s/", t->u.str.s);
        return fail(cx,
                    "has a primitive type that is NOT VALID -- given: %s Expected valid values "
                    "are:[array boolean integer number null object string]%s",
                    given, "");
    }
    for (size_t k = 0; k < s->ntypes; k++)
        if (s->types[k] == i)
            return fail(cx, "%s type is duplicated%s", json_types[i], "");
    s->types[s->ntypes++] = (uint8_t)i;
    return 0;
}

static int kw_type(struct sctx *cx, const struct value *t, struct sub *s)
{
    if (t->type == V_STRING)
        return add_type(cx, s, t);
    if (t->type != V_ARRAY)
        return invalid_type(cx, "type", "string/array of strings");
    for (size_t i = 0; i < t->u.arr.len; i++) {
        if (t->u.arr.items[i]->type != V_STRING)
            return invalid_type(cx, "type", "string/array of strings");
        TRY(add_type(cx, s, t->u.arr.items[i]));
    }
    return 0;
}

static int kw_properties(struct sctx *cx, const struct value *p, struct sub *s)
{
    if (p->type != V_OBJECT)
        return fail(cx, "%s must be of type %s", "properties", "object");
    size_t n = p->u.obj.len;
    if (!(s->pnames = alloc_list(cx, n, sizeof(*s->pnames))) ||
        !(s->props = alloc_list(cx, n, sizeof(*s->props))))
        return -1;
    for (size_t i = 0; i < n; i++) {
        s->pnames[i] = p->u.obj.pairs[i].key;
        s->nprops = i + 1;
        TRY(parse_child(cx, p->u.obj.pairs[i].val, &s->props[i]));
    }
    return 0;
}

static int kw_items(struct sctx *cx, const struct value *it, struct sub *s)
{
    if (is_schema(it)) {
        if (!(s->items = alloc_list(cx, 1, sizeof(*s->items))))
            return -1;
        s->nitems = 1;
        s->items_single = true;
        return parse_child(cx, it, &s->items[0]);
    }
    if (it->type != V_ARRAY)
        return invalid_type(cx, "valid schema/array of schemas", "items");
    if (!(s->items = alloc_list(cx, it->u.arr.len, sizeof(*s->items))))
        return -1;
    for (size_t i = 0; i < it->u.arr.len; i++) {
        if (!is_schema(it->u.arr.items[i]))
            return invalid_type(cx, "valid schema/array of schemas", "items");
        s->nitems = i + 1;
        TRY(parse_child(cx, it->u.arr.items[i], &s->items[i]));
    }
    return 0;
}

/* allOf / anyOf / oneOf: arrays of schemas; kept when out is given */
static int kw_list(struct sctx *cx, const struct value *l, const char *key, struct sub ***out,
                   size_t *n)
{
    if (l->type != V_ARRAY)
        return fail(cx, "%s must be of an %s", key, "array");
    struct sub **v = alloc_list(cx, l->u.arr.len, sizeof(*v));
    if (!v)
        return -1;
    for (size_t i = 0; i < l->u.arr.len; i++)
        TRY(parse_child(cx, l->u.arr.items[i], &v[i]));
    if (out && l->u.arr.len) {
        *out = v;
        *n = l->u.arr.len;
    }
    return 0;
}

/* A keyword whose value is a schema (additionalProperties also a boolean). */
static int kw_schema(struct sctx *cx, const struct value *v, const char *key, bool boolean_ok)
{
    struct sub *child;
    bool additional = !strcmp(key, "additionalProperties") || !strcmp(key, "additionalItems");
    if (v->type == V_BOOL && boolean_ok && additional)
        return 0; /* a flag, not a schema */
    if (v->type == V_OBJECT || (boolean_ok && v->type == V_BOOL))
        return parse_child(cx, v, &child);
    if (additional)
        return invalid_type(cx, "boolean/valid schema", key);
    if (!strcmp(key, "propertyNames"))
        return invalid_type(cx, "valid schema", "patternProperties");
    return fail(cx, "%s must be of an %s", key, "object");
}

static bool is_integer(const struct value *v)
{
    if (v->type != V_NUMBER)
        return false;
    if (v->num_kind == NUM_INT || v->num_kind == NUM_BIG)
        return true;
    return v->num_kind == NUM_FLOAT && v->u.num.d == (double)(int64_t)v->u.num.d;
}

static bool is_negative(const struct value *v)
{
    if (v->num_kind == NUM_BIG)
        return v->u.num.text && v->u.num.text[0] == '-';
    return v->num_kind == NUM_INT ? v->u.num.i < 0 : v->u.num.d < 0;
}

/* A non-negative integer limit (minLength, maxItems, ...); *out is -1 when
 * absent. */
static int kw_count(struct sctx *cx, const struct value *m, const char *key, double *out)
{
    const struct value *v = value_object_get_str(m, key);
    *out = -1;
    if (!v)
        return 0;
    if (!is_integer(v))
        return fail(cx, "%s must be of an %s", key, "integer");
    if (is_negative(v))
        return fail(cx, "%s must be greater than or equal to 0%s", key, "");
    *out = v->num_kind == NUM_INT ? (double)v->u.num.i : v->u.num.d;
    return 0;
}

static double num_of(const struct value *v)
{
    return v->num_kind == NUM_INT ? (double)v->u.num.i : v->u.num.d;
}

/* minimum/maximum and their exclusive forms, by draft */
static int kw_limit(struct sctx *cx, const struct value *m, const char *key, const char *excl)
{
    const struct value *v = value_object_get_str(m, key);
    if (v && v->type != V_NUMBER)
        return fail(cx, "%s must be of a %s", key, "number");
    const struct value *x = value_object_get_str(m, excl);
    if (!x)
        return 0;
    if (cx->draft == 4 && x->type != V_BOOL)
        return invalid_type(cx, "boolean", excl);
    if (cx->draft != 4 && cx->draft != DRAFT_HYBRID && x->type != V_NUMBER)
        return invalid_type(cx, "number", excl);
    if (cx->draft == DRAFT_HYBRID && x->type != V_BOOL && x->type != V_NUMBER)
        return invalid_type(cx, "boolean/number", excl);
    if (x->type == V_BOOL && !v)
        return fail(cx, "%s cannot be used without %s", excl, key);
    return 0;
}

static int kw_numbers(struct sctx *cx, const struct value *m)
{
    const struct value *v = value_object_get_str(m, "multipleOf");
    if (v && v->type != V_NUMBER)
        return invalid_type(cx, "number", "multipleOf");
    if (v && num_of(v) <= 0 && !(v->num_kind == NUM_BIG && !is_negative(v)))
        return fail(cx, "%s must be strictly greater than 0%s", "multipleOf", "");
    TRY(kw_limit(cx, m, "minimum", "exclusiveMinimum"));
    TRY(kw_limit(cx, m, "maximum", "exclusiveMaximum"));
    double lo, hi;
    TRY(kw_count(cx, m, "minLength", &lo));
    TRY(kw_count(cx, m, "maxLength", &hi));
    if (lo >= 0 && hi >= 0 && lo > hi)
        return fail(cx, "%s cannot be greater than %s", "minLength", "maxLength");
    return 0;
}

static int kw_strings(struct sctx *cx, const struct value *m, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct value *v = value_object_get_str(m, keys[i]);
        if (v && v->type != V_STRING)
            return invalid_type(cx, "string", keys[i]);
    }
    return 0;
}

static int kw_required(struct sctx *cx, const struct value *r)
{
    if (r->type != V_ARRAY)
        return fail(cx, "%s must be of an %s", "required", "array");
    for (size_t i = 0; i < r->u.arr.len; i++) {
        if (r->u.arr.items[i]->type != V_STRING)
            return invalid_type(cx, "string", "required");
        for (size_t k = 0; k < i; k++)
            if (value_equal(r->u.arr.items[k], r->u.arr.items[i]))
                return fail(cx, "%s items must be unique%s", "required", "");
    }
    return 0;
}

static int kw_definitions(struct sctx *cx, const struct value *d)
{
    if (d->type != V_OBJECT)
        return invalid_type(cx, "array of schemas", "definitions");
    for (size_t i = 0; i < d->u.obj.len; i++) {
        struct sub *child;
        if (!is_schema(d->u.obj.pairs[i].val))
            return invalid_type(cx, "array of schemas", "definitions");
        TRY(parse_child(cx, d->u.obj.pairs[i].val, &child));
    }
    return 0;
}

static int kw_dependencies(struct sctx *cx, const struct value *d)
{
    if (d->type != V_OBJECT)
        return fail(cx, "%s must be of type %s", "dependencies", "object");
    for (size_t i = 0; i < d->u.obj.len; i++) {
        const struct value *v = d->u.obj.pairs[i].val;
        struct sub *child;
        if (v->type == V_ARRAY) {
            for (size_t k = 0; k < v->u.arr.len; k++)
                if (v->u.arr.items[k]->type != V_STRING)
                    return fail(cx, "%s must be of type %s", "dependency",
                                "schema or array of strings");
        } else if (is_schema(v)) {
            TRY(parse_child(cx, v, &child));
        } else {
            return fail(cx, "%s must be of type %s", "dependency", "schema or array of strings");
        }
    }
    return 0;
}

/* the first group of keywords: identity, definitions, texts; 1 when the
 * node is a $ref met for the first time (nothing else of it is read) */
static int kw_head(struct sctx *cx, const struct value *m, struct sub *s)
{
    const char *id = cx->draft == 4 || (cx->draft == DRAFT_HYBRID && value_object_get_str(m, "id"))
                         ? "id"
                         : "$id";
    TRY(kw_strings(cx, m, &id, 1));
    const struct value *v;
    if ((v = value_object_get_str(m, "definitions")))
        TRY(kw_definitions(cx, v));
    static const char *const texts[] = {"title", "description", "$ref"};
    TRY(kw_strings(cx, m, texts, 3));
    if (!(v = value_object_get_str(m, "$ref")))
        return 0;
    for (size_t i = 0; i < cx->nrefs; i++) {
        if (!strcmp(cx->refs[i].ref, v->u.str.s)) {
            s->refstr = v->u.str.s; /* known: the node's other keywords are read too */
            s->ref = cx->refs[i].s;
            return 0;
        }
    }
    TRY(parse_ref(cx, v, s));
    return 1;
}

static int kw_object(struct sctx *cx, const struct value *m, struct sub *s)
{
    const struct value *v;
    if ((v = value_object_get_str(m, "properties")))
        TRY(kw_properties(cx, v, s));
    if ((v = value_object_get_str(m, "additionalProperties")))
        TRY(kw_schema(cx, v, "additionalProperties", true));
    if ((v = value_object_get_str(m, "patternProperties"))) {
        if (v->type != V_OBJECT)
            return invalid_type(cx, "valid schema", "patternProperties");
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const struct value *k = v->u.obj.pairs[i].key;
            struct sub *child;
            if (!bi_regex_valid(k->u.str.s, k->u.str.len))
                return fail(cx, "Invalid regex pattern '%s'%s", k->u.str.s, "");
            TRY(parse_child(cx, v->u.obj.pairs[i].val, &child));
        }
    }
    if (cx->draft >= 6 && (v = value_object_get_str(m, "propertyNames")))
        TRY(kw_schema(cx, v, "propertyNames", true));
    if ((v = value_object_get_str(m, "dependencies")))
        TRY(kw_dependencies(cx, v));
    if ((v = value_object_get_str(m, "items")))
        TRY(kw_items(cx, v, s));
    if ((v = value_object_get_str(m, "additionalItems")))
        TRY(kw_schema(cx, v, "additionalItems", true));
    return 0;
}

static int kw_limits(struct sctx *cx, const struct value *m)
{
    TRY(kw_numbers(cx, m));
    static const char *const pat[] = {"pattern", "format"};
    TRY(kw_strings(cx, m, pat, 2));
    double lo, hi;
    TRY(kw_count(cx, m, "minProperties", &lo));
    TRY(kw_count(cx, m, "maxProperties", &hi));
    if (lo >= 0 && hi >= 0 && lo > hi)
        return fail(cx, "%s cannot be greater than %s", "minProperties", "maxProperties");
    const struct value *v;
    if ((v = value_object_get_str(m, "required")))
        TRY(kw_required(cx, v));
    TRY(kw_count(cx, m, "minItems", &lo));
    TRY(kw_count(cx, m, "maxItems", &hi));
    if ((v = value_object_get_str(m, "uniqueItems")) && v->type != V_BOOL)
        return fail(cx, "%s must be of a %s", "uniqueItems", "boolean");
    return 0;
}

static int kw_enum(const struct value *e, struct sctx *cx)
{
    if (e->type != V_ARRAY)
        return fail(cx, "%s must be of an %s", "enum", "array");
    for (size_t i = 0; i < e->u.arr.len; i++)
        for (size_t k = 0; k < i; k++)
            if (value_equal(e->u.arr.items[k], e->u.arr.items[i]))
                return fail(cx, "%s items must be unique%s", "enum", "");
    return 0;
}

static int kw_combine(struct sctx *cx, const struct value *m, struct sub *s)
{
    const struct value *v;
    if (cx->draft >= 6 && (v = value_object_get_str(m, "contains")))
        TRY(parse_child(cx, v, &(struct sub *){NULL}));
    if ((v = value_object_get_str(m, "enum")))
        TRY(kw_enum(v, cx));
    if ((v = value_object_get_str(m, "oneOf")))
        TRY(kw_list(cx, v, "oneOf", NULL, NULL));
    if ((v = value_object_get_str(m, "anyOf")))
        TRY(kw_list(cx, v, "anyOf", &s->anyof, &s->nany));
    if ((v = value_object_get_str(m, "allOf")))
        TRY(kw_list(cx, v, "allOf", &s->allof, &s->nall));
    static const char *const subs[] = {"not", "if", "then", "else"};
    for (size_t i = 0; i < 4; i++)
        if ((i == 0 || cx->draft >= 7) && (v = value_object_get_str(m, subs[i])))
            TRY(kw_schema(cx, v, subs[i], true));
    return 0;
}

/* gojsonschema's parseSchema: keywords in its order, the first error wins */
static int parse_keywords(struct sctx *cx, const struct value *m, struct sub *s)
{
    int rc = kw_head(cx, m, s);
    if (rc)
        return rc < 0 ? -1 : 0;
    const struct value *v;
    if ((v = value_object_get_str(m, "type")))
        TRY(kw_type(cx, v, s));
    TRY(kw_object(cx, m, s));
    TRY(kw_limits(cx, m));
    return kw_combine(cx, m, s);
}

static int parse_node(struct sctx *cx, const struct value *v, struct sub *s)
{
    if (v->type == V_BOOL && cx->draft >= 6)
        return 0;
    if (v->type != V_OBJECT)
        return parse_error(cx);
    if (++cx->depth > SCH_MAX_DEPTH) {
        cx->depth--;
        return fail(cx, "schema nested too deeply%s%s", "", "");
    }
    int rc = parse_keywords(cx, v, s);
    cx->depth--;
    return cx->oom ? -1 : rc;
}

/* The draft named by the root's $schema (gojsonschema parseSchemaURL):
 * Hybrid when absent or unknown. */
static int detect_draft(struct sctx *cx, const struct value *root)
{
    cx->draft = DRAFT_HYBRID;
    const struct value *v = root->type == V_OBJECT ? value_object_get_str(root, "$schema") : NULL;
    if (!v)
        return 0;
    if (v->type != V_STRING)
        return fail(cx, "%s must be of type %s", "$schema", "string");
    static const char *const urls[] = {"http://json-schema.org/draft-04/schema",
                                       "http://json-schema.org/draft-06/schema",
                                       "http://json-schema.org/draft-07/schema"};
    static const int nums[] = {4, 6, 7};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(urls[i]);
        if (!strncmp(v->u.str.s, urls[i], n) && (!v->u.str.s[n] || !strcmp(v->u.str.s + n, "#")))
            cx->draft = nums[i];
    }
    return 0;
}

/* ---- conversion (OPA's parseSchemaWithPropertyKey) ---- */

static bool has_type(const struct sub *s, const char *name)
{
    for (size_t i = 0; i < s->ntypes; i++)
        if (!strcmp(json_types[s->types[i]], name))
            return true;
    return false;
}

static void types_string(const struct sub *s, char *out, size_t cap)
{
    if (!s->ntypes) {
        snprintf(out, cap, "undefined");
        return;
    }
    size_t k = 0;
    if (s->ntypes > 1)
        k += (size_t)snprintf(out + k, cap - k, "[");
    for (size_t i = 0; i < s->ntypes && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? "," : "", json_types[s->types[i]]);
    if (s->ntypes > 1 && k < cap)
        snprintf(out + k, cap - k, "]");
}

static bool same_types(const struct sub *a, const struct sub *b)
{
    char x[96], y[96];
    types_string(a, x, sizeof(x));
    types_string(b, y, sizeof(y));
    return !strcmp(x, y);
}

/* Types.Add("object"/"array") for a schema with properties/items and no
 * such type; false when nothing was added. */
static bool imply_type(struct sub *s)
{
    const char *t = s->nprops ? "object" : s->nitems ? "array" : NULL;
    if (!t || has_type(s, t) || s->ntypes == NJSON_TYPES)
        return false;
    for (uint8_t i = 0; i < NJSON_TYPES; i++)
        if (!strcmp(json_types[i], t))
            s->types[s->ntypes++] = i;
    return true;
}

static int append_props(struct sctx *cx, struct sub *dst, const struct sub *src)
{
    size_t n = dst->nprops + src->nprops;
    struct value **names = alloc_list(cx, n, sizeof(*names));
    struct sub **props = alloc_list(cx, n, sizeof(*props));
    if (!names || !props)
        return -1;
    memcpy(names, dst->pnames, dst->nprops * sizeof(*names));
    memcpy(props, dst->props, dst->nprops * sizeof(*props));
    memcpy(names + dst->nprops, src->pnames, src->nprops * sizeof(*names));
    memcpy(props + dst->nprops, src->props, src->nprops * sizeof(*props));
    dst->pnames = names;
    dst->props = props;
    dst->nprops = n;
    return 0;
}

static int merge_items(struct sctx *cx, struct sub *dst, const struct sub *src)
{
    for (size_t j = 0; j < src->nitems; j++) {
        if (j >= dst->nitems) {
            struct sub **v = alloc_list(cx, j + 1, sizeof(*v));
            if (!v)
                return -1;
            memcpy(v, dst->items, dst->nitems * sizeof(*v));
            v[j] = src->items[j];
            dst->items = v;
            dst->nitems = j + 1;
        }
        if (!same_types(dst->items[j], src->items[j])) {
            snprintf(cx->msg, cx->cap, "type checking: unable to merge these schemas");
            return -1;
        }
    }
    return 0;
}

/* OPA's mergeSchemas: the first schema absorbs the others (in place, as
 * OPA's does). */
static struct sub *merge(struct sctx *cx, struct sub **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        (void)imply_type(v[i]);
    struct sub *r = v[0];
    for (size_t i = 1; i < n; i++) {
        if (!same_types(r, v[i])) {
            char x[96], y[96];
            types_string(r, x, sizeof(x));
            types_string(v[i], y, sizeof(y));
            snprintf(cx->msg, cx->cap,
                     "type checking: unable to merge these schemas: type mismatch: %s and %s", x,
                     y);
            return NULL;
        }
        if (has_type(r, "object") && r->nprops && v[i]->nprops) {
            if (append_props(cx, r, v[i]) < 0)
                return NULL;
        } else if (has_type(r, "array") && r->nitems && v[i]->nitems) {
            if (merge_items(cx, r, v[i]) < 0)
                return NULL;
        }
    }
    return r;
}

static struct rtc_stype *st_new(struct sctx *cx, enum rtc_skind k)
{
    struct rtc_stype *t = arena_zalloc(cx->a, sizeof(*t));
    if (!t)
        cx->oom = true;
    else
        t->k = k;
    return t;
}

static struct rtc_stype *convert(struct sctx *cx, struct sub *s, const char *key);

static struct rtc_stype *convert_any_of(struct sctx *cx, struct sub *s)
{
    struct rtc_stype *t = st_new(cx, RS_OR);
    if (!t || !(t->v = alloc_list(cx, s->nany + 1, sizeof(*t->v))))
        return NULL;
    if (s->ntypes) {
        struct sub core = *s;
        core.anyof = NULL;
        core.nany = 0;
        struct rtc_stype *c = convert(cx, &core, NULL);
        if (!c)
            return NULL;
        if (c->k == RS_OBJ)
            t->v[t->n++] = c;
    }
    for (size_t i = 0; i < s->nany; i++) {
        struct rtc_stype *m = convert(cx, s->anyof[i], NULL);
        if (!m)
            return NULL;
        t->v[t->n++] = m;
    }
    return t;
}

static struct rtc_stype *convert_all_of(struct sctx *cx, struct sub *s)
{
    struct sub *r = merge(cx, s->allof, s->nall);
    if (!r)
        return NULL;
    if (s->ntypes) {
        if ((has_type(s, "object") && has_type(r, "object")) ||
            (has_type(s, "array") && has_type(r, "array"))) {
            struct sub *pair[2] = {r, s};
            struct sub *both = merge(cx, pair, 2);
            return both ? convert(cx, both, NULL) : NULL;
        }
        if (!same_types(s, r)) {
            snprintf(cx->msg, cx->cap, "type checking: unable to merge these schemas");
            return NULL;
        }
    }
    return convert(cx, r, NULL);
}

static struct rtc_stype *convert_object(struct sctx *cx, struct sub *s, const char *key)
{
    if (!s->nprops)
        return st_new(cx, RS_DYNOBJ);
    struct rtc_stype *t = st_new(cx, RS_OBJ);
    if (!t || !(t->keys = alloc_list(cx, s->nprops, sizeof(*t->keys))) ||
        !(t->v = alloc_list(cx, s->nprops, sizeof(*t->v))))
        return NULL;
    if (key && cx->ncache < SCH_MAX_REFS)
        cx->cache[cx->ncache++] = (struct refent){key, (struct sub *)t};
    for (size_t i = 0; i < s->nprops; i++) {
        struct rtc_stype *pv = convert(cx, s->props[i], NULL);
        if (!pv)
            return NULL;
        size_t k = 0;
        while (k < t->n && !value_equal(t->keys[k], s->pnames[i]))
            k++;
        t->keys[k] = s->pnames[i];
        t->v[k] = pv;
        if (k == t->n)
            t->n++;
    }
    return t;
}

static struct rtc_stype *convert_array(struct sctx *cx, struct sub *s)
{
    struct rtc_stype *t = st_new(cx, RS_ARR);
    if (!t)
        return NULL;
    if (!s->nitems) {
        t->items = st_new(cx, RS_ANY);
        return t->items ? t : NULL;
    }
    if (s->items_single) {
        t->items = convert(cx, s->items[0], NULL);
        return t->items ? t : NULL;
    }
    if (!(t->v = alloc_list(cx, s->nitems, sizeof(*t->v))))
        return NULL;
    for (size_t i = 0; i < s->nitems; i++)
        if (!(t->v[t->n++] = convert(cx, s->items[i], NULL)))
            return NULL;
    return t;
}

static struct rtc_stype *convert_typed(struct sctx *cx, struct sub *s, const char *key)
{
    if (has_type(s, "boolean"))
        return st_new(cx, RS_BOOL);
    if (has_type(s, "string"))
        return st_new(cx, RS_STR);
    if (has_type(s, "integer") || has_type(s, "number"))
        return st_new(cx, RS_NUM);
    if (has_type(s, "object"))
        return convert_object(cx, s, key);
    if (has_type(s, "array"))
        return convert_array(cx, s);
    return NULL;
}

static struct rtc_stype *convert(struct sctx *cx, struct sub *s, const char *key)
{
    if (++cx->depth > SCH_MAX_DEPTH) {
        cx->depth--;
        return st_new(cx, RS_ANY); /* a cycle OPA would not survive either */
    }
    struct rtc_stype *t = NULL;
    if (s->ref) {
        for (size_t i = 0; i < cx->ncache && !t; i++)
            if (!strcmp(cx->cache[i].ref, s->refstr))
                t = (struct rtc_stype *)cx->cache[i].s;
        if (!t)
            t = convert(cx, s->ref, s->refstr);
    } else if (s->nany) {
        t = convert_any_of(cx, s);
    } else if (s->nall) {
        t = convert_all_of(cx, s);
    } else if (s->ntypes && (t = convert_typed(cx, s, key))) {
        /* typed */
    } else if (!cx->oom && !cx->msg[0] && imply_type(s)) {
        t = convert(cx, s, NULL);
    } else if (!cx->oom && !cx->msg[0]) {
        t = st_new(cx, RS_ANY);
    }
    cx->depth--;
    return t;
}

struct rtc_stype *rtc_schema_type(struct arena *a, const struct value *schema, char *msg,
                                  size_t cap)
{
    struct sctx *cx = arena_zalloc(a, sizeof(*cx));
    if (!cx || !cap)
        return NULL;
    msg[0] = 0;
    cx->a = a;
    cx->root = schema;
    cx->msg = msg;
    cx->cap = cap;
    struct sub *root = new_sub(cx);
    if (!root || detect_draft(cx, schema) < 0 || parse_node(cx, schema, root) < 0)
        return NULL;
    return convert(cx, root, NULL);
}
