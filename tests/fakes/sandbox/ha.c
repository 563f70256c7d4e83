#include "tests/fakes/sandbox/ha.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/jsonutil.h"

/* Largest pointer value decoded. */
#define HA_MAX_POINTER 8192


bool fo_sandbox_ha_kubernetes(const json_t *conf)
{
    static const char *const keys[] = {"high-availability.type", "high-availability",
                                       "high-availability.mode", NULL};
    for (size_t i = 0; keys[i]; i++) {
        const char *v = fo_json_str(conf, keys[i]);
        if (!v)
            continue;
        /* Flink's HighAvailabilityMode.fromConfig upper-cases the value; anything else is the
         * class name of an HA services factory. */
        return strcasecmp(v, "kubernetes") == 0 ||
               strcmp(v, "org.apache.flink.kubernetes.highavailability."
                         "KubernetesHaServicesFactory") == 0;
    }
    return false;
}

void fo_sandbox_ha_cluster_map_name(const char *cluster_id, char *buf, size_t len)
{
    snprintf(buf, len, "%s-cluster-config-map", cluster_id);
}

void fo_sandbox_ha_job_map_name(const char *cluster_id, const char *job_id, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%s-config-map", cluster_id, job_id);
}

void fo_sandbox_ha_job_graph_key(const char *job_id, bool flink2, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%s", flink2 ? "executionPlan" : "jobGraph", job_id);
}

json_t *fo_sandbox_ha_labels(const char *cluster_id)
{
    return json_pack("{s:s, s:s, s:s}", "app", cluster_id, "type", FO_SANDBOX_HA_LABEL_TYPE,
                     "configmap-type", FO_SANDBOX_HA_CONFIGMAP_TYPE);
}

int64_t fo_sandbox_ha_checkpoint_id(const char *path)
{
    if (!path)
        return -1;
    const char *chk = strstr(path, "/chk-");
    if (!chk)
        return -1;
    chk += 5;
    if (!isdigit((unsigned char)*chk))
        return -1;
    char *end = NULL;
    long long id = strtoll(chk, &end, 10);
    if (*end && *end != '/')
        return -1;
    return id;
}

typedef struct ckpt {
    int64_t id;
    char *value; /* owned */
} ckpt;

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const ckpt *)a)->id, y = ((const ckpt *)b)->id;
    return x < y ? -1 : x > y;
}

static bool have_id(const ckpt *all, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (all[i].id == id)
            return true;
    return false;
}

json_t *fo_sandbox_ha_job_data(const json_t *existing, const json_t *checkpoint_paths, int retained)
{
    json_t *data = json_object();
    size_t cap = json_object_size(existing) + json_array_size(checkpoint_paths), k = 0;
    ckpt *all = cap ? calloc(cap, sizeof *all) : NULL;
    if (cap && !all) {
        json_decref(data);
        return NULL;
    }
    int64_t counter = 1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)existing, key, v)
    {
        const char *text = json_string_value(v);
        if (strncmp(key, "checkpointID-", 13) == 0 && isdigit((unsigned char)key[13]) && text) {
            int64_t id = strtoll(key + 13, NULL, 10);
            if (!have_id(all, k, id) && (all[k].value = strdup(text)))
                all[k++].id = id;
        } else if (strcmp(key, "counter") == 0 && text) {
            counter = strtoll(text, NULL, 10);
        } else {
            json_object_set(data, key, v);
        }
    }
    for (size_t i = 0; i < json_array_size(checkpoint_paths); i++) {
        const char *p = json_string_value(json_array_get(checkpoint_paths, i));
        int64_t id = fo_sandbox_ha_checkpoint_id(p);
        if (id >= 0 && !have_id(all, k, id) && (all[k].value = fo_sandbox_ha_pointer_encode(p, id)))
            all[k++].id = id;
    }
    if (k > 1)
        qsort(all, k, sizeof *all, by_id);
    if (retained < 1)
        retained = 1;
    size_t first = k > (size_t)retained ? k - (size_t)retained : 0;
    for (size_t i = 0; i < k; i++) {
        if (i >= first) {
            char name[64];
            snprintf(name, sizeof name, "checkpointID-%019" PRId64, all[i].id);
            json_object_set_new(data, name, json_string(all[i].value));
        }
        free(all[i].value);
    }
    if (k && all[k - 1].id + 1 > counter)
        counter = all[k - 1].id + 1;
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, counter);
    json_object_set_new(data, "counter", json_string(text));
    free(all);
    return data;
}


