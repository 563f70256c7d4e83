/* GET, list and watch (kube-api-semantics.md §5, §6): label and field selectors,
 * resourceVersion / resourceVersionMatch, limit/continue paging over a snapshot, Table and
 * PartialObjectMetadata answers, and the chunked watch stream with history replay, 410 as an
 * ERROR event, selector transitions, bookmarks and the server-side timeout. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/clock.h"
#include "common/field_errors.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/names.h"
#include "tests/fakes/apiserver/server.h"
#include "tests/fakes/apiserver/status.h"
#include "tests/fakes/apiserver/table.h"

/* Largest accepted continue token and selector strings. */
#define FKA_MAX_TOKEN 4096
#define FKA_MAX_FIELD_REQS 16
/* A stream callback waits at most this long for an event before returning to the server. */
#define FKA_WATCH_POLL_MS 500

typedef enum answer_as { AS_OBJECT, AS_TABLE, AS_PARTIAL } answer_as;

static answer_as negotiate(const fka_op *op, char *table_version, size_t len)
{
    const char *accept = op->req->accept ? op->req->accept : "";
    /* The first acceptable entry wins, as in the API server's negotiation. */
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", accept);
    char *save = NULL;
    for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        if (strstr(part, "as=Table") && strstr(part, "g=meta.k8s.io")) {
            snprintf(table_version, len, "%s", strstr(part, "v=v1beta1") ? "v1beta1" : "v1");
            return AS_TABLE;
        }
        if (strstr(part, "as=PartialObjectMetadata") && strstr(part, "g=meta.k8s.io"))
            return AS_PARTIAL;
        if (strstr(part, "application/json") || strstr(part, "*/*"))
            return AS_OBJECT;
    }
    return AS_OBJECT;
}

static void set_table_content_type(fka_op *op, const char *v)
{
    snprintf(op->resp->content_type, sizeof op->resp->content_type,
             "application/json;as=Table;v=%s;g=meta.k8s.io", v);
}

static json_t *partial(const fka_resource *r, const json_t *stored)
{
    (void)r;
    return json_pack("{s:s, s:s, s:O}", "kind", "PartialObjectMetadata", "apiVersion",
                     "meta.k8s.io/v1", "metadata", json_object_get(stored, "metadata"));
}

void fka_op_get(fka_op *op)
{
    fka_store *store = op->srv->store;
    fka_store_lock(store);
    json_t *cur =
        json_incref(fka_store_get(store, op->res->storage, fka_op_store_ns(op), op->name));
    fka_store_unlock(store);
    if (!cur) {
        fka_resp_status(op->resp, fka_status_not_found(op->res, op->name));
        return;
    }
    if (strcmp(op->sub, "scale") == 0) {
        fka_op_get_scale(op, cur);
        json_decref(cur);
        return;
    }
    char tv[16];
    answer_as as = negotiate(op, tv, sizeof tv);
    if (as == AS_TABLE) {
        json_t *t = fka_table_new(op->res, tv, !fka_q_true(op, "noHeaders"));
        json_t *wire = fka_to_wire(op->res, cur);
        json_array_append_new(json_object_get(t, "rows"),
                              fka_table_row(op->res, wire, fka_q(op, "includeObject"),
                                            fo_clock_now_ms(op->srv->clock)));
        json_object_set(json_object_get(t, "metadata"), "resourceVersion",
                        fo_json_get(cur, "metadata.resourceVersion"));
        json_decref(wire);
        fka_resp_json(op->resp, 200, t);
        set_table_content_type(op, tv);
    } else if (as == AS_PARTIAL) {
        fka_resp_json(op->resp, 200, partial(op->res, cur));
    } else {
        fka_op_reply_obj(op, 200, cur);
    }
    json_decref(cur);
}

/* ---- field selectors ---- */

typedef struct field_req {
    char path[128];
    char value[256];
    bool negate;
} field_req;

typedef struct field_sel {
    field_req reqs[FKA_MAX_FIELD_REQS];
    size_t n;
} field_sel;

