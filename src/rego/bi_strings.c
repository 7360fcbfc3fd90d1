/* bi_strings.c - the Strings built-ins (except sprintf, bi_sprintf.c, and
 * the template ones, bi_template.c).
 *
 * Semantics are Go's strings package as OPA calls it: byte-wise matching
 * for contains/startswith/replace, rune-wise indexes for indexof and
 * substring, Unicode cut sets for trim, unicode.IsSpace for trim_space and
 * strings.Replacer's leftmost, first-pair-wins rule for replace_n. */
#include "rego/bi_util.h"

#include <stdlib.h>
#include <string.h>

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

#define SARG(i) (args[i]->u.str.s)
#define SLEN(i) (args[i]->u.str.len)

static int want_strings2(struct rego_bi_ctx *ctx, struct value *const *args)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    return bi_want(ctx, args, 1, V_STRING);
}

static const char *mem_find(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return h;
    if (nn > hn)
        return NULL;
    return memmem(h, hn, n, nn);
}

BI_FN(bi_contains)
{
    TRY(want_strings2(ctx, args));
    *out = v_bool(mem_find(SARG(0), SLEN(0), SARG(1), SLEN(1)) != NULL);
    return 0;
}

BI_FN(bi_startswith)
{
    TRY(want_strings2(ctx, args));
    *out = v_bool(SLEN(1) <= SLEN(0) && memcmp(SARG(0), SARG(1), SLEN(1)) == 0);
    return 0;
}

BI_FN(bi_endswith)
{
    TRY(want_strings2(ctx, args));
    *out = v_bool(SLEN(1) <= SLEN(0) &&
                  memcmp(SARG(0) + SLEN(0) - SLEN(1), SARG(1), SLEN(1)) == 0);
    return 0;
}

BI_FN(bi_strings_count)
{
    TRY(want_strings2(ctx, args));
    int64_t count = 0;
    if (SLEN(1) == 0) {
        count = (int64_t)bi_utf8_count(SARG(0), SLEN(0)) + 1;
    } else {
        const char *p = SARG(0), *end = SARG(0) + SLEN(0);
        const char *hit;
        while ((hit = mem_find(p, (size_t)(end - p), SARG(1), SLEN(1))) != NULL) {
            count++;
            p = hit + SLEN(1);
        }
    }
    BI_RET(v_int(ctx->arena, count));
}

/* ---- case, reverse ---- */

static int map_runes(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                     uint32_t (*map)(uint32_t))
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    /* ASCII maps to ASCII, byte for byte (Go's fast path too) */
    size_t n = SLEN(0);
    const unsigned char *in = (const unsigned char *)SARG(0);
    size_t k = 0;
    while (k < n && in[k] < 0x80)
        k++;
    if (k == n) {
        char *r = arena_alloc(ctx->arena, n + 1);
        if (!r)
            return bi_oom(ctx);
        for (size_t i = 0; i < n; i++)
            r[i] = (char)map(in[i]);
        r[n] = '\0';
        BI_RET(v_string_ref(ctx->arena, r, n));
    }
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < SLEN(0);) {
        uint32_t cp;
        size_t w = bi_utf8_decode(SARG(0) + i, SLEN(0) - i, &cp);
        char enc[4];
        buf_append(&b, enc, bi_utf8_encode(map(cp), enc));
        i += w;
    }
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_lower) { return map_runes(ctx, args, out, bi_rune_lower); }
BI_FN(bi_upper) { return map_runes(ctx, args, out, bi_rune_upper); }

BI_FN(bi_strings_reverse)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    size_t count;
    size_t *offs = bi_utf8_offsets(ctx->arena, SARG(0), SLEN(0), &count);
    char *r = offs ? arena_alloc(ctx->arena, SLEN(0) + 1) : NULL;
    if (!r)
        return bi_oom(ctx);
    size_t k = 0;
    for (size_t i = count; i-- > 0;) {
        memcpy(r + k, SARG(0) + offs[i], offs[i + 1] - offs[i]);
        k += offs[i + 1] - offs[i];
    }
    BI_RET(v_string_ref(ctx->arena, r, k));
}

/* ---- concat, split ---- */

