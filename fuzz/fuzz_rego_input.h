/* fuzz_rego_input.h - the input layout shared by the Rego evaluation fuzz
 * targets: "<module text>\0<query>\0<input JSON>"; a missing module is
 * empty, a missing or empty query is "data", a missing input is none. */
#ifndef AS_FUZZ_REGO_INPUT_H
#define AS_FUZZ_REGO_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"

struct fuzz_rego_input {
    const char *module, *query, *input;
};

static inline const char *fuzz_rego_part(const char **p, const char *end)
{
    const char *s = *p;
    if (s >= end)
        return NULL;
    const char *z = memchr(s, '\0', (size_t)(end - s));
    *p = z ? z + 1 : end;
    return s;
}

/* Splits data (copied into a, NUL-terminated); false when it is too large
 * or out of memory. */
static inline bool fuzz_rego_split(struct arena *a, const uint8_t *data, size_t size,
                                   struct fuzz_rego_input *in)
{
    if (size > 16 * 1024)
        return false;
    char *buf = arena_alloc(a, size + 1);
    if (!buf)
        return false;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *p = buf, *end = buf + size;
    in->module = fuzz_rego_part(&p, end);
    in->query = fuzz_rego_part(&p, end);
    in->input = fuzz_rego_part(&p, end);
    if (!in->module)
        in->module = "";
    if (!in->query || !*in->query)
        in->query = "data";
    return true;
}

#endif
