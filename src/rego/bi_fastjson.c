/* bi_fastjson.c - valyala/fastjson's parser and lookups, as far as jwx v3's
 * jwsbb header helpers use them (see bi_fastjson.h).
 *
 * The parser descends at most FJ_MAX_DEPTH values deep (fastjson's own
 * limit), so its recursion is bounded.  An error records the innermost
 * message and the tail it left; every enclosing value then adds its prefix
 * ("cannot parse object value: ", "cannot parse object: ", ...), kept as a
 * list and joined once at the top. */
#include "rego/bi_fastjson.h"

#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "rego/bi_util.h"

#define FJ_MAX_WRAPS     (2 * FJ_MAX_DEPTH + 4)
#define FJ_START_END_LEN 80 /* fastjson's maxStartEndStringLen */

struct fj_parser {
    struct arena *a;
    const char *end;
    struct fj_doc *doc;
    const char *inner; /* the innermost error message; NULL = out of memory */
    const char *tail;  /* the text the failing step left unparsed */
    const char *wraps[FJ_MAX_WRAPS];
    size_t nwraps;
};

/* What one parsed value is (strings keep their raw text). */
struct fj_scalar {
    enum fj_type type;
    const char *raw;
    size_t raw_len;
};

static int parse_value(struct fj_parser *p, const char *s, int depth, const char **next,
                       struct fj_scalar *out, bool top);

static int fail(struct fj_parser *p, const char *tail, const char *msg)
{
    p->inner = msg;
    p->tail = tail;
    p->nwraps = 0;
    return -1;
}

/* An error whose message ends with a Go %q of q..q+qn. */
static int fail_quoted(struct fj_parser *p, const char *tail, const char *msg, const char *q,
                       size_t qn)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, msg);
    bi_go_quote(&b, q, qn);
    const char *text = buf_failed(&b) ? NULL : arena_strndup(p->a, b.data, b.len);
    buf_free(&b);
    fail(p, tail, msg);
    p->inner = text;
    return -1;
}

static int wrap(struct fj_parser *p, const char *prefix)
{
    if (p->nwraps < FJ_MAX_WRAPS)
        p->wraps[p->nwraps++] = prefix;
    return -1;
}

static const char *skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++;
    return s;
}

