/* rego_errors_util.h - compile errors printed as OPA's Error() prints them
 * (test_typecheck.c, test_typecheck_schema.c): "file:row:col: code:
 * message", then each detail line after "\n\t"; and the compilation of one
 * or two modules that collects them. */
#ifndef AS_TEST_REGO_ERRORS_UTIL_H
#define AS_TEST_REGO_ERRORS_UTIL_H

#include <string.h>

#include "base/buf.h"
#include "rego/rego.h"

static inline void format_errors(struct buf *b, const struct rego_error_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        const struct rego_error_info *e = &l->v[k];
        if (k)
            buf_putc(b, '\n');
        if (e->row)
            buf_printf(b, "%s:%d:%d: ", e->file, e->row, e->col);
        buf_printf(b, "%s: %s", e->code, e->message);
        if (e->details[0])
            buf_puts(b, "\n\t");
        for (const char *p = e->details; *p; p++) {
            if (*p == '\n')
                buf_puts(b, "\n\t");
            else
                buf_putc(b, *p);
        }
    }
}

/* Compiles p.rego (mod) and, when mod2 is set, q.rego in version ver; the
 * errors into out; rego_compile_all's result. */
static inline int compile_errors(const char *mod, const char *mod2, enum rego_version ver,
                                 struct buf *out)
{
    struct rego_source src[2] = {{"p.rego", mod, strlen(mod)},
                                 {"q.rego", mod2, mod2 ? strlen(mod2) : 0}};
    struct rego_compiled *c = NULL;
    struct as_error err;
    struct rego_error_list l;
    int rc = rego_compile_all(src, mod2 ? 2 : 1, ver, NULL, &c, &err, &l);
    format_errors(out, &l);
    rego_error_list_free(&l);
    rego_compiled_free(c);
    return rc;
}

#endif
