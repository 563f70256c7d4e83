#ifndef FO_LEASE_H
#define FO_LEASE_H

/* Leader election with a coordination.k8s.io/v1 Lease, following client-go's protocol
 * (kube-api-semantics.md §10), with controller-runtime's timings by default: lease 15 s,
 * renew deadline 10 s, retry period 2 s.
 *
 * Two layers:
 * - fo_lease_state: the pure decision logic. Given the Lease just read (or NULL for 404) and
 *   our clock, it says whether to wait, create or update, and builds the body. "Expired" is
 *   judged by *our own* monotonic clock since we last saw the record change, never by
 *   comparing renewTime with our clock. Not thread-safe (one elector thread owns it).
 * - fo_lease_elector: a thread that runs the protocol with a kube client: acquire (retrying
 *   every retry period), then renew every retry period; when renewing has failed for the
 *   renew deadline, leadership is lost. Started/stopped callbacks run on the elector thread.
 *   As in controller-runtime, an elector that lost leadership does not try again: the process
 *   is expected to exit (a fresh process starts clean). On stop, a leader releases the
 *   Lease (holderIdentity "", leaseDurationSeconds 1) so a successor need not wait.
 *
 * Times in Lease specs are MicroTime: RFC 3339 UTC with six fractional digits. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/kube_client.h"
#include "common/rc.h"

#define FO_LEASE_DEFAULT_DURATION_MS 15000
#define FO_LEASE_DEFAULT_RENEW_DEADLINE_MS 10000
#define FO_LEASE_DEFAULT_RETRY_PERIOD_MS 2000
#define FO_LEASE_MAX_IDENTITY 253

/* ---- pure decisions ---- */

typedef enum fo_lease_action {
    FO_LEASE_WAIT,   /* held by someone else and not expired: try again after retry period */
    FO_LEASE_CREATE, /* no Lease: POST the body */
    FO_LEASE_UPDATE, /* PUT the body (it carries the resourceVersion we read) */
} fo_lease_action;

typedef struct fo_lease_state fo_lease_state;

typedef struct fo_lease_params {
    const char *ns, *name;     /* the Lease */
    const char *identity;      /* ours; unique per process (e.g. pod name + random suffix) */
    int64_t lease_duration_ms; /* 0 = default; written as leaseDurationSeconds (rounded up) */
    int64_t renew_deadline_ms; /* 0 = default; must be < lease duration */
    int64_t retry_period_ms;   /* 0 = default */
} fo_lease_params;

/* NULL when out of memory or the parameters are invalid (missing names, identity longer than
 * FO_LEASE_MAX_IDENTITY, renew deadline not below the lease duration, retry period not below
 * the renew deadline). */
fo_lease_state *fo_lease_state_new(const fo_lease_params *p);
void fo_lease_state_free(fo_lease_state *st);

/* Decide what to do with the Lease just read (borrowed; NULL when it does not exist) at our
 * monotonic time now_mono_ms and wall time now_wall_ms (for the MicroTimes written). For
 * CREATE and UPDATE, *body gets the object to send (new reference); for WAIT it is NULL. */
fo_lease_action fo_lease_decide(fo_lease_state *st, const json_t *current, int64_t now_mono_ms,
                                int64_t now_wall_ms, json_t **body);

/* The write of a decided body succeeded: `written` (borrowed) is what the server returned.
 * We lead from now on; the renew deadline counts from now_mono_ms. */
void fo_lease_written(fo_lease_state *st, const json_t *written, int64_t now_mono_ms);

/* An attempt failed (read or write error, conflict, or WAIT while we lead). Returns true when
 * we were leading and the last success is renew_deadline_ms or more ago: leadership is lost
 * (and the state no longer leads). */
bool fo_lease_failed(fo_lease_state *st, int64_t now_mono_ms);

/* While we lead: how much of the renew deadline is left at now_mono_ms (<= 0: none, the next
 * fo_lease_failed loses). A renewal must not outlast it: the elector bounds its waits and its
 * requests by it, so that leadership ends at the deadline, never a request timeout or a retry
 * period later (when the Lease may have run out and someone else leads). INT64_MAX when we
 * do not lead. */
int64_t fo_lease_renew_left_ms(const fo_lease_state *st, int64_t now_mono_ms);

/* Do we lead (a write succeeded and leadership was not lost since)? */
bool fo_lease_leading(const fo_lease_state *st);

/* The body that releases current (borrowed, the Lease as last read or written): holder "",
 * leaseDurationSeconds 1, acquireTime = renewTime = now, transitions kept. NULL when current is
 * not held by us. New reference. */
json_t *fo_lease_release_body(const fo_lease_state *st, const json_t *current, int64_t now_wall_ms);

/* Parameters after defaults (for the elector). */
int64_t fo_lease_retry_period_ms(const fo_lease_state *st);

/* ---- the elector thread ---- */

typedef struct fo_lease_elector fo_lease_elector;

typedef struct fo_lease_elector_opts {
    fo_lease_params params;
    fo_kube_client *kc;    /* borrowed; outlives the elector */
    const fo_clock *clock; /* NULL = real; a fake clock's advance wakes the loop */
    void (*on_started_leading)(void *ctx);
    void (*on_stopped_leading)(void *ctx); /* lost, or released at stop */
    void *ctx;
    bool no_release; /* keep the Lease at stop (others wait for it to expire) */
} fo_lease_elector_opts;

/* Start the elector thread. NULL with err when the options are invalid. */
fo_lease_elector *fo_lease_elector_start(const fo_lease_elector_opts *opts, fo_err *err);

/* Thread-safe. */
bool fo_lease_elector_is_leader(fo_lease_elector *e);

/* Has the elector ended by itself (leadership lost)? Thread-safe. */
bool fo_lease_elector_done(fo_lease_elector *e);

/* Stop the thread: a leader releases the Lease (unless no_release) and on_stopped_leading runs
 * before this returns. Then free. NULL is fine. */
void fo_lease_elector_stop(fo_lease_elector *e);

#endif
