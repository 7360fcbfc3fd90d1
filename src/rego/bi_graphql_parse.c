/* bi_graphql_parse.c - GraphQL query and schema documents, parsed the way
 * gqlparser's recursive-descent parser does it.
 *
 * The first error wins and is kept with the position of the token it is
 * about; after it every function returns quickly (loops test `failed`), so
 * the reported error and position are gqlparser's.  Comments are skipped
 * by the token reader.  A lexing error surfaces as "Unexpected <Invalid>"
 * (the parser peeks the bad token and rejects it) unless the parser
 * consumes the token, as gqlparser does.  Nesting of selection sets,
 * values and types is bounded by GQL_MAX_DEPTH. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rego/bi_graphql_lex.h"

struct parser {
    struct gql_mem *m;
    struct gql_lexer lx;
    const char *file;
    bool failed;
    struct gql_error *err;
    bool peeked;
    struct gql_token peek_tok;
    struct gql_token prev;
    int depth;
};

/* ---- token plumbing ---- */

static struct gql_token read_skipping_comments(struct parser *p)
{
    struct gql_token t;
    do
        t = gql_lex_next(&p->lx);
    while (t.kind == GQL_T_COMMENT);
    return t;
}

static struct gql_token peek(struct parser *p)
{
    if (p->failed)
        return p->prev;
    if (!p->peeked) {
        p->peek_tok = read_skipping_comments(p);
        p->peeked = true;
    }
    return p->peek_tok;
}

static struct gql_pos peek_pos(struct parser *p) { return peek(p).pos; }

static void fail_at(struct parser *p, struct gql_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct parser *p, struct gql_pos pos, const char *fmt, ...)
{
    if (p->failed)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    p->failed = true;
    p->err->file = p->file;
    p->err->pos = pos;
    p->err->msg = gql_strndup(p->m, msg, strlen(msg));
}

static struct gql_token next(struct parser *p)
{
    if (p->failed)
        return p->prev;
    if (p->peeked) {
        p->peeked = false;
        p->prev = p->peek_tok;
    } else {
        p->prev = read_skipping_comments(p);
    }
    if (p->prev.kind == GQL_T_INVALID && p->prev.err)
        fail_at(p, p->prev.pos, "%s", p->prev.err);
    return p->prev;
}

static void unexpected_token(struct parser *p, struct gql_token t)
{
    struct buf b = BUF_INIT;
    gql_tok_text(&b, &t);
    fail_at(p, t.pos, "Unexpected %s", b.data ? b.data : "");
    buf_free(&b);
}

static void unexpected(struct parser *p) { unexpected_token(p, peek(p)); }

static struct gql_token expect(struct parser *p, int kind)
{
    struct gql_token t = peek(p);
    if (t.kind == kind)
        return next(p);
    fail_at(p, t.pos, "Expected %s, found %s", gql_tok_kind_text(kind), gql_tok_kind_text(t.kind));
    return t;
}

static bool is_keyword(struct gql_token t, const char *word)
{
    return t.len == strlen(word) && !memcmp(t.val, word, t.len);
}

static struct gql_token expect_keyword(struct parser *p, const char *word)
{
    struct gql_token t = peek(p);
    if (t.kind == GQL_T_NAME && is_keyword(t, word))
        return next(p);
    struct buf b = BUF_INIT;
    gql_tok_text(&b, &t);
    fail_at(p, t.pos, "Expected \"%s\", found %s", word, b.data ? b.data : "");
    buf_free(&b);
    return t;
}

static bool skip(struct parser *p, int kind)
{
    if (p->failed || peek(p).kind != kind)
        return false;
    next(p);
    return true;
}

static char *tok_str(struct parser *p, struct gql_token t) { return gql_strndup(p->m, t.val, t.len); }

static char *parse_name(struct parser *p) { return tok_str(p, expect(p, GQL_T_NAME)); }

typedef void (*item_fn)(struct parser *p, struct gql_vec *out, bool flag);

/* gqlparser's many(): start, items until end, end. */
static void many(struct parser *p, int start, int end, item_fn fn, struct gql_vec *out, bool flag)
{
    if (!skip(p, start))
        return;
    while (peek(p).kind != end && !p->failed)
        fn(p, out, flag);
    next(p);
}

