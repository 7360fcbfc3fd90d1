/* bi_graphql.h - the GraphQL documents behind the graphql.* built-ins
 * (internal to bi_graphql*.c).
 *
 * OPA runs the vektah/gqlparser library (its own fork of it): a lexer and
 * parser for executable documents (queries) and for the schema definition
 * language, a schema builder that merges the built-in definitions ("the
 * prelude") with the user's and checks them, and a query validator made of
 * graphql-js's rules.  This module mirrors that library's behaviour where
 * OPA exposes it: the AST as JSON (Go field names, Position dropped, null
 * and empty members pruned, as OPA's pruneIrrelevantGraphQLASTNodes does),
 * the error texts and their line:column positions (in runes).
 *
 * Files:
 *   bi_graphql_lex.c      tokens (gql_lex_*)
 *   bi_graphql_parse.c    query and schema documents (gql_parse_*)
 *   bi_graphql_ast.c      AST <-> Rego values (gql_*_to_value, gql_*_from_value)
 *   bi_graphql_schema.c   schema building and checks, the prelude (gql_schema_*)
 *   bi_graphql_validate.c the walker and the validation rules (gql_validate)
 *   bi_graphql_overlap.c  the OverlappingFieldsCanBeMerged rule
 *   bi_graphql.c          the built-in functions
 *
 * Memory: everything lives in one arena (the built-in call's); running out
 * of it longjmps to the built-in, which reports out-of-memory.  Inputs are
 * bounded: GQL_MAX_TEXT bytes of text, GQL_MAX_DEPTH nested selection
 * sets / values / types in one document, GQL_MAX_WALK_DEPTH nested
 * selection sets when validation follows fragment spreads, GQL_MAX_STEPS
 * units of validation work; past a bound validation fails. */
#ifndef AS_REGO_BI_GRAPHQL_H
#define AS_REGO_BI_GRAPHQL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "value/value.h"

#define GQL_MAX_TEXT (2u << 20)
#define GQL_MAX_DEPTH 200
#define GQL_MAX_WALK_DEPTH 1000 /* selection sets entered through fragments */
#define GQL_MAX_STEPS 20000000UL

/* ---- memory (and the gqlparser generation) ---- */
/* opa_2026: behave as the gqlparser of OPA 2026 (vektah/gqlparser v2.5.31
 * and later) instead of OPA 1.6's (2025), where they differ:
 * - Value.ExpectedTypeHasDefault exists: it is in the AST values (false
 *   before validation), read back from AST objects, and the validator sets
 *   it for arguments and input fields whose definition has a non-null
 *   default, where VariablesInAllowedPosition then accepts a nullable
 *   variable for a non-null type (gqlparser #396);
 * - a schema error at no known position (an AST object has none) prints
 *   as "input:-1:-1: ..." (gqlerror.ErrorPosf with a nil position, #376).
 * The rules run in name order in both (v2.5.29 sorted them; before, Go's
 * map order made the order of same-node errors random). */
struct gql_mem {
    struct arena *arena;
    jmp_buf oom; /* longjmp target when the arena is exhausted */
    bool opa_2026;
};
void *gql_alloc(struct gql_mem *m, size_t n); /* zeroed; never NULL */
char *gql_strndup(struct gql_mem *m, const char *s, size_t n);

/* A growable array of pointers in the arena. */
struct gql_vec {
    void **v;
    size_t n, cap;
};
void gql_push(struct gql_mem *m, struct gql_vec *vec, void *item);
#define GQL_AT(vec, type, i) ((type *)(vec).v[i])

/* Position in the source: line and column (1-based, in runes); line 0 =
 * unknown (documents decoded from values have no positions). */
struct gql_pos {
    int line, col;
};

/* ---- executable documents ---- */
enum gql_value_kind {
    GQL_VARIABLE = 0,
    GQL_INT,
    GQL_FLOAT,
    GQL_STRING,
    GQL_BLOCK,
    GQL_BOOLEAN,
    GQL_NULL,
    GQL_ENUM,
    GQL_LIST,
    GQL_OBJECT,
};

struct gql_def;
struct gql_type;
struct gql_vardef;
struct gql_fielddef;
struct gql_dirdef;
struct gql_frag;

struct gql_value {
    int kind; /* enum gql_value_kind; may be anything when decoded */
    const char *raw;
    size_t raw_len;
    struct gql_vec children; /* struct gql_child * */
    struct gql_pos pos;
    /* set by validation */
    struct gql_def *definition;
    struct gql_vardef *vardef;
    struct gql_type *expected;
    bool expected_has_default;
};

