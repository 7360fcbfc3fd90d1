/* bi_time.c - the Time built-ins: time.now_ns, parse_ns, parse_rfc3339_ns,
 * parse_duration_ns, format, date, clock, weekday, add_date, diff.
 *
 * Times are Go's: Unix seconds + nanoseconds shown in a zone.  Zones come
 * from the system's IANA database (/usr/share/zoneinfo, TZif version 2+,
 * 64-bit transition tables), loaded once per name into a process-wide
 * cache; "" and "UTC" are UTC and "Local" is /etc/localtime.  Layouts are
 * Go reference-time layouts ("2006-01-02T15:04:05Z07:00") or the names OPA
 * accepts for Go's constants (RFC3339, ANSIC, ...).  Results must fit
 * int64 nanoseconds ("time outside of valid range"). */
#include "rego/bi_util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000LL

/* ---- civil calendar (proleptic Gregorian) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* a - floor_div(a, b) * b for b > 0, without the product (which overflows
 * for a near INT64_MIN). */
static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* ---- zones ---- */

struct tz_type {
    int32_t off;
    char abbr[12];
};

struct tz {
    char name[128];
    size_t ntrans, ntypes;
    int64_t *trans;
    uint8_t *idx;
    struct tz_type *types;
    struct tz *next;
};

static struct tz g_utc = {"UTC", 0, 0, NULL, NULL, NULL, NULL};
static struct tz_type g_utc_type = {0, "UTC"};
static struct tz *g_zones;
static pthread_mutex_t g_zones_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    if (n == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* Parses a TZif file (version 2+ data block). */
static struct tz *tz_parse(const uint8_t *b, size_t n, const char *name)
{
    if (n < 44 || memcmp(b, "TZif", 4) != 0)
        return NULL;
    size_t cnt[6];
    for (int i = 0; i < 6; i++)
        cnt[i] = (size_t)be(b + 20 + 4 * i, 4);
    /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
    size_t v1 = 44 + cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 + cnt[1] + cnt[0];
    int tsize = 4;
    const uint8_t *p = b + 44;
    if (b[4] >= '2' && v1 + 44 <= n && memcmp(b + v1, "TZif", 4) == 0) {
        for (int i = 0; i < 6; i++)
            cnt[i] = (size_t)be(b + v1 + 20 + 4 * i, 4);
        p = b + v1 + 44;
        tsize = 8;
    }
    size_t need = cnt[3] * ((size_t)tsize + 1) + cnt[4] * 6 + cnt[5];
    if ((size_t)(p - b) + need > n || cnt[4] == 0 || cnt[4] > 256 || cnt[3] > 100000)
        return NULL;
    struct tz *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->trans = calloc(cnt[3] + 1, sizeof(*z->trans));
    z->idx = calloc(cnt[3] + 1, 1);
    z->types = calloc(cnt[4], sizeof(*z->types));
    if (!z->trans || !z->idx || !z->types) {
        free(z->trans);
        free(z->idx);
        free(z->types);
        free(z);
        return NULL;
    }
    snprintf(z->name, sizeof(z->name), "%s", name);
    z->ntrans = cnt[3];
    z->ntypes = cnt[4];
    for (size_t i = 0; i < cnt[3]; i++)
        z->trans[i] = be(p + i * (size_t)tsize, tsize);
    p += cnt[3] * (size_t)tsize;
    for (size_t i = 0; i < cnt[3]; i++)
        z->idx[i] = p[i] < cnt[4] ? p[i] : 0;
    p += cnt[3];
    const uint8_t *chars = p + cnt[4] * 6;
    for (size_t i = 0; i < cnt[4]; i++) {
        z->types[i].off = (int32_t)be(p + i * 6, 4);
        size_t ai = p[i * 6 + 5];
        if (ai < cnt[5])
            snprintf(z->types[i].abbr, sizeof(z->types[i].abbr), "%.*s", (int)(cnt[5] - ai),
                     (const char *)chars + ai);
    }
    return z;
}

static bool tz_name_ok(const char *s)
{
    if (!*s || *s == '/' || strstr(s, ".."))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '/' || *s == '_' || *s == '-' || *s == '+'))
            return false;
    return true;
}

static const struct tz *tz_load(const char *name)
{
    if (!*name || !strcmp(name, "UTC"))
        return &g_utc;
    bool local = !strcmp(name, "Local");
    if (!local && !tz_name_ok(name))
        return NULL;
    pthread_mutex_lock(&g_zones_lock);
    for (struct tz *z = g_zones; z; z = z->next)
        if (!strcmp(z->name, name)) {
            pthread_mutex_unlock(&g_zones_lock);
            return z;
        }
    char path[300];
    snprintf(path, sizeof(path), local ? "/etc/localtime" : "/usr/share/zoneinfo/%s", name);
    struct tz *z = NULL;
    FILE *f = fopen(path, "rb");
    if (f) {
        uint8_t *buf = malloc(1 << 20);
        size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
        fclose(f);
        if (buf)
            z = tz_parse(buf, n, name);
        free(buf);
    }
    if (!z && local)
        z = &g_utc;
    else if (z) {
        z->next = g_zones;
        g_zones = z;
    }
    pthread_mutex_unlock(&g_zones_lock);
    return z;
}

