/* Routing of API requests (kube-api-semantics.md §1): the /fake/ control hooks, bearer-token
 * authentication, injected faults, health, OpenAPI, discovery, then
 * /api/v1/... and /apis/<group>/<version>/... resource paths to the verbs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/control.h"
#include "tests/fakes/apiserver/discovery.h"
#include "tests/fakes/apiserver/openapi.h"
#include "tests/fakes/apiserver/server.h"
#include "tests/fakes/apiserver/status.h"

#define FKA_MAX_SEGMENTS 8

const char *fka_q(const fka_op *op, const char *name)
{
    return op->req->query ? op->req->query(op->req->query_ctx, name) : NULL;
}

bool fka_q_true(const fka_op *op, const char *name)
{
    const char *v = fka_q(op, name);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

const char *fka_op_store_ns(const fka_op *op)
{
    return (op->res->flags & FKA_R_NAMESPACED) ? op->ns : "";
}

static json_t *not_found_path(void)
{
    return fka_status_failure(404, "NotFound", "the server could not find the requested resource",
                              json_object());
}

/* Split path into segments (no decoding needed: names are DNS names). */
static size_t split(const char *path, char segs[][256], size_t max)
{
    size_t n = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    while (*p && n < max) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        snprintf(segs[n++], 256, "%.*s", (int)len, p);
        if (!e)
            break;
        p = e + 1;
        if (!*p)
            break;
    }
    return n;
}

static void serve_openapi(fka_server *srv, const fka_req *req, fka_resp *resp)
{
    const char *rest = req->path + strlen("/openapi/v3");
    if (!*rest || strcmp(rest, "/") == 0) {
        fka_resp_json(resp, 200, fka_openapi_index(srv->openapi, srv->reg));
        return;
    }
    char *raw = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    if (!fka_openapi_document(srv->openapi, srv->reg, rest + 1, &raw, &len, &doc)) {
        fka_resp_status(resp, not_found_path());
        return;
    }
    if (doc) {
        fka_resp_json(resp, 200, doc);
        return;
    }
    resp->status = 200;
    resp->raw = raw;
    resp->raw_len = len;
    snprintf(resp->content_type, sizeof resp->content_type, "application/json");
}

static void dispatch(fka_op *op, bool collection, bool watch)
{
    const char *m = op->req->method;
    if (strcmp(m, "GET") == 0) {
        if (collection)
            watch ? fka_op_watch(op) : fka_op_list(op);
        else
            fka_op_get(op);
        return;
    }
    if (watch) {
        fka_resp_status(op->resp, fka_status_method_not_allowed("watch", op->res));
        return;
    }
    if (strcmp(m, "POST") == 0 && collection) {
        fka_op_create(op);
    } else if (strcmp(m, "PUT") == 0 && !collection) {
        fka_op_update(op);
    } else if (strcmp(m, "PATCH") == 0 && !collection) {
        fka_op_patch(op);
    } else if (strcmp(m, "DELETE") == 0) {
        if (op->sub[0])
            fka_resp_status(op->resp, fka_status_method_not_allowed("delete", op->res));
        else if (collection)
            fka_op_delete_collection(op);
        else
            fka_op_delete(op);
    } else {
        char verb[32];
        snprintf(verb, sizeof verb, "%s", m);
        for (char *p = verb; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        fka_resp_status(op->resp, fka_status_method_not_allowed(verb, op->res));
    }
}

static void serve_resource(fka_server *srv, const fka_req *req, fka_resp *resp, const char *user)
{
    char segs[FKA_MAX_SEGMENTS + 1][256];
    size_t n = split(req->path, segs, FKA_MAX_SEGMENTS + 1);
    if (n > FKA_MAX_SEGMENTS) {
        fka_resp_status(resp, not_found_path());
        return;
    }
    const char *group, *version;
    size_t i;
    if (n >= 2 && strcmp(segs[0], "api") == 0) {
        group = "";
        version = segs[1];
        i = 2;
    } else if (n >= 3 && strcmp(segs[0], "apis") == 0) {
        group = segs[1];
        version = segs[2];
        i = 3;
    } else {
        fka_resp_status(resp, not_found_path());
        return;
    }
    bool watch_prefix = false;
    if (i < n && strcmp(segs[i], "watch") == 0) {
        /* The deprecated /watch/ path form. */
        watch_prefix = true;
        i++;
    }
    char ns[256] = "";
    bool has_ns = false;
    /* namespaces/<ns>/<resource>..., unless it is the Namespace's own status or finalize. */
    bool ns_sub = !*group && n - i == 3 &&
                  (strcmp(segs[i + 2], "status") == 0 || strcmp(segs[i + 2], "finalize") == 0);
    if (n - i >= 3 && strcmp(segs[i], "namespaces") == 0 && !ns_sub) {
        snprintf(ns, sizeof ns, "%s", segs[i + 1]);
        has_ns = true;
        i += 2;
    }
    if (i >= n || n - i > 3) {
        fka_resp_status(resp, not_found_path());
        return;
    }
    fka_resource *r = fka_registry_find(srv->reg, group, version, segs[i]);
    if (!r) {
        fka_resp_status(resp, not_found_path());
        return;
    }
    fka_op op = {.srv = srv, .req = req, .resp = resp, .res = r, .user = user};
    bool namespaced = r->flags & FKA_R_NAMESPACED;
    if (has_ns && !namespaced) {
        fka_resp_status(resp, not_found_path());
        goto out;
    }
    snprintf(op.ns, sizeof op.ns, "%s", ns);
    op.all_ns = namespaced && !has_ns;
    if (i + 1 < n)
        snprintf(op.name, sizeof op.name, "%s", segs[i + 1]);
    if (i + 2 < n)
        snprintf(op.sub, sizeof op.sub, "%s", segs[i + 2]);
    bool collection = !op.name[0];
    if (!collection && op.all_ns) {
        fka_resp_status(resp, not_found_path());
        goto out;
    }
    if (op.sub[0]) {
        bool ok = (strcmp(op.sub, "status") == 0 && (r->flags & FKA_R_STATUS)) ||
                  (strcmp(op.sub, "scale") == 0 && (r->flags & FKA_R_SCALE)) ||
                  (strcmp(op.sub, "finalize") == 0 && strcmp(r->storage, "/namespaces") == 0);
        if (!ok) {
            fka_resp_status(resp, not_found_path());
            goto out;
        }
    }
    if (collection && namespaced && !has_ns && strcmp(req->method, "GET") != 0) {
        fka_resp_status(resp, not_found_path());
        goto out;
    }
    const char *dry = fka_q(&op, "dryRun");
    if (dry && *dry) {
        if (strcmp(dry, "All") != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "Invalid dry run argument: %s", dry);
            fka_resp_status(resp, fka_status_bad_request(msg));
            goto out;
        }
        op.dry_run = true;
    }
    const char *fm = fka_q(&op, "fieldManager");
    if (fm && strlen(fm) > 128) {
        fka_resp_status(resp, fka_status_bad_request("fieldManager: Too long: may not be more "
                                                     "than 128 bytes"));
        goto out;
    }
    if (fm && *fm) {
        snprintf(op.field_manager, sizeof op.field_manager, "%s", fm);
    } else if (req->user_agent && strncmp(req->content_type ? req->content_type : "",
                                          "application/apply-patch", 23) != 0) {
        /* The manager of a request without fieldManager: its user agent up to '/'. */
        const char *slash = strchr(req->user_agent, '/');
        snprintf(op.field_manager, sizeof op.field_manager, "%.*s",
                 slash ? (int)(slash - req->user_agent) : (int)strlen(req->user_agent),
                 req->user_agent);
    }
    dispatch(&op, collection, watch_prefix || fka_q_true(&op, "watch"));
out:
    fka_resource_unref(r);
}

