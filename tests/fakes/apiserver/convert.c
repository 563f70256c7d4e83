/* Wire form <-> stored form. Objects are stored as written (kind and apiVersion of the
 * version they were written in); custom resources served in several versions only change
 * apiVersion (conversion strategy None), and events.k8s.io/v1 Events are a different view
 * of the stored core/v1 Events (kube-api-semantics.md §12), converted field by field as
 * k8s.io/kubernetes pkg/apis/events/v1 does. */
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/server.h"

/* events.k8s.io/v1 field <-> core/v1 field. */
static const char *const event_fields[][2] = {
    {"regarding", "involvedObject"},
    {"related", "related"},
    {"note", "message"},
    {"reason", "reason"},
    {"type", "type"},
    {"action", "action"},
    {"eventTime", "eventTime"},
    {"series", "series"},
    {"reportingController", "reportingComponent"},
    {"reportingInstance", "reportingInstance"},
    {"deprecatedSource", "source"},
    {"deprecatedFirstTimestamp", "firstTimestamp"},
    {"deprecatedLastTimestamp", "lastTimestamp"},
    {"deprecatedCount", "count"},
};
#define NFIELDS (sizeof event_fields / sizeof event_fields[0])

static json_t *convert_event(const json_t *in, int from, const char *api_version)
{
    int to = 1 - from;
    json_t *out = json_object();
    json_object_set_new(out, "kind", json_string("Event"));
    json_object_set_new(out, "apiVersion", json_string(api_version));
    json_t *meta = json_object_get(in, "metadata");
    if (meta)
        json_object_set(out, "metadata", meta);
    for (size_t i = 0; i < NFIELDS; i++) {
        json_t *v = json_object_get(in, event_fields[i][from]);
        if (v)
            json_object_set(out, event_fields[i][to], v);
    }
    return out;
}

json_t *fka_to_wire(const fka_resource *res, const json_t *stored)
{
    if (!stored)
        return NULL;
    char gv[300];
    fka_resource_api_version(res, gv, sizeof gv);
    if (res->flags & FKA_R_EVENTS_V1) {
        const char *av = fo_json_str(stored, "apiVersion");
        if (av && strcmp(av, "events.k8s.io/v1") == 0)
            return json_incref((json_t *)stored);
        return convert_event(stored, 1, gv);
    }
    const char *av = fo_json_str(stored, "apiVersion");
    if ((res->flags & FKA_R_CUSTOM) && (!av || strcmp(av, gv) != 0)) {
        json_t *c = json_copy((json_t *)stored);
        json_object_set_new(c, "apiVersion", json_string(gv));
        return c;
    }
    return json_incref((json_t *)stored);
}

json_t *fka_from_wire(const fka_resource *res, const json_t *wire)
{
    if (res->flags & FKA_R_EVENTS_V1)
        return convert_event(wire, 0, "v1");
    return json_incref((json_t *)wire);
}
