/* fuzz_dcap_ccel.c - libFuzzer target: the TDX CC event log parser, its
 * replay and claims, and the AA event log. */
#include <stddef.h>
#include <stdint.h>

#include "verifier/tdx/aael.h"
#include "verifier/tdx/ccel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct as_error err;
    struct ccel log;
    struct value *v;
    uint8_t rtmrs[4 * 48] = {0};
    arena_init(&a, 4096);
    a.limit = 256 << 20;
    if (ccel_parse(&a, data, size, &log, &err) == 0) {
        ccel_check_rtmrs(&log, rtmrs, 4, &err);
        ccel_v24_claims(&a, &log, &v, &err);
        ccel_v26_claims(&a, &log, &v, &err);
    }
    aael_verify_claims(&a, (const char *)data, size, rtmrs, &v, &err);
    arena_free(&a);
    return 0;
}
