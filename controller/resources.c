#include "controller/resources.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"
#include "controller/launch_defaults.h"
#include "controller/resources_util.h"

#define FO_INGRESS_TEMPLATE_MAX 2048

/* A log4j2 console configuration equivalent in effect to the one the Apache operator's Helm
 * chart ships: everything at INFO to the console, with the usual noisy loggers quietened. */
static const char default_log4j[] =
    "rootLogger.level = INFO\n"
    "rootLogger.appenderRef.console.ref = ConsoleAppender\n"
    "logger.akka.name = akka\n"
    "logger.akka.level = INFO\n"
    "logger.pekko.name = org.apache.pekko\n"
    "logger.pekko.level = INFO\n"
    "logger.kafka.name = org.apache.kafka\n"
    "logger.kafka.level = INFO\n"
    "logger.hadoop.name = org.apache.hadoop\n"
    "logger.hadoop.level = INFO\n"
    "logger.zookeeper.name = org.apache.zookeeper\n"
    "logger.zookeeper.level = INFO\n"
    "appender.console.name = ConsoleAppender\n"
    "appender.console.type = CONSOLE\n"
    "appender.console.layout.type = PatternLayout\n"
    "appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n\n"
    "logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline\n"
    "logger.netty.level = OFF\n";

const char *fo_resources_default_log4j(void)
{
    return default_log4j;
}

/* ---- small helpers shared with resources_pod.c -------------------------------------------- */

const char *fo_res_conf(const fo_res_ctx *c, const char *key, const char *fallback)
{
    const char *v = fo_json_str(c->conf, key);
    return v && *v ? v : fallback;
}

const char *fo_res_conf_enum(const fo_res_ctx *c, const char *key, const char *const *names,
                             const char *fallback)
{
    const char *v = fo_res_conf(c, key, NULL);
    if (!v)
        return fallback;
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(v, names[i]) == 0)
            return names[i];
    return v;
}

int64_t fo_res_conf_int(const fo_res_ctx *c, const char *key, int64_t fallback)
{
    const char *v = fo_json_str(c->conf, key);
    if (!v || !*v)
        return fallback;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    while (end && isspace((unsigned char)*end))
        end++;
    return end && *end == '\0' ? (int64_t)n : fallback;
}

double fo_res_conf_double(const fo_res_ctx *c, const char *key, double fallback)
{
    double d;
    const char *v = fo_json_str(c->conf, key);
    return v && fo_flink_parse_double(v, &d) ? d : fallback;
}

/* Next item of Flink's "a,b" syntax (StructuredOptionsSplitter) where an item may be wrapped
 * in single or double quotes (the quote doubled inside stands for one). Returns the position
 * after the item and its separator. */
static const char *next_item(const char *p, char sep, fo_strbuf *out)
{
    fo_strbuf_reset(out);
    while (*p == ' ')
        p++;
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p) {
            if (*p == q && p[1] == q) {
                fo_strbuf_putc(out, q);
                p += 2;
            } else if (*p == q) {
                p++;
                break;
            } else {
                fo_strbuf_putc(out, *p++);
            }
        }
        while (*p && *p != sep)
            p++;
    } else {
        while (*p && *p != sep)
            fo_strbuf_putc(out, *p++);
        while (out->len && out->data[out->len - 1] == ' ')
            out->data[--out->len] = '\0';
    }
    return *p == sep ? p + 1 : p;
}

json_t *fo_res_parse_flink_map(const char *text)
{
    json_t *map = json_object();
    if (!text)
        return map;
    fo_strbuf item, key;
    fo_strbuf_init(&item, 64 * 1024);
    fo_strbuf_init(&key, 64 * 1024);
    const char *p = text;
    while (*p) {
        p = next_item(p, ',', &item);
        char *colon = strchr(item.data, ':');
        if (!colon || colon == item.data)
            continue;
        fo_strbuf_reset(&key);
        fo_strbuf_append(&key, item.data, (size_t)(colon - item.data));
        const char *value = colon + 1;
        json_object_set_new(map, key.data, json_string(value));
    }
    fo_strbuf_release(&item);
    fo_strbuf_release(&key);
    return map;
}

