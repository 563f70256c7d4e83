#include "webhook/cluster_lookup.h"

#include <stdlib.h>

#include "common/informer.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/log.h"

struct fo_wh_cluster_lookup {
    fo_kube_config *cfg;
    fo_kube_client *kc;
    fo_informer *inf;
};

fo_wh_cluster_lookup *fo_wh_cluster_lookup_start(const char *kubeconfig, fo_err *err)
{
    fo_wh_cluster_lookup *cl = calloc(1, sizeof *cl);
    if (!cl) {
        fo_err_set(err, FO_ENOMEM, "cluster lookup: out of memory");
        return NULL;
    }
    fo_kube_config_opts co = {.kubeconfig = kubeconfig};
    cl->cfg = fo_kube_config_load(&co, err);
    if (!cl->cfg)
        goto fail;
    fo_kube_client_opts ko = {.user_agent = "flinkop-webhook", .timeout_ms = 10000};
    cl->kc = fo_kube_client_new(cl->cfg, &ko, err);
    if (!cl->kc)
        goto fail;
    /* Every namespace: a session job may be created in any of them, and its cluster lives
     * beside it. Lookups never wait for the first list: until it is in, a cluster is simply
     * "not known yet", which admits the job as an unknown cluster would (reference b.4). */
    fo_informer_opts io = {.kc = cl->kc,
                           .group = "flink.apache.org",
                           .version = "v1beta1",
                           .resource = "flinkdeployments",
                           .name = "webhook-flinkdeployments"};
    cl->inf = fo_informer_new(&io, err);
    if (!cl->inf || fo_informer_start(cl->inf, err) != FO_OK)
        goto fail;
    fo_log_info("watching FlinkDeployments through %s for session-job checks",
                fo_kube_config_source(cl->cfg));
    return cl;
fail:
    fo_wh_cluster_lookup_stop(cl);
    return NULL;
}

void fo_wh_cluster_lookup_stop(fo_wh_cluster_lookup *cl)
{
    if (!cl)
        return;
    fo_informer_free(cl->inf); /* stops its threads first */
    fo_kube_client_free(cl->kc);
    fo_kube_config_free(cl->cfg);
    free(cl);
}

json_t *fo_wh_cluster_lookup_get(void *ctx, const char *ns, const char *name)
{
    fo_wh_cluster_lookup *cl = ctx;
    if (!cl || !cl->inf || !ns || !name)
        return NULL;
    return fo_informer_get(cl->inf, ns, name);
}
