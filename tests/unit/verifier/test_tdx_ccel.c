/* test_tdx_ccel.c - V26 uefi_event_logs on CC event logs built here, one
 * event type at a time: the details each type decodes (strings, UEFI
 * variables, device paths of boot services applications, tagged events
 * with the AAEL form), digest_matches_event, and the logs that must be
 * rejected because an event's data cannot be decoded as its type says. */
#include <criterion/criterion.h>
#include <string.h>

#include <openssl/evp.h>

#include "value/value.h"
#include "verifier/tdx/ccel.h"

#define EV_SEPARATOR 0x4
#define EV_EVENT_TAG 0x6
#define EV_PLATFORM_CONFIG_FLAGS 0xa
#define EV_IPL 0xd
#define EV_EFI_VARIABLE_BOOT 0x80000002
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003
#define EV_EFI_BOOT_SERVICES_DRIVER 0x80000004
#define EV_EFI_ACTION 0x80000007
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000a

static struct arena A;
static void setup(void) { arena_init(&A, 1 << 20); }
static void teardown(void) { arena_free(&A); }
TestSuite(ccel_details, .init = setup, .fini = teardown);

/* ---- a little event log writer ---- */

struct logw {
    uint8_t b[16384];
    size_t len;
};

static void put(struct logw *w, const void *p, size_t n)
{
    cr_assert_leq(w->len + n, sizeof w->b);
    if (n)
        memcpy(w->b + w->len, p, n);
    w->len += n;
}
static void put8(struct logw *w, uint8_t v) { put(w, &v, 1); }
static void put16(struct logw *w, uint16_t v)
{
    put8(w, (uint8_t)v);
    put8(w, (uint8_t)(v >> 8));
}
static void put32(struct logw *w, uint32_t v)
{
    put16(w, (uint16_t)v);
    put16(w, (uint16_t)(v >> 16));
}
static void put64(struct logw *w, uint64_t v)
{
    put32(w, (uint32_t)v);
    put32(w, (uint32_t)(v >> 32));
}

/* TCG_PCR_EVENT carrying a TCG_EfiSpecIdEvent for the given algorithms. */
static void spec_id(struct logw *w, const uint16_t *algs, const uint16_t *sizes, uint32_t n)
{
    uint8_t zero[20] = {0};
    put32(w, 0);
    put32(w, 0x3);
    put(w, zero, 20);
    put32(w, 24 + 4 + 4 * n + 1);
    put(w, "Spec ID Event03", 16);
    put32(w, 0);                      /* platform class */
    put8(w, 0), put8(w, 2), put8(w, 0); /* version 2.0 errata 0 */
    put8(w, 2);                       /* uintn size */
    put32(w, n);
    for (uint32_t i = 0; i < n; i++)
        put16(w, algs[i]), put16(w, sizes[i]);
    put8(w, 0); /* no vendor info */
}

static void sha384_log(struct logw *w)
{
    uint16_t alg = TCG_ALG_SHA384, size = 48;
    w->len = 0;
    spec_id(w, &alg, &size, 1);
}

enum digest_kind { DIGEST_OF_DATA, DIGEST_OTHER, DIGEST_NONE };

static void event(struct logw *w, uint32_t type, const void *data, size_t n, enum digest_kind k)
{
    uint8_t md[48];
    unsigned int mdlen = 0;
    put32(w, 1);
    put32(w, type);
    put32(w, k == DIGEST_NONE ? 0 : 1);
    if (k != DIGEST_NONE) {
        EVP_Digest(data, n, md, &mdlen, EVP_sha384(), NULL);
        if (k == DIGEST_OTHER)
            md[0] ^= 0xff;
        put16(w, TCG_ALG_SHA384);
        put(w, md, 48);
    }
    put32(w, (uint32_t)n);
    put(w, data, n);
}

