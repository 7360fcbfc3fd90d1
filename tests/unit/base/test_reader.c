/* Unit tests for base/reader.c: every read is bounds-checked. */
#include <criterion/criterion.h>

#include "base/reader.h"

Test(reader, reads_little_and_big_endian)
{
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    struct reader r;
    rd_init(&r, b, sizeof(b));
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    cr_assert_eq(rd_u8(&r, &u8), 0);
    cr_assert_eq(u8, 1);
    cr_assert_eq(rd_u16le(&r, &u16), 0);
    cr_assert_eq(u16, 0x0302);
    cr_assert_eq(rd_u32be(&r, &u32), 0);
    cr_assert_eq(u32, 0x04050607u);
    cr_assert_eq(rd_u64le(&r, &u64), 0);
    cr_assert_eq(u64, 0x0f0e0d0c0b0a0908ull);
    cr_assert(rd_eof(&r));
}

Test(reader, short_read_fails_and_keeps_position)
{
    const uint8_t b[] = {1, 2, 3};
    struct reader r;
    rd_init(&r, b, sizeof(b));
    uint32_t v = 0xdeadbeef;
    cr_assert_eq(rd_u32le(&r, &v), -1);
    cr_assert_eq(v, 0xdeadbeef);
    cr_assert_eq(rd_offset(&r), 0);
    const uint8_t *p;
    cr_assert_eq(rd_bytes(&r, 4, &p), -1);
    cr_assert_eq(rd_bytes(&r, 3, &p), 0);
    cr_assert_eq(p, b);
    cr_assert_eq(rd_skip(&r, 1), -1);
    cr_assert_eq(rd_seek(&r, 4), -1);
    cr_assert_eq(rd_seek(&r, 1), 0);
    cr_assert_eq(rd_remaining(&r), 2);
}

Test(reader, huge_length_does_not_wrap)
{
    const uint8_t b[] = {1, 2, 3, 4};
    struct reader r;
    rd_init(&r, b, sizeof(b));
    cr_assert_eq(rd_skip(&r, 2), 0);
    const uint8_t *p;
    cr_assert_eq(rd_bytes(&r, SIZE_MAX, &p), -1);
    cr_assert_eq(rd_bytes(&r, SIZE_MAX - 1, &p), -1);
    struct reader sub;
    cr_assert_eq(rd_sub(&r, 3, &sub), -1);
    cr_assert_eq(rd_sub(&r, 2, &sub), 0);
    uint16_t v;
    cr_assert_eq(rd_u16be(&sub, &v), 0);
    cr_assert_eq(v, 0x0304);
    cr_assert_eq(rd_u8(&sub, (uint8_t *)&v), -1);
}
