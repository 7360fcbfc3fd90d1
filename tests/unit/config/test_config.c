/* Unit tests for config/config.c: both layouts, defaults, AS_WORK_DIR,
 * type errors naming the key, unknown-key warnings, our own keys. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

static struct arena A;
static struct as_config C;
static struct as_error E;
static void setup(void)
{
    arena_init(&A, 0);
    unsetenv("AS_WORK_DIR");
}
static void teardown(void) { arena_free(&A); }
TestSuite(config, .init = setup, .fini = teardown);

static int load(const char *text) { return config_parse_text(text, strlen(text), "t", &A, &C, &E); }

static bool has_warning(const char *needle)
{
    for (size_t i = 0; i < C.n_warnings; i++)
        if (strstr(C.warnings[i]->u.str.s, needle))
            return true;
    return false;
}

Test(config, defaults_match_the_original)
{
    cr_assert_eq(config_load(NULL, &A, &C, &E), 0);
    cr_assert_str_eq(C.work_dir, "/opt/confidential-containers/attestation-service");
    cr_assert_str_eq(C.policy_engine, "opa");
    cr_assert_eq(C.token_broker, TOKEN_SIMPLE);
    cr_assert_eq(C.token_duration_min, 5);
    cr_assert_str_eq(C.token_issuer, "CoCo-Attestation-Service");
    cr_assert_null(C.signer.key_path);
    cr_assert_eq(C.rvps, RVPS_BUILTIN);
    cr_assert_eq(C.rvps_store, STORE_LOCAL_FS);
    cr_assert_str_eq(C.rvps_store_path,
                     "/opt/confidential-containers/attestation-service/reference_values");
    cr_assert_eq(C.max_body_bytes, 2u << 20);
    cr_assert_eq(C.policy_engine_version, REGO_AUTO);
    cr_assert_not(C.allow_network_builtins);
    cr_assert_not(C.layout_v26);
    cr_assert_null(C.raw);
}

Test(config, as_work_dir_is_the_fallback)
{
    setenv("AS_WORK_DIR", "/tmp/as-wd", 1);
    cr_assert_eq(load("{}"), 0);
    cr_assert_str_eq(C.work_dir, "/tmp/as-wd");
    cr_assert_eq(load("{\"work_dir\":\"/x\"}"), 0);
    cr_assert_str_eq(C.work_dir, "/x");
}

Test(config, shipped_v24_example)
{
    cr_assert_eq(load("{\"work_dir\":\"/var/lib/attestation-service/\",\"policy_engine\":\"opa\","
                      "\"rvps_config\":{\"type\":\"BuiltIn\",\"store_type\":\"LocalFs\"},"
                      "\"attestation_token_broker\":\"Simple\","
                      "\"attestation_token_config\":{\"duration_min\":5}}"),
                 0, "%s", E.detail);
    cr_assert_not(C.layout_v26);
    cr_assert_str_eq(C.work_dir, "/var/lib/attestation-service/");
    cr_assert_eq(C.token_broker, TOKEN_SIMPLE);
    cr_assert_eq(C.n_warnings, 0);
    cr_assert_not_null(C.raw);
}

Test(config, v24_token_signer_and_rvps)
{
    cr_assert_eq(load("{\"attestation_token_config\":{\"duration_min\":-3,\"issuer_name\":\"me\","
                      "\"signer\":{\"key_path\":\"/k.pem\",\"cert_path\":\"/c.pem\","
                      "\"cert_url\":\"https://x\"}},"
                      "\"rvps_config\":{\"type\":\"BuiltIn\",\"store_type\":\"LocalJson\","
                      "\"store_config\":{\"file_path\":\"/rv.json\"}}}"),
                 0, "%s", E.detail);
    cr_assert_eq(C.token_duration_min, -3);
    cr_assert_str_eq(C.token_issuer, "me");
    cr_assert_str_eq(C.signer.key_path, "/k.pem");
    cr_assert_str_eq(C.signer.cert_path, "/c.pem");
    cr_assert_str_eq(C.signer.cert_url, "https://x");
    cr_assert_eq(C.rvps_store, STORE_LOCAL_JSON);
    cr_assert_str_eq(C.rvps_store_path, "/rv.json");
}

Test(config, local_json_default_path)
{
    cr_assert_eq(load("{\"rvps_config\":{\"type\":\"BuiltIn\",\"store_type\":\"LocalJson\"}}"), 0);
    cr_assert_str_eq(C.rvps_store_path,
                     "/opt/confidential-containers/attestation-service/reference_values.json");
}

Test(config, grpc_remote)
{
    cr_assert_eq(load("{\"rvps_config\":{\"type\":\"GrpcRemote\"}}"), 0);
    cr_assert_eq(C.rvps, RVPS_GRPC_REMOTE);
    cr_assert_str_eq(C.rvps_remote_address, "127.0.0.1:50003");
    cr_assert_eq(load("{\"rvps_config\":{\"type\":\"GrpcRemote\",\"address\":\"http://h:1\"}}"), 0);
    cr_assert_str_eq(C.rvps_remote_address, "http://h:1");
}

Test(config, rvps_type_is_mandatory_when_present)
{
    cr_assert_eq(load("{\"rvps_config\":{\"store_type\":\"LocalFs\"}}"), -1);
    cr_assert(strstr(E.detail, "rvps_config.type"), "%s", E.detail);
    cr_assert_eq(load("{\"rvps_config\":{\"type\":\"Remote\"}}"), -1);
    cr_assert_eq(load("{\"rvps_config\":{\"type\":\"BuiltIn\",\"store_type\":\"localfs\"}}"), -1);
    cr_assert(strstr(E.detail, "rvps_config.store_type"), "%s", E.detail);
}

Test(config, wrong_types_name_the_key_and_type)
{
    cr_assert_eq(load("{\"work_dir\":5}"), -1);
    cr_assert_str_eq(E.type, ERR_CONFIG);
    cr_assert(strstr(E.detail, "`work_dir` must be a string, got integer"), "%s", E.detail);
    cr_assert_eq(load("{\"attestation_token_config\":{\"duration_min\":\"5\"}}"), -1);
    cr_assert(strstr(E.detail, "attestation_token_config.duration_min"), "%s", E.detail);
    cr_assert(strstr(E.detail, "integer"), "%s", E.detail);
    cr_assert_eq(load("{\"attestation_token_config\":{\"duration_min\":1.5}}"), -1);
    cr_assert_eq(load("{\"attestation_token_config\":{\"signer\":{\"cert_path\":\"/c\"}}}"), -1);
    cr_assert(strstr(E.detail, "signer.key_path"), "%s", E.detail);
    cr_assert_eq(load("{\"allow_network_builtins\":\"yes\"}"), -1);
    cr_assert(strstr(E.detail, "`allow_network_builtins` must be a boolean"), "%s", E.detail);
    cr_assert_eq(load("[]"), -1);
    cr_assert_eq(load("{\"rvps_config\":[]}"), -1);
    cr_assert(strstr(E.detail, "`rvps_config` must be an object, got array"), "%s", E.detail);
}

Test(config, broker_string_must_be_simple)
{
    cr_assert_eq(load("{\"attestation_token_broker\":\"simple\"}"), -1);
    cr_assert(strstr(E.detail, "attestation_token_broker"), "%s", E.detail);
    cr_assert_eq(load("{\"attestation_token_broker\":3}"), -1);
}

Test(config, policy_engine_must_be_opa)
{
    cr_assert_eq(load("{\"policy_engine\":\"OPA\"}"), 0);
    cr_assert_eq(load("{\"policy_engine\":\"cedar\"}"), -1);
    cr_assert(strstr(E.detail, "policy_engine"), "%s", E.detail);
}

Test(config, unknown_keys_are_warnings)
{
    cr_assert_eq(load("{\"wrok_dir\":\"/x\",\"attestation_token_config\":{\"durtion\":1},"
                      "\"rvps_config\":{\"type\":\"BuiltIn\",\"store_config\":{\"path\":1}}}"),
                 0, "%s", E.detail);
    cr_assert_eq(C.n_warnings, 3);
    cr_assert(has_warning("`wrok_dir`"));
    cr_assert(has_warning("`attestation_token_config.durtion`"));
    cr_assert(has_warning("`rvps_config.store_config.path`"));
}

Test(config, v26_layout)
{
    cr_assert_eq(load("{\"attestation_token_broker\":{\"duration_min\":7,\"issuer_name\":\"x\","
                      "\"developer_name\":\"d\",\"verbose_token\":false,"
                      "\"signer\":{\"key_path\":\"/ec.pem\"}},"
                      "\"rvps_config\":{\"type\":\"BuiltIn\"},"
                      "\"storage_backend\":{\"storage_type\":\"LocalFs\","
                      "\"backends\":{\"local_fs\":{\"dir_path\":\"/s\"}}},"
                      "\"verifier_config\":{\"snp_verifier\":{}}}"),
                 0, "%s", E.detail);
    cr_assert(C.layout_v26);
    cr_assert_eq(C.token_broker, TOKEN_EAR);
    cr_assert_not_null(C.ear_config);
    cr_assert_eq(C.token_duration_min, 7);
    cr_assert_str_eq(C.token_issuer, "x");
    cr_assert_str_eq(C.signer.key_path, "/ec.pem");
    cr_assert_eq(C.storage, STORE_LOCAL_FS);
    cr_assert_eq(C.rvps_store, STORE_LOCAL_FS);
    cr_assert_not_null(C.storage_backend);
    cr_assert_not_null(C.verifier_config);
    cr_assert_eq(C.n_warnings, 0);
}

Test(config, v26_defaults_and_aliases)
{
    cr_assert_eq(load("{\"attestation_token_broker\":{}}"), 0);
    cr_assert(C.layout_v26);
    cr_assert_eq(C.token_broker, TOKEN_EAR);
    cr_assert_eq(C.storage, STORE_MEMORY);
    cr_assert_eq(C.rvps_store, STORE_MEMORY);
    cr_assert_eq(load("{\"storage_backend\":{\"storage_type\":\"local_json\","
                      "\"backends\":{\"local_json\":{}}},"
                      "\"rvps_config\":{\"type\":\"BuiltIn\",\"storage_type\":\"Memory\"}}"),
                 0, "%s", E.detail);
    cr_assert_eq(C.storage, STORE_LOCAL_JSON);
    cr_assert_eq(C.rvps_store, STORE_MEMORY);
}

Test(config, v26_selected_backend_must_be_configured)
{
    cr_assert_eq(load("{\"storage_backend\":{\"storage_type\":\"LocalFs\"}}"), -1);
    cr_assert(strstr(E.detail, "storage_backend.backends.local_fs"), "%s", E.detail);
    cr_assert_eq(load("{\"storage_backend\":{\"storage_type\":\"Redis\","
                      "\"backends\":{\"redis\":{}}}}"),
                 -1);
    cr_assert(strstr(E.detail, "Redis"), "%s", E.detail);
    cr_assert_eq(load("{\"storage_backend\":{\"storage_type\":\"Postgres\","
                      "\"backends\":{\"postgres\":{\"port\":\"5432\"}}}}"),
                 -1);
    cr_assert(strstr(E.detail, "storage_backend.backends.postgres.port"), "%s", E.detail);
}

/* The 2024 broker string decides the token; a 2026 storage_backend next to
 * it is accepted and validated (V26 additions accepted alongside). */