BI_FN(bi_concat)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const struct value *coll = args[1];
    if (!v_is(coll, V_ARRAY) && !v_is(coll, V_SET))
        return rego_bi_type_error(ctx, 2, "one of {set, array}", coll);
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < coll->u.arr.len; i++) {
        const struct value *s = coll->u.arr.items[i];
        if (!v_is(s, V_STRING)) {
            buf_free(&b);
            return bi_elem_err(ctx, 2, coll, "string", s);
        }
        if (i)
            buf_append(&b, SARG(0), SLEN(0));
        buf_append(&b, s->u.str.s, s->u.str.len);
    }
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_split)
{
    TRY(want_strings2(ctx, args));
    const char *s = SARG(0), *d = SARG(1);
    size_t n = SLEN(0), dn = SLEN(1);
    struct value_list parts = {0};
    if (dn == 0) {
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t w = bi_utf8_decode(s + i, n - i, &cp);
            if (value_list_push(ctx->arena, &parts, bi_str(ctx, s + i, w)) < 0)
                return bi_oom(ctx);
            i += w;
        }
    } else {
        const char *p = s, *end = s + n, *hit;
        while ((hit = mem_find(p, (size_t)(end - p), d, dn)) != NULL) {
            if (value_list_push(ctx->arena, &parts, bi_str(ctx, p, (size_t)(hit - p))) < 0)
                return bi_oom(ctx);
            p = hit + dn;
        }
        if (value_list_push(ctx->arena, &parts, bi_str(ctx, p, (size_t)(end - p))) < 0)
            return bi_oom(ctx);
    }
    BI_RET(v_array(ctx->arena, parts.items, parts.len));
}

/* ---- replace (Go's strings.Replacer) ---- */

struct repl_pair {
    const char *old, *new_;
    size_t on, nn;
};

static void replace_all(struct buf *b, const char *s, size_t n, const struct repl_pair *p, size_t np)
{
    bool prev_empty = false;
    size_t last = 0;
    for (size_t i = 0; i <= n;) {
        const struct repl_pair *hit = NULL;
        for (size_t k = 0; k < np && !hit; k++) {
            if (p[k].on == 0 ? !prev_empty : (p[k].on <= n - i && memcmp(s + i, p[k].old, p[k].on) == 0))
                hit = &p[k];
        }
        prev_empty = hit && hit->on == 0;
        if (hit) {
            buf_append(b, s + last, i - last);
            buf_append(b, hit->new_, hit->nn);
            i += hit->on;
            last = i;
            continue;
        }
        i++;
    }
    if (last < n)
        buf_append(b, s + last, n - last);
}

BI_FN(bi_replace)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    TRY(bi_want(ctx, args, 2, V_STRING));
    struct repl_pair p = {SARG(1), SARG(2), SLEN(1), SLEN(2)};
    struct buf b = BUF_INIT;
    replace_all(&b, SARG(0), SLEN(0), &p, 1);
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_replace_n)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    TRY(bi_want(ctx, args, 1, V_STRING));
    const struct value *pat = args[0];
    struct repl_pair *p = arena_alloc(ctx->arena, (pat->u.obj.len + 1) * sizeof(*p));
    if (!p)
        return bi_oom(ctx);
    for (size_t i = 0; i < pat->u.obj.len; i++) {
        const struct value *k = pat->u.obj.pairs[i].key, *v = pat->u.obj.pairs[i].val;
        if (!v_is(k, V_STRING))
            return bi_operand_err(ctx, 1, "non-string key found in pattern object");
        if (!v_is(v, V_STRING))
            return bi_operand_err(ctx, 1, "non-string value found in pattern object");
        p[i] = (struct repl_pair){k->u.str.s, v->u.str.s, k->u.str.len, v->u.str.len};
    }
    struct buf b = BUF_INIT;
    replace_all(&b, SARG(1), SLEN(1), p, pat->u.obj.len);
    BI_RET(bi_buf_str(ctx, &b));
}

/* ---- trim family ---- */

static bool in_cutset(const char *cut, size_t cn, uint32_t c)
{
    for (size_t i = 0; i < cn;) {
        uint32_t x;
        i += bi_utf8_decode(cut + i, cn - i, &x);
        if (x == c)
            return true;
    }
    return false;
}

/* Trims runes of the cut set (or spaces when cut is NULL) from the left
 * and/or right. */
