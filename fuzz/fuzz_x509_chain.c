/* fuzz_x509_chain.c - libFuzzer target: PEM chain splitting and parsing. */
#include <stddef.h>
#include <stdint.h>

#include "verifier/common/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct x509_chain c;
    struct as_error err;
    if (x509_chain_parse_pem((const char *)data, size, &c, &err) == 0)
        x509_chain_free(&c);
    return 0;
}
