/* trustee_mirror.h - reads a file of the original (trustee) from a fetched
 * mirror for the tests that run the original's policies: the git directory
 * in AS_TRUSTEE_MIRROR, default /work/.mirror/confidential-containers+
 * trustee/repo.  NULL when there is no mirror (the tests then skip). */
#ifndef AS_TEST_TRUSTEE_MIRROR_H
#define AS_TEST_TRUSTEE_MIRROR_H

#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"

/* The file's text at the mirror's HEAD (malloc'd, NUL-terminated). */
static inline char *mirror_file(const char *path)
{
    const char *dir = getenv("AS_TRUSTEE_MIRROR");
    if (!dir)
        dir = "/work/.mirror/confidential-containers+trustee/repo";
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "git --git-dir='%s' show HEAD:'%s' 2>/dev/null", dir, path);
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    struct buf b = BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        buf_append(&b, tmp, n);
    if (pclose(f) != 0 || b.len == 0) {
        buf_free(&b);
        return NULL;
    }
    buf_cstr(&b);
    return buf_steal(&b, &n);
}

#endif
