/* The webhook benchmarks' request bodies: AdmissionReviews as a real API server sends them for
 * the examples, written into a directory.
 *
 *   review_gen OUTDIR [EXAMPLES_DIR]
 *
 * writes
 *   create-basic.json          CREATE of examples/basic.yaml by `kubectl apply -n flink-jobs`:
 *                              the last-applied-configuration annotation and the
 *                              kubectl-client-side-apply managedFields entry the API server
 *                              records (../shared/specs/admission-review-v1.md section 5 shape)
 *   update-pod-templates.json  UPDATE of a running examples/pod-templates.yaml (parallelism
 *                              2 -> 4): object and oldObject, each with uid, resourceVersion,
 *                              generation, the finalizer, three managedFields entries (kubectl,
 *                              the operator's finalizer, the operator's status subresource) and
 *                              the status the operator keeps (lastReconciledSpec as a JSON
 *                              string, as the Apache operator writes it)
 *
 * Both bodies are what `kubectl apply` of the examples produces against a real cluster, so the
 * benchmark pays for the parts of a review the webhook does not read (managedFields, oldObject,
 * userInfo, options) as it would in production. Not part of the product. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/yamlconv.h"

#define NS "flink-jobs"
#define FINALIZER "flinkdeployments.flink.apache.org/finalizer"
#define API_VERSION "flink.apache.org/v1beta1"

static json_t *read_yaml(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "review_gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_yaml_parse(buf, n, sizeof buf, &err);
    if (!v) {
        fprintf(stderr, "review_gen: %s: %s\n", path, err.message);
        exit(1);
    }
    return v;
}

/* FieldsV1 of a value as the API server's field manager records it: every member of an object
 * becomes "f:<name>", an object that is set also gets ".", lists (atomic in the CRD schema) and
 * scalars are leaves. */
static json_t *fieldset(const json_t *v, bool dot)
{
    json_t *fs = json_object();
    if (!json_is_object(v))
        return fs;
    if (dot)
        json_object_set_new(fs, ".", json_object());
    const char *k;
    json_t *child;
    json_object_foreach((json_t *)v, k, child)
    {
        char key[512];
        snprintf(key, sizeof key, "f:%s", k);
        json_object_set_new(fs, key, fieldset(child, true));
    }
    return fs;
}

static json_t *managed(const char *manager, const char *time, const char *subresource,
                       json_t *fields)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "manager", manager, "operation",
                          "Update", "apiVersion", API_VERSION, "time", time, "fieldsType",
                          "FieldsV1", "fieldsV1", fields);
    if (subresource)
        json_object_set_new(e, "subresource", json_string(subresource));
    return e;
}

/* What `kubectl apply` stores and the API server records for a manifest: the namespace, the
 * last-applied annotation (sorted keys, trailing newline) and kubectl's managedFields entry. */
static json_t *applied(const json_t *manifest, const char *time)
{
    json_t *obj = json_deep_copy(manifest);
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    json_object_set_new(meta, "namespace", json_string(NS));
    char *last = fo_json_dumps_canonical(obj);
    size_t n = strlen(last);
    char *with_nl = malloc(n + 2);
    memcpy(with_nl, last, n);
    memcpy(with_nl + n, "\n", 2);
    json_t *ann = fo_json_ensure_object(meta, "annotations");
    json_object_set_new(ann, "kubectl.kubernetes.io/last-applied-configuration",
                        json_string(with_nl));
    free(last);
    free(with_nl);

    json_t *fields = json_object();
    json_t *fmeta = json_object();
    json_object_set_new(
        fmeta, "f:annotations",
        json_pack("{s:{}, s:{}}", ".", "f:kubectl.kubernetes.io/last-applied-configuration"));
    json_object_set_new(fields, "f:metadata", fmeta);
    json_object_set_new(fields, "f:spec", fieldset(json_object_get(obj, "spec"), true));
    json_t *mf = json_array();
    json_array_append_new(mf, managed("kubectl-client-side-apply", time, NULL, fields));
    json_object_set_new(meta, "managedFields", mf);
    return obj;
}

