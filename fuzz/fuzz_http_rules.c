/* fuzz_http_rules.c - libFuzzer target for the HTTP transport rules
 * (src/server/http_rules.c): media-type check, Content-Length parsing,
 * Transfer-Encoding framing, path decoding and token check on arbitrary
 * client bytes.  The server module is not linked into fuzz targets, so its
 * rules file is compiled in here directly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_rules.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0'; /* headers and targets reach us as C strings */
    (void)media_type_is_json(s);
    uint64_t n;
    if (content_length_parse(s, &n) == 0 && strspn(s, "0123456789") != strlen(s))
        abort();
    struct arena a;
    arena_init(&a, 0);
    char *path;
    if (path_decode(&a, s, &path) == 0) {
        if (strlen(path) > strcspn(s, "?#"))
            abort(); /* decoding never grows the path */
    }
    (void)http_is_token(s, strlen(s));
    struct framing f = {.n_transfer_encoding = 1, .transfer_encoding = s};
    if (framing_judge(&f) == FRAMING_OK && strlen(s) != 7)
        abort(); /* only "chunked" (any case) is accepted */
    arena_free(&a);
    free(s);
    return 0;
}