static const struct tz_type *tz_lookup(const struct tz *z, int64_t sec)
{
    if (z == &g_utc || z->ntypes == 0)
        return &g_utc_type;
    if (z->ntrans == 0 || sec < z->trans[0])
        return &z->types[0];
    size_t lo = 0, hi = z->ntrans;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (z->trans[mid] <= sec)
            lo = mid;
        else
            hi = mid;
    }
    return &z->types[z->idx[lo]];
}

/* ---- broken-down time ---- */

struct gtime {
    int64_t sec; /* Unix seconds */
    int32_t nsec;
    int32_t off; /* zone offset of the view */
    const char *abbr;
    const struct tz *zone;
    /* civil fields in the zone */
    int64_t year;
    int month, day, hour, min, secs, wday, yday;
};

static void gtime_fill(struct gtime *t)
{
    int64_t local = t->sec + t->off;
    int64_t days = floor_div(local, 86400);
    int64_t rem = local - days * 86400;
    civil_from_days(days, &t->year, &t->month, &t->day);
    t->hour = (int)(rem / 3600);
    t->min = (int)(rem % 3600 / 60);
    t->secs = (int)(rem % 60);
    t->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    t->yday = (int)(days - days_from_civil(t->year, 1, 1)) + 1;
}

static void gtime_at(struct gtime *t, int64_t sec, int32_t nsec, const struct tz *z)
{
    const struct tz_type *ty = tz_lookup(z, sec);
    t->sec = sec;
    t->nsec = nsec;
    t->off = ty->off;
    t->abbr = ty->abbr;
    t->zone = z;
    gtime_fill(t);
}

/* Go's Date(): normalises month/day overflow; wall time in zone z. */
static void gtime_from_civil(struct gtime *t, int64_t y, int64_t m, int64_t d, int64_t hh,
                             int64_t mm, int64_t ss, int32_t nsec, const struct tz *z)
{
    int64_t m0 = m - 1;
    y += floor_div(m0, 12);
    m0 -= floor_div(m0, 12) * 12;
    int64_t days = days_from_civil(y, (int)m0 + 1, 1) + d - 1;
    int64_t local = days * 86400 + hh * 3600 + mm * 60 + ss;
    /* Go: guess with the offset at local-as-UTC, then adjust once. */
    const struct tz_type *ty = tz_lookup(z, local);
    int64_t unix = local - ty->off;
    const struct tz_type *ty2 = tz_lookup(z, unix);
    if (ty2->off != ty->off) {
        int64_t alt = local - ty2->off;
        if (tz_lookup(z, alt)->off == ty2->off)
            unix = alt;
    }
    gtime_at(t, unix, nsec, z);
}

static bool in_ns_range(int64_t sec, int32_t nsec)
{
    /* int64 ns: [-9223372036.854775808 s, 9223372036.854775807 s] */
    if (sec < -9223372037LL || sec > 9223372036LL)
        return false;
    if (sec == -9223372037LL)
        return nsec >= 145224192;
    if (sec == 9223372036LL)
        return nsec <= 854775807;
    return true;
}

static int ret_ns(struct rego_bi_ctx *ctx, const struct gtime *t, struct value **out)
{
    if (!in_ns_range(t->sec, t->nsec))
        return bi_err(ctx, "time outside of valid range");
    /* near the lower bound sec * 1e9 alone would overflow int64 */
    int64_t ns = t->sec < 0 ? (t->sec + 1) * NS_PER_S + (t->nsec - NS_PER_S)
                            : t->sec * NS_PER_S + t->nsec;
    BI_RET(v_int(ctx->arena, ns));
}

/* ---- Go layouts ---- */

enum std {
    S_NONE, S_LONG_MONTH, S_MONTH, S_NUM_MONTH, S_ZERO_MONTH, S_LONG_WEEKDAY, S_WEEKDAY, S_DAY,
    S_UNDER_DAY, S_ZERO_DAY, S_UNDER_YDAY, S_ZERO_YDAY, S_HOUR, S_HOUR12, S_ZERO_HOUR12, S_MINUTE,
    S_ZERO_MINUTE, S_SECOND, S_ZERO_SECOND, S_LONG_YEAR, S_YEAR, S_PM, S_pm, S_TZ,
    S_ISO_TZ, S_ISO_SHORT_TZ, S_ISO_COLON_TZ, S_ISO_SECS_TZ, S_ISO_COLON_SECS_TZ,
    S_NUM_TZ, S_NUM_SHORT_TZ, S_NUM_COLON_TZ, S_NUM_SECS_TZ, S_NUM_COLON_SECS_TZ,
    S_FRAC0, S_FRAC9,
};

struct chunk {
    size_t prefix_len; /* literal text before the element */
    enum std std;
    size_t len;        /* element length in the layout */
    int frac_digits;
};

