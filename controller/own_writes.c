#include "controller/own_writes.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fo_own_writes {
    pthread_mutex_t mu;
    json_t *replaced; /* "ns/name" -> array of replaced resourceVersions, oldest first */
};

fo_own_writes *fo_own_writes_new(void)
{
    fo_own_writes *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->replaced = json_object();
    if (!w->replaced) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    return w;
}

void fo_own_writes_free(fo_own_writes *w)
{
    if (!w)
        return;
    json_decref(w->replaced);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* "ns/name" into buf; false when it does not fit (then nothing is noted or told). */
static bool key_of(const char *ns, const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%s", ns ? ns : "", name ? name : "");
    return n > 0 && (size_t)n < len;
}

void fo_own_writes_note(fo_own_writes *w, const char *ns, const char *name, const char *replaced,
                        const char *now)
{
    char key[512];
    if (!w || !replaced || !*replaced || (now && strcmp(now, replaced) == 0) ||
        !key_of(ns, name, key, sizeof key))
        return;
    pthread_mutex_lock(&w->mu);
    json_t *list = json_object_get(w->replaced, key);
    if (!list) {
        list = json_array();
        json_object_set_new(w->replaced, key, list);
    }
    json_array_append_new(list, json_string(replaced));
    while (json_array_size(list) > FO_OWN_WRITES_MAX_PER_RESOURCE)
        json_array_remove(list, 0);
    pthread_mutex_unlock(&w->mu);
}

bool fo_own_writes_behind(fo_own_writes *w, const char *ns, const char *name, const char *seen)
{
    char key[512];
    if (!w || !key_of(ns, name, key, sizeof key))
        return false;
    bool behind = false;
    pthread_mutex_lock(&w->mu);
    json_t *list = json_object_get(w->replaced, key);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (seen && strcmp(json_string_value(v), seen) == 0) {
            behind = true;
            break;
        }
    }
    if (list && !behind)
        json_object_del(w->replaced, key);
    pthread_mutex_unlock(&w->mu);
    return behind;
}

int fo_own_writes_count(fo_own_writes *w)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    int n = (int)json_object_size(w->replaced);
    pthread_mutex_unlock(&w->mu);
    return n;
}
