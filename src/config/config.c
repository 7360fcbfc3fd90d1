/* config.c - loads the service configuration file (config.md §1-3).
 *
 * One JSON document, two layouts:
 *   2024 (V24): "attestation_token_broker":"Simple" + "attestation_token_config",
 *               "work_dir", "policy_engine", "rvps_config" {BuiltIn|GrpcRemote}
 *   2026 (V26): "attestation_token_broker":{EAR object}, "rvps_config",
 *               "verifier_config", "storage_backend"
 * plus our own keys (policy_engine_version, max_body_bytes,
 * allow_network_builtins, policy_opa_compat; docs/config.md).
 *
 * The layout is the 2026 one when the broker is an object or when a key that
 * only exists there is present; otherwise the 2024 one.  Every member this
 * file knows is type-checked (an error names the key path and the expected
 * type); a member it does not know is a warning naming it, logged and kept
 * in cfg->warnings, never an error (the original ignores unknown members).
 * The raw document stays in cfg->raw for the sections other modules read. */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/log.h"

#define CONFIG_MAX_FILE_BYTES (16u << 20)
#define DEFAULT_WORK_DIR "/opt/confidential-containers/attestation-service"
#define DEFAULT_RV_DIR "/opt/confidential-containers/attestation-service/reference_values"
#define DEFAULT_RV_JSON "/opt/confidential-containers/attestation-service/reference_values.json"
#define DEFAULT_RVPS_ADDRESS "127.0.0.1:50003"
#define DEFAULT_MAX_BODY_BYTES ((size_t)2 << 20)
#define MAX_MAX_BODY_BYTES ((size_t)1 << 30)

/* Everything one load needs: the arena strings go to, the output, the error. */
struct loader {
    struct arena *a;
    struct as_config *cfg;
    struct as_error *err;
    struct value_list warnings;
};

/* ---------------------------------------------------------------- helpers */

static const char *json_kind(const struct value *v)
{
    if (v->type == V_NUMBER)
        return value_is_integer(v) ? "integer" : "number";
    return value_type_name((enum value_type)v->type);
}

static int wrong_type(struct loader *ld, const char *path, const char *expected,
                      const struct value *got)
{
    return as_err(ld->err, 400, ERR_CONFIG, "config: `%s` must be %s, got %s", path, expected,
                  json_kind(got));
}

static const char *join(struct loader *ld, const char *parent, const char *key)
{
    if (!parent || !*parent)
        return key;
    return arena_sprintf(ld->a, "%s.%s", parent, key);
}

static void warn(struct loader *ld, const char *msg)
{
    if (!msg)
        return;
    LOG_W("restful_as::config", "%s", msg);
    value_list_push(ld->a, &ld->warnings, v_string_ref(ld->a, msg, strlen(msg)));
}

/* Warns about every member of obj whose key is not in the NULL-terminated
 * list `known`. */
static void check_keys(struct loader *ld, const struct value *obj, const char *path,
                       const char *const *known)
{
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const struct value *k = obj->u.obj.pairs[i].key;
        bool found = false;
        for (const char *const *p = known; *p && !found; p++)
            found = k->type == V_STRING && strlen(*p) == k->u.str.len &&
                    memcmp(*p, k->u.str.s, k->u.str.len) == 0;
        if (!found)
            warn(ld, arena_sprintf(ld->a, "config: unknown key `%s` ignored",
                                   join(ld, path, k->u.str.s)));
    }
}

/* Member lookup; JSON null counts as absent (serde Option semantics). */
static const struct value *member(const struct value *obj, const char *key)
{
    const struct value *v = value_object_get_str(obj, key);
    return v_is(v, V_NULL) ? NULL : v;
}

static int get_string(struct loader *ld, const struct value *obj, const char *parent,
                      const char *key, const char **out)
{
    const struct value *v = member(obj, key);
    if (!v)
        return 0;
    if (v->type != V_STRING)
        return wrong_type(ld, join(ld, parent, key), "a string", v);
    if (memchr(v->u.str.s, '\0', v->u.str.len))
        return as_err(ld->err, 400, ERR_CONFIG, "config: `%s` must not contain NUL",
                      join(ld, parent, key));
    *out = v->u.str.s;
    return 0;
}

