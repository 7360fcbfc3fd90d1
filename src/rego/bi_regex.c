/* bi_regex.c - the Regular Expressions built-ins: regex.is_valid,
 * regex.match (and deprecated re_match), regex.split, regex.find_n,
 * regex.find_all_string_submatch_n, regex.replace, regex.template_match.
 *
 * Patterns are Go RE2 syntax.  They run on PCRE2 after a translation pass
 * that rejects what RE2 does not have (backreferences, lookaround, atomic
 * groups, possessive or nested repetition, recursion, conditionals), maps
 * the escapes whose meaning differs (\v, \z) and sets the options that give
 * RE2's semantics: UTF-8 runes, ASCII \d\s\w\b, $ only at the very end
 * unless (?m), leftmost-first alternation (both engines prefer the first
 * alternative).  \s is RE2's [\t\n\f\r ] (no \v).  Without backreferences
 * or lookaround a backtracking match equals RE2's.  Compiled patterns are
 * kept in a bounded, mutex-protected cache shared by all threads (a
 * pcre2_code is read-only during matching).  Iteration over matches
 * follows Go's FindAll/ReplaceAll/Split rules for empty matches. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rego/bi_regex.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

#define SARG(i) (args[i]->u.str.s)
#define SLEN(i) (args[i]->u.str.len)

/* ---- RE2 syntax check and translation ---- */

struct xlate {
    const char *p;
    size_t n, i;
    struct buf out;
    char err[200];
    int depth;
    bool last_was_repeat; /* the previous item was a quantifier */
    bool have_atom;       /* something a quantifier may follow */
};

static int xerr(struct xlate *x, const char *code, const char *arg, size_t arglen)
{
    if (!x->err[0])
        snprintf(x->err, sizeof(x->err), "error parsing regexp: %s: `%.*s`", code, (int)arglen, arg);
    return -1;
}

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* One escape at x->p[x->i] == '\\'; in_class for [...] contexts. */
static int xlate_escape(struct xlate *x, bool in_class)
{
    size_t start = x->i;
    if (x->i + 1 >= x->n)
        return xerr(x, "trailing backslash at end of expression", "", 0);
    char c = x->p[x->i + 1];
    x->i += 2;
    switch (c) {
    case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
        if (c == 's')
            buf_puts(&x->out, in_class ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
        else if (c == 'S')
            buf_puts(&x->out, in_class ? "\\x00-\\x08\\x0b\\x0e-\\x1f\\x21-\\x{10ffff}"
                                       : "[^\\t\\n\\f\\r ]");
        else {
            buf_putc(&x->out, '\\');
            buf_putc(&x->out, c);
        }
        return 0;
    case 'b': case 'B': case 'A':
        if (in_class)
            return xerr(x, "invalid escape sequence", x->p + start, 2);
        buf_putc(&x->out, '\\');
        buf_putc(&x->out, c);
        return 0;
    case 'z':
        if (in_class)
            return xerr(x, "invalid escape sequence", x->p + start, 2);
        buf_puts(&x->out, "\\z");
        return 0;
    case 'a': buf_puts(&x->out, "\\x07"); return 0;
    case 'f': buf_puts(&x->out, "\\f"); return 0;
    case 't': buf_puts(&x->out, "\\t"); return 0;
    case 'n': buf_puts(&x->out, "\\n"); return 0;
    case 'r': buf_puts(&x->out, "\\r"); return 0;
    case 'v': buf_puts(&x->out, "\\x0b"); return 0;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        /* octal: \0, or digits only when more than one (a single non-zero
         * digit would be a backreference, which RE2 lacks) */
        size_t j = x->i - 1, k = j;
        while (k < x->n && k < j + 3 && x->p[k] >= '0' && x->p[k] <= '7')
            k++;
        if (c != '0' && k - j < 2)
            return xerr(x, "invalid escape sequence", x->p + start, 2);
        unsigned v = 0;
        for (size_t m = j; m < k; m++)
            v = v * 8 + (unsigned)(x->p[m] - '0');
        x->i = k;
        buf_printf(&x->out, "\\x{%x}", v);
        return 0;
    }
    case 'x': {
        if (x->i < x->n && x->p[x->i] == '{') {
            size_t k = x->i + 1;
            unsigned long v = 0;
            while (k < x->n && x->p[k] != '}') {
                char h = x->p[k];
                int d = (h >= '0' && h <= '9') ? h - '0'
                        : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                        : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                 : -1;
                if (d < 0 || v > 0x10FFFF)
                    return xerr(x, "invalid escape sequence", x->p + start, k - start + 1);
                v = v * 16 + (unsigned long)d;
                k++;
            }
            if (k >= x->n || k == x->i + 1 || v > 0x10FFFF)
                return xerr(x, "invalid escape sequence", x->p + start, (k < x->n ? k + 1 : k) - start);
            x->i = k + 1;
            buf_printf(&x->out, "\\x{%lx}", v);
            return 0;
        }
        for (int k = 0; k < 2; k++) {
            char h = x->i + (size_t)k < x->n ? x->p[x->i + (size_t)k] : 0;
            bool ok = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            if (!ok)
                return xerr(x, "invalid escape sequence", x->p + start,
                            x->i + (size_t)k + (h ? 1 : 0) - start);
        }
        buf_append(&x->out, x->p + start, 4);
        x->i += 2;
        return 0;
    }
    case 'p': case 'P': {
        size_t k = x->i;
        if (k < x->n && x->p[k] == '{') {
            while (k < x->n && x->p[k] != '}')
                k++;
            if (k >= x->n)
                return xerr(x, "invalid character class range", x->p + start, x->n - start);
            k++;
        } else if (k < x->n) {
            k++;
        } else {
            return xerr(x, "invalid character class range", x->p + start, x->n - start);
        }
        buf_append(&x->out, x->p + start, k - start);
        x->i = k;
        return 0;
    }
    case 'Q': {
        size_t end = x->i;
        while (end + 1 < x->n && !(x->p[end] == '\\' && x->p[end + 1] == 'E'))
            end++;
        if (end + 1 >= x->n)
            end = x->n;
        for (size_t k = x->i; k < end; k++) {
            unsigned char ch = (unsigned char)x->p[k];
            if (ch < 0x80 && !is_word_char((char)ch))
                buf_putc(&x->out, '\\');
            buf_putc(&x->out, (char)ch);
        }
        x->i = end < x->n ? end + 2 : x->n;
        return 0;
    }
    default:
        if ((unsigned char)c < 0x80 && !is_word_char(c)) {
            buf_putc(&x->out, '\\');
            buf_putc(&x->out, c);
            return 0;
        }
        return xerr(x, "invalid escape sequence", x->p + start, 2);
    }
}

