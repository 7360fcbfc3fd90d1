/* fetch.h - HTTP client for endorsements (Intel PCS/PCCS, AMD KDS, Hygon
 * KDS) with an on-disk cache, timeouts, retries and an offline mode.
 *
 * Verifiers never call libcurl themselves; they ask fetch_get for a URL.
 * Thread-safe. */
#ifndef AS_FETCH_FETCH_H
#define AS_FETCH_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"

struct fetch_opts {
    const char *cache_dir;   /* NULL = no disk cache */
    long timeout_ms;         /* 0 = 10 s */
    int retries;             /* retry_times */
    int retry_delay_s;       /* 0 = exponential back-off from 1 s */
    bool insecure_tls;       /* use_secure_cert = false */
    bool offline;            /* cache only */
    time_t max_age_s;        /* cache entries older than this are refetched (0 = use
                                the server's Cache-Control/Expires, else 24 h) */
    bool revalidate;         /* ask upstream even if the cache entry is fresh; the
                                entry is still the fallback when upstream is down */
};

struct fetch_response {
    long status;            /* HTTP status, 0 if from cache */
    uint8_t *body;          /* arena memory */
    size_t body_len;
    /* Response headers the verifiers need (Intel PCS issuer chains), arena
     * strings or NULL; looked up case-insensitively. */
    const char *(*header)(const struct fetch_response *r, const char *name);
    void *priv;
    bool from_cache;
};

/* GET url.  2xx -> 0.  Network failure with nothing cached -> -1, 503
 * ERR_UPSTREAM naming the URL.  Non-2xx -> -1, 502 ERR_UPSTREAM. */
int fetch_get(const struct fetch_opts *o, const char *url, struct arena *a,
              struct fetch_response *out, struct as_error *err);

#endif
