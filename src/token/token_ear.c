/* token_ear.c - the EAR (EAT Attestation Result) token of V26, tokens.md
 * §2: draft-ietf-rats-ear claims with one AR4SI appraisal per attested
 * environment, signed ES256.
 *
 * The payload is printed in the member order of the ear crate's serializer
 * (eat_profile, iat, ear.verifier-id, submods, then the exp / iss
 * extensions by name); submods by name (a BTreeMap there); inside an
 * appraisal: ear.status, ear.trustworthiness-vector, ear.appraisal-policy-id,
 * ear.veraison.annotated-evidence, then the policy extensions by name.
 * Policy output is operator-controlled but still checked: anything the
 * original would panic on or silently wrap is a 500 invalid_policy_output. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TRUST_CLAIMS 8

/* AR4SI trustworthiness claims in the order the vector prints them. */
static const char *const TRUST_CLAIM_NAMES[TRUST_CLAIMS] = {
    "instance-identity", "configuration",  "executables",    "file-system",
    "hardware",          "runtime-opaque", "storage-opaque", "sourced-data",
};

/* Appraisal members an extension may not shadow. */
static const char *const APPRAISAL_MEMBERS[] = {
    "ear.status",
    "ear.trustworthiness-vector",
    "ear.appraisal-policy-id",
    "ear.veraison.annotated-evidence",
    "ear.veraison.policy-claims",
    "ear.veraison.key-attestation",
};

/* The time crate's OffsetDateTime range (years -9999..9999): beyond it the
 * original fails with "Token expiration overflow.". */
#define UNIX_MIN (-377705116800LL)
#define UNIX_MAX 253402300799LL

struct trust_vector {
    bool set[TRUST_CLAIMS];
    int value[TRUST_CLAIMS];
};

struct ear_extension {
    const char *name;
    size_t name_len;
    int64_t key;
    const struct value *value;
};

struct appraisal {
    char *name; /* <class><n> */
    const struct token_ear_submod *in;
    struct trust_vector tv;
    struct ear_extension *ext;
    size_t n_ext;
};

enum ear_tier token_ear_tier(int v)
{
    if (v >= -1 && v <= 1)
        return EAR_TIER_NONE;
    if (v >= -32 && v <= 31)
        return EAR_TIER_AFFIRMING;
    if (v >= -96 && v <= 95)
        return EAR_TIER_WARNING;
    return EAR_TIER_CONTRAINDICATED;
}

const char *token_ear_tier_name(enum ear_tier t)
{
    switch (t) {
    case EAR_TIER_NONE:
        return "none";
    case EAR_TIER_AFFIRMING:
        return "affirming";
    case EAR_TIER_WARNING:
        return "warning";
    case EAR_TIER_CONTRAINDICATED:
        return "contraindicated";
    }
    return "none";
}

