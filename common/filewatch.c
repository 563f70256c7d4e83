#include "common/filewatch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct look {
    bool exists;
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
};

static struct look take_look(const char *path)
{
    struct look l;
    memset(&l, 0, sizeof l);
    struct stat st;
    /* stat (not lstat) follows every symlink: after a `..data` swap the path resolves to a
     * file with another inode even when its size and mtime happen to match. */
    if (stat(path, &st) != 0)
        return l;
    l.exists = true;
    l.dev = (uint64_t)st.st_dev;
    l.ino = (uint64_t)st.st_ino;
    l.size = (uint64_t)st.st_size;
    l.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    l.ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    return l;
}

static void remember(fo_filewatch *fw, const struct look *l)
{
    fw->exists = l->exists;
    fw->dev = l->dev;
    fw->ino = l->ino;
    fw->size = l->size;
    fw->mtime_ns = l->mtime_ns;
    fw->ctime_ns = l->ctime_ns;
}

bool fo_filewatch_init(fo_filewatch *fw, const char *path)
{
    memset(fw, 0, sizeof *fw);
    fw->path = strdup(path);
    if (!fw->path)
        return false;
    struct look l = take_look(path);
    remember(fw, &l);
    return true;
}

void fo_filewatch_release(fo_filewatch *fw)
{
    if (!fw)
        return;
    free(fw->path);
    fw->path = NULL;
}

bool fo_filewatch_changed(fo_filewatch *fw)
{
    if (!fw->path)
        return false;
    struct look l = take_look(fw->path);
    bool changed = l.exists != fw->exists ||
                   (l.exists && (l.dev != fw->dev || l.ino != fw->ino || l.size != fw->size ||
                                 l.mtime_ns != fw->mtime_ns || l.ctime_ns != fw->ctime_ns));
    remember(fw, &l);
    changed = changed || fw->stale;
    fw->stale = false;
    return changed;
}

void fo_filewatch_forget(fo_filewatch *fw)
{
    fw->stale = true;
}

bool fo_filewatch_exists(const fo_filewatch *fw)
{
    return fw->exists;
}