/* gqlparser's some(): like many() but at least one item. */
static void some(struct parser *p, int start, int end, item_fn fn, struct gql_vec *out, bool flag)
{
    if (!skip(p, start))
        return;
    bool called = false;
    while (peek(p).kind != end && !p->failed) {
        called = true;
        fn(p, out, flag);
    }
    if (!called) {
        fail_at(p, peek_pos(p), "expected at least one definition, found %s",
                gql_tok_kind_text(peek(p).kind));
        return;
    }
    next(p);
}

static bool enter(struct parser *p)
{
    if (++p->depth > GQL_MAX_DEPTH) {
        fail_at(p, peek_pos(p), "Document nested more than %d levels deep", GQL_MAX_DEPTH);
        return false;
    }
    return true;
}

/* ---- values, types, directives ---- */

static struct gql_value *parse_value(struct parser *p, bool is_const);

static char *parse_variable(struct parser *p)
{
    expect(p, GQL_T_DOLLAR);
    return parse_name(p);
}

static void list_item(struct parser *p, struct gql_vec *out, bool is_const)
{
    struct gql_child *c = gql_alloc(p->m, sizeof(*c));
    c->name = "";
    c->value = parse_value(p, is_const);
    gql_push(p->m, out, c);
}

static void object_field(struct parser *p, struct gql_vec *out, bool is_const)
{
    struct gql_child *c = gql_alloc(p->m, sizeof(*c));
    c->pos = peek_pos(p);
    c->name = parse_name(p);
    expect(p, GQL_T_COLON);
    c->value = parse_value(p, is_const);
    gql_push(p->m, out, c);
}

static int scalar_kind(struct gql_token t)
{
    switch (t.kind) {
    case GQL_T_INT: return GQL_INT;
    case GQL_T_FLOAT: return GQL_FLOAT;
    case GQL_T_STRING: return GQL_STRING;
    case GQL_T_BLOCK_STRING: return GQL_BLOCK;
    case GQL_T_NAME:
        if (is_keyword(t, "true") || is_keyword(t, "false"))
            return GQL_BOOLEAN;
        return is_keyword(t, "null") ? GQL_NULL : GQL_ENUM;
    default: return -1;
    }
}

static struct gql_value *parse_value_inner(struct parser *p, bool is_const)
{
    struct gql_token t = peek(p);
    struct gql_value *v = gql_alloc(p->m, sizeof(*v));
    v->pos = t.pos;
    v->raw = "";
    if (t.kind == GQL_T_BRACKET_L || t.kind == GQL_T_BRACE_L) {
        bool list = t.kind == GQL_T_BRACKET_L;
        v->kind = list ? GQL_LIST : GQL_OBJECT;
        many(p, t.kind, list ? GQL_T_BRACKET_R : GQL_T_BRACE_R, list ? list_item : object_field,
             &v->children, is_const);
        return v;
    }
    if (t.kind == GQL_T_DOLLAR) {
        if (is_const) {
            unexpected(p);
            return NULL;
        }
        v->kind = GQL_VARIABLE;
        v->raw = parse_variable(p);
        v->raw_len = strlen(v->raw);
        return v;
    }
    int kind = scalar_kind(t);
    if (kind < 0) {
        unexpected(p);
        return NULL;
    }
    next(p);
    v->kind = kind;
    v->raw = t.val;
    v->raw_len = t.len;
    return v;
}

static struct gql_value *parse_value(struct parser *p, bool is_const)
{
    struct gql_value *v = enter(p) ? parse_value_inner(p, is_const) : NULL;
    p->depth--;
    return v;
}

static struct gql_type *parse_type(struct parser *p)
{
    struct gql_type *t = gql_alloc(p->m, sizeof(*t));
    t->named = "";
    if (!enter(p)) {
        p->depth--;
        return t;
    }
    if (skip(p, GQL_T_BRACKET_L)) {
        t->pos = peek_pos(p);
        t->elem = parse_type(p);
        expect(p, GQL_T_BRACKET_R);
    } else {
        t->pos = peek_pos(p);
        t->named = parse_name(p);
    }
    if (skip(p, GQL_T_BANG))
        t->nonnull = true;
    p->depth--;
    return t;
}

