#ifndef FO_FLINK_MEMORY_MODEL_H
#define FO_FLINK_MEMORY_MODEL_H

/* Flink's process memory model (FLIP-49 for the TaskManager, FLIP-116 for the JobManager): the
 * derivation Flink's start scripts and its Kubernetes deployer run on the configuration
 * (ProcessMemoryUtils, TaskExecutorFlinkMemoryUtils, JobManagerFlinkMemoryUtils) before a
 * JobManager or TaskManager starts. A configuration it refuses makes the pod exit at start;
 * this module finds that before anything is deployed, and gives the sizes the pods get.
 *
 * Sizes are computed exactly as Flink does: memory sizes in bytes, fractions read as Java
 * floats, products of a size and a fraction rounded towards zero after an exact decimal
 * multiplication (MemorySize.multiply). The one default that changed between versions,
 * taskmanager.memory.network.max (1g before Flink 1.17, unlimited since), follows the
 * deployment's flinkVersion. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/flink_model.h"
#include "common/rc.h"

typedef enum fo_flink_memory_process {
    FO_FLINK_MEMORY_JOBMANAGER,
    FO_FLINK_MEMORY_TASKMANAGER,
} fo_flink_memory_process;

typedef struct fo_flink_memory {
    int64_t process_bytes;   /* total process memory: the container's memory */
    int64_t flink_bytes;     /* total Flink memory: everything but metaspace and overhead */
    int64_t metaspace_bytes; /* JVM metaspace */
    int64_t overhead_bytes;  /* JVM overhead */
    int64_t heap_bytes;      /* JVM heap: JM heap; TM framework heap + task heap */
    int64_t off_heap_bytes;  /* JM off-heap; TM framework + task off-heap (without network) */
    int64_t network_bytes;   /* TM network memory (0 for the JobManager) */
    int64_t managed_bytes;   /* TM managed memory (0 for the JobManager) */
} fo_flink_memory;

/* What the derivation needs besides the configuration. */
typedef struct fo_flink_memory_opts {
    fo_flink_version version; /* picks the defaults and the keys read (UNKNOWN: the newest) */
    /* Legacy heap keys (jobmanager.heap.size/.mb, taskmanager.heap.size/.mb; Flink 1.x only)
     * stand for an option that is not configured itself: the total process memory, as Flink's
     * Kubernetes deployer (and the operator's standalone deployer) reads them to size the
     * pods; with standalone, the configuration must also work as the standalone start scripts
     * read them (the JobManager's heap, the TaskManager's total Flink memory). */
    bool standalone;
    /* process_bytes stands for <process>.memory.process.size (the spec's resources, which the
     * configuration builder writes there); otherwise the key is read from the configuration. */
    bool process_given;
    int64_t process_bytes;
} fo_flink_memory_opts;

/* Derive the memory of one process from a flat effective configuration (string values, as
 * fo_flink_conf_build returns it; deprecated keys are read as Flink reads them). opts may be
 * NULL (newest defaults, native, no override). The sizes are those of the pods (the
 * deployer's reading).
 * Returns FO_OK and fills out (may be NULL); FO_EINVAL when Flink would refuse the
 * configuration (none of the three ways to size the process configured - fine-grained sizes,
 * total Flink memory, total process memory -, sizes that do not fit, values Flink cannot
 * read), with err holding what Flink reports and *blame (may be NULL) the configuration key
 * at fault: the one that does not parse, or the size that is too small or inconsistent
 * (<process>.memory.process.size also when opts->process_bytes stood for it, or when nothing
 * is configured). Pure and thread-safe. */
fo_rc fo_flink_memory_derive(const json_t *flat, fo_flink_memory_process process,
                             const fo_flink_memory_opts *opts, fo_flink_memory *out,
                             const char **blame, fo_err *err);

/* The configuration key of the process size (jobmanager.memory.process.size or
 * taskmanager.memory.process.size). Constant. */
const char *fo_flink_memory_process_key(fo_flink_memory_process process);

/* MemorySize.toHumanReadableString, the form Flink's messages print: "0 bytes", "100 bytes",
 * "128.000mb (134217728 bytes)", "1024.000mb (1073741824 bytes)" (a unit is used above its
 * size only). buf of 64 bytes is enough. */
char *fo_flink_memory_human(int64_t bytes, char *buf, size_t len);

#endif
