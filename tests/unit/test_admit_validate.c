/* webhook/admit_validate: which requests are judged, and how the validator's findings become
 * the answer (every error in one denial, warnings on allow and deny). The rules themselves
 * belong to common/validate; the fixtures break rules of reference section b.3/b.4. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "webhook/admission.h"
#include "webhook/admit_validate.h"

/* A review of op on obj; old (may be NULL) is the stored object of an UPDATE. */
static void make_request(const char *op, const json_t *obj, const json_t *old, const char *sub,
                         fo_admission_request *req)
{
    const char *kind = fo_json_str(obj, "kind");
    const char *plural =
        strcmp(kind, "FlinkSessionJob") == 0 ? "flinksessionjobs" : "flinkdeployments";
    bool has_object = strcmp(op, "CREATE") == 0 || strcmp(op, "UPDATE") == 0;
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:s, "
        "s:s, s:O, s:b}}",
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid",
        "b3f3c0a2-1111-4222-8333-944445555666", "kind", "group", "flink.apache.org", "version",
        "v1beta1", "kind", kind, "resource", "group", "flink.apache.org", "version", "v1beta1",
        "resource", plural, "name", fo_json_get_str(obj, "metadata.name"), "namespace",
        "flink-jobs", "operation", op, "object", has_object ? obj : json_null(), "dryRun", 0);
    if (sub)
        json_object_set_new(json_object_get(doc, "request"), "subResource", json_string(sub));
    if (old)
        json_object_set(json_object_get(doc, "request"), "oldObject", (json_t *)old);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    /* a key "nul-key" becomes one holding NUL (jansson cannot make such a key) */
    for (char *k = strstr(text, "\"nul-key\""); k; k = strstr(k, "\"nul-key\""))
        memcpy(k + 1, "\\u0000x", 7); /* as long as nul-key: the key NUL, x */
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_admission_decode(text, strlen(text), req, &err) == FO_OK, "%s", err.message);
    free(text);
}

/* Validate obj with env; the response stays for the caller to inspect and release. */
static void judge(const json_t *obj, const char *op, const char *sub, const fo_validate_env *env,
                  fo_admission_response *resp)
{
    fo_admission_request req;
    make_request(op, obj, NULL, sub, &req);
    fo_admission_response_init(resp);
    fo_admit_validate(&req, env, resp);
    ck_assert_ptr_null(resp->patch); /* a validating webhook never patches (section 4 rule 5) */
    fo_admission_request_release(&req);
}

START_TEST(a_valid_deployment_is_allowed_without_remarks)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    fo_admission_response resp;
    judge(obj, "CREATE", NULL, NULL, &resp);
    ck_assert(resp.allowed);
    ck_assert_ptr_null(resp.message);
    ck_assert_uint_eq(json_array_size(resp.warnings), 0);
    fo_admission_response_release(&resp);
    json_decref(obj);
}
END_TEST

START_TEST(every_broken_rule_is_named_in_one_denial)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-four-errors.yaml");
    static const char *fields[] = {"metadata.name", "spec.flinkVersion", "spec.job.parallelism",
                                   "spec.serviceAccount"};
    for (int update = 0; update <= 1; update++) {
        fo_admission_response resp;
        judge(obj, update ? "UPDATE" : "CREATE", NULL, NULL, &resp);
        ck_assert(!resp.allowed);
        ck_assert_int_eq(resp.code, 422);
        ck_assert_str_eq(resp.reason, "Invalid");
        ck_assert_ptr_nonnull(strstr(resp.message, "FlinkDeployment \"Bad_Name\" is invalid: "));
        for (size_t i = 0; i < 4; i++) {
            ck_assert_msg(strstr(resp.message, fields[i]) != NULL, "message lacks %s: %s",
                          fields[i], resp.message);
            bool in_causes = false;
            json_t *causes = json_object_get(resp.details, "causes");
            for (size_t c = 0; c < json_array_size(causes); c++)
                if (strcmp(fo_json_str(json_array_get(causes, c), "field"), fields[i]) == 0)
                    in_causes = true;
            ck_assert_msg(in_causes, "details.causes lacks %s", fields[i]);
        }
        fo_admission_response_release(&resp);
    }
    json_decref(obj);
}
END_TEST