/* A running deployment's status as the operator keeps it. */
static json_t *running_status(const json_t *spec, const char *name, long long generation)
{
    char *last = fo_flink_spec_write(spec, API_VERSION, false);
    char selector[300];
    snprintf(selector, sizeof selector, "component=taskmanager,app=%s", name);
    json_t *st = json_pack(
        "{s:{s:s, s:s, s:s, s:s}, s:s, s:{s:{s:i}, s:s, s:s, s:{s:i, s:[]}, s:s, s:s, s:s}, "
        "s:s, s:I, s:{s:s, s:s, s:I, s:s}, s:{s:s, s:i}, s:[{s:s, s:s, s:s, s:s, s:s, s:I}]}",
        "clusterInfo", "flink-revision", "0e2cba4 @ 2024-12-12T11:28:07+01:00", "flink-version",
        "1.20.0", "total-cpu", "3.0", "total-memory", "6442450944", "jobManagerDeploymentStatus",
        "READY", "jobStatus", "checkpointInfo", "lastPeriodicCheckpointTimestamp", 0, "jobId",
        "8c4a4d0f3f1b7e2f9d6e1a4b2c3d4e5f", "jobName", "State machine job", "savepointInfo",
        "lastPeriodicSavepointTimestamp", 0, "savepointHistory", "startTime", "1776676503000",
        "state", "RUNNING", "updateTime", "1776676510000", "lifecycleState", "STABLE",
        "observedGeneration", generation, "reconciliationStatus", "lastReconciledSpec", last,
        "lastStableSpec", last, "reconciliationTimestamp", (json_int_t)1776676503581LL, "state",
        "DEPLOYED", "taskManager", "labelSelector", selector, "replicas", 2, "conditions", "type",
        "Running", "status", "True", "reason", "Running", "message", "Job status RUNNING",
        "lastTransitionTime", "2026-04-20T09:15:10Z", "observedGeneration", generation);
    free(last);
    return st;
}

/* The object of a deployment that has been running for a while: its spec as the mutating
 * webhook stored it at creation (normalised with the cluster defaults, with the record of its
 * own pod templates: common/own_templates.h), server-set metadata,
 * the operator's finalizer and status, and the managedFields of all three writers. */
static json_t *stored(const json_t *manifest, const fo_cluster_defaults *cd, const char *rv,
                      long long generation)
{
    json_t *obj = applied(manifest, "2026-04-20T09:15:02Z");
    fo_err err;
    fo_err_clear(&err);
    if (fo_normalize_admission(obj, NULL, cd, false, &err) != FO_OK) {
        fprintf(stderr, "review_gen: %s\n", err.message);
        exit(1);
    }
    json_t *meta = json_object_get(obj, "metadata");
    const char *name = fo_json_str(meta, "name");
    json_object_set_new(meta, "uid", json_string("3f6c1e9a-5b2d-4c7e-8a1f-0d9e2b7c4a65"));
    json_object_set_new(meta, "resourceVersion", json_string(rv));
    json_object_set_new(meta, "generation", json_integer(generation));
    json_object_set_new(meta, "creationTimestamp", json_string("2026-04-20T09:15:02Z"));
    json_object_set_new(meta, "finalizers", json_pack("[s]", FINALIZER));
    json_t *mf = json_object_get(meta, "managedFields");
    json_t *ffin =
        json_pack("{s:{s:{s:{}, s:{}}}}", "f:metadata", "f:finalizers", ".", "v:\"" FINALIZER "\"");
    json_array_append_new(mf, managed("flinkop-controller", "2026-04-20T09:15:03Z", NULL, ffin));
    /* the status describes the spec the operator last deployed: generation 1's */
    json_t *status = running_status(json_object_get(obj, "spec"), name, 1);
    json_t *fstat = json_pack("{s:o}", "f:status", fieldset(status, true));
    json_array_append_new(mf,
                          managed("flinkop-controller", "2026-04-20T09:15:10Z", "status", fstat));
    json_object_set_new(obj, "status", status);
    return obj;
}

