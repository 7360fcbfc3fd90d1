/* arena.h - bump allocator for per-request and per-policy memory.
 *
 * Every value (src/value) lives in an arena.  A request, an evaluation or a
 * compiled policy owns one arena and frees it in one call, so nothing that a
 * client sends can leak memory, and allocation on the hot path is a pointer
 * bump.  Arenas are not thread-safe: one arena per thread of work. */
#ifndef AS_BASE_ARENA_H
#define AS_BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;  /* newest chunk first */
    size_t chunk_size;         /* default size of new chunks */
    size_t total;              /* bytes handed out, for limits and metrics */
    size_t limit;              /* 0 = unlimited; else arena_alloc fails past it */
};

void arena_init(struct arena *a, size_t chunk_size);
/* Frees every chunk; the arena can be reused afterwards. */
void arena_free(struct arena *a);
/* Resets to empty but keeps the first chunk for reuse. */
void arena_reset(struct arena *a);

/* 16-byte aligned; NULL only when the limit is reached or malloc fails. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* NUL-terminated copy of n bytes. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_sprintf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
