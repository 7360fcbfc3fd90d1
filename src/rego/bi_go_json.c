/* bi_go_json.c - Go's encoding/json as the built-ins that still wrap it
 * see JSON text: the syntax check that json.Valid and json.Unmarshal run
 * first (scanner.go: same states, same error texts, max depth 10000), and a
 * walk over the items of an already checked object or array in text order,
 * duplicates kept, each with its raw text (what a json.Unmarshaler gets).
 *
 * The error texts are Go's SyntaxError messages: "unexpected end of JSON
 * input", or "invalid character <c> <context>" where <c> is the offending
 * byte quoted as Go's quoteChar does (the byte taken as the rune U+00XX). */
#include "rego/bi_util.h"

#include <stdio.h>
#include <string.h>

#define GO_JSON_MAX_DEPTH 10000

enum scan_state {
    SC_BEGIN_VALUE_OR_EMPTY,
    SC_BEGIN_VALUE,
    SC_BEGIN_STRING_OR_EMPTY,
    SC_BEGIN_STRING,
    SC_END_VALUE,
    SC_END_TOP,
    SC_IN_STRING,
    SC_IN_STRING_ESC,
    SC_IN_STRING_ESC_U, /* hex_left hex digits still expected */
    SC_NEG,
    SC_1,
    SC_0,
    SC_DOT,
    SC_DOT0,
    SC_E,
    SC_E_SIGN,
    SC_E0,
    SC_LITERAL, /* the rest of true / false / null */
    SC_ERROR,
};

enum parse_state { PS_OBJECT_KEY, PS_OBJECT_VALUE, PS_ARRAY_VALUE };

struct scanner {
    enum scan_state state;
    bool end_top;
    int hex_left;
    const char *lit_rest; /* expected bytes of the literal being read */
    const char *lit_name;
    uint8_t *stack; /* parse states, GO_JSON_MAX_DEPTH + 1 at most */
    size_t depth;
    char msg[96];
};

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Go's quoteChar: the byte as a rune in single quotes, strconv.Quote's
 * escapes inside, except that ' and " are shown plainly. */
static void quote_char(unsigned char c, char *out, size_t cap)
{
    if (c == '\'') {
        snprintf(out, cap, "'\\''");
        return;
    }
    if (c == '"') {
        snprintf(out, cap, "'\"'");
        return;
    }
    char utf8[4];
    size_t w = bi_utf8_encode(c, utf8);
    struct buf b = BUF_INIT;
    bi_go_quote(&b, utf8, w);
    if (buf_failed(&b) || b.len < 2)
        snprintf(out, cap, "'?'");
    else
        snprintf(out, cap, "'%.*s'", (int)(b.len - 2), b.data + 1);
    buf_free(&b);
}

static bool scan_fail(struct scanner *sc, unsigned char c, const char *context)
{
    char q[16];
    quote_char(c, q, sizeof(q));
    snprintf(sc->msg, sizeof(sc->msg), "invalid character %s %s", q, context);
    sc->state = SC_ERROR;
    return false;
}

static bool push_state(struct scanner *sc, unsigned char c, enum parse_state ps)
{
    if (sc->depth == GO_JSON_MAX_DEPTH)
        return scan_fail(sc, c, "exceeded max depth");
    sc->stack[sc->depth++] = (uint8_t)ps;
    return true;
}

static void pop_state(struct scanner *sc)
{
    sc->depth--;
    if (sc->depth == 0) {
        sc->state = SC_END_TOP;
        sc->end_top = true;
    } else {
        sc->state = SC_END_VALUE;
    }
}

static bool end_top(struct scanner *sc, unsigned char c)
{
    if (!is_space(c))
        return scan_fail(sc, c, "after top-level value");
    return true;
}

/* stateEndValue: what may follow a complete value. */
static bool end_value(struct scanner *sc, unsigned char c)
{
    if (sc->depth == 0) {
        sc->state = SC_END_TOP;
        sc->end_top = true;
        return end_top(sc, c);
    }
    sc->state = SC_END_VALUE;
    if (is_space(c))
        return true;
    uint8_t *ps = &sc->stack[sc->depth - 1];
    switch ((enum parse_state) * ps) {
    case PS_OBJECT_KEY:
        if (c == ':') {
            *ps = PS_OBJECT_VALUE;
            sc->state = SC_BEGIN_VALUE;
            return true;
        }
        return scan_fail(sc, c, "after object key");
    case PS_OBJECT_VALUE:
        if (c == ',') {
            *ps = PS_OBJECT_KEY;
            sc->state = SC_BEGIN_STRING;
            return true;
        }
        if (c == '}') {
            pop_state(sc);
            return true;
        }
        return scan_fail(sc, c, "after object key:value pair");
    case PS_ARRAY_VALUE:
        if (c == ',') {
            sc->state = SC_BEGIN_VALUE;
            return true;
        }
        if (c == ']') {
            pop_state(sc);
            return true;
        }
        return scan_fail(sc, c, "after array element");
    }
    return scan_fail(sc, c, "after array element");
}

