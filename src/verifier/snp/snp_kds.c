/* snp_kds.c - VCEK sources: AMD KDS over fetch/ and the offline store (see
 * snp_kds.h). */
#include "verifier/snp/snp_kds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/codec.h"
#include "base/log.h"
#include "base/reader.h"
#include "fetch/fetch.h"

#define MAX_VCEK_FILE (64 * 1024)
#define LOG_TARGET "verifier::snp"

void snp_kds_hwid_hex(const struct snp_report *r, enum snp_product p, char out[129])
{
    hex_encode(r->chip_id, p == SNP_TURIN ? 8 : 64, out);
}

void snp_offline_tcb_prefix(const struct snp_report *r, enum snp_product p, char *out,
                            size_t cap)
{
    struct snp_tcb t;
    snp_tcb_decode(r->reported_tcb, p, &t);
    int n = snprintf(out, cap, "bl%02u_tee%02u_snp%02u_ucode%02u", t.bootloader, t.tee, t.snp,
                     t.microcode);
    if (t.has_fmc && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "_fmc%02u", t.fmc);
}

char *snp_kds_vcek_url(struct arena *a, const char *base, const struct snp_report *r,
                       enum snp_product p)
{
    struct snp_tcb t;
    char hwid[129], fmc[16] = "";
    snp_tcb_decode(r->reported_tcb, p, &t);
    snp_kds_hwid_hex(r, p, hwid);
    if (t.has_fmc)
        snprintf(fmc, sizeof fmc, "fmcSPL=%02u&", t.fmc);
    return arena_sprintf(a, "%s/vcek/v1/%s/%s?%sblSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
                         base ? base : SNP_KDS_DEFAULT_BASE, snp_product_name(p), hwid, fmc,
                         t.bootloader, t.tee, t.snp, t.microcode);
}

/* Reads a whole file of at most MAX_VCEK_FILE bytes into the arena.
 * 1 = absent, 0 = read, -1 = error (err set). */
