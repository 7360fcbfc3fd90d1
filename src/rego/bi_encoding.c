/* bi_encoding.c - the Encoding built-ins except YAML (bi_yaml.c):
 * base64*, hex.*, json.marshal/marshal_with_options/unmarshal/is_valid,
 * urlquery.*.
 *
 * OPA runs these through Go's standard library, so the details follow it:
 * Go's base64 decoder skips CR/LF and does not insist on zero trailing
 * bits (unlike base/codec's strict decoders, which serve the API); JSON
 * output is encoding/json's (sorted keys, <>& and U+2028/9 escaped, sets as
 * arrays, numbers as their OPA text); url escaping is net/url's. */
#include "rego/bi_util.h"

#include <stdio.h>
#include <string.h>

#include "base/codec.h"

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

#define SARG(i) (args[i]->u.str.s)
#define SLEN(i) (args[i]->u.str.len)

/* ---- base64 (Go's encoding/base64 decoding rules) ---- */

static int b64_value(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Padded decoding as Go's StdEncoding/URLEncoding.DecodeString; on error
 * *bad_at is the input offset Go reports. */
static int go_b64_decode(struct buf *out, const char *s, size_t n, bool url, size_t *bad_at)
{
    unsigned quad[4];
    size_t q = 0, i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (c == '=') {
            /* padding: only after 2 or 3 symbols, then only '=' / CRLF */
            if (q < 2) {
                *bad_at = i;
                return -1;
            }
            size_t need = 4 - q, got = 0, j = i;
            while (j < n && got < need) {
                if (s[j] == '=')
                    got++;
                else if (s[j] != '\r' && s[j] != '\n')
                    break;
                j++;
            }
            if (got < need) {
                *bad_at = j < n ? j : n;
                return -1;
            }
            while (j < n && (s[j] == '\r' || s[j] == '\n'))
                j++;
            if (j < n) {
                *bad_at = j;
                return -1;
            }
            unsigned v = (quad[0] << 18) | (quad[1] << 12) | (q > 2 ? quad[2] << 6 : 0);
            buf_putc(out, (char)(v >> 16));
            if (q == 3)
                buf_putc(out, (char)(v >> 8));
            return 0;
        }
        int d = b64_value(c, url);
        if (d < 0) {
            *bad_at = i;
            return -1;
        }
        quad[q++] = (unsigned)d;
        i++;
        if (q == 4) {
            unsigned v = (quad[0] << 18) | (quad[1] << 12) | (quad[2] << 6) | quad[3];
            buf_putc(out, (char)(v >> 16));
            buf_putc(out, (char)(v >> 8));
            buf_putc(out, (char)v);
            q = 0;
        }
    }
    if (q != 0) { /* Go reports the end of the incomplete quantum */
        *bad_at = n;
        return -1;
    }
    return 0;
}

static int decode_b64_arg(struct rego_bi_ctx *ctx, const char *s, size_t n, bool url,
                          struct value **out)
{
    struct buf b = BUF_INIT;
    size_t bad;
    if (go_b64_decode(&b, s, n, url, &bad) < 0) {
        buf_free(&b);
        return bi_err(ctx, "illegal base64 data at input byte %zu", bad);
    }
    BI_RET(bi_buf_str(ctx, &b));
}

static int encode_b64(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                      enum b64_flavor f)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    struct buf b = BUF_INIT;
    b64_encode_buf(&b, (const uint8_t *)SARG(0), SLEN(0), f);
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_base64_encode) { return encode_b64(ctx, args, out, B64_STD_PAD); }
BI_FN(bi_base64url_encode) { return encode_b64(ctx, args, out, B64_URL_PAD); }
BI_FN(bi_base64url_encode_no_pad) { return encode_b64(ctx, args, out, B64_URL_NOPAD); }

BI_FN(bi_base64_decode)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    return decode_b64_arg(ctx, SARG(0), SLEN(0), false, out);
}

