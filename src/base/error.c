/* error.c - see error.h */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

int as_verr(struct as_error *err, int status, const char *type, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    err->status = status;
    snprintf(err->type, sizeof(err->type), "%s", type);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    return -1;
}

int as_err(struct as_error *err, int status, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    as_verr(err, status, type, fmt, ap);
    va_end(ap);
    return -1;
}

int as_err_prefix(struct as_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    char old[sizeof(err->detail)];
    memcpy(old, err->detail, sizeof(old));
    snprintf(err->detail, sizeof(err->detail), "%s: %s", prefix, old);
    return -1;
}

void as_err_clear(struct as_error *err)
{
    if (!err)
        return;
    err->status = 0;
    err->type[0] = '\0';
    err->detail[0] = '\0';
}
