/* bi_decls.c - OPA's type declarations of the built-in functions, for the
 * compile-time type checker (typecheck.c).
 *
 * One table: built-in name -> declaration in OPA's notation, as OPA prints
 * it in type errors, with the argument and result names of OPA's
 * ast/builtins.go: "(name: type, ...) => name: type"; a variadic argument
 * ends in "..."; "any<...>" members in OPA's type order (null, boolean,
 * number, string, array, object, set).  A built-in missing here is not
 * type-checked (its calls are never rejected at compile time). */
#include <stdlib.h>
#include <string.h>

#include "rego/typecheck.h"

struct decl {
    const char *name;
    const char *decl;
};

/* sorted by name (strcmp); transcribed from OPA's ast/builtins.go (v1.x):
 * the operators eq, assign and internal.member_* and the deprecated
 * built-ins have unnamed arguments there. */
static const struct decl g_decls[] = {
    {"abs", "(x: number) => y: number"},
    {"all", "(any<array[any], set[any]>) => boolean"},
    {"and", "(x: set[any], y: set[any]) => z: set[any]"},
    {"any", "(any<array[any], set[any]>) => boolean"},
    {"array.concat", "(x: array[any], y: array[any]) => z: array[any]"},
    {"array.reverse", "(arr: array[any]) => rev: array[any]"},
    {"array.slice", "(arr: array[any], start: number, stop: number) => slice: array[any]"},
    {"assign", "(any, any) => boolean"},
    {"base64.decode", "(x: string) => y: string"},
    {"base64.encode", "(x: string) => y: string"},
    {"base64.is_valid", "(x: string) => result: boolean"},
    {"base64url.decode", "(x: string) => y: string"},
    {"base64url.encode", "(x: string) => y: string"},
    {"base64url.encode_no_pad", "(x: string) => y: string"},
    {"bits.and", "(x: number, y: number) => z: number"},
    {"bits.lsh", "(x: number, s: number) => z: number"},
    {"bits.negate", "(x: number) => z: number"},
    {"bits.or", "(x: number, y: number) => z: number"},
    {"bits.rsh", "(x: number, s: number) => z: number"},
    {"bits.xor", "(x: number, y: number) => z: number"},
    {"cast_array", "(any) => array[any]"},
    {"cast_boolean", "(any) => boolean"},
    {"cast_null", "(any) => null"},
    {"cast_object", "(any) => object[any: any]"},
    {"cast_set", "(any) => set[any]"},
    {"cast_string", "(any) => string"},
    {"ceil", "(x: number) => y: number"},
    {"concat",
     "(delimiter: string, collection: any<array[string], set[string]>) => output: string"},
    {"contains", "(haystack: string, needle: string) => result: boolean"},
    {"count", "(collection: any<string, array[any], object[any: any], set[any]>) => n: number"},
    {"crypto.hmac.equal", "(mac1: string, mac2: string) => result: boolean"},
    {"crypto.hmac.md5", "(x: string, key: string) => y: string"},
    {"crypto.hmac.sha1", "(x: string, key: string) => y: string"},
    {"crypto.hmac.sha256", "(x: string, key: string) => y: string"},
    {"crypto.hmac.sha512", "(x: string, key: string) => y: string"},
    {"crypto.md5", "(x: string) => y: string"},
    {"crypto.parse_private_keys", "(keys: string) => output: array[object[string: any]]"},
    {"crypto.sha1", "(x: string) => y: string"},
    {"crypto.sha256", "(x: string) => y: string"},
    {"crypto.x509.parse_and_verify_certificates",
     "(certs: string) => output: array<boolean, array[object[string: any]]>"},
    {"crypto.x509.parse_and_verify_certificates_with_options",
     "(certs: string, options: object[string: any]) => output: array<boolean, "
     "array[object[string: any]]>"},
    {"crypto.x509.parse_certificate_request", "(csr: string) => output: object[string: any]"},
    {"crypto.x509.parse_certificates", "(certs: string) => output: array[object[string: any]]"},
    {"crypto.x509.parse_keypair", "(cert: string, pem: string) => output: object[string: any]"},
    {"crypto.x509.parse_rsa_private_key", "(pem: string) => output: object[string: any]"},
    {"div", "(x: number, y: number) => z: number"},
    {"endswith", "(search: string, base: string) => result: boolean"},
    {"eq", "(any, any) => boolean"},
    {"equal", "(x: any, y: any) => result: boolean"},
    {"floor", "(x: number) => y: number"},
    {"format_int", "(number: number, base: number) => output: string"},
    {"glob.match", "(pattern: string, delimiters: any<null, array[string]>, "
                   "match: string) => result: boolean"},
    {"glob.quote_meta", "(pattern: string) => output: string"},
    {"graph.reachable", "(graph: object[any: any<array[any], set[any]>], initial: any<array[any], "
                        "set[any]>) => output: set[any]"},
    {"graph.reachable_paths",
     "(graph: object[any: any<array[any], set[any]>], initial: any<array[any], "
     "set[any]>) => output: set[array[any]]"},
    {"graphql.is_valid", "(query: any<string, object[any: any]>, schema: any<string, "
                         "object[any: any]>) => output: boolean"},
    {"graphql.parse", "(query: any<string, object[any: any]>, schema: any<string, "
                      "object[any: any]>) => output: array<object[any: any], object[any: any]>"},
    {"graphql.parse_and_verify",
     "(query: any<string, object[any: any]>, schema: any<string, "
     "object[any: any]>) => output: array<boolean, object[any: any], object[any: any]>"},
    {"graphql.parse_query", "(query: string) => output: object[any: any]"},
    {"graphql.parse_schema", "(schema: string) => output: object[any: any]"},
    {"graphql.schema_is_valid", "(schema: any<string, object[any: any]>) => output: boolean"},
    {"gt", "(x: any, y: any) => result: boolean"},
    {"gte", "(x: any, y: any) => result: boolean"},
    {"hex.decode", "(x: string) => y: string"},
    {"hex.encode", "(x: string) => y: string"},
    {"http.send", "(request: object[string: any]) => response: object[any: any]"},
    {"indexof", "(haystack: string, needle: string) => output: number"},
    {"indexof_n", "(haystack: string, needle: string) => output: array[number]"},
    {"internal.member_2", "(any, any) => boolean"},
    {"internal.member_3", "(any, any, any) => boolean"},
    {"internal.print", "(array[set[any]])"},
    {"internal.template_string", "(array[any]) => string"},
    {"internal.test_case", "(array[any])"},
    {"intersection", "(xs: set[set[any]]) => y: set[any]"},
    {"io.jwt.decode", "(jwt: string) => output: array<object[any: any], object[any: any], string>"},
    {"io.jwt.decode_verify",
     "(jwt: string, constraints: object[string: any]) => output: array<boolean, "
     "object[any: any], object[any: any]>"},
    {"io.jwt.encode_sign", "(headers: object[string: any], payload: object[string: any], "
                           "key: object[string: any]) => output: string"},
    {"io.jwt.encode_sign_raw", "(headers: string, payload: string, key: string) => output: string"},
    {"io.jwt.verify_eddsa", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_es256", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_es384", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_es512", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_hs256", "(jwt: string, secret: string) => result: boolean"},
    {"io.jwt.verify_hs384", "(jwt: string, secret: string) => result: boolean"},
    {"io.jwt.verify_hs512", "(jwt: string, secret: string) => result: boolean"},
    {"io.jwt.verify_ps256", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_ps384", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_ps512", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_rs256", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_rs384", "(jwt: string, certificate: string) => result: boolean"},
    {"io.jwt.verify_rs512", "(jwt: string, certificate: string) => result: boolean"},
    {"is_array", "(x: any) => result: boolean"},
    {"is_boolean", "(x: any) => result: boolean"},
    {"is_null", "(x: any) => result: boolean"},
    {"is_number", "(x: any) => result: boolean"},
    {"is_object", "(x: any) => result: boolean"},
    {"is_set", "(x: any) => result: boolean"},
    {"is_string", "(x: any) => result: boolean"},
    {"json.filter",
     "(object: object[any: any], paths: any<array[any<string, array[any]>], set[any<string, "
     "array[any]>]>) => filtered: any"},
    {"json.is_valid", "(x: string) => result: boolean"},
    {"json.marshal", "(x: any) => y: string"},
    {"json.marshal_with_options", "(x: any, opts: object<indent: string, prefix: string, "
                                  "pretty: boolean>[string: any]) => y: string"},
    {"json.match_schema",
     "(document: any<string, object[any: any]>, schema: any<string, "
     "object[any: any]>) => output: array<boolean, array[object<desc: string, error: string, "
     "field: string, type: string>]>"},
    {"json.patch",
     "(object: any, patches: array[object<op: string, path: any>[any: any]]) => output: any"},
    {"json.remove",
     "(object: object[any: any], paths: any<array[any<string, array[any]>], set[any<string, "
     "array[any]>]>) => output: any"},
    {"json.unmarshal", "(x: string) => y: any"},
    {"json.verify_schema",
     "(schema: any<string, object[any: any]>) => output: array<boolean, any<null, string>>"},
    {"lower", "(x: string) => y: string"},
    {"lt", "(x: any, y: any) => result: boolean"},
    {"lte", "(x: any, y: any) => result: boolean"},
    {"max", "(collection: any<array[any], set[any]>) => n: any"},
    {"min", "(collection: any<array[any], set[any]>) => n: any"},
    {"minus", "(x: any<number, set[any]>, y: any<number, set[any]>) => z: any<number, set[any]>"},
    {"mul", "(x: number, y: number) => z: number"},
    {"neq", "(x: any, y: any) => result: boolean"},
    {"net.cidr_contains", "(cidr: string, cidr_or_ip: string) => result: boolean"},
    {"net.cidr_contains_matches",
     "(cidrs: any<string, array[any<string, array[any]>], object[string: any<string, "
     "array[any]>], set[any<string, array[any]>]>, cidrs_or_ips: any<string, "
     "array[any<string, array[any]>], object[string: any<string, array[any]>], "
     "set[any<string, array[any]>]>) => output: set[array<any, any>]"},
    {"net.cidr_expand", "(cidr: string) => hosts: set[string]"},
    {"net.cidr_intersects", "(cidr1: string, cidr2: string) => result: boolean"},
    {"net.cidr_is_valid", "(cidr: string) => result: boolean"},
    {"net.cidr_merge", "(addrs: any<array[any<string>], set[string]>) => output: set[string]"},
    {"net.cidr_overlap", "(string, string) => boolean"},
    {"net.lookup_ip_addr", "(name: string) => addrs: set[string]"},
    {"numbers.range", "(a: number, b: number) => range: array[number]"},
    {"numbers.range_step", "(a: number, b: number, step: number) => range: array[number]"},
    {"object.filter", "(object: object[any: any], keys: any<array[any], object[any: any], "
                      "set[any]>) => filtered: any"},
    {"object.get", "(object: object[any: any], key: any, default: any) => value: any"},
    {"object.keys", "(object: object[any: any]) => value: set[any]"},
    {"object.remove", "(object: object[any: any], keys: any<array[any], object[any: any], "
                      "set[any]>) => output: any"},
    {"object.subset", "(super: any<array[any], object[any: any], set[any]>, sub: any<array[any], "
                      "object[any: any], set[any]>) => result: any"},
    {"object.union", "(a: object[any: any], b: object[any: any]) => output: any"},
    {"object.union_n", "(objects: array[object[any: any]]) => output: any"},
    {"opa.runtime", "() => output: object[string: any]"},
    {"or", "(x: set[any], y: set[any]) => z: set[any]"},
    {"plus", "(x: number, y: number) => z: number"},
    {"print", "(any...)"},
    {"product", "(collection: any<array[number], set[number]>) => n: number"},
    {"providers.aws.sign_req", "(request: object[string: any], aws_config: object[string: any], "
                               "time_ns: number) => signed_request: object[any: any]"},
    {"rand.intn", "(str: string, n: number) => y: number"},
    {"re_match", "(string, string) => boolean"},
    {"regex.find_all_string_submatch_n",
     "(pattern: string, value: string, number: number) => output: array[array[string]]"},
    {"regex.find_n", "(pattern: string, value: string, number: number) => output: array[string]"},
    {"regex.globs_match", "(glob1: string, glob2: string) => result: boolean"},
    {"regex.is_valid", "(pattern: string) => result: boolean"},
    {"regex.match", "(pattern: string, value: string) => result: boolean"},
    {"regex.replace", "(s: string, pattern: string, value: string) => output: string"},
    {"regex.split", "(pattern: string, value: string) => output: array[string]"},
    {"regex.template_match", "(template: string, value: string, delimiter_start: string, "
                             "delimiter_end: string) => result: boolean"},
    {"rego.metadata.chain", "() => chain: array[any]"},
    {"rego.metadata.rule", "() => output: any"},
    {"rego.parse_module", "(filename: string, rego: string) => output: object[string: any]"},
    {"rem", "(x: number, y: number) => z: number"},
    {"replace", "(x: string, old: string, new: string) => y: string"},
    {"round", "(x: number) => y: number"},
    {"semver.compare", "(a: string, b: string) => result: number"},
    {"semver.is_valid", "(vsn: any) => result: boolean"},
    {"set_diff", "(set[any], set[any]) => set[any]"},
    {"sort", "(collection: any<array[any], set[any]>) => n: array[any]"},
    {"split", "(x: string, delimiter: string) => ys: array[string]"},
    {"sprintf", "(format: string, values: array[any]) => output: string"},
    {"startswith", "(search: string, base: string) => result: boolean"},
    {"strings.any_prefix_match",
     "(search: any<string, array[string], set[string]>, base: any<string, array[string], "
     "set[string]>) => result: boolean"},
    {"strings.any_suffix_match",
     "(search: any<string, array[string], set[string]>, base: any<string, array[string], "
     "set[string]>) => result: boolean"},
    {"strings.count", "(search: string, substring: string) => output: number"},
    {"strings.render_template", "(value: string, vars: object[string: any]) => result: string"},
    {"strings.replace_n", "(patterns: object[string: string], value: string) => output: string"},
    {"strings.reverse", "(x: string) => y: string"},
    {"substring", "(value: string, offset: number, length: number) => output: string"},
    {"sum", "(collection: any<array[number], set[number]>) => n: number"},
    {"time.add_date",
     "(ns: number, years: number, months: number, days: number) => output: number"},
    {"time.clock",
     "(x: any<number, array<number, string>>) => output: array<number, number, number>"},
    {"time.date", "(x: any<number, array<number, string>>) => date: array<number, number, number>"},
    {"time.diff", "(ns1: any<number, array<number, string>>, ns2: any<number, array<number, "
                  "string>>) => output: array<number, number, number, number, number, number>"},
    {"time.format", "(x: any<number, array<number, string>, array<number, string, "
                    "string>>) => formatted timestamp: string"},
    {"time.now_ns", "() => now: number"},
    {"time.parse_duration_ns", "(duration: string) => ns: number"},
    {"time.parse_ns", "(layout: string, value: string) => ns: number"},
    {"time.parse_rfc3339_ns", "(value: string) => ns: number"},
    {"time.weekday", "(x: any<number, array<number, string>>) => day: string"},
    {"to_number", "(x: any<null, boolean, number, string>) => num: number"},
    {"trace", "(note: string) => result: boolean"},
    {"trim", "(value: string, cutset: string) => output: string"},
    {"trim_left", "(value: string, cutset: string) => output: string"},
    {"trim_prefix", "(value: string, prefix: string) => output: string"},
    {"trim_right", "(value: string, cutset: string) => output: string"},
    {"trim_space", "(value: string) => output: string"},
    {"trim_suffix", "(value: string, suffix: string) => output: string"},
    {"type_name", "(x: any) => type: string"},
    {"union", "(xs: set[set[any]]) => y: set[any]"},
    {"units.parse", "(x: string) => y: number"},
    {"units.parse_bytes", "(x: string) => y: number"},
    {"upper", "(x: string) => y: string"},
    {"urlquery.decode", "(x: string) => y: string"},
    {"urlquery.decode_object", "(x: string) => object: object[string: array[string]]"},
    {"urlquery.encode", "(x: string) => y: string"},
    {"urlquery.encode_object",
     "(object: object[string: any<string, array[string], set[string]>]) => y: string"},
    {"uuid.parse", "(uuid: string) => result: object[string: any]"},
    {"uuid.rfc4122", "(k: string) => output: string"},
    {"walk", "(x: any) => output: array<array[any], any>"},
    {"yaml.is_valid", "(x: string) => result: boolean"},
    {"yaml.marshal", "(x: any) => y: string"},
    {"yaml.unmarshal", "(x: string) => y: any"},
};

static int cmp_decl(const void *k, const void *e)
{
    return strcmp(k, ((const struct decl *)e)->name);
}

const char *rtc_builtin_decl(const char *name)
{
    const struct decl *d =
        bsearch(name, g_decls, sizeof(g_decls) / sizeof(g_decls[0]), sizeof(g_decls[0]), cmp_decl);
    return d ? d->decl : NULL;
}
