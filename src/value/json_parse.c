/* json_parse.c - strict RFC 8259 JSON to values (docs/json.md).
 *
 * One pass over an arena copy of the input, without recursion: open
 * containers are frames on a small explicit stack (at most max_depth), and
 * parsed values wait on a scratch pointer stack until their container
 * closes.  Strings are decoded in place in the arena copy (decoding never
 * grows them) and the closing quote becomes the NUL terminator, so a string
 * costs one value node and no copy.  Errors follow serde_json's wording and
 * end in "at line L column C". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "value/value.h"
#include "value/value_internal.h"

#define JSON_DEFAULT_MAX_DEPTH 128
#define LOCAL_STACK 256
#define LOCAL_FRAMES 128

enum frame_kind { FRAME_ARRAY, FRAME_OBJECT };

struct frame {
    uint8_t kind;
    size_t base; /* index in the value stack of this container's first item */
};

struct parser {
    struct arena *a;
    const char *orig; /* the caller's text, for line/column */
    char *buf;        /* arena copy, NUL at len */
    size_t len, pos;
    struct value **stack;
    size_t sp, cap;
    struct frame *frames;
    size_t depth, max_depth;
    struct as_error *err;
};

/* ---- errors ---- */

/* The error is about the byte at `at` (or the end of input when at >= len).
 * Positions are serde_json's: line and column after that byte, the column
 * counting the bytes since the last newline, so the byte's own 1-based
 * column, and at end of input the length of the last line. */
static int parse_error_at(struct parser *p, size_t at, const char *msg)
{
    size_t end = at < p->len ? at + 1 : p->len;
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < end; i++)
        if (p->orig[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    return as_err(p->err, 400, ERR_INVALID_JSON, "%s at line %zu column %zu", msg, line,
                  end - line_start);
}

static int parse_error(struct parser *p, const char *msg) { return parse_error_at(p, p->pos, msg); }

static int out_of_memory(struct parser *p)
{
    if (p->a->limit)
        return as_err(p->err, 413, ERR_PAYLOAD_TOO_LARGE,
                      "JSON document exceeds the memory limit of %zu bytes", p->a->limit);
    return as_err(p->err, 500, ERR_INTERNAL, "out of memory while parsing JSON");
}

/* ---- scratch stack ---- */

static int stack_push(struct parser *p, struct value *v, struct value **local)
{
    if (!v)
        return out_of_memory(p);
    if (p->sp == p->cap) {
        size_t ncap = p->cap * 2;
        struct value **ns;
        if (p->stack == local) {
            ns = malloc(ncap * sizeof(*ns));
            if (ns)
                memcpy(ns, local, p->sp * sizeof(*ns));
        } else {
            ns = realloc(p->stack, ncap * sizeof(*ns));
        }
        if (!ns)
            return out_of_memory(p);
        p->stack = ns;
        p->cap = ncap;
    }
    p->stack[p->sp++] = v;
    return 0;
}

/* ---- whitespace and literals ---- */

static inline void skip_whitespace(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->buf[p->pos];
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
            return;
        p->pos++;
    }
}

static int parse_literal(struct parser *p, const char *word, size_t n, struct value **out)
{
    for (size_t i = 0; i < n; i++) {
        if (p->pos + i >= p->len) {
            p->pos = p->len;
            return parse_error(p, "EOF while parsing a value");
        }
        if (p->buf[p->pos + i] != word[i])
            return parse_error_at(p, p->pos + i, "expected ident");
    }
    p->pos += n;
    *out = word[0] == 'n' ? v_null() : v_bool(word[0] == 't');
    return 0;
}

/* ---- numbers ---- */

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Scans a number's syntax from p->pos; returns its end or 0 after an error. */
static size_t scan_number(struct parser *p, bool *integer)
{
    size_t i = p->pos;
    const char *b = p->buf;
    *integer = true;
    if (b[i] == '-')
        i++;
    if (i >= p->len) {
        p->pos = i;
        return parse_error(p, "EOF while parsing a value"), 0;
    }
    if (b[i] == '0') {
        i++;
        if (i < p->len && is_digit(b[i]))
            return parse_error_at(p, i, "invalid number"), 0;
    } else if (is_digit(b[i])) {
        while (i < p->len && is_digit(b[i]))
            i++;
    } else {
        return parse_error_at(p, i, "invalid number"), 0;
    }
    if (i < p->len && b[i] == '.') {
        *integer = false;
        i++;
        if (i >= p->len || !is_digit(b[i]))
            return parse_error_at(p, i, i >= p->len ? "EOF while parsing a value" : "invalid number"),
                   0;
        while (i < p->len && is_digit(b[i]))
            i++;
    }
    if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
        *integer = false;
        i++;
        if (i < p->len && (b[i] == '+' || b[i] == '-'))
            i++;
        if (i >= p->len || !is_digit(b[i]))
            return parse_error_at(p, i, i >= p->len ? "EOF while parsing a value" : "invalid number"),
                   0;
        while (i < p->len && is_digit(b[i]))
            i++;
    }
    return i;
}

