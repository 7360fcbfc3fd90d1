/* bi_misc.c - the small families: OPA (opa.runtime), Tracing (trace),
 * Printing (print, internal.print), string templates
 * (internal.template_string, strings.render_template) and HTTP (http.send,
 * whose request and response handling is bi_http.c).
 *
 * strings.render_template covers the part of Go's text/template that
 * policies use: text, {{.a.b}}, {{$v}}, {{range $i, $x := .list}},
 * {{if X}}/{{else}}/{{end}}.  A missing key depends on ctx->opa_compat:
 * OPA 2025 runs the template with missingkey=error (an error wherever the
 * key is looked up, also in {{if}} and {{range}}); OPA 2026 uses Go's
 * default (a missing key is "no value": false in {{if}}, empty in
 * {{range}}, printed as "<no value>") and then replaces every "<no value>"
 * of the output, literal text included, with "<undefined>".  A field of a
 * value that is not an object is an error in both. */
#include "rego/bi_http.h"
#include "rego/bi_util.h"
#include "rego/rego.h"

#include <stdio.h>
#include <string.h>

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

BI_FN(bi_opa_runtime) { BI_RET(v_object(ctx->arena, NULL, 0, DUP_LAST_WINS, NULL)); }

/* internal.test_case(arr): OPA's test framework hook; OPA reports the
 * argument to its query tracers and answers true (no tracer here). */
BI_FN(bi_test_case)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    *out = v_bool(true);
    return 0;
}

BI_FN(bi_trace)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    *out = v_bool(true);
    return 0;
}

/* Text of one printed/interpolated operand: strings raw, others as Rego. */
static void operand_text(struct buf *b, const struct value *v)
{
    if (v->type == V_STRING)
        buf_append(b, v->u.str.s, v->u.str.len);
    else
        bi_value_text(b, v);
}

BI_FN(bi_print)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < nargs; i++) {
        if (i)
            buf_putc(&b, ' ');
        operand_text(&b, args[i]);
    }
    if (!buf_failed(&b))
        fprintf(stderr, "%.*s\n", (int)b.len, b.data ? b.data : "");
    buf_free(&b);
    *out = v_bool(true);
    return 0;
}

/* internal.print([{values of arg1}, {values of arg2}, ...]) */
BI_FN(bi_internal_print)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    struct buf b = BUF_INIT;
    const struct value *a = args[0];
    for (size_t i = 0; i < a->u.arr.len; i++) {
        const struct value *s = a->u.arr.items[i];
        if (i)
            buf_putc(&b, ' ');
        if (!v_is(s, V_SET)) {
            operand_text(&b, s);
        } else if (s->u.arr.len == 0) {
            buf_puts(&b, "<undefined>");
        } else {
            for (size_t k = 0; k < s->u.arr.len; k++) {
                if (k)
                    buf_putc(&b, ' ');
                operand_text(&b, s->u.arr.items[k]);
            }
        }
    }
    if (!buf_failed(&b))
        fprintf(stderr, "%.*s\n", (int)b.len, b.data ? b.data : "");
    buf_free(&b);
    *out = v_bool(true);
    return 0;
}

/* internal.template_string([part, ...]): a string part is literal text; an
 * expression part is the set of its values (empty = undefined). */
BI_FN(bi_template_string)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    const struct value *a = args[0];
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < a->u.arr.len; i++) {
        const struct value *p = a->u.arr.items[i];
        if (!v_is(p, V_SET)) {
            operand_text(&b, p);
            continue;
        }
        if (p->u.arr.len == 0) {
            buf_puts(&b, "<undefined>");
        } else if (p->u.arr.len > 1) {
            buf_free(&b);
            return bi_err(ctx, "template-strings must not produce multiple outputs");
        } else {
            operand_text(&b, p->u.arr.items[0]);
        }
    }
    BI_RET(bi_buf_str(ctx, &b));
}

/* ---- http.send (bi_http.c) ---- */

BI_FN(bi_http_send_call)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    return bi_http_send(ctx, args[0], out);
}

/* ---- strings.render_template (a Go text/template subset) ---- */

struct tvar {
    const char *name;
    size_t len;
    const struct value *v;
    bool go_int; /* an array index of {{range}}: a Go int, false when 0 */
};

