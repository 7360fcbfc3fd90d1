/* ast.h - the Rego syntax tree and its compiled annotations.
 *
 * parser.c builds these nodes (arena-allocated, immutable after compile);
 * compiler.c resolves names, assigns variable slots, folds constants,
 * reorders bodies for safety and builds the rule tree; eval.c walks them.
 * One structure serves both phases: the compiler fills the fields marked
 * "compiled". */
#ifndef AS_REGO_AST_H
#define AS_REGO_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "rego/builtins.h"
#include "rego/rego.h"
#include "value/value.h"

struct rloc {
    const char *file;
    int row, col;
};

enum term_kind {
    TM_SCALAR, /* null, boolean, number, string: val */
    TM_VAR,
    TM_REF,    /* a[0] head, a[1..n) operands */
    TM_ARRAY,
    TM_SET,
    TM_OBJECT, /* a[2i] key, a[2i+1] value */
    TM_ARRAYC, /* [head | body] */
    TM_SETC,   /* {head | body} */
    TM_OBJC,   /* {key: head | body} */
    TM_CALL,   /* a[0] function name (var or ref), a[1..n) arguments */
    TM_TEMPLATE, /* $"...": a[] literal strings and TM_ARRAYC parts [v | v = expr] */
};

/* Special slots of global variables. */
#define SLOT_NONE (-1)
#define SLOT_INPUT (-2)
#define SLOT_DATA (-3)

/* term flags (compiled) */
#define TF_CONST 0x01  /* fully constant: val holds the value */
#define TF_SIMPLE 0x02 /* only scalars, vars and composites of them */

struct rnode;
struct body;

struct term {
    uint8_t kind;
    uint8_t flags;
    bool wildcard;   /* TM_VAR from `_` */
    struct rloc loc;
    size_t off, end; /* source span */
    struct value *val;
    const char *name; /* TM_VAR */
    int slot;         /* TM_VAR (compiled) */
    struct term **a;
    size_t n;
    struct term *key, *head; /* comprehensions */
    struct body *body;
    int memo_id;             /* comprehensions of modules (compiled): 1 + index
                                of the evaluation's memo table; 0 = none */
    /* TM_CALL (compiled): */
    const struct rego_builtin *bi;
    struct rnode *fn;         /* user function */
    const char *fn_name;      /* canonical name ("count", "data.p.f") */
    int host;                 /* host builtin index + 1, 0 = none */
    bool call_out;            /* last argument is the output (f(x, y) form) */
    bool call_ooo;            /* arguments must be evaluated out of order */
    /* TM_REF rooted at data (compiled): deepest rule-tree node reached by a
     * constant prefix, and how many operands that consumed. */
    struct rnode *pre_node;
    size_t pre_n;
    /* TM_REF rooted at input, or at data where the leading constant
     * operands lead into base data only (compiled, modules only): 1 + index
     * of the evaluation's prefix cache (0 = none), and how many leading
     * constant operands the cached value consumes. */
    int prefix_id;
    size_t prefix_n;
    /* Direct evaluation (compiled, eval.c reval_prepare): the term has at
     * most one value, computed without continuations once the frame slots
     * dvars[0..ndvars) are bound (constants, variables, input, references
     * with constant or variable operands, calls of such terms). */
    bool direct;
    uint8_t ndvars;
    int *dvars;
    /* TM_CALL: for each dvars[k], the first argument (1-based index into a)
     * mentioning it, 0 = none (expr_enum's collection). */
    uint8_t *dvar_arg;
    /* A direct call of a user function without variables (compiled,
     * reval_prepare): 1 + index of the evaluation's call cache, 0 = none. */
    int call_id;
    /* A call of a total built-in computed in place without its entry
     * (compiled, reval_prepare): eval.c's FAST_* code, 0 = none. */
    uint8_t fast_op;
    /* How eval.c's static_value reads a direct term (compiled,
     * reval_prepare): an OPK_* code of eval.c, 0 = through direct_eval. */
    uint8_t opk;
};

