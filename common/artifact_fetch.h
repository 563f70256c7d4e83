#ifndef FO_ARTIFACT_FETCH_H
#define FO_ARTIFACT_FETCH_H

/* Fetching one job artifact (a jar) into a directory: the work of flinkop-fetch, the init
 * container that puts a FlinkDeployment's jar into a shared volume before Flink starts.
 *
 *     fo_artifact_fetch_opts o = {.dest_dir = "/opt/flink/artifacts", .sha256_hex = hex};
 *     char *path = NULL;
 *     rc = fo_artifact_fetch("s3://bucket/jobs/job.jar", &o, &path, &err);
 *     ... path is "/opt/flink/artifacts/job.jar" ...; free(path);
 *
 * https / http: a streamed GET (common/http_client), following up to FO_ARTIFACT_MAX_REDIRECTS
 * redirects, never from https down to http. s3 (s3a, s3p): a GET of the object, path-style
 * against opts->s3_endpoint when given (MinIO and other S3-compatible stores), else
 * virtual-hosted against https://<bucket>.s3.<region>.amazonaws.com (path-style on
 * s3.<region>.amazonaws.com for bucket names with dots, which the wildcard certificate does not
 * cover); signed with AWS Signature Version 4 by libcurl when an access key and secret are
 * given, unsigned (a public bucket) when neither is. file: a copy of the local file. local:
 * nothing is copied; the file must exist (and match the SHA-256 when one is given), and its own
 * path is returned.
 *
 * The body goes into a temporary file in the destination directory, which is fsync'ed, made
 * readable (0644) and renamed over the final name, so a half-written jar never appears under
 * that name; the temporary file is removed on every failure.
 *
 * Retries: connection failures, broken transfers, 5xx and 429 are retried with an exponential
 * backoff (common/backoff), never sooner than a Retry-After asks, until the attempts or the
 * overall timeout run out; 4xx answers are final (404 -> FO_ENOTFOUND "not found", 401/403 ->
 * FO_EFORBIDDEN). A body larger than max_bytes fails with FO_ELIMIT (before its first byte
 * when Content-Length announces it), a SHA-256 mismatch with FO_EINVALID, the overall timeout
 * with FO_ETIMEOUT, a raised stop flag with FO_ESHUTDOWN. Each attempt writes one log line
 * (common/log) with the URL (its query, which may hold a presigned signature, left out), the
 * attempt number, the HTTP status, the bytes received, the outcome and, before a retry, the
 * wait; credentials are never logged.
 *
 * SHA-256 is computed with GnuTLS (gnutls_hash_*): the one use of GnuTLS outside httpd and
 * certwatch, allowed here because libcurl is built on it and no other hash is at hand.
 * Thread-safe as long as each call has its own options and destination file. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"

#define FO_ARTIFACT_DEFAULT_MAX_BYTES (1024ull * 1024 * 1024)
/* Kubernetes operator's kubernetes.operator.job.submission.timeout default (10 min). */
#define FO_ARTIFACT_DEFAULT_TIMEOUT_MS (10L * 60 * 1000)
#define FO_ARTIFACT_DEFAULT_ATTEMPTS 6
#define FO_ARTIFACT_MAX_REDIRECTS 5

typedef struct fo_artifact_fetch_opts {
    const char *dest_dir;    /* where the file goes (must exist); unused for local: */
    const char *sha256_hex;  /* expected SHA-256 (64 hex digits, any case); NULL = not checked */
    uint64_t max_bytes;      /* 0 = FO_ARTIFACT_DEFAULT_MAX_BYTES */
    long timeout_ms;         /* all attempts together; 0 = FO_ARTIFACT_DEFAULT_TIMEOUT_MS */
    int max_attempts;        /* 0 = FO_ARTIFACT_DEFAULT_ATTEMPTS */
    long backoff_initial_ms; /* first retry delay; 0 = 500 (doubling, at most 10 s) */
    const char *ca_file;     /* PEM bundle for https; NULL = the system store */
    const char *s3_endpoint; /* "http://minio:9000"; NULL = AWS (see above) */
    const char *aws_region;  /* NULL or "" = us-east-1 */
    const char *aws_access_key_id;     /* both or neither; */
    const char *aws_secret_access_key; /* neither = unsigned requests */
    const char *aws_session_token;     /* NULL = none; sent as x-amz-security-token */
    const atomic_int *stop;            /* may be NULL; non-zero ends the fetch (FO_ESHUTDOWN) */
} fo_artifact_fetch_opts;

/* Fetch uri as described above. On success *path_out is the final path (heap; caller frees).
 * On failure *path_out is NULL, err names the URI (or URL) and the problem, and nothing is left
 * in dest_dir. Bad options (a malformed sha256_hex, only one of the two AWS keys, a missing
 * destination directory) fail with FO_EINVAL before anything is fetched. */
fo_rc fo_artifact_fetch(const char *uri, const fo_artifact_fetch_opts *opts, char **path_out,
                        fo_err *err);

/* Is endpoint a usable --s3-endpoint: an http:// or https:// URL with a host, without
 * user:password@ (it is shown in every log line), query or fragment? FO_EINVAL with err
 * saying which, the endpoint quoted redacted (fo_artifact_uri_redact). */
fo_rc fo_artifact_s3_endpoint_check(const char *endpoint, fo_err *err);

/* Is s 64 hexadecimal digits? */
bool fo_artifact_sha256_hex_valid(const char *s);

#endif
