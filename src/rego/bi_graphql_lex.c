/* bi_graphql_lex.c - GraphQL tokens as gqlparser's lexer produces them
 * (see bi_graphql_lex.h), plus the arena helpers every bi_graphql*.c file
 * uses. */
#include "rego/bi_graphql_lex.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "rego/bi_util.h"

/* ---- memory ---- */

void *gql_alloc(struct gql_mem *m, size_t n)
{
    void *p = arena_zalloc(m->arena, n ? n : 1);
    if (!p)
        longjmp(m->oom, 1);
    return p;
}

char *gql_strndup(struct gql_mem *m, const char *s, size_t n)
{
    char *p = arena_strndup(m->arena, s, n);
    if (!p)
        longjmp(m->oom, 1);
    return p;
}

void gql_push(struct gql_mem *m, struct gql_vec *vec, void *item)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 4;
        void **nv = gql_alloc(m, cap * sizeof(*nv));
        if (vec->n)
            memcpy(nv, vec->v, vec->n * sizeof(*nv));
        vec->v = nv;
        vec->cap = cap;
    }
    vec->v[vec->n++] = item;
}

/* ---- token names ---- */

static const char *const KIND_TEXT[] = {
    "<Invalid>", "<EOF>", "!", "$", "&", "(", ")", "...", ":", "=", "@", "[", "]", "{", "}", "|",
    "Name", "Int", "Float", "String", "BlockString", "Comment",
};

const char *gql_tok_kind_text(int kind)
{
    if (kind < 0 || (size_t)kind >= sizeof(KIND_TEXT) / sizeof(KIND_TEXT[0]))
        return "Unknown";
    return KIND_TEXT[kind];
}

void gql_tok_text(struct buf *b, const struct gql_token *t)
{
    buf_puts(b, gql_tok_kind_text(t->kind));
    if (t->len) {
        buf_putc(b, ' ');
        bi_go_quote(b, t->val, t->len);
    }
}

/* ---- lexer ---- */

void gql_lex_init(struct gql_lexer *lx, struct gql_mem *m, const char *text, size_t len)
{
    memset(lx, 0, sizeof(*lx));
    lx->m = m;
    lx->in = text;
    lx->n = len;
    lx->line = 1;
}

static struct gql_token make_value(struct gql_lexer *lx, int kind, const char *val, size_t len)
{
    struct gql_token t = {.kind = kind, .val = val, .len = len};
    t.pos.line = lx->line;
    t.pos.col = (int)(lx->start_runes - lx->line_start_runes + 1);
    return t;
}

static struct gql_token make_tok(struct gql_lexer *lx, int kind)
{
    return make_value(lx, kind, lx->in + lx->start, lx->end - lx->start);
}

