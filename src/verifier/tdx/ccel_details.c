/* ccel_details.c - per-type event details and the digest rule of V26
 * uefi_event_logs (see ccel_details.h).  Layouts: TCG PC Client Platform
 * Firmware Profile 1.05 §10.2 / §10.4; every read goes through the
 * bounds-checked reader. */
#include "verifier/tdx/ccel_details.h"

#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/codec.h"
#include "base/reader.h"
#include "verifier/tdx/ccel_text.h"
#include "verifier/tdx/device_path.h"

#define AAEL_TAG 0x4141454cu /* "LEAA" little-endian: the AA event log tag */

enum decoder {
    DEC_NONE,
    DEC_UTF8,         /* the data as a UTF-8 string */
    DEC_TAG,          /* TCG_PCClientTaggedEvent */
    DEC_CONFIG_FLAGS, /* printable text of the data */
    DEC_IPL,          /* boot loader string */
    DEC_VARIABLE,     /* UEFI_VARIABLE_DATA */
    DEC_IMAGE_LOAD,   /* UEFI_IMAGE_LOAD_EVENT */
    DEC_DESCRIPTION,  /* UEFI_PLATFORM_FIRMWARE_BLOB2 / UEFI_HANDOFF_TABLE_POINTERS2 */
};

static const struct {
    uint32_t type;
    enum decoder decoder;
} DECODERS[] = {
    {0x1, DEC_UTF8},                 /* EV_POST_CODE */
    {0x5, DEC_UTF8},                 /* EV_ACTION */
    {0x6, DEC_TAG},                  /* EV_EVENT_TAG */
    {0xa, DEC_CONFIG_FLAGS},         /* EV_PLATFORM_CONFIG_FLAGS */
    {0xc, DEC_UTF8},                 /* EV_COMPACT_HASH */
    {0xd, DEC_IPL},                  /* EV_IPL */
    {0x12, DEC_UTF8},                /* EV_OMIT_BOOT_DEVICE_EVENTS */
    {0x80000001, DEC_VARIABLE},      /* EV_EFI_VARIABLE_DRIVER_CONFIG */
    {0x80000002, DEC_VARIABLE},      /* EV_EFI_VARIABLE_BOOT */
    {0x80000003, DEC_IMAGE_LOAD},    /* EV_EFI_BOOT_SERVICES_APPLICATION */
    {0x80000007, DEC_UTF8},          /* EV_EFI_ACTION */
    {0x8000000a, DEC_DESCRIPTION},   /* EV_EFI_PLATFORM_FIRMWARE_BLOB2 */
    {0x8000000b, DEC_DESCRIPTION},   /* EV_EFI_HANDOFF_TABLES2 */
    {0x8000000c, DEC_VARIABLE},      /* EV_EFI_VARIABLE_BOOT2 */
    {0x800000e0, DEC_VARIABLE},      /* EV_EFI_VARIABLE_AUTHORITY */
};

static enum decoder decoder_of(uint32_t type)
{
    for (size_t i = 0; i < sizeof DECODERS / sizeof DECODERS[0]; i++)
        if (DECODERS[i].type == type)
            return DECODERS[i].decoder;
    return DEC_NONE;
}

static int fail(const char **why, const char *what)
{
    *why = what;
    return -1;
}

static int put(struct arena *a, struct pair_list *l, const char *key, struct value *v)
{
    return v && pair_list_push_str(a, l, key, v) == 0 ? 0 : -1;
}

/* Moves the buffer's text into the arena as a string value. */
static int put_buf(struct arena *a, struct pair_list *l, const char *key, struct buf *b)
{
    struct value *v = buf_failed(b) ? NULL : v_string(a, b->data ? b->data : "", b->len);
    buf_free(b);
    return put(a, l, key, v);
}

static int utf8_string(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l,
                       const char **why)
{
    if (!ccel_utf8_valid(d, n))
        return fail(why, "event data is not UTF-8");
    return put(a, l, "string", v_string(a, (const char *)d, n));
}

/* "<domain> <operation> <content>": content as JSON when it parses. */
static int aael_entry(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l,
                      const char **why)
{
    if (!ccel_utf8_valid(d, n))
        return fail(why, "AAEL event data is not UTF-8");
    const uint8_t *sp1 = memchr(d, ' ', n);
    if (!sp1)
        return fail(why, "no space in the AAEL event");
    const uint8_t *op = sp1 + 1, *sp2 = memchr(op, ' ', n - (size_t)(op - d));
    if (!sp2)
        return fail(why, "no second space in the AAEL event");
    const char *rest = (const char *)sp2 + 1;
    size_t rest_len = n - (size_t)(sp2 + 1 - d);
    struct value *content;
    struct as_error ignored;
    if (json_parse(a, rest, rest_len, NULL, &content, &ignored) < 0)
        content = v_string(a, rest, rest_len);
    struct pair_list entry = {0};
    if (put(a, &entry, "domain", v_string(a, (const char *)d, (size_t)(sp1 - d))) < 0 ||
        put(a, &entry, "operation", v_string(a, (const char *)op, (size_t)(sp2 - op))) < 0 ||
        put(a, &entry, "content", content) < 0 ||
        put(a, l, "data", v_object(a, entry.pairs, entry.len, DUP_LAST_WINS, NULL)) < 0)
        return -1;
    return put(a, l, "unicode_name", v_cstr(a, "AAEL"));
}

