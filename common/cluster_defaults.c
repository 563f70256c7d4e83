#include "common/cluster_defaults.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/json_arena.h"
#include "common/jsonutil.h"
#include "common/pod_template_schema.h"
#include "common/podtemplate.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"

struct fo_cluster_defaults {
    atomic_int refs;
    json_t *role_templates[2]; /* podTemplate with the role's template on top, or NULL */
    json_t *flink_config;      /* flat {"key": "string"}, never NULL */
};

static fo_cluster_defaults *alloc_empty(void)
{
    fo_cluster_defaults *cd = calloc(1, sizeof *cd);
    if (!cd)
        return NULL;
    atomic_init(&cd->refs, 1);
    cd->flink_config = json_object();
    if (!cd->flink_config) {
        free(cd);
        return NULL;
    }
    return cd;
}

fo_cluster_defaults *fo_cluster_defaults_empty(void)
{
    return alloc_empty();
}

fo_cluster_defaults *fo_cluster_defaults_ref(fo_cluster_defaults *cd)
{
    if (cd)
        atomic_fetch_add(&cd->refs, 1);
    return cd;
}

void fo_cluster_defaults_unref(fo_cluster_defaults *cd)
{
    if (!cd || atomic_fetch_sub(&cd->refs, 1) != 1)
        return;
    json_decref(cd->role_templates[FO_ROLE_JOBMANAGER]);
    json_decref(cd->role_templates[FO_ROLE_TASKMANAGER]);
    json_decref(cd->flink_config);
    free(cd);
}

/* The problems of the file's templates, all sections together, as one message: the first
 * few, then how many more. */
#define PROBLEMS_NAMED 5
typedef struct problems {
    fo_strbuf text;
    size_t count;
} problems;

static void note_problem(void *ctx, const char *path, const char *problem)
{
    problems *p = ctx;
    if (p->count++ < PROBLEMS_NAMED)
        fo_strbuf_printf(&p->text, "%s%s: %s", p->count > 1 ? "; " : "", path, problem);
}

/* A pod template value at `path`: absent or null means none; otherwise it must be what the
 * CRD's pod template schema holds as it is (common/pod_template_schema.h). A field the API
 * server would drop, layered into a resource, would never match what flinkop recorded writing
 * (common/own_templates.h); a value of the wrong type would make it refuse every write of
 * every FlinkDeployment. The template (borrowed), or NULL with its problems noted. */
static const json_t *check_template(const json_t *v, const char *path, problems *p)
{
    if (!v || json_is_null(v))
        return NULL;
    size_t before = p->count;
    fo_schema_check(&fo_pod_template_schema, v, path, note_problem, p);
    return p->count == before ? v : NULL;
}

/* jobManager / taskManager: {podTemplate: {...}} and nothing else. */
static const json_t *check_role(const json_t *v, const char *role, problems *p)
{
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        note_problem(p, role, "must be an object");
        return NULL;
    }
    char path[64];
    const char *k;
    const json_t *m;
    json_object_foreach((json_t *)v, k, m)
    {
        if (strcmp(k, "podTemplate") != 0) {
            snprintf(path, sizeof path, "%s.%s", role, k);
            note_problem(p, path, "unknown field (expected podTemplate)");
        }
    }
    snprintf(path, sizeof path, "%s.podTemplate", role);
    return check_template(json_object_get(v, "podTemplate"), path, p);
}

