/* Create, update (PUT) and patch, for main resources and the status and scale
 * subresources (kube-api-semantics.md §1, §2, §4, §7, §9).
 *
 * Every write follows the API server's order: read the stored object, build the candidate
 * (body, patch or apply), record managedFields (so what webhooks add is nobody's), mutating
 * admission, the server's own rules (server-owned metadata, status handling, generation,
 * defaults, pruning, validation), validating admission, then store it if the stored object
 * has not changed meanwhile (else start again: that is the API server's retry inside
 * GuaranteedUpdate, and for a PUT with a stale resourceVersion it ends in 409). Webhooks are
 * called with no lock held. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/field_errors.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/yamlconv.h"
#include "tests/fakes/apiserver/admission.h"
#include "tests/fakes/apiserver/apply.h"
#include "tests/fakes/apiserver/builtin_defaults.h"
#include "tests/fakes/apiserver/fieldset.h"
#include "tests/fakes/apiserver/meta.h"
#include "tests/fakes/apiserver/names.h"
#include "tests/fakes/apiserver/openapi.h"
#include "tests/fakes/apiserver/server.h"
#include "tests/fakes/apiserver/smp.h"
#include "tests/fakes/apiserver/status.h"
#include "tests/fakes/apiserver/structural.h"

/* How often a write is tried again when the stored object changed under it. */
#define FKA_WRITE_ATTEMPTS 8

typedef enum wkind { W_CREATE, W_UPDATE, W_PATCH } wkind;

fka_schema fka_op_schema(const fka_op *op)
{
    /* events.k8s.io/v1 Events are stored (and checked) in their core/v1 form. */
    if (op->res->flags & FKA_R_EVENTS_V1) {
        fka_resource *core = fka_registry_find(op->srv->reg, "", "v1", "events");
        fka_schema s = fka_openapi_schema(op->srv->openapi, core);
        fka_resource_unref(core);
        return s;
    }
    return fka_openapi_schema(op->srv->openapi, op->res);
}

json_t *fka_op_body(const fka_op *op, json_t **status)
{
    const fka_req *req = op->req;
    fo_err err = {0};
    json_t *body;
    const char *ct = req->content_type ? req->content_type : "";
    if (*ct && strncmp(ct, "application/json", 16) != 0 &&
        strncmp(ct, "application/yaml", 16) != 0 &&
        strncmp(ct, "application/apply-patch+yaml", 28) != 0 && strncmp(ct, "*/*", 3) != 0) {
        /* Protobuf and CBOR bodies are not understood here (CRs refuse them the same way). */
        *status = fka_status_unsupported_media(ct, "application/json, application/yaml");
        return NULL;
    }
    if (strncmp(ct, "application/yaml", 16) == 0 ||
        strncmp(ct, "application/apply-patch+yaml", 28) == 0)
        body = fo_yaml_parse(req->body, req->body_len, FKA_MAX_BODY, &err);
    else
        body = fo_json_parse(req->body, req->body_len, FKA_MAX_BODY, &err);
    if (!body) {
        char msg[FO_ERR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "error decoding body: %s", err.message);
        *status = fka_status_bad_request(msg);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        *status = fka_status_bad_request("the body of the request must be a JSON object");
        return NULL;
    }
    return body;
}

static void warn_cb(void *ctx, const char *text)
{
    fka_resp_warn(((fka_op *)ctx)->resp, text);
}

/* kind/apiVersion of a body must name the resource (a decoding error otherwise). */
static json_t *check_type(const fka_op *op, const json_t *body)
{
    char gv[300], msg[1200];
    fka_resource_api_version(op->res, gv, sizeof gv);
    const char *kind = fo_json_str(body, "kind");
    const char *av = fo_json_str(body, "apiVersion");
    if (!kind || !*kind) {
        char *text = fo_json_dumps_compact(body);
        snprintf(msg, sizeof msg, "Object 'Kind' is missing in '%.900s'", text ? text : "");
        free(text);
        return fka_status_bad_request(msg);
    }
    if (av && *av && strcmp(av, gv) != 0) {
        snprintf(msg, sizeof msg,
                 "the API version in the data (%s) does not match the expected API version (%s)",
                 av, gv);
        return fka_status_bad_request(msg);
    }
    if (strcmp(kind, op->res->kind) != 0) {
        snprintf(msg, sizeof msg,
                 "%s in version \"%s\" cannot be handled as a %s: no kind \"%s\" "
                 "is registered for version \"%s\"",
                 kind, op->res->version, op->res->kind, kind, gv);
        return fka_status_bad_request(msg);
    }
    return NULL;
}

