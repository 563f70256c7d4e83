/* common/filewatch: changes seen through stat, including Kubernetes' `..data` symlink swap. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/filewatch.h"
#include "tests/support/testutil.h"

static char *dir;

static void setup(void)
{
    dir = fo_test_mkdtemp();
}

static void teardown(void)
{
    fo_test_rmdir(dir);
    free(dir);
}

static char *at(const char *name)
{
    char *p = NULL;
    ck_assert_int_gt(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

/* Give a file an explicit modification time, so "changed" never depends on clock speed. */
static void set_mtime(const char *path, long sec)
{
    struct timeval tv[2] = {{sec, 0}, {sec, 0}};
    ck_assert_int_eq(utimes(path, tv), 0);
}

START_TEST(an_untouched_file_reports_no_change)
{
    char *p = at("defaults.yaml");
    fo_test_write_file(p, "podTemplate: {}\n");
    fo_filewatch fw;
    ck_assert(fo_filewatch_init(&fw, p));
    ck_assert(fo_filewatch_exists(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    fo_filewatch_release(&fw);
    free(p);
}
END_TEST

START_TEST(a_rewrite_is_reported_once)
{
    char *p = at("defaults.yaml");
    fo_test_write_file(p, "a: 1\n");
    set_mtime(p, 1000000);
    fo_filewatch fw;
    fo_filewatch_init(&fw, p);
    fo_test_write_file(p, "a: 2\n"); /* same size, new content */
    set_mtime(p, 1000001);
    ck_assert(fo_filewatch_changed(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    fo_filewatch_release(&fw);
    free(p);
}
END_TEST

/* After a forget the next look reports a change once, the file untouched (a retry). */
START_TEST(a_forgotten_look_is_a_change_once)
{
    char *p = at("defaults.yaml");
    fo_test_write_file(p, "a: 1\n");
    fo_filewatch fw;
    fo_filewatch_init(&fw, p);
    ck_assert(!fo_filewatch_changed(&fw));
    fo_filewatch_forget(&fw);
    ck_assert(fo_filewatch_changed(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    fo_filewatch_release(&fw);
    free(p);
}
END_TEST

START_TEST(a_file_with_the_same_times_but_another_size_is_a_change)
{
    char *p = at("f");
    fo_test_write_file(p, "short\n");
    set_mtime(p, 2000000);
    fo_filewatch fw;
    fo_filewatch_init(&fw, p);
    fo_test_write_file(p, "much longer content\n");
    set_mtime(p, 2000000);
    ck_assert(fo_filewatch_changed(&fw));
    fo_filewatch_release(&fw);
    free(p);
}
END_TEST

START_TEST(a_kubernetes_data_symlink_swap_is_a_change)
{
    /* config.yaml -> ..data/config.yaml, ..data -> ..v1, then ..data -> ..v2 atomically;
     * both versions have identical content, size and mtime: only the inode tells. */
    char *v1 = at("..v1"), *v2 = at("..v2");
    ck_assert_int_eq(mkdir(v1, 0755), 0);
    ck_assert_int_eq(mkdir(v2, 0755), 0);
    char *f1 = at("..v1/config.yaml"), *f2 = at("..v2/config.yaml");
    fo_test_write_file(f1, "same\n");
    fo_test_write_file(f2, "same\n");
    set_mtime(f1, 3000000);
    set_mtime(f2, 3000000);
    char *data = at("..data"), *tmp = at("..data_tmp"), *link = at("config.yaml");
    ck_assert_int_eq(symlink("..v1", data), 0);
    ck_assert_int_eq(symlink("..data/config.yaml", link), 0);
    fo_filewatch fw;
    fo_filewatch_init(&fw, link);
    ck_assert(!fo_filewatch_changed(&fw));
    ck_assert_int_eq(symlink("..v2", tmp), 0);
    ck_assert_int_eq(rename(tmp, data), 0);
    ck_assert(fo_filewatch_changed(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    fo_filewatch_release(&fw);
    free(v1);
    free(v2);
    free(f1);
    free(f2);
    free(data);
    free(tmp);
    free(link);
}
END_TEST

START_TEST(disappearing_and_reappearing_are_changes)
{
    char *p = at("gone");
    fo_filewatch fw;
    fo_filewatch_init(&fw, p);
    ck_assert(!fo_filewatch_exists(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    fo_test_write_file(p, "here\n");
    ck_assert(fo_filewatch_changed(&fw));
    ck_assert(fo_filewatch_exists(&fw));
    ck_assert_int_eq(unlink(p), 0);
    ck_assert(fo_filewatch_changed(&fw));
    ck_assert(!fo_filewatch_exists(&fw));
    ck_assert(!fo_filewatch_changed(&fw));
    fo_filewatch_release(&fw);
    free(p);
}
END_TEST

START_TEST(a_dangling_symlink_counts_as_missing)
{
    char *link = at("tls.crt");
    ck_assert_int_eq(symlink("..data/tls.crt", link), 0);
    fo_filewatch fw;
    fo_filewatch_init(&fw, link);
    ck_assert(!fo_filewatch_exists(&fw));
    fo_filewatch_release(&fw);
    fo_filewatch_release(&fw); /* twice is harmless */
    free(link);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filewatch");
    TCase *tc = tcase_create("filewatch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, an_untouched_file_reports_no_change);
    tcase_add_test(tc, a_rewrite_is_reported_once);
    tcase_add_test(tc, a_file_with_the_same_times_but_another_size_is_a_change);
    tcase_add_test(tc, a_kubernetes_data_symlink_swap_is_a_change);
    tcase_add_test(tc, disappearing_and_reappearing_are_changes);
    tcase_add_test(tc, a_dangling_symlink_counts_as_missing);
    tcase_add_test(tc, a_forgotten_look_is_a_change_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
