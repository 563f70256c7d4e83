/* artifact_uri: the jarURI schemes users write (reference b.4, c.12, c.17: https, http, s3 as
 * Flink's s3/s3a/s3p plug-ins spell it, file, local) read into host / bucket, path and the file
 * name the fetcher saves under. Expected values are worked out by hand from RFC 3986 (syntax,
 * percent-encoding) and RFC 8089 (file URIs). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/artifact_uri.h"

typedef struct good_case {
    const char *uri;
    fo_artifact_scheme scheme;
    const char *scheme_text;
    const char *host;
    int port;
    const char *path;
    const char *query; /* NULL = none */
    const char *file_name;
} good_case;

static const good_case good[] = {
    {"https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming/1.20.0/"
     "flink-examples-streaming-1.20.0-TopSpeedWindowing.jar",
     FO_ARTIFACT_HTTPS, "https", "repo1.maven.org", 0,
     "/maven2/org/apache/flink/flink-examples-streaming/1.20.0/"
     "flink-examples-streaming-1.20.0-TopSpeedWindowing.jar",
     NULL, "flink-examples-streaming-1.20.0-TopSpeedWindowing.jar"},
    {"http://artifacts.example.com:8080/jobs/job.jar", FO_ARTIFACT_HTTP, "http",
     "artifacts.example.com", 8080, "/jobs/job.jar", NULL, "job.jar"},
    /* The scheme is case-insensitive (RFC 3986 section 3.1). */
    {"HTTPS://Example.COM/Job.jar", FO_ARTIFACT_HTTPS, "https", "Example.COM", 0, "/Job.jar", NULL,
     "Job.jar"},
    /* A query (a presigned URL) and a fragment never reach the file name. */
    {"https://bucket.s3.amazonaws.com/jobs/app.jar?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-"
     "Signature=abc#frag",
     FO_ARTIFACT_HTTPS, "https", "bucket.s3.amazonaws.com", 0, "/jobs/app.jar",
     "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc", "app.jar"},
    {"https://h.example/a.jar#section", FO_ARTIFACT_HTTPS, "https", "h.example", 0, "/a.jar", NULL,
     "a.jar"},
    /* Percent-encoding: %20 is a space; '+' is a plain '+' in a path. */
    {"https://h.example/dir%20one/my%20job+v2.jar", FO_ARTIFACT_HTTPS, "https", "h.example", 0,
     "/dir one/my job+v2.jar", NULL, "my job+v2.jar"},
    {"https://h.example/%E2%82%AC.jar", FO_ARTIFACT_HTTPS, "https", "h.example", 0,
     "/\xe2\x82\xac.jar", NULL, "\xe2\x82\xac.jar"},
    /* IPv6 literal with a port (RFC 3986 section 3.2.2). */
    {"http://[::1]:9000/x.jar", FO_ARTIFACT_HTTP, "http", "::1", 9000, "/x.jar", NULL, "x.jar"},
    {"http://127.0.0.1:65535/x.jar", FO_ARTIFACT_HTTP, "http", "127.0.0.1", 65535, "/x.jar", NULL,
     "x.jar"},
    /* s3: the authority is the bucket, the path without its '/' the key. */
    {"s3://my-bucket/jobs/2024/app.jar", FO_ARTIFACT_S3, "s3", "my-bucket", 0, "jobs/2024/app.jar",
     NULL, "app.jar"},
    {"s3a://my-bucket/app.jar", FO_ARTIFACT_S3, "s3a", "my-bucket", 0, "app.jar", NULL, "app.jar"},
    {"s3p://my.dotted.bucket/k/app.jar", FO_ARTIFACT_S3, "s3p", "my.dotted.bucket", 0, "k/app.jar",
     NULL, "app.jar"},
    {"S3://b/key%20with%20space.jar", FO_ARTIFACT_S3, "s3", "b", 0, "key with space.jar", NULL,
     "key with space.jar"},
    /* file: RFC 8089 forms. */
    {"file:///opt/flink/jobs/app.jar", FO_ARTIFACT_FILE, "file", "", 0, "/opt/flink/jobs/app.jar",
     NULL, "app.jar"},
    {"file:/opt/app.jar", FO_ARTIFACT_FILE, "file", "", 0, "/opt/app.jar", NULL, "app.jar"},
    {"file://localhost/opt/app.jar", FO_ARTIFACT_FILE, "file", "", 0, "/opt/app.jar", NULL,
     "app.jar"},
    /* local: Flink's "already in the image" (c.17). */
    {"local:///opt/flink/usrlib/my%2Bjob.jar", FO_ARTIFACT_LOCAL, "local", "", 0,
     "/opt/flink/usrlib/my+job.jar", NULL, "my+job.jar"},
    /* Dot segments earlier in the path do not matter; only the last segment is the name. */
    {"https://h.example/a/../b/c.jar", FO_ARTIFACT_HTTPS, "https", "h.example", 0, "/a/../b/c.jar",
     NULL, "c.jar"},
};