struct tmpl {
    struct rego_bi_ctx *ctx;
    const struct value *root; /* the data, "$" */
    const char *s;
    size_t n;
    struct tvar vars[16];
    size_t nvars;
    struct buf out;
    bool missing_is_error; /* missingkey=error (OPA 2025) */
    bool last_go_int;      /* t_eval's value was a range index alone */
    bool checking;         /* the parse pass: variables must be declared */
    char err[200];
};

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n'))
        p++;
    return p;
}

/* Go's ErrorContext for the text at p: its line (from 1) and its byte
 * offset in that line (from 0). */
static void t_location(const struct tmpl *t, const char *p, int *line, int *col)
{
    *line = 1;
    const char *line_start = t->s;
    for (const char *c = t->s; c < p; c++)
        if (*c == '\n') {
            (*line)++;
            line_start = c + 1;
        }
    *col = (int)(p - line_start);
}

/* A parse error as text/template words it: "template: template:L: msg". */
static void t_parse_error(struct tmpl *t, const char *at, const char *msg)
{
    if (t->err[0])
        return; /* the first error stands */
    int line, col;
    t_location(t, at, &line, &col);
    snprintf(t->err, sizeof(t->err), "template: template:%d: %s", line, msg);
}

/* Records Go's error for field name (p..q) of cur (NULL = missing key) in
 * the node a..ae, unless missing keys are "no value" here:
 * "template: template:L:C: executing "template" at <node>: ...". */
static void t_field_error(struct tmpl *t, const struct value *cur, const char *p, const char *q,
                          const char *a, const char *ae)
{
    int al = (int)(ae - a), fl = (int)(q - p), line, col;
    t_location(t, a, &line, &col);
    char at[96];
    snprintf(at, sizeof(at), "template: template:%d:%d: executing \"template\" at <", line, col);
    if (!cur && t->missing_is_error)
        snprintf(t->err, sizeof(t->err), "%s%.*s>: map has no entry for key \"%.*s\"", at, al, a, fl, p);
    else if (cur && cur->type == V_NULL)
        snprintf(t->err, sizeof(t->err), "%s%.*s>: nil pointer evaluating interface {}.%.*s", at, al, a,
                 fl, p);
    else if (cur)
        snprintf(t->err, sizeof(t->err), "%s%.*s>: can't evaluate field %.*s in type interface {}", at,
                 al, a, fl, p);
}

/* Evaluates ".a.b", "$v", "$v.a", "." against dot. NULL = missing (or an
 * error in t->err when live: the branch runs). */
static const struct value *t_eval(struct tmpl *t, const char *p, const char *e, const struct value *dot,
                                  bool live)
{
    const char *action = p;
    const struct value *cur = dot;
    t->last_go_int = false;
    if (p < e && *p == '$') {
        const char *q = p + 1;
        while (q < e && *q != '.' && *q != ' ')
            q++;
        bool found = q == p + 1; /* "$" alone is the data */
        cur = found ? t->root : NULL;
        for (size_t i = t->nvars; i-- > 0 && !found;)
            if (t->vars[i].len == (size_t)(q - p - 1) && !memcmp(t->vars[i].name, p + 1, t->vars[i].len)) {
                found = true;
                cur = t->vars[i].v;
                t->last_go_int = t->vars[i].go_int && q == e;
            }
        if (!found && (live || t->checking) && !t->err[0]) {
            int line, col;
            t_location(t, p, &line, &col);
            snprintf(t->err, sizeof(t->err), "template: template:%d: undefined variable \"%.*s\"",
                     line, (int)(q - p), p);
        }
        p = q;
    }
    while (cur && p < e && *p == '.') {
        const char *q = p + 1;
        while (q < e && *q != '.' && *q != ' ')
            q++;
        if (q == p + 1)
            break;
        const struct value *next =
            v_is(cur, V_OBJECT) ? value_object_get_strn(cur, p + 1, (size_t)(q - p - 1)) : NULL;
        if (live && (!next || !v_is(cur, V_OBJECT)))
            t_field_error(t, v_is(cur, V_OBJECT) ? NULL : cur, p + 1, q, action, e);
        cur = next;
        p = q;
    }
    return cur;
}

/* Go's truth of what OPA's ast.As gives the template: numbers are
 * json.Number, a non-empty string, so even 0 is true. */
static bool truthy(const struct value *v)
{
    if (!v || v->type == V_NULL)
        return false;
    if (v->type == V_BOOL)
        return v->u.b;
    if (v->type == V_NUMBER)
        return true;
    if (v->type == V_STRING)
        return v->u.str.len > 0;
    return v->type == V_OBJECT ? v->u.obj.len > 0 : v->u.arr.len > 0;
}

