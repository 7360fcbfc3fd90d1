/* policy_id.c - policy identifiers: [A-Za-z0-9_-]{1,64}, checked on every
 * use (set, get, delete and evaluation), so an id can never leave the
 * policy directory (the original pasted `../x` into a path). */
#include "policy/policy.h"

bool policy_id_valid(const char *id, size_t len)
{
    if (!id || len == 0 || len > POLICY_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

int policy_id_check(const char *id, size_t len, struct as_error *err)
{
    if (policy_id_valid(id, len))
        return 0;
    if (!id || len == 0)
        return as_err(err, 400, ERR_INVALID_POLICY_ID,
                      "policy id is empty; ids are 1 to %d characters of A-Z a-z 0-9 - _",
                      POLICY_ID_MAX);
    /* Show the id with anything but printable ASCII replaced, so the
     * message stays valid UTF-8 and one line. */
    char shown[84];
    size_t n = len > 80 ? 80 : len;
    for (size_t i = 0; i < n; i++)
        shown[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
    shown[n] = '\0';
    return as_err(err, 400, ERR_INVALID_POLICY_ID,
                  "illegal policy id '%s%s': ids are 1 to %d characters of A-Z a-z 0-9 - _", shown,
                  len > 80 ? "..." : "", POLICY_ID_MAX);
}
