/* fuzz_bi_parsers.c - the built-ins that parse text: regex patterns (RE2 ->
 * PCRE2 translation), glob patterns, time layouts and values, durations,
 * YAML, JSON, units, semver, CIDRs, UUIDs, sprintf formats, JSON paths,
 * X.509 certificates, CSRs and private keys (PEM or base64 DER).
 * The first byte picks the built-in; the rest is split at the first NUL
 * into two string arguments. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/builtins.h"

struct target {
    const char *name;
    int nargs; /* 1: (a), 2: (a, b), 3: glob (a, null, b) */
};

static const struct target TARGETS[] = {
    {"regex.match", 2},     {"regex.replace", 2},      {"regex.split", 2},
    {"glob.match", 3},      {"time.parse_ns", 2},      {"time.parse_duration_ns", 1},
    {"yaml.unmarshal", 1},  {"json.unmarshal", 1},     {"units.parse", 1},
    {"units.parse_bytes", 1}, {"semver.compare", 2},   {"net.cidr_contains", 2},
    {"net.cidr_is_valid", 1}, {"uuid.parse", 1},       {"sprintf", 2},
    {"to_number", 1},       {"base64.decode", 1},      {"urlquery.decode_object", 1},
    {"strings.render_template", 2}, {"regex.template_match", 2},
    {"time.parse_rfc3339_ns", 1}, {"crypto.x509.parse_certificates", 1},
    {"crypto.x509.parse_and_verify_certificates", 1}, {"crypto.x509.parse_certificate_request", 1},
    {"crypto.x509.parse_rsa_private_key", 1}, {"crypto.parse_private_keys", 1},
    {"crypto.x509.parse_keypair", 2}, {"json.is_valid", 1}, {"yaml.is_valid", 1},
    {"base64url.decode", 1}, {"hex.decode", 1}, {"urlquery.decode", 1},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct target *t = &TARGETS[data[0] % (sizeof(TARGETS) / sizeof(TARGETS[0]))];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(s, 0, n);
    size_t a_len = nul ? (size_t)(nul - s) : n;
    const char *b = nul ? nul + 1 : "";
    size_t b_len = nul ? n - a_len - 1 : 0;

    struct arena arena;
    arena_init(&arena, 1 << 14);
    arena.limit = 64u << 20;
    struct as_error err;
    struct rego_bi_ctx ctx = {.arena = &arena, .name = t->name, .err = &err};
    struct value *args[4];
    args[0] = v_string(&arena, s, a_len);
    args[1] = v_string(&arena, b, b_len);
    size_t nargs = (size_t)t->nargs;
    if (!strcmp(t->name, "regex.replace")) {
        args[2] = args[1];
        args[1] = args[0];
        args[0] = v_string(&arena, b, b_len);
        nargs = 3;
    } else if (!strcmp(t->name, "sprintf")) {
        struct value *items[3] = {v_string(&arena, b, b_len), v_int(&arena, (int64_t)b_len),
                                  v_float(&arena, (double)b_len / 3.0)};
        args[1] = v_array(&arena, items, 3);
    } else if (!strcmp(t->name, "glob.match")) {
        args[2] = args[1];
        args[1] = v_null();
    } else if (!strcmp(t->name, "strings.render_template")) {
        struct as_error jerr;
        if (json_parse(&arena, b, b_len, NULL, &args[1], &jerr) < 0 || args[1]->type != V_OBJECT)
            args[1] = v_object(&arena, NULL, 0, DUP_LAST_WINS, NULL);
    } else if (!strcmp(t->name, "regex.template_match")) {
        args[2] = v_string(&arena, "{", 1);
        args[3] = v_string(&arena, "}", 1);
        nargs = 4;
    }
    const struct rego_builtin *bi = rego_builtin_lookup(t->name, strlen(t->name));
    struct value *out = NULL;
    bool ok = bi && args[0] && args[1];
    for (size_t i = 0; i < nargs && ok; i++)
        ok = args[i] != NULL;
    if (ok)
        bi->fn(&ctx, args, nargs, &out);
    arena_free(&arena);
    return 0;
}
