#include "webhook/cluster_lookup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/flink_model.h"
#include "common/informer.h"
#include "common/json_arena.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/kube_oversized.h"
#include "common/log.h"

/* How long lookups wait for the first list of FlinkDeployments, counted from the start of the
 * watch (not per lookup: without API access every check would hold a worker that long, and a
 * few concurrent ones would pass the API server's 5 s for the whole call,
 * manifests/base/webhook-configurations.yaml). The watch starts with the first session-job
 * check, which should still see the clusters. */
#define FIRST_SYNC_WAIT_MS 2000
/* A cache out of contact with the API server longer than stale_after_ms (by default twice the
 * informer's longest backoff) may be stale: its clusters are looked up as unknown, which
 * admits the job, as without API access, instead of judging it against an old copy. */
#define DEFAULT_STALE_AFTER_MS 60000
/* After the watch could not be started (out of memory, bad client settings), try again on a
 * lookup this much later. */
#define RETRY_START_MS 30000

struct fo_wh_cluster_lookup {
    fo_kube_config *cfg;
    pthread_mutex_t mu; /* guards the fields below */
    fo_kube_client *kc;
    fo_informer *inf;
    int64_t stale_after_ms;
    char **namespaces;    /* NULL-terminated copies, or NULL: every namespace */
    int64_t started_ms;   /* when inf started (monotonic) */
    int64_t failed_at_ms; /* last failed start (monotonic), 0 = none */
    bool stale;           /* last lookup found the cache out of contact (logged once) */
};

/* Is ns one of the namespaces watched? */
static bool watched(const fo_wh_cluster_lookup *cl, const char *ns)
{
    if (!cl->namespaces)
        return true;
    for (size_t i = 0; cl->namespaces[i]; i++)
        if (strcmp(cl->namespaces[i], ns) == 0)
            return true;
    return false;
}

static char **copy_names(const char *const *names)
{
    size_t n = 0;
    while (names && names[n])
        n++;
    if (n == 0)
        return NULL;
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(names[i]))) {
            for (size_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            out = NULL;
        }
    return out;
}

fo_wh_cluster_lookup *fo_wh_cluster_lookup_start(const char *kubeconfig, int64_t stale_after_ms,
                                                 const char *const *namespaces, fo_err *err)
{
    fo_wh_cluster_lookup *cl = calloc(1, sizeof *cl);
    if (!cl) {
        fo_err_set(err, FO_ENOMEM, "cluster lookup: out of memory");
        return NULL;
    }
    pthread_mutex_init(&cl->mu, NULL);
    cl->stale_after_ms = stale_after_ms > 0 ? stale_after_ms : DEFAULT_STALE_AFTER_MS;
    cl->namespaces = copy_names(namespaces);
    if (namespaces && namespaces[0] && !cl->namespaces) {
        fo_err_set(err, FO_ENOMEM, "cluster lookup: out of memory");
        fo_wh_cluster_lookup_stop(cl);
        return NULL;
    }
    fo_kube_config_opts co = {.kubeconfig = kubeconfig};
    cl->cfg = fo_kube_config_load(&co, err);
    if (!cl->cfg) {
        fo_wh_cluster_lookup_stop(cl);
        return NULL;
    }
    fo_log_info("API access through %s: FlinkDeployments are watched from the first "
                "session-job check on",
                fo_kube_config_source(cl->cfg));
    return cl;
}

void fo_wh_cluster_lookup_stop(fo_wh_cluster_lookup *cl)
{
    if (!cl)
        return;
    fo_informer_free(cl->inf); /* stops its threads first */
    fo_kube_client_free(cl->kc);
    fo_kube_config_free(cl->cfg);
    for (size_t i = 0; cl->namespaces && cl->namespaces[i]; i++)
        free(cl->namespaces[i]);
    free(cl->namespaces);
    pthread_mutex_destroy(&cl->mu);
    free(cl);
}

