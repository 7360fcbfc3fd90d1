/* bi_globs.c - regex.globs_match: do two "globs" match a common string?
 * OPA answers with the glob-intersection library; this is its algorithm.
 *
 * A glob is a list of tokens: a literal rune, `.` (any rune) or a set
 * `[a-z0-9]`, each optionally followed by `*` (zero or more) or `+` (one
 * or more); `\x` makes x literal.  Adjacent equal flagged tokens merge
 * (x*x+ -> x+).  Fixed tokens are matched off both ends, then the rest is
 * compared token by token, expanding `*` and `+` as the library does.
 * Error texts are the library's: "input:<glob>, pos:<rune index>, <what>:
 * the input provided is invalid".  Sets are kept as sorted rune ranges.
 * Recursion depth and work are bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_util.h"

#define GLOBS_MAX_RUNES 20000
#define GLOBS_MAX_STEPS 2000000UL

enum { T_CHAR, T_DOT, T_SET };
enum { F_NONE, F_PLUS, F_STAR };

struct range {
    uint32_t lo, hi;
};

struct gtoken {
    int type, flag;
    uint32_t rune;
    struct range *ranges; /* sorted, merged */
    size_t nranges;
};

struct glob {
    struct gtoken *t;
    size_t n;
};

struct tokenizer {
    struct arena *a;
    const uint32_t *in;
    size_t n;
    const char *text;
    size_t text_len;
    char err[600];
};

static int terr(struct tokenizer *z, size_t pos, const char *what)
{
    snprintf(z->err, sizeof(z->err), "input:%.*s, pos:%zu, %s: the input provided is invalid",
             (int)z->text_len, z->text, pos, what);
    return -1;
}

/* One rune at i: 1 = read (escaped or not), 0 = end, -1 = error. */
static int next_rune(struct tokenizer *z, size_t i, size_t *next, uint32_t *r, bool *escaped)
{
    if (i >= z->n)
        return 0;
    if (z->in[i] == '\\') {
        if (i + 1 >= z->n)
            return terr(z, i, "input ends with a \\ (escape) character");
        *next = i + 2;
        *r = z->in[i + 1];
        *escaped = true;
        return 1;
    }
    *next = i + 1;
    *r = z->in[i];
    *escaped = false;
    return 1;
}

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int add_range(struct tokenizer *z, struct gtoken *t, size_t *cap, uint32_t lo, uint32_t hi)
{
    if (t->nranges == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct range *nr = arena_alloc(z->a, nc * sizeof(*nr));
        if (!nr)
            return -1;
        if (t->nranges)
            memcpy(nr, t->ranges, t->nranges * sizeof(*nr));
        t->ranges = nr;
        *cap = nc;
    }
    t->ranges[t->nranges++] = (struct range){lo, hi};
    return 0;
}

static void normalize(struct gtoken *t)
{
    if (!t->nranges)
        return;
    qsort(t->ranges, t->nranges, sizeof(*t->ranges), cmp_range);
    size_t k = 0;
    for (size_t i = 1; i < t->nranges; i++) {
        if (t->ranges[i].lo <= t->ranges[k].hi + 1) {
            if (t->ranges[i].hi > t->ranges[k].hi)
                t->ranges[k].hi = t->ranges[i].hi;
        } else {
            t->ranges[++k] = t->ranges[i];
        }
    }
    t->nranges = k + 1;
}

/* The set after '[' (index i); *next is past its ']'. */
static int read_set(struct tokenizer *z, size_t i, size_t *next, struct gtoken *t)
{
    size_t cap = 0, idx = i;
    uint32_t r, prev = 0;
    bool esc, have_prev = false;
    t->type = T_SET;
    int rc;
    while ((rc = next_rune(z, idx, &idx, &r, &esc)) == 1) {
        if (!esc && r == '-') {
            if (!have_prev)
                return terr(z, idx, "range character '-' must be preceded by a Unicode character");
            if (idx >= z->n - 1)
                return terr(z, idx, "range character '-' must be followed by a Unicode character");
            if (next_rune(z, idx, &idx, &r, &esc) < 0)
                return -1;
            if (!esc && (r == ']' || r == '-'))
                return terr(z, idx, "range character '-' cannot be followed by a special symbol");
            if (r < prev) {
                char what[80], a[4], b[4];
                size_t la = bi_utf8_encode(r, a), lb = bi_utf8_encode(prev, b);
                snprintf(what, sizeof(what), "range is out of order: '%.*s' comes before '%.*s' in Unicode",
                         (int)la, a, (int)lb, b);
                return terr(z, idx, what);
            }
            if (add_range(z, t, &cap, prev, r) < 0)
                return -2;
            have_prev = false;
            continue;
        }
        if (!esc && r == ']') {
            *next = idx;
            normalize(t);
            return 0;
        }
        if (add_range(z, t, &cap, r, r) < 0)
            return -2;
        prev = r;
        have_prev = true;
    }
    if (rc < 0)
        return -1;
    return terr(z, idx, "found [ without matching ]");
}

