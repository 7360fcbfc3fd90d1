/* fuzz_dcap_ccel.c - libFuzzer target: the TDX CC event log parser, its
 * replay and claims (V24 and V26 with every event type's details), and the
 * AA event log.  Each input is tried as a whole log and, so that mutations
 * reach the event decoders, as the events after a fixed SHA-384 Spec ID
 * event. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/tdx/aael.h"
#include "verifier/tdx/ccel.h"

/* TCG_PCR_EVENT (index 0, EV_NO_ACTION, zero SHA-1 digest, 33 bytes of
 * TCG_EfiSpecIdEvent: "Spec ID Event03", one algorithm SHA-384/48). */
static const uint8_t SPEC_ID[] = {
    0, 0, 0, 0,                                     /* index */
    3, 0, 0, 0,                                     /* EV_NO_ACTION */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* SHA-1 */
    33, 0, 0, 0,                                    /* event size */
    'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,
    0, 0, 0, 0,                                     /* platform class */
    0, 2, 0, 2,                                     /* version 2.0, errata 0, uintn 2 */
    1, 0, 0, 0,                                     /* one algorithm */
    0x0c, 0, 48, 0,                                 /* SHA-384, 48 bytes */
    0,                                              /* no vendor info */
};
_Static_assert(sizeof SPEC_ID == 32 + 33, "Spec ID event layout");

static void run(const uint8_t *data, size_t size)
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
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    uint8_t *prefixed = malloc(sizeof SPEC_ID + size);
    if (prefixed) {
        memcpy(prefixed, SPEC_ID, sizeof SPEC_ID);
        if (size)
            memcpy(prefixed + sizeof SPEC_ID, data, size);
        run(prefixed, sizeof SPEC_ID + size);
        free(prefixed);
    }
    struct arena a;
    struct as_error err;
    struct value *v;
    uint8_t rtmrs[4 * 48] = {0};
    arena_init(&a, 4096);
    a.limit = 256 << 20;
    aael_verify_claims(&a, (const char *)data, size, rtmrs, &v, &err);
    arena_free(&a);
    return 0;
}