json_t *fo_res_conf_map(const fo_res_ctx *c, const char *key, fo_err *err)
{
    const char *value = fo_res_conf(c, key, NULL);
    if (c->render < FO_RENDER_FLINK_MAPS)
        return fo_res_parse_flink_map(value);
    json_t *map = NULL;
    fo_err why;
    fo_err_clear(&why);
    if (fo_flink_conf_map(value, c->view.flink_version, &map, &why) != FO_OK)
        fo_err_set(err, FO_EINVAL, "spec.flinkConfiguration[%s]: %s", key, why.message);
    return map;
}

json_t *fo_res_common_labels(const fo_res_ctx *c)
{
    return json_pack("{s:s, s:s}", "type", c->type, "app", c->name);
}

json_t *fo_res_selector(const fo_res_ctx *c, const char *component)
{
    json_t *labels = fo_res_common_labels(c);
    json_object_set_new(labels, "component", json_string(component));
    return labels;
}

json_t *fo_res_metadata(const fo_res_ctx *c, const char *name, json_t *labels, bool controller)
{
    const char *api_version = fo_json_str(c->obj, "apiVersion");
    json_t *owner = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion",
                              api_version ? api_version : "flink.apache.org/v1beta1", "kind",
                              "FlinkDeployment", "name", c->name, "uid",
                              c->view.uid ? c->view.uid : "", "controller", controller,
                              "blockOwnerDeletion", 1);
    return json_pack("{s:s, s:s, s:o, s:[o]}", "name", name, "namespace", c->ns, "labels",
                     labels ? labels : json_object(), "ownerReferences", owner);
}

void fo_res_update(json_t *obj, const json_t *add)
{
    if (json_is_object(obj) && json_is_object(add))
        json_object_update(obj, (json_t *)add);
}

json_t *fo_res_find(const json_t *list, const char *key, const json_t *value)
{
    size_t i;
    json_t *item;
    json_array_foreach((json_t *)list, i, item) {
        if (fo_json_equal(json_object_get(item, key), value))
            return item;
    }
    return NULL;
}

/* ---- ConfigMaps --------------------------------------------------------------------------- */

static json_t *config_map(const fo_res_ctx *c, const fo_resource_inputs *in)
{
    char name[300];
    fo_flink_config_map_name(c->name, name, sizeof name);
    json_t *data = json_object();
    if (json_is_object(in->log_files) && json_object_size(in->log_files) > 0) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)in->log_files, key, v) {
            if (json_is_string(v))
                json_object_set(data, key, v);
        }
    } else {
        json_object_set_new(data, "log4j-console.properties", json_string(default_log4j));
    }
    json_object_set_new(data, in->conf_file, json_string(in->conf_text ? in->conf_text : ""));
    json_t *meta = fo_res_metadata(c, name, fo_res_common_labels(c), true);
    /* Next to the job result store it names: a recovered JobManager goes on with this launch
     * (its Deployment, which names it too, is gone). */
    if (c->launch_ms > 0) {
        char ms[32];
        snprintf(ms, sizeof ms, "%lld", (long long)c->launch_ms);
        json_object_set_new(fo_json_ensure_object(meta, "annotations"), FO_LAUNCH_ANNOTATION,
                            json_string(ms));
    }
    /* Written with the configuration file it was built into, in the first object a launch
     * writes, which a lost JobManager Deployment leaves behind. */
    if (in->defaults_record)
        json_object_set_new(fo_json_ensure_object(meta, "annotations"),
                            FO_LAUNCH_DEFAULTS_ANNOTATION, json_string(in->defaults_record));
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "ConfigMap", "metadata",
                     meta, "data", data);
}

static json_t *pod_template_config_map(const fo_res_ctx *c, fo_err *err)
{
    json_t *pod = fo_res_tm_pod_template(c, err);
    if (!pod)
        return NULL;
    char *yaml = fo_yaml_emit(pod);
    json_decref(pod);
    if (!yaml) {
        fo_err_set(err, FO_ENOMEM, "rendering the TaskManager pod template");
        return NULL;
    }
    char name[300];
    fo_flink_pod_template_cm_name(c->name, name, sizeof name);
    json_t *cm = json_pack("{s:s, s:s, s:o, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", fo_res_metadata(c, name, fo_res_common_labels(c), true),
                           "data", "taskmanager-pod-template.yaml", yaml);
    free(yaml);
    return cm;
}

/* ---- Services ----------------------------------------------------------------------------- */

/* Flink's exposed types map to Kubernetes service types; Headless_ClusterIP is a ClusterIP
 * service without a cluster IP. */
