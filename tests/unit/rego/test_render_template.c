/* test_render_template.c - strings.render_template as Go's text/template
 * runs it over what OPA's ast.As decodes (the same in both OPA
 * generations; the missing-key difference is in test_opa_compat.c):
 * fmt's %v of values, Go's truth of json.Number and of a range index,
 * variables that do not decode as JSON, and the exact error texts with
 * their template:L:C locations. */
#include "bi_test_util.h"

TestSuite(render_template, .init = bt_setup, .fini = bt_teardown);

#define RENDER(want, tmpl, vars) EXPECT(want, "strings.render_template", 2, STR(tmpl), J(vars))
#define RENDER_ERR(text, tmpl, vars)                                                               \
    EXPECT_ERR("eval_builtin_error", text, "strings.render_template", 2, STR(tmpl), J(vars))

Test(render_template, values_print_as_go_fmt_v)
{
    RENDER("\"<nil>\"", "{{.n}}", "{\"n\": null}");
    RENDER("\"[1 s <nil> map[k:[true]]]\"", "{{.a}}", "{\"a\": [1, \"s\", null, {\"k\": [true]}]}");
    RENDER("\"map[x:1.50 y:q]\"", "{{.o}}", "{\"o\": {\"y\": \"q\", \"x\": 1.50}}");
    RENDER("\"1e3 false 2023\"", "{{.f}} {{.b}} {{.i}}", "{\"f\": 1e3, \"b\": false, \"i\": 2023}");
    RENDER("\"map[a:1 b:map[]]\"", "{{.}}", "{\"b\": {}, \"a\": 1}");
    RENDER("\"[]\"", "{{$.e}}", "{\"e\": []}");
}

Test(render_template, truth_of_numbers_and_range_indexes)
{
    /* a data number is a json.Number (a non-empty string): always true */
    RENDER("\"T\"", "{{if .zero}}T{{else}}F{{end}}", "{\"zero\": 0}");
    /* a range index over an array is a Go int: 0 is false */
    RENDER("\"a,b,c\"", "{{range $i, $x := .l}}{{if $i}},{{end}}{{$x}}{{end}}",
           "{\"l\": [\"a\", \"b\", \"c\"]}");
    /* map keys come in sorted order and are strings */
    RENDER("\"a=2;b=1;\"", "{{range $k, $v := .m}}{{if $k}}{{$k}}={{$v}};{{end}}{{end}}",
           "{\"m\": {\"b\": 1, \"a\": 2}}");
    RENDER("\"F\"", "{{if .s}}T{{else}}F{{end}}", "{\"s\": \"\"}");
    RENDER("\"F\"", "{{if .n}}T{{else}}F{{end}}", "{\"n\": null}");
    RENDER("\"F\"", "{{if .e}}T{{else}}F{{end}}", "{\"e\": {}}");
}

Test(render_template, variables_must_decode_as_json)
{
    /* ast.As decodes the variables' Rego text: sets and non-string keys fail */
    struct value *set_vars = J("{}");
    struct value *members[2] = {STR("b"), STR("a")};
    struct value_pair p = {STR("s"), v_set(&bt_arena, members, 2)};
    set_vars = v_object(&bt_arena, &p, 1, DUP_LAST_WINS, NULL);
    EXPECT_ERR("eval_builtin_error",
               "strings.render_template: invalid character ',' after object key",
               "strings.render_template", 2, STR("a"), set_vars);
    struct value_pair q = {v_int(&bt_arena, 1), STR("x")};
    struct value *int_key = v_object(&bt_arena, &q, 1, DUP_LAST_WINS, NULL);
    EXPECT_ERR("eval_builtin_error",
               "strings.render_template: invalid character '1' looking for beginning of object key "
               "string",
               "strings.render_template", 2, STR("a"), int_key);
}

Test(render_template, error_texts_and_locations)
{
    RENDER_ERR("strings.render_template: template: template:2:4: executing \"template\" at "
               "<.nope.y>: map has no entry for key \"nope\"",
               "x\n  {{.nope.y}}", "{}");
    RENDER_ERR("template: template:1:2: executing \"template\" at <.s.f>: can't evaluate field f "
               "in type interface {}",
               "{{.s.f}}", "{\"s\": 1}");
    RENDER_ERR("strings.render_template: template: template:1: unexpected EOF", "{{if .n}}",
               "{\"n\": 1}");
    RENDER_ERR("strings.render_template: template: template:1: unexpected {{end}}", "a{{end}}",
               "{}");
    /* parsing comes first: a structure error or an undeclared variable wins
     * over an earlier missing key; range variables are declared in their body */
    RENDER_ERR("strings.render_template: template: template:1: undefined variable \"$x\"",
               "{{.nope}}{{range $i, $x := .l}}{{end}}{{$x}}", "{}");
    RENDER("\"ab\"", "{{range $i, $x := .l}}{{$x}}{{end}}", "{\"l\": [\"a\", \"b\"]}");
    /* even in a branch that never runs */
    RENDER_ERR("template: template:1: undefined variable \"$nope\"", "{{if .n}}{{$nope}}{{end}}",
               "{}");
    RENDER_ERR("strings.render_template: template: template:1: unexpected EOF",
               "{{.nope}}{{range .l}}", "{}");
    RENDER_ERR("strings.render_template: template: template:2: unexpected {{else}}", "a\n{{else}}",
               "{}");
    RENDER_ERR("strings.render_template: template: template:3: undefined variable \"$v\"",
               "\n\n{{$v}}", "{}");
}
