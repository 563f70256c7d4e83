#include "tests/fakes/apiserver/admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/http_client.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/control.h"
#include "tests/fakes/apiserver/names.h"
#include "tests/fakes/apiserver/status.h"

/* Largest webhook answer read. */
#define FKA_ADMISSION_MAX_ANSWER (8u * 1024 * 1024)
#define MUTATING "admissionregistration.k8s.io/mutatingwebhookconfigurations"
#define VALIDATING "admissionregistration.k8s.io/validatingwebhookconfigurations"

static bool str_in(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *x = json_string_value(v);
        if (x && (strcmp(x, "*") == 0 || strcmp(x, s) == 0))
            return true;
    }
    return false;
}

static bool resource_in(const json_t *list, const char *res, const char *sub)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *x = json_string_value(v);
        if (!x)
            continue;
        char want_res[256], want_sub[64] = "";
        const char *slash = strchr(x, '/');
        snprintf(want_res, sizeof want_res, "%.*s", slash ? (int)(slash - x) : (int)strlen(x), x);
        if (slash)
            snprintf(want_sub, sizeof want_sub, "%s", slash + 1);
        bool res_ok = strcmp(want_res, "*") == 0 || strcmp(want_res, res) == 0;
        bool sub_ok = slash ? (strcmp(want_sub, "*") == 0 || strcmp(want_sub, sub) == 0) : !*sub;
        if (strcmp(x, "*") == 0)
            sub_ok = !*sub;
        if (res_ok && sub_ok)
            return true;
    }
    return false;
}

static bool rules_match(const json_t *hook, const fka_op *op, const char *operation)
{
    const fka_resource *r = op->res;
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(hook, "rules"), i, rule)
    {
        const char *scope = fo_json_str(rule, "scope");
        bool namespaced = r->flags & FKA_R_NAMESPACED;
        if (scope && strcmp(scope, "Namespaced") == 0 && !namespaced)
            continue;
        if (scope && strcmp(scope, "Cluster") == 0 && namespaced)
            continue;
        if (str_in(json_object_get(rule, "operations"), operation) &&
            str_in(json_object_get(rule, "apiGroups"), r->group) &&
            str_in(json_object_get(rule, "apiVersions"), r->version) &&
            resource_in(json_object_get(rule, "resources"), r->resource, op->sub))
            return true;
    }
    return false;
}

static bool selector_match(const json_t *selector, const json_t *labels)
{
    if (!selector || fo_json_is_empty(selector))
        return true;
    fo_err err = {0};
    fo_label_selector *sel = fo_label_selector_from_json(selector, &err);
    if (!sel)
        return false;
    bool ok = fo_label_selector_matches(sel, labels);
    fo_label_selector_free(sel);
    return ok;
}

/* objectSelector against one of the request's objects: a null object (the old one on CREATE,
 * the new one on DELETE) matches no selector but the empty one, as the API's description of
 * the field says; an object without labels is matched as one with none. */
static bool object_match(const json_t *selector, const json_t *obj)
{
    if (!selector || fo_json_is_empty(selector))
        return true;
    if (!obj || json_is_null(obj))
        return false;
    return selector_match(selector, fo_json_get(obj, "metadata.labels"));
}

typedef struct hook {
    json_t *def;      /* the webhooks[] entry (held) */
    char config[256]; /* configuration name */
    bool mutating;
} hook;

/* The webhooks that apply to this request, in the API server's order (configurations by
 * name, webhooks in their order). */
