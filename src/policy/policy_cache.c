/* policy_cache.c - compiled policies keyed by SHA-384 of their text.
 *
 * A policy is compiled the first time its exact text is seen and the
 * compiled form is shared by every request and thread after that.  A policy
 * file that changes has a new digest, so it is simply a new entry; old
 * entries age out (least recently used first) once the cache is full, and
 * an entry still in use by an evaluation stays alive through its reference
 * count until released.  Compilation runs outside the lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/hash.h"
#include "policy/policy.h"

struct policy_cache {
    pthread_mutex_t lock;
    enum rego_version ver;
    struct policy_compiled **entries;
    size_t n, max;
    uint64_t clock;
    struct policy_eval_settings eval;
};

int policy_cache_new(enum rego_version ver, size_t max_entries, struct policy_cache **out,
                     struct as_error *err)
{
    struct policy_cache *c = calloc(1, sizeof(*c));
    if (max_entries == 0)
        max_entries = 64;
    if (c)
        c->entries = calloc(max_entries, sizeof(*c->entries));
    if (!c || !c->entries) {
        free(c);
        return as_err(err, 500, ERR_INTERNAL, "out of memory creating the policy cache");
    }
    pthread_mutex_init(&c->lock, NULL);
    c->ver = ver;
    c->max = max_entries;
    *out = c;
    return 0;
}

static void compiled_free(struct policy_compiled *p)
{
    policy_rego_free(p->rc);
    free(p);
}

void policy_compiled_release(struct policy_compiled *p)
{
    if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
        compiled_free(p);
}

void policy_cache_free(struct policy_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        policy_compiled_release(c->entries[i]);
    free(c->entries);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void policy_cache_set_eval_settings(struct policy_cache *c, const struct policy_eval_settings *s)
{
    pthread_mutex_lock(&c->lock);
    c->eval = *s;
    pthread_mutex_unlock(&c->lock);
}

size_t policy_cache_size(struct policy_cache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Under the lock: a new reference to the entry with this digest, or NULL. */
static struct policy_compiled *lookup_locked(struct policy_cache *c, const uint8_t sha[48])
{
    for (size_t i = 0; i < c->n; i++) {
        struct policy_compiled *p = c->entries[i];
        if (memcmp(p->sha384, sha, 48) == 0) {
            p->last_used = ++c->clock;
            __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
            return p;
        }
    }
    return NULL;
}

/* Under the lock: makes room by dropping the least recently used entry. */
static void evict_locked(struct policy_cache *c)
{
    if (c->n < c->max)
        return;
    size_t oldest = 0;
    for (size_t i = 1; i < c->n; i++) {
        if (c->entries[i]->last_used < c->entries[oldest]->last_used)
            oldest = i;
    }
    policy_compiled_release(c->entries[oldest]);
    c->entries[oldest] = c->entries[--c->n];
}

static int compile_entry(struct policy_cache *c, const char *filename, const char *text,
                         size_t len, const uint8_t sha[48], struct policy_compiled **out,
                         struct as_error *err)
{
    struct policy_compiled *p = calloc(1, sizeof(*p));
    if (!p)
        return as_err(err, 500, ERR_INTERNAL, "out of memory compiling a policy");
    memcpy(p->sha384, sha, 48);
    hex_encode(sha, 48, p->hash_hex);
    p->eval = c->eval;
    if (policy_rego_compile(filename, text, len, c->ver, &p->rc, err) < 0) {
        free(p);
        return -1;
    }
    p->refs = 1; /* the caller's */
    *out = p;
    return 0;
}

int policy_cache_get(struct policy_cache *c, const char *filename, const char *text, size_t len,
                     struct policy_compiled **out, struct as_error *err)
{
    uint8_t sha[48];
    if (hash_digest(HASH_SHA384, text, len, sha) < 0)
        return as_err(err, 500, ERR_INTERNAL, "SHA-384 unavailable");
    pthread_mutex_lock(&c->lock);
    *out = lookup_locked(c, sha);
    pthread_mutex_unlock(&c->lock);
    if (*out)
        return 0;

    struct policy_compiled *fresh = NULL;
    TRY(compile_entry(c, filename, text, len, sha, &fresh, err));
    pthread_mutex_lock(&c->lock);
    struct policy_compiled *raced = lookup_locked(c, sha);
    if (raced) {
        *out = raced; /* another thread compiled the same text meanwhile */
    } else {
        evict_locked(c);
        __atomic_add_fetch(&fresh->refs, 1, __ATOMIC_ACQ_REL); /* the cache's */
        fresh->last_used = ++c->clock;
        c->entries[c->n++] = fresh;
        *out = fresh;
        fresh = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (fresh)
        policy_compiled_release(fresh);
    return 0;
}
