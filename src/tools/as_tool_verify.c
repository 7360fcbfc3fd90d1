/* as_tool_verify.c - `as-tool verify` (shared/spec/as-tool.md): the
 * service's own pipeline on the command line, without a server.
 *
 * The options are turned into the same request body the API decodes
 * (request_parse), so every check and message is the API's.  2024 mode
 * (default): the V24 body; service_evaluate runs verify -> flatten -> RVPS
 * -> policies -> token claims; output {"claims": flattened, "tee": name,
 * "policies": [...], "reference", "token"?}.  2026 mode (--ear, or a
 * --config in the 2026 layout): a one-element V26 batch; service_evaluate_ear
 * appraises it with the first --policy file (else the built-in
 * default_<class>) and issues the EAR token; output {"ear": the token's
 * payload (the appraisal), "tee": V26 name, "token"?}.  Exit 0 verified
 * (and, in 2024 mode, allowed), 1 rejected (stderr: one line
 * {"type","detail"} as the API would answer), 2 usage or I/O error.
 * The token broker (an RSA-2048 key in 2024 mode) is only created when a
 * token is needed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "service/service_internal.h"
#include "store/store.h"
#include "tools/as_tool.h"

#define MAX_POLICIES 64
#define MAX_FILE (64u << 20)

struct verify_args {
    const char *tee, *evidence, *quote, *report, *collateral, *vcek;
    const char *rd_raw, *rd_json, *id_raw, *id_json, *id_toml, *hash_alg;
    const char *policies[MAX_POLICIES];
    size_t n_policies;
    const char *reference_values, *config;
    long long at;
    bool token;
    bool ear; /* --ear: 2026 mode without a 2026 config file */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: as-tool verify --tee TEE (--evidence FILE | --quote FILE | --report FILE)\n"
            "                      [--collateral FILE] [--vcek FILE]\n"
            "                      [--runtime-data-raw B64URL | --runtime-data-json FILE]\n"
            "                      [--init-data-raw B64URL | --init-data-json FILE |\n"
            "                       --init-data-toml FILE]\n"
            "                      [--hash-alg sha256|sha384|sha512|sm3] [--policy FILE]...\n"
            "                      [--reference-values FILE] [--at UNIXTIME] [--config FILE]\n"
            "                      [--token] [--ear]\n"
            "  --ear (or a --config in the 2026 layout): appraise as the 2026 service\n"
            "  does and print the EAR token's payload; --policy then names the policy\n"
            "  used for the evidence (default: the built-in default_<class>).\n");
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "as-tool verify: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    usage(stderr);
    return 2;
}

