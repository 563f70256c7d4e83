#include "tests/fakes/sandbox/launch.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/yamlconv.h"
#include "tests/fakes/sandbox/ha.h"

#define MAIN_CONTAINER "flink-main-container"
#define CONFIG_VOLUME "flink-config-volume"

/* ---- the configuration file ---- */

/* Flink's legacy flink-conf.yaml reader (GlobalConfiguration.loadYAMLResource): per line,
 * everything after the first '#' is a comment; the rest splits at the first ": " into a
 * trimmed key and value; lines without one, or with an empty side, are skipped. */
static json_t *parse_legacy(const char *text)
{
    json_t *flat = json_object();
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        char *line = strndup(p, n);
        p += n + (eol ? 1 : 0);
        if (!line)
            continue;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *sep = strstr(line, ": ");
        if (sep) {
            *sep = '\0';
            char *k = line, *v = sep + 2;
            while (isspace((unsigned char)*k))
                k++;
            while (isspace((unsigned char)*v))
                v++;
            for (char *e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);)
                *--e = '\0';
            for (char *e = v + strlen(v); e > v && isspace((unsigned char)e[-1]);)
                *--e = '\0';
            if (*k && *v)
                json_object_set_new(flat, k, json_string(v));
        }
        free(line);
    }
    return flat;
}

json_t *fo_sandbox_parse_flink_conf(const char *file_name, const char *text, fo_err *err)
{
    if (strcmp(file_name, "flink-conf.yaml") == 0)
        return parse_legacy(text);
    json_t *doc = fo_yaml_parse(text, strlen(text), FO_SANDBOX_MAX_CONF_FILE, err);
    if (!doc) {
        fo_err_wrap(err, "%s", file_name);
        return NULL;
    }
    json_t *flat = json_is_null(doc) ? json_object() : fo_flink_conf_flatten(doc, err);
    json_decref(doc);
    if (!flat)
        fo_err_wrap(err, "%s", file_name);
    return flat;
}

void fo_sandbox_config_map_name(const json_t *deployment, char *buf, size_t len)
{
    size_t i;
    json_t *vol;
    json_array_foreach(fo_json_get(deployment, "spec.template.spec.volumes"), i, vol)
    {
        const char *name = fo_json_str(vol, "name");
        const char *cm = fo_json_get_str(vol, "configMap.name");
        if (name && cm && strcmp(name, CONFIG_VOLUME) == 0) {
            snprintf(buf, len, "%s", cm);
            return;
        }
    }
    const char *name = fo_json_get_str(deployment, "metadata.name");
    snprintf(buf, len, "flink-config-%s", name ? name : "");
}

/* ---- the container ---- */

static const json_t *main_container(const json_t *deployment)
{
    const json_t *containers = fo_json_get(deployment, "spec.template.spec.containers");
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        const char *name = fo_json_str(c, "name");
        if (name && strcmp(name, MAIN_CONTAINER) == 0)
            return c;
    }
    return json_array_get(containers, 0);
}

/* "flink:1.20" -> "1.20.0", "repo:5000/flink:1.19.2-scala_2.12@sha256:..." -> "1.19.2". */
static bool version_from_image(const char *image, char *buf, size_t len)
{
    if (!image)
        return false;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", image);
    char *at = strchr(copy, '@');
    if (at)
        *at = '\0';
    char *slash = strrchr(copy, '/');
    char *colon = strrchr(slash ? slash : copy, ':');
    if (!colon)
        return false;
    int major = 0, minor = 0, patch = 0, used = 0;
    const char *tag = colon + 1;
    if (sscanf(tag, "%d.%d%n", &major, &minor, &used) != 2 || major < 1)
        return false;
    if (tag[used] == '.' && isdigit((unsigned char)tag[used + 1]))
        patch = atoi(tag + used + 1);
    snprintf(buf, len, "%d.%d.%d", major, minor, patch);
    return true;
}

/* ---- Flink's list syntax (StructuredOptionsSplitter): items split at ';', an item may be
 * quoted with ' or " (the quote doubled inside stands for itself). ---- */
