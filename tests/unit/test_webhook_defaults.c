/* webhook/service.c: the cluster defaults file of a running webhook. A load that failed for a
 * reason that may pass (no file descriptor left) is tried again at the next poll, though the
 * file did not change again; a broken file stays refused until it changes; a recheck (SIGHUP)
 * reads it again unchanged. The process-level behaviour (/readyz, logs) is in
 * tests/integration/test_webhook_process.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tests/support/testutil.h"
#include "webhook/webhook.h"

static char *dir, *path;

static void write_defaults(const char *text)
{
    /* a new file renamed over the old one, as a ConfigMap update looks */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/new.yaml", dir);
    fo_test_write_file(tmp, text);
    ck_assert_int_eq(rename(tmp, path), 0);
}

static fo_rc reload(fo_webhook *wh, bool *reloaded)
{
    fo_err err;
    fo_err_clear(&err);
    return fo_webhook_reload_defaults(wh, reloaded, &err);
}

START_TEST(a_passing_failure_is_retried_a_broken_file_is_not)
{
    dir = fo_test_mkdtemp();
    path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/defaults.yaml", dir);
    write_defaults("podTemplate: {metadata: {labels: {v: '1'}}}\n");
    fo_webhook_opts opts = {.defaults_path = path};
    fo_err err;
    fo_webhook *wh = fo_webhook_new(&opts, &err);
    ck_assert_msg(wh != NULL, "%s", err.message);
    bool reloaded = true;
    ck_assert_int_eq(reload(wh, &reloaded), FO_OK);
    ck_assert(!reloaded);

    /* no descriptor left at the poll after a change */
    write_defaults("podTemplate: {metadata: {labels: {v: '2'}}}\n");
    struct rlimit saved;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
    int lowest = dup(0);
    ck_assert_int_ge(lowest, 0);
    close(lowest);
    struct rlimit tight = {(rlim_t)lowest, saved.rlim_max};
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &tight), 0);
    fo_rc rc = reload(wh, &reloaded);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
    ck_assert_int_eq(rc, FO_EIO);
    ck_assert(fo_webhook_degraded(wh));
    ck_assert_int_eq(reload(wh, &reloaded), FO_OK); /* the same file, tried again */
    ck_assert(reloaded);
    ck_assert(!fo_webhook_degraded(wh));

    /* a broken file is refused once and not read again until it changes */
    write_defaults("podTemplate: [broken]\n");
    ck_assert_int_eq(reload(wh, &reloaded), FO_EINVAL);
    ck_assert_int_eq(reload(wh, &reloaded), FO_OK);
    ck_assert(!reloaded);
    ck_assert(fo_webhook_degraded(wh));

    /* read again by hand: still broken; fixed: loaded */
    fo_webhook_recheck_defaults(wh);
    ck_assert_int_eq(reload(wh, &reloaded), FO_EINVAL);
    write_defaults("podTemplate: {}\n");
    ck_assert_int_eq(reload(wh, &reloaded), FO_OK);
    ck_assert(reloaded);
    fo_webhook_recheck_defaults(wh);
    ck_assert_int_eq(reload(wh, &reloaded), FO_OK);
    ck_assert(reloaded);

    fo_webhook_free(wh);
    fo_test_rmdir(dir);
    free(dir);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("webhook_defaults");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a_passing_failure_is_retried_a_broken_file_is_not);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