START_TEST(a_deprecated_flink_version_is_allowed_with_a_warning)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-deprecated-version.yaml");
    fo_admission_response resp;
    judge(obj, "CREATE", NULL, NULL, &resp);
    ck_assert_msg(resp.allowed, "denied: %s", resp.message ? resp.message : "");
    ck_assert_uint_ge(json_array_size(resp.warnings), 1);
    const char *w = json_string_value(json_array_get(resp.warnings, 0));
    ck_assert_ptr_nonnull(strstr(w, "spec.flinkVersion"));
    ck_assert_ptr_nonnull(strstr(w, "deprecated"));
    fo_admission_response_release(&resp);
    json_decref(obj);
}
END_TEST

START_TEST(canaries_deletes_subresources_and_other_kinds_are_allowed_untouched)
{
    fo_admission_response resp;
    json_t *canary = fo_test_load_yaml("admission-flinkdeployment-canary.yaml");
    judge(canary, "CREATE", NULL, NULL, &resp);
    ck_assert(resp.allowed);
    ck_assert_ptr_null(resp.warnings);
    fo_admission_response_release(&resp);
    json_decref(canary);

    json_t *bad = fo_test_load_yaml("admission-flinkdeployment-four-errors.yaml");
    judge(bad, "DELETE", NULL, NULL, &resp);
    ck_assert(resp.allowed);
    fo_admission_response_release(&resp);
    judge(bad, "UPDATE", "status", NULL, &resp);
    ck_assert(resp.allowed);
    fo_admission_response_release(&resp);
    json_object_set_new(bad, "kind", json_string("FlinkStateSnapshot"));
    judge(bad, "CREATE", NULL, NULL, &resp);
    ck_assert(resp.allowed);
    fo_admission_response_release(&resp);
    json_decref(bad);
}
END_TEST

/* A number past 64 bits, as the API server writes it (it holds it as a float64): the denial
 * names the field, where refusing the whole review would show the user a failed webhook call. */
START_TEST(an_integer_past_64_bits_is_denied_naming_its_field)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_object_set_new(json_object_get(json_object_get(obj, "spec"), "job"), "parallelism",
                        json_integer(987654321));
    json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:s, "
                            "s:s, s:O}}",
                            "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview",
                            "request", "uid", "b3f3c0a2-1111-4222-8333-944445555666", "kind",
                            "group", "flink.apache.org", "version", "v1beta1", "kind",
                            "FlinkDeployment", "resource", "group", "flink.apache.org",
                            "version", "v1beta1", "resource", "flinkdeployments", "namespace",
                            "flink-jobs", "operation", "CREATE", "object", obj);
    char *text = json_dumps(doc, JSON_COMPACT);
    char *at = strstr(text, "987654321");
    ck_assert_ptr_nonnull(at);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_append(&sb, text, (size_t)(at - text));
    fo_strbuf_puts(&sb, "100000000000000000000");
    fo_strbuf_puts(&sb, at + strlen("987654321"));
    fo_admission_request req;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_admission_decode(sb.data, sb.len, &req, &err) == FO_OK, "%s", err.message);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_validate(&req, NULL, &resp);
    ck_assert(!resp.allowed);
    ck_assert_ptr_nonnull(strstr(resp.message, "spec.job.parallelism"));
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    fo_strbuf_release(&sb);
    free(text);
    json_decref(doc);
    json_decref(obj);
}
END_TEST

/* Taking the finalizer off an object that no longer passes the rules (they were tightened, or
 * a session job's jar host stopped resolving) must not keep it in Terminating; changing the
 * spec of an object being deleted is still judged. The API server sends the stored object as
 * oldObject, with the generation it had before this update. */
static bool allowed_update(const json_t *obj, json_int_t old_generation)
{
    json_t *old = json_deep_copy(obj);
    json_object_set_new(json_object_get(old, "metadata"), "generation",
                        json_integer(old_generation));
    fo_admission_request req;
    make_request("UPDATE", obj, old, NULL, &req);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_validate(&req, NULL, &resp);
    bool allowed = resp.allowed;
    if (allowed)
        ck_assert_ptr_null(resp.warnings); /* untouched */
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    json_decref(old);
    return allowed;
}

