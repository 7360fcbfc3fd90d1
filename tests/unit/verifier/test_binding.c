/* test_binding.c - binding_matches: exact and regularized comparison
 * (binding.md §2). */
#include <criterion/criterion.h>
#include <string.h>

#include "verifier/verifier.h"

static const uint8_t FIELD64[64] = {1, 2, 3, 4};

Test(binding, absent_binding_always_matches)
{
    struct binding b = {false, NULL, 0};
    cr_assert(binding_matches(&b, FIELD64, 64, true));
    cr_assert(binding_matches(NULL, FIELD64, 64, false));
}

Test(binding, exact_requires_same_length_and_bytes)
{
    uint8_t four[4] = {1, 2, 3, 4};
    struct binding b = {true, four, 4};
    cr_assert_not(binding_matches(&b, FIELD64, 64, true));
    cr_assert(binding_matches(&b, FIELD64, 4, true));
    four[3] = 5;
    cr_assert_not(binding_matches(&b, FIELD64, 4, true));
}

Test(binding, shorter_expected_is_zero_padded)
{
    uint8_t four[4] = {1, 2, 3, 4};
    struct binding b = {true, four, 4};
    cr_assert(binding_matches(&b, FIELD64, 64, false));
    uint8_t field[64];
    memcpy(field, FIELD64, 64);
    field[63] = 9; /* non-zero where the padding is */
    cr_assert_not(binding_matches(&b, field, 64, false));
}

Test(binding, longer_expected_is_truncated)
{
    uint8_t sha512[64];
    for (int i = 0; i < 64; i++)
        sha512[i] = (uint8_t)i;
    struct binding b = {true, sha512, 64};
    cr_assert(binding_matches(&b, sha512, 48, false)); /* TDX MRCONFIGID binds 48 bytes */
    cr_assert_not(binding_matches(&b, sha512 + 1, 48, false));
}

Test(binding, empty_expected_against_zero_field)
{
    uint8_t zero[32] = {0};
    struct binding b = {true, (const uint8_t *)"", 0};
    cr_assert(binding_matches(&b, zero, 32, false));
    cr_assert_not(binding_matches(&b, zero, 32, true));
}
