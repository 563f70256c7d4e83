/* common/defaults_file: the cluster defaults file of a running process. A new version that
 * does not load leaves the last good one served and is not read again until it changes; a load
 * that failed for a reason that may pass (no file descriptor left) is tried again at the next
 * poll, and a reason already reported is told apart (so it is logged once); a recheck (SIGHUP)
 * reads the file again unchanged. Process-level behaviour (/readyz, logs, metrics):
 * tests/integration/test_webhook_process.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/defaults_file.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"

static char *dir, *path;

static void write_defaults(const char *text)
{
    /* a new file renamed over the old one, as a ConfigMap update looks */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/new.yaml", dir);
    fo_test_write_file(tmp, text);
    ck_assert_int_eq(rename(tmp, path), 0);
}

/* The label v of the served JobManager template. */
static const char *served_v(fo_defaults_file *df, char out[16])
{
    fo_cluster_defaults *cd = fo_defaults_file_ref(df);
    const char *v = fo_json_get_str(fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER),
                                    "metadata.labels.v");
    snprintf(out, 16, "%s", v ? v : "");
    fo_cluster_defaults_unref(cd);
    return out;
}

static void setup(void)
{
    dir = fo_test_mkdtemp();
    path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/defaults.yaml", dir);
}

static void teardown(void)
{
    fo_test_rmdir(dir);
    free(dir);
    free(path);
}

START_TEST(a_broken_version_is_refused_once_and_the_last_good_one_served)
{
    write_defaults("podTemplate: {metadata: {labels: {v: '1'}}}\n");
    fo_err err;
    fo_defaults_file *df = fo_defaults_file_open(path, &err);
    ck_assert_msg(df != NULL, "%s", err.message);
    char v[16];
    fo_defaults_state st;
    fo_defaults_file_state(df, &st);
    ck_assert(st.ok);
    ck_assert_uint_eq(st.version, 1);
    ck_assert_str_eq(st.path, path);
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_UNCHANGED);

    write_defaults("podTemplate: [broken]\n");
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.message, "podTemplate: must be an object"));
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_UNCHANGED); /* not again */
    fo_defaults_file_state(df, &st);
    ck_assert(!st.ok);
    ck_assert_ptr_nonnull(strstr(st.error, "podTemplate: must be an object"));
    ck_assert_str_eq(served_v(df, v), "1");

    /* read again by hand: the same reason; then fixed */
    fo_defaults_file_recheck(df);
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_REFUSED_AGAIN);
    write_defaults("podTemplate: {metadata: {labels: {v: '2'}}}\n");
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_LOADED);
    fo_defaults_file_state(df, &st);
    ck_assert(st.ok);
    ck_assert_str_eq(st.error, "");
    ck_assert_uint_eq(st.version, 2);
    ck_assert_str_eq(served_v(df, v), "2");
    fo_defaults_file_recheck(df);
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_LOADED);
    fo_defaults_file_free(df);

    /* a first version that does not load: nothing to serve */
    ck_assert_ptr_null(fo_defaults_file_open("/nonexistent/defaults.yaml", &err));
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/defaults.yaml"));
}
END_TEST

/* A new broken version is reported though its reason is the last one's: someone changed the
 * file, and the log and the failure count must show it (only a retry or a recheck of the same
 * file is reported once). */
START_TEST(a_second_broken_version_is_reported_though_its_reason_repeats)
{
    write_defaults("podTemplate: {metadata: {labels: {v: '1'}}}\n");
    fo_err err;
    fo_defaults_file *df = fo_defaults_file_open(path, &err);
    ck_assert_ptr_nonnull(df);
    write_defaults("podTemplate: [broken]\n");
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_REFUSED);
    write_defaults("podTemplate: [broken, again]\n");
    fo_err_clear(&err);
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.message, "podTemplate: must be an object"));
    fo_defaults_file_recheck(df);
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_REFUSED_AGAIN);
    char v[16];
    ck_assert_str_eq(served_v(df, v), "1");
    fo_defaults_file_free(df);
}
END_TEST

START_TEST(a_failure_that_may_pass_is_tried_again)
{
    write_defaults("podTemplate: {metadata: {labels: {v: '1'}}}\n");
    fo_err err;
    fo_defaults_file *df = fo_defaults_file_open(path, &err);
    ck_assert_ptr_nonnull(df);
    write_defaults("podTemplate: {metadata: {labels: {v: '2'}}}\n");
    /* no descriptor left at the poll that sees the change */
    struct rlimit saved;
    fo_test_exhaust_fds(&saved);
    fo_defaults_outcome first = fo_defaults_file_poll(df, &err);
    fo_defaults_outcome second = fo_defaults_file_poll(df, &err);
    fo_test_restore_fd_limit(&saved);
    ck_assert_int_eq(first, FO_DEFAULTS_REFUSED);
    ck_assert_int_eq(second, FO_DEFAULTS_REFUSED_AGAIN); /* retried, reported once */
    ck_assert_ptr_nonnull(strstr(err.message, "Too many open files"));
    char v[16];
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_LOADED); /* file unchanged */
    ck_assert_str_eq(served_v(df, v), "2");
    fo_defaults_file_free(df);
}
END_TEST

START_TEST(without_a_file_the_defaults_are_empty_and_never_change)
{
    fo_err err;
    fo_defaults_file *df = fo_defaults_file_open(NULL, &err);
    ck_assert_ptr_nonnull(df);
    fo_defaults_file_recheck(df);
    ck_assert_int_eq(fo_defaults_file_poll(df, &err), FO_DEFAULTS_UNCHANGED);
    fo_defaults_state st;
    fo_defaults_file_state(df, &st);
    ck_assert(st.ok && !st.path && st.version == 0 && st.loaded_ms == 0);
    fo_cluster_defaults *cd = fo_defaults_file_ref(df);
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_TASKMANAGER));
    fo_cluster_defaults_unref(cd);
    fo_defaults_file_free(df);
    fo_defaults_file_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("defaults_file");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_broken_version_is_refused_once_and_the_last_good_one_served);
    tcase_add_test(tc, a_failure_that_may_pass_is_tried_again);
    tcase_add_test(tc, a_second_broken_version_is_reported_though_its_reason_repeats);
    tcase_add_test(tc, without_a_file_the_defaults_are_empty_and_never_change);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
