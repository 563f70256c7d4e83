#include "controller/events.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"

void fo_ctl_evbuf_add(fo_ctl_evbuf *b, fo_event_type type, const char *component,
                      const char *reason, const char *fmt, ...)
{
    if (b->n >= FO_CTL_EVBUF_MAX) {
        fo_log_warn("event %s dropped: more than %d events in one pass", reason, FO_CTL_EVBUF_MAX);
        return;
    }
    b->ev[b->n].type = type;
    b->ev[b->n].component = component;
    snprintf(b->ev[b->n].reason, sizeof b->ev[b->n].reason, "%s", reason);
    va_list ap;
    va_start(ap, fmt);
    /* Formatted whole, then cut to the buffer at a character boundary: half a UTF-8
     * character would make the Event unencodable, and lost. */
    fo_strbuf full;
    fo_strbuf_init(&full, 0);
    fo_strbuf_vprintf(&full, fmt, ap);
    va_end(ap);
    size_t n = full.len ? fo_utf8_prefix(full.data, full.len, sizeof b->ev[b->n].message - 1) : 0;
    memcpy(b->ev[b->n].message, full.len ? full.data : "", n);
    b->ev[b->n].message[n] = '\0';
    fo_strbuf_release(&full);
    b->n++;
}

int fo_ctl_evbuf_count(const fo_ctl_evbuf *b, const char *reason)
{
    int n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->ev[i].reason, reason) == 0)
            n++;
    return n;
}

void fo_ctl_evbuf_flush(fo_ctl_evbuf *b, const fo_ctl_env *env, const json_t *obj)
{
    for (size_t i = 0; i < b->n; i++) {
        fo_log(b->ev[i].type == FO_EVENT_WARNING ? FO_LOG_WARN : FO_LOG_INFO, "event %s: %s",
               b->ev[i].reason, b->ev[i].message);
        if (env->events.record)
            env->events.record(env->events.ctx, obj, b->ev[i].component, b->ev[i].type,
                               b->ev[i].reason, b->ev[i].message);
    }
    b->n = 0;
}
