/* test_parse_opa_cases.c - the parser accepts and rejects what OPA's does.
 *
 * One table of Rego texts checked against the behaviour OPA's own parser
 * tests pin down (v1/ast/parser_test.go, parser_ext_test.go, term_test.go,
 * the rego.v1 checks of rego_v1.go; the OPA test each row comes from is
 * named in its comment).  Each row is a whole module compiled as v0 or v1
 * (what `as-tool rego eval -d` and POST /policy see), or a query parsed
 * alone (OPA's ParseTerm/ParseBody, always v1).  An accepted row must
 * compile (module) or parse (query); a rejected row must fail with OPA's
 * error code, row and column, and its message must contain the fragment
 * OPA's test checks (usually the whole message). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rego/ast.h"
#include "rego/rego.h"

enum mode { V0, V1, Q };

struct pcase {
    enum mode mode;
    const char *text;
    const char *code; /* NULL: accepted */
    int row, col;
    const char *msg;
};

#define OK(m, text) {m, text, NULL, 0, 0, NULL}
#define PERR(m, text, row, col, msg) {m, text, "rego_parse_error", row, col, msg}
#define CERR(m, text, code, row, col, msg) {m, text, code, row, col, msg}

static const struct pcase CASES[] = {
    /* TestNumberTerms */
    OK(Q, "0"),
    OK(Q, "-1"),
    OK(Q, "1e6"),
    OK(Q, "-1e-6"),
    OK(Q, "0.1E6"),
    OK(Q, "0e-6"),
    OK(Q, ".1"),
    OK(Q, "-.1"),
    OK(Q, "1e1000"),
    PERR(Q, "03", 1, 1, "unexpected number token: expected number without leading zero"),
    PERR(Q, "003", 1, 1, "unexpected number token: expected number without leading zero"),
    PERR(Q, "03.333", 1, 1, "unexpected number token: expected number without leading zero"),
    PERR(Q, "-03", 1, 2, "unexpected number token: expected number without leading zero"),
    PERR(Q, "-03e6", 1, 2, "unexpected number token: expected number without leading zero"),
    /* TestScalarTerms */
    PERR(Q, "6abc", 1, 1, "illegal number format"),
    PERR(Q, "\"foo", 1, 1, "non-terminated string"),
    PERR(Q, "`foo", 1, 1, "non-terminated string"),
    PERR(Q, "'a string'", 1, 1, "illegal token"),
    PERR(Q, "6d7", 1, 1, "illegal number format"),
    PERR(Q, "6true", 1, 1, "illegal number format"),
    PERR(Q, "6[null, null]", 1, 1, "illegal ref (head cannot be number)"),
    PERR(Q, ".0.", 1, 2, "expected fraction"),
    PERR(Q, "0e", 1, 1, "expected exponent"),
    PERR(Q, "0e.", 1, 1, "expected exponent"),
    PERR(Q, "0F", 1, 1, "illegal number format"),
    PERR(Q, "00", 1, 1, "expected number"),
    PERR(Q, "-00.1", 1, 2, "expected number"),
    PERR(Q, "00e1", 1, 1, "expected number"),
    PERR(Q, "7e3000000000", 1, 1, "invalid float"),
    PERR(Q, "10245423601e680507880", 1, 1, "number too big"),
    PERR(Q, "-10245423601e680507880", 1, 2, "number too big"),
    PERR(Q, "1.010034059e-301030", 1, 1, "number too big"),
    PERR(Q, "9.900656229e+301029", 1, 1, "number too big"),
    /* TestStringTerms (escapes decoded as JSON) */
    OK(Q, "\"\\\"\""),
    OK(Q, "\"http:\\/\\/\""),
    OK(Q, "\"\\u0001\""),
    OK(Q, "\"\\uD834\\uDD1E\""),
    OK(Q, "`hi\\there`"),
    OK(Q, "`foo\nbar\n    baz`"),
    /* scanner: control characters pass without escapes, fail JSON decoding with them */
    OK(Q, "\"a\tb\""),
    PERR(Q, "\"a\t\\n\"", 1, 1, "illegal string literal: \"a\t\\n\""),
    PERR(Q, "\"\\uzzzz\"", 1, 1, "illegal string literal: \"\\uzzzz\""),
    PERR(Q, "\"\\q\"", 1, 1, "illegal escape sequence"),
    PERR(Q, "x := !", 1, 6, "illegal ! character"),
    PERR(Q, "x := $y", 1, 6, "illegal $ character"),
    /* TestVarTerms */
    OK(Q, "imports"),
    OK(Q, "not_foo"),
    OK(Q, "trueish"),
    OK(Q, "nullable"),
    PERR(Q, "\xe5\xa2\xb3", 1, 1, "illegal token"),
    PERR(Q, "not", 1, 4, "unexpected eof token"),
    /* TestRefTerms */
    OK(Q, "foo.bar[0].baz[i]"),
    OK(Q, "foo[[1,2,3]].bar"),
    OK(Q, "foo[{\"foo\": 2}].bar"),
    PERR(Q, "foo.", 1, 5, "unexpected eof token: expected identifier"),
    PERR(Q, "foo[].bar", 1, 5, "unexpected ] token"),
    PERR(Q, "foo[1,2]", 1, 6, "unexpected , token: expected ["),
    PERR(Q, "0[0]", 1, 1, "illegal ref (head cannot be number)"),
    PERR(Q, "1.2[0]", 1, 1, "illegal ref (head cannot be number)"),
    PERR(Q, "\"foo\"[0]", 1, 1, "illegal ref (head cannot be string)"),
    PERR(Q, "\"foo\".bar", 1, 1, "illegal ref (head cannot be string)"),
    /* TestRefTermsContainingKeywords: a keyword starting a literal heads a ref */
    OK(Q, "foo.not"),
    OK(Q, "data.if.foo"),
    OK(Q, "some.foo"),
    OK(Q, "null[\"foo\"]"),
    OK(Q, "every.foo"),
    OK(Q, "contains.foo"),
    /* ... but not inside a term (parseTerm takes keywords as keywords) */
    PERR(Q, "x := null.foo", 1, 6, "illegal ref (head cannot be null)"),
    PERR(Q, "x := true.foo", 1, 6, "illegal ref (head cannot be boolean)"),
    PERR(Q, "x := some.foo", 1, 6, "unexpected some keyword"),
    OK(Q, "x := contains.foo"),
    /* TestObjectWithScalars, TestArrayWithScalars, TestSetWithScalars */
    OK(Q, "{\"a\": \"bar\", \"b\": 64, }"),
    OK(Q, "{, \"a\": \"bar\", \"b\": 64 }"),
    OK(Q, "{, 1 | 1: \"bar\"}"),
    OK(Q, "[null, ]"),
    OK(Q, "[, null, true]"),
    OK(Q, "[, 1 | 1]"),
    OK(Q, "{, null, true}"),
    OK(Q, "{, 1 | 1}"),
    OK(Q, "{8.5: 7, \"def\": null}"),
    /* TestObjectWithRelation, TestObjectFail */
    OK(Q, "{\"x\": 1+1}"),
    PERR(Q, "{\"x\": 0= }", 1, 8, "non-terminated object"),
    PERR(Q, "{foo: bar, baz: [], qux: corge", 1, 7, "unexpected identifier token: non-terminated object"),
    PERR(Q, "{foo: bar baz: []}", 1, 11, "unexpected identifier token: non-terminated object"),
    PERR(Q, "{a:1,,b:2}", 1, 4, "unexpected number token: non-terminated object"),
    PERR(Q, "{,,a:1}", 1, 3, "unexpected , token"),
    PERR(Q, "{a: 1, b}", 1, 5, "unexpected number token: non-terminated object"),
    /* TestArrayFail, TestSetFail */
    PERR(Q, "[foo, bar", 1, 10, "unexpected eof token: expected \",\" or \"]\""),
    PERR(Q, "[foo bar]", 1, 6, "unexpected identifier token: expected \",\" or \"]\""),
    PERR(Q, "[!!!]", 1, 2, "illegal ! character"),
    PERR(Q, "[a,,b]", 1, 4, "unexpected , token"),
    PERR(Q, "[a,,]", 1, 4, "unexpected , token"),
    PERR(Q, "set(", 1, 5, "unexpected eof token"),
    PERR(Q, "{foo, bar", 1, 10, "unexpected eof token: expected \",\" or \"}\""),
    PERR(Q, "{a,,b}", 1, 4, "unexpected , token"),
    PERR(Q, "{x|!!!}", 1, 4, "illegal ! character"),
    /* TestArrayComprehensions, TestSetComprehensions, TestBitwiseOrVsComprehension:
     * a comprehension's head is one term; `1 + 2 | 3` is an or call */
    OK(Q, "[ a | b ]"),
    OK(Q, "[x|y,z]"),
    OK(Q, "{x|y,}"),
    OK(Q, "{x:y|z,a:b}"),
    OK(Q, "{ 1+2: 3 | 4}"),
    OK(Q, "[ 1 + 2 | 3 ]"),
    /* TestSomeDeclExpr */
    OK(Q, "some x"),
    OK(Q, "some x, y in xs"),
    OK(Q, "some x, y,\n\t\tz"),
    OK(Q, "some x, y in input with input as []"),
    PERR(Q, "not some x, y in xs", 1, 5, "unexpected some keyword: illegal negation of 'some'"),
    PERR(Q, "some f(x)", 1, 10, "unexpected eof token: expected `x in xs` or `x, y in xs` expression"),
    PERR(Q, "some internal.member_2()", 1, 25, "illegal domain"),
    PERR(Q, "some internal.member_3()", 1, 25, "illegal domain"),
    PERR(Q, "some 1", 1, 6, "unexpected number token: expected var"),
    /* TestEvery */
    OK(Q, "every k, v in [1,2] { true }"),
    OK(Q, "every x in input { x } with input as []"),
    PERR(Q, "every 10", 1, 9, "expected `x[, y] in xs { ... }` expression"),
    PERR(Q, "every 10 in xs { true }", 1, 16, "unexpected { token: expected value to be a variable"),
    PERR(Q, "every 10, x in xs { true }", 1, 19, "unexpected { token: expected key to be a variable"),
    PERR(Q, "every f(10)", 1, 12, "expected `x[, y] in xs { ... }` expression"),
    PERR(Q, "every x in xs", 1, 14, "unexpected eof token: missing body"),
    PERR(Q, "every x in xs { + }", 1, 17, "unexpected plus token"),
    PERR(Q, "not every x in xs { true }", 1, 5, "unexpected every keyword: illegal negation of 'every'"),
    PERR(Q, "every internal.member_2()", 1, 26, "illegal domain"),
    /* TestNestedExpressions, TestMultiLineBody: binary operators do not
     * stop at newlines, a body's literals need a newline or ';' */
    OK(Q, "x = 1\ny = 2\nz = [ i | [x,y] = arr\n\tarr[_] = i]\n"),
    OK(Q, "f(x)\n [1]"),
    OK(Q, "input = 2 \n {1}"),
    OK(Q, "x with p[q] as f([x+1])"),
    OK(Q, "foo.bar(1)[0](1).baz"),
    PERR(Q, "a with 1 as 2", 1, 8, "unexpected number token: expected ident"),
    PERR(Q, "a with b", 1, 9, "unexpected eof token: expected as keyword"),
    PERR(Q, "(1", 1, 3, "non-terminated expression"),
    PERR(Q, "x; y;", 1, 6, "unexpected eof token"),
    PERR(V1, "package p\np if { x := 1 y := 2 }", 2, 15,
         "unexpected identifier token: expected \\n or ; or }"),
    PERR(V1, "package p\np := [x | x := 1 2]", 2, 18,
         "unexpected number token: expected \\n or ; or ]"),
    PERR(V1, "package p\np if { true; }", 2, 14, "unexpected } token"),
};