/* Parses w and returns the V26 claims array (asserting success). */
static struct value *claims(struct logw *w)
{
    struct ccel log;
    struct value *out;
    struct as_error err;
    cr_assert_eq(ccel_parse(&A, w->b, w->len, &log, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v26_claims(&A, &log, &out, &err), 0, "%s", err.detail);
    return out;
}

/* Parses w and expects the V26 claims to be refused; returns the detail. */
static const char *refused(struct logw *w)
{
    static char detail[512];
    struct ccel log;
    struct value *out;
    struct as_error err;
    cr_assert_eq(ccel_parse(&A, w->b, w->len, &log, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v26_claims(&A, &log, &out, &err), -1);
    cr_assert_eq(err.status, 400);
    cr_assert_str_eq(err.type, "invalid_evidence");
    snprintf(detail, sizeof detail, "%s", err.detail);
    return detail;
}

static const struct value *details_of(const struct value *events, size_t i)
{
    cr_assert(v_is(events, V_ARRAY) && i < events->u.arr.len);
    return value_object_get_str(events->u.arr.items[i], "details");
}

/* The compact JSON of one event's details. */
static const char *details_json(const struct value *events, size_t i)
{
    return json_to_string(&A, details_of(events, i), JSON_COMPACT);
}

static bool matches(const struct value *events, size_t i)
{
    const struct value *m = value_object_get_str(events->u.arr.items[i], "digest_matches_event");
    cr_assert(v_is(m, V_BOOL));
    return m->u.b;
}

/* UTF-16LE of an ASCII string, with (nul) or without its terminator. */
static size_t utf16(const char *s, bool nul, uint8_t *out)
{
    size_t n = 0;
    for (; *s; s++)
        out[n++] = (uint8_t)*s, out[n++] = 0;
    if (nul)
        out[n++] = 0, out[n++] = 0;
    return n;
}

/* ---- device path node writer ---- */

static void node(struct logw *w, uint8_t type, uint8_t sub, const void *data, size_t n)
{
    put8(w, type);
    put8(w, sub);
    put16(w, (uint16_t)(4 + n));
    put(w, data, n);
}

static const uint8_t GUID_BYTES[16] = {0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
                                       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
#define GUID_TEXT "12345678-9ABC-DEF0-0123-456789ABCDEF"

/* UEFI_IMAGE_LOAD_EVENT with the device path in p (End node appended). */
static size_t image_load(uint8_t *out, const struct logw *p)
{
    struct logw w = {.len = 0};
    put64(&w, 0x7d000000);
    put64(&w, 0x1000);
    put64(&w, 0);
    put64(&w, p->len + 4);
    put(&w, p->b, p->len);
    node(&w, 0x7f, 0xff, NULL, 0);
    memcpy(out, w.b, w.len);
    return w.len;
}

Test(ccel_details, boot_services_application_device_paths)
{
    struct logw path = {.len = 0}, w;
    uint8_t data[2048], acpi[8] = {0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0}, pci[2] = {1, 2};
    uint8_t name[64];
    node(&path, 0x02, 0x01, acpi, sizeof acpi); /* EISA PNP0A03, UID 0 */
    node(&path, 0x01, 0x01, pci, sizeof pci);
    node(&path, 0x04, 0x04, name, utf16("kernel", true, name));
    sha384_log(&w);
    event(&w, EV_EFI_BOOT_SERVICES_APPLICATION, data, image_load(data, &path), DIGEST_OTHER);
    struct value *ev = claims(&w);
    cr_assert_str_eq(details_json(ev, 0),
                     "{\"device_paths\":[\"ACPI(PNP0A03,0)\",\"Pci(1,2)\",\"File(kernel)\"]}");
    cr_assert(!matches(ev, 0), "an image digest is not the hash of the load event");
}

Test(ccel_details, device_path_node_forms)
{
    struct logw path = {.len = 0}, w;
    uint8_t data[4096], hd[38] = {0}, mbr[38] = {0}, vendor[19], mac[33] = {0}, ip[23] = {0};
    uint8_t usb[2] = {3, 4}, fibre[16], bbs[8] = {0x05, 0, 0x07, 0, 'A', 'B', 0, 'x'}, odd[3] = {1, 2, 3};
    /* HD: partition 1 at LBA 0x800 of 0x100000 sectors, GPT signature */
    hd[0] = 1, hd[5] = 0x08, hd[14] = 0x10, hd[36] = 2, hd[37] = 2;
    memcpy(hd + 20, GUID_BYTES, 16);
    /* HD: partition 0, MBR signature 0xa0021243 */
    mbr[20] = 0x43, mbr[21] = 0x12, mbr[22] = 0x02, mbr[23] = 0xa0, mbr[36] = 1, mbr[37] = 1;
    memcpy(vendor, GUID_BYTES, 16);
    vendor[16] = 0xaa, vendor[17] = 0xbb, vendor[18] = 0x0c;
    mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00, mac[3] = 0x12, mac[4] = 0x34, mac[5] = 0x50;
    mac[32] = 1;
    /* IPv4: local 10.0.0.2, remote 10.0.0.1, TCP, static, no gateway/mask */
    ip[0] = 2, ip[3] = 10, ip[4] = 1, ip[7] = 10, ip[12] = 6, ip[14] = 1;
    for (int i = 0; i < 16; i++)
        fibre[i] = (uint8_t)i;
    node(&path, 0x04, 0x01, hd, sizeof hd);
    node(&path, 0x04, 0x01, mbr, sizeof mbr);
    node(&path, 0x04, 0x03, vendor, sizeof vendor);
    node(&path, 0x03, 0x0b, mac, sizeof mac);
    node(&path, 0x03, 0x0c, ip, sizeof ip);
    node(&path, 0x03, 0x05, usb, sizeof usb);
    node(&path, 0x03, 0x15, fibre, sizeof fibre);
    node(&path, 0x05, 0x01, bbs, sizeof bbs);
    node(&path, 0x04, 0x04, odd, sizeof odd); /* odd-length file path: generic */
    node(&path, 0x06, 0x01, odd, sizeof odd); /* unknown type: generic */
    node(&path, 0x7f, 0x01, NULL, 0);         /* end of instance */
    sha384_log(&w);
    event(&w, EV_EFI_BOOT_SERVICES_APPLICATION, data, image_load(data, &path), DIGEST_OF_DATA);
    struct value *ev = claims(&w);
    const struct value *paths = value_object_get_str(details_of(ev, 0), "device_paths");
    const char *want[] = {
        "HD(1," "GPT," GUID_TEXT ",0x800,0x100000)",
        "HD(0,MBR,0xa0021243)",
        "VenMedia(" GUID_TEXT ",aabb0c)",
        "Mac(52540012345,0x01)", /* trailing '0' hex digits are trimmed */
        "IPv4(10.0.0.1,TCP,Static,10.0.0.2)",
        "USB(3,4)",
        "FibreEx(0x0001020304050607,0x08090a0b0c0d0e0f)",
        "BBS(USB,AB,7)",
        "Path(4,4,010203)",
        "Path(6,1,010203)",
        "Path(127,1,)",
    };
    cr_assert_eq(paths->u.arr.len, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < paths->u.arr.len; i++)
        cr_assert_str_eq(paths->u.arr.items[i]->u.str.s, want[i], "node %zu", i);
    cr_assert(matches(ev, 0));
}

Test(ccel_details, image_load_without_device_path_and_malformed_paths)
{
    struct logw w, path = {.len = 0};
    uint8_t data[256] = {0};
    sha384_log(&w);
    event(&w, EV_EFI_BOOT_SERVICES_APPLICATION, data, 32, DIGEST_OF_DATA); /* length 0 */
    event(&w, EV_EFI_BOOT_SERVICES_DRIVER, data, 3, DIGEST_OF_DATA);       /* not decoded */
    struct value *ev = claims(&w);
    cr_assert_str_eq(details_json(ev, 0), "{}");
    cr_assert_str_eq(details_json(ev, 1), "{}");

    /* a node whose length is below its 4-byte header */
    uint8_t bad[4] = {0x04, 0x04, 0x02, 0x00};
    put(&path, bad, 4);
    put(&path, bad, 4);
    sha384_log(&w);
    event(&w, EV_EFI_BOOT_SERVICES_APPLICATION, data, image_load(data, &path), DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "device path node"));

    /* a device path length beyond the event */
    sha384_log(&w);
    memset(data, 0, 40);
    data[24] = 200;
    event(&w, EV_EFI_BOOT_SERVICES_APPLICATION, data, 40, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "longer than the event"));

    /* shorter than the fixed part */
    sha384_log(&w);
    event(&w, EV_EFI_BOOT_SERVICES_APPLICATION, data, 31, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "shorter than 32 bytes"));
}