fo_cluster_defaults *fo_cluster_defaults_parse(const char *yaml, size_t len, fo_err *err)
{
    fo_cluster_defaults *cd = NULL;
    json_t *doc =
        fo_yaml_parse(yaml ? yaml : "", yaml ? len : 0, FO_CLUSTER_DEFAULTS_MAX_BYTES, err);
    if (!doc) {
        fo_err_wrap(err, "cluster defaults");
        return NULL;
    }
    cd = alloc_empty();
    if (!cd) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    if (json_is_null(doc))
        goto done; /* an empty document: no defaults */
    if (!json_is_object(doc)) {
        fo_err_set(err, FO_EINVAL, "cluster defaults: the document must be a mapping");
        goto fail;
    }
    const char *k;
    const json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, "podTemplate") != 0 && strcmp(k, "jobManager") != 0 &&
            strcmp(k, "taskManager") != 0 && strcmp(k, "flinkConfiguration") != 0) {
            fo_err_set(err, FO_EINVAL,
                       "%s: unknown field (expected podTemplate, jobManager, taskManager or "
                       "flinkConfiguration)",
                       k);
            goto fail;
        }
    }
    problems p = {.count = 0};
    fo_strbuf_init(&p.text, 0);
    const json_t *shared = check_template(json_object_get(doc, "podTemplate"), "podTemplate", &p);
    const json_t *roles[2]; /* in order: the problems are noted as they are found */
    roles[FO_ROLE_JOBMANAGER] = check_role(json_object_get(doc, "jobManager"), "jobManager", &p);
    roles[FO_ROLE_TASKMANAGER] =
        check_role(json_object_get(doc, "taskManager"), "taskManager", &p);
    if (p.count > PROBLEMS_NAMED)
        fo_strbuf_printf(&p.text, "; and %zu more", p.count - PROBLEMS_NAMED);
    if (p.count)
        fo_err_set(err, FO_EINVAL, "%s", p.text.data ? p.text.data : "out of memory");
    fo_strbuf_release(&p.text);
    if (p.count)
        goto fail;
    for (int r = 0; r < 2; r++) {
        const json_t *layers[] = {shared, roles[r]};
        cd->role_templates[r] = fo_podtemplate_layer(layers, 2);
        if (!cd->role_templates[r] && ((shared && !json_is_null(shared)) ||
                                       (roles[r] && !json_is_null(roles[r])))) {
            fo_err_set(err, FO_ENOMEM, "pod templates: out of memory");
            goto fail;
        }
    }

    const json_t *conf = json_object_get(doc, "flinkConfiguration");
    if (conf && !json_is_null(conf)) {
        if (!json_is_object(conf)) {
            fo_err_set(err, FO_EINVAL, "flinkConfiguration: must be an object");
            goto fail;
        }
        json_t *flat = fo_flink_conf_flatten(conf, err);
        if (!flat) {
            fo_err_wrap(err, "flinkConfiguration");
            goto fail;
        }
        char *text = fo_json_dumps_canonical(flat);
        size_t size = text ? strlen(text) : 0;
        free(text);
        if (!text || size > FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES) {
            if (text)
                fo_err_set(err, FO_ELIMIT,
                           "flinkConfiguration: %zu bytes flattened (as JSON), more than the %u "
                           "a launch can record",
                           size, FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES);
            else
                fo_err_set(err, FO_ENOMEM, "flinkConfiguration: out of memory");
            json_decref(flat);
            goto fail;
        }
        json_decref(cd->flink_config);
        cd->flink_config = flat;
    }
done:
    json_decref(doc);
    return cd;
fail:
    json_decref(doc);
    fo_cluster_defaults_unref(cd);
    return NULL;
}

const json_t *fo_cluster_defaults_pod_template(const fo_cluster_defaults *cd, fo_role role)
{
    if (!cd || (role != FO_ROLE_JOBMANAGER && role != FO_ROLE_TASKMANAGER))
        return NULL;
    return cd->role_templates[role];
}

static json_t *empty_config;
static pthread_once_t empty_once = PTHREAD_ONCE_INIT;

static void make_empty(void)
{
    bool paused = fo_json_arena_pause(); /* may run first inside a request's arena */
    empty_config = json_object();
    fo_json_arena_resume(paused);
}

const json_t *fo_cluster_defaults_flink_config(const fo_cluster_defaults *cd)
{
    if (cd)
        return cd->flink_config;
    /* No defaults at all: a shared empty object, so callers never test for NULL. */
    pthread_once(&empty_once, make_empty);
    return empty_config;
}