static int xlate_class(struct xlate *x)
{
    size_t start = x->i;
    buf_putc(&x->out, '[');
    x->i++;
    if (x->i < x->n && x->p[x->i] == '^') {
        buf_putc(&x->out, '^');
        x->i++;
    }
    bool first = true;
    while (x->i < x->n) {
        char c = x->p[x->i];
        if (c == ']' && !first) {
            buf_putc(&x->out, ']');
            x->i++;
            return 0;
        }
        first = false;
        if (c == '[' && x->i + 1 < x->n && x->p[x->i + 1] == ':') {
            const char *close = NULL;
            for (size_t k = x->i + 2; k + 1 < x->n; k++)
                if (x->p[k] == ':' && x->p[k + 1] == ']') {
                    close = x->p + k;
                    break;
                }
            if (close) {
                size_t len = (size_t)(close - (x->p + x->i)) + 2;
                buf_append(&x->out, x->p + x->i, len);
                x->i += len;
                continue;
            }
        }
        if (c == '\\') {
            TRY(xlate_escape(x, true));
            continue;
        }
        if (c == '[')
            buf_puts(&x->out, "\\[");
        else
            buf_putc(&x->out, c);
        x->i++;
    }
    return xerr(x, "missing closing ]", x->p + start, x->n - start);
}

