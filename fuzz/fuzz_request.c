/* fuzz_request.c - arbitrary bytes as a POST /attestation body through the
 * whole pipeline (JSON, request decoding, sample verifier, flattening,
 * RVPS, policies, token) with a temporary work_dir: no crash, leak or
 * hang.  A few bodies are also sent to POST /policy and /challenge. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "service/service_internal.h"

static struct service *SVC;
static struct as_config CFG;
static struct arena CFG_ARENA;
static char DIR_[64];

static void cleanup(void)
{
    service_free(SVC);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", DIR_);
    arena_free(&CFG_ARENA);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("off");
    snprintf(DIR_, sizeof(DIR_), "/tmp/as-fuzz-request-XXXXXX");
    if (!mkdtemp(DIR_))
        abort();
    arena_init(&CFG_ARENA, 1024);
    CFG.work_dir = arena_sprintf(&CFG_ARENA, "%s/work", DIR_);
    CFG.token_broker = TOKEN_SIMPLE;
    CFG.token_duration_min = 5;
    CFG.rvps_store = STORE_LOCAL_FS;
    CFG.rvps_store_path = arena_sprintf(&CFG_ARENA, "%s/rv", DIR_);
    struct as_error e;
    if (service_new(&CFG, &SVC, &e) < 0) {
        fprintf(stderr, "service_new: %s\n", e.detail);
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 8192);
    struct value *body;
    struct as_error e;
    if (json_parse(&a, (const char *)data, size, NULL, &body, &e) == 0) {
        char *token;
        if (service_attestation(SVC, body, &a, &token, &e) < 0 &&
            (e.status < 400 || e.status > 599 || !e.type[0]))
            abort(); /* every failure is a well-formed error */
        char *challenge;
        (void)service_challenge(SVC, body, &a, &challenge, &e);
    }
    arena_free(&a);
    return 0;
}
