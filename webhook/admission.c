#include "webhook/admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json_arena.h"
#include "common/json_write.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "webhook/review_json.h"

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

/* A string member: *out stays NULL when absent (or null and allowed), error when another type
 * or (when nonempty) empty. `field` is the full path for messages. */
static fo_rc get_string(const json_t *obj, const char *key, const char *field, bool required,
                        bool nonempty, const char **out, fo_err *err)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return fo_err_set(err, FO_EINVAL, "%s: required", field);
        return FO_OK;
    }
    if (!json_is_string(v))
        return fo_err_set(err, FO_EINVAL, "%s: must be a string, got %s", field, type_name(v));
    /* A NUL inside would make the C string differ from what was sent. */
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fo_err_set(err, FO_EINVAL, "%s: must not contain NUL characters", field);
    if (nonempty && json_string_length(v) == 0)
        return fo_err_set(err, FO_EINVAL, "%s: required (empty string)", field);
    *out = json_string_value(v);
    return FO_OK;
}

static fo_rc get_object(const json_t *obj, const char *key, const char *field, bool required,
                        const json_t **out, fo_err *err)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return fo_err_set(err, FO_EINVAL, "%s: required", field);
        return FO_OK;
    }
    if (!json_is_object(v))
        return fo_err_set(err, FO_EINVAL, "%s: must be an object, got %s", field, type_name(v));
    *out = v;
    return FO_OK;
}

static fo_rc check_envelope(const json_t *doc, fo_err *err)
{
    if (!json_is_object(doc))
        return fo_err_set(err, FO_EINVAL, "body: expected an AdmissionReview object, got %s",
                          type_name(doc));
    const char *api = NULL, *kind = NULL;
    fo_rc rc = get_string(doc, "apiVersion", "apiVersion", true, false, &api, err);
    if (rc != FO_OK)
        return rc;
    /* Section 4 rule 3: v1 only; our configurations register admissionReviewVersions [v1]. */
    if (strcmp(api, FO_ADMISSION_API_VERSION) != 0)
        return fo_err_set(err, FO_EINVAL, "apiVersion: expected \"%s\", got \"%s\"",
                          FO_ADMISSION_API_VERSION, api);
    rc = get_string(doc, "kind", "kind", true, false, &kind, err);
    if (rc != FO_OK)
        return rc;
    if (strcmp(kind, "AdmissionReview") != 0)
        return fo_err_set(err, FO_EINVAL, "kind: expected \"AdmissionReview\", got \"%s\"", kind);
    return FO_OK;
}

static fo_rc parse_operation(const char *s, fo_admission_op *op, fo_err *err)
{
    static const struct {
        const char *name;
        fo_admission_op op;
    } ops[] = {{"CREATE", FO_ADMISSION_CREATE},
               {"UPDATE", FO_ADMISSION_UPDATE},
               {"DELETE", FO_ADMISSION_DELETE},
               {"CONNECT", FO_ADMISSION_CONNECT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(s, ops[i].name) == 0) {
            *op = ops[i].op;
            return FO_OK;
        }
    }
    return fo_err_set(err, FO_EINVAL,
                      "request.operation: unsupported value \"%s\": supported values: "
                      "\"CREATE\", \"UPDATE\", \"DELETE\", \"CONNECT\"",
                      s);
}

