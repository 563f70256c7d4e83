#include "common/rc.h"

#include <stdio.h>
#include <string.h>

const char *fo_rc_name(fo_rc rc)
{
    switch (rc) {
    case FO_OK: return "ok";
    case FO_EINVAL: return "invalid input";
    case FO_ENOMEM: return "out of memory";
    case FO_EIO: return "i/o error";
    case FO_ELIMIT: return "limit exceeded";
    case FO_ENOTFOUND: return "not found";
    case FO_EEXISTS: return "already exists";
    case FO_ECONFLICT: return "conflict";
    case FO_EINVALID: return "invalid";
    case FO_EGONE: return "gone";
    case FO_EFORBIDDEN: return "forbidden";
    case FO_ETOOMANY: return "too many requests";
    case FO_ETIMEOUT: return "timeout";
    case FO_EUNAVAIL: return "unavailable";
    case FO_EPROTO: return "protocol error";
    case FO_ETERMINAL: return "terminal error";
    case FO_ESHUTDOWN: return "shutting down";
    case FO_RC_COUNT: break;
    }
    return "unknown error";
}

void fo_err_clear(fo_err *err)
{
    if (!err)
        return;
    err->rc = FO_OK;
    err->http_status = 0;
    err->reason[0] = '\0';
    err->message[0] = '\0';
}

fo_rc fo_err_setv(fo_err *err, fo_rc rc, const char *fmt, va_list ap)
{
    if (!err)
        return rc;
    err->rc = rc;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return rc;
}

fo_rc fo_err_set(fo_err *err, fo_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fo_err_setv(err, rc, fmt, ap);
    va_end(ap);
    return rc;
}

fo_rc fo_err_wrap(fo_err *err, const char *fmt, ...)
{
    if (!err)
        return FO_OK;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[FO_ERR_MSG_MAX];
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
    return err->rc;
}

fo_rc fo_rc_from_http(int status)
{
    if (status >= 200 && status < 300)
        return FO_OK;
    switch (status) {
    case 400: return FO_EINVAL;
    case 401:
    case 403: return FO_EFORBIDDEN;
    case 404: return FO_ENOTFOUND;
    case 409: return FO_ECONFLICT;
    case 410: return FO_EGONE;
    case 413: return FO_ELIMIT;
    case 422: return FO_EINVALID;
    case 429: return FO_ETOOMANY;
    case 408:
    case 504: return FO_ETIMEOUT;
    default: break;
    }
    if (status >= 500)
        return FO_EUNAVAIL;
    return FO_EPROTO;
}
