/* Discovery, as kubectl 1.32 reads it: /version, the aggregated documents
 * (apidiscovery.k8s.io/v2 and v2beta1 APIGroupDiscoveryList, asked for first through the
 * Accept header) and the legacy ones (/api, /apis, /apis/<group>, /api/v1,
 * /apis/<group>/<version>), all built from the resource registry so CRDs appear as soon as
 * they are stored. */
#include "tests/fakes/apiserver/discovery.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/status.h"

static json_t *verbs(void)
{
    return json_pack("[s, s, s, s, s, s, s, s]", "create", "delete", "deletecollection", "get",
                     "list", "patch", "update", "watch");
}

static json_t *string_list(const char *const *items, size_t max)
{
    json_t *a = json_array();
    for (size_t i = 0; i < max && items[i]; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

/* Distinct groups in registry order; versions of a group in registry order (the first is
 * preferred). */
static bool seen_group(fka_resource **all, size_t upto, const char *group)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(all[i]->group, group) == 0)
            return true;
    return false;
}

static bool seen_version(fka_resource **all, size_t upto, const char *group, const char *version)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(all[i]->group, group) == 0 && strcmp(all[i]->version, version) == 0)
            return true;
    return false;
}

static json_t *gv_entry(const char *group, const char *version)
{
    char gv[300];
    snprintf(gv, sizeof gv, "%s/%s", group, version);
    return json_pack("{s:s, s:s}", "groupVersion", gv, "version", version);
}

static json_t *legacy_group(fka_resource **all, size_t n, const char *group)
{
    json_t *versions = json_array();
    json_t *preferred = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i]->group, group) != 0 || seen_version(all, i, group, all[i]->version))
            continue;
        json_array_append_new(versions, gv_entry(group, all[i]->version));
        if (!preferred)
            preferred = gv_entry(group, all[i]->version);
    }
    return json_pack("{s:s, s:o, s:o}", "name", group, "versions", versions, "preferredVersion",
                     preferred ? preferred : json_object());
}

/* ---- aggregated ---- */

static json_t *response_kind(const char *group, const char *version, const char *kind)
{
    return json_pack("{s:s, s:s, s:s}", "group", group, "version", version, "kind", kind);
}

static json_t *agg_resource(const fka_resource *r)
{
    json_t *res = json_object();
    json_object_set_new(res, "resource", json_string(r->resource));
    json_object_set_new(res, "responseKind", response_kind(r->group, r->version, r->kind));
    json_object_set_new(res, "scope",
                        json_string((r->flags & FKA_R_NAMESPACED) ? "Namespaced" : "Cluster"));
    json_object_set_new(res, "singularResource", json_string(r->singular));
    json_object_set_new(res, "verbs", verbs());
    if (r->short_names[0])
        json_object_set_new(res, "shortNames", string_list(r->short_names, 4));
    if (r->categories[0])
        json_object_set_new(res, "categories", string_list(r->categories, 2));
    json_t *subs = json_array();
    if (r->flags & FKA_R_SCALE)
        json_array_append_new(subs,
                              json_pack("{s:s, s:o, s:[s, s, s]}", "subresource", "scale",
                                        "responseKind", response_kind("autoscaling", "v1", "Scale"),
                                        "verbs", "get", "patch", "update"));
    if (r->flags & FKA_R_STATUS)
        json_array_append_new(subs, json_pack("{s:s, s:o, s:[s, s, s]}", "subresource", "status",
                                              "responseKind",
                                              response_kind(r->group, r->version, r->kind), "verbs",
                                              "get", "patch", "update"));
    if (json_array_size(subs))
        json_object_set_new(res, "subresources", subs);
    else
        json_decref(subs);
    return res;
}

static json_t *agg_group(fka_resource **all, size_t n, const char *group)
{
    json_t *versions = json_array();
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i]->group, group) != 0 || seen_version(all, i, group, all[i]->version))
            continue;
        json_t *resources = json_array();
        for (size_t j = i; j < n; j++)
            if (strcmp(all[j]->group, group) == 0 && strcmp(all[j]->version, all[i]->version) == 0)
                json_array_append_new(resources, agg_resource(all[j]));
        json_array_append_new(versions, json_pack("{s:s, s:o, s:s}", "version", all[i]->version,
                                                  "resources", resources, "freshness", "Current"));
    }
    json_t *meta = json_object();
    if (*group)
        json_object_set_new(meta, "name", json_string(group));
    json_object_set_new(meta, "creationTimestamp", json_null());
    return json_pack("{s:o, s:o}", "metadata", meta, "versions", versions);
}

/* Which aggregated version the Accept header asks for first: "v2", "v2beta1" or NULL. */
static const char *wants_aggregated(const char *accept)
{
    if (!accept)
        return NULL;
    const char *p = strstr(accept, "as=APIGroupDiscoveryList");
    if (!p)
        return NULL;
    /* Look at the media range holding the first mention. */
    const char *start = p;
    while (start > accept && start[-1] != ',')
        start--;
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    char range[256];
    snprintf(range, sizeof range, "%.*s", (int)len, start);
    if (!strstr(range, "g=apidiscovery.k8s.io"))
        return NULL;
    return strstr(range, "v=v2beta1") ? "v2beta1" : "v2";
}

