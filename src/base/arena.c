/* arena.c - chunked bump allocator (see arena.h). */
#include "base/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 16384;
    a->total = 0;
    a->limit = 0;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->head;
    if (!c)
        return;
    /* keep the oldest chunk: it is the one of default size */
    while (c->next) {
        struct arena_chunk *n = c->next;
        a->head = n;
        free(c);
        c = n;
    }
    c->used = 0;
    a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + 15u) & ~(size_t)15u;
    if (need < n)
        return NULL;
    if (a->limit && a->total + need > a->limit)
        return NULL;
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t sz = a->chunk_size;
        if (need > sz / 4) {
            /* big block: own chunk, linked behind the current one so the
             * current chunk's free space stays usable */
            sz = need;
        }
        struct arena_chunk *nc = malloc(sizeof(*nc) + sz);
        if (!nc)
            return NULL;
        nc->size = sz;
        nc->used = 0;
        if (sz == need && c) {
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->head = nc;
        }
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *q = arena_alloc(a, n + 1);
    if (!q)
        return NULL;
    if (n)
        memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_sprintf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *q = arena_alloc(a, (size_t)n + 1);
    if (!q)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(q, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return q;
}
