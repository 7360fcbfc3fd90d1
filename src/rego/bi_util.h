/* bi_util.h - helpers shared by the built-in families (bi_*.c).
 *
 * What every family needs and should do the same way: operand checks with
 * OPA's messages, results in the call's arena, numbers as OPA sees them
 * (an integer text is an int, other numbers go through big arithmetic or
 * doubles), UTF-8 rune handling as Go does it, and the two textual forms of
 * a value that OPA prints: Go's float formatting and a term's Rego text
 * (what sprintf's %v shows for arrays, sets and objects). */
#ifndef AS_REGO_BI_UTIL_H
#define AS_REGO_BI_UTIL_H

#include <gmp.h>

#include "base/buf.h"
#include "rego/builtins.h"

/* ---- errors ---- */
int bi_oom(struct rego_bi_ctx *ctx);
/* "operand <pos> must be <want> but got <type of got>" (eval_type_error). */
#define bi_type_err rego_bi_type_error
/* "operand <pos> must be <composite> of <elem>s but got <composite>
 * containing <type of elem>" (eval_type_error). */
int bi_elem_err(struct rego_bi_ctx *ctx, int pos, const struct value *composite,
                const char *elem_want, const struct value *elem);
/* eval_type_error with a free text after "operand <pos> ". */
int bi_operand_err(struct rego_bi_ctx *ctx, int pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* eval_builtin_error with a free text. */
#define bi_err(ctx, ...) rego_bi_error((ctx), "eval_builtin_error", __VA_ARGS__)

/* ---- operands ---- */
/* 0 when args[i] has type t, else the type error for position i+1. */
int bi_want(struct rego_bi_ctx *ctx, struct value *const *args, size_t i, enum value_type t);
/* OPA's IntOperand: a number whose text is an integer that fits int64;
 * "operand N must be integer number but got floating-point number". */
int bi_want_int(struct rego_bi_ctx *ctx, struct value *const *args, size_t i, int64_t *out);
/* Strings of an array or set operand (OPA's StringSliceOperand). *strs is
 * arena memory holding value pointers. */
int bi_want_strings(struct rego_bi_ctx *ctx, struct value *const *args, size_t i,
                    struct value ***strs, size_t *n);

/* ---- results ---- */
static inline int bi_ret(struct rego_bi_ctx *ctx, struct value **out, struct value *v)
{
    *out = v;
    return v ? 0 : bi_oom(ctx);
}
#define BI_RET(v) return bi_ret(ctx, out, (v))
#define BI_UNDEF()                                                                                 \
    do {                                                                                           \
        *out = NULL;                                                                               \
        return 0;                                                                                  \
    } while (0)
struct value *bi_str(struct rego_bi_ctx *ctx, const char *s, size_t n);
struct value *bi_buf_str(struct rego_bi_ctx *ctx, struct buf *b); /* frees b */

/* ---- numbers ---- */
/* json.Number.Int64(): the number's text is an integer that fits int64
 * (a computed integral double counts as its integer text). */
bool bi_num_int64(const struct value *v, int64_t *out);
/* OPA's NumberToInt: the value is exactly an integer (1.0 and 1e3 are).
 * z must be initialised. */
bool bi_num_mpz(const struct value *v, mpz_t z);
/* Exact rational value (z initialised). False for inf/nan. */
bool bi_num_mpq(const struct value *v, mpq_t q);
struct value *bi_num_from_mpz(struct arena *a, const mpz_t z);
/* OPA's FloatToNumber: an integral double becomes an integer value. */
struct value *bi_num_from_double(struct arena *a, double d);
/* OPA's big.Float view of a number (64-bit mantissa = x86 long double)
 * and back through FloatToNumber (integral -> integer, else shortest %g). */
long double bi_num_ld(const struct value *v);
struct value *bi_num_from_ldouble(struct arena *a, long double d);
/* The number's OPA text (json.Number). */
void bi_num_text(struct buf *b, const struct value *v);

/* ---- Go float formatting (strconv.FormatFloat) ---- */
/* verb: 'e' 'E' 'f' 'g' 'G'; prec < 0 = shortest that round-trips. */
void bi_go_float(struct buf *b, double d, char verb, int prec);

/* ---- text of values ---- */
/* A term's Rego text, as OPA's Term.String(): strings quoted Go-style,
 * arrays [a, b], objects {"k": v}, sets {a, b} or set(). */
void bi_value_text(struct buf *b, const struct value *v);
/* Go's fmt %v of a value decoded from JSON/YAML (text/template output,
 * go-yaml messages): strings raw, <nil>, [a b], map[k:v] (keys in order),
 * numbers as their text. */
void bi_go_value_text(struct buf *b, const struct value *v);
/* Go's strconv.Quote. */
void bi_go_quote(struct buf *b, const char *s, size_t n);

/* ---- UTF-8 as Go decodes it ---- */
/* Decodes one rune at s[0..n); an invalid sequence yields U+FFFD and length
 * 1.  Returns the length consumed (>= 1 for n >= 1). */
size_t bi_utf8_decode(const char *s, size_t n, uint32_t *cp);
size_t bi_utf8_encode(uint32_t cp, char out[4]); /* invalid cp -> U+FFFD */
size_t bi_utf8_count(const char *s, size_t n);
/* Byte offsets of each rune start plus the end: offs[0..count]. */
size_t *bi_utf8_offsets(struct arena *a, const char *s, size_t n, size_t *count);

/* Unicode simple case mapping (Go's unicode.ToLower/ToUpper). */
uint32_t bi_rune_lower(uint32_t c);
uint32_t bi_rune_upper(uint32_t c);
bool bi_rune_is_space(uint32_t c);

/* ---- YAML (bi_yaml.c) ---- */
/* The first YAML document of s[0..n) as yaml.unmarshal reads it (null for
 * an empty stream), in arena a; -1 with go-yaml's message in err.
 * go_yaml_v3: as go-yaml v3 reads untyped values (OPA's METADATA blocks):
 * only true/false (any case form) are booleans, not yes/no/on/off/y/n, and
 * an error's line is the context mark's before the problem mark's. */
int rego_yaml_parse(struct arena *a, const char *s, size_t n, bool go_yaml_v3,
                    struct value **out, char *err, size_t errlen);

/* ---- calling another built-in (OPA's getResult) ---- */
/* Calls the registered built-in `name` with ctx's arena and clock.  On
 * failure returns -1 and, when msg is not NULL, points *msg at the callee's
 * message without its "<name>: " prefix (arena memory), so the caller can
 * wrap it as OPA does ("JWT header had invalid encoding: %s"); ctx->err is
 * left untouched. */
int bi_call(struct rego_bi_ctx *ctx, const char *name, struct value *const *args, size_t nargs,
            struct value **out, const char **msg);

/* ---- PEM as Go's encoding/pem decodes it ---- */
struct bi_pem_block {
    const char *type; /* the label after BEGIN, NUL-terminated (arena) */
    const uint8_t *der;
    size_t der_len;
    size_t nheaders; /* "Key: value" lines before the body */
};
/* pem.Decode: finds the first well-formed block in s[0..n) (text before
 * it is skipped, malformed blocks are passed over), and sets *rest to what
 * follows its END line.  Returns 1 with *blk filled, 0 when there is no
 * block (*rest = s), -1 when out of memory.  The body is standard base64
 * with '=' padding; CR, LF, space and tab inside it are ignored. */
int bi_pem_decode(struct arena *a, const char *s, size_t n, struct bi_pem_block *blk,
                  const char **rest, size_t *rest_len);

/* ---- Go's encoding/json (bi_go_json.c) ---- */
/* The syntax check of json.Valid / json.Unmarshal: NULL when s[0..n) is
 * one JSON value, else Go's SyntaxError text ("invalid character 'x'
 * after object key", "unexpected end of JSON input"; arena memory). */
const char *bi_go_json_check(struct arena *a, const char *s, size_t n);
/* One member of an object (key = its raw string text, quotes included) or
 * element of an array (key NULL); val is the raw text of the value. */
struct bi_go_json_item {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
};
/* The items of checked text that is an object or an array, in text order,
 * duplicates kept (arena array).  -1 when the text is neither, -2 when out
 * of memory. */
int bi_go_json_items(struct arena *a, const char *s, size_t n, struct bi_go_json_item **items,
                     size_t *count);
/* What Go's UnmarshalTypeError calls a raw value: "string", "number",
 * "bool", "array", "object" or "null". */
const char *bi_go_json_kind(const char *val, size_t len);

#endif