static struct gql_token make_error(struct gql_lexer *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct gql_token make_error(struct gql_lexer *lx, const char *fmt, ...)
{
    struct gql_token t = {.kind = GQL_T_INVALID, .val = "", .len = 0};
    t.pos.line = lx->line;
    t.pos.col = (int)(lx->end_runes - lx->line_start_runes + 1);
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    t.err = gql_strndup(lx->m, msg, strlen(msg));
    return t;
}

static void advance(struct gql_lexer *lx, size_t bytes, long runes)
{
    lx->end += bytes;
    lx->end_runes += runes;
}

static void retreat(struct gql_lexer *lx, size_t bytes)
{
    lx->end -= bytes;
    lx->end_runes -= (long)bytes;
}

static void newline(struct gql_lexer *lx)
{
    lx->line++;
    lx->line_start_runes = lx->end_runes;
}

static void skip_ws(struct gql_lexer *lx)
{
    while (lx->end < lx->n) {
        unsigned char c = (unsigned char)lx->in[lx->end];
        if (c == '\t' || c == ' ' || c == ',') {
            advance(lx, 1, 1);
        } else if (c == '\n') {
            advance(lx, 1, 1);
            newline(lx);
        } else if (c == '\r') {
            advance(lx, 1, 1);
            newline(lx);
            if (lx->end < lx->n && lx->in[lx->end] == '\n')
                advance(lx, 1, 1);
        } else if (c == 0xef && lx->end + 2 < lx->n && (unsigned char)lx->in[lx->end + 1] == 0xbb &&
                   (unsigned char)lx->in[lx->end + 2] == 0xbf) {
            advance(lx, 3, 1);
        } else {
            return;
        }
    }
}

static uint32_t peek_rune(struct gql_lexer *lx, size_t *w)
{
    uint32_t cp = 0;
    *w = bi_utf8_decode(lx->in + lx->end, lx->n - lx->end, &cp);
    return cp;
}

static struct gql_token read_comment(struct gql_lexer *lx)
{
    while (lx->end < lx->n) {
        size_t w;
        uint32_t r = peek_rune(lx, &w);
        if (r > 0x1f || r == '\t')
            advance(lx, w, 1);
        else
            break;
    }
    return make_tok(lx, GQL_T_COMMENT);
}

static bool accept_byte(struct gql_lexer *lx, const char *set)
{
    if (lx->end >= lx->n || !lx->in[lx->end] || !strchr(set, lx->in[lx->end]))
        return false;
    advance(lx, 1, 1);
    return true;
}

static int accept_digits(struct gql_lexer *lx)
{
    int k = 0;
    while (lx->end < lx->n && lx->in[lx->end] >= '0' && lx->in[lx->end] <= '9') {
        advance(lx, 1, 1);
        k++;
    }
    return k;
}

/* Go's describeNext: the next byte quoted, or <EOF>. */
static void describe_next(struct gql_lexer *lx, char *out, size_t outlen)
{
    if (lx->end < lx->n) {
        char enc[4]; /* Go's string(byte): the rune of that byte value */
        size_t w = bi_utf8_encode((unsigned char)lx->in[lx->end], enc);
        snprintf(out, outlen, "\"%.*s\"", (int)w, enc);
    } else {
        snprintf(out, outlen, "<EOF>");
    }
}

static struct gql_token read_number(struct gql_lexer *lx)
{
    bool is_float = false;
    char next[16];
    retreat(lx, 1); /* back to the first character */
    accept_byte(lx, "-");
    if (accept_byte(lx, "0")) {
        int k = accept_digits(lx);
        if (k) {
            retreat(lx, (size_t)k);
            describe_next(lx, next, sizeof(next));
            return make_error(lx, "Invalid number, unexpected digit after 0: %s.", next);
        }
    } else if (!accept_digits(lx)) {
        describe_next(lx, next, sizeof(next));
        return make_error(lx, "Invalid number, expected digit but got: %s.", next);
    }
    if (accept_byte(lx, ".")) {
        is_float = true;
        if (!accept_digits(lx)) {
            describe_next(lx, next, sizeof(next));
            return make_error(lx, "Invalid number, expected digit but got: %s.", next);
        }
    }
    if (accept_byte(lx, "eE")) {
        is_float = true;
        accept_byte(lx, "-+");
        if (!accept_digits(lx)) {
            describe_next(lx, next, sizeof(next));
            return make_error(lx, "Invalid number, expected digit but got: %s.", next);
        }
    }
    return make_tok(lx, is_float ? GQL_T_FLOAT : GQL_T_INT);
}

static int unhex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Go's bytes.Buffer.WriteRune: surrogates and invalid runes become U+FFFD. */
static void put_rune(struct buf *b, uint32_t cp)
{
    char enc[4];
    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
    buf_append(b, enc, bi_utf8_encode(cp, enc));
}

static struct gql_token finish_string(struct gql_lexer *lx, struct buf *b, bool escaped)
{
    struct gql_token t = make_tok(lx, GQL_T_STRING);
    if (escaped) {
        const char *s = buf_cstr(b);
        if (!s) {
            buf_free(b);
            longjmp(lx->m->oom, 1);
        }
        t.val = gql_strndup(lx->m, s, b->len);
        t.len = b->len;
    }
    buf_free(b);
    advance(lx, 1, 1);
    return t;
}

static struct gql_token string_error(struct gql_lexer *lx, struct buf *b, struct gql_token t)
{
    buf_free(b);
    return t;
}

/* One escape at in[end] == '\\'; 0, or -1 with *t set to the error. */
static int read_escape(struct gql_lexer *lx, struct buf *b, struct gql_token *t)
{
    if (lx->end + 1 >= lx->n) {
        advance(lx, 1, 1);
        *t = make_error(lx, "Invalid character escape sequence.");
        return -1;
    }
    char e = lx->in[lx->end + 1];
    if (e == 'u') {
        uint32_t cp;
        if (lx->end + 6 >= lx->n) {
            advance(lx, 1, 1);
            *t = make_error(lx, "Invalid character escape sequence: \\%.*s.",
                            (int)(lx->n - lx->end), lx->in + lx->end);
            return -1;
        }
        if (unhex4(lx->in + lx->end + 2, &cp) < 0) {
            advance(lx, 1, 1);
            *t = make_error(lx, "Invalid character escape sequence: \\%.*s.", 5, lx->in + lx->end);
            return -1;
        }
        put_rune(b, cp);
        advance(lx, 6, 6);
        return 0;
    }
    static const char from[] = "\"/\\bfnrt", to[] = "\"/\\\b\f\n\r\t";
    const char *k = e ? strchr(from, e) : NULL;
    if (!k) {
        advance(lx, 1, 1);
        char enc[4];
        size_t w = bi_utf8_encode((unsigned char)e, enc);
        *t = make_error(lx, "Invalid character escape sequence: \\%.*s.", (int)w, enc);
        return -1;
    }
    buf_putc(b, to[k - from]);
    advance(lx, 2, 2);
    return 0;
}

static struct gql_token read_string(struct gql_lexer *lx)
{
    struct buf b = BUF_INIT;
    bool escaped = false;
    lx->start++;
    lx->start_runes++;
    while (lx->end < lx->n) {
        unsigned char c = (unsigned char)lx->in[lx->end];
        if (c == '\n' || c == '\r')
            break;
        if (c < 0x20 && c != '\t')
            return string_error(lx, &b,
                                make_error(lx, "Invalid character within String: \"\\u%04x\".", c));
        if (c == '"')
            return finish_string(lx, &b, escaped);
        if (c == '\\') {
            if (!escaped) {
                buf_append(&b, lx->in + lx->start, lx->end - lx->start);
                escaped = true;
            }
            struct gql_token t;
            if (read_escape(lx, &b, &t) < 0)
                return string_error(lx, &b, t);
            continue;
        }
        uint32_t cp = c;
        size_t w = 1;
        if (c >= 127)
            cp = peek_rune(lx, &w);
        advance(lx, w, 1);
        if (escaped)
            put_rune(&b, cp);
    }
    return string_error(lx, &b, make_error(lx, "Unterminated string."));
}

/* gqlparser's blockStringValue: drop the common indentation of the lines
 * after the first, then leading and trailing blank lines. */
static size_t leading_ws(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return i;
    return SIZE_MAX;
}

static void block_string_value(struct gql_mem *m, const char *raw, size_t n, const char **out,
                               size_t *outlen)
{
    size_t nlines = 1;
    for (size_t i = 0; i < n; i++)
        nlines += raw[i] == '\n';
    const char **ls = gql_alloc(m, nlines * sizeof(*ls));
    size_t *ll = gql_alloc(m, nlines * sizeof(*ll));
    size_t k = 0, st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || raw[i] == '\n') {
            ls[k] = raw + st;
            ll[k++] = i - st;
            st = i + 1;
        }
    }
    size_t common = SIZE_MAX;
    for (size_t i = 0; i < nlines; i++) {
        size_t ind = leading_ws(ls[i], ll[i]);
        if (ind < ll[i] && ind < common) {
            common = ind;
            if (!common)
                break;
        }
    }
    if (common != SIZE_MAX)
        for (size_t i = 1; i < nlines; i++) {
            if (ll[i] < common) {
                ll[i] = 0;
            } else {
                ls[i] += common;
                ll[i] -= common;
            }
        }
    size_t a = 0, z = nlines;
    while (a < z && leading_ws(ls[a], ll[a]) == SIZE_MAX)
        a++;
    while (a < z && leading_ws(ls[z - 1], ll[z - 1]) == SIZE_MAX)
        z--;
    size_t total = 0;
    for (size_t i = a; i < z; i++)
        total += ll[i] + 1;
    char *o = gql_alloc(m, total + 1);
    size_t p = 0;
    for (size_t i = a; i < z; i++) {
        if (i > a)
            o[p++] = '\n';
        memcpy(o + p, ls[i], ll[i]);
        p += ll[i];
    }
    *out = o;
    *outlen = p;
}