static int parse_args(int argc, char **argv, struct verify_args *v)
{
    static const struct option OPTS[] = {
        {"tee", required_argument, 0, 't'},           {"evidence", required_argument, 0, 'e'},
        {"quote", required_argument, 0, 'q'},         {"report", required_argument, 0, 'r'},
        {"collateral", required_argument, 0, 'C'},    {"vcek", required_argument, 0, 'V'},
        {"runtime-data-raw", required_argument, 0, 1}, {"runtime-data-json", required_argument, 0, 2},
        {"init-data-raw", required_argument, 0, 3},   {"init-data-json", required_argument, 0, 4},
        {"hash-alg", required_argument, 0, 5},        {"policy", required_argument, 0, 'p'},
        {"reference-values", required_argument, 0, 6}, {"at", required_argument, 0, 7},
        {"config", required_argument, 0, 'c'},        {"token", no_argument, 0, 8},
        {"ear", no_argument, 0, 9},                   {"init-data-toml", required_argument, 0, 10},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0}};
    memset(v, 0, sizeof(*v));
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "t:e:q:r:C:V:p:c:h", OPTS, NULL)) != -1) {
        char *end;
        switch (c) {
        case 't': v->tee = optarg; break;
        case 'e': v->evidence = optarg; break;
        case 'q': v->quote = optarg; break;
        case 'r': v->report = optarg; break;
        case 'C': v->collateral = optarg; break;
        case 'V': v->vcek = optarg; break;
        case 1: v->rd_raw = optarg; break;
        case 2: v->rd_json = optarg; break;
        case 3: v->id_raw = optarg; break;
        case 4: v->id_json = optarg; break;
        case 5: v->hash_alg = optarg; break;
        case 6: v->reference_values = optarg; break;
        case 'c': v->config = optarg; break;
        case 8: v->token = true; break;
        case 9: v->ear = true; break;
        case 10: v->id_toml = optarg; break;
        case 'p':
            if (v->n_policies == MAX_POLICIES)
                return usage_error("too many --policy options", NULL);
            v->policies[v->n_policies++] = optarg;
            break;
        case 7:
            errno = 0;
            v->at = strtoll(optarg, &end, 10);
            if (errno || *end || end == optarg || v->at <= 0)
                return usage_error("--at needs a positive Unix time, not", optarg);
            break;
        case 'h': usage(stdout); return 0;
        default: return usage_error("unknown option", NULL);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    if (!v->tee)
        return usage_error("--tee is required", NULL);
    if (!!v->evidence + !!v->quote + !!v->report != 1)
        return usage_error("give exactly one of --evidence, --quote, --report", NULL);
    if ((v->rd_raw && v->rd_json) || !!v->id_raw + !!v->id_json + !!v->id_toml > 1)
        return usage_error("raw and JSON forms of the same data exclude each other", NULL);
    return -1; /* go on */
}

static int read_file(struct arena *a, const char *path, char **data, size_t *len)
{
    struct as_error e;
    int rc = store_read_file(path, MAX_FILE, a, data, len, &e);
    if (rc == 1)
        fprintf(stderr, "as-tool verify: %s: no such file\n", path);
    else if (rc < 0)
        fprintf(stderr, "as-tool verify: %s\n", e.detail);
    return rc == 0 ? 0 : -1;
}

static int read_json(struct arena *a, const char *path, struct value **out)
{
    char *text;
    size_t len;
    struct as_error e;
    if (read_file(a, path, &text, &len) < 0)
        return -1;
    if (json_parse(a, text, len, NULL, out, &e) < 0) {
        fprintf(stderr, "as-tool verify: %s: %s\n", path, e.detail);
        return -1;
    }
    return 0;
}

/* --runtime-data-* / --init-data-* -> {"raw": ...} | {"structured": ...} |
 * {"init_data_toml": text} */
static int data_member(struct arena *a, struct pair_list *body, const char *key, const char *raw,
                       const char *json_file, const char *toml_file)
{
    if (!raw && !json_file && !toml_file)
        return 0;
    struct value *v;
    char *text;
    size_t len;
    if (raw) {
        v = v_cstr(a, raw);
    } else if (toml_file) {
        if (read_file(a, toml_file, &text, &len) < 0)
            return -1;
        v = v_string(a, text, len);
    } else if (read_json(a, json_file, &v) < 0) {
        return -1;
    }
    struct pair_list d = {0};
    pair_list_push_str(a, &d, raw ? "raw" : toml_file ? "init_data_toml" : "structured", v);
    return pair_list_push_str(a, body, key, v_object(a, d.pairs, d.len, DUP_LAST_WINS, NULL));
}

/* The evidence JSON text: --evidence as is, --quote wrapped, --report {}. */
static int evidence_text(struct arena *a, const struct verify_args *v, struct attest_options *o,
                         char **text, size_t *len)
{
    if (v->evidence)
        return read_file(a, v->evidence, text, len);
    char *raw;
    size_t n;
    if (read_file(a, v->quote ? v->quote : v->report, &raw, &n) < 0)
        return -1;
    if (v->report) {
        o->report = (const uint8_t *)raw, o->report_len = n;
        *text = "{}";
    } else {
        o->quote = (const uint8_t *)raw, o->quote_len = n;
        *text = arena_sprintf(a, "{\"quote\":\"%s\"}",
                              b64_encode_arena(a, (const uint8_t *)raw, n, B64_STD_PAD));
    }
    *len = strlen(*text);
    return 0;
}

/* The V24 body, or (ear) {"verification_requests": [that item],
 * "policy_ids": []}. */
static int build_body(struct arena *a, const struct verify_args *v, bool ear,
                      struct attest_options *o, struct value **body)
{
    char *ev;
    size_t ev_len;
    if (evidence_text(a, v, o, &ev, &ev_len) < 0)
        return -1;
    struct pair_list b = {0};
    pair_list_push_str(a, &b, "tee", v_cstr(a, v->tee));
    pair_list_push_str(a, &b, "evidence",
                       v_cstr(a, b64_encode_arena(a, (const uint8_t *)ev, ev_len, B64_URL_NOPAD)));
    pair_list_push_str(a, &b, "policy_ids", v_array(a, NULL, 0));
    if (v->hash_alg) {
        pair_list_push_str(a, &b, "runtime_data_hash_algorithm", v_cstr(a, v->hash_alg));
        pair_list_push_str(a, &b, "init_data_hash_algorithm", v_cstr(a, v->hash_alg));
    }
    if (data_member(a, &b, "runtime_data", v->rd_raw, v->rd_json, NULL) < 0 ||
        data_member(a, &b, "init_data", v->id_raw, v->id_json, v->id_toml) < 0)
        return -1;
    *body = v_object(a, b.pairs, b.len, DUP_LAST_WINS, NULL);
    if (ear && *body) {
        struct pair_list batch = {0};
        pair_list_push_str(a, &batch, "verification_requests", v_array(a, body, 1));
        pair_list_push_str(a, &batch, "policy_ids", v_array(a, NULL, 0));
        *body = v_object(a, batch.pairs, batch.len, DUP_LAST_WINS, NULL);
    }
    return *body ? 0 : -1;
}

static int read_optional(struct arena *a, const char *path, const uint8_t **data, size_t *len)
{
    if (!path)
        return 0;
    char *d;
    if (read_file(a, path, &d, len) < 0)
        return -1;
    *data = (const uint8_t *)d;
    return 0;
}

static const char *policy_stem(struct arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".rego") == 0)
        n -= 5;
    return arena_strndup(a, base, n);
}

