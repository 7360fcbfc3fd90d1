/* snp_cache.c - the in-memory cache of verified SEV-SNP endorsement chains
 * (see snp_cache.h for what is kept and how it is found). */
#include "verifier/snp/snp_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

#define GROUPS (SNP_CHAIN_CACHE_SLOTS / SNP_CHAIN_CACHE_WAYS)

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct snp_chain_entry *slots[SNP_CHAIN_CACHE_SLOTS];
static atomic_uint_fast64_t tick, hits, misses, inserts, evictions;

/* Digest of an optional byte string: a presence byte, then its SHA-384. */
static int put_optional(uint8_t *out, const uint8_t *p, size_t n)
{
    out[0] = p != NULL;
    if (!p) {
        memset(out + 1, 0, 48);
        return 0;
    }
    return hash_digest(HASH_SHA384, p, n, out + 1);
}

int snp_chain_id_compute(const struct snp_chain_source *s, const uint8_t trust_id[48],
                         struct snp_chain_id *out)
{
    uint8_t chain[48 + 1 + 2 * 49];
    memcpy(chain, trust_id, 48);
    chain[48] = (uint8_t)s->kind_source;
    if (hash_digest(HASH_SHA384, s->vek, s->vek_len, out->vek) < 0 ||
        put_optional(chain + 49, s->ark, s->ark_len) < 0 ||
        put_optional(chain + 98, s->ask, s->ask_len) < 0)
        return -1;
    return hash_digest(HASH_SHA384, chain, sizeof chain, out->chain);
}

static size_t group_of(const uint8_t vek_digest[48])
{
    uint32_t g;
    memcpy(&g, vek_digest, sizeof g);
    return (g % GROUPS) * SNP_CHAIN_CACHE_WAYS;
}

static bool same_vek(const struct snp_chain_entry *e, const uint8_t *vek, size_t len)
{
    return e->vek_len == len && memcmp(e->vek_bytes, vek, len) == 0;
}

static bool matches(const struct snp_chain_entry *e, const struct snp_chain_id *id,
                    const uint8_t *vek, size_t len)
{
    return memcmp(&e->id, id, sizeof *id) == 0 && same_vek(e, vek, len);
}

static const struct snp_chain_entry *take(struct snp_chain_entry *e)
{
    atomic_fetch_add(&e->refs, 1);
    atomic_store(&e->last_used, atomic_fetch_add(&tick, 1) + 1);
    return e;
}

const struct snp_chain_entry *snp_chain_cache_get(const struct snp_chain_id *id, const uint8_t *vek,
                                                  size_t vek_len)
{
    const struct snp_chain_entry *found = NULL;
    size_t g = group_of(id->vek);
    pthread_rwlock_rdlock(&cache_lock);
    for (size_t i = g; i < g + SNP_CHAIN_CACHE_WAYS && !found; i++)
        if (slots[i] && matches(slots[i], id, vek, vek_len))
            found = take(slots[i]);
    pthread_rwlock_unlock(&cache_lock);
    atomic_fetch_add(found ? &hits : &misses, 1);
    return found;
}

void snp_chain_entry_release(const struct snp_chain_entry *ce)
{
    struct snp_chain_entry *e = (struct snp_chain_entry *)ce;
    if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    EVP_PKEY_free(e->key);
    free(e->vek_bytes);
    free(e);
}

static struct snp_chain_entry *entry_new(const struct snp_chain_id *id, enum snp_vek_kind kind,
                                         X509 *vek, const struct snp_vek_info *info,
                                         const uint8_t *bytes, size_t len)
{
    EVP_PKEY *key = X509_get0_pubkey(vek);
    struct snp_chain_entry *e = calloc(1, sizeof *e);
    if (!e || !key || !(e->vek_bytes = malloc(len ? len : 1)) || EVP_PKEY_up_ref(key) != 1) {
        if (e)
            free(e->vek_bytes);
        free(e);
        return NULL;
    }
    e->id = *id;
    e->kind = kind;
    e->key = key;
    e->info = *info;
    memcpy(e->vek_bytes, bytes, len);
    e->vek_len = len;
    atomic_init(&e->refs, 1); /* the cache's reference */
    atomic_init(&e->last_used, 0);
    return e;
}

