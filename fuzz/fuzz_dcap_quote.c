/* fuzz_dcap_quote.c - libFuzzer target: the DCAP quote parser and, when a
 * quote parses, its certification data (PEM PCK chain, SGX extension). */
#include <stddef.h>
#include <stdint.h>

#include "verifier/dcap/dcap_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dcap_quote q;
    struct dcap_pck pck;
    struct as_error err;
    if (dcap_quote_parse(data, size, &q, &err) == 0 && dcap_pck_from_quote(&q, &pck, &err) == 0)
        dcap_pck_free(&pck);
    return 0;
}
