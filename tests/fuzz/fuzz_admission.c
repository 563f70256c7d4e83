/* The admission-facing pipeline on arbitrary objects (JSON, or YAML when the input is not
 * JSON), with and without cluster defaults (tests/data/cluster-defaults-full.yaml):
 *  - fo_normalize_resource is idempotent: normalising the result again changes nothing, and
 *    the webhook's JSON Patch (fo_json_patch_diff) turns the input into the result;
 *  - normalising the webhook's sharing copy (fo_normalize_copy) leaves the input as it was
 *    and gives, byte for byte, what normalising a deep copy gives;
 *  - fo_validate_deployment / fo_validate_session_job never crash or leak, and every error
 *    names a field, whatever the object (normalised or not);
 *  - fo_flink_spec_canonical is idempotent and fo_flink_spec_parse reads
 *    fo_flink_spec_write's text back to the canonical spec;
 *  - the controller's side (fo_flink_view_init, fo_flink_conf_build, the cluster-side
 *    configuration and its rendering, the lifecycle) never crashes or leaks;
 *  - the admission rules' parse of lastReconciledSpec builds the members they compare exactly
 *    as the full parse does;
 *  - the webhook's /mutate path end to end: a CREATE review around the object, decoded as
 *    /mutate decodes it (the status left out), fo_admit_mutate, and its patch text applied to
 *    the decoded object gives what normalising that object as the webhook does gives
 *    (fo_normalize_admission: with the record of the own pod templates).
 * Each input runs inside a json_arena window, as a webhook request does, so ASan sees a value
 * that outlives it or overruns its allocation. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/field_errors.h"
#include "common/flink_conf.h"
#include "common/flink_model.h"
#include "common/json_arena.h"
#include "common/json_patch.h"
#include "common/normalize.h"
#include "common/validate.h"
#include "common/yamlconv.h"
#include "tests/fuzz/fuzz.h"
#include "webhook/admission.h"
#include "webhook/admit_mutate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fo_cluster_defaults *defaults;
static const json_t *current; /* the object under test, for the lookup callback */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fo_json_arena_install();
    const char *dir = getenv("FO_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/cluster-defaults-full.yaml", dir ? dir : "tests/data");
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char text[65536];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    defaults = fo_cluster_defaults_parse(text, n, NULL);
    return 0;
}

/* The session cluster of a session job: the object itself, renamed, so both kinds of answer
 * (an application cluster, a session cluster, wrong types) come from the input. */
static json_t *lookup(void *ctx, const char *ns, const char *name)
{
    (void)ctx;
    (void)ns;
    if (!current || name[0] == 'n')
        return NULL;
    json_t *c = json_deep_copy(current);
    if (c && name[0] != 'm')
        fo_json_set_path(c, "metadata.name", json_string(name));
    return c;
}

static int resolve(void *ctx, const char *host, char out[][64], int max)
{
    (void)ctx;
    if (max < 2 || host[0] == 'x')
        return 0;
    if (host[0] == 'y')
        return -1;
    snprintf(out[0], 64, "%s", host[0] == 'i' ? "10.1.2.3" : "93.184.216.34");
    snprintf(out[1], 64, "%s", host[0] == 'j' ? "::1" : "2606:2800:220:1::");
    return 2;
}

static void validate(const json_t *obj, const fo_cluster_defaults *cd)
{
    static const char *const schemes[] = {"https", "http", "s3", "local", NULL};
    fo_validate_env env = {
        .default_flink_config = fo_cluster_defaults_flink_config(cd),
        .lookup_deployment = lookup,
        .resolve_host = resolve,
        .allowed_jar_schemes = cd ? schemes : NULL,
    };
    fo_field_errors *errs = fo_field_errors_new();
    fo_validate_deployment(obj, &env, errs);
    fo_validate_session_job(obj, cd ? &env : NULL, errs);
    for (size_t i = 0; i < fo_field_errors_count(errs); i++) {
        const fo_field_error *e = fo_field_errors_get(errs, i);
        FUZZ_CHECK(e->field && e->field[0] && e->message, "an error without a field");
    }
    char *all = fo_field_errors_join(errs, "\n");
    free(all);
    json_t *causes = fo_field_errors_causes(errs);
    json_decref(causes);
    fo_field_errors_free(errs);
}

