#ifndef FO_FETCHTEST_H
#define FO_FETCHTEST_H

/* What the flinkop-fetch suites (tests/integration/test_artifact_fetch*.c) share: local servers
 * with a jar and its failure modes, a fake path-style S3 whose SigV4 check is independent of
 * libcurl (tests/support/sigv4), canned answers from the scripted raw server
 * (tests/support/rawsrv) for what a real HTTP server will not give (a short body, a wrong
 * status, silence), and a runner for the real binary.
 *
 * Test code only: failures are Check assertions. One fixture at a time per process (the state
 * is the global fo_ft, set up by fo_fetchtest_setup and cleared by fo_fetchtest_teardown); the
 * servers' handlers run on their own threads and take fo_ft.mu for the counters. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* tests/data/artifact-fetch-job.jar and its SHA-256 (computed with sha256sum). */
#define FO_FT_JAR_FIXTURE "artifact-fetch-job.jar"
#define FO_FT_JAR_SHA256 "7c809087275e25497a2b2fe8241416c45510f4a56bceb3af4665b59e4049ad68"
/* The size of /big/job.jar. */
#define FO_FT_BIG_BYTES (2u * 1024 * 1024)
/* The fake S3's one key pair: "private-bucket" answers only requests signed with it. */
#define FO_FT_S3_KEY_ID "AKIDFLINKOPTEST0001"
#define FO_FT_S3_SECRET "flinkop/test/secret+key/0123456789abcdef"
#define FO_FT_S3_REGION "eu-central-1"
#define FO_FT_S3_TOKEN "FwoGZXIvYXdzEXAMPLEsessiontoken//+=="
/* The signature a presigned URL carries in the cases that check it is never shown. */
#define FO_FT_PRESIGNED_SIG "f1e2d3c4b5a69788topsecretsignature"

typedef struct fo_fetchtest_state {
    pthread_mutex_t mu;
    char *jar;
    size_t jar_len;
    int plain_port, tls_port;
    int flaky_calls, forbidden_calls, missing_calls, down_calls;
    /* fake S3 */
    const char *region;
    int s3_calls, s3_refused;
    char s3_last_token[128];
    char s3_last_why[1024];
    char s3_last_path[512];
    /* the scripted raw server */
    int raw_port, raw_conns;
    /* directories (heap): where the fetcher saves, and scratch for logs */
    char *dest, *work;
    char *ca; /* the TLS server's CA (PEM path) after fo_fetchtest_start_tls */
} fo_fetchtest_state;

extern fo_fetchtest_state fo_ft;

/* Routes of the plain (and TLS) server:
 *   /files/job.jar            the jar
 *   /redirect/job.jar         302 to /files/job.jar
 *   /chain/<n>/job.jar        n more 301s, then the jar
 *   /tls-to-plain/job.jar     302 to http://.../files/job.jar (refused from https)
 *   /tls-to-presigned/job.jar 302 to http://.../files/job.jar?X-Amz-Signature=<secret>
 *   /missing/job.jar 404, /forbidden/job.jar 403, /down/job.jar always 503,
 *   /flaky/job.jar            503, then 429, then the jar
 *   /big/job.jar              FO_FT_BIG_BYTES bytes
 *   /slow/job.jar             4 bytes, then nothing until the client goes
 *   /probe/sigv4              says "expect" when libcurl signed an Expect header it did not send
 *   /public-bucket/..., /private-bucket/...   the fake S3 (keys jobs/job.jar, jobs/my job+1.jar)
 */
void fo_fetchtest_setup(void);
void fo_fetchtest_teardown(void);
/* Start the TLS server (same routes) with a certificate from a throw-away CA. */
void fo_fetchtest_start_tls(void);

void fo_fetchtest_count(int *n);
int fo_fetchtest_read_count(const int *n);

/* The scripted raw server (tests/support/rawsrv): the i-th connection (from 0, in accept
 * order) reads a request head and gets replies[min(i, n - 1)] written as is, then the
 * connection is closed; a NULL reply says nothing and holds the connection until the client
 * closes it (so does a connection that never sends a request head, such as a TLS handshake).
 * replies is borrowed until teardown. fo_ft.raw_port is its port;
 * fo_fetchtest_read_count(&fo_ft.raw_conns) counts the accepted connections. Stopped by
 * fo_fetchtest_teardown. */
void fo_fetchtest_raw_start(const char *const *replies, size_t n);

typedef struct fo_fetchtest_run_result {
    int exit_code; /* -1 when it did not exit normally */
    char *out, *err;
} fo_fetchtest_run_result;

/* Run flinkop-fetch (FO_BIN_DIR) with args (NULL-terminated) and environment additions
 * ("NAME=value", NULL-terminated, may be NULL); AWS_* and FLINKOP_* of the test's own
 * environment are not passed on. */
fo_fetchtest_run_result fo_fetchtest_run(const char *const *args, const char *const *envs);
/* The same with RLIMIT_FSIZE set to fsize_limit bytes (and SIGXFSZ ignored), so a write past
 * it fails with EFBIG as a full disk fails with ENOSPC. */
fo_fetchtest_run_result fo_fetchtest_run_limited(const char *const *args, const char *const *envs,
                                                 long fsize_limit);
void fo_fetchtest_run_release(fo_fetchtest_run_result *r);

/* "<scheme>://127.0.0.1:<port><path>" (heap). */
char *fo_fetchtest_url(const char *scheme, int port, const char *path);

/* Names in fo_ft.dest (each followed by a space); returns how many. */
int fo_fetchtest_dest_entries(char *names, size_t n);
void fo_fetchtest_assert_dest_empty(void);
/* The run succeeded, printed DEST/job.jar, the file holds the fixture with mode 0644, and
 * nothing else is in DEST. */
void fo_fetchtest_assert_fetched(const fo_fetchtest_run_result *r);
/* Lines of stderr that are JSON objects with an "attempt" field (and this outcome, if not
 * NULL). */
int fo_fetchtest_attempt_lines(const char *err, const char *outcome);

#endif
