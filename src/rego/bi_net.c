/* bi_net.c - the Networking built-ins: net.cidr_contains (and deprecated
 * net.cidr_overlap), net.cidr_intersects, net.cidr_contains_matches,
 * net.cidr_expand, net.cidr_merge, net.cidr_is_valid, and
 * net.lookup_ip_addr (getaddrinfo) behind the allow_network switch.
 *
 * Addresses follow Go's net package as OPA uses it: an IPv4 network is 4
 * bytes, IPv6 16; an IPv4-mapped IPv6 address is contained in IPv4
 * networks; a bare IPv4 address given to cidr_merge takes its classful
 * default mask (Go's IP.DefaultMask), a bare IPv6 address is an error.
 * Arithmetic is on 128-bit integers. */
#include "rego/bi_http.h"
#include "rego/bi_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef unsigned __int128 u128;

#define CIDR_EXPAND_MAX (1u << 24)

struct ipnet {
    int len;    /* 4 or 16 */
    int prefix; /* mask length */
    u128 ip;    /* network address (masked) or the address itself */
};

static u128 mask_of(int len, int prefix)
{
    int bits = len * 8;
    if (prefix <= 0)
        return 0;
    u128 all = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
    return all & ~((((u128)1) << (bits - prefix)) - 1) & all;
}

static u128 bytes_to_u128(const uint8_t *b, int len)
{
    u128 v = 0;
    for (int i = 0; i < len; i++)
        v = (v << 8) | b[i];
    return v;
}

/* Go's ParseIP: IPv4 dotted quad or IPv6 text. v4-mapped v6 -> 4 bytes. */
static bool parse_ip(const char *s, size_t n, struct ipnet *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    uint8_t b[16];
    if (inet_pton(AF_INET, tmp, b) == 1) {
        out->len = 4;
        out->ip = bytes_to_u128(b, 4);
        out->prefix = 32;
        return true;
    }
    if (strchr(tmp, ':') && inet_pton(AF_INET6, tmp, b) == 1) {
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, v4mapped, 12) == 0) {
            out->len = 4;
            out->ip = bytes_to_u128(b + 12, 4);
            out->prefix = 32;
            return true;
        }
        out->len = 16;
        out->ip = bytes_to_u128(b, 16);
        out->prefix = 128;
        return true;
    }
    return false;
}

/* Go's ParseCIDR (the returned network, masked). */
static bool parse_cidr(const char *s, size_t n, struct ipnet *out)
{
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return false;
    size_t pl = n - (size_t)(slash - s) - 1;
    if (pl == 0 || pl > 3)
        return false;
    int prefix = 0;
    for (size_t i = 0; i < pl; i++) {
        char c = slash[1 + i];
        if (c < '0' || c > '9' || (i == 0 && c == '0' && pl > 1))
            return false;
        prefix = prefix * 10 + (c - '0');
    }
    bool v6_text = memchr(s, ':', (size_t)(slash - s)) != NULL;
    if (!parse_ip(s, (size_t)(slash - s), out))
        return false;
    if (v6_text && out->len == 4) { /* ::ffff:a.b.c.d/n keeps IPv6 prefix lengths */
        if (prefix < 96 || prefix > 128)
            return false;
        prefix -= 96;
    }
    if (prefix > out->len * 8)
        return false;
    out->prefix = prefix;
    out->ip &= mask_of(out->len, prefix);
    return true;
}

static bool net_contains(const struct ipnet *net, const struct ipnet *ip)
{
    if (net->len != ip->len)
        return false;
    u128 m = mask_of(net->len, net->prefix);
    return (ip->ip & m) == net->ip;
}

static u128 last_ip(const struct ipnet *net)
{
    int bits = net->len * 8;
    u128 all = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
    return net->ip | (all & ~mask_of(net->len, net->prefix));
}

static void format_ip(char *out, size_t outlen, int len, u128 ip)
{
    uint8_t b[16];
    for (int i = len - 1; i >= 0; i--) {
        b[i] = (uint8_t)ip;
        ip >>= 8;
    }
    if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, b, out, (socklen_t)outlen))
        snprintf(out, outlen, "?");
}

