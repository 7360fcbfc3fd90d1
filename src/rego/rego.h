/* rego.h - public interface of the Rego engine (src/rego/).
 *
 * Our own Rego interpreter, faithful to OPA.  A compiled policy is
 * immutable and may be evaluated by many threads at once; each evaluation
 * has its own state and arena.  This header is what the rest of the program
 * (policy/, tools/) uses; the engine's internals have their own headers.
 *
 * Owner: the Rego engine work (issues "Rego engine: language core" and
 * "builtins").  Extend, do not break, these signatures. */
#ifndef AS_REGO_REGO_H
#define AS_REGO_REGO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

enum rego_version {
    REGO_AUTO = 0, /* v1 if the module imports rego.v1; else v0, and a module
                      that fails as v0 but parses as v1 is taken as v1
                      (as-tool.md) */
    REGO_V0,
    REGO_V1,
};

struct rego_limits {
    unsigned long max_steps; /* 0 = default (10,000,000) */
    unsigned max_depth;      /* 0 = default (1,000 nested calls) */
};

struct rego_source {
    const char *filename; /* used in error locations, e.g. "default.rego" */
    const char *text;
    size_t len;
};

/* A set of modules compiled together (one policy, or the -d files of
 * `as-tool rego eval`), plus optional base data merged under `data`. */
struct rego_compiled;

/* Compiles n modules.  On error: status 400, type ERR_INVALID_POLICY and a
 * detail "<file>:<line>:<col>: <rego_parse_error|rego_compile_error|...>:
 * <message>" (OPA's codes). */
int rego_compile(const struct rego_source *mods, size_t n, enum rego_version ver,
                 const struct value *base_data, struct rego_compiled **out, struct as_error *err);
void rego_compiled_free(struct rego_compiled *c);

/* REGO_OPA_2025: OPA 1.6 (June 2025), the default; REGO_OPA_2026: OPA
 * main of March 2026 (the v1-2026-delta conformance set). */
enum rego_opa_compat { REGO_OPA_2025 = 0, REGO_OPA_2026 = 1 };

struct rego_eval_opts {
    const struct value *input;      /* NULL = input undefined */
    const struct value *extra_data; /* merged under data at evaluation (e.g. data.reference) */
    bool strict_builtin_errors;
    struct rego_limits limits;
    /* http.send / net.lookup_ip_addr may reach the network (config
     * allow_network_builtins; off = OPA's "unallowed built-in" error). */
    bool allow_network;
    /* Which OPA generation to follow where OPA changed a built-in's
     * observable behaviour (docs/rego-builtins.md lists them). */
    enum rego_opa_compat opa_compat;
};

/* Evaluates the document at a data path such as "data.policy.allow".
 * *out = NULL when undefined.  *exists (optional) tells whether any rule or
 * base document defines that path at all (V26: "missing rule" vs
 * "undefined value").  Result values live in arena a.  Evaluation errors
 * (conflicts, builtin errors in strict mode, limits) return -1 with OPA's
 * code in the detail. */
int rego_eval_path(const struct rego_compiled *c, const char *path,
                   const struct rego_eval_opts *opts, struct arena *a, struct value **out,
                   bool *exists, struct as_error *err);

/* Evaluates an arbitrary query (as `opa eval`).  *result is the JSON object
 * `opa eval --format json` prints: {"result":[{"expressions":[...],
 * "bindings":{...}}]} or {} when undefined, or {"errors":[...]} with -1. */
int rego_eval_query(const struct rego_compiled *c, const char *query,
                    const struct rego_eval_opts *opts, struct arena *a, struct value **result,
                    struct as_error *err);

/* Custom builtins registered by the host program (V26 query_reference_value).
 * Called with the evaluation's arena; return NULL for undefined, or set err
 * and return NULL for an error (then *failed = true). */
typedef struct value *(*rego_host_fn)(void *ctx, struct arena *a, struct value *const *args,
                                      size_t nargs, bool *failed, struct as_error *err);
int rego_register_host_builtin(const char *name, size_t arity, rego_host_fn fn);

/* Structured form of an engine error (for opa-style error output). */
struct rego_error_info {
    char code[40];     /* rego_parse_error, eval_conflict_error, ... */
    char message[600];
    char file[256];    /* "" when unknown */
    int row, col;      /* 0 when unknown */
    /* OPA's detail lines of a type error ("have: (number)\nwant: (...)",
     * "left  : ...", the caret lines of an undefined ref) joined by '\n';
     * "" when none. */
    char details[1024];
};
/* As rego_compile / rego_eval_query, also filling *info on error (info may
 * be NULL). */
int rego_compile_ex(const struct rego_source *mods, size_t n, enum rego_version ver,
                    const struct value *base_data, struct rego_compiled **out,
                    struct as_error *err, struct rego_error_info *info);
int rego_eval_query_ex(const struct rego_compiled *c, const char *query,
                       const struct rego_eval_opts *opts, struct arena *a, struct value **result,
                       struct as_error *err, struct rego_error_info *info);
/* Every compile error, as OPA reports them: type errors sorted by
 * location, at most 10 and then {rego_compile_error, "error limit
 * reached"}; an error of an earlier stage (parse, safety, ...) alone.
 * Otherwise as rego_compile_ex; errs->v is heap memory
 * (rego_error_list_free), errs->n = 0 on success. */
struct rego_error_list {
    struct rego_error_info *v;
    size_t n;
};
int rego_compile_all(const struct rego_source *mods, size_t n, enum rego_version ver,
                     const struct value *base_data, struct rego_compiled **out,
                     struct as_error *err, struct rego_error_list *errs);
void rego_error_list_free(struct rego_error_list *errs);
/* Compiles a query against c without evaluating it: 0 when it compiles,
 * else -1 with its compile errors in errs as rego_compile_all lists them
 * (a parse error alone; every type error).  Scratch memory in a. */
int rego_check_query(const struct rego_compiled *c, const char *query, struct arena *a,
                     struct rego_error_list *errs);
/* Parses a Rego term (e.g. OPA test cases' input_term) into a value in a;
 * it must be constant. */
int rego_parse_value(const char *text, size_t len, struct arena *a, struct value **out,
                     struct as_error *err);

#endif