/* The body's namespace must match the URL's (§2); a missing one is filled in, and a
 * cluster-scoped object's is cleared (the API server's
 * EnsureObjectNamespaceMatchesRequestNamespace, for creates, updates and patch results). */
static json_t *check_namespace(const fka_op *op, json_t *obj)
{
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    const char *ns = fo_json_str(meta, "namespace");
    if (op->res->flags & FKA_R_NAMESPACED) {
        if (ns && *ns && strcmp(ns, op->ns) != 0)
            return fka_status_bad_request("the namespace of the provided object does not match "
                                          "the namespace sent on the request");
        json_object_set_new(meta, "namespace", json_string(op->ns));
    } else {
        json_object_del(meta, "namespace");
    }
    return NULL;
}

/* The object's name must be the URL's (handlers' checkName, run on an update's body and on a
 * patch's result, so neither can rename an object; §2). */
static json_t *check_name(const fka_op *op, const json_t *obj)
{
    const char *name = fo_json_get_str(obj, "metadata.name");
    char msg[700];
    if (!op->name[0])
        return NULL;
    if (!name || !*name) {
        snprintf(msg, sizeof msg,
                 "the name of the object (%s based on URL) was undeterminable: name must be "
                 "provided",
                 op->name);
        return fka_status_bad_request(msg);
    }
    if (strcmp(name, op->name) != 0) {
        snprintf(msg, sizeof msg,
                 "the name of the object (%s) does not match the name on the URL (%s)", name,
                 op->name);
        return fka_status_bad_request(msg);
    }
    return NULL;
}

/* ---- the subresources' views of an object ---- */

static const char *scale_path(const fka_resource *r, const char *which)
{
    if (r->flags & FKA_R_CUSTOM)
        return fka_resource_scale_path(r, which);
    if (strcmp(which, "specReplicasPath") == 0)
        return ".spec.replicas";
    if (strcmp(which, "statusReplicasPath") == 0)
        return ".status.replicas";
    return NULL;
}

static const json_t *at_path(const json_t *obj, const char *jpath)
{
    return jpath && jpath[0] == '.' ? fo_json_get(obj, jpath + 1) : NULL;
}

/* autoscaling/v1 Scale for an object. New reference. */
static json_t *scale_view(const fka_resource *r, const json_t *obj)
{
    const json_t *meta = json_object_get(obj, "metadata");
    json_t *m = json_object();
    static const char *const keep[] = {
        "name", "namespace", "uid", "resourceVersion", "creationTimestamp", NULL};
    for (size_t i = 0; keep[i]; i++)
        if (json_object_get(meta, keep[i]))
            json_object_set(m, keep[i], json_object_get(meta, keep[i]));
    const json_t *want = at_path(obj, scale_path(r, "specReplicasPath"));
    const json_t *have = at_path(obj, scale_path(r, "statusReplicasPath"));
    json_t *status = json_pack("{s:I}", "replicas",
                               (json_int_t)(json_is_integer(have) ? json_integer_value(have) : 0));
    if (r->flags & FKA_R_CUSTOM) {
        const json_t *sel = at_path(obj, fka_resource_scale_path(r, "labelSelectorPath"));
        if (json_is_string(sel))
            json_object_set(status, "selector", (json_t *)sel);
    } else {
        char *sel = fo_labels_to_selector(fo_json_get(obj, "spec.selector.matchLabels"));
        if (sel && *sel)
            json_object_set_new(status, "selector", json_string(sel));
        free(sel);
    }
    json_t *spec = json_object();
    if (json_is_integer(want))
        json_object_set(spec, "replicas", (json_t *)want);
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind", "Scale", "apiVersion", "autoscaling/v1",
                     "metadata", m, "spec", spec, "status", status);
}

void fka_op_get_scale(fka_op *op, const json_t *stored)
{
    fka_resp_json(op->resp, 200, scale_view(op->res, stored));
}

void fka_op_reply_obj(fka_op *op, int code, const json_t *stored)
{
    /* The scale subresource answers with the Scale, not the object. */
    if (strcmp(op->sub, "scale") == 0)
        fka_resp_json(op->resp, code, scale_view(op->res, stored));
    else
        fka_resp_json(op->resp, code, fka_to_wire(op->res, stored));
}