/* "(?" constructs: flags, non-capturing and named groups. */
static int xlate_group_open(struct xlate *x)
{
    size_t start = x->i;
    const char *p = x->p;
    size_t i = x->i + 2;
    if (i < x->n && (p[i] == 'P' || p[i] == '<')) {
        size_t name = i + (p[i] == 'P' ? 1 : 0);
        if (p[i] == 'P' && (name >= x->n || p[name] != '<'))
            return xerr(x, "invalid or unsupported Perl syntax", p + start, 3);
        if (p[i] == '<' && i + 1 < x->n && (p[i + 1] == '=' || p[i + 1] == '!'))
            return xerr(x, "invalid or unsupported Perl syntax", p + start, 4);
        size_t k = name + 1;
        while (k < x->n && is_word_char(p[k]))
            k++;
        if (k >= x->n || p[k] != '>' || k == name + 1)
            return xerr(x, "invalid named capture", p + start, (k < x->n ? k + 1 : k) - start);
        buf_puts(&x->out, "(?<");
        buf_append(&x->out, p + name + 1, k - name - 1);
        buf_putc(&x->out, '>');
        x->i = k + 1;
        x->depth++;
        return 0;
    }
    /* flags: [imsU]* (-[imsU]*)? then ')' or ':' */
    size_t k = i;
    bool neg = false, any = false;
    while (k < x->n && p[k] != ')' && p[k] != ':') {
        char c = p[k];
        if (c == '-' && !neg) {
            neg = true;
        } else if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
            any = true;
        } else {
            return xerr(x, "invalid or unsupported Perl syntax", p + start, k + 1 - start);
        }
        k++;
    }
    if (k >= x->n)
        return xerr(x, "missing closing )", p + start, x->n - start);
    if (neg && p[k - 1] == '-')
        return xerr(x, "invalid or unsupported Perl syntax", p + start, k + 1 - start);
    if (p[k] == ')' && !any && !neg)
        return xerr(x, "missing argument to repetition operator", p + start, k + 1 - start);
    buf_append(&x->out, p + start, k + 1 - start);
    x->i = k + 1;
    if (p[k] == ':')
        x->depth++;
    else
        x->have_atom = false;
    return p[k] == ':' ? 0 : 1; /* 1: a bare flag group (not an atom) */
}

static int xlate_repeat(struct xlate *x)
{
    const char *p = x->p;
    size_t start = x->i;
    char c = p[x->i];
    size_t len = 1;
    if (c == '{') {
        size_t k = x->i + 1;
        long lo = -1, hi = -1;
        bool comma = false;
        long v = 0;
        bool digits = false;
        while (k < x->n && ((p[k] >= '0' && p[k] <= '9') || p[k] == ',')) {
            if (p[k] == ',') {
                if (comma)
                    break;
                comma = true;
                lo = digits ? v : -1;
                v = 0;
                digits = false;
            } else {
                v = v * 10 + (p[k] - '0');
                if (v > 100000)
                    v = 100000;
                digits = true;
            }
            k++;
        }
        if (k >= x->n || p[k] != '}' || (!comma && !digits) || (comma && lo < 0)) {
            /* not a repetition: a literal '{' */
            buf_puts(&x->out, "\\{");
            x->i++;
            x->have_atom = true;
            x->last_was_repeat = false;
            return 0;
        }
        if (!comma)
            lo = v;
        else
            hi = digits ? v : -1;
        len = k + 1 - start;
        if (lo > 1000 || hi > 1000 || (hi >= 0 && hi < lo))
            return xerr(x, "invalid repeat count", p + start, len);
    }
    if (x->last_was_repeat)
        return xerr(x, "invalid nested repetition operator", p + start - 1, len + 1);
    if (!x->have_atom)
        return xerr(x, "missing argument to repetition operator", p + start, len);
    buf_append(&x->out, p + start, len);
    x->i += len;
    if (x->i < x->n && p[x->i] == '?') {
        buf_putc(&x->out, '?');
        x->i++;
    }
    x->last_was_repeat = true;
    return 0;
}

