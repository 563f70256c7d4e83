/* controller/reconcile_*: a running cluster keeps the default Flink configuration it was
 * launched with (docs/controller.md "What a deployed cluster is made of"). The cluster
 * defaults' flinkConfiguration changes, as an admin edits the defaults file: Flink's pod
 * options (kubernetes.jobmanager.labels, .tolerations), ports (rest.port) and the like reach a
 * cluster at its next launch, never its running Deployments, Services or ConfigMap: patching
 * them rolled the JobManager pod without the upgrade mode, and a JobManager without HA
 * started its job over from empty state. */
#include <check.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "tests/unit/ctl_scenario.h"

static const char defaults_a[] = "flinkConfiguration:\n"
                                 "  kubernetes.jobmanager.labels: \"team:a\"\n"
                                 "  kubernetes.taskmanager.labels: \"team:a\"\n";
/* What the admin changes them to (Flink's pod options: docs of kubernetes.<role>.labels,
 * kubernetes.<role>.tolerations; rest.port and taskmanager.rpc.port: the Services' ports). */
static const char defaults_b[] =
    "flinkConfiguration:\n"
    "  kubernetes.jobmanager.labels: \"team:x\"\n"
    "  kubernetes.taskmanager.labels: \"team:x\"\n"
    "  kubernetes.jobmanager.tolerations: \"key:k,operator:Exists,effect:NoSchedule\"\n"
    "  kubernetes.taskmanager.tolerations: \"key:k,operator:Exists,effect:NoSchedule\"\n"
    "  rest.port: \"8082\"\n"
    "  taskmanager.rpc.port: \"6200\"\n";

static fo_cluster_defaults *given_defaults(void *ctx)
{
    return fo_cluster_defaults_ref(ctx);
}

static fo_cluster_defaults *parse_defaults(const char *yaml)
{
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(yaml, strlen(yaml), &err);
    ck_assert_msg(cd != NULL, "%s", err.message);
    return cd;
}

static void use_defaults(fake_world *w, fo_cluster_defaults *cd)
{
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd;
}

/* Passes (the kubelet and Flink playing along) until name is stable at its generation. */
static void settle(fake_world *w, const char *name)
{
    for (int i = 0; i < 16; i++) {
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
        if (owned(w, FO_CTL_DEPLOYMENT, name))
            jm_available(w, name);
        flink_job(w, name, "RUNNING");
        fo_clock_fake_advance(w->clock, 5000);
        json_t *obj = fd(w, name);
        int64_t gen = 0, seen = -1;
        fo_json_get_int(obj, "metadata.generation", &gen);
        fo_json_get_int(json_object_get(obj, "status"), "observedGeneration", &seen);
        const char *life = st_str(w, name, "lifecycleState");
        if (gen == seen && life && strcmp(life, "STABLE") == 0)
            return;
    }
    ck_abort_msg("%s never settled (lifecycle %s)", name, st_str(w, name, "lifecycleState"));
}

/* Passes over three observe intervals. */
static void idle_passes(fake_world *w, const char *name)
{
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
    }
}

static const char *pod_label(fake_world *w, const char *deployment, const char *label)
{
    json_t *labels =
        fo_json_get(owned(w, FO_CTL_DEPLOYMENT, deployment), "spec.template.metadata.labels");
    return fo_json_str(labels, label);
}

static bool pod_tolerates(fake_world *w, const char *deployment, const char *key)
{
    json_t *list =
        fo_json_get(owned(w, FO_CTL_DEPLOYMENT, deployment), "spec.template.spec.tolerations");
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        if (fo_json_str(t, "key") && strcmp(fo_json_str(t, "key"), key) == 0)
            return true;
    }
    return false;
}

static int64_t rest_port(fake_world *w, const char *name)
{
    char svc[300];
    snprintf(svc, sizeof svc, "%s-rest", name);
    json_t *ports = fo_json_get(owned(w, FO_CTL_SERVICE, svc), "spec.ports");
    int64_t port = 0;
    fo_json_get_int(json_array_get(ports, 0), "port", &port);
    return port;
}