static void argument(struct parser *p, struct gql_vec *out, bool is_const)
{
    struct gql_arg *a = gql_alloc(p->m, sizeof(*a));
    a->pos = peek_pos(p);
    a->name = parse_name(p);
    expect(p, GQL_T_COLON);
    a->value = parse_value(p, is_const);
    gql_push(p->m, out, a);
}

static void parse_directives(struct parser *p, bool is_const, struct gql_vec *out)
{
    while (peek(p).kind == GQL_T_AT) {
        if (p->failed)
            break;
        expect(p, GQL_T_AT);
        struct gql_directive *d = gql_alloc(p->m, sizeof(*d));
        d->pos = peek_pos(p);
        d->name = parse_name(p);
        d->location = "";
        some(p, GQL_T_PAREN_L, GQL_T_PAREN_R, argument, &d->args, is_const);
        gql_push(p->m, out, d);
    }
}

/* ---- executable documents ---- */

static void selection(struct parser *p, struct gql_vec *out, bool unused);

static void required_selection_set(struct parser *p, struct gql_vec *out)
{
    if (peek(p).kind != GQL_T_BRACE_L) {
        fail_at(p, peek_pos(p), "Expected {, found %s", gql_tok_kind_text(peek(p).kind));
        return;
    }
    some(p, GQL_T_BRACE_L, GQL_T_BRACE_R, selection, out, false);
}

static void variable_definition(struct parser *p, struct gql_vec *out, bool unused)
{
    (void)unused;
    struct gql_vardef *d = gql_alloc(p->m, sizeof(*d));
    d->pos = peek_pos(p);
    d->var = parse_variable(p);
    expect(p, GQL_T_COLON);
    d->type = parse_type(p);
    if (skip(p, GQL_T_EQUALS))
        d->defval = parse_value(p, true);
    parse_directives(p, false, &d->dirs);
    gql_push(p->m, out, d);
}

static const char *fragment_name(struct parser *p)
{
    if (is_keyword(peek(p), "on")) {
        unexpected(p);
        return "";
    }
    return parse_name(p);
}

static struct gql_sel *parse_fragment(struct parser *p)
{
    expect(p, GQL_T_SPREAD);
    struct gql_sel *s = gql_alloc(p->m, sizeof(*s));
    struct gql_token t = peek(p);
    s->alias = s->name = s->type_cond = "";
    s->pos = t.pos;
    if (t.kind == GQL_T_NAME && !is_keyword(t, "on")) {
        s->kind = GQL_SEL_SPREAD;
        s->name = fragment_name(p);
        parse_directives(p, false, &s->dirs);
        return s;
    }
    s->kind = GQL_SEL_INLINE;
    if (is_keyword(peek(p), "on")) {
        next(p);
        s->type_cond = parse_name(p);
    }
    parse_directives(p, false, &s->dirs);
    required_selection_set(p, &s->sels);
    return s;
}

static struct gql_sel *parse_field(struct parser *p)
{
    struct gql_sel *s = gql_alloc(p->m, sizeof(*s));
    s->kind = GQL_SEL_FIELD;
    s->type_cond = "";
    s->pos = peek_pos(p);
    s->alias = parse_name(p);
    s->name = skip(p, GQL_T_COLON) ? parse_name(p) : s->alias;
    some(p, GQL_T_PAREN_L, GQL_T_PAREN_R, argument, &s->args, false);
    parse_directives(p, false, &s->dirs);
    if (peek(p).kind == GQL_T_BRACE_L)
        some(p, GQL_T_BRACE_L, GQL_T_BRACE_R, selection, &s->sels, false);
    return s;
}

static void selection(struct parser *p, struct gql_vec *out, bool unused)
{
    (void)unused;
    if (!enter(p)) {
        p->depth--;
        return;
    }
    struct gql_sel *s = peek(p).kind == GQL_T_SPREAD ? parse_fragment(p) : parse_field(p);
    p->depth--;
    gql_push(p->m, out, s);
}

static const char *operation_type(struct parser *p)
{
    struct gql_token t = next(p);
    static const char *const OPS[] = {"query", "mutation", "subscription"};
    for (size_t i = 0; i < 3; i++)
        if (is_keyword(t, OPS[i]))
            return OPS[i];
    unexpected_token(p, t);
    return "";
}

