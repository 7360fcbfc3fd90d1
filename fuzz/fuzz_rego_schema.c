/* fuzz_rego_schema.c - libFuzzer target for the inline METADATA schema
 * converter (typecheck_schema.c) and its use by the type checker: the
 * input is a JSON Schema text put on one line of a `schemas` annotation
 * (input and a data path) in a small module with a few references into
 * input and data, compiled under Rego v1.  No crash, leak or hang on any
 * schema text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego.h"

static const char head[] = "package f\n# METADATA\n# schemas:\n#   - input: ";
static const char mid[] = "\n#   - data.d.e: ";
static const char tail[] = "\np if { input.a.b = 1; x := input[_]; data.d.e.f[y] }\n"
                           "q := input.c if count(input.a) > 1\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16 * 1024 || memchr(data, '\n', size) || memchr(data, '\r', size))
        return 0;
    size_t n = sizeof(head) - 1 + 2 * size + sizeof(mid) - 1 + sizeof(tail) - 1;
    char *text = malloc(n + 1);
    if (!text)
        return 0;
    char *p = text;
    memcpy(p, head, sizeof(head) - 1);
    p += sizeof(head) - 1;
    memcpy(p, data, size);
    p += size;
    memcpy(p, mid, sizeof(mid) - 1);
    p += sizeof(mid) - 1;
    memcpy(p, data, size);
    p += size;
    memcpy(p, tail, sizeof(tail) - 1);
    struct rego_source src = {"schema.rego", text, n};
    struct rego_compiled *c = NULL;
    struct as_error err;
    struct rego_error_list l = {0};
    if (rego_compile_all(&src, 1, REGO_V1, NULL, &c, &err, &l) == 0)
        rego_compiled_free(c);
    rego_error_list_free(&l);
    free(text);
    return 0;
}