static int xlate_pattern(struct xlate *x)
{
    const char *p = x->p;
    while (x->i < x->n) {
        char c = p[x->i];
        switch (c) {
        case '\\':
            TRY(xlate_escape(x, false));
            x->have_atom = true;
            x->last_was_repeat = false;
            continue;
        case '[':
            TRY(xlate_class(x));
            x->have_atom = true;
            x->last_was_repeat = false;
            continue;
        case '(':
            if (x->i + 1 < x->n && p[x->i + 1] == '?') {
                int r = xlate_group_open(x);
                TRY(r);
                x->last_was_repeat = false;
                if (r == 0)
                    x->have_atom = false;
                continue;
            }
            buf_putc(&x->out, '(');
            x->i++;
            x->depth++;
            x->have_atom = false;
            x->last_was_repeat = false;
            continue;
        case ')':
            if (x->depth == 0)
                return xerr(x, "unexpected )", p, x->n);
            x->depth--;
            buf_putc(&x->out, ')');
            x->i++;
            x->have_atom = true;
            x->last_was_repeat = false;
            continue;
        case '|':
            buf_putc(&x->out, '|');
            x->i++;
            x->have_atom = false;
            x->last_was_repeat = false;
            continue;
        case '*': case '+': case '?': case '{':
            TRY(xlate_repeat(x));
            continue;
        case '^': case '$':
            buf_putc(&x->out, c);
            x->i++;
            x->have_atom = true; /* RE2 allows ^* (a repeat of an empty-width op) */
            x->last_was_repeat = false;
            continue;
        default: {
            uint32_t cp;
            size_t w = bi_utf8_decode(p + x->i, x->n - x->i, &cp);
            if (cp == 0xFFFD && w == 1 && (unsigned char)c >= 0x80)
                return xerr(x, "invalid UTF-8", p + x->i, x->n - x->i);
            buf_append(&x->out, p + x->i, w);
            x->i += w;
            x->have_atom = true;
            x->last_was_repeat = false;
        }
        }
    }
    if (x->depth > 0)
        return xerr(x, "missing closing )", p, x->n);
    return 0;
}

/* ---- compile cache ---- */

#define REGEX_CACHE_MAX 256

struct cached_regex {
    char *pattern;
    size_t len;
    pcre2_code *code;
};

static struct cached_regex g_cache[REGEX_CACHE_MAX];
static size_t g_cache_len, g_cache_next;
static pthread_mutex_t g_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static pcre2_code *compile_go_regex(const char *pat, size_t n, char *err, size_t errlen)
{
    struct xlate x;
    memset(&x, 0, sizeof(x));
    x.p = pat;
    x.n = n;
    if (xlate_pattern(&x) < 0 || buf_failed(&x.out)) {
        snprintf(err, errlen, "%s", x.err[0] ? x.err : "error parsing regexp: out of memory");
        buf_free(&x.out);
        return NULL;
    }
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)buf_cstr(&x.out), x.out.len, opts, &code, &off, NULL);
    buf_free(&x.out);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(err, errlen, "error parsing regexp: %s: `%.*s`", (const char *)msg, (int)n, pat);
    }
    return re;
}

const void *bi_regex_get(const char *pat, size_t n, char *err, size_t errlen)
{
    pthread_mutex_lock(&g_cache_lock);
    for (size_t i = 0; i < g_cache_len; i++) {
        if (g_cache[i].len == n && memcmp(g_cache[i].pattern, pat, n) == 0) {
            pcre2_code *re = g_cache[i].code;
            pthread_mutex_unlock(&g_cache_lock);
            return re;
        }
    }
    pthread_mutex_unlock(&g_cache_lock);
    pcre2_code *re = compile_go_regex(pat, n, err, errlen);
    if (!re)
        return NULL;
    char *copy = malloc(n + 1);
    if (!copy) {
        pcre2_code_free(re);
        snprintf(err, errlen, "error parsing regexp: out of memory");
        return NULL;
    }
    memcpy(copy, pat, n);
    copy[n] = '\0';
    pthread_mutex_lock(&g_cache_lock);
    /* A pattern evicted here may still be in use by another thread, so
     * evicted entries move to a graveyard that lives as long as the process. */
    if (g_cache_len < REGEX_CACHE_MAX) {
        g_cache[g_cache_len++] = (struct cached_regex){copy, n, re};
    } else {
        static struct cached_regex *graveyard;
        static size_t grave_len, grave_cap;
        struct cached_regex old = g_cache[g_cache_next];
        if (grave_len == grave_cap) {
            size_t nc = grave_cap ? grave_cap * 2 : 64;
            struct cached_regex *g = realloc(graveyard, nc * sizeof(*g));
            if (g) {
                graveyard = g;
                grave_cap = nc;
            }
        }
        if (grave_len < grave_cap)
            graveyard[grave_len++] = old;
        g_cache[g_cache_next] = (struct cached_regex){copy, n, re};
        g_cache_next = (g_cache_next + 1) % REGEX_CACHE_MAX;
    }
    pthread_mutex_unlock(&g_cache_lock);
    return re;
}

