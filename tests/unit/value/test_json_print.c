/* test_json_print.c - the four JSON styles: the binding.md vectors (V24
 * canonical bytes and their SHA-384), every number layout of binding.md
 * §1.2 (serde_json/ryu) and §1.3 (ECMAScript), RFC 8785's own examples
 * (Appendix B numbers, §3.2.2 and §3.2.3), string escaping, OPA's compact
 * layout, the pretty layout and round trips. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/hash.h"
#include "value/value.h"

static struct arena A;

static void setup(void) { arena_init(&A, 0); }
static void teardown(void) { arena_free(&A); }

TestSuite(json_print, .init = setup, .fini = teardown);

static struct value *parse(const char *text)
{
    struct value *v = NULL;
    struct as_error err = {0};
    cr_assert_eq(json_parse(&A, text, strlen(text), NULL, &v, &err), 0, "%s: %s", text, err.detail);
    return v;
}

static const char *print(const char *text, enum json_style style)
{
    char *out = json_to_string(&A, parse(text), style);
    cr_assert_not_null(out);
    return out;
}

static void expect_print(const char *in, enum json_style style, const char *want)
{
    cr_expect_str_eq(print(in, style), want, "style %d of %s", (int)style, in);
}

static const char *sha384_hex(const char *bytes)
{
    uint8_t digest[HASH_MAX_LEN];
    cr_assert_eq(hash_digest(HASH_SHA384, bytes, strlen(bytes), digest), 0);
    return hex_encode_arena(&A, digest, hash_len(HASH_SHA384));
}

/* ---- binding.md §1.2 vectors ---- */

Test(json_print, binding_unit_test_vector)
{
    const char *in = "{\"b\": 1, \"a\": \"test\", \"c\": {\"d\": \"e\"}}";
    const char *canon = print(in, JSON_CANON_V24);
    cr_expect_str_eq(canon, "{\"a\":\"test\",\"b\":1,\"c\":{\"d\":\"e\"}}");
    cr_expect_str_eq(sha384_hex(canon), "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd2"
                                        "2c4597480a186427c813ca941da78870c3");
    /* §1.3: the same vector gives the same bytes under RFC 8785 */
    cr_expect_str_eq(print(in, JSON_JCS), canon);
    /* the claims are the parsed value, printed sorted */
    cr_expect_str_eq(print(in, JSON_COMPACT), canon);
}

Test(json_print, binding_float_and_integer_vectors)
{
    const char *x_float = print("{\"x\":1.0}", JSON_CANON_V24);
    cr_expect_str_eq(x_float, "{\"x\":1.0}");
    cr_expect_str_eq(sha384_hex(x_float), "299463e46223ca2b836954533993c7accb1c724a54a830949136786eea0b28"
                                          "81b76af9896996b827c1bdf0b67789354d");
    const char *x_int = print("{\"x\":1}", JSON_CANON_V24);
    cr_expect_str_eq(x_int, "{\"x\":1}");
    cr_expect_str_eq(sha384_hex(x_int), "9ce595e9fb796c4694fce4c14881e17fb3fcafd0110d88eb9418fbda2bc2e7"
                                        "274ce4c58d3d1c998121e5b81eec485729");
    /* §1.3: under JCS {"x":1.0} hashes the bytes {"x":1} */
    cr_expect_str_eq(print("{\"x\":1.0}", JSON_JCS), "{\"x\":1}");
}

/* ---- binding.md §1.2 number layouts (serde_json 1.0.132 + ryu) ---- */

