/* test_ear_policies.c - the V26 built-in EAR policies (policy.md §5.2)
 * evaluated as the service evaluates them (policy_eval_rule on
 * data.policy.trust_claims / data.policy.extensions, no data document),
 * per platform, with query_reference_value answered from a table the test
 * sets (null for names it lacks, as the RVPS answers).  Also: the store
 * writes the four built-ins without overwriting, protects them, and lists
 * ids only in the V26 form. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "policy/policy.h"

static struct arena A;
static struct policy_cache *CACHE;
static struct value *RV; /* the reference values query_reference_value answers */

static struct value *fake_rv(void *ctx, struct arena *a, struct value *const *args, size_t n,
                             bool *failed, struct as_error *err)
{
    (void)ctx, (void)a;
    if (n != 1 || !v_is(args[0], V_STRING)) {
        *failed = true;
        as_err(err, 500, "eval_type_error", "bad argument");
        return NULL;
    }
    struct value *v = RV ? value_object_get_str(RV, args[0]->u.str.s) : NULL;
    return v ? v : v_null();
}

static void setup(void)
{
    log_init("warn");
    arena_init(&A, 1 << 16);
    cr_assert_eq(rego_register_host_builtin("query_reference_value", 1, fake_rv), 0);
    struct as_error e;
    cr_assert_eq(policy_cache_new(REGO_V1, 8, &CACHE, &e), 0);
    RV = NULL;
}

static void teardown(void)
{
    policy_cache_free(CACHE);
    arena_free(&A);
}

TestSuite(ear_policies, .init = setup, .fini = teardown);

static struct value *J(const char *s)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(json_parse(&A, s, strlen(s), NULL, &v, &e), 0, "%s: %s", s, e.detail);
    return v;
}

static const struct policy_builtin *builtin(const char *id)
{
    for (size_t i = 0; i < POLICY_EAR_BUILTINS_N; i++)
        if (strcmp(POLICY_EAR_BUILTINS[i].id, id) == 0)
            return &POLICY_EAR_BUILTINS[i];
    cr_assert_fail("no built-in %s", id);
    return NULL;
}

/* The compact JSON of rule `rule` of built-in `id` for input (text), or
 * "undefined" / "missing". */
static const char *eval_rule(const char *id, const char *rule, const char *input)
{
    const struct policy_builtin *b = builtin(id);
    struct policy_compiled *p;
    struct as_error e;
    cr_assert_eq(policy_cache_get(CACHE, id, b->text, b->len, &p, &e), 0, "%s", e.detail);
    struct value *out;
    bool exists;
    char path[64];
    snprintf(path, sizeof(path), "data.policy.%s", rule);
    int rc = policy_eval_rule(p, id, path, J(input), &A, &out, &exists, &e);
    policy_compiled_release(p);
    cr_assert_eq(rc, 0, "%s", e.detail);
    if (!exists)
        return "missing";
    return out ? json_to_string(&A, out, JSON_COMPACT) : "undefined";
}

/* The expected trust vector: the three claims the policies set, others 0. */
static const char *vec(int configuration, int executables, int hardware)
{
    return arena_sprintf(&A,
                         "{\"configuration\":%d,\"executables\":%d,\"file-system\":0,"
                         "\"hardware\":%d,\"instance-identity\":0,\"runtime-opaque\":0,"
                         "\"sourced-data\":0,\"storage-opaque\":0}",
                         configuration, executables, hardware);
}

#define EXPECT_VEC(id, input, c, e, h)                                                             \
    cr_expect_str_eq(eval_rule(id, "trust_claims", input), vec(c, e, h), "%s", input)

#define SAMPLE                                                                                     \
    "{\"sample\":{\"debug\":false,\"launch_digest\":\"abcde\",\"platform_version\":{\"major\":1,"  \
    "\"minor\":4},\"svn\":\"1\"},\"report_data\":\"x\",\"runtime_data_claims\":null}"