struct gql_child {
    const char *name;
    struct gql_value *value; /* may be NULL when decoded */
    struct gql_pos pos;
};

struct gql_type {
    const char *named; /* "" for a list type */
    struct gql_type *elem;
    bool nonnull;
    struct gql_pos pos;
};

struct gql_arg {
    const char *name;
    struct gql_value *value;
    struct gql_pos pos;
};

struct gql_directive {
    const char *name;
    struct gql_vec args; /* struct gql_arg * */
    struct gql_pos pos;
    /* set by validation */
    struct gql_dirdef *definition;
    const char *location;
};

enum gql_sel_kind { GQL_SEL_FIELD, GQL_SEL_SPREAD, GQL_SEL_INLINE };

struct gql_sel {
    int kind;
    const char *alias, *name; /* field (alias may be ""); spread: name */
    const char *type_cond;    /* inline fragment ("" = none) */
    struct gql_vec args;      /* struct gql_arg * (fields) */
    struct gql_vec dirs;      /* struct gql_directive * */
    struct gql_vec sels;      /* struct gql_sel * */
    struct gql_pos pos;
    /* set by validation */
    struct gql_fielddef *definition;
    struct gql_def *object_def;
    struct gql_frag *frag;
};

struct gql_vardef {
    const char *var;
    struct gql_type *type;
    struct gql_value *defval;
    struct gql_vec dirs;
    struct gql_pos pos;
    bool used;
    struct gql_def *definition; /* set by validation */
};

struct gql_op {
    const char *operation; /* "query", "mutation", "subscription" */
    const char *name;
    struct gql_vec vars; /* struct gql_vardef * */
    struct gql_vec dirs;
    struct gql_vec sels;
    struct gql_pos pos;
};

struct gql_frag {
    const char *name;
    struct gql_vec vars; /* Go's FragmentDefinition.VariableDefinition */
    const char *type_cond;
    struct gql_vec dirs;
    struct gql_vec sels;
    struct gql_pos pos;
    struct gql_def *definition; /* set by validation */
};

struct gql_qdoc {
    struct gql_vec ops;   /* struct gql_op * */
    struct gql_vec frags; /* struct gql_frag * */
};

/* ---- schema documents ---- */
struct gql_fielddef { /* also ArgumentDefinition (no args) */
    const char *desc;
    size_t desc_len;
    const char *name;
    struct gql_vec args; /* struct gql_fielddef * */
    struct gql_value *defval;
    struct gql_type *type;
    struct gql_vec dirs;
    struct gql_pos pos;
};

struct gql_enumval {
    const char *desc;
    size_t desc_len;
    const char *name;
    struct gql_vec dirs;
    struct gql_pos pos;
};

struct gql_def {
    const char *kind; /* "SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT" */
    const char *desc;
    size_t desc_len;
    const char *name;
    struct gql_vec dirs;
    struct gql_vec interfaces; /* char * */
    struct gql_vec fields;     /* struct gql_fielddef * */
    struct gql_vec types;      /* char * (union members) */
    struct gql_vec enum_values; /* struct gql_enumval * */
    struct gql_pos pos;
    bool builtin;
};

struct gql_dirdef {
    const char *desc;
    size_t desc_len;
    const char *name;
    struct gql_vec args;      /* struct gql_fielddef * */
    struct gql_vec locations; /* char * */
    bool repeatable;
    struct gql_pos pos;
};

struct gql_optype {
    const char *operation;
    const char *type;
    struct gql_pos pos;
};

struct gql_schemadef {
    const char *desc;
    size_t desc_len;
    struct gql_vec dirs;
    struct gql_vec optypes; /* struct gql_optype * */
    struct gql_pos pos;
};

struct gql_sdoc {
    struct gql_vec schema;      /* struct gql_schemadef * */
    struct gql_vec schema_ext;  /* struct gql_schemadef * */
    struct gql_vec directives;  /* struct gql_dirdef * */
    struct gql_vec definitions; /* struct gql_def * */
    struct gql_vec extensions;  /* struct gql_def * */
};

/* ---- errors ---- */
/* One error as gqlparser's gqlerror.Error prints it:
 * "<file>[:line:col]: <message>". */
struct gql_error {
    const char *file; /* "input" for the user's text */
    struct gql_pos pos;
    char *msg;
};