void fka_handle_as(fka_server *srv, const fka_req *req, fka_resp *resp, const char *auth,
                   bool in_process)
{
    if (strncmp(req->path, "/fake/", 6) == 0) {
        fka_control_handle(srv, req, resp);
        return;
    }
    if (!in_process && (srv->token || srv->client_ca_pem)) {
        /* kube-apiserver's authenticators are tried in turn: x509, then bearer tokens */
        size_t tl = srv->token ? strlen(srv->token) : 0;
        bool ok = req->cert_user ||
                  (srv->token && auth && strncmp(auth, "Bearer ", 7) == 0 &&
                   strlen(auth + 7) == tl && strcmp(auth + 7, srv->token) == 0);
        if (!ok) {
            fka_resp_status(resp, fka_status_failure(401, "Unauthorized", "Unauthorized", NULL));
            return;
        }
    }
    /* Who the request authenticated as: an x509 user is the certificate's Common Name */
    const char *user = req->cert_user            ? req->cert_user
                       : in_process || srv->token ? "admin"
                                                  : "system:anonymous";
    if (strcmp(req->method, "POST") == 0 &&
        strcmp(req->path, "/apis/authentication.k8s.io/v1/selfsubjectreviews") == 0) {
        /* SelfSubjectReview (`kubectl auth whoami`) */
        fka_resp_json(resp, 201,
                      json_pack("{s:s,s:s,s:{},s:{s:{s:s}}}", "apiVersion",
                                "authentication.k8s.io/v1", "kind", "SelfSubjectReview",
                                "metadata", "status", "userInfo", "username", user));
        return;
    }
    if (fka_control_intercept(srv->control, req, in_process ? NULL : user, resp))
        return;
    const char *p = req->path;
    if (strcmp(p, "/healthz") == 0 || strcmp(p, "/livez") == 0 || strcmp(p, "/readyz") == 0) {
        resp->status = 200;
        resp->raw = strdup("ok");
        resp->raw_len = 2;
        snprintf(resp->content_type, sizeof resp->content_type, "text/plain; charset=utf-8");
        return;
    }
    if (strncmp(p, "/openapi/v3", 11) == 0 && (p[11] == '\0' || p[11] == '/')) {
        serve_openapi(srv, req, resp);
        return;
    }
    if (strcmp(p, "/openapi/v2") == 0) {
        /* kubectl asks for v2 (protobuf only) when v3 lacks a group-version. We have no v2
         * document; an empty protobuf Document (zero bytes) says "no definitions". */
        resp->status = 200;
        resp->raw = NULL;
        resp->raw_len = 0;
        snprintf(resp->content_type, sizeof resp->content_type,
                 "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        return;
    }
    if (fka_discovery_handle(srv, req, resp))
        return;
    serve_resource(srv, req, resp,
                   in_process ? "system:serviceaccount:flinkop:in-process" : "admin");
}

void fka_handle(fka_server *srv, const fka_req *req, fka_resp *resp)
{
    fka_handle_as(srv, req, resp, NULL, true);
}