/* ---- building the candidate ---- */

static const char *patch_base(const char *ct, char *buf, size_t len)
{
    snprintf(buf, len, "%s", ct ? ct : "");
    char *semi = strchr(buf, ';');
    if (semi)
        *semi = '\0';
    for (char *e = buf + strlen(buf); e > buf && e[-1] == ' '; e--)
        e[-1] = '\0';
    return buf;
}

/* Apply a non-apply PATCH body to doc (the wire form). */
static json_t *apply_patch(fka_op *op, const json_t *doc, fka_schema s, json_t **status)
{
    char ct[128];
    patch_base(op->req->content_type, ct, sizeof ct);
    fo_err err = {0};
    if (strcmp(ct, "application/json-patch+json") == 0) {
        json_t *patch = fo_json_parse(op->req->body, op->req->body_len, FKA_MAX_BODY, &err);
        if (!patch || !json_is_array(patch)) {
            json_decref(patch);
            *status = fka_status_bad_request(patch ? "json: cannot unmarshal object into Go value "
                                                     "of type jsonpatch.Patch"
                                                   : err.message);
            return NULL;
        }
        if (json_array_size(patch) > FO_JSON_PATCH_MAX_OPS) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "Request entity too large: The allowed maximum operations in a JSON patch is "
                     "%d, got %zu",
                     FO_JSON_PATCH_MAX_OPS, json_array_size(patch));
            json_decref(patch);
            *status = fka_status_failure(413, "RequestEntityTooLarge", msg, NULL);
            return NULL;
        }
        json_t *out = fo_json_patch_apply(doc, patch, &err);
        json_decref(patch);
        if (!out) {
            if (err.rc == FO_EINVALID) {
                /* The API server drops the detail here (NewGenericServerResponse 422). */
                *status = fka_status_failure(
                    422, "Invalid",
                    "the server rejected our request due to an error in our request",
                    json_object());
            } else {
                *status = fka_status_bad_request(err.message);
            }
        }
        return out;
    }
    json_t *patch = fo_json_parse(op->req->body, op->req->body_len, FKA_MAX_BODY, &err);
    if (!patch || !json_is_object(patch)) {
        char msg[FO_ERR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "error decoding patch: %s",
                 patch ? "the patch must be a JSON object" : err.message);
        json_decref(patch);
        *status = fka_status_bad_request(msg);
        return NULL;
    }
    json_t *out;
    if (strcmp(ct, "application/merge-patch+json") == 0) {
        out = fo_json_merge_patch_apply(doc, patch);
    } else {
        out = fka_smp_apply(doc, patch, s, &err);
        if (!out)
            *status = fka_status_bad_request(err.message);
    }
    json_decref(patch);
    return out;
}

static bool is_apply(const fka_op *op)
{
    const char *ct = op->req->content_type ? op->req->content_type : "";
    return strncmp(ct, "application/apply-patch+yaml", 28) == 0 ||
           strncmp(ct, "application/apply-patch+json", 28) == 0;
}

/* Strict/Warn/Ignore for the fields pruning dropped (fieldValidation; Strict is what kubectl
 * sends by default). */
static json_t *field_validation(fka_op *op, json_t *unknown)
{
    const char *fv = fka_q(op, "fieldValidation");
    size_t n = json_array_size(unknown);
    if (n == 0 || (fv && strcmp(fv, "Ignore") == 0))
        return NULL;
    if (fv && strcmp(fv, "Strict") == 0) {
        fo_strbuf sb;
        fo_strbuf_init(&sb, 16 * 1024);
        fo_strbuf_printf(&sb,
                         "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
                         op->res->kind, op->res->version, op->res->kind);
        for (size_t i = 0; i < n; i++)
            fo_strbuf_printf(&sb, "%sunknown field \"%s\"", i ? ", " : "",
                             json_string_value(json_array_get(unknown, i)) + 1);
        json_t *st = fka_status_bad_request(sb.data);
        fo_strbuf_release(&sb);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        char w[600];
        snprintf(w, sizeof w, "unknown field \"%s\"",
                 json_string_value(json_array_get(unknown, i)) + 1);
        fka_resp_warn(op->resp, w);
    }
    return NULL;
}

