/* claims.c - V24 flattening of verifier claims (claims.md §2): every
 * top-level member except report_data / init_data is walked into keys
 * "<tee>.<k1>.<k2>..." (objects recurse, an empty object adds nothing,
 * arrays and scalars are leaves); then report_data and init_data are added
 * without prefix, "" when the verifier produced none.  The result is the
 * policy input and the token's tcb-status. */
#include <string.h>

#include "service/service_internal.h"

#define FLATTEN_MAX_DEPTH 128

struct flattener {
    struct arena *a;
    struct pair_list out;
    struct buf key;
};

static bool is_binding_key(const struct value *k)
{
    return v_is(k, V_STRING) &&
           ((k->u.str.len == 11 && memcmp(k->u.str.s, "report_data", 11) == 0) ||
            (k->u.str.len == 9 && memcmp(k->u.str.s, "init_data", 9) == 0));
}

static int walk(struct flattener *f, const struct value *v, int depth, struct as_error *err)
{
    if (depth > FLATTEN_MAX_DEPTH)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "claims nest deeper than %d levels",
                      FLATTEN_MAX_DEPTH);
    if (!v_is(v, V_OBJECT)) {
        struct value *k = v_string(f->a, f->key.data ? f->key.data : "", f->key.len);
        if (!k || buf_failed(&f->key) || pair_list_push(f->a, &f->out, k, (struct value *)v) < 0)
            return as_err(err, 500, ERR_INTERNAL, "out of memory flattening claims");
        return 0;
    }
    size_t mark = f->key.len;
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const struct value *k = v->u.obj.pairs[i].key;
        if (!v_is(k, V_STRING))
            continue; /* JSON claims only have string keys */
        buf_putc(&f->key, '.');
        buf_append(&f->key, k->u.str.s, k->u.str.len);
        TRY(walk(f, v->u.obj.pairs[i].val, depth + 1, err));
        f->key.len = mark;
    }
    return 0;
}

static int add_binding_claim(struct flattener *f, const struct value *claims, const char *name,
                             struct as_error *err)
{
    struct value *v = value_object_get_str(claims, name);
    if (!v)
        v = v_string(f->a, "", 0);
    if (!v || pair_list_push_str(f->a, &f->out, name, v) < 0)
        return as_err(err, 500, ERR_INTERNAL, "out of memory flattening claims");
    return 0;
}

int claims_flatten(struct arena *a, const char *tee_name, const struct value *claims,
                   struct value **out, struct as_error *err)
{
    if (!v_is(claims, V_OBJECT))
        return as_err(err, 500, ERR_INTERNAL, "verifier returned claims that are not an object");
    struct flattener f = {.a = a};
    buf_init(&f.key);
    int rc = 0;
    size_t tee_len = strlen(tee_name);
    for (size_t i = 0; i < claims->u.obj.len && rc == 0; i++) {
        const struct value *k = claims->u.obj.pairs[i].key;
        if (!v_is(k, V_STRING) || is_binding_key(k))
            continue;
        buf_reset(&f.key);
        buf_append(&f.key, tee_name, tee_len);
        buf_putc(&f.key, '.');
        buf_append(&f.key, k->u.str.s, k->u.str.len);
        rc = walk(&f, claims->u.obj.pairs[i].val, 1, err);
    }
    buf_free(&f.key);
    TRY(rc);
    TRY(add_binding_claim(&f, claims, "report_data", err));
    TRY(add_binding_claim(&f, claims, "init_data", err));
    *out = v_object(a, f.out.pairs, f.out.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory flattening claims");
}
