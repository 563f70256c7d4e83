/* Status objects (kube-api-semantics.md §3) decode into fo_err. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/kube_status.h"
#include "common/strbuf.h"

static json_t *parse(const char *text)
{
    fo_err err;
    json_t *v = fo_json_parse(text, strlen(text), 0, &err);
    ck_assert_ptr_nonnull(v);
    return v;
}

START_TEST(not_found_keeps_message_reason_and_code)
{
    json_t *st = parse("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                       "\"status\":\"Failure\",\"message\":\"flinkdeployments.flink.apache.org "
                       "\\\"basic-example\\\" not found\",\"reason\":\"NotFound\",\"details\":"
                       "{\"name\":\"basic-example\",\"group\":\"flink.apache.org\",\"kind\":"
                       "\"flinkdeployments\"},\"code\":404}");
    fo_err err;
    ck_assert_int_eq(fo_kube_status_to_err(404, st, NULL, &err), FO_ENOTFOUND);
    ck_assert_int_eq(err.rc, FO_ENOTFOUND);
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_str_eq(err.reason, "NotFound");
    ck_assert_str_eq(err.message, "flinkdeployments.flink.apache.org \"basic-example\" not found");
    json_decref(st);
}
END_TEST

START_TEST(a_409_is_told_apart_by_its_reason)
{
    const char *exists = "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409,"
                         "\"message\":\"configmaps \\\"a\\\" already exists\"}";
    const char *conflict = "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"code\":409,"
                           "\"message\":\"Operation cannot be fulfilled\"}";
    fo_err err;
    ck_assert_int_eq(fo_kube_status_body_to_err(409, exists, strlen(exists), "create", &err),
                     FO_EEXISTS);
    ck_assert_str_eq(err.message, "create: configmaps \"a\" already exists");
    ck_assert_int_eq(fo_kube_status_body_to_err(409, conflict, strlen(conflict), NULL, &err),
                     FO_ECONFLICT);
    ck_assert_str_eq(err.reason, "Conflict");
}
END_TEST

START_TEST(invalid_joins_causes_missing_from_the_message)
{
    json_t *st =
        parse("{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"Invalid\",\"code\":422,"
              "\"message\":\"FlinkDeployment.flink.apache.org \\\"x\\\" is invalid\","
              "\"details\":{\"causes\":[{\"reason\":\"FieldValueRequired\",\"message\":\"Required "
              "value\",\"field\":\"spec.image\"},{\"reason\":\"FieldValueInvalid\",\"message\":"
              "\"Invalid value: -1: must be positive\",\"field\":\"spec.parallelism\"}]}}");
    fo_err err;
    ck_assert_int_eq(fo_kube_status_to_err(422, st, NULL, &err), FO_EINVALID);
    ck_assert_str_eq(err.message, "FlinkDeployment.flink.apache.org \"x\" is invalid; "
                                  "spec.image: Required value; "
                                  "spec.parallelism: Invalid value: -1: must be positive");
    json_decref(st);
    /* Causes already spelled out in the message are not repeated. */
    st = parse("{\"kind\":\"Status\",\"reason\":\"Invalid\",\"code\":422,\"message\":"
               "\"Lease \\\"l\\\" is invalid: metadata.resourceVersion: Invalid value: 0x0: "
               "must be specified for an update\",\"details\":{\"causes\":[{\"field\":"
               "\"metadata.resourceVersion\",\"message\":\"Invalid value: 0x0: must be "
               "specified for an update\"}]}}");
    ck_assert_int_eq(fo_kube_status_to_err(422, st, NULL, &err), FO_EINVALID);
    ck_assert_str_eq(err.message, "Lease \"l\" is invalid: metadata.resourceVersion: Invalid "
                                  "value: 0x0: must be specified for an update");
    json_decref(st);
}
END_TEST

START_TEST(any_410_is_gone_whatever_the_reason)
{
    fo_err err;
    ck_assert_int_eq(fo_kube_status_rc(410, "Expired"), FO_EGONE);
    ck_assert_int_eq(fo_kube_status_rc(410, "Gone"), FO_EGONE);
    ck_assert_int_eq(fo_kube_status_rc(410, NULL), FO_EGONE);
    const char *body = "{\"kind\":\"Status\",\"code\":410,\"message\":\"The resourceVersion "
                       "for the provided watch is too old.\"}";
    ck_assert_int_eq(fo_kube_status_body_to_err(410, body, strlen(body), NULL, &err), FO_EGONE);
}
END_TEST