BI_FN(bi_base64_is_valid)
{
    if (!v_is(args[0], V_STRING)) {
        *out = v_bool(false);
        return 0;
    }
    struct buf b = BUF_INIT;
    size_t bad;
    *out = v_bool(go_b64_decode(&b, SARG(0), SLEN(0), false, &bad) == 0);
    buf_free(&b);
    return 0;
}

BI_FN(bi_base64url_decode)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const char *s = SARG(0);
    size_t n = SLEN(0);
    if (n == 0 || s[n - 1] != '=') {
        const char *pad = n % 4 == 2 ? "==" : n % 4 == 3 ? "=" : "";
        if (n % 4 == 1)
            return bi_err(ctx, "illegal base64url string: %.*s", (int)n, s);
        char *t = arena_sprintf(ctx->arena, "%.*s%s", (int)n, s, pad);
        if (!t)
            return bi_oom(ctx);
        return decode_b64_arg(ctx, t, strlen(t), true, out);
    }
    return decode_b64_arg(ctx, s, n, true, out);
}

/* ---- hex ---- */

BI_FN(bi_hex_encode)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    char *h = hex_encode_arena(ctx->arena, (const uint8_t *)SARG(0), SLEN(0));
    BI_RET(h ? v_string_ref(ctx->arena, h, 2 * SLEN(0)) : NULL);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

BI_FN(bi_hex_decode)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const char *s = SARG(0);
    size_t n = SLEN(0);
    char *r = arena_alloc(ctx->arena, n / 2 + 1);
    if (!r)
        return bi_oom(ctx);
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            uint32_t cp;
            bi_utf8_decode(s + at, n - at, &cp);
            if (cp < 0x80)
                return bi_err(ctx, "encoding/hex: invalid byte: U+%04X '%c'", cp, (char)cp);
            return bi_err(ctx, "encoding/hex: invalid byte: U+%04X", (unsigned char)s[at]);
        }
        r[i / 2] = (char)(hi << 4 | lo);
    }
    if (n % 2) {
        if (hex_digit(s[n - 1]) < 0)
            return bi_err(ctx, "encoding/hex: invalid byte: U+%04X '%c'", (unsigned char)s[n - 1],
                          s[n - 1]);
        return bi_err(ctx, "encoding/hex: odd length hex string");
    }
    BI_RET(v_string_ref(ctx->arena, r, n / 2));
}

/* ---- JSON as Go's encoding/json writes it ---- */

static void go_json_string(struct buf *b, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            i++;
            if (c == '"' || c == '\\') {
                buf_putc(b, '\\');
                buf_putc(b, (char)c);
            } else if (c == '\n') {
                buf_puts(b, "\\n");
            } else if (c == '\r') {
                buf_puts(b, "\\r");
            } else if (c == '\t') {
                buf_puts(b, "\\t");
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                buf_puts(b, "\\u00");
                buf_putc(b, hexd[c >> 4]);
                buf_putc(b, hexd[c & 15]);
            } else {
                buf_putc(b, (char)c);
            }
            continue;
        }
        uint32_t cp;
        size_t w = bi_utf8_decode(s + i, n - i, &cp);
        if (cp == 0xFFFD && w == 1)
            buf_puts(b, "\\ufffd");
        else if (cp == 0x2028 || cp == 0x2029)
            buf_printf(b, "\\u%04x", cp);
        else
            buf_append(b, s + i, w);
        i += w;
    }
    buf_putc(b, '"');
}

struct json_style_go {
    const char *prefix, *indent; /* NULL indent = compact */
};

static void newline(struct buf *b, const struct json_style_go *st, int depth)
{
    buf_putc(b, '\n');
    buf_puts(b, st->prefix);
    for (int i = 0; i < depth; i++)
        buf_puts(b, st->indent);
}