static fo_rc decode_request(const json_t *r, fo_admission_request *req, fo_err *err)
{
    const json_t *kind = NULL, *resource = NULL;
    const char *s = NULL;
    fo_rc rc;
    if ((rc = get_string(r, "uid", "request.uid", true, true, &req->uid, err)) != FO_OK ||
        (rc = get_object(r, "kind", "request.kind", true, &kind, err)) != FO_OK ||
        (rc = get_string(kind, "kind", "request.kind.kind", true, true, &req->kind, err)) !=
            FO_OK ||
        (rc = get_string(kind, "version", "request.kind.version", true, true, &req->version,
                         err)) != FO_OK ||
        (rc = get_string(kind, "group", "request.kind.group", false, false, &req->group, err)) !=
            FO_OK ||
        (rc = get_object(r, "resource", "request.resource", true, &resource, err)) != FO_OK ||
        (rc = get_string(resource, "resource", "request.resource.resource", true, true,
                         &req->resource, err)) != FO_OK ||
        (rc = get_string(r, "operation", "request.operation", true, true, &req->operation, err)) !=
            FO_OK ||
        (rc = parse_operation(req->operation, &req->op, err)) != FO_OK ||
        (rc = get_string(r, "subResource", "request.subResource", false, false, &s, err)) != FO_OK)
        return rc;
    req->sub_resource = s && *s ? s : NULL;
    if (!req->group)
        req->group = ""; /* the core group is "" and may be left out */
    if ((rc = get_string(r, "name", "request.name", false, false, &req->name, err)) != FO_OK ||
        (rc = get_string(r, "namespace", "request.namespace", false, false, &req->namespace_,
                         err)) != FO_OK)
        return rc;
    if (!req->name)
        req->name = "";
    if (!req->namespace_)
        req->namespace_ = "";
    bool needs_object = req->op == FO_ADMISSION_CREATE || req->op == FO_ADMISSION_UPDATE;
    if ((rc = get_object(r, "object", "request.object", false, &req->object, err)) != FO_OK)
        return rc;
    /* oldObject was checked as JSON; the reader kept only its metadata.generation (and for
     * /mutate its pod templates). */
    const json_t *old = json_object_get(r, "oldObject");
    if (old && !json_is_null(old) && !json_is_object(old))
        return fo_err_set(err, FO_EINVAL, "request.oldObject: must be an object, got %s",
                          type_name(old));
    req->has_old_object = json_is_object(old);
    req->old_object = req->has_old_object ? old : NULL;
    if (req->has_old_object)
        req->old_generation = json_object_get(json_object_get(old, "metadata"), "generation");
    if (needs_object && !req->object)
        return fo_err_set(err, FO_EINVAL, "request.object: required for %s", req->operation);
    json_t *dry = json_object_get(r, "dryRun");
    if (dry && !json_is_null(dry)) {
        if (!json_is_boolean(dry))
            return fo_err_set(err, FO_EINVAL, "request.dryRun: must be a boolean, got %s",
                              type_name(dry));
        req->dry_run = json_is_true(dry);
    }
    return FO_OK;
}

static fo_rc decode(const char *body, size_t len, fo_wh_json_mode mode, fo_admission_request *req,
                    fo_err *err)
{
    memset(req, 0, sizeof *req);
    if (len > FO_ADMISSION_MAX_BODY)
        return fo_err_set(err, FO_ELIMIT, "body: %zu bytes exceeds the limit of %u bytes", len,
                          FO_ADMISSION_MAX_BODY);
    if (len == 0)
        return fo_err_set(err, FO_EINVAL, "body: empty, expected an AdmissionReview");
    bool nul_key = false; /* in whatever the last read built */
    json_t *doc = fo_wh_json_parse(body, len, mode, &nul_key, err);
    bool too_large = false;
    /* oldObject's pod templates count against the bound too: without them the object may
     * fit (only the three-way step of common/own_templates.h is lost) */
    if (!doc && err && err->rc == FO_ELIMIT && mode == FO_WH_JSON_REVIEW_NO_STATUS) {
        nul_key = false;
        doc = fo_wh_json_parse(body, len, FO_WH_JSON_REVIEW_NO_STATUS_NO_OLD, &nul_key, err);
    }
    if (!doc && err && err->rc == FO_ELIMIT) {
        /* Answered from the object's identity: a denial the user reads (or, for an object
         * being deleted, the finalizers let go), not a failed call. */
        nul_key = false;
        doc = fo_wh_json_parse(body, len, FO_WH_JSON_REVIEW_IDENTITY, &nul_key, err);
        too_large = doc != NULL;
        if (!doc && err->rc == FO_ELIMIT) {
            char what[FO_ERR_MSG_MAX]; /* "more than N JSON values (...)" */
            snprintf(what, sizeof what, "%s", err->message);
            return fo_err_set(err, FO_ELIMIT,
                              "body: too large to check: outside request.object it holds %s",
                              what);
        }
    }
    if (!doc)
        return err && err->rc == FO_ENOMEM ? FO_ENOMEM : fo_err_wrap(err, "body: malformed JSON");
    const json_t *r = NULL;
    fo_rc rc = check_envelope(doc, err);
    if (rc == FO_OK)
        rc = get_object(doc, "request", "request", true, &r, err);
    if (rc == FO_OK)
        rc = decode_request(r, req, err);
    if (rc != FO_OK) {
        json_decref(doc);
        memset(req, 0, sizeof *req);
        return rc;
    }
    req->review = doc;
    req->too_large = too_large;
    req->keys_without_nul = !nul_key;
    return FO_OK;
}

