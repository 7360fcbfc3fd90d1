/* ccel_text.h - text decoding for CC event log details: UTF-8 and UTF-16LE
 * input, strict (fail on an ill-formed sequence) or lossy (each maximal
 * ill-formed subpart / unpaired surrogate becomes U+FFFD, as Rust's
 * from_utf8_lossy / from_utf16_lossy do), appended as UTF-8 to a buffer.
 * U+0000 is kept as a character. */
#ifndef AS_VERIFIER_TDX_CCEL_TEXT_H
#define AS_VERIFIER_TDX_CCEL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
bool ccel_utf8_valid(const uint8_t *p, size_t n);
/* Appends p as UTF-8 with ill-formed subparts replaced. */
void ccel_utf8_lossy(struct buf *b, const uint8_t *p, size_t n);
/* n must be even.  strict: -1 on an unpaired surrogate (nothing appended
 * past it); lossy: U+FFFD for each unpaired surrogate. */
int ccel_utf16le(struct buf *b, const uint8_t *p, size_t n, bool lossy);

#endif