static json_t *review(const char *uid, const char *op, const char *name, json_t *object,
                      json_t *old_object)
{
    json_t *gvk = json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version", "v1beta1",
                            "kind", "FlinkDeployment");
    json_t *gvr = json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version", "v1beta1",
                            "resource", "flinkdeployments");
    json_t *req = json_pack(
        "{s:s, s:O, s:O, s:o, s:o, s:s, s:s, s:s, s:{s:s, s:s, s:[s, s]}, s:o, s:o, s:b, "
        "s:{s:s, s:s, s:s}}",
        "uid", uid, "kind", gvk, "resource", gvr, "requestKind", gvk, "requestResource", gvr,
        "name", name, "namespace", NS, "operation", op, "userInfo", "username", "jane@example.com",
        "uid", "5b9a0c1e-7d3f-4e2a-9c6b-1f8e0d2a3b4c", "groups", "flink-developers",
        "system:authenticated", "object", object, "oldObject",
        old_object ? old_object : json_null(), "dryRun", 0, "options", "apiVersion",
        "meta.k8s.io/v1", "kind", strcmp(op, "CREATE") == 0 ? "CreateOptions" : "UpdateOptions",
        "fieldManager", "kubectl-client-side-apply");
    return json_pack("{s:s, s:s, s:o}", "apiVersion", "admission.k8s.io/v1", "kind",
                     "AdmissionReview", "request", req);
}

static void write_json(const char *dir, const char *name, json_t *doc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = json_dumps(doc, JSON_COMPACT);
    FILE *f = fopen(path, "wb");
    if (!f || !text || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "review_gen: cannot write %s\n", path);
        exit(1);
    }
    printf("%s %zu bytes\n", path, strlen(text));
    free(text);
}

static fo_cluster_defaults *read_defaults(const char *path)
{
    if (!path)
        return fo_cluster_defaults_empty();
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "review_gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(buf, n, &err);
    if (!cd) {
        fprintf(stderr, "review_gen: %s: %s\n", path, err.message);
        exit(1);
    }
    return cd;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: review_gen OUTDIR [EXAMPLES_DIR [CLUSTER_DEFAULTS]]\n");
        return 2;
    }
    const char *examples = argc > 2 ? argv[2] : "examples";
    fo_cluster_defaults *cd = read_defaults(argc > 3 ? argv[3] : NULL);
    char path[4096];

    snprintf(path, sizeof path, "%s/basic.yaml", examples);
    json_t *basic = read_yaml(path);
    json_t *create = review("9a3e5c1d-2b4f-4a6e-8d0c-7e1f3a5b9c2d", "CREATE", "basic-example",
                            applied(basic, "2026-04-20T09:15:02Z"), NULL);
    write_json(argv[1], "create-basic.json", create);

    /* kubectl apply of the edited manifest patches the live object: only parallelism moves,
     * everything the webhook added at creation stays */
    snprintf(path, sizeof path, "%s/pod-templates.yaml", examples);
    json_t *manifest = read_yaml(path);
    json_t *old_obj = stored(manifest, cd, "184467", 1);
    json_t *new_obj = stored(manifest, cd, "184467", 2);
    json_object_set_new(fo_json_get(new_obj, "spec.job"), "parallelism", json_integer(4));
    json_object_set_new(fo_json_get(manifest, "spec.job"), "parallelism", json_integer(4));
    json_t *fresh = applied(manifest, "2026-04-21T14:02:40Z");
    const char *lac_key = "kubectl.kubernetes.io/last-applied-configuration";
    json_object_set(fo_json_get(new_obj, "metadata.annotations"), lac_key,
                    json_object_get(fo_json_get(fresh, "metadata.annotations"), lac_key));
    json_t *update = review("c4d2e8f0-6a1b-4c3d-9e5f-2a7b8c0d1e3f", "UPDATE",
                            "pod-template-example", new_obj, old_obj);
    write_json(argv[1], "update-pod-templates.json", update);

    json_decref(fresh);
    json_decref(create);
    json_decref(update);
    json_decref(basic);
    json_decref(manifest);
    fo_cluster_defaults_unref(cd);
    return 0;
}