fo_rc fo_admission_decode(const char *body, size_t len, fo_admission_request *req, fo_err *err)
{
    return decode(body, len, FO_WH_JSON_REVIEW, req, err);
}

fo_rc fo_admission_decode_without_status(const char *body, size_t len, fo_admission_request *req,
                                         fo_err *err)
{
    return decode(body, len, FO_WH_JSON_REVIEW_NO_STATUS, req, err);
}

void fo_admission_request_release(fo_admission_request *req)
{
    if (!req)
        return;
    /* Built by the parser inside the request's arena window, when there is one, and never
     * changed (the document is lent to the handlers read-only). */
    fo_json_arena_drop(req->review);
    memset(req, 0, sizeof *req);
}

bool fo_admission_is_flink_write(const fo_admission_request *req)
{
    if (req->op != FO_ADMISSION_CREATE && req->op != FO_ADMISSION_UPDATE)
        return false;
    if (req->sub_resource || !req->object)
        return false;
    if (strcmp(req->group, "flink.apache.org") != 0)
        return false;
    return strcmp(req->kind, "FlinkDeployment") == 0 || strcmp(req->kind, "FlinkSessionJob") == 0;
}

/* ---- responses ---- */

void fo_admission_response_init(fo_admission_response *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->allowed = true;
}

void fo_admission_response_release(fo_admission_response *resp)
{
    if (!resp)
        return;
    free(resp->message);
    json_decref(resp->details);
    free(resp->patch);
    json_decref(resp->warnings);
    memset(resp, 0, sizeof *resp);
}

void fo_admission_response_deny(fo_admission_response *resp, const fo_admission_request *req,
                                const fo_field_errors *errs)
{
    resp->allowed = false;
    resp->code = 422;
    snprintf(resp->reason, sizeof resp->reason, "Invalid");
    /* One line that names every field: kubectl prints it after "denied the request: ". */
    char *joined = fo_field_errors_join(errs, "; ");
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    const char *name =
        req->name && *req->name ? req->name : fo_json_get_str(req->object, "metadata.name");
    fo_strbuf_printf(&sb, "%s \"%s\" is invalid: %s", req->kind, name ? name : "",
                     joined ? joined : "");
    free(joined);
    free(resp->message);
    resp->message = fo_strbuf_take(&sb);
    json_decref(resp->details);
    resp->details = json_pack("{s:s, s:s, s:s, s:o}", "name", name ? name : "", "group",
                              req->group ? req->group : "", "kind", req->kind ? req->kind : "",
                              "causes", fo_field_errors_causes(errs));
}

void fo_admission_response_warn(fo_admission_response *resp, const char *text)
{
    if (!resp->warnings)
        resp->warnings = json_array();
    if (!resp->warnings || json_array_size(resp->warnings) >= FO_ADMISSION_MAX_WARNINGS)
        return;
    size_t n = fo_utf8_prefix(text, strlen(text), FO_ADMISSION_MAX_WARNING_BYTES);
    json_array_append_new(resp->warnings, json_stringn(text, n));
}

void fo_admission_response_add_warnings(fo_admission_response *resp, const fo_field_errors *errs)
{
    for (size_t i = 0; i < fo_field_errors_warning_count(errs); i++)
        fo_admission_response_warn(resp, fo_field_errors_warning(errs, i));
}

#define PUT(lit) fo_strbuf_append(&sb, lit, sizeof(lit) - 1)
/* Around the patch: its field names, its closing quote and the closing braces (warnings, rare
 * with a patch, grow the buffer as they are written). */
#define PATCH_FRAME_BYTES 64

