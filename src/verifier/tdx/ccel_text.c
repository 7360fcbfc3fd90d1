/* ccel_text.c - UTF-8 / UTF-16LE decoding for event details (see
 * ccel_text.h). */
#include "verifier/tdx/ccel_text.h"

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the well-formed sequence at p (1..4), or 0 with *bad = the
 * length of its maximal ill-formed subpart (>= 1; Unicode 15 §3.9 U+FFFD
 * substitution, which Rust follows). */
static size_t utf8_sequence(const uint8_t *p, size_t n, size_t *bad)
{
    uint8_t c = p[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t k = 1; k <= need; k++) {
        uint8_t min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
        if (k >= n || p[k] < min || p[k] > max) {
            *bad = k;
            return 0;
        }
    }
    return need + 1;
}

bool ccel_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0, bad;
    while (i < n) {
        size_t len = utf8_sequence(p + i, n - i, &bad);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void ccel_utf8_lossy(struct buf *b, const uint8_t *p, size_t n)
{
    size_t i = 0, bad;
    while (i < n) {
        size_t len = utf8_sequence(p + i, n - i, &bad);
        if (len) {
            buf_append(b, p + i, len);
            i += len;
        } else {
            buf_append(b, REPLACEMENT, 3);
            i += bad;
        }
    }
}

static void put_code_point(struct buf *b, uint32_t cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xc0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xe0 | cp >> 12);
        s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        s[0] = (char)(0xf0 | cp >> 18);
        s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        s[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    buf_append(b, s, n);
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
