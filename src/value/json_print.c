/* json_print.c - values as JSON text in the four styles of value.h.
 *
 * Every style escapes strings the same way (serde_json's: \" \\ \b \t \n
 * \f \r, other controls as lowercase \u00xx, everything else raw; a byte
 * that is not part of valid UTF-8, which only a value built from raw bytes
 * can hold, prints as \ufffd as Go's encoding/json does) and
 * prints objects in their stored key order, except JSON_JCS which orders
 * keys by UTF-16 code units.  They differ in numbers:
 *   COMPACT/PRETTY  integers in decimal, bigs as their text, floats as the
 *                   literal they were parsed from, else Go's layout;
 *   CANON_V24       serde_json: integers that fit i64/u64 in decimal, every
 *                   other number as an f64 in ryu's layout ("1.0", "1e16");
 *   JCS             every number as an f64 in ECMAScript's layout.
 * Sets print as arrays (already sorted); a non-string object key prints as
 * a string holding its compact JSON text, and such an object's members are
 * then ordered by those texts, as OPA (Go's encoding/json) does. */
#include <stdlib.h>
#include <string.h>

#include "value/number_format.h"
#include "value/value.h"
#include "value/value_internal.h"

struct printer {
    struct buf *b;
    enum json_style style;
    int indent;
};

static void print_value(struct printer *p, const struct value *v);

/* ---- strings ---- */

void json_print_string(struct buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!buf_reserve(b, len + 2))
        return;
    buf_putc(b, '"');
    size_t run = 0; /* start of the pending run of bytes printed as they are */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = value_utf8_sequence_length((const unsigned char *)s + i, len - i);
            if (n) {
                i += n - 1;
                continue;
            }
            /* not UTF-8 (a value built from bytes): \ufffd, as Go does */
            buf_append(b, s + run, i - run);
            buf_append(b, "\\ufffd", 6);
            run = i + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(b, s + run, i - run);
        run = i + 1;
        char esc = 0;
        switch (c) {
        case '"': esc = '"'; break;
        case '\\': esc = '\\'; break;
        case '\b': esc = 'b'; break;
        case '\t': esc = 't'; break;
        case '\n': esc = 'n'; break;
        case '\f': esc = 'f'; break;
        case '\r': esc = 'r'; break;
        default: break;
        }
        if (esc) {
            char two[2] = {'\\', esc};
            buf_append(b, two, 2);
        } else {
            char six[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, six, 6);
        }
    }
    buf_append(b, s + run, len - run);
    buf_putc(b, '"');
}

/* ---- numbers ---- */

/* A NUM_BIG that serde_json would keep as u64: positive and <= 2^64-1. */
static bool big_fits_u64(const char *text)
{
    if (text[0] == '-')
        return false;
    size_t n = strlen(text);
    return n < 20 || (n == 20 && strcmp(text, "18446744073709551615") <= 0);
}

static void print_number(struct printer *p, const struct value *v)
{
    struct buf *b = p->b;
    switch (p->style) {
    case JSON_JCS:
        number_format_es(b, value_as_double(v));
        return;
    case JSON_CANON_V24:
        if (v->num_kind == NUM_INT)
            buf_printf(b, "%lld", (long long)v->u.num.i);
        else if (v->num_kind == NUM_BIG && big_fits_u64(v->u.num.text))
            buf_puts(b, v->u.num.text);
        else
            number_format_serde(b, v->u.num.d);
        return;
    default:
        if (v->num_kind == NUM_INT)
            buf_printf(b, "%lld", (long long)v->u.num.i);
        else if (v->u.num.text)
            buf_puts(b, v->u.num.text);
        else
            number_format_go(b, v->u.num.d);
        return;
    }
}

/* ---- containers ---- */

static void newline_indent(struct printer *p)
{
    if (p->style != JSON_PRETTY)
        return;
    buf_putc(p->b, '\n');
    for (int i = 0; i < p->indent; i++)
        buf_append(p->b, "  ", 2);
}