static int get_int64(struct loader *ld, const struct value *obj, const char *parent,
                     const char *key, int64_t *out)
{
    const struct value *v = member(obj, key);
    if (!v)
        return 0;
    if (v->type != V_NUMBER || value_as_int64(v, out) < 0)
        return wrong_type(ld, join(ld, parent, key), "a signed 64-bit integer", v);
    return 0;
}

static int get_bool(struct loader *ld, const struct value *obj, const char *parent,
                    const char *key, bool *out)
{
    const struct value *v = member(obj, key);
    if (!v)
        return 0;
    if (v->type != V_BOOL)
        return wrong_type(ld, join(ld, parent, key), "a boolean", v);
    *out = v->u.b;
    return 0;
}

/* *out = the object member, or NULL when absent/null. */
static int get_object(struct loader *ld, const struct value *obj, const char *parent,
                      const char *key, const struct value **out)
{
    const struct value *v = member(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != V_OBJECT)
        return wrong_type(ld, join(ld, parent, key), "an object", v);
    *out = v;
    return 0;
}

/* --------------------------------------------------------- token broker */

static int load_signer(struct loader *ld, const struct value *parent_obj, const char *parent)
{
    const struct value *signer;
    TRY(get_object(ld, parent_obj, parent, "signer", &signer));
    if (!signer)
        return 0;
    const char *path = join(ld, parent, "signer");
    static const char *const known[] = {"key_path", "cert_path", "cert_url", NULL};
    check_keys(ld, signer, path, known);
    struct signer_config *s = &ld->cfg->signer;
    TRY(get_string(ld, signer, path, "key_path", &s->key_path));
    if (!s->key_path)
        return as_err(ld->err, 400, ERR_CONFIG, "config: `%s.key_path` is required (a string)",
                      path);
    TRY(get_string(ld, signer, path, "cert_path", &s->cert_path));
    TRY(get_string(ld, signer, path, "cert_url", &s->cert_url));
    return 0;
}

/* attestation_token_config (V24) and the EAR broker object (V26) share
 * duration_min, issuer_name and signer. */
static int load_token_common(struct loader *ld, const struct value *obj, const char *path)
{
    TRY(get_int64(ld, obj, path, "duration_min", &ld->cfg->token_duration_min));
    TRY(get_string(ld, obj, path, "issuer_name", &ld->cfg->token_issuer));
    return load_signer(ld, obj, path);
}

static int load_token_v24(struct loader *ld, const struct value *root)
{
    const struct value *broker = member(root, "attestation_token_broker");
    if (broker) {
        if (broker->type != V_STRING)
            return wrong_type(ld, "attestation_token_broker", "the string \"Simple\" or an object",
                              broker);
        if (strcmp(broker->u.str.s, "Simple") != 0)
            return as_err(ld->err, 400, ERR_CONFIG,
                          "config: `attestation_token_broker` must be \"Simple\" (2024 layout) "
                          "or an EAR object (2026 layout), got \"%s\"",
                          broker->u.str.s);
    }
    ld->cfg->token_broker = TOKEN_SIMPLE;
    const struct value *tc;
    TRY(get_object(ld, root, NULL, "attestation_token_config", &tc));
    if (!tc)
        return 0;
    static const char *const known[] = {"duration_min", "issuer_name", "signer", NULL};
    check_keys(ld, tc, "attestation_token_config", known);
    return load_token_common(ld, tc, "attestation_token_config");
}