static bool ascii_case_eq(const char *s, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

/* parseRawString: s is just past the opening quote; the content ends at
 * the first quote preceded by an even run of backslashes (counted within
 * the current stretch only, as fastjson does). */
static int parse_raw_string(struct fj_parser *p, const char *s, const char **content_end,
                            const char **next)
{
    const char *seg = s;
    const char *q = memchr(seg, '"', (size_t)(p->end - seg));
    if (!q)
        return fail(p, p->end, "missing closing '\"'");
    while (q != seg && q[-1] == '\\') {
        const char *i = q - 1;
        while (i > seg && i[-1] == '\\')
            i--;
        if ((size_t)(q - i) % 2 == 0)
            break;
        seg = q + 1;
        q = memchr(seg, '"', (size_t)(p->end - seg));
        if (!q)
            return fail(p, p->end, "missing closing '\"'");
    }
    *content_end = q;
    *next = q + 1;
    return 0;
}

/* parseRawKey: the fast path ends at the first quote before any backslash. */
static int parse_raw_key(struct fj_parser *p, const char *s, const char **key_end,
                         const char **next)
{
    for (const char *c = s; c < p->end; c++) {
        if (*c == '"') {
            *key_end = c;
            *next = c + 1;
            return 0;
        }
        if (*c == '\\')
            return parse_raw_string(p, s, key_end, next);
    }
    return fail(p, p->end, "missing closing '\"'");
}

static bool number_byte(char c)
{
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+';
}

/* parseRawNumber: any run of number bytes; "inf"/"nan" (any case, after an
 * optional sign) where the run would be empty. */
static int parse_raw_number(struct fj_parser *p, const char *s, const char **next)
{
    for (const char *c = s; c < p->end; c++) {
        if (number_byte(*c))
            continue;
        size_t i = (size_t)(c - s);
        if (i == 0 || (i == 1 && (s[0] == '-' || s[0] == '+'))) {
            if (p->end - c >= 3 && (ascii_case_eq(c, "inf", 3) || ascii_case_eq(c, "nan", 3))) {
                *next = c + 3;
                return 0;
            }
            return fail_quoted(p, s, "unexpected char: ", s, 1);
        }
        *next = c;
        return 0;
    }
    *next = p->end;
    return 0;
}

static int add_member(struct fj_parser *p, struct fj_member **last, const char *key, size_t key_len,
                      const struct fj_scalar *v)
{
    struct fj_member *m = arena_zalloc(p->a, sizeof(*m));
    if (!m)
        return fail(p, p->end, NULL);
    *m = (struct fj_member){key, key_len, v->type, v->raw, v->raw_len, NULL};
    if (*last)
        (*last)->next = m;
    else
        p->doc->members = m;
    *last = m;
    return 0;
}

/* parseObject: s is just past '{'; members are kept for the top level. */
static int parse_object(struct fj_parser *p, const char *s, int depth, const char **next, bool top)
{
    const char *e = p->end;
    s = skip_ws(s, e);
    if (s == e)
        return fail(p, s, "missing '}'");
    if (*s == '}') {
        *next = s + 1;
        return 0;
    }
    struct fj_member *last = NULL;
    for (;;) {
        s = skip_ws(s, e);
        if (s == e || *s != '"')
            return fail(p, s, "cannot find opening '\"\" for object key");
        const char *key = s + 1, *key_end;
        if (parse_raw_key(p, key, &key_end, &s) < 0)
            return wrap(p, "cannot parse object key: ");
        s = skip_ws(s, e);
        if (s == e || *s != ':')
            return fail(p, s, "missing ':' after object key");
        s = skip_ws(s + 1, e);
        struct fj_scalar v;
        if (parse_value(p, s, depth, &s, &v, false) < 0)
            return wrap(p, "cannot parse object value: ");
        if (top && add_member(p, &last, key, (size_t)(key_end - key), &v) < 0)
            return -1;
        s = skip_ws(s, e);
        if (s == e)
            return fail(p, s, "unexpected end of object");
        if (*s == '}') {
            *next = s + 1;
            return 0;
        }
        if (*s != ',')
            return fail(p, s, "missing ',' after object value");
        s++;
    }
}

/* parseArray: s is just past '['. */
static int parse_array(struct fj_parser *p, const char *s, int depth, const char **next)
{
    const char *e = p->end;
    s = skip_ws(s, e);
    if (s == e)
        return fail(p, s, "missing ']'");
    if (*s == ']') {
        *next = s + 1;
        return 0;
    }
    for (;;) {
        struct fj_scalar v;
        s = skip_ws(s, e);
        if (parse_value(p, s, depth, &s, &v, false) < 0)
            return wrap(p, "cannot parse array value: ");
        s = skip_ws(s, e);
        if (s == e)
            return fail(p, s, "unexpected end of array");
        if (*s == ']') {
            *next = s + 1;
            return 0;
        }
        if (*s != ',')
            return fail(p, s, "missing ',' after array value");
        s++;
    }
}

/* true / false / null (or NaN, a number) at s. */
static int parse_word(struct fj_parser *p, const char *s, const char **next, struct fj_scalar *out)
{
    size_t avail = (size_t)(p->end - s);
    static const struct {
        const char *word;
        enum fj_type type;
    } words[] = {{"true", FJ_TRUE}, {"false", FJ_FALSE}, {"null", FJ_NULL}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if (*s != words[i].word[0])
            continue;
        if (avail >= n && memcmp(s, words[i].word, n) == 0) {
            out->type = words[i].type;
            *next = s + n;
            return 0;
        }
        if (*s == 'n' && avail >= 3 && ascii_case_eq(s, "nan", 3)) {
            out->type = FJ_NUMBER;
            *next = s + 3;
            return 0;
        }
        return fail_quoted(p, s, "unexpected value found: ", s, avail);
    }
    return -1; /* not reached: the caller saw t, f or n */
}

static int parse_value(struct fj_parser *p, const char *s, int depth, const char **next,
                       struct fj_scalar *out, bool top)
{
    *out = (struct fj_scalar){FJ_NULL, NULL, 0};
    if (s == p->end)
        return fail(p, s, "cannot parse empty string");
    if (++depth > FJ_MAX_DEPTH)
        return fail(p, s, "too big depth for the nested JSON; it exceeds 300");
    switch (*s) {
    case '{':
        out->type = FJ_OBJECT;
        return parse_object(p, s + 1, depth, next, top) < 0 ? wrap(p, "cannot parse object: ") : 0;
    case '[':
        out->type = FJ_ARRAY;
        return parse_array(p, s + 1, depth, next) < 0 ? wrap(p, "cannot parse array: ") : 0;
    case '"': {
        const char *content_end;
        if (parse_raw_string(p, s + 1, &content_end, next) < 0)
            return wrap(p, "cannot parse string: ");
        *out = (struct fj_scalar){FJ_STRING, s + 1, (size_t)(content_end - s - 1)};
        return 0;
    }
    case 't':
    case 'f':
    case 'n':
        return parse_word(p, s, next, out);
    default:
        out->type = FJ_NUMBER;
        return parse_raw_number(p, s, next) < 0 ? wrap(p, "cannot parse number: ") : 0;
    }
}

/* startEndString, then %q. */
static void quote_start_end(struct buf *b, const char *s, size_t n)
{
    if (n <= FJ_START_END_LEN) {
        bi_go_quote(b, s, n);
        return;
    }
    struct buf cut = BUF_INIT;
    buf_append(&cut, s, 40);
    buf_puts(&cut, "...");
    buf_append(&cut, s + n - 40, 40);
    if (buf_failed(&cut))
        b->failed = true;
    else
        bi_go_quote(b, cut.data, cut.len);
    buf_free(&cut);
}

static const char *error_text(struct fj_parser *p)
{
    if (!p->inner)
        return NULL;
    struct buf b = BUF_INIT;
    buf_puts(&b, "cannot parse JSON: ");
    for (size_t i = p->nwraps; i-- > 0;)
        buf_puts(&b, p->wraps[i]);
    buf_puts(&b, p->inner);
    buf_puts(&b, "; unparsed tail: ");
    quote_start_end(&b, p->tail, (size_t)(p->end - p->tail));
    const char *text = buf_failed(&b) ? NULL : arena_strndup(p->a, b.data, b.len);
    buf_free(&b);
    return text;
}

int fj_parse(struct arena *a, const char *s, size_t n, struct fj_doc *doc, const char **err)
{
    struct fj_parser p = {.a = a, .end = s + n, .doc = doc};
    memset(doc, 0, sizeof(*doc));
    const char *next;
    struct fj_scalar top;
    if (parse_value(&p, skip_ws(s, p.end), 0, &next, &top, true) < 0) {
        *err = error_text(&p);
        return -1;
    }
    doc->type = top.type;
    next = skip_ws(next, p.end);
    if (next == p.end)
        return 0;
    struct buf b = BUF_INIT;
    buf_puts(&b, "unexpected tail: ");
    quote_start_end(&b, next, (size_t)(p.end - next));
    *err = buf_failed(&b) ? NULL : arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return -1;
}

/* Four hex digits (strconv.ParseUint(s, 16, 16)). */
static bool hex4(const char *s, uint32_t *out)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        x = x * 16 + (uint32_t)d;
    }
    *out = x;
    return true;
}

