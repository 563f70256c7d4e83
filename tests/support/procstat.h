#ifndef FO_TEST_PROCSTAT_H
#define FO_TEST_PROCSTAT_H

/* What /proc says about another process, for the benchmarks: memory and CPU time. Linux only;
 * each call reads the file afresh. Thread-safe. */

#include <sys/types.h>

/* A "Vm..." field of /proc/<pid>/status ("VmRSS", "VmHWM", ...) in KiB, or -1 when the
 * process or the field is not there. */
long fo_proc_vm_kib(pid_t pid, const char *field);

/* CPU time (user + system) the process used so far, in seconds; 0 when it is gone. */
double fo_proc_cpu_s(pid_t pid);

#endif