Test(ear_policies, all_four_compile_as_rego_v1)
{
    cr_assert_eq(POLICY_EAR_BUILTINS_N, 4);
    const char *ids[] = {"default_cpu", "default_gpu", "default_switch", "default_ppcie"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(POLICY_EAR_BUILTINS[i].id, ids[i]);
        cr_assert_eq(POLICY_EAR_BUILTINS[i].len, strlen(POLICY_EAR_BUILTINS[i].text));
        struct rego_compiled *rc;
        struct as_error e;
        cr_assert_eq(policy_rego_compile("p.rego", POLICY_EAR_BUILTINS[i].text,
                                         POLICY_EAR_BUILTINS[i].len, REGO_V1, &rc, &e),
                     0, "%s: %s", ids[i], e.detail);
        policy_rego_free(rc);
    }
}

Test(ear_policies, sample_without_reference_values_is_contraindicated)
{
    /* api.md §11.2: executables 33, hardware 97, configuration 2 */
    EXPECT_VEC("default_cpu", SAMPLE, 2, 33, 97);
    cr_expect_str_eq(eval_rule("default_cpu", "extensions", SAMPLE),
                     "[{\"key\":-18,\"name\":\"ear.trustee.identifiers\",\"value\":{\"validated\""
                     ":{}}}]");
}

Test(ear_policies, sample_with_reference_values)
{
    RV = J("{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"
           "\"minimum_minor_version\":0}");
    EXPECT_VEC("default_cpu", SAMPLE, 2, 3, 2);
    RV = J("{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"
           "\"minimum_minor_version\":4}");
    EXPECT_VEC("default_cpu", SAMPLE, 2, 3, 2); /* minor 4 >= 4 */
    RV = J("{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"
           "\"minimum_minor_version\":5}");
    EXPECT_VEC("default_cpu", SAMPLE, 2, 3, 97);
    RV = J("{\"launch_digest\":[\"other\"],\"svn\":[\"2\"],\"major_version\":1,"
           "\"minimum_minor_version\":0}");
    EXPECT_VEC("default_cpu", SAMPLE, 2, 33, 97);
    /* Rego equality is type-strict: the string "1" is not the number 1 */
    RV = J("{\"launch_digest\":\"abcde\",\"svn\":[\"1\"],\"major_version\":\"1\","
           "\"minimum_minor_version\":0}");
    EXPECT_VEC("default_cpu", SAMPLE, 2, 33, 97);
    /* debug on: configuration unavailable */
    EXPECT_VEC("default_cpu", "{\"sample\":{\"debug\":true}}", 36, 33, 97);
}

#define SNP_INPUT(debug)                                                                           \
    "{\"snp\":{\"measurement\":\"m1\",\"reported_tcb_bootloader\":3,\"reported_tcb_microcode\":"   \
    "209,\"reported_tcb_snp\":20,\"reported_tcb_tee\":0,\"policy_debug_allowed\":" debug           \
    ",\"policy_migrate_ma\":false,\"platform_smt_enabled\":true,\"platform_tsme_enabled\":false,"  \
    "\"policy_abi_major\":0,\"policy_abi_minor\":0,\"policy_single_socket\":false,"                \
    "\"policy_smt_allowed\":true},\"report_data\":\"00\",\"init_data\":\"11\"}"

Test(ear_policies, snp)
{
    EXPECT_VEC("default_cpu", SNP_INPUT("false"), 3, 33, 97); /* no RVs: safe policy only */
    EXPECT_VEC("default_cpu", SNP_INPUT("true"), 36, 33, 97);
    RV = J("{\"snp_launch_measurement\":[\"m1\"],\"snp_bootloader\":[3],\"snp_microcode\":[209],"
           "\"snp_snp_svn\":[20],\"snp_tee_svn\":[0],\"snp_smt_enabled\":true,"
           "\"snp_tsme_enabled\":false,\"snp_guest_abi_major\":0,\"snp_guest_abi_minor\":0,"
           "\"snp_single_socket\":false,\"snp_smt_allowed\":true}");
    EXPECT_VEC("default_cpu", SNP_INPUT("false"), 2, 3, 2);
    EXPECT_VEC("default_cpu", SNP_INPUT("true"), 36, 3, 2);
}

