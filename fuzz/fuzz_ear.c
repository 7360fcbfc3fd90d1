/* fuzz_ear.c - the 2026 (EAR) pipeline under libFuzzer: arbitrary bytes as
 * a POST /attestation body to a service in EAR mode (request decoding,
 * sample verifier, claims object, built-in policies with
 * query_reference_value answering registered values, EAR token), or - when
 * the input starts with 'P' - the rest as the Rego text of policy f_cpu,
 * then appraised for a fixed sample request (policy output mapping of
 * token_ear_issue).  No crash, leak or hang; every failure is a 4xx/5xx
 * error with a type. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/log.h"
#include "service/service_internal.h"

static struct service *SVC;
static struct as_config CFG;
static struct arena CFG_ARENA;
static char DIR_[64];

#define SAMPLE_BODY                                                                                \
    "{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":"                                \
    "\"eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJZV0ZoWVdFPSJ9\",\"runtime_data\":{\"raw\":"              \
    "\"YWFhYWE\"},\"init_data\":{\"init_data_toml\":\"version = \\\"0.1.0\\\"\\nalgorithm = "      \
    "\\\"sha256\\\"\\n[data]\\n\\\"k\\\" = \\\"v\\\"\\n\"}}],\"policy_ids\":[\"f\"]}"

static void cleanup(void)
{
    service_free(SVC);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", DIR_);
    arena_free(&CFG_ARENA);
}

static void register_values(void)
{
    static const char payload[] = "{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],"
                                  "\"major_version\":1,\"minimum_minor_version\":0}";
    struct arena a;
    arena_init(&a, 1024);
    char *b64 = b64_encode_arena(&a, (const uint8_t *)payload, sizeof(payload) - 1, B64_STD_PAD);
    char *msg =
        arena_sprintf(&a, "{\"version\":\"0.1.0\",\"type\":\"sample\",\"payload\":\"%s\"}", b64);
    struct value *v;
    struct as_error e;
    if (json_parse(&a, msg, strlen(msg), NULL, &v, &e) < 0 ||
        rvps_register_v26(SVC->rvps, v, time(NULL), &e) < 0)
        abort();
    arena_free(&a);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("off");
    snprintf(DIR_, sizeof(DIR_), "/tmp/as-fuzz-ear-XXXXXX");
    if (!mkdtemp(DIR_))
        abort();
    arena_init(&CFG_ARENA, 1024);
    CFG.layout_v26 = true;
    CFG.work_dir = arena_sprintf(&CFG_ARENA, "%s/work", DIR_);
    CFG.token_broker = TOKEN_EAR;
    CFG.token_duration_min = 5;
    CFG.rvps_store = STORE_MEMORY;
    CFG.storage = STORE_MEMORY;
    struct as_error e;
    if (service_new(&CFG, &SVC, &e) < 0) {
        fprintf(stderr, "service_new: %s\n", e.detail);
        abort();
    }
    register_values();
    atexit(cleanup);
    return 0;
}

static void attest(struct arena *a, const char *text, size_t len)
{
    struct value *body;
    struct as_error e;
    char *token;
    if (json_parse(a, text, len, NULL, &body, &e) == 0 &&
        service_attestation(SVC, body, a, &token, &e) < 0 &&
        (e.status < 400 || e.status > 599 || !e.type[0]))
        abort(); /* every failure is a well-formed error */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 8192);
    if (size > 0 && data[0] == 'P') {
        struct as_error e;
        if (policy_store_set(SVC->policies, "f_cpu", (const char *)data + 1, size - 1, &e) == 0)
            attest(&a, SAMPLE_BODY, strlen(SAMPLE_BODY));
        else if (e.status < 400 || e.status > 599 || !e.type[0])
            abort();
    } else {
        attest(&a, (const char *)data, size);
    }
    arena_free(&a);
    return 0;
}