static size_t matching_hooks(fka_op *op, const char *operation, const json_t *obj,
                             const json_t *old, bool mutating, hook **out)
{
    fka_store *store = op->srv->store;
    json_t *configs = NULL, *ns_obj = NULL;
    uint64_t rv;
    fka_store_lock(store);
    fka_store_list(store, mutating ? MUTATING : VALIDATING, NULL, 0, &configs, &rv, NULL);
    if (op->res->flags & FKA_R_NAMESPACED)
        ns_obj = json_incref(fka_store_get(store, "/namespaces", "", op->ns));
    fka_store_unlock(store);
    size_t n = 0, cap = 0;
    *out = NULL;
    size_t i, j;
    json_t *cfg, *h;
    json_array_foreach(configs, i, cfg)
    {
        json_array_foreach(json_object_get(cfg, "webhooks"), j, h)
        {
            if (!rules_match(h, op, operation))
                continue;
            /* namespaceSelector: the namespace's labels (a Namespace's own labels). */
            const json_t *ns_labels = NULL;
            if (strcmp(op->res->storage, "/namespaces") == 0)
                ns_labels = fo_json_get(obj ? obj : old, "metadata.labels");
            else if (ns_obj)
                ns_labels = fo_json_get(ns_obj, "metadata.labels");
            bool ns_applies =
                (op->res->flags & FKA_R_NAMESPACED) || strcmp(op->res->storage, "/namespaces") == 0;
            if (ns_applies && !selector_match(json_object_get(h, "namespaceSelector"), ns_labels))
                continue;
            const json_t *osel = json_object_get(h, "objectSelector");
            if (!object_match(osel, obj) && !object_match(osel, old))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 4;
                hook *nh = realloc(*out, cap * sizeof *nh);
                if (!nh)
                    break;
                *out = nh;
            }
            hook *k = &(*out)[n++];
            k->def = json_incref(h);
            const char *cn = fo_json_get_str(cfg, "metadata.name");
            snprintf(k->config, sizeof k->config, "%s", cn ? cn : "");
            k->mutating = mutating;
        }
    }
    json_decref(configs);
    json_decref(ns_obj);
    return n;
}

static void free_hooks(hook *hooks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(hooks[i].def);
    free(hooks);
}

/* The URL to call, with ?timeout=Ns; false when the service is not mapped. */
static bool hook_url(fka_server *srv, const json_t *hook_def, long timeout_s, char *buf, size_t len,
                     char *why, size_t why_len)
{
    const json_t *cc = json_object_get(hook_def, "clientConfig");
    const char *url = fo_json_str(cc, "url");
    char base[1024];
    if (url) {
        snprintf(base, sizeof base, "%s", url);
    } else {
        const json_t *svc = json_object_get(cc, "service");
        const char *name = fo_json_str(svc, "name"), *ns = fo_json_str(svc, "namespace");
        const char *path = fo_json_str(svc, "path");
        char key[300];
        snprintf(key, sizeof key, "%s.%s=", name ? name : "", ns ? ns : "");
        const char *target = NULL;
        for (size_t i = 0; srv->service_map && srv->service_map[i]; i++)
            if (strncmp(srv->service_map[i], key, strlen(key)) == 0)
                target = srv->service_map[i] + strlen(key);
        if (!target) {
            snprintf(why, why_len,
                     "failed to call webhook: service \"%s/%s\" is not mapped to an address "
                     "(--webhook-service-map %s.%s=HOST:PORT)",
                     ns ? ns : "", name ? name : "", name ? name : "", ns ? ns : "");
            return false;
        }
        snprintf(base, sizeof base, "https://%s%s", target, path ? path : "/");
    }
    snprintf(buf, len, "%s%stimeout=%lds", base, strchr(base, '?') ? "&" : "?", timeout_s);
    return true;
}