static int read_file(struct arena *a, const char *path, const uint8_t **out, size_t *len,
                     struct as_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT
                   ? 1
                   : as_err(err, 503, ERR_UPSTREAM, "cannot open %s: %s", path, strerror(errno));
    uint8_t *buf = arena_alloc(a, MAX_VCEK_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_VCEK_FILE + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    if (bad || n == 0 || n > MAX_VCEK_FILE)
        return as_err(err, 503, ERR_UPSTREAM, "%s is unreadable, empty or larger than %d bytes",
                      path, MAX_VCEK_FILE);
    *out = buf;
    *len = n;
    return 0;
}

static int from_offline_store(const char *dir, const struct snp_report *r, enum snp_product p,
                              struct arena *a, const uint8_t **cert, size_t *len,
                              struct as_error *err)
{
    char hwid[129], prefix[64];
    snp_kds_hwid_hex(r, p, hwid);
    snp_offline_tcb_prefix(r, p, prefix, sizeof prefix);
    const char *base = dir ? dir : SNP_OFFLINE_STORE_DEFAULT;
    char *tcb_path = arena_sprintf(a, "%s/vcek/%s/%s_vcek.der", base, hwid, prefix);
    char *flat_path = arena_sprintf(a, "%s/vcek/%s/vcek.der", base, hwid);
    if (!tcb_path || !flat_path)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    int rc = read_file(a, tcb_path, cert, len, err);
    if (rc == 1)
        rc = read_file(a, flat_path, cert, len, err);
    if (rc == 1)
        return as_err(err, 503, ERR_UPSTREAM, "offline store has neither %s nor %s", tcb_path,
                      flat_path);
    if (rc == 0)
        LOG_D(LOG_TARGET, "VCEK read from the offline store under %s/vcek/%s", base, hwid);
    return rc;
}

bool snp_kds_one_der_sequence(const uint8_t *p, size_t n)
{
    struct reader r;
    uint8_t tag, len0, b;
    size_t len = 0;
    rd_init(&r, p, n);
    if (rd_u8(&r, &tag) < 0 || tag != 0x30 || rd_u8(&r, &len0) < 0)
        return false;
    if (len0 < 0x80) {
        len = len0;
    } else {
        int k = len0 & 0x7f;
        if (k == 0 || k > 4)
            return false;
        while (k--) {
            if (rd_u8(&r, &b) < 0)
                return false;
            len = len << 8 | b;
        }
    }
    return len == rd_remaining(&r);
}

/* What KDS (DER) or a proxy in front of it (PEM, as the original's
 * Certificate::from_bytes also takes) may answer with. */
static bool looks_like_certificate(const uint8_t *p, size_t n)
{
    static const char pem[] = "-----BEGIN CERTIFICATE-----";
    return snp_kds_one_der_sequence(p, n) ||
           (n >= sizeof pem - 1 && memcmp(p, pem, sizeof pem - 1) == 0);
}

static int kds_get(const struct fetch_opts *fo, const char *url, struct arena *a,
                   struct fetch_response *resp, struct as_error *err)
{
    TRY(fetch_get(fo, url, a, resp, err));
    if (looks_like_certificate(resp->body, resp->body_len))
        return 0;
    if (resp->from_cache) {
        /* A bad answer was cached: ask KDS again rather than wait for the
         * cache entry to expire. */
        struct fetch_opts again = *fo;
        again.revalidate = true;
        LOG_W(LOG_TARGET, "cached answer for %s is not a certificate; asking KDS again", url);
        TRY(fetch_get(&again, url, a, resp, err));
        if (looks_like_certificate(resp->body, resp->body_len) && !resp->from_cache)
            return 0;
    }
    return as_err(err, 502, ERR_UPSTREAM,
                  "%s answered with %zu bytes that are not a certificate", url,
                  resp->body_len);
}

static int from_kds(const char *base, const char *work_dir, const struct snp_report *r,
                    enum snp_product p, struct arena *a, const uint8_t **cert, size_t *len,
                    struct as_error *err)
{
    char *url = snp_kds_vcek_url(a, base, r, p);
    char *cache = work_dir ? arena_sprintf(a, "%s/cache/amd-kds", work_dir) : NULL;
    if (!url)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    struct fetch_opts fo = {.cache_dir = cache, .retries = 1};
    struct fetch_response resp;
    TRY(kds_get(&fo, url, a, &resp, err));
    LOG_D(LOG_TARGET, "VCEK from %s (%s)", url, resp.from_cache ? "disk cache" : "KDS");
    *cert = resp.body;
    *len = resp.body_len;
    return 0;
}

/* Optional string member; -1 when present but not a string. */
static int opt_string(const struct value *o, const char *key, const char **out)
{
    const struct value *v = value_object_get_str(o, key);
    *out = NULL;
    if (!v || v_is(v, V_NULL))
        return 0;
    if (!v_is(v, V_STRING))
        return -1;
    *out = v->u.str.s;
    return 0;
}

static const struct value *vcek_sources(const struct value *vc, struct as_error *err, int *rc)
{
    const struct value *snp = v_is(vc, V_OBJECT) ? value_object_get_str(vc, "snp_verifier") : NULL;
    const struct value *src = v_is(snp, V_OBJECT) ? value_object_get_str(snp, "vcek_sources")
                                                  : NULL;
    *rc = 0;
    if (src && !v_is(src, V_ARRAY))
        *rc = as_err(err, 500, ERR_CONFIG,
                     "verifier_config.snp_verifier.vcek_sources must be an array");
    return src;
}

struct attempt {
    int status; /* worst status seen: 502 beats 503 */
    char detail[900];
    size_t used;
};

static void note_failure(struct attempt *at, const char *source, const struct as_error *e)
{
    if (e->status == 502 || at->status == 0)
        at->status = e->status == 502 ? 502 : 503;
    int n = snprintf(at->detail + at->used, sizeof at->detail - at->used, "%s%s: %s",
                     at->used ? "; " : "", source, e->detail);
    if (n > 0)
        at->used = at->used + (size_t)n < sizeof at->detail ? at->used + (size_t)n
                                                            : sizeof at->detail - 1;
}

static int try_source(const struct snp_vcek_source_opts *o, const struct value *s,
                      const struct snp_report *r, enum snp_product p, struct arena *a,
                      const uint8_t **cert, size_t *len, struct as_error *e)
{
    const struct value *type = v_is(s, V_OBJECT) ? value_object_get_str(s, "type") : NULL;
    const char *arg;
    if (v_is(type, V_STRING) && strcmp(type->u.str.s, "KDS") == 0 &&
        opt_string(s, "base_url", &arg) == 0)
        return from_kds(arg, o->work_dir, r, p, a, cert, len, e);
    if (v_is(type, V_STRING) && strcmp(type->u.str.s, "OfflineStore") == 0 &&
        opt_string(s, "path", &arg) == 0)
        return from_offline_store(arg, r, p, a, cert, len, e);
    return as_err(e, 500, ERR_CONFIG,
                  "verifier_config.snp_verifier.vcek_sources: each entry must be "
                  "{\"type\":\"KDS\",\"base_url\"?} or {\"type\":\"OfflineStore\",\"path\"?}");
}

int snp_vcek_obtain(const struct snp_vcek_source_opts *o, const struct snp_report *r,
                    enum snp_product p, struct arena *a, const uint8_t **cert, size_t *len,
                    struct as_error *err)
{
    static const struct value kds_only_placeholder = {.type = V_NULL};
    char hwid[129], prefix[64];
    if (snp_report_chip_id_zero(r))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: no VCEK/VLEK in the evidence and CHIP_ID is zero (masked or "
                      "VLEK-signed), so no VCEK can be looked up");
    int rc;
    const struct value *src = vcek_sources(o->verifier_config, err, &rc);
    TRY(rc);
    size_t n = src ? src->u.arr.len : 1;
    struct attempt at = {0};
    for (size_t i = 0; i < n; i++) {
        struct as_error e;
        const struct value *s = src ? src->u.arr.items[i] : &kds_only_placeholder;
        if (!src)
            rc = from_kds(NULL, o->work_dir, r, p, a, cert, len, &e);
        else
            rc = try_source(o, s, r, p, a, cert, len, &e);
        if (rc == 0)
            return 0;
        if (e.status == 500)
            return as_err(err, e.status, e.type, "%s", e.detail);
        const struct value *type = src && v_is(s, V_OBJECT) ? value_object_get_str(s, "type") : NULL;
        note_failure(&at, v_is(type, V_STRING) ? type->u.str.s : "KDS", &e);
    }
    snp_kds_hwid_hex(r, p, hwid);
    snp_offline_tcb_prefix(r, p, prefix, sizeof prefix);
    return as_err(err, at.status ? at.status : 503, ERR_UPSTREAM,
                  "snp: VCEK for %s hwID %.16s... (%s) is not available from any configured "
                  "source: %s",
                  snp_product_name(p), hwid, prefix, n ? at.detail : "no vcek_sources configured");
}
