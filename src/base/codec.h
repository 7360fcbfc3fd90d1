/* codec.h - hex and base64 (standard and URL-safe) encoders and strict
 * decoders.
 *
 * Two base64 flavours appear in the API and must not be mixed (api.md
 * §3.1): the outer request fields are URL-safe without padding; fields
 * inside evidence JSON are standard alphabet with canonical padding.  The
 * decoders are strict (no whitespace, zero trailing bits, canonical padding)
 * and say in `why` exactly what was wrong, e.g. "'=' padding is not allowed
 * (base64url without padding expected)". */
#ifndef AS_BASE_CODEC_H
#define AS_BASE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"

/* Lowercase hex.  hex_encode writes 2n chars + NUL into out. */
void hex_encode(const uint8_t *in, size_t n, char *out);
char *hex_encode_arena(struct arena *a, const uint8_t *in, size_t n);
/* Value of one hex digit (either case), or -1. */
int hex_digit_value(char c);
/* Accepts upper and lower case; even length required.  *out is arena memory. */
int hex_decode(struct arena *a, const char *s, size_t n, uint8_t **out, size_t *out_len);

enum b64_flavor {
    B64_STD_PAD,    /* RFC 4648 §4, '=' padding required and canonical */
    B64_URL_NOPAD,  /* RFC 4648 §5, no padding allowed */
    B64_URL_PAD,    /* RFC 4648 §5 with padding */
    B64_STD_NOPAD,  /* standard alphabet, no padding */
};

size_t b64_encoded_len(size_t n, enum b64_flavor f);
/* Appends the encoding of in to b. */
void b64_encode_buf(struct buf *b, const uint8_t *in, size_t n, enum b64_flavor f);
char *b64_encode_arena(struct arena *a, const uint8_t *in, size_t n, enum b64_flavor f);
/* Strict decode.  On error returns -1 and points *why at a static message.
 * *out is arena memory (never NULL on success, even for empty input). */
int b64_decode(struct arena *a, const char *s, size_t n, enum b64_flavor f, uint8_t **out,
               size_t *out_len, const char **why);

#endif
