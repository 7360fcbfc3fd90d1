/* lexer.c - scans Rego source into tokens (see lexer.h).
 *
 * Handles comments (# to end of line, kept in a list for METADATA
 * annotations and rego.parse_module), strings with JSON escapes (\uXXXX
 * with surrogate pairs), raw strings in backticks, numbers in JSON syntax and
 * the operator set of OPA's scanner.  Columns count characters (runes), as
 * OPA's locations do. */
#include "base/utf8.h"
#include "rego/lexer.h"

#include <string.h>

struct lexer {
    struct arena *a;
    const char *s;
    size_t len, pos;
    int row, col;
    struct rtoken *toks;
    size_t n, cap;
    struct rlex_comment *comments;
    size_t ncomments, ccap;
    struct rlex_result *res;
    int unit_row, unit_col; /* start of the token, comment or blank being scanned */
    size_t bad_off;         /* first NUL, invalid UTF-8 or inner byte-order mark */
    const char *bad_msg;    /* its error once the scanner has stepped onto it */
    int bad_row, bad_col;
};

static int lex_fail(struct lexer *lx, int row, int col, const char *msg)
{
    if (lx->bad_msg) { /* OPA's scanner reported that one first */
        row = lx->bad_row;
        col = lx->bad_col;
        msg = lx->bad_msg;
    }
    lx->res->err_row = row;
    lx->res->err_col = col;
    lx->res->err_msg = msg;
    return -1;
}

static void advance(struct lexer *lx)
{
    unsigned char c = (unsigned char)lx->s[lx->pos++];
    if (c == '\n') {
        lx->row++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++;
    }
    if (lx->pos == lx->bad_off && !lx->bad_msg) {
        unsigned char b = (unsigned char)lx->s[lx->pos];
        lx->bad_msg = b == 0 ? "illegal null character"
                    : b == 0xEF ? "illegal byte-order mark" : "illegal utf-8 character";
        lx->bad_row = lx->unit_row;
        lx->bad_col = lx->unit_col;
    }
}

/* Offset of the first character OPA's scanner refuses (NUL, a byte that
 * starts no valid UTF-8 sequence, a byte-order mark after the start), or
 * len. */
static size_t first_bad_char(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] == 0)
            return i;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_sequence_length(u + i, len - i);
        if (n == 0 || (i > 0 && n == 3 && u[i] == 0xEF && u[i + 1] == 0xBB && u[i + 2] == 0xBF))
            return i;
        i += n;
    }
    return len;
}