static void go_json(struct buf *b, const struct value *v, const struct json_style_go *st, int depth)
{
    switch (v->type) {
    case V_NULL: buf_puts(b, "null"); return;
    case V_BOOL: buf_puts(b, v->u.b ? "true" : "false"); return;
    case V_NUMBER: bi_num_text(b, v); return;
    case V_STRING: go_json_string(b, v->u.str.s, v->u.str.len); return;
    case V_ARRAY:
    case V_SET:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i)
                buf_putc(b, ',');
            if (st->indent)
                newline(b, st, depth + 1);
            go_json(b, v->u.arr.items[i], st, depth + 1);
        }
        if (st->indent && v->u.arr.len)
            newline(b, st, depth);
        buf_putc(b, ']');
        return;
    case V_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const struct value *k = v->u.obj.pairs[i].key;
            if (i)
                buf_putc(b, ',');
            if (st->indent)
                newline(b, st, depth + 1);
            if (k->type == V_STRING) {
                go_json_string(b, k->u.str.s, k->u.str.len);
            } else {
                struct buf kt = BUF_INIT;
                struct json_style_go compact = {"", NULL};
                go_json(&kt, k, &compact, 0);
                go_json_string(b, kt.data ? kt.data : "", kt.len);
                buf_free(&kt);
            }
            buf_puts(b, st->indent ? ": " : ":");
            go_json(b, v->u.obj.pairs[i].val, st, depth + 1);
        }
        if (st->indent && v->u.obj.len)
            newline(b, st, depth);
        buf_putc(b, '}');
        return;
    }
}

/* Non-string keys sort by their JSON text in Go (map[string]any); ours
 * sort by value.  Re-sort when any key is not a string. */
static const struct value *json_keys_as_strings(struct arena *a, const struct value *v)
{
    switch (v->type) {
    case V_ARRAY:
    case V_SET: {
        struct value **items = arena_alloc(a, (v->u.arr.len + 1) * sizeof(*items));
        if (!items)
            return NULL;
        for (size_t i = 0; i < v->u.arr.len; i++)
            if (!(items[i] = (struct value *)json_keys_as_strings(a, v->u.arr.items[i])))
                return NULL;
        return v_array(a, items, v->u.arr.len);
    }
    case V_OBJECT: {
        struct pair_list l = {0};
        for (size_t i = 0; i < v->u.obj.len; i++) {
            struct value *k = v->u.obj.pairs[i].key;
            if (k->type != V_STRING) {
                struct buf kt = BUF_INIT;
                struct json_style_go compact = {"", NULL};
                go_json(&kt, k, &compact, 0);
                k = buf_failed(&kt) ? NULL : v_string(a, kt.data ? kt.data : "", kt.len);
                buf_free(&kt);
            }
            struct value *val = (struct value *)json_keys_as_strings(a, v->u.obj.pairs[i].val);
            if (!k || !val || pair_list_push(a, &l, k, val) < 0)
                return NULL;
        }
        return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    }
    default:
        return v;
    }
}

static int marshal(struct rego_bi_ctx *ctx, const struct value *v, const struct json_style_go *st,
                   struct value **out)
{
    const struct value *j = json_keys_as_strings(ctx->arena, v);
    if (!j)
        return bi_oom(ctx);
    struct buf b = BUF_INIT;
    if (st->indent)
        buf_puts(&b, st->prefix);
    go_json(&b, j, st, 0);
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_json_marshal)
{
    struct json_style_go st = {"", NULL};
    return marshal(ctx, args[0], &st, out);
}

