/* Leader election decisions (client-go's tryAcquireOrRenew), free of I/O. */
#include "common/lease.h"

#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

struct fo_lease_state {
    char *ns, *name, *identity;
    int64_t duration_ms, deadline_ms, retry_ms;
    /* The record as we last saw it, and when (by our monotonic clock) it last changed. */
    char *observed_raw;
    char *observed_holder;
    int64_t observed_duration_ms;
    int64_t observed_mono_ms;
    bool leading;
    int64_t last_success_mono_ms;
};

fo_lease_state *fo_lease_state_new(const fo_lease_params *p)
{
    if (!p || !p->ns || !*p->ns || !p->name || !*p->name || !p->identity || !*p->identity ||
        strlen(p->identity) > FO_LEASE_MAX_IDENTITY)
        return NULL;
    int64_t d = p->lease_duration_ms > 0 ? p->lease_duration_ms : FO_LEASE_DEFAULT_DURATION_MS;
    int64_t r =
        p->renew_deadline_ms > 0 ? p->renew_deadline_ms : FO_LEASE_DEFAULT_RENEW_DEADLINE_MS;
    int64_t t = p->retry_period_ms > 0 ? p->retry_period_ms : FO_LEASE_DEFAULT_RETRY_PERIOD_MS;
    /* client-go's checks: leaseDuration > renewDeadline > retryPeriod (x1.2 jitter). */
    if (d <= r || (double)r <= 1.2 * (double)t)
        return NULL;
    fo_lease_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->ns = strdup(p->ns);
    st->name = strdup(p->name);
    st->identity = strdup(p->identity);
    st->duration_ms = d;
    st->deadline_ms = r;
    st->retry_ms = t;
    if (!st->ns || !st->name || !st->identity) {
        fo_lease_state_free(st);
        return NULL;
    }
    return st;
}

void fo_lease_state_free(fo_lease_state *st)
{
    if (!st)
        return;
    free(st->ns);
    free(st->name);
    free(st->identity);
    free(st->observed_raw);
    free(st->observed_holder);
    free(st);
}

int64_t fo_lease_retry_period_ms(const fo_lease_state *st)
{
    return st->retry_ms;
}

bool fo_lease_leading(const fo_lease_state *st)
{
    return st->leading;
}

/* Remember spec as the observed record; the clock of "last change" restarts only when it
 * differs from what we saw before. */
static void observe(fo_lease_state *st, const json_t *spec, int64_t now_mono_ms)
{
    char *raw = spec ? fo_json_dumps_canonical(spec) : strdup("{}");
    if (!raw)
        return;
    if (st->observed_raw && strcmp(raw, st->observed_raw) == 0) {
        free(raw);
        return;
    }
    free(st->observed_raw);
    st->observed_raw = raw;
    free(st->observed_holder);
    const char *holder = fo_json_str(spec, "holderIdentity");
    st->observed_holder = strdup(holder ? holder : "");
    int64_t secs = 0;
    fo_json_get_int(spec, "leaseDurationSeconds", &secs);
    st->observed_duration_ms = secs > 0 ? secs * 1000 : 0;
    st->observed_mono_ms = now_mono_ms;
}

static bool observed_is_us(const fo_lease_state *st)
{
    return st->observed_holder && strcmp(st->observed_holder, st->identity) == 0;
}

static json_t *micro_time(int64_t wall_ms)
{
    char buf[40];
    return json_string(fo_clock_format_rfc3339(wall_ms, true, buf, sizeof buf));
}

static json_int_t duration_s(const fo_lease_state *st)
{
    return (json_int_t)((st->duration_ms + 999) / 1000);
}