static const char *config_text(fake_world *w, const char *name)
{
    char cm[300];
    snprintf(cm, sizeof cm, "flink-config-%s", name);
    return fo_json_str(fo_json_get(owned(w, FO_CTL_CONFIG_MAP, cm), "data"), "config.yaml");
}

/* The running cluster is left as it was; the next launch (a spec change) takes the change. */
static void keeps_its_defaults_until_the_next_launch(const char *fixture, const char *name,
                                                     bool standalone)
{
    fake_world *w = world_with(fixture);
    /* the address of Flink follows the port of the cluster that runs */
    w->settings.rest_url_template = "http://flink.test:{port}/{namespace}/{name}";
    fo_cluster_defaults *a = parse_defaults(defaults_a), *b = parse_defaults(defaults_b);
    use_defaults(w, a);
    settle(w, name);
    char tm[300];
    snprintf(tm, sizeof tm, "%s-taskmanager", name);
    ck_assert_str_eq(pod_label(w, name, "team"), "a");
    json_t *jm_before = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, name));
    json_t *tm_before = standalone ? json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, tm)) : NULL;
    int64_t port_before = rest_port(w, name);
    ck_assert_int_eq(port_before, 8081);

    use_defaults(w, b);
    size_t from = w->kube.nlog, calls = w->flink.ncalls;
    idle_passes(w, name);
    ck_assert_uint_gt(w->flink.ncalls, calls);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8081"), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_SERVICE), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_CONFIG_MAP), 0);
    ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, name), "spec.template"),
                            fo_json_get(jm_before, "spec.template")));
    if (standalone)
        ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, tm), "spec.template"),
                                fo_json_get(tm_before, "spec.template")));
    ck_assert_ptr_null(strstr(config_text(w, name), "8082"));
    ck_assert_str_eq(st_str(w, name, "lifecycleState"), "STABLE");

    /* The next launch takes the defaults of its time. */
    edit_spec(w, name, "image", json_string("flink:1.20.1"));
    settle(w, name);
    ck_assert_str_eq(pod_label(w, name, "team"), "x");
    ck_assert(pod_tolerates(w, name, "k"));
    ck_assert_int_eq(rest_port(w, name), 8082);
    ck_assert_ptr_nonnull(strstr(config_text(w, name), "rest.port: 8082"));
    calls = w->flink.ncalls;
    idle_passes(w, name);
    ck_assert_uint_gt(w->flink.ncalls, calls);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8082"), 0);
    if (standalone) {
        ck_assert_str_eq(pod_label(w, tm, "team"), "x");
        ck_assert(pod_tolerates(w, tm, "k"));
    }
    /* and keeps them when the defaults change again */
    use_defaults(w, a);
    from = w->kube.nlog;
    idle_passes(w, name);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_DEPLOYMENT), 0);
    ck_assert_str_eq(pod_label(w, name, "team"), "x");

    json_decref(jm_before);
    json_decref(tm_before);
    fake_world_free(w);
    fo_cluster_defaults_unref(a);
    fo_cluster_defaults_unref(b);
}

START_TEST(a_native_cluster_keeps_the_default_configuration_it_was_launched_with)
{
    keeps_its_defaults_until_the_next_launch("controller-application.yaml", "basic-example", false);
}
END_TEST

START_TEST(a_standalone_cluster_keeps_the_default_configuration_it_was_launched_with)
{
    keeps_its_defaults_until_the_next_launch("controller-application-standalone.yaml",
                                             "standalone-example", true);
}
END_TEST

