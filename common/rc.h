#ifndef FO_RC_H
#define FO_RC_H

/* Result codes and error detail shared by every module.
 *
 * Functions return fo_rc (FO_OK is 0). When a caller wants the text, it passes a fo_err
 * that the callee fills; fo_err lives on the caller's stack and owns no heap memory. */

#include <stdarg.h>

typedef enum fo_rc {
    FO_OK = 0,
    FO_EINVAL,     /* bad argument or bad input (parse error, malformed document) */
    FO_ENOMEM,     /* allocation failed */
    FO_EIO,        /* file or socket I/O failed */
    FO_ELIMIT,     /* a named size or count limit was exceeded */
    FO_ENOTFOUND,  /* HTTP 404 / NotFound */
    FO_EEXISTS,    /* HTTP 409 / AlreadyExists */
    FO_ECONFLICT,  /* HTTP 409 / Conflict (stale resourceVersion, precondition) */
    FO_EINVALID,   /* HTTP 422 / Invalid (the server refused the object) */
    FO_EGONE,      /* HTTP 410 / Expired or Gone (too old resourceVersion) */
    FO_EFORBIDDEN, /* HTTP 401 / 403 */
    FO_ETOOMANY,   /* HTTP 429 / TooManyRequests */
    FO_ETIMEOUT,   /* a deadline passed */
    FO_EUNAVAIL,   /* peer unreachable or 5xx */
    FO_EPROTO,     /* the peer answered something we cannot understand */
    FO_ETERMINAL,  /* do not retry: the input itself is wrong (an invalid spec) */
    FO_ESHUTDOWN,  /* the component is shutting down */
    FO_RC_COUNT
} fo_rc;

#define FO_ERR_MSG_MAX 2048

typedef struct fo_err {
    fo_rc rc;
    int http_status;     /* HTTP status when the error came from a peer, else 0 */
    char reason[64];     /* machine-readable reason (Kubernetes Status.reason), may be "" */
    char message[FO_ERR_MSG_MAX];
} fo_err;

/* The constant lower-case name of a result code ("ok", "not found", ...). Thread-safe. */
const char *fo_rc_name(fo_rc rc);

/* Reset err to FO_OK with empty texts. err may be NULL. */
void fo_err_clear(fo_err *err);

/* Record rc and a printf-style message in err (truncated to FO_ERR_MSG_MAX) and return rc,
 * so callers can write `return fo_err_set(err, FO_EINVAL, "bad %s", what);`.
 * err may be NULL: then only rc is returned. */
fo_rc fo_err_set(fo_err *err, fo_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
fo_rc fo_err_setv(fo_err *err, fo_rc rc, const char *fmt, va_list ap);

/* Prefix the existing message with "prefix: " (used to add context while unwinding).
 * Returns err->rc (FO_OK when err is NULL). */
fo_rc fo_err_wrap(fo_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Map an HTTP status to the closest result code (404 -> FO_ENOTFOUND, ...). 2xx -> FO_OK. */
fo_rc fo_rc_from_http(int status);

#endif