static struct value *net_string(struct arena *a, const struct ipnet *net)
{
    char ip[64];
    format_ip(ip, sizeof(ip), net->len, net->ip);
    char *s = arena_sprintf(a, "%s/%d", ip, net->prefix);
    return s ? v_cstr(a, s) : NULL;
}

static int want_cidr(struct rego_bi_ctx *ctx, struct value *const *args, size_t i, struct ipnet *out)
{
    TRY(bi_want(ctx, args, i, V_STRING));
    if (!parse_cidr(args[i]->u.str.s, args[i]->u.str.len, out))
        return bi_err(ctx, "invalid CIDR address: %s", args[i]->u.str.s);
    return 0;
}

/* cidr_contains on two string values; -1 on error. */
static int contains(struct rego_bi_ctx *ctx, struct value *const *args, bool *result)
{
    struct ipnet a, b;
    TRY(want_cidr(ctx, args, 0, &a));
    TRY(bi_want(ctx, args, 1, V_STRING));
    const char *s = args[1]->u.str.s;
    size_t n = args[1]->u.str.len;
    if (parse_ip(s, n, &b)) {
        *result = net_contains(&a, &b);
        return 0;
    }
    if (!parse_cidr(s, n, &b))
        return bi_err(ctx, "not a valid textual representation of an IP address or CIDR: %s", s);
    struct ipnet last = b;
    last.ip = last_ip(&b);
    *result = net_contains(&a, &b) && net_contains(&a, &last);
    return 0;
}

static int bi_cidr_contains(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                            struct value **out)
{
    bool r;
    TRY(contains(ctx, args, &r));
    *out = v_bool(r);
    return 0;
}

static int bi_cidr_intersects(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                              struct value **out)
{
    struct ipnet a, b;
    TRY(want_cidr(ctx, args, 0, &a));
    TRY(want_cidr(ctx, args, 1, &b));
    *out = v_bool(net_contains(&a, &b) || net_contains(&b, &a));
    return 0;
}

static int bi_cidr_is_valid(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                            struct value **out)
{
    struct ipnet a;
    *out = v_bool(v_is(args[0], V_STRING) && parse_cidr(args[0]->u.str.s, args[0]->u.str.len, &a));
    return 0;
}

static int bi_cidr_expand(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                          struct value **out)
{
    struct ipnet a;
    TRY(want_cidr(ctx, args, 0, &a));
    int host_bits = a.len * 8 - a.prefix;
    if (host_bits >= 25)
        return bi_err(ctx, "timed out before generating all IP addresses");
    size_t count = (size_t)1 << host_bits;
    if (count > CIDR_EXPAND_MAX)
        return bi_err(ctx, "timed out before generating all IP addresses");
    struct value **items = arena_alloc(ctx->arena, count * sizeof(*items));
    if (!items)
        return bi_oom(ctx);
    for (size_t i = 0; i < count; i++) {
        char ip[64];
        format_ip(ip, sizeof(ip), a.len, a.ip + (u128)i);
        if (!(items[i] = v_cstr(ctx->arena, ip)))
            return bi_oom(ctx);
    }
    BI_RET(v_set(ctx->arena, items, count));
}

/* ---- contains_matches ---- */

struct cidr_item {
    struct value *cidr, *key;
};

static int match_items(struct rego_bi_ctx *ctx, int pos, struct value *v, struct cidr_item **items,
                       size_t *n)
{
    size_t cap = v->type == V_OBJECT ? v->u.obj.len : (v->type == V_STRING ? 1 : v->u.arr.len);
    if (v->type != V_STRING && v->type != V_ARRAY && v->type != V_SET && v->type != V_OBJECT) {
        *n = 0;
        return 0;
    }
    *items = arena_alloc(ctx->arena, (cap + 1) * sizeof(**items));
    if (!*items)
        return bi_oom(ctx);
    *n = cap;
    for (size_t i = 0; i < cap; i++) {
        struct value *elem, *key;
        if (v->type == V_STRING) {
            elem = key = v;
        } else if (v->type == V_OBJECT) {
            elem = v->u.obj.pairs[i].val;
            key = v->u.obj.pairs[i].key;
        } else {
            elem = v->u.arr.items[i];
            key = v->type == V_ARRAY ? v_int(ctx->arena, (int64_t)i) : elem;
        }
        if (v->type != V_STRING) {
            if (v_is(elem, V_ARRAY) && elem->u.arr.len > 0)
                elem = elem->u.arr.items[0];
            else if (!v_is(elem, V_STRING))
                return bi_err(ctx, "operand %d: element must be string or non-empty array", pos);
        }
        (*items)[i] = (struct cidr_item){elem, key};
    }
    return 0;
}

