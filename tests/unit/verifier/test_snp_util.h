/* test_snp_util.h - helpers shared by the SNP unit tests: reading vector
 * files from AS_SHARED_DIR and JSON documents into an arena. */
#ifndef TEST_SNP_UTIL_H
#define TEST_SNP_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "base/arena.h"
#include "value/value.h"

#define SNP_VECTORS AS_SHARED_DIR "/vectors/snp"

static inline bool snp_vectors_present(void)
{
    struct stat st;
    return stat(SNP_VECTORS "/ground-truth.json", &st) == 0;
}

#define SKIP_WITHOUT_VECTORS()                                                                     \
    do {                                                                                           \
        if (!snp_vectors_present())                                                                \
            cr_skip_test("SNP vectors not present under " SNP_VECTORS);                            \
    } while (0)

/* Whole file into the arena (NUL-terminated); NULL if unreadable. */
static inline uint8_t *snp_read_file(struct arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n >= 0 ? arena_alloc(a, (size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n)
        buf = NULL;
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

/* A vector path relative to shared/vectors ("snp/good/x.bin"). */
static inline uint8_t *snp_read_vector(struct arena *a, const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors/%s", AS_SHARED_DIR, rel);
    return snp_read_file(a, path, len);
}

static inline struct value *snp_read_json(struct arena *a, const char *path)
{
    size_t n;
    uint8_t *text = snp_read_file(a, path, &n);
    struct value *v = NULL;
    struct as_error err;
    if (!text || json_parse(a, (const char *)text, n, NULL, &v, &err) < 0)
        return NULL;
    return v;
}

static inline struct value *snp_read_json_text(struct arena *a, const char *text)
{
    struct value *v = NULL;
    struct as_error err;
    if (json_parse(a, text, strlen(text), NULL, &v, &err) < 0)
        return NULL;
    return v;
}

static inline const char *snp_str(const struct value *o, const char *key)
{
    const struct value *v = value_object_get_str(o, key);
    return v_is(v, V_STRING) ? v->u.str.s : NULL;
}

static inline bool snp_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

#endif
