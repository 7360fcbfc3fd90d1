/* rego_errors_util.h - compile errors printed as OPA's Error() prints them
 * (test_typecheck.c, test_typecheck_schema.c): "file:row:col: code:
 * message", then each detail line after "\n\t". */
#ifndef AS_TEST_REGO_ERRORS_UTIL_H
#define AS_TEST_REGO_ERRORS_UTIL_H

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

#endif
