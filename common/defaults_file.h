#ifndef FO_DEFAULTS_FILE_H
#define FO_DEFAULTS_FILE_H

/* The cluster defaults file of a running process (a mounted ConfigMap, common/cluster_defaults.h
 * format): the version served now, read again when the file changes (common/filewatch: the
 * kubelet swaps a `..data` symlink). The webhook and the controller both hold one.
 *
 * - A new version that does not load (broken YAML, a pod template the CRD's schema would not
 *   hold, not a regular file, ...) is refused: the last good version stays served and the
 *   state says why, until the file changes again.
 * - A load that failed for a reason that may pass (out of file descriptors or memory, a read
 *   error) is tried again at every poll, the file changed or not; the outcome tells a reason
 *   seen for the first time from the same one again, so that callers log it once.
 * - fo_defaults_file_recheck reads the file again at the next poll, changed or not (SIGHUP).
 *
 * Polls come from one thread (the process's reload loop); fo_defaults_file_ref and
 * fo_defaults_file_state may be called from any thread. */

#include <stdbool.h>
#include <stdint.h>

#include "common/cluster_defaults.h"
#include "common/rc.h"

typedef struct fo_defaults_file fo_defaults_file;

/* Load path (NULL: no file, empty defaults). NULL with err naming the file when the first
 * load fails: a process does not start on defaults it cannot read. */
fo_defaults_file *fo_defaults_file_open(const char *path, fo_err *err);
void fo_defaults_file_free(fo_defaults_file *df); /* NULL ok */

typedef enum fo_defaults_outcome {
    FO_DEFAULTS_UNCHANGED,     /* nothing to read */
    FO_DEFAULTS_LOADED,        /* a new version is served */
    FO_DEFAULTS_REFUSED,       /* a new version was refused (err says why) */
    FO_DEFAULTS_REFUSED_AGAIN, /* refused again for the reason already reported (a retry) */
} fo_defaults_outcome;

/* Look at the file and load it when it changed (or when a retry or recheck is due). */
fo_defaults_outcome fo_defaults_file_poll(fo_defaults_file *df, fo_err *err);

/* Read the file at the next poll whether it changed or not. */
void fo_defaults_file_recheck(fo_defaults_file *df);

/* A new reference to the version served now (never NULL after a successful open). */
fo_cluster_defaults *fo_defaults_file_ref(fo_defaults_file *df);

typedef struct fo_defaults_state {
    const char *path;  /* NULL without a file (borrowed from df) */
    bool ok;           /* the last load succeeded */
    char error[512];   /* why it failed ("" when ok) */
    int64_t loaded_ms; /* wall time the served version was loaded (0 without a file) */
    uint64_t version;  /* loads that succeeded (0 without a file) */
} fo_defaults_state;

void fo_defaults_file_state(fo_defaults_file *df, fo_defaults_state *out);

#endif