static int policy_output_err(struct as_error *err, const char *submod, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int policy_output_err(struct as_error *err, const char *submod, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return as_err(err, 500, TOKEN_ERR_INVALID_POLICY_OUTPUT, "EAR submod %s: %s", submod, detail);
}

static int trust_claim_index(const struct value *key)
{
    if (!v_is(key, V_STRING))
        return -1;
    for (int i = 0; i < TRUST_CLAIMS; i++)
        if (strlen(TRUST_CLAIM_NAMES[i]) == key->u.str.len &&
            memcmp(TRUST_CLAIM_NAMES[i], key->u.str.s, key->u.str.len) == 0)
            return i;
    return -1;
}

static int trust_claim_value(const struct value *v, int *out)
{
    int64_t i;
    if (!v_is(v, V_NUMBER) || !value_is_integer(v) || value_as_int64(v, &i) < 0)
        return -1;
    if (i < -128 || i > 127)
        return -1;
    *out = (int)i;
    return 0;
}

/* data.policy.trust_claims -> vector (tokens.md §2.5 steps 1-2). */
static int trust_vector_from_policy(const char *submod, const struct value *tc,
                                    struct trust_vector *tv, struct as_error *err)
{
    memset(tv, 0, sizeof *tv);
    if (!tc) {
        for (int i = 0; i < TRUST_CLAIMS; i++)
            tv->set[i] = true;
        return 0;
    }
    if (!v_is(tc, V_OBJECT))
        return policy_output_err(err, submod, "data.policy.trust_claims must be an object, got %s",
                                 value_type_name((enum value_type)tc->type));
    bool any = false;
    for (size_t i = 0; i < tc->u.obj.len; i++) {
        const struct value_pair *p = &tc->u.obj.pairs[i];
        int idx = trust_claim_index(p->key);
        if (idx < 0)
            return policy_output_err(err, submod,
                                     "data.policy.trust_claims: %s is not an AR4SI claim name",
                                     v_is(p->key, V_STRING) ? p->key->u.str.s : "(non-string key)");
        if (trust_claim_value(p->val, &tv->value[idx]) < 0)
            return policy_output_err(
                err, submod, "data.policy.trust_claims.%s: expected an integer in -128..127",
                TRUST_CLAIM_NAMES[idx]);
        tv->set[idx] = any = true;
    }
    if (!any)
        return as_err(err, 500, TOKEN_ERR_INVALID_POLICY_OUTPUT,
                      "EAR submod %s: At least one policy claim must be set.", submod);
    return 0;
}

static enum ear_tier trust_vector_status(const struct trust_vector *tv)
{
    enum ear_tier worst = EAR_TIER_NONE;
    for (int i = 0; i < TRUST_CLAIMS; i++) {
        enum ear_tier t = token_ear_tier(tv->set[i] ? tv->value[i] : 0);
        if (t > worst)
            worst = t;
    }
    return worst;
}

static bool is_appraisal_member(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof APPRAISAL_MEMBERS / sizeof *APPRAISAL_MEMBERS; i++)
        if (strlen(APPRAISAL_MEMBERS[i]) == len && memcmp(APPRAISAL_MEMBERS[i], name, len) == 0)
            return true;
    return false;
}

/* One {"name": string, "key": int32, "value": any} element. */
static int extension_parse(const char *submod, const struct value *e, struct ear_extension *out,
                           struct as_error *err)
{
    if (!v_is(e, V_OBJECT))
        return policy_output_err(err, submod, "data.policy.extensions: %s element, object expected",
                                 e ? value_type_name((enum value_type)e->type) : "missing");
    const struct value *name = value_object_get_str(e, "name");
    const struct value *key = value_object_get_str(e, "key");
    const struct value *val = value_object_get_str(e, "value");
    if (!v_is(name, V_STRING) || !val)
        return policy_output_err(err, submod, "data.policy.extensions: %s",
                                 "each element needs a string \"name\" and a \"value\"");
    if (!v_is(key, V_NUMBER) || !value_is_integer(key) || value_as_int64(key, &out->key) < 0 ||
        out->key < INT32_MIN || out->key > INT32_MAX)
        return policy_output_err(err, submod,
                                 "data.policy.extensions.%s: \"key\" must be a "
                                 "32-bit integer",
                                 name->u.str.s);
    if (is_appraisal_member(name->u.str.s, name->u.str.len))
        return policy_output_err(err, submod, "data.policy.extensions: %s is a reserved member",
                                 name->u.str.s);
    out->name = name->u.str.s;
    out->name_len = name->u.str.len;
    out->value = val;
    return 0;
}

static int extension_cmp(const void *a, const void *b)
{
    const struct ear_extension *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c)
        return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

/* Sorted by name; a name or key registered twice is an error (as the ear
 * crate's Extensions::register). */