/* The request's object as the API server decodes it, before admission: the fields its schema
 * does not know are dropped (and a custom resource's defaults filled in), judged by
 * fieldValidation. Webhooks see the result. Fields a mutating webhook adds that the schema does
 * not know are dropped again in prepare(), without a word: fieldValidation concerns what the
 * client sent. Returns a Status on refusal. */
static json_t *decode_fields(fka_op *op, json_t *obj)
{
    fka_schema s = fka_op_schema(op);
    if (!s.node)
        return NULL;
    json_t *unknown = json_array();
    fka_structural_prune(obj, s, (op->res->flags & FKA_R_CUSTOM) != 0, unknown);
    json_t *st = field_validation(op, unknown);
    json_decref(unknown);
    return st;
}

/* Replace obj's members by next's, keeping obj's managedFields (those of the request, or
 * those the field manager recorded for it): the subresource strategies take the rest of the
 * stored object, but managedFields track the write. */
static void replace_keeping_managed_fields(json_t *obj, json_t *next)
{
    json_t *mf = json_incref(fo_json_get(obj, "metadata.managedFields"));
    json_t *next_meta = fo_json_ensure_object(next, "metadata");
    if (mf)
        json_object_set_new(next_meta, "managedFields", mf);
    else
        json_object_del(next_meta, "managedFields");
    json_object_clear(obj);
    json_object_update(obj, next);
    json_decref(next);
}

/* The parts of an update that come from the request; the rest is the stored object's (the
 * strategies' PrepareForUpdate). */
static void take_request_parts(const fka_op *op, json_t *obj, const json_t *cur)
{
    if (strcmp(op->sub, "finalize") == 0) {
        /* Namespaces: only spec.finalizers comes from the request. */
        json_t *next = fo_json_copy(cur);
        json_t *fins = fo_json_get(obj, "spec.finalizers");
        fo_json_set_path(next, "spec.finalizers", fins ? json_incref(fins) : json_array());
        replace_keeping_managed_fields(obj, next);
    } else if (strcmp(op->sub, "status") == 0) {
        /* Only .status comes from the request (CR status strategy, §7). */
        json_t *next = fo_json_copy(cur);
        json_t *status = json_object_get(obj, "status");
        if (status)
            json_object_set(next, "status", status);
        else
            json_object_del(next, "status");
        replace_keeping_managed_fields(obj, next);
    } else if (op->res->flags & FKA_R_STATUS) {
        json_t *status = json_object_get(cur, "status");
        if (status)
            json_object_set(obj, "status", status);
        else
            json_object_del(obj, "status");
    }
}

/* managedFields for a non-apply write, recorded as the API server's field manager does it:
 * on the request's object before mutating admission (handlers/create.go, update.go and
 * patch.go run the field manager's Update before the mutating admission transformer), so the
 * fields a webhook adds or changes are not the requester's. Recorded on a copy that has what
 * the server's rules take from the request and the built-in defaults (which kube-apiserver
 * fills in while decoding, before the field manager); the clusterIP a copy may get is only
 * there to be counted. Apply requests got theirs from fka_apply in build(). */
static void record_fields(fka_op *op, json_t *obj, const json_t *cur, bool create, wkind kind)
{
    if (kind == W_PATCH && is_apply(op))
        return;
    const fka_resource *r = op->res;
    bool sub_status = strcmp(op->sub, "status") == 0;
    char gv[300];
    fka_resource_api_version(r, gv, sizeof gv);
    json_t *view = fo_json_copy(obj);
    if (!create)
        take_request_parts(op, view, cur);
    if (!(r->flags & FKA_R_CUSTOM) && !sub_status)
        fka_builtin_defaults(r, view, create ? NULL : cur, 0);
    fka_fields_record_update(view, create ? NULL : cur, fka_op_schema(op), op->field_manager, gv,
                             op->sub, sub_status || !(r->flags & FKA_R_STATUS),
                             fo_clock_now_ms(op->srv->clock));
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    json_t *mf = fo_json_get(view, "metadata.managedFields");
    if (mf)
        json_object_set(meta, "managedFields", mf);
    else
        json_object_del(meta, "managedFields");
    json_decref(view);
}

/* Mutating admission, after which managedFields a webhook left invalid are put back as they
 * were, with a warning (fieldmanager.NewManagedFieldsValidatingAdmissionController). Valid
 * changes a webhook makes to them are kept. */
