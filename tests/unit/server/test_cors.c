/* Unit tests for server/cors.c: origin list parsing and the preflight
 * decisions of actix-cors as V26 configures it (api.md §9). */
#include <criterion/criterion.h>
#include <string.h>

#include "server/cors.h"

static struct cors_config C;
static void setup(void) { memset(&C, 0, sizeof(C)); }
static void teardown(void) { cors_config_free(&C); }
TestSuite(cors, .init = setup, .fini = teardown);

Test(cors, origins_split_trimmed_filtered)
{
    cr_assert_eq(cors_add_origins(&C, " http://a.example , ,ftp://x,https://b.example:8443,"), 0);
    cr_assert_eq(cors_add_origins(&C, "localhost:3000"), 0);
    cr_assert_eq(C.n_origins, 2);
    cr_assert_str_eq(C.origins[0], "http://a.example");
    cr_assert_str_eq(C.origins[1], "https://b.example:8443");
    cr_assert(cors_origin_allowed(&C, "http://a.example"));
    cr_assert_not(cors_origin_allowed(&C, "HTTP://A.EXAMPLE"));
    cr_assert_not(cors_origin_allowed(&C, "http://a.example/"));
    cr_assert_not(cors_origin_allowed(&C, NULL));
}

static enum cors_verdict check(const char *method, const char *origin, const char *rm,
                               const char *rh, const char **why)
{
    struct cors_request r = {method, origin, rm, rh};
    return cors_check_preflight(&C, &r, why);
}

Test(cors, preflight_decisions)
{
    cors_add_origins(&C, "http://ok.example");
    const char *why;
    cr_assert_eq(check("GET", "http://ok.example", "POST", NULL, &why), CORS_NOT_PREFLIGHT);
    cr_assert_eq(check("OPTIONS", "http://ok.example", NULL, NULL, &why), CORS_NOT_PREFLIGHT);
    cr_assert_eq(check("OPTIONS", "http://ok.example", "PO ST", NULL, &why), CORS_NOT_PREFLIGHT);
    cr_assert_eq(check("OPTIONS", "http://ok.example", "POST", NULL, &why), CORS_PREFLIGHT_OK);
    cr_assert_eq(check("OPTIONS", "http://ok.example", "GET", "Content-Type, authorization", &why),
                 CORS_PREFLIGHT_OK);
    cr_assert_eq(check("OPTIONS", NULL, "POST", NULL, &why), CORS_PREFLIGHT_BAD);
    cr_assert(strstr(why, "Origin"));
    cr_assert_eq(check("OPTIONS", "http://evil.example", "POST", NULL, &why), CORS_PREFLIGHT_BAD);
    cr_assert_str_eq(why, "Origin is not allowed to make this request");
    cr_assert_eq(check("OPTIONS", "http://ok.example", "DELETE", NULL, &why), CORS_PREFLIGHT_BAD);
    cr_assert_str_eq(why, "Requested method is not allowed");
    cr_assert_eq(check("OPTIONS", "http://ok.example", "post", NULL, &why), CORS_PREFLIGHT_BAD);
    cr_assert_eq(check("OPTIONS", "http://ok.example", "POST", "X-Custom", &why),
                 CORS_PREFLIGHT_BAD);
    cr_assert_str_eq(why, "One or more request headers are not allowed");
    cr_assert_eq(check("OPTIONS", "http://ok.example", "POST", "content-type,", &why),
                 CORS_PREFLIGHT_BAD);
    cr_assert(strstr(why, "invalid value"));
}

Test(cors, no_origins_configured_rejects_every_preflight)
{
    const char *why;
    cr_assert_eq(check("OPTIONS", "http://a.example", "GET", NULL, &why), CORS_PREFLIGHT_BAD);
}
