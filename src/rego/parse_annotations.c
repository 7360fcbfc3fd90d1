/* parse_annotations.c - METADATA comment blocks into annotations (ast.h).
 *
 * OPA's parser, when asked to process annotations: a comment whose text
 * starts with "METADATA" opens a block; each following comment on the next
 * row and in column 1 adds a line (one leading space dropped).  The lines
 * are YAML with the keys scope, title, description, entrypoint,
 * organizations, related_resources, authors, schemas and custom (others
 * are ignored).  Each annotation attaches to the first package, import or
 * rule below it; a missing scope defaults from that target (rule, or
 * document for an entrypoint; package).  Errors are rego_parse_error with
 * OPA's messages.  The result object is what rego.metadata.rule() returns
 * (OPA's Annotations.toObject). */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "rego/ast.h"
#include "rego/bi_util.h"
#include "rego/lexer.h"

#define MSG_MAX 480

struct ablock {
    const struct rlex_comment *head; /* the METADATA comment */
    const struct rlex_comment *lines; /* the comments after it */
    size_t nlines;
};

struct actx {
    struct arena *a;
    struct module *m;
    struct rego_err *err;
    const char *text; /* the block's YAML */
    size_t tlen;
    const char *key;  /* the field being decoded; NULL for the document */
    char msg[MSG_MAX];
};

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static bool opens_block(const struct rlex_comment *c)
{
    size_t i = 0;
    while (i < c->len && is_blank(c->text[i]))
        i++;
    return c->len - i >= 8 && memcmp(c->text + i, "METADATA", 8) == 0;
}

static int fail_at(struct actx *cx, const struct rlex_comment *c, const char *msg)
{
    rego_err_set(cx->err, "rego_parse_error", (struct rloc){cx->m->file, c->row, c->col}, "%s",
                 msg);
    return -1;
}

static int fail_loc(struct actx *cx, struct rloc loc, const char *msg)
{
    rego_err_set(cx->err, "rego_parse_error", loc, "%s", msg);
    return -1;
}

/* ---- go-yaml v3 typed decoding of the fields ---- */

static const char *yaml_tag(const struct value *v)
{
    switch (v->type) {
    case V_NULL: return "!!null";
    case V_BOOL: return "!!bool";
    case V_NUMBER: return value_is_integer(v) ? "!!int" : "!!float";
    case V_STRING: return "!!str";
    case V_OBJECT: return "!!map";
    default: return "!!seq";
    }
}

static bool blank_rest(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank(s[i]))
            return s[i] == '#';
    return true;
}

/* The 1-based line where the value of top-level key `key` starts (the
 * first non-blank line for the document itself); 0 when not found. */
static int value_line(const struct actx *cx)
{
    const char *s = cx->text, *end = cx->text + cx->tlen;
    size_t klen = cx->key ? strlen(cx->key) : 0;
    bool after_key = false;
    for (int line = 1; s < end; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        size_t n = (size_t)(e - s);
        if (after_key || !cx->key) {
            if (!blank_rest(s, n))
                return line;
        } else if (n > klen && memcmp(s, cx->key, klen) == 0) {
            size_t i = klen;
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
            if (i < n && s[i] == ':') {
                if (!blank_rest(s + i + 1, n - i - 1))
                    return line;
                after_key = true;
            }
        }
        s = nl ? nl + 1 : end;
    }
    return 0;
}

/* go-yaml's "line N: cannot unmarshal !!tag `text` into T" (the value
 * text only for scalars; N where the key's value starts). */
static int type_err(struct actx *cx, const struct value *v, const char *into)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "yaml: unmarshal errors:\n  ");
    int line = value_line(cx);
    if (line)
        buf_printf(&b, "line %d: ", line);
    buf_printf(&b, "cannot unmarshal %s", yaml_tag(v));
    if (v->type != V_ARRAY && v->type != V_OBJECT && v->type != V_SET) {
        buf_puts(&b, " `");
        bi_go_value_text(&b, v);
        buf_putc(&b, '`');
    }
    buf_printf(&b, " into %s", into);
    snprintf(cx->msg, sizeof(cx->msg), "%s", b.data ? b.data : "yaml: unmarshal errors");
    buf_free(&b);
    return -1;
}

