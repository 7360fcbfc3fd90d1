/* fuzz_snp_report.c - libFuzzer target for the SEV-SNP report parser and
 * the JSON evidence rebuild: any bytes either parse into a report or fail
 * with an error, never crash, leak or read out of bounds.  Input starting
 * with '{' is treated as the original's evidence JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "value/value.h"
#include "verifier/snp/snp_evidence.h"
#include "verifier/snp/snp_kds.h"
#include "verifier/snp/snp_report.h"

static void exercise(const struct snp_report *r, enum snp_product p)
{
    struct arena a;
    struct snp_tcb t;
    char prefix[64];
    arena_init(&a, 4096);
    snp_tcb_decode(r->reported_tcb, p, &t);
    snp_offline_tcb_prefix(r, p, prefix, sizeof prefix);
    (void)snp_kds_vcek_url(&a, NULL, r, p);
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snp_report *r = malloc(sizeof *r);
    struct as_error err;
    if (!r)
        return 0;
    if (size && data[0] == '{') {
        struct arena a;
        struct value *v = NULL;
        arena_init(&a, 1 << 16);
        a.limit = 64u << 20;
        if (json_parse(&a, (const char *)data, size, NULL, &v, &err) == 0) {
            struct snp_evidence *ev = arena_alloc(&a, sizeof *ev);
            if (ev && snp_evidence_from_json(&a, v, ev, &err) == 0)
                exercise(&ev->report, ev->product);
        }
        arena_free(&a);
    } else if (snp_report_parse(data, size, r, &err) == 0) {
        for (int p = SNP_MILAN; p <= SNP_TURIN; p++)
            exercise(r, (enum snp_product)p);
        (void)snp_report_cpuid_product(r);
    }
    free(r);
    return 0;
}