enum expr_kind { EX_TERM, EX_UNIFY, EX_ASSIGN, EX_SOME, EX_SOMEIN, EX_EVERY };

struct with_mod {
    struct term *target, *value;
    struct rloc loc;
    /* compiled */
    int kind;                 /* 0 input, 1 data, 2 function */
    struct value **path;      /* input/data path after the root */
    size_t plen;
    const char *fn_name;
    /* function mock: replacement function or value */
    struct rnode *mock_fn;
    const struct rego_builtin *mock_bi;
    int mock_host;
};

struct expr {
    uint8_t kind;
    bool neg;
    bool qtop; /* a top-level expression of a query (its value is reported) */
    bool capture; /* query term whose value is reported even when false */
    /* compiled (eval.c reval_prepare): a call of a direct term whose truth
     * is the expression's (EX_TERM, no with, no output argument) */
    bool call_direct;
    /* compiled (eval.c reval_prepare): in the static prefix of a function
     * body (struct rule nstatic), what the expression does, decided from
     * which slots are bound there: a SOP_* code of eval.c, the slot a
     * SOP_BIND binds and the sides (from is computed, to receives). */
    uint8_t sop;
    uint8_t sop_arg; /* SOP_ANY: the argument holding the enumerated ref */
    /* EX_EVERY (compiled, reval_prepare): every expression of the body is
     * call_direct (every_calls runs them in place) */
    bool every_calls;
    /* A call of a function with flat code in an every_calls body (compiled,
     * reval_prepare): the call as a flat instruction (eval.c fc_outer). */
    struct finst *flat;
    int sop_slot;
    struct term *sop_from, *sop_to;
    struct rloc loc;
    size_t off, end;
    int index; /* position as written */
    struct term *a, *b, *c;
    struct body *body;
    struct term **vars; /* EX_SOME */
    size_t nvars;
    struct with_mod *with;
    size_t nwith;
};

struct body {
    struct expr **e;
    size_t n;
    /* compiled: variables of enclosing bodies this body uses (closures,
     * every), first occurrence of each */
    struct term **caps;
    size_t ncaps, capcap;
    bool caps_partial; /* nested too deeply for caps to be complete */
};

struct module;
struct fcode;
struct finst;

struct rule {
    struct rloc loc;
    struct module *mod;
    struct term *ref;   /* head reference: TM_VAR or TM_REF (var head) */
    struct term **args; /* functions */
    size_t nargs;
    bool is_func, is_default, is_multi, is_assign, is_else;
    struct term *value; /* NULL = true */
    struct term *elem;  /* multi-value element (contains / v0 partial set) */
    struct body *body;  /* never NULL after parse (may be empty) */
    struct rule *els;   /* else chain */
    /* how the rule was written (rego.parse_module's head shapes) */
    bool src_if;        /* `if` before the body */
    bool src_body;      /* a body was written (not the generated `true`) */
    bool src_contains;  /* `contains` (not the v0 `p[x] { }` shorthand) */
    /* compiled */
    int nslots;
    struct rnode *node;
    struct term **keys; /* head operands after the node path */
    size_t nkeys;
    bool const_value;   /* value (and keys) constant */
    size_t nplain;      /* leading parameters that are distinct variables
                           (eval.c reval_prepare: bound without unification) */
    /* A function whose first body expression is a test with a term
     * fast_op over its parameters and constants (eval.c reval_prepare):
     * that expression, and for each call argument the parameter it reads
     * (GUARD_CONST: the argument is a constant).  NULL = none. */
    struct expr *guard;
    uint8_t guard_arg[2];
    /* Functions (eval.c reval_prepare): how many leading body expressions
     * have a static operation (struct expr sop), run without the dispatch
     * of eval_body; 0 = none. */
    size_t nstatic;
};
#define GUARD_CONST 0xff

struct import {
    struct term *path; /* TM_REF or TM_VAR */
    const char *alias;
    struct rloc loc;
};

