#include "common/defaults_file.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/filewatch.h"
#include "common/strbuf.h"

struct fo_defaults_file {
    char *path;
    fo_filewatch watch; /* the polling thread's */
    bool forced;        /* the polling thread's: the next poll is a retry or recheck */
    pthread_mutex_t mu; /* guards what follows */
    fo_cluster_defaults *cd;
    bool ok;
    char error[512];
    int64_t loaded_ms;
    uint64_t version;
};

/* Read and parse the file. New object, or NULL with err naming the file. */
static fo_cluster_defaults *load(const char *path, fo_err *err)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, FO_CLUSTER_DEFAULTS_MAX_BYTES);
    fo_cluster_defaults *cd = NULL;
    if (fo_strbuf_read_file(&sb, path, err) == FO_OK) {
        cd = fo_cluster_defaults_parse(sb.data, sb.len, err);
        if (!cd)
            fo_err_wrap(err, "%s", path);
    }
    fo_strbuf_release(&sb);
    return cd;
}

fo_defaults_file *fo_defaults_file_open(const char *path, fo_err *err)
{
    fo_defaults_file *df = calloc(1, sizeof *df);
    if (!df) {
        fo_err_set(err, FO_ENOMEM, "cluster defaults: out of memory");
        return NULL;
    }
    pthread_mutex_init(&df->mu, NULL);
    df->ok = true;
    if (!path) {
        df->cd = fo_cluster_defaults_empty();
        if (!df->cd) {
            fo_err_set(err, FO_ENOMEM, "cluster defaults: out of memory");
            goto fail;
        }
        return df;
    }
    df->path = strdup(path);
    if (!df->path || !fo_filewatch_init(&df->watch, path)) {
        fo_err_set(err, FO_ENOMEM, "cluster defaults: out of memory");
        goto fail;
    }
    df->cd = load(path, err);
    if (!df->cd)
        goto fail;
    df->loaded_ms = fo_clock_now_ms(fo_clock_real());
    df->version = 1;
    return df;
fail:
    fo_defaults_file_free(df);
    return NULL;
}

void fo_defaults_file_free(fo_defaults_file *df)
{
    if (!df)
        return;
    fo_cluster_defaults_unref(df->cd);
    fo_filewatch_release(&df->watch);
    free(df->path);
    pthread_mutex_destroy(&df->mu);
    free(df);
}

fo_defaults_outcome fo_defaults_file_poll(fo_defaults_file *df, fo_err *err)
{
    if (!df->path || !fo_filewatch_changed(&df->watch))
        return FO_DEFAULTS_UNCHANGED;
    /* A retry or recheck may find the reason already reported; a new version of the file is
     * reported whatever its reason (one with the reason of the last is news too). */
    bool forced = df->forced;
    df->forced = false;
    fo_err local;
    fo_err_clear(&local);
    fo_cluster_defaults *cd = load(df->path, &local);
    if (!cd) {
        /* a failure that may pass is tried again at the next poll */
        if (local.rc == FO_EIO || local.rc == FO_ENOMEM) {
            fo_filewatch_forget(&df->watch);
            df->forced = true;
        }
        pthread_mutex_lock(&df->mu);
        bool again = forced && !df->ok && strcmp(df->error, local.message) == 0;
        df->ok = false;
        snprintf(df->error, sizeof df->error, "%s", local.message);
        pthread_mutex_unlock(&df->mu);
        if (err)
            *err = local;
        return again ? FO_DEFAULTS_REFUSED_AGAIN : FO_DEFAULTS_REFUSED;
    }
    pthread_mutex_lock(&df->mu);
    fo_cluster_defaults *old = df->cd;
    df->cd = cd;
    df->ok = true;
    df->error[0] = '\0';
    df->loaded_ms = fo_clock_now_ms(fo_clock_real());
    df->version++;
    pthread_mutex_unlock(&df->mu);
    fo_cluster_defaults_unref(old); /* users of the old version hold their own references */
    return FO_DEFAULTS_LOADED;
}

void fo_defaults_file_recheck(fo_defaults_file *df)
{
    if (df->path) {
        fo_filewatch_forget(&df->watch);
        df->forced = true;
    }
}

fo_cluster_defaults *fo_defaults_file_ref(fo_defaults_file *df)
{
    pthread_mutex_lock(&df->mu);
    fo_cluster_defaults *cd = fo_cluster_defaults_ref(df->cd);
    pthread_mutex_unlock(&df->mu);
    return cd;
}

void fo_defaults_file_state(fo_defaults_file *df, fo_defaults_state *out)
{
    pthread_mutex_lock(&df->mu);
    out->path = df->path;
    out->ok = df->ok;
    snprintf(out->error, sizeof out->error, "%s", df->error);
    out->loaded_ms = df->loaded_ms;
    out->version = df->version;
    pthread_mutex_unlock(&df->mu);
}
