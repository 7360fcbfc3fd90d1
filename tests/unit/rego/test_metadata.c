/* test_metadata.c - METADATA annotations and rego.metadata.chain/rule.
 *
 * Through the public engine (rego.h): the exact objects the two built-ins
 * yield (OPA's Annotations.toObject and createMetadataChain shapes), the
 * chain's order (rule, document, package, subpackages) across modules,
 * scope defaults, every annotation field, else branches, the output-
 * argument form, and the parse and type errors OPA reports for bad blocks. */
#include <criterion/criterion.h>
#include <string.h>

#include "rego/rego.h"

static struct arena g_arena;

static void setup(void) { arena_init(&g_arena, 1 << 16); }
static void teardown(void) { arena_free(&g_arena); }

TestSuite(metadata, .init = setup, .fini = teardown);

static struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s: %s", json,
                 err.detail);
    return v;
}

static struct rego_compiled *compile_n(const char *const *texts, size_t n)
{
    struct rego_source src[4];
    static const char *const names[] = {"a.rego", "b.rego", "c.rego", "d.rego"};
    cr_assert(n <= 4);
    for (size_t i = 0; i < n; i++)
        src[i] = (struct rego_source){names[i], texts[i], strlen(texts[i])};
    struct rego_compiled *c = NULL;
    struct as_error err;
    int rc = rego_compile(src, n, REGO_V1, NULL, &c, &err);
    cr_assert_eq(rc, 0, "compile failed: %s", err.detail);
    return c;
}

static void expect_path(struct rego_compiled *c, const char *path, const char *want)
{
    struct rego_eval_opts o = {0};
    struct value *out = NULL;
    struct as_error err;
    cr_assert_eq(rego_eval_path(c, path, &o, &g_arena, &out, NULL, &err), 0, "%s", err.detail);
    cr_assert_not_null(out, "%s undefined", path);
    char *got = json_to_string(&g_arena, out, JSON_COMPACT);
    char *exp = json_to_string(&g_arena, J(want), JSON_COMPACT);
    cr_assert_str_eq(got, exp);
}

static void expect_one(const char *text, const char *path, const char *want)
{
    struct rego_compiled *c = compile_n(&text, 1);
    expect_path(c, path, want);
    rego_compiled_free(c);
}

/* The compile error detail of a module set. */
static const char *compile_fail(const char *const *texts, size_t n, struct rego_error_info *info)
{
    static struct as_error err;
    struct rego_source src[4];
    static const char *const names[] = {"a.rego", "b.rego", "c.rego", "d.rego"};
    for (size_t i = 0; i < n; i++)
        src[i] = (struct rego_source){names[i], texts[i], strlen(texts[i])};
    struct rego_compiled *c = NULL;
    int rc = rego_compile_ex(src, n, REGO_V1, NULL, &c, &err, info);
    cr_assert_eq(rc, -1, "expected an error");
    cr_assert_null(c);
    return err.detail;
}

static void expect_error(const char *text, const char *code, int row, const char *msg)
{
    struct rego_error_info info;
    const char *d = compile_fail(&text, 1, &info);
    cr_assert_str_eq(info.code, code, "%s", d);
    cr_assert_eq(info.row, row, "%s", d);
    cr_assert_str_eq(info.message, msg);
}

/* ---- chain and rule ---- */

Test(metadata, chain_rule_then_package)
{
    expect_one("# METADATA\n# description: The Rego test suite\npackage testing\n\n"
               "# METADATA\n# title: Testing annotations\n# authors:\n# - The OPA contributors\n"
               "p := x if {\n\tx := rego.metadata.chain()\n}\n",
               "data.testing.p",
               "[{\"annotations\":{\"authors\":[{\"name\":\"The OPA contributors\"}],"
               "\"scope\":\"rule\",\"title\":\"Testing annotations\"},\"path\":[\"testing\",\"p\"]},"
               "{\"annotations\":{\"description\":\"The Rego test suite\",\"scope\":\"package\"},"
               "\"path\":[\"testing\"]}]");
}

Test(metadata, rule_scope_only_closest)
{
    const char *m = "package t\n\n"
                    "# METADATA\n# title: doc\n# scope: document\n"
                    "p := 1 if false\n\n"
                    "# METADATA\n# title: far\n\n"
                    "# METADATA\n# title: near\n"
                    "p := r if { r := rego.metadata.rule() }\n"
                    "q := rego.metadata.rule()\n"
                    "c := rego.metadata.chain()\n";
    /* two blocks above p (a blank line apart): both rule scope; the closest wins */
    struct rego_compiled *c = compile_n(&m, 1);
    expect_path(c, "data.t.p", "{\"scope\":\"rule\",\"title\":\"near\"}");
    expect_path(c, "data.t.q", "{}");
    expect_path(c, "data.t.c", "[{\"path\":[\"t\",\"c\"]}]");
    rego_compiled_free(c);
}