static json_t *admit_mutating(fka_op *op, const char *operation, json_t **obj, const json_t *cur)
{
    json_t *before = json_incref(fo_json_get(*obj, "metadata.managedFields"));
    json_t *st = fka_admit(op, operation, obj, cur, true);
    char why[512];
    if (!st &&
        fka_managed_fields_invalid(fo_json_get(*obj, "metadata.managedFields"), why, sizeof why)) {
        json_t *meta = fo_json_ensure_object(*obj, "metadata");
        if (before)
            json_object_set(meta, "managedFields", before);
        else
            json_object_del(meta, "managedFields");
        char w[700];
        snprintf(w, sizeof w,
                 ".metadata.managedFields was in an invalid state after admission; this could be "
                 "caused by an outdated mutating admission controller; please fix your requests: "
                 "%s",
                 why);
        fka_resp_warn(op->resp, w);
    }
    json_decref(before);
    return st;
}

/* The server's rules on a candidate; returns a Status on refusal. cur is the stored object
 * (NULL for a create). */
static json_t *prepare(fka_op *op, json_t *obj, const json_t *cur, bool create, wkind kind)
{
    const fka_resource *r = op->res;
    fka_schema s = fka_op_schema(op);
    int64_t now = fo_clock_now_ms(op->srv->clock);
    bool sub_status = strcmp(op->sub, "status") == 0;
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    char gv[300];
    fka_resource_api_version(r, gv, sizeof gv);
    json_object_set_new(obj, "apiVersion", json_string((r->flags & FKA_R_EVENTS_V1) ? "v1" : gv));
    json_object_set_new(obj, "kind", json_string(r->kind));
    json_t *st = NULL;

    if (create) {
        const char *rv = fo_json_str(meta, "resourceVersion");
        if (rv && *rv && kind == W_CREATE)
            return fka_status_failure(
                500, "", "resourceVersion should not be set on objects to be created", NULL);
        const char *name = fo_json_str(meta, "name");
        const char *gen = fo_json_str(meta, "generateName");
        if ((!name || !*name) && gen && *gen) {
            char n[300];
            fka_name_generate(gen, n, sizeof n);
            json_object_set_new(meta, "name", json_string(n));
        }
        fka_meta_prepare_create(r, obj, now);
        if (r->flags & FKA_R_STATUS)
            json_object_del(obj, "status");
    } else {
        /* Optimistic concurrency (§4). */
        const char *want = fo_json_str(meta, "resourceVersion");
        const char *have = fo_json_get_str(cur, "metadata.resourceVersion");
        if ((!want || !*want) && kind == W_UPDATE && (r->flags & FKA_R_PUT_NEEDS_RV)) {
            /* The registry store refuses it before the strategy runs, naming the resource
             * where the kind would be ("leases.coordination.k8s.io", details.kind "leases":
             * genericregistry.Store.Update), and prints the uint64 zero with %#v: 0x0. */
            fka_resource as_kind = {.group = r->group, .kind = r->resource, .resource = ""};
            return fka_status_invalid_one(&as_kind, op->name, "metadata.resourceVersion",
                                          "FieldValueInvalid",
                                          "Invalid value: 0x0: must be specified for an update");
        }
        if (want && *want && have && strcmp(want, have) != 0)
            return fka_status_conflict(r, op->name);
        take_request_parts(op, obj, cur);
        meta = json_object_get(obj, "metadata");
    }

    if (!(r->flags & FKA_R_CUSTOM) && !sub_status)
        fka_builtin_defaults(
            r, obj, create ? NULL : cur,
            __atomic_add_fetch(&op->srv->ip_seq, create ? 1 : 0, __ATOMIC_RELAXED));

    /* What mutating webhooks added that the schema does not know is dropped (and CR defaults
     * filled in again) before the generation is judged: a dropped field changes nothing. */
    if (s.node)
        fka_structural_prune(obj, s, (r->flags & FKA_R_CUSTOM) != 0, NULL);
    if (!create)
        fka_meta_prepare_update(r, obj, cur);

    fo_field_errors *errs = fo_field_errors_new();
    fka_meta_validate(r, obj, cur, errs, warn_cb, op);
    if ((r->flags & FKA_R_CUSTOM) && s.node)
        fka_structural_validate(obj, s, errs);
    if (fo_field_errors_count(errs))
        st = fka_status_invalid(r, fo_json_get_str(obj, "metadata.name"), errs);
    fo_field_errors_free(errs);
    if (st)
        return st;

    return NULL;
}