static struct gql_op *operation_definition(struct parser *p)
{
    struct gql_op *op = gql_alloc(p->m, sizeof(*op));
    op->pos = peek_pos(p);
    op->name = "";
    if (peek(p).kind == GQL_T_BRACE_L) {
        op->operation = "query";
        required_selection_set(p, &op->sels);
        return op;
    }
    op->operation = operation_type(p);
    if (peek(p).kind == GQL_T_NAME)
        op->name = tok_str(p, next(p));
    some(p, GQL_T_PAREN_L, GQL_T_PAREN_R, variable_definition, &op->vars, false);
    parse_directives(p, false, &op->dirs);
    required_selection_set(p, &op->sels);
    return op;
}

static struct gql_frag *fragment_definition(struct parser *p)
{
    struct gql_frag *f = gql_alloc(p->m, sizeof(*f));
    f->pos = peek_pos(p);
    expect_keyword(p, "fragment");
    f->name = fragment_name(p);
    some(p, GQL_T_PAREN_L, GQL_T_PAREN_R, variable_definition, &f->vars, false);
    expect_keyword(p, "on");
    f->type_cond = parse_name(p);
    parse_directives(p, false, &f->dirs);
    required_selection_set(p, &f->sels);
    return f;
}

static void init_parser(struct parser *p, struct gql_mem *m, const char *text, size_t len,
                        const char *file, struct gql_error *err)
{
    memset(p, 0, sizeof(*p));
    p->m = m;
    p->file = file;
    p->err = err;
    gql_lex_init(&p->lx, m, text, len);
    memset(err, 0, sizeof(*err));
}

int gql_parse_query(struct gql_mem *m, const char *text, size_t len, struct gql_qdoc **out,
                    struct gql_error *err)
{
    struct parser p;
    init_parser(&p, m, text, len, "input", err);
    struct gql_qdoc *d = gql_alloc(m, sizeof(*d));
    while (peek(&p).kind != GQL_T_EOF) {
        if (p.failed)
            break;
        struct gql_token t = peek(&p);
        if (t.kind == GQL_T_BRACE_L || (t.kind == GQL_T_NAME && (is_keyword(t, "query") ||
                                                                 is_keyword(t, "mutation") ||
                                                                 is_keyword(t, "subscription"))))
            gql_push(m, &d->ops, operation_definition(&p));
        else if (t.kind == GQL_T_NAME && is_keyword(t, "fragment"))
            gql_push(m, &d->frags, fragment_definition(&p));
        else
            unexpected(&p);
    }
    *out = d;
    return p.failed ? -1 : 0;
}

/* ---- schema documents ---- */

struct description {
    const char *text;
    size_t len;
};

static struct description parse_description(struct parser *p)
{
    struct description d = {"", 0};
    int k = peek(p).kind;
    if (k != GQL_T_BLOCK_STRING && k != GQL_T_STRING)
        return d;
    struct gql_token t = next(p);
    d.text = t.val;
    d.len = t.len;
    return d;
}

static void input_value_def(struct parser *p, struct gql_vec *out, bool with_default)
{
    struct gql_fielddef *f = gql_alloc(p->m, sizeof(*f));
    struct description d = parse_description(p);
    f->desc = d.text;
    f->desc_len = d.len;
    f->pos = peek_pos(p);
    f->name = parse_name(p);
    expect(p, GQL_T_COLON);
    f->type = parse_type(p);
    if (with_default && skip(p, GQL_T_EQUALS))
        f->defval = parse_value(p, true);
    parse_directives(p, true, &f->dirs);
    gql_push(p->m, out, f);
}

static void field_def(struct parser *p, struct gql_vec *out, bool unused)
{
    (void)unused;
    struct gql_fielddef *f = gql_alloc(p->m, sizeof(*f));
    struct description d = parse_description(p);
    f->desc = d.text;
    f->desc_len = d.len;
    f->pos = peek_pos(p);
    f->name = parse_name(p);
    some(p, GQL_T_PAREN_L, GQL_T_PAREN_R, input_value_def, &f->args, true);
    expect(p, GQL_T_COLON);
    f->type = parse_type(p);
    parse_directives(p, true, &f->dirs);
    gql_push(p->m, out, f);
}

