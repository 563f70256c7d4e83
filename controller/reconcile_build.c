/* A pass's desired objects: the effective Flink configuration and the owned objects of a spec,
 * with the deploy-time values (job id, restore path, generation) that status records, so that
 * rebuilding them on a later pass gives the same objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/launch_defaults.h"
#include "controller/reconcile_internal.h"
#include "controller/resources.h"

/* The resource with its own metadata and `spec` (new reference). */
static json_t *with_spec(const fo_pass *p, const json_t *spec)
{
    const char *api_version = fo_json_str(p->obj, "apiVersion");
    return json_pack("{s:s, s:s, s:O, s:O}", "apiVersion",
                     api_version ? api_version : FO_FLINK_API_VERSION, "kind",
                     FO_FLINK_KIND_DEPLOYMENT, "metadata", json_object_get(p->obj, "metadata"),
                     "spec", spec);
}

/* The launch of an application cluster: its job id and the time of its deploy intent ("" when
 * either is missing). Apache draws a random UUID per launch; a new launch always has a new
 * intent, also when it keeps both the job id and the generation (last-state, a user-fixed id,
 * an upgrade the cluster defaults started), and every later pass reads the same time back
 * (status, then the JobManager Deployment), so drift repair never rewrites it. */
static void launch_id(const fo_build_opts *o, char *buf, size_t len)
{
    buf[0] = '\0';
    if (o && o->job_id && *o->job_id && o->launch_ms > 0)
        snprintf(buf, len, "%.32s-%lld", o->job_id, (long long)o->launch_ms);
}

json_t *fo_build_conf(const fo_pass *p, const json_t *spec, const fo_build_opts *o, fo_err *err)
{
    json_t *dep = with_spec(p, spec), *defaults = NULL, *conf = NULL;
    char *owner = NULL;
    fo_flink_view v;
    if (!dep || fo_flink_view_init_spec(&v, spec, FO_FLINK_DEPLOYMENT, NULL) != FO_OK) {
        fo_err_set(err, FO_EINVAL, "the spec cannot be read");
        goto out;
    }
    /* a running cluster's are the ones it was launched with (fo_build_launch_defaults) */
    if (o && o->defaults)
        defaults = json_incref(o->defaults);
    else
        defaults = fo_flink_conf_defaults_for(fo_cluster_defaults_flink_config(p->cd), p->ns,
                                              v.flink_version);
    owner = fo_flink_conf_owner_reference(p->obj);
    char launch[64];
    launch_id(o, launch, sizeof launch);
    fo_flink_deploy_opts opts = {
        .savepoint_path = o ? o->savepoint_path : NULL,
        .job_id = o ? o->job_id : NULL,
        .owner_reference = owner,
        .generation = o ? o->generation : 0,
        /* the pods of earlier levels read the generation's text as it was appended */
        .generation_in_flink_map = !o || o->render <= 0 || o->render >= FO_RENDER_FLINK_MAPS,
        .job_result_store_id = launch[0] ? launch : NULL,
    };
    conf = fo_flink_conf_build(dep, defaults, &opts, err);
    if (conf && o && o->foreign_conf) {
        /* What the cluster's file holds is what it runs with (another operator's defaults
         * flattened in, keys flinkop would not write); the operator's own keys, which no file
         * holds, are read as for any cluster. */
        json_t *runs = fo_launch_defaults_merge(conf, o->foreign_conf);
        json_decref(conf);
        conf = runs;
        if (!conf)
            fo_err_set(err, FO_ENOMEM, "out of memory");
    }
out:
    free(owner);
    json_decref(defaults);
    json_decref(dep);
    return conf;
}

/* The port comes from the effective configuration of the last reconciled spec with the
 * cluster defaults of its launch (fo_build_cached_defaults; the current ones for a cluster
 * that has no record): the configuration this controller builds the cluster's REST Service
 * from (fo_build_objects of p->last, which every settled pass applies), so the address and
 * the Service agree. The recorded spec is the deployed one at every step: an upgrade keeps
 * the old spec (marked suspended) recorded while the old cluster is stopped and torn down,
 * and records the new one only when it deploys it; it lives in the resource's status, so a
 * restarted controller reads the same. The desired spec would be wrong during an upgrade (the
 * old cluster still runs on its old port). The flink-config ConfigMap would be right only as
 * far as the informer has seen our last write of it (the pass that deploys a new port would
 * read the old one back) and holds the port in rendered YAML; it follows the same
 * configuration anyway, since drift repair rewrites it with the Service. */