static json_t *review_request(fka_op *op, const char *uid, const char *operation, const json_t *obj,
                              const json_t *old)
{
    const fka_resource *r = op->res;
    json_t *kind =
        json_pack("{s:s, s:s, s:s}", "group", r->group, "version", r->version, "kind", r->kind);
    if (strcmp(op->sub, "scale") == 0) {
        json_decref(kind);
        kind =
            json_pack("{s:s, s:s, s:s}", "group", "autoscaling", "version", "v1", "kind", "Scale");
    }
    json_t *resource = json_pack("{s:s, s:s, s:s}", "group", r->group, "version", r->version,
                                 "resource", r->resource);
    json_t *req = json_object();
    json_object_set_new(req, "uid", json_string(uid));
    json_object_set(req, "kind", kind);
    json_object_set(req, "resource", resource);
    if (op->sub[0])
        json_object_set_new(req, "subResource", json_string(op->sub));
    json_object_set_new(req, "requestKind", kind);
    json_object_set_new(req, "requestResource", resource);
    if (op->sub[0])
        json_object_set_new(req, "requestSubResource", json_string(op->sub));
    const char *name = op->name[0] ? op->name : fo_json_get_str(obj, "metadata.name");
    if (name && *name)
        json_object_set_new(req, "name", json_string(name));
    if (op->ns[0])
        json_object_set_new(req, "namespace", json_string(op->ns));
    json_object_set_new(req, "operation", json_string(operation));
    json_object_set_new(req, "userInfo",
                        json_pack("{s:s, s:[s, s]}", "username", op->user ? op->user : "admin",
                                  "groups", "system:masters", "system:authenticated"));
    json_object_set_new(req, "object", obj ? fka_to_wire(r, obj) : json_null());
    json_object_set_new(req, "oldObject", old ? fka_to_wire(r, old) : json_null());
    json_object_set_new(req, "dryRun", json_boolean(op->dry_run));
    const char *okind = strcmp(operation, "CREATE") == 0   ? "CreateOptions"
                        : strcmp(operation, "DELETE") == 0 ? "DeleteOptions"
                                                           : "UpdateOptions";
    json_t *options = json_pack("{s:s, s:s}", "apiVersion", "meta.k8s.io/v1", "kind", okind);
    if (strcmp(operation, "DELETE") != 0 && op->field_manager[0])
        json_object_set_new(options, "fieldManager", json_string(op->field_manager));
    const char *fv = fka_q(op, "fieldValidation");
    if (fv && strcmp(operation, "DELETE") != 0)
        json_object_set_new(options, "fieldValidation", json_string(fv));
    json_object_set_new(req, "options", options);
    return json_pack("{s:s, s:s, s:o}", "apiVersion", "admission.k8s.io/v1", "kind",
                     "AdmissionReview", "request", req);
}

typedef enum outcome { ALLOWED, DENIED, FAILED } outcome;

/* Check an answer against admission-review-v1.md §4 rules 1-7. Returns FAILED with detail,
 * DENIED with *status, or ALLOWED (with *patch for mutating answers). */
