#include "tests/fakes/apiserver/builtin_defaults.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"

static void set_default(json_t *obj, const char *key, json_t *value)
{
    if (!json_object_get(obj, key))
        json_object_set_new(obj, key, value);
    else
        json_decref(value);
}

/* imagePullPolicy: Always for ":latest" or no tag, else IfNotPresent (core/v1 defaults). */
static const char *pull_policy(const char *image)
{
    if (!image)
        return "IfNotPresent";
    const char *at = strchr(image, '@');
    if (at)
        return "IfNotPresent";
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    if (!colon || strcmp(colon, ":latest") == 0)
        return "Always";
    return "IfNotPresent";
}

static void container_defaults(json_t *containers)
{
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        if (!json_is_object(c))
            continue;
        set_default(c, "terminationMessagePath", json_string("/dev/termination-log"));
        set_default(c, "terminationMessagePolicy", json_string("File"));
        set_default(c, "imagePullPolicy", json_string(pull_policy(fo_json_str(c, "image"))));
        set_default(c, "resources", json_object());
        size_t j;
        json_t *p;
        json_array_foreach(json_object_get(c, "ports"), j, p) if (json_is_object(p))
            set_default(p, "protocol", json_string("TCP"));
        json_array_foreach(json_object_get(c, "env"), j, p)
        {
            json_t *fr = fo_json_get(p, "valueFrom.fieldRef");
            if (json_is_object(fr))
                set_default(fr, "apiVersion", json_string("v1"));
        }
    }
}

static void volume_defaults(json_t *volumes)
{
    size_t i;
    json_t *v;
    json_array_foreach(volumes, i, v)
    {
        json_t *cm = json_object_get(v, "configMap");
        if (json_is_object(cm))
            set_default(cm, "defaultMode", json_integer(420));
        json_t *sec = json_object_get(v, "secret");
        if (json_is_object(sec))
            set_default(sec, "defaultMode", json_integer(420));
    }
}

static void pod_spec_defaults(json_t *spec)
{
    if (!json_is_object(spec))
        return;
    set_default(spec, "restartPolicy", json_string("Always"));
    set_default(spec, "terminationGracePeriodSeconds", json_integer(30));
    set_default(spec, "dnsPolicy", json_string("ClusterFirst"));
    set_default(spec, "securityContext", json_object());
    set_default(spec, "schedulerName", json_string("default-scheduler"));
    container_defaults(json_object_get(spec, "containers"));
    container_defaults(json_object_get(spec, "initContainers"));
    volume_defaults(json_object_get(spec, "volumes"));
}

static void deployment_defaults(json_t *obj)
{
    json_t *spec = fo_json_ensure_object(obj, "spec");
    set_default(spec, "replicas", json_integer(1));
    set_default(spec, "revisionHistoryLimit", json_integer(10));
    set_default(spec, "progressDeadlineSeconds", json_integer(600));
    json_t *strategy = fo_json_ensure_object(spec, "strategy");
    set_default(strategy, "type", json_string("RollingUpdate"));
    const char *type = fo_json_str(strategy, "type");
    if (type && strcmp(type, "RollingUpdate") == 0) {
        json_t *ru = fo_json_ensure_object(strategy, "rollingUpdate");
        set_default(ru, "maxUnavailable", json_string("25%"));
        set_default(ru, "maxSurge", json_string("25%"));
    }
    pod_spec_defaults(fo_json_get(spec, "template.spec"));
}

static void service_defaults(json_t *obj, const json_t *old, unsigned ip_seq)
{
    json_t *spec = fo_json_ensure_object(obj, "spec");
    set_default(spec, "type", json_string("ClusterIP"));
    const char *type = fo_json_str(spec, "type");
    bool external_name = type && strcmp(type, "ExternalName") == 0;
    if (!external_name) {
        set_default(spec, "sessionAffinity", json_string("None"));
        set_default(spec, "internalTrafficPolicy", json_string("Cluster"));
        const json_t *old_ip = fo_json_get(old, "spec.clusterIP");
        const json_t *old_ips = fo_json_get(old, "spec.clusterIPs");
        if (old_ip && !json_object_get(spec, "clusterIP"))
            json_object_set(spec, "clusterIP", (json_t *)old_ip);
        if (old_ips && !json_object_get(spec, "clusterIPs"))
            json_object_set(spec, "clusterIPs", (json_t *)old_ips);
        const char *ip = fo_json_str(spec, "clusterIP");
        if (!ip || !*ip) {
            char buf[32];
            snprintf(buf, sizeof buf, "10.96.%u.%u", (ip_seq / 250) % 250, ip_seq % 250 + 2);
            json_object_set_new(spec, "clusterIP", json_string(buf));
            ip = fo_json_str(spec, "clusterIP");
        }
        if (!json_object_get(spec, "clusterIPs"))
            json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
        set_default(spec, "ipFamilies", json_pack("[s]", "IPv4"));
        set_default(spec, "ipFamilyPolicy", json_string("SingleStack"));
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(spec, "ports"), i, p)
    {
        if (!json_is_object(p))
            continue;
        set_default(p, "protocol", json_string("TCP"));
        json_t *port = json_object_get(p, "port");
        if (port && !json_object_get(p, "targetPort"))
            json_object_set(p, "targetPort", port);
    }
}

void fka_builtin_defaults(const fka_resource *r, json_t *obj, const json_t *old, unsigned ip_seq)
{
    const char *s = r->storage;
    bool create = old == NULL;
    if (strcmp(s, "apps/deployments") == 0) {
        deployment_defaults(obj);
        if (create)
            json_object_set_new(obj, "status", json_object());
    } else if (strcmp(s, "/pods") == 0) {
        json_t *spec = fo_json_ensure_object(obj, "spec");
        pod_spec_defaults(spec);
        set_default(spec, "enableServiceLinks", json_true());
        set_default(spec, "preemptionPolicy", json_string("PreemptLowerPriority"));
        set_default(spec, "priority", json_integer(0));
        if (create)
            json_object_set_new(
                obj, "status",
                json_pack("{s:s, s:s}", "phase", "Pending", "qosClass", "BestEffort"));
    } else if (strcmp(s, "/services") == 0) {
        service_defaults(obj, old, ip_seq);
        if (create)
            json_object_set_new(obj, "status", json_pack("{s:{}}", "loadBalancer"));
    } else if (strcmp(s, "/secrets") == 0) {
        set_default(obj, "type", json_string("Opaque"));
    } else if (strcmp(s, "/namespaces") == 0) {
        json_t *spec = fo_json_ensure_object(obj, "spec");
        set_default(spec, "finalizers", json_pack("[s]", "kubernetes"));
        const char *name = fo_json_get_str(obj, "metadata.name");
        if (name) {
            json_t *labels =
                fo_json_ensure_object(fo_json_ensure_object(obj, "metadata"), "labels");
            json_object_set_new(labels, "kubernetes.io/metadata.name", json_string(name));
        }
        if (create)
            json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));
    } else if (strcmp(s, "networking.k8s.io/ingresses") == 0) {
        if (create)
            json_object_set_new(obj, "status", json_pack("{s:{}}", "loadBalancer"));
    }
}