bool bi_regex_valid(const char *pat, size_t n)
{
    char err[256];
    return bi_regex_get(pat, n, err, sizeof(err)) != NULL;
}

/* ---- matching ---- */

struct match_iter {
    const pcre2_code *re;
    pcre2_match_data *md; /* the thread's (md_for), not freed per match */
    uint32_t groups;      /* the pattern's captures + 1 */
    const char *s;
    size_t n;
};

/* One match data block per thread, reused by every match (PCRE2 keeps its
 * backtracking frames there, so a fresh block per call meant two heap
 * allocations per match); grown when a pattern has more groups.  Freed
 * when the thread exits. */
struct md_cache {
    pcre2_match_data *md;
    uint32_t pairs;
};
static pthread_key_t g_md_key;
static pthread_once_t g_md_once = PTHREAD_ONCE_INIT;
static bool g_md_key_ok;

static void md_cache_free(void *p)
{
    struct md_cache *c = p;
    pcre2_match_data_free(c->md);
    free(c);
}

static void md_key_init(void) { g_md_key_ok = pthread_key_create(&g_md_key, md_cache_free) == 0; }

static pcre2_match_data *md_for(uint32_t pairs)
{
    pthread_once(&g_md_once, md_key_init);
    if (!g_md_key_ok)
        return NULL;
    struct md_cache *c = pthread_getspecific(g_md_key);
    if (!c) {
        c = calloc(1, sizeof(*c));
        if (!c || pthread_setspecific(g_md_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    if (c->pairs < pairs) {
        uint32_t want = pairs < 16 ? 16 : pairs;
        pcre2_match_data *md = pcre2_match_data_create(want, NULL);
        if (!md)
            return NULL;
        pcre2_match_data_free(c->md);
        c->md = md;
        c->pairs = want;
    }
    return c->md;
}

/* One match at or after pos; returns the ovector or NULL. */
static PCRE2_SIZE *match_at(struct match_iter *m, size_t pos)
{
    int rc = pcre2_match(m->re, (PCRE2_SPTR)m->s, m->n, pos, 0, m->md, NULL);
    if (rc < 0)
        return NULL;
    return pcre2_get_ovector_pointer(m->md);
}

static size_t rune_width_at(const char *s, size_t n, size_t pos)
{
    if (pos >= n)
        return 1;
    uint32_t cp;
    return bi_utf8_decode(s + pos, n - pos, &cp);
}

typedef int (*match_cb)(void *arg, const PCRE2_SIZE *ov, uint32_t ngroups);

/* Go's allMatches: at most limit matches (limit < 0: all); an empty match
 * right after the previous match is skipped. */
static int for_each_match(struct match_iter *m, long limit, match_cb cb, void *arg)
{
    uint32_t groups = m->groups;
    size_t pos = 0;
    long prev_end = -1, count = 0;
    while ((limit < 0 || count < limit) && pos <= m->n) {
        PCRE2_SIZE *ov = match_at(m, pos);
        if (!ov)
            break;
        bool accept = true;
        if (ov[1] == pos) {
            if ((long)ov[0] == prev_end)
                accept = false;
            pos += rune_width_at(m->s, m->n, pos);
        } else {
            pos = ov[1];
        }
        prev_end = (long)ov[1];
        if (accept) {
            TRY(cb(arg, ov, groups));
            count++;
        }
    }
    return 0;
}

static int start_match(struct rego_bi_ctx *ctx, const struct value *pat, const struct value *s,
                       struct match_iter *m)
{
    char err[256];
    m->re = bi_regex_get(pat->u.str.s, pat->u.str.len, err, sizeof(err));
    if (!m->re)
        return bi_err(ctx, "%s", err);
    uint32_t captures = 0;
    pcre2_pattern_info(m->re, PCRE2_INFO_CAPTURECOUNT, &captures);
    m->groups = captures + 1;
    m->md = md_for(m->groups);
    if (!m->md)
        return bi_oom(ctx);
    m->s = s->u.str.s;
    m->n = s->u.str.len;
    return 0;
}

BI_FN(bi_regex_is_valid)
{
    *out = v_bool(v_is(args[0], V_STRING) && bi_regex_valid(SARG(0), SLEN(0)));
    return 0;
}

BI_FN(bi_regex_match)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    struct match_iter m = {0};
    TRY(start_match(ctx, args[0], args[1], &m));
    bool hit = match_at(&m, 0) != NULL;
    *out = v_bool(hit);
    return 0;
}

struct collect {
    struct rego_bi_ctx *ctx;
    const char *s;
    struct value_list list;
    bool submatches;
    size_t beg, end; /* split state */
};

static int collect_match(void *arg, const PCRE2_SIZE *ov, uint32_t ngroups)
{
    struct collect *c = arg;
    struct arena *a = c->ctx->arena;
    struct value *v;
    if (!c->submatches) {
        v = v_string(a, c->s + ov[0], ov[1] - ov[0]);
    } else {
        struct value **items = arena_alloc(a, ngroups * sizeof(*items));
        if (!items)
            return -1;
        for (uint32_t g = 0; g < ngroups; g++) {
            PCRE2_SIZE b = ov[2 * g], e = ov[2 * g + 1];
            items[g] = b == PCRE2_UNSET ? v_string(a, "", 0) : v_string(a, c->s + b, e - b);
            if (!items[g])
                return -1;
        }
        v = v_array(a, items, ngroups);
    }
    return v ? value_list_push(a, &c->list, v) : -1;
}

static int find_all(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                    bool submatches)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    int64_t n;
    TRY(bi_want_int(ctx, args, 2, &n));
    struct match_iter m = {0};
    TRY(start_match(ctx, args[0], args[1], &m));
    struct collect c = {ctx, SARG(1), {0}, submatches, 0, 0};
    int rc = for_each_match(&m, n < 0 ? -1 : (long)n, collect_match, &c);
    if (rc < 0)
        return bi_oom(ctx);
    BI_RET(v_array(ctx->arena, c.list.items, c.list.len));
}

BI_FN(bi_regex_find_n) { return find_all(ctx, args, out, false); }
BI_FN(bi_regex_find_all_string_submatch_n) { return find_all(ctx, args, out, true); }

static int split_piece(void *arg, const PCRE2_SIZE *ov, uint32_t ngroups)
{
    struct collect *c = arg;
    (void)ngroups;
    c->end = ov[0];
    if (ov[1] != 0) {
        struct value *v = v_string(c->ctx->arena, c->s + c->beg, c->end - c->beg);
        if (!v || value_list_push(c->ctx->arena, &c->list, v) < 0)
            return -1;
    }
    c->beg = ov[1];
    return 0;
}

BI_FN(bi_regex_split)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    struct match_iter m = {0};
    TRY(start_match(ctx, args[0], args[1], &m));
    struct collect c = {ctx, SARG(1), {0}, false, 0, 0};
    int rc = 0;
    if (SLEN(0) > 0 && SLEN(1) == 0) {
        rc = value_list_push(ctx->arena, &c.list, v_string(ctx->arena, "", 0));
    } else {
        rc = for_each_match(&m, -1, split_piece, &c);
        if (rc == 0 && c.end != SLEN(1))
            rc = value_list_push(ctx->arena, &c.list,
                                 v_string(ctx->arena, SARG(1) + c.beg, SLEN(1) - c.beg));
    }
    if (rc < 0)
        return bi_oom(ctx);
    BI_RET(v_array(ctx->arena, c.list.items, c.list.len));
}

