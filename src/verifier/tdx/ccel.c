/* ccel.c - CC event log parsing, RTMR replay and claims (see ccel.h). */
#include "verifier/tdx/ccel.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/codec.h"
#include "base/reader.h"
#include "verifier/tdx/ccel_details.h"
#include "verifier/tdx/ccel_text.h"

#define CCEL_MAX_EVENTS 65536
#define EV_NO_ACTION 0x3
#define TD_PAYLOAD_INFO "td_payload_info" /* + NUL = 16-byte descriptor */
#define V24_RTMRS 3 /* V24 replays RTMR0..2 (MR indexes 1..3) */

struct alg_size {
    uint16_t alg, size;
};

static int bad(struct as_error *err, const struct reader *r, const char *what)
{
    return as_err(err, 400, ERR_INVALID_EVIDENCE, "tdx: CC event log: %s at offset %zu", what,
                  rd_offset(r));
}

static const struct {
    uint32_t type;
    const char *name;
} EVENT_TYPES[] = {
    {0x0, "EV_PREBOOT_CERT"},
    {0x1, "EV_POST_CODE"},
    {0x2, "EV_UNUSED"},
    {0x3, "EV_NO_ACTION"},
    {0x4, "EV_SEPARATOR"},
    {0x5, "EV_ACTION"},
    {0x6, "EV_EVENT_TAG"},
    {0x7, "EV_S_CRTM_CONTENTS"},
    {0x8, "EV_S_CRTM_VERSION"},
    {0x9, "EV_CPU_MICROCODE"},
    {0xa, "EV_PLATFORM_CONFIG_FLAGS"},
    {0xb, "EV_TABLE_OF_DEVICES"},
    {0xc, "EV_COMPACT_HASH"},
    {0xd, "EV_IPL"},
    {0xe, "EV_IPL_PARTITION_DATA"},
    {0xf, "EV_NONHOST_CODE"},
    {0x10, "EV_NONHOST_CONFIG"},
    {0x11, "EV_NONHOST_INFO"},
    {0x12, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {0x80000000, "EV_EFI_EVENT_BASE"},
    {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {0x80000002, "EV_EFI_VARIABLE_BOOT"},
    {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {0x80000006, "EV_EFI_GPT_EVENT"},
    {0x80000007, "EV_EFI_ACTION"},
    {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {0x80000009, "EV_EFI_HANDOFF_TABLES"},
    {0x8000000a, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {0x8000000b, "EV_EFI_HANDOFF_TABLES2"},
    {0x8000000c, "EV_EFI_VARIABLE_BOOT2"},
    {0x80000010, "EV_EFI_HCRTM_EVENT"},
    {0x800000e0, "EV_EFI_VARIABLE_AUTHORITY"},
    {0x800000e1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {0x800000e2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
};

const char *ccel_event_type_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof EVENT_TYPES / sizeof EVENT_TYPES[0]; i++)
        if (EVENT_TYPES[i].type == type)
            return EVENT_TYPES[i].name;
    return NULL;
}

static const char *alg_name(uint16_t alg)
{
    switch (alg) {
    case TCG_ALG_RSA: return "RSA";
    case TCG_ALG_TDES: return "TDES";
    case TCG_ALG_SHA1: return "SHA-1";
    case TCG_ALG_SHA256: return "SHA-256";
    case TCG_ALG_SHA384: return "SHA-384";
    case TCG_ALG_SHA512: return "SHA-512";
    case TCG_ALG_SM3: return "SM3";
    default: return NULL;
    }
}

/* The first event: TCG_PCR_EVENT (SHA-1 layout) carrying the
 * TCG_EfiSpecIdEvent with the digest sizes of the log. */
static int parse_spec_id(struct reader *r, struct alg_size *sizes, size_t *nsizes,
                         struct as_error *err)
{
    uint32_t pcr, type, size, nalg;
    struct reader ev;
    if (rd_u32le(r, &pcr) < 0 || rd_u32le(r, &type) < 0 || rd_skip(r, 20) < 0 ||
        rd_u32le(r, &size) < 0 || rd_sub(r, size, &ev) < 0)
        return bad(err, r, "truncated Spec ID event");
    if (type != EV_NO_ACTION || rd_skip(&ev, 24) < 0 || rd_u32le(&ev, &nalg) < 0 ||
        nalg == 0 || nalg > CCEL_MAX_DIGESTS)
        return bad(err, r, "first event is not a TCG Spec ID event");
    for (uint32_t i = 0; i < nalg; i++) {
        if (rd_u16le(&ev, &sizes[i].alg) < 0 || rd_u16le(&ev, &sizes[i].size) < 0 ||
            sizes[i].size == 0 || sizes[i].size > 64)
            return bad(err, r, "malformed digest size table");
    }
    *nsizes = nalg;
    return 0;
}

static int digest_size(const struct alg_size *sizes, size_t n, uint16_t alg)
{
    for (size_t i = 0; i < n; i++)
        if (sizes[i].alg == alg)
            return sizes[i].size;
    return -1;
}

/* True at the end marker: the next 8 bytes all 0x00 or all 0xFF, or fewer
 * than 8 bytes left. */
static bool at_end(const struct reader *r)
{
    if (rd_remaining(r) < 8)
        return true;
    const uint8_t *p = rd_ptr(r);
    bool zero = true, ones = true;
    for (int i = 0; i < 8; i++) {
        zero = zero && p[i] == 0x00;
        ones = ones && p[i] == 0xff;
    }
    return zero || ones;
}

static int parse_event(struct reader *r, const struct alg_size *sizes, size_t nsizes,
                       struct ccel_event *e, struct as_error *err)
{
    uint32_t count;
    if (rd_u32le(r, &e->index) < 0 || rd_u32le(r, &e->type) < 0 || rd_u32le(r, &count) < 0)
        return bad(err, r, "truncated event header");
    if (!ccel_event_type_name(e->type))
        return bad(err, r, "unknown event type");
    if (count > CCEL_MAX_DIGESTS)
        return bad(err, r, "too many digests in an event");
    e->ndigests = count;
    for (uint32_t i = 0; i < count; i++) {
        struct ccel_digest *d = &e->digests[i];
        int size;
        if (rd_u16le(r, &d->alg) < 0 || (size = digest_size(sizes, nsizes, d->alg)) < 0)
            return bad(err, r, "digest of an algorithm absent from the Spec ID event");
        d->len = (uint16_t)size;
        if (rd_bytes(r, d->len, &d->value) < 0)
            return bad(err, r, "truncated digest");
    }
    if (rd_u32le(r, &e->data_len) < 0 || rd_bytes(r, e->data_len, &e->data) < 0)
        return bad(err, r, "truncated event data");
    return 0;
}

int ccel_parse(struct arena *a, const uint8_t *data, size_t len, struct ccel *out,
               struct as_error *err)
{
    struct reader r;
    struct alg_size sizes[CCEL_MAX_DIGESTS];
    size_t nsizes = 0, cap = 64;
    memset(out, 0, sizeof *out);
    rd_init(&r, data, len);
    TRY(parse_spec_id(&r, sizes, &nsizes, err));
    for (size_t i = 0; i < nsizes; i++)
        out->spec_algs[i] = sizes[i].alg;
    out->nspec_algs = nsizes;
    out->events = arena_alloc(a, cap * sizeof *out->events);
    if (!out->events)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    while (!at_end(&r)) {
        if (out->len == CCEL_MAX_EVENTS)
            return bad(err, &r, "too many events");
        if (out->len == cap) {
            struct ccel_event *n = arena_alloc(a, 2 * cap * sizeof *n);
            if (!n)
                return as_err(err, 500, ERR_INTERNAL, "out of memory");
            memcpy(n, out->events, cap * sizeof *n);
            out->events = n;
            cap *= 2;
        }
        TRY(parse_event(&r, sizes, nsizes, &out->events[out->len], err));
        out->len++;
    }
    return 0;
}

void ccel_replay_sha384(const struct ccel *log, uint32_t index, uint8_t out[48])
{
    memset(out, 0, 48);
    for (size_t i = 0; i < log->len; i++) {
        const struct ccel_event *e = &log->events[i];
        if (e->index != index)
            continue;
        for (size_t d = 0; d < e->ndigests; d++) {
            if (e->digests[d].alg != TCG_ALG_SHA384)
                continue;
            uint8_t buf[96];
            unsigned int n = 0;
            memcpy(buf, out, 48);
            memcpy(buf + 48, e->digests[d].value, 48);
            EVP_Digest(buf, sizeof buf, out, &n, EVP_sha384(), NULL);
        }
    }
}

bool ccel_index_replayed(uint32_t index, int nrtmr)
{
    return index >= 1 && index <= (uint32_t)nrtmr;
}

static const struct ccel_digest *sha384_digest(const struct ccel_event *e)
{
    for (size_t d = 0; d < e->ndigests; d++)
        if (e->digests[d].alg == TCG_ALG_SHA384)
            return &e->digests[d];
    return NULL;
}

/* Every event at an RTMR (MR index 1..4) must carry exactly one digest per
 * algorithm and a SHA-384 one: the replay only sees SHA-384 digests, so an
 * event without one would be in the log (and its claims) unchecked. */
static int check_rtmr_digests(const struct ccel *log, struct as_error *err)
{
    for (size_t i = 0; i < log->len; i++) {
        const struct ccel_event *e = &log->events[i];
        if (!ccel_index_replayed(e->index, 4))
            continue;
        for (size_t d = 0; d < e->ndigests; d++)
            for (size_t o = d + 1; o < e->ndigests; o++)
                if (e->digests[d].alg == e->digests[o].alg)
                    return as_err(err, 400, ERR_INVALID_EVIDENCE,
                                  "tdx: CC event log: event %zu repeats digest algorithm 0x%04x",
                                  i + 1, e->digests[d].alg);
        if (!sha384_digest(e))
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "tdx: CC event log: event %zu at RTMR%u has no SHA-384 digest", i + 1,
                          e->index - 1);
    }
    return 0;
}

int ccel_check_rtmrs(const struct ccel *log, const uint8_t *rtmrs, int nrtmr,
                     struct as_error *err)
{
    TRY(check_rtmr_digests(log, err));
    for (int i = 0; i < nrtmr; i++) {
        uint8_t mr[48];
        ccel_replay_sha384(log, (uint32_t)i + 1, mr);
        if (memcmp(mr, rtmrs + 48 * i, 48) != 0) {
            char got[97];
            hex_encode(mr, 48, got);
            return as_err(err, 403, ERR_VERIFICATION_FAILED,
                          "tdx: CC event log does not replay to RTMR%d of the quote (replayed "
                          "%s)",
                          i, got);
        }
    }
    return 0;
}

/* ---- V24 claims ---- */

static bool starts_with(const struct ccel_event *e, const void *p, size_t n)
{
    return e->data_len >= n && memcmp(e->data, p, n) == 0;
}

static const struct ccel_event *find_kernel(const struct ccel *log)
{
    static const uint8_t shim[] = "\x0btd_payload"; /* len("td_payload\0") + name + NUL */
    static const uint8_t tdvf[] = {'k', 0, 'e', 0, 'r', 0, 'n', 0, 'e', 0, 'l', 0};
    const struct ccel_event *found = NULL;
    for (size_t i = 0; i < log->len; i++) {
        const struct ccel_event *e = &log->events[i];
        if (!ccel_index_replayed(e->index, V24_RTMRS) || !sha384_digest(e))
            continue;
        if (starts_with(e, tdvf, sizeof tdvf))
            return e; /* the TDVF event wins */
        if (!found && starts_with(e, shim, sizeof shim)) /* includes the NUL */
            found = e;
    }
    return found;
}

static bool is_sep(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\0'; }

/* Command line -> {name: "value" | null}; later duplicates win. */
static struct value *kernel_params(struct arena *a, const uint8_t *p, size_t n)
{
    struct pair_list l = {0};
    size_t i = 0;
    while (i < n) {
        while (i < n && is_sep(p[i]))
            i++;
        size_t start = i;
        while (i < n && !is_sep(p[i]))
            i++;
        if (i == start)
            break;
        const uint8_t *eq = memchr(p + start, '=', i - start);
        size_t kl = eq ? (size_t)(eq - (p + start)) : i - start;
        struct value *k = v_string(a, (const char *)p + start, kl);
        struct value *v = eq ? v_string(a, (const char *)eq + 1, (size_t)(p + i - eq - 1))
                             : v_null();
        if (!k || !v || pair_list_push(a, &l, k, v) < 0)
            return NULL;
    }
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

int ccel_v24_claims(struct arena *a, const struct ccel *log, struct value **out,
                    struct as_error *err)
{
    struct pair_list l = {0};
    const struct ccel_event *k = find_kernel(log);
    if (k) {
        const struct ccel_digest *d = sha384_digest(k);
        char *hex = hex_encode_arena(a, d->value, d->len);
        if (!hex || pair_list_push_str(a, &l, "kernel", v_cstr(a, hex)) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < log->len; i++) {
        const struct ccel_event *e = &log->events[i];
        if (!ccel_index_replayed(e->index, V24_RTMRS) ||
            !starts_with(e, TD_PAYLOAD_INFO, sizeof TD_PAYLOAD_INFO))
            continue;
        if (e->data_len < 20)
            return as_err(err, 400, ERR_INVALID_EVIDENCE, "tdx: td_payload_info event too short");
        uint32_t n = (uint32_t)e->data[16] | (uint32_t)e->data[17] << 8 |
                     (uint32_t)e->data[18] << 16 | (uint32_t)e->data[19] << 24;
        if (n > e->data_len - 20)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "tdx: td_payload_info command line length %u exceeds the event", n);
        if (!ccel_utf8_valid(e->data + 20, n))
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "tdx: kernel command line is not UTF-8");
        struct value *params = kernel_params(a, e->data + 20, n);
        if (!params || pair_list_push_str(a, &l, "kernel_parameters", params) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
        break;
    }
    *out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

/* ---- V26 claims ---- */

static struct value *digest_list(struct arena *a, const struct ccel_event *e)
{
    struct value_list l = {0};
    for (size_t i = 0; i < e->ndigests; i++) {
        struct pair_list p = {0};
        const char *name = alg_name(e->digests[i].alg);
        char *hex = hex_encode_arena(a, e->digests[i].value, e->digests[i].len);
        if (!hex || pair_list_push_str(a, &p, "alg", v_cstr(a, name ? name : "UNKNOWN")) < 0 ||
            pair_list_push_str(a, &p, "digest", v_cstr(a, hex)) < 0 ||
            value_list_push(a, &l, v_object(a, p.pairs, p.len, DUP_LAST_WINS, NULL)) < 0)
            return NULL;
    }
    return v_array(a, l.items, l.len);
}

static int event_claim(struct arena *a, const struct ccel_event *e, size_t position,
                       struct value **out, struct as_error *err)
{
    struct pair_list p = {0};
    struct value *details;
    bool matches;
    const char *why;
    if (ccel_event_details(a, e, &details, &why) < 0 ||
        ccel_digest_matches_event(e, &matches, &why) < 0)
        return why ? as_err(err, 400, ERR_INVALID_EVIDENCE,
                            "tdx: CC event log: event %zu (%s): %s", position,
                            ccel_event_type_name(e->type), why)
                   : as_err(err, 500, ERR_INTERNAL, "out of memory");
    char *b64 = b64_encode_arena(a, e->data, e->data_len, B64_STD_PAD);
    struct value *digests = digest_list(a, e);
    if (!b64 || !digests || pair_list_push_str(a, &p, "details", details) < 0 ||
        pair_list_push_str(a, &p, "digest_matches_event", v_bool(matches)) < 0 ||
        pair_list_push_str(a, &p, "digests", digests) < 0 ||
        pair_list_push_str(a, &p, "event", v_cstr(a, b64)) < 0 ||
        pair_list_push_str(a, &p, "index", v_int(a, e->index)) < 0 ||
        pair_list_push_str(a, &p, "type_name", v_cstr(a, ccel_event_type_name(e->type))) < 0 ||
        !(*out = v_object(a, p.pairs, p.len, DUP_LAST_WINS, NULL)))
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    return 0;
}

int ccel_v26_claims(struct arena *a, const struct ccel *log, struct value **out,
                    struct as_error *err)
{
    struct value_list l = {0};
    for (size_t i = 0; i < log->nspec_algs; i++)
        if (!alg_name(log->spec_algs[i]))
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "tdx: CC event log: Spec ID event lists unknown algorithm 0x%04x",
                          log->spec_algs[i]);
    for (size_t i = 0; i < log->len; i++) {
        struct value *ev;
        if (!ccel_index_replayed(log->events[i].index, 4))
            continue; /* MRTD (0) or no RTMR: never replayed, dropped */
        TRY(event_claim(a, &log->events[i], i + 1, &ev, err));
        if (value_list_push(a, &l, ev) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    *out = v_array(a, l.items, l.len);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}
