/* typecheck.h - OPA's compile-time type checker (typecheck.c) and the list
 * of compile errors it reports, and the built-in declarations it checks
 * calls against (bi_decls.c).  Internal to src/rego/. */
#ifndef AS_REGO_TYPECHECK_H
#define AS_REGO_TYPECHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "rego/rego_int.h"

/* OPA's compiler stops collecting after this many errors and appends
 * "error limit reached" (ast.CompileErrorLimitDefault). */
#define RTC_MAX_ERRORS 10

/* One compile error; strings are heap copies (they outlive the policy). */
struct rtc_error {
    char code[40];
    char *msg;     /* OPA's Error.Message, e.g. "count: invalid argument(s)" */
    char *details; /* OPA's detail lines joined by "\n", or NULL */
    char *file;    /* NULL when there is no location */
    int row, col;
};

struct rtc_errors {
    struct rtc_error *v;
    size_t n, cap;
};

void rtc_errors_free(struct rtc_errors *l);
/* Appends a copy; -1 on out of memory. */
int rtc_errors_add(struct rtc_errors *l, const char *code, const char *msg, const char *details,
                   const struct rloc *loc);

/* Type-checks every rule of a compiled policy (after safety analysis), as
 * OPA's checkTypes stage.  Errors are appended to out sorted by location
 * (OPA's Errors.Sort), at most RTC_MAX_ERRORS plus the limit entry.
 * Returns the number of type errors, -1 on out of memory. */
int rtc_check_modules(struct rego_compiled *c, struct rtc_errors *out);

/* Type-checks a compiled query body (nslots variables) against the rules
 * of c, as OPA's query compiler does; same result convention. */
int rtc_check_query(const struct rego_compiled *c, struct body *b, int nslots,
                    struct rtc_errors *out);

/* compiler.c: rcomp_modules collecting every error (the first one also in
 * *err).  all may be NULL. */
int rcomp_modules_all(struct rego_compiled *c, struct rego_err *err, struct rtc_errors *all);

/* OPA's arityMismatchError detail lines for a call of a declared built-in:
 * "have: (...)\nwant: (...)" (argument types as known before inference;
 * generated: a nested call, whose output OPA adds as an operand).  Heap
 * string, NULL when decl is NULL or on out of memory. */
char *rtc_arity_details(const struct term *call, const char *decl, bool generated);

/* A declaration parsed and printed back in OPA's notation (heap string),
 * NULL when it does not parse: the table's self-check. */
char *rtc_decl_format(const char *decl);

/* compiler.c: rcomp_query collecting every error (all may be NULL). */
int rcomp_query_all(const struct rego_compiled *c, struct arena *a, const char *text, size_t len,
                    struct rquery *q, struct rego_err *err, struct rtc_errors *all);

/* bi_decls.c: OPA's declaration of a built-in in OPA's notation, e.g.
 * "(collection: any<string, array[any], object[any: any], set[any]>) => n: number";
 * NULL when not declared. */
const char *rtc_builtin_decl(const char *name);

/* typecheck_schema.c: a JSON Schema as OPA's schemaParser types it.
 * RS_OBJ has static properties only (keys/v, n); RS_DYNOBJ is
 * object[any: any]; RS_ARR has static items (v, n) or dynamic ones
 * (items); RS_OR is the union of v (OPA's types.Or, any when empty).
 * Nodes may be shared and cyclic (recursive $ref). */
enum rtc_skind { RS_ANY, RS_BOOL, RS_NUM, RS_STR, RS_OBJ, RS_DYNOBJ, RS_ARR, RS_OR };
struct rtc_stype {
    enum rtc_skind k;
    size_t n;
    struct value **keys;
    struct rtc_stype **v;
    struct rtc_stype *items;
};

/* Compiles an inline schema (the `definition` of a schemas annotation) and
 * converts it; NULL with OPA's message in msg ("unable to compile the
 * schema: ..." or "type checking: ..."), or NULL with msg empty when out
 * of memory.  Everything is allocated in a. */
struct rtc_stype *rtc_schema_type(struct arena *a, const struct value *schema, char *msg,
                                  size_t cap);

#endif
