/* bi_yaml.c - yaml.unmarshal, yaml.is_valid, yaml.marshal.
 *
 * OPA goes through sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalar rules:
 * yes/no/on/off are booleans, 0777 is octal) and then JSON, so mapping
 * keys become strings and numbers become JSON numbers.  Parsing uses
 * libyaml's event API with a depth limit; aliases share the anchored value
 * (values are immutable, so an alias bomb costs no memory).  The emitter
 * writes go-yaml's block style: sorted keys, sequences inside mappings not
 * indented, strings quoted only when they would read back as something
 * else. */
#include "rego/bi_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 1000

struct yctx {
    struct rego_bi_ctx *bi;
    yaml_parser_t parser;
    struct pair_list anchors; /* anchor name (string value) -> node */
    int depth;
    bool v3; /* read as go-yaml v3 does (OPA's METADATA): only true/false words
                are booleans; error lines context mark first */
    char err[256];
};

/* go-yaml's message: "yaml: line N: <problem>", where N is the problem
 * line as libyaml counts it (0-based; +1 for scanner errors), else the
 * context line, else no line at all.  go-yaml v3 takes the context line
 * first (+1 for scanner errors too). */
static int yerr(struct yctx *y)
{
    if (y->err[0])
        return -1;
    const yaml_parser_t *p = &y->parser;
    size_t line = 0, scan = p->error == YAML_SCANNER_ERROR ? 1 : 0;
    if (y->v3 && p->context_mark.line != 0)
        line = p->context_mark.line + scan;
    else if (p->problem_mark.line != 0)
        line = p->problem_mark.line + scan;
    else if (p->context_mark.line != 0)
        line = p->context_mark.line;
    const char *problem = p->problem ? p->problem
                        : y->v3      ? "unknown problem parsing YAML content"
                                     : "invalid document";
    if (line)
        snprintf(y->err, sizeof(y->err), "yaml: line %zu: %s", line, problem);
    else
        snprintf(y->err, sizeof(y->err), "yaml: %s", problem);
    return -1;
}

static bool all_match(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(s, *words))
            return true;
    return false;
}

static const char *const Y_NULL[] = {"~", "null", "Null", "NULL", "", NULL};
static const char *const Y_TRUE[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                     "on", "On", "ON", NULL};
static const char *const Y_FALSE[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                      "off", "Off", "OFF", NULL};
static const char *const Y12_TRUE[] = {"true", "True", "TRUE", NULL};
static const char *const Y12_FALSE[] = {"false", "False", "FALSE", NULL};

/* go-yaml v2 integer forms: [-+]digits, 0x.., 0o.. / 0.. octal, 0b..; '_' allowed. */
static bool yaml_int(struct arena *a, const char *s, struct value **out)
{
    char clean[128];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_')
            continue;
        if (n + 1 >= sizeof(clean))
            return false;
        clean[n++] = *p;
    }
    clean[n] = '\0';
    const char *d = clean;
    bool neg = false;
    if (*d == '-' || *d == '+')
        neg = *d++ == '-';
    int base = 10;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
        base = 16;
        d += 2;
    } else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
        base = 2;
        d += 2;
    } else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
        base = 8;
        d += 2;
    } else if (d[0] == '0' && d[1]) {
        base = 8;
        d += 1;
    }
    if (!*d)
        return false;
    for (const char *p = d; *p; p++) {
        int v = isdigit((unsigned char)*p) ? *p - '0'
                : isxdigit((unsigned char)*p) ? tolower((unsigned char)*p) - 'a' + 10
                                              : 99;
        if (v >= base)
            return false;
    }
    mpz_t z;
    mpz_init(z);
    mpz_set_str(z, d, base);
    if (neg)
        mpz_neg(z, z);
    *out = bi_num_from_mpz(a, z);
    mpz_clear(z);
    return *out != NULL;
}

