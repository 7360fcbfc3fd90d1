/* ear_test.h - helpers for the EAR (2026 mode) service tests: a service in
 * EAR mode over a fresh work_dir with an empty in-memory RVPS (so the test
 * can register reference values through T_SVC->rvps), the sample requests
 * of api.md §11.2, and OpenSSL-side verification of the ES256 token from
 * its header jwk (tests/unit/token/token_test_util.h). */
#ifndef AS_TESTS_EAR_TEST_H
#define AS_TESTS_EAR_TEST_H

#include "../token/token_test_util.h"
#include "svc_test.h"

/* api.md §11.2: sample evidence whose report_data is the SHA-384 of the
 * JCS form of RUNTIME. */
#define EV_SAMPLE                                                                                  \
    "eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJxSzFjMkc4SUpOaFpjR0pmYVh2UEJmN3g0QkNOMU1HdzNOZVVJMzUwNnJn" \
    "WEtTdjk1SlFTdktYaU5qaDVPUXcxIn0"
#define RUNTIME                                                                                    \
    "{\"nonce\":\"1234567890abcdef\",\"tee-pubkey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":"    \
    "\"ES256\",\"x\":\"abc\",\"y\":\"def\"}}"
#define TOML                                                                                       \
    "version = \\\"0.1.0\\\"\\nalgorithm = \\\"sha256\\\"\\n\\n[data]\\n\\\"key1\\\" = "           \
    "\\\"value1\\\"\\n"
#define ITEM_V26                                                                                   \
    "{\"tee\":\"sample\",\"evidence\":\"" EV_SAMPLE "\",\"runtime_data\":{\"structured\":" RUNTIME \
    "},\"init_data\":{\"init_data_toml\":\"" TOML "\"}}"
#define REQUEST_V26 "{\"verification_requests\":[" ITEM_V26 "],\"policy_ids\":[]}"

static void ear_setup_with(bool verbose)
{
    log_init("error");
    arena_init(&T_A, 1 << 16);
    snprintf(T_DIR, sizeof(T_DIR), "/tmp/as-ear-test-XXXXXX");
    cr_assert_not_null(mkdtemp(T_DIR));
    memset(&T_CFG, 0, sizeof(T_CFG));
    T_CFG.layout_v26 = true;
    T_CFG.work_dir = arena_sprintf(&T_A, "%s/work", T_DIR);
    T_CFG.policy_engine = "opa";
    T_CFG.token_broker = TOKEN_EAR;
    T_CFG.token_duration_min = 5;
    T_CFG.rvps = RVPS_BUILTIN;
    T_CFG.rvps_store = STORE_MEMORY;
    T_CFG.storage = STORE_MEMORY;
    T_CFG.max_body_bytes = 2 << 20;
    if (!verbose) {
        struct value *ear;
        struct as_error pe;
        cr_assert_eq(json_parse(&T_A, "{\"verbose_token\":false}", 23, NULL, &ear, &pe), 0);
        T_CFG.ear_config = ear;
    }
    struct as_error e;
    cr_assert_eq(service_new(&T_CFG, &T_SVC, &e), 0, "%s", e.detail);
}

static void ear_setup(void)
{
    ear_setup_with(true);
}

/* POST /attestation; returns the service's rc. */
static inline int ear_attest(const char *body, char **token, struct as_error *e)
{
    return service_attestation(T_SVC, J(body), &T_A, token, e);
}

/* Verifies the token's ES256 signature with its header jwk (OpenSSL) and
 * returns the payload. */
static inline struct value *ear_verified_payload(const char *token)
{
    struct jws_parts parts;
    jws_split(token, &parts);
    struct value *header = J(parts.header);
    cr_assert_str_eq(value_object_get_str(header, "alg")->u.str.s, "ES256");
    cr_assert_str_eq(value_object_get_str(header, "typ")->u.str.s, "JWT");
    const struct value *jwk = value_object_get_str(header, "jwk");
    cr_assert_str_eq(value_object_get_str(jwk, "crv")->u.str.s, "P-256");
    EVP_PKEY *pub = pkey_from_jwk(jwk);
    cr_assert(verify_sig(pub, "ES256", &parts), "ES256 signature does not verify");
    cr_assert_eq(parts.sig_len, 64);
    /* a flipped payload byte must not verify */
    parts.signing_input[strlen(parts.signing_input) - 1] ^= 1;
    cr_assert_not(verify_sig(pub, "ES256", &parts), "tampered token verified");
    EVP_PKEY_free(pub);
    struct value *payload = J(parts.payload);
    jws_parts_free(&parts);
    return payload;
}

static inline const struct value *submod(const struct value *payload, const char *name)
{
    const struct value *s = value_object_get_str(value_object_get_str(payload, "submods"), name);
    cr_assert_not_null(s, "no submod %s", name);
    return s;
}

static inline const char *member_json(const struct value *obj, const char *key)
{
    const struct value *v = value_object_get_str(obj, key);
    return v ? json_to_string(&T_A, v, JSON_COMPACT) : "(absent)";
}

/* Registers reference values {"name": value, ...} (a V26 registration). */
static inline void register_rv(const char *payload_json)
{
    const char *b64 = b64std((const uint8_t *)payload_json, strlen(payload_json));
    struct as_error e;
    cr_assert_eq(rvps_register_v26(T_SVC->rvps,
                                   J(arena_sprintf(&T_A,
                                                   "{\"version\":\"0.1.0\",\"type\":\"sample\","
                                                   "\"payload\":\"%s\"}",
                                                   b64)),
                                   time(NULL), &e),
                 0, "%s", e.detail);
}

static inline void set_policy_text(const char *id, const char *text)
{
    struct as_error e;
    const char *body =
        arena_sprintf(&T_A, "{\"policy_id\":\"%s\",\"policy\":\"%s\"}", id, b64url(text));
    cr_assert_eq(service_set_policy(T_SVC, J(body), &e), 0, "%s: %s", id, e.detail);
}

#endif