static int push(struct lexer *lx, struct rtoken *t)
{
    if (lx->n == lx->cap) {
        size_t nc = lx->cap ? lx->cap * 2 : 256;
        struct rtoken *nt = arena_alloc(lx->a, nc * sizeof(*nt));
        if (!nt)
            return lex_fail(lx, t->row, t->col, "out of memory");
        if (lx->n)
            memcpy(nt, lx->toks, lx->n * sizeof(*nt));
        lx->toks = nt;
        lx->cap = nc;
    }
    lx->toks[lx->n++] = *t;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_hex4(const char *s, size_t len, size_t i, unsigned *out)
{
    if (i + 4 > len)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval((unsigned char)s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *d, unsigned cp)
{
    return utf8_encode(d, (uint32_t)cp);
}

/* OPA decodes a string literal with escapes as JSON: a control character
 * or a \u without four hex digits makes it "illegal string literal: <text>"
 * (text with its quotes). */
static int bad_literal(struct lexer *lx, const struct rtoken *t, const char *s, size_t len)
{
    char *msg = arena_sprintf(lx->a, "illegal string literal: \"%.*s\"", (int)len, s);
    return lex_fail(lx, t->row, t->col, msg ? msg : "illegal string literal");
}

/* Decodes the string literal body s[0..len) (no quotes) into an arena copy. */
static int decode_string(struct lexer *lx, const char *s, size_t len, struct rtoken *t)
{
    char *d = arena_alloc(lx->a, len + 1);
    if (!d)
        return lex_fail(lx, t->row, t->col, "out of memory");
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((unsigned char)c < 0x20)
            return bad_literal(lx, t, s, len);
        if (c != '\\') {
            d[o++] = c;
            continue;
        }
        char e = s[++i];
        switch (e) {
        case '"': d[o++] = '"'; break;
        case '\\': d[o++] = '\\'; break;
        case '/': d[o++] = '/'; break;
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (read_hex4(s, len, i + 1, &cp) < 0)
                return bad_literal(lx, t, s, len);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < len + 1 && s[i + 1] == '\\' &&
                s[i + 2] == 'u') {
                unsigned lo;
                if (read_hex4(s, len, i + 3, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;
            o += put_utf8(d + o, cp);
            break;
        }
        default:
            return lex_fail(lx, t->row, t->col, "illegal escape sequence");
        }
    }
    d[o] = '\0';
    t->str = d;
    t->slen = o;
    return 0;
}

/* As OPA's scanner: a string ends at '"'; a newline or the end of the text
 * first is "non-terminated string"; \u takes the next four characters
 * whatever they are (decode_string checks them). */
static int scan_string(struct lexer *lx, struct rtoken *t)
{
    advance(lx); /* opening quote */
    size_t start = lx->pos;
    bool escapes = false, bad_escape = false;
    for (;;) {
        if (lx->pos >= lx->len || lx->s[lx->pos] == '\n')
            return lex_fail(lx, t->row, t->col, "non-terminated string");
        char c = lx->s[lx->pos];
        if (c == '"')
            break;
        advance(lx);
        if (c != '\\')
            continue;
        escapes = true;
        char e = lx->pos < lx->len ? lx->s[lx->pos] : '\0';
        if (e && strchr("\\\"/bfnrt", e)) {
            advance(lx);
        } else if (e == 'u') {
            for (int k = 0; k < 4 && lx->pos < lx->len; k++)
                advance(lx);
        } else {
            bad_escape = true;
        }
    }
    size_t end = lx->pos;
    advance(lx); /* closing quote */
    if (bad_escape)
        return lex_fail(lx, t->row, t->col, "illegal escape sequence");
    t->t = RT_STRING;
    if (!escapes) {
        t->str = arena_strndup(lx->a, lx->s + start, end - start);
        t->slen = end - start;
        return t->str ? 0 : lex_fail(lx, t->row, t->col, "out of memory");
    }
    return decode_string(lx, lx->s + start, end - start, t);
}

static int scan_raw(struct lexer *lx, struct rtoken *t)
{
    advance(lx);
    size_t start = lx->pos;
    while (lx->pos < lx->len && lx->s[lx->pos] != '`')
        advance(lx);
    if (lx->pos >= lx->len)
        return lex_fail(lx, t->row, t->col, "non-terminated string");
    t->t = RT_RAWSTRING;
    t->str = arena_strndup(lx->a, lx->s + start, lx->pos - start);
    t->slen = lx->pos - start;
    advance(lx);
    return t->str ? 0 : lex_fail(lx, t->row, t->col, "out of memory");
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* OPA's scanNumber: digits, then '.' and digits ("expected fraction"),
 * then e/E, an optional sign and digits ("expected exponent"); a letter
 * right after is "illegal number format".  Leading zeros and the size are
 * checked by the parser. */
static int scan_number(struct lexer *lx, struct rtoken *t)
{
    const char *s = lx->s;
    size_t p = lx->pos;
    const char *err = NULL;
    while (p < lx->len && is_digit(s[p]))
        p++;
    if (p < lx->len && s[p] == '.') {
        size_t q = ++p;
        while (p < lx->len && is_digit(s[p]))
            p++;
        if (p == q)
            err = "expected fraction";
    }
    if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < lx->len && (s[p] == '+' || s[p] == '-'))
            p++;
        size_t q = p;
        while (p < lx->len && is_digit(s[p]))
            p++;
        if (p == q && !err)
            err = "expected exponent";
    }
    if (p < lx->len && is_ident_start(s[p]) && !err)
        err = "illegal number format";
    t->t = RT_NUMBER;
    t->str = s + lx->pos;
    t->slen = p - lx->pos;
    while (lx->pos < p)
        advance(lx);
    return err ? lex_fail(lx, t->row, t->col, err) : 0;
}

static enum rtok punct(struct lexer *lx, size_t *width)
{
    const char *s = lx->s + lx->pos;
    char c = s[0], d = lx->pos + 1 < lx->len ? s[1] : '\0';
    *width = 1;
    switch (c) {
    case '{': return RT_LBRACE;
    case '}': return RT_RBRACE;
    case '[': return RT_LBRACK;
    case ']': return RT_RBRACK;
    case '(': return RT_LPAREN;
    case ')': return RT_RPAREN;
    case '.': return RT_DOT;
    case ',': return RT_COMMA;
    case ';': return RT_SEMI;
    case '+': return RT_PLUS;
    case '-': return RT_MINUS;
    case '*': return RT_STAR;
    case '/': return RT_SLASH;
    case '%': return RT_PERCENT;
    case '&': return RT_AMP;
    case '|': return RT_BAR;
    case ':':
        if (d == '=') { *width = 2; return RT_ASSIGN; }
        return RT_COLON;
    case '=':
        if (d == '=') { *width = 2; return RT_EQ; }
        return RT_UNIFY;
    case '!':
        if (d == '=') { *width = 2; return RT_NEQ; }
        return RT_EOF;
    case '<':
        if (d == '=') { *width = 2; return RT_LTE; }
        return RT_LT;
    case '>':
        if (d == '=') { *width = 2; return RT_GTE; }
        return RT_GT;
    default: return RT_EOF;
    }
}

/* Records the comment starting at the '#' under the cursor and skips it. */
static int push_comment(struct lexer *lx)
{
    struct rlex_comment c = {.row = lx->row, .col = lx->col};
    size_t start = lx->pos + 1;
    while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
        advance(lx);
    size_t end = lx->pos;
    if (end > start && lx->s[end - 1] == '\r')
        end--;
    c.text = lx->s + start;
    c.len = end - start;
    if (lx->ncomments == lx->ccap) {
        size_t nc = lx->ccap ? lx->ccap * 2 : 16;
        struct rlex_comment *na = arena_alloc(lx->a, nc * sizeof(*na));
        if (!na)
            return lex_fail(lx, c.row, c.col, "out of memory");
        if (lx->ncomments)
            memcpy(na, lx->comments, lx->ncomments * sizeof(*na));
        lx->comments = na;
        lx->ccap = nc;
    }
    lx->comments[lx->ncomments++] = c;
    return 0;
}

/* Skips blanks and comments (recording the comments); reports whether a
 * newline was crossed. */
static int skip_space(struct lexer *lx, bool *nl, bool *ws)
{
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        lx->unit_row = lx->row; /* OPA scans each blank as a token of its own */
        lx->unit_col = lx->col;
        if (c == '\n') {
            *nl = true;
            *ws = true;
            advance(lx);
        } else if (c == ' ' || c == '\t' || c == '\r') {
            *ws = true;
            advance(lx);
        } else if (c == '#') {
            *ws = true;
            if (push_comment(lx) < 0)
                return -1;
        } else {
            break;
        }
    }
    return 0;
}

