/* fetch.c - HTTP GET for endorsements over libcurl, with an on-disk cache,
 * retries and an offline mode (see fetch.h).
 *
 * Cache entry layout (one file per URL, named by SHA-256 of the URL):
 *   "ASFETCH1 <fetched unix> <expires unix>\n"
 *   "<header name>: <value>\n" ...   (the response headers)
 *   "\n"
 *   <body bytes>
 * Entries are written to a temporary file and renamed, so readers in other
 * threads or processes never see a partial entry.  A fresh entry is served
 * without touching the network; a stale one is refreshed, and served (as a
 * fallback) when the upstream cannot be reached. */
#include "fetch/fetch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "base/codec.h"
#include "base/hash.h"
#include "base/log.h"

#define FETCH_MAX_BODY (16u << 20)
#define FETCH_MAX_HEADERS 64
#define FETCH_DEFAULT_TIMEOUT_MS 10000L
#define FETCH_DEFAULT_MAX_AGE (24 * 3600)
#define FETCH_MAX_RETRIES 10
#define FETCH_RETRY_BUDGET_S 8    /* most time spent in retries of one GET */
#define FETCH_NOT_FOUND_TTL_S 60  /* a 404 is remembered this long */
#define CACHE_MAGIC "ASFETCH1"

struct header_kv {
    const char *name;
    const char *value;
};

struct header_list {
    struct header_kv kv[FETCH_MAX_HEADERS];
    size_t len;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static const char *header_lookup(const struct fetch_response *r, const char *name)
{
    const struct header_list *h = r ? r->priv : NULL;
    if (!h)
        return NULL;
    for (size_t i = h->len; i-- > 0;) /* the last occurrence wins */
        if (strcasecmp(h->kv[i].name, name) == 0)
            return h->kv[i].value;
    return NULL;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Adds "Name: value" (one line, no CRLF) to h; other lines are ignored. */
static void header_add_line(struct arena *a, struct header_list *h, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line || h->len == FETCH_MAX_HEADERS)
        return;
    const char *name = line, *val = colon + 1;
    size_t nl = (size_t)(colon - line), vl = n - nl - 1;
    trim(&name, &nl);
    trim(&val, &vl);
    char *kn = arena_strndup(a, name, nl), *kv = arena_strndup(a, val, vl);
    if (!kn || !kv)
        return;
    h->kv[h->len].name = kn;
    h->kv[h->len].value = kv;
    h->len++;
}

/* ---- transfer ---- */

struct transfer {
    struct arena *arena;
    struct buf body;
    struct header_list *headers;
    bool too_big;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    if (t->body.len + n > FETCH_MAX_BODY) {
        t->too_big = true;
        return 0;
    }
    buf_append(&t->body, p, n);
    return buf_failed(&t->body) ? 0 : n;
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nitems;
    /* A new status line (redirects, 100-continue) starts a fresh set. */
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        t->headers->len = 0;
    else
        header_add_line(t->arena, t->headers, p, n);
    return n;
}

/* One attempt.  Returns the HTTP status (>0) or 0 with *curl_err set on a
 * transport failure. */
static long transfer_once(const struct fetch_opts *o, const char *url, struct transfer *t,
                          char *curl_err)
{
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(curl_err, CURL_ERROR_SIZE, "curl_easy_init failed");
        return 0;
    }
    long timeout = o && o->timeout_ms > 0 ? o->timeout_ms : FETCH_DEFAULT_TIMEOUT_MS;
    curl_err[0] = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "restful-as/" AS_VERSION);
    if (o && o->insecure_tls) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status == 0 && strncmp(url, "file:", 5) == 0)
            status = 200; /* file:// has no status line */
    } else if (!curl_err[0]) {
        snprintf(curl_err, CURL_ERROR_SIZE, "%s",
                 t->too_big ? "response too large" : curl_easy_strerror(rc));
    }
    curl_easy_cleanup(c);
    return status;
}

static bool retryable(long status) { return status == 0 || status == 429 || status >= 500; }

static time_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Sleeps before retry `attempt` unless that would take the request past
 * FETCH_RETRY_BUDGET_S since `start` (retries run in a worker thread: a
 * QCNL retry_delay of minutes must not park it); false = stop retrying. */