/* The fields a resource may be selected by, besides metadata.name/namespace. */
static const char *field_path_for(const fka_resource *r, const char *label)
{
    if (strcmp(label, "metadata.name") == 0 || strcmp(label, "metadata.namespace") == 0)
        return label;
    static const struct {
        const char *storage, *label, *path;
    } extra[] = {
        {"/events", "involvedObject.kind", NULL},
        {"/events", "involvedObject.namespace", NULL},
        {"/events", "involvedObject.name", NULL},
        {"/events", "involvedObject.uid", NULL},
        {"/events", "involvedObject.apiVersion", NULL},
        {"/events", "involvedObject.resourceVersion", NULL},
        {"/events", "involvedObject.fieldPath", NULL},
        {"/events", "reason", NULL},
        {"/events", "reportingComponent", NULL},
        {"/events", "type", NULL},
        {"/events", "source", "source.component"},
        {"/pods", "spec.nodeName", NULL},
        {"/pods", "spec.restartPolicy", NULL},
        {"/pods", "spec.schedulerName", NULL},
        {"/pods", "spec.serviceAccountName", NULL},
        {"/pods", "status.phase", NULL},
        {"/pods", "status.podIP", NULL},
        {"/secrets", "type", NULL},
        {"/namespaces", "status.phase", NULL},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strcmp(extra[i].storage, r->storage) == 0 && strcmp(extra[i].label, label) == 0)
            return extra[i].path ? extra[i].path : extra[i].label;
    /* CRDs may declare selectableFields (jsonPath ".spec.x"). */
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r->crd_version, "selectableFields"), i, f)
    {
        const char *jp = fo_json_str(f, "jsonPath");
        if (jp && jp[0] == '.' && strcmp(jp + 1, label) == 0)
            return jp + 1;
    }
    return NULL;
}

static json_t *parse_fields(const fka_resource *r, const char *text, field_sel *fs)
{
    fs->n = 0;
    if (!text || !*text)
        return NULL;
    char buf[FKA_MAX_TOKEN];
    if (strlen(text) >= sizeof buf)
        return fka_status_bad_request("fieldSelector is too long");
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        if (fs->n == FKA_MAX_FIELD_REQS)
            return fka_status_bad_request("too many field selector requirements");
        field_req *fr = &fs->reqs[fs->n];
        char *op = strstr(part, "!=");
        size_t skip = 2;
        fr->negate = op != NULL;
        if (!op) {
            op = strstr(part, "==");
            if (!op) {
                op = strchr(part, '=');
                skip = 1;
            }
        }
        if (!op) {
            char msg[300];
            snprintf(msg, sizeof msg, "invalid selector: '%s'; can't understand '%s'", text, part);
            return fka_status_bad_request(msg);
        }
        *op = '\0';
        const char *path = field_path_for(r, part);
        if (!path) {
            char msg[400];
            if (r->flags & FKA_R_CUSTOM)
                snprintf(msg, sizeof msg,
                         "\"%s\" is not a known field selector: only \"metadata.name\", "
                         "\"metadata.namespace\"",
                         part);
            else
                snprintf(msg, sizeof msg, "field label not supported: %s", part);
            return fka_status_bad_request(msg);
        }
        snprintf(fr->path, sizeof fr->path, "%s", path);
        snprintf(fr->value, sizeof fr->value, "%s", op + skip);
        fs->n++;
    }
    return NULL;
}