static json_t *split_list(const char *s)
{
    json_t *items = json_array();
    if (!s || !*s)
        return items;
    const char *p = s;
    for (;;) {
        char *item = malloc(strlen(p) + 1);
        if (!item)
            break;
        size_t w = 0;
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            while (*p) {
                if (*p == q && p[1] == q) {
                    item[w++] = q;
                    p += 2;
                } else if (*p == q) {
                    p++;
                    break;
                } else {
                    item[w++] = *p++;
                }
            }
            while (*p && *p != ';')
                item[w++] = *p++;
        } else {
            while (*p && *p != ';')
                item[w++] = *p++;
        }
        item[w] = '\0';
        json_array_append_new(items, json_string(item));
        free(item);
        if (*p != ';')
            break;
        p++;
    }
    return items;
}

/* ---- standalone arguments (StandaloneApplicationClusterConfigurationParserFactory):
 * options first, then the program's own arguments (commons-cli stops at the first
 * non-option). ---- */
typedef struct sa_args {
    bool application;
    const char *entry_class, *job_id, *savepoint, *restore_mode;
    bool allow_nrs;
    json_t *program_args; /* owned */
} sa_args;

static fo_rc parse_standalone_args(const json_t *args, json_t *conf, sa_args *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    out->program_args = json_array();
    size_t n = json_array_size(args);
    const char *first = json_string_value(json_array_get(args, 0));
    if (!first)
        return fo_err_set(err, FO_EINVAL,
                          "container args: missing (want standalone-job or "
                          "jobmanager)");
    if (strcmp(first, "standalone-job") == 0)
        out->application = true;
    else if (strcmp(first, "jobmanager") != 0)
        return fo_err_set(err, FO_EINVAL,
                          "container args[0]: '%s' is neither standalone-job "
                          "nor jobmanager",
                          first);
    size_t i = 1;
    for (; i < n; i++) {
        const char *a = json_string_value(json_array_get(args, i));
        const char *next = json_string_value(json_array_get(args, i + 1));
        if (!a)
            return fo_err_set(err, FO_EINVAL, "container args[%zu]: not a string", i);
        const char **slot = NULL;
        if (!strcmp(a, "--job-classname") || !strcmp(a, "-j"))
            slot = &out->entry_class;
        else if (!strcmp(a, "--job-id") || !strcmp(a, "-jid"))
            slot = &out->job_id;
        else if (!strcmp(a, "--fromSavepoint") || !strcmp(a, "-s"))
            slot = &out->savepoint;
        else if (!strcmp(a, "--restoreMode") || !strcmp(a, "-rm"))
            slot = &out->restore_mode;
        if (slot) {
            if (!next)
                return fo_err_set(err, FO_EINVAL, "container args[%zu]: %s needs a value", i, a);
            *slot = next;
            i++;
            continue;
        }
        if (!strcmp(a, "--allowNonRestoredState") || !strcmp(a, "-n")) {
            out->allow_nrs = true;
            continue;
        }
        if (!strcmp(a, "--configDir") || !strcmp(a, "-c") || !strcmp(a, "--host") ||
            !strcmp(a, "--webui-port") || !strcmp(a, "-r")) {
            if (!next)
                return fo_err_set(err, FO_EINVAL, "container args[%zu]: %s needs a value", i, a);
            i++;
            continue;
        }
        if (!strncmp(a, "-D", 2)) {
            /* -Dkey=value, or -D followed by key=value. */
            const char *kv = a[2] ? a + 2 : next;
            const char *eq = kv ? strchr(kv, '=') : NULL;
            if (!eq || eq == kv)
                return fo_err_set(err, FO_EINVAL, "container args[%zu]: %s is not -Dkey=value", i,
                                  a);
            if (!a[2])
                i++;
            char key[FO_FLINK_CONF_MAX_KEY_LEN];
            snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
            json_object_set_new(conf, key, json_string(eq + 1));
            continue;
        }
        break;
    }
    for (; i < n; i++) {
        const char *a = json_string_value(json_array_get(args, i));
        json_array_append_new(out->program_args, json_string(a ? a : ""));
    }
    return FO_OK;
}

/* ---- the launch ---- */

static const char *conf2(const json_t *conf, const char *k1, const char *k2)
{
    const char *v = fo_json_str(conf, k1);
    return v ? v : (k2 ? fo_json_str(conf, k2) : NULL);
}