#define TDX_EVENTS                                                                                 \
    "\"uefi_event_logs\":[{\"type_name\":\"EV_EFI_BOOT_SERVICES_APPLICATION\",\"details\":{"       \
    "\"device_paths\":[\"PciRoot(0x0)\",\"File(kernel)\"]},\"digests\":[{\"alg\":\"SHA-384\","     \
    "\"digest\":\"kk\"}]},{\"type_name\":\"EV_EVENT_TAG\",\"details\":{\"string\":"                \
    "\"LOADED_IMAGE::LoadOptions\"},\"digests\":[{\"alg\":\"SHA-384\",\"digest\":\"pp\"}]}]"
#define TDX_INPUT                                                                                  \
    "{\"tdx\":{\"quote\":{\"header\":{\"tee_type\":\"81000000\",\"vendor_id\":"                    \
    "\"939a7233f79c4ca9940a0db3957f0607\"},\"body\":{\"rtmr_1\":\"r1\",\"rtmr_2\":\"r2\","         \
    "\"mr_td\":\"td\",\"xfam\":\"e7\"}},\"tcb_status\":\"UpToDate\","                              \
    "\"collateral_expiration_status\":\"0\",\"td_attributes\":{\"debug\":false}," TDX_EVENTS "}}"

Test(ear_policies, tdx)
{
    EXPECT_VEC("default_cpu", TDX_INPUT, 36, 33, 97);
    RV = J("{\"rtmr_1\":[\"r1\"],\"rtmr_2\":[\"r2\"],\"mr_td\":[\"td\"],\"xfam\":[\"e7\"]}");
    EXPECT_VEC("default_cpu", TDX_INPUT, 2, 4, 2); /* RTMRs only: the grub variant */
    RV = J("{\"rtmr_1\":[\"r1\"],\"rtmr_2\":[\"r2\"],\"mr_td\":[\"td\"],\"xfam\":[\"e7\"],"
           "\"tdvfkernel\":\"kk\",\"tdvfkernelparams\":\"pp\"}");
    EXPECT_VEC("default_cpu", TDX_INPUT, 2, 3, 2);
    RV = J("{\"rtmr_1\":[\"r1\"],\"rtmr_2\":[\"r2\"],\"mr_td\":[\"td\"],\"xfam\":[\"e7\"],"
           "\"tdvfkernel\":\"kk\",\"tdvfkernelparams\":\"other\"}");
    EXPECT_VEC("default_cpu", TDX_INPUT, 2, 4, 2);
    /* an out-of-date TCB is not genuine enough */
    const char *old = arena_sprintf(&A, "%s", TDX_INPUT);
    char *p = strstr(old, "UpToDate");
    memcpy(p, "OutOfDat", 8);
    EXPECT_VEC("default_cpu", old, 2, 4, 97);
}