static struct gql_token read_block_string(struct gql_lexer *lx)
{
    struct buf b = BUF_INIT;
    lx->start += 3;
    lx->start_runes += 3;
    advance(lx, 2, 2);
    while (lx->end < lx->n) {
        unsigned char c = (unsigned char)lx->in[lx->end];
        if (c == '"') {
            size_t q = 1;
            while (lx->end + q < lx->n && lx->in[lx->end + q] == '"')
                q++;
            if (q >= 3) {
                for (size_t i = 0; i < q - 3; i++)
                    buf_putc(&b, '"');
                if (buf_failed(&b)) {
                    buf_free(&b);
                    longjmp(lx->m->oom, 1);
                }
                struct gql_token t = make_value(lx, GQL_T_BLOCK_STRING, "", 0);
                block_string_value(lx->m, b.data ? b.data : "", b.len, &t.val, &t.len);
                buf_free(&b);
                advance(lx, q, (long)q);
                return t;
            }
        }
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return string_error(lx, &b,
                                make_error(lx, "Invalid character within String: \"\\u%04x\".", c));
        if (c == '\\' && lx->end + 4 <= lx->n && !memcmp(lx->in + lx->end, "\\\"\"\"", 4)) {
            buf_puts(&b, "\"\"\"");
            advance(lx, 4, 4);
        } else if (c == '\r') {
            if (lx->end + 1 < lx->n && lx->in[lx->end + 1] == '\n')
                advance(lx, 1, 1);
            buf_putc(&b, '\n');
            advance(lx, 1, 1);
            newline(lx);
        } else {
            uint32_t cp = c;
            size_t w = 1;
            if (c >= 127)
                cp = peek_rune(lx, &w);
            advance(lx, w, 1);
            put_rune(&b, cp);
            if (c == '\n')
                newline(lx);
        }
    }
    return string_error(lx, &b, make_error(lx, "Unterminated string."));
}