/* Go's Regexp.Expand of template t for match ov. */
static void expand(struct buf *b, const pcre2_code *re, const char *t, size_t tn, const char *s,
                   const PCRE2_SIZE *ov, uint32_t ngroups)
{
    for (size_t i = 0; i < tn; i++) {
        if (t[i] != '$' || i + 1 >= tn) {
            buf_putc(b, t[i]);
            continue;
        }
        size_t k = i + 1;
        const char *name;
        size_t nlen;
        if (t[k] == '$') {
            buf_putc(b, '$');
            i = k;
            continue;
        }
        bool brace = t[k] == '{';
        if (brace)
            k++;
        name = t + k;
        while (k < tn && is_word_char(t[k]))
            k++;
        nlen = (size_t)(t + k - name);
        if (nlen == 0 || (brace && (k >= tn || t[k] != '}'))) {
            buf_putc(b, '$'); /* malformed: keep the '$' literally */
            continue;
        }
        i = brace ? k : k - 1;
        long group = -1;
        bool numeric = true;
        for (size_t m = 0; m < nlen; m++)
            numeric = numeric && name[m] >= '0' && name[m] <= '9';
        if (numeric) {
            group = nlen > 9 ? -1 : strtol(name, NULL, 10);
        } else {
            char nm[128];
            if (nlen < sizeof(nm)) {
                memcpy(nm, name, nlen);
                nm[nlen] = '\0';
                int g = pcre2_substring_number_from_name(re, (PCRE2_SPTR)nm);
                group = g > 0 ? g : -1;
            }
        }
        if (group >= 0 && (uint32_t)group < ngroups && ov[2 * group] != PCRE2_UNSET)
            buf_append(b, s + ov[2 * group], ov[2 * group + 1] - ov[2 * group]);
    }
}