static void check_normalize(const json_t *obj, const fo_cluster_defaults *cd)
{
    json_t *once = json_deep_copy(obj);
    fo_err err;
    fo_err_clear(&err);
    if (fo_normalize_resource(once, cd, &err) != FO_OK) {
        FUZZ_CHECK(err.message[0], "normalize failed without a message");
        json_decref(once);
        return;
    }
    json_t *twice = json_deep_copy(once);
    fo_err_clear(&err);
    FUZZ_CHECK(fo_normalize_resource(twice, cd, &err) == FO_OK, "second pass failed: %s",
               err.message);
    fuzz_check_equal(once, twice, "normalize is not idempotent");

    json_t *patch = fo_json_patch_diff(obj, once);
    fo_err_clear(&err);
    json_t *patched = fo_json_patch_apply(obj, patch, &err);
    FUZZ_CHECK(patched && fo_json_equal(patched, once), "the webhook's patch is wrong: %s",
               err.message);
    /* the webhook's way: a copy that shares what normalising only reads (normalize.h) */
    json_t *before = json_deep_copy(obj), *shared = fo_normalize_copy(obj);
    FUZZ_CHECK(shared != NULL, "fo_normalize_copy failed");
    fo_err_clear(&err);
    FUZZ_CHECK(fo_normalize_resource(shared, cd, &err) == FO_OK, "the shared copy fails: %s",
               err.message);
    FUZZ_CHECK(fo_json_identical(obj, before), "normalising the shared copy changed the object");
    FUZZ_CHECK(fo_json_identical(shared, once), "the shared copy normalises differently");
    json_decref(shared);
    json_decref(before);
    validate(once, cd);
    json_decref(patched);
    json_decref(patch);
    json_decref(twice);
    json_decref(once);
}

static void check_mutate_route(const json_t *obj, const fo_cluster_defaults *cd)
{
    const char *kind = fo_json_str(obj, "kind");
    if (!kind || (strcmp(kind, "FlinkDeployment") != 0 && strcmp(kind, "FlinkSessionJob") != 0))
        return;
    bool deployment = strcmp(kind, "FlinkDeployment") == 0;
    json_t *review = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:O}}", "apiVersion",
        "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", "fuzz", "kind", "group",
        "flink.apache.org", "version", "v1beta1", "kind", kind, "resource", "group",
        "flink.apache.org", "version", "v1beta1", "resource",
        deployment ? "flinkdeployments" : "flinksessionjobs", "operation", "CREATE", "object", obj);
    char *text = fo_json_dumps_compact(review);
    json_decref(review);
    FUZZ_CHECK(text != NULL, "the review cannot be written");
    fo_admission_request req;
    fo_err err;
    fo_err_clear(&err);
    if (fo_admission_decode_without_status(text, strlen(text), &req, &err) != FO_OK) {
        /* what the reader refuses (a NUL in a key, deep nesting) is fuzz_json_read's business;
         * anything else is this review's fault */
        FUZZ_CHECK(strncmp(err.message, "body: malformed JSON", 20) == 0,
                   "the review does not decode: %s", err.message);
        free(text);
        return;
    }
    /* what the patch must give: the decoded object, normalised as the webhook normalises it
     * (with the record of its own pod templates); unchanged for a canary, an object being
     * deleted or one past the weight bound, or when normalising fails (the answer is then a
     * warning), or when the result would come near the bound */
    json_t *want = fo_json_copy(req.object);
    fo_err_clear(&err);
    const json_t *deleting = fo_json_get(want, "metadata.deletionTimestamp");
    bool untouched = req.too_large || fo_validate_is_canary(want) ||
                     (deleting && !json_is_null(deleting));
    if (!untouched && (fo_normalize_admission(want, NULL, cd, false, &err) != FO_OK ||
                       fo_json_weight(want, FO_FLINK_MAX_OBJECT_WEIGHT) >
                           FO_FLINK_MAX_OBJECT_WEIGHT - 2000)) {
        json_decref(want);
        want = fo_json_copy(req.object);
    } else if (!untouched) {
        /* stored, it is what the webhook writes again on an update (no drift for GitOps
         * tools) and what the controller layers it into (common/own_templates.h) */
        json_t *again = fo_json_copy(want);
        FUZZ_CHECK(fo_normalize_admission(again, want, cd, false, &err) == FO_OK,
                   "normalising the result again failed: %s", err.message);
        fuzz_check_equal(want, again, "the webhook's normalisation is not idempotent");
        json_t *controller = fo_json_copy(want);
        FUZZ_CHECK(fo_normalize_resource(controller, cd, &err) == FO_OK,
                   "the controller's normalisation failed: %s", err.message);
        fuzz_check_equal(json_object_get(want, "spec"), json_object_get(controller, "spec"),
                         "the controller layers the stored object otherwise");
        json_decref(controller);
        json_decref(again);
    }
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_mutate(&req, cd, &resp);
    json_t *got;
    if (resp.patch) {
        json_error_t jerr;
        json_t *patch = json_loadb(resp.patch, resp.patch_len, JSON_ALLOW_NUL, &jerr);
        FUZZ_CHECK(json_is_array(patch) && json_array_size(patch) > 0,
                   "the patch text is no operation array: %s", jerr.text);
        fo_err_clear(&err);
        got = fo_json_patch_apply(req.object, patch, &err);
        FUZZ_CHECK(got != NULL, "the patch does not apply: %s", err.message);
        json_decref(patch);
    } else {
        got = fo_json_copy(req.object);
    }
    fuzz_check_equal(want, got, "the /mutate patch does not give the normalised object");
    json_decref(got);
    json_decref(want);
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    free(text);
}