static bool starts(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && memcmp(s, w, k) == 0;
}

/* Go's nextStdChunk. */
static void next_chunk(const char *l, size_t n, struct chunk *c)
{
    static const struct {
        const char *w;
        enum std s;
    } words[] = {
        {"January", S_LONG_MONTH}, {"Jan", S_MONTH}, {"Monday", S_LONG_WEEKDAY}, {"Mon", S_WEEKDAY},
        {"MST", S_TZ}, {"002", S_ZERO_YDAY}, {"01", S_ZERO_MONTH}, {"02", S_ZERO_DAY},
        {"03", S_ZERO_HOUR12}, {"04", S_ZERO_MINUTE}, {"05", S_ZERO_SECOND}, {"06", S_YEAR},
        {"15", S_HOUR}, {"1", S_NUM_MONTH}, {"2006", S_LONG_YEAR}, {"2", S_DAY}, {"__2", S_UNDER_YDAY},
        {"_2", S_UNDER_DAY}, {"3", S_HOUR12}, {"4", S_MINUTE}, {"5", S_SECOND}, {"PM", S_PM},
        {"pm", S_pm}, {"-07:00:00", S_NUM_COLON_SECS_TZ}, {"-070000", S_NUM_SECS_TZ},
        {"-07:00", S_NUM_COLON_TZ}, {"-0700", S_NUM_TZ}, {"-07", S_NUM_SHORT_TZ},
        {"Z07:00:00", S_ISO_COLON_SECS_TZ}, {"Z070000", S_ISO_SECS_TZ}, {"Z07:00", S_ISO_COLON_TZ},
        {"Z0700", S_ISO_TZ}, {"Z07", S_ISO_SHORT_TZ},
    };
    for (size_t i = 0; i < n; i++) {
        const char *s = l + i;
        size_t rest = n - i;
        if ((s[0] == '.' || s[0] == ',') && rest > 1 && (s[1] == '0' || s[1] == '9')) {
            size_t j = 1;
            while (j < rest && s[j] == s[1])
                j++;
            if (!(j < rest && isdigit((unsigned char)s[j]))) {
                *c = (struct chunk){i, s[1] == '0' ? S_FRAC0 : S_FRAC9, j, (int)j - 1};
                return;
            }
        }
        if (s[0] == '_' && starts(s, rest, "_2") && starts(s + 1, rest - 1, "2006")) {
            *c = (struct chunk){i + 1, S_LONG_YEAR, 4, 0};
            return;
        }
        for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
            if (words[w].w[0] != s[0] || !starts(s, rest, words[w].w))
                continue;
            size_t wl = strlen(words[w].w);
            /* "Jan"/"Mon" must not be followed by a lowercase letter */
            if ((words[w].s == S_MONTH || words[w].s == S_WEEKDAY || words[w].s == S_LONG_MONTH ||
                 words[w].s == S_LONG_WEEKDAY) &&
                rest > wl && islower((unsigned char)s[wl]))
                continue;
            *c = (struct chunk){i, words[w].s, wl, 0};
            return;
        }
    }
    *c = (struct chunk){n, S_NONE, 0, 0};
}