static void t_print(struct buf *b, const struct value *v)
{
    if (!v) {
        buf_puts(b, "<no value>");
        return;
    }
    bi_go_value_text(b, v);
}

/* Finds the action {{...}} starting at or after p; returns its start. */
static const char *next_action(const char *p, const char *e, const char **in, const char **in_end,
                               const char **after)
{
    const char *o = p;
    while (o + 1 < e && !(o[0] == '{' && o[1] == '{'))
        o++;
    if (o + 1 >= e)
        return NULL;
    const char *c = o + 2;
    while (c + 1 < e && !(c[0] == '}' && c[1] == '}'))
        c++;
    if (c + 1 >= e)
        return NULL;
    *in = skip_ws(o + 2, c);
    const char *ie = c;
    while (ie > *in && (ie[-1] == ' ' || ie[-1] == '\t'))
        ie--;
    *in_end = ie;
    *after = c + 2;
    return o;
}

static bool kw(const char *p, const char *e, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(e - p) >= n && !memcmp(p, w, n) && ((size_t)(e - p) == n || p[n] == ' ');
}

/* Executes p..e; stops at {{end}}/{{else}} at depth 0 (*stop says which). */
static const char *t_exec(struct tmpl *t, const char *p, const char *e, const struct value *dot,
                          bool emit, int *stop)
{
    *stop = 0;
    while (p < e) {
        const char *in, *ie, *after;
        const char *o = next_action(p, e, &in, &ie, &after);
        if (!o) {
            if (emit)
                buf_append(&t->out, p, (size_t)(e - p));
            return e;
        }
        if (emit)
            buf_append(&t->out, p, (size_t)(o - p));
        p = after;
        if (kw(in, ie, "end")) {
            *stop = 1;
            return p;
        }
        if (kw(in, ie, "else")) {
            *stop = 2;
            return p;
        }
        if (kw(in, ie, "if")) {
            const struct value *cv = t_eval(t, skip_ws(in + 2, ie), ie, dot, emit);
            bool cond = t->last_go_int ? value_as_double(cv) != 0 : truthy(cv);
            if (t->err[0])
                return e;
            int st;
            p = t_exec(t, p, e, dot, emit && cond, &st);
            if (st == 2)
                p = t_exec(t, p, e, dot, emit && !cond, &st);
            if (st != 1) {
                t_parse_error(t, e, "unexpected EOF");
                return e;
            }
            continue;
        }
        if (kw(in, ie, "range")) {
            const char *q = skip_ws(in + 5, ie);
            const char *assign = NULL;
            for (const char *x = q; x + 1 < ie; x++)
                if (x[0] == ':' && x[1] == '=')
                    assign = x;
            struct tvar vi = {0}, vx = {0};
            const char *expr = q;
            if (assign) {
                const char *comma = memchr(q, ',', (size_t)(assign - q));
                const char *n1 = q, *n1e = comma ? comma : assign;
                while (n1e > n1 && n1e[-1] == ' ')
                    n1e--;
                if (comma) {
                    const char *n2 = skip_ws(comma + 1, assign), *n2e = assign;
                    while (n2e > n2 && n2e[-1] == ' ')
                        n2e--;
                    vi = (struct tvar){n1 + 1, (size_t)(n1e - n1 - 1), NULL, false};
                    vx = (struct tvar){n2 + 1, (size_t)(n2e - n2 - 1), NULL, false};
                } else {
                    vx = (struct tvar){n1 + 1, (size_t)(n1e - n1 - 1), NULL, false};
                }
                expr = skip_ws(assign + 2, ie);
            }
            const struct value *coll = t_eval(t, expr, ie, dot, emit);
            if (t->err[0])
                return e;
            size_t count = coll && (coll->type == V_ARRAY || coll->type == V_SET) ? coll->u.arr.len
                           : v_is(coll, V_OBJECT)                                  ? coll->u.obj.len
                                                                                   : 0;
            const char *body = p, *body_end = p;
            int st = 0;
            size_t saved = t->nvars;
            if (t->checking && t->nvars + 2 <= 16) { /* declared for the body and else */
                if (vi.name)
                    t->vars[t->nvars++] = vi;
                if (vx.name)
                    t->vars[t->nvars++] = vx;
            }
            body_end = t_exec(t, body, e, dot, false, &st);
            for (size_t i = 0; emit && i < count && saved + 2 <= 16 && !t->err[0]; i++) {
                const struct value *key, *val;
                if (coll->type == V_OBJECT) {
                    key = coll->u.obj.pairs[i].key;
                    val = coll->u.obj.pairs[i].val;
                } else {
                    key = v_int(t->ctx->arena, (int64_t)i);
                    val = coll->u.arr.items[i];
                }
                t->nvars = saved;
                if (vi.name)
                    t->vars[t->nvars++] =
                        (struct tvar){vi.name, vi.len, key, coll->type != V_OBJECT};
                if (vx.name)
                    t->vars[t->nvars++] = (struct tvar){vx.name, vx.len, val, false};
                int st2;
                t_exec(t, body, e, val, true, &st2);
            }
            if (!t->checking)
                t->nvars = saved;
            if (st == 2) {
                body_end = t_exec(t, body_end, e, dot, emit && count == 0, &st);
            }
            t->nvars = saved;
            if (st != 1) {
                t_parse_error(t, e, "unexpected EOF");
                return e;
            }
            p = body_end;
            continue;
        }
        if (emit || t->checking) {
            const struct value *v = t_eval(t, in, ie, dot, emit);
            if (t->err[0])
                return e;
            if (emit)
                t_print(&t->out, v);
        }
    }
    return p;
}