static outcome judge(const hook *h, const char *uid, const fo_http_result *res, bool has_object,
                     json_t **response, json_t **patch, char *detail, size_t dlen)
{
    *response = NULL;
    *patch = NULL;
    if (res->status != 200) {
        snprintf(detail, dlen,
                 "failed to call webhook: the server responded with the status "
                 "code %d but did not return more information",
                 res->status);
        return FAILED;
    }
    if (strncmp(res->content_type, "application/json", 16) != 0) {
        snprintf(detail, dlen,
                 "failed to call webhook: response Content-Type \"%s\" is not "
                 "application/json",
                 res->content_type);
        return FAILED;
    }
    fo_err err = {0};
    json_t *review = fo_json_parse(res->body.data, res->body.len, FKA_ADMISSION_MAX_ANSWER, &err);
    if (!review || !json_is_object(review)) {
        json_decref(review);
        snprintf(detail, dlen, "received invalid webhook response: %s",
                 err.message[0] ? err.message : "not an object");
        return FAILED;
    }
    const char *av = fo_json_str(review, "apiVersion"), *kind = fo_json_str(review, "kind");
    json_t *resp = json_object_get(review, "response");
    outcome oc = FAILED;
    if (!av || strcmp(av, "admission.k8s.io/v1") != 0 || !kind ||
        strcmp(kind, "AdmissionReview") != 0) {
        /* Rule 3. */
        snprintf(detail, dlen,
                 "received invalid webhook response: expected webhook response of "
                 "admission.k8s.io/v1, Kind=AdmissionReview, got %s%s%s, Kind=%s",
                 av ? av : "", "", "", kind ? kind : "");
        goto done;
    }
    if (!json_is_object(resp)) {
        snprintf(detail, dlen, "received invalid webhook response: webhook response was absent");
        goto done;
    }
    const char *got = fo_json_str(resp, "uid");
    if (!got || strcmp(got, uid) != 0) {
        snprintf(detail, dlen,
                 "received invalid webhook response: expected response.uid=\"%s\", "
                 "got \"%s\"",
                 uid, got ? got : "");
        goto done;
    }
    json_t *p = json_object_get(resp, "patch");
    json_t *pt = json_object_get(resp, "patchType");
    if (!h->mutating) {
        if (p) {
            snprintf(detail, dlen,
                     "received invalid webhook response: validating webhook may not "
                     "return response.patch");
            goto done;
        }
        if (pt) {
            snprintf(detail, dlen,
                     "received invalid webhook response: validating webhook may not "
                     "return response.patchType");
            goto done;
        }
    } else {
        if (p && !pt) {
            snprintf(detail, dlen,
                     "received invalid webhook response: webhook returned "
                     "response.patch but not response.patchType");
            goto done;
        }
        if (pt && !p) {
            snprintf(detail, dlen,
                     "received invalid webhook response: webhook returned "
                     "response.patchType but not response.patch");
            goto done;
        }
        if (pt && (!json_is_string(pt) || json_string_length(pt) == 0)) {
            snprintf(detail, dlen,
                     "received invalid webhook response: webhook returned invalid "
                     "response.patchType of \"\"");
            goto done;
        }
        if (pt && strcmp(json_string_value(pt), "JSONPatch") != 0) {
            snprintf(detail, dlen,
                     "received invalid webhook response: unsupported patch type "
                     "%s",
                     json_string_value(pt));
            goto done;
        }
    }
    if (!json_is_boolean(json_object_get(resp, "allowed"))) {
        snprintf(detail, dlen, "received invalid webhook response: response.allowed is absent");
        goto done;
    }
    if (json_is_false(json_object_get(resp, "allowed"))) {
        oc = DENIED;
        *response = json_incref(resp);
        goto done;
    }
    if (p) {
        size_t len = 0;
        char *raw = json_is_string(p) ? fo_base64_decode(json_string_value(p), strlen(json_string_value(p)), &len) : NULL;
        json_t *doc = raw ? fo_json_parse(raw, len, FKA_ADMISSION_MAX_ANSWER, NULL) : NULL;
        free(raw);
        if (!doc || !json_is_array(doc)) {
            json_decref(doc);
            snprintf(detail, dlen,
                     "received invalid webhook response: received undecodable "
                     "patch in webhook response");
            goto done;
        }
        if (json_array_size(doc) > 0 && !has_object) {
            json_decref(doc);
            snprintf(detail, dlen,
                     "admission webhook \"%s\" attempted to modify the object, "
                     "which is not supported for this operation",
                     fo_json_str(h->def, "name") ? fo_json_str(h->def, "name") : "");
            oc = FAILED;
            *patch = json_null(); /* marks: always an error, whatever the failure policy */
            goto done;
        }
        *patch = doc;
    }
    *response = json_incref(resp);
    oc = ALLOWED;
done:
    json_decref(review);
    return oc;
}

