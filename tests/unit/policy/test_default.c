/* test_default.c - the embedded default policy is byte-identical to the
 * original's (its SHA-384 is what tokens and GET /policy publish). */
#include <criterion/criterion.h>

#include "base/codec.h"
#include "base/hash.h"
#include "policy/policy.h"

Test(default_policy, sha384_is_the_originals)
{
    uint8_t d[48];
    char hex[97];
    cr_assert_eq(hash_digest(HASH_SHA384, POLICY_DEFAULT_TEXT, POLICY_DEFAULT_LEN, d), 0);
    hex_encode(d, 48, hex);
    cr_assert_str_eq(hex, "c0e7929671fb6780387f54760d84d65d2ce96093dfb33efda21f5eb05afcda77bba444c02"
                          "cd177b23a5d350716726157");
    cr_assert_eq(POLICY_DEFAULT_LEN, 2712);
}