/* The slot of group g to fill: a free one, else the least recently used. */
static size_t victim(size_t g)
{
    size_t best = g;
    for (size_t i = g; i < g + SNP_CHAIN_CACHE_WAYS; i++) {
        if (!slots[i])
            return i;
        if (atomic_load(&slots[i]->last_used) < atomic_load(&slots[best]->last_used))
            best = i;
    }
    return best;
}

const struct snp_chain_entry *snp_chain_cache_put(const struct snp_chain_id *id,
                                                  enum snp_vek_kind kind, X509 *vek,
                                                  const struct snp_vek_info *info,
                                                  const uint8_t *vek_bytes, size_t vek_len)
{
    struct snp_chain_entry *e = entry_new(id, kind, vek, info, vek_bytes, vek_len);
    struct snp_chain_entry *old = NULL;
    const struct snp_chain_entry *ref = NULL;
    if (!e)
        return NULL;
    size_t g = group_of(id->vek);
    pthread_rwlock_wrlock(&cache_lock);
    for (size_t i = g; i < g + SNP_CHAIN_CACHE_WAYS && !ref; i++)
        if (slots[i] && matches(slots[i], id, vek_bytes, vek_len))
            ref = take(slots[i]); /* another thread was first */
    if (!ref) {
        size_t v = victim(g);
        old = slots[v];
        slots[v] = e;
        ref = take(e);
        e = NULL;
    }
    pthread_rwlock_unlock(&cache_lock);
    if (old)
        atomic_fetch_add(&evictions, 1);
    if (!e)
        atomic_fetch_add(&inserts, 1);
    snp_chain_entry_release(old);
    snp_chain_entry_release(e);
    return ref;
}

enum snp_product snp_chain_cache_issuer_product(const uint8_t *vek, size_t vek_len)
{
    uint8_t digest[48];
    enum snp_product p = SNP_PRODUCT_UNKNOWN;
    if (hash_digest(HASH_SHA384, vek, vek_len, digest) < 0)
        return p;
    size_t g = group_of(digest);
    pthread_rwlock_rdlock(&cache_lock);
    for (size_t i = g; i < g + SNP_CHAIN_CACHE_WAYS && p == SNP_PRODUCT_UNKNOWN; i++)
        if (slots[i] && memcmp(slots[i]->id.vek, digest, 48) == 0 &&
            same_vek(slots[i], vek, vek_len))
            p = slots[i]->info.issuer_product;
    pthread_rwlock_unlock(&cache_lock);
    return p;
}

void snp_chain_cache_stats(struct snp_chain_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&cache_lock);
    for (size_t i = 0; i < SNP_CHAIN_CACHE_SLOTS; i++)
        out->entries += slots[i] != NULL;
    pthread_rwlock_unlock(&cache_lock);
    out->hits = atomic_load(&hits);
    out->misses = atomic_load(&misses);
    out->inserts = atomic_load(&inserts);
    out->evictions = atomic_load(&evictions);
}

void snp_chain_cache_clear(void)
{
    struct snp_chain_entry *drop[SNP_CHAIN_CACHE_SLOTS];
    pthread_rwlock_wrlock(&cache_lock);
    memcpy(drop, slots, sizeof drop);
    memset(slots, 0, sizeof slots);
    pthread_rwlock_unlock(&cache_lock);
    for (size_t i = 0; i < SNP_CHAIN_CACHE_SLOTS; i++)
        snp_chain_entry_release(drop[i]);
    atomic_store(&hits, 0);
    atomic_store(&misses, 0);
    atomic_store(&inserts, 0);
    atomic_store(&evictions, 0);
}
