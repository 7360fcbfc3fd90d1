/* toml.c - the strict TOML subset parser of toml.h.
 *
 * The document is parsed into a small mutable tree (tables remember how
 * they were created, which TOML's redefinition rules depend on) and turned
 * into an immutable value object at the end.  Every read goes through
 * peek/advance on a bounds-checked cursor; nesting is limited to
 * TOML_MAX_DEPTH so no input can exhaust the stack. */
#include <string.h>

#include "base/codec.h"
#include "base/utf8.h"
#include "base/buf.h"
#include "policy/text.h"
#include "service/toml.h"

enum tn_kind { TN_VALUE, TN_TABLE, TN_ARRAY_TABLES };
enum tn_origin { ORIGIN_ROOT, ORIGIN_HEADER, ORIGIN_HEADER_IMPLICIT, ORIGIN_DOTTED, ORIGIN_INLINE };

struct tnode;

struct tentry {
    struct value *key;
    uint64_t hash; /* value_hash(key) */
    struct tnode *node;
    struct tentry *next;
};

struct tnode {
    enum tn_kind kind;
    enum tn_origin origin;
    int depth;
    struct value *val;           /* TN_VALUE */
    struct tentry *head, *tail;  /* TN_TABLE, in document order */
    size_t n_entries;
    struct tentry **index;       /* open addressing, built past TABLE_INDEX_FROM entries */
    size_t index_cap;            /* power of two, at least twice n_entries */
    struct tnode **items;        /* TN_ARRAY_TABLES */
    size_t n_items, cap_items;
};

struct tparser {
    struct arena *a;
    const char *s;
    size_t n, pos;
    const char *err_type;
    struct as_error *err;
};

/* ---- cursor and errors ---- */

static int peek(const struct tparser *p) { return p->pos < p->n ? (unsigned char)p->s[p->pos] : -1; }
static int peek_at(const struct tparser *p, size_t k)
{
    return p->pos + k < p->n ? (unsigned char)p->s[p->pos + k] : -1;
}
static bool starts(const struct tparser *p, const char *lit)
{
    size_t l = strlen(lit);
    return p->n - p->pos >= l && memcmp(p->s + p->pos, lit, l) == 0;
}

static int fail(struct tparser *p, const char *msg)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < p->pos && i < p->n; i++) {
        if (p->s[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)p->s[i] & 0xc0) != 0x80) {
            col++;
        }
    }
    return as_err(p->err, 400, p->err_type, "TOML line %zu column %zu: %s", line, col, msg);
}

static int oom(struct tparser *p) { return as_err(p->err, 500, ERR_INTERNAL, "out of memory parsing TOML"); }

static void skip_ws(struct tparser *p)
{
    while (peek(p) == ' ' || peek(p) == '\t')
        p->pos++;
}

/* A comment runs to the end of the line; control characters other than tab
 * are not allowed in it. */
static int skip_comment(struct tparser *p)
{
    if (peek(p) != '#')
        return 0;
    while (p->pos < p->n && p->s[p->pos] != '\n') {
        unsigned char c = (unsigned char)p->s[p->pos];
        if ((c < 0x20 && c != '\t' && !(c == '\r' && peek_at(p, 1) == '\n')) || c == 0x7f)
            return fail(p, "control character in a comment");
        p->pos++;
    }
    return 0;
}

/* Consumes a newline (LF or CRLF); returns 1 if one was there. */
static int newline(struct tparser *p)
{
    if (peek(p) == '\n') {
        p->pos++;
        return 1;
    }
    if (peek(p) == '\r' && peek_at(p, 1) == '\n') {
        p->pos += 2;
        return 1;
    }
    return 0;
}

/* After a key/value or header: whitespace, optional comment, then a newline
 * or the end. */
static int end_of_line(struct tparser *p)
{
    skip_ws(p);
    TRY(skip_comment(p));
    if (p->pos >= p->n || newline(p))
        return 0;
    return fail(p, "expected the end of the line");
}

/* Whitespace, comments and newlines (inside arrays). */
static int skip_ws_nl(struct tparser *p)
{
    for (;;) {
        skip_ws(p);
        TRY(skip_comment(p));
        if (!newline(p))
            return 0;
    }
}

