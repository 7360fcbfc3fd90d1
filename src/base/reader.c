/* reader.c - see reader.h */
#include "base/reader.h"

#include <string.h>

int rd_bytes(struct reader *r, size_t n, const uint8_t **p)
{
    if (n > r->len - r->off)
        return -1;
    *p = r->data + r->off;
    r->off += n;
    return 0;
}

int rd_copy(struct reader *r, void *out, size_t n)
{
    const uint8_t *p;
    if (rd_bytes(r, n, &p) < 0)
        return -1;
    if (n)
        memcpy(out, p, n);
    return 0;
}

int rd_skip(struct reader *r, size_t n)
{
    const uint8_t *p;
    return rd_bytes(r, n, &p);
}

int rd_sub(struct reader *r, size_t n, struct reader *sub)
{
    const uint8_t *p;
    if (rd_bytes(r, n, &p) < 0)
        return -1;
    rd_init(sub, p, n);
    return 0;
}

int rd_seek(struct reader *r, size_t off)
{
    if (off > r->len)
        return -1;
    r->off = off;
    return 0;
}

int rd_u8(struct reader *r, uint8_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 1, &p) < 0)
        return -1;
    *v = p[0];
    return 0;
}

int rd_u16le(struct reader *r, uint16_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 2, &p) < 0)
        return -1;
    *v = (uint16_t)(p[0] | (p[1] << 8));
    return 0;
}

int rd_u32le(struct reader *r, uint32_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 4, &p) < 0)
        return -1;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return 0;
}

int rd_u64le(struct reader *r, uint64_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 8, &p) < 0)
        return -1;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    *v = x;
    return 0;
}

int rd_u16be(struct reader *r, uint16_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 2, &p) < 0)
        return -1;
    *v = (uint16_t)(p[0] << 8 | p[1]);
    return 0;
}

int rd_u32be(struct reader *r, uint32_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 4, &p) < 0)
        return -1;
    *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    return 0;
}

int rd_u64be(struct reader *r, uint64_t *v)
{
    const uint8_t *p;
    if (rd_bytes(r, 8, &p) < 0)
        return -1;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | p[i];
    *v = x;
    return 0;
}
