/* parser.c - Rego v0/v1 modules, queries and terms into the AST (ast.h).
 *
 * Recursive descent over the token array of lexer.c, following OPA's
 * grammar and operator precedence (lowest first): `=`/`:=`, `in`,
 * comparisons, `|`, `&`, `+ -`, `* / %`.  Keywords depend on the version:
 * v1 has if/contains/in/every always; v0 only after `import future.keywords`
 * (or `import rego.v1`, which makes the module v1).  Errors are OPA's
 * rego_parse_error with the location of the offending token. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rego/ast.h"
#include "rego/builtins.h"
#include "base/buf.h"
#include "rego/lexer.h"

#define MAX_NEST 400

struct parser {
    struct arena *a;
    const char *file, *text;
    size_t len;
    struct rtoken *t;
    size_t n, i;
    struct rego_err *err;
    bool failed;
    bool v1, kw_if, kw_contains, kw_in, kw_every;
    bool opt_v1; /* parsed as v1 by option (not by `import rego.v1`) */
    bool no_bar; /* inside the head of a possible comprehension */
    int depth;
    int expr_index;
    bool lit_start; /* the next primary term starts a literal */
    bool ws_step;   /* a rule head's first operand may follow blanks */
    bool as_query;  /* the last rule had no body: OPA parsed it as a query */
    const char *hint; /* OPA's hint, added to the next error */
    struct rego_err deferred; /* a statement that is no rule, reported after the parse */
    bool own_lines; /* REGO_AUTO's v0 attempt: a statement per line, so that
                       `p := x if { }` is v1 and not the v0 rules p and if */
    /* the scanner's error, its end token being the last of t (lexer.c) */
    const char *lex_msg;
    int lex_row, lex_col;
    struct pmemo *memo; /* per token: the primary term parsed there */
};

/* A primary term parsed at a token, reused when backtracking parses the
 * same text again (OPA's parsedTermCache; without it nested collections
 * followed by operators cost 2^depth). */
struct pmemo {
    struct term *term;
    size_t end;
    int index_before, index_after;
};

void rego_err_set(struct rego_err *e, const char *code, struct rloc loc, const char *fmt, ...)
{
    if (!e)
        return;
    snprintf(e->code, sizeof(e->code), "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->loc = loc;
}

static struct rtoken *tok(struct parser *p) { return &p->t[p->i]; }
static struct rtoken *tok_at(struct parser *p, size_t k)
{
    return p->i + k < p->n ? &p->t[p->i + k] : &p->t[p->n - 1];
}
static struct rloc tloc(struct parser *p, const struct rtoken *t)
{
    return (struct rloc){p->file, t->row, t->col};
}

static void *perr(struct parser *p, const struct rtoken *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *perr(struct parser *p, const struct rtoken *t, const char *fmt, ...)
{
    if (p->failed)
        return NULL;
    p->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p->hint) {
        size_t n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, " (hint: %s)", p->hint);
        p->hint = NULL;
    }
    if (p->lex_msg && p->i + 1 >= p->n) {
        /* the parser got to the token the scanner failed on: OPA reports
         * the scanner's error first */
        struct rtoken at = {.row = p->lex_row, .col = p->lex_col};
        rego_err_set(p->err, "rego_parse_error", tloc(p, &at), "%s", p->lex_msg);
        return NULL;
    }
    rego_err_set(p->err, "rego_parse_error", tloc(p, t), "%s", msg);
    return NULL;
}

static bool is_ident(const struct rtoken *t, const char *s);

/* The keyword t is, as OPA's scanner tokenizes it (if/contains/in/every
 * only where enabled), or NULL. */
static const char *keyword_of(const struct parser *p, const struct rtoken *t)
{
    static const char *const always[] = {"package", "import", "as",   "default", "else", "not",
                                         "some",    "with",   "null", "true",    "false"};
    if (t->t != RT_IDENT)
        return NULL;
    for (size_t k = 0; k < sizeof(always) / sizeof(always[0]); k++)
        if (is_ident(t, always[k]))
            return always[k];
    if (p->kw_if && is_ident(t, "if"))
        return "if";
    if (p->kw_contains && is_ident(t, "contains"))
        return "contains";
    if (p->kw_in && is_ident(t, "in"))
        return "in";
    if (p->kw_every && is_ident(t, "every"))
        return "every";
    return NULL;
}

/* OPA's "unexpected <token> token" / "unexpected <keyword> keyword", with
 * an optional note after ": ". */
static void *unexpected_at(struct parser *p, const struct rtoken *t, const char *note)
{
    const char *kw = keyword_of(p, t);
    const char *sep = note ? ": " : "", *tail = note ? note : "";
    if (kw)
        return perr(p, t, "unexpected %s keyword%s%s", kw, sep, tail);
    return perr(p, t, "unexpected %s token%s%s", rlex_tok_name(t->t), sep, tail);
}

static void *unexpected(struct parser *p) { return unexpected_at(p, tok(p), NULL); }

static bool is_ident(const struct rtoken *t, const char *s)
{
    size_t n = strlen(s);
    return t->t == RT_IDENT && t->slen == n && memcmp(t->str, s, n) == 0;
}
static bool keyword_ref(struct parser *p);
static bool at_kw(struct parser *p, const char *kw)
{
    struct rtoken *t = tok(p);
    if (!is_ident(t, kw) || keyword_ref(p))
        return false;
    if (strcmp(kw, "if") == 0)
        return p->kw_if;
    if (strcmp(kw, "contains") == 0)
        return p->kw_contains;
    if (strcmp(kw, "in") == 0)
        return p->kw_in;
    if (strcmp(kw, "every") == 0)
        return p->kw_every;
    return true;
}
/* A keyword directly followed by `.name` or `[` is a reference head
 * (OPA 1.x: keywords may name rules and packages). */
static bool keyword_ref(struct parser *p)
{
    struct rtoken *n = tok_at(p, 1);
    return (n->t == RT_DOT || n->t == RT_LBRACK) && !n->ws_before;
}

/* The keyword `kw` here, not a reference that starts with it. */
static bool kw_here(struct parser *p, const char *kw)
{
    return is_ident(tok(p), kw) && !keyword_ref(p);
}

static bool accept(struct parser *p, enum rtok k)
{
    if (tok(p)->t == k) {
        p->i++;
        return true;
    }
    return false;
}
static bool expect(struct parser *p, enum rtok k)
{
    if (accept(p, k))
        return true;
    unexpected(p);
    return false;
}

static bool is_reserved(struct parser *p, const struct rtoken *t)
{
    static const char *const always[] = {"not", "with", "as", "some", "default", "else",
                                         "import", "package", NULL};
    for (int k = 0; always[k]; k++)
        if (is_ident(t, always[k]))
            return true;
    return (p->kw_if && is_ident(t, "if")) || (p->kw_contains && is_ident(t, "contains")) ||
           (p->kw_in && is_ident(t, "in")) || (p->kw_every && is_ident(t, "every"));
}

static struct term *new_term(struct parser *p, enum term_kind k, const struct rtoken *t)
{
    struct term *x = arena_zalloc(p->a, sizeof(*x));
    if (!x)
        return perr(p, t, "out of memory");
    x->kind = (uint8_t)k;
    x->loc = tloc(p, t);
    x->off = t->off;
    x->end = t->off + t->len;
    x->slot = SLOT_NONE;
    return x;
}

static void finish_span(struct parser *p, struct term *x)
{
    if (p->i > 0) {
        struct rtoken *last = &p->t[p->i - 1];
        if (last->off + last->len > x->end)
            x->end = last->off + last->len;
    }
}

/* Growable pointer list in the arena. */
struct plist {
    void **v;
    size_t n, cap;
};
static bool plist_push(struct parser *p, struct plist *l, void *x)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 4;
        void **nv = arena_alloc(p->a, nc * sizeof(*nv));
        if (!nv) {
            perr(p, tok(p), "out of memory");
            return false;
        }
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = x;
    return true;
}

static struct term *make_call(struct parser *p, const char *name, const struct rtoken *at,
                              struct term *x, struct term *y)
{
    struct term *c = new_term(p, TM_CALL, at);
    struct term *f = new_term(p, TM_VAR, at);
    struct term **args = arena_alloc(p->a, 3 * sizeof(*args));
    if (!c || !f || !args)
        return perr(p, at, "out of memory");
    f->name = name;
    args[0] = f;
    args[1] = x;
    args[2] = y;
    c->a = args;
    c->n = y ? 3 : 2;
    c->loc = x->loc;
    c->off = x->off;
    c->end = (y ? y : x)->end;
    return c;
}

static struct term *parse_in(struct parser *p);
static struct term *parse_in_kv(struct parser *p);
static struct term *parse_primary(struct parser *p);
static struct term *parse_rel(struct parser *p);
static struct expr *new_expr(struct parser *p, enum expr_kind k, const struct rtoken *t);
static struct body *make_body(struct parser *p, struct plist *l);
static struct term *parse_member3(struct parser *p, struct term *x);
static struct body *parse_block(struct parser *p);
static struct body *parse_query_until(struct parser *p, enum rtok stop);
static struct expr *parse_literal(struct parser *p);

/* ---- primary terms ---- */

static struct term *scalar_term(struct parser *p, struct rtoken *t, struct value *v)
{
    struct term *x = new_term(p, TM_SCALAR, t);
    if (!x)
        return NULL;
    if (!v)
        return perr(p, t, "out of memory");
    x->val = v;
    x->flags = TF_CONST | TF_SIMPLE;
    p->i++;
    return x;
}

/* The size checks of OPA's parseNumber (math/big.Float): a decimal
 * exponent beyond int32 is "invalid float" (1), a value whose binary
 * exponent is beyond +-1e5 "number too big" (2); zero is always fine. */
static int number_size_check(const char *lit, size_t n)
{
    long double lg = 0;
    long long e10 = 0, frac = 0;
    int sig = 0;
    bool nonzero = false, in_frac = false;
    size_t i = 0;
    for (; i < n && lit[i] != 'e' && lit[i] != 'E'; i++) {
        if (lit[i] == '.') {
            in_frac = true;
            continue;
        }
        int d = lit[i] - '0';
        if (d || nonzero) {
            nonzero = true;
            if (sig < 18) {
                lg = lg * 10 + d;
                sig++;
                frac += in_frac;
            } else if (!in_frac) {
                frac--; /* a digit dropped from the integer part */
            }
        } else if (in_frac) {
            frac++;
        }
    }
    if (i < n) {
        bool neg = lit[++i] == '-';
        i += lit[i] == '-' || lit[i] == '+';
        for (; i < n; i++)
            e10 = e10 > 4000000000LL ? e10 : e10 * 10 + (lit[i] - '0');
        e10 = neg ? -e10 : e10;
    }
    if (!nonzero)
        return 0;
    long long exp10 = e10 - frac;
    if (e10 > 2147483647LL || e10 < -2147483648LL || exp10 > 2147483647LL ||
        exp10 < -2147483648LL)
        return 1;
    long double bits = log2l(lg) + (long double)exp10 * 3.32192809488736234787L;
    long double exp2 = floorl(bits) + 1;
    return exp2 > 1e5L || exp2 < -1e5L ? 2 : 0;
}

