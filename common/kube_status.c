#include "common/kube_status.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

/* How much of a non-Status body goes into a message. */
#define RAW_BODY_SNIPPET 200

fo_rc fo_kube_status_rc(int http_status, const char *reason)
{
    static const struct {
        const char *reason;
        fo_rc rc;
    } by_reason[] = {
        {"NotFound", FO_ENOTFOUND},
        {"AlreadyExists", FO_EEXISTS},
        {"Conflict", FO_ECONFLICT},
        {"Invalid", FO_EINVALID},
        {"Expired", FO_EGONE},
        {"Gone", FO_EGONE},
        {"Forbidden", FO_EFORBIDDEN},
        {"Unauthorized", FO_EFORBIDDEN},
        {"TooManyRequests", FO_ETOOMANY},
        {"Timeout", FO_ETIMEOUT},
        {"ServerTimeout", FO_EUNAVAIL},
        {"ServiceUnavailable", FO_EUNAVAIL},
        {"InternalError", FO_EUNAVAIL},
        {"BadRequest", FO_EINVAL},
        {"UnsupportedMediaType", FO_EINVAL},
        {"MethodNotAllowed", FO_EINVAL},
        {"RequestEntityTooLarge", FO_ELIMIT},
    };
    if (reason && *reason)
        for (size_t i = 0; i < sizeof by_reason / sizeof by_reason[0]; i++)
            if (strcmp(reason, by_reason[i].reason) == 0)
                return by_reason[i].rc;
    /* A 409 without a reason is a conflict; 410 of any reason means "relist" (§6). */
    fo_rc rc = fo_rc_from_http(http_status);
    if (rc == FO_OK || (http_status > 0 && http_status < 200))
        rc = FO_EPROTO;
    return rc;
}

long fo_kube_status_retry_after_s(const json_t *status)
{
    int64_t v = 0;
    if (status && fo_json_get_int(status, "details.retryAfterSeconds", &v) && v >= 0)
        return (long)v;
    return -1;
}

/* Append "; field: message" for each cause the message does not already mention. */
static void add_causes(fo_strbuf *sb, const json_t *status, const char *message)
{
    json_t *causes = fo_json_get(status, "details.causes");
    if (!json_is_array(causes))
        return;
    size_t i;
    json_t *c;
    json_array_foreach(causes, i, c)
    {
        const char *field = fo_json_str(c, "field");
        const char *msg = fo_json_str(c, "message");
        if (!msg || !*msg)
            msg = fo_json_str(c, "reason");
        if (!msg)
            continue;
        if (message && strstr(message, msg) && (!field || strstr(message, field)))
            continue;
        fo_strbuf_puts(sb, "; ");
        if (field && *field)
            fo_strbuf_printf(sb, "%s: ", field);
        fo_strbuf_puts(sb, msg);
    }
}

fo_rc fo_kube_status_to_err(int http_status, const json_t *status, const char *what, fo_err *err)
{
    const char *reason = NULL, *message = NULL;
    int64_t code = 0;
    if (json_is_object(status)) {
        reason = fo_json_str(status, "reason");
        message = fo_json_str(status, "message");
        fo_json_get_int(status, "code", &code);
    }
    /* A code outside HTTP's range is none (never read modulo 2^32 as another status). */
    int effective = http_status > 0 ? http_status : code >= 100 && code <= 599 ? (int)code : 0;
    fo_rc rc = fo_kube_status_rc(effective, reason);
    /* Built whole, then cut to err's room at a character boundary: a Status message longer
     * than the room (an admission webhook's list of policy violations) keeps its start. */
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (what && *what)
        fo_strbuf_printf(&sb, "%s: ", what);
    if (message && *message)
        fo_strbuf_puts(&sb, message);
    else if (reason && *reason)
        fo_strbuf_printf(&sb, "%s (HTTP %d)", reason, effective);
    else
        fo_strbuf_printf(&sb, "HTTP %d", effective);
    add_causes(&sb, status, message);
    size_t n = sb.data ? fo_utf8_prefix(sb.data, sb.len, FO_ERR_MSG_MAX - 1) : 0;
    fo_err_set(err, rc, "%.*s", (int)n, sb.data ? sb.data : "");
    fo_strbuf_release(&sb);
    if (err) {
        err->http_status = effective;
        snprintf(err->reason, sizeof err->reason, "%s", reason ? reason : "");
    }
    return rc;
}

fo_rc fo_kube_status_body_to_err(int http_status, const char *body, size_t len, const char *what,
                                 fo_err *err)
{
    json_t *status = NULL;
    if (body && len > 0 && len <= FO_KUBE_STATUS_MAX_BODY) {
        json_error_t jerr;
        status = json_loadb(body, len, 0, &jerr);
        if (status && !fo_json_str(status, "kind")) {
            json_decref(status);
            status = NULL;
        }
    }
    if (status) {
        fo_rc rc = fo_kube_status_to_err(http_status, status, what, err);
        json_decref(status);
        return rc;
    }
    fo_rc rc = fo_kube_status_rc(http_status, NULL);
    int n = body ? (int)fo_utf8_prefix(body, len, RAW_BODY_SNIPPET) : 0;
    fo_err_set(err, rc, "%s%sHTTP %d%s%.*s", what ? what : "", what ? ": " : "", http_status,
               n > 0 ? ": " : "", n, body ? body : "");
    if (err) {
        err->http_status = http_status;
        err->reason[0] = '\0';
    }
    return rc;
}