static void check_spec(const json_t *obj)
{
    const json_t *spec = json_object_get(obj, "spec");
    if (!json_is_object(spec))
        return;
    fo_flink_kind kind = fo_flink_kind_of(obj);
    json_t *c1 = fo_flink_spec_canonical(spec, kind);
    FUZZ_CHECK(c1 != NULL, "canonical form failed");
    json_t *c2 = fo_flink_spec_canonical(c1, kind);
    fuzz_check_equal(c1, c2, "the canonical form is not idempotent");
    char *text = fo_flink_spec_write(spec, NULL, true);
    FUZZ_CHECK(text != NULL, "spec_write failed");
    json_t *back = NULL;
    fo_flink_spec_meta meta;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_flink_spec_parse(text, kind, &back, &meta, &err);
    if (rc == FO_OK) {
        FUZZ_CHECK(meta.present && meta.first_deployment, "metadata lost");
        fuzz_check_equal(c1, back, "write -> parse is not the canonical spec");
    } else {
        /* only a document deeper than the JSON reader's limit may fail */
        FUZZ_CHECK(err.message[0], "spec_parse failed without a message");
    }
    json_decref(back);
    free(text);
    json_decref(c2);
    json_decref(c1);
}

static void controller_side(const json_t *obj, const fo_cluster_defaults *cd)
{
    fo_field_errors *errs = fo_field_errors_new();
    fo_flink_view v;
    (void)fo_flink_view_init(&v, obj, errs);
    fo_field_errors_free(errs);
    (void)fo_flink_lifecycle_derive(obj);
    fo_rc full_rc = FO_OK, rules_rc = FO_OK;
    json_t *last = fo_flink_last_reconciled_spec(obj, NULL, &full_rc);
    json_t *rules = fo_flink_last_reconciled_spec_for_rules(obj, &rules_rc);
    FUZZ_CHECK(full_rc == rules_rc && !last == !rules, "the rules' parse fails differently");
    static const char *const compared[] = {"job", "mode", "flinkVersion", "deploymentName"};
    for (size_t i = 0; last && i < sizeof compared / sizeof *compared; i++)
        FUZZ_CHECK(fo_json_equal(json_object_get(last, compared[i]),
                                 json_object_get(rules, compared[i])),
                   "the rules' parse reads %s differently", compared[i]);
    json_decref(rules);
    json_decref(last);

    json_t *dflt = fo_flink_conf_defaults_for(
        fo_cluster_defaults_flink_config(cd), fo_json_get_str(obj, "metadata.namespace"),
        fo_flink_version_parse(fo_json_get_str(obj, "spec.flinkVersion")));
    char *owner = fo_flink_conf_owner_reference(obj);
    fo_flink_deploy_opts opts = {.savepoint_path = "s3://b/sp",
                                 .owner_reference = owner,
                                 .generation = 3,
                                 .job_result_store_id = "jrs-1"};
    fo_err err;
    fo_err_clear(&err);
    json_t *conf = fo_flink_conf_build(obj, dflt, &opts, &err);
    if (conf) {
        json_t *side = fo_flink_conf_cluster_side(conf);
        char *a = fo_flink_conf_render(side, FO_FLINK_V1_20, NULL);
        char *b = fo_flink_conf_render(side, FO_FLINK_V1_17, NULL);
        free(a);
        free(b);
        json_decref(side);
        json_t *job = fo_flink_conf_build_session_job(obj, conf, NULL);
        json_decref(job);
    } else {
        FUZZ_CHECK(err.message[0], "conf build failed without a message");
    }
    json_decref(conf);
    free(owner);
    json_decref(dflt);
}

static void one_input(const uint8_t *data, size_t size)
{
    json_t *obj = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    if (!obj)
        obj = fo_yaml_parse((const char *)data, size, FUZZ_MAX_INPUT, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return;
    }
    current = obj;
    json_t *copy = json_deep_copy(obj);
    check_normalize(obj, NULL);
    check_normalize(obj, defaults);
    check_mutate_route(obj, defaults);
    validate(obj, defaults);
    check_spec(obj);
    controller_side(obj, defaults);
    fuzz_check_equal(copy, obj, "the pipeline changed its input");
    json_decref(copy);
    current = NULL;
    json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    fo_json_arena_begin();
    one_input(data, size);
    fo_json_arena_end();
    return 0;
}
