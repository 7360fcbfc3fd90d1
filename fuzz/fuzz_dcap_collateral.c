/* fuzz_dcap_collateral.c - libFuzzer target: the collateral bundle JSON,
 * TCB info and QE identity documents, and the raw JSON span scanner. */
#include <stddef.h>
#include <stdint.h>

#include "verifier/dcap/collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct as_error err;
    struct dcap_collateral_raw raw;
    struct dcap_tcb_info t;
    struct dcap_qe_identity q;
    const char *s;
    size_t sl;
    arena_init(&a, 4096);
    a.limit = 64 << 20;
    const char *text = (const char *)data;
    dcap_collateral_raw_from_json(&a, text, size, &raw, &err);
    dcap_tcb_info_parse(&a, text, size, &t, &err);
    dcap_qe_identity_parse(&a, text, size, &q, &err);
    dcap_json_member_span(text, size, "tcbInfo", &s, &sl);
    arena_free(&a);
    return 0;
}
