/* Unit tests for base/codec.c: hex and the strict base64 flavours. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"

static struct arena A;
static void setup(void) { arena_init(&A, 0); }
static void teardown(void) { arena_free(&A); }
TestSuite(codec, .init = setup, .fini = teardown);

static int dec(const char *s, enum b64_flavor f, uint8_t **out, size_t *n, const char **why)
{
    return b64_decode(&A, s, strlen(s), f, out, n, why);
}

Test(codec, hex_roundtrip)
{
    const uint8_t in[] = {0x00, 0x7f, 0xab, 0xff};
    char *h = hex_encode_arena(&A, in, sizeof(in));
    cr_assert_str_eq(h, "007fabff");
    uint8_t *out;
    size_t n;
    cr_assert_eq(hex_decode(&A, "007FABff", 8, &out, &n), 0);
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(out, in, 4), 0);
    cr_assert_eq(hex_decode(&A, "abc", 3, &out, &n), -1);
    cr_assert_eq(hex_decode(&A, "zz", 2, &out, &n), -1);
}

Test(codec, b64url_nopad_accepts_canonical)
{
    uint8_t *out;
    size_t n;
    const char *why = NULL;
    cr_assert_eq(dec("YWFhYWE", B64_URL_NOPAD, &out, &n, &why), 0);
    cr_assert_eq(n, 5);
    cr_assert_eq(memcmp(out, "aaaaa", 5), 0);
    cr_assert_eq(dec("", B64_URL_NOPAD, &out, &n, &why), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(dec("-_8", B64_URL_NOPAD, &out, &n, &why), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(out[0], 0xfb);
    cr_assert_eq(out[1], 0xff);
}

Test(codec, b64url_nopad_rejects_with_reason)
{
    uint8_t *out;
    size_t n;
    const char *why = NULL;
    cr_assert_eq(dec("YWFhYWE=", B64_URL_NOPAD, &out, &n, &why), -1);
    cr_assert(strstr(why, "padding"));
    cr_assert_eq(dec("+/8", B64_URL_NOPAD, &out, &n, &why), -1);
    cr_assert(strstr(why, "standard alphabet"));
    cr_assert_eq(dec("YW Fh", B64_URL_NOPAD, &out, &n, &why), -1);
    cr_assert(strstr(why, "whitespace"));
    cr_assert_eq(dec("YWFhY", B64_URL_NOPAD, &out, &n, &why), -1);
    cr_assert(strstr(why, "length"));
    cr_assert_eq(dec("YR", B64_URL_NOPAD, &out, &n, &why), -1); /* trailing bits */
    cr_assert(strstr(why, "trailing bits"));
}

Test(codec, b64std_pad_strict)
{
    uint8_t *out;
    size_t n;
    const char *why = NULL;
    cr_assert_eq(dec("YWFhYWE=", B64_STD_PAD, &out, &n, &why), 0);
    cr_assert_eq(n, 5);
    cr_assert_eq(dec("YWFhYWE", B64_STD_PAD, &out, &n, &why), -1);
    cr_assert_eq(dec("YWFhYWE==", B64_STD_PAD, &out, &n, &why), -1);
    cr_assert_eq(dec("-_8=", B64_STD_PAD, &out, &n, &why), -1);
    cr_assert(strstr(why, "URL-safe"));
}

Test(codec, b64_encode_flavours)
{
    const uint8_t in[] = {0xfb, 0xff};
    cr_assert_str_eq(b64_encode_arena(&A, in, 2, B64_STD_PAD), "+/8=");
    cr_assert_str_eq(b64_encode_arena(&A, in, 2, B64_URL_NOPAD), "-_8");
    cr_assert_str_eq(b64_encode_arena(&A, (const uint8_t *)"aaaaa", 5, B64_URL_NOPAD), "YWFhYWE");
    cr_assert_str_eq(b64_encode_arena(&A, NULL, 0, B64_STD_PAD), "");
}
