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
    PERR(Q, "not", 1, 3, "unexpected eof token"),
    /* TestRefTerms */
    OK(Q, "foo.bar[0].baz[i]"),
    OK(Q, "foo[[1,2,3]].bar"),
    OK(Q, "foo[{\"foo\": 2}].bar"),
    PERR(Q, "foo.", 1, 4, "unexpected eof token: expected identifier"),
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
    PERR(Q, "[foo, bar", 1, 9, "unexpected eof token: expected \",\" or \"]\""),
    PERR(Q, "[foo bar]", 1, 6, "unexpected identifier token: expected \",\" or \"]\""),
    PERR(Q, "[!!!]", 1, 2, "illegal ! character"),
    PERR(Q, "[a,,b]", 1, 4, "unexpected , token"),
    PERR(Q, "[a,,]", 1, 4, "unexpected , token"),
    PERR(Q, "set(", 1, 4, "unexpected eof token"),
    PERR(Q, "{foo, bar", 1, 9, "unexpected eof token: expected \",\" or \"}\""),
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
    PERR(Q, "some f(x)", 1, 9, "unexpected eof token: expected `x in xs` or `x, y in xs` expression"),
    PERR(Q, "some internal.member_2()", 1, 24, "illegal domain"),
    PERR(Q, "some internal.member_3()", 1, 24, "illegal domain"),
    PERR(Q, "some 1", 1, 6, "unexpected number token: expected var"),
    /* TestEvery */
    OK(Q, "every k, v in [1,2] { true }"),
    OK(Q, "every x in input { x } with input as []"),
    PERR(Q, "every 10", 1, 8, "expected `x[, y] in xs { ... }` expression"),
    PERR(Q, "every 10 in xs { true }", 1, 16, "unexpected { token: expected value to be a variable"),
    PERR(Q, "every 10, x in xs { true }", 1, 19, "unexpected { token: expected key to be a variable"),
    PERR(Q, "every f(10)", 1, 11, "expected `x[, y] in xs { ... }` expression"),
    PERR(Q, "every x in xs", 1, 13, "unexpected eof token: missing body"),
    PERR(Q, "every x in xs { + }", 1, 17, "unexpected plus token"),
    PERR(Q, "not every x in xs { true }", 1, 5, "unexpected every keyword: illegal negation of 'every'"),
    PERR(Q, "every internal.member_2()", 1, 25, "illegal domain"),
    /* TestNestedExpressions, TestMultiLineBody: binary operators do not
     * stop at newlines, a body's literals need a newline or ';' */
    OK(Q, "x = 1\ny = 2\nz = [ i | [x,y] = arr\n\tarr[_] = i]\n"),
    OK(Q, "f(x)\n [1]"),
    OK(Q, "input = 2 \n {1}"),
    OK(Q, "x with p[q] as f([x+1])"),
    OK(Q, "foo.bar(1)[0](1).baz"),
    PERR(Q, "a with 1 as 2", 1, 8, "unexpected number token: expected ident"),
    PERR(Q, "a with b", 1, 8, "unexpected eof token: expected as keyword"),
    PERR(Q, "(1", 1, 2, "non-terminated expression"),
    PERR(Q, "x; y;", 1, 5, "unexpected eof token"),
    PERR(V1, "package p\np if { x := 1 y := 2 }", 2, 15,
         "unexpected identifier token: expected \\n or ; or }"),
    PERR(V1, "package p\np := [x | x := 1 2]", 2, 18,
         "unexpected number token: expected \\n or ; or ]"),
    PERR(V1, "package p\np if { true; }", 2, 14, "unexpected } token"),
    /* TestPackage, TestPackageContainingKeywords */
    OK(V1, "package f00.bar_baz.qux"),
    OK(V1, "package foo[\"bar baz\"]"),
    OK(V0, "package not"),
    OK(V1, "package foo.if.bar"),
    OK(V1, "package foo[\"else\"]"),
    PERR(V1, "package foo[x]", 1, 13, "unexpected var token: expecting string"),
    PERR(V1, "package foo.bar[42].baz", 1, 17, "unexpected number token: expecting string"),
    PERR(V1, "package 42", 1, 9, "unexpected number token"),
    PERR(V1, "package foo.", 1, 12, "unexpected eof token: expected identifier"),
    PERR(V1, "package e().s", 1, 9, "unexpected call token: expecting var"),
    PERR(V1, "package p\npackage q", 2, 1, "unexpected package"),
    /* TestImport, TestImportContainingKeywords, TestHintsOnUnknownImport */
    OK(V1, "package p\nimport input.foo.bar[\"white space\"]"),
    OK(V1, "package p\nimport data.not.foo"),
    OK(V1, "package p\nimport data.if as foo"),
    OK(V0, "package p\nimport data.foo.if"),
    OK(V1, "package p\np := 1\nimport data.x\nq := x"),
    PERR(V1, "package p\nimport data.foo[x]", 2, 17, "unexpected var token: expecting string"),
    PERR(V1, "package p\nimport input.foo[0]", 2, 18, "unexpected number token: expecting string"),
    PERR(V1, "package p\nimport foo.bar", 2, 8,
         "unexpected import path, must begin with one of: {data, future, input, rego}, got: foo "
         "(hint: if this is unexpected, try updating OPA)"),
    PERR(V0, "package p\nimport not", 2, 8,
         "unexpected import path, must begin with one of: {data, future, input, rego}, got: not"),
    PERR(V1, "package p\nimport input as A(", 2, 18, "unexpected eof token"),
    PERR(V1, "package p\nimport input.not", 2, 14,
         "unexpected import path, must not end with a keyword, got: not"),
    PERR(V1, "package p\nimport data.foo.if", 2, 17,
         "unexpected import path, must not end with a keyword, got: if"),
    PERR(V1, "package p\nimport data.foo as not", 2, 20, "unexpected not keyword: expected var"),
    /* TestFutureImports */
    OK(V0, "package p\nimport future.keywords.in\np { 1 in [1] }"),
    PERR(V0, "package p\nimport future.keywords.in\np if { 1 in [1] }", 3, 1, "var cannot be used for rule name"),
    OK(V0, "package p\nimport future.keywords.every\np { every x in [1] { x > 0 } }"),
    PERR(V0, "package p\nimport future", 2, 8, "invalid import, must be `future.keywords`"),
    PERR(V0, "package p\nimport future.a", 2, 8, "invalid import, must be `future.keywords`"),
    PERR(V0, "package p\nimport future.keywords.xyz", 2, 8,
         "unexpected keyword, must be one of [contains every if in]"),
    PERR(V0, "package p\nimport future.keywords as xyz", 2, 8, "`future` imports cannot be aliased"),
    PERR(V1, "package p\nimport future.keywords.in as xyz", 2, 8,
         "`future` imports cannot be aliased"),
    /* TestRegoV1Import */
    PERR(V0, "package p\nimport rego", 2, 8, "invalid import `rego`, must be `rego.v1`"),
    PERR(V0, "package p\nimport rego.foo.bar", 2, 8, "invalid import `rego.foo.bar`, must be `rego.v1`"),
    PERR(V0, "package p\nimport rego.v1.bar", 2, 8, "invalid import `rego.v1.bar`, must be `rego.v1`"),
    PERR(V0, "package p\nimport rego.v1 as xyz", 2, 8, "`rego` imports cannot be aliased"),
    OK(V1, "package p\nimport rego.v1 as xyz"),
    OK(V0, "package test\nimport rego.v1\np contains 1 if 1 == 1"),
    OK(V0, "package test\nimport rego.v1\nimport future.keywords\np contains 1 if {\n\tinput.x == 1\n}"),
    PERR(V0, "package test\nimport rego.v1\np {\n\tinput.x == 1\n}", 3, 1,
         "`if` keyword is required before rule body"),
    OK(V0, "package test\nimport rego.v1\np := \"foo\" if {\n\tinput.x == 1\n} else := \"bar\" if {\n"
           "\tinput.x == 2\n} else := \"baz\" if input.x == 3\nelse := \"qux\""),
    PERR(V0, "package test\nimport rego.v1\np if {\n\tinput.x == 1\n} else {\n\tinput.x == 2\n}", 5, 3,
         "`if` keyword is required before rule body"),
    OK(V0, "package test\nimport rego.v1\np.q contains \"r\""),
    PERR(V0, "package test\nimport rego.v1\np.q", 3, 1, "`contains` keyword is required for partial set rules"),
    PERR(V0, "package test\nimport rego.v1\np.q.r", 3, 1,
         "rule must have value assignment and/or body declaration"),
    PERR(V0, "package test\nimport rego.v1\np[input.x]", 3, 1,
         "`contains` keyword is required for partial set rules"),
    PERR(V0, "package test\nimport rego.v1\np.q[input.x]", 3, 1,
         "rule must have value assignment and/or body declaration"),
    OK(V0, "package test\nimport rego.v1\np[x] if { x = input.x}"),
    PERR(V0, "package test\nimport rego.v1\np[x] { x = input.x}", 3, 1,
         "`if` keyword is required before rule body"),
    OK(V0, "package test\nimport rego.v1\nf(x) := x"),
    PERR(V0, "package test\nimport rego.v1\nf(x) := x {\n\tx == 1\n}", 3, 1,
         "`if` keyword is required before function body"),
    PERR(V0, "package test\nimport rego.v1\nf(x) if {\n\tx == 1\n} else := 42 {\n\tx == 2\n}", 5, 3,
         "`if` keyword is required before function body"),
    OK(V0, "package test\nimport rego.v1\nf(x) if {\n\tx == 1\n} else := 42"),
    PERR(V0, "package test\nimport rego.v1\np {\n\tinput.x == 1\n} {\n\tinput.x == 2\n}", 3, 1,
         "`if` keyword is required before rule body"),
    OK(V0, "package test\nimport rego.v1\np if {\n\tinput.x == 1\n} {\n\tinput.x == 2\n}"),
    PERR(V0, "package test\nimport rego.v1\np if {\n\tinput.x == 1\n} if {\n\tinput.x == 2\n}", 5, 3,
         "unexpected if keyword"),
    /* TestRule */
    OK(V0, "package p\np[x] = y { x = 42; y = \"hello\" }"),
    OK(V0, "package p\ndefault allow = false"),
    OK(V0, "package p\ndefault widgets = [x | x = data.fooz[_]]"),
    OK(V0, "package p\nf(x) = y { y = x }"),
    OK(V0, "package p\nx := 1 { false } else := 2"),
    OK(V0, "package p\nf(_) { true } else := false"),
    OK(V0, "package p\ndefault a"),
    OK(V1, "package p\ndefault a"),
    OK(V1, "package p\nf (x) := 1"),
    PERR(V0, "package p\nf(_) = y {}", 2, 11, "found empty body"),
    PERR(V1, "package p\np {}", 2, 4, "found empty body"),
    PERR(V0, "package p\nf(x) = y { trim(x, \".\", y) ", 2, 27,
         "unexpected eof token: expected \\n or ; or }"),
    PERR(V1, "package p\nf := { \"foo\" = \"bar\" }", 2, 14, "unexpected eq token: non-terminated set"),
    PERR(V1, "package p\ndefault f :=", 2, 12, "unexpected eof token"),
    PERR(V0, "package p\np { true; false; }", 2, 18, "unexpected } token"),
    PERR(V0, "package p\ndefault 0[0", 2, 1, "unexpected default keyword"),
    PERR(V0, "package p\ndefault a[0]", 2, 1, "illegal default rule (must have a value)"),
    PERR(V0, "package p\ndefault a = b.c.d", 2, 1, "illegal default rule (value cannot contain ref)"),
    PERR(V0, "package p\ndefault a = g(x)", 2, 1, "illegal default rule (value cannot contain call)"),
    PERR(V0, "package p\ndefault a = upper(\"foo\")", 2, 1, "illegal default rule (value cannot contain call)"),
    PERR(V0, "package p\ndefault a = b", 2, 1, "illegal default rule (value cannot contain var)"),
    PERR(V0, "package p\ndefault f(x) = b.c.d", 2, 1, "illegal default rule (value cannot contain ref)"),
    PERR(V0, "package p\ndefault f([x]) = 1", 2, 1, "illegal default rule (arguments cannot contain array)"),
    PERR(V0, "package p\ndefault f(1) = 1", 2, 1, "illegal default rule (arguments cannot contain number)"),
    PERR(V0, "package p\ndefault f(x, x) = 1", 2, 1, "illegal default rule (arguments cannot be repeated x)"),
    OK(V1, "package p\ndefault f(_, _) := 1"),
    PERR(V0, "package p\n{ a := 1 }", 2, 5, "unexpected assign token: non-terminated set"),
    PERR(V0, "package p\na-b = x { x := 1 }", 2, 2, "unexpected minus token"),
    PERR(V0, "package p\np { a = \"foo\"bar }", 2, 14, "unexpected identifier token: expected \\n or ; or }"),
    PERR(V0, "package p\np { a b c }", 2, 7, "unexpected identifier token: expected \\n or ; or }"),
    PERR(V0, "package p\np", 2, 1, "var cannot be used for rule name"),
    PERR(V0, "package p\nf()", 2, 1, "rule argument list must take at least one argument"),
    /* parser.go Parse: statements need no separator; parser_ext.go
     * ParseRuleFromBody: a ';' makes one query of two rules */
    OK(V1, "package p\np := 1 q := 2"),
    PERR(V1, "package p\np := 1; q := 2", 2, 1, "multiple expressions cannot be used for rule head"),
    PERR(V1, "package p\np := 1;", 2, 7, "unexpected eof token"),
    PERR(V1, "package p\np if { true }; q := 1", 2, 14, "unexpected ; token"),
    /* scanner errors come when the parser gets to them */
    PERR(V1, "package p\nx := \"abc", 2, 6, "non-terminated string"),
    PERR(Q, "x := 1 \"foo", 1, 8, "non-terminated string"),
    PERR(Q, "x \xff", 1, 2, "illegal utf-8 character"),
    PERR(Q, "x\x01", 1, 2, "illegal token"),
    /* TestRuleContains, TestRuleContainsFail */
    OK(V1, "package p\np.q contains \"x\""),
    OK(V1, "package p\ndeny contains {\"allow\": false, \"msg\": msg} if { msg := \"nonono\" }"),
    PERR(V1, "package p\np(a) contains x if { x := a }", 2, 6,
         "unexpected contains keyword: the contains keyword can only be used with multi-value rule "
         "definitions (e.g., p contains <VALUE> { ... })"),
    PERR(V1, "package p\np() contains x if { x := 1 }", 2, 5,
         "the contains keyword can only be used with multi-value rule definitions"),
    /* TestRuleHeadsContainingInfixOperatorError */
    PERR(V1, "package p\nfoo+bar := 1", 2, 4, "unexpected plus token"),
    PERR(V1, "package p\nfoobar== := 1", 2, 7, "unexpected equal token"),
    PERR(V1, "package p\nfo3%4ar := 1", 2, 4, "unexpected rem token"),
    /* rego_v1.go checkRegoV1Rule: keywords as rule names */
    PERR(V1, "package p\ncontains := 1", 2, 1, "contains keyword cannot be used for rule name"),
    /* TestRuleElseKeyword-style: else on keyed and non-ground heads */
    PERR(V0, "package p\np[\"a\"] = 1 { true } else = 2", 2, 21, "else keyword cannot be used on multi-value rules"),
    PERR(V1, "package p\np[x] if { x := 1 } else := 2", 2, 20,
         "else keyword cannot be used on rules with variables in head"),
    OK(V1, "package p\np.q := 1 if { true } else := 2"),
    PERR(V1, "package p\np := 1 if { true } else", 2, 23, "unexpected eof token: expected else value term or rule body"),
    PERR(V1, "package p\np if { true } else := 2 { true } { false }", 2, 34, "expected else keyword"),
    /* TestRuleIf, TestRuleRefHeads (v1) */
    OK(V1, "package p\nq := 1\np if true else if true"),
    OK(V1, "package p\np if true else := 3 if 2 < 1"),
    OK(V1, "package p\nq := 1\np if not q"),
    OK(V1, "package p\nf(x) = y if y := x + 1"),
    OK(V1, "package p\nf(xs) if every x in xs { x != 0 }"),
    OK(V1, "package p\np[\"foo\"] = \"bar\" if true"),
    OK(V1, "package p\np.q[2] if true"),
    OK(V1, "package p\np.q[x] = 1 if x := 2"),
    OK(V1, "package p\np.q.f(x) = x + 1 if true"),
    OK(V1, "package p\nfoo.bar[i].baz if { i := 1 }"),
    OK(V0, "package p\nimport future.keywords.if\np if 1 > 2 else = 42 { 2 > 1 }"),
    /* TestRuleElseKeyword, TestRuleElseRefHeads */
    PERR(V0, "package test\np { false } { false } else { true }", 2, 23, "unexpected else keyword"),
    PERR(V0, "package test\np { false } else { false } { true }", 2, 28, "expected else keyword"),
    PERR(V0, "package test\np[1] { false } else { true }", 2, 16, "else keyword cannot be used on multi-value rules"),
    OK(V1, "package test\na.b.c := 1 if false\nelse := 2"),
    PERR(V1, "package test\na.b.c contains 1 if false\nelse := 2", 3, 1,
         "else keyword cannot be used on multi-value rules"),
    PERR(V1, "package test\na.b[x] := 1 if false\nelse := 2", 3, 1,
         "else keyword cannot be used on rules with variables in head"),
    PERR(V1, "package test\na.b[x].c := 1 if false\nelse := 2", 3, 1,
         "else keyword cannot be used on rules with variables in head"),
    /* TestMultipleEnclosedBodies, TestComments(V0): heads and bodies over lines */
    OK(V1, "package ex\np[x] = y if {\n\tx = \"a\"\n\ty = 1\n} {\n\tx = \"b\"\n\ty = 2\n}\nq = 1\n"
           "f(x) if {\n\tx < 10\n} {\n\tx > 1000\n}\n"),
    OK(V0, "package a\nq # interrupting\n\n\t[a] # the head of a rule\n\n\t{ m = [1,2,\n    3, ];\n"
           "    a = m[i]\n\n\t}"),
    OK(V1, "package a\nq # interrupting\n\n\tcontains a  # the head of a rule\n\n\tif { m = [1,2,\n"
           "    3, ];\n    a = m[i]\n\n\t}"),
    /* TestModuleParseErrors, TestEmptyModule */
    PERR(V0, "\n\tx = 1\t\t\t# expect package\n\tpackage a", 2, 2, "package expected"),
    /* TestRuleFromBodyRefs */
    OK(V0, "package p\nfoo[\"bar\"] = 12"),
    OK(V0, "package p\nfoo[1]"),
    OK(V0, "package p\nfoo.one"),
    OK(V1, "package p\nfoo(x)"),
    OK(V1, "package p\nfoo(x) = 1"),
    OK(V0, "package p\narr := [1]\ntest[arr[0]]"),
    OK(V1, "package p\nfoo.bar = \"buz\""),
    OK(V1, "package p\nfoo.bar(x)"),
    OK(V0, "package p\nfoo.bar[\"baz\"]"),
    /* TestSomeDeclExpr, TestEvery: v0 hints for future keywords */
    PERR(V0, "package p\np contains x if {\n\tsome x in {\"foo\": \"bar\"}\n}", 3, 9,
         "unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` "
         "for `some x in xs` expressions)"),
    PERR(V0, "package p\np[y] = x if {\n\tsome x, y in {\"foo\": \"bar\"}\n}", 3, 12,
         "(hint: `import future.keywords.in` for `some x in xs` expressions)"),
    PERR(V0, "package p\np {\n\tevery x, y in {\"foo\": \"bar\"} { is_string(x); is_string(y) }\n}", 3, 8,
         "unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.every` "
         "for `every x in xs { ... }` expressions)"),
    OK(V1, "package p\np if {\n\tevery x, y in {\"foo\": \"bar\"} { is_string(x); is_string(y) }\n}"),
    OK(V1, "package p\np contains x if some x in {\"foo\": \"bar\"}"),
    /* a statement that is no rule is reported after the whole parse */
    PERR(V0, "package p\np\nq := ", 3, 5, "unexpected eof token"),
    /* TestAnnotations (parse_annotations.c) */
    PERR(V1, "package test\n\n# METADATA\n# title: My import\nimport input.foo\n\np if { input = \"str\" }", 3, 1,
         "invalid annotation scope 'import'"),
    PERR(V1, "\npackage test\n\n# METADATA\n# scope: deadbeef\np := 7", 4, 1, "invalid annotation scope 'deadbeef'"),
    PERR(V1, "\n# METADATA\n# scope: rule\npackage test\n\np := 7", 2, 1,
         "annotation scope 'rule' must be applied to rule (have package)"),
    PERR(V1, "package test\n# METADATA\n# scope: document\nimport data.foo.bar", 2, 1,
         "annotation scope 'document' must be applied to rule (have import)"),
    PERR(V1, "package test\n\n# METADATA\n# scope: package", 3, 1,
         "annotation scope 'package' must be applied to package"),
    PERR(V1, "package test\n\n# METADATA\n\n# scope: rule\np if { input.x > 7 }", 3, 1,
         "expected METADATA block, found whitespace"),
    PERR(V1, "# METADATA\n# title: foo\vbar\npackage opa.examples\n", 2, 1,
         "yaml: control characters are not allowed"),
    OK(V1, "\npackage test\n\n# METADATA\n# {}\np := 7"),
    /* TestNoMatchError, TestBraceBracketParenMatchingErrors, TestParseErrorDetails (v0 ast) */
    PERR(V0, "package test\n\n\tp { true;\n\t\t 1 != 0; # <-- parse error: no match\n\t}", 5, 2, "unexpected } token"),
    PERR(V0, "package test\n\n\tp { true // <-- parse error: no match", 3, 12, "unexpected div token"),
    PERR(V0, "package test\np {\n\tx := 5\n\ty := contains(\"a\"), \"b\")\n}", 4, 20,
         "unexpected , token: expected \\n or ; or }"),
    PERR(V0, "package test\np {\n\tx := 5\n\ty := {\"a\", \"b\", \"c\"}, \"a\"}\n}", 4, 22,
         "unexpected , token: expected \\n or ; or }"),
    PERR(V0, "package test\np {\n\tx := 5\n\ty := contains(\"a\", \"b\"\n}", 5, 1,
         "unexpected } token: expected \",\" or \")\""),
    PERR(V0, "package test\np {\n\tx := 5\n\ty := {{\"a\", \"b\", \"c\"}, \"a\"\n}", 5, 1,
         "unexpected eof token: expected \\n or ; or }"),
    PERR(V0, "package test\np {\n\tx := 5\n\ty := [[\"a\", \"b\", \"c\"], \"a\"\n}", 5, 1,
         "unexpected } token: expected \",\" or \"]\""),
    PERR(V0, "\npackage test\n.", 3, 1, "unexpected eof token: expected number"),
    PERR(V0, "\npackage test\np = [true | true}", 3, 17, "unexpected } token: expected \\n or ; or ]"),
    PERR(V0, "\npackage test\np = [true | true", 3, 16, "unexpected eof token: expected \\n or ; or ]"),
    PERR(V0, "\npackage test\np { true; }", 3, 11, "unexpected } token"),
    PERR(V0, "\npackage test\np { }", 3, 5, "found empty body"),
    PERR(V0, "\npackage test\np = \"foo", 3, 5, "non-terminated string"),
    PERR(V0, "\npackage test\n\tas", 3, 2, "unexpected as keyword"),
    PERR(V0, "\npackage test\np = true {\n\t\tas\n}", 4, 3, "unexpected as keyword"),
    PERR(V0, "\t\v\f ", 1, 2, "illegal token"),
    /* TestNamespacedBuiltins */
    OK(Q, "foo.bar.baz(1, 2)"),
    PERR(Q, "foo.(1,2)", 1, 5, "unexpected ( token: expected identifier"),
    PERR(Q, "foo.#.bar(1,2)", 1, 5, "unexpected whitespace token: expected identifier"),
    /* TestModuleParseErrors: statements that are no rule (parser_ext.go ParseRuleFromExpr) */
    PERR(V0, "package a\n\t1 = 2\t\t\t# non-var head", 2, 2, "number cannot be used for rule name"),
    PERR(V0, "package a\n\t1 != 2\t\t\t# non-equality expr", 2, 2, "rule name conflicts with built-in function"),
    PERR(V0, "package a\n\tx = y; x = 1    # multiple exprs", 2, 2, "multiple expressions cannot be used for rule head"),
    PERR(V0, "package a\nnot x", 2, 1, "negated expressions cannot be used for rule head"),
    PERR(V0, "package a\nsome x", 2, 1, "'some' declarations cannot be used for rule head"),
    PERR(V0, "package a\ntrue", 2, 1, "boolean cannot be used for rule name"),
    PERR(V1, "package a\nevery x in [1] { x }", 2, 1, "expression cannot be used for rule head"),
    PERR(V0, "package a\n1 with input as 2", 2, 1, "expressions using with keyword cannot be used for rule head"),
    PERR(V0, "package a\n[1][0]", 2, 1, "invalid rule head: [1][0]"),
    /* parser_ext.go ParseRuleFromExpr: a bare call of a built-in is no rule */
    PERR(V1, "package p\ncount(x)", 2, 1, "rule name conflicts with built-in function"),
    PERR(V1, "package p\nio.jwt.decode(x)", 2, 1, "rule name conflicts with built-in function"),
    OK(V1, "package p\nx.count(y)"),
    /* parser_ext.go parseModule: package expected / unexpected package come after the parse */
    PERR(V1, "x = 1\npackage a", 1, 1, "package expected"),
    PERR(V1, "package.x := 1", 1, 1, "package expected"),
    PERR(V1, "package p\np := 1\npackage q\nx := ", 4, 5, "unexpected eof token"),
    PERR(V1, "package p\np := 1\npackage q", 3, 1, "unexpected package"),
    /* scanner.go: a leading byte-order mark is skipped but counted as a
     * column; an inner one, invalid UTF-8 and CRLF line ends */
    PERR(V1, "\xef\xbb\xbfpackage p x := 01", 1, 17, "expected number without leading zero"),
    PERR(V1, "\xef\xbb\xbfpackage p\nx := 01", 2, 6, "expected number without leading zero"),
    PERR(V1, "package p\r\nx := 01\r\n", 2, 6, "expected number without leading zero"),
    PERR(V1, "package p\nx := \"a\xef\xbb\xbf\"", 2, 6, "illegal byte-order mark"),
    PERR(V1, "package p\n# caf\xc3\xa9 \xff\nx := 1", 2, 1, "illegal utf-8 character"),
    OK(V1, "package p\n# caf\xc3\xa9\nx := \"\xe5\xa2\xb3\""),
    /* TestRuleFromBody (v0): statements OPA parses as queries and makes rules of */
    OK(V0, "package a.b.c\npi = 3.14159"),
    OK(V0, "package a.b.c\ncores = [{0: 1}, {1: 2}]"),
    OK(V0, "package a.b.c\nfoo[\"9\"] = \"10\""),
    OK(V0, "package a.b.c\nbar[[{\"foo\":\"baz\"}]]"),
    OK(V0, "package a.b.c\nf(1) = 2"),
    OK(V0, "package a.b.c\nf(1)"),
    OK(V0, "package a.b.c\nd1 := 1234"),
    PERR(V0, "package a.b.c\npi = 3.14159; pi > 3", 2, 1, "multiple expressions cannot be used for rule head"),
    PERR(V0, "package a.b.c\npi > 3", 2, 1, "rule name conflicts with built-in function"),
    PERR(V0, "package a.b.c\n\"pi\" = 3", 2, 1, "string cannot be used for rule name"),
    PERR(V0, "package a.b.c\nfoo = input with input as 1", 2, 1,
         "expressions using with keyword cannot be used for rule head"),
    PERR(V0, "package a.b.c\nnot p = 1", 2, 1, "negated expressions cannot be used for rule head"),
    PERR(V0, "package a.b.c\np()", 2, 1, "rule argument list must take at least one argument"),
    PERR(V0, "package a.b.c\n\"foo\" := 1", 2, 1, "string cannot be used for rule name"),
    PERR(V0, "package a\n[][0]", 2, 1, "invalid rule head: [][0]"),
    PERR(V0, "package a\nassign(x)", 2, 1, "rule name conflicts with built-in function"),
    PERR(V0, "package a\neq(x)", 2, 1, "rule name conflicts with built-in function"),
    PERR(V0, "package a\n12[3]()=4", 2, 1, "illegal ref (head cannot be number)"),
    /* TestRuleFromBodyRefs: data and input are references */
    PERR(V0, "package a.b.c\ndata", 2, 1, "refs cannot be used for rule head"),
    PERR(V1, "package a.b.c\ninput", 2, 1, "refs cannot be used for rule head"),
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