static int load_policies(struct arena *a, const struct verify_args *v, struct attest_options *o)
{
    struct attest_policy *ps = arena_zalloc(a, (v->n_policies + 1) * sizeof(*ps));
    for (size_t i = 0; i < v->n_policies; i++) {
        char *text;
        if (read_file(a, v->policies[i], &text, &ps[i].len) < 0)
            return -1;
        ps[i].text = text;
        ps[i].id = policy_stem(a, v->policies[i]);
    }
    o->policies = ps;
    o->n_policies = v->n_policies;
    return 0;
}

/* --reference-values: an array of records (either layout), a registration
 * message {"type","payload"}, or an object {"<name>": ["v", ...]}.  In the
 * 2026 mode (ear) registrations and plain objects keep every value as
 * given (a number stays a number), as query_reference_value answers it. */
static int load_references(struct arena *a, const char *path, time_t now, bool ear,
                           struct rvps *r)
{
    struct value *doc;
    struct as_error e;
    if (read_json(a, path, &doc) < 0)
        return -1;
    int rc = 0;
    if (v_is(doc, V_ARRAY)) {
        for (size_t i = 0; i < doc->u.arr.len && rc == 0; i++)
            rc = rvps_put_record(r, doc->u.arr.items[i], &e);
    } else if (v_is(doc, V_OBJECT) && value_object_get_str(doc, "payload")) {
        rc = ear ? rvps_register_v26(r, doc, now, &e) : rvps_register(r, doc, now, &e);
    } else if (v_is(doc, V_OBJECT)) {
        time_t exp = rvps_default_expiry(now);
        for (size_t i = 0; i < doc->u.obj.len && rc == 0; i++) {
            const char *name = doc->u.obj.pairs[i].key->u.str.s;
            struct value *vals = doc->u.obj.pairs[i].val;
            if (!ear && !v_is(vals, V_ARRAY))
                vals = v_array(a, &doc->u.obj.pairs[i].val, 1);
            struct value *rec = ear ? rvps_record_make_v26(a, name, vals, exp)
                                    : rvps_record_make(a, name, vals, exp);
            rc = rec ? rvps_put_record(r, rec, &e) : as_err(&e, 500, ERR_INTERNAL, "out of memory");
        }
    } else {
        rc = as_err(&e, 400, ERR_INVALID_REQUEST, "expected a JSON array or object");
    }
    if (rc < 0)
        fprintf(stderr, "as-tool verify: %s: %s\n", path, e.detail);
    return rc;
}