json_t *fo_build_deployed_conf(const fo_pass *p)
{
    fo_rc lrc = FO_OK;
    json_t *last = fo_flink_last_reconciled_spec(p->obj, NULL, &lrc);
    if (!last)
        return NULL;
    fo_err err;
    fo_err_clear(&err);
    fo_build_opts bo = {0};
    fo_build_cached_defaults(p, last, &bo);
    json_t *conf = fo_build_conf(p, last, &bo, &err);
    fo_build_opts_release(&bo);
    json_decref(last);
    return conf;
}

void fo_build_rest_base(fo_pass *p, const json_t *conf)
{
    /* with the defaults the cluster was launched with: they may hold its rest.port */
    json_t *built = conf ? NULL : fo_build_deployed_conf(p);
    if (!conf)
        conf = built;
    /* nothing deployed, or no configuration to read: Flink's default port */
    fo_ctl_rest_base(p->env, p->ns, p->name, fo_flink_conf_rest_port(conf), p->base_url);
    json_decref(built);
}

json_t *fo_build_objects(const fo_pass *p, const json_t *spec, const fo_build_opts *o, fo_err *err)
{
    json_t *dep = NULL, *conf = NULL, *cluster = NULL, *objects = NULL;
    char *text = NULL;
    fo_flink_view v;
    if (fo_flink_view_init_spec(&v, spec, FO_FLINK_DEPLOYMENT, NULL) != FO_OK) {
        fo_err_set(err, FO_EINVAL, "the spec cannot be read");
        return NULL;
    }
    conf = fo_build_conf(p, spec, o, err);
    if (!conf)
        goto out;
    cluster = fo_flink_conf_cluster_side(conf);
    text = cluster ? fo_flink_conf_render(cluster, v.flink_version, err) : NULL;
    if (!text && cluster && o && o->foreign_conf) {
        /* A file flinkop's renderer cannot write (a value flink-conf.yaml cannot carry) is no
         * obstacle to keeping it: its ConfigMap exists, and its data is never written. */
        fo_err_clear(err);
        text = strdup("");
    }
    if (!text)
        goto out;
    dep = with_spec(p, spec);
    /* The Deployment names its launch only when the configuration has the launch's store. */
    char launch[64];
    launch_id(o, launch, sizeof launch);
    const char *store = fo_json_str(conf, "job-result-store.storage-path");
    size_t sn = store ? strlen(store) : 0, ln = strlen(launch);
    bool launched = ln && sn > ln && store[sn - ln - 1] == '/' && !strcmp(store + sn - ln, launch);
    fo_resource_inputs in = {
        .deployment = dep,
        .flink_conf = conf,
        .conf_file = fo_flink_conf_file_name(v.flink_version),
        .conf_text = text,
        .log_files = v.log_configuration,
        .deployed_generation = o ? o->generation : p->generation,
        .savepoint_path = o ? o->savepoint_path : NULL,
        .launch_ms = launched ? o->launch_ms : 0,
        .render = o ? o->render : 0,
        .foreign = o && o->foreign,
        .defaults_record = o ? o->defaults_record : NULL,
    };
    objects = fo_resources_desired(&in, err);
out:
    free(text);
    json_decref(dep);
    json_decref(cluster);
    json_decref(conf);
    return objects;
}

/* A positive decimal annotation value of obj, else 0. */
static int64_t annotation_num(const json_t *obj, const char *name)
{
    const char *ann = fo_json_str(fo_json_get(obj, "metadata.annotations"), name);
    if (!ann)
        return 0;
    char *end = NULL;
    long long v = strtoll(ann, &end, 10);
    return end && end != ann && *end == '\0' && v > 0 ? v : 0;
}

/* The live JobManager Deployment into *jm (new reference; NULL when there is none): the cached
 * one, else the API's (the cache may lag our create; user labels of an earlier version could
 * take the Deployment out of the informer's selection, and reading its launch from status would
 * restart it). A failed read is the pass's error: taking it for a missing Deployment would
 * render the current level and a new launch, which the create finding the name taken then
 * patches into the running cluster. */
static fo_rc live_jm(const fo_pass *p, json_t **jm, fo_err *err)
{
    *jm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, p->name);
    if (*jm)
        return FO_OK;
    fo_rc rc = p->env->kube.get(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, p->name, jm, err);
    if (rc == FO_OK)
        return FO_OK;
    json_decref(*jm);
    *jm = NULL;
    if (rc == FO_ENOTFOUND) {
        fo_err_clear(err);
        return FO_OK;
    }
    return rc;
}

