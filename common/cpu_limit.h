#ifndef FO_CPU_LIMIT_H
#define FO_CPU_LIMIT_H

/* How many CPUs this process may use: the CPUs it may run on (affinity, cpuset) and the
 * CPU limit of its container (a cgroup's CFS quota: Kubernetes' resources.limits.cpu), the
 * smaller. A pod limited to one CPU on a 64-CPU node should size its thread pools for one:
 * more threads only hold more memory each (malloc arenas, requests being handled) and run
 * into the quota's throttling together. */

#include <stddef.h>

/* The CPU limit in CPUs (1.5 for "150000 100000"), or 0 when there is none or it cannot be
 * read. Looks for cgroup v2's cpu.max in cgroup_root, then cgroup v1's cpu/cpu.cfs_quota_us
 * and cpu/cpu.cfs_period_us (cgroup_root is /sys/fs/cgroup in a container; tests pass their
 * own directory). */
double fo_cpu_quota(const char *cgroup_root);

/* The text of cpu.max ("max 100000", "150000 100000"): the limit in CPUs, 0 for none or
 * text that is not a quota. */
double fo_cpu_quota_parse_v2(const char *text);

/* CPUs to size a thread pool for: the CPUs the process may run on, lowered to the quota
 * (fo_cpu_quota of cgroup_root) rounded up; at least 1. */
unsigned fo_cpu_usable_in(const char *cgroup_root);

/* fo_cpu_usable_in("/sys/fs/cgroup"). */
unsigned fo_cpu_usable(void);

#endif