/* A lost JobManager Deployment is recovered into its launch: with that launch's defaults. */
START_TEST(a_recovered_jobmanager_keeps_the_defaults_of_its_launch)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    fo_cluster_defaults *a = parse_defaults(defaults_a), *b = parse_defaults(defaults_b);
    use_defaults(w, a);
    settle(w, n);
    use_defaults(w, b);
    idle_passes(w, n);
    fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, n);
    settle(w, n);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(pod_label(w, n, "team"), "a");
    ck_assert(!pod_tolerates(w, n, "k"));
    ck_assert_int_eq(rest_port(w, n), 8081);
    fake_world_free(w);
    fo_cluster_defaults_unref(a);
    fo_cluster_defaults_unref(b);
}
END_TEST

/* Deleting a cluster whose defaults moved the REST port since its launch cancels its job
 * where it listens: at the port of its launch. */
START_TEST(a_deletion_reaches_flink_at_the_port_of_the_launch)
{
    fake_world *w = world_with("controller-application.yaml");
    w->settings.rest_url_template = "http://flink.test:{port}/{namespace}/{name}";
    const char *n = "basic-example";
    fo_cluster_defaults *a = parse_defaults(defaults_a), *b = parse_defaults(defaults_b);
    use_defaults(w, a);
    settle(w, n);
    use_defaults(w, b);
    size_t calls = w->flink.ncalls;
    json_object_set_new(json_object_get(fd(w, n), "metadata"), "deletionTimestamp",
                        json_string("2026-11-27T10:00:00Z"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_uint_gt(w->flink.ncalls, calls);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8081"), 0);
    fake_world_free(w);
    fo_cluster_defaults_unref(a);
    fo_cluster_defaults_unref(b);
}
END_TEST

/* A cluster launched before launches recorded their defaults (its ConfigMap has no record) is
 * not rolled by the operator upgrade: its first pass records the defaults its objects were
 * built with (a ConfigMap metadata patch, which restarts nothing), and a later change of the
 * defaults waits for its next launch like any other. */
START_TEST(a_cluster_launched_without_a_record_is_not_rolled)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    fo_cluster_defaults *a = parse_defaults(defaults_a), *b = parse_defaults(defaults_b);
    use_defaults(w, a);
    settle(w, n);
    /* The ConfigMap as flinkop wrote it before records. */
    json_t *cm = json_deep_copy(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    json_object_del(fo_json_get(cm, "metadata.annotations"), "flinkop.io/launch-defaults");
    fake_put(&w->kube, cm);
    json_t *data_before = json_deep_copy(json_object_get(cm, "data"));
    json_decref(cm);

    size_t from = w->kube.nlog;
    idle_passes(w, n);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_SERVICE), 0);
    ck_assert(fo_json_equal(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "data"),
        data_before));

    use_defaults(w, b);
    from = w->kube.nlog;
    idle_passes(w, n);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_KIND_COUNT), 0);
    ck_assert_str_eq(pod_label(w, n, "team"), "a");
    ck_assert(!pod_tolerates(w, n, "k"));
    json_decref(data_before);
    fake_world_free(w);
    fo_cluster_defaults_unref(a);
    fo_cluster_defaults_unref(b);
}
END_TEST

/* A default the spec overrides never ran in the cluster, and is not copied into its objects:
 * the record holds only what the cluster got. */
START_TEST(a_default_the_spec_overrides_is_not_recorded)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    fo_cluster_defaults *cd = parse_defaults("flinkConfiguration:\n"
                                             "  s3.secret-key: admin-secret\n"
                                             "  s3.access-key: admin-access\n");
    use_defaults(w, cd);
    json_object_set_new(json_object_get(json_object_get(fd(w, n), "spec"), "flinkConfiguration"),
                        "s3.secret-key", json_string("user-secret"));
    settle(w, n);
    json_t *cm = owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example");
    const char *rec =
        fo_json_str(fo_json_get(cm, "metadata.annotations"), "flinkop.io/launch-defaults");
    ck_assert_ptr_nonnull(rec);
    ck_assert_ptr_nonnull(strstr(rec, "admin-access"));
    ck_assert_ptr_null(strstr(rec, "admin-secret"));
    ck_assert_ptr_null(strstr(config_text(w, n), "admin-secret"));
    fake_world_free(w);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* HA turned on by the defaults of the launch, off in the defaults now, no HA ConfigMap written
 * yet: the cluster that runs has HA all the same, and its deletion waits for the JobManager
 * pod (its leader election would write the leader map, which would outlive the resource). */
