/* bi_regex.h - Go RE2 patterns on PCRE2, shared by the built-ins that take
 * regular expressions (bi_regex.c owns the translation and the cache). */
#ifndef AS_REGO_BI_REGEX_H
#define AS_REGO_BI_REGEX_H

#include "rego/bi_util.h"

/* The compiled pattern (a pcre2_code *, owned by the process-wide cache),
 * or NULL with Go's "error parsing regexp: ..." message in err. */
const void *bi_regex_get(const char *pat, size_t n, char *err, size_t errlen);
bool bi_regex_valid(const char *pat, size_t n);

#endif
