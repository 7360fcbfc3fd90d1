/* text.h - strict UTF-8 validation for texts the service stores or parses
 * (policies, initdata TOML).  RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
#ifndef AS_POLICY_TEXT_H
#define AS_POLICY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the UTF-8 sequence at s (1-4) and its code point, or 0 when the
 * bytes at s are not a valid sequence within n. */
size_t text_utf8_next(const char *s, size_t n, uint32_t *cp);
/* true if all n bytes are valid UTF-8; otherwise *bad_at = offset of the
 * first invalid byte. */
bool text_utf8_valid(const char *s, size_t n, size_t *bad_at);

#endif
