/* bi_jsonschema.c - json.verify_schema and json.match_schema: JSON Schema
 * drafts 4, 6 and 7 as OPA validates them (its copy of gojsonschema).
 *
 * A schema (JSON text or a Rego object) is compiled into a tree of
 * subschemas; compile errors use gojsonschema's messages ("has a primitive
 * type that is NOT VALID -- ...").  Without a "$schema" naming a draft,
 * keywords of every draft are accepted (gojsonschema's hybrid mode).
 * Validation follows the library's order (type first, then the combinators,
 * then per-type keywords, then common ones, then properties), and each
 * failure becomes {"error": "<field>: <desc>", "type", "field", "desc"}
 * where field is the dotted path from "(root)".  Object members are visited
 * in key order (the library walks Go maps, whose order varies).  $ref
 * supports local JSON pointers ("#", "#/definitions/x"); remote references
 * are refused (no network from policies).  Patterns are RE2 (bi_regex.c).
 * Compilation and validation depth (JS_MAX_DEPTH) and validation work
 * (JS_MAX_STEPS, an error past it) are bounded. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_regex.h"

#define JS_MAX_DEPTH 128
#define JS_MAX_STEPS 500000UL

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

static const char *const JSON_TYPES[] = {"array", "boolean", "integer", "number", "null",
                                         "object", "string"};

struct js;

struct js_list {
    struct js **v;
    size_t n;
};

struct js { /* one subschema */
    int pass;              /* -1: not a boolean schema; 0/1: false/true */
    struct js *ref;        /* $ref target */
    const char *types[7];
    size_t ntypes;
    const struct value *props;  /* object: name -> (compiled in props_js) */
    struct js **props_js;
    const struct value *pattern_props;
    struct js **pattern_js;
    int addl_props; /* -1 unset, 0 false, 1 true, 2 schema */
    struct js *addl_props_js;
    struct js *property_names;
    const struct value *deps;
    struct js **deps_js; /* NULL entry = list of names */
    struct js_list items;
    bool items_single;
    int addl_items;
    struct js *addl_items_js;
    long min_items, max_items, min_props, max_props, min_len, max_len; /* -1 unset */
    bool unique;
    struct js *contains;
    const struct value *required;
    const struct value *pattern; /* string */
    const struct value *multiple_of, *maximum, *exclusive_maximum, *minimum, *exclusive_minimum;
    const struct value *enum_v, *const_v;
    bool has_const;
    struct js_list any_of, one_of, all_of;
    struct js *not_, *if_, *then_, *else_;
    const char *format;
};

struct js_compiler {
    struct rego_bi_ctx *ctx;
    const struct value *root;
    int draft; /* 4, 6, 7, or 0 = hybrid */
    struct value_list ref_names;
    struct js **ref_targets;
    size_t ref_cap;
    char err[400];
};

static void *js_alloc(struct js_compiler *c, size_t n)
{
    return arena_zalloc(c->ctx->arena, n);
}