Test(metadata, chain_with_two_rule_blocks_document_and_subpackages)
{
    const char *mods[] = {
        "# METADATA\n# scope: subpackages\n# title: root\npackage a\n",
        "# METADATA\n# scope: subpackages\n# title: mid\npackage a.b\n",
        "# METADATA\n# title: pkg\npackage a.b.c\n\n"
        "# METADATA\n# scope: document\n# title: doc\n"
        "p := 0 if false\n\n"
        "# METADATA\n# title: one\n"
        "p := 1 if false\n\n"
        "# METADATA\n# title: two\n"
        "p := rego.metadata.chain() if true\n",
    };
    struct rego_compiled *c = compile_n(mods, 3);
    expect_path(c, "data.a.b.c.p",
                "[{\"annotations\":{\"scope\":\"rule\",\"title\":\"two\"},\"path\":[\"a\",\"b\",\"c\",\"p\"]},"
                "{\"annotations\":{\"scope\":\"document\",\"title\":\"doc\"},\"path\":[\"a\",\"b\",\"c\",\"p\"]},"
                "{\"annotations\":{\"scope\":\"package\",\"title\":\"pkg\"},\"path\":[\"a\",\"b\",\"c\"]},"
                "{\"annotations\":{\"scope\":\"subpackages\",\"title\":\"mid\"},\"path\":[\"a\",\"b\"]},"
                "{\"annotations\":{\"scope\":\"subpackages\",\"title\":\"root\"},\"path\":[\"a\"]}]");
    rego_compiled_free(c);
}

Test(metadata, package_annotation_seen_from_other_module)
{
    const char *mods[] = {
        "# METADATA\n# description: across modules\npackage testing\n",
        "package testing\n\np := rego.metadata.chain()\n",
    };
    struct rego_compiled *c = compile_n(mods, 2);
    expect_path(c, "data.testing.p",
                "[{\"path\":[\"testing\",\"p\"]},{\"annotations\":{\"description\":\"across "
                "modules\",\"scope\":\"package\"},\"path\":[\"testing\"]}]");
    rego_compiled_free(c);
}

Test(metadata, document_scope_from_other_module)
{
    const char *mods[] = {
        "package t\n\n# METADATA\n# scope: document\n# title: doc\np := 1 if false\n",
        "package t\n\np := rego.metadata.chain() if true\n",
    };
    struct rego_compiled *c = compile_n(mods, 2);
    expect_path(c, "data.t.p",
                "[{\"path\":[\"t\",\"p\"]},{\"annotations\":{\"scope\":\"document\",\"title\":"
                "\"doc\"},\"path\":[\"t\",\"p\"]}]");
    rego_compiled_free(c);
}

Test(metadata, every_field)
{
    expect_one("package t\n\n"
               "# METADATA\n"
               "# title: T\n"
               "# description: D\n"
               "# scope: document\n"
               "# entrypoint: true\n"
               "# organizations:\n#  - Acme\n#  - 7\n"
               "# related_resources:\n"
               "#  - https://example.com/a\n"
               "#  - ref: ' https://example.com/b '\n"
               "#    description: ' see b '\n"
               "# authors:\n"
               "#  - Jane   Q  Doe <jane@example.com>\n"
               "#  - name: ' John '\n"
               "#  - email: x@example.com\n"
               "# schemas:\n"
               "#  - input.x: schema.y\n"
               "#  - input: {type: object}\n"
               "# custom:\n"
               "#  k: [1, {a: b}]\n"
               "#  none: null\n"
               "allow := rego.metadata.chain()[1].annotations\n",
               "data.t.allow",
               "{\"authors\":[{\"email\":\"jane@example.com\",\"name\":\"Jane Q Doe\"},"
               "{\"name\":\"John\"},{\"email\":\"x@example.com\"}],"
               "\"custom\":{\"k\":[1,{\"a\":\"b\"}],\"none\":null},"
               "\"description\":\"D\",\"entrypoint\":true,"
               "\"organizations\":[\"Acme\",\"7\"],"
               "\"related_resources\":[{\"ref\":\"https://example.com/a\"},"
               "{\"description\":\"see b\",\"ref\":\"https://example.com/b\"}],"
               "\"schemas\":[{\"path\":[\"input\",\"x\"],\"schema\":[\"schema\",\"y\"]},"
               "{\"definition\":{\"type\":\"object\"},\"path\":[\"input\"]}],"
               "\"scope\":\"document\",\"title\":\"T\"}");
}

