/* svc_test.h - helpers for the service unit tests: a service over a fresh
 * temporary work_dir with an empty LocalFs RVPS and an ephemeral Simple
 * broker, JSON literals, and sample evidence builders. */
#ifndef AS_TESTS_SVC_TEST_H
#define AS_TESTS_SVC_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/hash.h"
#include "base/log.h"
#include "service/service_internal.h"

static struct arena T_A;
static struct as_config T_CFG;
static struct service *T_SVC;
static char T_DIR[256];

static void svc_setup(void)
{
    log_init("warn");
    arena_init(&T_A, 1 << 16);
    snprintf(T_DIR, sizeof(T_DIR), "/tmp/as-svc-test-XXXXXX");
    cr_assert_not_null(mkdtemp(T_DIR));
    memset(&T_CFG, 0, sizeof(T_CFG));
    T_CFG.work_dir = arena_sprintf(&T_A, "%s/work", T_DIR);
    T_CFG.policy_engine = "opa";
    T_CFG.token_broker = TOKEN_SIMPLE;
    T_CFG.token_duration_min = 5;
    T_CFG.rvps = RVPS_BUILTIN;
    T_CFG.rvps_store = STORE_LOCAL_FS;
    T_CFG.rvps_store_path = arena_sprintf(&T_A, "%s/rv", T_DIR);
    T_CFG.max_body_bytes = 2 << 20;
    struct as_error e;
    cr_assert_eq(service_new(&T_CFG, &T_SVC, &e), 0, "%s", e.detail);
}

static void svc_teardown(void)
{
    service_free(T_SVC);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T_DIR);
    cr_assert_eq(system(cmd), 0);
    arena_free(&T_A);
}

static inline struct value *J(const char *s)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(json_parse(&T_A, s, strlen(s), NULL, &v, &e), 0, "%s: %s", s, e.detail);
    return v;
}

static inline const char *b64url(const char *s)
{
    return b64_encode_arena(&T_A, (const uint8_t *)s, strlen(s), B64_URL_NOPAD);
}

static inline const char *b64std(const uint8_t *p, size_t n)
{
    return b64_encode_arena(&T_A, p, n, B64_STD_PAD);
}

/* Sample evidence JSON whose report_data is std-b64 of rd (n bytes). */
static inline const char *sample_evidence(const uint8_t *rd, size_t n)
{
    return b64url(arena_sprintf(&T_A, "{\"svn\":\"1\",\"report_data\":\"%s\"}", b64std(rd, n)));
}

static inline void hex_to_bytes(const char *hex, uint8_t *out, size_t *n)
{
    uint8_t *p;
    cr_assert_eq(hex_decode(&T_A, hex, strlen(hex), &p, n), 0);
    memcpy(out, p, *n);
}

#endif