static int parse_number(struct parser *p, struct value **out)
{
    size_t start = p->pos;
    bool integer;
    size_t end = scan_number(p, &integer);
    if (!end)
        return -1;
    size_t n = end - start;
    const char *t = p->buf + start;
    bool neg = t[0] == '-';
    if (integer && n - neg <= 18 && !(neg && n == 2 && t[1] == '0')) {
        int64_t acc = 0; /* at most 18 digits: cannot overflow */
        for (size_t i = neg; i < n; i++)
            acc = acc * 10 + (t[i] - '0');
        *out = v_int(p->a, neg ? -acc : acc);
    } else {
        *out = v_number_text(p->a, t, n);
    }
    if (!*out)
        return out_of_memory(p);
    if ((*out)->num_kind != NUM_INT && isinf((*out)->u.num.d))
        return parse_error_at(p, end - 1, "number out of range"); /* column = its end */
    p->pos = end;
    return 0;
}

/* ---- strings ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads XXXX at buf[i..i+4); -1 (error reported) when not four hex digits. */
static long read_hex4(struct parser *p, size_t i)
{
    if (p->len - i < 4) { /* serde_json checks the length before the digits */
        p->pos = p->len;
        return parse_error(p, "EOF while parsing a string");
    }
    long cp = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_value(p->buf[i + k]);
        if (h < 0)
            return parse_error_at(p, i + k, "invalid escape");
        cp = cp * 16 + h;
    }
    return cp;
}


/* Decodes the escape at buf[*r] == '\\' to w; advances *r, returns the bytes
 * written or 0 after an error. */
static size_t decode_escape(struct parser *p, size_t *r, char *w)
{
    size_t i = *r + 1;
    if (i >= p->len) {
        p->pos = p->len;
        return parse_error(p, "EOF while parsing a string"), 0;
    }
    char c = p->buf[i];
    static const char simple_from[] = "\"\\/bfnrt";
    static const char simple_to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(simple_from, c) : NULL;
    if (hit) {
        *w = simple_to[hit - simple_from];
        *r = i + 1;
        return 1;
    }
    if (c != 'u')
        return parse_error_at(p, i, "invalid escape"), 0;
    long cp = read_hex4(p, i + 1);
    if (cp < 0)
        return 0;
    i += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return parse_error_at(p, i - 1, "lone leading surrogate in hex escape"), 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (i + 1 >= p->len || p->buf[i] != '\\' || p->buf[i + 1] != 'u') {
            if (i >= p->len || (i + 1 >= p->len && p->buf[i] == '\\')) {
                p->pos = p->len;
                return parse_error(p, "EOF while parsing a string"), 0;
            }
            /* serde_json consumes the byte that is not '\\' or 'u' */
            size_t bad = p->buf[i] == '\\' ? i + 1 : i;
            return parse_error_at(p, bad, "unexpected end of hex escape"), 0;
        }
        long lo = read_hex4(p, i + 2);
        if (lo < 0)
            return 0;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return parse_error_at(p, i + 5, "lone leading surrogate in hex escape"), 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        i += 6;
    }
    *r = i;
    return utf8_encode(w, (uint32_t)cp);
}

/* True when none of the 8 bytes needs attention in a string: no '"', '\\',
 * control character or non-ASCII byte. */
static inline bool word_is_plain(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t special = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                       (w - ones * 0x20) | w;
    return (special & highs) == 0;
}

/* The slow path: from the first escape or non-ASCII byte on, validates and
 * decodes in place (w <= r always).  Like serde_json, which checks UTF-8
 * once the string is complete, invalid UTF-8 is reported after the closing
 * quote, and an escape or control character error that comes first in the
 * string wins over it. */
static int parse_string_slow(struct parser *p, size_t start, size_t r, size_t *out_len)
{
    char *b = p->buf;
    size_t w = r;
    bool invalid_utf8 = false;
    for (;;) {
        if (r >= p->len) {
            p->pos = p->len;
            return parse_error(p, "EOF while parsing a string");
        }
        unsigned char c = (unsigned char)b[r];
        if (c == '"') {
            if (invalid_utf8)
                return parse_error_at(p, r, "invalid unicode code point");
            break;
        }
        if (c == '\\') {
            size_t n = decode_escape(p, &r, b + w);
            if (!n)
                return -1;
            w += n;
        } else if (c < 0x20) {
            return parse_error_at(p, r, "control character (\\u0000-\\u001F) found while parsing a string");
        } else if (c < 0x80) {
            b[w++] = (char)c;
            r++;
        } else {
            size_t n = value_utf8_sequence_length((const unsigned char *)b + r, p->len - r);
            if (!n) {
                invalid_utf8 = true;
                n = 1;
            }
            memmove(b + w, b + r, n);
            w += n;
            r += n;
        }
    }
    b[w] = '\0';
    p->pos = r + 1;
    *out_len = w - start;
    return 0;
}