static int load_token_v26(struct loader *ld, const struct value *root)
{
    ld->cfg->token_broker = TOKEN_EAR;
    const struct value *ear;
    TRY(get_object(ld, root, NULL, "attestation_token_broker", &ear));
    ld->cfg->ear_config = ear;
    if (member(root, "attestation_token_config"))
        warn(ld, "config: `attestation_token_config` is ignored in the 2026 layout "
                 "(the token settings live in `attestation_token_broker`)");
    if (!ear)
        return 0;
    static const char *const known[] = {"duration_min", "issuer_name", "developer_name",
                                        "build_name", "profile_name", "signer",
                                        "verbose_token", NULL};
    const char *path = "attestation_token_broker";
    check_keys(ld, ear, path, known);
    const char *s;
    bool b;
    TRY(get_string(ld, ear, path, "developer_name", &s));
    TRY(get_string(ld, ear, path, "build_name", &s));
    TRY(get_string(ld, ear, path, "profile_name", &s));
    TRY(get_bool(ld, ear, path, "verbose_token", &b));
    return load_token_common(ld, ear, path);
}

/* ------------------------------------------------------------------ rvps */

static int store_kind_from_name(const char *name, enum store_kind *out)
{
    static const struct {
        const char *name, *alias;
        enum store_kind kind;
    } kinds[] = {
        {"Memory", "memory", STORE_MEMORY},
        {"LocalFs", "local_fs", STORE_LOCAL_FS},
        {"LocalJson", "local_json", STORE_LOCAL_JSON},
        {"Postgres", "postgres", STORE_POSTGRES},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(name, kinds[i].name) == 0 || strcmp(name, kinds[i].alias) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    }
    return -1;
}

static int load_store_kind(struct loader *ld, const struct value *obj, const char *parent,
                           const char *key, enum store_kind *out)
{
    const char *name = NULL;
    TRY(get_string(ld, obj, parent, key, &name));
    if (!name)
        return 0;
    if (store_kind_from_name(name, out) == 0)
        return 0;
    if (strcmp(name, "Redis") == 0 || strcmp(name, "redis") == 0)
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `%s`: Redis storage is not supported by this build "
                      "(use Memory, LocalFs, LocalJson or Postgres)",
                      join(ld, parent, key));
    return as_err(ld->err, 400, ERR_CONFIG,
                  "config: `%s` must be one of Memory, LocalFs, LocalJson, Postgres; got \"%s\"",
                  join(ld, parent, key), name);
}

static int load_rvps_type(struct loader *ld, const struct value *rv, const char **type)
{
    *type = NULL;
    TRY(get_string(ld, rv, "rvps_config", "type", type));
    if (!*type)
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `rvps_config.type` is required (\"BuiltIn\" or \"GrpcRemote\")");
    if (strcmp(*type, "GrpcRemote") == 0) {
        ld->cfg->rvps = RVPS_GRPC_REMOTE;
        return get_string(ld, rv, "rvps_config", "address", &ld->cfg->rvps_remote_address);
    }
    if (strcmp(*type, "BuiltIn") != 0)
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `rvps_config.type` must be \"BuiltIn\" or \"GrpcRemote\", got \"%s\"",
                      *type);
    ld->cfg->rvps = RVPS_BUILTIN;
    return 0;
}

static int load_rvps_v24(struct loader *ld, const struct value *root)
{
    const struct value *rv;
    TRY(get_object(ld, root, NULL, "rvps_config", &rv));
    if (!rv)
        return 0;
    const char *type;
    TRY(load_rvps_type(ld, rv, &type));
    if (ld->cfg->rvps == RVPS_GRPC_REMOTE) {
        static const char *const known[] = {"type", "address", NULL};
        check_keys(ld, rv, "rvps_config", known);
        return 0;
    }
    static const char *const known[] = {"type", "store_type", "store_config", NULL};
    check_keys(ld, rv, "rvps_config", known);
    const char *store_type = NULL;
    TRY(get_string(ld, rv, "rvps_config", "store_type", &store_type));
    if (store_type && strcmp(store_type, "LocalJson") == 0) {
        ld->cfg->rvps_store = STORE_LOCAL_JSON;
        ld->cfg->rvps_store_path = DEFAULT_RV_JSON;
    } else if (store_type && strcmp(store_type, "LocalFs") != 0) {
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `rvps_config.store_type` must be \"LocalFs\" or \"LocalJson\", "
                      "got \"%s\"",
                      store_type);
    }
    const struct value *sc;
    TRY(get_object(ld, rv, "rvps_config", "store_config", &sc));
    if (!sc)
        return 0;
    static const char *const sc_known[] = {"file_path", NULL};
    check_keys(ld, sc, "rvps_config.store_config", sc_known);
    return get_string(ld, sc, "rvps_config.store_config", "file_path", &ld->cfg->rvps_store_path);
}