static int extensions_check_unique(const char *submod, struct appraisal *ap, struct as_error *err)
{
    qsort(ap->ext, ap->n_ext, sizeof *ap->ext, extension_cmp);
    for (size_t i = 0; i < ap->n_ext; i++)
        for (size_t j = i + 1; j < ap->n_ext; j++) {
            if (j == i + 1 && extension_cmp(&ap->ext[i], &ap->ext[j]) == 0)
                return policy_output_err(err, submod,
                                         "data.policy.extensions: name %s "
                                         "registered twice",
                                         ap->ext[i].name);
            if (ap->ext[i].key == ap->ext[j].key)
                return policy_output_err(err, submod,
                                         "data.policy.extensions: key of %s "
                                         "registered twice",
                                         ap->ext[j].name);
        }
    return 0;
}

static int extensions_from_policy(struct arena *a, struct appraisal *ap, struct as_error *err)
{
    const struct value *ext = ap->in->extensions;
    if (!ext)
        return 0;
    if (!v_is(ext, V_ARRAY))
        return policy_output_err(err, ap->name, "data.policy.extensions must be an array, got %s",
                                 value_type_name((enum value_type)ext->type));
    ap->n_ext = ext->u.arr.len;
    ap->ext = arena_zalloc(a, (ap->n_ext + 1) * sizeof *ap->ext);
    if (!ap->ext)
        return as_err(err, 500, ERR_INTERNAL, "out of memory building the EAR token");
    for (size_t i = 0; i < ap->n_ext; i++)
        TRY(extension_parse(ap->name, ext->u.arr.items[i], &ap->ext[i], err));
    return extensions_check_unique(ap->name, ap, err);
}

/* Names <class><n>, n counting from 0 per class in request order. */
static int appraisals_name(struct arena *a, const struct token_ear_submod *in, size_t n,
                           struct appraisal *out, struct as_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *cls = in[i].tee_class ? in[i].tee_class : "cpu";
        size_t index = 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(out[j].in->tee_class ? out[j].in->tee_class : "cpu", cls) == 0)
                index++;
        out[i].in = &in[i];
        out[i].name = arena_sprintf(a, "%s%zu", cls, index);
        if (!out[i].name)
            return as_err(err, 500, ERR_INTERNAL, "out of memory building the EAR token");
    }
    return 0;
}

static int appraisal_name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct appraisal *)a)->name, ((const struct appraisal *)b)->name);
}

/* ---- printing ---- */

static void print_key(struct buf *b, const char *key)
{
    json_print_string(b, key, strlen(key));
    buf_putc(b, ':');
}

static void print_trust_vector(struct buf *b, const struct trust_vector *tv)
{
    buf_putc(b, '{');
    bool first = true;
    for (int i = 0; i < TRUST_CLAIMS; i++) {
        if (!tv->set[i])
            continue;
        if (!first)
            buf_putc(b, ',');
        first = false;
        print_key(b, TRUST_CLAIM_NAMES[i]);
        buf_printf(b, "%d", tv->value[i]);
    }
    buf_putc(b, '}');
}

static int print_appraisal(struct buf *b, const struct appraisal *ap, const char *policy_id)
{
    buf_putc(b, '{');
    print_key(b, "ear.status");
    const char *status = token_ear_tier_name(trust_vector_status(&ap->tv));
    json_print_string(b, status, strlen(status));
    buf_putc(b, ',');
    print_key(b, "ear.trustworthiness-vector");
    print_trust_vector(b, &ap->tv);
    buf_putc(b, ',');
    print_key(b, "ear.appraisal-policy-id");
    json_print_string(b, policy_id, strlen(policy_id));
    const struct value *ev = ap->in->annotated_evidence;
    if (v_is(ev, V_OBJECT) && ev->u.obj.len > 0) {
        buf_putc(b, ',');
        print_key(b, "ear.veraison.annotated-evidence");
        TRY(json_print(b, ev, JSON_COMPACT));
    }
    for (size_t i = 0; i < ap->n_ext; i++) {
        if (v_is(ap->ext[i].value, V_NULL))
            continue; /* the ear crate skips null extensions */
        buf_putc(b, ',');
        json_print_string(b, ap->ext[i].name, ap->ext[i].name_len);
        buf_putc(b, ':');
        TRY(json_print(b, ap->ext[i].value, JSON_COMPACT));
    }
    buf_putc(b, '}');
    return 0;
}