static bool fields_match(const field_sel *fs, const json_t *obj)
{
    for (size_t i = 0; i < fs->n; i++) {
        const json_t *v = fo_json_get(obj, fs->reqs[i].path);
        char text[256] = "";
        if (json_is_string(v))
            snprintf(text, sizeof text, "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            snprintf(text, sizeof text, "%s", json_is_true(v) ? "true" : "false");
        bool eq = strcmp(text, fs->reqs[i].value) == 0;
        if (eq == fs->reqs[i].negate)
            return false;
    }
    return true;
}

typedef struct selectors {
    fo_label_selector *labels;
    field_sel fields;
} selectors;

static json_t *parse_selectors(const fka_op *op, selectors *sel)
{
    fo_err err = {0};
    const char *ls = fka_q(op, "labelSelector");
    sel->labels = fo_label_selector_parse(ls ? ls : "", &err);
    if (!sel->labels) {
        char msg[FO_ERR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "unable to parse requirement: %s", err.message);
        return fka_status_bad_request(msg);
    }
    json_t *st = parse_fields(op->res, fka_q(op, "fieldSelector"), &sel->fields);
    if (st) {
        fo_label_selector_free(sel->labels);
        sel->labels = NULL;
    }
    return st;
}

static bool selected(const selectors *sel, const json_t *obj)
{
    return obj && fo_label_selector_matches(sel->labels, fo_json_get(obj, "metadata.labels")) &&
           fields_match(&sel->fields, obj);
}

/* ---- list options ---- */

/* The API server's checks of list and watch options (ValidateListOptions, 422 Invalid
 * ListOptions.meta.k8s.io; the WatchList feature of v1.35 is on), and the storage's refusal of
 * a resourceVersion next to a continue token (400). NULL when they pass. */
static json_t *check_list_options(const fka_op *op, bool watch)
{
    const char *rv = fka_q(op, "resourceVersion");
    const char *match = fka_q(op, "resourceVersionMatch");
    const char *cont = fka_q(op, "continue");
    const char *initial = fka_q(op, "sendInitialEvents");
    bool has_rv = rv && *rv, has_cont = cont && *cont, has_initial = initial != NULL;
    fo_field_errors *errs = fo_field_errors_new();
    if (watch) {
        if (has_initial && (!match || strcmp(match, "NotOlderThan") != 0))
            fo_field_errors_add(errs, FO_FE_FORBIDDEN, "resourceVersionMatch", NULL,
                                "sendInitialEvents requires setting resourceVersionMatch to "
                                "NotOlderThan");
        if (match && *match) {
            static const char *const supported[] = {"NotOlderThan", NULL};
            if (!has_initial)
                fo_field_errors_add(errs, FO_FE_FORBIDDEN, "resourceVersionMatch", NULL,
                                    "resourceVersionMatch is forbidden for watch unless "
                                    "sendInitialEvents is provided");
            if (strcmp(match, "NotOlderThan") != 0)
                fo_field_errors_add_unsupported(errs, "resourceVersionMatch", match, supported);
            if (has_cont)
                fo_field_errors_add(errs, FO_FE_FORBIDDEN, "resourceVersionMatch", NULL,
                                    "resourceVersionMatch is forbidden when continue is "
                                    "provided");
        }
    } else {
        if (match && *match) {
            static const char *const supported[] = {"Exact", "NotOlderThan", "", NULL};
            if (!has_rv)
                fo_field_errors_add(errs, FO_FE_FORBIDDEN, "resourceVersionMatch", NULL,
                                    "resourceVersionMatch is forbidden unless resourceVersion "
                                    "is provided");
            if (has_cont)
                fo_field_errors_add(errs, FO_FE_FORBIDDEN, "resourceVersionMatch", NULL,
                                    "resourceVersionMatch is forbidden when continue is "
                                    "provided");
            if (strcmp(match, "Exact") != 0 && strcmp(match, "NotOlderThan") != 0)
                fo_field_errors_add_unsupported(errs, "resourceVersionMatch", match, supported);
            if (strcmp(match, "Exact") == 0 && rv && strcmp(rv, "0") == 0)
                fo_field_errors_add(errs, FO_FE_FORBIDDEN, "resourceVersionMatch", NULL,
                                    "resourceVersionMatch \"exact\" is forbidden for "
                                    "resourceVersion \"0\"");
        }
        if (has_initial)
            fo_field_errors_add(errs, FO_FE_FORBIDDEN, "sendInitialEvents", NULL,
                                "sendInitialEvents is forbidden for list");
    }
    json_t *st = NULL;
    if (fo_field_errors_count(errs)) {
        fka_resource lo = {.group = "meta.k8s.io", .kind = "ListOptions", .resource = ""};
        st = fka_status_invalid(&lo, "", errs);
    } else if (!watch && has_cont && has_rv && strcmp(rv, "0") != 0) {
        st = fka_status_bad_request("specifying resource version is not allowed when using "
                                    "continue");
    }
    fo_field_errors_free(errs);
    return st;
}

/* ---- list ---- */

/* Continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<ns>/<name>\u0000"},
 * the shape kube-apiserver uses. */
static char *encode_continue(uint64_t rv, const char *start)
{
    json_t *t =
        json_pack("{s:s, s:I, s:s}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rv, "start", start);
    char *text = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    if (!text)
        return NULL;
    char *out = fo_base64_encode(text, strlen(text));
    free(text);
    return out;
}

static bool decode_continue(const char *token, uint64_t *rv, char *start, size_t len)
{
    size_t n = strlen(token);
    if (n == 0 || n > FKA_MAX_TOKEN)
        return false;
    size_t w = 0;
    char *raw = fo_base64_decode(token, n, &w);
    if (!raw)
        return false;
    json_error_t jerr;
    json_t *t = json_loadb(raw, w, 0, &jerr);
    free(raw);
    json_t *jrv = json_object_get(t, "rv");
    const char *s = fo_json_str(t, "start");
    bool ok = json_is_integer(jrv) && s;
    if (ok) {
        *rv = (uint64_t)json_integer_value(jrv);
        snprintf(start, len, "%s", s);
    }
    json_decref(t);
    return ok;
}

static void key_of(const json_t *obj, char *buf, size_t len)
{
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    const char *name = fo_json_get_str(obj, "metadata.name");
    snprintf(buf, len, "%s/%s", ns ? ns : "", name ? name : "");
}

/* The wire form of a list item: built-in list items carry no kind/apiVersion (§5). */
static json_t *list_item(const fka_resource *r, const json_t *stored)
{
    json_t *w = fka_to_wire(r, stored);
    if (!(r->flags & FKA_R_CUSTOM)) {
        json_t *c = json_copy(w);
        json_decref(w);
        json_object_del(c, "kind");
        json_object_del(c, "apiVersion");
        return c;
    }
    return w;
}

void fka_op_list(fka_op *op)
{
    const fka_resource *r = op->res;
    selectors sel = {0};
    json_t *st = check_list_options(op, false);
    if (st) {
        fka_resp_status(op->resp, st);
        return;
    }
    st = parse_selectors(op, &sel);
    if (st) {
        fka_resp_status(op->resp, st);
        return;
    }
    uint64_t at_rv = 0;
    char start[600] = "";
    const char *cont = fka_q(op, "continue");
    const char *qrv = fka_q(op, "resourceVersion");
    const char *match = fka_q(op, "resourceVersionMatch");
    if (cont && *cont) {
        if (!decode_continue(cont, &at_rv, start, sizeof start)) {
            fka_resp_status(op->resp, fka_status_bad_request("continue key is not valid: "
                                                             "incorrect encoded start "
                                                             "resourceVersion (version "
                                                             "meta.k8s.io/v1)"));
            goto out;
        }
    } else if (qrv && *qrv && match && strcmp(match, "Exact") == 0) {
        at_rv = strtoull(qrv, NULL, 10);
    }
    long limit = 0;
    const char *ql = fka_q(op, "limit");
    if (ql && *ql)
        limit = strtol(ql, NULL, 10);

    json_t *items = NULL;
    uint64_t list_rv = 0;
    fo_err err = {0};
    fka_store_lock(op->srv->store);
    fo_rc rc = fka_store_list(op->srv->store, r->storage,
                              (r->flags & FKA_R_NAMESPACED) && !op->all_ns ? op->ns : NULL, at_rv,
                              &items, &list_rv, &err);
    fka_store_unlock(op->srv->store);
    if (rc == FO_EGONE) {
        if (cont && *cont)
            fka_resp_status(op->resp,
                            fka_status_expired("The provided continue parameter is too old to "
                                               "display a consistent list result. You can start "
                                               "a new list without the continue parameter."));
        else
            fka_resp_status(op->resp, fka_status_expired(err.message));
        goto out;
    }
    char tv[16];
    answer_as as = negotiate(op, tv, sizeof tv);
    json_t *out = json_array();
    size_t i, total = json_array_size(items), taken = 0;
    size_t remaining = 0;
    char last[600] = "";
    bool more = false;
    bool filtered = sel.fields.n > 0 || (fka_q(op, "labelSelector") && *fka_q(op, "labelSelector"));
    int64_t now = fo_clock_now_ms(op->srv->clock);
    for (i = 0; i < total; i++) {
        json_t *o = json_array_get(items, i);
        char key[600];
        key_of(o, key, sizeof key);
        if (start[0] && strcmp(key, start) <= 0)
            continue;
        if (!selected(&sel, o))
            continue;
        if (limit > 0 && taken == (size_t)limit) {
            more = true;
            remaining++;
            continue;
        }
        taken++;
        snprintf(last, sizeof last, "%s", key);
        if (as == AS_TABLE) {
            json_t *w = fka_to_wire(r, o);
            json_array_append_new(out, fka_table_row(r, w, fka_q(op, "includeObject"), now));
            json_decref(w);
        } else if (as == AS_PARTIAL) {
            json_array_append_new(out, partial(r, o));
        } else {
            json_array_append_new(out, list_item(r, o));
        }
    }
    json_t *meta = json_object();
    char rvs[32];
    snprintf(rvs, sizeof rvs, "%" PRIu64, list_rv);
    json_object_set_new(meta, "resourceVersion", json_string(rvs));
    if (more) {
        char *tok = encode_continue(list_rv, last);
        json_object_set_new(meta, "continue", json_string(tok ? tok : ""));
        free(tok);
        if (!filtered)
            json_object_set_new(meta, "remainingItemCount", json_integer((json_int_t)remaining));
    }
    char gv[300];
    json_t *list;
    if (as == AS_TABLE) {
        list = fka_table_new(r, tv, !fka_q_true(op, "noHeaders"));
        json_object_set_new(list, "metadata", meta);
        json_object_set_new(list, "rows", out);
        fka_resp_json(op->resp, 200, list);
        set_table_content_type(op, tv);
    } else {
        list = json_object();
        json_object_set_new(
            list, "kind",
            json_string(as == AS_PARTIAL ? "PartialObjectMetadataList" : r->list_kind));
        json_object_set_new(list, "apiVersion",
                            json_string(as == AS_PARTIAL
                                            ? "meta.k8s.io/v1"
                                            : fka_resource_api_version(r, gv, sizeof gv)));
        json_object_set_new(list, "metadata", meta);
        json_object_set_new(list, "items", out);
        fka_resp_json(op->resp, 200, list);
    }
out:
    json_decref(items);
    fo_label_selector_free(sel.labels);
}

/* ---- watch ---- */

typedef struct watch_stream {
    fka_stream base;
    fka_server *srv;
    fka_resource *res;
    fka_watcher *w;
    selectors sel;
    bool bookmarks;
    bool table;
    char table_version[16];
    bool table_headers_sent;
    char include[16];
    int64_t deadline_ms, next_bookmark_ms;
    bool initial_end_pending; /* sendInitialEvents: the marker bookmark after the replay */
    uint64_t initial_rv;
    fo_strbuf out;
    size_t pos;
    bool ending; /* finish after what is buffered */
} watch_stream;

static void emit(watch_stream *ws, const char *type, json_t *object /* stolen */)
{
    json_t *ev = json_pack("{s:s, s:o}", "type", type, "object", object);
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (text) {
        fo_strbuf_puts(&ws->out, text);
        fo_strbuf_putc(&ws->out, '\n');
        free(text);
    }
}

static json_t *event_object(watch_stream *ws, const json_t *stored)
{
    json_t *w = fka_to_wire(ws->res, stored);
    if (!ws->table)
        return w;
    json_t *t = fka_table_new(ws->res, ws->table_version, !ws->table_headers_sent);
    ws->table_headers_sent = true;
    json_array_append_new(json_object_get(t, "rows"),
                          fka_table_row(ws->res, w, ws->include[0] ? ws->include : NULL,
                                        fo_clock_now_ms(ws->srv->clock)));
    json_object_set(json_object_get(t, "metadata"), "resourceVersion",
                    fo_json_get(w, "metadata.resourceVersion"));
    json_decref(w);
    return t;
}

static void emit_bookmark(watch_stream *ws, uint64_t rv, bool initial_end)
{
    char gv[300], rvs[32];
    snprintf(rvs, sizeof rvs, "%" PRIu64, rv);
    json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "kind", ws->res->kind, "apiVersion",
                            fka_resource_api_version(ws->res, gv, sizeof gv), "metadata",
                            "resourceVersion", rvs);
    if (initial_end)
        json_object_set_new(json_object_get(obj, "metadata"), "annotations",
                            json_pack("{s:s}", "k8s.io/initial-events-end", "true"));
    emit(ws, "BOOKMARK", obj);
}

/* The DELETED object of an object that stopped matching: its state before the change (the
 * last one the watcher saw match), stamped with the change's resourceVersion, as the watch
 * cache sends it (convertToWatchEvent), so a client resuming from it does not see the change
 * again. */
static json_t *last_match(watch_stream *ws, const fka_event *ev)
{
    char rvs[32];
    snprintf(rvs, sizeof rvs, "%" PRIu64, ev->rv);
    json_t *prev = fo_json_copy(ev->prev);
    json_object_set_new(fo_json_ensure_object(prev, "metadata"), "resourceVersion",
                        json_string(rvs));
    json_t *out = event_object(ws, prev);
    json_decref(prev);
    return out;
}

/* Turn a store event into what this watcher sees, given its selectors (§6: an object that
 * stops matching is DELETED, one that starts matching is ADDED). */
static void deliver(watch_stream *ws, fka_event *ev)
{
    switch (ev->type) {
    case FKA_EV_ERROR:
        emit(ws, "ERROR", json_incref(ev->obj));
        ws->ending = true;
        return;
    case FKA_EV_BOOKMARK:
        if (ws->bookmarks)
            emit_bookmark(ws, ev->rv, false);
        return;
    case FKA_EV_ADDED:
        if (selected(&ws->sel, ev->obj))
            emit(ws, "ADDED", event_object(ws, ev->obj));
        return;
    case FKA_EV_DELETED:
        if (selected(&ws->sel, ev->prev ? ev->prev : ev->obj))
            emit(ws, "DELETED", event_object(ws, ev->obj));
        return;
    case FKA_EV_MODIFIED: {
        bool now = selected(&ws->sel, ev->obj), before = selected(&ws->sel, ev->prev);
        if (now && before)
            emit(ws, "MODIFIED", event_object(ws, ev->obj));
        else if (now)
            emit(ws, "ADDED", event_object(ws, ev->obj));
        else if (before)
            emit(ws, "DELETED", last_match(ws, ev));
        return;
    }
    default:
        return;
    }
}

static ssize_t watch_read(fka_stream *st, char *buf, size_t max)
{
    watch_stream *ws = (watch_stream *)st;
    for (;;) {
        /* Stalled (POST /fake/stall-watches): not a byte more, and the connection stays open;
         * the HTTP layer asks again after a nap. */
        if (fka_watcher_stalled(ws->w))
            return ws->srv->stopping ? FKA_STREAM_END : 0;
        if (ws->pos < ws->out.len) {
            size_t n = ws->out.len - ws->pos;
            if (n > max)
                n = max;
            memcpy(buf, ws->out.data + ws->pos, n);
            ws->pos += n;
            if (ws->pos == ws->out.len) {
                fo_strbuf_reset(&ws->out);
                ws->pos = 0;
            }
            return (ssize_t)n;
        }
        if (ws->ending || ws->srv->stopping)
            return FKA_STREAM_END;
        int64_t now = fo_clock_mono_ms(fo_clock_real());
        if (now >= ws->deadline_ms) {
            /* The server sends a last bookmark before it closes a watch. */
            if (ws->bookmarks) {
                fka_store_lock(ws->srv->store);
                uint64_t rv = fka_store_rv(ws->srv->store);
                fka_store_unlock(ws->srv->store);
                emit_bookmark(ws, rv, false);
            }
            ws->ending = true;
            continue;
        }
        if (ws->bookmarks && now >= ws->next_bookmark_ms) {
            fka_store_lock(ws->srv->store);
            uint64_t rv = fka_store_rv(ws->srv->store);
            fka_store_unlock(ws->srv->store);
            emit_bookmark(ws, rv, false);
            ws->next_bookmark_ms = now + ws->srv->bookmark_interval_ms;
            continue;
        }
        int64_t wait = ws->deadline_ms - now;
        if (ws->bookmarks && ws->next_bookmark_ms - now < wait)
            wait = ws->next_bookmark_ms - now;
        if (wait > FKA_WATCH_POLL_MS)
            wait = FKA_WATCH_POLL_MS;
        fka_event ev;
        fka_wait r = fka_watcher_next(ws->w, (int)(wait > 0 ? wait : 1), &ev);
        if (r == FKA_WAIT_EVENT) {
            if (ws->initial_end_pending && ev.type != FKA_EV_ERROR && ev.rv > ws->initial_rv) {
                /* The marker ends the initial ADDED events, before any later change. */
                ws->initial_end_pending = false;
                if (ws->bookmarks)
                    emit_bookmark(ws, ws->initial_rv, true);
            }
            deliver(ws, &ev);
            fka_event_release(&ev);
            continue;
        }
        if (r == FKA_WAIT_CLOSED) {
            ws->ending = true;
            continue;
        }
        if (ws->initial_end_pending) {
            ws->initial_end_pending = false;
            if (ws->bookmarks)
                emit_bookmark(ws, ws->initial_rv, true);
            continue;
        }
        return 0;
    }
}

static void watch_free(fka_stream *st)
{
    watch_stream *ws = (watch_stream *)st;
    fka_watcher_free(ws->w);
    fo_label_selector_free(ws->sel.labels);
    fka_resource_unref(ws->res);
    fo_strbuf_release(&ws->out);
    free(ws);
}

void fka_op_watch(fka_op *op)
{
    watch_stream *ws = calloc(1, sizeof *ws);
    if (!ws) {
        fka_resp_status(op->resp, fka_status_internal("out of memory"));
        return;
    }
    json_t *st = check_list_options(op, true);
    if (!st)
        st = parse_selectors(op, &ws->sel);
    if (st) {
        free(ws);
        fka_resp_status(op->resp, st);
        return;
    }
    ws->base.read = watch_read;
    ws->base.free = watch_free;
    ws->srv = op->srv;
    ws->res = fka_resource_ref(op->res);
    ws->bookmarks = fka_q_true(op, "allowWatchBookmarks");
    ws->table = negotiate(op, ws->table_version, sizeof ws->table_version) == AS_TABLE;
    const char *inc = fka_q(op, "includeObject");
    snprintf(ws->include, sizeof ws->include, "%s", inc ? inc : "");
    fo_strbuf_init(&ws->out, 0);
    const char *qrv = fka_q(op, "resourceVersion");
    uint64_t from = qrv && *qrv ? strtoull(qrv, NULL, 10) : 0;
    bool initial = fka_q_true(op, "sendInitialEvents");
    if (initial)
        from = 0;
    const char *ns = (op->res->flags & FKA_R_NAMESPACED) && !op->all_ns ? op->ns : NULL;
    ws->w = fka_store_watch(op->srv->store, op->res->storage, ns, from);
    if (initial) {
        ws->initial_rv = fka_watcher_start_rv(ws->w);
        ws->initial_end_pending = true;
    }
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    const char *ts = fka_q(op, "timeoutSeconds");
    long timeout_s = ts && *ts ? strtol(ts, NULL, 10) : 0;
    if (timeout_s <= 0) {
        /* Like --min-request-timeout: a random 1x-2x of the configured time. */
        unsigned char rnd;
        fka_random(&rnd, 1);
        timeout_s = op->srv->max_watch_s + (long)op->srv->max_watch_s * rnd / 256;
    }
    ws->deadline_ms = now + timeout_s * 1000L;
    ws->next_bookmark_ms = now + op->srv->bookmark_interval_ms;
    op->resp->status = 200;
    snprintf(op->resp->content_type, sizeof op->resp->content_type, "%s",
             ws->table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json");
    op->resp->stream = &ws->base;
}