static bool is_name_start(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static struct gql_token read_name(struct gql_lexer *lx)
{
    while (lx->end < lx->n) {
        unsigned char c = (unsigned char)lx->in[lx->end];
        if (is_name_start(c) || (c >= '0' && c <= '9'))
            advance(lx, 1, 1);
        else
            break;
    }
    return make_tok(lx, GQL_T_NAME);
}

static int punct_kind(char c)
{
    switch (c) {
    case '!': return GQL_T_BANG;
    case '$': return GQL_T_DOLLAR;
    case '&': return GQL_T_AMP;
    case '(': return GQL_T_PAREN_L;
    case ')': return GQL_T_PAREN_R;
    case ':': return GQL_T_COLON;
    case '=': return GQL_T_EQUALS;
    case '@': return GQL_T_AT;
    case '[': return GQL_T_BRACKET_L;
    case ']': return GQL_T_BRACKET_R;
    case '{': return GQL_T_BRACE_L;
    case '}': return GQL_T_BRACE_R;
    case '|': return GQL_T_PIPE;
    default: return -1;
    }
}

struct gql_token gql_lex_next(struct gql_lexer *lx)
{
    skip_ws(lx);
    lx->start = lx->end;
    lx->start_runes = lx->end_runes;
    if (lx->end >= lx->n)
        return make_value(lx, GQL_T_EOF, "", 0);
    unsigned char c = (unsigned char)lx->in[lx->start];
    advance(lx, 1, 1);
    int pk = punct_kind((char)c);
    if (pk >= 0)
        return make_value(lx, pk, "", 0);
    if (c == '.' && lx->n > lx->start + 2 && !memcmp(lx->in + lx->start, "...", 3)) {
        advance(lx, 2, 2);
        return make_value(lx, GQL_T_SPREAD, "", 0);
    }
    if (c == '#')
        return read_comment(lx);
    if (is_name_start(c))
        return read_name(lx);
    if (c == '-' || (c >= '0' && c <= '9'))
        return read_number(lx);
    if (c == '"') {
        if (lx->n > lx->start + 2 && !memcmp(lx->in + lx->start, "\"\"\"", 3))
            return read_block_string(lx);
        return read_string(lx);
    }
    retreat(lx, 1);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        return make_error(lx, "Cannot contain the invalid character \"\\u%04x\"", c);
    if (c == '\'')
        return make_error(lx, "Unexpected single quote character ('), did you mean to use a "
                              "double quote (\")?");
    char enc[4];
    size_t w = bi_utf8_encode(c, enc);
    return make_error(lx, "Cannot parse the unexpected character \"%.*s\".", (int)w, enc);
}