int64_t fo_build_intent_launch(const fo_pass *p)
{
    int64_t ms = 0;
    if (!fo_json_get_int(p->st, "reconciliationStatus.reconciliationTimestamp", &ms) || ms < 0)
        ms = 0;
    return ms;
}

fo_rc fo_build_deployed(const fo_pass *p, fo_build_opts *o, fo_err *err)
{
    json_t *jm = NULL;
    fo_rc rc = live_jm(p, &jm, err);
    if (rc != FO_OK)
        return rc;
    o->generation = annotation_num(jm, FO_GENERATION_ANNOTATION);
    if (!o->generation && !fo_json_get_int(p->st, "observedGeneration", &o->generation))
        o->generation = p->generation;
    o->launch_ms = annotation_num(jm, FO_LAUNCH_ANNOTATION);
    if (!o->launch_ms) {
        /* A lost JobManager is recovered into the launch it was part of: its job, and the
         * result that job may have left (status can be behind), are that launch's. */
        char name[300];
        json_t *cm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns,
                                         fo_flink_config_map_name(p->name, name, sizeof name));
        o->launch_ms = annotation_num(cm, FO_LAUNCH_ANNOTATION);
        json_decref(cm);
    }
    if (!o->launch_ms)
        o->launch_ms = fo_build_intent_launch(p);
    int64_t level = annotation_num(jm, FO_RENDER_ANNOTATION);
    o->foreign = fo_takeover_is_foreign(jm);
    if (!jm || o->foreign) /* a lost JobManager is launched again; a foreign one, kept */
        o->render = FO_RENDER_CURRENT;
    else if (level < FO_RENDER_LEGACY)
        o->render = FO_RENDER_LEGACY;
    else
        o->render = level > FO_RENDER_CURRENT ? FO_RENDER_CURRENT : (int)level;
    json_decref(jm);
    return FO_OK;
}

void fo_build_opts_release(fo_build_opts *o)
{
    json_decref(o->defaults);
    free(o->defaults_record);
    json_decref(o->foreign_conf);
    o->defaults = NULL;
    o->defaults_record = NULL;
    o->foreign_conf = NULL;
}

/* The current cluster defaults scoped for the resource with `spec` (new reference). */
static json_t *scoped_current(const fo_pass *p, const json_t *spec)
{
    fo_flink_view v;
    fo_flink_version ver = FO_FLINK_VERSION_UNKNOWN;
    if (fo_flink_view_init_spec(&v, spec, FO_FLINK_DEPLOYMENT, NULL) == FO_OK)
        ver = v.flink_version;
    return fo_flink_conf_defaults_for(fo_cluster_defaults_flink_config(p->cd), p->ns, ver);
}

json_t *fo_build_operator_conf(const fo_pass *p, const json_t *spec)
{
    json_t *conf = scoped_current(p, spec);
    json_t *own = fo_flink_conf_flatten(json_object_get(spec, "flinkConfiguration"), NULL);
    if (!conf || !own) {
        json_decref(conf);
        json_decref(own);
        return NULL;
    }
    fo_flink_conf_overlay(conf, own);
    json_decref(own);
    return conf;
}

const json_t *fo_pass_want_conf(fo_pass *p)
{
    json_t *spec = json_object_get(p->want, "spec");
    /* keyed by the spec it was built of, held, so an invalid spec replaced by the record's
     * (validation) is never read through the old one's configuration */
    if (p->want_conf_spec != spec) {
        json_decref(p->want_conf);
        json_decref(p->want_conf_spec);
        p->want_conf = fo_build_operator_conf(p, spec);
        p->want_conf_spec = json_incref(spec);
    }
    return p->want_conf;
}

/* The configuration recorded on the ConfigMap cm (new reference) when it holds a record of the
 * launch launch_ms (of any launch for 0), its text into *text (borrowed from cm); else NULL. A
 * record that cannot be read is none: the cluster is given the current defaults, as one launched
 * before records. */
static json_t *record_of(const json_t *cm, int64_t launch_ms, bool warn, const char **text)
{
    const char *t =
        fo_json_str(fo_json_get(cm, "metadata.annotations"), FO_LAUNCH_DEFAULTS_ANNOTATION);
    if (!t)
        return NULL;
    int64_t ms = 0;
    json_t *conf = NULL;
    fo_err e;
    fo_err_clear(&e);
    if (fo_launch_defaults_parse(t, &ms, &conf, &e) != FO_OK) {
        if (warn)
            fo_log_warn("annotation %s of ConfigMap %s cannot be read (%s): the current cluster "
                        "defaults replace it",
                        FO_LAUNCH_DEFAULTS_ANNOTATION, fo_json_get_str(cm, "metadata.name"),
                        e.message);
        return NULL;
    }
    if (launch_ms > 0 && ms != launch_ms) {
        json_decref(conf);
        return NULL;
    }
    *text = t;
    return conf;
}