Test(config, v24_broker_string_with_storage_backend)
{
    cr_assert_eq(load("{\"attestation_token_broker\":\"Simple\",\"storage_backend\":{}}"), 0,
                 "%s", E.detail);
    cr_assert(!C.layout_v26);
    cr_assert_eq(C.token_broker, TOKEN_SIMPLE);
    cr_assert_eq(load("{\"attestation_token_broker\":\"Simple\",\"storage_backend\":"
                      "{\"storage_type\":\"LocalFs\"}}"),
                 -1);
}

Test(config, v26_warns_about_v24_token_config)
{
    cr_assert_eq(load("{\"attestation_token_broker\":{},\"attestation_token_config\":{}}"), 0);
    cr_assert(has_warning("attestation_token_config"));
}

Test(config, our_keys)
{
    cr_assert_eq(load("{\"policy_engine_version\":\"v1\",\"max_body_bytes\":1024,"
                      "\"allow_network_builtins\":true}"),
                 0, "%s", E.detail);
    cr_assert_eq(C.policy_engine_version, REGO_V1);
    cr_assert_eq(C.max_body_bytes, 1024);
    cr_assert(C.allow_network_builtins);
    cr_assert_eq(load("{\"policy_engine_version\":\"v0\"}"), 0);
    cr_assert_eq(C.policy_engine_version, REGO_V0);
    cr_assert_eq(load("{\"policy_engine_version\":\"v2\"}"), -1);
    cr_assert_eq(load("{\"max_body_bytes\":0}"), -1);
    cr_assert(strstr(E.detail, "max_body_bytes"), "%s", E.detail);
    cr_assert_eq(load("{\"max_body_bytes\":-1}"), -1);
}

