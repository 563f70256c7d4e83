#include "tests/fakes/apiserver/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

/* k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
void fka_human_duration(int64_t ms, char *buf, size_t len)
{
    int64_t s = ms / 1000;
    if (ms < -1000) {
        snprintf(buf, len, "<invalid>");
        return;
    }
    if (s < 0)
        s = 0;
    int64_t m = s / 60, h = s / 3600, d = h / 24;
    if (s < 120)
        snprintf(buf, len, "%llds", (long long)s);
    else if (m < 10 && s % 60)
        snprintf(buf, len, "%lldm%llds", (long long)m, (long long)(s % 60));
    else if (m < 180)
        snprintf(buf, len, "%lldm", (long long)m);
    else if (h < 8 && m % 60)
        snprintf(buf, len, "%lldh%lldm", (long long)h, (long long)(m % 60));
    else if (h < 48)
        snprintf(buf, len, "%lldh", (long long)h);
    else if (h < 24 * 8 && h % 24)
        snprintf(buf, len, "%lldd%lldh", (long long)d, (long long)(h % 24));
    else if (h < 24 * 365 * 2)
        snprintf(buf, len, "%lldd", (long long)d);
    else if (h < 24 * 365 * 8 && d % 365)
        snprintf(buf, len, "%lldy%lldd", (long long)(d / 365), (long long)(d % 365));
    else
        snprintf(buf, len, "%lldy", (long long)(d / 365));
}

static json_t *age_cell(const char *ts, int64_t now_ms)
{
    int64_t t;
    char buf[32];
    if (!ts || !fo_clock_parse_rfc3339(ts, &t))
        return json_string("<unknown>");
    fka_human_duration(now_ms - t, buf, sizeof buf);
    return json_string(buf);
}

/* ---- JSONPath subset of printer columns: .a.b, [N], [*] and [?(@.k=="v")] ---- */

static const json_t *jsonpath(const json_t *obj, const char *path)
{
    const json_t *v = obj;
    const char *p = path;
    if (*p == '{')
        p++;
    while (v && *p && *p != '}') {
        if (*p == '.') {
            p++;
            const char *e = p;
            while (*e && *e != '.' && *e != '[' && *e != '}')
                e++;
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(e - p), p);
            v = json_object_get(v, key);
            p = e;
        } else if (*p == '[') {
            const char *e = strchr(p, ']');
            if (!e || !json_is_array(v))
                return NULL;
            if (p[1] == '?') {
                /* [?(@.type=="Ready")] */
                char key[128], want[256];
                if (sscanf(p, "[?(@.%127[^=]==\"%255[^\"]\")]", key, want) != 2 &&
                    sscanf(p, "[?(@.%127[^=]=='%255[^']')]", key, want) != 2)
                    return NULL;
                e = strstr(p, ")]");
                if (!e)
                    return NULL;
                e++;
                const json_t *found = NULL;
                size_t i;
                json_t *x;
                json_array_foreach(v, i, x)
                {
                    const char *s = fo_json_str(x, key);
                    if (s && strcmp(s, want) == 0) {
                        found = x;
                        break;
                    }
                }
                v = found;
            } else if (p[1] == '*') {
                v = json_array_get(v, 0);
            } else {
                long idx = strtol(p + 1, NULL, 10);
                if (idx < 0)
                    idx += (long)json_array_size(v);
                v = idx >= 0 ? json_array_get(v, (size_t)idx) : NULL;
            }
            p = e + 1;
        } else {
            return NULL;
        }
    }
    return v;
}

static json_t *cell_for(const json_t *v, const char *type, int64_t now_ms)
{
    if (!v || json_is_null(v))
        return json_null();
    if (strcmp(type, "integer") == 0)
        return json_is_number(v) ? json_integer((json_int_t)json_number_value(v)) : json_null();
    if (strcmp(type, "number") == 0)
        return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
    if (strcmp(type, "boolean") == 0)
        return json_is_boolean(v) ? json_incref((json_t *)v) : json_null();
    if (strcmp(type, "date") == 0)
        return json_is_string(v) ? age_cell(json_string_value(v), now_ms) : json_null();
    /* string: printed as the JSONPath printer would. */
    if (json_is_string(v))
        return json_incref((json_t *)v);
    char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_t *s = json_string(t ? t : "");
    free(t);
    return s;
}

static json_t *coldef(const char *name, const char *type, const char *format, const char *desc,
                      int priority)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", name, "type", type, "format",
                     format ? format : "", "description", desc ? desc : "", "priority", priority);
}