fo_rc fo_build_launch_defaults(const fo_pass *p, const json_t *spec, int64_t launch_ms,
                               bool running, fo_build_opts *o, fo_err *err)
{
    fo_build_opts_release(o);
    char name[300];
    fo_flink_config_map_name(p->name, name, sizeof name);
    fo_rc rc = FO_OK;
    const char *text = NULL;
    json_t *cm = NULL, *rec = NULL, *scoped = NULL, *spec_conf = NULL;
    /* A launch whose intent has no time cannot tell its record from an earlier one. */
    if (running || launch_ms > 0) {
        int64_t want = running ? 0 : launch_ms;
        cm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name);
        rec = record_of(cm, want, false, &text);
        if (!rec) {
            json_decref(cm);
            cm = NULL;
            rc = p->env->kube.get(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name, &cm, err);
            if (rc == FO_ENOTFOUND) {
                fo_err_clear(err);
                rc = FO_OK;
            }
            if (rc != FO_OK)
                goto out;
            rec = record_of(cm, want, true, &text);
        }
    }
    scoped = scoped_current(p, spec);
    if (!scoped) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    if (rec) {
        o->defaults = fo_launch_defaults_merge(scoped, rec);
        o->defaults_record = strdup(text);
    } else {
        fo_err ignored; /* a spec that does not flatten is refused by the build */
        spec_conf = fo_flink_conf_flatten(json_object_get(spec, "flinkConfiguration"), &ignored);
        o->defaults = json_incref(scoped);
        o->defaults_record = fo_launch_defaults_record(scoped, spec_conf, launch_ms);
        if (running)
            fo_log_info("cluster defaults recorded for the running cluster (launch %lld)",
                        (long long)launch_ms);
    }
    if (!o->defaults || !o->defaults_record) {
        fo_build_opts_release(o);
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
    }
out:
    json_decref(spec_conf);
    json_decref(scoped);
    json_decref(rec);
    json_decref(cm);
    return rc;
}

/* The configuration file of the flink-config ConfigMap cm as a flat configuration (new
 * reference), or NULL: no such file, or one that cannot be read (logged). */
static json_t *conf_of(const json_t *cm, const json_t *spec)
{
    fo_flink_view v;
    fo_flink_version ver = FO_FLINK_VERSION_UNKNOWN;
    if (fo_flink_view_init_spec(&v, spec, FO_FLINK_DEPLOYMENT, NULL) == FO_OK)
        ver = v.flink_version;
    const json_t *data = json_object_get(cm, "data");
    const char *file = fo_flink_conf_file_name(ver);
    const char *text = fo_json_str(data, file);
    if (!text) { /* the other one, should another client have written that */
        file = strcmp(file, "config.yaml") == 0 ? "flink-conf.yaml" : "config.yaml";
        text = fo_json_str(data, file);
    }
    if (!text)
        return NULL;
    json_t *conf = NULL;
    fo_err e;
    fo_err_clear(&e);
    if (fo_flink_conf_read(file, text, &conf, &e) != FO_OK)
        fo_log_warn("ConfigMap %s cannot be read (%s): the cluster is judged by its spec",
                    fo_json_get_str(cm, "metadata.name"), e.message);
    return conf;
}

fo_rc fo_build_foreign_conf(const fo_pass *p, const json_t *spec, bool cached_only,
                            fo_build_opts *o, fo_err *err)
{
    char name[300];
    fo_flink_config_map_name(p->name, name, sizeof name);
    json_t *cm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name);
    fo_rc rc = FO_OK;
    if (!cm && !cached_only) {
        rc = p->env->kube.get(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name, &cm, err);
        if (rc == FO_ENOTFOUND) {
            fo_err_clear(err);
            rc = FO_OK;
        }
    }
    json_decref(o->foreign_conf);
    o->foreign_conf = rc == FO_OK && cm ? conf_of(cm, spec) : NULL;
    json_decref(cm);
    return rc;
}