/* ---- parsing ---- */
/* Returns 0, or -1 with *err set (the first error, as gqlparser). */
int gql_parse_query(struct gql_mem *m, const char *text, size_t len, struct gql_qdoc **out,
                    struct gql_error *err);
int gql_parse_schema(struct gql_mem *m, const char *text, size_t len, bool builtin,
                     struct gql_sdoc **out, struct gql_error *err);

/* ---- AST <-> values ---- */
struct value *gql_qdoc_to_value(struct gql_mem *m, const struct gql_qdoc *d);
struct value *gql_sdoc_to_value(struct gql_mem *m, const struct gql_sdoc *d);
/* Go's json.Unmarshal of OPA's AST objects into the library's structs.
 * 0, or -1 when a member has the wrong JSON type. */
int gql_qdoc_from_value(struct gql_mem *m, const struct value *v, struct gql_qdoc **out);
int gql_sdoc_from_value(struct gql_mem *m, const struct value *v, struct gql_sdoc **out);

/* ---- schemas ---- */
struct gql_map; /* name -> pointer, insertion-ordered */
struct gql_map *gql_map_new(struct gql_mem *m);
void *gql_map_get(const struct gql_map *map, const char *key);
void gql_map_put(struct gql_mem *m, struct gql_map *map, const char *key, void *val);
size_t gql_map_len(const struct gql_map *map);
const char *gql_map_key(const struct gql_map *map, size_t i); /* insertion order */

struct gql_schema {
    struct gql_def *query, *mutation, *subscription;
    struct gql_map *types;      /* struct gql_def * */
    struct gql_map *directives; /* struct gql_dirdef * */
    struct gql_map *possible;   /* struct gql_vec * of struct gql_def * */
};

/* The prelude merged with doc, checked as ValidateSchemaDocument does.
 * Returns 0, or -1 with *err. */
int gql_schema_build(struct gql_mem *m, const struct gql_sdoc *doc, struct gql_schema **out,
                     struct gql_error *err);
/* Schema helpers shared by the validation rules. */
struct gql_fielddef *gql_fields_find(const struct gql_vec *fields, const char *name);
struct gql_vec *gql_possible_types(const struct gql_schema *s, const char *name);
bool gql_kind_is(const struct gql_def *d, const char *kind);
bool gql_is_leaf(const struct gql_def *d);
bool gql_is_composite(const struct gql_def *d);
bool gql_is_input(const struct gql_def *d);
const char *gql_type_name(const struct gql_type *t);
void gql_type_text(struct buf *b, const struct gql_type *t);
char *gql_type_str(struct gql_mem *m, const struct gql_type *t);
bool gql_type_compatible(const struct gql_type *t, const struct gql_type *other);

/* ---- validation ---- */
/* Runs every rule; returns the number of errors (listed in *errs as
 * struct gql_error *), or -1 when the document exceeds the work bound. */
int gql_validate(struct gql_mem *m, struct gql_schema *s, struct gql_qdoc *d,
                 struct gql_vec *errs);
/* Go's Value.String() (for messages). */
void gql_value_text(struct buf *b, const struct gql_value *v);

/* The rule context, shared by bi_graphql_validate.c and bi_graphql_overlap.c. */
struct gql_walker {
    struct gql_mem *m;
    struct gql_schema *schema;
    struct gql_qdoc *doc;
    struct gql_op *current_op;
    struct gql_vec *errs;
    unsigned long steps;
    bool aborted; /* the work bound was hit */
    /* rule state */
    struct gql_map *spread_seen;     /* per operation: fragments walked */
    struct gql_map *frag_names_used; /* NoUnusedFragments */
    bool in_fragment_definition;
    struct gql_map *frags_seen;      /* UniqueFragmentNames */
    struct gql_map *ops_seen;        /* UniqueOperationNames */
    struct gql_map *cycle_visited;   /* NoFragmentCycles */
    struct gql_map *known_dir_seen;  /* KnownDirectives (name@line:col) */
    struct gql_map *overlap_pairs;   /* OverlappingFields: "a\x01b" -> exclusive flag */
    struct gql_map *overlap_compared; /* per set: fragment names compared */
};
void gql_add_error(struct gql_walker *w, struct gql_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool gql_step(struct gql_walker *w); /* false once the work bound is exceeded */
void gql_overlap_check(struct gql_walker *w, struct gql_vec *sels);

#endif