/* A number term as OPA's parseNumber reads it: an optional '-' and an
 * optional '.' before the number token (blanks between them allowed, as
 * OPA scans past them), no leading zeros, bounded size. */
static struct term *parse_number(struct parser *p)
{
    struct rtoken *start = tok(p);
    bool neg = false, dot = false;
    if (start->t == RT_MINUS) {
        neg = true;
        p->i++;
        if (tok(p)->t != RT_NUMBER && tok(p)->t != RT_DOT)
            return unexpected_at(p, tok(p), "expected number");
    }
    if (tok(p)->t == RT_DOT) {
        dot = true;
        p->i++;
        if (tok(p)->t != RT_NUMBER)
            return unexpected_at(p, tok(p), "expected number");
    }
    struct rtoken *t = tok(p);
    const char *lit = t->str;
    size_t n = t->slen;
    if (!dot && n > 1 && lit[0] == '0' && lit[1] != '.' &&
        !(n > 2 && (lit[1] == 'e' || lit[1] == 'E')))
        return unexpected_at(p, t, "expected number without leading zero");
    if (dot && memchr(lit, '.', n))
        return unexpected_at(p, t, "invalid float");
    int size = number_size_check(lit, n);
    if (size == 1)
        return unexpected_at(p, t, "invalid float");
    if (size == 2)
        return perr(p, t, "number too big");
    char *txt = arena_alloc(p->a, n + 4);
    if (!txt)
        return perr(p, t, "out of memory");
    size_t o = 0;
    if (neg)
        txt[o++] = '-';
    if (dot) {
        txt[o++] = '0';
        txt[o++] = '.';
    }
    memcpy(txt + o, lit, n);
    txt[o + n] = '\0';
    struct term *x = scalar_term(p, t, v_number_text(p->a, txt, o + n));
    if (x) {
        x->loc = tloc(p, start);
        x->off = start->off;
    }
    return x;
}

/* Two object keys OPA's parser takes for the same (Object.Insert compares
 * terms): equal scalars, or the same named variable. */
static bool same_key(const struct term *a, const struct term *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == TM_SCALAR)
        return value_equal(a->val, b->val);
    return a->kind == TM_VAR && !a->wildcard && !b->wildcard && a->name && b->name &&
           strcmp(a->name, b->name) == 0;
}

/* An object literal that repeats a key keeps its first position and the
 * last value, as OPA's parser builds it ({"a": x, "a": 1} is {"a": 1}). */
static bool replace_same_key(struct plist *l, struct term *k, struct term *v)
{
    for (size_t i = 0; i + 1 < l->n; i += 2) {
        if (same_key(l->v[i], k)) {
            l->v[i + 1] = v;
            return true;
        }
    }
    return false;
}

/* Backtracking as OPA's save/restore: the position, the expression
 * numbering and the error state (errors of an abandoned attempt vanish). */
struct psave {
    size_t i;
    int expr_index;
    bool failed;
    struct rego_err err;
};
static void psave(const struct parser *p, struct psave *s)
{
    s->i = p->i;
    s->expr_index = p->expr_index;
    s->failed = p->failed;
    s->err = *p->err;
}
static void prestore(struct parser *p, const struct psave *s)
{
    p->i = s->i;
    p->expr_index = s->expr_index;
    p->failed = s->failed;
    *p->err = s->err;
}

static const char *close_name(enum rtok close)
{
    return close == RT_RBRACK ? "]" : close == RT_RBRACE ? "}" : close == RT_RPAREN ? ")" : "eof";
}

/* OPA's parseTermList: terms separated by commas, a trailing comma
 * allowed, up to close (consumed). */
static bool parse_term_list(struct parser *p, enum rtok close, struct plist *out)
{
    if (accept(p, close))
        return true;
    for (;;) {
        struct term *x = parse_in(p);
        if (!x || !plist_push(p, out, x))
            return false;
        if (accept(p, close))
            return true;
        if (!accept(p, RT_COMMA)) {
            char note[32];
            snprintf(note, sizeof(note), "expected \",\" or \"%s\"", close_name(close));
            unexpected_at(p, tok(p), note);
            return false;
        }
        if (accept(p, close))
            return true;
    }
}

/* OPA's parseTermPairList: key: value pairs after the first, up to '}'. */
static bool parse_pair_list(struct parser *p, struct plist *l)
{
    if (accept(p, RT_RBRACE))
        return true;
    for (;;) {
        struct term *k = parse_in(p);
        if (!k)
            return false;
        if (!accept(p, RT_COLON)) {
            unexpected_at(p, tok(p), "expected \":\"");
            return false;
        }
        struct term *v = parse_in(p);
        if (!v)
            return false;
        if (!replace_same_key(l, k, v) && (!plist_push(p, l, k) || !plist_push(p, l, v)))
            return false;
        if (accept(p, RT_RBRACE))
            return true;
        if (!accept(p, RT_COMMA)) {
            unexpected_at(p, tok(p), "expected \",\" or \"}\"");
            return false;
        }
        if (accept(p, RT_RBRACE))
            return true;
    }
}

static struct term *finish_collection(struct parser *p, struct term *x, struct plist *l)
{
    x->a = (struct term **)l->v;
    x->n = l->n;
    finish_span(p, x);
    return x;
}

/* `| body` of a comprehension up to close; NULL when it does not parse. */
static struct body *comprehension_body(struct parser *p, enum rtok close)
{
    p->i++; /* '|' */
    struct body *b = parse_query_until(p, close);
    if (b && !expect(p, close))
        return NULL;
    return b;
}

/* OPA's parseArray: after '[' (and one optional leading comma, which rules
 * out a comprehension) a single term then '|' starts a comprehension;
 * otherwise, or when that body does not parse and a ',' follows, the
 * elements are parsed again as a list. */
static struct term *parse_array(struct parser *p)
{
    struct term *x = new_term(p, TM_ARRAY, tok(p));
    if (!x)
        return NULL;
    p->i++;
    struct plist l = {0};
    if (accept(p, RT_RBRACK))
        return finish_collection(p, x, &l);
    bool comp = !accept(p, RT_COMMA);
    struct psave s;
    psave(p, &s);
    struct term *head = parse_primary(p);
    if (!head)
        return NULL;
    if (accept(p, RT_RBRACK)) {
        if (!plist_push(p, &l, head))
            return NULL;
        return finish_collection(p, x, &l);
    }
    if (accept(p, RT_COMMA)) {
        if (!plist_push(p, &l, head) || !parse_term_list(p, RT_RBRACK, &l))
            return NULL;
        return finish_collection(p, x, &l);
    }
    if (tok(p)->t == RT_BAR && comp) {
        struct body *b = comprehension_body(p, RT_RBRACK);
        if (b) {
            x->kind = TM_ARRAYC;
            x->head = head;
            x->body = b;
            finish_span(p, x);
            return x;
        }
        if (tok(p)->t != RT_COMMA)
            return NULL;
    }
    prestore(p, &s);
    if (!parse_term_list(p, RT_RBRACK, &l))
        return NULL;
    return finish_collection(p, x, &l);
}

/* OPA's parseObjectFinish after key: value. */
static struct term *object_finish(struct parser *p, struct term *x, struct term *k,
                                  struct term *v, bool comp)
{
    struct plist l = {0};
    if (accept(p, RT_RBRACE)) {
        if (!plist_push(p, &l, k) || !plist_push(p, &l, v))
            return NULL;
        return finish_collection(p, x, &l);
    }
    if (tok(p)->t == RT_BAR) {
        if (!comp)
            return unexpected_at(p, tok(p), "non-terminated object");
        struct body *b = comprehension_body(p, RT_RBRACE);
        if (!b)
            return NULL;
        x->kind = TM_OBJC;
        x->key = k;
        x->head = v;
        x->body = b;
        finish_span(p, x);
        return x;
    }
    if (accept(p, RT_COMMA)) {
        if (!plist_push(p, &l, k) || !plist_push(p, &l, v) || !parse_pair_list(p, &l))
            return NULL;
        return finish_collection(p, x, &l);
    }
    return NULL;
}

/* OPA's parseObject: the value as a single term first (a comprehension
 * `{k: v | body}`), else again as an infix expression. */
static struct term *parse_object(struct parser *p, struct term *x, struct term *k, bool comp)
{
    p->i++; /* ':' */
    struct psave s;
    psave(p, &s);
    struct term *v = parse_primary(p);
    if (!v)
        return NULL;
    bool relation = true;
    enum rtok t = tok(p)->t;
    if (comp && (t == RT_RBRACE || t == RT_COMMA || t == RT_BAR)) {
        relation = t == RT_BAR;
        struct term *o = object_finish(p, x, k, v, true);
        if (o)
            return o;
    }
    prestore(p, &s);
    if (relation) {
        v = parse_in(p);
        if (!v)
            return NULL;
        if (tok(p)->t == RT_RBRACE || tok(p)->t == RT_COMMA)
            return object_finish(p, x, k, v, false);
    }
    return unexpected_at(p, tok(p), "non-terminated object");
}

/* OPA's parseSet after its first term. */
static struct term *parse_set(struct parser *p, struct term *x, const struct psave *s,
                              struct term *head, bool comp)
{
    struct plist l = {0};
    x->kind = TM_SET;
    if (accept(p, RT_RBRACE)) {
        if (!plist_push(p, &l, head))
            return NULL;
        return finish_collection(p, x, &l);
    }
    if (accept(p, RT_COMMA)) {
        if (!plist_push(p, &l, head) || !parse_term_list(p, RT_RBRACE, &l))
            return NULL;
        return finish_collection(p, x, &l);
    }
    if (comp) {
        struct body *b = comprehension_body(p, RT_RBRACE);
        if (b) {
            x->kind = TM_SETC;
            x->head = head;
            x->body = b;
            finish_span(p, x);
            return x;
        }
        if (tok(p)->t != RT_COMMA)
            return NULL;
    }
    prestore(p, s);
    if (!parse_term_list(p, RT_RBRACE, &l))
        return NULL;
    return finish_collection(p, x, &l);
}