Test(json_print, canon_v24_numbers)
{
    static const char *const cases[][2] = {
        /* integers that fit i64 / u64 stay integers */
        {"0", "0"},
        {"-1", "-1"},
        {"100", "100"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775808", "9223372036854775808"},
        {"18446744073709551615", "18446744073709551615"},
        /* beyond: f64 */
        {"18446744073709551616", "1.8446744073709552e19"},
        {"-9223372036854775809", "-9.223372036854776e18"},
        {"123456789123456789123", "1.234567891234568e20"},
        /* -0 is a float */
        {"-0", "-0.0"},
        {"-0.0", "-0.0"},
        {"0.0", "0.0"},
        /* 0 < e <= 16 without fraction: digits, zeros, ".0" */
        {"1.0", "1.0"},
        {"1E2", "100.0"},
        {"1e15", "1000000000000000.0"},
        {"9007199254740993.0", "9007199254740992.0"},
        /* 0 < e <= 16 with fraction */
        {"12.34", "12.34"},
        {"0.5e1", "5.0"},
        {"123456789.125", "123456789.125"},
        /* -5 < e <= 0 */
        {"0.1", "0.1"},
        {"0.001234", "0.001234"},
        {"1e-5", "0.00001"},
        {"0.000012345", "0.000012345"},
        /* scientific, no '+', no padding */
        {"1e16", "1e16"},
        {"1.5e16", "1.5e16"},
        {"1e-6", "1e-6"},
        {"1.5e300", "1.5e300"},
        {"1.7976931348623157e308", "1.7976931348623157e308"},
        {"5e-324", "5e-324"},
        {"1e-400", "0.0"},
        {"-1e-400", "-0.0"},
        {"0.30000000000000004", "0.30000000000000004"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_print(cases[i][0], JSON_CANON_V24, cases[i][1]);
}

Test(json_print, canon_v24_strings_and_keys)
{
    /* escapes decoded, then only " \ \b \t \n \f \r and other controls
     * (lowercase \u00xx) escaped; '/', DEL and non-ASCII raw */
    expect_print("\"\\u0041\\/\\u00e9\\u20ac\\ud83d\\ude00\"", JSON_CANON_V24,
                 "\"A/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    expect_print("\"\\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001F\\u000b\\u007f\"", JSON_CANON_V24,
                 "\"\\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001f\\u000b\x7f\"");
    /* keys by UTF-8 bytes, at every level; last duplicate wins */
    expect_print("{\"\xf0\x9f\x98\x80\":1,\"\xef\xbf\xbf\":2,\"\xc3\xa9\":3,\"z\":4,\"a\":{\"y\":1,\"x\":2},"
                 "\"z\":5}",
                 JSON_CANON_V24,
                 "{\"a\":{\"x\":2,\"y\":1},\"z\":5,\"\xc3\xa9\":3,\"\xef\xbf\xbf\":2,\"\xf0\x9f\x98\x80\":1}");
    expect_print(" [ true , false , null , [ ] , { } , \"\" ] ", JSON_CANON_V24,
                 "[true,false,null,[],{},\"\"]");
}

/* ---- binding.md §1.3 / RFC 8785 ---- */

Test(json_print, jcs_numbers)
{
    static const char *const cases[][2] = {
        {"1.0", "1"},
        {"-0", "0"},
        {"-0.0", "0"},
        {"1e21", "1e+21"},
        {"1e20", "100000000000000000000"},
        {"100000000000000000000", "100000000000000000000"},
        {"0.000001", "0.000001"},
        {"1e-7", "1e-7"},
        {"9007199254740993", "9007199254740992"},
        {"-9007199254740993", "-9007199254740992"},
        {"123456789123456789123", "123456789123456800000"},
        {"18446744073709551615", "18446744073709552000"},
        {"1.5e300", "1.5e+300"},
        {"12.34", "12.34"},
        {"4.50", "4.5"},
        {"2e-3", "0.002"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_print(cases[i][0], JSON_JCS, cases[i][1]);
}

/* RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text. */
Test(json_print, rfc8785_appendix_b_numbers)
{
    static const struct {
        uint64_t bits;
        const char *text;
    } cases[] = {
        {0x0000000000000000ull, "0"},
        {0x8000000000000000ull, "0"},
        {0x0000000000000001ull, "5e-324"},
        {0x8000000000000001ull, "-5e-324"},
        {0x7fefffffffffffffull, "1.7976931348623157e+308"},
        {0xffefffffffffffffull, "-1.7976931348623157e+308"},
        {0x4340000000000000ull, "9007199254740992"},
        {0xc340000000000000ull, "-9007199254740992"},
        {0x4430000000000000ull, "295147905179352830000"},
        {0x44b52d02c7e14af5ull, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6ull, "1e+23"},
        {0x44b52d02c7e14af7ull, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4eull, "999999999999999700000"},
        {0x444b1ae4d6e2ef4full, "999999999999999900000"},
        {0x444b1ae4d6e2ef50ull, "1e+21"},
        {0x3eb0c6f7a0b5ed8cull, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8dull, "0.000001"},
        {0x41b3de4355555553ull, "333333333.3333332"},
        {0x41b3de4355555554ull, "333333333.33333325"},
        {0x41b3de4355555555ull, "333333333.3333333"},
        {0x41b3de4355555556ull, "333333333.3333334"},
        {0x41b3de4355555557ull, "333333333.33333343"},
        {0xbecbf647612f3696ull, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959ull, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double d;
        memcpy(&d, &cases[i].bits, sizeof(d));
        char *out = json_to_string(&A, v_float(&A, d), JSON_JCS);
        cr_expect_str_eq(out, cases[i].text, "bits %016llx", (unsigned long long)cases[i].bits);
        /* and the text reads back as the same double */
        struct value *back = parse(out);
        cr_expect(value_as_double(back) == d || (d == 0 && value_as_double(back) == 0));
    }
}

/* RFC 8785 §3.2.2: the complete example. */
Test(json_print, rfc8785_example)
{
    const char *in = "{\n"
                     "  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
                     "              2e-3, 0.000000000000000000000000001],\n"
                     "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                     "  \"literals\": [null, true, false]\n"
                     "}";
    expect_print(in, JSON_JCS,
                 "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                 "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* RFC 8785 §3.2.3: keys ordered by UTF-16 code units. */
Test(json_print, rfc8785_key_order)
{
    const char *in = "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\","
                     " \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\", \"1\": \"One\","
                     " \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\","
                     " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}";
    expect_print(in, JSON_JCS,
                 "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
                 "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
                 "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
                 "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    /* V24 orders the same keys by UTF-8 bytes: U+FB33 before U+1F600 */
    const char *v24 = print(in, JSON_CANON_V24);
    cr_expect_lt(strstr(v24, "\xef\xac\xb3"), strstr(v24, "\xf0\x9f\x98\x80"));
    /* and nested objects are reordered too */
    expect_print("[{\"\\ue000\":1,\"\\ud800\\udc00\":2}]", JSON_JCS,
                 "[{\"\xf0\x90\x80\x80\":2,\"\xee\x80\x80\":1}]");
}

Test(json_print, jcs_strings_escape_like_serde)
{
    expect_print("\"\\u0000\\u001f\\/\\u007f\\b\\f\\n\\r\\t\\\"\\\\\\u00e9\"", JSON_JCS,
                 "\"\\u0000\\u001f/\x7f\\b\\f\\n\\r\\t\\\"\\\\\xc3\xa9\"");
}

/* ---- OPA's compact layout ---- */

static const char *compact_float(double d) { return json_to_string(&A, v_float(&A, d), JSON_COMPACT); }

Test(json_print, compact_numbers)
{
    /* literals keep the text they were written with */
    expect_print("[1.0,1E2,-0,0.50,123456789123456789123,-7]", JSON_COMPACT,
                 "[1.0,1E2,-0,0.50,123456789123456789123,-7]");
    /* computed floats: shortest round trip, Go encoding/json layout */
    cr_expect_str_eq(compact_float(0.1 + 0.2), "0.30000000000000004");
    cr_expect_str_eq(compact_float(1.0), "1");
    cr_expect_str_eq(compact_float(-0.0), "-0");
    cr_expect_str_eq(compact_float(2.5), "2.5");
    cr_expect_str_eq(compact_float(1e20), "100000000000000000000");
    cr_expect_str_eq(compact_float(1e21), "1e+21");
    cr_expect_str_eq(compact_float(1.5e300), "1.5e+300");
    cr_expect_str_eq(compact_float(0.000001), "0.000001");
    cr_expect_str_eq(compact_float(1e-7), "1e-7");
    cr_expect_str_eq(compact_float(1.25e-10), "1.25e-10");
    cr_expect_str_eq(compact_float(5e-324), "5e-324");
    cr_expect_str_eq(json_to_string(&A, v_int(&A, INT64_MIN), JSON_COMPACT), "-9223372036854775808");
    /* NaN and infinities cannot be JSON */
    cr_expect_str_eq(compact_float(NAN), "null");
    cr_expect_str_eq(json_to_string(&A, v_float(&A, INFINITY), JSON_CANON_V24), "null");
    cr_expect_str_eq(json_to_string(&A, v_float(&A, -INFINITY), JSON_JCS), "null");
}

Test(json_print, compact_sets_as_sorted_arrays)
{
    struct value *items[] = {v_cstr(&A, "b"), v_int(&A, 2), v_null(), v_cstr(&A, "a"), v_int(&A, 2)};
    struct value *set = v_set(&A, items, 5);
    cr_expect_str_eq(json_to_string(&A, set, JSON_COMPACT), "[null,2,\"a\",\"b\"]");
    cr_expect_str_eq(json_to_string(&A, set, JSON_PRETTY), "[\n  null,\n  2,\n  \"a\",\n  \"b\"\n]");
    struct value_pair pair = {set, v_bool(true)};
    struct value *obj = v_object(&A, &pair, 1, DUP_FAIL, NULL);
    cr_expect_str_eq(json_to_string(&A, obj, JSON_COMPACT), "{\"[null,2,\\\"a\\\",\\\"b\\\"]\":true}");
}

Test(json_print, pretty_layout)
{
    expect_print("{\"c\":[],\"a\":[1,{\"x\":null}],\"b\":{}}", JSON_PRETTY,
                 "{\n"
                 "  \"a\": [\n"
                 "    1,\n"
                 "    {\n"
                 "      \"x\": null\n"
                 "    }\n"
                 "  ],\n"
                 "  \"b\": {},\n"
                 "  \"c\": []\n"
                 "}");
    expect_print("\"x\"", JSON_PRETTY, "\"x\"");
}

Test(json_print, print_string_and_appending)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "prefix:");
    json_print_string(&b, "a\0b\x1f\"", 5);
    cr_expect_str_eq(buf_cstr(&b), "prefix:\"a\\u0000b\\u001f\\\"\"");
    cr_expect_eq(json_print(&b, v_null(), JSON_COMPACT), 0);
    cr_expect_str_eq(buf_cstr(&b), "prefix:\"a\\u0000b\\u001f\\\"\"null");
    buf_free(&b);
}

/* Every style's output parses again; compact and pretty give back an equal
 * value; the canonical forms are fixed points. */
Test(json_print, round_trips)
{
    static const char *const docs[] = {
        "{\"b\": 1, \"a\": \"test\", \"c\": {\"d\": \"e\"}}",
        "[1, 1.0, -0, 1e-400, 1E+2, 123456789123456789123, -123456789123456789123, 0.1, 5e-324]",
        "{\"\\u0000\":\"\\ud83d\\ude00\",\"\\uffff\":[[],{}],\"\xc3\xa9\":\"\\u001f\",\"a\":1,\"a\":2}",
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", true, false, null, 18446744073709551616, 1.5e16]",
    };
    static const enum json_style styles[] = {JSON_COMPACT, JSON_PRETTY, JSON_CANON_V24, JSON_JCS};
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct value *v = parse(docs[i]);
        for (size_t s = 0; s < sizeof(styles) / sizeof(styles[0]); s++) {
            const char *text = json_to_string(&A, v, styles[s]);
            struct value *again = parse(text);
            if (styles[s] == JSON_COMPACT || styles[s] == JSON_PRETTY) {
                cr_expect(value_equal(v, again), "doc %zu style %zu: %s", i, s, text);
                cr_expect_eq(value_hash(v), value_hash(again));
            } else {
                cr_expect_str_eq(json_to_string(&A, again, styles[s]), text, "fixed point");
            }
        }
    }
}

/* A string built from raw bytes (Rego can) still prints as valid JSON: a
 * byte outside valid UTF-8 becomes \ufffd, as Go's encoding/json does. */
Test(json_print, invalid_utf8_in_values_prints_replacement)
{
    struct value *s = v_string(&A, "a\xff" "b\xc0\xaf" "c\xe2\x82" "d\xed\xa0\x80" "\xe2\x82\xac", 15);
    const char *want = "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffd\xe2\x82\xac\"";
    cr_expect_str_eq(json_to_string(&A, s, JSON_COMPACT), want);
    cr_expect_str_eq(json_to_string(&A, s, JSON_CANON_V24), want);
    cr_expect_str_eq(json_to_string(&A, s, JSON_JCS), want);
    struct value *back = parse(want);
    cr_expect_eq(back->type, V_STRING);
    /* a truncated sequence at the very end */
    cr_expect_str_eq(json_to_string(&A, v_string(&A, "x\xf0\x9f\x98", 4), JSON_COMPACT),
                     "\"x\\ufffd\\ufffd\\ufffd\"");
}