static bool yaml_float(struct arena *a, const char *s, struct value **out)
{
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") || !strcmp(s, "+.inf") ||
        !strcmp(s, "-.inf") || !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
        return false; /* JSON cannot carry them: go-yaml/JSON fails; keep as string */
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    size_t digits = 0;
    while (isdigit((unsigned char)*p) || *p == '_') {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p) || *p == '_') {
            p++;
            digits++;
        }
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p)
        return false;
    char clean[128];
    size_t n = 0;
    for (const char *q = s; *q && n + 1 < sizeof(clean); q++)
        if (*q != '_')
            clean[n++] = *q;
    clean[n] = '\0';
    double d = strtod(clean, NULL);
    if (!isfinite(d))
        return false;
    *out = bi_num_from_double(a, d);
    return *out != NULL;
}

static struct value *resolve_scalar(struct yctx *y, const yaml_event_t *ev)
{
    struct arena *a = y->bi->arena;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (tag && !strcmp(tag, YAML_STR_TAG))
        return v_string(a, s, n);
    if (!plain && !tag)
        return v_string(a, s, n);
    if (strlen(s) != n)
        return v_string(a, s, n);
    if (all_match(s, Y_NULL))
        return v_null();
    if (all_match(s, y->v3 ? Y12_TRUE : Y_TRUE))
        return v_bool(true);
    if (all_match(s, y->v3 ? Y12_FALSE : Y_FALSE))
        return v_bool(false);
    struct value *num;
    if (yaml_int(a, s, &num) || yaml_float(a, s, &num))
        return num;
    return v_string(a, s, n);
}

static int parse_node(struct yctx *y, yaml_event_t *ev, struct value **out);

static int next_event(struct yctx *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->parser, ev))
        return yerr(y);
    return 0;
}

static struct value *key_string(struct yctx *y, struct value *k)
{
    struct arena *a = y->bi->arena;
    if (v_is(k, V_STRING))
        return k;
    if (v_is(k, V_NULL))
        return v_cstr(a, "null");
    if (v_is(k, V_BOOL))
        return v_cstr(a, k->u.b ? "true" : "false");
    if (v_is(k, V_NUMBER)) {
        struct buf b = BUF_INIT;
        bi_num_text(&b, k);
        return bi_buf_str(y->bi, &b);
    }
    snprintf(y->err, sizeof(y->err), "error converting YAML to JSON: yaml: invalid map key");
    return NULL;
}

static int remember_anchor(struct yctx *y, const yaml_char_t *anchor, struct value *v)
{
    if (!anchor)
        return 0;
    struct value *name = v_cstr(y->bi->arena, (const char *)anchor);
    if (!name || pair_list_push(y->bi->arena, &y->anchors, name, v) < 0)
        return -1;
    return 0;
}

/* go-yaml v3 rejects a scalar key written twice in one mapping:
 * "line N: mapping key \"k\" already defined at line M". seen: key text ->
 * line. */
static int v3_unique_key(struct yctx *y, struct pair_list *seen, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    int64_t line = (int64_t)ev->start_mark.line + 1;
    for (size_t i = 0; i < seen->len; i++) {
        const struct value *k = seen->pairs[i].key;
        if (k->u.str.len == n && memcmp(k->u.str.s, s, n) == 0) {
            struct buf b = BUF_INIT;
            bi_go_quote(&b, s, n);
            snprintf(y->err, sizeof(y->err),
                     "yaml: unmarshal errors:\n  line %lld: mapping key %s already defined at "
                     "line %lld",
                     (long long)line, b.data ? b.data : "", (long long)seen->pairs[i].val->u.num.i);
            buf_free(&b);
            return -1;
        }
    }
    struct value *k = v_string(y->bi->arena, s, n);
    return k && pair_list_push(y->bi->arena, seen, k, v_int(y->bi->arena, line)) == 0 ? 0 : -1;
}

static int parse_collection(struct yctx *y, bool mapping, struct value **out)
{
    struct value_list items = {0};
    struct pair_list pairs = {0}, seen = {0};
    for (;;) {
        yaml_event_t ev;
        TRY(next_event(y, &ev));
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        struct value *v;
        int rc = parse_node(y, &ev, &v);
        if (rc == 0 && mapping && y->v3 && ev.type == YAML_SCALAR_EVENT)
            rc = v3_unique_key(y, &seen, &ev);
        yaml_event_delete(&ev);
        TRY(rc);
        if (!mapping) {
            if (value_list_push(y->bi->arena, &items, v) < 0)
                return -1;
            continue;
        }
        struct value *k = key_string(y, v);
        if (!k)
            return -1;
        yaml_event_t vev;
        TRY(next_event(y, &vev));
        rc = parse_node(y, &vev, &v);
        yaml_event_delete(&vev);
        TRY(rc);
        if (pair_list_push(y->bi->arena, &pairs, k, v) < 0)
            return -1;
    }
    *out = mapping ? v_object(y->bi->arena, pairs.pairs, pairs.len, DUP_LAST_WINS, NULL)
                   : v_array(y->bi->arena, items.items, items.len);
    return *out ? 0 : -1;
}

