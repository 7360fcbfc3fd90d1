/* sample.c - the `sample` TEE: a fake platform for tests and demos
 * (claims.md §1.1, binding.md §3-4 row sample).
 *
 * Evidence: {"svn": string, "report_data": std-b64 string = "",
 * "init_data": std-b64 string = ""}.  There is no signature; the only
 * checks are the bindings, compared exactly (no padding or truncation)
 * with the standard-base64-decoded evidence strings.  V24 checks both
 * bindings; V26 checks report data only and reports the caller's init data
 * digest as the claim `init_data` (the original's test hook). */
#include <string.h>

#include "base/codec.h"
#include "verifier/verifier.h"

/* Reads an optional string member; absent -> "" (serde default). */
static int evidence_string(const struct value *ev, const char *key, bool required,
                           const struct value **out, struct as_error *err)
{
    const struct value *v = value_object_get_str(ev, key);
    if (!v) {
        if (required)
            return as_err(err, 400, ERR_INVALID_EVIDENCE, "sample: evidence lacks field `%s`",
                          key);
        *out = NULL;
        return 0;
    }
    if (!v_is(v, V_STRING))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "sample: evidence field `%s` must be a string, not %s", key,
                      value_type_name((enum value_type)v->type));
    *out = v;
    return 0;
}

/* Decodes the evidence field and compares it with the expected bytes. */
static int check_binding(const struct verify_ctx *ctx, const struct value *field,
                         const char *key, const struct binding *expect, const char *mismatch_type,
                         struct as_error *err)
{
    if (!expect || !expect->present)
        return 0;
    const char *s = field ? field->u.str.s : "";
    size_t n = field ? field->u.str.len : 0;
    uint8_t *bytes = NULL;
    size_t len = 0;
    const char *why = NULL;
    if (b64_decode(ctx->arena, s, n, B64_STD_PAD, &bytes, &len, &why) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "sample: evidence `%s` is not valid standard base64 with padding: %s", key,
                      why ? why : "decode failed");
    if (!binding_matches(expect, bytes, len, true))
        return as_err(err, 403, mismatch_type,
                      "sample: %s in the evidence (%zu bytes) differs from the expected %zu bytes",
                      key, len, expect->len);
    return 0;
}

static int put(struct arena *a, struct pair_list *l, const char *key, struct value *v,
               struct as_error *err)
{
    if (!v || pair_list_push_str(a, l, key, v) < 0)
        return as_err(err, 500, ERR_INTERNAL, "sample: out of memory");
    return 0;
}

static struct value *str_or_empty(struct arena *a, const struct value *v)
{
    return v ? (struct value *)v : v_string(a, "", 0);
}

/* V26 adds fixed test claims (deps/verifier/src/sample/mod.rs@V26). */
static int put_v26_claims(struct arena *a, struct pair_list *l, const struct binding *init_data,
                          struct as_error *err)
{
    struct pair_list pv = {0};
    TRY(put(a, &pv, "major", v_int(a, 1), err));
    TRY(put(a, &pv, "minor", v_int(a, 4), err));
    TRY(put(a, l, "platform_version", v_object(a, pv.pairs, pv.len, DUP_LAST_WINS, NULL), err));
    TRY(put(a, l, "launch_digest", v_cstr(a, "abcde"), err));
    TRY(put(a, l, "debug", v_bool(false), err));
    if (init_data && init_data->present) {
        char *b64 = b64_encode_arena(a, init_data->data, init_data->len, B64_STD_PAD);
        TRY(put(a, l, "init_data", b64 ? v_cstr(a, b64) : NULL, err));
    }
    return 0;
}

static int sample_verify(const struct verify_ctx *ctx, const struct value *evidence,
                         const struct binding *report_data, const struct binding *init_data,
                         struct value **claims_out, struct as_error *err)
{
    struct arena *a = ctx->arena;
    if (!v_is(evidence, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "sample: evidence must be a JSON object");
    const struct value *svn = NULL, *rd = NULL, *id = NULL;
    TRY(evidence_string(evidence, "svn", true, &svn, err));
    TRY(evidence_string(evidence, "report_data", false, &rd, err));
    if (!ctx->v26)
        TRY(evidence_string(evidence, "init_data", false, &id, err));

    TRY(check_binding(ctx, rd, "report_data", report_data, ERR_REPORT_DATA_MISMATCH, err));
    if (!ctx->v26)
        TRY(check_binding(ctx, id, "init_data", init_data, ERR_INIT_DATA_MISMATCH, err));

    struct pair_list l = {0};
    TRY(put(a, &l, "svn", (struct value *)svn, err));
    TRY(put(a, &l, "report_data", str_or_empty(a, rd), err));
    if (ctx->v26)
        TRY(put_v26_claims(a, &l, init_data, err));
    else
        TRY(put(a, &l, "init_data", str_or_empty(a, id), err));
    *claims_out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    if (!*claims_out)
        return as_err(err, 500, ERR_INTERNAL, "sample: out of memory");
    return 0;
}

const struct verifier verifier_sample = {
    .name = "sample",
    .kind = TEE_SAMPLE,
    .verify = sample_verify,
    .challenge = NULL,
};