fo_lease_action fo_lease_decide(fo_lease_state *st, const json_t *current, int64_t now_mono_ms,
                                int64_t now_wall_ms, json_t **body)
{
    *body = NULL;
    if (!current) {
        /* §10 step 1: no Lease yet; create it holding it ourselves. */
        *body = json_pack(
            "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:I,s:o,s:o,s:i}}", "apiVersion", "coordination.k8s.io/v1",
            "kind", "Lease", "metadata", "name", st->name, "namespace", st->ns, "spec",
            "holderIdentity", st->identity, "leaseDurationSeconds", duration_s(st), "acquireTime",
            micro_time(now_wall_ms), "renewTime", micro_time(now_wall_ms), "leaseTransitions", 0);
        return *body ? FO_LEASE_CREATE : FO_LEASE_WAIT;
    }
    const json_t *spec = json_object_get(current, "spec");
    observe(st, json_is_object(spec) ? spec : NULL, now_mono_ms);
    bool us = observed_is_us(st);
    /* §10 step 2: held by another and changed within its leaseDurationSeconds, as measured by
     * our clock since we saw it change. */
    if (st->observed_holder && *st->observed_holder && !us &&
        st->observed_mono_ms + st->observed_duration_ms > now_mono_ms)
        return FO_LEASE_WAIT;
    json_t *b = fo_json_copy(current);
    json_t *s = b ? fo_json_ensure_object(b, "spec") : NULL;
    if (!s) {
        json_decref(b);
        return FO_LEASE_WAIT;
    }
    int64_t transitions = 0;
    fo_json_get_int(s, "leaseTransitions", &transitions);
    json_object_set_new(s, "holderIdentity", json_string(st->identity));
    json_object_set_new(s, "leaseDurationSeconds", json_integer(duration_s(st)));
    json_object_set_new(s, "renewTime", micro_time(now_wall_ms));
    if (us && json_object_get(s, "acquireTime")) {
        /* step 4: renewing keeps acquireTime and the transition count */
        json_object_set_new(s, "leaseTransitions", json_integer(transitions));
    } else {
        /* step 3: taking over (expired or released) */
        json_object_set_new(s, "acquireTime", micro_time(now_wall_ms));
        json_object_set_new(s, "leaseTransitions", json_integer(transitions + (us ? 0 : 1)));
    }
    *body = b;
    return FO_LEASE_UPDATE;
}

void fo_lease_written(fo_lease_state *st, const json_t *written, int64_t now_mono_ms)
{
    const json_t *spec = json_object_get(written, "spec");
    observe(st, json_is_object(spec) ? spec : NULL, now_mono_ms);
    st->observed_mono_ms = now_mono_ms;
    st->leading = observed_is_us(st);
    if (st->leading)
        st->last_success_mono_ms = now_mono_ms;
}

bool fo_lease_failed(fo_lease_state *st, int64_t now_mono_ms)
{
    if (!st->leading)
        return false;
    if (now_mono_ms - st->last_success_mono_ms < st->deadline_ms)
        return false;
    st->leading = false;
    return true;
}

int64_t fo_lease_renew_left_ms(const fo_lease_state *st, int64_t now_mono_ms)
{
    if (!st->leading)
        return INT64_MAX;
    return st->last_success_mono_ms + st->deadline_ms - now_mono_ms;
}

json_t *fo_lease_release_body(const fo_lease_state *st, const json_t *current, int64_t now_wall_ms)
{
    const char *holder = fo_json_get_str(current, "spec.holderIdentity");
    if (!holder || strcmp(holder, st->identity) != 0)
        return NULL;
    json_t *b = fo_json_copy(current);
    json_t *s = b ? fo_json_ensure_object(b, "spec") : NULL;
    if (!s) {
        json_decref(b);
        return NULL;
    }
    /* §10 step 5 */
    json_object_set_new(s, "holderIdentity", json_string(""));
    json_object_set_new(s, "leaseDurationSeconds", json_integer(1));
    json_object_set_new(s, "acquireTime", micro_time(now_wall_ms));
    json_object_set_new(s, "renewTime", micro_time(now_wall_ms));
    return b;
}