/* Parses the string whose opening quote is at p->pos; s and len point
 * into the arena copy. */
static int parse_string_bytes(struct parser *p, const char **s, size_t *len)
{
    size_t start = ++p->pos, r = start;
    char *b = p->buf;
    for (;;) {
        while (r + 8 <= p->len) {
            uint64_t word;
            memcpy(&word, b + r, 8);
            if (!word_is_plain(word))
                break;
            r += 8;
        }
        if (r >= p->len) {
            p->pos = p->len;
            return parse_error(p, "EOF while parsing a string");
        }
        unsigned char c = (unsigned char)b[r];
        if (c == '"') {
            b[r] = '\0';
            p->pos = r + 1;
            *s = b + start;
            *len = r - start;
            return 0;
        }
        if (c == '\\' || c >= 0x80 || c < 0x20) {
            TRY(parse_string_slow(p, start, r, len));
            *s = b + start;
            return 0;
        }
        r++;
    }
}

static int parse_string(struct parser *p, struct value **out)
{
    const char *s = NULL;
    size_t len = 0;
    TRY(parse_string_bytes(p, &s, &len));
    *out = v_string_ref(p->a, s, len);
    return *out ? 0 : out_of_memory(p);
}

/* ---- containers ---- */

static int open_container(struct parser *p, enum frame_kind kind)
{
    if (p->depth + 1 >= p->max_depth)
        return parse_error(p, "recursion limit exceeded");
    p->frames[p->depth].kind = (uint8_t)kind;
    p->frames[p->depth].base = p->sp;
    p->depth++;
    p->pos++;
    return 0;
}

static struct value *close_array(struct parser *p)
{
    struct frame *f = &p->frames[--p->depth];
    size_t n = p->sp - f->base;
    struct value *v = value_alloc(p->a, V_ARRAY);
    if (!v)
        return NULL;
    if (n) {
        v->u.arr.items = arena_memdup(p->a, p->stack + f->base, n * sizeof(struct value *));
        if (!v->u.arr.items)
            return NULL;
    }
    v->u.arr.len = n;
    p->sp = f->base;
    return v;
}

static struct value *close_object(struct parser *p)
{
    struct frame *f = &p->frames[--p->depth];
    size_t n = (p->sp - f->base) / 2;
    struct value *v = value_alloc(p->a, V_OBJECT);
    if (!v)
        return NULL;
    if (n) {
        struct value_pair *pairs = arena_alloc(p->a, n * sizeof(*pairs));
        if (!pairs)
            return NULL;
        for (size_t i = 0; i < n; i++) {
            pairs[i].key = p->stack[f->base + 2 * i];
            pairs[i].val = p->stack[f->base + 2 * i + 1];
        }
        if (value_sort_pairs(pairs, &n, DUP_LAST_WINS, NULL) < 0)
            return NULL;
        v->u.obj.pairs = pairs;
    }
    v->u.obj.len = n;
    p->sp = f->base;
    return v;
}

/* After '{' or ',' in an object: the key, then ':' (whitespace skipped). */
static int parse_member_key(struct parser *p, struct value **local, bool after_comma)
{
    skip_whitespace(p);
    if (p->pos >= p->len)
        return parse_error(p, after_comma ? "EOF while parsing a value" : "EOF while parsing an object");
    char c = p->buf[p->pos];
    if (c != '"')
        return parse_error(p, after_comma && c == '}' ? "trailing comma" : "key must be a string");
    struct value *key;
    TRY(parse_string(p, &key));
    TRY(stack_push(p, key, local));
    skip_whitespace(p);
    if (p->pos >= p->len)
        return parse_error(p, "EOF while parsing an object");
    if (p->buf[p->pos] != ':')
        return parse_error(p, "expected `:`");
    p->pos++;
    return 0;
}

/* A scalar or the opening of a container at p->pos (whitespace skipped).
 * *opened tells the caller a container was opened (its first item comes
 * next); *empty that it was closed at once ("[]" / "{}"). */
