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

/* A message vsnprintf cut at the buffer's end may end inside a UTF-8 sequence; the message
 * goes into status, Events and JSON log lines, whose encoders refuse half a character, so the
 * incomplete sequence is dropped. Only called when the text was cut. */
static void drop_partial_character(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    if (lead < 0xC0)
        return; /* ASCII, or continuation bytes without their lead: not ours to judge */
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

fo_rc fo_err_setv(fo_err *err, fo_rc rc, const char *fmt, va_list ap)
{
    if (!err)
        return rc;
    err->rc = rc;
    if (vsnprintf(err->message, sizeof err->message, fmt, ap) >= (int)sizeof err->message)
        drop_partial_character(err->message);
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
    if (vsnprintf(prefix, sizeof prefix, fmt, ap) >= (int)sizeof prefix)
        drop_partial_character(prefix);
    va_end(ap);
    char old[FO_ERR_MSG_MAX];
    memcpy(old, err->message, sizeof old);
    if (snprintf(err->message, sizeof err->message, "%s: %s", prefix, old) >=
        (int)sizeof err->message)
        drop_partial_character(err->message);
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