static bool args_mention(const json_t *args, const char *word)
{
    size_t i;
    json_t *a;
    json_array_foreach(args, i, a)
    {
        const char *s = json_string_value(a);
        if (s && strstr(s, word))
            return true;
    }
    return false;
}

static const char *conf_file_of(const json_t *configmap, const char **text)
{
    static const char *const names[] = {"config.yaml", "flink-conf.yaml", NULL};
    const json_t *data = json_object_get(configmap, "data");
    for (size_t i = 0; names[i]; i++) {
        const char *t = fo_json_str(data, names[i]);
        if (t) {
            *text = t;
            return names[i];
        }
    }
    return NULL;
}

void fo_sandbox_launch_release(fo_sandbox_launch *l)
{
    if (!l)
        return;
    json_decref(l->spec);
    json_decref(l->conf);
    l->spec = l->conf = NULL;
}

static fo_rc add_job(const json_t *conf, const sa_args *sa, const json_t *ha_maps, json_t *job,
                     fo_sandbox_launch *out)
{
    const char *jars = conf2(conf, "pipeline.jars", NULL);
    if (!jars && out->standalone)
        jars = conf2(conf, "pipeline.classpaths", NULL);
    json_t *jar_list = split_list(jars);
    const char *jar = json_string_value(json_array_get(jar_list, 0));
    if (jar)
        json_object_set_new(job, "jarURI", json_string(jar));
    json_decref(jar_list);

    const char *entry =
        sa->entry_class ? sa->entry_class : conf2(conf, "$internal.application.main", NULL);
    if (entry)
        json_object_set_new(job, "entryClass", json_string(entry));
    if (json_array_size(sa->program_args))
        json_object_set(job, "args", sa->program_args);
    else if (conf2(conf, "$internal.application.program-args", NULL))
        json_object_set_new(job, "args",
                            split_list(conf2(conf, "$internal.application.program-args", NULL)));
    const char *par = conf2(conf, "parallelism.default", NULL);
    if (par && atoi(par) > 0)
        json_object_set_new(job, "parallelism", json_integer(atoi(par)));
    const char *name = conf2(conf, "pipeline.name", NULL);
    if (name)
        json_object_set_new(job, "name", json_string(name));

    const char *fixed = sa->job_id ? sa->job_id : conf2(conf, "$internal.pipeline.job-id", NULL);
    if (fixed)
        snprintf(out->job_id, sizeof out->job_id, "%s", fixed);
    if (out->ha) {
        char recovered[33], path[1024];
        int64_t id = -1;
        bool found = fo_sandbox_ha_recover(ha_maps, out->cluster_id, fixed, recovered, path,
                                           sizeof path, &id);
        if (recovered[0])
            snprintf(out->job_id, sizeof out->job_id, "%s", recovered);
        const char *dir = conf2(conf, "execution.checkpointing.dir", "state.checkpoints.dir");
        if (found && !path[0] && dir)
            snprintf(path, sizeof path, "%s/%s/chk-%" PRId64, dir, recovered, id);
        if (found && path[0]) {
            snprintf(out->restore_path, sizeof out->restore_path, "%s", path);
            out->restore_from_ha = true;
        }
    }
    if (!out->restore_from_ha) {
        const char *sp = sa->savepoint ? sa->savepoint
                                       : conf2(conf, "execution.state-recovery.path",
                                               "execution.savepoint.path");
        if (sp)
            snprintf(out->restore_path, sizeof out->restore_path, "%s", sp);
    }
    if (out->job_id[0])
        json_object_set_new(job, "jobId", json_string(out->job_id));
    if (out->restore_path[0])
        json_object_set_new(job, "restorePath", json_string(out->restore_path));
    const char *nrs = conf2(conf, "execution.state-recovery.ignore-unclaimed-state",
                            "execution.savepoint.ignore-unclaimed-state");
    bool allow = false;
    if (!nrs || !fo_flink_parse_bool(nrs, &allow))
        allow = false;
    allow = allow || sa->allow_nrs;
    json_object_set_new(job, "allowNonRestoredState", json_boolean(allow));
    const char *mode = sa->restore_mode ? sa->restore_mode
                                        : conf2(conf, "execution.state-recovery.claim-mode",
                                                "execution.savepoint-restore-mode");
    if (mode && (!strcmp(mode, "CLAIM") || !strcmp(mode, "NO_CLAIM") || !strcmp(mode, "LEGACY")))
        json_object_set_new(job, "restoreMode", json_string(mode));
    return FO_OK;
}

