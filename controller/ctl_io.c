#include "controller/ctl_io.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/jsonutil.h"
#include "common/log.h"

static const fo_ctl_kind_info kinds[FO_CTL_KIND_COUNT] = {
    [FO_CTL_FLINK_DEPLOYMENT] = {"FlinkDeployment", "flink.apache.org", "v1beta1",
                                 "flink.apache.org/v1beta1", "flinkdeployments"},
    [FO_CTL_CONFIG_MAP] = {"ConfigMap", "", "v1", "v1", "configmaps"},
    [FO_CTL_SERVICE] = {"Service", "", "v1", "v1", "services"},
    [FO_CTL_DEPLOYMENT] = {"Deployment", "apps", "v1", "apps/v1", "deployments"},
    [FO_CTL_INGRESS] = {"Ingress", "networking.k8s.io", "v1", "networking.k8s.io/v1", "ingresses"},
    [FO_CTL_POD] = {"Pod", "", "v1", "v1", "pods"},
};

const fo_ctl_kind_info *fo_ctl_kind_get(fo_ctl_kind kind)
{
    return kind < FO_CTL_KIND_COUNT ? &kinds[kind] : &kinds[FO_CTL_CONFIG_MAP];
}

fo_ctl_kind fo_ctl_kind_of(const json_t *obj)
{
    const char *kind = fo_json_str(obj, "kind");
    for (int k = 0; kind && k < FO_CTL_KIND_COUNT; k++)
        if (strcmp(kinds[k].kind, kind) == 0)
            return (fo_ctl_kind)k;
    return FO_CTL_KIND_COUNT;
}

void fo_ctl_settings_defaults(fo_ctl_settings *s)
{
    memset(s, 0, sizeof *s);
    s->observe_interval_ms = 15000;
    s->progress_interval_ms = 5000;
    s->rest_ready_delay_ms = 10000;
    s->cleanup_timeout_ms = 5 * 60 * 1000;
    s->rest_url_template = "http://{name}-rest.{namespace}.svc:{port}";
    s->delete_ha_data = true;
}

void fo_ctl_rest_base(const fo_ctl_env *env, const char *ns, const char *name, int port,
                      char out[FO_FLINK_REST_MAX_URL])
{
    fo_err err;
    fo_err_clear(&err);
    if (fo_flink_rest_base_url(env->settings->rest_url_template, ns, name, port, out,
                               FO_FLINK_REST_MAX_URL, &err) != FO_OK) {
        fo_log_warn("no Flink REST address: %s", err.message);
        out[0] = '\0';
    }
}

fo_rc fo_ctl_rest_counted(const fo_ctl_env *env, const char *endpoint, fo_rc rc)
{
    if (rc != FO_OK && env->hooks.rest_error)
        env->hooks.rest_error(env->hooks.ctx, endpoint);
    return rc;
}

void fo_ctl_random_id(char out[33])
{
    unsigned char bytes[16];
    ssize_t n = -1;
    do {
        n = getrandom(bytes, sizeof bytes, 0);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof bytes) {
        /* No entropy source: still unique within the process, which is what Flink needs. */
        static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
        static uint64_t counter;
        pthread_mutex_lock(&mu);
        uint64_t c = ++counter;
        pthread_mutex_unlock(&mu);
        uint64_t t = (uint64_t)fo_clock_real_mono_ns();
        memcpy(bytes, &t, 8);
        memcpy(bytes + 8, &c, 8);
    }
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

void fo_ctl_new_id(const fo_ctl_env *env, char out[33])
{
    if (env->new_id)
        env->new_id(env->new_id_ctx, out);
    else
        fo_ctl_random_id(out);
    out[32] = '\0';
}

fo_cluster_defaults *fo_ctl_defaults(const fo_ctl_env *env)
{
    fo_cluster_defaults *cd = env->defaults ? env->defaults(env->defaults_ctx) : NULL;
    return cd ? cd : fo_cluster_defaults_empty();
}
