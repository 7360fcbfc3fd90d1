/* codec.c - see codec.h */
#include "base/codec.h"

#include <pthread.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";
static const char B64_STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64_URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void hex_encode(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[in[i] >> 4];
        out[2 * i + 1] = HEX[in[i] & 15];
    }
    out[2 * n] = '\0';
}

char *hex_encode_arena(struct arena *a, const uint8_t *in, size_t n)
{
    char *out = arena_alloc(a, 2 * n + 1);
    if (out)
        hex_encode(in, n, out);
    return out;
}

int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int hex_decode(struct arena *a, const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    if (n % 2)
        return -1;
    uint8_t *o = arena_alloc(a, n / 2 + 1);
    if (!o)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit_value(s[2 * i]), lo = hex_digit_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        o[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = o;
    *out_len = n / 2;
    return 0;
}

static bool flavor_url(enum b64_flavor f) { return f == B64_URL_NOPAD || f == B64_URL_PAD; }
static bool flavor_pad(enum b64_flavor f) { return f == B64_STD_PAD || f == B64_URL_PAD; }

size_t b64_encoded_len(size_t n, enum b64_flavor f)
{
    if (flavor_pad(f))
        return (n + 2) / 3 * 4;
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void b64_encode_buf(struct buf *b, const uint8_t *in, size_t n, enum b64_flavor f)
{
    const char *al = flavor_url(f) ? B64_URL : B64_STD;
    size_t olen = b64_encoded_len(n, f);
    if (!buf_reserve(b, olen))
        return;
    char *o = b->data + b->len;
    size_t i = 0, j = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        o[j++] = al[v >> 18];
        o[j++] = al[(v >> 12) & 63];
        o[j++] = al[(v >> 6) & 63];
        o[j++] = al[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        o[j++] = al[v >> 18];
        o[j++] = al[(v >> 12) & 63];
        if (flavor_pad(f)) {
            o[j++] = '=';
            o[j++] = '=';
        }
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        o[j++] = al[v >> 18];
        o[j++] = al[(v >> 12) & 63];
        o[j++] = al[(v >> 6) & 63];
        if (flavor_pad(f))
            o[j++] = '=';
    }
    b->len += j;
    b->data[b->len] = '\0';
}

char *b64_encode_arena(struct arena *a, const uint8_t *in, size_t n, enum b64_flavor f)
{
    struct buf b = BUF_INIT;
    b64_encode_buf(&b, in, n, f);
    if (buf_failed(&b)) {
        buf_free(&b);
        return NULL;
    }
    char *r = arena_strndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return r;
}

/* Decoding tables: 0..63 for alphabet characters, -1 for everything else.
 * Built from the alphabets above at first use (no hand-typed table). */
static signed char DEC_STD[256], DEC_URL[256];
static pthread_once_t dec_once = PTHREAD_ONCE_INIT;

static void build_decode_tables(void)
{
    memset(DEC_STD, -1, sizeof(DEC_STD));
    memset(DEC_URL, -1, sizeof(DEC_URL));
    for (int i = 0; i < 64; i++) {
        DEC_STD[(unsigned char)B64_STD[i]] = (signed char)i;
        DEC_URL[(unsigned char)B64_URL[i]] = (signed char)i;
    }
}

static const char *b64_bad_char_reason(char c, bool url)
{
    if (url && (c == '+' || c == '/'))
        return "character '+' or '/' of the standard alphabet found (base64url without "
               "padding expected)";
    if (!url && (c == '-' || c == '_'))
        return "character '-' or '_' of the URL-safe alphabet found (standard base64 "
               "expected)";
    if (c == '=')
        return "'=' inside the data";
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
        return "whitespace is not allowed";
    return "invalid character";
}

int b64_decode(struct arena *a, const char *s, size_t n, enum b64_flavor f, uint8_t **out,
               size_t *out_len, const char **why)
{
    pthread_once(&dec_once, build_decode_tables);
    bool url = flavor_url(f);
    const signed char *dec = url ? DEC_URL : DEC_STD;
    const unsigned char *u = (const unsigned char *)s;
    size_t data_len = n;
    size_t pads = 0;
    while (data_len > 0 && s[data_len - 1] == '=') {
        data_len--;
        pads++;
    }
    if (pads && !flavor_pad(f)) {
        *why = url ? "'=' padding is not allowed (base64url without padding expected)"
                   : "'=' padding is not allowed (standard base64 without padding expected)";
        return -1;
    }
    if (data_len % 4 == 1) {
        /* report a bad character first: it is the more useful message */
        for (size_t i = 0; i < data_len; i++)
            if (dec[u[i]] < 0) {
                *why = b64_bad_char_reason(s[i], url);
                return -1;
            }
        *why = "invalid length";
        return -1;
    }
    if (flavor_pad(f)) {
        size_t want = data_len % 4 ? 4 - data_len % 4 : 0;
        if (pads != want) {
            *why = "non-canonical padding";
            return -1;
        }
    }
    size_t olen = data_len / 4 * 3 + (data_len % 4 ? data_len % 4 - 1 : 0);
    uint8_t *o = arena_alloc(a, olen + 1);
    if (!o) {
        *why = "out of memory";
        return -1;
    }
    size_t i = 0, j = 0;
    for (; i + 4 <= data_len; i += 4) {
        int c0 = dec[u[i]], c1 = dec[u[i + 1]], c2 = dec[u[i + 2]], c3 = dec[u[i + 3]];
        if ((c0 | c1 | c2 | c3) < 0)
            goto bad_char;
        uint32_t v = (uint32_t)c0 << 18 | (uint32_t)c1 << 12 | (uint32_t)c2 << 6 | (uint32_t)c3;
        o[j++] = (uint8_t)(v >> 16);
        o[j++] = (uint8_t)(v >> 8);
        o[j++] = (uint8_t)v;
    }
    size_t rem = data_len - i;
    if (rem >= 2) {
        int c0 = dec[u[i]], c1 = dec[u[i + 1]], c2 = rem == 3 ? dec[u[i + 2]] : 0;
        if ((c0 | c1 | c2) < 0)
            goto bad_char;
        uint32_t v = (uint32_t)c0 << 18 | (uint32_t)c1 << 12 | (uint32_t)c2 << 6;
        if (rem == 2 ? (v & 0xffff) : (v & 0xff)) {
            *why = "non-zero trailing bits";
            return -1;
        }
        o[j++] = (uint8_t)(v >> 16);
        if (rem == 3)
            o[j++] = (uint8_t)(v >> 8);
    }
    o[j] = 0;
    *out = o;
    *out_len = j;
    return 0;
bad_char:
    for (size_t k = 0; k < data_len; k++)
        if (dec[u[k]] < 0) {
            *why = b64_bad_char_reason(s[k], url);
            break;
        }
    return -1;
}