static json_t *denial(const char *name, const json_t *resp)
{
    const json_t *st = json_object_get(resp, "status");
    json_int_t code = json_integer_value(json_object_get(st, "code"));
    if (code < 400)
        code = 400;
    const char *msg = fo_json_str(st, "message");
    const char *reason = fo_json_str(st, "reason");
    char text[4096];
    if (msg && *msg)
        snprintf(text, sizeof text, "admission webhook \"%s\" denied the request: %s", name, msg);
    else if (reason && *reason)
        snprintf(text, sizeof text, "admission webhook \"%s\" denied the request: %s", name,
                 reason);
    else
        snprintf(text, sizeof text,
                 "admission webhook \"%s\" denied the request without "
                 "explanation",
                 name);
    json_t *details = json_object_get(st, "details");
    return fka_status_failure((int)code, reason ? reason : "", text,
                              details ? fo_json_copy(details) : NULL);
}

static void record(fka_op *op, const hook *h, const char *uid, const char *operation,
                   const char *url, const char *result, const char *detail, int code, bool patched,
                   const json_t *resp)
{
    json_t *rec = json_object();
    const char *name = fo_json_str(h->def, "name");
    json_object_set_new(rec, "webhook", json_string(name ? name : ""));
    json_object_set_new(rec, "configuration", json_string(h->config));
    json_object_set_new(rec, "type", json_string(h->mutating ? "mutating" : "validating"));
    json_object_set_new(rec, "operation", json_string(operation));
    json_object_set_new(rec, "uid", json_string(uid));
    json_object_set_new(rec, "url", json_string(url ? url : ""));
    json_object_set_new(rec, "resource", json_string(op->res->resource));
    json_object_set_new(rec, "subResource", json_string(op->sub));
    json_object_set_new(rec, "namespace", json_string(op->ns));
    json_object_set_new(rec, "name", json_string(op->name));
    json_object_set_new(rec, "dryRun", json_boolean(op->dry_run));
    json_object_set_new(rec, "outcome", json_string(result));
    json_object_set_new(rec, "detail", json_string(detail ? detail : ""));
    json_object_set_new(rec, "code", json_integer(code));
    json_object_set_new(rec, "patched", json_boolean(patched));
    json_t *warnings = json_object_get(resp, "warnings");
    json_object_set_new(rec, "warnings",
                        json_is_array(warnings) ? fo_json_copy(warnings) : json_array());
    json_t *aa = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(resp, "auditAnnotations"), k, v)
    {
        char key[512];
        snprintf(key, sizeof key, "%s/%s", name ? name : "", k);
        json_object_set(aa, key, v);
    }
    json_object_set_new(rec, "auditAnnotations", aa);
    fka_control_record_webhook(op->srv->control, rec);
}