Test(ear_policies, azure_vtpm_tpm_and_se)
{
    const char *az_snp =
        "{\"az-snp-vtpm\":{\"measurement\":\"bQ==\",\"tpm\":{\"pcr11\":\"aa\"},"
        "\"reported_tcb_bootloader\":\"3\",\"reported_tcb_microcode\":\"209\","
        "\"reported_tcb_snp\":\"20\",\"reported_tcb_tee\":\"0\",\"platform_smt_enabled\":"
        "\"true\",\"platform_tsme_enabled\":\"false\",\"policy_abi_major\":\"0\","
        "\"policy_abi_minor\":\"31\",\"policy_single_socket\":\"false\",\"policy_smt_allowed\":"
        "\"true\"}}";
    EXPECT_VEC("default_cpu", az_snp, 36, 33, 97);
    RV = J("{\"measurement\":[\"bQ==\"],\"snp_pcr11\":[\"aa\"],\"tcb_bootloader\":[\"3\"],"
           "\"tcb_microcode\":[\"209\"],\"tcb_snp\":[\"20\"],\"tcb_tee\":[\"0\"],\"smt_enabled\":"
           "[\"true\"],\"tsme_enabled\":[\"false\"],\"abi_major\":[\"0\"],\"abi_minor\":[\"31\"],"
           "\"single_socket\":[\"false\"],\"smt_allowed\":[\"true\"]}");
    EXPECT_VEC("default_cpu", az_snp, 2, 3, 2);

    const char *az_tdx = "{\"az-tdx-vtpm\":{\"tpm\":{\"pcr11\":\"bb\"},\"quote\":{\"header\":{"
                         "\"tee_type\":\"81000000\",\"vendor_id\":"
                         "\"939a7233f79c4ca9940a0db3957f0607\"},\"body\":{\"mr_td\":\"td\","
                         "\"xfam\":\"e7\"}},\"tcb_status\":\"UpToDate\"}}";
    RV = NULL;
    EXPECT_VEC("default_cpu", az_tdx, 36, 33, 97);
    RV = J("{\"tdx_pcr11\":[\"bb\"],\"mr_td\":[\"td\"],\"xfam\":[\"e7\"]}");
    EXPECT_VEC("default_cpu", az_tdx, 2, 3, 2);

    RV = NULL;
    EXPECT_VEC("default_cpu", "{\"tpm\":{\"pcr11\":\"cc\",\"ak_public\":\"ak\"}}", 0, 33, 2);
    RV = J("{\"tpm_pcr11\":[\"cc\"],\"trusted_aks\":[\"ak\"]}");
    EXPECT_VEC("default_cpu", "{\"tpm\":{\"pcr11\":\"cc\",\"ak_public\":\"ak\"}}", 0, 3, 2);

    RV = NULL; /* se: the verifier's checks suffice */
    EXPECT_VEC("default_cpu", "{\"se\":{\"cuid\":\"x\"},\"report_data\":\"\"}", 2, 3, 2);
    /* platforms without rules keep the defaults */
    EXPECT_VEC("default_cpu", "{\"csv\":{\"version\":\"2\"}}", 36, 33, 97);
    EXPECT_VEC("default_cpu", "{\"cca\":{\"realm\":{}}}", 36, 33, 97);
    EXPECT_VEC("default_cpu", "{}", 36, 33, 97);
}

Test(ear_policies, identifiers_extension_from_the_agent_policy)
{
    const char *in =
        "{\"sample\":{},\"init_data\":\"x\",\"init_data_claims\":{\"agent_policy_claims\":{"
        "\"containers\":[{\"OCI\":{\"Annotations\":{\"io.kubernetes.cri.image-name\":"
        "\"pause:3.9\"},\"Process\":{\"User\":{\"UID\":65535}}}},{\"OCI\":{\"Annotations\":{"
        "\"io.kubernetes.cri.image-name\":\"busybox\"},\"Process\":{\"User\":{\"UID\":0}}}}]}}}";
    cr_expect_str_eq(eval_rule("default_cpu", "extensions", in),
                     "[{\"key\":-18,\"name\":\"ear.trustee.identifiers\",\"value\":{\"validated\""
                     ":{\"container_images\":[\"pause:3.9\",\"busybox\"],\"container_uids\":"
                     "[65535,0]}}}]");
    const char *no_uids =
        "{\"init_data_claims\":{\"agent_policy_claims\":{\"containers\":[{\"OCI\":{"
        "\"Annotations\":{\"io.kubernetes.cri.image-name\":\"busybox\"}}}]}}}";
    cr_expect_str_eq(eval_rule("default_cpu", "extensions", no_uids),
                     "[{\"key\":-18,\"name\":\"ear.trustee.identifiers\",\"value\":{\"validated\""
                     ":{\"container_images\":[\"busybox\"]}}}]");
}