char *fo_sandbox_ha_pointer_encode(const char *path, int64_t checkpoint_id)
{
    json_t *doc = json_pack("{s:s, s:I}", "externalPointer", path ? path : "", "checkpointId",
                            (json_int_t)checkpoint_id);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return NULL;
    char *out = fo_base64_encode(text, strlen(text));
    free(text);
    return out;
}

char *fo_sandbox_ha_pointer_decode(const char *value, int64_t *checkpoint_id)
{
    if (!value || strlen(value) > HA_MAX_POINTER)
        return NULL;
    size_t n = 0;
    char *raw = fo_base64_decode(value, strlen(value), &n);
    if (!raw)
        return NULL;
    json_t *doc = fo_json_parse(raw, n, HA_MAX_POINTER, NULL);
    free(raw);
    const char *path = fo_json_str(doc, "externalPointer");
    json_int_t id = json_integer_value(json_object_get(doc, "checkpointId"));
    char *out = path && *path ? strdup(path) : NULL;
    if (out && checkpoint_id)
        *checkpoint_id = id;
    json_decref(doc);
    return out;
}

const json_t *fo_sandbox_ha_find(const json_t *maps, const char *name)
{
    size_t i;
    json_t *m;
    json_array_foreach(maps, i, m)
    {
        const char *n = fo_json_get_str(m, "metadata.name");
        if (n && strcmp(n, name) == 0 && !fo_json_get(m, "metadata.deletionTimestamp"))
            return m;
    }
    return NULL;
}

static bool is_job_id(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (size_t i = 0; i < 32; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

bool fo_sandbox_ha_recover(const json_t *maps, const char *cluster_id, const char *fixed_job_id,
                           char job_id[33], char *path, size_t path_len, int64_t *checkpoint_id)
{
    char name[600];
    job_id[0] = '\0';
    if (path_len)
        path[0] = '\0';
    *checkpoint_id = -1;
    if (is_job_id(fixed_job_id)) {
        snprintf(job_id, 33, "%s", fixed_job_id);
    } else {
        fo_sandbox_ha_cluster_map_name(cluster_id, name, sizeof name);
        const json_t *cm = fo_sandbox_ha_find(maps, name);
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)json_object_get(cm, "data"), key, v)
        {
            const char *id = NULL;
            if (strncmp(key, "jobGraph-", 9) == 0)
                id = key + 9;
            else if (strncmp(key, "executionPlan-", 14) == 0)
                id = key + 14;
            if (is_job_id(id)) {
                snprintf(job_id, 33, "%s", id);
                break;
            }
        }
    }
    if (!job_id[0])
        return false;
    fo_sandbox_ha_job_map_name(cluster_id, job_id, name, sizeof name);
    const json_t *jm = fo_sandbox_ha_find(maps, name);
    int64_t best = -1;
    const char *best_value = NULL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(jm, "data"), key, v)
    {
        if (strncmp(key, "checkpointID-", 13) != 0 || !isdigit((unsigned char)key[13]))
            continue;
        int64_t id = strtoll(key + 13, NULL, 10);
        if (id > best) {
            best = id;
            best_value = json_string_value(v);
        }
    }
    if (best < 0)
        return false;
    *checkpoint_id = best;
    int64_t decoded_id = 0;
    char *p = fo_sandbox_ha_pointer_decode(best_value, &decoded_id);
    if (p && path_len)
        snprintf(path, path_len, "%s", p);
    free(p);
    return true;
}