START_TEST(every_supported_scheme_parses_into_its_parts)
{
    const good_case *c = &good[_i];
    fo_artifact_uri u;
    fo_err err;
    fo_rc rc = fo_artifact_uri_parse(c->uri, &u, &err);
    ck_assert_msg(rc == FO_OK, "%s: %s", c->uri, err.message);
    ck_assert_int_eq(u.scheme, c->scheme);
    ck_assert_str_eq(u.scheme_text, c->scheme_text);
    ck_assert_str_eq(u.host, c->host);
    ck_assert_int_eq(u.port, c->port);
    ck_assert_str_eq(u.path, c->path);
    if (c->query)
        ck_assert_str_eq(u.query, c->query);
    else
        ck_assert_ptr_null(u.query);
    ck_assert_str_eq(u.file_name, c->file_name);
    fo_artifact_uri_release(&u);
    ck_assert_ptr_null(u.host); /* release zeroes */
}
END_TEST

typedef struct bad_case {
    const char *uri;
    const char *why; /* a piece of the message */
} bad_case;

static const bad_case bad[] = {
    {"", "empty"},
    {"/opt/flink/app.jar", "has no scheme"},
    {"app.jar", "has no scheme"},
    {"1http://h/a.jar", "has no scheme"},
    {"gs://bucket/app.jar", "scheme 'gs' is not supported"},
    {"hdfs://nn:8020/app.jar", "scheme 'hdfs' is not supported"},
    {"https:/h.example/a.jar", "needs '//'"},
    {"s3:bucket/key.jar", "needs '//'"},
    {"https:///a.jar", "has no host"},
    {"https://h.example", "has no path"},
    {"https://h.example/", "ends with '/'"},
    {"https://h.example/jobs/", "ends with '/'"},
    {"https://h.example/jobs/?x=a.jar", "ends with '/'"},
    {"https://h.example:0/a.jar", "port '0'"},
    {"https://h.example:65536/a.jar", "port '65536'"},
    {"https://h.example:80x/a.jar", "port '80x'"},
    {"https://h.example:/a.jar", "port ''"},
    {"http://[::1/a.jar", "no closing ']'"},
    {"http://h_x.example!/a.jar", "holds '!'"},
    {"https://h.example/a%2Fb.jar", "encoded '/'"},
    {"https://h.example/a%00.jar", "encoded NUL"},
    {"https://h.example/dir/..", "'..' is not a file"},
    {"https://h.example/dir/%2E%2E", "'..' is not a file"},
    {"https://h.example/dir/.", "'.' is not a file"},
    {"https://h.example/a%2.jar", "bad percent escape at position 19"},
    {"https://h.example/a%zz.jar", "bad percent escape"},
    {"https://h.example/a%", "bad percent escape"},
    {"https://h.example/a b.jar", "character 0x20 at position 19"},
    {"https://h.example/a\tb.jar", "character 0x09"},
    {"https://h.example/\xc3\xa9.jar", "character 0xc3"},
    {"s3://", "has no bucket"},
    {"s3:///key.jar", "has no bucket"},
    {"s3://bucket", "has no key"},
    {"s3://bucket/", "has no key"},
    {"s3://bucket/dir/", "ends with '/'"},
    {"s3://bu:cket/k.jar", "bucket 'bu:cket' holds ':'"},
    {"s3://bucket/k.jar?versionId=1", "takes no query"},
    {"file:///opt/app.jar#x", "takes no query"},
    {"local:///opt/app.jar?x", "takes no query"},
    {"file://server/share/app.jar", "names host 'server'"},
    {"file:relative/app.jar", "not an absolute path"},
    {"local:app.jar", "not an absolute path"},
    {"local:///opt/flink/", "ends with '/'"},
    /* A name that stays in the directory but would mislead: a line break would add a line to
     * the path printed on stdout; a backslash is a separator to Windows-minded tools. */
    {"https://h.example/a%0Ab.jar", "control character 0x0a"},
    {"https://h.example/a%7Fb.jar", "control character 0x7f"},
    {"https://h.example/..%5C..%5Cetc%5Cpasswd", "backslash"},
    {"s3://bucket/dir/a\\b.jar", "backslash"},
};

