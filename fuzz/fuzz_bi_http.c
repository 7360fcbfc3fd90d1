/* fuzz_bi_http.c - http.send's response decoding (bi_http.c): the status
 * line and header lines of a received head, and the body decoded as JSON
 * or YAML when the content type or a force flag says so.  The first byte
 * carries the force flags; the rest is split at the first blank line into
 * head and body, as a server sends them.  The result must always be the
 * five-member response object with UTF-8 strings (json_to_string of it
 * must succeed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool force_json = data[0] & 1, force_yaml = data[0] & 2;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *blank = memmem(s, n, "\r\n\r\n", 4);
    size_t head_len = blank ? (size_t)(blank - s) + 4 : n;
    const char *body = s + head_len;
    size_t body_len = n - head_len;

    struct arena arena;
    arena_init(&arena, 1 << 14);
    arena.limit = 64u << 20;
    struct as_error err;
    struct rego_bi_ctx ctx = {.arena = &arena, .name = "http.send", .err = &err};
    struct value *out = NULL;
    if (bi_http_response_value(&ctx, 200, s, head_len, body, body_len, force_json, force_yaml,
                               &out) == 0) {
        if (!out || out->type != V_OBJECT || out->u.obj.len != 5)
            abort();
        if (!json_to_string(&arena, out, JSON_COMPACT))
            abort();
    }
    arena_free(&arena);
    return 0;
}