START_TEST(a_deletion_waits_for_the_jobmanager_pods_when_the_launch_had_ha)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    fo_cluster_defaults *ha = parse_defaults("flinkConfiguration:\n"
                                             "  high-availability.type: kubernetes\n"
                                             "  high-availability.storageDir: s3://bucket/ha\n");
    fo_cluster_defaults *none = parse_defaults("flinkConfiguration: {}\n");
    use_defaults(w, ha);
    settle(w, n);
    use_defaults(w, none);
    idle_passes(w, n);
    ck_assert_ptr_nonnull(strstr(config_text(w, n), "high-availability.type: kubernetes"));
    put_jm_pod(w, n, "basic-example-jm-0", false);
    json_object_set_new(json_object_get(fd(w, n), "metadata"), "deletionTimestamp",
                        json_string("2026-04-20T09:20:00Z"));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_msg(fd(w, n) != NULL, "the finalizer went while a JobManager pod of an HA cluster "
                                    "was still there");
    fake_drop(&w->kube, FO_CTL_POD, NS, "basic-example-jm-0");
    for (int i = 0; i < 3 && fd(w, n); i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(fd(w, n));
    ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    fake_world_free(w);
    fo_cluster_defaults_unref(ha);
    fo_cluster_defaults_unref(none);
}
END_TEST

/* A cluster launched without a record, whose defaults changed while the operator was being
 * upgraded (a new defaults file shipped with the new version): its pods were rendered from the
 * old defaults, and nothing tells which defaults they were. Its first pass records the current
 * ones and drift repair rolls its JobManager with them, as the earlier version would have done
 * (docs/controller.md). This pins that documented transition: it is the one time a changed
 * default still reaches a running cluster. */
START_TEST(a_cluster_without_a_record_takes_defaults_changed_during_the_operator_upgrade)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    fo_cluster_defaults *a = parse_defaults(defaults_a), *b = parse_defaults(defaults_b);
    use_defaults(w, a);
    settle(w, n);
    json_t *cm = json_deep_copy(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    json_object_del(fo_json_get(cm, "metadata.annotations"), "flinkop.io/launch-defaults");
    fake_put(&w->kube, cm);
    json_decref(cm);
    use_defaults(w, b);
    size_t from = w->kube.nlog;
    idle_passes(w, n);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 1);
    ck_assert_str_eq(pod_label(w, n, "team"), "x");
    ck_assert_int_eq(rest_port(w, n), 8082);
    fake_world_free(w);
    fo_cluster_defaults_unref(a);
    fo_cluster_defaults_unref(b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_launch_defaults");
    TCase *tc = tcase_create("launch_defaults");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_native_cluster_keeps_the_default_configuration_it_was_launched_with);
    tcase_add_test(tc, a_standalone_cluster_keeps_the_default_configuration_it_was_launched_with);
    tcase_add_test(tc, a_recovered_jobmanager_keeps_the_defaults_of_its_launch);
    tcase_add_test(tc, a_cluster_launched_without_a_record_is_not_rolled);
    tcase_add_test(tc,
                   a_cluster_without_a_record_takes_defaults_changed_during_the_operator_upgrade);
    tcase_add_test(tc, a_default_the_spec_overrides_is_not_recorded);
    tcase_add_test(tc, a_deletion_reaches_flink_at_the_port_of_the_launch);
    tcase_add_test(tc, a_deletion_waits_for_the_jobmanager_pods_when_the_launch_had_ha);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