static int tokenize(struct tokenizer *z, struct glob *g)
{
    g->t = arena_zalloc(z->a, (z->n + 1) * sizeof(*g->t));
    if (!g->t)
        return -2;
    size_t i = 0;
    for (;;) {
        uint32_t r;
        bool esc;
        int rc = next_rune(z, i, &i, &r, &esc);
        if (rc <= 0)
            return rc;
        struct gtoken *t = &g->t[g->n++];
        if (!esc && r == '.') {
            t->type = T_DOT;
        } else if (!esc && r == ']') {
            return terr(z, i, "set-close ']' with no preceding '['");
        } else if (!esc && r == '[') {
            if ((rc = read_set(z, i, &i, t)) < 0)
                return rc;
        } else if (!esc && (r == '+' || r == '*')) {
            char what[64];
            snprintf(what, sizeof(what), "flag '%c' must be preceded by a non-flag", (char)r);
            return terr(z, i, what);
        } else {
            t->type = T_CHAR;
            t->rune = r;
        }
        size_t after;
        rc = next_rune(z, i, &after, &r, &esc);
        if (rc < 0)
            return -1;
        if (rc == 1 && !esc && (r == '+' || r == '*')) {
            t->flag = r == '+' ? F_PLUS : F_STAR;
            i = after;
        }
    }
}

static bool token_equal(const struct gtoken *a, const struct gtoken *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == T_CHAR)
        return a->rune == b->rune;
    if (a->type == T_DOT)
        return true;
    if (a->nranges != b->nranges)
        return false;
    for (size_t i = 0; i < a->nranges; i++)
        if (a->ranges[i].lo != b->ranges[i].lo || a->ranges[i].hi != b->ranges[i].hi)
            return false;
    return true;
}

static void simplify(struct glob *g)
{
    if (!g->n)
        return;
    size_t k = 1, latest = 0;
    for (size_t i = 1; i < g->n; i++) {
        struct gtoken *t = &g->t[i], *l = &g->t[latest];
        if (t->flag != F_NONE && l->flag != F_NONE && token_equal(t, l)) {
            g->t[k - 1].flag = (t->flag == F_PLUS || l->flag == F_PLUS) ? F_PLUS : F_STAR;
            continue;
        }
        g->t[k] = *t;
        latest = k++;
    }
    g->n = k;
}

static bool in_set(const struct gtoken *s, uint32_t r)
{
    for (size_t i = 0; i < s->nranges; i++)
        if (r >= s->ranges[i].lo && r <= s->ranges[i].hi)
            return true;
    return false;
}

static bool token_match(const struct gtoken *a, const struct gtoken *b)
{
    if (a->type > b->type) {
        const struct gtoken *t = a;
        a = b;
        b = t;
    }
    if (a->type == T_CHAR)
        return b->type == T_CHAR ? a->rune == b->rune : b->type == T_DOT || in_set(b, a->rune);
    if (a->type == T_DOT)
        return true;
    for (size_t i = 0; i < a->nranges; i++) /* two sets: any common rune */
        for (size_t k = 0; k < b->nranges; k++)
            if (a->ranges[i].lo <= b->ranges[k].hi && b->ranges[k].lo <= a->ranges[i].hi)
                return true;
    return false;
}

struct search {
    unsigned long steps;
    bool exhausted;
};

static bool normal(struct search *s, const struct gtoken *g1, size_t n1, const struct gtoken *g2,
                   size_t n2, int depth);

static bool budget(struct search *s, int depth)
{
    if (++s->steps > GLOBS_MAX_STEPS || depth > 2 * GLOBS_MAX_RUNES + 8)
        s->exhausted = true;
    return !s->exhausted;
}

static bool star(struct search *s, const struct gtoken *st, size_t ns, const struct gtoken *o,
                 size_t no, int depth)
{
    const struct gtoken *next = ns > 1 ? &st[1] : NULL;
    for (size_t i = 0; i < no; i++) {
        if (!budget(s, depth))
            return false;
        if (next && token_match(&o[i], next)) {
            if (normal(s, st + 1, ns - 1, o + i, no - i, depth + 1))
                return true;
        }
        if (!token_match(&o[i], &st[0]))
            return false;
    }
    return next == NULL;
}

