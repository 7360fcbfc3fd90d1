/* reader.h - the bounds-checked cursor every binary parser goes through.
 *
 * All TEE evidence (quotes, reports, TPM structures, certificate tables) is
 * read with these functions.  A read past the end fails and leaves the
 * reader unchanged; it never touches memory outside [data, data+len).  Each
 * function returns 0 or -1, so parsers chain them with TRY(). */
#ifndef AS_BASE_READER_H
#define AS_BASE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reader {
    const uint8_t *data;
    size_t len;
    size_t off;
};

static inline void rd_init(struct reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->off = 0;
}

static inline size_t rd_remaining(const struct reader *r) { return r->len - r->off; }
static inline size_t rd_offset(const struct reader *r) { return r->off; }
static inline bool rd_eof(const struct reader *r) { return r->off == r->len; }
/* Pointer to the current position (valid for rd_remaining() bytes). */
static inline const uint8_t *rd_ptr(const struct reader *r) { return r->data + r->off; }

int rd_u8(struct reader *r, uint8_t *v);
int rd_u16le(struct reader *r, uint16_t *v);
int rd_u32le(struct reader *r, uint32_t *v);
int rd_u64le(struct reader *r, uint64_t *v);
int rd_u16be(struct reader *r, uint16_t *v);
int rd_u32be(struct reader *r, uint32_t *v);
int rd_u64be(struct reader *r, uint64_t *v);
/* Points *p at the next n bytes (no copy) and advances. */
int rd_bytes(struct reader *r, size_t n, const uint8_t **p);
/* Copies the next n bytes into out and advances. */
int rd_copy(struct reader *r, void *out, size_t n);
int rd_skip(struct reader *r, size_t n);
/* Splits off the next n bytes as an independent reader and advances. */
int rd_sub(struct reader *r, size_t n, struct reader *sub);
/* Moves to absolute offset off (<= len). */
int rd_seek(struct reader *r, size_t off);

#endif