/* OPA hands the variables to the template through ast.As, which decodes
 * their Rego text as JSON: a set or a non-string key anywhere fails with
 * Go's syntax error (e.g. "invalid character ',' after object key"). */
static int vars_decodable(struct rego_bi_ctx *ctx, const struct value *vars)
{
    struct buf text = BUF_INIT;
    bi_value_text(&text, vars);
    if (buf_failed(&text)) {
        buf_free(&text);
        return bi_oom(ctx);
    }
    const char *syntax = bi_go_json_check(ctx->arena, text.data ? text.data : "", text.len);
    buf_free(&text);
    return syntax ? bi_err(ctx, "%s", syntax) : 0;
}

/* OPA 2026: every "<no value>" of the rendered text becomes "<undefined>". */
static int no_value_as_undefined(struct rego_bi_ctx *ctx, struct buf *rendered, struct value **out)
{
    static const char from[] = "<no value>", to[] = "<undefined>";
    struct buf b = BUF_INIT;
    const char *p = rendered->data ? rendered->data : "", *e = p + rendered->len;
    while (p < e) {
        const char *hit = memmem(p, (size_t)(e - p), from, sizeof(from) - 1);
        if (!hit) {
            buf_append(&b, p, (size_t)(e - p));
            break;
        }
        buf_append(&b, p, (size_t)(hit - p));
        buf_append(&b, to, sizeof(to) - 1);
        p = hit + sizeof(from) - 1;
    }
    buf_free(rendered);
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_render_template)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_OBJECT));
    struct tmpl t;
    memset(&t, 0, sizeof(t));
    t.ctx = ctx;
    t.root = args[1];
    t.missing_is_error = ctx->opa_compat != REGO_OPA_2026;
    TRY(vars_decodable(ctx, args[1]));
    int st;
    const char *s = args[0]->u.str.s;
    const char *end = s + args[0]->u.str.len;
    t.s = s;
    t.n = args[0]->u.str.len;
    /* Go parses the whole template before it runs: structure errors and
     * undeclared variables first */
    t.checking = true;
    const char *stop = t_exec(&t, s, end, args[1], false, &st);
    t.checking = false;
    if (!t.err[0] && (st != 0 || stop != end))
        t_parse_error(&t, stop, st == 2 ? "unexpected {{else}}" : "unexpected {{end}}");
    if (!t.err[0])
        t_exec(&t, s, end, args[1], true, &st);
    if (t.err[0]) {
        buf_free(&t.out);
        return bi_err(ctx, "%s", t.err);
    }
    if (!t.missing_is_error)
        return no_value_as_undefined(ctx, &t.out, out);
    BI_RET(bi_buf_str(ctx, &t.out));
}

const struct rego_builtin rego_bi_misc[] = {
    {"http.send", 1, bi_http_send_call, BI_NONDET, NULL},
    {"internal.print", 1, bi_internal_print, 0, NULL},
    {"internal.template_string", 1, bi_template_string, 0, NULL},
    {"internal.test_case", 1, bi_test_case, 0, NULL},
    {"opa.runtime", 0, bi_opa_runtime, BI_NONDET, NULL},
    {"print", 1, bi_print, BI_VARIADIC, NULL},
    {"strings.render_template", 2, bi_render_template, 0, NULL},
    {"trace", 1, bi_trace, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