static json_t *rest_service(const fo_res_ctx *c, fo_err *err)
{
    json_t *annotations = fo_res_conf_map(c, "kubernetes.rest-service.annotations", err);
    if (!annotations)
        return NULL;
    char name[300];
    fo_flink_rest_service_name(c->name, name, sizeof name);
    /* The port the controller's REST address fills in (fo_flink_conf_rest_port); the target is
     * the port the JobManager binds as its ConfigMap says, also for a range or 0. */
    int64_t port = fo_flink_conf_rest_port(c->conf);
    int64_t target = fo_flink_conf_rest_bind_port(c->conf);
    const char *type = fo_res_conf_enum(c, "kubernetes.rest-service.exposed.type",
                                        fo_flink_service_exposed_types, "ClusterIP");
    json_t *spec = json_pack("{s:[{s:s, s:I, s:I}], s:o}", "ports", "name", "rest", "port",
                             (json_int_t)port, "targetPort", (json_int_t)target, "selector",
                             fo_res_selector(c, "jobmanager"));
    if (strcmp(type, "Headless_ClusterIP") == 0) {
        json_object_set_new(spec, "type", json_string("ClusterIP"));
        json_object_set_new(spec, "clusterIP", json_string("None"));
    } else {
        json_object_set_new(spec, "type", json_string(type));
    }
    json_t *meta = fo_res_metadata(c, name, fo_res_common_labels(c), true);
    if (json_object_size(annotations))
        json_object_set(meta, "annotations", annotations);
    json_decref(annotations);
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Service", "metadata",
                     meta, "spec", spec);
}

/* The headless service TaskManagers use to reach the JobManager when there is no HA (with HA
 * they find the leader's address in the HA ConfigMap). */
static json_t *internal_service(const fo_res_ctx *c)
{
    int64_t rpc = fo_res_conf_int(c, "jobmanager.rpc.port", 6123);
    int64_t blob = fo_res_conf_int(c, "blob.server.port", 6124);
    json_t *spec = json_pack(
        "{s:s, s:[{s:s, s:I, s:I}, {s:s, s:I, s:I}], s:o}", "clusterIP", "None", "ports", "name",
        "jobmanager-rpc", "port", (json_int_t)rpc, "targetPort", (json_int_t)rpc, "name",
        "blobserver", "port", (json_int_t)blob, "targetPort", (json_int_t)blob, "selector",
        fo_res_selector(c, "jobmanager"));
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Service", "metadata",
                     fo_res_metadata(c, c->name, fo_res_common_labels(c), true), "spec", spec);
}

/* ---- Ingress (reference c.16) ------------------------------------------------------------- */

/* Replace {{name}} and {{namespace}} (any case) in template. */
static void substitute(const char *template, const char *name, const char *ns, fo_strbuf *out)
{
    for (const char *p = template; *p;) {
        if (strncasecmp(p, "{{name}}", 8) == 0) {
            fo_strbuf_puts(out, name);
            p += 8;
        } else if (strncasecmp(p, "{{namespace}}", 13) == 0) {
            fo_strbuf_puts(out, ns);
            p += 13;
        } else {
            fo_strbuf_putc(out, *p++);
        }
    }
}

/* Split an http(s) URL into host (without user info and port) and path (with anything after
 * it; empty when the URL has none, as java.net.URL.getPath gives it). */
static void split_url(const char *url, fo_strbuf *host, fo_strbuf *path)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at)
        p = at + 1;
    const char *colon = memchr(p, ':', (size_t)(end - p));
    fo_strbuf_append(host, p, (size_t)((colon ? colon : end) - p));
    if (*end == '/')
        fo_strbuf_puts(path, end);
}