static int cfail(struct js_compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cfail(struct js_compiler *c, const char *fmt, ...)
{
    if (!c->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, sizeof(c->err), fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int compile(struct js_compiler *c, const struct value *node, struct js **out, int depth);

static const struct value *get(const struct value *o, const char *k)
{
    return value_object_get_str(o, k);
}

static bool is_num(const struct value *v) { return v && v->type == V_NUMBER; }

static int compile_list(struct js_compiler *c, const struct value *v, const char *key,
                        struct js_list *out, int depth)
{
    if (!v)
        return 0;
    if (v->type != V_ARRAY)
        return cfail(c, "%s must be of an array", key);
    out->v = js_alloc(c, (v->u.arr.len + 1) * sizeof(*out->v));
    if (!out->v)
        return cfail(c, "out of memory");
    for (size_t i = 0; i < v->u.arr.len; i++)
        if (compile(c, v->u.arr.items[i], &out->v[out->n++], depth + 1) < 0)
            return -1;
    return 0;
}

static int compile_sub(struct js_compiler *c, const struct value *v, const char *key,
                       struct js **out, int depth)
{
    if (!v)
        return 0;
    if (v->type != V_OBJECT && v->type != V_BOOL)
        return cfail(c, "Invalid type. Expected: valid schema, given: %s", key);
    return compile(c, v, out, depth + 1);
}

static int compile_map(struct js_compiler *c, const struct value *v, const char *key,
                       struct js ***out, int depth)
{
    if (!v)
        return 0;
    if (v->type != V_OBJECT)
        return cfail(c, "Invalid type. Expected: object, given: %s", key);
    *out = js_alloc(c, (v->u.obj.len + 1) * sizeof(**out));
    if (!*out)
        return cfail(c, "out of memory");
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const struct value *sv = v->u.obj.pairs[i].val;
        if (sv->type != V_OBJECT && sv->type != V_BOOL)
            return cfail(c, "Invalid type. Expected: valid schema, given: %s", key);
        if (compile(c, sv, &(*out)[i], depth + 1) < 0)
            return -1;
    }
    return 0;
}

static int add_type(struct js_compiler *c, struct js *s, const struct value *t)
{
    bool known = false;
    for (size_t i = 0; i < 7; i++)
        known |= t->u.str.len == strlen(JSON_TYPES[i]) && !strcmp(t->u.str.s, JSON_TYPES[i]);
    if (!known)
        return cfail(c,
                     "has a primitive type that is NOT VALID -- given: /%s/ Expected valid values "
                     "are:[array boolean integer number null object string]",
                     t->u.str.s);
    for (size_t i = 0; i < s->ntypes; i++)
        if (!strcmp(s->types[i], t->u.str.s))
            return cfail(c, "%s type is duplicated", t->u.str.s);
    s->types[s->ntypes++] = t->u.str.s;
    return 0;
}

static int compile_types(struct js_compiler *c, struct js *s, const struct value *t)
{
    if (!t)
        return 0;
    if (t->type == V_STRING)
        return add_type(c, s, t);
    if (t->type != V_ARRAY)
        return cfail(c, "Invalid type. Expected: string/array of strings, given: type");
    for (size_t i = 0; i < t->u.arr.len; i++) {
        if (t->u.arr.items[i]->type != V_STRING)
            return cfail(c, "Invalid type. Expected: string/array of strings, given: type");
        if (add_type(c, s, t->u.arr.items[i]) < 0)
            return -1;
    }
    return 0;
}

/* A non-negative integer keyword (minLength, maxItems, ...); -1 when absent. */
static int count_kw(struct js_compiler *c, const struct value *o, const char *key, long *out)
{
    const struct value *v = get(o, key);
    *out = -1;
    if (!v)
        return 0;
    int64_t i;
    if (!is_num(v) || !bi_num_int64(v, &i))
        return cfail(c, "%s must be of an integer", key);
    if (i < 0)
        return cfail(c, "%s must be greater than or equal to 0", key);
    *out = (long)i;
    return 0;
}

static int number_kw(struct js_compiler *c, const struct value *o, const char *key,
                     const struct value **out)
{
    const struct value *v = get(o, key);
    if (v && !is_num(v))
        return cfail(c, "%s must be of a number", key);
    *out = v;
    return 0;
}

/* minimum/maximum with draft 4's boolean exclusive flags or draft 6's numbers. */
static int compile_bounds(struct js_compiler *c, const struct value *o, struct js *s)
{
    const struct value *xmin = get(o, "exclusiveMinimum"), *xmax = get(o, "exclusiveMaximum");
    if (number_kw(c, o, "minimum", &s->minimum) < 0 || number_kw(c, o, "maximum", &s->maximum) < 0)
        return -1;
    if (xmin && xmin->type == V_BOOL && c->draft != 6 && c->draft != 7) {
        if (!s->minimum)
            return cfail(c, "exclusiveMinimum cannot be used without minimum");
        if (xmin->u.b) {
            s->exclusive_minimum = s->minimum;
            s->minimum = NULL;
        }
    } else if (xmin && c->draft != 4) {
        if (number_kw(c, o, "exclusiveMinimum", &s->exclusive_minimum) < 0)
            return -1;
    }
    if (xmax && xmax->type == V_BOOL && c->draft != 6 && c->draft != 7) {
        if (!s->maximum)
            return cfail(c, "exclusiveMaximum cannot be used without maximum");
        if (xmax->u.b) {
            s->exclusive_maximum = s->maximum;
            s->maximum = NULL;
        }
    } else if (xmax && c->draft != 4) {
        if (number_kw(c, o, "exclusiveMaximum", &s->exclusive_maximum) < 0)
            return -1;
    }
    if (number_kw(c, o, "multipleOf", &s->multiple_of) < 0)
        return -1;
    if (s->multiple_of && value_as_double(s->multiple_of) <= 0)
        return cfail(c, "multipleOf must be strictly greater than 0");
    return 0;
}

static int compile_ref(struct js_compiler *c, const struct value *ref, struct js *s, int depth)
{
    if (ref->type != V_STRING)
        return cfail(c, "Invalid type. Expected: string, given: $ref");
    for (size_t i = 0; i < c->ref_names.len; i++)
        if (value_equal(c->ref_names.items[i], ref)) {
            s->ref = c->ref_targets[i];
            return 0;
        }
    const char *p = ref->u.str.s;
    if (p[0] != '#')
        return cfail(c, "remote schema references are not supported: %s", p);
    const struct value *node = c->root;
    for (p++; *p == '/' && node;) {
        const char *e = strchr(p + 1, '/');
        size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
        char tok[256];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof(tok); i++) {
            char ch = p[1 + i];
            if (ch == '~' && i + 1 < n && (p[2 + i] == '0' || p[2 + i] == '1')) {
                ch = p[2 + i] == '0' ? '~' : '/';
                i++;
            }
            tok[k++] = ch;
        }
        tok[k] = 0;
        if (node->type == V_OBJECT) {
            node = get(node, tok);
        } else if (node->type == V_ARRAY) {
            char *end;
            unsigned long idx = strtoul(tok, &end, 10);
            node = (*end || idx >= node->u.arr.len) ? NULL : node->u.arr.items[idx];
        } else {
            node = NULL;
        }
        p += 1 + n;
    }
    if (!node || *p)
        return cfail(c, "Object has no key '%s'", ref->u.str.s);
    if (node->type != V_OBJECT && node->type != V_BOOL)
        return cfail(c, "valid schema must be of type object");
    struct js *target = js_alloc(c, sizeof(*target));
    if (!target || value_list_push(c->ctx->arena, &c->ref_names, (struct value *)ref) < 0)
        return cfail(c, "out of memory");
    if (c->ref_names.len > c->ref_cap) {
        size_t cap = c->ref_cap ? c->ref_cap * 2 : 8;
        struct js **nt = js_alloc(c, cap * sizeof(*nt));
        if (!nt)
            return cfail(c, "out of memory");
        if (c->ref_cap)
            memcpy(nt, c->ref_targets, c->ref_cap * sizeof(*nt));
        c->ref_targets = nt;
        c->ref_cap = cap;
    }
    c->ref_targets[c->ref_names.len - 1] = target;
    s->ref = target;
    struct js *built;
    if (compile(c, node, &built, depth + 1) < 0)
        return -1;
    *target = *built;
    return 0;
}

static int compile_object_kws(struct js_compiler *c, const struct value *o, struct js *s, int depth)
{
    const struct value *v;
    s->props = get(o, "properties");
    if (compile_map(c, s->props, "properties", &s->props_js, depth) < 0)
        return -1;
    s->pattern_props = get(o, "patternProperties");
    if (compile_map(c, s->pattern_props, "patternProperties", &s->pattern_js, depth) < 0)
        return -1;
    for (size_t i = 0; s->pattern_props && i < s->pattern_props->u.obj.len; i++) {
        const struct value *k = s->pattern_props->u.obj.pairs[i].key;
        if (k->type != V_STRING || !bi_regex_valid(k->u.str.s, k->u.str.len))
            return cfail(c, "Invalid regex pattern '%s'", k->type == V_STRING ? k->u.str.s : "");
    }
    s->addl_props = -1;
    if ((v = get(o, "additionalProperties"))) {
        if (v->type == V_BOOL)
            s->addl_props = v->u.b;
        else if (compile_sub(c, v, "additionalProperties", &s->addl_props_js, depth) < 0)
            return -1;
        else
            s->addl_props = 2;
    }
    if (c->draft != 4 && compile_sub(c, get(o, "propertyNames"), "propertyNames",
                                     &s->property_names, depth) < 0)
        return -1;
    if ((s->deps = get(o, "dependencies"))) {
        if (s->deps->type != V_OBJECT)
            return cfail(c, "dependencies must be of an object");
        s->deps_js = js_alloc(c, (s->deps->u.obj.len + 1) * sizeof(*s->deps_js));
        for (size_t i = 0; s->deps_js && i < s->deps->u.obj.len; i++) {
            const struct value *d = s->deps->u.obj.pairs[i].val;
            if (d->type == V_ARRAY)
                continue;
            if (compile_sub(c, d, "dependencies", &s->deps_js[i], depth) < 0)
                return -1;
        }
    }
    if ((s->required = get(o, "required"))) {
        if (s->required->type != V_ARRAY)
            return cfail(c, "required must be of an array");
        for (size_t i = 0; i < s->required->u.arr.len; i++)
            if (s->required->u.arr.items[i]->type != V_STRING)
                return cfail(c, "required items must be string");
    }
    return count_kw(c, o, "minProperties", &s->min_props) < 0 ||
                   count_kw(c, o, "maxProperties", &s->max_props) < 0
               ? -1
               : 0;
}

static int compile_array_kws(struct js_compiler *c, const struct value *o, struct js *s, int depth)
{
    const struct value *v = get(o, "items");
    if (v && v->type == V_ARRAY) {
        if (compile_list(c, v, "items", &s->items, depth) < 0)
            return -1;
    } else if (v) {
        s->items_single = true;
        s->items.v = js_alloc(c, sizeof(*s->items.v));
        if (!s->items.v || compile_sub(c, v, "items", &s->items.v[0], depth) < 0)
            return -1;
        s->items.n = 1;
    }
    s->addl_items = -1;
    if ((v = get(o, "additionalItems"))) {
        if (v->type == V_BOOL)
            s->addl_items = v->u.b;
        else if (compile_sub(c, v, "additionalItems", &s->addl_items_js, depth) < 0)
            return -1;
        else
            s->addl_items = 2;
    }
    if ((v = get(o, "uniqueItems"))) {
        if (v->type != V_BOOL)
            return cfail(c, "uniqueItems must be of a boolean");
        s->unique = v->u.b;
    }
    if (c->draft != 4 && compile_sub(c, get(o, "contains"), "contains", &s->contains, depth) < 0)
        return -1;
    return count_kw(c, o, "minItems", &s->min_items) < 0 ||
                   count_kw(c, o, "maxItems", &s->max_items) < 0
               ? -1
               : 0;
}

static int compile_misc_kws(struct js_compiler *c, const struct value *o, struct js *s, int depth)
{
    const struct value *v;
    if (count_kw(c, o, "minLength", &s->min_len) < 0 || count_kw(c, o, "maxLength", &s->max_len) < 0)
        return -1;
    if ((s->pattern = get(o, "pattern"))) {
        if (s->pattern->type != V_STRING)
            return cfail(c, "pattern must be of a string");
        if (!bi_regex_valid(s->pattern->u.str.s, s->pattern->u.str.len))
            return cfail(c, "Invalid regex pattern '%s'", s->pattern->u.str.s);
    }
    if ((v = get(o, "format")) && v->type == V_STRING)
        s->format = v->u.str.s;
    if ((s->enum_v = get(o, "enum"))) {
        if (s->enum_v->type != V_ARRAY)
            return cfail(c, "enum must be of an array");
        if (!s->enum_v->u.arr.len)
            return cfail(c, "enum must have at least 1 items");
    }
    if (c->draft != 4 && (s->const_v = get(o, "const")))
        s->has_const = true;
    if (compile_list(c, get(o, "anyOf"), "anyOf", &s->any_of, depth) < 0 ||
        compile_list(c, get(o, "oneOf"), "oneOf", &s->one_of, depth) < 0 ||
        compile_list(c, get(o, "allOf"), "allOf", &s->all_of, depth) < 0 ||
        compile_sub(c, get(o, "not"), "not", &s->not_, depth) < 0)
        return -1;
    if (c->draft == 0 || c->draft >= 7) {
        if (compile_sub(c, get(o, "if"), "if", &s->if_, depth) < 0 ||
            compile_sub(c, get(o, "then"), "then", &s->then_, depth) < 0 ||
            compile_sub(c, get(o, "else"), "else", &s->else_, depth) < 0)
            return -1;
    }
    return 0;
}

static int compile(struct js_compiler *c, const struct value *node, struct js **out, int depth)
{
    struct js *s = js_alloc(c, sizeof(*s));
    *out = s;
    if (!s)
        return cfail(c, "out of memory");
    if (depth > JS_MAX_DEPTH)
        return cfail(c, "schema nested more than %d levels deep", JS_MAX_DEPTH);
    s->pass = -1;
    s->min_items = s->max_items = s->min_props = s->max_props = s->min_len = s->max_len = -1;
    if (node->type == V_BOOL && c->draft != 4) {
        s->pass = node->u.b;
        return 0;
    }
    if (node->type != V_OBJECT)
        return cfail(c, "Expected: valid schema, given: Invalid JSON");
    const struct value *ref = get(node, "$ref");
    if (ref)
        return compile_ref(c, ref, s, depth);
    if (compile_types(c, s, get(node, "type")) < 0 || compile_object_kws(c, node, s, depth) < 0 ||
        compile_array_kws(c, node, s, depth) < 0 || compile_bounds(c, node, s) < 0 ||
        compile_misc_kws(c, node, s, depth) < 0)
        return -1;
    return 0;
}

static int draft_of(const struct value *root)
{
    const struct value *v = root->type == V_OBJECT ? get(root, "$schema") : NULL;
    if (!v || v->type != V_STRING)
        return 0;
    static const char *const URLS[] = {"json-schema.org/draft-04/schema",
                                       "json-schema.org/draft-06/schema",
                                       "json-schema.org/draft-07/schema"};
    for (int i = 0; i < 3; i++)
        if (strstr(v->u.str.s, URLS[i]))
            return i == 0 ? 4 : i == 1 ? 6 : 7;
    return 0;
}

/* ---- validation ---- */

struct js_run {
    struct rego_bi_ctx *ctx;
    struct value_list errs;
    bool oom;
    unsigned long steps;
    bool exhausted; /* JS_MAX_STEPS reached (e.g. anyOf over recursive $refs) */
};

/* A path segment list, printed as gojsonschema's context "(root).a.0". */
struct js_path {
    const struct js_path *up;
    const char *seg;
    size_t len;
};

static void path_text(struct buf *b, const struct js_path *p)
{
    if (p->up) {
        path_text(b, p->up);
        buf_putc(b, '.');
    }
    buf_append(b, p->seg, p->len);
}

static void add_error(struct js_run *r, const struct js_path *p, const char *type,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_error(struct js_run *r, const struct js_path *p, const char *type,
                      const char *fmt, ...)
{
    struct buf field = BUF_INIT, desc = BUF_INIT, err = BUF_INIT;
    path_text(&field, p);
    const char *f = field.data ? field.data : "";
    if (!strncmp(f, "(root).", 7))
        f += 7;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (const char *m = msg; *m; m++) { /* \x01 stands for {{.field}} in descriptions */
        if (*m == '\x01')
            buf_puts(&desc, f);
        else
            buf_putc(&desc, *m);
    }
    buf_printf(&err, "%s: %s", f, desc.data ? desc.data : "");
    struct arena *a = r->ctx->arena;
    struct pair_list pl = {0};
    struct value *o = NULL;
    if (!buf_failed(&field) && !buf_failed(&desc) && !buf_failed(&err) &&
        pair_list_push_str(a, &pl, "error", v_string(a, err.data, err.len)) == 0 &&
        pair_list_push_str(a, &pl, "type", v_cstr(a, type)) == 0 &&
        pair_list_push_str(a, &pl, "field", v_cstr(a, f)) == 0 &&
        pair_list_push_str(a, &pl, "desc", v_string(a, desc.data ? desc.data : "", desc.len)) == 0)
        o = v_object(a, pl.pairs, pl.len, DUP_LAST_WINS, NULL);
    if (!o || value_list_push(a, &r->errs, o) < 0)
        r->oom = true;
    buf_free(&field);
    buf_free(&desc);
    buf_free(&err);
}

static void validate(struct js_run *r, const struct js *s, const struct value *v,
                     const struct js_path *p, int depth);

static size_t run_sub(struct js_run *r, const struct js *s, const struct value *v,
                      const struct js_path *p, int depth, struct value_list *errs_out)
{
    struct value_list saved = r->errs;
    r->errs = (struct value_list){0};
    validate(r, s, v, p, depth + 1);
    struct value_list mine = r->errs;
    r->errs = saved;
    if (errs_out)
        *errs_out = mine;
    return mine.len;
}

static void merge(struct js_run *r, const struct value_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (value_list_push(r->ctx->arena, &r->errs, l->items[i]) < 0)
            r->oom = true;
}

static const char *type_of(const struct value *v)
{
    switch (v->type) {
    case V_NULL: return "null";
    case V_BOOL: return "boolean";
    case V_NUMBER: return value_is_integer(v) ? "integer" : "number";
    case V_STRING: return "string";
    case V_ARRAY: case V_SET: return "array";
    default: return "object";
    }
}

static bool type_ok(const struct js *s, const char *t)
{
    for (size_t i = 0; i < s->ntypes; i++)
        if (!strcmp(s->types[i], t) || (!strcmp(t, "integer") && !strcmp(s->types[i], "number")))
            return true;
    return false;
}

static void types_text(char *out, size_t n, const struct js *s)
{
    if (s->ntypes == 1) {
        snprintf(out, n, "%s", s->types[0]);
        return;
    }
    size_t k = (size_t)snprintf(out, n, "[");
    for (size_t i = 0; i < s->ntypes && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "," : "", s->types[i]);
    if (k < n)
        snprintf(out + k, n - k, "]");
}

static void validate_combinators(struct js_run *r, const struct js *s, const struct value *v,
                                 const struct js_path *p, int depth)
{
    if (s->any_of.n) {
        struct value_list best = {0};
        bool ok = false, have = false;
        for (size_t i = 0; i < s->any_of.n && !ok; i++) {
            struct value_list e;
            ok = run_sub(r, s->any_of.v[i], v, p, depth, &e) == 0;
            if (!ok && !have) {
                best = e;
                have = true;
            }
        }
        if (!ok) {
            add_error(r, p, "number_any_of", "Must validate at least one schema (anyOf)");
            merge(r, &best);
        }
    }
    if (s->one_of.n) {
        size_t valid = 0;
        struct value_list best = {0};
        bool have = false;
        for (size_t i = 0; i < s->one_of.n; i++) {
            struct value_list e;
            if (run_sub(r, s->one_of.v[i], v, p, depth, &e) == 0)
                valid++;
            else if (!valid && !have) {
                best = e;
                have = true;
            }
        }
        if (valid != 1) {
            add_error(r, p, "number_one_of", "Must validate one and only one schema (oneOf)");
            if (!valid)
                merge(r, &best);
        }
    }
    if (s->all_of.n) {
        size_t valid = 0;
        for (size_t i = 0; i < s->all_of.n; i++) {
            struct value_list e;
            valid += run_sub(r, s->all_of.v[i], v, p, depth, &e) == 0;
            merge(r, &e);
        }
        if (valid != s->all_of.n)
            add_error(r, p, "number_all_of", "Must validate all the schemas (allOf)");
    }
    if (s->not_ && run_sub(r, s->not_, v, p, depth, NULL) == 0)
        add_error(r, p, "number_not", "Must not validate the schema (not)");
    if (s->deps && v->type == V_OBJECT)
        for (size_t i = 0; i < s->deps->u.obj.len; i++) {
            const struct value *key = s->deps->u.obj.pairs[i].key;
            if (!value_object_get(v, key))
                continue;
            const struct value *d = s->deps->u.obj.pairs[i].val;
            if (d->type != V_ARRAY) {
                if (s->deps_js && s->deps_js[i])
                    validate(r, s->deps_js[i], v, p, depth + 1);
                continue;
            }
            for (size_t k = 0; k < d->u.arr.len; k++)
                if (d->u.arr.items[k]->type == V_STRING && !value_object_get(v, d->u.arr.items[k]))
                    add_error(r, p, "missing_dependency", "Has a dependency on %s",
                              d->u.arr.items[k]->u.str.s);
        }
    if (s->if_) {
        bool ok = run_sub(r, s->if_, v, p, depth, NULL) == 0;
        struct js *branch = ok ? s->then_ : s->else_;
        struct value_list e;
        if (branch && run_sub(r, branch, v, p, depth, &e)) {
            add_error(r, p, ok ? "condition_then" : "condition_else",
                      ok ? "Must validate \"then\" as \"if\" was valid"
                         : "Must validate \"else\" as \"if\" was not valid");
            merge(r, &e);
        }
    }
}

static void number_text(char *out, size_t n, const struct value *v)
{
    double d = value_as_double(v);
    snprintf(out, n, "%.10g", d);
}

static void validate_number(struct js_run *r, const struct js *s, const struct value *v,
                            const struct js_path *p)
{
    char t[64];
    mpq_t x, y;
    mpq_init(x);
    mpq_init(y);
    bi_num_mpq(v, x);
    if (s->multiple_of && bi_num_mpq(s->multiple_of, y) && mpq_sgn(y)) {
        mpq_div(y, x, y);
        if (mpz_cmp_ui(mpq_denref(y), 1)) {
            number_text(t, sizeof(t), s->multiple_of);
            add_error(r, p, "multiple_of", "Must be a multiple of %s", t);
        }
    }
    const struct value *bounds[4] = {s->maximum, s->exclusive_maximum, s->minimum,
                                     s->exclusive_minimum};
    static const char *const types[4] = {"number_lte", "number_lt", "number_gte", "number_gt"};
    static const char *const msgs[4] = {"Must be less than or equal to %s", "Must be less than %s",
                                        "Must be greater than or equal to %s",
                                        "Must be greater than %s"};
    for (int i = 0; i < 4; i++) {
        if (!bounds[i] || !bi_num_mpq(bounds[i], y))
            continue;
        int cmp = mpq_cmp(x, y);
        bool bad = i == 0 ? cmp > 0 : i == 1 ? cmp >= 0 : i == 2 ? cmp < 0 : cmp <= 0;
        if (bad) {
            number_text(t, sizeof(t), bounds[i]);
            add_error(r, p, types[i], msgs[i], t);
        }
    }
    mpq_clear(x);
    mpq_clear(y);
}

static bool regex_search(const struct value *pat, const char *s, size_t n)
{
    char err[200];
    const pcre2_code *re = bi_regex_get(pat->u.str.s, pat->u.str.len, err, sizeof(err));
    if (!re)
        return false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md)
        return false;
    int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static bool format_ok(const char *format, const char *s, size_t n)
{
    unsigned char buf[16];
    char tmp[128];
    if (n >= sizeof(tmp))
        return strcmp(format, "ipv4") && strcmp(format, "ipv6") && strcmp(format, "uuid");
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (!strcmp(format, "ipv4"))
        return inet_pton(AF_INET, tmp, buf) == 1;
    if (!strcmp(format, "ipv6"))
        return inet_pton(AF_INET6, tmp, buf) == 1;
    if (!strcmp(format, "uuid")) {
        if (n != 36)
            return false;
        for (size_t i = 0; i < n; i++) {
            bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            char c = tmp[i];
            bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (dash ? c != '-' : !hex)
                return false;
        }
        return true;
    }
    if (!strcmp(format, "regex"))
        return bi_regex_valid(s, n);
    return true; /* other formats are not checked */
}

static void validate_string(struct js_run *r, const struct js *s, const struct value *v,
                            const struct js_path *p)
{
    size_t runes = bi_utf8_count(v->u.str.s, v->u.str.len);
    if (s->min_len >= 0 && runes < (size_t)s->min_len)
        add_error(r, p, "string_gte", "String length must be greater than or equal to %ld",
                  s->min_len);
    if (s->max_len >= 0 && runes > (size_t)s->max_len)
        add_error(r, p, "string_lte", "String length must be less than or equal to %ld", s->max_len);
    if (s->pattern && !regex_search(s->pattern, v->u.str.s, v->u.str.len))
        add_error(r, p, "pattern", "Does not match pattern '%s'", s->pattern->u.str.s);
}

static void value_json(struct buf *b, const struct value *v) { json_print(b, v, JSON_COMPACT); }

static void validate_common(struct js_run *r, const struct js *s, const struct value *v,
                            const struct js_path *p)
{
    if (s->has_const && !value_equal(v, s->const_v)) {
        struct buf b = BUF_INIT;
        value_json(&b, s->const_v);
        add_error(r, p, "const", "\x01 does not match: %s", b.data ? b.data : "");
        buf_free(&b);
    }
    if (s->enum_v) {
        bool found = false;
        for (size_t i = 0; i < s->enum_v->u.arr.len && !found; i++)
            found = value_equal(v, s->enum_v->u.arr.items[i]);
        if (!found) {
            struct buf b = BUF_INIT;
            for (size_t i = 0; i < s->enum_v->u.arr.len; i++) {
                if (i)
                    buf_puts(&b, ", ");
                value_json(&b, s->enum_v->u.arr.items[i]);
            }
            add_error(r, p, "enum", "\x01 must be one of the following: %s", b.data ? b.data : "");
            buf_free(&b);
        }
    }
    if (s->format && v->type == V_STRING && !format_ok(s->format, v->u.str.s, v->u.str.len))
        add_error(r, p, "format", "Does not match format '%s'", s->format);
}

static void validate_array(struct js_run *r, const struct js *s, const struct value *v,
                           const struct js_path *p, int depth)
{
    size_t n = v->u.arr.len;
    char idx[24];
    for (size_t i = 0; i < n; i++) {
        const struct js *item = s->items_single ? s->items.v[0]
                                : i < s->items.n ? s->items.v[i]
                                : s->addl_items == 2 ? s->addl_items_js
                                                     : NULL;
        if (!item)
            continue;
        snprintf(idx, sizeof(idx), "%zu", i);
        struct js_path sub = {p, idx, strlen(idx)};
        struct value_list e;
        run_sub(r, item, v->u.arr.items[i], &sub, depth, &e);
        merge(r, &e);
    }
    if (!s->items_single && s->items.n && s->items.n < n && s->addl_items == 0)
        add_error(r, p, "array_no_additional_items", "No additional items allowed on array");
    if (s->min_items >= 0 && n < (size_t)s->min_items)
        add_error(r, p, "array_min_items", "Array must have at least %ld items", s->min_items);
    if (s->max_items >= 0 && n > (size_t)s->max_items)
        add_error(r, p, "array_max_items", "Array must have at most %ld items", s->max_items);
    if (s->unique)
        for (size_t j = 1; j < n; j++)
            for (size_t i = j; i-- > 0;)
                if (value_equal(v->u.arr.items[i], v->u.arr.items[j])) {
                    add_error(r, p, "unique", "array items[%zu,%zu] must be unique", i, j);
                    break;
                }
    if (s->contains) {
        bool one = false;
        struct value_list best = {0};
        bool have = false;
        for (size_t i = 0; i < n && !one; i++) {
            snprintf(idx, sizeof(idx), "%zu", i);
            struct js_path sub = {p, idx, strlen(idx)};
            struct value_list e;
            one = run_sub(r, s->contains, v->u.arr.items[i], &sub, depth, &e) == 0;
            if (!one && !have) {
                best = e;
                have = true;
            }
        }
        if (!one) {
            add_error(r, p, "contains", "At least one of the items must match");
            merge(r, &best);
        }
    }
}

static void validate_object(struct js_run *r, const struct js *s, const struct value *v,
                            const struct js_path *p, int depth)
{
    size_t n = v->u.obj.len;
    if (s->min_props >= 0 && n < (size_t)s->min_props)
        add_error(r, p, "array_min_properties", "Must have at least %ld properties", s->min_props);
    if (s->max_props >= 0 && n > (size_t)s->max_props)
        add_error(r, p, "array_max_properties", "Must have at most %ld properties", s->max_props);
    for (size_t i = 0; s->required && i < s->required->u.arr.len; i++)
        if (!value_object_get(v, s->required->u.arr.items[i]))
            add_error(r, p, "required", "%s is required", s->required->u.arr.items[i]->u.str.s);
    for (size_t i = 0; i < n; i++) {
        const struct value *k = v->u.obj.pairs[i].key;
        if (k->type != V_STRING)
            continue;
        struct js_path sub = {p, k->u.str.s, k->u.str.len};
        bool matched = false;
        for (size_t j = 0; s->pattern_props && j < s->pattern_props->u.obj.len; j++) {
            if (!regex_search(s->pattern_props->u.obj.pairs[j].key, k->u.str.s, k->u.str.len))
                continue;
            matched = true;
            struct value_list e;
            run_sub(r, s->pattern_js[j], v->u.obj.pairs[i].val, &sub, depth, &e);
            merge(r, &e);
        }
        bool declared = s->props && value_object_get(s->props, k);
        if (declared || matched)
            continue;
        if (s->addl_props == 0) {
            add_error(r, p, "additional_property_not_allowed",
                      "Additional property %s is not allowed", k->u.str.s);
        } else if (s->addl_props == 2) {
            struct value_list e;
            run_sub(r, s->addl_props_js, v->u.obj.pairs[i].val, &sub, depth, &e);
            merge(r, &e);
        }
    }
    for (size_t i = 0; s->property_names && i < n; i++) {
        struct value_list e;
        if (run_sub(r, s->property_names, v->u.obj.pairs[i].key, p, depth, &e)) {
            add_error(r, p, "invalid_property_name", "Property name of \"%s\" does not match",
                      v->u.obj.pairs[i].key->type == V_STRING ? v->u.obj.pairs[i].key->u.str.s : "");
            merge(r, &e);
        }
    }
}

static void validate(struct js_run *r, const struct js *s, const struct value *v,
                     const struct js_path *p, int depth)
{
    if (++r->steps > JS_MAX_STEPS)
        r->exhausted = true;
    if (r->exhausted || r->oom)
        return;
    if (depth > JS_MAX_DEPTH) {
        if (!r->oom)
            add_error(r, p, "internal", "Internal Error validation nested too deeply");
        return;
    }
    if (s->pass >= 0) {
        if (!s->pass)
            add_error(r, p, "false", "False always fails validation");
        return;
    }
    if (s->ref) {
        validate(r, s->ref, v, p, depth + 1);
        return;
    }
    const char *t = type_of(v);
    if (s->ntypes && !type_ok(s, t)) {
        char want[128];
        types_text(want, sizeof(want), s);
        add_error(r, p, "invalid_type", "Invalid type. Expected: %s, given: %s", want, t);
        return;
    }
    validate_combinators(r, s, v, p, depth);
    if (v->type == V_NUMBER)
        validate_number(r, s, v, p);
    if (v->type == V_ARRAY)
        validate_array(r, s, v, p, depth);
    if (v->type == V_OBJECT)
        validate_object(r, s, v, p, depth);
    validate_common(r, s, v, p);
    if (v->type == V_STRING)
        validate_string(r, s, v, p);
    if (v->type == V_OBJECT && s->props)
        for (size_t i = 0; i < s->props->u.obj.len; i++) {
            const struct value *k = s->props->u.obj.pairs[i].key;
            const struct value *child = value_object_get(v, k);
            if (!child || k->type != V_STRING)
                continue;
            struct js_path sub = {p, k->u.str.s, k->u.str.len};
            validate(r, s->props_js[i], child, &sub, depth + 1);
        }
}

/* ---- operands ---- */

/* OPA's astValueToJSONSchemaLoader: JSON text, or an object/array.
 * Returns 0, or -1 with a message in *msg. */
static int load_json(struct rego_bi_ctx *ctx, const struct value *v, const struct value **out,
                     const char **msg)
{
    if (v->type == V_STRING) {
        struct value *parsed;
        struct as_error err;
        struct json_parse_opts opts = {.max_depth = JS_MAX_DEPTH};
        if (json_parse(ctx->arena, v->u.str.s, v->u.str.len, &opts, &parsed, &err) < 0) {
            *msg = "invalid JSON string";
            return -1;
        }
        *out = parsed;
        return 0;
    }
    if (v->type == V_OBJECT || v->type == V_ARRAY) {
        *out = v;
        return 0;
    }
    *msg = "wrong type, expected string or object";
    return -1;
}

static int compile_schema(struct rego_bi_ctx *ctx, const struct value *root, struct js **out,
                          struct js_compiler *c)
{
    memset(c, 0, sizeof(*c));
    c->ctx = ctx;
    c->root = root;
    c->draft = draft_of(root);
    return compile(c, root, out, 0);
}

static struct value *result_pair(struct rego_bi_ctx *ctx, bool ok, struct value *second)
{
    struct value *items[2] = {v_bool(ok), second};
    return second ? v_array(ctx->arena, items, 2) : NULL;
}

BI_FN(bi_json_verify_schema)
{
    (void)nargs;
    const struct value *root;
    const char *msg;
    struct js *s;
    struct js_compiler c;
    if (load_json(ctx, args[0], &root, &msg) < 0) {
        char text[200];
        snprintf(text, sizeof(text), "jsonschema: %s", msg);
        BI_RET(result_pair(ctx, false, v_cstr(ctx->arena, text)));
    }
    if (compile_schema(ctx, root, &s, &c) < 0) {
        char text[500];
        snprintf(text, sizeof(text), "jsonschema: %s", c.err);
        BI_RET(result_pair(ctx, false, v_cstr(ctx->arena, text)));
    }
    BI_RET(result_pair(ctx, true, v_null()));
}

BI_FN(bi_json_match_schema)
{
    (void)nargs;
    const struct value *doc, *root;
    const char *msg;
    struct js *s;
    struct js_compiler c;
    if (load_json(ctx, args[0], &doc, &msg) < 0 || load_json(ctx, args[1], &root, &msg) < 0)
        return bi_err(ctx, "%s", msg);
    if (compile_schema(ctx, root, &s, &c) < 0)
        return bi_err(ctx, "%s", c.err);
    struct js_run r = {ctx, {0}, false, 0, false};
    struct js_path top = {NULL, "(root)", 6};
    validate(&r, s, doc, &top, 0);
    if (r.oom)
        return bi_oom(ctx);
    if (r.exhausted)
        return bi_err(ctx, "schema validation exceeded %lu steps", JS_MAX_STEPS);
    struct value *errs = v_array(ctx->arena, r.errs.items, r.errs.len);
    BI_RET(result_pair(ctx, r.errs.len == 0, errs));
}

const struct rego_builtin rego_bi_jsonschema[] = {
    {"json.match_schema", 2, bi_json_match_schema, 0, NULL},
    {"json.verify_schema", 1, bi_json_verify_schema, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
