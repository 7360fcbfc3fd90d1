/* bi_fastjson.h - the JSON reading of valyala/fastjson (v1.6.x), which jwx
 * v3's jwsbb header helpers use; OPA 2026 reads io.jwt.encode_sign's header
 * through them (internal to the built-ins).
 *
 * fastjson is not a validator: numbers are any run of [0-9.eE+-] (or
 * inf/nan), string and key escapes are not checked (they are undone "best
 * effort" when a value is read), control characters and invalid UTF-8 pass.
 * Its errors name the innermost failure wrapped by every enclosing value,
 * then the unparsed tail: "cannot parse JSON: cannot parse object: missing
 * ':' after object key; unparsed tail: \"...\"" (Go's %q, cut to 40 + "..."
 * + 40 bytes past 80).  Depth is limited to 300 nested values.
 *
 * Only the top-level value is kept: its type and, for an object, its
 * members (first duplicate wins on lookup, as Object.Get). */
#ifndef AS_REGO_BI_FASTJSON_H
#define AS_REGO_BI_FASTJSON_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

#define FJ_MAX_DEPTH 300

enum fj_type { FJ_NULL, FJ_TRUE, FJ_FALSE, FJ_NUMBER, FJ_STRING, FJ_ARRAY, FJ_OBJECT };

struct fj_member {
    const char *key; /* raw (escaped) until the object's keys are unescaped */
    size_t key_len;
    enum fj_type type;
    const char *raw; /* a string's raw text (between the quotes) */
    size_t raw_len;
    struct fj_member *next;
};

struct fj_doc {
    enum fj_type type;
    struct fj_member *members; /* FJ_OBJECT, in text order */
    bool keys_unescaped;       /* Object.unescapeKeys has run */
};

/* Parser.Parse: 0, or -1 with *err = fastjson's error text (NULL when the
 * arena is exhausted).  Everything lives in the arena. */
int fj_parse(struct arena *a, const char *s, size_t n, struct fj_doc *doc, const char **err);

/* Value.Get(key) for one key without a backslash: NULL when the document
 * is not an object or has no such member.  May unescape the keys (as
 * fastjson does when the raw keys do not match); NULL also on OOM with
 * *oom set. */
const struct fj_member *fj_get(struct arena *a, struct fj_doc *doc, const char *key, bool *oom);

/* Value.StringBytes: the unescaped text of a string member (*len bytes),
 * or NULL with *err = "value doesn't contain string; it contains <type>"
 * (*err NULL on OOM). */
const char *fj_string(struct arena *a, const struct fj_member *m, size_t *len, const char **err);

/* Type.String(): "object", "array", "string", "number", "true", ... */
const char *fj_type_name(enum fj_type t);

#endif