/* The informer, started on first use; NULL when it cannot be started. Under cl->mu. */
static fo_informer *informer(fo_wh_cluster_lookup *cl)
{
    if (cl->inf)
        return cl->inf;
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    if (cl->failed_at_ms && now - cl->failed_at_ms < RETRY_START_MS)
        return NULL;
    fo_err err;
    fo_err_clear(&err);
    if (!cl->kc) {
        fo_kube_client_opts ko = {.user_agent = "flinkop-webhook", .timeout_ms = 10000};
        cl->kc = fo_kube_client_new(cl->cfg, &ko, &err);
    }
    /* Every namespace (or those given: a session job may be created in any of them, and its
     * cluster lives beside it). The cache keeps of each FlinkDeployment what the checks read
     * (its name, whether it runs a job, its Flink configuration and version): kept whole,
     * 2,000 deployments of examples/pod-templates.yaml took the webhook from 5 to 40 MB (now
     * 17). */
    static const char *const spec_members[] = {"job", "flinkConfiguration", "flinkVersion",
                                               NULL};
    fo_informer_opts io = {.kc = cl->kc,
                           .namespaces = (const char *const *)cl->namespaces,
                           .group = "flink.apache.org",
                           .version = "v1beta1",
                           .resource = "flinkdeployments",
                           .name = "webhook-flinkdeployments",
                           .drop_status = true,
                           .spec_members = spec_members,
                           .metadata_identity_only = true,
                           /* a cluster heavier than that (in what is kept) is cached as a stub
                            * and looked up as unknown */
                           .max_object_weight = FO_FLINK_MAX_OBJECT_WEIGHT,
                           /* a page's text is held whole while it is read: 100 running
                            * deployments with their status are about 1 MB */
                           .page_size = 100};
    fo_informer *inf = cl->kc ? fo_informer_new(&io, &err) : NULL;
    if (!inf || fo_informer_start(inf, &err) != FO_OK) {
        fo_informer_free(inf);
        cl->failed_at_ms = now ? now : 1;
        fo_log_error("cannot watch FlinkDeployments for session-job checks (retried in %d s): %s",
                     RETRY_START_MS / 1000, err.message);
        return NULL;
    }
    cl->inf = inf;
    cl->started_ms = now;
    fo_log_info("watching FlinkDeployments for session-job checks");
    return inf;
}

void fo_wh_cluster_lookup_health(void *ctx, fo_wh_lookup_health *out)
{
    fo_wh_cluster_lookup *cl = ctx;
    *out = (fo_wh_lookup_health){.state = FO_WH_LOOKUP_IDLE};
    if (!cl)
        return;
    pthread_mutex_lock(&cl->mu);
    fo_informer *inf = cl->inf;
    pthread_mutex_unlock(&cl->mu);
    if (!inf) /* set once, freed only with cl */
        return;
    out->cached = (long)fo_informer_len(inf);
    out->out_of_contact_ms = fo_informer_out_of_contact_ms(inf);
    if (out->out_of_contact_ms > 0)
        fo_informer_contact_error(inf, out->reason, sizeof out->reason);
    out->state = !fo_informer_synced(inf)                  ? FO_WH_LOOKUP_SYNCING
                 : out->out_of_contact_ms > cl->stale_after_ms ? FO_WH_LOOKUP_STALE
                                                           : FO_WH_LOOKUP_SYNCED;
}

const char *fo_wh_lookup_state_name(fo_wh_lookup_state s)
{
    static const char *const names[] = {"idle", "syncing", "synced", "stale"};
    return s >= 0 && s <= FO_WH_LOOKUP_STALE ? names[s] : "unknown";
}

/* Whether the cache may be used for namespace ns (its own watch judged: one namespace whose
 * watch fails does not switch the checks off in the others), logging when the informer's
 * state as a whole changes. */
static bool fresh_enough(fo_wh_cluster_lookup *cl, fo_informer *inf, const char *ns)
{
    int64_t away = fo_informer_out_of_contact_ms(inf);
    bool stale = away > cl->stale_after_ms;
    bool usable = fo_informer_namespace_out_of_contact_ms(inf, ns) <= cl->stale_after_ms;
    pthread_mutex_lock(&cl->mu);
    bool changed = stale != cl->stale;
    cl->stale = stale;
    pthread_mutex_unlock(&cl->mu);
    if (changed && stale)
        fo_log_warn("FlinkDeployments not heard from the API server for %lld s: session-job "
                    "checks that need the target cluster are skipped where the watch fails, "
                    "until it is back",
                    (long long)(away / 1000));
    else if (changed)
        fo_log_info("the watch of FlinkDeployments is back: session-job checks see the target "
                    "cluster again");
    return usable;
}

json_t *fo_wh_cluster_lookup_get(void *ctx, const char *ns, const char *name)
{
    fo_wh_cluster_lookup *cl = ctx;
    if (!cl || !ns || !name || !watched(cl, ns))
        return NULL; /* not watched: unknown, as without API access */
    pthread_mutex_lock(&cl->mu);
    /* The client and informer outlive the request: none of their values may come from its
     * arena (common/json_arena.h). */
    bool paused = fo_json_arena_pause();
    fo_informer *inf = informer(cl);
    fo_json_arena_resume(paused);
    int64_t waited = fo_clock_mono_ms(fo_clock_real()) - cl->started_ms;
    pthread_mutex_unlock(&cl->mu);
    if (!inf)
        return NULL;
    /* Until the first list is in, a cluster is "not known yet", which admits the job as an
     * unknown cluster would (reference b.4); the checks of the watch's first 2 s wait for
     * it. */
    if (!fo_informer_synced(inf) && waited < FIRST_SYNC_WAIT_MS)
        fo_informer_wait_synced(inf, FIRST_SYNC_WAIT_MS - waited);
    if (!fresh_enough(cl, inf, ns))
        return NULL;
    json_t *obj = fo_informer_get(inf, ns, name);
    if (obj && fo_kube_oversized(obj)) { /* its spec was not kept: as if unknown */
        json_decref(obj);
        return NULL;
    }
    return obj;
}