static void trim_runes(const char *s, size_t n, const char *cut, size_t cn, bool left, bool right,
                       size_t *from, size_t *to)
{
    size_t a = 0, z = n;
    while (left && a < z) {
        uint32_t c;
        size_t w = bi_utf8_decode(s + a, z - a, &c);
        if (!(cut ? in_cutset(cut, cn, c) : bi_rune_is_space(c)))
            break;
        a += w;
    }
    while (right && z > a) {
        size_t st = z - 1;
        while (st > a && ((unsigned char)s[st] & 0xC0) == 0x80 && z - st < 4)
            st--;
        uint32_t c;
        size_t w = bi_utf8_decode(s + st, z - st, &c);
        if (st + w != z) { /* not a whole rune: the last byte alone */
            st = z - 1;
            c = 0xFFFD;
        }
        if (!(cut ? in_cutset(cut, cn, c) : bi_rune_is_space(c)))
            break;
        z = st;
    }
    *from = a;
    *to = z;
}

static int trim_common(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                       bool left, bool right)
{
    TRY(want_strings2(ctx, args));
    size_t a, z;
    trim_runes(SARG(0), SLEN(0), SARG(1), SLEN(1), left, right, &a, &z);
    if (a == 0 && z == SLEN(0)) {
        *out = args[0];
        return 0;
    }
    BI_RET(bi_str(ctx, SARG(0) + a, z - a));
}

BI_FN(bi_trim) { return trim_common(ctx, args, out, true, true); }
BI_FN(bi_trim_left) { return trim_common(ctx, args, out, true, false); }
BI_FN(bi_trim_right) { return trim_common(ctx, args, out, false, true); }

BI_FN(bi_trim_space)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    size_t a, z;
    trim_runes(SARG(0), SLEN(0), NULL, 0, true, true, &a, &z);
    BI_RET(bi_str(ctx, SARG(0) + a, z - a));
}

BI_FN(bi_trim_prefix)
{
    TRY(want_strings2(ctx, args));
    if (SLEN(1) <= SLEN(0) && memcmp(SARG(0), SARG(1), SLEN(1)) == 0)
        BI_RET(bi_str(ctx, SARG(0) + SLEN(1), SLEN(0) - SLEN(1)));
    *out = args[0];
    return 0;
}

BI_FN(bi_trim_suffix)
{
    TRY(want_strings2(ctx, args));
    if (SLEN(1) <= SLEN(0) && memcmp(SARG(0) + SLEN(0) - SLEN(1), SARG(1), SLEN(1)) == 0)
        BI_RET(bi_str(ctx, SARG(0), SLEN(0) - SLEN(1)));
    *out = args[0];
    return 0;
}

/* ---- indexes and substrings (rune positions) ---- */

/* Rune index of each match start of needle in hay; all or first only. */
static int rune_matches(struct rego_bi_ctx *ctx, struct value *const *args, bool all,
                        struct value_list *hits)
{
    TRY(want_strings2(ctx, args));
    if (SLEN(1) == 0)
        return bi_err(ctx, "empty search character");
    const char *s = SARG(0);
    size_t n = SLEN(0);
    int64_t rune = 0;
    for (size_t i = 0; i < n; rune++) {
        if (SLEN(1) <= n - i && memcmp(s + i, SARG(1), SLEN(1)) == 0) {
            if (value_list_push(ctx->arena, hits, v_int(ctx->arena, rune)) < 0)
                return bi_oom(ctx);
            if (!all)
                return 0;
        }
        uint32_t cp;
        i += bi_utf8_decode(s + i, n - i, &cp);
    }
    return 0;
}

BI_FN(bi_indexof)
{
    struct value_list hits = {0};
    TRY(rune_matches(ctx, args, false, &hits));
    if (hits.len)
        BI_RET(hits.items[0]);
    BI_RET(v_int(ctx->arena, -1));
}

BI_FN(bi_indexof_n)
{
    struct value_list hits = {0};
    TRY(rune_matches(ctx, args, true, &hits));
    BI_RET(v_array(ctx->arena, hits.items, hits.len));
}

BI_FN(bi_substring)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    int64_t start, len;
    TRY(bi_want_int(ctx, args, 1, &start));
    TRY(bi_want_int(ctx, args, 2, &len));
    if (start < 0)
        return bi_err(ctx, "negative offset");
    size_t count;
    size_t *offs = bi_utf8_offsets(ctx->arena, SARG(0), SLEN(0), &count);
    if (!offs)
        return bi_oom(ctx);
    if ((uint64_t)start >= count)
        BI_RET(bi_str(ctx, "", 0));
    size_t end = count;
    if (len >= 0 && (uint64_t)len < count - (uint64_t)start)
        end = (size_t)start + (size_t)len;
    BI_RET(bi_str(ctx, SARG(0) + offs[start], offs[end] - offs[start]));
}

