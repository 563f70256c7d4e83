/* /healthz, /readyz and /metrics. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "webhook/webhook_internal.h"

void fo_webhook_healthz(fo_webhook *wh, fo_http_response *resp)
{
    (void)wh;
    fo_http_response_text(resp, 200, "text/plain; charset=utf-8", "ok\n");
}

/* Ready means "send me admission requests". A broken defaults file does not make the webhook
 * unready: the last good defaults are still correct to serve, and an unready webhook with
 * failurePolicy Fail would block every FlinkDeployment edit in the cluster. It is reported as
 * "degraded" instead, with the reason, so probes stay green and humans and alerts can see it. */
void fo_webhook_readyz(fo_webhook *wh, fo_http_response *resp)
{
    bool ready = atomic_load(&wh->ready);
    fo_defaults_state st;
    fo_defaults_file_state(wh->defaults, &st);
    bool ok = st.ok;
    json_t *defaults = json_pack("{s:s?, s:b, s:I}", "file", st.path, "ok", ok, "version",
                                 (json_int_t)st.version);
    if (defaults && !ok)
        json_object_set_new(defaults, "error", json_string(st.error));
    if (defaults && st.loaded_ms) {
        char ts[40];
        fo_clock_format_rfc3339(st.loaded_ms, false, ts, sizeof ts);
        json_object_set_new(defaults, ok ? "loadedAt" : "servingVersionLoadedAt",
                            json_string(ts));
    }
    const char *status = !ready ? "not ready" : ok ? "ready" : "degraded";
    json_t *body = json_pack("{s:s, s:b, s:o?}", "status", status, "degraded", !ok, "defaults",
                             defaults);
    /* The session-job checks' view of the cluster: reported, never a reason to be unready
     * (the checks are skipped while it is not usable). */
    if (body && wh->opts.lookup_health) {
        fo_wh_lookup_health h;
        wh->opts.lookup_health(wh->opts.lookup_ctx, &h);
        json_t *lookup =
            json_pack("{s:s, s:I, s:I}", "state", fo_wh_lookup_state_name(h.state),
                      "cachedFlinkDeployments", (json_int_t)h.cached, "outOfContactSeconds",
                      (json_int_t)(h.out_of_contact_ms / 1000));
        /* what the log said when the watch lost the API server (RBAC, a missing CRD, an
         * unreachable server), for whoever looks here first */
        if (lookup && h.reason[0])
            json_object_set_new(lookup, "reason", fo_json_string_lossy(h.reason));
        json_object_set_new(body, "clusterLookup", lookup);
    }
    fo_http_response_json(resp, ready ? 200 : 503, body);
    json_decref(body);
}

void fo_webhook_render_metrics(fo_webhook *wh, fo_http_response *resp)
{
    const fo_httpd *srv = atomic_load(&wh->server);
    if (srv) {
        fo_gauge_set(wh->connections, (double)fo_httpd_connections(srv), NULL);
        fo_gauge_set(wh->held_bytes, (double)fo_httpd_bodies_held(srv), NULL);
    }
    if (wh->opts.lookup_health) {
        fo_wh_lookup_health h;
        wh->opts.lookup_health(wh->opts.lookup_ctx, &h);
        fo_gauge_set(wh->cached_deployments, (double)h.cached, NULL);
        fo_gauge_set(wh->lookup_out_of_contact, (double)h.out_of_contact_ms / 1000.0, NULL);
        for (int s = FO_WH_LOOKUP_IDLE; s <= FO_WH_LOOKUP_STALE; s++)
            fo_gauge_set(wh->lookup_state, s == (int)h.state ? 1 : 0,
                         (const char *[]){fo_wh_lookup_state_name((fo_wh_lookup_state)s)});
    }
    char *text = fo_metrics_render(wh->metrics);
    if (!text) {
        fo_webhook_status(resp, 500, "InternalError", "cannot render metrics");
        return;
    }
    fo_http_response_take_body(resp, 200, FO_METRICS_CONTENT_TYPE, text, strlen(text));
}
