#include "common/cpu_limit.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first line of a small file into buf; false when it cannot be read. */
static bool read_line(const char *dir, const char *name, char *buf, size_t cap)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return false;
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

/* The limit set in one cgroup directory (v2 when cpu.max is there, else v1), 0 for none;
 * *v2 tells which layout the directory has (cpu.max present). */
static double quota_in(const char *dir, const char *v1_dir, bool *v2)
{
    char buf[128];
    *v2 = read_line(dir, "cpu.max", buf, sizeof buf);
    if (*v2)
        return fo_cpu_quota_parse_v2(buf);
    char qbuf[64], pbuf[64];
    char *end;
    long long quota, period;
    if (!read_line(v1_dir, "cpu.cfs_quota_us", qbuf, sizeof qbuf) ||
        !read_line(v1_dir, "cpu.cfs_period_us", pbuf, sizeof pbuf) ||
        !whole_number(qbuf, &end, &quota) || !whole_number(pbuf, &end, &period))
        return 0;
    return quota > 0 && period > 0 ? (double)quota / (double)period : 0; /* -1: none */
}

double fo_cpu_quota(const char *cgroup_root, const char *path)
{
    char rel[2048];
    snprintf(rel, sizeof rel, "%s", path && *path == '/' ? path : "/");
    double best = 0;
    for (;;) {
        char dir[4096], v1_dir[4096];
        bool v2;
        snprintf(dir, sizeof dir, "%s%s", cgroup_root, rel);
        snprintf(v1_dir, sizeof v1_dir, "%s/cpu%s", cgroup_root, rel);
        double q = quota_in(dir, v1_dir, &v2);
        if (q > 0 && (best == 0 || q < best))
            best = q;
        /* up one level: "/a/b" -> "/a" -> "/" -> done */
        char *slash = strrchr(rel, '/');
        if (!slash || (slash == rel && rel[1] == '\0'))
            return best;
        if (slash == rel)
            rel[1] = '\0';
        else
            *slash = '\0';
    }
}

void fo_cpu_cgroup_path(const char *proc_text, char *out, size_t cap)
{
    snprintf(out, cap, "/");
    bool found_v1 = false;
    for (const char *id = proc_text, *next; id && *id; id = next) {
        const char *nl = strchr(id, '\n');
        size_t n = nl ? (size_t)(nl - id) : strlen(id);
        next = nl ? nl + 1 : NULL;
        /* "hierarchy-ID:controllers:path" */
        const char *c1 = memchr(id, ':', n);
        const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - id)) : NULL;
        if (!c2)
            continue;
        bool unified = c1 - id == 1 && id[0] == '0' && c2 == c1 + 1;
        bool cpu = false; /* "cpu" among v1's comma-separated controllers */
        for (const char *p = c1 + 1; p < c2;) {
            const char *e = memchr(p, ',', (size_t)(c2 - p));
            size_t len = e ? (size_t)(e - p) : (size_t)(c2 - p);
            cpu = cpu || (len == 3 && memcmp(p, "cpu", 3) == 0);
            p += len + 1;
        }
        size_t plen = n - (size_t)(c2 + 1 - id);
        /* the cpu controller's line: on v1 when a v1 line has it (hybrid systems have both) */
        if (!(cpu || (unified && !found_v1)) || plen == 0 || c2[1] != '/' || plen >= cap)
            continue;
        memcpy(out, c2 + 1, plen);
        out[plen] = '\0';
        found_v1 = found_v1 || cpu;
    }
}

unsigned fo_cpu_usable_in(const char *cgroup_root, const char *path)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 &&
        (n < 1 || CPU_COUNT(&set) < n))
        n = CPU_COUNT(&set);
    double quota = fo_cpu_quota(cgroup_root, path);
    /* rounded up without libm: loading it for one call cost the webhook 300 KiB resident */
    long whole = quota < (double)n ? (long)quota : n;
    if (quota > 0 && quota < (double)n)
        n = whole + ((double)whole < quota);
    return n < 1 ? 1u : (unsigned)n;
}

unsigned fo_cpu_usable(void)
{
    char text[4096] = "", path[2048];
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (f) {
        size_t got = fread(text, 1, sizeof text - 1, f);
        text[got] = '\0';
        fclose(f);
    }
    fo_cpu_cgroup_path(text, path, sizeof path);
    return fo_cpu_usable_in("/sys/fs/cgroup", path);
}