START_TEST(malformed_uris_are_refused_with_the_reason)
{
    const bad_case *c = &bad[_i];
    fo_artifact_uri u;
    fo_err err;
    fo_rc rc = fo_artifact_uri_parse(c->uri, &u, &err);
    ck_assert_msg(rc == FO_EINVAL, "%s: accepted", c->uri);
    ck_assert_msg(strstr(err.message, c->why) != NULL, "%s: message \"%s\" lacks \"%s\"", c->uri,
                  err.message, c->why);
    /* The message names the URI it is about (all but the empty one). */
    if (*c->uri && !strchr(c->uri, '\t') && !strchr(c->uri, '\xc3'))
        ck_assert_msg(strstr(err.message, "artifact URI '") != NULL, "%s", err.message);
    fo_artifact_uri_release(&u);
}
END_TEST

/* The fetcher prints the message on its log and a jarURI is the user's text: a newline in it
 * (raw, or decoded from %0A into the file name quoted) must not start a line of its own, and a
 * byte of a UTF-8 character must not stand alone in it. */
START_TEST(messages_are_one_line_of_printable_ascii)
{
    const char *uris[] = {"https://h.example/a\n{\"level\":\"info\"}.jar",
                          "https://h.example/%0Aforged%2Fline.jar",
                          "https://h.example/\xc3\xa9.jar", "https://h.example/%C3%2F.jar"};
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        fo_artifact_uri u;
        fo_err err;
        ck_assert_int_eq(fo_artifact_uri_parse(uris[i], &u, &err), FO_EINVAL);
        for (const char *p = err.message; *p; p++)
            ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
                          "%zu: byte 0x%02x in \"%s\"", i, (unsigned char)*p, err.message);
        ck_assert_ptr_nonnull(strstr(err.message, "artifact URI 'https://h.example/"));
        fo_artifact_uri_release(&u);
    }
}
END_TEST

START_TEST(user_information_is_refused_without_quoting_the_password)
{
    const char *uris[] = {"https://alice:s3cr3t@h.example/a.jar", "s3://AKIA:s3cr3t@bucket/k.jar",
                          "http://s3cr3t@h.example/a.jar"};
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        fo_artifact_uri u;
        fo_err err;
        ck_assert_int_eq(fo_artifact_uri_parse(uris[i], &u, &err), FO_EINVAL);
        ck_assert_ptr_nonnull(strstr(err.message, "user information"));
        ck_assert_ptr_null(strstr(err.message, "s3cr3t"));
        fo_artifact_uri_release(&u);
    }
}
END_TEST

/* Whatever the first problem found, the password of user:password@ is never quoted. */
START_TEST(a_password_is_not_quoted_when_another_problem_comes_first)
{
    const char *uris[] = {"https://alice:s3cr3t@h.example/a b.jar",
                          "https://alice:s3cr3t@h.example/a%zz.jar",
                          "https://alice:s3cr3t@h.example/dir/"};
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        fo_artifact_uri u;
        fo_err err;
        ck_assert_int_eq(fo_artifact_uri_parse(uris[i], &u, &err), FO_EINVAL);
        ck_assert_msg(strstr(err.message, "s3cr3t") == NULL, "%s", err.message);
        ck_assert_msg(strstr(err.message, "h.example") != NULL, "%s", err.message);
        fo_artifact_uri_release(&u);
    }
}
END_TEST

START_TEST(redact_leaves_out_user_information_query_and_fragment)
{
    char out[256];
    fo_artifact_uri_redact("https://alice:s3cr3t@h.example:8443/a/b.jar?X-Amz-Signature=ab#f", out,
                           sizeof out);
    ck_assert_str_eq(out, "https://***@h.example:8443/a/b.jar?...");
    fo_artifact_uri_redact("s3://bucket/k.jar", out, sizeof out);
    ck_assert_str_eq(out, "s3://bucket/k.jar");
    fo_artifact_uri_redact("https://h.example/a.jar#frag", out, sizeof out);
    ck_assert_str_eq(out, "https://h.example/a.jar#...");
    /* Not a URI at all: still no query. */
    fo_artifact_uri_redact("h@x/y?z", out, sizeof out);
    ck_assert_str_eq(out, "h@x/y?...");
    /* Cut to the buffer, always terminated. */
    fo_artifact_uri_redact("https://h.example/abcdefghij.jar", out, 12);
    ck_assert_str_eq(out, "https://h.e");
}
END_TEST

