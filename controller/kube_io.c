#include "controller/kube_io.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"

/* ---- Kubernetes --------------------------------------------------------------------------- */

static fo_kube_ref ref_of(fo_ctl_kind kind, const char *ns, const char *name)
{
    const fo_ctl_kind_info *k = fo_ctl_kind_get(kind);
    fo_kube_ref ref = {
        .group = k->group,
        .version = k->version,
        .resource = k->resource,
        .ns = ns,
        .name = name,
    };
    return ref;
}

static json_t *io_cached(void *ctx, fo_ctl_kind kind, const char *ns, const char *name)
{
    fo_ctl_kube_io *io = ctx;
    return io->informers[kind] ? fo_informer_get(io->informers[kind], ns, name) : NULL;
}

static json_t *io_cached_list(void *ctx, fo_ctl_kind kind, const char *ns, const json_t *labels)
{
    fo_ctl_kube_io *io = ctx;
    json_t *out = json_array();
    if (!io->informers[kind])
        return out;
    json_t *all = fo_informer_list(io->informers[kind], ns);
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o)
    {
        const json_t *have = fo_json_get(o, "metadata.labels");
        bool match = true;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)labels, k, v)
        {
            if (!fo_json_equal(json_object_get(have, k), v)) {
                match = false;
                break;
            }
        }
        if (match)
            json_array_append(out, o); /* shared snapshot, never modified */
    }
    json_decref(all);
    return out;
}

static fo_rc io_get(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, json_t **out,
                    fo_err *err)
{
    fo_ctl_kube_io *io = ctx;
    fo_kube_ref ref = ref_of(kind, ns, name);
    return fo_kube_get(io->kc, &ref, out, err);
}

static fo_rc io_create(void *ctx, fo_ctl_kind kind, const json_t *obj, json_t **out, fo_err *err)
{
    fo_ctl_kube_io *io = ctx;
    fo_kube_ref ref = ref_of(kind, fo_json_get_str(obj, "metadata.namespace"), NULL);
    return fo_kube_create(io->kc, &ref, obj, NULL, out, err);
}

static fo_rc io_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, bool status,
                      const json_t *patch, json_t **out, fo_err *err)
{
    fo_ctl_kube_io *io = ctx;
    fo_kube_ref ref = ref_of(kind, ns, name);
    ref.subresource = status ? "status" : NULL;
    /* The answer comes back as the kind's informer holds it: a write on a heavy resource
     * must not build it whole (common/kube_oversized.h). */
    fo_json_read_filter answer;
    fo_kube_patch_opts po = {0};
    if (io->informers[kind] && fo_informer_answer_filter(io->informers[kind], &answer))
        po.answer_filter = &answer;
    return fo_kube_patch(io->kc, &ref, FO_PATCH_MERGE, patch, &po, out, err);
}

static fo_rc io_remove(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                       const char *uid, const char *propagation, fo_err *err)
{
    fo_ctl_kube_io *io = ctx;
    fo_kube_ref ref = ref_of(kind, ns, name);
    fo_kube_delete_opts o = {.propagation_policy = propagation, .precondition_uid = uid};
    return fo_kube_delete(io->kc, &ref, &o, NULL, err);
}

static fo_rc io_events_about(void *ctx, const char *ns, const char *uid, const char *reason,
                             json_t **items, fo_err *err)
{
    fo_ctl_kube_io *io = ctx;
    *items = NULL;
    /* Both are field labels the API server indexes for core/v1 Events (its event strategy's
     * selectable fields); the list is one small page: the Events of one pod. */
    char selector[256];
    snprintf(selector, sizeof selector, "involvedObject.uid=%s,reason=%s", uid, reason);
    fo_kube_ref ref = {.group = "", .version = "v1", .resource = "events", .ns = ns};
    fo_kube_list_opts lo = {.field_selector = selector};
    json_t *list = NULL;
    fo_rc rc = fo_kube_list(io->kc, &ref, &lo, &list, err);
    if (rc == FO_OK) {
        json_t *got = json_object_get(list, "items");
        *items = json_is_array(got) ? json_incref(got) : json_array();
    }
    json_decref(list);
    return rc;
}

void fo_ctl_kube_io_bind(fo_ctl_kube_io *io, fo_ctl_kube *kube)
{
    *kube = (fo_ctl_kube){
        .ctx = io,
        .cached = io_cached,
        .cached_list = io_cached_list,
        .get = io_get,
        .create = io_create,
        .patch = io_patch,
        .remove = io_remove,
        .events_about = io_events_about,
    };
}

/* ---- Events ------------------------------------------------------------------------------- */

static void events_record(void *ctx, const json_t *obj, const char *component,
                          fo_event_type type, const char *reason, const char *message)
{
    fo_kube_events_record_as(ctx, obj, component, type, reason, "%s", message);
}

void fo_ctl_events_io_bind(fo_kube_events *ev, fo_ctl_events *events)
{
    *events = (fo_ctl_events){.ctx = ev, .record = events_record};
}