static int bi_cidr_contains_matches(struct rego_bi_ctx *ctx, struct value *const *args,
                                    size_t nargs, struct value **out)
{
    struct cidr_item *a, *b;
    size_t na, nb;
    TRY(match_items(ctx, 1, args[0], &a, &na));
    TRY(match_items(ctx, 2, args[1], &b, &nb));
    struct value_list hits = {0};
    for (size_t i = 0; i < na; i++) {
        for (size_t k = 0; k < nb; k++) {
            struct value *pair_args[2] = {a[i].cidr, b[k].cidr};
            bool r;
            TRY(contains(ctx, pair_args, &r));
            if (!r)
                continue;
            struct value *pair[2] = {a[i].key, b[k].key};
            if (value_list_push(ctx->arena, &hits, v_array(ctx->arena, pair, 2)) < 0)
                return bi_oom(ctx);
        }
    }
    BI_RET(v_set(ctx->arena, hits.items, hits.len));
}

/* ---- merge ---- */

struct range {
    int len;
    u128 first, last;
    bool merged;
    struct ipnet net;
};

static int cmp_range(const void *x, const void *y)
{
    const struct range *a = x, *b = y;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    if (a->last != b->last)
        return a->last < b->last ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return 0;
}

static int push_net(struct rego_bi_ctx *ctx, struct value_list *l, const struct ipnet *net)
{
    struct value *s = net_string(ctx->arena, net);
    if (!s || value_list_push(ctx->arena, l, s) < 0)
        return bi_oom(ctx);
    return 0;
}

/* The CIDR blocks exactly covering [first, last]. */
static int range_to_cidrs(struct rego_bi_ctx *ctx, struct value_list *l, int len, u128 first, u128 last)
{
    int bits = len * 8;
    for (;;) {
        int size = 0; /* host bits of the block */
        while (size < bits) {
            /* host mask of a block one bit larger; 2^128 - 1 for ::/0 */
            u128 mask = size + 1 >= 128 ? ~(u128)0 : ((u128)1 << (size + 1)) - 1;
            if ((first & mask) != 0 || first + mask > last || first + mask < first)
                break;
            size++;
        }
        struct ipnet net = {len, bits - size, first};
        TRY(push_net(ctx, l, &net));
        u128 end = first + ((size == 128 ? 0 : ((u128)1 << size)) - 1);
        if (size == 128 || end >= last)
            return 0;
        first = end + 1;
    }
}