/* TCG_PCClientTaggedEvent */
static size_t tagged(uint8_t *out, uint32_t id, const char *s, size_t n)
{
    struct logw w = {.len = 0};
    put32(&w, id);
    put32(&w, (uint32_t)n);
    put(&w, s, n);
    memcpy(out, w.b, w.len);
    return w.len;
}

Test(ccel_details, event_tags_load_options_and_aael)
{
    struct logw w;
    uint8_t d[512];
    static const char opts[] = "LOADED_IMAGE::LoadOptions";
    static const char aael1[] = "github.com/confidential-containers/guest-components "
                                "create_container {\"id\":\"abc\",\"n\":[1,2]}";
    static const char aael2[] = "domain op not json at all";
    sha384_log(&w);
    event(&w, EV_EVENT_TAG, d, tagged(d, 0x8f3b22ed, opts, sizeof opts), DIGEST_OF_DATA);
    event(&w, EV_EVENT_TAG, d, tagged(d, 0x4141454c, aael1, strlen(aael1)), DIGEST_OF_DATA);
    event(&w, EV_EVENT_TAG, d, tagged(d, 0x4141454c, aael2, strlen(aael2)), DIGEST_OF_DATA);
    event(&w, EV_EVENT_TAG, d, tagged(d, 1, "a\xff" "b", 3), DIGEST_OF_DATA);
    /* maximal ill-formed subparts: E0 80 is two, a truncated E2 82 is one */
    event(&w, EV_EVENT_TAG, d, tagged(d, 2, "a\xe0\x80" "b\xe2\x82", 6), DIGEST_OF_DATA);
    struct value *ev = claims(&w);
    cr_assert_str_eq(details_json(ev, 0), "{\"string\":\"LOADED_IMAGE::LoadOptions\"}");
    cr_assert_str_eq(
        details_json(ev, 1),
        "{\"data\":{\"content\":{\"id\":\"abc\",\"n\":[1,2]},\"domain\":\"github.com/"
        "confidential-containers/guest-components\",\"operation\":\"create_container\"},"
        "\"string\":\"github.com/confidential-containers/guest-components create_container "
        "{\\\"id\\\":\\\"abc\\\",\\\"n\\\":[1,2]}\",\"unicode_name\":\"AAEL\"}");
    cr_assert_str_eq(details_json(ev, 2),
                     "{\"data\":{\"content\":\"not json at all\",\"domain\":\"domain\","
                     "\"operation\":\"op\"},\"string\":\"domain op not json at all\","
                     "\"unicode_name\":\"AAEL\"}");
    cr_assert_str_eq(details_json(ev, 3), "{\"string\":\"a\xef\xbf\xbd" "b\"}");
    cr_assert_str_eq(details_json(ev, 4), "{\"string\":\"a\xef\xbf\xbd\xef\xbf\xbd"
                                          "b\xef\xbf\xbd\"}");
    for (size_t i = 0; i < 5; i++)
        cr_assert(matches(ev, i));

    sha384_log(&w); /* an AAEL entry needs "<domain> <operation> <content>" */
    event(&w, EV_EVENT_TAG, d, tagged(d, 0x4141454c, "one two", 7), DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "second space"));
    sha384_log(&w);
    event(&w, EV_EVENT_TAG, d, tagged(d, 7, "abc", 3) - 1, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "tagged event data"));
}

