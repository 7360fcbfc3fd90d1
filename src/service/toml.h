/* toml.h - a small strict TOML 1.0 parser, enough for the initdata format
 * (binding.md §1.4): comments, key/value pairs, bare/quoted/dotted keys,
 * [tables], [[arrays of tables]], basic/literal/multi-line strings,
 * integers (decimal, 0x, 0o, 0b, underscores), floats, booleans, arrays and
 * inline tables.  Date/time values are rejected with a clear message (the
 * service has no use for them).  The result is a value object (strings,
 * numbers, booleans, arrays, objects).
 *
 * Errors: 400, type chosen by the caller, detail "line L column C: ...". */
#ifndef AS_SERVICE_TOML_H
#define AS_SERVICE_TOML_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

#define TOML_MAX_DEPTH 64

int toml_parse(struct arena *a, const char *text, size_t len, const char *err_type,
               struct value **out, struct as_error *err);

#endif