/* ---- strings ---- */


static void put_utf8(struct buf *b, uint32_t cp)
{
    char o[4];
    buf_append(b, o, utf8_encode(o, cp));
}

static int escape(struct tparser *p, struct buf *b)
{
    p->pos++; /* backslash */
    int c = peek(p);
    const char *simple = "b\bt\tn\nf\fr\r\"\"\\\\";
    for (const char *e = simple; *e; e += 2) {
        if (c == e[0]) {
            buf_putc(b, e[1]);
            p->pos++;
            return 0;
        }
    }
    if (c != 'u' && c != 'U')
        return fail(p, "invalid escape sequence in a string");
    size_t digits = c == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (size_t i = 1; i <= digits; i++) {
        int h = hex_digit_value((char)peek_at(p, i));
        if (h < 0)
            return fail(p, "invalid unicode escape");
        cp = cp << 4 | (uint32_t)h;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail(p, "unicode escape is not a scalar value");
    put_utf8(b, cp);
    p->pos += 1 + digits;
    return 0;
}

static bool bad_control(int c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

/* Copies one UTF-8 character (already validated) from the input. */
static void copy_char(struct tparser *p, struct buf *b)
{
    uint32_t cp;
    size_t k = text_utf8_next(p->s + p->pos, p->n - p->pos, &cp);
    buf_append(b, p->s + p->pos, k ? k : 1);
    p->pos += k ? k : 1;
}

/* Multi-line basic: a backslash at the end of a line trims the newline and
 * all whitespace after it. */
static bool line_ending_backslash(struct tparser *p)
{
    size_t i = p->pos + 1;
    while (i < p->n && (p->s[i] == ' ' || p->s[i] == '\t'))
        i++;
    if (i < p->n && (p->s[i] == '\n' || (p->s[i] == '\r' && i + 1 < p->n && p->s[i + 1] == '\n'))) {
        p->pos = i;
        while (p->pos < p->n) {
            if (!newline(p) && peek(p) != ' ' && peek(p) != '\t')
                break;
            if (peek(p) == ' ' || peek(p) == '\t')
                p->pos++;
        }
        return true;
    }
    return false;
}

static int string_body(struct tparser *p, char q, bool multi, struct buf *b)
{
    bool basic = q == '"';
    for (;;) {
        int c = peek(p);
        if (c < 0)
            return fail(p, "unterminated string");
        if (c == q) {
            if (!multi) {
                p->pos++;
                return 0;
            }
            if (peek_at(p, 1) == q && peek_at(p, 2) == q) {
                /* up to two more quotes belong to the content */
                size_t extra = 0;
                while (extra < 2 && peek_at(p, 3 + extra) == q)
                    extra++;
                buf_append(b, p->s + p->pos, extra);
                p->pos += 3 + extra;
                return 0;
            }
            buf_putc(b, (char)c);
            p->pos++;
            continue;
        }
        if (multi && newline(p)) {
            buf_putc(b, '\n');
            continue;
        }
        if (basic && c == '\\') {
            if (multi && line_ending_backslash(p))
                continue;
            TRY(escape(p, b));
            continue;
        }
        if (bad_control(c))
            return fail(p, c == '\n' || c == '\r' ? "newline in a single-line string"
                                                  : "control character in a string");
        copy_char(p, b);
    }
}

static int parse_string(struct tparser *p, struct value **out)
{
    char q = (char)peek(p);
    bool multi = (q == '"' && starts(p, "\"\"\"")) || (q == '\'' && starts(p, "'''"));
    p->pos += multi ? 3 : 1;
    if (multi)
        newline(p); /* a newline right after the opening delimiter is trimmed */
    struct buf b = BUF_INIT;
    int rc = string_body(p, q, multi, &b);
    if (rc == 0) {
        *out = v_string(p->a, b.data ? b.data : "", b.len);
        if (buf_failed(&b) || !*out)
            rc = oom(p);
    }
    buf_free(&b);
    return rc;
}

/* ---- keys ---- */

static bool bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static int parse_simple_key(struct tparser *p, struct value **out)
{
    int c = peek(p);
    if (c == '"' || c == '\'') {
        if (starts(p, "\"\"\"") || starts(p, "'''"))
            return fail(p, "multi-line strings cannot be keys");
        return parse_string(p, out);
    }
    size_t start = p->pos;
    while (bare_key_char(peek(p)))
        p->pos++;
    if (p->pos == start)
        return fail(p, "expected a key");
    *out = v_string(p->a, p->s + start, p->pos - start);
    return *out ? 0 : oom(p);
}

#define MAX_KEY_PARTS TOML_MAX_DEPTH

struct key_path {
    struct value *parts[MAX_KEY_PARTS];
    size_t n;
};

static int parse_key(struct tparser *p, struct key_path *k)
{
    k->n = 0;
    for (;;) {
        skip_ws(p);
        if (k->n == MAX_KEY_PARTS)
            return fail(p, "dotted key has too many parts");
        TRY(parse_simple_key(p, &k->parts[k->n++]));
        skip_ws(p);
        if (peek(p) != '.')
            return 0;
        p->pos++;
    }
}

/* ---- tree ---- */

static struct tnode *node_new(struct tparser *p, enum tn_kind kind, enum tn_origin origin, int depth)
{
    struct tnode *t = arena_zalloc(p->a, sizeof(*t));
    if (t) {
        t->kind = kind;
        t->origin = origin;
        t->depth = depth;
    }
    return t;
}

/* Small tables are searched in order; larger ones through a hash index, so
 * a document with many keys or tables costs linear, not quadratic, time
 * (100 000 keys took minutes before). */
#define TABLE_INDEX_FROM 8

static struct tnode *table_get(const struct tnode *t, const struct value *key)
{
    if (!t->index) {
        for (struct tentry *e = t->head; e; e = e->next) {
            if (value_equal(e->key, key))
                return e->node;
        }
        return NULL;
    }
    uint64_t h = value_hash(key);
    size_t mask = t->index_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const struct tentry *e = t->index[i];
        if (!e)
            return NULL;
        if (e->hash == h && value_equal(e->key, key))
            return e->node;
    }
}

static void index_insert(struct tentry **index, size_t cap, struct tentry *e)
{
    size_t i = (size_t)e->hash & (cap - 1);
    while (index[i])
        i = (i + 1) & (cap - 1);
    index[i] = e;
}

/* (Re)builds the index at four times the entry count (load <= 1/2 until
 * the next rebuild); the old index stays in the arena. */
static int index_rebuild(struct tparser *p, struct tnode *t)
{
    size_t cap = 16;
    while (cap < 4 * t->n_entries)
        cap *= 2;
    struct tentry **index = arena_zalloc(p->a, cap * sizeof(*index));
    if (!index)
        return oom(p);
    for (struct tentry *e = t->head; e; e = e->next)
        index_insert(index, cap, e);
    t->index = index;
    t->index_cap = cap;
    return 0;
}

static int table_put(struct tparser *p, struct tnode *t, struct value *key, struct tnode *node)
{
    struct tentry *e = arena_zalloc(p->a, sizeof(*e));
    if (!e)
        return oom(p);
    e->key = key;
    e->hash = value_hash(key);
    e->node = node;
    if (t->tail)
        t->tail->next = e;
    else
        t->head = e;
    t->tail = e;
    t->n_entries++;
    if (t->n_entries < TABLE_INDEX_FROM)
        return 0;
    if (!t->index || 2 * t->n_entries > t->index_cap)
        return index_rebuild(p, t);
    index_insert(t->index, t->index_cap, e);
    return 0;
}

static int child_table(struct tparser *p, struct tnode *t, struct value *key,
                       enum tn_origin origin, struct tnode **out)
{
    if (t->depth + 1 > TOML_MAX_DEPTH)
        return fail(p, "tables nest too deeply");
    *out = node_new(p, TN_TABLE, origin, t->depth + 1);
    if (!*out)
        return oom(p);
    return table_put(p, t, key, *out);
}

static int array_tables_push(struct tparser *p, struct tnode *arr, struct tnode **elem)
{
    if (arr->n_items == arr->cap_items) {
        size_t cap = arr->cap_items ? arr->cap_items * 2 : 4;
        struct tnode **grown = arena_alloc(p->a, cap * sizeof(*grown));
        if (!grown)
            return oom(p);
        if (arr->n_items)
            memcpy(grown, arr->items, arr->n_items * sizeof(*grown));
        arr->items = grown;
        arr->cap_items = cap;
    }
    *elem = node_new(p, TN_TABLE, ORIGIN_HEADER, arr->depth + 1);
    if (!*elem)
        return oom(p);
    arr->items[arr->n_items++] = *elem;
    return 0;
}

static struct value *node_to_value(struct arena *a, const struct tnode *t);

static struct value *table_to_value(struct arena *a, const struct tnode *t)
{
    struct pair_list l = {0};
    for (struct tentry *e = t->head; e; e = e->next) {
        struct value *v = node_to_value(a, e->node);
        if (!v || pair_list_push(a, &l, e->key, v) < 0)
            return NULL;
    }
    return v_object(a, l.pairs, l.len, DUP_FAIL, NULL);
}

static struct value *node_to_value(struct arena *a, const struct tnode *t)
{
    if (t->kind == TN_VALUE)
        return t->val;
    if (t->kind == TN_TABLE)
        return table_to_value(a, t);
    struct value_list l = {0};
    for (size_t i = 0; i < t->n_items; i++) {
        struct value *v = table_to_value(a, t->items[i]);
        if (!v || value_list_push(a, &l, v) < 0)
            return NULL;
    }
    return v_array(a, l.items, l.len);
}

/* ---- values ---- */

static int parse_value(struct tparser *p, int depth, struct value **out);
static int parse_keyval(struct tparser *p, struct tnode *table, bool in_inline, int depth);

static bool digit(int c) { return c >= '0' && c <= '9'; }

/* Digits of a base with single underscores between digits; appended to b. */
static int digits(struct tparser *p, int base, struct buf *b)
{
    bool any = false, prev_us = false;
    for (;;) {
        int c = peek(p);
        int h = hex_digit_value((char)c);
        if (c == '_') {
            if (!any || prev_us)
                return fail(p, "misplaced underscore in a number");
            prev_us = true;
        } else if (h >= 0 && h < base && !(base == 16 ? false : (c > '9'))) {
            buf_putc(b, (char)c);
            any = true;
            prev_us = false;
        } else {
            break;
        }
        p->pos++;
    }
    if (!any || prev_us)
        return fail(p, "malformed number");
    return 0;
}

static int prefixed_integer(struct tparser *p, struct value **out)
{
    int kind = peek_at(p, 1);
    int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
    p->pos += 2;
    struct buf b = BUF_INIT;
    int rc = digits(p, base, &b);
    uint64_t v = 0;
    for (size_t i = 0; rc == 0 && i < b.len; i++) {
        uint64_t d = (uint64_t)hex_digit_value((char)b.data[i]);
        if (v > (UINT64_C(0x7fffffffffffffff) - d) / (uint64_t)base)
            rc = fail(p, "integer out of the 64-bit range");
        v = v * (uint64_t)base + d;
    }
    buf_free(&b);
    TRY(rc);
    *out = v_int(p->a, (int64_t)v);
    return *out ? 0 : oom(p);
}

static bool looks_like_datetime(const struct tparser *p)
{
    return (digit(peek(p)) && digit(peek_at(p, 1)) && digit(peek_at(p, 2)) &&
            digit(peek_at(p, 3)) && peek_at(p, 4) == '-') ||
           (digit(peek(p)) && digit(peek_at(p, 1)) && peek_at(p, 2) == ':');
}

static int decimal_number(struct tparser *p, struct value **out)
{
    if (looks_like_datetime(p))
        return fail(p, "date and time values are not supported");
    struct buf b = BUF_INIT;
    if (peek(p) == '+' || peek(p) == '-') {
        if (peek(p) == '-')
            buf_putc(&b, '-');
        p->pos++;
    }
    if (starts(p, "inf") || starts(p, "nan")) {
        buf_free(&b);
        return fail(p, "inf and nan are not supported");
    }
    bool leading_zero = peek(p) == '0' && digit(peek_at(p, 1));
    bool is_float = false;
    int rc = leading_zero ? fail(p, "leading zeros are not allowed") : digits(p, 10, &b);
    if (rc == 0 && peek(p) == '.') {
        p->pos++;
        buf_putc(&b, '.');
        is_float = true;
        rc = digits(p, 10, &b);
    }
    if (rc == 0 && (peek(p) == 'e' || peek(p) == 'E')) {
        p->pos++;
        buf_putc(&b, 'e');
        is_float = true;
        if (peek(p) == '+' || peek(p) == '-')
            buf_putc(&b, (char)p->s[p->pos++]);
        rc = digits(p, 10, &b);
    }
    if (rc == 0 && !is_float && b.len == 2 && b.data[0] == '-' && b.data[1] == '0') {
        *out = v_int(p->a, 0); /* TOML -0 is the integer 0 (JSON would read a float) */
        rc = *out ? 0 : oom(p);
    } else if (rc == 0 && !buf_failed(&b)) {
        *out = v_number_text(p->a, b.data, b.len);
        if (!*out)
            rc = oom(p);
        else if (!is_float && (*out)->num_kind != NUM_INT)
            rc = fail(p, "integer out of the 64-bit range");
    } else if (rc == 0) {
        rc = oom(p);
    }
    buf_free(&b);
    return rc;
}

static int parse_array(struct tparser *p, int depth, struct value **out)
{
    p->pos++; /* [ */
    struct value_list l = {0};
    for (;;) {
        TRY(skip_ws_nl(p));
        if (peek(p) == ']')
            break;
        struct value *v;
        TRY(parse_value(p, depth + 1, &v));
        if (value_list_push(p->a, &l, v) < 0)
            return oom(p);
        TRY(skip_ws_nl(p));
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) != ']')
            return fail(p, "expected ',' or ']' in an array");
        break;
    }
    p->pos++;
    *out = v_array(p->a, l.items, l.len);
    return *out ? 0 : oom(p);
}