/* One webhook call. Returns NULL to go on, or a Status ending the request. */
static json_t *call(fka_op *op, const hook *h, const char *operation, json_t **obj,
                    const json_t *old)
{
    const char *name = fo_json_str(h->def, "name");
    if (!name)
        name = "";
    const char *policy = fo_json_str(h->def, "failurePolicy");
    bool ignore = policy && strcmp(policy, "Ignore") == 0;
    const char *effects = fo_json_str(h->def, "sideEffects");
    if (op->dry_run && effects && strcmp(effects, "None") != 0 &&
        strcmp(effects, "NoneOnDryRun") != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "admission webhook \"%s\" does not support dry run", name);
        return fka_status_bad_request(msg);
    }
    int64_t timeout_s = 10;
    fo_json_get_int(h->def, "timeoutSeconds", &timeout_s);
    if (timeout_s < 1 || timeout_s > 30)
        timeout_s = 10;
    char uid[40], url[1200], detail[2048] = "";
    fka_uuid(uid, sizeof uid);
    json_t *status = NULL, *response = NULL, *patch = NULL;
    fo_http_client *client = NULL;
    fo_http_result res;
    bool have_res = false;
    outcome oc = FAILED;
    if (!hook_url(op->srv, h->def, (long)timeout_s, url, sizeof url, detail, sizeof detail))
        goto judged;
    size_t ca_len = 0;
    const char *bundle = fo_json_get_str(h->def, "clientConfig.caBundle");
    char *ca = bundle && *bundle ? fo_base64_decode(bundle, strlen(bundle), &ca_len) : NULL;
    fo_http_client_opts copts = {.ca_pem = ca,
                                 .timeout_ms = timeout_s * 1000,
                                 .connect_timeout_ms = timeout_s * 1000,
                                 .user_agent = "kube-apiserver-admission",
                                 .max_response_bytes = FKA_ADMISSION_MAX_ANSWER};
    fo_err err = {0};
    client = fo_http_client_new(&copts, &err);
    free(ca);
    if (!client) {
        snprintf(detail, sizeof detail, "failed to call webhook: %s", err.message);
        goto judged;
    }
    json_t *review = review_request(op, uid, operation, *obj, old);
    char *body = json_dumps(review, JSON_COMPACT);
    json_decref(review);
    fo_http_header hdrs[] = {{"Content-Type", "application/json"},
                             {"Accept", "application/json, */*"}};
    /* The result is initialised by the call whatever happens. */
    fo_rc rc = fo_http_client_request(client, "POST", url, hdrs, 2, body, body ? strlen(body) : 0,
                                      timeout_s * 1000, &res, &err);
    have_res = true;
    free(body);
    if (rc != FO_OK) {
        snprintf(detail, sizeof detail, "failed to call webhook: Post \"%s\": %s", url,
                 err.message);
        goto judged;
    }
    oc = judge(h, uid, &res, *obj != NULL, &response, &patch, detail, sizeof detail);
judged:
    if (oc == FAILED) {
        bool always = json_is_null(patch);
        json_decref(patch);
        patch = NULL;
        record(op, h, uid, operation, url, ignore && !always ? "ignored" : "failed", detail, 500,
               false, NULL);
        if (!ignore || always) {
            if (always)
                status = fka_status_failure(500, "InternalError", detail, NULL);
            else {
                char msg[2600];
                snprintf(msg, sizeof msg, "failed calling webhook \"%s\": %s", name, detail);
                status = fka_status_internal(msg);
            }
        }
        goto out;
    }
    json_t *warnings = json_object_get(response, "warnings");
    size_t i;
    json_t *w;
    json_array_foreach(warnings, i, w) if (json_is_string(w))
        fka_resp_warn(op->resp, json_string_value(w));
    if (oc == DENIED) {
        status = denial(name, response);
        record(op, h, uid, operation, url, "denied",
               json_string_value(json_object_get(status, "message")), fka_status_code(status),
               false, response);
        goto out;
    }
    bool patched = false;
    if (patch && json_array_size(patch) > 0 && *obj) {
        json_t *wire = fka_to_wire(op->res, *obj);
        json_t *next = fo_json_patch_apply(wire, patch, &err);
        json_decref(wire);
        if (!next) {
            char msg[2600];
            snprintf(msg, sizeof msg, "failed calling webhook \"%s\": %s", name, err.message);
            status = fka_status_internal(msg);
            record(op, h, uid, operation, url, "failed", err.message, 500, false, response);
            goto out;
        }
        json_decref(*obj);
        *obj = fka_from_wire(op->res, next);
        json_decref(next);
        patched = true;
    }
    record(op, h, uid, operation, url, "allowed", "", 200, patched, response);
out:
    if (have_res)
        fo_http_result_release(&res);
    fo_http_client_free(client);
    json_decref(response);
    json_decref(patch);
    return status;
}

json_t *fka_admit(fka_op *op, const char *operation, json_t **obj, const json_t *old, bool mutating)
{
    hook *hooks = NULL;
    size_t n = matching_hooks(op, operation, *obj, old, mutating, &hooks);
    json_t *status = NULL;
    for (size_t i = 0; i < n && !status; i++)
        status = call(op, &hooks[i], operation, obj, old);
    free_hooks(hooks, n);
    return status;
}
