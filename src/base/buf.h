/* buf.h - growable byte buffer (heap), for building output text and bytes.
 *
 * Used by printers (JSON, tokens) and the HTTP layer.  On allocation failure
 * the buffer becomes "failed": further appends are ignored and buf_failed()
 * reports it, so callers check once at the end. */
#ifndef AS_BASE_BUF_H
#define AS_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data; /* always NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;
    bool failed;
};

#define BUF_INIT {NULL, 0, 0, false}

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
bool buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a NUL-terminated string ("" for an empty buffer), never NULL
 * unless the buffer failed. */
const char *buf_cstr(struct buf *b);
/* Hands the storage to the caller (free() it); the buffer is emptied. */
char *buf_steal(struct buf *b, size_t *len);
static inline bool buf_failed(const struct buf *b) { return b->failed; }

#endif
