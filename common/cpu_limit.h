#ifndef FO_CPU_LIMIT_H
#define FO_CPU_LIMIT_H

/* How many CPUs this process may use: the CPUs it may run on (affinity, cpuset) and the
 * CPU limit of its container (a cgroup's CFS quota: Kubernetes' resources.limits.cpu, or the
 * pod's), the smaller. A pod limited to one CPU on a 64-CPU node should size its thread pools
 * for one: more threads only hold more memory each (malloc arenas, requests being handled)
 * and run into the quota's throttling together. */

#include <stddef.h>

/* The smallest CPU limit, in CPUs (1.5 for "150000 100000"), of the cgroup at path and of
 * its parents up to the top of cgroup_root, or 0 when none has one. path is as
 * /proc/self/cgroup names it ("/" with a cgroup namespace: cgroup_root is then the
 * container's own cgroup). cgroup v2: <root><path>/cpu.max; else v1:
 * <root>/cpu<path>/cpu.cfs_quota_us and cpu.cfs_period_us. cgroup_root is /sys/fs/cgroup;
 * tests pass their own directory. */
double fo_cpu_quota(const char *cgroup_root, const char *path);

/* The text of cpu.max ("max 100000", "150000 100000"): the limit in CPUs, 0 for none or
 * text that is not a quota. */
double fo_cpu_quota_parse_v2(const char *text);

/* From the text of /proc/self/cgroup, the path of this process's cgroup for the cpu controller
 * into out: the v1 line that names cpu when there is one (a hybrid system has both), else the
 * cgroup v2 line ("0::/kubepods/..."); "/" when there is neither (or it does not fit). */
void fo_cpu_cgroup_path(const char *proc_text, char *out, size_t cap);

/* CPUs to size a thread pool for: the CPUs the process may run on, lowered to
 * fo_cpu_quota(cgroup_root, path) rounded up; at least 1. */
unsigned fo_cpu_usable_in(const char *cgroup_root, const char *path);

/* fo_cpu_usable_in("/sys/fs/cgroup", the path of /proc/self/cgroup). */
unsigned fo_cpu_usable(void);

#endif
