/* http_rules.c - see http_rules.h */
#include "base/codec.h"
#include "server/http_rules.h"

#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return false;
    return true;
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static const char *scan_token(const char *p)
{
    while (is_tchar((unsigned char)*p))
        p++;
    return p;
}

/* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; returns the
 * position after the closing quote or NULL. */
static const char *scan_quoted(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c == '\\') {
            if (p[1] == '\0')
                return NULL;
            p += 2;
            continue;
        }
        if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
            return NULL;
        p++;
    }
}

/* *( OWS ";" OWS name "=" ( token / quoted-string ) ) OWS end */
static bool params_valid(const char *p)
{
    for (;;) {
        p = skip_ows(p);
        if (*p == '\0')
            return true;
        if (*p != ';')
            return false;
        p = skip_ows(p + 1);
        const char *name_end = scan_token(p);
        if (name_end == p || *name_end != '=')
            return false;
        p = name_end + 1;
        const char *val_end = *p == '"' ? scan_quoted(p) : scan_token(p);
        if (!val_end || val_end == p)
            return false;
        p = val_end;
    }
}

static bool ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

bool media_type_is_json(const char *ct)
{
    if (!ct)
        return false;
    const char *p = skip_ows(ct);
    const char *type_end = scan_token(p);
    if (type_end == p || *type_end != '/')
        return false;
    const char *sub = type_end + 1;
    const char *sub_end = scan_token(sub);
    size_t sub_len = (size_t)(sub_end - sub);
    if (sub_len == 0 || !params_valid(sub_end))
        return false;
    if (sub_len == 4 && strncasecmp(sub, "json", 4) == 0)
        return true;
    /* "+json" suffix: something must precede the '+' */
    return sub_len > 5 && ends_with_ci(sub, sub_len, "+json");
}

int content_length_parse(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *out = v;
    return 0;
}


enum framing_verdict framing_judge(const struct framing *f)
{
    if (f->content_lengths_differ || (f->n_content_length > 0 && f->n_transfer_encoding > 0))
        return FRAMING_AMBIGUOUS;
    if (f->n_transfer_encoding == 0)
        return FRAMING_OK;
    /* exactly what libmicrohttpd decodes: it compares the whole value */
    if (f->n_transfer_encoding > 1 || !f->transfer_encoding ||
        strcasecmp(f->transfer_encoding, "chunked") != 0)
        return FRAMING_UNSUPPORTED;
    return FRAMING_OK;
}

int path_decode(struct arena *a, const char *target, char **out)
{
    size_t n = strcspn(target, "?#");
    char *dst = arena_alloc(a, n + 1);
    if (!dst)
        return -1;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (target[i] != '%') {
            dst[j++] = target[i];
            continue;
        }
        if (i + 2 >= n)
            return -1;
        int hi = hex_digit_value(target[i + 1]), lo = hex_digit_value(target[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return -1;
        dst[j++] = (char)(hi << 4 | lo);
        i += 2;
    }
    dst[j] = '\0';
    *out = dst;
    return 0;
}
