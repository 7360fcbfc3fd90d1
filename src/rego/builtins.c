/* builtins.c - the built-in function index (see builtins.h).
 *
 * Collects every family table listed in bi_families.def into one array
 * sorted by name at first use, and looks names up by binary search. */
#include "rego/builtins.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct rego_builtin *const FAMILIES[] = {
#define FAMILY(f) rego_bi_##f,
#include "rego/bi_families.def"
#undef FAMILY
};

static const struct rego_builtin **g_index;
static size_t g_count;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int cmp_builtin(const void *a, const void *b)
{
    const struct rego_builtin *x = *(const struct rego_builtin *const *)a;
    const struct rego_builtin *y = *(const struct rego_builtin *const *)b;
    return strcmp(x->name, y->name);
}

static void build_index(void)
{
    size_t n = 0;
    for (size_t f = 0; f < sizeof(FAMILIES) / sizeof(FAMILIES[0]); f++)
        for (const struct rego_builtin *b = FAMILIES[f]; b->name; b++)
            n++;
    g_index = calloc(n ? n : 1, sizeof(*g_index));
    if (!g_index)
        abort();
    for (size_t f = 0; f < sizeof(FAMILIES) / sizeof(FAMILIES[0]); f++)
        for (const struct rego_builtin *b = FAMILIES[f]; b->name; b++)
            g_index[g_count++] = b;
    qsort(g_index, g_count, sizeof(*g_index), cmp_builtin);
}

const struct rego_builtin *rego_builtin_lookup(const char *name, size_t len)
{
    pthread_once(&g_once, build_index);
    size_t lo = 0, hi = g_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = g_index[mid]->name;
        int c = strncmp(m, name, len);
        if (c == 0 && m[len] != '\0')
            c = 1;
        if (c == 0)
            return g_index[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t rego_builtin_count(void)
{
    pthread_once(&g_once, build_index);
    return g_count;
}

const struct rego_builtin *rego_builtin_at(size_t i)
{
    pthread_once(&g_once, build_index);
    return i < g_count ? g_index[i] : NULL;
}

int rego_bi_error(struct rego_bi_ctx *ctx, const char *code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->err_code = code;
    return as_err(ctx->err, 400, code, "%s: %s", ctx->name ? ctx->name : "builtin", msg);
}

int rego_bi_type_error(struct rego_bi_ctx *ctx, int pos, const char *want,
                       const struct value *got)
{
    return rego_bi_error(ctx, "eval_type_error", "operand %d must be %s but got %s", pos, want,
                         got ? value_type_name((enum value_type)got->type) : "undefined");
}
