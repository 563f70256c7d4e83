#ifndef FO_FILEWATCH_H
#define FO_FILEWATCH_H

/* "Did this file change since I last looked?" by polling stat(2).
 *
 * Kubernetes mounts Secrets and ConfigMaps as symlinks into a `..data` directory symlink and
 * updates them by swapping `..data` atomically, so a file is identified by what its path
 * resolves to now: device, inode, size and modification time (nanoseconds), read through
 * every symlink. A file that appears or disappears counts as a change too.
 *
 * Used by certwatch (certificate and key) and by both processes to re-read the cluster
 * defaults file. The caller decides how often to poll (the webhook: once a second). The caller
 * owns the struct (it lives on the stack or inside another struct). Not thread-safe: one
 * owner polls it. */

#include <stdbool.h>
#include <stdint.h>

typedef struct fo_filewatch {
    char *path;     /* heap copy */
    bool stale;     /* fo_filewatch_forget: the next look reports a change */
    bool exists;    /* what the last look saw */
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
} fo_filewatch;

/* Start watching path and take the first look (so a following fo_filewatch_changed reports
 * only later changes). Returns false only when out of memory. */
bool fo_filewatch_init(fo_filewatch *fw, const char *path);

/* Free the path copy. Safe on a zeroed struct. */
void fo_filewatch_release(fo_filewatch *fw);

/* Look again: true when what the path resolves to differs from the previous look (another
 * file behind the symlinks, new size or times, appeared or disappeared). The new look becomes
 * the reference, so each change is reported once. */
bool fo_filewatch_changed(fo_filewatch *fw);

/* Make the next fo_filewatch_changed report a change whatever it sees: for a caller whose
 * load of the file failed for a reason that may pass (out of file descriptors or memory, a
 * certificate not valid yet), so that it tries again, and for a reload asked for by hand
 * (SIGHUP). */
void fo_filewatch_forget(fo_filewatch *fw);

/* True when the path resolved to a regular file (or anything stat accepts) at the last look. */
bool fo_filewatch_exists(const fo_filewatch *fw);

#endif
