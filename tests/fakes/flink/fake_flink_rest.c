/* Routing of Flink REST requests for one simulated cluster.
 *
 * Follows the operations of rest_v1_dispatcher.yml (1.20, 2.x) the operator uses, with Flink's
 * conventions for what the spec leaves out: errors are {"errors": ["..."]}; an unknown route is
 * 404 "Not found: <uri>"; a path parameter that does not parse is 400 "Bad request, could not
 * parse parameters: ..."; a request body that does not match its type (unknown field, wrong
 * type or enum value, bad JSON) is 400 "Request did not match expected format <Type>." (Flink
 * reads request bodies with a strict mapper); an empty body counts as {}. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/flink/fake_flink_int.h"

void ff_error(ff_response *resp, int status, const char *fmt, ...)
{
    char msg[FO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_decref(resp->body);
    resp->status = status;
    resp->body = json_pack("{s:[s]}", "errors", msg);
}

static void ok(ff_response *resp, int status, json_t *body /* stolen */)
{
    json_decref(resp->body);
    resp->status = status;
    resp->body = body;
}

/* A sim call that returned NULL/err: answer with the status it chose. */
static void from_err(ff_response *resp, const fo_err *err)
{
    ff_error(resp, err->http_status ? err->http_status : 500, "%s", err->message);
}

static void answer(ff_response *resp, json_t *v, const fo_err *err)
{
    if (v)
        ok(resp, 200, v);
    else
        from_err(resp, err);
}

static const char *query(const ff_request *req, const char *name)
{
    return req->query ? req->query(req->query_ctx, name) : NULL;
}

/* One expected member of a request body type. */
typedef struct field {
    const char *name;
    json_type type;          /* JSON_TRUE stands for boolean, JSON_INTEGER for integers */
    const char *const *enums; /* allowed strings, or NULL */
} field;

static const char *const format_types[] = {"CANONICAL", "NATIVE", NULL};
static const char *const checkpoint_types[] = {"CONFIGURED", "FULL", "INCREMENTAL", NULL};
static const char *const restore_modes[] = {"CLAIM", "NO_CLAIM", "LEGACY", NULL};

static bool type_ok(const json_t *v, const field *f)
{
    if (json_is_null(v))
        return true; /* Jackson maps null to an absent optional member */
    switch (f->type) {
    case JSON_TRUE: return json_is_boolean(v);
    case JSON_INTEGER: return json_is_integer(v);
    case JSON_STRING:
        if (!json_is_string(v))
            return false;
        if (f->enums) {
            for (size_t i = 0; f->enums[i]; i++)
                if (strcmp(f->enums[i], json_string_value(v)) == 0)
                    return true;
            return false;
        }
        return true;
    default: return json_typeof(v) == f->type;
    }
}

/* Parse and check a request body against its type; NULL after answering 400. */
static json_t *read_body(const ff_request *req, const char *type_name, const field *fields,
                         ff_response *resp)
{
    json_t *body;
    if (req->body_len == 0) {
        body = json_object();
    } else {
        body = fo_json_parse(req->body, req->body_len, FF_MAX_JSON_BODY, NULL);
        if (!json_is_object(body)) {
            json_decref(body);
            ff_error(resp, 400, "Request did not match expected format %s.", type_name);
            return NULL;
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        const field *f = NULL;
        for (size_t i = 0; fields[i].name && !f; i++)
            if (strcmp(fields[i].name, key) == 0)
                f = &fields[i];
        if (!f || !type_ok(v, f)) {
            json_decref(body);
            ff_error(resp, 400, "Request did not match expected format %s.", type_name);
            return NULL;
        }
    }
    return body;
}

static const char *body_str(const json_t *body, const char *key)
{
    return json_string_value(json_object_get(body, key));
}

static bool body_bool(const json_t *body, const char *key)
{
    return json_is_true(json_object_get(body, key));
}

#define MAX_SEGS 8

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                 : -1;
}

/* RFC 3986 percent-decoding of one path segment, in place (Flink decodes path parameters). */
static void pct_decode(char *s)
{
    char *out = s;
    for (char *p = s; *p; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0 && (hi || lo)) {
            *out++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
}

static size_t split(char *path, char **segs)
{
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(path, "/", &save); tok;
         tok = strtok_r(NULL, "/", &save)) {
        if (n == MAX_SEGS)
            return MAX_SEGS + 1;
        pct_decode(tok);
        segs[n++] = tok;
    }
    return n;
}

