/* hash.h - message digests used by binding, policies and tokens (OpenSSL). */
#ifndef AS_BASE_HASH_H
#define AS_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

enum hash_alg { HASH_SHA256, HASH_SHA384, HASH_SHA512, HASH_SM3 };

#define HASH_MAX_LEN 64

/* Case-insensitive "sha256" | "sha384" | "sha512" | "sm3"; -1 if unknown. */
int hash_alg_from_name(const char *name, enum hash_alg *alg);
const char *hash_alg_name(enum hash_alg alg);
size_t hash_len(enum hash_alg alg);
/* Writes hash_len(alg) bytes to out; -1 if OpenSSL lacks the algorithm. */
int hash_digest(enum hash_alg alg, const void *data, size_t n, uint8_t *out);

#endif