/* UEFI_VARIABLE_DATA */
static size_t variable(uint8_t *out, const char *name, const void *val, size_t n)
{
    struct logw w = {.len = 0};
    uint8_t u[128];
    size_t un = utf16(name, false, u);
    put(&w, GUID_BYTES, 16);
    put64(&w, un / 2);
    put64(&w, n);
    put(&w, u, un);
    put(&w, val, n);
    memcpy(out, w.b, w.len);
    return w.len;
}

Test(ccel_details, uefi_variables)
{
    struct logw w;
    uint8_t d[256], order[2] = {0, 0};
    sha384_log(&w);
    event(&w, EV_EFI_VARIABLE_BOOT, d, variable(d, "BootOrder", order, 2), DIGEST_OTHER);
    event(&w, 0x80000001, d, variable(d, "SecureBoot", NULL, 0), DIGEST_OF_DATA);
    struct value *ev = claims(&w);
    cr_assert_str_eq(details_json(ev, 0),
                     "{\"unicode_name\":\"BootOrder\",\"unicode_name_length\":9,"
                     "\"variable_data\":\"AAA=\",\"variable_data_length\":2,"
                     "\"variable_name\":\"78563412-bc9a-f0de-0123-456789abcdef\"}");
    cr_assert_str_eq(details_json(ev, 1),
                     "{\"unicode_name\":\"SecureBoot\",\"unicode_name_length\":10,"
                     "\"variable_data\":\"\",\"variable_data_length\":0,"
                     "\"variable_name\":\"78563412-bc9a-f0de-0123-456789abcdef\"}");
    cr_assert(!matches(ev, 0));
    cr_assert(matches(ev, 1));

    size_t n = variable(d, "PK", order, 2);
    sha384_log(&w); /* data length beyond the event */
    event(&w, 0x800000e0, d, n - 1, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "variable data longer"));
    sha384_log(&w); /* a lone surrogate in the name */
    d[32] = 0x00, d[33] = 0xd8;
    event(&w, 0x8000000c, d, n, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "UTF-16"));
}