/* A scalar decoded into a Go string field: its text; null leaves "". */
static int want_string(struct actx *cx, const struct value *v, struct value **out)
{
    *out = NULL;
    if (!v || v->type == V_NULL)
        return 0;
    if (v->type == V_STRING) {
        *out = (struct value *)v;
        return 0;
    }
    if (v->type == V_ARRAY || v->type == V_OBJECT || v->type == V_SET)
        return type_err(cx, v, "string");
    struct buf b = BUF_INIT;
    bi_go_value_text(&b, v);
    *out = v_string(cx->a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return *out ? 0 : -1;
}

static bool nonempty(const struct value *s) { return s && s->u.str.len > 0; }

static struct value *trimmed(struct actx *cx, const struct value *obj, const char *key)
{
    struct value *v = obj ? value_object_get_str(obj, key) : NULL;
    if (!v || v->type != V_STRING)
        return v_string(cx->a, "", 0);
    size_t s = 0, e = v->u.str.len;
    while (s < e && is_blank(v->u.str.s[s]))
        s++;
    while (e > s && is_blank(v->u.str.s[e - 1]))
        e--;
    return v_string(cx->a, v->u.str.s + s, e - s);
}

/* ---- the object, field by field ---- */

struct abuild {
    struct pair_list pairs;
    bool entrypoint;
    struct value *scope;
};

static int put(struct actx *cx, struct abuild *ab, const char *key, struct value *v)
{
    if (!v || pair_list_push_str(cx->a, &ab->pairs, key, v) < 0)
        return -1;
    return 0;
}

static int field_string(struct actx *cx, struct abuild *ab, const struct value *doc,
                        const char *key)
{
    struct value *s;
    if (want_string(cx, value_object_get_str(doc, key), &s) < 0)
        return -1;
    if (strcmp(key, "scope") == 0) {
        ab->scope = s;
        return 0;
    }
    return nonempty(s) ? put(cx, ab, key, s) : 0;
}

/* go-yaml v3 decodes the YAML 1.1 words into a typed bool field only. */
static bool yaml11_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"};
    static const char *const no[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
            *out = !strcmp(s, yes[i]);
            return true;
        }
    }
    return false;
}

static int field_entrypoint(struct actx *cx, struct abuild *ab, const struct value *doc)
{
    const struct value *v = value_object_get_str(doc, "entrypoint");
    if (!v || v->type == V_NULL)
        return 0;
    bool b = false;
    if (v->type == V_BOOL)
        b = v->u.b;
    else if (v->type != V_STRING || !yaml11_bool(v->u.str.s, &b))
        return type_err(cx, v, "bool");
    ab->entrypoint = b;
    return b ? put(cx, ab, "entrypoint", v_bool(true)) : 0;
}

/* A sequence field; NULL items when absent or null. */
static int want_seq(struct actx *cx, const struct value *doc, const char *key, const char *into,
                    const struct value **seq)
{
    *seq = value_object_get_str(doc, key);
    if (!*seq || (*seq)->type == V_NULL) {
        *seq = NULL;
        return 0;
    }
    return (*seq)->type == V_ARRAY ? 0 : type_err(cx, *seq, into);
}

static int field_organizations(struct actx *cx, struct abuild *ab, const struct value *doc)
{
    const struct value *seq;
    TRY(want_seq(cx, doc, "organizations", "[]string", &seq));
    if (!seq || seq->u.arr.len == 0)
        return 0;
    struct value_list l = {0};
    for (size_t i = 0; i < seq->u.arr.len; i++) {
        struct value *s;
        TRY(want_string(cx, seq->u.arr.items[i], &s));
        if (value_list_push(cx->a, &l, s ? s : v_string(cx->a, "", 0)) < 0)
            return -1;
    }
    return put(cx, ab, "organizations", v_array(cx->a, l.items, l.len));
}

