/* hash.c - see hash.h */
#include "base/hash.h"

#include <openssl/evp.h>
#include <strings.h>

static const struct {
    const char *name;
    const char *ossl;
    size_t len;
} ALGS[] = {
    [HASH_SHA256] = {"sha256", "SHA256", 32},
    [HASH_SHA384] = {"sha384", "SHA384", 48},
    [HASH_SHA512] = {"sha512", "SHA512", 64},
    [HASH_SM3] = {"sm3", "SM3", 32},
};

int hash_alg_from_name(const char *name, enum hash_alg *alg)
{
    for (size_t i = 0; i < sizeof(ALGS) / sizeof(ALGS[0]); i++) {
        if (strcasecmp(name, ALGS[i].name) == 0) {
            *alg = (enum hash_alg)i;
            return 0;
        }
    }
    return -1;
}

const char *hash_alg_name(enum hash_alg alg) { return ALGS[alg].name; }
size_t hash_len(enum hash_alg alg) { return ALGS[alg].len; }

int hash_digest(enum hash_alg alg, const void *data, size_t n, uint8_t *out)
{
    const EVP_MD *md = NULL;
    switch (alg) {
    case HASH_SHA256: md = EVP_sha256(); break;
    case HASH_SHA384: md = EVP_sha384(); break;
    case HASH_SHA512: md = EVP_sha512(); break;
    case HASH_SM3: md = EVP_get_digestbyname("SM3"); break;
    }
    if (!md)
        return -1;
    unsigned int olen = 0;
    if (EVP_Digest(data, n, out, &olen, md, NULL) != 1)
        return -1;
    return 0;
}