static int parse_value_start(struct parser *p, struct value **local, struct value **out,
                             bool *opened)
{
    *opened = false;
    *out = NULL;
    if (p->pos >= p->len)
        return parse_error(p, "EOF while parsing a value");
    switch (p->buf[p->pos]) {
    case '{':
        TRY(open_container(p, FRAME_OBJECT));
        skip_whitespace(p);
        if (p->pos < p->len && p->buf[p->pos] == '}') {
            p->pos++;
            *out = close_object(p);
            return *out ? 0 : out_of_memory(p);
        }
        TRY(parse_member_key(p, local, false));
        *opened = true;
        return 0;
    case '[':
        TRY(open_container(p, FRAME_ARRAY));
        skip_whitespace(p);
        if (p->pos >= p->len)
            return parse_error(p, "EOF while parsing a list");
        if (p->buf[p->pos] == ']') {
            p->pos++;
            *out = close_array(p);
            return *out ? 0 : out_of_memory(p);
        }
        *opened = true;
        return 0;
    case '"':
        return parse_string(p, out);
    case 't':
        return parse_literal(p, "true", 4, out);
    case 'f':
        return parse_literal(p, "false", 5, out);
    case 'n':
        return parse_literal(p, "null", 4, out);
    default:
        if (p->buf[p->pos] == '-' || is_digit(p->buf[p->pos]))
            return parse_number(p, out);
        return parse_error(p, "expected value");
    }
}

/* After a complete item inside the innermost container: ',' continues it,
 * the closing bracket closes it (*closed set to the container's value). */
static int after_item(struct parser *p, struct value **local, struct value **closed)
{
    struct frame *f = &p->frames[p->depth - 1];
    bool is_array = f->kind == FRAME_ARRAY;
    *closed = NULL;
    skip_whitespace(p);
    if (p->pos >= p->len)
        return parse_error(p, is_array ? "EOF while parsing a list" : "EOF while parsing an object");
    char c = p->buf[p->pos];
    if (c == ',') {
        p->pos++;
        if (!is_array)
            return parse_member_key(p, local, true);
        skip_whitespace(p);
        if (p->pos < p->len && p->buf[p->pos] == ']')
            return parse_error(p, "trailing comma");
        return 0;
    }
    if (c == (is_array ? ']' : '}')) {
        p->pos++;
        *closed = is_array ? close_array(p) : close_object(p);
        return *closed ? 0 : out_of_memory(p);
    }
    return parse_error(p, is_array ? "expected `,` or `]`" : "expected `,` or `}`");
}

static int parse_document(struct parser *p, struct value **local, struct value **out)
{
    for (;;) {
        skip_whitespace(p);
        struct value *v;
        bool opened;
        TRY(parse_value_start(p, local, &v, &opened));
        if (opened)
            continue;
        /* v is complete: close every container it completes */
        while (p->depth) {
            TRY(stack_push(p, v, local));
            TRY(after_item(p, local, &v));
            if (!v)
                break;
        }
        if (!p->depth) {
            *out = v;
            return 0;
        }
    }
}

int json_parse(struct arena *a, const char *text, size_t len, const struct json_parse_opts *opts,
               struct value **out, struct as_error *err)
{
    struct value *local_stack[LOCAL_STACK];
    struct frame local_frames[LOCAL_FRAMES];
    struct parser p = {.a = a, .orig = text, .len = len, .err = err};
    int max_depth = opts && opts->max_depth > 0 ? opts->max_depth : JSON_DEFAULT_MAX_DEPTH;
    p.max_depth = (size_t)max_depth;
    if (len == SIZE_MAX) /* the arena copy needs len + 1 bytes */
        return as_err(err, 413, ERR_PAYLOAD_TOO_LARGE, "JSON document too large");
    p.stack = local_stack;
    p.cap = LOCAL_STACK;
    /* each open container consumes a byte: no more than len + 1 frames */
    size_t frames = p.max_depth < len + 1 ? p.max_depth : len + 1;
    p.frames = frames <= LOCAL_FRAMES ? local_frames : malloc(frames * sizeof(struct frame));
    p.buf = arena_alloc(a, len + 1);
    int rc = -1;
    if (!p.frames || !p.buf) {
        out_of_memory(&p);
        goto done;
    }
    if (len)
        memcpy(p.buf, text, len);
    p.buf[len] = '\0';
    struct value *v = NULL;
    if (parse_document(&p, local_stack, &v) < 0)
        goto done;
    skip_whitespace(&p);
    if (p.pos < p.len && !(opts && opts->allow_trailing)) {
        parse_error(&p, "trailing characters");
        goto done;
    }
    *out = v;
    rc = 0;
done:
    if (p.stack != local_stack)
        free(p.stack);
    if (p.frames && p.frames != local_frames)
        free(p.frames);
    return rc;
}