#define NV_GOOD(kind, rim)                                                                         \
    "\"x-nvidia-" kind "-attestation-report-cert-chain\":{\"x-nvidia-cert-ocsp-status\":\"good\"," \
    "\"x-nvidia-cert-status\":\"valid\"},\"x-nvidia-" kind                                         \
    "-attestation-report-cert-chain-fwid-match\":true,\"x-nvidia-" kind                            \
    "-attestation-report-parsed\":true,\"x-nvidia-" kind                                           \
    "-attestation-report-signature-verified\":true,\"x-nvidia-" kind "-arch-check\":true,"         \
    "\"x-nvidia-" kind "-" rim "-rim-cert-chain\":{\"x-nvidia-cert-ocsp-status\":\"good\","        \
    "\"x-nvidia-cert-status\":\"valid\"},\"secboot\":true,\"dbgstat\":\"disabled\","               \
    "\"measres\":\"success\""
#define RIM_OK(kind, rim)                                                                          \
    "\"x-nvidia-" kind "-" rim "-rim-fetched\":true,\"x-nvidia-" kind "-" rim                      \
    "-rim-measurements-available\":true,\"x-nvidia-" kind "-" rim                                  \
    "-rim-schema-validated\":true,\"x-nvidia-" kind "-" rim                                        \
    "-rim-signature-verified\":true,\"x-nvidia-" kind "-" rim "-rim-version-match\":true"

Test(ear_policies, gpu_switch_and_ppcie)
{
    const char *gpu = "{\"nvidia\":{" NV_GOOD("gpu", "vbios") "," RIM_OK("gpu", "vbios") "," RIM_OK(
        "gpu", "driver") ",\"x-nvidia-gpu-vbios-version\":\"96.00\","
                         "\"x-nvidia-gpu-driver-version\":\"550\"}}";
    EXPECT_VEC("default_gpu", gpu, 3, 3, 2);
    RV = J("{\"allowed_vbios_versions\":[\"96.00\"],\"allowed_driver_versions\":[\"550\"]}");
    EXPECT_VEC("default_gpu", gpu, 2, 3, 2);
    RV = NULL;
    EXPECT_VEC("default_gpu", "{\"nvidia\":{\"secboot\":false,\"dbgstat\":\"disabled\"}}", 36, 33,
               97);
    EXPECT_VEC("default_gpu", "{\"sampledevice\":{\"svn\":\"2\"},\"report_data\":\"\"}", 36, 33,
               97);
    cr_expect_str_eq(eval_rule("default_gpu", "extensions", "{}"), "missing");

    const char *sw = "{\"nvidia\":{" NV_GOOD("switch", "bios") "," RIM_OK(
        "switch", "bios") ",\"x-nvidia-switch-bios-version\":\"96.10\"}}";
    EXPECT_VEC("default_switch", sw, 3, 3, 2);
    RV = J("{\"allowed_switch_bios_versions\":[\"96.10\"]}");
    EXPECT_VEC("default_switch", sw, 2, 3, 2);
    EXPECT_VEC("default_switch", "{}", 36, 33, 97);

    cr_expect_str_eq(eval_rule("default_ppcie", "trust_claims", "{}"),
                     "{\"configuration\":2,\"executables\":0,\"file-system\":0,\"hardware\":0,"
                     "\"instance-identity\":0,\"runtime-opaque\":0,\"sourced-data\":0,"
                     "\"storage-opaque\":0}");
}