/* TCG_PCClientTaggedEvent {u32 id; u32 size; u8 data[size]}. */
static int tagged_event(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l,
                        const char **why)
{
    struct reader r;
    uint32_t id, size;
    const uint8_t *data;
    rd_init(&r, d, n);
    if (rd_u32le(&r, &id) < 0 || rd_u32le(&r, &size) < 0)
        return fail(why, "truncated tagged event header");
    if (rd_bytes(&r, size, &data) < 0)
        return fail(why, "tagged event data longer than the event");
    struct buf b = BUF_INIT;
    ccel_utf8_lossy(&b, data, size);
    size_t o = 0;
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] != '\0')
            b.data[o++] = b.data[i];
    b.len = o;
    if (put_buf(a, l, "string", &b) < 0)
        return -1;
    return id == AAEL_TAG ? aael_entry(a, data, size, l, why) : 0;
}

/* UTF-8 text (else ""), U+0010 as a space, Unicode Cc characters (U+0000..
 * U+001F, U+007F..U+009F) dropped. */
static int config_flags(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l)
{
    struct buf b = BUF_INIT;
    if (ccel_utf8_valid(d, n)) {
        for (size_t i = 0; i < n; i++) {
            if (d[i] == 0x10)
                buf_putc(&b, ' ');
            else if (d[i] == 0xc2 && i + 1 < n && d[i + 1] <= 0x9f)
                i++; /* U+0080..U+009F */
            else if (d[i] >= 0x20 && d[i] != 0x7f)
                buf_putc(&b, (char)d[i]);
        }
    }
    return put_buf(a, l, "string", &b);
}

/* Boot loader text up to the first NUL (hex of the data if that is not
 * UTF-8); Google Cloud's shim writes 0x2e 0x00 + NUL-terminated UTF-16. */
static int ipl(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l, const char **why)
{
    struct buf b = BUF_INIT;
    if (n < 2)
        return fail(why, "EV_IPL data shorter than 2 bytes");
    if (d[0] == 0x2e && d[1] == 0x00) {
        if (n == 2 || n % 2 != 0)
            return fail(why, "EV_IPL UTF-16 data empty or of odd length");
        ccel_utf16le(&b, d + 2, n - 4, true);
        return put_buf(a, l, "string", &b);
    }
    const uint8_t *nul = memchr(d, 0, n);
    size_t len = nul ? (size_t)(nul - d) : n;
    if (ccel_utf8_valid(d, len))
        return put(a, l, "string", v_string(a, (const char *)d, len));
    char *hex = hex_encode_arena(a, d, n);
    return hex ? put(a, l, "string", v_cstr(a, hex)) : -1;
}

/* The variable GUID as trustee prints it: bytes in order, 8-4-4-4-12. */
static struct value *byte_order_guid(struct arena *a, const uint8_t g[16])
{
    char s[37], *o = s;
    static const int GROUPS[] = {4, 2, 2, 2, 6};
    for (int i = 0, at = 0; i < 5; at += GROUPS[i], i++) {
        if (i)
            *o++ = '-';
        hex_encode(g + at, (size_t)GROUPS[i], o);
        o += 2 * GROUPS[i];
    }
    return v_string(a, s, 36);
}

/* UEFI_VARIABLE_DATA {GUID; u64 name_len; u64 data_len; CHAR16 name[];
 * u8 data[]}. */
