#include "controller/enqueue.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"

static bool put(char *buf, size_t len, const char *ns, const char *name)
{
    if (!ns || !*ns || !name || !*name) {
        if (len)
            buf[0] = '\0';
        return false;
    }
    int n = snprintf(buf, len, "%s/%s", ns, name);
    if (n < 0 || (size_t)n >= len) {
        if (len)
            buf[0] = '\0';
        return false;
    }
    return true;
}

bool fo_enqueue_key(const json_t *obj, fo_ctl_kind kind, char *buf, size_t len)
{
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    if (kind == FO_CTL_FLINK_DEPLOYMENT)
        return put(buf, len, ns, fo_json_get_str(obj, "metadata.name"));
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(obj, "metadata.ownerReferences"), i, ref)
    {
        const char *k = fo_json_str(ref, "kind");
        const char *av = fo_json_str(ref, "apiVersion");
        if (k && strcmp(k, "FlinkDeployment") == 0 && av &&
            strncmp(av, "flink.apache.org/", 17) == 0)
            return put(buf, len, ns, fo_json_str(ref, "name"));
    }
    const json_t *labels = fo_json_get(obj, "metadata.labels");
    const char *type = fo_json_str(labels, "type");
    if (type && (strcmp(type, "flink-native-kubernetes") == 0 ||
                 strcmp(type, "flink-standalone-kubernetes") == 0))
        return put(buf, len, ns, fo_json_str(labels, "app"));
    if (len)
        buf[0] = '\0';
    return false;
}

bool fo_enqueue_split(const char *key, char ns[256], char name[256])
{
    const char *slash = key ? strchr(key, '/') : NULL;
    if (!slash || slash == key || !slash[1] || strchr(slash + 1, '/'))
        return false;
    size_t n = (size_t)(slash - key);
    if (n >= 256 || strlen(slash + 1) >= 256)
        return false;
    memcpy(ns, key, n);
    ns[n] = '\0';
    snprintf(name, 256, "%s", slash + 1);
    return true;
}
