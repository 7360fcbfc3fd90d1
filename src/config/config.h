/* config.h - the service configuration (config.md): the JSON file of the
 * original in its 2024 and 2026 layouts, AS_WORK_DIR, defaults.
 *
 * config_load never exits: it returns -1 with a message naming the key and
 * the expected type.  Unknown keys produce warnings (logged).  The whole
 * parsed document stays available in `raw` for sections a module reads
 * itself (verifier_config, storage_backend). */
#ifndef AS_CONFIG_CONFIG_H
#define AS_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "rego/rego.h"
#include "value/value.h"

enum token_broker_kind { TOKEN_SIMPLE, TOKEN_EAR };
enum rvps_kind { RVPS_BUILTIN, RVPS_GRPC_REMOTE };
enum store_kind { STORE_LOCAL_FS, STORE_LOCAL_JSON, STORE_MEMORY, STORE_POSTGRES };

struct signer_config {
    const char *key_path;  /* NULL = ephemeral key */
    const char *cert_path; /* optional PEM chain -> x5c */
    const char *cert_url;  /* optional -> x5u */
};

struct as_config {
    bool layout_v26;           /* the file used the 2026 layout */
    const char *work_dir;      /* V24 default: $AS_WORK_DIR or /opt/confidential-containers/attestation-service */
    const char *policy_engine; /* "opa" */
    enum rego_version policy_engine_version; /* REGO_AUTO unless configured */

    enum token_broker_kind token_broker;
    int64_t token_duration_min;  /* default 5 */
    const char *token_issuer;    /* default "CoCo-Attestation-Service" */
    struct signer_config signer;
    const struct value *ear_config; /* the EAR broker object (V26), or NULL */

    enum rvps_kind rvps;
    enum store_kind rvps_store;     /* V24 store_type LocalFs / LocalJson */
    const char *rvps_store_path;    /* store_config.file_path */
    const char *rvps_remote_address;

    enum store_kind storage;        /* V26 storage_backend.storage_type */
    const struct value *storage_backend; /* raw object, or NULL */

    const struct value *verifier_config; /* raw, or NULL */

    size_t max_body_bytes;      /* default 2 MiB */
    bool allow_network_builtins; /* Rego http.send / net.lookup_ip_addr */
    /* policy_opa_compat "2025" (default) / "2026": which OPA generation's
     * built-in behaviour policies get where OPA changed it */
    enum rego_opa_compat policy_opa_compat;

    const struct value *raw;    /* the whole file (NULL without -c) */

    /* Warnings found while loading (unknown keys ...), each an arena string
     * also logged at WARN; n_warnings = 0 without -c. */
    struct value **warnings;    /* V_STRING values */
    size_t n_warnings;
};

/* path NULL = defaults.  Strings live in arena a. */
int config_load(const char *path, struct arena *a, struct as_config *out, struct as_error *err);
void config_defaults(struct arena *a, struct as_config *out);
/* Same as config_load for a document already in memory; `name` is used in
 * messages (tests, fuzzing). */
int config_parse_text(const char *text, size_t len, const char *name, struct arena *a,
                      struct as_config *out, struct as_error *err);

#endif
