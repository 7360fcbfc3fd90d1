/* as_tool_rego.c - `as-tool rego eval`: opa eval for our engine
 * (shared/spec/as-tool.md).  Loads -d modules and data files (directories
 * recursively), the -i input, compiles with the chosen Rego version,
 * evaluates the query and prints exactly what `opa eval --format json`
 * prints: Go's json.MarshalIndent layout (two spaces, HTML-safe escapes),
 * result envelope keys in OPA's order, values with sorted keys.
 * Extension for test runners: --input-term TEXT (a Rego term as input).
 * --opa-compat 2025|2026 picks which OPA generation's built-in behaviour to
 * follow where OPA changed it (docs/rego-builtins.md); 2025 by default. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "rego/builtins.h"
#include "rego/rego.h"
#include "tools/as_tool.h"

struct loaded {
    struct rego_source *mods;
    size_t nmods, cap;
    struct value *data;
};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    if (buf_failed(&b)) {
        buf_free(&b);
        return NULL;
    }
    buf_cstr(&b);
    return buf_steal(&b, len);
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Deep merge of objects (data files are merged at the root of data). */
static struct value *merge(struct arena *a, struct value *x, struct value *y)
{
    if (!x)
        return y;
    if (!y || x->type != V_OBJECT || y->type != V_OBJECT)
        return y ? y : x;
    struct pair_list l = {0};
    for (size_t k = 0; k < x->u.obj.len; k++) {
        struct value *kv = x->u.obj.pairs[k].key;
        struct value *yv = value_object_get(y, kv);
        if (pair_list_push(a, &l, kv, yv ? merge(a, x->u.obj.pairs[k].val, yv)
                                         : x->u.obj.pairs[k].val) < 0)
            return NULL;
    }
    for (size_t k = 0; k < y->u.obj.len; k++)
        if (!value_object_get(x, y->u.obj.pairs[k].key) &&
            pair_list_push(a, &l, y->u.obj.pairs[k].key, y->u.obj.pairs[k].val) < 0)
            return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

static int parse_doc(struct arena *a, const char *path, const char *text, size_t len,
                     struct value **out)
{
    struct as_error err;
    if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
        const struct rego_builtin *bi = rego_builtin_lookup("yaml.unmarshal", 14);
        if (!bi) {
            fprintf(stderr, "as-tool rego: YAML support is not available\n");
            return -1;
        }
        struct value *s = v_string(a, text, len);
        struct rego_bi_ctx ctx = {.arena = a, .name = bi->name, .strict = true, .err = &err};
        if (!s || bi->fn(&ctx, &s, 1, out) < 0 || !*out) {
            fprintf(stderr, "as-tool rego: %s: %s\n", path, err.detail);
            return -1;
        }
        return 0;
    }
    if (json_parse(a, text, len, NULL, out, &err) < 0) {
        fprintf(stderr, "as-tool rego: %s: %s\n", path, err.detail);
        return -1;
    }
    return 0;
}

static int load_path(struct arena *a, const char *path, struct loaded *ld, bool top);

static int load_dir(struct arena *a, const char *path, struct loaded *ld)
{
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "as-tool rego: cannot read %s\n", path);
        return -1;
    }
    int rc = 0;
    for (int k = 0; k < n; k++) {
        if (rc == 0 && ents[k]->d_name[0] != '.') {
            char *p = arena_sprintf(a, "%s/%s", path, ents[k]->d_name);
            rc = p ? load_path(a, p, ld, false) : -1;
        }
        free(ents[k]);
    }
    free(ents);
    return rc;
}

static int load_path(struct arena *a, const char *path, struct loaded *ld, bool top)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "as-tool rego: %s: no such file or directory\n", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return load_dir(a, path, ld);
    bool rego = ends_with(path, ".rego");
    bool doc = ends_with(path, ".json") || ends_with(path, ".yaml") || ends_with(path, ".yml");
    if (!rego && !doc && !top)
        return 0;
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "as-tool rego: cannot read %s\n", path);
        return -1;
    }
    char *copy = arena_strndup(a, text, len);
    free(text);
    if (!copy)
        return -1;
    if (rego || !doc) {
        if (ld->nmods == ld->cap) {
            size_t nc = ld->cap ? ld->cap * 2 : 8;
            struct rego_source *nm = realloc(ld->mods, nc * sizeof(*nm));
            if (!nm)
                return -1;
            ld->mods = nm;
            ld->cap = nc;
        }
        ld->mods[ld->nmods++] = (struct rego_source){path, copy, len};
        return 0;
    }
    struct value *v;
    if (parse_doc(a, path, copy, len, &v) < 0)
        return -1;
    ld->data = merge(a, ld->data, v);
    return ld->data ? 0 : -1;
}