START_TEST(an_invalid_object_being_deleted_can_lose_its_finalizers)
{
    json_t *bad = fo_test_load_yaml("admission-flinkdeployment-four-errors.yaml");
    json_t *meta = json_object_get(bad, "metadata");
    json_object_set_new(meta, "generation", json_integer(3));
    ck_assert(!allowed_update(bad, 3)); /* the control: judged while it lives */
    json_object_set_new(meta, "deletionTimestamp", json_string("2026-11-26T11:40:00Z"));
    json_object_set_new(meta, "finalizers", json_array());
    ck_assert(allowed_update(bad, 3));  /* finalizers off, spec as it was */
    ck_assert(!allowed_update(bad, 2)); /* the spec changed (generation moved): judged */
    json_object_set_new(meta, "deletionTimestamp", json_null());
    ck_assert(!allowed_update(bad, 3)); /* a null timestamp is no deletion */
    json_decref(bad);
}
END_TEST

/* The status is the controller's (the API server takes it from the stored object on every
 * update of the main resource): the rules compare the spec with its lastReconciledSpec, and
 * nothing else in it can deny a spec change the user makes. */
static fo_admission_response judge_update_with_status(json_t *obj, json_t *status)
{
    json_object_set_new(obj, "status", status);
    json_t *old = json_deep_copy(obj);
    fo_admission_request req;
    make_request("UPDATE", obj, old, NULL, &req);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_validate(&req, NULL, &resp);
    fo_admission_request_release(&req);
    json_decref(old);
    return resp;
}

START_TEST(the_status_counts_only_through_the_last_reconciled_spec)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    /* deployed as a session cluster: the job the spec now holds is refused */
    json_t *session_spec = json_pack("{s:s, s:s}", "image", "flink:2.2", "flinkVersion", "v2_2");
    char *session = fo_flink_spec_write(session_spec, NULL, false);
    json_decref(session_spec);
    fo_admission_response resp = judge_update_with_status(
        obj, json_pack("{s:{s:s, s:s}}", "reconciliationStatus", "state", "DEPLOYED",
                       "lastReconciledSpec", session));
    ck_assert(!resp.allowed);
    ck_assert_ptr_nonnull(strstr(resp.message, "Cannot switch from session to job cluster"));
    fo_admission_response_release(&resp);
    free(session);
    /* members of the wrong type elsewhere in the status do not stand in the user's way */
    resp = judge_update_with_status(
        obj, json_pack("{s:i, s:[], s:i, s:{s:i, s:[]}}", "jobStatus", 5, "lifecycleState",
                       "observedGeneration", 1, "reconciliationStatus", "state", 3,
                       "lastStableSpec"));
    ck_assert_msg(resp.allowed, "%s", resp.message ? resp.message : "");
    fo_admission_response_release(&resp);
    json_decref(obj);
}
END_TEST

/* The reader says whether it built a key holding NUL, and the rules walk for such keys only
 * then: one in the spec is still refused by name, one elsewhere (a label) is no spec problem. */
START_TEST(a_key_holding_nul_is_named_after_the_reader_saw_one)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    fo_admission_request req;
    make_request("CREATE", obj, NULL, NULL, &req);
    ck_assert(req.keys_without_nul);
    fo_admission_request_release(&req);

    json_object_set_new(fo_json_ensure_object(obj, "spec"), "flinkConfiguration",
                        json_pack("{s:s}", "nul-key", "1"));
    make_request("CREATE", obj, NULL, NULL, &req);
    ck_assert(!req.keys_without_nul);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_validate(&req, NULL, &resp);
    ck_assert(!resp.allowed);
    ck_assert_ptr_nonnull(strstr(resp.message, "holds a NUL"));
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);

    json_object_del(json_object_get(obj, "spec"), "flinkConfiguration");
    json_object_set_new(fo_json_ensure_object(obj, "metadata"), "labels",
                        json_pack("{s:s}", "nul-key", "1"));
    make_request("CREATE", obj, NULL, NULL, &req);
    ck_assert(!req.keys_without_nul);
    fo_admission_response_init(&resp);
    fo_admit_validate(&req, NULL, &resp);
    ck_assert_msg(resp.allowed, "%s", resp.message ? resp.message : "");
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    json_decref(obj);
}
END_TEST