/* A METADATA annotation (parse_annotations.c; used by compile_metadata.c). */
struct annotation {
    const char *scope;    /* "rule", "document", "package" or "subpackages" */
    struct value *obj;    /* the object rego.metadata.rule() returns */
    struct rloc loc;      /* the "# METADATA" comment */
    struct rule *rule;    /* target rule (rule and document scopes) */
};

struct rlex_comment;

struct module {
    const char *file;
    const char *text;
    struct term *pkg; /* package ref (data-rooted after parse) */
    struct value **pkg_path;
    size_t pkg_len;
    struct import *imports;
    size_t nimports;
    struct rule **rules;
    size_t nrules;
    bool v1;
    bool compat_v1; /* parsed as v0 with `import rego.v1` (OPA's RegoV0CompatV1) */
    bool kw_if, kw_contains, kw_in, kw_every;
    /* every import as written, future.keywords and rego.v1 included */
    struct import *src_imports;
    size_t nsrc_imports;
    const struct rlex_comment *comments; /* every comment, in source order */
    size_t ncomments;
    struct annotation **annots; /* when annotations were processed */
    size_t nannots;
};

/* Rule tree: data.<path> -> rules, functions, children. */
struct rnode {
    struct value *key; /* string */
    struct rnode *parent;
    struct rnode **kids;
    size_t nkids, kcap;
    struct rule **rules; /* value rules whose constant head prefix ends here */
    size_t nrules, rcap;
    struct rule *dflt;
    struct rule **funcs;
    size_t nfuncs, fcap;
    int id;
    int kind;             /* NK_* below, of the rules here */
    bool all_same_const;  /* every rule here has one and the same constant value */
    bool all_static;      /* functions whose every definition is a static
                             prefix with a constant or no value (eval.c
                             reval_prepare) */
    struct fcode *fcode;  /* all_static functions: their flat code, with
                             the calls of small all_static functions
                             inlined (eval.c reval_prepare, fc_call) */
    bool has_rules_below; /* any rule, function or package at or below */
    bool is_pkg;          /* a package path (an empty package is {}) */
    bool rule_head;       /* first name of some rule head of its package */
    char *path;           /* "data.a.b" */
};

enum { NK_NONE, NK_COMPLETE, NK_MULTI, NK_KEYED, NK_FUNC };

/* A parse or compile error. */
struct rego_err {
    char code[40];
    char msg[600];
    struct rloc loc;
};

/* parser.c */
struct parse_opts {
    enum rego_version ver;
    bool annotations; /* process METADATA comments (OPA's ProcessAnnotation) */
};
/* rparse_module processes annotations, as `opa eval` does; the _opts form
 * lets rego.parse_module leave them as plain comments. */
int rparse_module_opts(struct arena *a, const char *file, const char *text, size_t len,
                       const struct parse_opts *o, struct module **out, struct rego_err *err);
int rparse_module(struct arena *a, const char *file, const char *text, size_t len,
                  enum rego_version ver, struct module **out, struct rego_err *err);
int rparse_query(struct arena *a, const char *text, size_t len, struct body **out,
                 struct rego_err *err);
int rparse_term(struct arena *a, const char *text, size_t len, struct term **out,
                struct rego_err *err);
/* parse_annotations.c: groups the module's METADATA comment blocks, parses
 * their YAML and attaches each to the package or rule that follows it. */
int rparse_annotations(struct arena *a, struct module *m, struct rego_err *err);

/* compile_metadata.c: builds the annotation set of all modules and rewrites
 * rego.metadata.chain() and rego.metadata.rule() calls inside rules into
 * constants (OPA's rewriteRegoMetadataCalls). */
int rcomp_metadata(struct arena *a, struct module **mods, size_t nmods, struct rego_err *err);

/* ast_json.c: the module as OPA marshals an ast.Module to JSON and reads it
 * back as a term (rego.parse_module): no locations, comments included. */
struct value *rast_module_json(struct arena *a, const struct module *m);

void rego_err_set(struct rego_err *e, const char *code, struct rloc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