START_TEST(error_messages_leave_out_a_presigned_query)
{
    fo_artifact_uri u;
    fo_err err;
    ck_assert_int_eq(
        fo_artifact_uri_parse("https://h.example/dir/?X-Amz-Signature=deadbeef", &u, &err),
        FO_EINVAL);
    ck_assert_ptr_null(strstr(err.message, "deadbeef"));
    ck_assert_ptr_nonnull(strstr(err.message, "'https://h.example/dir/?...'"));
    fo_artifact_uri_release(&u);
}
END_TEST

START_TEST(the_length_limit_is_named)
{
    size_t n = FO_ARTIFACT_URI_MAX + 1;
    char *uri = malloc(n + 1);
    memcpy(uri, "https://h.example/", 18);
    memset(uri + 18, 'a', n - 18);
    uri[n] = '\0';
    fo_artifact_uri u;
    fo_err err;
    ck_assert_int_eq(fo_artifact_uri_parse(uri, &u, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "longer than 8192 bytes"));
    fo_artifact_uri_release(&u);
    /* Exactly at the limit the URI is read; its 8174-byte name is over NAME_MAX. */
    uri[FO_ARTIFACT_URI_MAX] = '\0';
    ck_assert_int_eq(fo_artifact_uri_parse(uri, &u, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "file name is longer than 255 bytes"));
    fo_artifact_uri_release(&u);
    free(uri);
}
END_TEST

START_TEST(a_file_name_of_255_bytes_is_accepted)
{
    char uri[400] = "s3://b/";
    memset(uri + 7, 'x', 251);
    memcpy(uri + 7 + 251, ".jar", 5);
    fo_artifact_uri u;
    fo_err err;
    ck_assert_int_eq(fo_artifact_uri_parse(uri, &u, &err), FO_OK);
    ck_assert_uint_eq(strlen(u.file_name), 255);
    fo_artifact_uri_release(&u);
}
END_TEST

START_TEST(decode_reports_where_an_escape_is_malformed)
{
    size_t n = 0, bad_at = 0;
    char *s = fo_artifact_uri_decode("a%41%62c", 8, &n, &bad_at);
    ck_assert_str_eq(s, "aAbc");
    ck_assert_uint_eq(n, 4);
    free(s);
    s = fo_artifact_uri_decode("ab%0", 4, &n, &bad_at);
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(bad_at, 2);
    /* An encoded NUL comes back in the length. */
    s = fo_artifact_uri_decode("a%00b", 5, &n, &bad_at);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(s[1], '\0');
    free(s);
}
END_TEST

START_TEST(scheme_names_are_canonical)
{
    ck_assert_str_eq(fo_artifact_scheme_name(FO_ARTIFACT_HTTPS), "https");
    ck_assert_str_eq(fo_artifact_scheme_name(FO_ARTIFACT_S3), "s3");
    ck_assert_str_eq(fo_artifact_scheme_name(FO_ARTIFACT_LOCAL), "local");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("artifact_uri");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, every_supported_scheme_parses_into_its_parts, 0,
                        (int)(sizeof good / sizeof good[0]));
    tcase_add_loop_test(tc, malformed_uris_are_refused_with_the_reason, 0,
                        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, messages_are_one_line_of_printable_ascii);
    tcase_add_test(tc, user_information_is_refused_without_quoting_the_password);
    tcase_add_test(tc, a_password_is_not_quoted_when_another_problem_comes_first);
    tcase_add_test(tc, redact_leaves_out_user_information_query_and_fragment);
    tcase_add_test(tc, error_messages_leave_out_a_presigned_query);
    tcase_add_test(tc, the_length_limit_is_named);
    tcase_add_test(tc, a_file_name_of_255_bytes_is_accepted);
    tcase_add_test(tc, decode_reports_where_an_escape_is_malformed);
    tcase_add_test(tc, scheme_names_are_canonical);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