static bool bad_param(ff_response *resp, const char *param, const char *value)
{
    ff_error(resp, 400,
             "Bad request, could not parse parameters: Cannot resolve path parameter (%s) from "
             "value \"%s\".",
             param, value);
    return false;
}

static bool check_id(ff_response *resp, const char *param, const char *value)
{
    return fo_flink_sim_is_id(value) || bad_param(resp, param, value);
}

static void trigger_response(ff_response *resp, fo_rc rc, const char *trigger, const fo_err *err)
{
    if (rc != FO_OK)
        from_err(resp, err);
    else
        ok(resp, 202, json_pack("{s:s}", "request-id", trigger));
}

static void savepoint_trigger(fo_flink_sim *sim, const ff_request *req, const char *jid, bool stop,
                              ff_response *resp)
{
    static const field sp_fields[] = {{"cancel-job", JSON_TRUE, NULL},
                                      {"formatType", JSON_STRING, format_types},
                                      {"target-directory", JSON_STRING, NULL},
                                      {"triggerId", JSON_STRING, NULL},
                                      {NULL, 0, NULL}};
    static const field stop_fields[] = {{"drain", JSON_TRUE, NULL},
                                        {"formatType", JSON_STRING, format_types},
                                        {"targetDirectory", JSON_STRING, NULL},
                                        {"triggerId", JSON_STRING, NULL},
                                        {NULL, 0, NULL}};
    json_t *body = read_body(req, stop ? "StopWithSavepointRequestBody"
                                       : "SavepointTriggerRequestBody",
                             stop ? stop_fields : sp_fields, resp);
    if (!body)
        return;
    fo_err err = {0};
    char trigger[33] = "";
    fo_rc rc = fo_flink_sim_trigger_savepoint(
        sim, jid, body_str(body, stop ? "targetDirectory" : "target-directory"), stop,
        body_bool(body, "drain"), body_bool(body, "cancel-job"), body_str(body, "formatType"),
        body_str(body, "triggerId"), trigger, &err);
    trigger_response(resp, rc, trigger, &err);
    json_decref(body);
}

static void checkpoint_trigger(fo_flink_sim *sim, const ff_request *req, const char *jid,
                               ff_response *resp)
{
    static const field fields[] = {{"checkpointType", JSON_STRING, checkpoint_types},
                                   {"triggerId", JSON_STRING, NULL},
                                   {NULL, 0, NULL}};
    json_t *body = read_body(req, "CheckpointTriggerRequestBody", fields, resp);
    if (!body)
        return;
    fo_err err = {0};
    char trigger[33] = "";
    fo_rc rc = fo_flink_sim_trigger_checkpoint(sim, jid, body_str(body, "checkpointType"),
                                               body_str(body, "triggerId"), trigger, &err);
    trigger_response(resp, rc, trigger, &err);
    json_decref(body);
}

static void cancel(fo_flink_sim *sim, const ff_request *req, const char *jid, ff_response *resp)
{
    const char *mode = query(req, "mode");
    if (mode && strcmp(mode, "cancel") != 0) {
        /* TerminationMode is CANCEL or STOP; STOP is no longer supported. */
        if (strcmp(mode, "stop") == 0)
            ff_error(resp, 400, "The termination mode \"stop\" has been removed. For an "
                                "ungraceful shutdown, please use \"cancel\" instead. For a "
                                "graceful shutdown, please use \"jobs/:jobId/stop\" instead.");
        else
            ff_error(resp, 400,
                     "Bad request, could not parse parameters: Cannot resolve query parameter "
                     "(mode) from value \"%s\".",
                     mode);
        return;
    }
    fo_err err = {0};
    if (fo_flink_sim_cancel(sim, jid, &err) != FO_OK)
        from_err(resp, &err);
    else
        ok(resp, 202, json_object());
}

/* Split a programArgs string on whitespace (Flink tokenizes it honouring quotes). */
static json_t *tokenize(const char *s)
{
    json_t *arr = json_array();
    char buf[4096];
    size_t n = 0;
    char quote = 0;
    bool in = false;
    for (const char *p = s;; p++) {
        char c = *p;
        if (c && quote) {
            if (c == quote)
                quote = 0;
            else if (n < sizeof buf - 1)
                buf[n++] = c;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            in = true;
            continue;
        }
        if (!c || c == ' ' || c == '\t' || c == '\n') {
            if (in) {
                buf[n] = '\0';
                json_array_append_new(arr, json_string(buf));
            }
            n = 0;
            in = false;
            if (!c)
                break;
            continue;
        }
        if (n < sizeof buf - 1)
            buf[n++] = c;
        in = true;
    }
    return arr;
}