/* OPA's parseSetOrObject. */
static struct term *parse_brace(struct parser *p)
{
    struct term *x = new_term(p, TM_OBJECT, tok(p));
    if (!x)
        return NULL;
    p->i++;
    if (accept(p, RT_RBRACE)) {
        finish_span(p, x);
        return x;
    }
    bool comp = !accept(p, RT_COMMA);
    struct psave s;
    psave(p, &s);
    struct term *head = parse_primary(p);
    if (!head)
        return NULL;
    enum rtok t = tok(p)->t;
    if ((t == RT_BAR && comp) || t == RT_RBRACE || t == RT_COMMA)
        return parse_set(p, x, &s, head, comp);
    if (t == RT_COLON)
        return parse_object(p, x, head, comp);
    prestore(p, &s);
    head = parse_in(p);
    if (!head)
        return NULL;
    t = tok(p)->t;
    if (t == RT_RBRACE || t == RT_COMMA)
        return parse_set(p, x, &s, head, false);
    if (t == RT_COLON)
        return parse_object(p, x, head, comp);
    return unexpected_at(p, tok(p), "non-terminated set");
}

static bool adjacent(struct parser *p)
{
    bool ws_ok = p->ws_step;
    p->ws_step = false;
    return !tok(p)->ws_before || ws_ok;
}

/* A '.' right after a term must be followed at once by a name: OPA's
 * "unexpected <token> token: expected identifier". */
static void *dot_without_ident(struct parser *p)
{
    struct rtoken *dot = tok(p), *n = tok_at(p, 1);
    p->i++;
    if (n->ws_before) {
        /* the whitespace starts right after the dot */
        struct rtoken ws = {.row = dot->row, .col = dot->col + 1};
        return perr(p, &ws, "unexpected whitespace token: expected identifier");
    }
    return unexpected_at(p, n, "expected identifier");
}

/* Reference operands and calls after a primary term. */
static struct term *parse_postfix(struct parser *p, struct term *x, bool callable)
{
    for (;;) {
        struct rtoken *t = tok(p);
        bool adj = adjacent(p);
        if (t->t == RT_DOT && adj && tok_at(p, 1)->t == RT_IDENT &&
            !tok_at(p, 1)->ws_before) {
            struct rtoken *id = tok_at(p, 1);
            p->i += 2;
            struct term *s = new_term(p, TM_SCALAR, id);
            if (!s)
                return NULL;
            s->val = v_string(p->a, id->str, id->slen);
            s->flags = TF_CONST | TF_SIMPLE;
            if (x->kind != TM_REF) {
                struct term *r = new_term(p, TM_REF, t);
                if (!r)
                    return NULL;
                r->loc = x->loc;
                r->off = x->off;
                struct plist l = {0};
                if (!plist_push(p, &l, x))
                    return NULL;
                r->a = (struct term **)l.v;
                r->n = 1;
                x = r;
            }
            struct term **na = arena_alloc(p->a, (x->n + 1) * sizeof(*na));
            if (!na)
                return perr(p, t, "out of memory");
            memcpy(na, x->a, x->n * sizeof(*na));
            na[x->n++] = s;
            x->a = na;
            finish_span(p, x);
            continue;
        }
        if (t->t == RT_DOT && adj)
            return dot_without_ident(p);
        if (t->t == RT_LBRACK && adj) {
            p->i++;
            bool nb = p->no_bar;
            p->no_bar = false;
            struct term *op = parse_in_kv(p);
            p->no_bar = nb;
            if (!op)
                return NULL;
            if (!accept(p, RT_RBRACK))
                return unexpected_at(p, tok(p), "expected [");
            if (x->kind != TM_REF) {
                struct term *r = new_term(p, TM_REF, t);
                if (!r)
                    return NULL;
                r->loc = x->loc;
                r->off = x->off;
                struct term **a1 = arena_alloc(p->a, sizeof(*a1));
                if (!a1)
                    return perr(p, t, "out of memory");
                a1[0] = x;
                r->a = a1;
                r->n = 1;
                x = r;
            }
            struct term **na = arena_alloc(p->a, (x->n + 1) * sizeof(*na));
            if (!na)
                return perr(p, t, "out of memory");
            memcpy(na, x->a, x->n * sizeof(*na));
            na[x->n++] = op;
            x->a = na;
            finish_span(p, x);
            continue;
        }
        if (t->t == RT_LPAREN && adj && callable) {
            bool name_ok = x->kind == TM_VAR;
            if (x->kind == TM_REF) {
                name_ok = x->a[0]->kind == TM_VAR;
                for (size_t k = 1; k < x->n && name_ok; k++)
                    name_ok = x->a[k]->kind == TM_SCALAR && v_is(x->a[k]->val, V_STRING);
            }
            if (!name_ok)
                return unexpected(p);
            p->i++;
            bool nb = p->no_bar;
            p->no_bar = false;
            struct plist l = {0};
            if (!plist_push(p, &l, x) || !parse_term_list(p, RT_RPAREN, &l))
                return NULL;
            p->no_bar = nb;
            struct term *c = new_term(p, TM_CALL, t);
            if (!c)
                return NULL;
            c->loc = x->loc;
            c->off = x->off;
            c->a = (struct term **)l.v;
            c->n = l.n;
            finish_span(p, c);
            /* set() is the empty set */
            if (x->kind == TM_VAR && strcmp(x->name, "set") == 0 && c->n == 1) {
                c->kind = TM_SET;
                c->a = NULL;
                c->n = 0;
            }
            x = c;
            callable = false;
            continue;
        }
        return x;
    }
}

/* ---- template strings ($"..." and $`...`) ---- */

static int hexdig(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One escape of a double-quoted template at s[i] == '\\'; appends the
 * decoded bytes and returns the length consumed, or 0 when invalid. */
static size_t template_escape(const char *s, size_t end, size_t i, struct buf *lit)
{
    char n = s[i + 1];
    const char *simple = "\"\\/bfnrt{", *repl = "\"\\/\b\f\n\r\t{";
    const char *q = strchr(simple, n);
    if (n && q) {
        buf_putc(lit, repl[q - simple]);
        return 2;
    }
    if (n != 'u' || i + 6 > end)
        return 0;
    unsigned cp = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexdig(s[i + 2 + k]);
        if (h < 0)
            return 0;
        cp = cp * 16 + (unsigned)h;
    }
    char u[4];
    size_t ul;
    if (cp >= 0xD800 && cp < 0xE000)
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        ul = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        ul = 2;
    } else {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        ul = 3;
    }
    buf_append(lit, u, ul);
    return 6;
}

static struct term *template_literal(struct parser *p, struct rtoken *t, struct buf *lit)
{
    struct term *x = new_term(p, TM_SCALAR, t);
    if (!x)
        return NULL;
    x->val = v_string(p->a, lit->data ? lit->data : "", lit->len);
    x->flags = TF_CONST | TF_SIMPLE;
    buf_reset(lit);
    return x->val ? x : perr(p, t, "out of memory");
}

/* {expr} of a template: parsed by a parser of its own over the text, then
 * wrapped as the closure [$v | $v = expr] so it may be undefined. */
static struct term *template_expr(struct parser *p, struct rtoken *t, const char *text,
                                  size_t len, int row, int col)
{
    struct rlex_result lx;
    char *copy = arena_strndup(p->a, text, len);
    if (!copy)
        return perr(p, t, "out of memory");
    if (rlex_scan(p->a, copy, len, &lx) < 0) {
        struct rtoken at = *t;
        at.row = row + lx.err_row - 1;
        at.col = lx.err_row == 1 ? col + lx.err_col - 1 : lx.err_col;
        return perr(p, &at, "%s", lx.err_msg);
    }
    for (size_t k = 0; k < lx.n; k++) {
        if (lx.toks[k].row == 1)
            lx.toks[k].col += col - 1;
        lx.toks[k].row += row - 1;
    }
    struct parser sub = *p;
    sub.memo = NULL;
    sub.text = copy;
    sub.len = len;
    sub.t = lx.toks;
    sub.n = lx.n;
    sub.i = 0;
    sub.no_bar = false;
    struct expr *e = parse_literal(&sub);
    p->failed = sub.failed;
    p->expr_index = sub.expr_index;
    if (!e)
        return NULL;
    if (sub.t[sub.i].t != RT_EOF)
        return unexpected(&sub);
    if (e->kind != EX_TERM || e->neg)
        return perr(p, t, "template expression must be a term");
    struct term *v = new_term(p, TM_VAR, t), *v2 = new_term(p, TM_VAR, t);
    struct term *c = new_term(p, TM_ARRAYC, t);
    struct expr *u = new_expr(p, EX_UNIFY, t);
    struct plist l = {0};
    if (!v || !v2 || !c || !u || !plist_push(p, &l, u))
        return NULL;
    v->name = v2->name = arena_sprintf(p->a, "$tpl%d", p->expr_index++);
    u->a = v2;
    u->b = e->a;
    u->with = e->with;
    u->nwith = e->nwith;
    u->loc = e->loc;
    c->head = v;
    c->body = make_body(p, &l);
    return c->body ? c : NULL;
}

static struct term *parse_template(struct parser *p)
{
    struct rtoken *t = tok(p);
    p->i++;
    const char *s = t->str;
    size_t end = t->slen - 1; /* index of the closing quote */
    bool raw = s[1] == '`';
    struct term *x = new_term(p, TM_TEMPLATE, t);
    if (!x)
        return NULL;
    struct plist parts = {0};
    struct buf lit = BUF_INIT;
    int row = t->row, col = t->col + 2;
    size_t i = 2;
    struct term *part = NULL;
    while (i < end) {
        char c = s[i];
        if (c == '\\' && (!raw || s[i + 1] == '{')) {
            size_t n = template_escape(s, end, i, &lit);
            if (!n) {
                buf_free(&lit);
                return perr(p, t, "illegal escape sequence in template string");
            }
            i += n;
            col += (int)n;
            continue;
        }
        if (c == '{') {
            size_t close = rlex_skip_template_expr(s, end + 1, i + 1);
            if (!close) {
                buf_free(&lit);
                return perr(p, t, "non-terminated template expression");
            }
            if (lit.len && (!(part = template_literal(p, t, &lit)) || !plist_push(p, &parts, part))) {
                buf_free(&lit);
                return NULL;
            }
            part = template_expr(p, t, s + i + 1, close - i - 2, row, col + 1);
            if (!part || !plist_push(p, &parts, part)) {
                buf_free(&lit);
                return NULL;
            }
            for (size_t k = i; k < close; k++) {
                if (s[k] == '\n') {
                    row++;
                    col = 1;
                } else {
                    col++;
                }
            }
            i = close;
            continue;
        }
        buf_putc(&lit, c);
        if (c == '\n') {
            row++;
            col = 1;
        } else {
            col++;
        }
        i++;
    }
    if (lit.len && (!(part = template_literal(p, t, &lit)) || !plist_push(p, &parts, part))) {
        buf_free(&lit);
        return NULL;
    }
    buf_free(&lit);
    x->a = (struct term **)parts.v;
    x->n = parts.n;
    finish_span(p, x);
    return x;
}

