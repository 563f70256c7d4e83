/* examples/: every example is a valid resource for the library (normalised, then validated the
 * way the webhook and the controller do), the cluster defaults file parses, and the invalid
 * example is refused with every one of its mistakes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/field_errors.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/validate.h"
#include "common/yamlconv.h"

#define FO_EXAMPLE_MAX (1024u * 1024)

static char *read_example(const char *name, size_t *len)
{
    const char *root = getenv("FO_SRC_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s", root && *root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc(FO_EXAMPLE_MAX + 1);
    *len = fread(buf, 1, FO_EXAMPLE_MAX, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static fo_field_errors *validate_example(const char *name, const fo_cluster_defaults *cd)
{
    size_t len;
    char *text = read_example(name, &len);
    fo_err err;
    fo_err_clear(&err);
    json_t *obj = fo_yaml_parse(text, len, FO_EXAMPLE_MAX, &err);
    ck_assert_msg(obj != NULL, "%s: %s", name, err.message);
    free(text);
    /* kubectl apply fills the namespace from the context. */
    json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string("default"));
    ck_assert_int_eq(fo_normalize_resource(obj, cd, &err), FO_OK);
    fo_field_errors *errs = fo_field_errors_new();
    fo_validate_env env = {
        .default_flink_config = cd ? fo_cluster_defaults_flink_config(cd) : NULL};
    fo_validate_deployment(obj, &env, errs);
    json_decref(obj);
    return errs;
}

static const char *valid_examples[] = {"basic.yaml",   "session.yaml", "standalone.yaml",
                                       "ha.yaml",      "ingress.yaml", "pod-templates.yaml"};

START_TEST(every_example_is_valid)
{
    fo_field_errors *errs = validate_example(valid_examples[_i], NULL);
    char *all = fo_field_errors_join(errs, "\n");
    ck_assert_msg(fo_field_errors_count(errs) == 0, "%s: %s", valid_examples[_i], all);
    free(all);
    fo_field_errors_free(errs);
}
END_TEST

START_TEST(every_example_is_valid_under_the_cluster_defaults)
{
    size_t len;
    char *text = read_example("cluster-defaults.yaml", &len);
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(text, len, &err);
    free(text);
    ck_assert_msg(cd != NULL, "%s", err.message);
    fo_field_errors *errs = validate_example(valid_examples[_i], cd);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(the_invalid_example_reports_every_mistake)
{
    fo_field_errors *errs = validate_example("invalid.yaml", NULL);
    char *all = fo_field_errors_join(errs, "\n");
    /* the example has five mistakes the CRD schema lets through: a forbidden key, savepoint
     * upgrades without checkpoint/savepoint directories, parallelism 0, a standby JobManager
     * without HA, and no serviceAccount */
    ck_assert_msg(strstr(all, "kubernetes.namespace") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "parallelism") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "execution.checkpointing.dir") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "High availability should be enabled") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "serviceAccount") != NULL, "%s", all);
    free(all);
    fo_field_errors_free(errs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("examples");
    size_t n = sizeof valid_examples / sizeof valid_examples[0];
    tcase_add_loop_test(tc, every_example_is_valid, 0, (int)n);
    tcase_add_loop_test(tc, every_example_is_valid_under_the_cluster_defaults, 0, (int)n);
    tcase_add_test(tc, the_invalid_example_reports_every_mistake);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