static void put_rune(struct buf *b, uint32_t cp)
{
    char u[4];
    buf_append(b, u, utf8_encode(u, cp));
}

/* One \u escape (s just past "\u"): fastjson keeps what it cannot decode
 * as text.  Returns how many bytes of s were used. */
static size_t unescape_u(struct buf *b, const char *s, size_t avail)
{
    uint32_t x, x1;
    if (avail < 4 || !hex4(s, &x)) {
        buf_puts(b, "\\u");
        return 0;
    }
    if (x < 0xD800 || x >= 0xE000) {
        put_rune(b, x);
        return 4;
    }
    if (avail < 10 || s[4] != '\\' || s[5] != 'u' || !hex4(s + 6, &x1)) {
        buf_puts(b, "\\u");
        buf_append(b, s, 4);
        return 4;
    }
    /* utf16.DecodeRune: a high then a low half, else U+FFFD */
    if (x < 0xDC00 && x1 >= 0xDC00 && x1 < 0xE000)
        put_rune(b, 0x10000 + ((x - 0xD800) << 10) + (x1 - 0xDC00));
    else
        put_rune(b, 0xFFFD);
    return 10;
}

static const char escape_from[] = "\"\\/bfnrt", escape_to[] = "\"\\/\b\f\n\r\t";

