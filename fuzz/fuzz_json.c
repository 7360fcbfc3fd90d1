/* fuzz_json.c - libFuzzer target for the JSON parser and printers
 * (src/value/json_parse.c, json_print.c).
 *
 * Arbitrary bytes go to json_parse.  A rejected input must come back with a
 * well-formed 400 error.  An accepted one is printed in every style; each
 * output must parse again; the compact and pretty outputs must give back an
 * equal value with an equal hash, a deep copy must be equal too, and the two
 * canonical forms must be fixed points (printing their own parse gives the
 * same bytes).  The same bytes as a string value (as Rego can build from
 * anything) must print, in every style, as a JSON string that parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "value/value.h"

static struct value *reparse(struct arena *a, const char *text)
{
    struct value *v = NULL;
    struct as_error err = {0};
    if (json_parse(a, text, strlen(text), NULL, &v, &err) != 0)
        abort(); /* every printer's output is valid JSON */
    return v;
}

static void check_same_value(struct arena *a, const struct value *v, enum json_style style)
{
    char *text = json_to_string(a, v, style);
    if (!text)
        abort();
    struct value *again = reparse(a, text);
    if (!value_equal(v, again) || value_hash(v) != value_hash(again))
        abort();
}

static void check_fixed_point(struct arena *a, const struct value *v, enum json_style style)
{
    char *text = json_to_string(a, v, style);
    if (!text)
        abort();
    char *twice = json_to_string(a, reparse(a, text), style);
    if (!twice || strcmp(text, twice) != 0)
        abort();
}

static void check_rejection(const struct as_error *err)
{
    if (err->status != 400 || strcmp(err->type, ERR_INVALID_JSON) != 0 ||
        !strstr(err->detail, " at line ") || !strstr(err->detail, " column "))
        abort();
}

static void check_raw_string(struct arena *a, const uint8_t *data, size_t size)
{
    struct value *s = v_string(a, (const char *)data, size);
    static const enum json_style styles[] = {JSON_COMPACT, JSON_PRETTY, JSON_CANON_V24, JSON_JCS};
    for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
        char *text = json_to_string(a, s, styles[i]);
        if (!text || reparse(a, text)->type != V_STRING)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    struct value *v = NULL;
    struct as_error err = {0};
    if (json_parse(&a, (const char *)data, size, NULL, &v, &err) != 0) {
        check_rejection(&err);
    } else {
        check_same_value(&a, v, JSON_COMPACT);
        check_same_value(&a, v, JSON_PRETTY);
        check_fixed_point(&a, v, JSON_CANON_V24);
        check_fixed_point(&a, v, JSON_JCS);
        struct value *copy = value_copy(&a, v);
        if (!value_equal(v, copy) || value_compare(v, copy) != 0)
            abort();
    }
    check_raw_string(&a, data, size);
    arena_free(&a);
    return 0;
}