static void print_items(struct printer *p, struct value *const *items, size_t n)
{
    buf_putc(p->b, '[');
    p->indent++;
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(p->b, ',');
        newline_indent(p);
        print_value(p, items[i]);
    }
    p->indent--;
    if (n)
        newline_indent(p);
    buf_putc(p->b, ']');
}

static void print_member(struct printer *p, const struct value_pair *m, bool first)
{
    if (!first)
        buf_putc(p->b, ',');
    newline_indent(p);
    /* keys are strings here: print_object_text_keys converts the others */
    json_print_string(p->b, m->key->u.str.s, m->key->u.str.len);
    buf_putc(p->b, ':');
    if (p->style == JSON_PRETTY)
        buf_putc(p->b, ' ');
    print_value(p, m->val);
}

/* ---- RFC 8785 key order: UTF-16 code units ---- */

/* Next code point of s (lenient: a stray byte stands for itself). */
static unsigned long next_code_point(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (*i + n > len)
        n = 1;
    unsigned long cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    *i += n;
    return cp;
}

/* A code point's UTF-16 code units as one sortable number. */
static unsigned long utf16_order_key(unsigned long cp)
{
    if (cp < 0x10000)
        return cp << 16;
    cp -= 0x10000;
    return ((0xD800 + (cp >> 10)) << 16) | (0xDC00 + (cp & 0x3FF));
}

static int compare_utf16(const struct value *a, const struct value *b)
{
    if (a->type != V_STRING || b->type != V_STRING)
        return value_compare(a, b);
    const unsigned char *x = (const unsigned char *)a->u.str.s, *y = (const unsigned char *)b->u.str.s;
    size_t i = 0, j = 0;
    while (i < a->u.str.len && j < b->u.str.len) {
        unsigned long kx = utf16_order_key(next_code_point(x, a->u.str.len, &i));
        unsigned long ky = utf16_order_key(next_code_point(y, b->u.str.len, &j));
        if (kx != ky)
            return kx < ky ? -1 : 1;
    }
    return (i < a->u.str.len) - (j < b->u.str.len);
}

static int compare_members_utf16(const void *a, const void *b)
{
    return compare_utf16(((const struct value_pair *)a)->key, ((const struct value_pair *)b)->key);
}

/* UTF-8 byte order and UTF-16 order differ only when some key holds a
 * character from U+E000 up (lead byte >= 0xEE). */
static bool needs_utf16_reorder(const struct value *obj)
{
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const struct value *k = obj->u.obj.pairs[i].key;
        if (k->type != V_STRING)
            continue;
        for (size_t j = 0; j < k->u.str.len; j++)
            if ((unsigned char)k->u.str.s[j] >= 0xEE)
                return true;
    }
    return false;
}

static void print_members(struct printer *p, const struct value_pair *pairs, size_t n)
{
    buf_putc(p->b, '{');
    p->indent++;
    for (size_t i = 0; i < n; i++)
        print_member(p, &pairs[i], i == 0);
    p->indent--;
    if (n)
        newline_indent(p);
    buf_putc(p->b, '}');
}

/* ---- objects with non-string keys (Rego) ----
 * OPA turns such a key into its JSON text and Go's encoding/json then sorts
 * the members by that text; so do we (by UTF-16 code units for JCS).  Two
 * keys with the same text (1 and "1") would print a duplicate member: the
 * one later in value order (the string) is kept. */

struct text_member {
    struct value key; /* V_STRING: the key, or the key's compact JSON text */
    const struct value *val;
    size_t order;     /* position in the object, to break ties */
    char *owned;      /* the text when we printed it */
};

static int tie_by_order(const struct text_member *a, const struct text_member *b)
{
    return a->order < b->order ? -1 : a->order > b->order;
}

static int compare_text_members_bytes(const void *x, const void *y)
{
    const struct text_member *a = x, *b = y;
    int c = value_compare(&a->key, &b->key);
    return c ? c : tie_by_order(a, b);
}

static int compare_text_members_utf16(const void *x, const void *y)
{
    const struct text_member *a = x, *b = y;
    int c = compare_utf16(&a->key, &b->key);
    return c ? c : tie_by_order(a, b);
}

