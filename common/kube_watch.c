#include "common/kube_watch.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_read.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/strbuf.h"

struct fo_watch_parser {
    fo_watch_event_fn fn;
    void *ctx;
    size_t max_event;
    fo_json_read_filter object_filter; /* root_state 0 and no member: the object whole */
    fo_strbuf buf;      /* bytes of the current event seen in earlier feeds */
    bool started;       /* inside an event */
    bool in_str, esc;   /* inside a JSON string; after a backslash in one */
    int depth;          /* open braces and brackets of the current event */
    size_t offset;      /* bytes consumed over the whole stream */
    size_t event_start; /* offset of the current event's '{' */
    fo_rc failed;       /* sticky error */
    fo_err failure;
};

static const char *const type_names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};

const char *fo_watch_type_name(fo_watch_type type)
{
    if ((unsigned)type < sizeof type_names / sizeof type_names[0])
        return type_names[type];
    return "UNKNOWN";
}

fo_watch_parser *fo_watch_parser_new(size_t max_event_bytes, fo_watch_event_fn fn, void *ctx)
{
    fo_watch_parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fn = fn;
    p->ctx = ctx;
    p->max_event = max_event_bytes ? max_event_bytes : FO_WATCH_MAX_EVENT_BYTES;
    fo_strbuf_init(&p->buf, p->max_event);
    return p;
}

void fo_watch_parser_free(fo_watch_parser *p)
{
    if (!p)
        return;
    fo_strbuf_release(&p->buf);
    free(p);
}

void fo_watch_parser_reset(fo_watch_parser *p)
{
    fo_strbuf_release(&p->buf);
    p->started = p->in_str = p->esc = false;
    p->depth = 0;
    p->offset = p->event_start = 0;
    p->failed = FO_OK;
    fo_err_clear(&p->failure);
}

size_t fo_watch_parser_offset(const fo_watch_parser *p)
{
    return p->offset;
}

static fo_rc fail(fo_watch_parser *p, fo_err *err)
{
    p->failed = p->failure.rc;
    if (err)
        *err = p->failure;
    return p->failed;
}

void fo_watch_parser_set_object_filter(fo_watch_parser *p, const fo_json_read_filter *filter)
{
    p->object_filter = filter ? *filter : (fo_json_read_filter){0};
    p->object_filter.skipped_types = NULL;
    p->object_filter.item_state = 0;
    p->object_filter.item_over_at = NULL;
}

/* The event's states, out of the way of the caller's small ones. */
enum { EV_NONE = 0, EV_OBJECT = INT_MAX - 1, EV_EVENT = INT_MAX };

/* The event's member "object" goes on in the object filter's root state (EV_OBJECT when it
 * has none: nothing left out), which is weighed on its own; below it, the caller's filter. */
static int event_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    const fo_json_read_filter *of = ctx;
    if (st == EV_EVENT)
        return key && n == 6 && memcmp(key, "object", 6) == 0
                   ? (of->root_state ? of->root_state : EV_OBJECT)
                   : EV_NONE;
    if (st == EV_OBJECT || !of->member)
        return EV_NONE;
    return of->member(of->ctx, st, key, n, skip);
}

/* The event as JSON, its object read as the object filter says; an object past the filter's
 * weight bound replaced by its stub. */
static json_t *read_event(const fo_watch_parser *p, const char *text, size_t len, fo_err *err)
{
    const fo_json_read_filter *of = &p->object_filter;
    if (!of->member && !of->max_weight)
        return fo_json_read(text, len, NULL, err);
    size_t over = (size_t)-1;
    fo_json_read_filter f = {.root_state = EV_EVENT,
                             .member = event_member,
                             .ctx = (void *)of,
                             .nskipped = of->nskipped,
                             .big_integers_as_reals = of->big_integers_as_reals,
                             .max_weight = of->max_weight,
                             .item_state = of->root_state ? of->root_state : EV_OBJECT,
                             .item_over_at = &over};
    json_t *ev = fo_json_read(text, len, &f, err);
    if (ev || over == (size_t)-1)
        return ev;
    return fo_kube_oversized_stub(text, len, true, of->max_weight, NULL, err);
}