static int parse_node(struct yctx *y, yaml_event_t *ev, struct value **out)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        *out = resolve_scalar(y, ev);
        if (!*out)
            return -1;
        return remember_anchor(y, ev->data.scalar.anchor, *out);
    case YAML_ALIAS_EVENT:
        for (size_t i = y->anchors.len; i-- > 0;) {
            if (!strcmp(y->anchors.pairs[i].key->u.str.s, (const char *)ev->data.alias.anchor)) {
                *out = y->anchors.pairs[i].val;
                return 0;
            }
        }
        snprintf(y->err, sizeof(y->err), "yaml: unknown anchor '%s' referenced",
                 (const char *)ev->data.alias.anchor);
        return -1;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (++y->depth > YAML_MAX_DEPTH) {
            snprintf(y->err, sizeof(y->err), "yaml: exceeded max depth of %d", YAML_MAX_DEPTH);
            return -1;
        }
        bool mapping = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *anchor =
            mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        char *name = anchor ? arena_strdup(y->bi->arena, (const char *)anchor) : NULL;
        TRY(parse_collection(y, mapping, out));
        y->depth--;
        return remember_anchor(y, (const yaml_char_t *)name, *out);
    }
    default:
        snprintf(y->err, sizeof(y->err), "yaml: unexpected event");
        return -1;
    }
}

/* Parses the first document; *out = null for an empty stream. */
static int yaml_to_value(struct rego_bi_ctx *ctx, const char *s, size_t n, struct value **out,
                         char *err, size_t errlen, bool go_yaml_v3)
{
    struct yctx y;
    memset(&y, 0, sizeof(y));
    y.bi = ctx;
    y.v3 = go_yaml_v3;
    if (!yaml_parser_initialize(&y.parser)) {
        snprintf(err, errlen, "yaml: out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)s, n);
    int rc = 0;
    *out = v_null();
    bool in_doc = false;
    for (;;) {
        yaml_event_t ev;
        if ((rc = next_event(&y, &ev)) < 0)
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT || (in_doc && t == YAML_DOCUMENT_END_EVENT)) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT)
            in_doc = true;
        if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT) {
            rc = parse_node(&y, &ev, out);
            yaml_event_delete(&ev);
            if (rc < 0)
                break;
            continue;
        }
        yaml_event_delete(&ev);
    }
    if (rc < 0)
        snprintf(err, errlen, "%s", y.err[0] ? y.err : "yaml: invalid document");
    yaml_parser_delete(&y.parser);
    return rc;
}

int rego_yaml_parse(struct arena *a, const char *s, size_t n, bool go_yaml_v3,
                    struct value **out, char *err, size_t errlen)
{
    struct rego_bi_ctx ctx = {.arena = a, .name = "yaml"};
    return yaml_to_value(&ctx, s, n, out, err, errlen, go_yaml_v3);
}

static int bi_yaml_unmarshal(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                             struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    char err[300];
    if (yaml_to_value(ctx, args[0]->u.str.s, args[0]->u.str.len, out, err, sizeof(err),
                      false) < 0)
        return bi_err(ctx, "%s", err);
    return 0;
}

static int bi_yaml_is_valid(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                            struct value **out)
{
    if (!v_is(args[0], V_STRING)) {
        *out = v_bool(false);
        return 0;
    }
    struct arena scratch;
    arena_init(&scratch, 4096);
    struct rego_bi_ctx sub = *ctx;
    sub.arena = &scratch;
    char err[300];
    struct value *v;
    bool ok = yaml_to_value(&sub, args[0]->u.str.s, args[0]->u.str.len, &v, err, sizeof(err),
                            false) == 0;
    arena_free(&scratch);
    *out = v_bool(ok);
    return 0;
}