/* ---- format_int ---- */

BI_FN(bi_format_int)
{
    TRY(bi_want(ctx, args, 0, V_NUMBER));
    TRY(bi_want(ctx, args, 1, V_NUMBER));
    int64_t base;
    if (!bi_num_int64(args[1], &base) || (base != 2 && base != 8 && base != 10 && base != 16))
        return bi_operand_err(ctx, 2, "must be one of {2, 8, 10, 16}");
    mpq_t q;
    mpz_t z;
    mpq_init(q);
    mpz_init(z);
    if (bi_num_mpq(args[0], q))
        mpz_tdiv_q(z, mpq_numref(q), mpq_denref(q));
    char *s = arena_alloc(ctx->arena, mpz_sizeinbase(z, (int)base) + 2);
    if (s)
        mpz_get_str(s, (int)base, z);
    mpq_clear(q);
    mpz_clear(z);
    BI_RET(s ? v_cstr(ctx->arena, s) : NULL);
}

/* ---- any prefix / suffix ---- */

/* Strings of a string, array or set operand. */
static int string_list(struct rego_bi_ctx *ctx, struct value *const *args, size_t i,
                       struct value ***items, size_t *n)
{
    if (v_is(args[i], V_STRING)) {
        *items = (struct value **)&args[i];
        *n = 1;
        return 0;
    }
    if (!v_is(args[i], V_ARRAY) && !v_is(args[i], V_SET))
        return rego_bi_type_error(ctx, (int)i + 1, "one of {string, set, array}", args[i]);
    return bi_want_strings(ctx, args, i, items, n);
}

static int any_affix(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                     bool suffix)
{
    struct value **strs, **fixes;
    size_t ns, nf;
    TRY(string_list(ctx, args, 0, &strs, &ns));
    TRY(string_list(ctx, args, 1, &fixes, &nf));
    for (size_t i = 0; i < ns; i++) {
        const struct value *s = strs[i];
        for (size_t k = 0; k < nf; k++) {
            const struct value *f = fixes[k];
            if (f->u.str.len > s->u.str.len)
                continue;
            size_t at = suffix ? s->u.str.len - f->u.str.len : 0;
            if (memcmp(s->u.str.s + at, f->u.str.s, f->u.str.len) == 0) {
                *out = v_bool(true);
                return 0;
            }
        }
    }
    *out = v_bool(false);
    return 0;
}

BI_FN(bi_any_prefix_match) { return any_affix(ctx, args, out, false); }
BI_FN(bi_any_suffix_match) { return any_affix(ctx, args, out, true); }

const struct rego_builtin rego_bi_strings[] = {
    {"concat", 2, bi_concat, 0, NULL},
    {"contains", 2, bi_contains, 0, NULL},
    {"endswith", 2, bi_endswith, 0, NULL},
    {"format_int", 2, bi_format_int, 0, NULL},
    {"indexof", 2, bi_indexof, 0, NULL},
    {"indexof_n", 2, bi_indexof_n, 0, NULL},
    {"lower", 1, bi_lower, 0, NULL},
    {"replace", 3, bi_replace, 0, NULL},
    {"split", 2, bi_split, 0, NULL},
    {"startswith", 2, bi_startswith, 0, NULL},
    {"strings.any_prefix_match", 2, bi_any_prefix_match, 0, NULL},
    {"strings.any_suffix_match", 2, bi_any_suffix_match, 0, NULL},
    {"strings.count", 2, bi_strings_count, 0, NULL},
    {"strings.replace_n", 2, bi_replace_n, 0, NULL},
    {"strings.reverse", 1, bi_strings_reverse, 0, NULL},
    {"substring", 3, bi_substring, 0, NULL},
    {"trim", 2, bi_trim, 0, NULL},
    {"trim_left", 2, bi_trim_left, 0, NULL},
    {"trim_prefix", 2, bi_trim_prefix, 0, NULL},
    {"trim_right", 2, bi_trim_right, 0, NULL},
    {"trim_space", 1, bi_trim_space, 0, NULL},
    {"trim_suffix", 2, bi_trim_suffix, 0, NULL},
    {"upper", 1, bi_upper, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