static int parse_inline_table(struct tparser *p, int depth, struct value **out)
{
    p->pos++; /* { */
    struct tnode *t = node_new(p, TN_TABLE, ORIGIN_INLINE, depth);
    if (!t)
        return oom(p);
    skip_ws(p);
    if (peek(p) != '}') {
        for (;;) {
            TRY(parse_keyval(p, t, true, depth));
            skip_ws(p);
            if (peek(p) == ',') {
                p->pos++;
                skip_ws(p);
                if (peek(p) == '}')
                    return fail(p, "trailing comma in an inline table");
                continue;
            }
            if (peek(p) != '}')
                return fail(p, "expected ',' or '}' in an inline table");
            break;
        }
    }
    p->pos++;
    *out = table_to_value(p->a, t);
    return *out ? 0 : oom(p);
}

static int parse_value(struct tparser *p, int depth, struct value **out)
{
    if (depth > TOML_MAX_DEPTH)
        return fail(p, "values nest too deeply");
    int c = peek(p);
    if (c == '"' || c == '\'')
        return parse_string(p, out);
    if (c == '[')
        return parse_array(p, depth, out);
    if (c == '{')
        return parse_inline_table(p, depth, out);
    if (starts(p, "true") && !bare_key_char(peek_at(p, 4))) {
        p->pos += 4;
        *out = v_bool(true);
        return 0;
    }
    if (starts(p, "false") && !bare_key_char(peek_at(p, 5))) {
        p->pos += 5;
        *out = v_bool(false);
        return 0;
    }
    if (c == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'o' || peek_at(p, 1) == 'b'))
        return prefixed_integer(p, out);
    if (digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
        return decimal_number(p, out);
    return fail(p, c < 0 ? "expected a value, found the end" : "expected a value");
}