/* Decode one complete event and hand it to the callback. */
static fo_rc dispatch(fo_watch_parser *p, const char *text, size_t len, fo_err *err)
{
    fo_err jerr;
    json_t *ev = read_event(p, text, len, &jerr);
    if (!ev) {
        fo_err_set(&p->failure, jerr.rc == FO_ENOMEM ? FO_ENOMEM : FO_EPROTO,
                   "watch event at byte %zu: %s", p->event_start, jerr.message);
        return fail(p, err);
    }
    fo_rc rc = FO_OK;
    const char *type = fo_json_str(ev, "type");
    json_t *obj = json_object_get(ev, "object");
    int t = -1;
    for (int i = 0; type && i < (int)(sizeof type_names / sizeof type_names[0]); i++)
        if (strcmp(type, type_names[i]) == 0)
            t = i;
    if (!type) {
        rc = fo_err_set(&p->failure, FO_EPROTO, "watch event at byte %zu: type: missing",
                        p->event_start);
    } else if (t < 0) {
        rc = fo_err_set(&p->failure, FO_EPROTO, "watch event at byte %zu: type: unknown \"%.64s\"",
                        p->event_start, type);
    } else if (!json_is_object(obj)) {
        rc =
            fo_err_set(&p->failure, FO_EPROTO,
                       "watch event at byte %zu: object: missing or not an object", p->event_start);
    }
    if (rc != FO_OK) {
        json_decref(ev);
        return fail(p, err);
    }
    json_incref(obj);
    json_decref(ev);
    fo_err_clear(&p->failure);
    rc = p->fn ? p->fn(p->ctx, (fo_watch_type)t, obj, &p->failure) : FO_OK;
    json_decref(obj);
    if (rc != FO_OK) {
        p->failure.rc = rc;
        return fail(p, err);
    }
    return FO_OK;
}

static fo_rc too_big(fo_watch_parser *p, fo_err *err)
{
    fo_err_set(&p->failure, FO_ELIMIT, "watch event at byte %zu: larger than %zu bytes",
               p->event_start, p->max_event);
    return fail(p, err);
}

fo_rc fo_watch_parser_feed(fo_watch_parser *p, const char *data, size_t len, fo_err *err)
{
    if (p->failed != FO_OK) {
        if (err)
            *err = p->failure;
        return p->failed;
    }
    size_t seg = 0; /* where the current event's bytes begin in data */
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (!p->started) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
                continue;
            if (c != '{') {
                fo_err_set(&p->failure, FO_EPROTO,
                           "watch stream at byte %zu: expected '{' to start an event, got 0x%02x",
                           p->offset + i, (unsigned char)c);
                p->offset += i;
                return fail(p, err);
            }
            p->started = true;
            p->depth = 1;
            p->in_str = p->esc = false;
            p->event_start = p->offset + i;
            seg = i;
            continue;
        }
        if (p->in_str) {
            if (p->esc)
                p->esc = false;
            else if (c == '\\')
                p->esc = true;
            else if (c == '"')
                p->in_str = false;
            continue;
        }
        if (c == '"')
            p->in_str = true;
        else if (c == '{' || c == '[')
            p->depth++;
        else if (c == '}' || c == ']')
            p->depth--;
        if (p->depth > 0)
            continue;
        /* The event ends at i. Parse straight from data when it lies in this piece. */
        size_t n = i + 1 - seg;
        fo_rc rc;
        p->started = false;
        if (p->buf.len + n > p->max_event) {
            p->offset += i + 1;
            return too_big(p, err);
        }
        if (p->buf.len == 0) {
            rc = dispatch(p, data + seg, n, err);
        } else {
            if (fo_strbuf_append(&p->buf, data + seg, n) != FO_OK) {
                p->offset += i + 1;
                return too_big(p, err);
            }
            rc = dispatch(p, p->buf.data, p->buf.len, err);
            fo_strbuf_reset(&p->buf);
        }
        if (rc != FO_OK) {
            p->offset += i + 1;
            return rc;
        }
    }
    if (p->started) {
        fo_rc rc = fo_strbuf_append(&p->buf, data + seg, len - seg);
        if (rc != FO_OK) {
            p->offset += len;
            if (rc == FO_ELIMIT)
                return too_big(p, err);
            fo_err_set(&p->failure, rc, "watch stream: out of memory");
            return fail(p, err);
        }
    }
    p->offset += len;
    return FO_OK;
}

fo_rc fo_watch_parser_finish(fo_watch_parser *p, fo_err *err)
{
    if (p->failed != FO_OK) {
        if (err)
            *err = p->failure;
        return p->failed;
    }
    if (p->started) {
        fo_err_set(&p->failure, FO_EPROTO,
                   "watch stream ended inside the event that starts at byte %zu", p->event_start);
        return fail(p, err);
    }
    return FO_OK;
}
