/* fuzz_codec.c - libFuzzer target for the strict hex and base64 decoders
 * (base/codec.c).  Every flavour must either reject the input or decode it
 * to bytes that encode back to exactly the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    const char *s = (const char *)data;
    static const enum b64_flavor flavours[] = {B64_STD_PAD, B64_URL_NOPAD, B64_URL_PAD,
                                               B64_STD_NOPAD};
    for (size_t i = 0; i < sizeof(flavours) / sizeof(flavours[0]); i++) {
        uint8_t *out;
        size_t n;
        const char *why;
        if (b64_decode(&a, s, size, flavours[i], &out, &n, &why) == 0) {
            char *back = b64_encode_arena(&a, out, n, flavours[i]);
            if (!back || strlen(back) != size || memcmp(back, s, size) != 0)
                abort(); /* strict decoding must be canonical */
        }
    }
    uint8_t *out;
    size_t n;
    if (hex_decode(&a, s, size, &out, &n) == 0) {
        char *back = hex_encode_arena(&a, out, n);
        if (!back || strlen(back) != size)
            abort();
    }
    arena_free(&a);
    return 0;
}