Test(metadata, yaml_1_2_booleans_except_for_entrypoint)
{
    /* go-yaml v3: yes/no/on/off are strings, but read into the typed
     * entrypoint field they are booleans */
    expect_one("package t\n\n# METADATA\n# entrypoint: yes\n# title: on\n"
               "# custom:\n#  n: no\n#  t: True\n"
               "p := rego.metadata.chain()[1].annotations\n",
               "data.t.p",
               "{\"custom\":{\"n\":\"no\",\"t\":true},\"entrypoint\":true,\"scope\":\"document\","
               "\"title\":\"on\"}");
}

Test(metadata, entrypoint_defaults_to_document_scope)
{
    expect_one("package t\n\n# METADATA\n# entrypoint: true\np := rego.metadata.chain()\n",
               "data.t.p",
               "[{\"path\":[\"t\",\"p\"]},{\"annotations\":{\"entrypoint\":true,\"scope\":"
               "\"document\"},\"path\":[\"t\",\"p\"]}]");
}

Test(metadata, else_branch_has_no_own_annotations)
{
    expect_one("package t\n\n# METADATA\n# title: f\n"
               "f(x) := rego.metadata.chain() if x > 1\n"
               "else := rego.metadata.chain()\n"
               "a := f(2)\nb := f(0)\n",
               "data.t",
               "{\"a\":[{\"annotations\":{\"scope\":\"rule\",\"title\":\"f\"},\"path\":[\"t\",\"f\"]}],"
               "\"b\":[{\"path\":[\"t\",\"f\"]}]}");
}

Test(metadata, output_argument_and_nested_uses)
{
    expect_one("package t\n\n# METADATA\n# title: x\n"
               "p := [a, b, n] if {\n"
               "  rego.metadata.rule(a)\n"
               "  b := [t | t := rego.metadata.rule().title]\n"
               "  n := count(rego.metadata.chain())\n"
               "}\n",
               "data.t.p", "[{\"scope\":\"rule\",\"title\":\"x\"},[\"x\"],1]");
}

Test(metadata, ref_head_path_is_its_ground_prefix)
{
    expect_one("package t\n\n# METADATA\n# title: r\n"
               "a.b[k] := rego.metadata.chain() if some k in [\"x\"]\n",
               "data.t.a.b.x", "[{\"annotations\":{\"scope\":\"rule\",\"title\":\"r\"},"
                               "\"path\":[\"t\",\"a\",\"b\"]}]");
}

Test(metadata, a_gap_or_indent_ends_the_block)
{
    /* after a blank line: no longer part of the block */
    expect_one("package t\n\n# METADATA\n# title: x\n\n# description: y\n"
               "p := rego.metadata.rule()\n",
               "data.t.p", "{\"scope\":\"rule\",\"title\":\"x\"}");
    /* a line not in column 1 is not part of it either: the block is empty */
    expect_error("package t\n\n# METADATA\n  # title: x\np := 1\n", "rego_parse_error", 3,
                 "expected METADATA block, found whitespace");
}

Test(metadata, query_call_is_an_error)
{
    const char *m = "package t\n";
    struct rego_compiled *c = compile_n(&m, 1);
    struct value *res;
    struct as_error err;
    struct rego_eval_opts o = {.strict_builtin_errors = true};
    cr_assert_eq(rego_eval_query(c, "x := rego.metadata.chain()", &o, &g_arena, &res, &err), -1);
    cr_assert(strstr(err.detail, "rego.metadata.chain: the rego.metadata.chain function must "
                                 "only be called within the scope of a rule"),
              "%s", err.detail);
    rego_compiled_free(c);
}

/* ---- errors ---- */

Test(metadata, invalid_scope)
{
    expect_error("package t\n# METADATA\n# scope: global\np := 1\n", "rego_parse_error", 2,
                 "invalid annotation scope 'global'. Use one of 'rule', 'document', 'package', or "
                 "'subpackages'");
}

Test(metadata, scope_must_match_target)
{
    expect_error("# METADATA\n# scope: rule\npackage t\n", "rego_parse_error", 1,
                 "annotation scope 'rule' must be applied to rule (have package)");
    expect_error("package t\n# METADATA\n# scope: package\np := 1\n", "rego_parse_error", 2,
                 "annotation scope 'package' must be applied to package (have rule)");
    expect_error("package t\n# METADATA\n# scope: rule\nimport data.x\n", "rego_parse_error", 2,
                 "annotation scope 'rule' must be applied to rule (have import)");
    expect_error("package t\np := 1\n# METADATA\n# scope: document\n", "rego_parse_error", 3,
                 "annotation scope 'document' must be applied to rule");
    expect_error("package t\np := 1\n# METADATA\n# title: x\n", "rego_parse_error", 3,
                 "invalid annotation scope ''. Use one of 'rule', 'document', 'package', or "
                 "'subpackages'");
}

