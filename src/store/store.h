/* store.h - persistent storage helpers: local files (atomic replace,
 * bounded reads, listings) and a small key-value interface over them.
 *
 * Policies (src/policy) and reference values (src/rvps) keep their data
 * through struct kv_store, so a second backend (PostgreSQL, shared by
 * several replicas) plugs in as another set of kv_store_ops without the
 * callers changing.  Only the local directory backend exists today.
 *
 * Writes are atomic: a temporary file in the same directory is written,
 * fsync'ed and renamed over the target, then the directory is fsync'ed, so
 * a reader sees the old or the new content, never a mix, and concurrent
 * writers of the same key leave one complete value. */
#ifndef AS_STORE_STORE_H
#define AS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"

/* ---- files ---- */

/* mkdir -p with mode 0755; an existing directory is fine. */
int store_mkdir_p(const char *path, struct as_error *err);
/* Atomically replaces dir/name with data (see above). */
int store_write_atomic(const char *dir, const char *name, const void *data, size_t len,
                       struct as_error *err);
/* Reads a whole file into arena memory (NUL-terminated).  Returns 1 when
 * the file does not exist, 0 when read, -1 on errors (too large: > max
 * bytes, I/O). */
int store_read_file(const char *path, size_t max, struct arena *a, char **data, size_t *len,
                    struct as_error *err);
/* Removes dir/name; returns 1 when it did not exist. */
int store_remove(const char *dir, const char *name, struct as_error *err);
/* Names of the regular files in dir ending in suffix (suffix stripped),
 * sorted bytewise; hidden files (leading '.') are skipped.  A missing
 * directory lists as empty. */
int store_list(const char *dir, const char *suffix, struct arena *a, char ***names, size_t *n,
               struct as_error *err);

/* ---- key-value ---- */

struct kv_store;

struct kv_store_ops {
    /* 1 = absent, 0 = found (*val arena memory, NUL-terminated), -1 = error */
    int (*get)(struct kv_store *kv, const char *key, struct arena *a, char **val, size_t *len,
               struct as_error *err);
    int (*put)(struct kv_store *kv, const char *key, const void *val, size_t len,
               struct as_error *err);
    /* 1 = absent, 0 = removed */
    int (*del)(struct kv_store *kv, const char *key, struct as_error *err);
    /* All keys, sorted. */
    int (*list)(struct kv_store *kv, struct arena *a, char ***keys, size_t *n,
                struct as_error *err);
    void (*free)(struct kv_store *kv);
};

struct kv_store {
    const struct kv_store_ops *ops;
};

/* Directory backend: key K is the file dir/<encode(K)><suffix>, where
 * encode keeps [A-Za-z0-9_-] and '.' (not as first byte) and writes every
 * other byte as %XX, so any key maps to one file inside dir.  Values larger
 * than max_value bytes are refused on read. */
int kv_dir_open(const char *dir, const char *suffix, size_t max_value, struct kv_store **out,
                struct as_error *err);

static inline int kv_get(struct kv_store *kv, const char *key, struct arena *a, char **val,
                         size_t *len, struct as_error *err)
{
    return kv->ops->get(kv, key, a, val, len, err);
}
static inline int kv_put(struct kv_store *kv, const char *key, const void *val, size_t len,
                         struct as_error *err)
{
    return kv->ops->put(kv, key, val, len, err);
}
static inline int kv_del(struct kv_store *kv, const char *key, struct as_error *err)
{
    return kv->ops->del(kv, key, err);
}
static inline int kv_list(struct kv_store *kv, struct arena *a, char ***keys, size_t *n,
                          struct as_error *err)
{
    return kv->ops->list(kv, a, keys, n, err);
}
static inline void kv_free(struct kv_store *kv)
{
    if (kv)
        kv->ops->free(kv);
}

#endif