/* ---- Go encoding/json output ---- */

static void go_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c == '"' || c == '\\') {
                buf_putc(b, '\\');
                buf_putc(b, (char)c);
            } else if (c == '\n') {
                buf_puts(b, "\\n");
            } else if (c == '\r') {
                buf_puts(b, "\\r");
            } else if (c == '\t') {
                buf_puts(b, "\\t");
            } else if (c == '\b') {
                buf_puts(b, "\\b");
            } else if (c == '\f') {
                buf_puts(b, "\\f");
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                char e[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                buf_puts(b, e);
            } else {
                buf_putc(b, (char)c);
            }
            i++;
            continue;
        }
        /* validate one UTF-8 sequence */
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        unsigned cp = len == 4 ? c & 7 : len == 3 ? c & 15 : c & 31;
        bool ok = len > 1 && i + len <= n && c < 0xF5;
        for (size_t k = 1; ok && k < len; k++) {
            unsigned char d = (unsigned char)s[i + k];
            ok = (d & 0xC0) == 0x80;
            cp = (cp << 6) | (d & 0x3F);
        }
        if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                   (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp < 0xE000)))
            ok = false;
        if (!ok) {
            buf_puts(b, "\\ufffd");
            i++;
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029)
            buf_puts(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
        else
            buf_append(b, s + i, len);
        i += len;
    }
    buf_putc(b, '"');
}

static void indent(struct buf *b, int depth)
{
    buf_putc(b, '\n');
    for (int k = 0; k < depth; k++)
        buf_puts(b, "  ");
}

static void key_text(struct buf *b, const struct value *k)
{
    if (k->type == V_STRING) {
        go_string(b, k->u.str.s, k->u.str.len);
        return;
    }
    struct buf t = BUF_INIT;
    json_print(&t, k, JSON_COMPACT);
    go_string(b, t.data ? t.data : "", t.len);
    buf_free(&t);
}

static void print_value(struct buf *b, const struct value *v, int depth)
{
    switch (v->type) {
    case V_STRING:
        go_string(b, v->u.str.s, v->u.str.len);
        return;
    case V_ARRAY:
    case V_SET:
        if (v->u.arr.len == 0) {
            buf_puts(b, "[]");
            return;
        }
        buf_putc(b, '[');
        for (size_t k = 0; k < v->u.arr.len; k++) {
            indent(b, depth + 1);
            print_value(b, v->u.arr.items[k], depth + 1);
            if (k + 1 < v->u.arr.len)
                buf_putc(b, ',');
        }
        indent(b, depth);
        buf_putc(b, ']');
        return;
    case V_OBJECT: {
        if (v->u.obj.len == 0) {
            buf_puts(b, "{}");
            return;
        }
        /* Go sorts map keys by their string form */
        buf_putc(b, '{');
        for (size_t k = 0; k < v->u.obj.len; k++) {
            indent(b, depth + 1);
            key_text(b, v->u.obj.pairs[k].key);
            buf_puts(b, ": ");
            print_value(b, v->u.obj.pairs[k].val, depth + 1);
            if (k + 1 < v->u.obj.len)
                buf_putc(b, ',');
        }
        indent(b, depth);
        buf_putc(b, '}');
        return;
    }
    default:
        json_print(b, v, JSON_COMPACT);
    }
}

static void print_field(struct buf *b, int depth, const char *key, bool first)
{
    if (!first)
        buf_putc(b, ',');
    indent(b, depth);
    go_string(b, key, strlen(key));
    buf_puts(b, ": ");
}

static void print_result(struct buf *b, const struct value *res)
{
    const struct value *rows = value_object_get_str(res, "result");
    if (!rows) {
        buf_puts(b, "{}\n");
        return;
    }
    buf_putc(b, '{');
    print_field(b, 1, "result", true);
    buf_putc(b, '[');
    for (size_t r = 0; r < rows->u.arr.len; r++) {
        const struct value *row = rows->u.arr.items[r];
        indent(b, 2);
        buf_putc(b, '{');
        const struct value *ex = value_object_get_str(row, "expressions");
        print_field(b, 3, "expressions", true);
        buf_putc(b, '[');
        for (size_t k = 0; k < ex->u.arr.len; k++) {
            const struct value *e = ex->u.arr.items[k];
            indent(b, 4);
            buf_putc(b, '{');
            print_field(b, 5, "value", true);
            print_value(b, value_object_get_str(e, "value"), 5);
            print_field(b, 5, "text", false);
            print_value(b, value_object_get_str(e, "text"), 5);
            const struct value *loc = value_object_get_str(e, "location");
            print_field(b, 5, "location", false);
            buf_putc(b, '{');
            print_field(b, 6, "row", true);
            print_value(b, value_object_get_str(loc, "row"), 6);
            print_field(b, 6, "col", false);
            print_value(b, value_object_get_str(loc, "col"), 6);
            indent(b, 5);
            buf_putc(b, '}');
            indent(b, 4);
            buf_putc(b, '}');
            if (k + 1 < ex->u.arr.len)
                buf_putc(b, ',');
        }
        indent(b, 3);
        buf_putc(b, ']');
        const struct value *bind = value_object_get_str(row, "bindings");
        if (bind) {
            print_field(b, 3, "bindings", false);
            print_value(b, bind, 3);
        }
        indent(b, 2);
        buf_putc(b, '}');
        if (r + 1 < rows->u.arr.len)
            buf_putc(b, ',');
    }
    indent(b, 1);
    buf_putc(b, ']');
    indent(b, 0);
    buf_puts(b, "}\n");
}