BI_FN(bi_json_marshal_with_options)
{
    TRY(bi_want(ctx, args, 1, V_OBJECT));
    const struct value *opts = args[1];
    struct json_style_go st = {"", "\t"};
    bool implicit = false, explicit_set = false, pretty = false;
    for (size_t i = 0; i < opts->u.obj.len; i++) {
        const struct value *k = opts->u.obj.pairs[i].key, *val = opts->u.obj.pairs[i].val;
        if (!v_is(k, V_STRING))
            return bi_operand_err(ctx, 2, "failed to stringify key at index %zu", i);
        const char *key = k->u.str.s;
        if (!strcmp(key, "prefix") || !strcmp(key, "indent")) {
            if (!v_is(val, V_STRING))
                return bi_operand_err(ctx, 2, "key \"%s\" failed cast to string", key);
            if (key[0] == 'p')
                st.prefix = val->u.str.s;
            else
                st.indent = val->u.str.s;
            implicit = true;
        } else if (!strcmp(key, "pretty")) {
            if (!v_is(val, V_BOOL))
                return bi_operand_err(ctx, 2, "key \"%s\" failed cast to bool", key);
            explicit_set = true;
            pretty = val->u.b;
        } else {
            return bi_operand_err(ctx, 2, "object contained unknown key \"%s\"", key);
        }
    }
    if (!explicit_set)
        pretty = implicit;
    if (!pretty)
        st = (struct json_style_go){"", NULL};
    return marshal(ctx, args[0], &st, out);
}

BI_FN(bi_json_unmarshal)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    struct as_error err;
    struct json_parse_opts o = {.max_depth = 10000};
    struct value *v;
    if (json_parse(ctx->arena, SARG(0), SLEN(0), &o, &v, &err) < 0)
        return bi_err(ctx, "%s", err.detail);
    *out = v;
    return 0;
}

BI_FN(bi_json_is_valid)
{
    if (!v_is(args[0], V_STRING)) {
        *out = v_bool(false);
        return 0;
    }
    struct arena scratch;
    arena_init(&scratch, 4096);
    struct as_error err;
    struct json_parse_opts o = {.max_depth = 10000};
    struct value *v;
    *out = v_bool(json_parse(&scratch, SARG(0), SLEN(0), &o, &v, &err) == 0);
    arena_free(&scratch);
    return 0;
}

/* ---- urlquery (Go's net/url) ---- */

static void query_escape(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~')
            buf_putc(b, (char)c);
        else if (c == ' ')
            buf_putc(b, '+');
        else
            buf_printf(b, "%%%02X", c);
    }
}

/* QueryUnescape; -1 with the offending escape in *bad. */
static int query_unescape(struct buf *b, const char *s, size_t n, const char **bad, size_t *bad_len)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0) {
                *bad = s + i;
                *bad_len = n - i < 3 ? n - i : 3;
                return -1;
            }
            buf_putc(b, (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2])));
            i += 2;
        } else if (s[i] == '+') {
            buf_putc(b, ' ');
        } else {
            buf_putc(b, s[i]);
        }
    }
    return 0;
}

