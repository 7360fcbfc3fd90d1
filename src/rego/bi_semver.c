/* bi_semver.c - semver.is_valid and semver.compare.
 *
 * OPA's semver (after coreos/go-semver): "MAJOR.MINOR.PATCH" with
 * optional "-prerelease" and "+metadata" whose identifiers match
 * [0-9A-Za-z-]+ separated by dots; the numbers parse as int64 (leading
 * zeros allowed).  Precedence: the numbers, then a version without a
 * prerelease above one with, then prerelease identifiers left to right
 * (numeric below alphanumeric, numbers by value then as text), then
 * length.  Metadata never counts. */
#include "rego/bi_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct semver {
    int64_t num[3];
    const char *pre; /* without '-', may be empty */
    size_t pre_len;
};

static bool valid_identifiers(const char *s, size_t n)
{
    if (n == 0)
        return true;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (run == 0)
                return false;
            run = 0;
        } else if (isalnum((unsigned char)c) || c == '-') {
            run++;
        } else {
            return false;
        }
    }
    return run > 0;
}

static bool parse_int64(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    char tmp[24];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    size_t i = (tmp[0] == '+' || tmp[0] == '-') ? 1 : 0;
    if (!tmp[i])
        return false;
    for (size_t k = i; tmp[k]; k++)
        if (!isdigit((unsigned char)tmp[k]))
            return false;
    errno = 0;
    long long v = strtoll(tmp, NULL, 10);
    if (errno)
        return false;
    *out = v;
    return true;
}

static bool semver_parse(const char *s, size_t n, struct semver *v)
{
    const char *plus = memchr(s, '+', n);
    size_t core_n = plus ? (size_t)(plus - s) : n;
    if (plus && !valid_identifiers(plus + 1, n - core_n - 1))
        return false;
    const char *dash = memchr(s, '-', core_n);
    v->pre = dash ? dash + 1 : "";
    v->pre_len = dash ? core_n - (size_t)(dash - s) - 1 : 0;
    if (dash && !valid_identifiers(v->pre, v->pre_len))
        return false;
    size_t tri = dash ? (size_t)(dash - s) : core_n;
    const char *p = s, *end = s + tri;
    for (int i = 0; i < 3; i++) {
        const char *dot = i < 2 ? memchr(p, '.', (size_t)(end - p)) : NULL;
        const char *stop = dot ? dot : end;
        if (i < 2 && !dot)
            return false;
        if (!parse_int64(p, (size_t)(stop - p), &v->num[i]))
            return false;
        p = stop + 1;
    }
    return true;
}

/* Both prereleases are non-empty dot-separated identifier lists. */
static int cmp_pre(const char *a, size_t an, const char *b, size_t bn)
{
    bool amore = true, bmore = true;
    while (amore && bmore) {
        const char *ad = memchr(a, '.', an), *bd = memchr(b, '.', bn);
        size_t al = ad ? (size_t)(ad - a) : an, bl = bd ? (size_t)(bd - b) : bn;
        int64_t ai, bi;
        bool aint = parse_int64(a, al, &ai), bint = parse_int64(b, bl, &bi);
        if (aint != bint)
            return aint ? -1 : 1;
        if (aint && ai != bi)
            return ai > bi ? 1 : -1;
        int c = memcmp(a, b, al < bl ? al : bl);
        if (c == 0 && al != bl)
            c = al < bl ? -1 : 1;
        if (c)
            return c > 0 ? 1 : -1;
        amore = ad != NULL;
        bmore = bd != NULL;
        if (amore) {
            a += al + 1;
            an -= al + 1;
        }
        if (bmore) {
            b += bl + 1;
            bn -= bl + 1;
        }
    }
    if (amore == bmore)
        return 0;
    return amore ? 1 : -1;
}

static int semver_cmp(const struct semver *a, const struct semver *b)
{
    for (int i = 0; i < 3; i++)
        if (a->num[i] != b->num[i])
            return a->num[i] > b->num[i] ? 1 : -1;
    if (a->pre_len == 0 || b->pre_len == 0) {
        if (a->pre_len == b->pre_len)
            return 0;
        return a->pre_len == 0 ? 1 : -1;
    }
    return cmp_pre(a->pre, a->pre_len, b->pre, b->pre_len);
}

static int bi_semver_is_valid(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                              struct value **out)
{
    struct semver v;
    *out = v_bool(v_is(args[0], V_STRING) && semver_parse(args[0]->u.str.s, args[0]->u.str.len, &v));
    return 0;
}

static int bi_semver_compare(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                             struct value **out)
{
    struct semver v[2];
    for (int i = 0; i < 2; i++) {
        TRY(bi_want(ctx, args, (size_t)i, V_STRING));
        if (!semver_parse(args[i]->u.str.s, args[i]->u.str.len, &v[i]))
            return bi_err(ctx, "operand %d: string \"%s\" is not a valid SemVer", i + 1,
                          args[i]->u.str.s);
    }
    BI_RET(v_int(ctx->arena, semver_cmp(&v[0], &v[1])));
}

const struct rego_builtin rego_bi_semver[] = {
    {"semver.compare", 2, bi_semver_compare, 0, NULL},
    {"semver.is_valid", 1, bi_semver_is_valid, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