static void jar_run(fo_flink_sim *sim, const ff_request *req, const char *jar_id,
                    ff_response *resp)
{
    static const field v1_fields[] = {{"allowNonRestoredState", JSON_TRUE, NULL},
                                      {"claimMode", JSON_STRING, restore_modes},
                                      {"entryClass", JSON_STRING, NULL},
                                      {"flinkConfiguration", JSON_OBJECT, NULL},
                                      {"jobId", JSON_STRING, NULL},
                                      {"parallelism", JSON_INTEGER, NULL},
                                      {"programArgs", JSON_STRING, NULL},
                                      {"programArgsList", JSON_ARRAY, NULL},
                                      {"restoreMode", JSON_STRING, restore_modes},
                                      {"savepointPath", JSON_STRING, NULL},
                                      {NULL, 0, NULL}};
    /* 2.0 removed the programArgs string (only programArgsList remains). */
    const field *fields = v1_fields;
    field v2_fields[sizeof v1_fields / sizeof v1_fields[0]];
    if (fo_flink_sim_is_v2(sim)) {
        size_t k = 0;
        for (size_t i = 0; v1_fields[i].name; i++)
            if (strcmp(v1_fields[i].name, "programArgs") != 0)
                v2_fields[k++] = v1_fields[i];
        v2_fields[k] = (field){NULL, 0, NULL};
        fields = v2_fields;
    }
    json_t *body = read_body(req, "JarRunRequestBody", fields, resp);
    if (!body)
        return;
    json_t *args = NULL;
    json_t *list = json_object_get(body, "programArgsList");
    const char *str = body_str(body, "programArgs");
    if (list && !json_is_null(list) && str) {
        ff_error(resp, 400, "Confusing request: programArgs and programArgsList are specified, "
                            "please, use only programArgsList");
        goto out;
    }
    if (list && json_is_array(list)) {
        size_t i;
        json_t *a;
        json_array_foreach(list, i, a) {
            if (!json_is_string(a)) {
                ff_error(resp, 400, "Request did not match expected format JarRunRequestBody.");
                goto out;
            }
        }
        args = json_incref(list);
    } else if (str) {
        args = tokenize(str);
    } else if (query(req, "programArg")) {
        args = json_array();
        char *copy = strdup(query(req, "programArg")), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(args, json_string(t));
        free(copy);
    }
    if (!fo_flink_sim_jar_exists(sim, jar_id)) {
        ff_error(resp, 400, "Jar file /tmp/flink-web-upload/%s does not exist", jar_id);
        goto out;
    }
    fo_flink_sim_job_spec spec = {0};
    spec.jar_id = jar_id;
    spec.job_id = body_str(body, "jobId");
    spec.entry_class = body_str(body, "entryClass") ? body_str(body, "entryClass")
                                                    : query(req, "entry-class");
    spec.args = args;
    spec.configuration = json_object_get(body, "flinkConfiguration");
    spec.restore_path = body_str(body, "savepointPath") ? body_str(body, "savepointPath")
                                                        : query(req, "savepointPath");
    spec.restore_mode = body_str(body, "restoreMode") ? body_str(body, "restoreMode")
                                                      : body_str(body, "claimMode");
    json_t *nrs = json_object_get(body, "allowNonRestoredState");
    const char *qnrs = query(req, "allowNonRestoredState");
    spec.allow_non_restored_state = json_is_boolean(nrs) ? json_is_true(nrs)
                                                         : (qnrs && strcmp(qnrs, "true") == 0);
    json_t *par = json_object_get(body, "parallelism");
    const char *qpar = query(req, "parallelism");
    spec.parallelism = json_is_integer(par) ? (int)json_integer_value(par) : qpar ? atoi(qpar) : 0;
    if (spec.job_id && !fo_flink_sim_is_id(spec.job_id)) {
        ff_error(resp, 400, "Request did not match expected format JarRunRequestBody.");
        goto out;
    }
    fo_err err = {0};
    char jid[33];
    if (fo_flink_sim_submit(sim, &spec, jid, &err) != FO_OK)
        from_err(resp, &err);
    else
        ok(resp, 200, json_pack("{s:s}", "jobid", jid));
out:
    json_decref(args);
    json_decref(body);
}