/* ---- statements ---- */

/* key = value inside table (dotted keys create sub-tables). */
static int parse_keyval(struct tparser *p, struct tnode *table, bool in_inline, int depth)
{
    struct key_path k;
    TRY(parse_key(p, &k));
    if (peek(p) != '=')
        return fail(p, "expected '=' after a key");
    p->pos++;
    skip_ws(p);
    struct tnode *t = table;
    for (size_t i = 0; i + 1 < k.n; i++) {
        struct tnode *next = table_get(t, k.parts[i]);
        if (!next) {
            TRY(child_table(p, t, k.parts[i], in_inline ? ORIGIN_INLINE : ORIGIN_DOTTED, &next));
        } else if (next->kind != TN_TABLE || next->origin == ORIGIN_HEADER ||
                   next->origin == ORIGIN_HEADER_IMPLICIT || (next->origin == ORIGIN_INLINE && !in_inline)) {
            return fail(p, "dotted key extends a value or a table defined elsewhere");
        }
        t = next;
    }
    if (table_get(t, k.parts[k.n - 1]))
        return fail(p, "duplicate key");
    struct tnode *leaf = node_new(p, TN_VALUE, ORIGIN_DOTTED, t->depth + 1);
    if (!leaf)
        return oom(p);
    TRY(parse_value(p, (depth > t->depth ? depth : t->depth) + 1, &leaf->val));
    return table_put(p, t, k.parts[k.n - 1], leaf);
}