static void print_one_error(struct buf *b, const struct rego_error_info *info)
{
    indent(b, 2);
    buf_putc(b, '{');
    print_field(b, 3, "code", true);
    go_string(b, info->code, strlen(info->code));
    print_field(b, 3, "message", false);
    go_string(b, info->message, strlen(info->message));
    if (info->row) {
        print_field(b, 3, "location", false);
        buf_putc(b, '{');
        print_field(b, 4, "file", true);
        go_string(b, info->file, strlen(info->file));
        print_field(b, 4, "row", false);
        buf_printf(b, "%d", info->row);
        print_field(b, 4, "col", false);
        buf_printf(b, "%d", info->col);
        indent(b, 3);
        buf_putc(b, '}');
    }
    indent(b, 2);
    buf_putc(b, '}');
}

/* {"errors": [...]} as `opa eval --format json` prints them (OPA's
 * structured "details" of type errors are not printed) */
static void print_errors(const struct rego_error_info *infos, size_t n)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "{");
    print_field(&b, 1, "errors", true);
    buf_puts(&b, "[");
    for (size_t k = 0; k < n; k++) {
        print_one_error(&b, &infos[k]);
        if (k + 1 < n)
            buf_putc(&b, ',');
    }
    indent(&b, 1);
    buf_puts(&b, "]");
    indent(&b, 0);
    buf_puts(&b, "}\n");
    fputs(buf_cstr(&b), stdout);
    buf_free(&b);
}

static void print_error(const struct rego_error_info *info) { print_errors(info, 1); }

static void usage(FILE *f)
{
    fprintf(f, "usage: as-tool rego eval [-d|--data FILE]... [-i|--input FILE] [--v0|--v1]\n"
               "                         [--strict-builtin-errors] [--opa-compat 2025|2026]\n"
               "                         [--allow-network] [--format json] QUERY\n"
               "       as-tool rego builtins\n"
               "\n"
               "  -d, --data FILE          a .rego module or a .json/.yaml data file (a directory:\n"
               "                           its files, recursively); repeatable\n"
               "  -i, --input FILE         the input document (JSON or YAML)\n"
               "  --input-term TEXT        the input as a Rego term\n"
               "  --v0, --v1               Rego version of the modules\n"
               "  --strict-builtin-errors  a built-in error stops the evaluation\n"
               "  --opa-compat 2025|2026   follow OPA's 2025 releases (default) or OPA of\n"
               "                           March 2026 where built-ins changed (render_template\n"
               "                           missing keys, numbers.range_step and io.jwt.encode_sign\n"
               "                           error texts, graphql.*; see docs/rego-builtins.md)\n"
               "  --allow-network          let http.send and net.lookup_ip_addr reach the\n"
               "                           network (off: OPA's unsafe built-in error)\n"
               "  builtins                 list the built-in functions, one per line\n");
}

struct eval_args {
    const char **data;
    size_t ndata;
    const char *input, *input_term, *query;
    enum rego_version ver;
    bool strict;
    enum rego_opa_compat opa_compat;
    bool allow_network;
};

/* "2025" / "2026" -> *out; -1 for anything else. */
static int parse_opa_compat(const char *text, enum rego_opa_compat *out)
{
    if (!strcmp(text, "2025"))
        *out = REGO_OPA_2025;
    else if (!strcmp(text, "2026"))
        *out = REGO_OPA_2026;
    else
        return -1;
    return 0;
}