/* A scalar directly followed by '.', '[' or '(' would be the head of a
 * reference: OPA's "illegal ref (head cannot be <type>)" at the scalar. */
static struct term *scalar_ref_head(struct parser *p, struct term *x)
{
    if (!x)
        return NULL;
    struct rtoken *t = tok(p);
    if ((t->t != RT_DOT && t->t != RT_LBRACK && t->t != RT_LPAREN) || t->ws_before)
        return x;
    const char *type = "template-string";
    if (x->kind == TM_SCALAR)
        type = v_is(x->val, V_NULL) ? "null" : v_is(x->val, V_BOOL) ? "boolean"
             : v_is(x->val, V_STRING) ? "string" : "number";
    struct rtoken at = {.row = x->loc.row, .col = x->loc.col};
    return perr(p, &at, "illegal ref (head cannot be %s)", type);
}

static struct term *parse_primary(struct parser *p)
{
    struct rtoken *t = tok(p);
    if (++p->depth > MAX_NEST)
        return perr(p, t, "nesting too deep");
    struct term *x = NULL;
    bool lit_start = p->lit_start;
    p->lit_start = false;
    size_t at = p->i;
    struct pmemo *m = p->memo ? &p->memo[at] : NULL;
    if (m && m->term && !lit_start && m->index_before == p->expr_index) {
        p->i = m->end;
        p->expr_index = m->index_after;
        p->depth--;
        return m->term;
    }
    int index_before = p->expr_index;
    switch (t->t) {
    case RT_NUMBER:
    case RT_DOT:
    case RT_MINUS:
        x = parse_number(p);
        if (x)
            x = scalar_ref_head(p, x);
        break;
    case RT_TEMPLATE:
        x = parse_template(p);
        if (x)
            x = scalar_ref_head(p, x);
        break;
    case RT_STRING:
    case RT_RAWSTRING:
        x = scalar_term(p, t, v_string(p->a, t->str, t->slen));
        if (x)
            x = scalar_ref_head(p, x);
        break;
    case RT_LBRACK:
        x = parse_array(p);
        if (x)
            x = parse_postfix(p, x, false);
        break;
    case RT_LBRACE:
        x = parse_brace(p);
        if (x)
            x = parse_postfix(p, x, false);
        break;
    case RT_LPAREN: {
        p->i++;
        bool nb = p->no_bar;
        p->no_bar = false;
        x = parse_in_kv(p);
        p->no_bar = nb;
        if (x && tok(p)->t != RT_RPAREN)
            x = perr(p, tok(p), "non-terminated expression");
        else if (x)
            p->i++;
        if (x)
            x = parse_postfix(p, x, false);
        break;
    }
    case RT_IDENT:
        if (lit_start && keyword_ref(p)) {
            /* OPA takes any keyword starting a literal and followed by '.'
             * or '[' as the head of a reference */
        } else if (is_ident(t, "null")) {
            x = scalar_ref_head(p, scalar_term(p, t, v_null()));
            break;
        } else if (is_ident(t, "true") || is_ident(t, "false")) {
            x = scalar_ref_head(p, scalar_term(p, t, v_bool(is_ident(t, "true"))));
            break;
        } else if (is_reserved(p, t) && !is_ident(t, "contains")) {
            x = unexpected(p);
            break;
        }
        {
            x = new_term(p, TM_VAR, t);
            if (!x)
                break;
            x->name = arena_strndup(p->a, t->str, t->slen);
            x->wildcard = t->slen == 1 && t->str[0] == '_';
            p->i++;
            x = parse_postfix(p, x, true);
        }
        break;
    default:
        x = unexpected(p);
    }
    if (x && m && !lit_start && !p->failed) {
        m->term = x;
        m->end = p->i;
        m->index_before = index_before;
        m->index_after = p->expr_index;
    }
    p->depth--;
    return x;
}

/* ---- infix operators ---- */

/* One more link of an operator chain (`1 + 1 + ...` nests to the left):
 * counted as nesting until the chain ends, so a chain too long for the
 * passes that walk the tree is refused as "nesting too deep" instead of
 * overflowing their stack. */
static bool chain_link(struct parser *p, const struct rtoken *t, int *links)
{
    (*links)++;
    if (++p->depth > MAX_NEST) {
        perr(p, t, "nesting too deep");
        return false;
    }
    return true;
}