/* The candidate through the API server's stages, in its order: decoding, the field manager,
 * mutating admission, the server's rules, validating admission. Returns a Status on refusal;
 * *obj may be replaced by a webhook's patch. */
static json_t *run_stages(fka_op *op, json_t **obj, const json_t *cur, bool create, wkind kind)
{
    const char *operation = create ? "CREATE" : "UPDATE";
    json_t *st = decode_fields(op, *obj);
    if (st)
        return st;
    record_fields(op, *obj, cur, create, kind);
    if ((st = admit_mutating(op, operation, obj, cur)) ||
        (st = prepare(op, *obj, cur, create, kind)))
        return st;
    return fka_admit(op, operation, obj, cur, false);
}

/* The candidate object for this request, or NULL with *status. *create tells whether the
 * write creates the object. sent: an apply's body as the client sent it, before the server
 * converted it or filled in its namespace. */
static json_t *build(fka_op *op, wkind kind, const json_t *body, const json_t *sent,
                     const json_t *cur, bool *create, json_t **status)
{
    const fka_resource *r = op->res;
    bool scale = strcmp(op->sub, "scale") == 0;
    *create = false;
    if (kind == W_CREATE) {
        *create = true;
        return fo_json_copy(body);
    }
    if (!cur) {
        bool on_update = kind == W_UPDATE && (r->flags & FKA_R_CREATE_ON_UPDATE) && !op->sub[0];
        if (kind == W_PATCH && is_apply(op) && !op->sub[0])
            on_update = true;
        if (!on_update) {
            *status = fka_status_not_found(r, op->name);
            return NULL;
        }
        *create = true;
        if (kind == W_UPDATE) {
            const char *rv = fo_json_get_str(body, "metadata.resourceVersion");
            if (rv && *rv) {
                *status = fka_status_conflict(r, op->name);
                return NULL;
            }
            return fo_json_copy(body);
        }
    }
    if (kind == W_PATCH && is_apply(op)) {
        fka_apply_in in = {.r = r,
                           .s = fka_op_schema(op),
                           .cur = cur,
                           .applied = body,
                           .sent = sent,
                           .manager = op->field_manager,
                           .force = fka_q_true(op, "force"),
                           .subresource = op->sub,
                           .now_ms = fo_clock_now_ms(op->srv->clock)};
        return fka_apply(&in, status);
    }
    if (scale) {
        json_t *view = scale_view(r, cur);
        json_t *sc = kind == W_UPDATE ? fo_json_copy(body) : NULL;
        if (kind == W_PATCH)
            sc = apply_patch(op, view, fka_schema_at(NULL, NULL, NULL, false), status);
        if (!sc) {
            json_decref(view);
            return NULL;
        }
        json_t *out = fo_json_copy(cur);
        const char *p = scale_path(r, "specReplicasPath");
        json_t *want = fo_json_get(sc, "spec.replicas");
        if (p && p[0] == '.' && json_is_integer(want))
            fo_json_set_path(out, p + 1, json_incref(want));
        const char *rv = fo_json_get_str(sc, "metadata.resourceVersion");
        json_t *meta = fo_json_ensure_object(out, "metadata");
        if (rv && *rv)
            json_object_set_new(meta, "resourceVersion", json_string(rv));
        json_decref(view);
        json_decref(sc);
        return out;
    }
    if (kind == W_UPDATE)
        return fo_json_copy(body);
    /* PATCH: against the wire form of the stored object (what the client saw). */
    json_t *wire = fka_to_wire(r, cur);
    json_t *out = apply_patch(op, wire, fka_op_schema(op), status);
    json_decref(wire);
    if (out) {
        json_t *stored = fka_from_wire(r, out);
        json_decref(out);
        out = stored;
    }
    return out;
}

/* Namespace checks for a create in op->ns (lock held). */
static json_t *check_ns_locked(fka_op *op, bool create)
{
    if (!(op->res->flags & FKA_R_NAMESPACED))
        return NULL;
    const json_t *ns = fka_store_get(op->srv->store, "/namespaces", "", op->ns);
    if (!ns)
        return fka_status_namespace_not_found(op->ns);
    if (create && fka_meta_deleting(ns)) {
        char q[300], msg[900];
        snprintf(msg, sizeof msg,
                 "%s \"%s\" is forbidden: unable to create new content in namespace %s because "
                 "it is being terminated",
                 fka_resource_qualified(op->res, q, sizeof q), op->name, op->ns);
        json_t *d =
            json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "name", op->name, "kind",
                      op->res->resource, "causes", "reason", "NamespaceTerminating", "message",
                      "namespace is being terminated", "field", "metadata.namespace");
        if (*op->res->group)
            json_object_set_new(d, "group", json_string(op->res->group));
        return fka_status_failure(403, "Forbidden", msg, d);
    }
    return NULL;
}