static int load_rvps_v26(struct loader *ld, const struct value *root)
{
    const struct value *rv;
    TRY(get_object(ld, root, NULL, "rvps_config", &rv));
    ld->cfg->rvps_store = ld->cfg->storage;
    ld->cfg->rvps_store_path = NULL;
    if (!rv)
        return 0;
    const char *type;
    TRY(load_rvps_type(ld, rv, &type));
    if (ld->cfg->rvps == RVPS_GRPC_REMOTE) {
        static const char *const known[] = {"type", "address", NULL};
        check_keys(ld, rv, "rvps_config", known);
        return 0;
    }
    static const char *const known[] = {"type", "extractors", "storage_type", NULL};
    check_keys(ld, rv, "rvps_config", known);
    const struct value *ex;
    TRY(get_object(ld, rv, "rvps_config", "extractors", &ex));
    return load_store_kind(ld, rv, "rvps_config", "storage_type", &ld->cfg->rvps_store);
}

/* ------------------------------------------------------- storage_backend */

static const char *backend_key(enum store_kind k)
{
    switch (k) {
    case STORE_LOCAL_FS: return "local_fs";
    case STORE_LOCAL_JSON: return "local_json";
    case STORE_POSTGRES: return "postgres";
    case STORE_MEMORY: break;
    }
    return NULL;
}

static int check_backend(struct loader *ld, const struct value *be, const char *path,
                         const char *const *strings, const char *const *ints)
{
    const char *s;
    int64_t i;
    for (const char *const *p = strings; *p; p++)
        TRY(get_string(ld, be, path, *p, &s));
    for (const char *const *p = ints; p && *p; p++)
        TRY(get_int64(ld, be, path, *p, &i));
    return 0;
}

static int load_backends(struct loader *ld, const struct value *backends)
{
    static const char *const known[] = {"local_fs", "local_json", "postgres", "redis", NULL};
    check_keys(ld, backends, "storage_backend.backends", known);
    static const char *const fs_keys[] = {"dir_path", NULL};
    static const char *const json_keys[] = {"file_dir_path", NULL};
    static const char *const pg_strings[] = {"db", "username", "password", "host", NULL};
    static const char *const pg_ints[] = {"port", NULL};
    static const char *const redis_keys[] = {"url", NULL};
    static const struct {
        const char *name;
        const char *const *strings, *const *ints;
    } kinds[] = {{"local_fs", fs_keys, NULL},
                 {"local_json", json_keys, NULL},
                 {"postgres", pg_strings, pg_ints},
                 {"redis", redis_keys, NULL}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const struct value *be;
        const char *path = join(ld, "storage_backend.backends", kinds[i].name);
        TRY(get_object(ld, backends, "storage_backend.backends", kinds[i].name, &be));
        if (!be)
            continue;
        const char *all[8];
        size_t n = 0;
        for (const char *const *p = kinds[i].strings; *p; p++)
            all[n++] = *p;
        for (const char *const *p = kinds[i].ints; p && *p; p++)
            all[n++] = *p;
        all[n] = NULL;
        check_keys(ld, be, path, all);
        TRY(check_backend(ld, be, path, kinds[i].strings, kinds[i].ints));
    }
    return 0;
}

