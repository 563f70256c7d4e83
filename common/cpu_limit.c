#include "common/cpu_limit.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The first line of a small file into buf; false when it cannot be read. */
static bool read_line(const char *root, const char *name, char *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    return ok;
}

/* A whole decimal integer, optional surrounding white space; false otherwise. */
static bool whole_number(const char *s, char **end, long long *out)
{
    errno = 0;
    long long v = strtoll(s, end, 10);
    if (errno || *end == s)
        return false;
    *out = v;
    return true;
}

double fo_cpu_quota_parse_v2(const char *text)
{
    char *end;
    long long quota, period;
    if (!text || !whole_number(text, &end, &quota)) /* "max ..." lands here too */
        return 0;
    if (!whole_number(end, &end, &period) || quota <= 0 || period <= 0)
        return 0;
    while (*end == ' ' || *end == '\n')
        end++;
    return *end ? 0 : (double)quota / (double)period;
}

double fo_cpu_quota(const char *cgroup_root)
{
    char buf[128];
    if (read_line(cgroup_root, "cpu.max", buf, sizeof buf))
        return fo_cpu_quota_parse_v2(buf);
    char qbuf[64], pbuf[64];
    char *end;
    long long quota, period;
    if (!read_line(cgroup_root, "cpu/cpu.cfs_quota_us", qbuf, sizeof qbuf) ||
        !read_line(cgroup_root, "cpu/cpu.cfs_period_us", pbuf, sizeof pbuf) ||
        !whole_number(qbuf, &end, &quota) || !whole_number(pbuf, &end, &period))
        return 0;
    return quota > 0 && period > 0 ? (double)quota / (double)period : 0; /* -1: none */
}

unsigned fo_cpu_usable_in(const char *cgroup_root)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 &&
        (n < 1 || CPU_COUNT(&set) < n))
        n = CPU_COUNT(&set);
    double quota = fo_cpu_quota(cgroup_root);
    /* rounded up without libm: loading it for one call cost the webhook 300 KiB resident */
    long whole = quota < (double)n ? (long)quota : n;
    if (quota > 0 && quota < (double)n)
        n = whole + ((double)whole < quota);
    return n < 1 ? 1u : (unsigned)n;
}

unsigned fo_cpu_usable(void)
{
    return fo_cpu_usable_in("/sys/fs/cgroup");
}
