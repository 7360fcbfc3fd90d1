/* test_json_parse.c - json_parse beyond the JSONTestSuite: the depth limit
 * at its exact boundary (serde_json: 127 levels parse, the 128th fails),
 * serde_json's error messages and positions, duplicate keys, number kinds,
 * escapes and surrogates, invalid UTF-8, options, memory use, and the
 * throughput on a large generated document (printed in MB/s). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "value/value.h"

static struct arena A;

static void setup(void) { arena_init(&A, 0); }
static void teardown(void) { arena_free(&A); }

TestSuite(json_parse, .init = setup, .fini = teardown);

static struct value *parse_n(const char *text, size_t len)
{
    struct value *v = NULL;
    struct as_error err = {0};
    cr_assert_eq(json_parse(&A, text, len, NULL, &v, &err), 0, "%s: %s", text, err.detail);
    cr_assert_not_null(v);
    return v;
}

static struct value *parse(const char *text) { return parse_n(text, strlen(text)); }

/* Parses text that must fail; returns the error detail. */
static const char *parse_fails_n(const char *text, size_t len, const struct json_parse_opts *opts)
{
    struct value *v = NULL;
    static struct as_error err;
    memset(&err, 0, sizeof(err));
    cr_assert_eq(json_parse(&A, text, len, opts, &v, &err), -1, "accepted: %.*s", (int)len, text);
    cr_expect_eq(err.status, 400);
    cr_expect_str_eq(err.type, ERR_INVALID_JSON);
    return err.detail;
}

static void expect_error(const char *text, const char *detail)
{
    cr_expect_str_eq(parse_fails_n(text, strlen(text), NULL), detail, "input: %s", text);
}

/* "[[[...]]]" or {"a":{"a":...}} with depth levels. */
static char *nested(int depth, bool objects)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < depth; i++)
        buf_puts(&b, objects ? "{\"a\":" : "[");
    buf_puts(&b, "0");
    for (int i = 0; i < depth; i++)
        buf_putc(&b, objects ? '}' : ']');
    char *text = arena_strndup(&A, buf_cstr(&b), b.len);
    buf_free(&b);
    return text;
}

Test(json_parse, depth_limit_boundary)
{
    for (int objects = 0; objects <= 1; objects++) {
        struct value *v = parse(nested(127, objects));
        int depth = 0;
        while (v->type == V_ARRAY || v->type == V_OBJECT) {
            v = v->type == V_ARRAY ? v->u.arr.items[0] : v->u.obj.pairs[0].val;
            depth++;
        }
        cr_expect_eq(depth, 127);
        const char *text = nested(128, objects);
        /* serde_json fails at the 128th opening bracket, column of that bracket */
        size_t column = objects ? 127 * 5 + 1 : 128;
        char want[128];
        snprintf(want, sizeof(want), "recursion limit exceeded at line 1 column %zu", column);
        cr_expect_str_eq(parse_fails_n(text, strlen(text), NULL), want);
    }
    /* empty containers count too */
    char text[300];
    memset(text, '[', 128);
    memset(text + 128, ']', 128);
    parse_fails_n(text, 256, NULL);
    parse_n(text + 1, 254);
    /* far deeper input fails the same way, without recursion */
    const char *deep = nested(100000, false);
    parse_fails_n(deep, strlen(deep), NULL);
}

Test(json_parse, max_depth_option)
{
    struct json_parse_opts opts = {.max_depth = 4};
    struct value *v = NULL;
    struct as_error err = {0};
    cr_expect_eq(json_parse(&A, "[[[1]]]", 7, &opts, &v, &err), 0, "%s", err.detail);
    cr_expect_str_eq(parse_fails_n("[[[[1]]]]", 9, &opts), "recursion limit exceeded at line 1 column 4");
    opts.max_depth = 1000;
    const char *deep = nested(999, false);
    cr_expect_eq(json_parse(&A, deep, strlen(deep), &opts, &v, &err), 0, "%s", err.detail);
    deep = nested(1000, false);
    parse_fails_n(deep, strlen(deep), &opts);
    /* a huge limit costs nothing: the frames needed are bounded by the input */
    opts.max_depth = 1 << 30;
    cr_expect_eq(json_parse(&A, deep, strlen(deep), &opts, &v, &err), 0, "%s", err.detail);
}