static bool object_has_non_string_key(const struct value *obj)
{
    for (size_t i = 0; i < obj->u.obj.len; i++)
        if (obj->u.obj.pairs[i].key->type != V_STRING)
            return true;
    return false;
}

/* Fills m[i] for pair i; false on out-of-memory. */
static bool text_member_init(struct text_member *m, const struct value_pair *pair, size_t i)
{
    m->val = pair->val;
    m->order = i;
    m->owned = NULL;
    if (pair->key->type == V_STRING) {
        m->key = *pair->key;
        return true;
    }
    struct buf text = BUF_INIT;
    json_print(&text, pair->key, JSON_COMPACT);
    size_t len = 0;
    m->owned = buf_failed(&text) ? NULL : buf_steal(&text, &len);
    buf_free(&text);
    if (!m->owned)
        return false;
    m->key = (struct value){.type = V_STRING, .u.str = {.s = m->owned, .len = len}};
    return true;
}

static void print_object_text_keys(struct printer *p, const struct value *v)
{
    size_t n = v->u.obj.len, built = 0, out = 0;
    struct text_member *m = calloc(n, sizeof(*m));
    struct value_pair *pairs = calloc(n, sizeof(*pairs));
    bool ok = m && pairs;
    for (; ok && built < n; built++)
        ok = text_member_init(&m[built], &v->u.obj.pairs[built], built);
    if (ok) {
        qsort(m, n, sizeof(*m),
              p->style == JSON_JCS ? compare_text_members_utf16 : compare_text_members_bytes);
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n && value_compare_bytes(m[i].key.u.str.s, m[i].key.u.str.len,
                                                 m[i + 1].key.u.str.s, m[i + 1].key.u.str.len) == 0)
                continue; /* a later member has the same text */
            pairs[out].key = &m[i].key;
            pairs[out++].val = (struct value *)m[i].val;
        }
        print_members(p, pairs, out);
    } else {
        p->b->failed = true;
    }
    for (size_t i = 0; m && i < built; i++)
        free(m[i].owned);
    free(m);
    free(pairs);
}

static void print_object(struct printer *p, const struct value *v)
{
    size_t n = v->u.obj.len;
    if (object_has_non_string_key(v)) {
        print_object_text_keys(p, v);
        return;
    }
    if (p->style != JSON_JCS || n < 2 || !needs_utf16_reorder(v)) {
        print_members(p, v->u.obj.pairs, n);
        return;
    }
    struct value_pair *sorted = malloc(n * sizeof(*sorted));
    if (!sorted) {
        p->b->failed = true;
        return;
    }
    memcpy(sorted, v->u.obj.pairs, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), compare_members_utf16);
    print_members(p, sorted, n);
    free(sorted);
}

/* Recursion depth is the value's depth, which its producers bound. */
static void print_value(struct printer *p, const struct value *v)
{
    if (!v) {
        buf_puts(p->b, "null");
        return;
    }
    switch (v->type) {
    case V_NULL:
        buf_puts(p->b, "null");
        return;
    case V_BOOL:
        buf_puts(p->b, v->u.b ? "true" : "false");
        return;
    case V_NUMBER:
        print_number(p, v);
        return;
    case V_STRING:
        json_print_string(p->b, v->u.str.s, v->u.str.len);
        return;
    case V_ARRAY:
    case V_SET:
        print_items(p, v->u.arr.items, v->u.arr.len);
        return;
    case V_OBJECT:
        print_object(p, v);
        return;
    }
}

int json_print(struct buf *b, const struct value *v, enum json_style style)
{
    struct printer p = {.b = b, .style = style, .indent = 0};
    print_value(&p, v);
    return buf_failed(b) ? -1 : 0;
}

char *json_to_string(struct arena *a, const struct value *v, enum json_style style)
{
    struct buf b = BUF_INIT;
    char *out = NULL;
    if (json_print(&b, v, style) == 0)
        out = arena_strndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return out;
}
