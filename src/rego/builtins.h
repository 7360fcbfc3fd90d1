/* builtins.h - how built-in functions plug into the Rego engine.
 *
 * Each family of built-ins (strings, regex, numbers, time, crypto, ...)
 * lives in its own file src/rego/bi_<family>.c and exports one table
 *     const struct rego_builtin rego_bi_<family>[] = { {...}, ..., {NULL} };
 * listed in bi_families.def (an X-macro list: FAMILY(strings) ...).  The
 * engine (builtins.c) builds its name index from those tables at start.
 * Operators are built-ins too (OPA names: plus, minus, mul, div, rem, eq,
 * equal, neq, lt, lte, gt, gte, and, or, internal.member_2, ...).
 *
 * Calling convention:
 *   - args are fully evaluated values; the engine has checked the arity;
 *   - return 0 with *out set: the result;
 *   - return 0 with *out = NULL: undefined;
 *   - return -1 after rego_bi_error(): an error with OPA's code and
 *     message ("eval_type_error" for operand types, "eval_builtin_error"
 *     for other failures).  The engine makes it undefined unless strict
 *     built-in errors are on (type errors too: OPA's evalBuiltin collects
 *     every non-Halt built-in error and raises it only in strict mode).
 * Results are allocated in ctx->arena.  Built-ins are pure except those
 * flagged BI_NONDET, whose results the engine caches per query (same args
 * -> same result within one evaluation, as OPA). */
#ifndef AS_REGO_BUILTINS_H
#define AS_REGO_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

struct rego_bi_ctx {
    struct arena *arena;   /* where results go */
    const char *name;      /* the built-in being called, for messages */
    bool strict;           /* strict built-in errors */
    int64_t now_ns;        /* time.now_ns of this query (fixed per query) */
    struct as_error *err;  /* filled by rego_bi_error */
    const char *err_code;  /* "eval_type_error" / "eval_builtin_error" */
    void *eval;            /* engine state (opaque to built-ins) */
    bool allow_network;    /* http.send / net.lookup_ip_addr allowed */
    int opa_compat;        /* enum rego_opa_compat of rego.h */
    bool halt;             /* set with an error that must end the evaluation
                              even without strict built-in errors (OPA's Halt:
                              a network built-in the operator did not allow) */
};

typedef int (*rego_bi_fn)(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                          struct value **out);

enum rego_bi_flags {
    BI_DEPRECATED = 1 << 0, /* only in Rego v0 */
    BI_NONDET = 1 << 1,     /* cached per query */
    BI_VARIADIC = 1 << 2,   /* arity is a minimum (print) */
    BI_RELATION = 1 << 3,   /* may yield several values (rare; walk): the
                               result is an array, one element per value */
};

struct rego_builtin {
    const char *name; /* Rego call name, e.g. "strings.replace_n" */
    int arity;
    rego_bi_fn fn;
    unsigned flags;
    /* Declared types for OPA's compile-time type checks, in OPA's notation,
     * e.g. "(string, string) => boolean"; "any" where OPA accepts anything.
     * NULL = not type-checked at compile time. */
    const char *decl;
};

/* Sets ctx->err (status 400, type = code) with "<name>: <message>", as
 * OPA formats built-in errors; returns -1. */
int rego_bi_error(struct rego_bi_ctx *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* OPA's operand type error: "<name>: operand <pos> must be <want> but got
 * <got>".  pos is 1-based. */
int rego_bi_type_error(struct rego_bi_ctx *ctx, int pos, const char *want,
                       const struct value *got);

/* The index in name order: count and i-th entry (for tools and tests). */
size_t rego_builtin_count(void);
const struct rego_builtin *rego_builtin_at(size_t i);

/* Lookup by name; NULL when unknown. */
const struct rego_builtin *rego_builtin_lookup(const char *name, size_t len);

#define FAMILY(f) extern const struct rego_builtin rego_bi_##f[];
#include "rego/bi_families.def"
#undef FAMILY

#endif