static bool begin_literal(struct scanner *sc, const char *name)
{
    sc->state = SC_LITERAL;
    sc->lit_name = name;
    sc->lit_rest = name + 1;
    return true;
}

/* stateBeginValue. */
static bool begin_value(struct scanner *sc, unsigned char c)
{
    if (is_space(c))
        return true;
    switch (c) {
    case '{':
        sc->state = SC_BEGIN_STRING_OR_EMPTY;
        return push_state(sc, c, PS_OBJECT_KEY);
    case '[':
        sc->state = SC_BEGIN_VALUE_OR_EMPTY;
        return push_state(sc, c, PS_ARRAY_VALUE);
    case '"':
        sc->state = SC_IN_STRING;
        return true;
    case '-':
        sc->state = SC_NEG;
        return true;
    case '0':
        sc->state = SC_0;
        return true;
    case 't':
        return begin_literal(sc, "true");
    case 'f':
        return begin_literal(sc, "false");
    case 'n':
        return begin_literal(sc, "null");
    default:
        break;
    }
    if (c >= '1' && c <= '9') {
        sc->state = SC_1;
        return true;
    }
    return scan_fail(sc, c, "looking for beginning of value");
}

static bool in_literal(struct scanner *sc, unsigned char c)
{
    if (c != (unsigned char)*sc->lit_rest) {
        char context[64];
        snprintf(context, sizeof(context), "in literal %s (expecting '%c')", sc->lit_name,
                 *sc->lit_rest);
        return scan_fail(sc, c, context);
    }
    sc->lit_rest++;
    if (*sc->lit_rest == '\0')
        sc->state = SC_END_VALUE;
    return true;
}

static bool in_string(struct scanner *sc, unsigned char c)
{
    if (c == '"')
        sc->state = SC_END_VALUE;
    else if (c == '\\')
        sc->state = SC_IN_STRING_ESC;
    else if (c < 0x20)
        return scan_fail(sc, c, "in string literal");
    return true;
}

static bool in_string_escape(struct scanner *sc, unsigned char c)
{
    if (c && strchr("bfnrt\\/\"", c)) {
        sc->state = SC_IN_STRING;
        return true;
    }
    if (c == 'u') {
        sc->state = SC_IN_STRING_ESC_U;
        sc->hex_left = 4;
        return true;
    }
    return scan_fail(sc, c, "in string escape code");
}

static bool in_string_escape_u(struct scanner *sc, unsigned char c)
{
    if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F'))
        return scan_fail(sc, c, "in \\u hexadecimal character escape");
    if (--sc->hex_left == 0)
        sc->state = SC_IN_STRING;
    return true;
}

/* The number states (state1 falls into state0, which falls into
 * stateEndValue, as in Go). */
static bool in_number(struct scanner *sc, unsigned char c)
{
    switch (sc->state) {
    case SC_NEG:
        if (c == '0')
            sc->state = SC_0;
        else if (c >= '1' && c <= '9')
            sc->state = SC_1;
        else
            return scan_fail(sc, c, "in numeric literal");
        return true;
    case SC_1:
        if (is_digit(c))
            return true;
        /* fall through */
    case SC_0:
        if (c == '.')
            sc->state = SC_DOT;
        else if (c == 'e' || c == 'E')
            sc->state = SC_E;
        else
            return end_value(sc, c);
        return true;
    case SC_DOT:
        if (!is_digit(c))
            return scan_fail(sc, c, "after decimal point in numeric literal");
        sc->state = SC_DOT0;
        return true;
    case SC_DOT0:
        if (is_digit(c))
            return true;
        if (c == 'e' || c == 'E') {
            sc->state = SC_E;
            return true;
        }
        return end_value(sc, c);
    case SC_E:
        if (c == '+' || c == '-') {
            sc->state = SC_E_SIGN;
            return true;
        }
        /* fall through */
    case SC_E_SIGN:
        if (!is_digit(c))
            return scan_fail(sc, c, "in exponent of numeric literal");
        sc->state = SC_E0;
        return true;
    case SC_E0:
        if (is_digit(c))
            return true;
        return end_value(sc, c);
    default:
        return scan_fail(sc, c, "in numeric literal");
    }
}