/* Skips a template string starting at s[i] ('$'); returns the index after
 * it or 0 when it does not end.  Expressions inside braces may hold
 * strings, raw strings and nested templates. */
static size_t skip_template(const char *s, size_t len, size_t i, int depth);

static size_t skip_expr(const char *s, size_t len, size_t i, int depth)
{
    int braces = 1;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            i++;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            if (i >= len)
                return 0;
            i++;
        } else if (c == '`') {
            i++;
            while (i < len && s[i] != '`')
                i++;
            if (i >= len)
                return 0;
            i++;
        } else if (c == '$' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '`')) {
            i = skip_template(s, len, i, depth + 1);
            if (!i)
                return 0;
        } else if (c == '{') {
            braces++;
            i++;
        } else if (c == '}') {
            if (--braces == 0)
                return i + 1;
            i++;
        } else {
            i++;
        }
    }
    return 0;
}

static size_t skip_template(const char *s, size_t len, size_t i, int depth)
{
    if (depth > 32)
        return 0;
    char close = s[i + 1];
    i += 2;
    while (i < len) {
        char c = s[i];
        if (c == close)
            return i + 1;
        if (c == '\\' && i + 1 < len) {
            i += 2;
        } else if (c == '\n' && close == '"') {
            return 0;
        } else if (c == '{') {
            i = skip_expr(s, len, i + 1, depth);
            if (!i)
                return 0;
        } else {
            i++;
        }
    }
    return 0;
}

size_t rlex_skip_template_expr(const char *s, size_t len, size_t i)
{
    return skip_expr(s, len, i, 0);
}

