/* device_path.c - UEFI device path nodes as text (see device_path.h).
 *
 * Every renderer reads its node data through the bounds-checked reader and
 * returns -1 when the data does not fit its layout; the caller then prints
 * the generic Path(type,subtype,hex) form, as trustee does. */
#include "verifier/tdx/device_path.h"

#include <inttypes.h>
#include <string.h>

#include "base/buf.h"
#include "base/codec.h"
#include "base/reader.h"
#include "verifier/tdx/ccel_text.h"

#define DP_HARDWARE 0x01
#define DP_ACPI 0x02
#define DP_MESSAGING 0x03
#define DP_MEDIA 0x04
#define DP_BBS 0x05

static void put_hex(struct buf *b, const uint8_t *p, size_t n, bool upper)
{
    static const char lower_digits[] = "0123456789abcdef", upper_digits[] = "0123456789ABCDEF";
    const char *d = upper ? upper_digits : lower_digits;
    for (size_t i = 0; i < n; i++) {
        buf_putc(b, d[p[i] >> 4]);
        buf_putc(b, d[p[i] & 15]);
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* EFI_GUID text: the first three fields little-endian, uppercase. */
static void put_guid(struct buf *b, const uint8_t g[16])
{
    buf_printf(b, "%08" PRIX32 "-%04X-%04X-", le32(g), (unsigned)(g[4] | g[5] << 8),
               (unsigned)(g[6] | g[7] << 8));
    put_hex(b, g + 8, 2, true);
    buf_putc(b, '-');
    put_hex(b, g + 10, 6, true);
}

static int pci(struct buf *b, const uint8_t *d, size_t n)
{
    if (n < 2)
        return -1;
    buf_printf(b, "Pci(%u,%u)", d[0], d[1]); /* function, device */
    return 0;
}

/* ACPI _HID: compressed EISA id (three 5-bit letters from '@') + product. */
static int acpi(struct buf *b, const uint8_t *d, size_t n)
{
    if (n < 8)
        return -1;
    uint32_t hid = le32(d), uid = le32(d + 4), vendor = hid & 0xffff;
    buf_printf(b, "ACPI(%c%c%c%04" PRIX32 ",%" PRIu32 ")", (char)('@' + (vendor >> 10 & 0x1f)),
               (char)('@' + (vendor >> 5 & 0x1f)), (char)('@' + (vendor & 0x1f)), hid >> 16, uid);
    return 0;
}

static int fibre_ex(struct buf *b, const uint8_t *d, size_t n)
{
    if (n < 16)
        return -1;
    buf_puts(b, "FibreEx(0x");
    put_hex(b, d, 8, false);
    buf_puts(b, ",0x");
    put_hex(b, d + 8, 8, false);
    buf_putc(b, ')');
    return 0;
}

static int usb(struct buf *b, const uint8_t *d, size_t n)
{
    if (n < 2)
        return -1;
    buf_printf(b, "USB(%u,%u)", d[0], d[1]);
    return 0;
}

/* 32-byte padded address + interface type; trustee prints the hex of the
 * first 31 bytes with trailing '0' digits trimmed, uppercase. */
static int mac(struct buf *b, const uint8_t *d, size_t n)
{
    char hex[63];
    if (n != 33)
        return -1;
    hex_encode(d, 31, hex);
    size_t len = 62;
    while (len > 0 && hex[len - 1] == '0')
        len--;
    buf_puts(b, "Mac(");
    for (size_t i = 0; i < len; i++)
        buf_putc(b, (char)(hex[i] >= 'a' ? hex[i] - 'a' + 'A' : hex[i]));
    buf_printf(b, ",0x%02x)", d[32]);
    return 0;
}

/* A little-endian u32 printed as an address: most significant byte first. */
static void put_ipv4(struct buf *b, uint32_t v)
{
    buf_printf(b, "%u.%u.%u.%u", v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff);
}

static int ipv4(struct buf *b, const uint8_t *d, size_t n)
{
    struct reader r;
    uint32_t local, remote, gateway, mask;
    uint16_t protocol;
    uint8_t origin;
    rd_init(&r, d, n);
    if (rd_u32le(&r, &local) < 0 || rd_u32le(&r, &remote) < 0 || rd_skip(&r, 4) < 0 ||
        rd_u16le(&r, &protocol) < 0 || rd_u8(&r, &origin) < 0 || rd_u32le(&r, &gateway) < 0 ||
        rd_u32le(&r, &mask) < 0)
        return -1;
    buf_puts(b, "IPv4(");
    put_ipv4(b, remote);
    buf_printf(b, ",%s,%s,", protocol == 6 ? "TCP" : protocol == 17 ? "UDP" : "",
               origin == 0 ? "DHCP" : origin == 1 ? "Static" : "");
    put_ipv4(b, local);
    if (gateway != 0 || mask != 0)
        buf_printf(b, ",%" PRIu32 ",%" PRIu32, gateway, mask);
    buf_putc(b, ')');
    return 0;
}

static int hard_drive(struct buf *b, const uint8_t *d, size_t n)
{
    struct reader r;
    uint32_t number;
    uint64_t start, size;
    const uint8_t *signature;
    uint8_t format, signature_type;
    rd_init(&r, d, n);
    if (rd_u32le(&r, &number) < 0 || rd_u64le(&r, &start) < 0 || rd_u64le(&r, &size) < 0 ||
        rd_bytes(&r, 16, &signature) < 0 || rd_u8(&r, &format) < 0 ||
        rd_u8(&r, &signature_type) < 0)
        return -1;
    if (format != 1 && format != 2)
        return -1;
    buf_printf(b, "HD(%" PRIu32 ",%s,", number, format == 1 ? "MBR" : "GPT");
    if (format == 1)
        buf_printf(b, "0x%08" PRIx32, le32(signature));
    else
        put_guid(b, signature);
    if (number != 0)
        buf_printf(b, ",0x%" PRIx64 ",0x%" PRIx64, start, size);
    buf_putc(b, ')');
    return 0;
}

static int vendor_media(struct buf *b, const uint8_t *d, size_t n)
{
    if (n < 16)
        return -1;
    buf_puts(b, "VenMedia(");
    put_guid(b, d);
    buf_putc(b, ',');
    put_hex(b, d + 16, n - 16, false);
    buf_putc(b, ')');
    return 0;
}

/* UTF-16LE path; its last unit (the NUL terminator) is dropped. */
static int file_path(struct buf *b, const uint8_t *d, size_t n)
{
    if (n == 0 || n % 2 != 0)
        return -1;
    buf_puts(b, "File(");
    ccel_utf16le(b, d, n - 2, true);
    buf_putc(b, ')');
    return 0;
}

static int bbs(struct buf *b, const uint8_t *d, size_t n)
{
    static const struct {
        uint16_t type;
        const char *name;
    } TYPES[] = {{0x01, "FLOPPY"}, {0x02, "HARD_DRIVE"}, {0x03, "CDROM"},
                 {0x04, "PCMCIA"}, {0x05, "USB"},        {0x06, "EMBEDDED_NETWORK"},
                 {0x80, "DEV"},    {0xff, "UNKNOWN"}};
    if (n < 4)
        return -1;
    uint16_t type = (uint16_t)(d[0] | d[1] << 8), status = (uint16_t)(d[2] | d[3] << 8);
    const uint8_t *desc = d + 4, *nul = memchr(desc, 0, n - 4);
    size_t desc_len = nul ? (size_t)(nul - desc) : n - 4;
    if (!ccel_utf8_valid(desc, desc_len))
        return -1;
    const char *name = NULL;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (TYPES[i].type == type)
            name = TYPES[i].name;
    buf_puts(b, "BBS(");
    if (name)
        buf_puts(b, name);
    else
        buf_printf(b, "%u", type);
    buf_putc(b, ',');
    buf_append(b, desc, desc_len);
    buf_printf(b, ",%u)", status);
    return 0;
}

static int render_known(struct buf *b, uint8_t type, uint8_t sub, const uint8_t *d, size_t n)
{
    switch (type << 8 | sub) {
    case DP_HARDWARE << 8 | 0x01: return pci(b, d, n);
    case DP_ACPI << 8 | 0x01: return acpi(b, d, n);
    case DP_MESSAGING << 8 | 0x05: return usb(b, d, n);
    case DP_MESSAGING << 8 | 0x0b: return mac(b, d, n);
    case DP_MESSAGING << 8 | 0x0c: return ipv4(b, d, n);
    case DP_MESSAGING << 8 | 0x15: return fibre_ex(b, d, n);
    case DP_MEDIA << 8 | 0x01: return hard_drive(b, d, n);
    case DP_MEDIA << 8 | 0x03: return vendor_media(b, d, n);
    case DP_MEDIA << 8 | 0x04: return file_path(b, d, n);
    case DP_BBS << 8 | 0x01: return bbs(b, d, n);
    default: return -1;
    }
}

static struct value *render_node(struct arena *a, uint8_t type, uint8_t sub, const uint8_t *d,
                                 size_t n)
{
    struct buf b = BUF_INIT;
    if (render_known(&b, type, sub, d, n) < 0) {
        buf_reset(&b);
        buf_printf(&b, "Path(%u,%u,", type, sub);
        put_hex(&b, d, n, false);
        buf_putc(&b, ')');
    }
    struct value *v = buf_failed(&b) ? NULL : v_string(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return v;
}

int uefi_device_paths(struct arena *a, const uint8_t *p, size_t n, struct value **out,
                      const char **why)
{
    struct reader r;
    struct value_list l = {0};
    rd_init(&r, p, n);
    *why = NULL;
    do {
        uint8_t type, sub;
        uint16_t len;
        const uint8_t *data;
        if (rd_u8(&r, &type) < 0 || rd_u8(&r, &sub) < 0 || rd_u16le(&r, &len) < 0)
            return *why = "truncated device path node header", -1;
        if (len < 4)
            return *why = "device path node shorter than its header", -1;
        if (rd_bytes(&r, (size_t)len - 4, &data) < 0)
            return *why = "device path node longer than the device path", -1;
        struct value *node = render_node(a, type, sub, data, (size_t)len - 4);
        if (!node || value_list_push(a, &l, node) < 0)
            return -1;
    } while (!rd_eof(&r));
    *out = v_array(a, l.items, l.len);
    return *out ? 0 : -1;
}
