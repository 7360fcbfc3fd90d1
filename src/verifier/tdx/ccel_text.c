/* ccel_text.c - UTF-8 / UTF-16LE decoding for event details (see
 * ccel_text.h). */
#include "verifier/tdx/ccel_text.h"

#include "base/utf8.h"

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the well-formed sequence at p (1..4), or 0. */
static size_t utf8_sequence(const uint8_t *p, size_t n)
{
    return p[0] < 0x80 ? 1 : utf8_sequence_length(p, n);
}

/* Length of the maximal ill-formed subpart at p (>= 1; Unicode §3.9
 * "U+FFFD substitution of maximal subparts", which Rust follows): the lead
 * byte plus the continuation bytes that could still have completed it. */
static size_t ill_formed_length(const uint8_t *p, size_t n)
{
    uint8_t c = p[0], lo = 0x80, hi = 0xbf;
    size_t need;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 1;
    size_t k = 1;
    while (k <= need && k < n && p[k] >= (k == 1 ? lo : 0x80) && p[k] <= (k == 1 ? hi : 0xbf))
        k++;
    return k;
}

bool ccel_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_sequence(p + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void ccel_utf8_lossy(struct buf *b, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_sequence(p + i, n - i);
        if (len) {
            buf_append(b, p + i, len);
            i += len;
        } else {
            buf_append(b, REPLACEMENT, 3);
            i += ill_formed_length(p + i, n - i);
        }
    }
}

static void put_code_point(struct buf *b, uint32_t cp)
{
    char s[4];
    buf_append(b, s, utf8_encode(s, cp));
}

int ccel_utf16le(struct buf *b, const uint8_t *p, size_t n, bool lossy)
{
    size_t units = n / 2;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (u < 0xd800 || u > 0xdfff) {
            put_code_point(b, u);
            continue;
        }
        if (u <= 0xdbff && i + 1 < units) {
            uint32_t v = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
            if (v >= 0xdc00 && v <= 0xdfff) {
                put_code_point(b, 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00));
                i++;
                continue;
            }
        }
        if (!lossy)
            return -1;
        buf_append(b, REPLACEMENT, 3);
    }
    return 0;
}