static void enum_value_def(struct parser *p, struct gql_vec *out, bool unused)
{
    (void)unused;
    struct gql_enumval *e = gql_alloc(p->m, sizeof(*e));
    struct description d = parse_description(p);
    e->desc = d.text;
    e->desc_len = d.len;
    e->pos = peek_pos(p);
    e->name = parse_name(p);
    parse_directives(p, true, &e->dirs);
    gql_push(p->m, out, e);
}

static void implements_interfaces(struct parser *p, struct gql_vec *out)
{
    if (!is_keyword(peek(p), "implements"))
        return;
    next(p);
    skip(p, GQL_T_AMP);
    gql_push(p->m, out, parse_name(p));
    while (skip(p, GQL_T_AMP) && !p->failed)
        gql_push(p->m, out, parse_name(p));
}

static void union_members(struct parser *p, struct gql_vec *out)
{
    if (!skip(p, GQL_T_EQUALS))
        return;
    skip(p, GQL_T_PIPE);
    gql_push(p->m, out, parse_name(p));
    while (skip(p, GQL_T_PIPE) && !p->failed)
        gql_push(p->m, out, parse_name(p));
}

static void operation_type_def(struct parser *p, struct gql_vec *out, bool unused)
{
    (void)unused;
    struct gql_optype *o = gql_alloc(p->m, sizeof(*o));
    o->pos = peek_pos(p);
    o->operation = operation_type(p);
    expect(p, GQL_T_COLON);
    o->type = parse_name(p);
    gql_push(p->m, out, o);
}

static const char *const KINDS[][2] = {
    {"scalar", "SCALAR"}, {"type", "OBJECT"}, {"interface", "INTERFACE"},
    {"union", "UNION"},   {"enum", "ENUM"},   {"input", "INPUT_OBJECT"},
};

/* The KINDS row of a type keyword, or NULL. */
static const char *const *kind_of_keyword(struct gql_token t)
{
    for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
        if (is_keyword(t, KINDS[i][0]))
            return KINDS[i];
    return NULL;
}

/* The body of a type definition or extension after its keyword. */
static void type_body(struct parser *p, struct gql_def *d, bool extension)
{
    const char *k = d->kind;
    d->pos = peek_pos(p);
    d->name = parse_name(p);
    if (!strcmp(k, "OBJECT") || (!strcmp(k, "INTERFACE") && !extension))
        implements_interfaces(p, &d->interfaces);
    /* gqlparser parses input extensions' directives as non-constant */
    parse_directives(p, !(extension && !strcmp(k, "INPUT_OBJECT")), &d->dirs);
    if (!strcmp(k, "OBJECT") || !strcmp(k, "INTERFACE"))
        some(p, GQL_T_BRACE_L, GQL_T_BRACE_R, field_def, &d->fields, false);
    else if (!strcmp(k, "UNION"))
        union_members(p, &d->types);
    else if (!strcmp(k, "ENUM"))
        some(p, GQL_T_BRACE_L, GQL_T_BRACE_R, enum_value_def, &d->enum_values, false);
    else if (!strcmp(k, "INPUT_OBJECT"))
        some(p, GQL_T_BRACE_L, GQL_T_BRACE_R, input_value_def, &d->fields, true);
    if (extension && !d->dirs.n && !d->interfaces.n && !d->fields.n && !d->types.n &&
        !d->enum_values.n)
        unexpected(p);
}

static struct gql_def *type_definition(struct parser *p, struct description desc, bool extension)
{
    const char *const *row = kind_of_keyword(peek(p));
    if (!row) /* the caller checked; only after an error */
        row = KINDS[1];
    struct gql_def *d = gql_alloc(p->m, sizeof(*d));
    d->kind = row[1];
    d->name = "";
    d->desc = extension ? "" : desc.text;
    d->desc_len = extension ? 0 : desc.len;
    expect_keyword(p, row[0]);
    type_body(p, d, extension);
    return d;
}