static bool plus(struct search *s, const struct gtoken *pl, size_t np, const struct gtoken *o,
                 size_t no, int depth)
{
    if (!no || !token_match(&pl[0], &o[0]))
        return false;
    if (star(s, pl, np, o + 1, no - 1, depth + 1))
        return true;
    return o[0].flag != F_NONE && normal(s, pl + 1, np - 1, o, no, depth + 1);
}

static bool special(struct search *s, const struct gtoken *g1, size_t n1, const struct gtoken *g2,
                    size_t n2, int depth)
{
    if (g1[0].flag != F_NONE)
        return g1[0].flag == F_PLUS ? plus(s, g1, n1, g2, n2, depth)
                                    : star(s, g1, n1, g2, n2, depth);
    return g2[0].flag == F_PLUS ? plus(s, g2, n2, g1, n1, depth) : star(s, g2, n2, g1, n1, depth);
}

static bool normal(struct search *s, const struct gtoken *g1, size_t n1, const struct gtoken *g2,
                   size_t n2, int depth)
{
    size_t i = 0;
    for (; i < n1 && i < n2; i++) {
        if (!budget(s, depth))
            return false;
        if (g1[i].flag != F_NONE || g2[i].flag != F_NONE)
            return special(s, g1 + i, n1 - i, g2 + i, n2 - i, depth + 1);
        if (!token_match(&g1[i], &g2[i]))
            return false;
    }
    return i == n1 && i == n2;
}

/* The library's trimGlobs: fixed tokens off both ends. */
static bool trim(struct glob *g1, struct glob *g2)
{
    size_t l = 0;
    for (; l < g1->n && l < g2->n && !g1->t[l].flag && !g2->t[l].flag; l++)
        if (!token_match(&g1->t[l], &g2->t[l]))
            return false;
    if (l > 0)
        l--;
    long r1 = (long)g1->n - 1, r2 = (long)g2->n - 1;
    for (; r1 >= 0 && r1 >= (long)l && r2 >= 0 && r2 >= (long)l && !g1->t[r1].flag &&
           !g2->t[r2].flag;
         r1--, r2--)
        if (!token_match(&g1->t[r1], &g2->t[r2]))
            return false;
    if (r1 < (long)g1->n - 1) {
        r1++;
        r2++;
    }
    size_t e1 = (size_t)(r1 + 1), e2 = (size_t)(r2 + 1);
    g1->t += l;
    g1->n = e1 > l ? e1 - l : 0;
    g2->t += l;
    g2->n = e2 > l ? e2 - l : 0;
    return true;
}

static int parse_glob(struct rego_bi_ctx *ctx, const struct value *v, struct glob *g)
{
    struct tokenizer z = {.a = ctx->arena, .text = v->u.str.s, .text_len = v->u.str.len};
    size_t count = 0;
    uint32_t *runes = bi_utf8_count(v->u.str.s, v->u.str.len) > GLOBS_MAX_RUNES
                          ? NULL
                          : arena_alloc(ctx->arena, (v->u.str.len + 1) * sizeof(*runes));
    if (!runes) {
        if (bi_utf8_count(v->u.str.s, v->u.str.len) > GLOBS_MAX_RUNES)
            return bi_err(ctx, "glob longer than %d runes", GLOBS_MAX_RUNES);
        return bi_oom(ctx);
    }
    for (size_t i = 0; i < v->u.str.len;)
        i += bi_utf8_decode(v->u.str.s + i, v->u.str.len - i, &runes[count++]);
    z.in = runes;
    z.n = count;
    memset(g, 0, sizeof(*g));
    int rc = tokenize(&z, g);
    if (rc == -2)
        return bi_oom(ctx);
    if (rc < 0)
        return bi_err(ctx, "%s", z.err);
    simplify(g);
    return 0;
}

static int bi_regex_globs_match(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                                struct value **out)
{
    (void)nargs;
    struct glob g1, g2;
    if (bi_want(ctx, args, 0, V_STRING) || bi_want(ctx, args, 1, V_STRING))
        return -1;
    if (parse_glob(ctx, args[0], &g1) < 0 || parse_glob(ctx, args[1], &g2) < 0)
        return -1;
    if (!trim(&g1, &g2))
        BI_RET(v_bool(false));
    struct search s = {0, false};
    bool ne = normal(&s, g1.t, g1.n, g2.t, g2.n, 0);
    if (s.exhausted)
        return bi_err(ctx, "globs too complex to intersect");
    BI_RET(v_bool(ne));
}

const struct rego_builtin rego_bi_globs[] = {
    {"regex.globs_match", 2, bi_regex_globs_match, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
