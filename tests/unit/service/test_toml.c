/* test_toml.c - the strict TOML parser (toml.h) and the initdata rules of
 * binding.md §1.4. */
#include "svc_test.h"
#include "service/toml.h"

#include <stdio.h>
#include <time.h>

#include "base/buf.h"

TestSuite(toml, .init = svc_setup, .fini = svc_teardown);

static const char *toml_json(const char *text)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(toml_parse(&T_A, text, strlen(text), "invalid_initdata", &v, &e), 0, "%s: %s",
                 text, e.detail);
    return json_to_string(&T_A, v, JSON_COMPACT);
}

static void toml_bad(const char *text, const char *needle)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(toml_parse(&T_A, text, strlen(text), "invalid_initdata", &v, &e), -1,
                 "accepted: %s", text);
    cr_expect_eq(e.status, 400);
    cr_expect_str_eq(e.type, "invalid_initdata");
    cr_expect(strstr(e.detail, needle), "'%s' not in '%s' for %s", needle, e.detail, text);
}

Test(toml, strings)
{
    cr_assert_str_eq(toml_json("a = \"x\\ty\\u00e9\\U0001F600\\\"\""),
                     "{\"a\":\"x\\ty\xc3\xa9\xf0\x9f\x98\x80\\\"\"}");
    cr_assert_str_eq(toml_json("a = 'C:\\path\\'"), "{\"a\":\"C:\\\\path\\\\\"}");
    cr_assert_str_eq(toml_json("a = \"\"\"\nline1\nline2\"\"\""), "{\"a\":\"line1\\nline2\"}");
    cr_assert_str_eq(toml_json("a = \"\"\"one \\\n    two\"\"\""), "{\"a\":\"one two\"}");
    cr_assert_str_eq(toml_json("a = '''\nraw \\n '' '''"), "{\"a\":\"raw \\\\n '' \"}");
    cr_assert_str_eq(toml_json("a = \"\"\"q\"\"\"\"\""), "{\"a\":\"q\\\"\\\"\"}");
    cr_assert_str_eq(toml_json("a = \"x\"\r\nb = 'y'\r\n"), "{\"a\":\"x\",\"b\":\"y\"}");
}

Test(toml, integers_and_floats)
{
    cr_assert_str_eq(toml_json("a = 1_000\nb = 0xff\nc = 0o17\nd = 0b101\ne = -7\nf = +3"),
                     "{\"a\":1000,\"b\":255,\"c\":15,\"d\":5,\"e\":-7,\"f\":3}");
    cr_assert_str_eq(toml_json("a = 1.5\nb = 1e3\nc = true\nd = false"),
                     "{\"a\":1.5,\"b\":1e3,\"c\":true,\"d\":false}");
    cr_assert_str_eq(toml_json("a = [1, [\"x\", 'y'], {b = 2},]\n"),
                     "{\"a\":[1,[\"x\",\"y\"],{\"b\":2}]}");
    cr_assert_str_eq(toml_json("a = [\n  1, # one\n  2\n]"), "{\"a\":[1,2]}");
    cr_assert_str_eq(toml_json("t = { x.y = 1, z = \"q\" }"), "{\"t\":{\"x\":{\"y\":1},\"z\":\"q\"}}");
}

Test(toml, tables_and_keys)
{
    cr_assert_str_eq(toml_json("# c\n[data]\n\"key1\" = \"value1\" # trailing\n"
                               "'lit.key' = 2\n[a.b]\nc = 1\n[a]\nd = 2\n"),
                     "{\"a\":{\"b\":{\"c\":1},\"d\":2},\"data\":{\"key1\":\"value1\",\"lit.key\":2}}");
    cr_assert_str_eq(toml_json("a.b.c = 1\na.b.d = 2\n[x]\ny . z = 3"),
                     "{\"a\":{\"b\":{\"c\":1,\"d\":2}},\"x\":{\"y\":{\"z\":3}}}");
    cr_assert_str_eq(toml_json("[[p]]\nn = 1\n[[p]]\nn = 2\n[p.q]\nr = 3"),
                     "{\"p\":[{\"n\":1},{\"n\":2,\"q\":{\"r\":3}}]}");
    cr_assert_str_eq(toml_json("[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true"),
                     "{\"fruit\":{\"apple\":{\"color\":\"red\",\"texture\":{\"smooth\":true}}}}");
}