/* A stand-in for the webhook's FlinkDeployment cache. */
static json_t *cluster;
static int lookups;

static json_t *lookup(void *ctx, const char *ns, const char *name)
{
    (void)ctx;
    lookups++;
    if (!cluster || strcmp(ns, "flink-jobs") != 0 ||
        strcmp(name, fo_json_get_str(cluster, "metadata.name")) != 0)
        return NULL;
    return json_incref(cluster);
}

START_TEST(session_job_cluster_checks_run_only_when_the_cluster_is_known)
{
    json_t *job = fo_test_load_yaml("admission-flinksessionjob-basic.yaml");
    fo_admission_response resp;
    /* no API access: allowed, the cluster checks are skipped */
    judge(job, "CREATE", NULL, NULL, &resp);
    ck_assert_msg(resp.allowed, "denied: %s", resp.message ? resp.message : "");
    fo_admission_response_release(&resp);

    /* the cluster does not exist (yet): allowed (reference b.4) */
    fo_validate_env env = {.lookup_deployment = lookup};
    cluster = NULL;
    lookups = 0;
    judge(job, "CREATE", NULL, &env, &resp);
    ck_assert(resp.allowed);
    ck_assert_int_ge(lookups, 1);
    fo_admission_response_release(&resp);

    /* the target is an application cluster: a session job cannot go there (b.4 item 5) */
    cluster = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_object_set_new(json_object_get(cluster, "metadata"), "name",
                        json_string("session-cluster"));
    judge(job, "CREATE", NULL, &env, &resp);
    ck_assert(!resp.allowed);
    ck_assert_int_eq(resp.code, 422);
    ck_assert_ptr_nonnull(strstr(resp.message, "FlinkSessionJob \"basic-session-job\""));
    fo_admission_response_release(&resp);

    /* a session cluster (no job) takes it */
    json_object_del(json_object_get(cluster, "spec"), "job");
    judge(job, "CREATE", NULL, &env, &resp);
    ck_assert_msg(resp.allowed, "denied: %s", resp.message ? resp.message : "");
    fo_admission_response_release(&resp);
    json_decref(cluster);
    cluster = NULL;
    json_decref(job);
}
END_TEST

START_TEST(a_session_job_without_deployment_name_is_denied_naming_the_field)
{
    json_t *job = fo_test_load_yaml("admission-flinksessionjob-basic.yaml");
    json_object_del(json_object_get(job, "spec"), "deploymentName");
    fo_admission_response resp;
    judge(job, "CREATE", NULL, NULL, &resp);
    ck_assert(!resp.allowed);
    ck_assert_ptr_nonnull(strstr(resp.message, "spec.deploymentName"));
    fo_admission_response_release(&resp);
    json_decref(job);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admit_validate");
    TCase *tc = tcase_create("admit_validate");
    tcase_add_test(tc, a_valid_deployment_is_allowed_without_remarks);
    tcase_add_test(tc, every_broken_rule_is_named_in_one_denial);
    tcase_add_test(tc, a_deprecated_flink_version_is_allowed_with_a_warning);
    tcase_add_test(tc, canaries_deletes_subresources_and_other_kinds_are_allowed_untouched);
    tcase_add_test(tc, an_invalid_object_being_deleted_can_lose_its_finalizers);
    tcase_add_test(tc, the_status_counts_only_through_the_last_reconciled_spec);
    tcase_add_test(tc, a_key_holding_nul_is_named_after_the_reader_saw_one);
    tcase_add_test(tc, an_integer_past_64_bits_is_denied_naming_its_field);
    tcase_add_test(tc, session_job_cluster_checks_run_only_when_the_cluster_is_known);
    tcase_add_test(tc, a_session_job_without_deployment_name_is_denied_naming_the_field);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