static void jar_upload(fo_flink_sim *sim, const ff_request *req, ff_response *resp)
{
    char name[256] = "";
    size_t size = 0;
    int files = ff_multipart_files(req->body, req->body_len, req->content_type, name, sizeof name,
                                   &size);
    if (files < 0) {
        ff_error(resp, 400, "Request did not match expected format EmptyRequestBody.");
        return;
    }
    if (files != 1) {
        ff_error(resp, 400, "Exactly 1 file must be sent, received %d.", files);
        return;
    }
    fo_err err = {0};
    char *id = NULL;
    if (fo_flink_sim_jar_add(sim, name, size, &id, &err) != FO_OK) {
        from_err(resp, &err);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "/tmp/flink-web-upload/%s", id);
    ok(resp, 200, json_pack("{s:s, s:s}", "filename", path, "status", "success"));
    free(id);
}

static void dispose(fo_flink_sim *sim, const ff_request *req, ff_response *resp)
{
    static const field fields[] = {{"savepoint-path", JSON_STRING, NULL}, {NULL, 0, NULL}};
    json_t *body = read_body(req, "SavepointDisposalRequest", fields, resp);
    if (!body)
        return;
    fo_err err = {0};
    char trigger[33] = "";
    fo_rc rc = fo_flink_sim_dispose(sim, body_str(body, "savepoint-path"), trigger, &err);
    if (rc != FO_OK)
        from_err(resp, &err);
    else
        ok(resp, 200, json_pack("{s:s}", "request-id", trigger)); /* 200, per the spec */
    json_decref(body);
}

/* Flink serves POST /jobs/:jobid/checkpoints and GET /jobs/:jobid/checkpoints/:triggerid since
 * 1.17 (FLINK-27101); an older cluster has no such route (404 "Not found: <uri>"). */
static bool has_checkpoint_trigger(const fo_flink_sim *sim)
{
    int major = 0, minor = 0;
    if (sscanf(fo_flink_sim_version(sim), "%d.%d", &major, &minor) != 2)
        return true;
    return major > 1 || minor >= 17;
}

/* /jobs/:jobid/... */
static bool route_job(fo_flink_sim *sim, const ff_request *req, char **s, size_t n,
                      ff_response *resp)
{
    const char *m = req->method, *jid = s[1];
    fo_err err = {0};
    if (n >= 2 && !check_id(resp, "jobid", jid))
        return true;
    if (n == 2 && !strcmp(m, "GET")) {
        answer(resp, fo_flink_sim_json_job(sim, jid, &err), &err);
    } else if (n == 2 && !strcmp(m, "PATCH")) {
        cancel(sim, req, jid, resp);
    } else if (n == 3 && !strcmp(s[2], "status") && !strcmp(m, "GET")) {
        answer(resp, fo_flink_sim_json_job_status(sim, jid, &err), &err);
    } else if (n == 3 && !strcmp(s[2], "execution-result") && !strcmp(m, "GET")) {
        answer(resp, fo_flink_sim_json_execution_result(sim, jid, &err), &err);
    } else if (n == 3 && !strcmp(s[2], "exceptions") && !strcmp(m, "GET")) {
        const char *max = query(req, "maxExceptions");
        answer(resp, fo_flink_sim_json_exceptions(sim, jid, max ? atoi(max) : -1, &err), &err);
    } else if (n == 3 && !strcmp(s[2], "metrics") && !strcmp(m, "GET")) {
        answer(resp, fo_flink_sim_json_metrics(sim, jid, query(req, "get"), &err), &err);
    } else if (n == 3 && !strcmp(s[2], "checkpoints") && !strcmp(m, "GET")) {
        answer(resp, fo_flink_sim_json_checkpoints(sim, jid, &err), &err);
    } else if (n == 3 && !strcmp(s[2], "checkpoints") && !strcmp(m, "POST") &&
               has_checkpoint_trigger(sim)) {
        checkpoint_trigger(sim, req, jid, resp);
    } else if (n == 5 && !strcmp(s[2], "checkpoints") && !strcmp(s[3], "details") &&
               !strcmp(m, "GET")) {
        char *end;
        long long id = strtoll(s[4], &end, 10);
        if (*end || end == s[4]) {
            bad_param(resp, "checkpointid", s[4]);
            return true;
        }
        answer(resp, fo_flink_sim_json_checkpoint_details(sim, jid, id, &err), &err);
    } else if (n == 4 && !strcmp(s[2], "checkpoints") && !strcmp(s[3], "config") &&
               !strcmp(m, "GET")) {
        answer(resp, fo_flink_sim_json_checkpoint_config(sim, jid, &err), &err);
    } else if (n == 4 && (!strcmp(s[2], "checkpoints") || !strcmp(s[2], "savepoints")) &&
               strcmp(s[3], "config") != 0 && !strcmp(m, "GET") &&
               (s[2][0] == 's' || has_checkpoint_trigger(sim))) {
        if (!check_id(resp, "triggerid", s[3]))
            return true;
        const char *kind = s[2][0] == 'c' ? "checkpoint" : "savepoint";
        answer(resp, fo_flink_sim_json_operation(sim, kind, jid, s[3], &err), &err);
    } else if (n == 3 && !strcmp(s[2], "savepoints") && !strcmp(m, "POST")) {
        savepoint_trigger(sim, req, jid, false, resp);
    } else if (n == 3 && !strcmp(s[2], "stop") && !strcmp(m, "POST")) {
        savepoint_trigger(sim, req, jid, true, resp);
    } else {
        return false;
    }
    return true;
}