BI_FN(bi_regex_replace)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    TRY(bi_want(ctx, args, 2, V_STRING));
    struct match_iter m = {0};
    TRY(start_match(ctx, args[1], args[0], &m));
    uint32_t ngroups = m.groups;
    struct buf b = BUF_INIT;
    size_t last = 0, pos = 0;
    while (pos <= m.n) {
        PCRE2_SIZE *ov = match_at(&m, pos);
        if (!ov)
            break;
        buf_append(&b, m.s + last, ov[0] - last);
        if (ov[1] > last || ov[0] == 0)
            expand(&b, m.re, SARG(2), SLEN(2), m.s, ov, ngroups);
        last = ov[1];
        size_t w = pos < m.n ? rune_width_at(m.s, m.n, pos) : 1;
        pos = pos + w > ov[1] ? pos + w : ov[1];
    }
    if (last < m.n)
        buf_append(&b, m.s + last, m.n - last);
    BI_RET(bi_buf_str(ctx, &b));
}

/* regex.template_match: literal text with regex parts between one-byte
 * delimiters, anchored at both ends. */
BI_FN(bi_regex_template_match)
{
    for (size_t i = 0; i < 4; i++)
        TRY(bi_want(ctx, args, i, V_STRING));
    if (SLEN(2) != 1)
        return bi_err(ctx, "start delimiter has to be exactly one character long but is %zu long", SLEN(2));
    if (SLEN(3) != 1)
        return bi_err(ctx, "end delimiter has to be exactly one character long but is %zu long", SLEN(2));
    char open = SARG(2)[0], close = SARG(3)[0];
    const char *t = SARG(0);
    size_t n = SLEN(0);
    struct buf re = BUF_INIT;
    buf_putc(&re, '^');
    for (size_t i = 0; i < n;) {
        if (t[i] != open) {
            unsigned char c = (unsigned char)t[i];
            if (c < 0x80 && !is_word_char((char)c))
                buf_putc(&re, '\\');
            buf_putc(&re, (char)c);
            i++;
            continue;
        }
        int level = 1;
        size_t k = i + 1;
        for (; k < n && level; k++) {
            if (t[k] == open)
                level++;
            else if (t[k] == close)
                level--;
        }
        if (level) {
            buf_free(&re);
            return bi_err(ctx, "unbalanced braces in %.*s", (int)n, t);
        }
        buf_putc(&re, '(');
        buf_append(&re, t + i + 1, k - i - 2);
        buf_putc(&re, ')');
        i = k;
    }
    buf_putc(&re, '$');
    if (buf_failed(&re)) {
        buf_free(&re);
        return bi_oom(ctx);
    }
    struct value *pat = v_string(ctx->arena, re.data, re.len);
    buf_free(&re);
    if (!pat)
        return bi_oom(ctx);
    struct match_iter m = {0};
    TRY(start_match(ctx, pat, args[1], &m));
    bool hit = match_at(&m, 0) != NULL;
    *out = v_bool(hit);
    return 0;
}

const struct rego_builtin rego_bi_regex[] = {
    {"re_match", 2, bi_regex_match, BI_DEPRECATED, NULL},
    {"regex.find_all_string_submatch_n", 3, bi_regex_find_all_string_submatch_n, 0, NULL},
    {"regex.find_n", 3, bi_regex_find_n, 0, NULL},
    {"regex.is_valid", 1, bi_regex_is_valid, 0, NULL},
    {"regex.match", 2, bi_regex_match, 0, NULL},
    {"regex.replace", 3, bi_regex_replace, 0, NULL},
    {"regex.split", 2, bi_regex_split, 0, NULL},
    {"regex.template_match", 4, bi_regex_template_match, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
