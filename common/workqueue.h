#ifndef FO_WORKQUEUE_H
#define FO_WORKQUEUE_H

/* A rate-limited work queue of string keys ("namespace/name") with client-go's semantics
 * (k8s.io/client-go/util/workqueue):
 *
 * - Keys are handed out first come, first served, except that urgent ones (add_urgent) go
 *   ahead of the rest (an addition of ours, like controller-runtime's priority queue).
 * - A key is queued at most once however often it is added before a worker takes it (the
 *   "dirty" set).
 * - A key is never handed to two workers at once: a key added while a worker holds it (between
 *   get and done) is queued again only when done is called (the "processing" set).
 * - add_after queues a key once a delay passed (by the queue's clock); a key already waiting
 *   keeps the earlier of its two times.
 * - add_rate_limited waits the larger of a per-key exponential backoff (base * 2^failures,
 *   capped; client-go's ItemExponentialFailureRateLimiter: 5 ms .. 1000 s) and an overall
 *   token bucket (client-go's BucketRateLimiter: 10 qps, burst 100), and counts a failure for
 *   the key; forget clears the count (after a success), num_requeues reads it.
 * - shutdown wakes every blocked get; keys already queued are still handed out, then get
 *   returns FO_ESHUTDOWN. Adds after shutdown are ignored.
 *
 * Time comes from the queue's fo_clock; with a fake clock, fo_clock_fake_advance wakes
 * blocked workers whose delayed keys became ready (no real sleeping in tests).
 * Every function is thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/rc.h"

/* Longest key accepted (longer keys are ignored and logged): namespace (63) + "/" + name
 * (253) leaves room; anything near this is a bug upstream. */
#define FO_WORKQUEUE_MAX_KEY 1024

typedef struct fo_workqueue fo_workqueue;

typedef struct fo_workqueue_opts {
    const fo_clock *clock; /* NULL = the real clock */
    int64_t base_delay_ms; /* per-key backoff start; 0 = 5 */
    int64_t max_delay_ms;  /* per-key backoff cap; 0 = 1000 s */
    double qps;            /* overall bucket rate; 0 = 10 */
    int burst;             /* overall bucket size; 0 = 100 */
    const char *name;      /* for logs; NULL = "workqueue" */
} fo_workqueue_opts;

/* A new queue (opts may be NULL: all defaults). NULL when out of memory or when opts are
 * invalid (negative delays, max < base). */
fo_workqueue *fo_workqueue_new(const fo_workqueue_opts *opts);

/* Free the queue. Call it only after every worker has returned from get (shut down first).
 * NULL is fine. */
void fo_workqueue_free(fo_workqueue *q);

/* Queue key now (the string is copied). */
void fo_workqueue_add(fo_workqueue *q, const char *key);

/* Queue key now, ahead of the keys add, add_after and add_rate_limited queued: for a change
 * someone made (an informer's event), which should not wait behind periodic passes. A key
 * already ready moves ahead; it is still handed out once. While keys of both kinds are
 * ready, every fourth key handed out is the oldest of the others, so neither kind starves. */
void fo_workqueue_add_urgent(fo_workqueue *q, const char *key);

/* Queue key in the urgent lane once delay_ms passed (<= 0: now): for the next step of a change
 * under way, which should not wait behind periodic passes either. A key already waiting keeps
 * the earlier of the two times and goes to the urgent lane. */
void fo_workqueue_add_after_urgent(fo_workqueue *q, const char *key, int64_t delay_ms);

/* Queue key once delay_ms passed (<= 0: now). */
void fo_workqueue_add_after(fo_workqueue *q, const char *key, int64_t delay_ms);

/* Queue key after its rate-limited delay (see above) and count a failure for it. */
void fo_workqueue_add_rate_limited(fo_workqueue *q, const char *key);

/* The delay add_rate_limited would use now, recording it like add_rate_limited does but
 * without queuing (for callers that want to log it). */
int64_t fo_workqueue_when(fo_workqueue *q, const char *key);

/* Stop counting failures for key (call after it was processed successfully). */
void fo_workqueue_forget(fo_workqueue *q, const char *key);

/* Failures counted for key since the last forget. */
int fo_workqueue_num_requeues(fo_workqueue *q, const char *key);

/* Keys ready to be handed out now (neither waiting nor being processed). */
size_t fo_workqueue_len(fo_workqueue *q);

/* Block until a key is ready and hand it over: *key is a heap string the caller frees, and
 * the caller must call fo_workqueue_done(q, key) when finished with it. Returns FO_ESHUTDOWN
 * (with *key NULL) once the queue is shut down and has no ready keys left. */
fo_rc fo_workqueue_get(fo_workqueue *q, char **key);

/* Like get but never blocks: FO_ENOTFOUND when no key is ready now. */
fo_rc fo_workqueue_try_get(fo_workqueue *q, char **key);

/* The worker finished key (from get). If it was added meanwhile, it is queued again. */
void fo_workqueue_done(fo_workqueue *q, const char *key);

/* Stop accepting keys and wake every blocked get (see above). Idempotent. */
void fo_workqueue_shutdown(fo_workqueue *q);

bool fo_workqueue_shutting_down(fo_workqueue *q);

#endif
