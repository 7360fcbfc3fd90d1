/* policy.h - attestation policies: identifiers, the store (files under
 * <work_dir>/opa, compatible with the original), the compiled-policy cache
 * keyed by SHA-384 of the text, and the V24 evaluation contract
 * (policy.md §1, §2, §4).
 *
 * The store never parses Rego itself; compiling and evaluating go through
 * src/rego (policy_rego.c is the only file that calls it). */
#ifndef AS_POLICY_POLICY_H
#define AS_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "rego/rego.h"
#include "store/store.h"
#include "value/value.h"

#define POLICY_DEFAULT_ID "default"
#define POLICY_ID_MAX 64
#define POLICY_MAX_BYTES (2u << 20) /* larger than any POST /policy body can carry */
/* DELETE of the default policy (403). */
#define POLICY_ERR_FORBIDDEN "forbidden"

/* The original's default policy, byte for byte (policy_default.c). */
extern const char POLICY_DEFAULT_TEXT[];
extern const size_t POLICY_DEFAULT_LEN;

/* A policy the store writes at start when its id is absent (never
 * overwriting an operator's text) and refuses to delete. */
struct policy_builtin {
    const char *id;
    const char *text;
    size_t len;
};
/* The V26 built-ins default_cpu, default_gpu, default_switch, default_ppcie
 * (policy_ear_default.c; policy.md §5.2). */
extern const struct policy_builtin POLICY_EAR_BUILTINS[];
extern const size_t POLICY_EAR_BUILTINS_N;

/* [A-Za-z0-9_-]{1,64} */
bool policy_id_valid(const char *id, size_t len);
/* 400 invalid_policy_id naming the id and the rule. */
int policy_id_check(const char *id, size_t len, struct as_error *err);

/* ---- evaluation settings ---- */

/* How a service evaluates its policies (config.md): whether http.send and
 * net.lookup_ip_addr may reach the network (allow_network_builtins; off:
 * OPA's unsafe built-in error) and which OPA generation built-ins follow.
 * Zero = the defaults. */
struct policy_eval_settings {
    bool allow_network;
    enum rego_opa_compat opa_compat;
};

/* ---- compiled policies (policy_cache.c) ---- */

/* One compiled policy text, shared by reference count between the cache and
 * every evaluation using it.  Immutable. */
struct policy_compiled {
    uint8_t sha384[48];
    char hash_hex[97];        /* token evaluation-reports policy-hash */
    struct rego_compiled *rc; /* owned */
    int refs;                 /* atomic; managed by the cache */
    uint64_t last_used;       /* cache clock, under the cache lock */
    struct policy_eval_settings eval; /* of the cache that compiled it */
};

struct policy_cache;
int policy_cache_new(enum rego_version ver, size_t max_entries, struct policy_cache **out,
                     struct as_error *err);
void policy_cache_free(struct policy_cache *c);
/* The compiled form of text (compiled once; reused across requests and
 * threads).  The caller releases the reference.  Compile errors: 400
 * invalid_policy with the compiler's "<file>:<line>:<col>: ..." detail. */
int policy_cache_get(struct policy_cache *c, const char *filename, const char *text, size_t len,
                     struct policy_compiled **out, struct as_error *err);
void policy_compiled_release(struct policy_compiled *p);
/* Entries currently cached (tests, metrics). */
size_t policy_cache_size(struct policy_cache *c);
/* The settings every evaluation of this cache's policies uses; set before
 * the first policy_cache_get (entries copy them when compiled). */
void policy_cache_set_eval_settings(struct policy_cache *c, const struct policy_eval_settings *s);

/* ---- the store (policy_store.c) ---- */

struct policy_store;
/* Takes ownership of kv.  Writes the default policy if it is absent (never
 * overwrites an existing one).  kv NULL = compile-only (as-tool): no
 * stored policies, set fails, get/delete answer 404. */
int policy_store_open(struct kv_store *kv, enum rego_version ver, struct policy_store **out,
                      struct as_error *err);
/* As policy_store_open with other built-ins than the V24 `default` (V26:
 * POLICY_EAR_BUILTINS).  builtins must outlive the store. */
int policy_store_open_builtins(struct kv_store *kv, enum rego_version ver,
                               const struct policy_builtin *builtins, size_t n,
                               struct policy_store **out, struct as_error *err);
void policy_store_free(struct policy_store *ps);
/* Validates the id, UTF-8 and Rego (compile), then stores atomically. */
int policy_store_set(struct policy_store *ps, const char *id, const char *text, size_t len,
                     struct as_error *err);
/* 404 policy_not_found when absent. */
int policy_store_get(struct policy_store *ps, const char *id, struct arena *a, char **text,
                     size_t *len, struct as_error *err);
/* A built-in (`default`; V26 the four default_*) -> 403 forbidden; absent
 * -> 404. */
int policy_store_delete(struct policy_store *ps, const char *id, struct as_error *err);
/* [{"policy-hash": b64url-nopad SHA-384, "policy-id": id}, ...] sorted by id. */
int policy_store_list(struct policy_store *ps, struct arena *a, struct value **out,
                      struct as_error *err);
/* [{"policy-id": id}, ...] sorted by id (V26 GET /policy, api.md §7.2). */
int policy_store_list_ids(struct policy_store *ps, struct arena *a, struct value **out,
                          struct as_error *err);
/* Reads <id> and returns its compiled form from the cache (404 when absent). */
int policy_store_load(struct policy_store *ps, const char *id, struct arena *a,
                      struct policy_compiled **out, struct as_error *err);
/* Evaluation settings of the store's policies (see policy_eval_settings);
 * call right after opening, before any policy is loaded. */
void policy_store_set_eval_settings(struct policy_store *ps,
                                    const struct policy_eval_settings *s);
/* Compiles text that does not come from the store (as-tool --policy). */
int policy_store_compile_text(struct policy_store *ps, const char *filename, const char *text,
                              size_t len, struct policy_compiled **out, struct as_error *err);

/* ---- evaluation (policy_rego.c) ---- */

/* Compiles one module (REGO_* version rules of as-tool.md). */
int policy_rego_compile(const char *filename, const char *text, size_t len,
                        enum rego_version ver, struct rego_compiled **out, struct as_error *err);
void policy_rego_free(struct rego_compiled *rc);

/* V24 contract: query data.policy.allow with input and data = {"reference":
 * reference}; exactly one boolean.  true -> 0; false or undefined -> 403
 * policy_denied naming the id; non-boolean or evaluation error -> 500
 * policy_error naming the id. */
int policy_eval_allow(const struct policy_compiled *p, const char *id, const struct value *input,
                      const struct value *reference, struct arena *a, struct as_error *err);

/* V26 contract (policy.md §3 step 5): the value of rule `path` (e.g.
 * "data.policy.trust_claims") for input, with no data document.  *out NULL
 * = undefined; *exists false = no rule defines the path (absent, not an
 * error).  Evaluation errors (including a failing query_reference_value)
 * -> 500 policy_error naming the id. */
int policy_eval_rule(const struct policy_compiled *p, const char *id, const char *path,
                     const struct value *input, struct arena *a, struct value **out,
                     bool *exists, struct as_error *err);

#endif
