/* Interoperability: tokens and JWKS from this module checked by two
 * independent JOSE implementations (jwcrypto with the header jwk, PyJWT
 * with the JWKS) through tests/api/verify_token.py.  Skipped when
 * /usr/bin/python3 lacks python3-jwt / python3-jwcrypto. */
#include "base/log.h"
#include "token_test_util.h"

static struct arena A;

static void setup(void)
{
    log_init("error");
    arena_init(&A, 4096);
    tdir_make();
}

static void teardown(void)
{
    arena_free(&A);
    tdir_remove();
}

TestSuite(token_interop, .init = setup, .fini = teardown);

static void skip_without_python(void)
{
    if (system("/usr/bin/python3 -c 'import jwt, jwcrypto' >/dev/null 2>&1") != 0)
        cr_skip_test("/usr/bin/python3 with python3-jwt and python3-jwcrypto not available");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Runs the helper on jws with the broker's JWKS; returns its exit status
 * and leaves stdout in tpath("out"). */
static int run_helper(const struct token_broker *b, const char *jws)
{
    struct value *jwks = NULL;
    struct as_error err;
    cr_assert_eq(token_jwks(b, &A, &jwks, &err), 0);
    const char *jwks_path = tpath("jwks.json"), *tok = tpath("token"), *out = tpath("out");
    write_file(jwks_path, json_to_string(&A, jwks, JSON_COMPACT));
    write_file(tok, jws);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/api/verify_token.py' '%s' <'%s' >'%s'",
             AS_SOURCE_DIR, jwks_path, tok, out);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void assert_interop(const struct token_broker *b, const char *jws)
{
    struct jws_parts p;
    jws_split(jws, &p);
    cr_assert_eq(run_helper(b, jws), 0, "helper rejected a %s token", token_broker_alg(b));
    char *out = read_file(tpath("out"));
    size_t n = strlen(out);
    cr_assert(n > 0 && out[n - 1] == '\n');
    out[n - 1] = '\0';
    cr_assert_str_eq(out, p.payload);
    /* one flipped signature character must be refused */
    char *bad = strdup(jws);
    char *c = strrchr(bad, '.') + 5;
    *c = *c == 'A' ? 'B' : 'A';
    cr_assert_eq(run_helper(b, bad), 1, "helper accepted a tampered token");
    free(bad);
    jws_parts_free(&p);
}

static void check_simple(const char *curve_or_null, bool with_chain)
{
    skip_without_python();
    struct as_config cfg;
    cfg_simple(&cfg);
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    if (curve_or_null || with_chain) {
        k = curve_or_null ? gen_ec(curve_or_null) : gen_rsa(2048);
        cfg.signer.key_path = write_key("k.pem", k, PEM_PKCS8);
    }
    if (with_chain) {
        x = make_cert(k, k, "signer", 5);
        cfg.signer.cert_path = tpath("c.pem");
        append_cert(cfg.signer.cert_path, x);
        cfg.signer.cert_url = "https://example.com/c.pem";
    }
    struct token_broker *b = NULL;
    struct as_error err;
    cr_assert_eq(token_broker_new(&cfg, &b, &err), 0, "%s", err.detail);
    char *jws = NULL;
    struct value *claims =
        parse_json(&A, "{\"iss\":\"CoCo-Attestation-Service\",\"tee\":\"sample\","
                       "\"tcb-status\":{\"sample.svn\":\"1\"},\"u\":\"\\u00e9\"}");
    cr_assert_eq(token_sign_jwt(b, claims, &A, &jws, &err), 0, "%s", err.detail);
    assert_interop(b, jws);
    token_broker_free(b);
    X509_free(x);
    EVP_PKEY_free(k);
}

Test(token_interop, rs384_ephemeral)
{
    check_simple(NULL, false);
}
Test(token_interop, rs384_with_x5c)
{
    check_simple(NULL, true);
}
Test(token_interop, es256_with_x5c)
{
    check_simple("P-256", true);
}
Test(token_interop, es384)
{
    check_simple("P-384", false);
}

Test(token_interop, ear_es256)
{
    skip_without_python();
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.token_broker = TOKEN_EAR;
    struct token_broker *b = NULL;
    struct as_error err;
    cr_assert_eq(token_broker_new(&cfg, &b, &err), 0, "%s", err.detail);
    struct token_ear_submod s = {.tee_class = "cpu",
                                 .annotated_evidence =
                                     parse_json(&A, "{\"sample\":{\"svn\":\"1\"}}"),
                                 .trust_claims = parse_json(&A, "{\"hardware\":97}")};
    char *jws = NULL;
    cr_assert_eq(token_ear_issue(b, &s, 1, "default", &A, &jws, &err), 0, "%s", err.detail);
    assert_interop(b, jws);
    token_broker_free(b);
}
