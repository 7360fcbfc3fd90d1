/* kv_dir.c - the directory backend of struct kv_store: one file per key,
 * file name = percent-encoded key + suffix (store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

struct kv_dir {
    struct kv_store base; /* first: a kv_store* is a kv_dir* */
    char *dir;
    char *suffix;
    size_t max_value;
};

static bool plain_byte(unsigned char c, size_t pos)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return c == '_' || c == '-' || (c == '.' && pos > 0);
}

/* Encodes key (+ suffix) into out; -1 when it does not fit. */
static int encode_name(const struct kv_dir *kv, const char *key, char *out, size_t cap)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; key[i]; i++) {
        unsigned char c = (unsigned char)key[i];
        if (o + 4 >= cap)
            return -1;
        if (plain_byte(c, i)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = HEX[c >> 4];
            out[o++] = HEX[c & 15];
        }
    }
    size_t sl = strlen(kv->suffix);
    if (o == 0 || o + sl + 1 > cap)
        return -1;
    memcpy(out + o, kv->suffix, sl + 1);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes a listed file stem back to its key in place; -1 if malformed. */
static int decode_name(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '%') {
            s[o++] = s[i];
            continue;
        }
        int hi = hexval(s[i + 1]), lo = hi < 0 ? -1 : hexval(s[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return -1;
        s[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    s[o] = '\0';
    return 0;
}

static int name_for(const struct kv_dir *kv, const char *key, char *name, size_t cap,
                    struct as_error *err)
{
    if (encode_name(kv, key, name, cap) < 0)
        return as_err(err, 400, ERR_INVALID_REQUEST, "storage: key is empty or too long");
    return 0;
}

static int dir_get(struct kv_store *base, const char *key, struct arena *a, char **val,
                   size_t *len, struct as_error *err)
{
    struct kv_dir *kv = (struct kv_dir *)base;
    char name[1024], path[4096];
    TRY(name_for(kv, key, name, sizeof(name), err));
    snprintf(path, sizeof(path), "%s/%s", kv->dir, name);
    return store_read_file(path, kv->max_value, a, val, len, err);
}

static int dir_put(struct kv_store *base, const char *key, const void *val, size_t len,
                   struct as_error *err)
{
    struct kv_dir *kv = (struct kv_dir *)base;
    char name[1024];
    TRY(name_for(kv, key, name, sizeof(name), err));
    return store_write_atomic(kv->dir, name, val, len, err);
}

static int dir_del(struct kv_store *base, const char *key, struct as_error *err)
{
    struct kv_dir *kv = (struct kv_dir *)base;
    char name[1024];
    TRY(name_for(kv, key, name, sizeof(name), err));
    return store_remove(kv->dir, name, err);
}

static int dir_list(struct kv_store *base, struct arena *a, char ***keys, size_t *n,
                    struct as_error *err)
{
    struct kv_dir *kv = (struct kv_dir *)base;
    TRY(store_list(kv->dir, kv->suffix, a, keys, n, err));
    size_t o = 0;
    for (size_t i = 0; i < *n; i++) {
        if (decode_name((*keys)[i]) == 0)
            (*keys)[o++] = (*keys)[i]; /* files we could not have written are skipped */
    }
    *n = o;
    return 0;
}

static void dir_free(struct kv_store *base)
{
    struct kv_dir *kv = (struct kv_dir *)base;
    free(kv->dir);
    free(kv->suffix);
    free(kv);
}

static const struct kv_store_ops DIR_OPS = {dir_get, dir_put, dir_del, dir_list, dir_free};

int kv_dir_open(const char *dir, const char *suffix, size_t max_value, struct kv_store **out,
                struct as_error *err)
{
    struct kv_dir *kv = calloc(1, sizeof(*kv));
    if (!kv)
        return as_err(err, 500, ERR_INTERNAL, "storage: out of memory");
    kv->base.ops = &DIR_OPS;
    kv->dir = strdup(dir);
    kv->suffix = strdup(suffix ? suffix : "");
    kv->max_value = max_value;
    if (!kv->dir || !kv->suffix) {
        dir_free(&kv->base);
        return as_err(err, 500, ERR_INTERNAL, "storage: out of memory");
    }
    *out = &kv->base;
    return 0;
}