/* Walks the prefix of a [header] / [[header]] path. */
static int header_prefix(struct tparser *p, struct tnode *root, const struct key_path *k,
                         struct tnode **out)
{
    struct tnode *t = root;
    for (size_t i = 0; i + 1 < k->n; i++) {
        struct tnode *next = table_get(t, k->parts[i]);
        if (!next)
            TRY(child_table(p, t, k->parts[i], ORIGIN_HEADER_IMPLICIT, &next));
        else if (next->kind == TN_ARRAY_TABLES)
            next = next->items[next->n_items - 1];
        else if (next->kind != TN_TABLE || next->origin == ORIGIN_INLINE)
            return fail(p, "table header goes through a value");
        t = next;
    }
    *out = t;
    return 0;
}

static int parse_header(struct tparser *p, struct tnode *root, struct tnode **current)
{
    bool array = starts(p, "[[");
    p->pos += array ? 2 : 1;
    struct key_path k;
    TRY(parse_key(p, &k));
    if (array ? !starts(p, "]]") : peek(p) != ']')
        return fail(p, array ? "expected ']]'" : "expected ']'");
    p->pos += array ? 2 : 1;
    struct tnode *parent = NULL, *t;
    TRY(header_prefix(p, root, &k, &parent));
    struct value *last = k.parts[k.n - 1];
    t = table_get(parent, last);
    if (array) {
        if (!t) {
            if (parent->depth + 1 > TOML_MAX_DEPTH)
                return fail(p, "tables nest too deeply");
            t = node_new(p, TN_ARRAY_TABLES, ORIGIN_HEADER, parent->depth + 1);
            if (!t)
                return oom(p);
            TRY(table_put(p, parent, last, t));
        } else if (t->kind != TN_ARRAY_TABLES) {
            return fail(p, "[[array of tables]] redefines a key");
        }
        TRY(array_tables_push(p, t, current));
    } else if (!t) {
        TRY(child_table(p, parent, last, ORIGIN_HEADER, current));
    } else if (t->kind == TN_TABLE && t->origin == ORIGIN_HEADER_IMPLICIT) {
        t->origin = ORIGIN_HEADER;
        *current = t;
    } else {
        return fail(p, "table defined more than once");
    }
    return end_of_line(p);
}

int toml_parse(struct arena *a, const char *text, size_t len, const char *err_type,
               struct value **out, struct as_error *err)
{
    struct tparser p = {a, text, len, 0, err_type, err};
    size_t bad;
    if (!text_utf8_valid(text, len, &bad)) {
        p.pos = bad;
        return fail(&p, "invalid UTF-8");
    }
    struct tnode *root = node_new(&p, TN_TABLE, ORIGIN_ROOT, 0), *current = root;
    if (!root)
        return oom(&p);
    while (p.pos < p.n) {
        TRY(skip_ws_nl(&p));
        if (p.pos >= p.n)
            break;
        if (peek(&p) == '[')
            TRY(parse_header(&p, root, &current));
        else {
            TRY(parse_keyval(&p, current, false, current->depth));
            TRY(end_of_line(&p));
        }
    }
    *out = table_to_value(a, root);
    return *out ? 0 : oom(&p);
}