/* serde_json's wording and positions (column: bytes consumed on the line,
 * or the peeked byte's 1-based column). */
Test(json_parse, error_messages)
{
    expect_error("", "EOF while parsing a value at line 1 column 0");
    expect_error("  \n ", "EOF while parsing a value at line 2 column 1");
    expect_error("\n\n  x", "expected value at line 3 column 3");
    expect_error("]", "expected value at line 1 column 1");
    expect_error("\xef\xbb\xbf{}", "expected value at line 1 column 1");
    expect_error("[1,]", "trailing comma at line 1 column 4");
    expect_error("{\"a\":1,}", "trailing comma at line 1 column 8");
    expect_error("[1 2]", "expected `,` or `]` at line 1 column 4");
    expect_error("{\"a\":1 \"b\":2}", "expected `,` or `}` at line 1 column 8");
    expect_error("{\"a\" 1}", "expected `:` at line 1 column 6");
    expect_error("{1:1}", "key must be a string at line 1 column 2");
    expect_error("[", "EOF while parsing a list at line 1 column 1");
    expect_error("[1", "EOF while parsing a list at line 1 column 2");
    expect_error("[1,", "EOF while parsing a value at line 1 column 3");
    expect_error("{", "EOF while parsing an object at line 1 column 1");
    expect_error("{\"a\"", "EOF while parsing an object at line 1 column 4");
    expect_error("{\"a\":", "EOF while parsing a value at line 1 column 5");
    expect_error("{\"a\":1,", "EOF while parsing a value at line 1 column 7");
    expect_error("[1] x", "trailing characters at line 1 column 5");
    expect_error("1 2", "trailing characters at line 1 column 3");
    expect_error("nul", "EOF while parsing a value at line 1 column 3");
    expect_error("nulx", "expected ident at line 1 column 4");
    expect_error("trUe", "expected ident at line 1 column 3");
    expect_error("-", "EOF while parsing a value at line 1 column 1");
    expect_error("-a", "invalid number at line 1 column 2");
    expect_error("01", "invalid number at line 1 column 2");
    expect_error("1.", "EOF while parsing a value at line 1 column 2");
    expect_error("1.a", "invalid number at line 1 column 3");
    expect_error("1e", "EOF while parsing a value at line 1 column 2");
    expect_error("1ea", "invalid number at line 1 column 3");
    expect_error("1e400", "number out of range at line 1 column 5");
    expect_error("[-1e400]", "number out of range at line 1 column 7");
    expect_error("\"abc", "EOF while parsing a string at line 1 column 4");
    expect_error("\"a\x01\"", "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3");
    expect_error("\"a\nb\"", "control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0");
    expect_error("\"\\x\"", "invalid escape at line 1 column 3");
    expect_error("\"\\u12G4\"", "invalid escape at line 1 column 6");
    expect_error("\"\\u12\"", "EOF while parsing a string at line 1 column 6");
    expect_error("\"\\udc00\"", "lone leading surrogate in hex escape at line 1 column 7");
    expect_error("\"\\ud800\"", "unexpected end of hex escape at line 1 column 8");
    expect_error("\"\\ud800\\n\"", "unexpected end of hex escape at line 1 column 9");
    expect_error("\"\\ud800\\u0041\"", "lone leading surrogate in hex escape at line 1 column 13");
    expect_error("\"\\ud800\\ud800\"", "lone leading surrogate in hex escape at line 1 column 13");
    expect_error("\"\\ud800", "EOF while parsing a string at line 1 column 7");
    /* invalid UTF-8 is reported after the closing quote, as serde_json does */
    expect_error("[\"a\xff\" ]", "invalid unicode code point at line 1 column 5");
    expect_error("\"\xff\x01\"", "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3");
}

