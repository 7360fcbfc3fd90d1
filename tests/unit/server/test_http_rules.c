/* Unit tests for server/http_rules.c: JSON media types (api.md §3),
 * Content-Length, strict path decoding, tokens. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/http_rules.h"

Test(media_type, json_types_accepted)
{
    const char *ok[] = {"application/json", "application/json; charset=utf-8",
                        "APPLICATION/JSON", "text/json", "application/foo+json",
                        "application/vnd.api+json;v=1", "application/json;charset=\"utf-8\"",
                        " application/json ", "application/json ; a=b ;c=d"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert(media_type_is_json(ok[i]), "%s", ok[i]);
}

Test(media_type, others_rejected)
{
    const char *bad[] = {NULL,
                         "",
                         "application/jsonx",
                         "application/x-www-form-urlencoded",
                         "text/plain",
                         "json",
                         "application/",
                         "/json",
                         "application/+json",
                         "application/json;",
                         "application/json; charset",
                         "application/json; charset=",
                         "application/json garbage",
                         "application/json; a=\"unterminated",
                         "application/json, text/plain"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(media_type_is_json(bad[i]), "%s", bad[i] ? bad[i] : "(null)");
}

Test(content_length, parse)
{
    uint64_t v;
    cr_assert_eq(content_length_parse("0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(content_length_parse("2097153", &v), 0);
    cr_assert_eq(v, 2097153);
    cr_assert_eq(content_length_parse("99999999999999999999999", &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(content_length_parse("", &v), -1);
    cr_assert_eq(content_length_parse("-1", &v), -1);
    cr_assert_eq(content_length_parse("1 2", &v), -1);
    cr_assert_eq(content_length_parse("+5", &v), -1);
}

Test(path, decode)
{
    struct arena a;
    arena_init(&a, 0);
    char *p;
    cr_assert_eq(path_decode(&a, "/policy/abc?x=1", &p), 0);
    cr_assert_str_eq(p, "/policy/abc");
    cr_assert_eq(path_decode(&a, "/policy/..%2Fx", &p), 0);
    cr_assert_str_eq(p, "/policy/../x");
    cr_assert_eq(path_decode(&a, "/a%41b+c#frag", &p), 0);
    cr_assert_str_eq(p, "/aAb+c");
    cr_assert_eq(path_decode(&a, "/a%4", &p), -1);
    cr_assert_eq(path_decode(&a, "/a%4?x", &p), -1);
    cr_assert_eq(path_decode(&a, "/a%zz", &p), -1);
    cr_assert_eq(path_decode(&a, "/a%00b", &p), -1);
    cr_assert_eq(path_decode(&a, "%", &p), -1);
    arena_free(&a);
}

Test(token, chars)
{
    cr_assert(http_is_token("GET", 3));
    cr_assert(http_is_token("content-type", 12));
    cr_assert_not(http_is_token("", 0));
    cr_assert_not(http_is_token("GE T", 4));
    cr_assert_not(http_is_token("a,b", 3));
}

Test(framing, one_way_only)
{
    struct framing none = {0};
    cr_assert_eq(framing_judge(&none), FRAMING_OK);
    struct framing cl = {.n_content_length = 1};
    cr_assert_eq(framing_judge(&cl), FRAMING_OK);
    struct framing same_cl_twice = {.n_content_length = 2};
    cr_assert_eq(framing_judge(&same_cl_twice), FRAMING_OK);
    struct framing cl_differ = {.n_content_length = 2, .content_lengths_differ = true};
    cr_assert_eq(framing_judge(&cl_differ), FRAMING_AMBIGUOUS);
    struct framing both = {.n_content_length = 1, .n_transfer_encoding = 1,
                           .transfer_encoding = "chunked"};
    cr_assert_eq(framing_judge(&both), FRAMING_AMBIGUOUS);
}

Test(framing, transfer_codings)
{
    const char *ok[] = {"chunked", "Chunked", "CHUNKED"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct framing f = {.n_transfer_encoding = 1, .transfer_encoding = ok[i]};
        cr_assert_eq(framing_judge(&f), FRAMING_OK, "%s", ok[i]);
    }
    const char *bad[] = {"gzip", "gzip, chunked", "chunked, gzip", "chunked ", "identity",
                         "", "chunk", "chunkedx", NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct framing f = {.n_transfer_encoding = 1, .transfer_encoding = bad[i]};
        cr_assert_eq(framing_judge(&f), FRAMING_UNSUPPORTED, "%s", bad[i] ? bad[i] : "(null)");
    }
    struct framing twice = {.n_transfer_encoding = 2, .transfer_encoding = "chunked"};
    cr_assert_eq(framing_judge(&twice), FRAMING_UNSUPPORTED);
}