static json_t *ingress(const fo_res_ctx *c, fo_err *err)
{
    const json_t *spec = c->view.ingress;
    const char *template = fo_json_str(spec, "template");
    if (!template || !*template) {
        fo_err_set(err, FO_EINVAL, "spec.ingress.template: Ingress template must be defined");
        return NULL;
    }
    fo_strbuf url, host, path;
    fo_strbuf_init(&url, FO_INGRESS_TEMPLATE_MAX);
    fo_strbuf_init(&host, FO_INGRESS_TEMPLATE_MAX);
    fo_strbuf_init(&path, FO_INGRESS_TEMPLATE_MAX);
    if (strncasecmp(template, "http://", 7) != 0 && strncasecmp(template, "https://", 8) != 0)
        fo_strbuf_puts(&url, "http://");
    substitute(template, c->name, c->ns, &url);
    split_url(url.data, &host, &path);

    char rest[300];
    fo_flink_rest_service_name(c->name, rest, sizeof rest);
    json_t *backend = json_pack("{s:{s:s, s:{s:I}}}", "service", "name", rest, "port", "number",
                                (json_int_t)fo_flink_conf_rest_port(c->conf));
    /* IngressUtils: without a path in the template the rule has none (every path of the
     * host); "/" would be one path only for controllers that read ImplementationSpecific
     * literally (GCE, ALB), and the UI's /jobs/... requests would miss it. The empty path is
     * written out (the API server stores it as none): a patch leaving it out would keep the
     * "/" that flinkop wrote up to 68e0598. */
    json_t *entry = json_pack("{s:s, s:s, s:o}", "path", path.data, "pathType",
                              "ImplementationSpecific", "backend", backend);
    json_t *rule = json_pack("{s:{s:[o]}}", "http", "paths", entry);
    if (host.len)
        json_object_set_new(rule, "host", json_string(host.data));
    json_t *ispec = json_pack("{s:[o]}", "rules", rule);
    const char *class_name = fo_json_str(spec, "className");
    if (class_name)
        json_object_set_new(ispec, "ingressClassName", json_string(class_name));
    json_t *tls = json_object_get(spec, "tls");
    if (json_is_array(tls) && json_array_size(tls))
        json_object_set_new(ispec, "tls", fo_json_copy(tls));

    json_t *labels = json_object();
    fo_res_update(labels, json_object_get(spec, "labels"));
    json_object_set_new(labels, "component", json_string("ingress"));
    json_t *meta = fo_res_metadata(c, c->name, labels, true);
    json_t *annotations = json_object_get(spec, "annotations");
    if (json_is_object(annotations) && json_object_size(annotations))
        json_object_set_new(meta, "annotations", fo_json_copy(annotations));

    fo_strbuf_release(&url);
    fo_strbuf_release(&host);
    fo_strbuf_release(&path);
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "networking.k8s.io/v1", "kind",
                     "Ingress", "metadata", meta, "spec", ispec);
}

/* ---- the whole set ------------------------------------------------------------------------ */

static bool add(json_t *list, json_t *obj)
{
    if (!obj)
        return false;
    json_array_append_new(list, obj);
    return true;
}

json_t *fo_resources_desired(const fo_resource_inputs *in, fo_err *err)
{
    fo_res_ctx c;
    memset(&c, 0, sizeof c);
    c.obj = in->deployment;
    c.conf = in->flink_conf;
    if (!in->deployment || !json_is_object(in->flink_conf) || !in->conf_file ||
        fo_flink_view_init_as(&c.view, in->deployment, FO_FLINK_DEPLOYMENT, NULL) != FO_OK) {
        fo_err_set(err, FO_EINVAL, "a FlinkDeployment with a spec and a configuration is needed");
        return NULL;
    }
    c.name = c.view.name;
    c.ns = c.view.namespace_;
    if (!c.name || !c.ns) {
        fo_err_set(err, FO_EINVAL, "metadata.name and metadata.namespace are required");
        return NULL;
    }
    c.standalone = c.view.mode == FO_FLINK_MODE_STANDALONE;
    c.type = c.standalone ? FO_TYPE_STANDALONE : FO_TYPE_NATIVE;
    c.application = fo_flink_is_application(&c.view);
    c.ha = fo_flink_ha_enabled(in->flink_conf);
    c.render = in->render > 0 && in->render < FO_RENDER_CURRENT ? in->render : FO_RENDER_CURRENT;
    c.foreign = in->foreign;
    c.tm_template = !c.standalone && fo_res_tm_template_needed(&c);
    c.savepoint_path = in->savepoint_path;
    c.launch_ms = in->launch_ms;

    json_t *list = json_array();
    bool ok = add(list, config_map(&c, in));
    if (ok && c.tm_template)
        ok = add(list, pod_template_config_map(&c, err));
    if (ok)
        ok = add(list, rest_service(&c, err));
    if (ok && !c.ha)
        ok = add(list, internal_service(&c));
    if (ok)
        ok = add(list, fo_res_jm_deployment(&c, err));
    if (ok && c.standalone)
        ok = add(list, fo_res_tm_deployment(&c, err));
    if (ok && c.view.ingress && json_is_object(c.view.ingress))
        ok = add(list, ingress(&c, err));
    if (!ok) {
        json_decref(list);
        return NULL;
    }
    return list;
}