Test(toml, errors)
{
    toml_bad("a = 1\na = 2", "duplicate key");
    toml_bad("[t]\n[t]", "defined more than once");
    toml_bad("[fruit]\napple.color = 'red'\n[fruit.apple]", "defined more than once");
    toml_bad("a = {b = 1}\na.c = 2", "dotted key");
    toml_bad("[a.b]\nc = 1\n[a]\nb.d = 2", "dotted key");
    toml_bad("a = 2024-01-01", "date and time");
    toml_bad("a = 07:32:00", "date and time");
    toml_bad("a = inf", "inf and nan");
    toml_bad("a = 01", "leading zeros");
    toml_bad("a = 1__0", "underscore");
    toml_bad("a = 9223372036854775808", "64-bit");
    toml_bad("a = \"x", "unterminated");
    toml_bad("a = \"x\ny\"", "newline");
    toml_bad("a = \"\\q\"", "escape");
    toml_bad("a = \"\\uD800\"", "scalar");
    toml_bad("a = 1 b = 2", "end of the line");
    toml_bad("a =", "expected a value");
    toml_bad("= 1", "expected a key");
    toml_bad("a = {b = 1,}", "trailing comma");
    toml_bad("a = [1 2]", "expected ','");
    toml_bad("a = \"\xff\"", "UTF-8");
    toml_bad("a = 1\n\nb = tru", "line 3");
    toml_bad("a = -0x10", "end of the line"); /* hex takes no sign */
    cr_assert_str_eq(toml_json("a = -0\nb = +0"), "{\"a\":0,\"b\":0}");
    toml_bad("[[a]]\n[a]", "defined more than once");
    toml_bad("a = [1]\n[[a]]", "redefines");
}

Test(toml, depth_is_limited)
{
    char deep[400];
    size_t n = 0;
    n += (size_t)sprintf(deep + n, "a = ");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    toml_bad(deep, "nest");
    char dotted[600] = "";
    for (int i = 0; i < 100; i++)
        strcat(dotted, "k.");
    strcat(dotted, "z = 1");
    toml_bad(dotted, "dotted key");
}

/* ---- initdata (binding.md §1.4) ---- */

static int initdata(const char *text, uint8_t **d, size_t *n, struct value **claims,
                    struct as_error *e)
{
    return initdata_toml(&T_A, text, strlen(text), d, n, claims, e);
}

Test(toml, initdata_vector_of_binding_md)
{
    uint8_t *d;
    size_t n;
    struct value *c;
    struct as_error e;
    cr_assert_eq(initdata("version = \"0.1.0\"\nalgorithm = \"sha256\"\n\n[data]\n\"key1\" = "
                          "\"value1\"\n",
                          &d, &n, &c, &e),
                 0, "%s", e.detail);
    cr_assert_eq(n, 32);
    cr_assert_str_eq(hex_encode_arena(&T_A, d, n),
                     "900744e2c0c32245b7a2f53f1d399f0ad6394ce3e333da61aa1ed8bfee5d5478");
    cr_assert_str_eq(json_to_string(&T_A, c, JSON_COMPACT), "{\"key1\":\"value1\"}");
}

Test(toml, initdata_digest_covers_the_exact_text)
{
    uint8_t *d1, *d2;
    size_t n1, n2;
    struct value *c;
    struct as_error e;
    cr_assert_eq(initdata("version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n", &d1, &n1, &c, &e), 0);
    cr_assert_eq(initdata("version  = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n", &d2, &n2, &c, &e), 0);
    cr_assert_eq(n1, 48);
    cr_assert_neq(memcmp(d1, d2, 48), 0);
    cr_assert_eq(initdata("version = \"0.1.0\"\nalgorithm = \"sm3\"\n[data]\n", &d1, &n1, &c, &e), 0);
    cr_assert_eq(n1, 32);
}