static struct gql_schemadef *schema_definition(struct parser *p, struct description desc,
                                               bool extension)
{
    expect_keyword(p, "schema");
    struct gql_schemadef *s = gql_alloc(p->m, sizeof(*s));
    s->pos = peek_pos(p);
    s->desc = desc.text;
    s->desc_len = desc.len;
    parse_directives(p, true, &s->dirs);
    some(p, GQL_T_BRACE_L, GQL_T_BRACE_R, operation_type_def, &s->optypes, false);
    if (extension && !s->dirs.n && !s->optypes.n)
        unexpected(p);
    return s;
}

static const char *const LOCATIONS[] = {
    "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION", "INTERFACE", "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
};

static const char *directive_location(struct parser *p)
{
    struct gql_token t = expect(p, GQL_T_NAME);
    for (size_t i = 0; i < sizeof(LOCATIONS) / sizeof(LOCATIONS[0]); i++)
        if (is_keyword(t, LOCATIONS[i]))
            return LOCATIONS[i];
    unexpected_token(p, t);
    return "";
}

static struct gql_dirdef *directive_definition(struct parser *p, struct description desc)
{
    expect_keyword(p, "directive");
    expect(p, GQL_T_AT);
    struct gql_dirdef *d = gql_alloc(p->m, sizeof(*d));
    d->pos = peek_pos(p);
    d->desc = desc.text;
    d->desc_len = desc.len;
    d->name = parse_name(p);
    some(p, GQL_T_PAREN_L, GQL_T_PAREN_R, input_value_def, &d->args, true);
    struct gql_token t = peek(p);
    if (t.kind == GQL_T_NAME && is_keyword(t, "repeatable")) {
        d->repeatable = true;
        skip(p, GQL_T_NAME);
    }
    expect_keyword(p, "on");
    skip(p, GQL_T_PIPE);
    gql_push(p->m, &d->locations, (void *)directive_location(p));
    while (skip(p, GQL_T_PIPE) && !p->failed)
        gql_push(p->m, &d->locations, (void *)directive_location(p));
    return d;
}

static void type_system_extension(struct parser *p, struct gql_sdoc *doc)
{
    expect_keyword(p, "extend");
    struct gql_token t = peek(p);
    struct description none = {"", 0};
    if (is_keyword(t, "schema"))
        gql_push(p->m, &doc->schema_ext, schema_definition(p, none, true));
    else if (kind_of_keyword(t))
        gql_push(p->m, &doc->extensions, type_definition(p, none, true));
    else
        unexpected(p);
}

/* One definition at the top of a schema document; false to stop. */
static bool schema_item(struct parser *p, struct gql_sdoc *doc)
{
    struct description desc = {"", 0};
    int k = peek(p).kind;
    if (k == GQL_T_BLOCK_STRING || k == GQL_T_STRING)
        desc = parse_description(p);
    struct gql_token t = peek(p);
    if (t.kind != GQL_T_NAME) {
        unexpected(p);
        return false;
    }
    if (kind_of_keyword(t)) {
        gql_push(p->m, &doc->definitions, type_definition(p, desc, false));
    } else if (is_keyword(t, "schema")) {
        gql_push(p->m, &doc->schema, schema_definition(p, desc, false));
    } else if (is_keyword(t, "directive")) {
        gql_push(p->m, &doc->directives, directive_definition(p, desc));
    } else if (is_keyword(t, "extend")) {
        if (desc.len)
            unexpected_token(p, p->prev);
        type_system_extension(p, doc);
    } else {
        unexpected(p);
        return false;
    }
    return true;
}

int gql_parse_schema(struct gql_mem *m, const char *text, size_t len, bool builtin,
                     struct gql_sdoc **out, struct gql_error *err)
{
    struct parser p;
    init_parser(&p, m, text, len, builtin ? "prelude.graphql" : "input", err);
    struct gql_sdoc *d = gql_alloc(m, sizeof(*d));
    while (peek(&p).kind != GQL_T_EOF) {
        if (p.failed || !schema_item(&p, d))
            break;
    }
    *out = d;
    if (p.failed)
        return -1;
    for (size_t i = 0; i < d->definitions.n; i++)
        GQL_AT(d->definitions, struct gql_def, i)->builtin = builtin;
    for (size_t i = 0; i < d->extensions.n; i++)
        GQL_AT(d->extensions, struct gql_def, i)->builtin = builtin;
    return 0;
}
