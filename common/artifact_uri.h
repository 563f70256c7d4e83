#ifndef FO_ARTIFACT_URI_H
#define FO_ARTIFACT_URI_H

/* Reading a job artifact's URI (a jarURI) for the artifact fetcher: which scheme, which host or
 * bucket, which path, and the local file name the artifact is saved under.
 *
 * Schemes (case-insensitive), as users write them in FlinkDeployment / FlinkSessionJob:
 *   https://host[:port]/path[?query]   http://host[:port]/path[?query]
 *   s3://bucket/key   (s3a:// and s3p:// mean the same: Flink's Hadoop and Presto plug-ins)
 *   file:///abs/path  (also file:/abs/path and file://localhost/abs/path)
 *   local:///abs/path (already inside the image: nothing to fetch)
 * The file name is the last path segment, percent-decoded; the query and fragment never take
 * part in it. It is refused when empty (the path ends with '/'), "." or "..", longer than
 * FO_ARTIFACT_NAME_MAX, or when it holds '/' or NUL after decoding (%2F, %00), so it can
 * never name a file outside the destination directory; and when it holds a backslash (%5C) or
 * a control character (%0A...), which would mislead tools and the path printed on stdout.
 *
 * Pure (no I/O); every function is thread-safe. Errors name the URI and the problem, in
 * printable ASCII on one line (every other byte of what they quote shown as '?'). A URI
 * that carries user:password@ is refused (credentials would end up in logs); s3 credentials
 * come from the environment instead. */

#include <stddef.h>

#include "common/rc.h"

/* Longest URI accepted (as the session-job validator). */
#define FO_ARTIFACT_URI_MAX 8192
/* Longest file name (Linux NAME_MAX). */
#define FO_ARTIFACT_NAME_MAX 255

typedef enum fo_artifact_scheme {
    FO_ARTIFACT_HTTPS = 0,
    FO_ARTIFACT_HTTP,
    FO_ARTIFACT_S3, /* s3, s3a, s3p */
    FO_ARTIFACT_FILE,
    FO_ARTIFACT_LOCAL,
} fo_artifact_scheme;

typedef struct fo_artifact_uri {
    fo_artifact_scheme scheme;
    char scheme_text[8]; /* the scheme as written, lower-cased ("s3a") */
    /* http(s): the host as written, without port or brackets ("example.com", "::1");
     * s3: the bucket; file/local: "" */
    char *host;
    int port;        /* http(s): the explicit port, 0 when none; else 0 */
    char *path;      /* percent-decoded: http(s) and file/local the absolute path ("/a/b.jar");
                      * s3 the key without the leading '/' ("a/b.jar") */
    char *query;     /* http(s): the raw query without '?', NULL when none; else NULL */
    char *file_name; /* the decoded last path segment ("b.jar") */
} fo_artifact_uri;

/* Parse uri into *out (which the call initialises; release it even on failure). Returns
 * FO_EINVAL with err naming the URI and the problem: too long, a space or control character,
 * no scheme, an unsupported scheme (the message lists the supported ones), no "//" authority
 * where one is needed, user information, a bad port, a missing host / bucket / key, a query
 * or fragment on s3/file/local, a bad percent escape, or a file name refused as above. */
fo_rc fo_artifact_uri_parse(const char *uri, fo_artifact_uri *out, fo_err *err);

/* uri as it may be shown in logs and errors: the user information of a "//" authority becomes
 * "***" and everything from the first '?' or '#' becomes "?..." / "#..." (a presigned URL's
 * query is a credential). Written into out (n bytes, always terminated when n > 0, cut to
 * fit); returns the full length, as snprintf. Works on any string, valid URI or not. */
size_t fo_artifact_uri_redact(const char *uri, char *out, size_t n);

/* Free what *u holds and zero it. NULL ok. */
void fo_artifact_uri_release(fo_artifact_uri *u);

/* The scheme's canonical name ("https", "http", "s3", "file", "local"); constant. */
const char *fo_artifact_scheme_name(fo_artifact_scheme s);

/* Percent-decode len bytes of s ("%41" -> 'A'; '+' stays '+', as in a URI path). Returns a
 * heap string (caller frees) and its length through out_len (may be NULL), or NULL when an
 * escape is malformed (then *bad_at, if not NULL, is the offset of the '%') or memory ran out
 * (*bad_at = (size_t)-1). The result may hold NUL bytes: check out_len. */
char *fo_artifact_uri_decode(const char *s, size_t len, size_t *out_len, size_t *bad_at);

#endif