static bool scan_step(struct scanner *sc, unsigned char c)
{
    switch (sc->state) {
    case SC_BEGIN_VALUE_OR_EMPTY:
        if (is_space(c))
            return true;
        if (c == ']')
            return end_value(sc, c);
        return begin_value(sc, c);
    case SC_BEGIN_VALUE:
        return begin_value(sc, c);
    case SC_BEGIN_STRING_OR_EMPTY:
        if (is_space(c))
            return true;
        if (c == '}') {
            sc->stack[sc->depth - 1] = PS_OBJECT_VALUE;
            return end_value(sc, c);
        }
        /* fall through */
    case SC_BEGIN_STRING:
        if (is_space(c))
            return true;
        if (c == '"') {
            sc->state = SC_IN_STRING;
            return true;
        }
        return scan_fail(sc, c, "looking for beginning of object key string");
    case SC_END_VALUE:
        return end_value(sc, c);
    case SC_END_TOP:
        return end_top(sc, c);
    case SC_IN_STRING:
        return in_string(sc, c);
    case SC_IN_STRING_ESC:
        return in_string_escape(sc, c);
    case SC_IN_STRING_ESC_U:
        return in_string_escape_u(sc, c);
    case SC_LITERAL:
        return in_literal(sc, c);
    case SC_ERROR:
        return false;
    default:
        return in_number(sc, c);
    }
}

const char *bi_go_json_check(struct arena *a, const char *s, size_t n)
{
    struct scanner sc = {.state = SC_BEGIN_VALUE};
    size_t cap = n < GO_JSON_MAX_DEPTH ? n + 1 : GO_JSON_MAX_DEPTH + 1;
    sc.stack = arena_alloc(a, cap);
    if (!sc.stack)
        return "out of memory";
    for (size_t i = 0; i < n; i++)
        if (!scan_step(&sc, (unsigned char)s[i]))
            return arena_strdup(a, sc.msg);
    /* eof(): a value that a space would end is complete */
    if (sc.end_top)
        return NULL;
    if (!scan_step(&sc, ' '))
        return arena_strdup(a, sc.msg);
    if (sc.end_top)
        return NULL;
    return "unexpected end of JSON input";
}

/* ---- walking checked text ---- */

static size_t skip_spaces(const char *s, size_t n, size_t i)
{
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    return i;
}

static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < n ? i + 1 : n;
}

/* Past the value that starts at s[i] (the text is known to be valid). */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (s[i] == '"')
        return skip_string(s, n, i);
    if (s[i] != '{' && s[i] != '[') {
        while (i < n && !is_space((unsigned char)s[i]) && !strchr(",:]}", s[i]))
            i++;
        return i;
    }
    size_t depth = 0;
    do {
        if (s[i] == '"') {
            i = skip_string(s, n, i);
            continue;
        }
        if (s[i] == '{' || s[i] == '[')
            depth++;
        else if (s[i] == '}' || s[i] == ']')
            depth--;
        i++;
    } while (i < n && depth > 0);
    return i;
}

int bi_go_json_items(struct arena *a, const char *s, size_t n, struct bi_go_json_item **items,
                     size_t *count)
{
    size_t i = skip_spaces(s, n, 0);
    *items = NULL;
    *count = 0;
    if (i == n || (s[i] != '{' && s[i] != '['))
        return -1;
    bool object = s[i] == '{';
    size_t cap = 0;
    for (i = skip_spaces(s, n, i + 1); i < n && s[i] != '}' && s[i] != ']';) {
        struct bi_go_json_item it = {0};
        if (object) {
            size_t end = skip_string(s, n, i);
            it.key = s + i;
            it.key_len = end - i;
            i = skip_spaces(s, n, skip_spaces(s, n, end) + 1); /* past ':' */
        }
        size_t end = skip_value(s, n, i);
        it.val = s + i;
        it.val_len = end - i;
        if (*count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            struct bi_go_json_item *grown = arena_alloc(a, ncap * sizeof(*grown));
            if (!grown)
                return -2;
            if (cap)
                memcpy(grown, *items, cap * sizeof(*grown));
            *items = grown;
            cap = ncap;
        }
        (*items)[(*count)++] = it;
        i = skip_spaces(s, n, end);
        if (i < n && s[i] == ',')
            i = skip_spaces(s, n, i + 1);
    }
    return 0;
}

const char *bi_go_json_kind(const char *val, size_t len)
{
    if (len == 0)
        return "number";
    switch (val[0]) {
    case '"':
        return "string";
    case '{':
        return "object";
    case '[':
        return "array";
    case 't':
    case 'f':
        return "bool";
    case 'n':
        return "null";
    default:
        return "number";
    }
}