Test(ccel_details, strings_of_simple_types)
{
    struct logw w;
    uint8_t gce[64], blob[64] = {0};
    static const char ipl_text[] = "grub_cmd linux /vmlinuz\0tail";
    sha384_log(&w);
    event(&w, EV_EFI_ACTION, "Calling EFI Application from Boot Option", 40, DIGEST_OF_DATA);
    event(&w, EV_IPL, ipl_text, sizeof ipl_text - 1, DIGEST_OF_DATA);
    gce[0] = 0x2e, gce[1] = 0;
    event(&w, EV_IPL, gce, 2 + utf16("cmdline", true, gce + 2), DIGEST_OF_DATA);
    event(&w, EV_IPL, "\xff\x01", 2, DIGEST_OF_DATA);
    blob[0] = 11;
    memcpy(blob + 1, "td_payload", 11); /* with its NUL */
    event(&w, EV_EFI_PLATFORM_FIRMWARE_BLOB2, blob, 28, DIGEST_OF_DATA);
    event(&w, EV_PLATFORM_CONFIG_FLAGS, "a\x10" "b\x01\x7f" "c\xc2\x85" "d\xc3\xa9", 12,
          DIGEST_OF_DATA);
    event(&w, EV_PLATFORM_CONFIG_FLAGS, "x\xff", 2, DIGEST_OF_DATA);
    event(&w, EV_SEPARATOR, "\0\0\0\0", 4, DIGEST_OF_DATA);
    struct value *ev = claims(&w);
    cr_assert_str_eq(details_json(ev, 0),
                     "{\"string\":\"Calling EFI Application from Boot Option\"}");
    cr_assert_str_eq(details_json(ev, 1), "{\"string\":\"grub_cmd linux /vmlinuz\"}");
    cr_assert_str_eq(details_json(ev, 2), "{\"string\":\"cmdline\"}");
    cr_assert_str_eq(details_json(ev, 3), "{\"string\":\"ff01\"}");
    cr_assert_str_eq(details_json(ev, 4), "{\"string\":\"td_payload\"}");
    cr_assert_str_eq(details_json(ev, 5), "{\"string\":\"a bc" "d\xc3\xa9\"}");
    cr_assert_str_eq(details_json(ev, 6), "{\"string\":\"\"}");
    cr_assert_str_eq(details_json(ev, 7), "{}");

    sha384_log(&w); /* EV_EFI_ACTION must be UTF-8 */
    event(&w, EV_EFI_ACTION, "\xc3(", 2, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "not UTF-8"));
    sha384_log(&w); /* a description size past the data */
    blob[0] = 40;
    event(&w, EV_EFI_PLATFORM_FIRMWARE_BLOB2, blob, 20, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "description"));
    sha384_log(&w);
    event(&w, EV_IPL, "x", 1, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "EV_IPL"));
}

Test(ccel_details, digest_rules)
{
    struct logw w;
    sha384_log(&w);
    event(&w, EV_SEPARATOR, "\0\0\0\0", 4, DIGEST_NONE);
    event(&w, EV_SEPARATOR, "\0\0\0\0", 4, DIGEST_OTHER);
    struct value *ev = claims(&w);
    cr_assert(matches(ev, 0), "no digest: nothing disagrees");
    cr_assert(!matches(ev, 1));

    /* SHA-1 digests cannot be compared (trustee refuses the log) */
    uint16_t algs[2] = {TCG_ALG_SHA1, TCG_ALG_SHA384}, sizes[2] = {20, 48};
    uint8_t zero[20] = {0};
    w.len = 0;
    spec_id(&w, algs, sizes, 2);
    put32(&w, 1), put32(&w, EV_SEPARATOR), put32(&w, 1), put16(&w, TCG_ALG_SHA1);
    put(&w, zero, 20);
    put32(&w, 4), put(&w, zero, 4);
    cr_assert(strstr(refused(&w), "not supported"));

    /* an algorithm trustee does not know, even unused */
    uint16_t unknown[2] = {0x0027, TCG_ALG_SHA384};
    w.len = 0;
    spec_id(&w, unknown, sizes, 2);
    event(&w, EV_SEPARATOR, "\0\0\0\0", 4, DIGEST_OF_DATA);
    cr_assert(strstr(refused(&w), "unknown algorithm"));
}