static void print_result(struct arena *a, const struct attest_input *in,
                         const struct attest_result *r, const char *token)
{
    struct pair_list o = {0};
    struct value_list pl = {0};
    for (size_t i = 0; i < r->n_policies; i++) {
        struct pair_list p = {0};
        pair_list_push_str(a, &p, "allowed", v_bool(r->policies[i].allowed));
        if (r->policies[i].hash_hex[0])
            pair_list_push_str(a, &p, "policy-hash", v_cstr(a, r->policies[i].hash_hex));
        pair_list_push_str(a, &p, "policy-id", v_cstr(a, r->policies[i].id));
        value_list_push(a, &pl, v_object(a, p.pairs, p.len, DUP_LAST_WINS, NULL));
    }
    if (r->flat)
        pair_list_push_str(a, &o, "claims", r->flat);
    if (r->reference)
        pair_list_push_str(a, &o, "reference", r->reference);
    pair_list_push_str(a, &o, "policies", v_array(a, pl.items, pl.len));
    pair_list_push_str(a, &o, "tee", v_cstr(a, tee_claim_name(in->verifier->kind, false)));
    if (token)
        pair_list_push_str(a, &o, "token", v_cstr(a, token));
    struct buf b = BUF_INIT;
    json_print(&b, v_object(a, o.pairs, o.len, DUP_LAST_WINS, NULL), JSON_PRETTY);
    printf("%s\n", buf_cstr(&b));
    buf_free(&b);
}

static int rejected(const struct as_error *e)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"type\":");
    json_print_string(&b, e->type, strlen(e->type));
    buf_puts(&b, ",\"detail\":");
    json_print_string(&b, e->detail, strlen(e->detail));
    buf_puts(&b, "}");
    fprintf(stderr, "%s\n", buf_cstr(&b));
    buf_free(&b);
    return 1;
}

static int setup_config(struct arena *a, const struct verify_args *v, struct as_config *cfg)
{
    struct as_error e;
    if (config_load(v->config, a, cfg, &e) < 0) {
        fprintf(stderr, "as-tool verify: %s\n", e.detail);
        return -1;
    }
    cfg->work_dir = NULL; /* offline: policies come from --policy files */
    if (!v->config)
        cfg->rvps_store = STORE_MEMORY;
    if (v->ear)
        cfg->token_broker = TOKEN_EAR; /* the EAR defaults of tokens.md §2.7 */
    return 0;
}

/* The EAR token's payload (the appraisal) as a value. */
static struct value *token_payload(struct arena *a, const char *jws)
{
    const char *p1 = strchr(jws, '.'), *p2 = strrchr(jws, '.');
    uint8_t *bytes;
    size_t n;
    const char *why;
    struct value *v;
    struct as_error e;
    if (!p1 || p2 == p1 ||
        b64_decode(a, p1 + 1, (size_t)(p2 - p1 - 1), B64_URL_NOPAD, &bytes, &n, &why) < 0 ||
        json_parse(a, (const char *)bytes, n, NULL, &v, &e) < 0)
        return NULL;
    return v;
}