Test(toml, initdata_claims_transform)
{
    uint8_t *d;
    size_t n;
    struct value *c;
    struct as_error e;
    const char *doc =
        "version = \"0.1.0\"\nalgorithm = \"sha512\"\n[data]\n"
        "\"aa.toml\" = '''\n[token_configs]\nkbs = { url = \"http://kbs\" }\n'''\n"
        "\"cdh.toml\" = 'not = toml = really'\n"
        "\"policy.rego\" = '''\npackage agent_policy\n\npolicy_data := {\n  \"containers\": []\n}\n'''\n";
    cr_assert_eq(initdata(doc, &d, &n, &c, &e), 0, "%s", e.detail);
    cr_assert_eq(n, 64);
    cr_assert_str_eq(json_to_string(&T_A, c, JSON_COMPACT),
                     "{\"aa.toml\":{\"token_configs\":{\"kbs\":{\"url\":\"http://kbs\"}}},"
                     "\"agent_policy_claims\":{\"containers\":[]},"
                     "\"cdh.toml\":\"not = toml = really\"}");
    /* policy_data followed by more Rego: not JSON to the end, left alone */
    cr_assert_eq(initdata("version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
                          "\"policy.rego\" = \"policy_data := {} \\nx := 1\"\n",
                          &d, &n, &c, &e),
                 0);
    cr_assert_not_null(value_object_get_str(c, "policy.rego"));
    cr_assert_null(value_object_get_str(c, "agent_policy_claims"));
}

Test(toml, initdata_errors)
{
    uint8_t *d;
    size_t n;
    struct value *c;
    struct as_error e;
    const char *bad[] = {
        "algorithm = \"sha256\"\n[data]\n",                       /* no version */
        "version = \"0.1.0\"\n[data]\n",                          /* no algorithm */
        "version = \"0.1.0\"\nalgorithm = \"sha256\"\n",          /* no data */
        "version = \"0.1.0\"\nalgorithm = \"SHA256\"\n[data]\n",  /* case-sensitive */
        "version = \"0.1.0\"\nalgorithm = \"sha-384\"\n[data]\n", /* IANA name */
        "version = 1\nalgorithm = \"sha256\"\n[data]\n",          /* version not a string */
        "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\nk = 1\n", /* non-string data */
        "version = \"0.1.0\"\nalgorithm = \"sha256\"\ndata = 3\n",
        "version = \"0.1.0\"\n\x01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(initdata(bad[i], &d, &n, &c, &e), -1, "accepted: %s", bad[i]);
        cr_expect_eq(e.status, 400);
        cr_expect_str_eq(e.type, "invalid_initdata", "%s", bad[i]);
    }
}

/* Many keys and tables: linear time through the table index (this took
 * minutes when every insert searched the table from the start), and the
 * duplicate rules still hold past the point where the index takes over. */
static char *many_lines(size_t n, const char *fmt, const char *tail)
{
    struct buf b = BUF_INIT;
    char line[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(line, sizeof(line), fmt, i);
        buf_puts(&b, line);
    }
    buf_puts(&b, tail);
    cr_assert(!buf_failed(&b));
    char *s = arena_strdup(&T_A, buf_cstr(&b));
    buf_free(&b);
    return s;
}

Test(toml, many_keys_linear_time)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *keys = many_lines(100000, "k%zu = 1\n", "");
    const char *tables = many_lines(50000, "[t%zu]\nx = 1\n", "");
    struct value *v;
    struct as_error e;
    cr_assert_eq(toml_parse(&T_A, keys, strlen(keys), "invalid_initdata", &v, &e), 0, "%s",
                 e.detail);
    cr_assert_eq(v->u.obj.len, 100000);
    cr_assert_eq(toml_parse(&T_A, tables, strlen(tables), "invalid_initdata", &v, &e), 0, "%s",
                 e.detail);
    cr_assert_eq(v->u.obj.len, 50000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_expect(secs < 10.0, "150 000 keys and tables took %.1f s", secs);
    toml_bad(many_lines(1000, "k%zu = 1\n", "k777 = 2\n"), "duplicate key");
    toml_bad(many_lines(1000, "[t%zu]\n", "[t999]\n"), "defined more than once");
    toml_bad(many_lines(1000, "k%zu = 1\n", "k5.x = 2\n"), "");
    const char *sub = toml_json(many_lines(20, "[a.k%zu]\n", "[a.k3.x]\ny = 1\n"));
    cr_assert(strstr(sub, "\"k3\":{\"x\":{\"y\":1}}"), "%s", sub);
}
