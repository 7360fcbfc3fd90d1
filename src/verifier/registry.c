/* registry.c - the table of TEEs: request names (V24 and V26 spellings),
 * claim names, TEE class, and which verifier implements each.
 *
 * The implemented verifiers come from verifiers.def; every other TEE kind
 * gets a placeholder entry whose verify is NULL, so a known but unbuilt TEE
 * is reported honestly (501) instead of as unknown (400). */
#include <string.h>

#include "verifier/verifier.h"

#define VERIFIER(n) extern const struct verifier verifier_##n;
#include "verifier/verifiers.def"
#undef VERIFIER

static const struct verifier *const IMPLEMENTED[] = {
#define VERIFIER(n) &verifier_##n,
#include "verifier/verifiers.def"
#undef VERIFIER
};

/* Names per TEE: v24 = kbs-types 0.7 (V24 requests and claims), v26 =
 * kbs-types 0.18 (V26); NULL where that version has no such TEE. */
struct tee_names {
    const char *v24;
    const char *v26;
    const char *tee_class;
};

static const struct tee_names NAMES[TEE_COUNT] = {
    [TEE_SAMPLE] = {"sample", "sample", "cpu"},
    [TEE_SAMPLEDEVICE] = {NULL, "sampledevice", "gpu"},
    [TEE_SGX] = {"sgx", "sgx", "cpu"},
    [TEE_TDX] = {"tdx", "tdx", "cpu"},
    [TEE_SNP] = {"snp", "snp", "cpu"},
    [TEE_SEV] = {"sev", NULL, "cpu"},
    [TEE_AZ_SNP_VTPM] = {"azsnpvtpm", "az-snp-vtpm", "cpu"},
    [TEE_AZ_TDX_VTPM] = {"aztdxvtpm", "az-tdx-vtpm", "cpu"},
    [TEE_CCA] = {"cca", "cca", "cpu"},
    [TEE_CSV] = {"csv", "csv", "cpu"},
    [TEE_SE] = {"se", "se", "cpu"},
    [TEE_HYGON_DCU] = {NULL, "hygondcu", "dcu"},
};

/* Entries for TEEs that no verifier in verifiers.def implements. */
static const struct verifier PLACEHOLDERS[TEE_COUNT] = {
    [TEE_SAMPLE] = {"sample", TEE_SAMPLE, NULL, NULL},
    [TEE_SAMPLEDEVICE] = {"sampledevice", TEE_SAMPLEDEVICE, NULL, NULL},
    [TEE_SGX] = {"sgx", TEE_SGX, NULL, NULL},
    [TEE_TDX] = {"tdx", TEE_TDX, NULL, NULL},
    [TEE_SNP] = {"snp", TEE_SNP, NULL, NULL},
    [TEE_SEV] = {"sev", TEE_SEV, NULL, NULL},
    [TEE_AZ_SNP_VTPM] = {"azsnpvtpm", TEE_AZ_SNP_VTPM, NULL, NULL},
    [TEE_AZ_TDX_VTPM] = {"aztdxvtpm", TEE_AZ_TDX_VTPM, NULL, NULL},
    [TEE_CCA] = {"cca", TEE_CCA, NULL, NULL},
    [TEE_CSV] = {"csv", TEE_CSV, NULL, NULL},
    [TEE_SE] = {"se", TEE_SE, NULL, NULL},
    [TEE_HYGON_DCU] = {"hygondcu", TEE_HYGON_DCU, NULL, NULL},
};

const struct verifier *verifier_for_kind(enum tee_kind kind)
{
    if ((unsigned)kind >= TEE_COUNT)
        return NULL;
    for (size_t i = 0; i < sizeof(IMPLEMENTED) / sizeof(IMPLEMENTED[0]); i++) {
        if (IMPLEMENTED[i]->kind == kind && IMPLEMENTED[i]->verify)
            return IMPLEMENTED[i];
    }
    return &PLACEHOLDERS[kind];
}

const struct verifier *verifier_for_name(const char *name)
{
    if (!name)
        return NULL;
    for (int k = 0; k < TEE_COUNT; k++) {
        const struct tee_names *n = &NAMES[k];
        if ((n->v24 && strcmp(name, n->v24) == 0) || (n->v26 && strcmp(name, n->v26) == 0))
            return verifier_for_kind((enum tee_kind)k);
    }
    return NULL;
}

const char *tee_claim_name(enum tee_kind kind, bool v26)
{
    if ((unsigned)kind >= TEE_COUNT)
        return "unknown";
    const struct tee_names *n = &NAMES[kind];
    const char *name = v26 ? n->v26 : n->v24;
    return name ? name : (v26 ? n->v24 : n->v26);
}

const char *tee_class(enum tee_kind kind)
{
    if ((unsigned)kind >= TEE_COUNT)
        return "cpu";
    return NAMES[kind].tee_class;
}
