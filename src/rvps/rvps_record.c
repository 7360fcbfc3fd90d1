/* rvps_record.c - reference-value records: parsing either layout,
 * expiry, building V24 records, and the sample extractor's time rules. */
#include <stdio.h>
#include <string.h>

#include "rvps/rvps.h"

const char *rvps_record_name(const struct value *record)
{
    const struct value *n = value_object_get_str(record, "name");
    return v_is(n, V_STRING) ? n->u.str.s : NULL;
}

static int two_digits(const char *s, int *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int D[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : D[m - 1];
}

int rvps_parse_time(const char *s, size_t len, time_t *out)
{
    /* exactly %Y-%m-%dT%H:%M:%SZ with a four-digit year */
    if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return -1;
    int yh, yl, mo, d, h, mi, se;
    if (two_digits(s, &yh) || two_digits(s + 2, &yl) || two_digits(s + 5, &mo) ||
        two_digits(s + 8, &d) || two_digits(s + 11, &h) || two_digits(s + 14, &mi) ||
        two_digits(s + 17, &se))
        return -1;
    int y = yh * 100 + yl;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = se};
    *out = timegm(&tm);
    return 0;
}

void rvps_format_time(time_t t, char out[21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", (tm.tm_year + 1900) % 10000,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

time_t rvps_default_expiry(time_t now)
{
    struct tm tm;
    gmtime_r(&now, &tm);
    tm.tm_year += 1;
    int dim = days_in_month(tm.tm_year + 1900, tm.tm_mon + 1);
    if (tm.tm_mday > dim)
        tm.tm_mday = dim;
    return timegm(&tm);
}

static int bad_record(const char *name, const char *why, struct as_error *err)
{
    return as_err(err, 500, ERR_INTERNAL, "reference value record '%s' is malformed: %s",
                  name ? name : "?", why);
}

/* V24: the `value` strings of hash-value entries. */
static int values_v24(const struct value *hv, const char *name, struct arena *a,
                      struct value **values, struct as_error *err)
{
    if (!v_is(hv, V_ARRAY))
        return bad_record(name, "`hash-value` must be an array", err);
    struct value_list l = {0};
    for (size_t i = 0; i < hv->u.arr.len; i++) {
        const struct value *v = value_object_get_str(hv->u.arr.items[i], "value");
        if (!v_is(v, V_STRING))
            return bad_record(name, "every `hash-value` entry needs a string `value`", err);
        if (value_list_push(a, &l, (struct value *)v) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    *values = v_array(a, l.items, l.len);
    return *values ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

/* Name and expiry of a record in either layout; *live = false when it
 * expired before now. */
static int record_header(const struct value *record, time_t now, const char **name, bool *live,
                         struct as_error *err)
{
    *name = rvps_record_name(record);
    if (!v_is(record, V_OBJECT) || !*name)
        return bad_record(*name, "expected an object with a string `name`", err);
    const struct value *exp = value_object_get_str(record, "expired");
    if (!exp)
        exp = value_object_get_str(record, "expiration");
    time_t t;
    if (!v_is(exp, V_STRING) || rvps_parse_time(exp->u.str.s, exp->u.str.len, &t) < 0)
        return bad_record(*name, "expiry must be a string YYYY-MM-DDTHH:MM:SSZ", err);
    *live = now <= t;
    return 0;
}

int rvps_record_value(const struct value *record, time_t now, struct arena *a,
                      struct value **value, struct as_error *err)
{
    const char *name;
    bool live = false;
    TRY(record_header(record, now, &name, &live, err));
    *value = NULL;
    if (!live)
        return 0; /* expired: absent */
    const struct value *hv = value_object_get_str(record, "hash-value");
    if (hv)
        return values_v24(hv, name, a, value, err);
    const struct value *v = value_object_get_str(record, "value");
    if (!v)
        return bad_record(name, "neither `hash-value` nor `value`", err);
    *value = (struct value *)v;
    return 0;
}

int rvps_record_values(const struct value *record, time_t now, struct arena *a,
                       struct value **values, struct as_error *err)
{
    struct value *v;
    TRY(rvps_record_value(record, now, a, &v, err));
    *values = NULL;
    if (!v)
        return 0;
    if (v_is(v, V_ARRAY)) {
        *values = v;
        return 0;
    }
    *values = v_array(a, &v, 1);
    return *values ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

struct value *rvps_record_make(struct arena *a, const char *name, const struct value *values,
                               time_t expires)
{
    char when[21];
    rvps_format_time(expires, when);
    struct value_list hv = {0};
    for (size_t i = 0; i < values->u.arr.len; i++) {
        struct pair_list e = {0};
        if (pair_list_push_str(a, &e, "alg", v_cstr(a, "sha384")) < 0 ||
            pair_list_push_str(a, &e, "value", values->u.arr.items[i]) < 0 ||
            value_list_push(a, &hv, v_object(a, e.pairs, e.len, DUP_LAST_WINS, NULL)) < 0)
            return NULL;
    }
    struct pair_list r = {0};
    if (pair_list_push_str(a, &r, "version", v_cstr(a, "0.1.0")) < 0 ||
        pair_list_push_str(a, &r, "name", v_cstr(a, name)) < 0 ||
        pair_list_push_str(a, &r, "expired", v_cstr(a, when)) < 0 ||
        pair_list_push_str(a, &r, "hash-value", v_array(a, hv.items, hv.len)) < 0)
        return NULL;
    return v_object(a, r.pairs, r.len, DUP_LAST_WINS, NULL);
}

struct value *rvps_record_make_v26(struct arena *a, const char *name, const struct value *value,
                                   time_t expires)
{
    char when[21];
    rvps_format_time(expires, when);
    struct pair_list r = {0};
    if (pair_list_push_str(a, &r, "version", v_cstr(a, "0.1.0")) < 0 ||
        pair_list_push_str(a, &r, "name", v_cstr(a, name)) < 0 ||
        pair_list_push_str(a, &r, "expiration", v_cstr(a, when)) < 0 ||
        pair_list_push_str(a, &r, "value", (struct value *)value) < 0)
        return NULL;
    return v_object(a, r.pairs, r.len, DUP_LAST_WINS, NULL);
}
