/* rego_int.h - what the engine's phases share beyond the AST (ast.h):
 * the compiled policy, the host-builtin registry, the compiler's query
 * entry and the evaluator's entry points.  Internal to src/rego/. */
#ifndef AS_REGO_REGO_INT_H
#define AS_REGO_REGO_INT_H

#include "rego/ast.h"
#include "rego/rego.h"

struct rego_compiled {
    struct arena arena;      /* everything compiled lives here */
    struct module **mods;
    size_t nmods;
    struct rnode *root;      /* the rule tree under data */
    int nnodes;
    struct value *base_data; /* NULL or an object */
    int nmemo;               /* comprehensions with a memo_id */
    int nprefix;             /* references with a prefix_id */
    int ncalls;              /* call terms with a call_id */
    bool static_paths;       /* reval_prepare set up eval.c's static paths */
    enum rego_version ver;
};

/* A query compiled against a policy (rego_eval_query). */
struct rquery {
    struct body *body;
    int nslots;
    const char **var_names; /* user-visible query variables, sorted by name */
    int *var_slots;
    size_t nvars;
    size_t nexprs;          /* top-level expressions as written */
    struct expr **orig;     /* ... in that order */
    const char *text;       /* the query text */
    bool check_capture;     /* a captured false value still fails the query */
};

/* Host builtins (rego_register_host_builtin). */
struct host_builtin {
    char name[96];
    size_t arity;
    rego_host_fn fn;
};
const struct host_builtin *rego_host_lookup(const char *name, int *index);
const struct host_builtin *rego_host_at(int index);

/* compiler.c */
int rcomp_modules(struct rego_compiled *c, struct rego_err *err);
int rcomp_query(const struct rego_compiled *c, struct arena *a, const char *text, size_t len,
                struct rquery *q, struct rego_err *err);
struct rnode *rcomp_node_child(const struct rnode *n, const char *name, size_t len);

/* eval.c */
/* Marks the terms of every rule for the evaluator's direct path (struct
 * term direct/dvars); called once at the end of rcomp_modules, before the
 * policy is shared read-only.  0, or -1 when out of memory. */
int reval_prepare(struct rego_compiled *c);
/* Test hook (differential tests of the evaluator): false makes
 * reval_prepare leave eval.c's static paths off, so policies compiled
 * afterwards run on the general paths only.  Read while compiling; the
 * service never changes it. */
extern bool reval_static_paths;

struct reval_opts {
    const struct value *input;
    const struct value *extra_data;
    bool strict;
    struct rego_limits limits;
    bool check_capture;
    bool allow_network;
    enum rego_opa_compat opa_compat;
};
/* Evaluates the query; for each solution calls on_result with the slot
 * values and the top-level expression values. */
typedef int (*reval_result_fn)(void *ctx, struct value **slots, struct value **expr_vals);
int reval_query(const struct rego_compiled *c, const struct rquery *q,
                const struct reval_opts *o, struct arena *a, reval_result_fn fn, void *ctx,
                struct rego_err *err);
/* The document at data.<path...>; *out NULL when undefined. */
int reval_path(const struct rego_compiled *c, struct value *const *path, size_t n,
               const struct reval_opts *o, struct arena *a, struct value **out,
               struct rego_err *err);

#endif