static int load_storage_v26(struct loader *ld, const struct value *root)
{
    const struct value *sb;
    TRY(get_object(ld, root, NULL, "storage_backend", &sb));
    ld->cfg->storage = STORE_MEMORY;
    ld->cfg->storage_backend = sb;
    if (!sb)
        return 0;
    static const char *const known[] = {"storage_type", "backends", NULL};
    check_keys(ld, sb, "storage_backend", known);
    TRY(load_store_kind(ld, sb, "storage_backend", "storage_type", &ld->cfg->storage));
    const struct value *backends;
    TRY(get_object(ld, sb, "storage_backend", "backends", &backends));
    if (backends)
        TRY(load_backends(ld, backends));
    const char *need = backend_key(ld->cfg->storage);
    if (need && !(backends && member(backends, need)))
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `storage_backend.backends.%s` is required when storage_type "
                      "selects it (an object; {} takes the defaults)",
                      need);
    return 0;
}

/* ------------------------------------------------------------- our keys */

/* policy_opa_compat: "2025" | "2026" (a string, as the OPA generations
 * are names here, not numbers to compute with). */
static int load_opa_compat(struct loader *ld, const struct value *root)
{
    const char *compat = NULL;
    TRY(get_string(ld, root, NULL, "policy_opa_compat", &compat));
    if (!compat || strcmp(compat, "2025") == 0)
        ld->cfg->policy_opa_compat = REGO_OPA_2025;
    else if (strcmp(compat, "2026") == 0)
        ld->cfg->policy_opa_compat = REGO_OPA_2026;
    else
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `policy_opa_compat` must be \"2025\" or \"2026\", got \"%s\"",
                      compat);
    return 0;
}

static int load_our_keys(struct loader *ld, const struct value *root)
{
    const char *ver = NULL;
    TRY(get_string(ld, root, NULL, "policy_engine_version", &ver));
    if (ver) {
        if (strcmp(ver, "v0") == 0)
            ld->cfg->policy_engine_version = REGO_V0;
        else if (strcmp(ver, "v1") == 0)
            ld->cfg->policy_engine_version = REGO_V1;
        else if (strcmp(ver, "auto") == 0)
            ld->cfg->policy_engine_version = REGO_AUTO;
        else
            return as_err(ld->err, 400, ERR_CONFIG,
                          "config: `policy_engine_version` must be \"v0\", \"v1\" or \"auto\", "
                          "got \"%s\"",
                          ver);
    }
    int64_t max = -1;
    TRY(get_int64(ld, root, NULL, "max_body_bytes", &max));
    if (member(root, "max_body_bytes")) {
        if (max < 1 || (uint64_t)max > MAX_MAX_BODY_BYTES)
            return as_err(ld->err, 400, ERR_CONFIG,
                          "config: `max_body_bytes` must be an integer between 1 and %zu",
                          MAX_MAX_BODY_BYTES);
        ld->cfg->max_body_bytes = (size_t)max;
    }
    TRY(get_bool(ld, root, NULL, "allow_network_builtins", &ld->cfg->allow_network_builtins));
    return load_opa_compat(ld, root);
}

static int load_common(struct loader *ld, const struct value *root)
{
    TRY(get_string(ld, root, NULL, "work_dir", &ld->cfg->work_dir));
    TRY(get_string(ld, root, NULL, "policy_engine", &ld->cfg->policy_engine));
    if (strcasecmp(ld->cfg->policy_engine, "opa") != 0)
        return as_err(ld->err, 400, ERR_CONFIG,
                      "config: `policy_engine` \"%s\" is not supported (only \"opa\")",
                      ld->cfg->policy_engine);
    TRY(load_our_keys(ld, root));
    const struct value *vc = member(root, "verifier_config");
    if (vc && vc->type != V_OBJECT)
        return wrong_type(ld, "verifier_config", "an object", vc);
    ld->cfg->verifier_config = vc;
    return 0;
}

static bool is_v26_layout(const struct value *root)
{
    const struct value *broker = member(root, "attestation_token_broker");
    if (broker && broker->type == V_OBJECT)
        return true;
    /* A 2024 broker name decides for the whole file; verifier_config is
     * accepted in both layouts (our extension for the 2024 layout). */
    if (broker && broker->type == V_STRING)
        return false;
    if (member(root, "storage_backend"))
        return true;
    const struct value *rv = member(root, "rvps_config");
    return v_is(rv, V_OBJECT) &&
           (value_object_get_str(rv, "storage_type") || value_object_get_str(rv, "extractors"));
}