Test(config, policy_opa_compat)
{
    cr_assert_eq(load("{}"), 0, "%s", E.detail);
    cr_assert_eq(C.policy_opa_compat, REGO_OPA_2025);
    cr_assert_eq(load("{\"policy_opa_compat\":\"2026\"}"), 0, "%s", E.detail);
    cr_assert_eq(C.policy_opa_compat, REGO_OPA_2026);
    cr_assert_eq(C.n_warnings, 0);
    cr_assert_eq(load("{\"policy_opa_compat\":\"2025\"}"), 0, "%s", E.detail);
    cr_assert_eq(C.policy_opa_compat, REGO_OPA_2025);
    cr_assert_eq(load("{\"policy_opa_compat\":null}"), 0, "%s", E.detail);
    cr_assert_eq(C.policy_opa_compat, REGO_OPA_2025);
    cr_assert_eq(load("{\"policy_opa_compat\":\"2027\"}"), -1);
    cr_assert(strstr(E.detail, "`policy_opa_compat` must be \"2025\" or \"2026\", got \"2027\""), "%s",
              E.detail);
    cr_assert_eq(load("{\"policy_opa_compat\":2026}"), -1);
    cr_assert(strstr(E.detail, "policy_opa_compat"), "%s", E.detail);
}

Test(config, null_means_absent)
{
    cr_assert_eq(load("{\"work_dir\":null,\"attestation_token_config\":{\"signer\":null}}"), 0);
    cr_assert_null(C.signer.key_path);
}