static int definition_err(struct actx *cx, const char *what, const struct value *v,
                          const char *why)
{
    struct buf b = BUF_INIT;
    bi_go_value_text(&b, v);
    snprintf(cx->msg, sizeof(cx->msg), "invalid %s definition %s: %s", what,
             b.data ? b.data : "", why);
    buf_free(&b);
    return -1;
}

static int related_resource(struct actx *cx, const struct value *v, struct value **out)
{
    struct pair_list p = {0};
    if (v->type == V_STRING) {
        if (v->u.str.len == 0)
            return definition_err(cx, "related-resource", v, "ref URL may not be empty string");
        if (pair_list_push_str(cx->a, &p, "ref", (struct value *)v) < 0)
            return -1;
    } else if (v->type == V_OBJECT) {
        struct value *ref = trimmed(cx, v, "ref"), *desc = trimmed(cx, v, "description");
        if (!ref || !desc)
            return -1;
        if (!nonempty(ref))
            return definition_err(cx, "related-resource", v, "'ref' value required in object");
        if (pair_list_push_str(cx->a, &p, "ref", ref) < 0 ||
            (nonempty(desc) && pair_list_push_str(cx->a, &p, "description", desc) < 0))
            return -1;
    } else {
        return definition_err(cx, "related-resource", v,
                              "invalid value type, must be string or map");
    }
    *out = v_object(cx->a, p.pairs, p.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : -1;
}

/* "Name Words <email>": the last word in angle brackets is the email. */
static int author_string(struct actx *cx, const struct value *v, struct value **name,
                         struct value **email)
{
    const char *s = v->u.str.s;
    size_t e = v->u.str.len, b = 0;
    while (b < e && is_blank(s[b]))
        b++;
    while (e > b && is_blank(s[e - 1]))
        e--;
    if (b == e)
        return definition_err(cx, "author", v, "author is an empty string");
    size_t w = e;
    while (w > b && !is_blank(s[w - 1]))
        w--;
    *email = v_string(cx->a, "", 0);
    size_t name_end = e;
    if (e - w >= 2 && s[w] == '<' && s[e - 1] == '>') {
        *email = v_string(cx->a, s + w + 1, e - w - 2);
        name_end = w;
    }
    /* strings.Fields + Join(" "): single spaces between the name's words */
    struct buf nb = BUF_INIT;
    for (size_t i = b; i < name_end;) {
        while (i < name_end && is_blank(s[i]))
            i++;
        size_t j = i;
        while (j < name_end && !is_blank(s[j]))
            j++;
        if (j > i) {
            if (nb.len)
                buf_putc(&nb, ' ');
            buf_append(&nb, s + i, j - i);
        }
        i = j;
    }
    *name = v_string(cx->a, nb.data ? nb.data : "", nb.len);
    buf_free(&nb);
    return *name && *email ? 0 : -1;
}

static int author(struct actx *cx, const struct value *v, struct value **out)
{
    struct value *name, *email;
    if (v->type == V_STRING) {
        TRY(author_string(cx, v, &name, &email));
    } else if (v->type == V_OBJECT) {
        name = trimmed(cx, v, "name");
        email = trimmed(cx, v, "email");
        if (!name || !email)
            return -1;
        if (!nonempty(name) && !nonempty(email))
            return definition_err(cx, "author", v,
                                  "'name' and/or 'email' values required in object");
    } else {
        return definition_err(cx, "author", v, "invalid value type, must be string or map");
    }
    struct pair_list p = {0};
    if ((nonempty(name) && pair_list_push_str(cx->a, &p, "name", name) < 0) ||
        (nonempty(email) && pair_list_push_str(cx->a, &p, "email", email) < 0))
        return -1;
    *out = v_object(cx->a, p.pairs, p.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : -1;
}

typedef int (*item_fn)(struct actx *cx, const struct value *v, struct value **out);

static int field_list(struct actx *cx, struct abuild *ab, const struct value *doc,
                      const char *key, item_fn fn)
{
    const struct value *seq;
    TRY(want_seq(cx, doc, key, "[]interface {}", &seq));
    if (!seq || seq->u.arr.len == 0)
        return 0;
    struct value_list l = {0};
    for (size_t i = 0; i < seq->u.arr.len; i++) {
        struct value *item;
        TRY(fn(cx, seq->u.arr.items[i], &item));
        if (value_list_push(cx->a, &l, item) < 0)
            return -1;
    }
    return put(cx, ab, key, v_array(cx->a, l.items, l.len));
}

/* A reference text ("input.x", "schema.y") as the array of its parts,
 * the head as a string; NULL when it is no reference. */
static struct value *ref_parts(struct actx *cx, const char *s, size_t n)
{
    struct term *t;
    struct rego_err e;
    if (rparse_term(cx->a, s, n, &t, &e) < 0)
        return NULL;
    if (t->kind == TM_VAR) {
        struct value *h = v_cstr(cx->a, t->name);
        return h ? v_array(cx->a, &h, 1) : NULL;
    }
    if (t->kind != TM_REF || t->a[0]->kind != TM_VAR)
        return NULL;
    struct value_list l = {0};
    if (value_list_push(cx->a, &l, v_cstr(cx->a, t->a[0]->name)) < 0)
        return NULL;
    for (size_t i = 1; i < t->n; i++) {
        if (t->a[i]->kind != TM_SCALAR || value_list_push(cx->a, &l, t->a[i]->val) < 0)
            return NULL;
    }
    return v_array(cx->a, l.items, l.len);
}

static int schema(struct actx *cx, const struct value *v, struct value **out)
{
    if (v->type != V_OBJECT)
        return type_err(cx, v, "map[string]interface {}");
    struct pair_list p = {0};
    if (v->u.obj.len == 0) {
        *out = v_object(cx->a, NULL, 0, DUP_LAST_WINS, NULL);
        return *out ? 0 : -1;
    }
    const struct value *k = v->u.obj.pairs[0].key, *d = v->u.obj.pairs[0].val;
    struct value *path = k->type == V_STRING ? ref_parts(cx, k->u.str.s, k->u.str.len) : NULL;
    if (!path) {
        snprintf(cx->msg, sizeof(cx->msg), "invalid document reference");
        return -1;
    }
    if (path->u.arr.len && pair_list_push_str(cx->a, &p, "path", path) < 0)
        return -1;
    if (d->type == V_STRING) {
        struct value *sref = ref_parts(cx, d->u.str.s, d->u.str.len);
        const struct value *h = sref && sref->u.arr.len ? sref->u.arr.items[0] : NULL;
        if (!h || h->type != V_STRING || strcmp(h->u.str.s, "schema") != 0) {
            snprintf(cx->msg, sizeof(cx->msg), "invalid schema reference");
            return -1;
        }
        if (pair_list_push_str(cx->a, &p, "schema", sref) < 0)
            return -1;
    } else if (d->type == V_OBJECT) {
        if (pair_list_push_str(cx->a, &p, "definition", (struct value *)d) < 0)
            return -1;
    } else {
        struct buf b = BUF_INIT;
        bi_go_value_text(&b, k);
        snprintf(cx->msg, sizeof(cx->msg), "invalid schema declaration for path \"%s\"",
                 b.data ? b.data : "");
        buf_free(&b);
        return -1;
    }
    *out = v_object(cx->a, p.pairs, p.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : -1;
}

static int field_schemas(struct actx *cx, struct abuild *ab, const struct value *doc)
{
    const struct value *seq;
    TRY(want_seq(cx, doc, "schemas", "[]map[string]interface {}", &seq));
    if (!seq || seq->u.arr.len == 0)
        return 0;
    struct value_list l = {0};
    for (size_t i = 0; i < seq->u.arr.len; i++) {
        struct value *item = NULL;
        TRY(schema(cx, seq->u.arr.items[i], &item));
        if (value_list_push(cx->a, &l, item) < 0)
            return -1;
    }
    return put(cx, ab, "schemas", v_array(cx->a, l.items, l.len));
}

static int field_custom(struct actx *cx, struct abuild *ab, const struct value *doc)
{
    const struct value *v = value_object_get_str(doc, "custom");
    if (!v || v->type == V_NULL)
        return 0;
    if (v->type != V_OBJECT)
        return type_err(cx, v, "map[string]interface {}");
    return v->u.obj.len ? put(cx, ab, "custom", (struct value *)v) : 0;
}

static int build_fields(struct actx *cx, struct abuild *ab, const struct value *doc)
{
    static const char *const strs[] = {"scope", "title", "description"};
    for (size_t i = 0; i < 3; i++) {
        cx->key = strs[i];
        TRY(field_string(cx, ab, doc, strs[i]));
    }
    cx->key = "entrypoint";
    TRY(field_entrypoint(cx, ab, doc));
    cx->key = "organizations";
    TRY(field_organizations(cx, ab, doc));
    cx->key = "related_resources";
    TRY(field_list(cx, ab, doc, "related_resources", related_resource));
    cx->key = "authors";
    TRY(field_list(cx, ab, doc, "authors", author));
    cx->key = "schemas";
    TRY(field_schemas(cx, ab, doc));
    cx->key = "custom";
    return field_custom(cx, ab, doc);
}

/* ---- YAML errors ---- */

/* Go's %+q of a rune (strconv.QuoteRuneToASCII). */
static void go_quote_rune(struct buf *b, uint32_t r)
{
    static const char named[] = "\a\b\f\n\r\t\v";
    static const char letters[] = "abfnrtv";
    const char *k = r && r < 0x20 ? strchr(named, (int)r) : NULL;
    if (r == '\'' || r == '\\')
        buf_printf(b, "'\\%c'", (char)r);
    else if (r >= 0x20 && r < 0x7f)
        buf_printf(b, "'%c'", (char)r);
    else if (k)
        buf_printf(b, "'\\%c'", letters[k - named]);
    else if (r < 0x20 || r == 0x7f)
        buf_printf(b, "'\\x%02x'", r);
    else if (r < 0x10000)
        buf_printf(b, "'\\u%04x'", r);
    else
        buf_printf(b, "'\\U%08x'", r);
}

/* OPA's hint for "key:value" without a space after the colon. */
static void space_hint(struct buf *b, const struct rlex_comment *c)
{
    const char *colon = memchr(c->text, ':', c->len);
    if (!colon)
        return;
    struct buf bad = BUF_INIT;
    const char *end = c->text + c->len;
    for (const char *part = colon + 1;; ) {
        const char *next = memchr(part, ':', (size_t)(end - part));
        const char *pend = next ? next : end;
        if (pend == part && !next) {
            bad.len = 0;
            break;
        }
        if (pend > part && (*part == ' ' || *part == '\t')) {
            bad.len = 0;
            break;
        }
        if (pend > part) {
            uint32_t r;
            bi_utf8_decode(part, (size_t)(pend - part), &r);
            if (bad.len)
                buf_putc(&bad, ' ');
            go_quote_rune(&bad, r);
        } else {
            /* an empty part before another colon: Go decodes RuneError */
            if (bad.len)
                buf_putc(&bad, ' ');
            buf_puts(&bad, "'\\ufffd'");
        }
        if (!next)
            break;
        part = next + 1;
    }
    if (bad.len)
        buf_printf(b,
                   "\n  Hint: on line %d, symbol(s) [%.*s] immediately following a key/value "
                   "separator ':' is not a legal yaml space character",
                   c->row, (int)bad.len, bad.data);
    buf_free(&bad);
}

/* The comment OPA blames: the one at index <line> of the block (the line
 * number of "yaml: line N:"), the last one past the end, else the first. */
static const struct rlex_comment *blamed(const struct ablock *bl, const char *msg)
{
    const char *p = NULL;
    if (strncmp(msg, "yaml: line ", 11) == 0)
        p = msg + 11;
    else if (strncmp(msg, "yaml: unmarshal errors:", 23) == 0 && strstr(msg, " line "))
        p = strstr(msg, " line ") + 6;
    if (p && *p >= '0' && *p <= '9') {
        size_t n = 0;
        while (*p >= '0' && *p <= '9' && n < 1000000)
            n = n * 10 + (size_t)(*p++ - '0');
        if (*p == ':')
            return n >= bl->nlines ? &bl->lines[bl->nlines - 1] : &bl->lines[n];
    }
    return bl->nlines ? &bl->lines[0] : bl->head;
}

static int yaml_fail(struct actx *cx, const struct ablock *bl, const char *msg)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, msg);
    for (size_t i = 0; i < bl->nlines; i++)
        space_hint(&b, &bl->lines[i]);
    int rc = fail_at(cx, blamed(bl, msg), b.data ? b.data : msg);
    buf_free(&b);
    return rc;
}

/* ---- one block ---- */

/* The block's YAML: each line without one leading space, newline-ended.
 * Returns whether it is all blank. */
static bool block_text(const struct ablock *bl, struct buf *text)
{
    bool blank = true;
    for (size_t i = 0; i < bl->nlines; i++) {
        const struct rlex_comment *c = &bl->lines[i];
        size_t skip = c->len && c->text[0] == ' ' ? 1 : 0;
        buf_append(text, c->text + skip, c->len - skip);
        buf_putc(text, '\n');
        for (size_t k = skip; k < c->len && blank; k++)
            blank = is_blank(c->text[k]);
    }
    return blank;
}

/* Decodes the fields of the parsed document into ab (cx->msg on error). */
static int decode_doc(struct actx *cx, const struct buf *text, const struct value *doc,
                      struct abuild *ab)
{
    cx->text = text->data;
    cx->tlen = text->len;
    cx->key = NULL;
    cx->msg[0] = '\0';
    int rc = 0;
    if (doc->type != V_OBJECT && doc->type != V_NULL)
        rc = type_err(cx, doc, "ast.rawAnnotation");
    else if (doc->type == V_OBJECT)
        rc = build_fields(cx, ab, doc);
    cx->text = NULL;
    return rc;
}

static int parse_block(struct actx *cx, const struct ablock *bl, struct annotation **out)
{
    struct buf text = BUF_INIT;
    bool blank = block_text(bl, &text);
    if (buf_failed(&text)) {
        buf_free(&text);
        return fail_at(cx, bl->head, "out of memory");
    }
    if (blank) {
        buf_free(&text);
        return fail_at(cx, bl->head, "expected METADATA block, found whitespace");
    }
    struct value *doc;
    char yerr[300];
    int rc = rego_yaml_parse(cx->a, text.data, text.len, true, &doc, yerr, sizeof(yerr));
    if (rc < 0) {
        buf_free(&text);
        return yaml_fail(cx, bl, yerr);
    }
    struct abuild ab = {0};
    rc = decode_doc(cx, &text, doc, &ab);
    buf_free(&text);
    if (rc < 0) {
        if (!cx->msg[0])
            return fail_at(cx, bl->head, "out of memory");
        return strncmp(cx->msg, "yaml:", 5) == 0 ? yaml_fail(cx, bl, cx->msg)
                                                 : fail_at(cx, bl->head, cx->msg);
    }
    struct annotation *an = arena_zalloc(cx->a, sizeof(*an));
    if (!an)
        return fail_at(cx, bl->head, "out of memory");
    an->loc = (struct rloc){cx->m->file, bl->head->row, bl->head->col};
    an->scope = nonempty(ab.scope) ? ab.scope->u.str.s : "";
    /* the object without scope; attach() adds the final scope */
    an->obj = v_object(cx->a, ab.pairs.pairs, ab.pairs.len, DUP_LAST_WINS, NULL);
    if (!an->obj)
        return fail_at(cx, bl->head, "out of memory");
    *out = an;
    return ab.entrypoint ? 1 : 0;
}

/* ---- attaching ---- */

enum target { T_NONE, T_PACKAGE, T_IMPORT, T_RULE };

/* The first package, import or rule that starts on a row below `row`. */
static enum target find_target(const struct module *m, int row, struct rule **rule)
{
    *rule = NULL;
    if (m->pkg && m->pkg->loc.row > row)
        return T_PACKAGE;
    for (size_t i = 0; i < m->nsrc_imports; i++)
        if (m->src_imports[i].loc.row > row)
            return T_IMPORT;
    for (size_t i = 0; i < m->nrules; i++) {
        if (m->rules[i]->loc.row > row) {
            *rule = m->rules[i];
            return T_RULE;
        }
    }
    return T_NONE;
}

static int attach(struct actx *cx, struct annotation *an, bool entrypoint)
{
    struct rule *r;
    enum target t = find_target(cx->m, an->loc.row, &r);
    static const char *const names[] = {"", "package", "import", "rule"};
    if (!an->scope[0])
        an->scope = t == T_RULE ? (entrypoint ? "document" : "rule") : names[t];
    char msg[MSG_MAX];
    bool on_rule = !strcmp(an->scope, "rule") || !strcmp(an->scope, "document");
    bool on_pkg = !strcmp(an->scope, "package") || !strcmp(an->scope, "subpackages");
    if (!on_rule && !on_pkg) {
        snprintf(msg, sizeof(msg),
                 "invalid annotation scope '%s'. Use one of 'rule', 'document', 'package', or "
                 "'subpackages'", an->scope);
        return fail_loc(cx, an->loc, msg);
    }
    if ((on_rule && t != T_RULE) || (on_pkg && t != T_PACKAGE)) {
        char have[32] = "";
        if (t != T_NONE)
            snprintf(have, sizeof(have), " (have %s)", names[t]);
        snprintf(msg, sizeof(msg), "annotation scope '%s' must be applied to %s%s", an->scope,
                 on_rule ? "rule" : "package", have);
        return fail_loc(cx, an->loc, msg);
    }
    if (entrypoint && strcmp(an->scope, "document") != 0 && strcmp(an->scope, "package") != 0) {
        snprintf(msg, sizeof(msg),
                 "annotation entrypoint applied to non-document or package scope '%s'",
                 an->scope);
        return fail_loc(cx, an->loc, msg);
    }
    an->rule = r;
    struct pair_list p = {0};
    for (size_t i = 0; i < an->obj->u.obj.len; i++)
        if (pair_list_push(cx->a, &p, an->obj->u.obj.pairs[i].key, an->obj->u.obj.pairs[i].val) < 0)
            return fail_loc(cx, an->loc, "out of memory");
    if (pair_list_push_str(cx->a, &p, "scope", v_cstr(cx->a, an->scope)) < 0 ||
        !(an->obj = v_object(cx->a, p.pairs, p.len, DUP_LAST_WINS, NULL)))
        return fail_loc(cx, an->loc, "out of memory");
    return 0;
}

/* ---- blocks ---- */

static size_t find_blocks(const struct module *m, struct ablock *out)
{
    size_t n = 0;
    struct ablock *cur = NULL;
    const struct rlex_comment *c = m->comments;
    for (size_t i = 0; i < m->ncomments; i++) {
        if (cur) {
            if (c[i].row == c[i - 1].row + 1 && c[i].col == 1) {
                cur->nlines++;
                continue;
            }
            cur = NULL;
        }
        if (opens_block(&c[i])) {
            cur = &out[n++];
            *cur = (struct ablock){.head = &c[i], .lines = &c[i + 1], .nlines = 0};
        }
    }
    return n;
}

int rparse_annotations(struct arena *a, struct module *m, struct rego_err *err)
{
    struct actx cx = {.a = a, .m = m, .err = err};
    if (!m->ncomments)
        return 0;
    struct ablock *blocks = arena_alloc(a, m->ncomments * sizeof(*blocks));
    if (!blocks)
        return -1;
    size_t nb = find_blocks(m, blocks);
    if (!nb)
        return 0;
    struct annotation **ans = arena_alloc(a, nb * sizeof(*ans));
    bool *entry = arena_zalloc(a, nb * sizeof(*entry));
    if (!ans || !entry)
        return -1;
    for (size_t i = 0; i < nb; i++) {
        int rc = parse_block(&cx, &blocks[i], &ans[i]);
        if (rc < 0)
            return -1;
        entry[i] = rc == 1;
    }
    for (size_t i = 0; i < nb; i++)
        TRY(attach(&cx, ans[i], entry[i]));
    m->annots = ans;
    m->nannots = nb;
    return 0;
}