static void do_write(fka_op *op, wkind kind)
{
    const fka_resource *r = op->res;
    fka_store *store = op->srv->store;
    json_t *status = NULL;
    json_t *body = NULL, *sent = NULL;
    if (kind != W_PATCH || is_apply(op)) {
        body = fka_op_body(op, &status);
        if (!body)
            goto reply;
        if (strcmp(op->sub, "scale") != 0) {
            /* An apply may leave the name out: its result is checked after the merge. */
            bool named = kind == W_UPDATE || fo_json_get_str(body, "metadata.name");
            if ((status = check_type(op, body)) || (named && (status = check_name(op, body))))
                goto reply;
            json_t *wire = body;
            /* An apply's last-applied annotation is built from it as sent. */
            if (kind == W_PATCH)
                sent = fo_json_copy(wire);
            body = fka_from_wire(r, wire);
            json_decref(wire);
            if ((status = check_namespace(op, body)))
                goto reply;
        }
    }
    if (kind == W_PATCH && is_apply(op) && !op->field_manager[0]) {
        fo_field_errors *errs = fo_field_errors_new();
        fo_field_errors_add(errs, FO_FE_REQUIRED, "fieldManager", NULL,
                            "is required for apply patch");
        fka_resource po = {.group = "meta.k8s.io", .kind = "PatchOptions", .resource = ""};
        status = fka_status_invalid(&po, "", errs);
        fo_field_errors_free(errs);
        goto reply;
    }
    if (kind == W_CREATE && (r->flags & FKA_R_TERMINATING)) {
        char msg[400];
        snprintf(msg, sizeof msg,
                 "create not allowed while custom resource definition is "
                 "terminating");
        status = fka_status_failure(405, "MethodNotAllowed", msg, NULL);
        goto reply;
    }

    for (int attempt = 0; attempt < FKA_WRITE_ATTEMPTS; attempt++) {
        const char *name = op->name;
        if (kind == W_CREATE)
            name = fo_json_get_str(body, "metadata.name");
        fka_store_lock(store);
        json_t *cur = name && *name
                          ? json_incref(fka_store_get(store, r->storage, fka_op_store_ns(op), name))
                          : NULL;
        status = check_ns_locked(op, false);
        fka_store_unlock(store);
        if (status) {
            json_decref(cur);
            goto reply;
        }
        bool create = false;
        json_t *obj = build(op, kind, body, sent, cur, &create, &status);
        if (!obj) {
            json_decref(cur);
            goto reply;
        }
        if (kind == W_PATCH && strcmp(op->sub, "scale") != 0 &&
            ((status = check_namespace(op, obj)) || (status = check_name(op, obj)))) {
            /* A patch cannot move or rename the object (patch.go applyPatch). */
            json_decref(obj);
            json_decref(cur);
            goto reply;
        }
        if ((status = run_stages(op, &obj, cur, create, kind))) {
            json_decref(obj);
            json_decref(cur);
            goto reply;
        }
        if (!create && fka_meta_same(cur, obj)) {
            /* Nothing changed: no write, no event, same resourceVersion (§4). */
            fka_op_reply_obj(op, 200, cur);
            json_decref(obj);
            json_decref(cur);
            goto out;
        }
        const char *oname = fo_json_get_str(obj, "metadata.name");
        fka_store_lock(store);
        json_t *now = fka_store_get(store, r->storage, fka_op_store_ns(op), oname);
        if (now != cur || (create && now && kind == W_CREATE)) {
            fka_store_unlock(store);
            if (create && now)
                status = fka_status_already_exists(r, oname);
            json_decref(obj);
            json_decref(cur);
            if (status)
                goto reply;
            continue; /* changed meanwhile: build again on the new state */
        }
        if ((status = check_ns_locked(op, create))) {
            fka_store_unlock(store);
            json_decref(obj);
            json_decref(cur);
            goto reply;
        }
        int code = create ? 201 : 200;
        if (op->dry_run) {
            fka_store_unlock(store);
            fka_op_reply_obj(op, code, obj);
        } else if (!create && fka_meta_deleting(obj) && fka_meta_finalizer_count(obj) == 0 &&
                   json_integer_value(fo_json_get(obj, "metadata.deletionGracePeriodSeconds")) ==
                       0 &&
                   (strcmp(r->storage, "/namespaces") != 0 ||
                    json_array_size(fo_json_get(obj, "spec.finalizers")) == 0)) {
            /* The last finalizer is gone: the update deletes the object (§8). */
            char ns[256];
            snprintf(ns, sizeof ns, "%s", fka_op_store_ns(op));
            json_t *last = json_incref(obj);
            fka_store_delete(store, r->storage, ns, oname);
            fka_after_commit(op->srv, r, last, true);
            fka_store_unlock(store);
            fka_op_reply_obj(op, 200, last);
            json_decref(last);
            fka_gc_kick(op->srv->gc);
        } else {
            json_t *stored = json_incref(obj);
            fka_store_put(store, r->storage, fka_op_store_ns(op), oname, json_incref(obj));
            fka_after_commit(op->srv, r, stored, false);
            fka_store_unlock(store);
            fka_op_reply_obj(op, code, stored);
            json_decref(stored);
            fka_gc_kick(op->srv->gc);
        }
        json_decref(obj);
        json_decref(cur);
        goto out;
    }
    status = fka_status_conflict(r, op->name);
reply:
    if (status)
        fka_resp_status(op->resp, status);
out:
    json_decref(body);
    json_decref(sent);
}