static int load_document(struct loader *ld, const struct value *root)
{
    if (root->type != V_OBJECT)
        return wrong_type(ld, "(top level)", "an object", root);
    ld->cfg->raw = root;
    ld->cfg->layout_v26 = is_v26_layout(root);
    static const char *const known[] = {
        "work_dir", "policy_engine", "rvps_config", "attestation_token_broker",
        "attestation_token_config", "verifier_config", "storage_backend",
        "policy_engine_version", "max_body_bytes", "allow_network_builtins",
        "policy_opa_compat", NULL};
    check_keys(ld, root, NULL, known);
    TRY(load_common(ld, root));
    if (!ld->cfg->layout_v26) {
        TRY(load_token_v24(ld, root));
        /* storage_backend with the 2024 broker string: a 2026 addition
         * accepted alongside (shared/README.md), e.g. PostgreSQL. */
        if (member(root, "storage_backend"))
            TRY(load_storage_v26(ld, root));
        return load_rvps_v24(ld, root);
    }
    TRY(load_token_v26(ld, root));
    TRY(load_storage_v26(ld, root));
    return load_rvps_v26(ld, root);
}

/* ------------------------------------------------------------- file I/O */

static int read_file(struct arena *a, const char *path, char **text, size_t *len,
                     struct as_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return as_err(err, 400, ERR_CONFIG, "config: cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return as_err(err, 400, ERR_CONFIG, "config: %s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > CONFIG_MAX_FILE_BYTES) {
        fclose(f);
        return as_err(err, 400, ERR_CONFIG, "config: %s is larger than %u bytes", path,
                      CONFIG_MAX_FILE_BYTES);
    }
    size_t cap = (size_t)st.st_size;
    char *buf = arena_alloc(a, cap + 1);
    size_t n = buf ? fread(buf, 1, cap, f) : 0;
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return as_err(err, 500, ERR_INTERNAL, "config: out of memory");
    if (failed)
        return as_err(err, 400, ERR_CONFIG, "config: cannot read %s", path);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* ----------------------------------------------------------------- API */

void config_defaults(struct arena *a, struct as_config *out)
{
    memset(out, 0, sizeof(*out));
    const char *env = getenv("AS_WORK_DIR");
    out->work_dir = arena_strdup(a, env && *env ? env : DEFAULT_WORK_DIR);
    out->policy_engine = "opa";
    out->policy_engine_version = REGO_AUTO;
    out->token_broker = TOKEN_SIMPLE;
    out->token_duration_min = 5;
    out->token_issuer = "CoCo-Attestation-Service";
    out->rvps = RVPS_BUILTIN;
    out->rvps_store = STORE_LOCAL_FS;
    out->rvps_store_path = DEFAULT_RV_DIR;
    out->rvps_remote_address = DEFAULT_RVPS_ADDRESS;
    out->storage = STORE_LOCAL_FS;
    out->max_body_bytes = DEFAULT_MAX_BODY_BYTES;
}

int config_parse_text(const char *text, size_t len, const char *name, struct arena *a,
                      struct as_config *out, struct as_error *err)
{
    config_defaults(a, out);
    struct value *root;
    if (json_parse(a, text, len, NULL, &root, err) < 0)
        return as_err_prefix(err, "config: %s is not valid JSON", name);
    struct loader ld = {.a = a, .cfg = out, .err = err};
    int rc = load_document(&ld, root);
    out->warnings = ld.warnings.items;
    out->n_warnings = ld.warnings.len;
    return rc;
}

int config_load(const char *path, struct arena *a, struct as_config *out, struct as_error *err)
{
    if (!path) {
        config_defaults(a, out);
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    if (read_file(a, path, &text, &len, err) < 0) {
        config_defaults(a, out);
        return -1;
    }
    return config_parse_text(text, len, path, a, out, err);
}