Test(config, invalid_json_and_missing_file)
{
    cr_assert_eq(load("{\"work_dir\":"), -1);
    cr_assert(strstr(E.detail, "not valid JSON"), "%s", E.detail);
    cr_assert(strstr(E.detail, "line 1"), "%s", E.detail);
    cr_assert_eq(config_load("/nonexistent/config.json", &A, &C, &E), -1);
    cr_assert(strstr(E.detail, "/nonexistent/config.json"), "%s", E.detail);
    cr_assert_eq(config_load("/tmp", &A, &C, &E), -1);
    cr_assert(strstr(E.detail, "not a regular file"), "%s", E.detail);
}

Test(config, load_from_file)
{
    char path[] = "/tmp/as-config-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *doc = "{\"work_dir\":\"/w\"}";
    cr_assert_eq(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fd);
    int rc = config_load(path, &A, &C, &E);
    unlink(path);
    cr_assert_eq(rc, 0, "%s", E.detail);
    cr_assert_str_eq(C.work_dir, "/w");
}

/* verifier_config is our extension to the 2024 layout: it must not switch
 * the token broker to EAR. */
Test(config, v24_layout_with_verifier_config_stays_simple)
{
    cr_assert_eq(load("{\"attestation_token_broker\":\"Simple\","
                      "\"verifier_config\":{\"snp_verifier\":{\"allowed_vmpls\":[0]}}}"),
                 0, "%s", E.detail);
    cr_assert(!C.layout_v26);
    cr_assert_eq(C.token_broker, TOKEN_SIMPLE);
    cr_assert_not_null(C.verifier_config);
    cr_assert_eq(load("{\"verifier_config\":{}}"), 0, "%s", E.detail);
    cr_assert(!C.layout_v26);
    cr_assert_eq(C.token_broker, TOKEN_SIMPLE);
}