static void check(const struct pcase *c, char *out, size_t cap)
{
    char code[64] = "", msg[700] = "";
    int row = 0, col = 0;
    out[0] = '\0';
    if (c->mode == Q) {
        struct arena a;
        arena_init(&a, 1 << 14);
        struct body *b;
        struct rego_err e = {0};
        if (rparse_query(&a, c->text, strlen(c->text), &b, &e) < 0) {
            snprintf(code, sizeof(code), "%s", e.code);
            snprintf(msg, sizeof(msg), "%s", e.msg);
            row = e.loc.row;
            col = e.loc.col;
        }
        arena_free(&a);
    } else {
        struct rego_source src = {"x.rego", c->text, strlen(c->text)};
        struct rego_compiled *comp = NULL;
        struct as_error err;
        struct rego_error_info info = {0};
        if (rego_compile_ex(&src, 1, c->mode == V0 ? REGO_V0 : REGO_V1, NULL, &comp, &err,
                            &info) == 0) {
            rego_compiled_free(comp);
        } else {
            snprintf(code, sizeof(code), "%s", info.code);
            snprintf(msg, sizeof(msg), "%s", info.message);
            row = info.row;
            col = info.col;
        }
    }
    if (!c->code) {
        if (code[0])
            snprintf(out, cap, "expected accepted, got %d:%d: %s: %s", row, col, code, msg);
        return;
    }
    if (!code[0] || strcmp(code, c->code) != 0 || row != c->row || col != c->col ||
        !strstr(msg, c->msg))
        snprintf(out, cap, "expected %d:%d: %s: %s\n      got %d:%d: %s: %s", c->row, c->col,
                 c->code, c->msg, row, col, code[0] ? code : "(accepted)", msg);
}

Test(parse_opa_cases, every_row_as_opa)
{
    size_t n = sizeof(CASES) / sizeof(CASES[0]), bad = 0;
    cr_assert_geq(n, 100);
    for (size_t i = 0; i < n; i++) {
        char why[1600];
        check(&CASES[i], why, sizeof(why));
        if (why[0]) {
            bad++;
            cr_log_error("row %zu (%s) %s\n      %s", i, CASES[i].mode == Q ? "query"
                         : CASES[i].mode == V0 ? "v0" : "v1", CASES[i].text, why);
        }
    }
    cr_expect_eq(bad, 0, "%zu of %zu rows differ from OPA", bad, n);
}