Test(ear_policies, missing_and_undefined_rules_are_told_apart)
{
    struct policy_compiled *p;
    struct as_error e;
    const char *text = "package policy\nimport rego.v1\ntrust_claims := {\"hardware\": 2} if "
                       "input.x\n";
    cr_assert_eq(policy_cache_get(CACHE, "t.rego", text, strlen(text), &p, &e), 0, "%s", e.detail);
    struct value *out;
    bool exists;
    cr_assert_eq(
        policy_eval_rule(p, "t", "data.policy.trust_claims", J("{}"), &A, &out, &exists, &e), 0);
    cr_expect(exists);
    cr_expect_null(out);
    cr_assert_eq(policy_eval_rule(p, "t", "data.policy.extensions", J("{}"), &A, &out, &exists, &e),
                 0);
    cr_expect_not(exists);
    cr_expect_null(out);
    policy_compiled_release(p);
    /* an evaluation error names the policy (500 policy_error) */
    text = "package policy\nimport rego.v1\ntrust_claims := query_reference_value(1)\n";
    cr_assert_eq(policy_cache_get(CACHE, "u.rego", text, strlen(text), &p, &e), 0, "%s", e.detail);
    cr_assert_eq(
        policy_eval_rule(p, "u_cpu", "data.policy.trust_claims", J("{}"), &A, &out, &exists, &e),
        -1);
    cr_expect_eq(e.status, 500);
    cr_expect_str_eq(e.type, "policy_error");
    cr_expect(strstr(e.detail, "u_cpu"), "%s", e.detail);
    policy_compiled_release(p);
}

/* ---- the store in V26 mode ---- */

Test(ear_policies, store_writes_builtins_once_protects_and_lists_ids)
{
    char dir[] = "/tmp/as-ear-policy-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    struct kv_store *kv;
    struct as_error e;
    cr_assert_eq(kv_dir_open(dir, ".rego", POLICY_MAX_BYTES, &kv, &e), 0);
    /* an operator's default_gpu already on disk is kept */
    cr_assert_eq(kv_put(kv, "default_gpu", "package policy\n", 15, &e), 0);
    struct policy_store *ps;
    cr_assert_eq(policy_store_open_builtins(kv, REGO_V1, POLICY_EAR_BUILTINS, POLICY_EAR_BUILTINS_N,
                                            &ps, &e),
                 0, "%s", e.detail);
    char *text;
    size_t len;
    cr_assert_eq(policy_store_get(ps, "default_gpu", &A, &text, &len, &e), 0);
    cr_expect_eq(len, 15);
    cr_assert_eq(policy_store_get(ps, "default_cpu", &A, &text, &len, &e), 0);
    cr_expect_eq(len, builtin("default_cpu")->len);
    cr_expect_eq(memcmp(text, builtin("default_cpu")->text, len), 0);
    cr_expect_eq(policy_store_get(ps, "default", &A, &text, &len, &e), -1, "V24 default written");
    struct value *list;
    cr_assert_eq(policy_store_list_ids(ps, &A, &list, &e), 0);
    cr_expect_str_eq(json_to_string(&A, list, JSON_COMPACT),
                     "[{\"policy-id\":\"default_cpu\"},{\"policy-id\":\"default_gpu\"},"
                     "{\"policy-id\":\"default_ppcie\"},{\"policy-id\":\"default_switch\"}]");
    for (size_t i = 0; i < POLICY_EAR_BUILTINS_N; i++) {
        cr_assert_eq(policy_store_delete(ps, POLICY_EAR_BUILTINS[i].id, &e), -1);
        cr_expect_eq(e.status, 403);
    }
    /* V26 refuses v0 syntax (the 2024 default policy) */
    cr_expect_eq(policy_store_set(ps, "old", POLICY_DEFAULT_TEXT, POLICY_DEFAULT_LEN, &e), -1);
    cr_expect_str_eq(e.type, "invalid_policy");
    cr_assert_eq(policy_store_set(ps, "mine", "package policy\n", 15, &e), 0, "%s", e.detail);
    cr_expect_eq(policy_store_delete(ps, "mine", &e), 0, "%s", e.detail);
    policy_store_free(ps);
    char cmd[100];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
