/* The container's CPU limit, as cgroup v2 (cpu.max) and v1 (cfs quota and period) write it,
 * read from a directory laid out like /sys/fs/cgroup. */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/cpu_limit.h"
#include "tests/support/testutil.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fo_test_write_file(path, text);
}

START_TEST(cpu_max_text_gives_the_limit_in_cpus)
{
    ck_assert_double_eq(fo_cpu_quota_parse_v2("150000 100000\n"), 1.5);
    ck_assert_double_eq(fo_cpu_quota_parse_v2("50000 100000"), 0.5);
    ck_assert_double_eq(fo_cpu_quota_parse_v2("max 100000\n"), 0);
    ck_assert_double_eq(fo_cpu_quota_parse_v2(""), 0);
    ck_assert_double_eq(fo_cpu_quota_parse_v2("100000"), 0);
    ck_assert_double_eq(fo_cpu_quota_parse_v2("100000 0"), 0);
    ck_assert_double_eq(fo_cpu_quota_parse_v2("-1 100000"), 0);
    ck_assert_double_eq(fo_cpu_quota_parse_v2("100000 100000 x"), 0);
    ck_assert_double_eq(fo_cpu_quota_parse_v2(NULL), 0);
}
END_TEST

static void make_dir(const char *root, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}

START_TEST(v2_is_read_first_then_v1_and_no_files_means_no_limit)
{
    char *dir = fo_test_mkdtemp();
    ck_assert_double_eq(fo_cpu_quota(dir, "/"), 0);
    /* cgroup v1: quota -1 is no limit */
    make_dir(dir, "cpu");
    write_file(dir, "cpu/cpu.cfs_quota_us", "-1\n");
    write_file(dir, "cpu/cpu.cfs_period_us", "100000\n");
    ck_assert_double_eq(fo_cpu_quota(dir, "/"), 0);
    write_file(dir, "cpu/cpu.cfs_quota_us", "200000\n");
    ck_assert_double_eq(fo_cpu_quota(dir, "/"), 2);
    /* cgroup v2 wins when present, "max" included */
    write_file(dir, "cpu.max", "max 100000\n");
    ck_assert_double_eq(fo_cpu_quota(dir, "/"), 0);
    write_file(dir, "cpu.max", "25000 100000\n");
    ck_assert_double_eq(fo_cpu_quota(dir, NULL), 0.25);
    fo_test_rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(the_smallest_limit_on_the_way_up_from_the_process_cgroup_counts)
{
    /* cgroup v2 without a cgroup namespace: the root shows the host, the container's limit is
     * in its own directory and the pod's in its parent */
    char *dir = fo_test_mkdtemp();
    make_dir(dir, "kubepods");
    make_dir(dir, "kubepods/pod1");
    make_dir(dir, "kubepods/pod1/ctr");
    write_file(dir, "kubepods/cpu.max", "max 100000\n");
    write_file(dir, "kubepods/pod1/cpu.max", "150000 100000\n");
    write_file(dir, "kubepods/pod1/ctr/cpu.max", "max 100000\n"); /* pod-level limit only */
    ck_assert_double_eq(fo_cpu_quota(dir, "/kubepods/pod1/ctr"), 1.5);
    write_file(dir, "kubepods/pod1/ctr/cpu.max", "50000 100000\n");
    ck_assert_double_eq(fo_cpu_quota(dir, "/kubepods/pod1/ctr"), 0.5);
    /* a path that is not there (another mount) finds what its existing parents have */
    ck_assert_double_eq(fo_cpu_quota(dir, "/kubepods/pod1/gone/deeper"), 1.5);
    ck_assert_double_eq(fo_cpu_quota(dir, "/elsewhere"), 0);
    fo_test_rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(the_process_cgroup_path_is_read_from_proc_self_cgroup)
{
    char path[256];
    fo_cpu_cgroup_path("0::/kubepods.slice/pod1.slice/cri-containerd-1.scope\n", path,
                       sizeof path);
    ck_assert_str_eq(path, "/kubepods.slice/pod1.slice/cri-containerd-1.scope");
    fo_cpu_cgroup_path("0::/\n", path, sizeof path); /* a cgroup namespace */
    ck_assert_str_eq(path, "/");
    /* cgroup v1: the cpu controller's line, whatever it is mounted with */
    fo_cpu_cgroup_path("12:memory:/kubepods/pod1/m\n4:cpu,cpuacct:/kubepods/pod1/c\n"
                       "1:name=systemd:/s\n",
                       path, sizeof path);
    ck_assert_str_eq(path, "/kubepods/pod1/c");
    fo_cpu_cgroup_path("3:cpuset:/a\n4:cpuacct:/b\n", path, sizeof path); /* not "cpu" */
    ck_assert_str_eq(path, "/");
    /* hybrid (v1 controllers and the v2 line): the cpu controller is on v1 */
    fo_cpu_cgroup_path("4:cpu,cpuacct:/v1\n0::/v2\n", path, sizeof path);
    ck_assert_str_eq(path, "/v1");
    fo_cpu_cgroup_path("0::/v2\n4:cpu,cpuacct:/v1\n", path, sizeof path);
    ck_assert_str_eq(path, "/v1");
    fo_cpu_cgroup_path("", path, sizeof path);
    ck_assert_str_eq(path, "/");
    fo_cpu_cgroup_path("0::/a-path-longer-than-the-room\n", path, 8);
    ck_assert_str_eq(path, "/");
}
END_TEST

START_TEST(usable_cpus_are_the_cpus_to_run_on_lowered_to_the_quota)
{
    cpu_set_t set;
    ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
    unsigned cpus = (unsigned)CPU_COUNT(&set);
    char *dir = fo_test_mkdtemp();
    ck_assert_uint_eq(fo_cpu_usable_in(dir, "/"), cpus); /* no limit */
    write_file(dir, "cpu.max", "25000 100000\n");
    ck_assert_uint_eq(fo_cpu_usable_in(dir, "/"), 1);
    write_file(dir, "cpu.max", "150000 100000\n"); /* 1.5 CPUs: 2 threads can use them */
    ck_assert_uint_eq(fo_cpu_usable_in(dir, "/"), cpus < 2 ? cpus : 2);
    write_file(dir, "cpu.max", "100000000 100000\n"); /* more than there are */
    ck_assert_uint_eq(fo_cpu_usable_in(dir, "/"), cpus);
    fo_test_rmdir(dir);
    free(dir);
    ck_assert_uint_ge(fo_cpu_usable(), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cpu_limit");
    TCase *tc = tcase_create("cpu_limit");
    tcase_add_test(tc, cpu_max_text_gives_the_limit_in_cpus);
    tcase_add_test(tc, v2_is_read_first_then_v1_and_no_files_means_no_limit);
    tcase_add_test(tc, the_smallest_limit_on_the_way_up_from_the_process_cgroup_counts);
    tcase_add_test(tc, the_process_cgroup_path_is_read_from_proc_self_cgroup);
    tcase_add_test(tc, usable_cpus_are_the_cpus_to_run_on_lowered_to_the_quota);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