static struct term *parse_factor(struct parser *p)
{
    struct term *x = parse_primary(p);
    int links = 0;
    while (x) {
        struct rtoken *t = tok(p);
        const char *op = t->t == RT_STAR ? "mul" : t->t == RT_SLASH ? "div"
                       : t->t == RT_PERCENT ? "rem" : NULL;
        if (!op)
            break;
        if (!chain_link(p, t, &links)) {
            x = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_primary(p);
        x = y ? make_call(p, op, t, x, y) : NULL;
    }
    p->depth -= links;
    return x;
}

static struct term *parse_arith(struct parser *p)
{
    struct term *x = parse_factor(p);
    int links = 0;
    while (x) {
        struct rtoken *t = tok(p);
        const char *op = t->t == RT_PLUS ? "plus" : t->t == RT_MINUS ? "minus" : NULL;
        if (!op)
            break;
        if (!chain_link(p, t, &links)) {
            x = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_factor(p);
        x = y ? make_call(p, op, t, x, y) : NULL;
    }
    p->depth -= links;
    return x;
}

static struct term *parse_and(struct parser *p)
{
    struct term *x = parse_arith(p);
    int links = 0;
    while (x && tok(p)->t == RT_AMP) {
        struct rtoken *t = tok(p);
        if (!chain_link(p, t, &links)) {
            x = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_arith(p);
        x = y ? make_call(p, "and", t, x, y) : NULL;
    }
    p->depth -= links;
    return x;
}

static struct term *parse_or(struct parser *p)
{
    struct term *x = parse_and(p);
    int links = 0;
    while (x && !p->no_bar && tok(p)->t == RT_BAR) {
        struct rtoken *t = tok(p);
        if (!chain_link(p, t, &links)) {
            x = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_and(p);
        x = y ? make_call(p, "or", t, x, y) : NULL;
    }
    p->depth -= links;
    return x;
}

static const char *rel_name(enum rtok k)
{
    switch (k) {
    case RT_EQ: return "equal";
    case RT_NEQ: return "neq";
    case RT_LT: return "lt";
    case RT_LTE: return "lte";
    case RT_GT: return "gt";
    case RT_GTE: return "gte";
    default: return NULL;
    }
}

static struct term *parse_rel(struct parser *p)
{
    struct term *x = parse_or(p);
    int links = 0;
    while (x) {
        struct rtoken *t = tok(p);
        const char *op = rel_name(t->t);
        if (!op)
            break;
        if (!chain_link(p, t, &links)) {
            x = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_or(p);
        x = y ? make_call(p, op, t, x, y) : NULL;
    }
    p->depth -= links;
    return x;
}

static struct term *parse_in(struct parser *p)
{
    if (++p->depth > MAX_NEST)
        return perr(p, tok(p), "nesting too deep");
    struct term *x = parse_rel(p);
    int links = 0;
    while (x && at_kw(p, "in")) {
        struct rtoken *t = tok(p);
        if (!chain_link(p, t, &links)) {
            x = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_rel(p);
        x = y ? make_call(p, "internal.member_2", t, x, y) : NULL;
    }
    p->depth -= links + 1;
    return x;
}

/* `k, v in xs` after its first term x (OPA's member_3). */
static struct term *parse_member3(struct parser *p, struct term *x)
{
    struct rtoken *comma = tok(p);
    p->i++;
    struct term *v = parse_rel(p);
    if (!v)
        return NULL;
    if (!at_kw(p, "in"))
        return unexpected(p);
    p->i++;
    struct term *coll = parse_rel(p);
    if (!coll)
        return NULL;
    struct term *c = make_call(p, "internal.member_3", comma, x, v);
    if (!c)
        return NULL;
    struct term **args = arena_alloc(p->a, 4 * sizeof(*args));
    if (!args)
        return perr(p, comma, "out of memory");
    memcpy(args, c->a, 3 * sizeof(*args));
    args[3] = coll;
    c->a = args;
    c->n = 4;
    c->end = coll->end;
    int links = 0;
    while (c && at_kw(p, "in")) {
        struct rtoken *t = tok(p);
        if (!chain_link(p, t, &links)) {
            c = NULL;
            break;
        }
        p->i++;
        struct term *y = parse_rel(p);
        c = y ? make_call(p, "internal.member_2", t, c, y) : NULL;
    }
    p->depth -= links;
    return c;
}

/* ---- literals and bodies ---- */

static struct expr *new_expr(struct parser *p, enum expr_kind k, const struct rtoken *t)
{
    struct expr *e = arena_zalloc(p->a, sizeof(*e));
    if (!e)
        return perr(p, t, "out of memory");
    e->kind = (uint8_t)k;
    e->loc = tloc(p, t);
    e->off = t->off;
    e->index = p->expr_index++;
    return e;
}

static void expr_span(struct parser *p, struct expr *e)
{
    if (p->i > 0) {
        struct rtoken *last = &p->t[p->i - 1];
        e->end = last->off + last->len;
    }
}

/* `x, y in xs` after its first term x when `in` is a keyword, as OPA's
 * parseTermIn with keyVal: tried, and given up (back at the comma, no
 * error) when it does not parse. */
static struct term *parse_in_kv(struct parser *p)
{
    struct term *x = parse_in(p);
    if (!x || tok(p)->t != RT_COMMA || !p->kw_in)
        return x;
    size_t save = p->i;
    int index = p->expr_index;
    struct rego_err saved = *p->err;
    struct term *c = parse_member3(p, x);
    if (c)
        return c;
    p->i = save;
    p->expr_index = index;
    *p->err = saved;
    p->failed = false;
    return x;
}

/* The name of a call's operator (internal.member_2 written as a reference
 * too) into buf, "" when it is no plain name. */
static const char *call_name(const struct term *c, char *buf, size_t cap)
{
    const struct term *f = c->a[0];
    buf[0] = '\0';
    if (f->kind == TM_VAR) {
        snprintf(buf, cap, "%s", f->name);
        return buf;
    }
    if (f->kind != TM_REF || f->a[0]->kind != TM_VAR)
        return buf;
    size_t o = (size_t)snprintf(buf, cap, "%s", f->a[0]->name);
    for (size_t k = 1; k < f->n && o < cap; k++) {
        if (f->a[k]->kind != TM_SCALAR || !v_is(f->a[k]->val, V_STRING))
            return buf[0] = '\0', buf;
        o += (size_t)snprintf(buf + o, cap - o, ".%s", f->a[k]->val->u.str.s);
    }
    return buf;
}

/* A membership call `x in xs` (2) or `k, v in xs` (3) taken apart into
 * e->a (key), e->b (value), e->c (domain); 0 when term is no call, -1 on
 * error (OPA's "illegal domain" or the caller's message). */
static int membership(struct parser *p, struct term *x, struct expr *e, const char *other)
{
    char name[64];
    if (x->kind != TM_CALL) {
        unexpected_at(p, tok(p), other);
        return -1;
    }
    call_name(x, name, sizeof(name));
    bool two = strcmp(name, "internal.member_2") == 0;
    if (!two && strcmp(name, "internal.member_3") != 0) {
        unexpected_at(p, tok(p), other);
        return -1;
    }
    if (x->n != (two ? 3u : 4u)) {
        unexpected_at(p, tok(p), "illegal domain");
        return -1;
    }
    e->a = two ? NULL : x->a[1];
    e->b = x->a[two ? 1 : 2];
    e->c = x->a[two ? 2 : 3];
    return 0;
}

static struct expr *parse_every(struct parser *p, struct rtoken *kw);

/* Whether the text after kw (`some` or `every`) would parse as `x in xs`
 * (every: with a body) had the module imported the future keywords, for
 * OPA's hints in v0.  The parser's state is left as it was. */
static bool future_parses(struct parser *p, struct rtoken *kw, bool every)
{
    struct psave s;
    psave(p, &s);
    struct parser q = *p;
    q.memo = NULL; /* terms parsed with other keywords must not be reused */
    q.kw_in = q.kw_every = true;
    q.hint = NULL;
    q.i = (size_t)(kw - p->t) + 1;
    bool ok;
    if (every) {
        ok = parse_every(&q, kw) != NULL;
    } else {
        struct term *x = parse_in_kv(&q);
        char name[64] = "";
        if (x && x->kind == TM_CALL)
            call_name(x, name, sizeof(name));
        ok = strncmp(name, "internal.member_", 16) == 0;
    }
    p->expr_index = q.expr_index;
    prestore(p, &s);
    return ok;
}

/* OPA's parseSome: `some x in xs` / `some k, v in xs` when it parses as a
 * membership call, otherwise `some` and a comma separated list of names. */
static struct expr *parse_some(struct parser *p, struct rtoken *kw)
{
    struct expr *e = new_expr(p, EX_SOME, kw);
    if (!e)
        return NULL;
    size_t save = p->i;
    int index = p->expr_index;
    struct rego_err saved = *p->err;
    struct term *x = parse_in_kv(p);
    if (x && x->kind == TM_CALL) {
        e->kind = EX_SOMEIN;
        if (membership(p, x, e, "expected `x in xs` or `x, y in xs` expression") < 0)
            return NULL;
        expr_span(p, e);
        return e;
    }
    p->i = save;
    p->expr_index = index;
    *p->err = saved;
    p->failed = false;
    if (!p->kw_in && !p->opt_v1 && future_parses(p, kw, false))
        p->hint = "`import future.keywords.in` for `some x in xs` expressions";
    struct plist l = {0};
    for (;;) {
        struct rtoken *t = tok(p);
        if (t->t != RT_IDENT || keyword_of(p, t))
            return unexpected_at(p, t, "expected var");
        struct term *v = new_term(p, TM_VAR, t);
        if (!v || !plist_push(p, &l, v))
            return NULL;
        v->name = arena_strndup(p->a, t->str, t->slen);
        v->wildcard = t->slen == 1 && t->str[0] == '_';
        p->i++;
        if (!accept(p, RT_COMMA))
            break;
    }
    e->vars = (struct term **)l.v;
    e->nvars = l.n;
    expr_span(p, e);
    return e;
}

/* OPA's parseEvery: a membership call over variables, then a body. */
static struct expr *parse_every(struct parser *p, struct rtoken *kw)
{
    struct expr *e = new_expr(p, EX_EVERY, kw);
    if (!e)
        return NULL;
    struct term *x = parse_in_kv(p);
    if (!x || membership(p, x, e, "expected `x[, y] in xs { ... }` expression") < 0)
        return NULL;
    if (e->a && e->a->kind != TM_VAR)
        return unexpected_at(p, tok(p), "expected key to be a variable");
    if (e->b->kind != TM_VAR)
        return unexpected_at(p, tok(p), "expected value to be a variable");
    if (tok(p)->t != RT_LBRACE)
        return unexpected_at(p, tok(p), "missing body");
    e->body = parse_block(p);
    if (!e->body)
        return NULL;
    expr_span(p, e);
    return e;
}

static bool parse_withs(struct parser *p, struct expr *e)
{
    struct plist l = {0};
    while (kw_here(p, "with")) {
        struct rtoken *w = tok(p);
        p->i++;
        struct with_mod *m = arena_zalloc(p->a, sizeof(*m));
        if (!m) {
            perr(p, w, "out of memory");
            return false;
        }
        m->loc = tloc(p, w);
        if (tok(p)->t != RT_IDENT || keyword_of(p, tok(p))) {
            unexpected_at(p, tok(p), "expected ident");
            return false;
        }
        m->target = parse_primary(p);
        if (!m->target)
            return false;
        if (m->target->kind != TM_VAR && m->target->kind != TM_REF) {
            unexpected_at(p, tok(p), "expected with target path");
            return false;
        }
        if (!is_ident(tok(p), "as")) {
            unexpected_at(p, tok(p), "expected as keyword");
            return false;
        }
        p->i++;
        m->value = parse_in_kv(p);
        if (!m->value || !plist_push(p, &l, m))
            return false;
    }
    if (l.n) {
        e->with = arena_alloc(p->a, l.n * sizeof(*e->with));
        if (!e->with)
            return false;
        for (size_t k = 0; k < l.n; k++)
            e->with[k] = *(struct with_mod *)l.v[k];
        e->nwith = l.n;
    }
    return true;
}

static struct expr *parse_literal(struct parser *p)
{
    struct rtoken *t = tok(p);
    if (++p->depth > MAX_NEST)
        return perr(p, t, "nesting too deep");
    struct expr *e;
    if (kw_here(p, "some")) {
        p->i++;
        e = parse_some(p, t);
    } else if (at_kw(p, "every")) {
        p->i++;
        e = parse_every(p, t);
    } else {
        bool neg = false;
        if (kw_here(p, "not")) {
            neg = true;
            p->i++;
            if (kw_here(p, "some"))
                return unexpected_at(p, tok(p), "illegal negation of 'some'");
            if (at_kw(p, "every"))
                return unexpected_at(p, tok(p), "illegal negation of 'every'");
        }
        struct rtoken *st = tok(p);
        p->lit_start = !neg;
        struct term *x = parse_in_kv(p);
        p->lit_start = false;
        if (!x)
            return NULL;
        e = new_expr(p, EX_TERM, t);
        if (!e)
            return NULL;
        e->neg = neg;
        e->a = x;
        struct rtoken *op = tok(p);
        if (op->t == RT_UNIFY || op->t == RT_ASSIGN) {
            p->i++;
            e->kind = op->t == RT_UNIFY ? EX_UNIFY : EX_ASSIGN;
            e->b = parse_in_kv(p);
            if (!e->b)
                return NULL;
        }
        if (!neg) {
            e->loc = tloc(p, st);
            e->off = st->off;
        }
        if (e->kind == EX_TERM && x->kind == TM_VAR && strcmp(x->name, "every") == 0 &&
            !p->kw_every && !p->opt_v1 && future_parses(p, st, true))
            p->hint = "`import future.keywords.every` for `every x in xs { ... }` expressions";
    }
    if (!e)
        return NULL;
    if (!parse_withs(p, e))
        return NULL;
    expr_span(p, e);
    p->depth--;
    return e;
}

static struct body *make_body(struct parser *p, struct plist *l)
{
    struct body *b = arena_zalloc(p->a, sizeof(*b));
    if (!b)
        return perr(p, tok(p), "out of memory");
    b->e = (struct expr **)l->v;
    b->n = l->n;
    return b;
}

/* OPA's parseQuery: literals separated by ';' or newlines, up to (not
 * including) stop; a query's statements (stop = eof) need no separator. */
static struct body *parse_query_until(struct parser *p, enum rtok stop)
{
    struct plist l = {0};
    bool nb = p->no_bar;
    p->no_bar = false;
    if (tok(p)->t == stop)
        return perr(p, tok(p), stop == RT_EOF ? "empty query" : "found empty body");
    for (;;) {
        struct expr *e = parse_literal(p);
        if (!e || !plist_push(p, &l, e))
            return NULL;
        if (accept(p, RT_SEMI))
            continue;
        if (tok(p)->t == stop)
            break;
        if (stop != RT_EOF && !tok(p)->nl_before) {
            char note[40];
            snprintf(note, sizeof(note), "expected \\n or ; or %s", close_name(stop));
            return unexpected_at(p, tok(p), note);
        }
    }
    p->no_bar = nb;
    return make_body(p, &l);
}

static struct body *parse_block(struct parser *p)
{
    if (!expect(p, RT_LBRACE))
        return NULL;
    struct body *b = parse_query_until(p, RT_RBRACE);
    if (!b || !expect(p, RT_RBRACE))
        return NULL;
    return b;
}

static struct body *true_body(struct parser *p, const struct rtoken *at)
{
    struct plist l = {0};
    struct expr *e = new_expr(p, EX_TERM, at);
    struct term *x = new_term(p, TM_SCALAR, at);
    if (!e || !x)
        return NULL;
    x->val = v_bool(true);
    x->flags = TF_CONST | TF_SIMPLE;
    e->a = x;
    if (!plist_push(p, &l, e))
        return NULL;
    return make_body(p, &l);
}

/* ---- rules ---- */

/* OPA's ValueName of a term. */
static const char *value_name(const struct term *x)
{
    switch (x->kind) {
    case TM_SCALAR:
        return v_is(x->val, V_NULL) ? "null" : v_is(x->val, V_BOOL) ? "boolean"
             : v_is(x->val, V_STRING) ? "string" : "number";
    case TM_VAR: return "var";
    case TM_REF: return "ref";
    case TM_ARRAY: return "array";
    case TM_SET: return "set";
    case TM_OBJECT: return "object";
    case TM_CALL: return "call";
    case TM_ARRAYC: return "arraycomprehension";
    case TM_SETC: return "setcomprehension";
    case TM_OBJC: return "objectcomprehension";
    default: return "templatestring";
    }
}

static bool is_infix(enum rtok t)
{
    return t == RT_PLUS || t == RT_MINUS || t == RT_STAR || t == RT_SLASH || t == RT_PERCENT ||
           t == RT_AMP || t == RT_BAR || t == RT_EQ || t == RT_NEQ || t == RT_LT ||
           t == RT_LTE || t == RT_GT || t == RT_GTE;
}

/* The head reference: a name (`contains` too, which the v1 checks refuse
 * later, and any keyword heading a reference) then .name and [term]
 * operands.  As OPA's parseHeadFinish, an infix operator right after the
 * name is an error and blanks may come before the first operand. */
static struct term *parse_head_ref(struct parser *p)
{
    struct rtoken *t = tok(p);
    if (t->t != RT_IDENT || (is_reserved(p, t) && !is_ident(t, "contains") && !keyword_ref(p)))
        return unexpected(p);
    struct term *x = new_term(p, TM_VAR, t);
    if (!x)
        return NULL;
    x->name = arena_strndup(p->a, t->str, t->slen);
    x->wildcard = t->slen == 1 && t->str[0] == '_';
    p->i++;
    if (!tok(p)->ws_before && is_infix(tok(p)->t))
        return unexpected(p);
    p->ws_step = true;
    x = parse_postfix(p, x, false);
    p->ws_step = false;
    return x;
}

static struct rule *new_rule(struct parser *p, const struct rtoken *t)
{
    struct rule *r = arena_zalloc(p->a, sizeof(*r));
    if (!r)
        return perr(p, t, "out of memory");
    r->loc = tloc(p, t);
    return r;
}

static struct body *one_literal_body(struct parser *p)
{
    struct plist l = {0};
    struct expr *e = parse_literal(p);
    if (!e || !plist_push(p, &l, e))
        return NULL;
    return make_body(p, &l);
}

/* The body after a rule head (OPA's parseRules): `if` and one literal
 * (a set literal there is taken as `if { body }`), `if { body }`,
 * `{ body }`, or none (NULL without error; r->src_body false). */
static struct body *parse_rule_body(struct parser *p, struct rule *r)
{
    if (at_kw(p, "if")) {
        p->i++;
        r->src_if = r->src_body = true;
        if (tok(p)->t != RT_LBRACE)
            return one_literal_body(p);
        struct psave s;
        psave(p, &s);
        struct body *b = one_literal_body(p);
        if (b && !(b->e[0]->kind == EX_TERM && b->e[0]->a->kind == TM_SET && !b->e[0]->nwith))
            return b;
        prestore(p, &s);
        return parse_block(p);
    }
    if (tok(p)->t == RT_LBRACE) {
        r->src_body = true;
        return parse_block(p);
    }
    return NULL;
}

/* OPA's parseElse: `else [= value | := value] [if] [{ body } | literal]`. */
static struct rule *parse_else(struct parser *p, struct rule *first)
{
    struct rtoken *t = tok(p);
    p->i++;
    struct rule *r = new_rule(p, t);
    if (!r)
        return NULL;
    r->ref = first->ref;
    r->args = first->args;
    r->nargs = first->nargs;
    r->is_func = first->is_func;
    r->is_else = true;
    enum rtok k = tok(p)->t;
    if (k == RT_UNIFY || k == RT_ASSIGN) {
        r->is_assign = k == RT_ASSIGN;
        p->i++;
        r->value = parse_in_kv(p);
        if (!r->value)
            return NULL;
    } else if (k != RT_LBRACE && !at_kw(p, "if")) {
        return unexpected_at(p, tok(p), "expected else value term or rule body");
    }
    if (at_kw(p, "if")) {
        p->i++;
        r->src_if = true;
    } else if (tok(p)->t != RT_LBRACE) {
        r->body = true_body(p, t);
        return r->body ? r : NULL;
    }
    r->src_body = true;
    if (tok(p)->t == RT_LBRACE)
        r->body = parse_block(p);
    else if (tok(p)->t == RT_EOF)
        return unexpected_at(p, tok(p), "rule body expected");
    else
        r->body = one_literal_body(p);
    return r->body ? r : NULL;
}

static struct term *ref_without_last(struct parser *p, struct term *ref)
{
    if (ref->n == 2)
        return ref->a[0];
    struct term *x = arena_alloc(p->a, sizeof(*x));
    if (!x)
        return perr(p, tok(p), "out of memory");
    *x = *ref;
    x->n = ref->n - 1;
    return x;
}

/* No variable anywhere (OPA's IsGround; a reference's head aside). */
static bool term_ground(const struct term *x)
{
    if (x->kind == TM_REF) {
        for (size_t k = 1; k < x->n; k++)
            if (!term_ground(x->a[k]))
                return false;
        return true;
    }
    switch (x->kind) {
    case TM_SCALAR: return true;
    case TM_VAR: return false;
    case TM_REF: case TM_ARRAY: case TM_SET: case TM_OBJECT: case TM_CALL:
        for (size_t k = 0; k < x->n; k++)
            if (!term_ground(x->a[k]))
                return false;
        return true;
    default: return false;
    }
}

/* OPA's validateDefaultRuleValue: the first reference, variable or call
 * outside closures. */
static const char *default_value_problem(const struct term *x)
{
    switch (x->kind) {
    case TM_REF: return "ref";
    case TM_VAR: return "var";
    case TM_CALL: return "call";
    case TM_ARRAY: case TM_SET: case TM_OBJECT:
        for (size_t k = 0; k < x->n; k++) {
            const char *w = default_value_problem(x->a[k]);
            if (w)
                return w;
        }
        return NULL;
    default: return NULL;
    }
}

/* A default rule after its head (OPA's parseRules default branch with
 * validateDefaultRuleValue and validateDefaultRuleArgs). */
static bool finish_default(struct parser *p, struct rule *r, const struct rtoken *start)
{
    enum rtok k = tok(p)->t;
    if (k == RT_UNIFY || k == RT_ASSIGN) {
        r->is_assign = k == RT_ASSIGN;
        p->i++;
        r->value = parse_in_kv(p);
        if (!r->value)
            return false;
    } else if (r->ref->kind == TM_REF && r->ref->n == 2 && !r->nargs) {
        return perr(p, start, "illegal default rule (must have a value)"), false;
    }
    const char *bad = r->value ? default_value_problem(r->value) : NULL;
    if (bad)
        return perr(p, start, "illegal default rule (value cannot contain %s)", bad), false;
    for (size_t i = 0; i < r->nargs; i++) {
        const struct term *x = r->args[i];
        if (x->kind != TM_VAR)
            return perr(p, start, "illegal default rule (arguments cannot contain %s)",
                        value_name(x)), false;
        for (size_t j = 0; j < i && !x->wildcard; j++)
            if (r->args[j]->kind == TM_VAR && strcmp(r->args[j]->name, x->name) == 0)
                return perr(p, start, "illegal default rule (arguments cannot be repeated %s)",
                            x->name), false;
    }
    r->body = true_body(p, start);
    return r->body != NULL;
}

static void defer_error(struct parser *p, const struct rtoken *at, const char *msg)
{
    if (!p->deferred.code[0])
        rego_err_set(&p->deferred, "rego_parse_error", tloc(p, at), "%s", msg);
}

/* A rule with neither body nor value nor `contains`, which OPA parses as
 * a query and turns into a rule (ParseRuleFromBody). */
static bool finish_bare_head(struct parser *p, struct rule *r, const struct rtoken *start,
                             bool call)
{
    const char *name = p->text + r->ref->off;
    size_t len = r->ref->end - r->ref->off;
    bool root = r->ref->kind == TM_VAR &&
                (strcmp(r->ref->name, "data") == 0 || strcmp(r->ref->name, "input") == 0);
    const char *why = root && !call ? "refs cannot be used for rule head" /* OPA: a root ref */
                    : r->ref->kind == TM_VAR && !call ? "var cannot be used for rule name"
                    : call && !r->nargs ? "rule argument list must take at least one argument"
                    : call && rego_builtin_lookup(name, len) ? "rule name conflicts with built-in function"
                    : NULL;
    if (why) {
        /* OPA finds this after parsing every statement: a later syntax
         * error is reported instead */
        defer_error(p, start, why);
        r->body = NULL;
        return true;
    }
    r->body = true_body(p, start);
    return r->body != NULL;
}

/* The else chain and chained bodies `p { a } { b }` after a rule. */
static bool parse_rule_tail(struct parser *p, struct plist *rules, struct rule *r, bool keyed)
{
    struct rule *prev = r;
    if (kw_here(p, "else")) {
        if (r->ref->kind == TM_REF && !term_ground(r->ref))
            return perr(p, tok(p), "else keyword cannot be used on rules with variables in head"), false;
        if (keyed)
            return perr(p, tok(p), "else keyword cannot be used on multi-value rules"), false;
        while (kw_here(p, "else")) {
            struct rule *e = parse_else(p, r);
            if (!e)
                return false;
            e->mod = r->mod;
            prev->els = e;
            prev = e;
        }
    }
    while (tok(p)->t == RT_LBRACE) {
        if (r->els)
            return perr(p, tok(p), "expected else keyword"), false;
        struct rule *c = new_rule(p, tok(p));
        if (!c)
            return false;
        *c = *r;
        c->loc = tloc(p, tok(p));
        c->src_body = true;
        c->body = parse_block(p);
        if (!c->body || !plist_push(p, rules, c))
            return false;
    }
    return true;
}

/* OPA's reason a one-expression query is no rule (ParseRuleFromExpr), for
 * statements that do not start with a name. */
static const char *not_a_rule(struct parser *p, const struct expr *e, char *buf, size_t cap)
{
    if (e->nwith)
        return "expressions using with keyword cannot be used for rule head";
    if (e->neg)
        return "negated expressions cannot be used for rule head";
    if (e->kind == EX_SOME || e->kind == EX_SOMEIN)
        return "'some' declarations cannot be used for rule head";
    if (e->kind == EX_EVERY)
        return "expression cannot be used for rule head";
    const struct term *x = e->a;
    if (e->kind == EX_TERM && x->kind == TM_CALL)
        return "rule name conflicts with built-in function";
    if (x->kind == TM_REF) {
        snprintf(buf, cap, "invalid rule head: %.*s", (int)(x->end - x->off), p->text + x->off);
        return buf;
    }
    snprintf(buf, cap, "%s cannot be used for rule name", value_name(x));
    return buf;
}

/* A statement that does not start with a name: OPA parses it as a query
 * (literals joined by ';') and then fails to make a rule of it. */
static bool parse_query_statement(struct parser *p, const struct rtoken *start)
{
    struct expr *e = parse_literal(p);
    if (!e)
        return false;
    bool several = false;
    while (accept(p, RT_SEMI)) {
        if (!parse_literal(p))
            return false;
        several = true;
    }
    char buf[200];
    defer_error(p, start, several ? "multiple expressions cannot be used for rule head"
                                  : not_a_rule(p, e, buf, sizeof(buf)));
    return true;
}

/* A token that would carry on an expression: after a rule head without a
 * body OPA's statement is that expression. */
static bool continues_literal(struct parser *p)
{
    enum rtok t = tok(p)->t;
    return is_infix(t) || t == RT_UNIFY || t == RT_ASSIGN || kw_here(p, "with") ||
           at_kw(p, "in");
}

static bool parse_rule(struct parser *p, struct plist *rules, struct module *m)
{
    struct rtoken *start = tok(p);
    const char *kw = keyword_of(p, start);
    if (start->t != RT_IDENT || (kw && !keyword_ref(p) && strcmp(kw, "default") != 0 &&
                                 strcmp(kw, "contains") != 0))
        return parse_query_statement(p, start);
    struct psave at_start;
    psave(p, &at_start);
    struct rule *r = new_rule(p, start);
    if (!r)
        return false;
    r->mod = m;
    if (kw_here(p, "default")) {
        p->i++;
        r->is_default = true;
        if (tok(p)->t != RT_IDENT)
            return unexpected_at(p, start, NULL), false;
    }
    r->ref = parse_head_ref(p);
    if (!r->ref)
        return false;
    bool call = false;
    if (tok(p)->t == RT_LPAREN && (!tok(p)->ws_before || r->ref->kind == TM_VAR)) {
        p->i++;
        call = true;
        struct plist l = {0};
        if (!parse_term_list(p, RT_RPAREN, &l))
            return false;
        /* v0 reads `f() = 1` as the rule f */
        r->is_func = p->v1 || l.n > 0;
        r->args = (struct term **)l.v;
        r->nargs = l.n;
    }
    if (r->is_default)
        return finish_default(p, r, start) && plist_push(p, rules, r);
    struct rtoken *t = tok(p);
    if (at_kw(p, "contains")) {
        if (call) {
            char note[300];
            snprintf(note, sizeof(note), "the contains keyword can only be used with multi-value "
                     "rule definitions (e.g., %.*s contains <VALUE> { ... })",
                     (int)(r->ref->end - r->ref->off), p->text + r->ref->off);
            return unexpected_at(p, t, note), false;
        }
        p->i++;
        r->is_multi = r->src_contains = true;
        r->elem = parse_in_kv(p);
        if (!r->elem)
            return false;
    } else if (t->t == RT_UNIFY || t->t == RT_ASSIGN) {
        r->is_assign = t->t == RT_ASSIGN;
        p->i++;
        r->value = parse_in_kv(p);
        if (!r->value)
            return false;
    }
    r->body = parse_rule_body(p, r);
    if (!r->body && p->failed)
        return false;
    bool keyed = r->is_multi;
    if (!r->src_contains && !r->src_if && !r->nargs && !call && r->ref->kind == TM_REF &&
        r->ref->n == 2) {
        /* `p[x]` without `if`: a multi-value rule, or a key with a value */
        keyed = true;
        if (!r->value) {
            r->is_multi = true;
            r->elem = r->ref->a[1];
            r->ref = ref_without_last(p, r->ref);
        }
    }
    if (!r->body && !r->src_contains && continues_literal(p)) {
        /* OPA gives up the rule here and parses the statement again as a
         * query (`p > 3`, `p = 1 with input as 2`) */
        prestore(p, &at_start);
        return parse_query_statement(p, start);
    }
    if (!r->body) {
        p->as_query = !r->src_contains;
        if (r->src_contains || r->value || r->is_multi)
            r->body = true_body(p, start);
        else if (!finish_bare_head(p, r, start, call))
            return false;
        else if (!r->body)
            return !p->failed; /* not a rule (the error comes after the parse) */
        if (!r->body)
            return false;
        return plist_push(p, rules, r);
    }
    if (!plist_push(p, rules, r))
        return false;
    return parse_rule_tail(p, rules, r, keyed);
}

/* OPA's checks of a v1 module's rules (CheckRegoV1, rego_v1.go), made
 * after the whole module parsed: the first failing one, at its rule. */
static bool v1_rule_check(struct parser *p, const struct rule *r)
{
    static const char *const kws[] = {"not",  "package", "import", "as",    "default", "else",
                                      "with", "null",    "true",   "false", "some",    "if",
                                      "contains", "in",  "every"};
    const char *what = r->is_func ? "function" : "rule";
    struct rtoken at = {.row = r->loc.row, .col = r->loc.col};
    if (r->ref->kind == TM_VAR) {
        for (size_t k = 0; k < sizeof(kws) / sizeof(kws[0]); k++)
            if (strcmp(r->ref->name, kws[k]) == 0)
                return perr(p, &at, "%s keyword cannot be used for rule name", kws[k]), false;
    }
    if (!r->src_body && !r->value && !r->is_multi && !r->is_func && !r->is_default)
        return perr(p, &at, "%s must have value assignment and/or body declaration", what), false;
    if (r->src_body && !r->src_if && !r->is_default)
        return perr(p, &at, "`if` keyword is required before %s body", what), false;
    if (r->is_multi && !r->src_contains)
        return perr(p, &at, "`contains` keyword is required for partial set rules"), false;
    return true;
}

/* ---- package and imports ---- */

/* The path of a package or import: any name (a keyword too) and the
 * reference after it, which OPA parses as a term (calls included). */
static struct term *parse_path_ref(struct parser *p)
{
    struct rtoken *t = tok(p);
    if (t->t != RT_IDENT)
        return unexpected(p);
    struct term *x = new_term(p, TM_VAR, t);
    if (!x)
        return NULL;
    x->name = arena_strndup(p->a, t->str, t->slen);
    p->i++;
    return parse_postfix(p, x, true);
}

/* Every operand of a path reference after the head is a string: else
 * OPA's "unexpected <type> token: expecting string" at it. */
static bool path_operands_strings(struct parser *p, const struct term *x)
{
    for (size_t k = 1; x->kind == TM_REF && k < x->n; k++) {
        const struct term *o = x->a[k];
        if (o->kind != TM_SCALAR || !v_is(o->val, V_STRING)) {
            struct rtoken at = {.row = o->loc.row, .col = o->loc.col};
            perr(p, &at, "unexpected %s token: expecting string", value_name(o));
            return false;
        }
    }
    return true;
}

/* OPA's keywords of the parser's Rego version (IsKeywordInRegoVersion). */
static bool version_keyword(const struct parser *p, const char *s)
{
    static const char *const base[] = {"not",  "package", "import", "as",    "default", "else",
                                       "with", "null",    "true",   "false", "some"};
    static const char *const v1[] = {"if", "contains", "in", "every"};
    for (size_t k = 0; k < sizeof(base) / sizeof(base[0]); k++)
        if (strcmp(s, base[k]) == 0)
            return true;
    for (size_t k = 0; p->opt_v1 && k < sizeof(v1) / sizeof(v1[0]); k++)
        if (strcmp(s, v1[k]) == 0)
            return true;
    return false;
}

static bool ref_is_path(struct term *x, const char *const *parts, size_t n)
{
    if (x->kind == TM_VAR)
        return n == 1 && strcmp(x->name, parts[0]) == 0;
    if (x->kind != TM_REF || x->n != n || x->a[0]->kind != TM_VAR ||
        strcmp(x->a[0]->name, parts[0]) != 0)
        return false;
    for (size_t k = 1; k < n; k++) {
        struct value *v = x->a[k]->val;
        if (x->a[k]->kind != TM_SCALAR || !v_is(v, V_STRING) || strcmp(v->u.str.s, parts[k]) != 0)
            return false;
    }
    return true;
}

static void enable_keywords(struct parser *p, bool all)
{
    if (all)
        p->kw_if = p->kw_contains = p->kw_in = p->kw_every = true;
}

/* `import future.keywords[.kw]` (OPA's futureImport). */
static bool future_import(struct parser *p, struct import *im)
{
    static const char *const fk[] = {"future", "keywords"};
    struct term *x = im->path;
    struct rtoken at = {.row = x->loc.row, .col = x->loc.col};
    if (x->kind != TM_REF || strcmp(x->a[1]->val->u.str.s, "keywords") != 0) {
        perr(p, &at, "invalid import, must be `future.keywords`");
        return false;
    }
    if (im->alias) {
        perr(p, &at, "`future` imports cannot be aliased");
        return false;
    }
    if (x->n != 3 || ref_is_path(x, fk, 2)) {
        enable_keywords(p, true); /* future.keywords, and longer paths alike */
        return true;
    }
    const char *k = x->a[2]->val->u.str.s;
    if (strcmp(k, "if") == 0)
        p->kw_if = true;
    else if (strcmp(k, "contains") == 0)
        p->kw_contains = true;
    else if (strcmp(k, "in") == 0)
        p->kw_in = true;
    else if (strcmp(k, "every") == 0)
        p->kw_every = p->kw_in = true;
    else
        return perr(p, &at, "unexpected keyword, must be one of [contains every if in]"), false;
    return true;
}

/* `import rego.v1` (OPA's regoV1Import): the module is v1. */
static bool rego_import(struct parser *p, struct import *im)
{
    static const char *const rv1[] = {"rego", "v1"};
    struct term *x = im->path;
    struct rtoken at = {.row = x->loc.row, .col = x->loc.col};
    if (!ref_is_path(x, rv1, 2)) {
        perr(p, &at, "invalid import `%.*s`, must be `rego.v1`", (int)(x->end - x->off),
             p->text + x->off);
        return false;
    }
    if (!p->opt_v1 && im->alias) {
        perr(p, &at, "`rego` imports cannot be aliased");
        return false;
    }
    p->v1 = true;
    enable_keywords(p, true);
    return true;
}

/* OPA's parseImport: a path of string operands below data, input, future
 * or rego, an optional alias, and no keyword as the last name unaliased. */
static bool parse_import(struct parser *p, struct plist *imps, struct plist *all)
{
    struct rtoken *t = tok(p);
    p->i++;
    struct import *im = arena_zalloc(p->a, sizeof(*im));
    if (!im)
        return perr(p, t, "out of memory"), false;
    im->loc = tloc(p, t);
    struct term *x = im->path = parse_path_ref(p);
    if (!x || !path_operands_strings(p, x))
        return false;
    if (x->kind == TM_CALL)
        return unexpected(p), false;
    struct term *head = x->kind == TM_REF ? x->a[0] : x;
    struct rtoken at = {.row = x->loc.row, .col = x->loc.col};
    const char *root = head->kind == TM_VAR ? head->name : value_name(head);
    bool future = strcmp(root, "future") == 0, rego = strcmp(root, "rego") == 0;
    if (!future && !rego && strcmp(root, "data") != 0 && strcmp(root, "input") != 0) {
        perr(p, &at, "unexpected import path, must begin with one of: {data, future, input, rego}, "
             "got: %s (hint: if this is unexpected, try updating OPA)", root);
        return false;
    }
    if (is_ident(tok(p), "as")) {
        p->i++;
        struct rtoken *a = tok(p);
        if (a->t != RT_IDENT || keyword_of(p, a))
            return unexpected_at(p, a, "expected var"), false;
        struct term *alias = parse_primary(p);
        if (!alias)
            return false;
        if (alias->kind != TM_VAR)
            return unexpected_at(p, tok(p), "expected var"), false;
        im->alias = alias->name;
    } else if (x->kind == TM_REF && !future) {
        struct term *last = x->a[x->n - 1];
        if (version_keyword(p, last->val->u.str.s)) {
            struct rtoken lt = {.row = last->loc.row, .col = last->loc.col};
            perr(p, &lt, "unexpected import path, must not end with a keyword, got: %s",
                 last->val->u.str.s);
            return false;
        }
    }
    if (!plist_push(p, all, im))
        return false;
    if (rego)
        return rego_import(p, im);
    if (future)
        return future_import(p, im);
    return plist_push(p, imps, im);
}

/* OPA's parsePackage: a name (keywords allowed) or a reference whose
 * head is a name and whose operands are strings. */
static bool parse_package(struct parser *p, struct module *m)
{
    struct rtoken *t = tok(p);
    if (!is_ident(t, "package")) {
        perr(p, t, t->t == RT_EOF ? "empty module" : "package expected");
        return false;
    }
    p->i++;
    struct term *x = parse_path_ref(p);
    if (!x)
        return false;
    if (x->kind == TM_REF && x->a[0]->kind != TM_VAR) {
        struct rtoken at = {.row = x->a[0]->loc.row, .col = x->a[0]->loc.col};
        return perr(p, &at, "unexpected %s token: expecting var", value_name(x->a[0])), false;
    }
    if (x->kind != TM_REF && x->kind != TM_VAR)
        return unexpected(p), false;
    if (!path_operands_strings(p, x))
        return false;
    m->pkg = x;
    size_t n = x->kind == TM_REF ? x->n : 1;
    m->pkg_path = arena_alloc(p->a, n * sizeof(*m->pkg_path));
    if (!m->pkg_path)
        return perr(p, t, "out of memory"), false;
    struct term *head = x->kind == TM_REF ? x->a[0] : x;
    m->pkg_path[0] = v_cstr(p->a, head->name);
    for (size_t k = 1; k < n; k++)
        m->pkg_path[k] = x->a[k]->val;
    m->pkg_len = n;
    return true;
}

/* Scans text; a scanner error leaves the tokens before it for the parser
 * (lex_error), unless there are none at all. */
static int lex(struct arena *a, const char *file, const char *text, size_t len,
               struct rlex_result *lx, struct rego_err *err)
{
    if (rlex_scan(a, text, len, lx) < 0 && !lx->n) {
        rego_err_set(err, "rego_parse_error", (struct rloc){file, lx->err_row, lx->err_col},
                     "%s", lx->err_msg ? lx->err_msg : "out of memory");
        return -1;
    }
    return 0;
}

static void lex_error(struct parser *p, const struct rlex_result *lx)
{
    p->lex_msg = lx->err_msg;
    p->lex_row = lx->err_row;
    p->lex_col = lx->err_col;
}

/* A parse that got through: a scanner error still fails it. */
static bool lex_clean(struct parser *p)
{
    if (!p->lex_msg)
        return true;
    p->i = p->n - 1;
    perr(p, tok(p), "%s", p->lex_msg);
    return false;
}

static int parse_module_as(struct arena *a, const char *file, const char *text, size_t len,
                           const struct rlex_result *lx, bool v1, bool own_lines,
                           struct module **out, struct rego_err *err)
{
    struct parser p = {.a = a, .file = file, .text = text, .len = len, .t = lx->toks,
                       .n = lx->n, .err = err, .v1 = v1, .opt_v1 = v1, .own_lines = own_lines};
    p.memo = arena_zalloc(a, lx->n * sizeof(*p.memo));
    lex_error(&p, lx);
    if (v1)
        enable_keywords(&p, true);
    struct module *m = arena_zalloc(a, sizeof(*m));
    if (!m)
        return -1;
    m->file = file;
    m->text = text;
    if (tok(&p)->t != RT_EOF && (!is_ident(tok(&p), "package") || keyword_ref(&p))) {
        /* OPA assembles the module after parsing every statement */
        defer_error(&p, tok(&p), "package expected");
    } else if (!parse_package(&p, m)) {
        return -1;
    }
    struct plist imps = {0}, all_imps = {0}, rules = {0};
    while (tok(&p)->t != RT_EOF) {
        /* OPA takes imports anywhere in a module, a second package not */
        if (kw_here(&p, "import")) {
            if (!parse_import(&p, &imps, &all_imps))
                return -1;
            continue;
        }
        if (kw_here(&p, "package")) {
            struct module again = {0};
            defer_error(&p, tok(&p), "unexpected package");
            if (!parse_package(&p, &again))
                return -1;
            continue;
        }
        struct rtoken *start = tok(&p);
        p.as_query = false;
        if (!parse_rule(&p, &rules, m))
            return -1;
        if (p.failed)
            return -1;
        /* statements need no separator; a ';' joins a rule OPA reads as a
         * query (no body) with the next literal into one query */
        if (tok(&p)->t == RT_SEMI) {
            if (!p.as_query) {
                unexpected(&p);
                return -1;
            }
            while (accept(&p, RT_SEMI))
                if (!parse_literal(&p))
                    return -1;
            defer_error(&p, start, "multiple expressions cannot be used for rule head");
        }
        if (p.own_lines && tok(&p)->t != RT_EOF && !tok(&p)->nl_before) {
            unexpected(&p);
            return -1;
        }
    }
    if (p.failed || !lex_clean(&p))
        return -1;
    if (p.deferred.code[0]) {
        *p.err = p.deferred;
        return -1;
    }
    for (size_t k = 0; p.v1 && k < rules.n; k++)
        for (const struct rule *r = rules.v[k]; r; r = r->els)
            if (!v1_rule_check(&p, r))
                return -1;
    m->imports = arena_alloc(a, (imps.n + 1) * sizeof(*m->imports));
    if (!m->imports)
        return -1;
    for (size_t k = 0; k < imps.n; k++)
        m->imports[k] = *(struct import *)imps.v[k];
    m->nimports = imps.n;
    m->src_imports = arena_alloc(a, (all_imps.n + 1) * sizeof(*m->src_imports));
    if (!m->src_imports)
        return -1;
    for (size_t k = 0; k < all_imps.n; k++)
        m->src_imports[k] = *(struct import *)all_imps.v[k];
    m->nsrc_imports = all_imps.n;
    m->comments = lx->comments;
    m->ncomments = lx->ncomments;
    m->rules = (struct rule **)rules.v;
    m->nrules = rules.n;
    m->v1 = p.v1;
    m->compat_v1 = p.v1 && !v1;
    m->kw_if = p.kw_if;
    m->kw_contains = p.kw_contains;
    m->kw_in = p.kw_in;
    m->kw_every = p.kw_every;
    *out = m;
    return 0;
}

static int parse_module_ver(struct arena *a, const char *file, const char *text, size_t len,
                            enum rego_version ver, struct module **out, struct rego_err *err)
{
    struct rlex_result lx;
    TRY(lex(a, file, text, len, &lx, err));
    if (ver == REGO_V1)
        return parse_module_as(a, file, text, len, &lx, true, false, out, err);
    if (parse_module_as(a, file, text, len, &lx, false, ver == REGO_AUTO, out, err) == 0)
        return 0;
    if (ver == REGO_V0)
        return -1;
    struct rego_err e1;
    if (parse_module_as(a, file, text, len, &lx, true, false, out, &e1) == 0)
        return 0;
    return -1;
}

int rparse_module_opts(struct arena *a, const char *file, const char *text, size_t len,
                       const struct parse_opts *o, struct module **out, struct rego_err *err)
{
    TRY(parse_module_ver(a, file, text, len, o->ver, out, err));
    if (o->annotations)
        return rparse_annotations(a, *out, err);
    return 0;
}

int rparse_module(struct arena *a, const char *file, const char *text, size_t len,
                  enum rego_version ver, struct module **out, struct rego_err *err)
{
    struct parse_opts o = {.ver = ver, .annotations = true};
    return rparse_module_opts(a, file, text, len, &o, out, err);
}

int rparse_query(struct arena *a, const char *text, size_t len, struct body **out,
                 struct rego_err *err)
{
    struct rlex_result lx;
    TRY(lex(a, "query", text, len, &lx, err));
    struct parser p = {.a = a, .file = "query", .text = text, .len = len, .t = lx.toks,
                       .n = lx.n, .err = err, .v1 = true, .opt_v1 = true};
    p.memo = arena_zalloc(a, lx.n * sizeof(*p.memo));
    lex_error(&p, &lx);
    enable_keywords(&p, true);
    struct body *b = parse_query_until(&p, RT_EOF);
    if (!b || p.failed || !lex_clean(&p))
        return -1;
    *out = b;
    return 0;
}

int rparse_term(struct arena *a, const char *text, size_t len, struct term **out,
                struct rego_err *err)
{
    struct rlex_result lx;
    TRY(lex(a, "term", text, len, &lx, err));
    struct parser p = {.a = a, .file = "term", .text = text, .len = len, .t = lx.toks,
                       .n = lx.n, .err = err, .v1 = true, .opt_v1 = true};
    p.memo = arena_zalloc(a, lx.n * sizeof(*p.memo));
    lex_error(&p, &lx);
    enable_keywords(&p, true);
    struct term *x = parse_in(&p);
    if (!x || p.failed || !lex_clean(&p))
        return -1;
    if (tok(&p)->t != RT_EOF) {
        unexpected(&p);
        return -1;
    }
    *out = x;
    return 0;
}