void fo_build_cached_defaults(const fo_pass *p, const json_t *spec, fo_build_opts *o)
{
    json_t *jm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, p->name);
    o->foreign = fo_takeover_is_foreign(jm);
    json_decref(jm);
    if (o->foreign) {
        json_decref(o->defaults);
        o->defaults = NULL; /* the operator's keys: the current ones */
        fo_build_foreign_conf(p, spec, true, o, NULL);
        return;
    }
    char name[300];
    fo_flink_config_map_name(p->name, name, sizeof name);
    json_t *cm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name);
    const char *text = NULL;
    json_t *rec = record_of(cm, 0, false, &text);
    json_t *scoped = rec ? scoped_current(p, spec) : NULL;
    json_decref(o->defaults);
    o->defaults = scoped ? fo_launch_defaults_merge(scoped, rec) : NULL;
    json_decref(scoped);
    json_decref(rec);
    json_decref(cm);
}

size_t fo_build_owned_refs(const char *name, fo_apply_ref *refs, char bufs[][300])
{
    size_t n = 0;
    refs[n++] = (fo_apply_ref){FO_CTL_DEPLOYMENT, name};
    refs[n] = (fo_apply_ref){FO_CTL_DEPLOYMENT, fo_flink_tm_deployment_name(name, bufs[n], 300)};
    n++;
    refs[n] = (fo_apply_ref){FO_CTL_SERVICE, fo_flink_rest_service_name(name, bufs[n], 300)};
    n++;
    refs[n++] = (fo_apply_ref){FO_CTL_SERVICE, name};
    refs[n] = (fo_apply_ref){FO_CTL_CONFIG_MAP, fo_flink_config_map_name(name, bufs[n], 300)};
    n++;
    refs[n] = (fo_apply_ref){FO_CTL_CONFIG_MAP, fo_flink_pod_template_cm_name(name, bufs[n], 300)};
    n++;
    refs[n++] = (fo_apply_ref){FO_CTL_INGRESS, name};
    return n;
}

json_t *fo_build_suspended_spec(const json_t *spec, fo_flink_upgrade_mode mode)
{
    json_t *copy = fo_json_copy(spec);
    json_t *job = fo_json_ensure_object(copy, "job");
    json_object_set_new(job, "state", json_string("suspended"));
    json_object_set_new(job, "upgradeMode", json_string(fo_flink_upgrade_mode_name(mode)));
    return copy;
}

void fo_build_record_spec(fo_pass *p, const json_t *spec, fo_flink_recon_state state,
                          bool keep_stable)
{
    json_t *rs = fo_json_ensure_object(p->st, "reconciliationStatus");
    const char *old = fo_json_str(rs, "lastReconciledSpec");
    const char *stable = fo_json_str(rs, "lastStableSpec");
    bool was_stable = old && stable && strcmp(old, stable) == 0;
    /* firstDeployment: true until a spec of this resource was deployed once. */
    bool first =
        !p->last || (p->last_meta.first_deployment &&
                     fo_flink_recon_state_parse(fo_json_str(rs, "state")) != FO_RECON_DEPLOYED);
    char *text = fo_flink_spec_write(spec, fo_json_str(p->obj, "apiVersion"), first);
    if (!text)
        return;
    json_object_set_new(rs, "lastReconciledSpec", json_string(text));
    if (keep_stable && was_stable)
        json_object_set_new(rs, "lastStableSpec", json_string(text));
    free(text);
    json_object_set_new(rs, "state", json_string(fo_flink_recon_state_name(state)));
    json_object_set_new(rs, "reconciliationTimestamp", json_integer(p->now_ms));
}

const char *fo_build_savepoint_dir(const json_t *conf)
{
    static const char *const fallbacks[] = {"state.savepoints.dir", NULL};
    const char *dir = fo_flink_conf_get(conf, "execution.checkpointing.savepoint-dir", fallbacks);
    return dir && *dir ? dir : NULL;
}

bool fo_build_restore_job_id(const fo_pass *p, char id[33], bool *from_user)
{
    json_t *conf = fo_flink_conf_flatten(fo_json_get(p->want, "spec.flinkConfiguration"), NULL);
    const char *user = fo_json_str(conf, "$internal.pipeline.job-id");
    const char *old = fo_json_get_str(p->st, "jobStatus.jobId");
    bool mine = user && strlen(user) == 32;
    const char *pick = mine ? user : old && strlen(old) == 32 ? old : "";
    snprintf(id, 33, "%s", pick);
    if (from_user)
        *from_user = mine;
    json_decref(conf);
    return id[0] != '\0';
}