static int parse_args(int argc, char **argv, struct eval_args *ea)
{
    ea->data = calloc((size_t)argc + 1, sizeof(*ea->data));
    if (!ea->data)
        return -1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if ((!strcmp(a, "-d") || !strcmp(a, "--data")) && has_next)
            ea->data[ea->ndata++] = argv[++i];
        else if (!strncmp(a, "--data=", 7))
            ea->data[ea->ndata++] = a + 7;
        else if ((!strcmp(a, "-i") || !strcmp(a, "--input")) && has_next)
            ea->input = argv[++i];
        else if (!strncmp(a, "--input=", 8))
            ea->input = a + 8;
        else if (!strcmp(a, "--input-term") && has_next)
            ea->input_term = argv[++i];
        else if (!strcmp(a, "--v0") || !strcmp(a, "--v0-compatible"))
            ea->ver = REGO_V0;
        else if (!strcmp(a, "--v1") || !strcmp(a, "--v1-compatible"))
            ea->ver = REGO_V1;
        else if (!strcmp(a, "--strict-builtin-errors"))
            ea->strict = true;
        else if (!strcmp(a, "--allow-network"))
            ea->allow_network = true;
        else if (!strcmp(a, "--opa-compat") && has_next) {
            if (parse_opa_compat(argv[++i], &ea->opa_compat) < 0)
                return -1;
        } else if (!strncmp(a, "--opa-compat=", 13)) {
            if (parse_opa_compat(a + 13, &ea->opa_compat) < 0)
                return -1;
        }
        else if (!strcmp(a, "--format") && has_next) {
            if (strcmp(argv[++i], "json") != 0)
                return -1;
        } else if (!strcmp(a, "--format=json"))
            continue;
        else if (a[0] == '-' && a[1] != '\0')
            return -1;
        else if (!ea->query)
            ea->query = a;
        else
            return -1;
    }
    return ea->query ? 0 : -1;
}

static int run_eval(struct eval_args *ea, struct arena *a)
{
    struct loaded ld = {0};
    for (size_t k = 0; k < ea->ndata; k++)
        if (load_path(a, ea->data[k], &ld, true) < 0)
            return 2;
    struct rego_eval_opts opts = {.strict_builtin_errors = ea->strict,
                                  .opa_compat = ea->opa_compat,
                                  .allow_network = ea->allow_network};
    struct as_error err;
    struct rego_error_info info;
    if (ea->input_term) {
        struct value *in;
        if (rego_parse_value(ea->input_term, strlen(ea->input_term), a, &in, &err) < 0) {
            fprintf(stderr, "as-tool rego: input term: %s\n", err.detail);
            return 2;
        }
        opts.input = in;
    } else if (ea->input) {
        size_t len;
        char *text = read_file(ea->input, &len);
        if (!text) {
            fprintf(stderr, "as-tool rego: cannot read %s\n", ea->input);
            return 2;
        }
        struct value *in;
        int rc = parse_doc(a, ea->input, text, len, &in);
        free(text);
        if (rc < 0)
            return 2;
        opts.input = in;
    }
    struct rego_compiled *c;
    struct rego_error_list errs;
    if (rego_compile_all(ld.mods, ld.nmods, ea->ver, ld.data, &c, &err, &errs) < 0) {
        free(ld.mods);
        if (!errs.n)
            fprintf(stderr, "as-tool rego: %s\n", err.detail);
        else
            print_errors(errs.v, errs.n);
        rego_error_list_free(&errs);
        return 1;
    }
    free(ld.mods);
    struct value *res;
    memset(&info, 0, sizeof(info));
    if (rego_check_query(c, ea->query, a, &errs) < 0 && errs.n > 1) {
        print_errors(errs.v, errs.n); /* every compile error of the query */
        rego_error_list_free(&errs);
        rego_compiled_free(c);
        return 1;
    }
    rego_error_list_free(&errs);
    int rc = rego_eval_query_ex(c, ea->query, &opts, a, &res, &err, &info);
    if (rc < 0) {
        print_error(&info);
        rego_compiled_free(c);
        return 1;
    }
    struct buf b = BUF_INIT;
    print_result(&b, res);
    fputs(buf_cstr(&b), stdout);
    buf_free(&b);
    rego_compiled_free(c);
    return 0;
}

int as_tool_rego_main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "builtins") == 0) {
        for (size_t k = 0; k < rego_builtin_count(); k++)
            printf("%s\n", rego_builtin_at(k)->name);
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "eval") != 0) {
        usage(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
    struct eval_args ea = {0};
    if (parse_args(argc, argv, &ea) < 0) {
        free(ea.data);
        usage(stderr);
        return 2;
    }
    struct arena a;
    arena_init(&a, 1 << 16);
    int rc = run_eval(&ea, &a);
    arena_free(&a);
    free(ea.data);
    return rc;
}
