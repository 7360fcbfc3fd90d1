/* fuzz_config.c - libFuzzer target for the configuration loader
 * (src/config/config.c).  Any bytes as a config document: the loader must
 * accept or reject them with a message, never crash or read out of bounds;
 * an accepted document yields a usable config (work_dir set, body limit in
 * range). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        log_init("off");
        quiet = 1;
    }
    struct arena a;
    arena_init(&a, 0);
    struct as_config cfg;
    struct as_error err;
    if (config_parse_text((const char *)data, size, "fuzz", &a, &cfg, &err) == 0) {
        if (!cfg.work_dir || !cfg.policy_engine || cfg.max_body_bytes == 0 ||
            cfg.max_body_bytes > ((size_t)1 << 30))
            abort();
    } else if (err.detail[0] == '\0' || strcmp(err.type, "") == 0) {
        abort(); /* every rejection says why */
    }
    arena_free(&a);
    return 0;
}