static int variable(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l,
                    const char **why)
{
    struct reader r;
    const uint8_t *guid, *name, *data = NULL;
    uint64_t name_len, data_len;
    rd_init(&r, d, n);
    if (rd_bytes(&r, 16, &guid) < 0 || rd_u64le(&r, &name_len) < 0 || rd_u64le(&r, &data_len) < 0)
        return fail(why, "truncated UEFI_VARIABLE_DATA header");
    if (name_len > rd_remaining(&r) / 2 || rd_bytes(&r, (size_t)name_len * 2, &name) < 0)
        return fail(why, "variable name longer than the event");
    if (data_len > 0 && (data_len > rd_remaining(&r) || rd_bytes(&r, (size_t)data_len, &data) < 0))
        return fail(why, "variable data longer than the event");
    struct buf b = BUF_INIT;
    if (ccel_utf16le(&b, name, (size_t)name_len * 2, false) < 0) {
        buf_free(&b);
        return fail(why, "variable name is not UTF-16");
    }
    char *b64 = data ? b64_encode_arena(a, data, (size_t)data_len, B64_STD_PAD) : "";
    if (!b64 || put_buf(a, l, "unicode_name", &b) < 0 ||
        put(a, l, "unicode_name_length", v_int(a, (int64_t)name_len)) < 0 ||
        put(a, l, "variable_data", v_cstr(a, b64)) < 0 ||
        put(a, l, "variable_data_length", v_int(a, (int64_t)data_len)) < 0)
        return -1;
    return put(a, l, "variable_name", byte_order_guid(a, guid));
}

/* UEFI_IMAGE_LOAD_EVENT {u64 location; u64 length; u64 link_time_address;
 * u64 device_path_len; device path}: the nodes without the End node. */
static int image_load(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l,
                      const char **why)
{
    struct reader r;
    uint64_t path_len;
    const uint8_t *path;
    struct value *paths;
    rd_init(&r, d, n);
    if (rd_skip(&r, 24) < 0 || rd_u64le(&r, &path_len) < 0)
        return fail(why, "UEFI_IMAGE_LOAD_EVENT shorter than 32 bytes");
    if (path_len == 0)
        return 0;
    if (path_len < 8)
        return fail(why, "device path shorter than one node and the End node");
    if (path_len - 4 > rd_remaining(&r) || rd_bytes(&r, (size_t)path_len - 4, &path) < 0)
        return fail(why, "device path longer than the event");
    if (uefi_device_paths(a, path, (size_t)path_len - 4, &paths, why) < 0)
        return -1;
    return put(a, l, "device_paths", paths);
}

/* u8 size; description.  trustee takes bytes 1..size (the last byte of the
 * description, its NUL, is left out) and requires size <= the data size. */
static int description(struct arena *a, const uint8_t *d, size_t n, struct pair_list *l,
                       const char **why)
{
    if (n == 0)
        return fail(why, "empty event data");
    if (d[0] == 0)
        return fail(why, "description size 0");
    if (d[0] > n)
        return fail(why, "description longer than the event");
    if (!ccel_utf8_valid(d + 1, (size_t)d[0] - 1))
        return fail(why, "description is not UTF-8");
    return put(a, l, "string", v_string(a, (const char *)d + 1, (size_t)d[0] - 1));
}

static int decode(struct arena *a, const struct ccel_event *e, struct pair_list *l,
                  const char **why)
{
    const uint8_t *d = e->data;
    size_t n = e->data_len;
    switch (decoder_of(e->type)) {
    case DEC_UTF8: return utf8_string(a, d, n, l, why);
    case DEC_TAG: return tagged_event(a, d, n, l, why);
    case DEC_CONFIG_FLAGS: return config_flags(a, d, n, l);
    case DEC_IPL: return ipl(a, d, n, l, why);
    case DEC_VARIABLE: return variable(a, d, n, l, why);
    case DEC_IMAGE_LOAD: return image_load(a, d, n, l, why);
    case DEC_DESCRIPTION: return description(a, d, n, l, why);
    case DEC_NONE: return 0;
    }
    return 0;
}

int ccel_event_details(struct arena *a, const struct ccel_event *e, struct value **out,
                       const char **why)
{
    struct pair_list l = {0};
    *why = NULL;
    if (decode(a, e, &l, why) < 0)
        return -1;
    *out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : -1;
}

static const EVP_MD *comparison_md(uint16_t alg)
{
    switch (alg) {
    case TCG_ALG_SHA256: return EVP_sha256();
    case TCG_ALG_SHA384: return EVP_sha384();
    case TCG_ALG_SHA512: return EVP_sha512();
    case TCG_ALG_SM3: return EVP_sm3();
    default: return NULL; /* SHA-1 included: trustee refuses to compare it */
    }
}

int ccel_digest_matches_event(const struct ccel_event *e, bool *out, const char **why)
{
    *why = NULL;
    *out = true;
    for (size_t i = 0; i < e->ndigests; i++) {
        uint8_t h[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        const EVP_MD *md = comparison_md(e->digests[i].alg);
        if (!md)
            return fail(why, "digest algorithm not supported for comparison with the event "
                             "(SHA-256, SHA-384, SHA-512, SM3)");
        if (EVP_Digest(e->data, e->data_len, h, &n, md, NULL) != 1)
            return fail(why, "digest computation failed");
        if (n != e->digests[i].len || memcmp(h, e->digests[i].value, n) != 0) {
            *out = false;
            return 0;
        }
    }
    return 0;
}
