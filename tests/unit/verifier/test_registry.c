/* test_registry.c - TEE names, classes and the verifier table. */
#include <criterion/criterion.h>
#include <string.h>

#include "verifier/verifier.h"

Test(registry, v24_and_v26_spellings_resolve_to_the_same_kind)
{
    cr_assert_eq(verifier_for_name("azsnpvtpm")->kind, TEE_AZ_SNP_VTPM);
    cr_assert_eq(verifier_for_name("az-snp-vtpm")->kind, TEE_AZ_SNP_VTPM);
    cr_assert_eq(verifier_for_name("aztdxvtpm")->kind, TEE_AZ_TDX_VTPM);
    cr_assert_eq(verifier_for_name("az-tdx-vtpm")->kind, TEE_AZ_TDX_VTPM);
    cr_assert_eq(verifier_for_name("sampledevice")->kind, TEE_SAMPLEDEVICE);
    cr_assert_eq(verifier_for_name("hygondcu")->kind, TEE_HYGON_DCU);
}

Test(registry, unknown_names_are_null)
{
    cr_assert_null(verifier_for_name("SGX"));
    cr_assert_null(verifier_for_name("tpm"));
    cr_assert_null(verifier_for_name(""));
    cr_assert_null(verifier_for_name(NULL));
}

Test(registry, sample_is_implemented_and_sev_is_not)
{
    const struct verifier *s = verifier_for_name("sample");
    cr_assert_not_null(s->verify);
    cr_assert_str_eq(s->name, "sample");
    const struct verifier *sev = verifier_for_name("sev");
    cr_assert_not_null(sev);
    cr_assert_null(sev->verify);
    cr_assert_eq(sev->kind, TEE_SEV);
}

Test(registry, every_kind_has_an_entry)
{
    for (int k = 0; k < TEE_COUNT; k++) {
        const struct verifier *v = verifier_for_kind((enum tee_kind)k);
        cr_assert_not_null(v);
        cr_assert_eq(v->kind, (enum tee_kind)k);
    }
    cr_assert_null(verifier_for_kind(TEE_COUNT));
}

Test(registry, claim_names_and_classes)
{
    cr_assert_str_eq(tee_claim_name(TEE_AZ_SNP_VTPM, false), "azsnpvtpm");
    cr_assert_str_eq(tee_claim_name(TEE_AZ_SNP_VTPM, true), "az-snp-vtpm");
    cr_assert_str_eq(tee_claim_name(TEE_SAMPLE, false), "sample");
    cr_assert_str_eq(tee_claim_name(TEE_SAMPLEDEVICE, false), "sampledevice");
    cr_assert_str_eq(tee_claim_name(TEE_SEV, true), "sev");
    cr_assert_str_eq(tee_class(TEE_TDX), "cpu");
    cr_assert_str_eq(tee_class(TEE_SAMPLEDEVICE), "gpu");
    cr_assert_str_eq(tee_class(TEE_HYGON_DCU), "dcu");
}