Test(metadata, entrypoint_needs_document_or_package)
{
    expect_error("package t\n# METADATA\n# scope: rule\n# entrypoint: true\np := 1\n",
                 "rego_parse_error", 2,
                 "annotation entrypoint applied to non-document or package scope 'rule'");
}

Test(metadata, whitespace_block)
{
    expect_error("package t\n# METADATA\n#   \np := 1\n", "rego_parse_error", 2,
                 "expected METADATA block, found whitespace");
}

Test(metadata, bad_yaml)
{
    struct rego_error_info info;
    const char *m = "package t\n# METADATA\n# title: [x\np := 1\n";
    const char *d = compile_fail(&m, 1, &info);
    cr_assert_str_eq(info.code, "rego_parse_error", "%s", d);
    cr_assert(strncmp(info.message, "yaml: ", 6) == 0, "%s", d);
}

Test(metadata, yaml_error_with_space_hint)
{
    /* OPA blames the comment at index 2 of the block's lines: past the end,
     * so the last one; every line with "key:value" gets a hint */
    expect_error("package t\n# METADATA\n# a:b\n# title: [x\np := 1\n", "rego_parse_error", 4,
                 "yaml: line 2: mapping values are not allowed in this context\n  Hint: on line 3, "
                 "symbol(s) ['b'] immediately following a key/value separator ':' is not a legal "
                 "yaml space character");
}

Test(metadata, duplicate_key)
{
    /* go-yaml v3 refuses a key written twice (line 2 -> the comment at
     * index 2: the third line of the block) */
    expect_error("package t\n# METADATA\n# title: a\n# title: b\n# description: c\np := 1\n",
                 "rego_parse_error", 5,
                 "yaml: unmarshal errors:\n  line 2: mapping key \"title\" already defined at line 1");
}

Test(metadata, bad_author_and_resource)
{
    expect_error("package t\n# METADATA\n# authors:\n# - {team: x}\np := 1\n", "rego_parse_error",
                 2, "invalid author definition map[team:x]: 'name' and/or 'email' values "
                    "required in object");
    expect_error("package t\n# METADATA\n# related_resources:\n# - 3\np := 1\n",
                 "rego_parse_error", 2,
                 "invalid related-resource definition 3: invalid value type, must be string or "
                 "map");
    expect_error("package t\n# METADATA\n# schemas:\n# - input: 7\np := 1\n", "rego_parse_error",
                 2, "invalid schema declaration for path \"input\"");
}

Test(metadata, wrong_field_types)
{
    /* OPA blames the comment at index <line> of the block's lines (the
     * last one past the end) */
    expect_error("package t\n# METADATA\n# title: [a]\np := 1\n", "rego_parse_error", 3,
                 "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string");
    expect_error("package t\n# METADATA\n# custom: 3\np := 1\n", "rego_parse_error", 3,
                 "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `3` into "
                 "map[string]interface {}");
    expect_error("package t\n# METADATA\n# title: x\n# organizations: 5\n# description: d\n"
                 "p := 1\n",
                 "rego_parse_error", 5,
                 "yaml: unmarshal errors:\n  line 2: cannot unmarshal !!int `5` into []string");
    expect_error("package t\n# METADATA\n# just text\np := 1\n", "rego_parse_error", 3,
                 "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just text` into "
                 "ast.rawAnnotation");
}

Test(metadata, package_annotation_redeclared)
{
    const char *mods[] = {
        "# METADATA\n# title: one\npackage t\n",
        "# METADATA\n# title: two\npackage t\n",
    };
    struct rego_error_info info;
    const char *d = compile_fail(mods, 2, &info);
    cr_assert_str_eq(info.code, "rego_type_error", "%s", d);
    cr_assert_str_eq(info.file, "b.rego");
    cr_assert_str_eq(info.message, "package annotation redeclared: a.rego:1");
}

Test(metadata, document_and_subpackages_redeclared)
{
    const char *docs[] = {
        "package t\n# METADATA\n# scope: document\np := 1 if false\n",
        "package t\n# METADATA\n# scope: document\np := 2 if false\n",
    };
    struct rego_error_info info;
    const char *d = compile_fail(docs, 2, &info);
    cr_assert_str_eq(info.code, "rego_type_error", "%s", d);
    cr_assert_str_eq(info.message, "document annotation redeclared: a.rego:2");
    const char *subs[] = {
        "# METADATA\n# scope: subpackages\npackage t\n",
        "# METADATA\n# scope: subpackages\npackage t\n",
    };
    d = compile_fail(subs, 2, &info);
    cr_assert_str_eq(info.message, "subpackages annotation redeclared: a.rego:1", "%s", d);
}

Test(metadata, plain_comments_are_not_annotations)
{
    expect_one("package t\n# metadata: lower case is no block\n# title: x\n"
               "p := rego.metadata.rule()\n",
               "data.t.p", "{}");
}
