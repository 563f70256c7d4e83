#ifndef FO_KUBE_EVENTS_H
#define FO_KUBE_EVENTS_H

/* An Event recorder (kube-api-semantics.md §12), writing core/v1 Events.
 *
 * Why core/v1: it is what `kubectl describe` lists under an object, what the Apache Flink
 * Kubernetes Operator writes (users and their tooling look for the same Events), and its
 * repeat handling (count + lastTimestamp) is a plain merge patch. The API server shows the
 * same objects through events.k8s.io/v1, so nothing is lost.
 *
 * Repeats of the same event (same involved object uid/kind/namespace/name, component, type,
 * reason and message: its identity) are counted into one Event, across restarts of the process
 * and across processes (the replicas of a leader hand-over), as the Apache Flink Kubernetes
 * Operator folds them (EventUtils.createOrUpdateEventWithInterval): the Event's name is made
 * from the identity (common/kube_event_name.h), so a repeat creates that name and, when it
 * exists (409 AlreadyExists), reads it back and bumps its count and lastTimestamp with a merge
 * patch that carries the resourceVersion it read; a 409 Conflict (someone else counted
 * meanwhile) reads it again. An object deleted and created again under its name has another
 * uid, so its Events start afresh. A bounded LRU remembers each Event's resourceVersion and
 * count so that a repeat usually takes one PATCH; it is only a guess, since a stale one gets
 * the 409 and is read again, so it never loses or doubles a count. If the Event is gone
 * (Events expire after about an hour), it is created again with count 1.
 *
 * Recording never blocks and never fails the caller: events go into a small bounded queue that
 * one recorder thread writes out, each request with a short timeout. When the queue is full
 * the event is dropped; failures are logged and counted, never returned. (A synchronous write
 * would put API latency and retries inside every reconcile pass.) One event takes at most 8
 * requests (409s), and a request that fails otherwise (a timeout, which may have written) is
 * not tried again, so a stalled API server costs one timeout per event.
 *
 * Every function is thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/kube_client.h"
#include "common/rc.h"

/* Messages longer than this are cut (on a UTF-8 boundary); events.k8s.io caps notes at 1 KiB. */
#define FO_EVENT_MAX_MESSAGE 1024
#define FO_EVENT_MAX_REASON 128

typedef enum fo_event_type {
    FO_EVENT_NORMAL,
    FO_EVENT_WARNING,
} fo_event_type;

typedef struct fo_kube_events fo_kube_events;

typedef struct fo_kube_events_opts {
    fo_kube_client *kc;    /* borrowed; outlives the recorder (its config is used for a client
                              with short timeouts and no retries) */
    const char *component; /* reportingComponent, and source.component of the events recorded
                              without one; NULL = "flinkop" */
    const char *instance;  /* reportingInstance (pod name); NULL = the host name */
    const fo_clock *clock; /* timestamps and names; NULL = real */
    size_t queue_size;     /* events waiting to be written; 0 = 1000 */
    size_t cache_size;     /* remembered events for de-duplication; 0 = 4096 */
    long timeout_ms;       /* per API request; 0 = 5000 */
} fo_kube_events_opts;

/* Start the recorder thread. NULL with err when the options are invalid. */
fo_kube_events *fo_kube_events_new(const fo_kube_events_opts *opts, fo_err *err);

/* Write out what is queued (for at most about 2 s), stop the thread and free. NULL ok. */
void fo_kube_events_free(fo_kube_events *ev);

/* Record an event about obj (borrowed: its apiVersion, kind, metadata.name, namespace, uid
 * and resourceVersion are copied). reason is CamelCase ("SpecChanged"); the message is a
 * printf format. Returns at once; bad input (no object name, no reason) is logged and
 * dropped. */
void fo_kube_events_record(fo_kube_events *ev, const json_t *obj, fo_event_type type,
                           const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The same, with source.component naming the part of the system the event comes from (the
 * Apache operator's EventRecorder.Component: "Operator", "JobManagerDeployment", "Job"), as
 * `kubectl get events --field-selector source=...` selects it; reportingComponent stays the
 * recorder's. NULL or "" = the recorder's component. Events of different components are
 * never folded into one. */
void fo_kube_events_record_as(fo_kube_events *ev, const json_t *obj, const char *component,
                              fo_event_type type, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

typedef struct fo_kube_events_stats {
    uint64_t recorded; /* accepted into the queue */
    uint64_t dropped;  /* queue full or bad input */
    uint64_t created;  /* Events POSTed */
    uint64_t patched;  /* repeats PATCHed */
    uint64_t failed;   /* writes that failed (logged) */
} fo_kube_events_stats;

void fo_kube_events_get_stats(fo_kube_events *ev, fo_kube_events_stats *out);

/* Block until the queue is empty and the thread idle, or timeout_ms (real clock) passed.
 * Returns true when idle. For tests and orderly shutdown. */
bool fo_kube_events_flush(fo_kube_events *ev, int64_t timeout_ms);

#endif
