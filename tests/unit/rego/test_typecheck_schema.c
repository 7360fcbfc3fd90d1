/* test_typecheck_schema.c - inline METADATA `schemas` in the type checker
 * (typecheck_schema.c, apply_schemas in typecheck.c) through
 * rego_compile_all: which policies OPA's checker rejects once input or
 * data is typed by an annotation's inline schema, with OPA's errors (code,
 * message, detail lines, location), and which it accepts.  Each case names
 * the OPA test (ast/check_test.go, ast/schema_test.go) or the part of
 * OPA's code (ast/check.go checkRule/getRuleAnnotation/override,
 * ast/compile.go schemaParser/mergeSchemas, gojsonschema schema.go) its
 * expectation follows; the cases are written here, not copied. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "rego/rego.h"
#include "rego_errors_util.h"

struct sc_case {
    const char *cite;
    const char *mod, *mod2; /* p.rego and, when set, q.rego (v1) */
    const char *want;       /* errors as OPA's Error() prints them; "" = accepted */
};

#define META "# METADATA\n# schemas:\n"
#define BAD_TYPE                                                                           \
    "unable to compile the schema: has a primitive type that is NOT VALID -- given: /foo/ "    \
    "Expected valid values are:[array boolean integer number null object string]"
#define OBJ_X "{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\"}}}"