/* ---- emitter ---- */

static bool plain_safe(struct arena *scratch, const char *s, size_t n)
{
    if (n == 0 || strlen(s) != n)
        return false;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '/' || s[0] == '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == ' '))
            return false;
    }
    if (s[n - 1] == ' ')
        return false;
    if (all_match(s, Y_NULL) || all_match(s, Y_TRUE) || all_match(s, Y_FALSE))
        return false;
    struct value *num;
    if (yaml_int(scratch, s, &num) || yaml_float(scratch, s, &num) || !strcmp(s, ".inf") ||
        !strcmp(s, ".nan"))
        return false;
    return true;
}

static void emit_string(struct buf *b, struct arena *scratch, const char *s, size_t n)
{
    if (plain_safe(scratch, s, n)) {
        buf_append(b, s, n);
        return;
    }
    bool printable = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            printable = false;
    if (printable) {
        buf_putc(b, '\'');
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\'')
                buf_putc(b, '\'');
            buf_putc(b, s[i]);
        }
        buf_putc(b, '\'');
        return;
    }
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_puts(b, "\\n");
        } else if (c == '\t') {
            buf_puts(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02X", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

static void indent(struct buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(b, ' ');
}

static bool is_block(const struct value *v)
{
    return (v->type == V_OBJECT && v->u.obj.len) ||
           ((v->type == V_ARRAY || v->type == V_SET) && v->u.arr.len);
}

static void emit_scalar(struct buf *b, struct arena *scratch, const struct value *v)
{
    switch (v->type) {
    case V_NULL: buf_puts(b, "null"); break;
    case V_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
    case V_NUMBER: bi_num_text(b, v); break;
    case V_STRING: emit_string(b, scratch, v->u.str.s, v->u.str.len); break;
    case V_OBJECT: buf_puts(b, "{}"); break;
    default: buf_puts(b, "[]"); break;
    }
}

/* Emits a block node whose first line continues the current line. */
static void emit_block(struct buf *b, struct arena *scratch, const struct value *v, int ind,
                       bool first_inline)
{
    if (v->type == V_OBJECT) {
        for (size_t i = 0; i < v->u.obj.len; i++) {
            if (i || !first_inline)
                indent(b, ind);
            const struct value *k = v->u.obj.pairs[i].key, *val = v->u.obj.pairs[i].val;
            if (k->type == V_STRING) {
                emit_string(b, scratch, k->u.str.s, k->u.str.len);
            } else {
                struct buf kt = BUF_INIT;
                bi_value_text(&kt, k);
                emit_string(b, scratch, kt.data ? kt.data : "", kt.len);
                buf_free(&kt);
            }
            buf_putc(b, ':');
            if (is_block(val)) {
                buf_putc(b, '\n');
                emit_block(b, scratch, val, val->type == V_OBJECT ? ind + 2 : ind, false);
            } else {
                buf_putc(b, ' ');
                emit_scalar(b, scratch, val);
                buf_putc(b, '\n');
            }
        }
        return;
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        if (i || !first_inline)
            indent(b, ind);
        buf_puts(b, "- ");
        const struct value *e = v->u.arr.items[i];
        if (is_block(e)) {
            emit_block(b, scratch, e, ind + 2, true);
        } else {
            emit_scalar(b, scratch, e);
            buf_putc(b, '\n');
        }
    }
}

static int bi_yaml_marshal(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                           struct value **out)
{
    struct arena scratch;
    arena_init(&scratch, 1024);
    struct buf b = BUF_INIT;
    if (is_block(args[0])) {
        emit_block(&b, &scratch, args[0], 0, false);
    } else {
        emit_scalar(&b, &scratch, args[0]);
        buf_putc(&b, '\n');
    }
    arena_free(&scratch);
    BI_RET(bi_buf_str(ctx, &b));
}

const struct rego_builtin rego_bi_yaml[] = {
    {"yaml.is_valid", 1, bi_yaml_is_valid, 0, NULL},
    {"yaml.marshal", 1, bi_yaml_marshal, 0, NULL},
    {"yaml.unmarshal", 1, bi_yaml_unmarshal, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