static void print_ear(struct arena *a, const struct attest_input *in, const struct ear_result *r,
                      bool with_token)
{
    struct pair_list o = {0};
    pair_list_push_str(a, &o, "ear", token_payload(a, r->token));
    pair_list_push_str(a, &o, "tee", v_cstr(a, tee_claim_name(in->verifier->kind, true)));
    if (with_token)
        pair_list_push_str(a, &o, "token", v_cstr(a, r->token));
    struct buf b = BUF_INIT;
    json_print(&b, v_object(a, o.pairs, o.len, DUP_LAST_WINS, NULL), JSON_PRETTY);
    printf("%s\n", buf_cstr(&b));
    buf_free(&b);
}

/* 2026 mode: one EAR appraisal; a --policy file (the first) replaces the
 * stored default_<class> policy and names the appraisal policy. */
static int run_ear(struct service *s, struct arena *a, const struct verify_args *v,
                   struct attest_options *o, struct service_request *req)
{
    struct as_error e;
    if (o->n_policies > 1)
        fprintf(stderr, "as-tool verify: EAR appraisals use only the first --policy (%s)\n",
                v->policies[0]);
    if (o->n_policies == 0) {
        o->policies = req->policies;
        o->n_policies = req->n_policies;
    }
    for (size_t i = 0; i < req->n_items; i++)
        req->items[i].v26 = true;
    struct ear_result r;
    if (service_evaluate_ear(s, req->items, req->n_items, o, a, &r, &e) < 0)
        return rejected(&e);
    print_ear(a, &req->items[0], &r, v->token);
    return 0;
}

static int run(struct arena *a, const struct verify_args *v)
{
    struct as_config cfg;
    struct attest_options o = {.now = (time_t)v->at};
    struct value *body;
    if (setup_config(a, v, &cfg) < 0 || build_body(a, v, cfg.token_broker == TOKEN_EAR, &o, &body) < 0 ||
        read_optional(a, v->collateral, &o.collateral, &o.collateral_len) < 0 ||
        read_optional(a, v->vcek, &o.vcek, &o.vcek_len) < 0 || load_policies(a, v, &o) < 0)
        return 2;
    token_fixed_now = o.now;
    struct as_error e;
    struct service *s;
    if (service_new_offline(&cfg, &s, &e) < 0) {
        fprintf(stderr, "as-tool verify: %s\n", e.detail);
        return 2;
    }
    struct rvps *refs = NULL;
    int rc = 0;
    if (v->reference_values) {
        if (rvps_open_memory(&refs, &e) < 0 ||
            load_references(a, v->reference_values, o.now ? o.now : time(NULL),
                            cfg.token_broker == TOKEN_EAR, refs) < 0)
            rc = 2;
        o.rvps = refs;
    }
    struct service_request req;
    struct attest_result r = {0};
    char *token = NULL;
    if (rc == 0 && request_parse(body, a, &req, &e) < 0) {
        rc = rejected(&e);
    } else if (rc == 0 && cfg.token_broker == TOKEN_EAR) {
        rc = run_ear(s, a, v, &o, &req);
    } else if (rc == 0) {
        if (service_evaluate(s, &req.items[0], &o, a, &r, &e) < 0 ||
            (v->token && service_sign(s, r.token_claims, a, &token, &e) < 0))
            rc = rejected(&e);
        print_result(a, &req.items[0], &r, token);
    }
    rvps_free(refs);
    service_free(s);
    return rc;
}

int as_tool_verify_main(int argc, char **argv)
{
    struct verify_args v;
    int rc = parse_args(argc, argv, &v);
    if (rc >= 0)
        return rc;
    struct arena a;
    arena_init(&a, 1 << 16);
    rc = run(&a, &v);
    arena_free(&a);
    return rc;
}