static int print_payload(struct buf *b, const struct token_broker *br, const struct appraisal *ap,
                         size_t n, const char *policy_id, int64_t iat, int64_t exp)
{
    const struct token_ear_settings *s = &br->ear_cfg;
    buf_putc(b, '{');
    print_key(b, "eat_profile");
    json_print_string(b, s->profile_name, strlen(s->profile_name));
    buf_printf(b, ",\"iat\":%" PRId64 ",", iat);
    print_key(b, "ear.verifier-id");
    buf_putc(b, '{');
    print_key(b, "developer");
    json_print_string(b, s->developer_name, strlen(s->developer_name));
    buf_putc(b, ',');
    print_key(b, "build");
    json_print_string(b, s->build_name, strlen(s->build_name));
    buf_puts(b, "},");
    print_key(b, "submods");
    buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        print_key(b, ap[i].name);
        TRY(print_appraisal(b, &ap[i], policy_id));
    }
    buf_printf(b, "},\"exp\":%" PRId64 ",", exp);
    print_key(b, "iss");
    json_print_string(b, br->issuer, strlen(br->issuer));
    buf_putc(b, '}');
    return buf_failed(b) ? -1 : 0;
}

/* ---- issuing ---- */

static int ear_expiry(const struct token_broker *b, int64_t iat, int64_t *exp, struct as_error *err)
{
    int64_t seconds;
    if (__builtin_mul_overflow(b->duration_min, (int64_t)60, &seconds) ||
        __builtin_add_overflow(iat, seconds, exp) || *exp < UNIX_MIN || *exp > UNIX_MAX)
        return as_err(err, 500, ERR_INTERNAL,
                      "Token expiration overflow. (duration_min %" PRId64 ")", b->duration_min);
    return 0;
}

static int ear_preconditions(const struct token_broker *b, size_t n, const char *policy_id,
                             struct as_error *err)
{
    if (!b->ear || b->alg != TOKEN_ES256)
        return as_err(err, 500, ERR_INTERNAL, "EAR tokens need a broker in EAR mode (ES256)");
    if (n == 0)
        return as_err(err, 500, ERR_INTERNAL, "EAR token without any submod");
    if (!policy_id)
        return as_err(err, 500, ERR_INTERNAL, "No policy is given for EAR token generation.");
    return 0;
}

static int appraisals_build(struct arena *a, const struct token_ear_submod *submods, size_t n,
                            struct appraisal **out, struct as_error *err)
{
    struct appraisal *ap = arena_zalloc(a, n * sizeof *ap);
    if (!ap)
        return as_err(err, 500, ERR_INTERNAL, "out of memory building the EAR token");
    TRY(appraisals_name(a, submods, n, ap, err));
    for (size_t i = 0; i < n; i++) {
        TRY(trust_vector_from_policy(ap[i].name, submods[i].trust_claims, &ap[i].tv, err));
        TRY(extensions_from_policy(a, &ap[i], err));
    }
    qsort(ap, n, sizeof *ap, appraisal_name_cmp);
    *out = ap;
    return 0;
}

int token_ear_issue(const struct token_broker *b, const struct token_ear_submod *submods,
                    size_t n_submods, const char *policy_id, struct arena *a, char **jws,
                    struct as_error *err)
{
    TRY(ear_preconditions(b, n_submods, policy_id, err));
    struct appraisal *ap = NULL;
    TRY(appraisals_build(a, submods, n_submods, &ap, err));
    int64_t iat = token_now(), exp = 0;
    TRY(ear_expiry(b, iat, &exp, err));
    struct buf payload = BUF_INIT;
    if (print_payload(&payload, b, ap, n_submods, policy_id, iat, exp) < 0) {
        buf_free(&payload);
        return as_err(err, 500, ERR_INTERNAL, "out of memory printing the EAR token");
    }
    int rc = token_jws_compact(b, payload.data, payload.len, a, jws, err);
    buf_free(&payload);
    return rc;
}