/* The response is written straight into one buffer (no jansson document, no json_dumps): the
 * same bytes json_dumps(JSON_COMPACT) of {apiVersion, kind, response: {uid, allowed, status,
 * patchType, patch, warnings}} gave, at a tenth of the instructions. */
char *fo_admission_encode(const char *uid, const fo_admission_response *resp, size_t *len,
                          size_t *patch_bytes)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (patch_bytes)
        *patch_bytes = 0;
    fo_rc rc = PUT("{\"apiVersion\":\"" FO_ADMISSION_API_VERSION
                   "\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
    if (rc == FO_OK)
        rc = fo_json_write_str(&sb, uid, strlen(uid));
    if (rc == FO_OK)
        rc = resp->allowed ? PUT(",\"allowed\":true") : PUT(",\"allowed\":false");
    if (rc == FO_OK && !resp->allowed) {
        const char *msg = resp->message ? resp->message : "";
        rc = PUT(",\"status\":{\"status\":\"Failure\",\"message\":");
        if (rc == FO_OK)
            rc = fo_json_write_str(&sb, msg, strlen(msg));
        if (rc == FO_OK)
            rc = PUT(",\"reason\":");
        if (rc == FO_OK)
            rc = fo_json_write_str(&sb, resp->reason, strlen(resp->reason));
        if (rc == FO_OK)
            rc = fo_strbuf_printf(&sb, ",\"code\":%d", resp->code ? resp->code : 400);
        if (rc == FO_OK && resp->details) {
            rc = PUT(",\"details\":");
            if (rc == FO_OK)
                rc = fo_json_write(&sb, resp->details);
        }
        if (rc == FO_OK)
            rc = fo_strbuf_putc(&sb, '}');
    }
    /* Section 4 rule 4: patchType exactly when there is a patch. */
    if (rc == FO_OK && resp->allowed && resp->patch && resp->patch_len > 0) {
        /* The patch dominates (megabytes for a large object): room for it and what follows
         * at once, and base64 written in place. */
        size_t b64_len = fo_base64_encoded_len(resp->patch_len);
        rc = fo_strbuf_reserve(&sb, b64_len + PATCH_FRAME_BYTES);
        if (rc == FO_OK)
            rc = PUT(",\"patchType\":\"JSONPatch\",\"patch\":\"");
        char *at = rc == FO_OK ? fo_strbuf_extend(&sb, b64_len) : NULL;
        if (rc == FO_OK && !at)
            rc = FO_ENOMEM;
        if (rc == FO_OK)
            fo_base64_encode_into(at, resp->patch, resp->patch_len);
        if (rc == FO_OK)
            rc = fo_strbuf_putc(&sb, '"');
        if (patch_bytes && rc == FO_OK)
            *patch_bytes = resp->patch_len;
    }
    if (rc == FO_OK && resp->warnings && json_array_size(resp->warnings) > 0) {
        rc = PUT(",\"warnings\":");
        if (rc == FO_OK)
            rc = fo_json_write(&sb, resp->warnings);
    }
    if (rc == FO_OK)
        rc = PUT("}}");
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        if (patch_bytes)
            *patch_bytes = 0;
        return NULL;
    }
    if (len)
        *len = sb.len;
    return fo_strbuf_take(&sb);
}

#undef PUT

char *fo_admission_status_body(int code, const char *reason, const char *message)
{
    /* Written with fo_strbuf_put_json_str, which never fails on its text: a message cut to its
     * buffer may end inside a UTF-8 character (a long client string it quotes), and json_pack
     * refused such text, so the answer fell back to text/plain with the broken bytes. */
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_rc rc = fo_strbuf_puts(&sb, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                                   "\"status\":\"Failure\",\"message\":");
    if (rc == FO_OK)
        rc = fo_strbuf_put_json_str(&sb, message);
    if (rc == FO_OK)
        rc = fo_strbuf_puts(&sb, ",\"reason\":");
    if (rc == FO_OK)
        rc = fo_strbuf_put_json_str(&sb, reason);
    if (rc == FO_OK)
        rc = fo_strbuf_printf(&sb, ",\"code\":%d}", code);
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return NULL;
    }
    return fo_strbuf_take(&sb);
}