static int scan_one(struct lexer *lx, struct rtoken *t)
{
    char c = lx->s[lx->pos];
    if (c == '$' && lx->pos + 1 < lx->len &&
        (lx->s[lx->pos + 1] == '"' || lx->s[lx->pos + 1] == '`')) {
        size_t end = skip_template(lx->s, lx->len, lx->pos, 0);
        if (!end)
            return lex_fail(lx, t->row, t->col, "non-terminated template string");
        t->t = RT_TEMPLATE;
        t->str = lx->s + lx->pos;
        t->slen = end - lx->pos;
        while (lx->pos < end)
            advance(lx);
        return 0;
    }
    if (c == '"')
        return scan_string(lx, t);
    if (c == '`')
        return scan_raw(lx, t);
    if (is_digit(c))
        return scan_number(lx, t);
    if (is_ident_start(c)) {
        size_t p = lx->pos;
        while (p < lx->len && (is_ident_start(lx->s[p]) || is_digit(lx->s[p])))
            p++;
        t->t = RT_IDENT;
        t->str = lx->s + lx->pos;
        t->slen = p - lx->pos;
        while (lx->pos < p)
            advance(lx);
        return 0;
    }
    size_t w;
    enum rtok pt = punct(lx, &w);
    if (pt == RT_EOF)
        return lex_fail(lx, t->row, t->col, c == '!' ? "illegal ! character"
                                          : c == '$' ? "illegal $ character" : "illegal token");
    t->t = pt;
    t->str = lx->s + lx->pos;
    t->slen = w;
    for (size_t i = 0; i < w; i++)
        advance(lx);
    return 0;
}

/* After an error: the tokens before the one that failed, then an end
 * token in its place, so that the parser reports the error only when it
 * gets there, as OPA's parser meets scanner errors (an earlier syntax
 * error wins). */
static int fail_at_token(struct lexer *lx, const struct rtoken *at)
{
    struct rtoken end = {.t = RT_EOF, .row = at->row, .col = at->col, .off = at->off};
    const char *msg = lx->res->err_msg;
    int row = lx->res->err_row, col = lx->res->err_col;
    push(lx, &end);
    lx->res->err_msg = msg ? msg : "out of memory";
    lx->res->err_row = row;
    lx->res->err_col = col;
    lx->res->toks = lx->toks;
    lx->res->n = lx->n;
    lx->res->comments = lx->comments;
    lx->res->ncomments = lx->ncomments;
    return -1;
}

int rlex_scan(struct arena *a, const char *text, size_t len, struct rlex_result *out)
{
    struct lexer lx = {.a = a, .s = text, .len = len, .row = 1, .col = 1, .res = out,
                       .unit_row = 1, .unit_col = 1};
    memset(out, 0, sizeof(*out));
    lx.bad_off = first_bad_char(text, len);
    if (lx.bad_off == len)
        lx.bad_off = SIZE_MAX;
    if (lx.bad_off == 0) {
        struct rtoken first = {.row = 1, .col = 1};
        lex_fail(&lx, 1, 1, text[0] == 0 ? "illegal null character" : "illegal utf-8 character");
        return fail_at_token(&lx, &first);
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        /* a leading byte-order mark is skipped, but OPA counts it as a column */
        lx.pos = 3;
        lx.col = 2;
    }
    for (;;) {
        bool nl = false, ws = false;
        int rc = skip_space(&lx, &nl, &ws);
        lx.unit_row = lx.row;
        lx.unit_col = lx.col;
        struct rtoken t = {.nl_before = nl, .ws_before = ws, .row = lx.row, .col = lx.col,
                           .off = lx.pos};
        if (rc < 0)
            return fail_at_token(&lx, &t);
        if (lx.bad_msg) {
            lex_fail(&lx, 0, 0, NULL);
            return fail_at_token(&lx, &t);
        }
        bool eof = lx.pos >= lx.len;
        if (eof)
            t.col--; /* OPA's end of text sits on the last character (column 0 after a newline) */
        if (!eof && scan_one(&lx, &t) < 0)
            return fail_at_token(&lx, &t);
        if (lx.bad_msg) {
            lex_fail(&lx, 0, 0, NULL);
            return fail_at_token(&lx, &t);
        }
        t.len = lx.pos - t.off;
        if (push(&lx, &t) < 0)
            return -1;
        if (eof)
            break;
    }
    out->toks = lx.toks;
    out->n = lx.n;
    out->comments = lx.comments;
    out->ncomments = lx.ncomments;
    return 0;
}

const char *rlex_tok_name(enum rtok t)
{
    /* OPA's token names (operators by their built-in names) */
    static const char *const names[] = {
        "eof", "identifier", "string", "string", "number", "{", "}", "[", "]", "(", ")",
        ".", ",", ";", ":", "assign", "eq", "equal", "neq", "lt", "lte", "gt", "gte", "plus",
        "minus", "mul", "div", "rem", "and", "or", "template string",
    };
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