fo_rc fo_sandbox_launch_build(const json_t *deployment, const json_t *configmap,
                              const json_t *ha_maps, int taskmanagers, fo_sandbox_launch *out,
                              fo_err *err)
{
    memset(out, 0, sizeof *out);
    sa_args sa = {0};
    fo_rc rc = FO_OK;
    const char *ns = fo_json_get_str(deployment, "metadata.namespace");
    const char *name = fo_json_get_str(deployment, "metadata.name");
    char cm_name[300];
    fo_sandbox_config_map_name(deployment, cm_name, sizeof cm_name);
    if (!configmap) {
        rc = fo_err_set(err, FO_ENOTFOUND, "configmap \"%s\" not found", cm_name);
        goto out;
    }
    const char *text = NULL;
    const char *file = conf_file_of(configmap, &text);
    if (!file) {
        rc = fo_err_set(err, FO_EINVAL,
                        "configmap \"%s\" has neither config.yaml nor "
                        "flink-conf.yaml",
                        cm_name);
        goto out;
    }
    out->conf = fo_sandbox_parse_flink_conf(file, text, err);
    if (!out->conf) {
        rc = err ? err->rc : FO_EINVAL;
        goto out;
    }
    const json_t *labels = fo_json_get(deployment, "metadata.labels");
    const char *type = fo_json_str(labels, "type");
    out->standalone = type && strcmp(type, "flink-standalone-kubernetes") == 0;
    const json_t *c = main_container(deployment);
    const json_t *args = json_object_get(c, "args");
    if (out->standalone) {
        rc = parse_standalone_args(args, out->conf, &sa, err);
        if (rc != FO_OK)
            goto out;
        out->application = sa.application;
    } else {
        sa.program_args = json_array();
        const char *target = fo_json_str(out->conf, "execution.target");
        out->application = (target && strcmp(target, "kubernetes-application") == 0) ||
                           args_mention(args, "kubernetes-application");
    }

    const char *cid = fo_json_str(out->conf, "kubernetes.cluster-id");
    if (!cid)
        cid = fo_json_str(labels, "app");
    snprintf(out->cluster_id, sizeof out->cluster_id, "%s", cid ? cid : (name ? name : ""));
    const char *ha_ns = fo_json_str(out->conf, "kubernetes.namespace");
    snprintf(out->ha_namespace, sizeof out->ha_namespace, "%s", ha_ns ? ha_ns : (ns ? ns : ""));
    out->ha = fo_sandbox_ha_kubernetes(out->conf);
    const char *retained =
        conf2(out->conf, "execution.checkpointing.num-retained", "state.checkpoints.num-retained");
    out->retained_checkpoints = retained && atoi(retained) > 0 ? atoi(retained) : 1;

    char version[32];
    if (!version_from_image(fo_json_str(c, "image"), version, sizeof version))
        snprintf(version, sizeof version, "%s",
                 strcmp(file, "config.yaml") == 0 ? "1.20.0" : "1.18.0");
    out->flink2 = atoi(version) >= 2;

    out->spec = json_pack("{s:s, s:o}", "flinkVersion", version, "configuration",
                          json_deep_copy(out->conf));
    if (taskmanagers >= 0)
        json_object_set_new(out->spec, "taskManagers", json_integer(taskmanagers));
    /* The kubelet writes the HA pointers (kubelet_flink.c) and reports each write that lands,
     * so the fake subsumes checkpoints in Flink's order. */
    if (out->ha)
        json_object_set_new(out->spec, "haPointerAck", json_true());
    if (out->application) {
        json_t *job = json_object();
        rc = add_job(out->conf, &sa, ha_maps, job, out);
        /* The fake also reads the job keys of the configuration; the explicit job fields
         * set here win over them. */
        json_object_set_new(out->spec, "job", job);
    }
out:
    json_decref(sa.program_args);
    if (rc != FO_OK)
        fo_sandbox_launch_release(out);
    return rc;
}