static int bi_cidr_merge(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                         struct value **out)
{
    const struct value *in = args[0];
    if (!v_is(in, V_ARRAY) && !v_is(in, V_SET))
        return bi_err(ctx, "operand must be an array");
    size_t n = in->u.arr.len;
    struct range *r = arena_alloc(ctx->arena, (n + 1) * sizeof(*r));
    if (!r)
        return bi_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        const struct value *e = in->u.arr.items[i];
        if (!v_is(e, V_STRING))
            return bi_err(ctx, "element must be string");
        struct ipnet net;
        if (parse_ip(e->u.str.s, e->u.str.len, &net)) {
            if (net.len != 4)
                return bi_err(ctx, "IPv6 invalid: needs prefix length");
            uint8_t top = (uint8_t)(net.ip >> 24);
            net.prefix = top < 0x80 ? 8 : top < 0xC0 ? 16 : 24;
            net.ip &= mask_of(4, net.prefix);
        } else if (!parse_cidr(e->u.str.s, e->u.str.len, &net)) {
            return bi_err(ctx, "invalid CIDR address: %s", e->u.str.s);
        }
        r[i] = (struct range){net.len, net.ip, last_ip(&net), false, net};
    }
    qsort(r, n, sizeof(*r), cmp_range);
    size_t m = n;
    for (size_t i = m; i-- > 1;) {
        struct range *cur = &r[i], *prev = &r[i - 1];
        if (cur->len == prev->len && (cur->first == 0 || cur->first - 1 <= prev->last)) {
            prev->first = prev->first < cur->first ? prev->first : cur->first;
            prev->last = cur->last;
            prev->merged = true;
            memmove(&r[i], &r[i + 1], (m - i - 1) * sizeof(*r));
            m--;
        }
    }
    struct value_list l = {0};
    for (size_t i = 0; i < m; i++) {
        if (!r[i].merged)
            TRY(push_net(ctx, &l, &r[i].net));
        else
            TRY(range_to_cidrs(ctx, &l, r[i].len, r[i].first, r[i].last));
    }
    BI_RET(v_set(ctx->arena, l.items, l.len));
}

/* ---- net.lookup_ip_addr (resolver; allowed by the operator only) ---- */

/* Go's IPAddr.String(): IPv4 (also IPv4-mapped IPv6) dotted, IPv6 in its
 * shortest form with "%zone" for a scoped address. */
static struct value *addr_text(struct rego_bi_ctx *ctx, const struct sockaddr *sa)
{
    char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        if (!inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)))
            return NULL;
        return v_cstr(ctx->arena, text);
    }
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
        if (!inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof(text)))
            return NULL;
        return v_cstr(ctx->arena, text);
    }
    if (!inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text)))
        return NULL;
    char zone[IF_NAMESIZE];
    if (in6->sin6_scope_id && if_indextoname(in6->sin6_scope_id, zone)) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n, "%%%s", zone);
    }
    return v_cstr(ctx->arena, text);
}

static int lookup_error(struct rego_bi_ctx *ctx, const char *name, int rc)
{
    if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL)
        return bi_err(ctx, "lookup %s: no such host", name);
    char why[128];
    snprintf(why, sizeof(why), "%s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    if (why[0] >= 'A' && why[0] <= 'Z')
        why[0] = (char)(why[0] - 'A' + 'a');
    return bi_err(ctx, "lookup %s: %s", name, why);
}

/* The set of the addresses the system resolver gives for a host name (an
 * address literal gives itself), as Go's Resolver.LookupIPAddr. */
static int bi_lookup_ip_addr(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                             struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    if (!ctx->allow_network)
        return bi_network_denied(ctx);
    const char *name = args[0]->u.str.s;
    if (strlen(name) != args[0]->u.str.len || !*name)
        return bi_err(ctx, "lookup %s: no such host", name);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0)
        return lookup_error(ctx, name, rc);
    struct value_list l = {0};
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        struct value *v = addr_text(ctx, ai->ai_addr);
        if (!v || value_list_push(ctx->arena, &l, v) < 0) {
            freeaddrinfo(res);
            return bi_oom(ctx);
        }
    }
    freeaddrinfo(res);
    BI_RET(v_set(ctx->arena, l.items, l.len));
}

const struct rego_builtin rego_bi_net[] = {
    {"net.cidr_contains", 2, bi_cidr_contains, 0, NULL},
    {"net.cidr_contains_matches", 2, bi_cidr_contains_matches, 0, NULL},
    {"net.cidr_expand", 1, bi_cidr_expand, 0, NULL},
    {"net.cidr_intersects", 2, bi_cidr_intersects, 0, NULL},
    {"net.cidr_is_valid", 1, bi_cidr_is_valid, 0, NULL},
    {"net.cidr_merge", 1, bi_cidr_merge, 0, NULL},
    {"net.cidr_overlap", 2, bi_cidr_contains, BI_DEPRECATED, NULL},
    {"net.lookup_ip_addr", 1, bi_lookup_ip_addr, BI_NONDET, NULL},
    {NULL, 0, NULL, 0, NULL},
};