/* unescapeStringBestEffort: known escapes are undone, others kept. */
static const char *unescape(struct arena *a, const char *s, size_t n, size_t *out_len)
{
    const char *bs = memchr(s, '\\', n), *e = s + n;
    if (!bs) {
        *out_len = n;
        return s;
    }
    struct buf b = BUF_INIT;
    buf_append(&b, s, (size_t)(bs - s));
    const char *p = bs + 1;
    while (p < e) {
        char ch = *p++;
        const char *known = ch ? strchr(escape_from, ch) : NULL;
        if (known)
            buf_putc(&b, escape_to[known - escape_from]);
        else if (ch == 'u')
            p += unescape_u(&b, p, (size_t)(e - p));
        else {
            buf_putc(&b, '\\');
            buf_putc(&b, ch);
        }
        const char *next_bs = memchr(p, '\\', (size_t)(e - p));
        if (!next_bs) {
            buf_append(&b, p, (size_t)(e - p));
            break;
        }
        buf_append(&b, p, (size_t)(next_bs - p));
        p = next_bs + 1;
    }
    const char *text = buf_failed(&b) ? NULL : arena_memdup(a, b.data ? b.data : "", b.len + 1);
    *out_len = b.len;
    buf_free(&b);
    return text;
}

static const struct fj_member *find_member(const struct fj_doc *doc, const char *key)
{
    size_t n = strlen(key);
    for (const struct fj_member *m = doc->members; m; m = m->next)
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return m;
    return NULL;
}

const struct fj_member *fj_get(struct arena *a, struct fj_doc *doc, const char *key, bool *oom)
{
    *oom = false;
    if (doc->type != FJ_OBJECT)
        return NULL; /* an array's Get needs a number; key is a name */
    const struct fj_member *m = doc->keys_unescaped ? NULL : find_member(doc, key);
    if (m)
        return m;
    if (!doc->keys_unescaped) {
        for (struct fj_member *k = doc->members; k; k = k->next) {
            size_t len;
            const char *text = unescape(a, k->key, k->key_len, &len);
            if (!text) {
                *oom = true;
                return NULL;
            }
            k->key = text;
            k->key_len = len;
        }
        doc->keys_unescaped = true;
    }
    return find_member(doc, key);
}

const char *fj_type_name(enum fj_type t)
{
    static const char *const names[] = {"null",   "true",  "false", "number",
                                        "string", "array", "object"};
    return names[t];
}

const char *fj_string(struct arena *a, const struct fj_member *m, size_t *len, const char **err)
{
    *err = NULL;
    if (m->type != FJ_STRING) {
        *err =
            arena_sprintf(a, "value doesn't contain string; it contains %s", fj_type_name(m->type));
        return NULL;
    }
    return unescape(a, m->raw, m->raw_len, len);
}