void fka_op_create(fka_op *op)
{
    do_write(op, W_CREATE);
}

void fka_op_update(fka_op *op)
{
    do_write(op, W_UPDATE);
}

void fka_op_patch(fka_op *op)
{
    char ct[128];
    patch_base(op->req->content_type, ct, sizeof ct);
    bool custom = op->res->flags & FKA_R_CUSTOM;
    bool known = strcmp(ct, "application/json-patch+json") == 0 ||
                 strcmp(ct, "application/merge-patch+json") == 0 ||
                 strcmp(ct, "application/apply-patch+yaml") == 0 ||
                 (!custom && strcmp(ct, "application/strategic-merge-patch+json") == 0);
    if (!known) {
        fka_resp_status(op->resp, fka_status_unsupported_media(
                                      ct, custom ? "application/json-patch+json, "
                                                   "application/merge-patch+json, "
                                                   "application/apply-patch+yaml"
                                                 : "application/json-patch+json, "
                                                   "application/merge-patch+json, "
                                                   "application/apply-patch+yaml, "
                                                   "application/strategic-merge-patch+json"));
        return;
    }
    do_write(op, W_PATCH);
}

int fka_internal_replace(fka_server *srv, fka_resource *r, json_t *obj)
{
    /* A PUT by a controller of the fake (GC, namespace and CRD cleanup). */
    char *text = fo_json_dumps_compact(obj);
    json_decref(obj);
    if (!text)
        return 500;
    fka_req req = {.method = "PUT",
                   .path = "",
                   .body = text,
                   .body_len = strlen(text),
                   .content_type = "application/json",
                   .user_agent = "kube-controller-manager"};
    fka_resp resp;
    fka_resp_init(&resp);
    json_t *parsed = fo_json_parse(text, strlen(text), FKA_MAX_BODY, NULL);
    fka_op op = {.srv = srv,
                 .req = &req,
                 .resp = &resp,
                 .res = r,
                 .user = "system:serviceaccount:kube-system:generic-garbage-collector"};
    snprintf(op.ns, sizeof op.ns, "%s",
             (r->flags & FKA_R_NAMESPACED) ? (fo_json_get_str(parsed, "metadata.namespace")
                                                  ? fo_json_get_str(parsed, "metadata.namespace")
                                                  : "")
                                           : "");
    snprintf(op.name, sizeof op.name, "%s",
             fo_json_get_str(parsed, "metadata.name") ? fo_json_get_str(parsed, "metadata.name")
                                                      : "");
    snprintf(op.field_manager, sizeof op.field_manager, "%s", "kube-controller-manager");
    json_decref(parsed);
    fka_op_update(&op);
    int code = resp.status;
    fka_resp_release(&resp);
    free(text);
    return code;
}