Test(json_parse, invalid_utf8_rejected)
{
    static const char *const bad[] = {
        "\"\x80\"",             /* lone continuation byte */
        "\"\xc0\xaf\"",         /* overlong '/' */
        "\"\xc1\xbf\"",         /* overlong */
        "\"\xe0\x80\xaf\"",     /* overlong 3-byte */
        "\"\xf0\x80\x80\xaf\"", /* overlong 4-byte */
        "\"\xed\xa0\x80\"",     /* UTF-8 encoded surrogate U+D800 */
        "\"\xed\xbf\xbf\"",     /* U+DFFF */
        "\"\xf4\x90\x80\x80\"", /* beyond U+10FFFF */
        "\"\xf5\x80\x80\x80\"",
        "\"\xfe\"",
        "\"\xff\"",
        "\"\xe2\x82\"",         /* truncated */
        "\"\xf0\x9f\x98\"",
        "\"\xe2\x82",           /* truncated at end of input */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        parse_fails_n(bad[i], strlen(bad[i]), NULL);
    static const char *const good[][2] = {
        {"\"\xc2\x80\"", "\xc2\x80"},
        {"\"\xdf\xbf\"", "\xdf\xbf"},
        {"\"\xe0\xa0\x80\"", "\xe0\xa0\x80"},
        {"\"\xed\x9f\xbf\"", "\xed\x9f\xbf"},     /* U+D7FF */
        {"\"\xee\x80\x80\"", "\xee\x80\x80"},     /* U+E000 */
        {"\"\xef\xbf\xbf\"", "\xef\xbf\xbf"},     /* U+FFFF */
        {"\"\xf0\x90\x80\x80\"", "\xf0\x90\x80\x80"},
        {"\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_expect_str_eq(parse(good[i][0])->u.str.s, good[i][1]);
}

Test(json_parse, escapes_and_surrogate_pairs)
{
    struct value *s = parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\uDBFF\\uDFFF\"");
    const char want[] = "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
    cr_assert_eq(s->u.str.len, sizeof(want) - 1);
    cr_expect_eq(memcmp(s->u.str.s, want, sizeof(want) - 1), 0);
    struct value *nul = parse("\"a\\u0000b\"");
    cr_expect_eq(nul->u.str.len, 3);
    cr_expect_eq(memcmp(nul->u.str.s, "a\0b", 4), 0, "NUL inside, NUL-terminated");
    /* long strings on the word-at-a-time path, with specials at every offset */
    for (int at = 0; at < 20; at++) {
        char text[64], expect[64];
        memset(text, 'x', sizeof(text));
        text[0] = '"';
        text[1 + at] = '\\';
        text[2 + at] = 'n';
        text[40] = '"';
        struct value *v = parse_n(text, 41);
        memset(expect, 'x', sizeof(expect));
        expect[at] = '\n';
        cr_assert_eq(v->u.str.len, 38);
        cr_expect_eq(memcmp(v->u.str.s, expect, 38), 0, "escape at %d", at);
    }
}

Test(json_parse, whitespace_is_only_the_four)
{
    parse(" \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n");
    parse_fails_n("\f[]", 3, NULL);
    parse_fails_n("[\v]", 3, NULL);
    parse_fails_n("\xc2\xa0[]", 4, NULL);
    parse_fails_n("[]\0", 3, NULL);
}

Test(json_parse, duplicate_keys_last_wins)
{
    struct value *v = parse("{\"a\":1,\"b\":{\"x\":1,\"x\":[2]},\"a\":3,\"a\":{}}");
    cr_expect_eq(v->u.obj.len, 2);
    cr_expect_eq(value_object_get_str(v, "a")->type, V_OBJECT);
    struct value *x = value_object_get_str(value_object_get_str(v, "b"), "x");
    cr_expect_eq(x->type, V_ARRAY);
    cr_expect_eq(x->u.arr.items[0]->u.num.i, 2);
    /* keys are sorted; escaped and raw spellings are the same key */
    v = parse("{\"\\u0061\":1,\"a\":2}");
    cr_expect_eq(v->u.obj.len, 1);
    cr_expect_eq(value_object_get_str(v, "a")->u.num.i, 2);
}

Test(json_parse, number_kinds)
{
    struct value *v = parse("[0,-0,1,-1,999999999999999999,1000000000000000000,9223372036854775807,"
                            "-9223372036854775808,9223372036854775808,-9223372036854775809,"
                            "1.0,1e2,1E+2,1e-2,-0.0,1e-400,123456789123456789123456789]");
    struct value **it = v->u.arr.items;
    static const uint8_t kinds[] = {NUM_INT,   NUM_FLOAT, NUM_INT,   NUM_INT,   NUM_INT,   NUM_INT,
                                    NUM_INT,   NUM_INT,   NUM_BIG,   NUM_BIG,   NUM_FLOAT, NUM_FLOAT,
                                    NUM_FLOAT, NUM_FLOAT, NUM_FLOAT, NUM_FLOAT, NUM_BIG};
    cr_assert_eq(v->u.arr.len, sizeof(kinds));
    for (size_t i = 0; i < sizeof(kinds); i++)
        cr_expect_eq(it[i]->num_kind, kinds[i], "item %zu", i);
    cr_expect_eq(it[4]->u.num.i, 999999999999999999LL);
    cr_expect_eq(it[5]->u.num.i, 1000000000000000000LL);
    cr_expect_eq(it[6]->u.num.i, INT64_MAX);
    cr_expect_eq(it[7]->u.num.i, INT64_MIN);
    cr_expect_str_eq(it[8]->u.num.text, "9223372036854775808");
    cr_expect_str_eq(it[9]->u.num.text, "-9223372036854775809");
    cr_expect_str_eq(it[12]->u.num.text, "1E+2");
    cr_expect(it[13]->u.num.d == 0.01);
    cr_expect(it[15]->u.num.d == 0);
    /* very long integers are still exact */
    cr_expect(value_compare(parse("123456789123456789123456789"), parse("123456789123456789123456788")) > 0);
}

Test(json_parse, options_and_lengths)
{
    struct json_parse_opts opts = {.allow_trailing = true};
    struct value *v = NULL;
    struct as_error err = {0};
    cr_expect_eq(json_parse(&A, "{\"a\":1} trailing", 16, &opts, &v, &err), 0, "%s", err.detail);
    cr_expect_eq(value_object_get_str(v, "a")->u.num.i, 1);
    /* only len bytes are read: no NUL terminator needed */
    char text[] = {'[', '1', ']', 'x'};
    v = parse_n(text, 3);
    cr_expect_eq(v->u.arr.len, 1);
    parse_fails_n("[1]x", 4, NULL);
    parse_fails_n("\"ab", 2, NULL); /* the closing quote lies beyond len */
    /* errors are optional */
    cr_expect_eq(json_parse(&A, "[", 1, NULL, &v, NULL), -1);
    /* the input is not modified */
    char input[] = "{\"k\\n\":\"v\\u0041\"}";
    char copy[sizeof(input)];
    memcpy(copy, input, sizeof(input));
    parse(input);
    cr_expect_eq(memcmp(input, copy, sizeof(input)), 0);
}

Test(json_parse, arena_limit_is_a_clean_error)
{
    struct arena small;
    arena_init(&small, 0);
    small.limit = 4096;
    struct buf b = BUF_INIT;
    buf_putc(&b, '[');
    for (int i = 0; i < 2000; i++)
        buf_puts(&b, i ? ",1" : "1");
    buf_putc(&b, ']');
    struct value *v = NULL;
    struct as_error err = {0};
    cr_expect_eq(json_parse(&small, b.data, b.len, NULL, &v, &err), -1);
    cr_expect_eq(err.status, 413, "%d %s", err.status, err.detail);
    buf_free(&b);
    arena_free(&small);
}

/* ---- a large generated document: memory and throughput ---- */

Test(json_parse, strings_cost_no_allocation_per_byte)
{
    size_t len = 1u << 20;
    char *text = malloc(len);
    cr_assert_not_null(text);
    memset(text, 'a', len);
    text[0] = '"';
    text[len / 2] = '\\'; /* one escape: the in-place decoding path */
    text[len / 2 + 1] = 't';
    text[len - 1] = '"';
    struct arena a;
    arena_init(&a, 0);
    struct value *v = NULL;
    struct as_error err = {0};
    cr_assert_eq(json_parse(&a, text, len, NULL, &v, &err), 0, "%s", err.detail);
    cr_expect_eq(v->u.str.len, len - 3);
    cr_expect_eq(v->u.str.s[len / 2 - 1], '\t');
    /* the input copy and one node */
    cr_expect_leq(a.total, len + 256, "arena %zu bytes for a %zu byte string", a.total, len);
    arena_free(&a);
    free(text);
}

static void generate_document(struct buf *b, size_t target, size_t *records)
{
    static const char *const words[] = {"alpha", "bravo", "charlie \\\"quoted\\\"", "d\xc3\xa9j\xc3\xa0 vu",
                                        "echo\\n", "foxtrot golf hotel india juliett kilo lima"};
    buf_puts(b, "{\"records\": [\n");
    size_t n = 0;
    while (b->len < target) {
        buf_printf(b,
                   "%s  {\"id\": %zu, \"name\": \"%s\", \"score\": %zu.%03zu, \"big\": %zu%zu%zu,"
                   " \"tags\": [\"%s\", \"%s\"], \"ok\": %s, \"none\": null,"
                   " \"nested\": {\"z\": -%zu, \"y\": [1e-3, 2.5E+10, 0], \"x\": \"\\u00e9\\ud83d\\ude00\"}}",
                   n ? ",\n" : "", n, words[n % 6], n % 997, n % 1000, n + 1, n * 7919 + 13, n * 104729,
                   words[(n + 1) % 6], words[(n + 3) % 6], n % 3 ? "true" : "false", n * 31);
        n++;
    }
    buf_puts(b, "\n]}\n");
    *records = n;
}

/* CPU time of this process: the figure does not depend on what else the
 * machine runs. */
static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(json_parse, large_document_throughput, .timeout = 300)
{
    struct buf doc = BUF_INIT;
    size_t records;
    generate_document(&doc, 32u << 20, &records);
    cr_assert(!buf_failed(&doc));
    double best = 0;
    for (int round = 0; round < 3; round++) {
        struct arena a;
        arena_init(&a, 0);
        struct value *v = NULL;
        struct as_error err = {0};
        double t0 = seconds_now();
        int rc = json_parse(&a, doc.data, doc.len, NULL, &v, &err);
        double dt = seconds_now() - t0;
        cr_assert_eq(rc, 0, "%s", err.detail);
        struct value *list = value_object_get_str(v, "records");
        cr_assert_eq(list->u.arr.len, records);
        struct value *last = list->u.arr.items[records - 1];
        cr_expect_eq(value_object_get_str(last, "id")->u.num.i, (int64_t)(records - 1));
        /* no allocation per byte: the arena holds the input copy plus the
         * nodes, a few times the input at most */
        cr_expect_lt(a.total, doc.len * 8, "arena %zu bytes for %zu of input", a.total, doc.len);
        double mbps = (double)doc.len / (1024.0 * 1024.0) / dt;
        if (mbps > best)
            best = mbps;
        if (round == 2) {
            t0 = seconds_now();
            char *compact = json_to_string(&a, v, JSON_COMPACT);
            double pt = seconds_now() - t0;
            cr_assert_not_null(compact);
            fprintf(stderr, "json_print compact: %zu bytes in %.3f s CPU, %.0f MB/s\n", strlen(compact), pt,
                    (double)strlen(compact) / (1024.0 * 1024.0) / pt);
        }
        arena_free(&a);
    }
    fprintf(stderr, "json_parse: %.1f MB document, %zu records, best of 3: %.0f MB/s (CPU time)\n",
            (double)doc.len / (1024.0 * 1024.0), records, best);
    buf_free(&doc);
}