#define NAME_DESC                                                                                  \
    "Name must be unique within a namespace. Is required when creating resources, although "       \
    "some resources may allow a client to request the generation of an appropriate name "          \
    "automatically."
#define CREATED_DESC                                                                               \
    "CreationTimestamp is a timestamp representing the server time when this object was "          \
    "created."

static const json_t *printer_columns(const fka_resource *r)
{
    const json_t *cols = json_object_get(r->crd_version, "additionalPrinterColumns");
    return json_array_size(cols) ? cols : NULL;
}

json_t *fka_table_columns(const fka_resource *r)
{
    json_t *cols = json_array();
    json_array_append_new(cols, coldef("Name", "string", "name", NAME_DESC, 0));
    if (r->flags & FKA_R_CUSTOM) {
        const json_t *pc = printer_columns(r);
        if (!pc) {
            json_array_append_new(cols, coldef("Age", "date", "", CREATED_DESC, 0));
            return cols;
        }
        size_t i;
        json_t *c;
        json_array_foreach(pc, i, c)
        {
            char desc[600];
            const char *d = fo_json_str(c, "description");
            snprintf(desc, sizeof desc, "%s", d && *d ? d : "");
            if (!desc[0])
                snprintf(desc, sizeof desc,
                         "Custom resource definition column (in JSONPath format): %s",
                         fo_json_str(c, "jsonPath") ? fo_json_str(c, "jsonPath") : "");
            int64_t prio = 0;
            fo_json_get_int(c, "priority", &prio);
            json_array_append_new(cols,
                                  coldef(fo_json_str(c, "name") ? fo_json_str(c, "name") : "",
                                         fo_json_str(c, "type") ? fo_json_str(c, "type") : "string",
                                         fo_json_str(c, "format"), desc, (int)prio));
        }
        return cols;
    }
    const char *res = r->resource;
    if (strcmp(res, "pods") == 0) {
        json_array_append_new(
            cols, coldef("Ready", "string", "",
                         "The aggregate readiness state of this pod for accepting traffic.", 0));
        json_array_append_new(cols,
                              coldef("Status", "string", "",
                                     "The aggregate status of the containers in this pod.", 0));
        json_array_append_new(
            cols, coldef("Restarts", "string", "",
                         "The number of times the containers in this pod have been restarted and "
                         "when the last container in this pod has restarted.",
                         0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
        json_array_append_new(cols,
                              coldef("IP", "string", "", "IP address allocated to the pod.", 1));
        json_array_append_new(
            cols, coldef("Node", "string", "", "Name of the Node this pod is scheduled on.", 1));
    } else if (strcmp(res, "deployments") == 0) {
        json_array_append_new(
            cols, coldef("Ready", "string", "", "Number of the pod with ready state", 0));
        json_array_append_new(cols, coldef("Up-to-date", "integer", "",
                                           "Total number of non-terminated pods targeted by this "
                                           "deployment that have the desired template spec.",
                                           0));
        json_array_append_new(cols, coldef("Available", "integer", "",
                                           "Total number of available pods (ready for at least "
                                           "minReadySeconds) targeted by this deployment.",
                                           0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
    } else if (strcmp(res, "services") == 0) {
        json_array_append_new(cols, coldef("Type", "string", "", "The type of the service.", 0));
        json_array_append_new(
            cols, coldef("Cluster-IP", "string", "", "The IP address of the service.", 0));
        json_array_append_new(cols, coldef("External-IP", "string", "",
                                           "The external IP address of the service.", 0));
        json_array_append_new(cols,
                              coldef("Port(s)", "string", "", "The ports of the service.", 0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
    } else if (strcmp(res, "configmaps") == 0) {
        json_array_append_new(
            cols, coldef("Data", "string", "", "Data contains the configuration data.", 0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
    } else if (strcmp(res, "secrets") == 0) {
        json_array_append_new(cols, coldef("Type", "string", "", "The type of the secret", 0));
        json_array_append_new(
            cols, coldef("Data", "string", "", "The number of entries in the secret", 0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
    } else if (strcmp(res, "namespaces") == 0) {
        json_array_append_new(cols,
                              coldef("Status", "string", "", "The status of the namespace", 0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
    } else if (strcmp(res, "leases") == 0) {
        json_array_append_new(cols, coldef("Holder", "string", "", "The holder of the lease.", 0));
        json_array_append_new(cols, coldef("Age", "string", "", CREATED_DESC, 0));
    } else if (strcmp(res, "events") == 0 && !*r->group) {
        json_array_clear(cols);
        json_array_append_new(
            cols, coldef("Last Seen", "string", "", "Time since the most recent occurrence", 0));
        json_array_append_new(cols, coldef("Type", "string", "", "Type of this event", 0));
        json_array_append_new(cols, coldef("Reason", "string", "", "Why the action was taken", 0));
        json_array_append_new(cols,
                              coldef("Object", "string", "", "The object this Event is about", 0));
        json_array_append_new(
            cols, coldef("Message", "string", "",
                         "A human-readable description of the status of this operation", 0));
    } else {
        json_array_append_new(cols, coldef("Created At", "date", "", CREATED_DESC, 0));
    }
    return cols;
}

static json_int_t int_at(const json_t *o, const char *path)
{
    int64_t v = 0;
    fo_json_get_int(o, path, &v);
    return (json_int_t)v;
}

static json_t *builtin_cells(const fka_resource *r, const json_t *o, int64_t now)
{
    const char *res = r->resource;
    const char *created = fo_json_get_str(o, "metadata.creationTimestamp");
    const char *name = fo_json_get_str(o, "metadata.name");
    json_t *cells = json_pack("[s]", name ? name : "");
    char buf[512];
    if (strcmp(res, "pods") == 0) {
        const json_t *cs = fo_json_get(o, "status.containerStatuses");
        size_t ready = 0, restarts = 0, i;
        json_t *c;
        json_array_foreach(cs, i, c)
        {
            if (json_is_true(json_object_get(c, "ready")))
                ready++;
            restarts += (size_t)json_integer_value(json_object_get(c, "restartCount"));
        }
        snprintf(buf, sizeof buf, "%zu/%zu", ready,
                 json_array_size(fo_json_get(o, "spec.containers")));
        json_array_append_new(cells, json_string(buf));
        const char *phase = fo_json_get_str(o, "status.phase");
        const char *reason = fo_json_get_str(o, "status.reason");
        if (fo_json_get(o, "metadata.deletionTimestamp"))
            reason = "Terminating";
        json_array_append_new(cells, json_string(reason ? reason : phase ? phase : ""));
        snprintf(buf, sizeof buf, "%zu", restarts);
        json_array_append_new(cells, json_string(buf));
        json_array_append_new(cells, age_cell(created, now));
        const char *ip = fo_json_get_str(o, "status.podIP");
        const char *node = fo_json_get_str(o, "spec.nodeName");
        json_array_append_new(cells, json_string(ip ? ip : "<none>"));
        json_array_append_new(cells, json_string(node ? node : "<none>"));
    } else if (strcmp(res, "deployments") == 0) {
        snprintf(buf, sizeof buf, "%lld/%lld", (long long)int_at(o, "status.readyReplicas"),
                 (long long)int_at(o, "spec.replicas"));
        json_array_append_new(cells, json_string(buf));
        json_array_append_new(cells, json_integer(int_at(o, "status.updatedReplicas")));
        json_array_append_new(cells, json_integer(int_at(o, "status.availableReplicas")));
        json_array_append_new(cells, age_cell(created, now));
    } else if (strcmp(res, "services") == 0) {
        const char *type = fo_json_get_str(o, "spec.type");
        const char *ip = fo_json_get_str(o, "spec.clusterIP");
        json_array_append_new(cells, json_string(type ? type : "ClusterIP"));
        json_array_append_new(cells, json_string(ip ? ip : "<none>"));
        json_array_append_new(cells, json_string("<none>"));
        fo_strbuf ports;
        fo_strbuf_init(&ports, 4096);
        size_t i;
        json_t *p;
        json_array_foreach(fo_json_get(o, "spec.ports"), i, p)
        {
            const char *proto = fo_json_str(p, "protocol");
            fo_strbuf_printf(&ports, "%s%lld/%s", i ? "," : "",
                             (long long)json_integer_value(json_object_get(p, "port")),
                             proto ? proto : "TCP");
        }
        json_array_append_new(cells, json_string(ports.len ? ports.data : "<none>"));
        fo_strbuf_release(&ports);
        json_array_append_new(cells, age_cell(created, now));
    } else if (strcmp(res, "configmaps") == 0) {
        json_array_append_new(
            cells, json_integer((json_int_t)(json_object_size(fo_json_get(o, "data")) +
                                             json_object_size(fo_json_get(o, "binaryData")))));
        json_array_append_new(cells, age_cell(created, now));
    } else if (strcmp(res, "secrets") == 0) {
        const char *type = fo_json_get_str(o, "type");
        json_array_append_new(cells, json_string(type ? type : "Opaque"));
        json_array_append_new(cells,
                              json_integer((json_int_t)json_object_size(fo_json_get(o, "data"))));
        json_array_append_new(cells, age_cell(created, now));
    } else if (strcmp(res, "namespaces") == 0) {
        const char *phase = fo_json_get_str(o, "status.phase");
        json_array_append_new(cells, json_string(phase ? phase : "Active"));
        json_array_append_new(cells, age_cell(created, now));
    } else if (strcmp(res, "leases") == 0) {
        const char *h = fo_json_get_str(o, "spec.holderIdentity");
        json_array_append_new(cells, json_string(h ? h : ""));
        json_array_append_new(cells, age_cell(created, now));
    } else if (strcmp(res, "events") == 0 && !*r->group) {
        json_array_clear(cells);
        const char *last = fo_json_get_str(o, "lastTimestamp");
        if (!last)
            last = fo_json_get_str(o, "eventTime");
        json_array_append_new(cells, age_cell(last ? last : created, now));
        const char *type = fo_json_get_str(o, "type"), *reason = fo_json_get_str(o, "reason");
        const char *kind = fo_json_get_str(o, "involvedObject.kind");
        const char *oname = fo_json_get_str(o, "involvedObject.name");
        const char *msg = fo_json_get_str(o, "message");
        json_array_append_new(cells, json_string(type ? type : ""));
        json_array_append_new(cells, json_string(reason ? reason : ""));
        char lower[128] = "";
        for (size_t i = 0; kind && kind[i] && i + 1 < sizeof lower; i++)
            lower[i] = (char)(kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] - 'A' + 'a' : kind[i]),
            lower[i + 1] = '\0';
        snprintf(buf, sizeof buf, "%s/%s", lower, oname ? oname : "");
        json_array_append_new(cells, json_string(buf));
        json_array_append_new(cells, json_string(msg ? msg : ""));
    } else {
        json_array_append_new(cells, json_string(created ? created : ""));
    }
    return cells;
}

static json_t *custom_cells(const fka_resource *r, const json_t *o, int64_t now)
{
    const char *name = fo_json_get_str(o, "metadata.name");
    json_t *cells = json_pack("[s]", name ? name : "");
    const json_t *pc = printer_columns(r);
    if (!pc) {
        json_array_append_new(cells,
                              age_cell(fo_json_get_str(o, "metadata.creationTimestamp"), now));
        return cells;
    }
    size_t i;
    json_t *c;
    json_array_foreach(pc, i, c)
    {
        const char *jp = fo_json_str(c, "jsonPath");
        const char *type = fo_json_str(c, "type");
        json_array_append_new(cells,
                              cell_for(jp ? jsonpath(o, jp) : NULL, type ? type : "string", now));
    }
    return cells;
}

json_t *fka_table_row(const fka_resource *r, const json_t *stored, const char *include,
                      int64_t now_ms)
{
    json_t *row = json_object();
    json_object_set_new(row, "cells",
                        (r->flags & FKA_R_CUSTOM) ? custom_cells(r, stored, now_ms)
                                                  : builtin_cells(r, stored, now_ms));
    if (!include || strcmp(include, "None") != 0) {
        json_t *obj;
        if (include && strcmp(include, "Object") == 0) {
            obj = fo_json_copy(stored);
        } else {
            obj = json_pack("{s:s, s:s, s:O}", "kind", "PartialObjectMetadata", "apiVersion",
                            "meta.k8s.io/v1", "metadata", json_object_get(stored, "metadata"));
        }
        json_object_set_new(row, "object", obj);
    }
    return row;
}

json_t *fka_table_new(const fka_resource *r, const char *table_version, bool headers)
{
    char av[64];
    snprintf(av, sizeof av, "meta.k8s.io/%s", table_version ? table_version : "v1");
    json_t *t = json_pack("{s:s, s:s, s:{}}", "kind", "Table", "apiVersion", av, "metadata");
    if (headers)
        json_object_set_new(t, "columnDefinitions", fka_table_columns(r));
    else
        json_object_set_new(t, "columnDefinitions", json_null());
    json_object_set_new(t, "rows", json_array());
    return t;
}