static const char *const MONTHS[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
static const char *const DAYS[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                   "Saturday"};

static void fmt_tz(struct buf *b, int32_t off, enum std s)
{
    bool iso = s >= S_ISO_TZ && s <= S_ISO_COLON_SECS_TZ;
    if (iso && off == 0) {
        buf_putc(b, 'Z');
        return;
    }
    int32_t z = off < 0 ? -off : off;
    buf_putc(b, off < 0 ? '-' : '+');
    buf_printf(b, "%02d", z / 3600);
    bool colon = s == S_ISO_COLON_TZ || s == S_NUM_COLON_TZ || s == S_ISO_COLON_SECS_TZ ||
                 s == S_NUM_COLON_SECS_TZ;
    bool shortz = s == S_ISO_SHORT_TZ || s == S_NUM_SHORT_TZ;
    bool secs = s == S_ISO_SECS_TZ || s == S_NUM_SECS_TZ || s == S_ISO_COLON_SECS_TZ ||
                s == S_NUM_COLON_SECS_TZ;
    if (!shortz) {
        if (colon)
            buf_putc(b, ':');
        buf_printf(b, "%02d", z / 60 % 60);
    }
    if (secs) {
        if (colon)
            buf_putc(b, ':');
        buf_printf(b, "%02d", z % 60);
    }
}

static void go_format(struct buf *b, const struct gtime *t, const char *l, size_t n)
{
    while (n > 0) {
        struct chunk c;
        next_chunk(l, n, &c);
        buf_append(b, l, c.prefix_len);
        if (c.std == S_NONE)
            break;
        int h12 = t->hour % 12 == 0 ? 12 : t->hour % 12;
        switch (c.std) {
        case S_YEAR: buf_printf(b, "%02d", (int)((t->year % 100 + 100) % 100)); break;
        case S_LONG_YEAR: buf_printf(b, "%04lld", (long long)t->year); break;
        case S_MONTH: buf_printf(b, "%.3s", MONTHS[t->month - 1]); break;
        case S_LONG_MONTH: buf_puts(b, MONTHS[t->month - 1]); break;
        case S_NUM_MONTH: buf_printf(b, "%d", t->month); break;
        case S_ZERO_MONTH: buf_printf(b, "%02d", t->month); break;
        case S_WEEKDAY: buf_printf(b, "%.3s", DAYS[t->wday]); break;
        case S_LONG_WEEKDAY: buf_puts(b, DAYS[t->wday]); break;
        case S_DAY: buf_printf(b, "%d", t->day); break;
        case S_UNDER_DAY: buf_printf(b, "%2d", t->day); break;
        case S_ZERO_DAY: buf_printf(b, "%02d", t->day); break;
        case S_UNDER_YDAY: buf_printf(b, "%3d", t->yday); break;
        case S_ZERO_YDAY: buf_printf(b, "%03d", t->yday); break;
        case S_HOUR: buf_printf(b, "%02d", t->hour); break;
        case S_HOUR12: buf_printf(b, "%d", h12); break;
        case S_ZERO_HOUR12: buf_printf(b, "%02d", h12); break;
        case S_MINUTE: buf_printf(b, "%d", t->min); break;
        case S_ZERO_MINUTE: buf_printf(b, "%02d", t->min); break;
        case S_SECOND: buf_printf(b, "%d", t->secs); break;
        case S_ZERO_SECOND: buf_printf(b, "%02d", t->secs); break;
        case S_PM: buf_puts(b, t->hour >= 12 ? "PM" : "AM"); break;
        case S_pm: buf_puts(b, t->hour >= 12 ? "pm" : "am"); break;
        case S_TZ:
            if (t->abbr && t->abbr[0])
                buf_puts(b, t->abbr);
            else
                fmt_tz(b, t->off, S_NUM_TZ);
            break;
        case S_FRAC0:
        case S_FRAC9: {
            char digits[10];
            snprintf(digits, sizeof(digits), "%09d", t->nsec);
            int k = c.frac_digits > 9 ? 9 : c.frac_digits;
            if (c.std == S_FRAC9) {
                while (k > 0 && digits[k - 1] == '0')
                    k--;
                if (k == 0)
                    break;
            }
            buf_putc(b, l[c.prefix_len]);
            buf_append(b, digits, (size_t)k);
            break;
        }
        default: fmt_tz(b, t->off, c.std); break;
        }
        l += c.prefix_len + c.len;
        n -= c.prefix_len + c.len;
    }
}

/* ---- parsing ---- */

struct pstate {
    int64_t year;
    int month, day, yday, hour, min, sec;
    int32_t nsec;
    bool pm_set, pm, have_off, have_abbr;
    int32_t off;
    char abbr[8];
};

static int getnum(const char **v, size_t *n, int fixed, int *out)
{
    size_t i = 0;
    int x = 0;
    while (i < *n && isdigit((unsigned char)(*v)[i]) && (fixed == 0 || (int)i < fixed) && i < 9)
        x = x * 10 + ((*v)[i++] - '0');
    if (i == 0 || (fixed && (int)i != fixed))
        return -1;
    *v += i;
    *n -= i;
    *out = x;
    return 0;
}

static int lookup_name(const char **v, size_t *n, const char *const *names, size_t count, bool abbrev)
{
    for (size_t i = 0; i < count; i++) {
        size_t k = abbrev ? 3 : strlen(names[i]);
        if (*n >= k && strncasecmp(*v, names[i], k) == 0) {
            *v += k;
            *n -= k;
            return (int)i;
        }
    }
    return -1;
}

static int parse_tz_num(const char **v, size_t *n, enum std s, int32_t *off)
{
    const char *p = *v;
    bool iso = s >= S_ISO_TZ && s <= S_ISO_COLON_SECS_TZ;
    if (iso && *n >= 1 && p[0] == 'Z') {
        *v += 1;
        *n -= 1;
        *off = 0;
        return 0;
    }
    if (*n < 3 || (p[0] != '+' && p[0] != '-'))
        return -1;
    bool colon = s == S_ISO_COLON_TZ || s == S_NUM_COLON_TZ || s == S_ISO_COLON_SECS_TZ ||
                 s == S_NUM_COLON_SECS_TZ;
    bool shortz = s == S_ISO_SHORT_TZ || s == S_NUM_SHORT_TZ;
    bool secs = s == S_ISO_SECS_TZ || s == S_NUM_SECS_TZ || s == S_ISO_COLON_SECS_TZ ||
                s == S_NUM_COLON_SECS_TZ;
    const char *q = p + 1;
    size_t m = *n - 1;
    int hh = 0, mm = 0, ss = 0;
    if (getnum(&q, &m, 2, &hh) < 0)
        return -1;
    if (!shortz) {
        if (colon) {
            if (m < 1 || *q != ':')
                return -1;
            q++;
            m--;
        }
        if (getnum(&q, &m, 2, &mm) < 0)
            return -1;
    }
    if (secs) {
        if (colon) {
            if (m < 1 || *q != ':')
                return -1;
            q++;
            m--;
        }
        if (getnum(&q, &m, 2, &ss) < 0)
            return -1;
    }
    *off = (hh * 3600 + mm * 60 + ss) * (p[0] == '-' ? -1 : 1);
    *v = q;
    *n = m;
    return 0;
}

static int parse_frac(const char **v, size_t *n, int32_t *nsec)
{
    if (*n < 2 || ((*v)[0] != '.' && (*v)[0] != ',') || !isdigit((unsigned char)(*v)[1]))
        return 0;
    size_t i = 1;
    int32_t x = 0;
    int digits = 0;
    while (i < *n && isdigit((unsigned char)(*v)[i])) {
        if (digits < 9) {
            x = x * 10 + ((*v)[i] - '0');
            digits++;
        }
        i++;
    }
    while (digits++ < 9)
        x *= 10;
    *nsec = x;
    *v += i;
    *n -= i;
    return 0;
}

/* A layout split into its chunks once (the chunks depend on the layout
 * only): RFC 3339's is planned at first use and shared read-only. */
enum { PLAN_MAX = 24 };
struct layout_plan {
    size_t n;                  /* chunks planned, the last one S_NONE */
    struct chunk c[PLAN_MAX];
};

static void plan_layout(const char *l, size_t n, struct layout_plan *p)
{
    p->n = 0;
    while (p->n < PLAN_MAX) {
        struct chunk *c = &p->c[p->n++];
        next_chunk(l, n, c);
        if (c->std == S_NONE)
            return;
        l += c->prefix_len + c->len;
        n -= c->prefix_len + c->len;
    }
    p->n = 0; /* too long to plan: chunked while parsing */
}

static const char RFC3339_LAYOUT[] = "2006-01-02T15:04:05Z07:00";
static struct layout_plan g_rfc3339_plan;
static pthread_once_t g_rfc3339_once = PTHREAD_ONCE_INIT;
static void plan_rfc3339(void)
{
    plan_layout(RFC3339_LAYOUT, sizeof(RFC3339_LAYOUT) - 1, &g_rfc3339_plan);
}

/* Go's time.Parse; 0 with *t in UTC or the parsed offset.  plan (optional)
 * holds the layout's chunks. */
static int go_parse_planned(const char *layout, size_t ln, const struct layout_plan *plan,
                            const char *value, size_t vn, struct gtime *t, char *err, size_t errlen)
{
    struct pstate p = {.year = 1, .month = 1, .day = 1};
    const char *l = layout, *v = value;
    size_t lrest = ln, vrest = vn, ci = 0;
    for (;;) {
        struct chunk c;
        if (plan && ci < plan->n)
            c = plan->c[ci++];
        else
            next_chunk(l, lrest, &c);
        if (vrest < c.prefix_len || memcmp(v, l, c.prefix_len) != 0)
            goto bad;
        v += c.prefix_len;
        vrest -= c.prefix_len;
        if (c.std == S_NONE) {
            if (vrest)
                goto extra;
            break;
        }
        l += c.prefix_len + c.len;
        lrest -= c.prefix_len + c.len;
        int x = 0;
        switch (c.std) {
        case S_YEAR:
            if (getnum(&v, &vrest, 2, &x) < 0)
                goto bad;
            p.year = x >= 69 ? x + 1900 : x + 2000;
            break;
        case S_LONG_YEAR:
            if (getnum(&v, &vrest, 4, &x) < 0)
                goto bad;
            p.year = x;
            break;
        case S_MONTH:
        case S_LONG_MONTH:
            if ((x = lookup_name(&v, &vrest, MONTHS, 12, c.std == S_MONTH)) < 0)
                goto bad;
            p.month = x + 1;
            break;
        case S_NUM_MONTH:
        case S_ZERO_MONTH:
            if (getnum(&v, &vrest, c.std == S_ZERO_MONTH ? 2 : 0, &x) < 0 || x < 1 || x > 12)
                goto range;
            p.month = x;
            break;
        case S_WEEKDAY:
        case S_LONG_WEEKDAY:
            if (lookup_name(&v, &vrest, DAYS, 7, c.std == S_WEEKDAY) < 0)
                goto bad;
            break;
        case S_DAY:
        case S_UNDER_DAY:
        case S_ZERO_DAY:
            if (c.std == S_UNDER_DAY && vrest && *v == ' ') {
                v++;
                vrest--;
            }
            if (getnum(&v, &vrest, c.std == S_ZERO_DAY ? 2 : 0, &x) < 0)
                goto bad;
            p.day = x;
            break;
        case S_UNDER_YDAY:
        case S_ZERO_YDAY:
            while (c.std == S_UNDER_YDAY && vrest && *v == ' ') {
                v++;
                vrest--;
            }
            if (getnum(&v, &vrest, c.std == S_ZERO_YDAY ? 3 : 0, &x) < 0)
                goto bad;
            p.yday = x;
            break;
        case S_HOUR:
            if (getnum(&v, &vrest, 0, &x) < 0 || x > 23)
                goto range;
            p.hour = x;
            break;
        case S_HOUR12:
        case S_ZERO_HOUR12:
            if (getnum(&v, &vrest, c.std == S_ZERO_HOUR12 ? 2 : 0, &x) < 0 || x > 12)
                goto range;
            p.hour = x;
            break;
        case S_MINUTE:
        case S_ZERO_MINUTE:
            if (getnum(&v, &vrest, c.std == S_ZERO_MINUTE ? 2 : 0, &x) < 0 || x > 59)
                goto range;
            p.min = x;
            break;
        case S_SECOND:
        case S_ZERO_SECOND:
            if (getnum(&v, &vrest, c.std == S_ZERO_SECOND ? 2 : 0, &x) < 0 || x > 59)
                goto range;
            p.sec = x;
            /* a fraction in the value after seconds is accepted when the
             * layout has none there */
            {
                struct chunk nc;
                if (plan && ci < plan->n)
                    nc = plan->c[ci];
                else
                    next_chunk(l, lrest, &nc);
                if (!(nc.prefix_len == 0 && (nc.std == S_FRAC0 || nc.std == S_FRAC9)))
                    parse_frac(&v, &vrest, &p.nsec);
            }
            break;
        case S_PM:
        case S_pm:
            if (vrest < 2)
                goto bad;
            if (!strncasecmp(v, "PM", 2))
                p.pm = true;
            else if (strncasecmp(v, "AM", 2) != 0)
                goto bad;
            p.pm_set = true;
            v += 2;
            vrest -= 2;
            break;
        case S_TZ: {
            if (vrest >= 3 && !strncmp(v, "UTC", 3)) {
                v += 3;
                vrest -= 3;
                p.have_off = true;
                p.off = 0;
                break;
            }
            size_t k = 0;
            while (k < vrest && k < 5 && isupper((unsigned char)v[k]))
                k++;
            if (k < 3)
                goto bad;
            snprintf(p.abbr, sizeof(p.abbr), "%.*s", (int)k, v);
            p.have_abbr = true;
            v += k;
            vrest -= k;
            break;
        }
        case S_FRAC0:
            if (vrest < (size_t)c.frac_digits + 1 || (*v != '.' && *v != ','))
                goto bad;
            {
                const char *save = v;
                size_t srest = vrest;
                if (parse_frac(&v, &vrest, &p.nsec) < 0 || (size_t)(v - save) != (size_t)c.frac_digits + 1) {
                    v = save;
                    vrest = srest;
                    goto bad;
                }
            }
            break;
        case S_FRAC9:
            parse_frac(&v, &vrest, &p.nsec);
            break;
        default:
            if (parse_tz_num(&v, &vrest, c.std, &p.off) < 0)
                goto bad;
            p.have_off = true;
            break;
        }
    }
    if (p.pm_set) {
        if (p.hour > 12)
            goto range;
        if (p.pm && p.hour < 12)
            p.hour += 12;
        else if (!p.pm && p.hour == 12)
            p.hour = 0;
    }
    if (p.yday > 0) {
        int64_t d0 = days_from_civil(p.year, 1, 1) + p.yday - 1;
        int64_t yy;
        civil_from_days(d0, &yy, &p.month, &p.day);
        if (yy != p.year)
            goto range;
    }
    {
        int64_t ny;
        int nm, nd;
        civil_from_days(days_from_civil(p.year, p.month, 1) + p.day - 1, &ny, &nm, &nd);
        if (p.day < 1 || nm != p.month) {
            snprintf(err, errlen, "parsing time \"%.*s\": day out of range", (int)vn, value);
            return -1;
        }
    }
    gtime_from_civil(t, p.year, p.month, p.day, p.hour, p.min, p.sec, p.nsec, &g_utc);
    if (p.have_off) {
        t->sec -= p.off;
        t->off = p.off;
        t->abbr = "";
        gtime_fill(t);
    }
    return 0;
bad:
    snprintf(err, errlen, "parsing time \"%.*s\" as \"%.*s\": cannot parse \"%.*s\" as \"%.*s\"", (int)vn,
             value, (int)ln, layout, (int)vrest, v, (int)lrest, l);
    return -1;
extra:
    snprintf(err, errlen, "parsing time \"%.*s\": extra text: \"%.*s\"", (int)vn, value, (int)vrest, v);
    return -1;
range:
    snprintf(err, errlen, "parsing time \"%.*s\": %s out of range", (int)vn, value, "value");
    return -1;
}

static int go_parse(const char *layout, size_t ln, const char *value, size_t vn, struct gtime *t,
                    char *err, size_t errlen)
{
    return go_parse_planned(layout, ln, NULL, value, vn, t, err, errlen);
}

static const char *named_layout(const char *name)
{
    static const char *const map[][2] = {
        {"ANSIC", "Mon Jan _2 15:04:05 2006"},
        {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
        {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
        {"RFC822", "02 Jan 06 15:04 MST"},
        {"RFC822Z", "02 Jan 06 15:04 -0700"},
        {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
        {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
        {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
        {"RFC3339", "2006-01-02T15:04:05Z07:00"},
        {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i][0], name))
            return map[i][1];
    return name;
}

/* ---- operands ---- */

/* OPA's tzTime: ns, or [ns, tz], or [ns, tz, layout]. */
static int tz_time(struct rego_bi_ctx *ctx, const struct value *a, struct gtime *t, const char **layout)
{
    const struct value *nv = a;
    const struct tz *z = &g_utc;
    if (layout)
        *layout = "";
    if (v_is(a, V_ARRAY)) {
        if (a->u.arr.len == 0)
            return rego_bi_type_error(ctx, 1, "either number (ns) or [number (ns), string (tz)]", a);
        nv = a->u.arr.items[0];
        if (!v_is(nv, V_NUMBER))
            return rego_bi_type_error(ctx, 1, "number", nv);
        if (a->u.arr.len > 1) {
            const struct value *tzv = a->u.arr.items[1];
            if (!v_is(tzv, V_STRING))
                return rego_bi_type_error(ctx, 1, "string", tzv);
            z = tz_load(tzv->u.str.s);
            if (!z)
                return bi_err(ctx, "unknown time zone %s", tzv->u.str.s);
        }
        if (a->u.arr.len > 2) {
            const struct value *lv = a->u.arr.items[2];
            if (!v_is(lv, V_STRING))
                return rego_bi_type_error(ctx, 1, "string", lv);
            if (layout)
                *layout = lv->u.str.s;
        }
    } else if (!v_is(a, V_NUMBER)) {
        return rego_bi_type_error(ctx, 1, "either number (ns) or [number (ns), string (tz)]", a);
    }
    int64_t ns = 0;
    bool ok = nv->num_kind == NUM_INT; /* the common case, without GMP */
    if (ok) {
        ns = nv->u.num.i;
    } else {
        mpz_t zint;
        mpz_init(zint);
        ok = bi_num_mpz(nv, zint) && mpz_fits_slong_p(zint);
        ns = ok ? mpz_get_si(zint) : 0;
        mpz_clear(zint);
    }
    if (!ok) {
        /* big.Float.Int64 truncates non-integers; only magnitude matters */
        double d = value_as_double(nv);
        if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
            return bi_err(ctx, "timestamp too big");
        ns = (int64_t)d;
    }
    gtime_at(t, floor_div(ns, NS_PER_S), (int32_t)floor_mod(ns, NS_PER_S), z);
    return 0;
}

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

BI_FN(bi_now_ns) { BI_RET(v_int(ctx->arena, ctx->now_ns)); }

BI_FN(bi_parse_ns)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    const char *layout = named_layout(args[0]->u.str.s);
    struct gtime t;
    char err[512];
    if (go_parse(layout, strlen(layout), args[1]->u.str.s, args[1]->u.str.len, &t, err, sizeof(err)) < 0)
        return bi_err(ctx, "%s", err);
    return ret_ns(ctx, &t, out);
}

BI_FN(bi_parse_rfc3339_ns)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    pthread_once(&g_rfc3339_once, plan_rfc3339);
    struct gtime t;
    char err[512];
    if (go_parse_planned(RFC3339_LAYOUT, sizeof(RFC3339_LAYOUT) - 1, &g_rfc3339_plan,
                         args[0]->u.str.s, args[0]->u.str.len, &t, err, sizeof(err)) < 0)
        return bi_err(ctx, "%s", err);
    return ret_ns(ctx, &t, out);
}

/* Go's time.ParseDuration. */
BI_FN(bi_parse_duration_ns)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    const char *s = args[0]->u.str.s, *orig = s;
    size_t n = args[0]->u.str.len;
    const char *end = s + n;
    bool neg = false;
    if (s < end && (*s == '-' || *s == '+'))
        neg = *s++ == '-';
    if (end - s == 1 && *s == '0')
        BI_RET(v_int(ctx->arena, 0));
    if (s == end)
        return bi_err(ctx, "time: invalid duration \"%s\"", orig);
    long double total = 0;
    while (s < end) {
        long double v = 0, frac = 0, scale = 1;
        bool digits = false;
        while (s < end && isdigit((unsigned char)*s)) {
            v = v * 10 + (*s++ - '0');
            digits = true;
        }
        if (s < end && *s == '.') {
            s++;
            while (s < end && isdigit((unsigned char)*s)) {
                frac = frac * 10 + (*s++ - '0');
                scale *= 10;
                digits = true;
            }
        }
        if (!digits)
            return bi_err(ctx, "time: invalid duration \"%s\"", orig);
        const char *u = s;
        while (s < end && *s != '.' && !isdigit((unsigned char)*s))
            s++;
        size_t ul = (size_t)(s - u);
        if (ul == 0)
            return bi_err(ctx, "time: missing unit in duration \"%s\"", orig);
        static const struct {
            const char *u;
            long double ns;
        } units[] = {{"ns", 1}, {"us", 1e3L}, {"\xc2\xb5s", 1e3L}, {"\xce\xbcs", 1e3L}, {"ms", 1e6L},
                     {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L}};
        long double mul = -1;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (strlen(units[i].u) == ul && !memcmp(units[i].u, u, ul))
                mul = units[i].ns;
        if (mul < 0)
            return bi_err(ctx, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)ul, u, orig);
        total += v * mul + frac * mul / scale;
        if (total > 9223372036854775807.0L)
            return bi_err(ctx, "time: invalid duration \"%s\"", orig);
    }
    BI_RET(v_int(ctx->arena, (int64_t)(neg ? -total : total)));
}

BI_FN(bi_format)
{
    struct gtime t;
    const char *layout;
    TRY(tz_time(ctx, args[0], &t, &layout));
    if (!*layout)
        layout = "RFC3339Nano";
    layout = named_layout(layout);
    struct buf b = BUF_INIT;
    go_format(&b, &t, layout, strlen(layout));
    BI_RET(bi_buf_str(ctx, &b));
}

static struct value *int_array(struct arena *a, const int64_t *v, size_t n)
{
    struct value *items[6];
    for (size_t i = 0; i < n; i++)
        if (!(items[i] = v_int(a, v[i])))
            return NULL;
    return v_array(a, items, n);
}

BI_FN(bi_date)
{
    struct gtime t;
    TRY(tz_time(ctx, args[0], &t, NULL));
    int64_t v[3] = {t.year, t.month, t.day};
    BI_RET(int_array(ctx->arena, v, 3));
}

BI_FN(bi_clock)
{
    struct gtime t;
    TRY(tz_time(ctx, args[0], &t, NULL));
    int64_t v[3] = {t.hour, t.min, t.secs};
    BI_RET(int_array(ctx->arena, v, 3));
}

BI_FN(bi_weekday)
{
    struct gtime t;
    TRY(tz_time(ctx, args[0], &t, NULL));
    BI_RET(v_cstr(ctx->arena, DAYS[t.wday]));
}

BI_FN(bi_add_date)
{
    struct gtime t;
    TRY(tz_time(ctx, args[0], &t, NULL));
    int64_t y, m, d;
    TRY(bi_want_int(ctx, args, 1, &y));
    TRY(bi_want_int(ctx, args, 2, &m));
    TRY(bi_want_int(ctx, args, 3, &d));
    if (y > 1000000 || y < -1000000 || m > 12000000 || m < -12000000 || d > 400000000 || d < -400000000)
        return bi_err(ctx, "time outside of valid range");
    struct gtime r;
    gtime_from_civil(&r, t.year + y, t.month + m, t.day + d, t.hour, t.min, t.secs, t.nsec, t.zone);
    return ret_ns(ctx, &r, out);
}

BI_FN(bi_diff)
{
    struct gtime a, b;
    TRY(tz_time(ctx, args[0], &a, NULL));
    TRY(tz_time(ctx, args[1], &b, NULL));
    if (a.zone != b.zone)
        gtime_at(&b, b.sec, b.nsec, a.zone);
    if (a.sec > b.sec || (a.sec == b.sec && a.nsec > b.nsec)) {
        struct gtime t = a;
        a = b;
        b = t;
    }
    int64_t year = b.year - a.year, month = b.month - a.month, day = b.day - a.day;
    int64_t hour = b.hour - a.hour, min = b.min - a.min, sec = b.secs - a.secs;
    if (sec < 0) {
        sec += 60;
        min--;
    }
    if (min < 0) {
        min += 60;
        hour--;
    }
    if (hour < 0) {
        hour += 24;
        day--;
    }
    if (day < 0) {
        int64_t yy;
        int mm, dd;
        civil_from_days(days_from_civil(a.year, a.month, 1) + 31, &yy, &mm, &dd);
        day += 32 - dd;
        month--;
    }
    if (month < 0) {
        month += 12;
        year--;
    }
    int64_t v[6] = {year, month, day, hour, min, sec};
    BI_RET(int_array(ctx->arena, v, 6));
}

const struct rego_builtin rego_bi_time[] = {
    {"time.add_date", 4, bi_add_date, 0, NULL},
    {"time.clock", 1, bi_clock, 0, NULL},
    {"time.date", 1, bi_date, 0, NULL},
    {"time.diff", 2, bi_diff, 0, NULL},
    {"time.format", 1, bi_format, 0, NULL},
    {"time.now_ns", 0, bi_now_ns, BI_NONDET, NULL},
    {"time.parse_duration_ns", 1, bi_parse_duration_ns, 0, NULL},
    {"time.parse_ns", 2, bi_parse_ns, 0, NULL},
    {"time.parse_rfc3339_ns", 1, bi_parse_rfc3339_ns, 0, NULL},
    {"time.weekday", 1, bi_weekday, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