START_TEST(throttling_and_permission_errors_map_to_their_codes)
{
    json_t *st = parse("{\"kind\":\"Status\",\"reason\":\"TooManyRequests\",\"code\":429,"
                       "\"message\":\"too many requests\",\"details\":{\"retryAfterSeconds\":3}}");
    fo_err err;
    ck_assert_int_eq(fo_kube_status_to_err(429, st, NULL, &err), FO_ETOOMANY);
    ck_assert_int_eq(fo_kube_status_retry_after_s(st), 3);
    ck_assert_int_eq(fo_kube_status_retry_after_s(NULL), -1);
    json_decref(st);
    ck_assert_int_eq(fo_kube_status_rc(403, "Forbidden"), FO_EFORBIDDEN);
    ck_assert_int_eq(fo_kube_status_rc(401, "Unauthorized"), FO_EFORBIDDEN);
    ck_assert_int_eq(fo_kube_status_rc(503, NULL), FO_EUNAVAIL);
    ck_assert_int_eq(fo_kube_status_rc(500, "InternalError"), FO_EUNAVAIL);
    ck_assert_int_eq(fo_kube_status_rc(415, "UnsupportedMediaType"), FO_EINVAL);
}
END_TEST

START_TEST(non_status_bodies_are_quoted_briefly)
{
    char html[600];
    memset(html, 'h', sizeof html - 1);
    html[sizeof html - 1] = '\0';
    memcpy(html, "<html>", 6);
    fo_err err;
    ck_assert_int_eq(fo_kube_status_body_to_err(502, html, strlen(html), "get x", &err),
                     FO_EUNAVAIL);
    ck_assert(strncmp(err.message, "get x: HTTP 502: <html>hhh", 26) == 0);
    ck_assert_uint_eq(strlen(err.message), strlen("get x: HTTP 502: ") + 200);
    ck_assert_int_eq(err.http_status, 502);
    ck_assert_str_eq(err.reason, "");
    ck_assert_int_eq(fo_kube_status_body_to_err(404, NULL, 0, NULL, &err), FO_ENOTFOUND);
    ck_assert_str_eq(err.message, "HTTP 404");
}
END_TEST

/* A watch ERROR event's Status carries its own code (no HTTP status is given then): one
 * outside HTTP's range is no code at all, never read modulo 2^32 (4294967706 is not 410,
 * which would make a watch relist; 4294967700 is not 404). */
START_TEST(a_status_code_outside_http_is_no_code)
{
    const char *texts[] = {"{\"kind\":\"Status\",\"code\":4294967706,\"message\":\"m\"}",
                           "{\"kind\":\"Status\",\"code\":4294967700}",
                           "{\"kind\":\"Status\",\"code\":-4294966886}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *st = parse(texts[i]);
        fo_err err;
        fo_rc rc = fo_kube_status_to_err(0, st, NULL, &err);
        ck_assert_msg(rc == FO_EPROTO, "%s: got %s", texts[i], fo_rc_name(rc));
        ck_assert_int_eq(err.http_status, 0);
        json_decref(st);
    }
    json_t *st = parse("{\"kind\":\"Status\",\"code\":410}");
    fo_err err;
    ck_assert_int_eq(fo_kube_status_to_err(0, st, NULL, &err), FO_EGONE);
    ck_assert_int_eq(err.http_status, 410);
    json_decref(st);
}
END_TEST

/* A Status message longer than an error's room (an admission webhook listing every policy
 * a Pod breaks runs to kilobytes) is cut at a character boundary, never dropped: the reason
 * the API server gave is what a user reads in status and Events. */
START_TEST(a_long_status_message_is_cut_not_dropped)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"code\":403,"
                        "\"message\":\"admission webhook \\\"validation.gatekeeper.sh\\\" "
                        "denied the request: ");
    for (int i = 0; i < 1500; i++)
        fo_strbuf_puts(&sb, "\u00e9"); /* 2 bytes each in UTF-8 */
    fo_strbuf_puts(&sb, "\"}");
    fo_err err;
    const char *const whats[] = {"create pods ns/x", NULL};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(fo_kube_status_body_to_err(403, sb.data, sb.len, whats[i], &err),
                         FO_EFORBIDDEN);
        const char *want = i == 0 ? "create pods ns/x: admission webhook \"validation.gatekeeper"
                                  : "admission webhook \"validation.gatekeeper";
        ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "%zu: %.80s", i,
                      err.message);
        ck_assert_uint_ge(strlen(err.message), FO_ERR_MSG_MAX - 2);
        json_t *as_json = json_string(err.message);
        ck_assert_msg(as_json != NULL, "%zu: the message is not valid UTF-8", i);
        json_decref(as_json);
    }
    fo_strbuf_release(&sb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_status");
    TCase *tc = tcase_create("kube_status");
    tcase_add_test(tc, not_found_keeps_message_reason_and_code);
    tcase_add_test(tc, a_409_is_told_apart_by_its_reason);
    tcase_add_test(tc, invalid_joins_causes_missing_from_the_message);
    tcase_add_test(tc, any_410_is_gone_whatever_the_reason);
    tcase_add_test(tc, throttling_and_permission_errors_map_to_their_codes);
    tcase_add_test(tc, non_status_bodies_are_quoted_briefly);
    tcase_add_test(tc, a_long_status_message_is_cut_not_dropped);
    tcase_add_test(tc, a_status_code_outside_http_is_no_code);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