static const struct sc_case g_cases[] = {
    /* --- the brief's question: equal() takes any, unification does not --- */
    {"check.go checkExprBuiltin: == is equal(any, any) => boolean: no error",
     "package test\n" META "#   - input: " OBJ_X "\nallow if input.x == 1\n", NULL, ""},
    {"check.go checkExprEq: input.x (string) = 1 is a match error",
     "package test\n" META "#   - input: " OBJ_X "\nallow if input.x = 1\n", NULL,
     "p.rego:5:10: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"TestCheckAnnotationRules (undefined ref into a schema object): want (one of)",
     "package test\n" META "#   - input: " OBJ_X "\nallow if input.y\n", NULL,
     "p.rego:5:10: rego_type_error: undefined ref: input.y\n\tinput.y\n\t      ^\n"
     "\t      have: \"y\"\n\t      want (one of): [\"x\"]"},
    {"check.go checkRefLeaf: a reference into a string property is unsupported",
     "package test\n" META "#   - input: " OBJ_X "\nallow if input.x.z\n", NULL,
     "p.rego:5:10: rego_type_error: undefined ref: input.x.z\n\tinput.x.z\n\t^^^^^^^\n"
     "\thave: string"},
    {"check.go checkExprBuiltin: a built-in argument typed by the schema",
     "package test\n" META "#   - input: " OBJ_X "\nallow if abs(input.x) > 1\n", NULL,
     "p.rego:5:10: rego_type_error: abs: invalid argument(s)\n\thave: (string, ??" "?)\n"
     "\twant: (x: number, y: number)"},
    {"without annotations input is any: the same body is accepted",
     "package test\nallow if input.x = 1\nq if input.y.z\n", NULL, ""},
    {"TestCheckAnnotationRules: schema references (schema.input) are ignored without a schema "
     "set",
     "package test\n" META "#   - input: schema.input\nallow if input.x = 1\n", NULL, ""},
    /* --- JSON Schema to types (compile.go schemaParser) --- */
    {"schemaParser: an object without properties is object[any: any]",
     "package test\n" META "#   - input: {\"type\": \"object\"}\nallow if input.a.b.c\n", NULL,
     ""},
    {"schemaParser: type number", "package test\n" META
                                  "#   - input: {\"type\": \"number\"}\nallow if input.a\n",
     NULL,
     "p.rego:5:10: rego_type_error: undefined ref: input.a\n\tinput.a\n\t^^^^^\n"
     "\thave: number"},
    {"schemaParser: integer is number",
     "package test\n" META "#   - input: {\"type\": \"integer\"}\nallow if input = \"s\"\n", NULL,
     "p.rego:5:10: rego_type_error: match error\n\tleft  : number\n\tright : string"},
    {"schemaParser: a type list takes boolean before string",
     "package test\n" META
     "#   - input: {\"type\": [\"string\", \"boolean\"]}\nallow if input = 1\n",
     NULL, "p.rego:5:10: rego_type_error: match error\n\tleft  : boolean\n\tright : number"},
    {"schemaParser: type null is any",
     "package test\n" META "#   - input: {\"type\": \"null\"}\nallow if input.a = 1\n", NULL,
     ""},
    {"schemaParser: array items one schema is array[T]",
     "package test\n" META
     "#   - input: {\"type\": \"array\", \"items\": {\"type\": \"string\"}}\n"
     "allow if input[0] = 1\n",
     NULL, "p.rego:5:10: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"schemaParser: array items list is a tuple (index outside it is undefined)",
     "package test\n" META
     "#   - input: {\"type\": \"array\", \"items\": [{\"type\": \"string\"}]}\n"
     "allow if input[1]\n",
     NULL,
     "p.rego:5:10: rego_type_error: undefined ref: input[1]\n\tinput[1]\n\t      ^\n"
     "\t      have: 1\n\t      want (type): number"},
    {"schemaParser: properties without a type imply object",
     "package test\n" META
     "#   - input: {\"properties\": {\"a\": {\"type\": \"boolean\"}}}\nallow if input.b\n",
     NULL,
     "p.rego:5:10: rego_type_error: undefined ref: input.b\n\tinput.b\n\t      ^\n"
     "\t      have: \"b\"\n\t      want (one of): [\"a\"]"},
    {"schemaParser: additionalProperties does not add a dynamic part",
     "package test\n" META
     "#   - input: {\"type\": \"object\", \"additionalProperties\": true, \"properties\": "
     "{\"a\": {}}}\nallow if input.b\n",
     NULL,
     "p.rego:5:10: rego_type_error: undefined ref: input.b\n\tinput.b\n\t      ^\n"
     "\t      have: \"b\"\n\t      want (one of): [\"a\"]"},
    {"schemaParser: anyOf is the union of its schemas",
     "package test\n" META
     "#   - input: {\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"number\"}]}\n"
     "allow if input = true\n",
     NULL,
     "p.rego:5:10: rego_type_error: match error\n\tleft  : any<number, string>\n"
     "\tright : boolean"},
    {"schemaParser: allOf merges the properties of object schemas (TestCheckAnnotationRules "
     "allOf)",
     "package test\n" META
     "#   - input: {\"allOf\": [{\"properties\": {\"a\": {\"type\": \"string\"}}}, "
     "{\"properties\": {\"b\": {\"type\": \"number\"}}}]}\nallow if { input.a = 1; input.c }\n",
     NULL,
     "p.rego:5:12: rego_type_error: match error\n\tleft  : string\n\tright : number\n"
     "p.rego:5:25: rego_type_error: undefined ref: input.c\n\tinput.c\n\t      ^\n"
     "\t      have: \"c\"\n\t      want (one of): [\"a\" \"b\"]"},
    {"mergeSchemas: allOf of different types cannot be merged",
     "package test\n" META
     "#   - input: {\"allOf\": [{\"type\": \"object\"}, {\"type\": \"string\"}]}\nallow if input\n",
     NULL,
     "p.rego:5:1: rego_type_error: type checking: unable to merge these schemas: type "
     "mismatch: object and string"},
    {"schemaParser: $ref into definitions",
     "package test\n" META
     "#   - input: {\"definitions\": {\"s\": {\"type\": \"string\"}}, \"type\": \"object\", "
     "\"properties\": {\"a\": {\"$ref\": \"#/definitions/s\"}}}\nallow if input.a = 1\n",
     NULL, "p.rego:5:10: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"schemaParser definitionCache: a recursive $ref is accepted",
     "package test\n" META
     "#   - input: {\"$ref\": \"#/definitions/n\", \"definitions\": {\"n\": {\"type\": "
     "\"object\", \"properties\": {\"next\": {\"$ref\": \"#/definitions/n\"}, \"v\": "
     "{\"type\": \"number\"}}}}}\nallow if input.next.next.v = 1\n",
     NULL, ""},
    /* --- invalid schemas (gojsonschema compile errors at the rule) --- */
    {"gojsonschema Types.Add: an unknown type name",
     "package test\n" META "#   - input: {\"type\": \"foo\"}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: has a primitive type that "
     "is NOT VALID -- given: /foo/ Expected valid values are:[array boolean integer number "
     "null object string]"},
    {"gojsonschema Types.Add: a duplicated type",
     "package test\n" META "#   - input: {\"type\": [\"string\", \"string\"]}\nallow if input\n",
     NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: string type is duplicated"},
    {"gojsonschema parseSchema: type must be a string or a list of strings",
     "package test\n" META "#   - input: {\"type\": 1}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: Invalid type. Expected: "
     "type, given: string/array of strings"},
    {"gojsonschema parseProperties: properties must be an object",
     "package test\n" META "#   - input: {\"properties\": []}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: properties must be of type "
     "object"},
    {"gojsonschema getSlice: anyOf must be an array",
     "package test\n" META "#   - input: {\"anyOf\": {}}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: anyOf must be of an array"},
    {"gojsonschema: minLength must be an integer",
     "package test\n" META "#   - input: {\"minLength\": \"x\"}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: minLength must be of an "
     "integer"},
    {"TestCheckAnnotationRules remote refs: only local references are loaded",
     "package test\n" META
     "#   - input: {\"$ref\": \"https://example.com/s.json\"}\nallow if input\n",
     NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: remote reference loading "
     "disabled"},
    {"gojsonschema parseSchema: draft 4 ($schema) has no boolean schemas",
     "package test\n" META "#   - input: {\"$schema\": \"http://json-schema.org/draft-04/schema#\", \"properties\": {\"a\": true}}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: Expected: valid schema, given: Invalid JSON"},
    {"gojsonschema parseSchemaURL: $schema must be a string",
     "package test\n" META "#   - input: {\"$schema\": 4}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: $schema must be of type string"},
    {"gojsonschema parseSchema: minLength above maxLength",
     "package test\n" META "#   - input: {\"minLength\": 3, \"maxLength\": 2}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: minLength cannot be greater than maxLength"},
    {"gojsonschema parseSchema (hybrid draft): a boolean exclusiveMinimum needs minimum",
     "package test\n" META "#   - input: {\"exclusiveMinimum\": true}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: exclusiveMinimum cannot be used without minimum"},
    {"gojsonschema parseSchema (draft 7): exclusiveMinimum is a number",
     "package test\n" META "#   - input: {\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"exclusiveMinimum\": true}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: Invalid type. Expected: number, given: exclusiveMinimum"},
    {"gojsonschema parseDependencies: a dependency list holds strings",
     "package test\n" META "#   - input: {\"dependencies\": {\"a\": [1]}}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: dependency must be of type schema or array of strings"},
    {"gojsonschema parseSchema: enum items must be unique",
     "package test\n" META "#   - input: {\"enum\": [1, 1]}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: enum items must be unique"},
    {"gojsonschema parseSchema: multipleOf must be positive",
     "package test\n" META "#   - input: {\"multipleOf\": 0}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: multipleOf must be strictly greater than 0"},
    {"gojsonschema parseReference: a $ref to a missing definition",
     "package test\n" META "#   - input: {\"properties\": {\"a\": {\"$ref\": \"#/definitions/x\"}}}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: Object has no key 'definitions'"},
    {"gojsonschema parseSchema: patternProperties keys are Go regular expressions",
     "package test\n" META "#   - input: {\"patternProperties\": {\"(?=a)\": {}}}\n"
     "allow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: Invalid regex pattern '(?=a)'"},
    {"gojsonschema parseSchema: pattern is not compiled (validatePatterns off)",
     "package test\n" META "#   - input: {\"type\": \"string\", \"pattern\": \"(?=a)\"}\n"
     "allow if input = 1\n", NULL,
     "p.rego:5:10: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"gojsonschema parseSchema: tuple items must be schemas",
     "package test\n" META "#   - input: {\"items\": [{\"type\": \"string\"}, 3]}\nallow if input\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: Invalid type. Expected: valid schema/array of schemas, given: items"},
    {"gojsonschema parseSchema: boolean property schemas (hybrid draft) are any",
     "package test\n" META "#   - input: {\"type\": \"object\", \"properties\": {\"a\": true}}\n"
     "allow if input.a.b.c\n", NULL, ""},
    {"check.go checkRule/processAnnotation: a package schema error is reported for every rule "
     "(default and else too, each at its own location)",
     "# METADATA\n# scope: package\n# schemas:\n#   - input: {\"type\": \"foo\"}\npackage t\n\n"
     "default d := 1\n\np := 1 if input.a\nelse := 2\n",
     NULL,
     "p.rego:7:1: rego_type_error: " BAD_TYPE "\np.rego:9:1: rego_type_error: " BAD_TYPE
     "\np.rego:10:1: rego_type_error: " BAD_TYPE},
    {"check.go checkRule: a schema error does not stop the body's own check",
     "package test\n" META "#   - input: {\"type\": \"foo\"}\nallow if 1 = \"a\"\n", NULL,
     "p.rego:5:1: rego_type_error: unable to compile the schema: has a primitive type that "
     "is NOT VALID -- given: /foo/ Expected valid values are:[array boolean integer number "
     "null object string]\n"
     "p.rego:5:10: rego_type_error: match error\n\tleft  : number\n\tright : string"},
    /* --- scopes (getRuleAnnotation) and paths (getPrefix/override) --- */
    {"getRuleAnnotation: a rule-scope schema types only its rule",
     "package test\n" META "#   - input: " OBJ_X "\nallow if input.x = 1\nother if input.x = 1\n",
     NULL, "p.rego:5:10: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"getRuleAnnotation: a package-scope schema types every rule of the package",
     "# METADATA\n# scope: package\n# schemas:\n#   - input: " OBJ_X
     "\npackage test\na if input.x = 1\nb if input.x = 2\n",
     NULL,
     "p.rego:6:6: rego_type_error: match error\n\tleft  : string\n\tright : number\n"
     "p.rego:7:6: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"getRuleAnnotation: subpackages scope reaches packages below",
     "# METADATA\n# scope: subpackages\n# schemas:\n#   - input: " OBJ_X "\npackage a\n",
     "package a.b\nq if input.x = 1\n",
     "q.rego:2:6: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"getRuleAnnotation: a document-scope schema types every rule of the document",
     "package test\n# METADATA\n# scope: document\n# schemas:\n#   - input: " OBJ_X
     "\nf(1) := input.x\nf(2) := input.y\n",
     NULL,
     "p.rego:7:9: rego_type_error: undefined ref: input.y\n\tinput.y\n\t      ^\n"
     "\t      have: \"y\"\n\t      want (one of): [\"x\"]"},
    {"getRuleAnnotation: the rule's schema comes after the package's (rule wins)",
     "# METADATA\n# scope: package\n# schemas:\n#   - input: {\"type\": \"string\"}\n"
     "package test\n" META "#   - input: {\"type\": \"number\"}\nallow if input = 1\n",
     NULL, ""},
    {"check.go override: input.a.b: T keeps the rest of input open (object[any: any])",
     "package test\n" META "#   - input.a.b: {\"type\": \"boolean\"}\n"
     "allow if { input.other.thing; input.a.c; input.a.b = 1 }\n",
     NULL, "p.rego:5:42: rego_type_error: match error\n\tleft  : boolean\n\tright : number"},
    {"check.go override: a later path adds a property to an earlier object schema",
     "package test\n" META "#   - input: " OBJ_X "\n#   - input.y: {\"type\": \"number\"}\n"
     "allow if { input.y = \"s\"; input.z }\n",
     NULL,
     "p.rego:6:12: rego_type_error: match error\n\tleft  : number\n\tright : string\n"
     "p.rego:6:27: rego_type_error: undefined ref: input.z\n\tinput.z\n\t      ^\n"
     "\t      have: \"z\"\n\t      want (one of): [\"x\" \"y\"]"},
    {"TestCheckAnnotationRules data.acl: a schema for a base document under data",
     "package test\n" META
     "#   - data.acl: {\"type\": \"object\", \"properties\": {\"alice\": {\"type\": \"array\", "
     "\"items\": {\"type\": \"string\"}}}}\nallow if data.acl.alice[0] = 1\n",
     NULL, "p.rego:5:10: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"rewriteRefsInHead: a reference in the head is checked like one in the body",
     "package test\n" META "#   - input: " OBJ_X "\np := input.y\n", NULL,
     "p.rego:5:6: rego_type_error: undefined ref: input.y\n\tinput.y\n\t      ^\n"
     "\t      have: \"y\"\n\t      want (one of): [\"x\"]"},
    {"TestCheckAnnotationRules/document scope is unordered: a rule before the annotated one",
     "package test\n\np if { input = 7 }\n\n# METADATA\n# scope: document\n# schemas:\n"
     "# - input: {\"type\": \"string\"}\np if { input = \"foo\" }\n",
     NULL, "p.rego:3:8: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"TestCheckAnnotationRules/rule scope merges with document scope",
     "package test\n\n# METADATA\n# scope: document\n# schemas:\n"
     "# - input.bar: {\"type\": \"number\"}\np if { input.bar = 7 }\n\n# METADATA\n"
     "# scope: rule\n# schemas:\n# - input.foo: {\"type\": \"string\"}\np if {\n"
     "\tinput.foo = \"str\"\n\tinput.bar = \"str\"\n}\n",
     NULL, "p.rego:15:2: rego_type_error: match error\n\tleft  : number\n\tright : string"},
    {"TestCheckAnnotationRules/rule scope overrides document scope",
     "package test\n\n# METADATA\n# scope: document\n# schemas:\n"
     "# - input.foo: {\"type\": \"number\"}\np if { input.foo = 7 }\n\n# METADATA\n"
     "# scope: rule\n# schemas:\n# - input.foo: {\"type\": \"string\"}\n"
     "p if { input.foo = \"str\" }\n",
     NULL, ""},
    {"TestCheckAnnotationRules/package scope in other module type conflict",
     "# METADATA\n# scope: package\n# schemas:\n# - input.foo: {\"type\": \"string\"}\n"
     "package test\n",
     "package test\n\np if { input.foo = 7 }\n",
     "q.rego:3:8: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"TestCheckAnnotationRules/document scope overrides subpackages scope",
     "# METADATA\n# scope: subpackages\n# schemas:\n# - input: {\"type\": \"number\"}\n"
     "package test\n\n# METADATA\n# scope: document\n# schemas:\n"
     "# - input: {\"type\": \"string\"}\np if { input = \"str\" }\n",
     NULL, ""},
    {"TestCheckAnnotationRules/overriding strict: a path below the schema's object",
     "package test\n\n# METADATA\n# schemas:\n"
     "#   - input.request.object: {\"type\": \"object\", \"properties\": {\"alice\": {}}}\n"
     "deny contains msg if {\n\tinput.request.kind.kind == \"Pod\"\n"
     "\tmsg := input.request.object.spec.typo.containers[_].image\n}\n",
     NULL,
     "p.rego:8:9: rego_type_error: undefined ref: input.request.object.spec.typo.containers[_]."
     "image\n\tinput.request.object.spec.typo.containers[_].image\n\t                     ^\n"
     "\t                     have: \"spec\"\n\t                     want (one of): [\"alice\"]"},
    {"TestCheckAnnotationRules/data schema annotation does not overly restrict data "
     "expression",
     "package test\n\n# METADATA\n# schemas:\n#   - data.acl: {\"type\": \"object\"}\n"
     "deny contains 1 if {\n\tdata.blah\n\tdata.acl.x.y\n}\n",
     NULL, ""},
    {"TestCheckAnnotationRules/overriding ref with data prefix",
     "package test\n\n# METADATA\n# schemas:\n#   - data.acl: {\"type\": \"object\"}\n"
     "#   - data.acl.foo: " OBJ_X "\nallow if data.acl.foo.blah\n",
     NULL,
     "p.rego:7:10: rego_type_error: undefined ref: data.acl.foo.blah\n\tdata.acl.foo.blah\n"
     "\t             ^\n\t             have: \"blah\"\n\t             want (one of): [\"x\"]"},
    {"check.go override under data: the rules checked before keep their types (data.test.x), "
     "other keys stay open",
     "package test\n\nx := \"s\"\n\n" META "#   - data.acl: {\"type\": \"object\"}\n"
     "p if { data.test.x = 1; data.test.nope; data.acl.y }\n",
     NULL, "p.rego:8:8: rego_type_error: match error\n\tleft  : string\n\tright : number"},
    {"TestCheckAnnotationInference/rule scope: the schema's type flows to users (q = p)",
     "package test\n\n# METADATA\n# scope: rule\n# schemas:\n# - input: {\"type\": \"number\"}\n"
     "p := x if { input = x }\n\nq := p\n\nr if q = \"s\"\n",
     NULL, "p.rego:11:6: rego_type_error: match error\n\tleft  : number\n\tright : string"},
    {"check.go checkRule: a rule typed through a schema gives its type to its users",
     "package test\n" META "#   - input: " OBJ_X "\nx := input.x\nq if x = 1\n", NULL,
     "p.rego:6:6: rego_type_error: match error\n\tleft  : string\n\tright : number"},
};

Test(typecheck_schema, opa_cases)
{
    size_t fails = 0;
    for (size_t i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
        const struct sc_case *tc = &g_cases[i];
        struct buf got = BUF_INIT;
        int rc = compile_errors(tc->mod, tc->mod2, REGO_V1, &got);
        const char *g = got.data ? got.data : "";
        bool ok = !strcmp(g, tc->want) && (rc == 0) == (tc->want[0] == 0);
        if (!ok) {
            fails++;
            fprintf(stderr, "case %zu (%s):\n--- want\n%s\n--- got (rc %d)\n%s\n", i, tc->cite,
                    tc->want, rc, g);
        }
        buf_free(&got);
    }
    cr_assert_eq(fails, 0, "%zu of %zu cases differ", fails, sizeof(g_cases) / sizeof(g_cases[0]));
}
