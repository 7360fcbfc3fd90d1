/* binding.c - binding.md §2: compare the caller's expected bytes with an
 * evidence field, either exactly or after the original's regularize_data
 * (right-pad with zero bytes, or truncate, to the field's length). */
#include <string.h>

#include "verifier/verifier.h"

bool binding_matches(const struct binding *b, const uint8_t *field, size_t field_len, bool exact)
{
    if (!b || !b->present)
        return true;
    if (exact)
        return b->len == field_len && (field_len == 0 || memcmp(b->data, field, field_len) == 0);
    size_t common = b->len < field_len ? b->len : field_len;
    if (common && memcmp(b->data, field, common) != 0)
        return false;
    /* Expected bytes shorter than the field: the rest of the field must
     * equal the zero padding. */
    for (size_t i = common; i < field_len; i++) {
        if (field[i] != 0)
            return false;
    }
    return true;
}