static void aggregated(fka_resp *resp, fka_resource **all, size_t n, bool legacy,
                       const char *version)
{
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        bool core = !*all[i]->group;
        if (core != legacy || seen_group(all, i, all[i]->group))
            continue;
        json_array_append_new(items, agg_group(all, n, all[i]->group));
    }
    char av[64];
    snprintf(av, sizeof av, "apidiscovery.k8s.io/%s", version);
    fka_resp_json(resp, 200,
                  json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
                            av, "metadata", "items", items));
    snprintf(resp->content_type, sizeof resp->content_type,
             "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList", version);
}

static json_t *resource_list(fka_resource **all, size_t n, const char *group, const char *version)
{
    json_t *resources = json_array();
    for (size_t i = 0; i < n; i++) {
        const fka_resource *r = all[i];
        if (strcmp(r->group, group) != 0 || strcmp(r->version, version) != 0)
            continue;
        json_t *e = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", r->resource, "singularName",
                              r->singular, "namespaced", (r->flags & FKA_R_NAMESPACED) != 0, "kind",
                              r->kind, "verbs", verbs());
        if (r->short_names[0])
            json_object_set_new(e, "shortNames", string_list(r->short_names, 4));
        if (r->categories[0])
            json_object_set_new(e, "categories", string_list(r->categories, 2));
        json_array_append_new(resources, e);
        char sub[300];
        if (r->flags & FKA_R_SCALE) {
            snprintf(sub, sizeof sub, "%s/scale", r->resource);
            json_array_append_new(resources,
                                  json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:[s, s, s]}", "name",
                                            sub, "singularName", "", "namespaced",
                                            (r->flags & FKA_R_NAMESPACED) != 0, "group",
                                            "autoscaling", "version", "v1", "kind", "Scale",
                                            "verbs", "get", "patch", "update"));
        }
        if (r->flags & FKA_R_STATUS) {
            snprintf(sub, sizeof sub, "%s/status", r->resource);
            json_array_append_new(resources, json_pack("{s:s, s:s, s:b, s:s, s:[s, s, s]}", "name",
                                                       sub, "singularName", "", "namespaced",
                                                       (r->flags & FKA_R_NAMESPACED) != 0, "kind",
                                                       r->kind, "verbs", "get", "patch", "update"));
        }
    }
    if (json_array_size(resources) == 0) {
        json_decref(resources);
        return NULL;
    }
    char gv[300];
    if (*group)
        snprintf(gv, sizeof gv, "%s/%s", group, version);
    else
        snprintf(gv, sizeof gv, "%s", version);
    return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1",
                     "groupVersion", gv, "resources", resources);
}

bool fka_discovery_handle(fka_server *srv, const fka_req *req, fka_resp *resp)
{
    const char *path = req->path;
    if (strcmp(req->method, "GET") != 0)
        return false;
    if (strcmp(path, "/version") == 0 || strcmp(path, "/version/") == 0) {
        fka_resp_json(resp, 200,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major", "1",
                                "minor", "35", "gitVersion", "v1.35.0", "gitCommit",
                                "0000000000000000000000000000000000000000", "gitTreeState", "clean",
                                "buildDate", "2025-12-17T00:00:00Z", "goVersion", "go1.25.5",
                                "compiler", "gc", "platform", "linux/amd64"));
        return true;
    }
    bool api = strcmp(path, "/api") == 0 || strcmp(path, "/api/") == 0;
    bool apis = strcmp(path, "/apis") == 0 || strcmp(path, "/apis/") == 0;
    char group[256] = "", version[64] = "", extra[8] = "";
    int parts = 0;
    if (!api && !apis) {
        if (strcmp(path, "/api/v1") == 0 || strcmp(path, "/api/v1/") == 0) {
            parts = 3;
            snprintf(version, sizeof version, "v1");
        } else if (strncmp(path, "/apis/", 6) == 0) {
            int n = sscanf(path, "/apis/%255[^/]/%63[^/]/%7s", group, version, extra);
            if (n == 1 || (n == 2 && !extra[0]))
                parts = n + 1;
            else
                return false;
        } else {
            return false;
        }
    }
    size_t n = 0;
    fka_resource **all = fka_registry_snapshot(srv->reg, &n);
    if (api || apis) {
        const char *agg = wants_aggregated(req->accept);
        if (agg) {
            aggregated(resp, all, n, api, agg);
        } else if (api) {
            fka_resp_json(resp, 200,
                          json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions",
                                    "versions", "v1", "serverAddressByClientCIDRs", "clientCIDR",
                                    "0.0.0.0/0", "serverAddress", "127.0.0.1:6443"));
        } else {
            json_t *groups = json_array();
            for (size_t i = 0; i < n; i++)
                if (*all[i]->group && !seen_group(all, i, all[i]->group))
                    json_array_append_new(groups, legacy_group(all, n, all[i]->group));
            fka_resp_json(resp, 200,
                          json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1",
                                    "groups", groups));
        }
    } else if (parts == 2) {
        if (!seen_group(all, n, group)) {
            fka_registry_snapshot_free(all, n);
            return false;
        }
        json_t *g = legacy_group(all, n, group);
        json_object_set_new(g, "kind", json_string("APIGroup"));
        json_object_set_new(g, "apiVersion", json_string("v1"));
        fka_resp_json(resp, 200, g);
    } else {
        json_t *list = resource_list(all, n, group, version);
        if (!list) {
            fka_registry_snapshot_free(all, n);
            return false;
        }
        fka_resp_json(resp, 200, list);
    }
    fka_registry_snapshot_free(all, n);
    return true;
}