static bool sleep_before_retry(const struct fetch_opts *o, int attempt, time_t start)
{
    unsigned delay = o->retry_delay_s > 0 ? (unsigned)o->retry_delay_s : 1u << (attempt < 5 ? attempt : 5);
    if (delay > FETCH_RETRY_BUDGET_S || monotonic_s() - start + (time_t)delay > FETCH_RETRY_BUDGET_S)
        return false;
    sleep(delay);
    return true;
}

/* ---- cache ---- */

static char *cache_path(struct arena *a, const char *dir, const char *url)
{
    uint8_t d[32];
    char hex[65];
    if (hash_digest(HASH_SHA256, url, strlen(url), d) < 0)
        return NULL;
    hex_encode(d, sizeof d, hex);
    return arena_sprintf(a, "%s/%s.cache", dir, hex);
}

struct cache_entry {
    time_t fetched, expires;
    uint8_t *body;
    size_t body_len;
    struct header_list *headers;
};

static uint8_t *read_file(struct arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    uint8_t *p = NULL;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= 0 &&
        (size_t)st.st_size <= FETCH_MAX_BODY + 65536) {
        p = arena_alloc(a, (size_t)st.st_size + 1);
        if (p && fread(p, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
            p[st.st_size] = 0;
            *len = (size_t)st.st_size;
        } else {
            p = NULL;
        }
    }
    fclose(f);
    return p;
}

static int cache_load(struct arena *a, const char *path, struct cache_entry *e)
{
    size_t len = 0;
    uint8_t *p = read_file(a, path, &len);
    if (!p)
        return -1;
    const char *s = (const char *)p, *end = s + len;
    const char *nl = memchr(s, '\n', len);
    long long fetched, expires;
    if (!nl || sscanf(s, CACHE_MAGIC " %lld %lld", &fetched, &expires) != 2)
        return -1;
    e->fetched = (time_t)fetched;
    e->expires = (time_t)expires;
    e->headers = arena_zalloc(a, sizeof *e->headers);
    if (!e->headers)
        return -1;
    for (s = nl + 1; s < end;) {
        nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            return -1;
        if (nl == s) { /* blank line: the body follows */
            e->body = (uint8_t *)nl + 1;
            e->body_len = (size_t)(end - nl - 1);
            return 0;
        }
        header_add_line(a, e->headers, s, (size_t)(nl - s));
        s = nl + 1;
    }
    return -1;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static void cache_store(const char *dir, const char *path, time_t now, time_t expires,
                        const struct header_list *h, const uint8_t *body, size_t len)
{
    static atomic_ulong counter;
    char tmp[4200];
    if (mkdir_p(dir) < 0)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lu", path, (long)getpid(),
             (unsigned long)atomic_fetch_add(&counter, 1));
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    fprintf(f, CACHE_MAGIC " %lld %lld\n", (long long)now, (long long)expires);
    for (size_t i = 0; i < h->len; i++)
        if (!strchr(h->kv[i].value, '\n'))
            fprintf(f, "%s: %s\n", h->kv[i].name, h->kv[i].value);
    fputc('\n', f);
    bool ok = fwrite(body, 1, len, f) == len;
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) < 0)
        unlink(tmp);
}

/* Lifetime of a response: the caller's max_age, else Cache-Control
 * max-age, else Expires, else 24 h. */
static time_t response_expiry(const struct fetch_opts *o, const struct fetch_response *r,
                              time_t now)
{
    if (o->max_age_s > 0)
        return now + o->max_age_s;
    const char *cc = r->header(r, "Cache-Control");
    const char *ma = cc ? strstr(cc, "max-age=") : NULL;
    if (ma) {
        long v = strtol(ma + 8, NULL, 10);
        if (v > 0)
            return now + v;
    }
    const char *ex = r->header(r, "Expires");
    if (ex) {
        time_t t = curl_getdate(ex, NULL);
        if (t > now)
            return t;
    }
    return now + FETCH_DEFAULT_MAX_AGE;
}

/* A 404 for this URL stored less than FETCH_NOT_FOUND_TTL_S ago (a file
 * "<entry>.404" in the cache format, empty body): repeated requests for an
 * unknown FMSPC or chip do not each reach the upstream. */
