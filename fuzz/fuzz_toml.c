/* fuzz_toml.c - arbitrary bytes through the TOML parser and the initdata
 * rules (src/service/toml.c, initdata.c): no crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "service/service_internal.h"
#include "service/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        log_init("off");
        once = 1;
    }
    struct arena a;
    arena_init(&a, 4096);
    struct value *v;
    struct as_error e;
    if (toml_parse(&a, (const char *)data, size, ERR_INVALID_INITDATA, &v, &e) == 0) {
        struct buf b = BUF_INIT;
        json_print(&b, v, JSON_COMPACT);
        buf_free(&b);
    }
    uint8_t *digest;
    size_t n;
    struct value *claims;
    (void)initdata_toml(&a, (const char *)data, size, &digest, &n, &claims, &e);
    arena_free(&a);
    return 0;
}
