/* bi_uuid.c - uuid.parse and uuid.rfc4122.
 *
 * uuid.parse accepts the forms Go's google/uuid does (36 characters with
 * dashes, 38 in braces, 45 with a "urn:uuid:" prefix, 32 bare hex digits)
 * and returns OPA's description: version and variant, plus for versions 1
 * and 2 the timestamp (Unix ns), clock sequence, node id and MAC flags,
 * and for version 2 the domain and id.  Anything else is undefined.
 * uuid.rfc4122 makes a random version 4 UUID (cached per query by the
 * engine, like every non-deterministic built-in). */
#include "rego/bi_util.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool uuid_parse16(const char *s, size_t n, uint8_t u[16])
{
    if (n == 45) {
        if (strncasecmp(s, "urn:uuid:", 9) != 0)
            return false;
        s += 9;
        n -= 9;
    } else if (n == 38) {
        if (s[0] != '{' || s[37] != '}')
            return false;
        s++;
        n -= 2;
    }
    if (n == 32) {
        for (int i = 0; i < 16; i++) {
            int hi = hexv(s[2 * i]), lo = hexv(s[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return false;
            u[i] = (uint8_t)(hi << 4 | lo);
        }
        return true;
    }
    if (n != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return false;
    static const int pos[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 16; i++) {
        int hi = hexv(s[pos[i]]), lo = hexv(s[pos[i] + 1]);
        if (hi < 0 || lo < 0)
            return false;
        u[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static const char *variant_name(uint8_t b)
{
    if ((b & 0xc0) == 0x80)
        return "RFC4122";
    if ((b & 0xe0) == 0xc0)
        return "Microsoft";
    if ((b & 0xe0) == 0xe0)
        return "Future";
    return "Reserved";
}

static int add(struct rego_bi_ctx *ctx, struct pair_list *l, const char *k, struct value *v)
{
    if (!v || pair_list_push_str(ctx->arena, l, k, v) < 0)
        return bi_oom(ctx);
    return 0;
}

static int bi_uuid_parse(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                         struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    uint8_t u[16];
    if (!uuid_parse16(args[0]->u.str.s, args[0]->u.str.len, u))
        BI_UNDEF();
    struct arena *a = ctx->arena;
    struct pair_list l = {0};
    int version = u[6] >> 4;
    TRY(add(ctx, &l, "version", v_int(a, version)));
    TRY(add(ctx, &l, "variant", v_cstr(a, variant_name(u[8]))));
    if (version == 1 || version == 2) {
        int64_t t = (int64_t)((uint64_t)u[0] << 24 | (uint64_t)u[1] << 16 | (uint64_t)u[2] << 8 | u[3]);
        t |= (int64_t)((uint64_t)u[4] << 8 | u[5]) << 32;
        t |= (int64_t)(((uint64_t)u[6] << 8 | u[7]) & 0xfff) << 48;
        const int64_t g1582 = 122192928000000000LL; /* 100ns ticks 1582-10-15 .. 1970 */
        int64_t since = t - g1582;
        int64_t ns = (since / 10000000) * 1000000000LL + (since % 10000000) * 100;
        TRY(add(ctx, &l, "time", v_int(a, ns)));
        TRY(add(ctx, &l, "clocksequence", v_int(a, ((u[8] << 8) | u[9]) & 0x3fff)));
        char node[18];
        snprintf(node, sizeof(node), "%02x-%02x-%02x-%02x-%02x-%02x", u[10], u[11], u[12], u[13],
                 u[14], u[15]);
        TRY(add(ctx, &l, "nodeid", v_cstr(a, node)));
        char mac[24];
        snprintf(mac, sizeof(mac), "%s:%s", (u[10] & 2) ? "local" : "global",
                 (u[10] & 1) ? "multicast" : "unicast");
        TRY(add(ctx, &l, "macvariables", v_cstr(a, mac)));
        if (version == 2) {
            static const char *const domains[] = {"Person", "Group", "Org"};
            char dom[24];
            if (u[9] < 3)
                snprintf(dom, sizeof(dom), "%s", domains[u[9]]);
            else
                snprintf(dom, sizeof(dom), "Domain%d", u[9]);
            TRY(add(ctx, &l, "domain", v_cstr(a, dom)));
            uint32_t id = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
            TRY(add(ctx, &l, "id", v_int(a, id)));
        }
    }
    BI_RET(v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL));
}

static int bi_uuid_rfc4122(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                           struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    uint8_t u[16];
    if (RAND_bytes(u, sizeof(u)) != 1)
        return bi_err(ctx, "random source failed");
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    char s[37];
    snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    BI_RET(v_string(ctx->arena, s, 36));
}

const struct rego_builtin rego_bi_uuid[] = {
    {"uuid.parse", 1, bi_uuid_parse, 0, NULL},
    {"uuid.rfc4122", 1, bi_uuid_rfc4122, BI_NONDET, NULL},
    {NULL, 0, NULL, 0, NULL},
};
