#ifndef FO_TEST_SIGV4_H
#define FO_TEST_SIGV4_H

/* An AWS Signature Version 4 verifier for the fake S3 server of the artifact-fetch tests,
 * written from the AWS documentation ("Signature Calculations for the Authorization Header:
 * Transferring Payload in a Single Chunk", Amazon S3 API Reference) and independent of
 * libcurl's signer, which it checks. Hashes and HMACs come from GnuTLS. Test code only;
 * thread-safe (no state). */

#include <stdbool.h>
#include <stddef.h>

/* A request header by lower-case name, or NULL. */
typedef const char *(*fo_test_sigv4_header_fn)(void *ctx, const char *name);

/* The canonical request: method \n canonical URI \n canonical query \n canonical headers \n
 * signed headers \n payload hash. path is the URI path as sent (S3 does not normalise or
 * re-encode it); query the raw query without '?' ("" when none), its pairs sorted by name;
 * signed_headers the ';'-joined lower-case names (as in the Authorization header). Values
 * are trimmed, inner runs of spaces folded to one. Returns a heap string (caller frees), or NULL
 * when a signed header is missing. */
char *fo_test_sigv4_canonical_request(const char *method, const char *path, const char *query,
                                      const char *signed_headers, fo_test_sigv4_header_fn get,
                                      void *ctx, const char *payload_hash);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of the canonical request>"; heap. */
char *fo_test_sigv4_string_to_sign(const char *amz_date, const char *scope,
                                   const char *canonical_request);

/* The signature (64 lower-case hex digits + NUL into out) of string_to_sign with the key
 * derived from secret, date (YYYYMMDD), region and service. */
void fo_test_sigv4_signature(const char *secret, const char *date, const char *region,
                             const char *service, const char *string_to_sign, char out[65]);

/* Lower-case hex SHA-256 of data. */
void fo_test_sha256_hex(const void *data, size_t len, char out[65]);

/* Check a request's Authorization header as S3 would: the AWS4-HMAC-SHA256 form, the
 * credential scope (access key, the date of x-amz-date, region, service "s3", aws4_request),
 * host, x-amz-date and x-amz-content-sha256 signed, x-amz-security-token signed when present,
 * and the signature. Returns true when it holds; else false with the reason in why (an S3 error
 * code first: "AccessDenied: ...", "SignatureDoesNotMatch: ..."). */
bool fo_test_sigv4_verify(const char *method, const char *path, const char *query,
                          fo_test_sigv4_header_fn get, void *ctx, const char *access_key,
                          const char *secret, const char *region, char *why, size_t whylen);

#endif
