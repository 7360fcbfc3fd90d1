/* snp_cache.h - verified SEV-SNP endorsement chains, kept in memory.
 *
 * Owns: the process-wide cache that lets a warm verification skip parsing
 * the VCEK/VLEK and re-checking its RSA-PSS chain.  An entry is made only
 * for a chain that passed every chain check (snp_checks_chain) and holds
 * what the report checks need: the VEK's public key, its extension values
 * (struct snp_vek_info) and its kind.  Entries are immutable once
 * published and shared by reference count: a lookup takes a reference under
 * a short read lock and the caller verifies without any lock held.
 *
 * Identity: an entry is found by
 *   vek   = SHA-384 of the exact VEK bytes as they arrived (DER, or PEM
 *           from a source), and
 *   chain = SHA-384 of (trust anchors' identity, how the kind was decided,
 *           the exact ARK and ASK/ASVK bytes the evidence carried, if any),
 * and a hit also compares the stored VEK bytes with the presented ones
 * byte for byte, so a different certificate can never use an entry.
 *
 * Bounded: SNP_CHAIN_CACHE_SLOTS entries in groups of SNP_CHAIN_CACHE_WAYS
 * (chosen by the VEK digest); a full group evicts its least recently used
 * entry.  Only chains that AMD (or the configured test anchors) signed can
 * get in, so eviction is about memory, not about attackers. */
#ifndef AS_VERIFIER_SNP_CACHE_H
#define AS_VERIFIER_SNP_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "verifier/snp/snp_cert.h"

#define SNP_CHAIN_CACHE_SLOTS 256
#define SNP_CHAIN_CACHE_WAYS  8

/* How the VEK's kind was decided (part of the chain identity). */
enum snp_kind_source {
    SNP_KIND_FROM_VCEK_ENTRY, /* a VCEK entry of a table / cert_chain, or a source */
    SNP_KIND_FROM_VLEK_ENTRY, /* a VLEK entry */
    SNP_KIND_FROM_SUBJECT,    /* a lone certificate: VLEK when its CN is SEV-VLEK */
};

/* The exact bytes a verification takes its endorsement from. */
struct snp_chain_source {
    enum snp_kind_source kind_source;
    const uint8_t *vek;
    size_t vek_len;
    const uint8_t *ark; /* from the evidence, or NULL */
    size_t ark_len;
    const uint8_t *ask; /* ASK or ASVK from the evidence, or NULL */
    size_t ask_len;
};

struct snp_chain_id {
    uint8_t vek[48];
    uint8_t chain[48];
};

struct snp_chain_entry {
    struct snp_chain_id id;
    enum snp_vek_kind kind;
    EVP_PKEY *key; /* the VEK's public key (shared, read-only) */
    struct snp_vek_info info;
    uint8_t *vek_bytes; /* exact bytes, compared on every hit */
    size_t vek_len;
    atomic_int refs;
    atomic_uint_fast64_t last_used;
};

/* Computes the identity of s under the anchors whose snp_trust_id is
 * trust_id.  -1 when hashing fails (then nothing is cached). */
int snp_chain_id_compute(const struct snp_chain_source *s, const uint8_t trust_id[48],
                         struct snp_chain_id *out);

/* A reference to the entry with this identity and these exact VEK bytes,
 * or NULL.  Release it with snp_chain_entry_release. */
const struct snp_chain_entry *snp_chain_cache_get(const struct snp_chain_id *id, const uint8_t *vek,
                                                  size_t vek_len);

/* Publishes a chain that passed the chain checks: the key of vek, the
 * extensions info and a copy of the bytes.  Returns a reference to the
 * entry now in the cache (an equal one another thread published first, or
 * the new one), or NULL when out of memory (nothing cached). */
const struct snp_chain_entry *snp_chain_cache_put(const struct snp_chain_id *id,
                                                  enum snp_vek_kind kind, X509 *vek,
                                                  const struct snp_vek_info *info,
                                                  const uint8_t *vek_bytes, size_t vek_len);

void snp_chain_entry_release(const struct snp_chain_entry *e);

/* The issuer product (from the VEK's issuer CN) of any cached entry with
 * exactly these VEK bytes, or SNP_PRODUCT_UNKNOWN: lets a version 2 report
 * find its product without parsing the certificate again. */
enum snp_product snp_chain_cache_issuer_product(const uint8_t *vek, size_t vek_len);

struct snp_chain_cache_stats {
    uint64_t hits, misses, inserts, evictions;
    size_t entries;
};
void snp_chain_cache_stats(struct snp_chain_cache_stats *out);

/* Drops every entry (references held elsewhere stay valid) and zeroes the
 * counters.  For tests and benchmarks. */
void snp_chain_cache_clear(void);

#endif