static bool recently_not_found(struct arena *a, const char *path, time_t now)
{
    struct cache_entry e = {0};
    return path && cache_load(a, path, &e) == 0 && now >= e.fetched && now < e.expires &&
           e.expires - e.fetched <= FETCH_NOT_FOUND_TTL_S;
}

static void fill_from_cache(struct fetch_response *out, struct cache_entry *e)
{
    out->status = 0;
    out->body = e->body;
    out->body_len = e->body_len;
    out->priv = e->headers;
    out->header = header_lookup;
    out->from_cache = true;
}

static int fetch_network(const struct fetch_opts *o, const char *url, struct arena *a,
                         struct fetch_response *out, char *curl_err)
{
    int tries = o->retries < 0 ? 0 : (o->retries > FETCH_MAX_RETRIES ? FETCH_MAX_RETRIES
                                                                      : o->retries);
    long status = 0;
    struct header_list *h = arena_zalloc(a, sizeof *h);
    if (!h)
        return -1;
    time_t start = monotonic_s();
    for (int attempt = 0; attempt <= tries; attempt++) {
        if (attempt > 0 && !sleep_before_retry(o, attempt - 1, start))
            break;
        struct transfer t = {a, BUF_INIT, h, false};
        h->len = 0;
        status = transfer_once(o, url, &t, curl_err);
        if (status >= 200 && status < 300) {
            out->body = arena_memdup(a, t.body.data ? t.body.data : "", t.body.len + 1);
            out->body_len = t.body.len;
            buf_free(&t.body);
            if (!out->body)
                return -1;
            out->status = status;
            out->priv = h;
            out->header = header_lookup;
            out->from_cache = false;
            return 0;
        }
        buf_free(&t.body);
        if (!retryable(status))
            break;
    }
    out->status = status;
    return -1;
}

int fetch_get(const struct fetch_opts *o, const char *url, struct arena *a,
              struct fetch_response *out, struct as_error *err)
{
    static const struct fetch_opts defaults = {0};
    if (!o)
        o = &defaults;
    memset(out, 0, sizeof *out);
    out->header = header_lookup;
    pthread_once(&curl_once, curl_init_once);
    time_t now = time(NULL);
    char *path = o->cache_dir ? cache_path(a, o->cache_dir, url) : NULL;
    struct cache_entry e = {0};
    bool cached = path && cache_load(a, path, &e) == 0;
    bool fresh = cached && !o->revalidate && now < e.expires && (o->max_age_s <= 0 || now - e.fetched < o->max_age_s);
    if (cached && (o->offline || fresh)) {
        fill_from_cache(out, &e);
        return 0;
    }
    if (o->offline)
        return as_err(err, 503, ERR_UPSTREAM, "offline and not cached: %s", url);
    char *not_found = path ? arena_sprintf(a, "%s.404", path) : NULL;
    if (!cached && recently_not_found(a, not_found, now))
        return as_err(err, 502, ERR_UPSTREAM, "%s answered HTTP 404 (within the last %d s)", url,
                      FETCH_NOT_FOUND_TTL_S);
    char curl_err[CURL_ERROR_SIZE];
    if (fetch_network(o, url, a, out, curl_err) == 0) {
        if (path)
            cache_store(o->cache_dir, path, now, response_expiry(o, out, now), out->priv,
                        out->body, out->body_len);
        return 0;
    }
    long status = out->status;
    if (status == 404 && not_found) {
        static const struct header_list none = {0};
        cache_store(o->cache_dir, not_found, now, now + FETCH_NOT_FOUND_TTL_S, &none,
                    (const uint8_t *)"", 0);
    }
    if (cached && retryable(status)) {
        LOG_W("fetch", "%s unreachable (%s); serving the cached copy fetched at %lld", url,
              status ? "server error" : curl_err, (long long)e.fetched);
        fill_from_cache(out, &e);
        return 0;
    }
    if (status == 0)
        return as_err(err, 503, ERR_UPSTREAM, "cannot reach %s: %s", url, curl_err);
    return as_err(err, 502, ERR_UPSTREAM, "%s answered HTTP %ld", url, status);
}