void ff_rest_handle(fo_flink_sim *sim, const ff_request *req, ff_response *resp)
{
    resp->status = 200;
    resp->body = NULL;
    char copy[1024];
    char *s[MAX_SEGS];
    snprintf(copy, sizeof copy, "%s", req->path);
    size_t n = strlen(req->path) < sizeof copy ? split(copy, s) : MAX_SEGS + 1;
    const char *m = req->method;
    bool get = !strcmp(m, "GET");
    bool handled = true;
    /* Flink serves unversioned URLs as v1 too. */
    char **seg = s;
    if (n >= 1 && n <= MAX_SEGS && !strcmp(s[0], "v1")) {
        seg = s + 1;
        n--;
    }
    if (n > MAX_SEGS) {
        handled = false;
    } else if (n == 1 && get && !strcmp(seg[0], "config")) {
        ok(resp, 200, fo_flink_sim_json_config(sim));
    } else if (n == 2 && get && !strcmp(seg[0], "jobmanager") && !strcmp(seg[1], "config")) {
        ok(resp, 200, fo_flink_sim_json_jm_config(sim));
    } else if (n == 1 && get && !strcmp(seg[0], "overview")) {
        ok(resp, 200, fo_flink_sim_json_overview(sim));
    } else if (n == 1 && get && !strcmp(seg[0], "taskmanagers")) {
        ok(resp, 200, fo_flink_sim_json_taskmanagers(sim));
    } else if (n == 1 && get && !strcmp(seg[0], "jobs")) {
        ok(resp, 200, fo_flink_sim_json_jobs(sim));
    } else if (n == 2 && get && !strcmp(seg[0], "jobs") && !strcmp(seg[1], "overview")) {
        ok(resp, 200, fo_flink_sim_json_jobs_overview(sim));
    } else if (n >= 2 && !strcmp(seg[0], "jobs")) {
        handled = route_job(sim, req, seg, n, resp);
    } else if (n == 1 && !strcmp(m, "POST") && !strcmp(seg[0], "savepoint-disposal")) {
        dispose(sim, req, resp);
    } else if (n == 2 && get && !strcmp(seg[0], "savepoint-disposal")) {
        if (check_id(resp, "triggerid", seg[1])) {
            fo_err err = {0};
            answer(resp, fo_flink_sim_json_operation(sim, "disposal", NULL, seg[1], &err), &err);
        }
    } else if (n == 1 && get && !strcmp(seg[0], "jars")) {
        ok(resp, 200, fo_flink_sim_json_jars(sim));
    } else if (n == 2 && !strcmp(m, "POST") && !strcmp(seg[0], "jars") &&
               !strcmp(seg[1], "upload")) {
        jar_upload(sim, req, resp);
    } else if (n == 2 && !strcmp(m, "DELETE") && !strcmp(seg[0], "jars")) {
        fo_err err = {0};
        if (fo_flink_sim_jar_delete(sim, seg[1], &err) != FO_OK)
            from_err(resp, &err);
        else
            ok(resp, 200, json_object());
    } else if (n == 3 && !strcmp(m, "POST") && !strcmp(seg[0], "jars") &&
               !strcmp(seg[2], "run")) {
        jar_run(sim, req, seg[1], resp);
    } else {
        handled = false;
    }
    if (!handled)
        ff_error(resp, 404, "Not found: %s", req->path);
    if (!resp->body)
        ff_error(resp, 500, "Internal server error.");
}
