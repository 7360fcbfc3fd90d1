/* bi_glob.c - glob.match and glob.quote_meta (gobwas/glob semantics, as
 * OPA uses it).
 *
 * A glob is translated into an anchored RE2 pattern and run through the
 * shared regex cache (bi_regex.c): `*` = any run of non-delimiter runes,
 * `**` = any run of runes, `?` = one non-delimiter rune, [abc] [a-z] [!a-z]
 * = one rune of (not of) the class, {a,b} = alternatives, \x = literal x.
 * Delimiters: null = none, [] = ["."], else the given single runes. */
#include "rego/bi_regex.h"

#include <stdio.h>
#include <string.h>

static void put_rune_escaped(struct buf *b, uint32_t cp)
{
    buf_printf(b, "\\x{%x}", cp);
}

static void put_not_delims(struct buf *b, const uint32_t *delims, size_t nd, bool any_if_none)
{
    if (nd == 0) {
        buf_puts(b, any_if_none ? "(?s:.)" : "(?s:.)");
        return;
    }
    buf_puts(b, "[^");
    for (size_t i = 0; i < nd; i++)
        put_rune_escaped(b, delims[i]);
    buf_putc(b, ']');
}

/* Returns 0, or -1 with a message in err. */
static int glob_to_regex(const char *g, size_t n, const uint32_t *delims, size_t nd, struct buf *b,
                         char *err, size_t errlen)
{
    int braces = 0;
    buf_puts(b, "\\A(?:");
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t w = bi_utf8_decode(g + i, n - i, &cp);
        switch (cp) {
        case '*':
            if (i + 1 < n && g[i + 1] == '*') {
                buf_puts(b, "(?s:.)*");
                i += 2;
                while (i < n && g[i] == '*')
                    i++;
            } else {
                put_not_delims(b, delims, nd, true);
                buf_putc(b, '*');
                i++;
            }
            continue;
        case '?':
            put_not_delims(b, delims, nd, true);
            i++;
            continue;
        case '[': {
            size_t k = i + 1;
            bool neg = k < n && g[k] == '!';
            if (neg)
                k++;
            buf_puts(b, neg ? "[^" : "[");
            bool any = false;
            while (k < n && g[k] != ']') {
                uint32_t c1;
                size_t w1 = bi_utf8_decode(g + k, n - k, &c1);
                k += w1;
                if (k + 1 < n && g[k] == '-' && g[k + 1] != ']') {
                    uint32_t c2;
                    size_t w2 = bi_utf8_decode(g + k + 1, n - k - 1, &c2);
                    if (c2 < c1) {
                        snprintf(err, errlen, "hi character '%c' should be greater than lo '%c'",
                                 (char)c2, (char)c1);
                        return -1;
                    }
                    put_rune_escaped(b, c1);
                    buf_putc(b, '-');
                    put_rune_escaped(b, c2);
                    k += 1 + w2;
                } else {
                    put_rune_escaped(b, c1);
                }
                any = true;
            }
            if (k >= n || !any) {
                snprintf(err, errlen, "unexpected end of input");
                return -1;
            }
            buf_putc(b, ']');
            i = k + 1;
            continue;
        }
        case '{':
            buf_puts(b, "(?:");
            braces++;
            i++;
            continue;
        case '}':
            if (braces == 0) {
                put_rune_escaped(b, cp);
            } else {
                buf_putc(b, ')');
                braces--;
            }
            i++;
            continue;
        case ',':
            if (braces > 0)
                buf_putc(b, '|');
            else
                put_rune_escaped(b, cp);
            i++;
            continue;
        case '\\':
            if (i + 1 >= n) {
                snprintf(err, errlen, "unexpected end of input");
                return -1;
            }
            w = 1 + bi_utf8_decode(g + i + 1, n - i - 1, &cp);
            put_rune_escaped(b, cp);
            i += w;
            continue;
        default:
            put_rune_escaped(b, cp);
            i += w;
        }
    }
    if (braces) {
        snprintf(err, errlen, "unexpected end of input");
        return -1;
    }
    buf_puts(b, ")\\z");
    return 0;
}

static int bi_glob_match(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                         struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    uint32_t delims[64];
    size_t nd = 0;
    const struct value *d = args[1];
    if (v_is(d, V_ARRAY)) {
        for (size_t i = 0; i < d->u.arr.len; i++) {
            const struct value *e = d->u.arr.items[i];
            if (!v_is(e, V_STRING))
                return bi_elem_err(ctx, 2, d, "string", e);
            uint32_t cp;
            if (e->u.str.len == 0 ||
                bi_utf8_decode(e->u.str.s, e->u.str.len, &cp) != e->u.str.len)
                return bi_elem_err(ctx, 2, d, "rune", e);
            if (nd < sizeof(delims) / sizeof(delims[0]))
                delims[nd++] = cp;
        }
        if (nd == 0)
            delims[nd++] = '.';
    } else if (!v_is(d, V_NULL)) {
        return rego_bi_type_error(ctx, 2, "one of {array, null}", d);
    }
    TRY(bi_want(ctx, args, 2, V_STRING));
    struct buf re = BUF_INIT;
    char err[256];
    if (glob_to_regex(args[0]->u.str.s, args[0]->u.str.len, delims, nd, &re, err, sizeof(err)) < 0) {
        buf_free(&re);
        return bi_err(ctx, "%s", err);
    }
    if (buf_failed(&re)) {
        buf_free(&re);
        return bi_oom(ctx);
    }
    struct value *pat = v_string(ctx->arena, re.data, re.len);
    buf_free(&re);
    if (!pat)
        return bi_oom(ctx);
    struct value *margs[2] = {pat, args[2]};
    const struct rego_builtin *match = rego_builtin_lookup("regex.match", 11);
    if (!match)
        return bi_err(ctx, "regex.match unavailable");
    const char *name = ctx->name;
    int rc = match->fn(ctx, margs, 2, out);
    ctx->name = name;
    return rc;
}

static int bi_glob_quote_meta(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                              struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < args[0]->u.str.len; i++) {
        char c = args[0]->u.str.s[i];
        if (c && strchr("*?[]{}\\", c))
            buf_putc(&b, '\\');
        buf_putc(&b, c);
    }
    BI_RET(bi_buf_str(ctx, &b));
}

const struct rego_builtin rego_bi_glob[] = {
    {"glob.match", 3, bi_glob_match, 0, NULL},
    {"glob.quote_meta", 1, bi_glob_quote_meta, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