BI_FN(bi_urlquery_encode)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    struct buf b = BUF_INIT;
    query_escape(&b, SARG(0), SLEN(0));
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_urlquery_decode)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    struct buf b = BUF_INIT;
    const char *bad;
    size_t bl;
    if (query_unescape(&b, SARG(0), SLEN(0), &bad, &bl) < 0) {
        buf_free(&b);
        return bi_err(ctx, "invalid URL escape \"%.*s\"", (int)bl, bad);
    }
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_urlquery_encode_object)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    const struct value *o = args[0];
    struct buf b = BUF_INIT;
    bool first = true;
    for (size_t i = 0; i < o->u.obj.len; i++) {
        const struct value *k = o->u.obj.pairs[i].key, *v = o->u.obj.pairs[i].val;
        if (!v_is(k, V_STRING)) {
            buf_free(&b);
            return rego_bi_type_error(ctx, 1, "object", o);
        }
        struct value *const *items = &o->u.obj.pairs[i].val;
        size_t n = 1;
        if (v_is(v, V_ARRAY) || v_is(v, V_SET)) {
            items = v->u.arr.items;
            n = v->u.arr.len;
        }
        for (size_t j = 0; j < n; j++) {
            if (!v_is(items[j], V_STRING)) {
                buf_free(&b);
                return bi_operand_err(ctx, 1, "values must be string, array[string], or set[string]");
            }
            if (!first)
                buf_putc(&b, '&');
            first = false;
            query_escape(&b, k->u.str.s, k->u.str.len);
            buf_putc(&b, '=');
            query_escape(&b, items[j]->u.str.s, items[j]->u.str.len);
        }
    }
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_urlquery_decode_object)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const char *s = SARG(0), *end = s + SLEN(0);
    /* key -> list of values, in first-seen key order then sorted by v_object */
    struct pair_list keys = {0};
    struct value_list *lists = NULL;
    size_t cap = 0;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        if (memchr(s, ';', (size_t)(stop - s)))
            return bi_err(ctx, "invalid semicolon separator in query");
        if (stop > s) {
            const char *eq = memchr(s, '=', (size_t)(stop - s));
            const char *kend = eq ? eq : stop;
            struct buf kb = BUF_INIT, vb = BUF_INIT;
            const char *bad;
            size_t bl;
            if (query_unescape(&kb, s, (size_t)(kend - s), &bad, &bl) < 0 ||
                (eq && query_unescape(&vb, eq + 1, (size_t)(stop - eq - 1), &bad, &bl) < 0)) {
                buf_free(&kb);
                buf_free(&vb);
                return bi_err(ctx, "invalid URL escape \"%.*s\"", (int)bl, bad);
            }
            struct value *k = bi_buf_str(ctx, &kb), *v = bi_buf_str(ctx, &vb);
            if (!k || !v)
                return bi_oom(ctx);
            size_t at = 0;
            while (at < keys.len && !value_equal(keys.pairs[at].key, k))
                at++;
            if (at == keys.len) {
                if (pair_list_push(ctx->arena, &keys, k, v_null()) < 0)
                    return bi_oom(ctx);
                if (keys.len > cap) {
                    size_t ncap = cap ? cap * 2 : 8;
                    struct value_list *nl = arena_zalloc(ctx->arena, ncap * sizeof(*nl));
                    if (!nl)
                        return bi_oom(ctx);
                    if (lists)
                        memcpy(nl, lists, cap * sizeof(*nl));
                    lists = nl;
                    cap = ncap;
                }
            }
            if (value_list_push(ctx->arena, &lists[at], v) < 0)
                return bi_oom(ctx);
        }
        s = amp ? amp + 1 : end;
    }
    for (size_t i = 0; i < keys.len; i++)
        if (!(keys.pairs[i].val = v_array(ctx->arena, lists[i].items, lists[i].len)))
            return bi_oom(ctx);
    BI_RET(v_object(ctx->arena, keys.pairs, keys.len, DUP_LAST_WINS, NULL));
}

const struct rego_builtin rego_bi_encoding[] = {
    {"base64.decode", 1, bi_base64_decode, 0, NULL},
    {"base64.encode", 1, bi_base64_encode, 0, NULL},
    {"base64.is_valid", 1, bi_base64_is_valid, 0, NULL},
    {"base64url.decode", 1, bi_base64url_decode, 0, NULL},
    {"base64url.encode", 1, bi_base64url_encode, 0, NULL},
    {"base64url.encode_no_pad", 1, bi_base64url_encode_no_pad, 0, NULL},
    {"hex.decode", 1, bi_hex_decode, 0, NULL},
    {"hex.encode", 1, bi_hex_encode, 0, NULL},
    {"json.is_valid", 1, bi_json_is_valid, 0, NULL},
    {"json.marshal", 1, bi_json_marshal, 0, NULL},
    {"json.marshal_with_options", 2, bi_json_marshal_with_options, 0, NULL},
    {"json.unmarshal", 1, bi_json_unmarshal, 0, NULL},
    {"urlquery.decode", 1, bi_urlquery_decode, 0, NULL},
    {"urlquery.decode_object", 1, bi_urlquery_decode_object, 0, NULL},
    {"urlquery.encode", 1, bi_urlquery_encode, 0, NULL},
    {"urlquery.encode_object", 1, bi_urlquery_encode_object, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
