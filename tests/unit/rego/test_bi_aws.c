/* test_bi_aws.c - providers.aws.sign_req: AWS's published SigV4 example
 * (the "get-vanilla" case of AWS's signature test suite, with its example
 * credentials), the s3 payload header, session tokens, unsigned payloads
 * and OPA's operand errors. */
#include "bi_test_util.h"

TestSuite(bi_aws, .init = bt_setup, .fini = bt_teardown);

#define VANILLA_NS "1440938160000000000" /* 2015-08-30T12:36:00Z */
#define EXAMPLE_CONFIG                                                                             \
    "\"aws_access_key\":\"AKIDEXAMPLE\",\"aws_secret_access_key\":"                                \
    "\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\",\"aws_region\":\"us-east-1\""

static struct value *sign(const char *req, const char *cfg, const char *ns)
{
    struct value *got;
    int rc = bt_call("providers.aws.sign_req", &got, 3, J(req), J(cfg), J(ns));
    cr_assert(rc == 0 && got, "sign_req: %s", bt_err.detail);
    return got;
}

static const char *header(struct value *signed_req, const char *name)
{
    struct value *h = value_object_get_str(value_object_get_str(signed_req, "headers"), name);
    return v_is(h, V_STRING) ? h->u.str.s : NULL;
}

Test(bi_aws, get_vanilla)
{
    struct value *got = sign("{\"method\":\"GET\",\"url\":\"https://example.amazonaws.com/\"}",
                             "{" EXAMPLE_CONFIG ",\"aws_service\":\"service\"}", VANILLA_NS);
    cr_expect_str_eq(
        header(got, "Authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
        "SignedHeaders=host;x-amz-date,"
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    cr_expect_str_eq(header(got, "host"), "example.amazonaws.com");
    cr_expect_str_eq(header(got, "x-amz-date"), "20150830T123600Z");
    cr_expect(header(got, "x-amz-content-sha256") == NULL, "only s3 and glacier get it");
    cr_expect(value_equal(value_object_get_str(got, "url"), STR("https://example.amazonaws.com/")));
}

Test(bi_aws, s3_headers_token_and_payload)
{
    struct value *got = sign(
        "{\"method\":\"PUT\",\"url\":\"https://b.s3.amazonaws.com/k?x=1\","
        "\"headers\":{\"User-Agent\":\"t\",\"X-Custom\":\"v\"},\"raw_body\":\"\"}",
        "{" EXAMPLE_CONFIG ",\"aws_service\":\"s3\",\"aws_session_token\":\"tok\"}", VANILLA_NS);
    const char *auth = header(got, "Authorization");
    cr_assert(auth != NULL);
    /* user-agent is not signed; the custom header is, lower-cased */
    cr_expect(strstr(auth, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                           "x-amz-security-token;x-custom,") != NULL,
              "%s", auth);
    cr_expect_str_eq(header(got, "x-amz-content-sha256"),
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cr_expect_str_eq(header(got, "x-amz-security-token"), "tok");
    cr_expect_str_eq(header(got, "User-Agent"), "t");
    struct value *unsigned_req =
        sign("{\"method\":\"GET\",\"url\":\"https://b.s3.amazonaws.com/\"}",
             "{" EXAMPLE_CONFIG ",\"aws_service\":\"s3\","
             "\"disable_payload_signing\":true}",
             VANILLA_NS);
    cr_expect_str_eq(header(unsigned_req, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    /* a body is signed as its JSON */
    struct value *body =
        sign("{\"method\":\"GET\",\"url\":\"https://b.s3.amazonaws.com/\",\"body\":{}}",
             "{" EXAMPLE_CONFIG ",\"aws_service\":\"s3\"}", VANILLA_NS);
    cr_expect_str_eq(header(body, "x-amz-content-sha256"),
                     "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"); /* "{}" */
}

Test(bi_aws, errors)
{
    const char *cfg = "{" EXAMPLE_CONFIG ",\"aws_service\":\"s3\"}";
    EXPECT_ERR("eval_type_error",
               "operand 1 missing required request parameters(s): {\"method\", \"url\"}",
               "providers.aws.sign_req", 3, J("{}"), J(cfg), J(VANILLA_NS));
    EXPECT_ERR("eval_type_error", "operand 1 invalid request parameters(s): {\"bogus\"}",
               "providers.aws.sign_req", 3, J("{\"method\":\"GET\",\"url\":\"x\",\"bogus\":1}"),
               J(cfg), J(VANILLA_NS));
    EXPECT_ERR("eval_type_error",
               "operand 1 invalid values for required request parameters(s): {\"method\"}",
               "providers.aws.sign_req", 3, J("{\"method\":1,\"url\":\"x\"}"), J(cfg),
               J(VANILLA_NS));
    EXPECT_ERR("eval_type_error",
               "operand 2 missing required AWS config parameters(s): {\"aws_access_key\", "
               "\"aws_region\", \"aws_secret_access_key\", \"aws_service\"}",
               "providers.aws.sign_req", 3, J("{\"method\":\"GET\",\"url\":\"x\"}"), J("{}"),
               J(VANILLA_NS));
    EXPECT_ERR("eval_type_error",
               "operand 2 invalid values for required AWS config parameters(s): {\"aws_region\"}",
               "providers.aws.sign_req", 3, J("{\"method\":\"GET\",\"url\":\"x\"}"),
               J("{\"aws_access_key\":\"a\",\"aws_secret_access_key\":\"s\",\"aws_service\":\"s3\","
                 "\"aws_region\":1}"),
               J(VANILLA_NS));
    EXPECT_ERR("eval_type_error", "operand 3 could not convert time_ns value into a unix timestamp",
               "providers.aws.sign_req", 3, J("{\"method\":\"GET\",\"url\":\"x\"}"), J(cfg),
               J("1.5"));
    EXPECT_ERR("eval_type_error", "invalid value for 'disable_payload_signing'",
               "providers.aws.sign_req", 3, J("{\"method\":\"GET\",\"url\":\"x\"}"),
               J("{" EXAMPLE_CONFIG ",\"aws_service\":\"s3\",\"disable_payload_signing\":\"no\"}"),
               J(VANILLA_NS));
}
