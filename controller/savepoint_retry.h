#ifndef FO_SAVEPOINT_RETRY_H
#define FO_SAVEPOINT_RETRY_H

/* How often a savepoint that keeps failing is tried again (docs/controller.md "Savepoint
 * retries"). Each try makes Flink write a savepoint of the whole state, so a failed one is
 * tried again after a growing delay and given up after a number of tries, until the spec
 * changes again.
 *
 * The schedule has the shape of the Apache operator's retries of a failed reconciliation
 * (kubernetes.operator.retry.initial.interval 5 s, .interval.multiplier 1.5, .max.attempts
 * 15, .max.interval unset), read from the same keys, but never starts below the observe
 * interval: Apache itself does not back a failed stop-with-savepoint off at all (its
 * UpgradeFailureException is reported and the resource rescheduled at the reconcile
 * interval, for ever), and a first retry sooner than that would add savepoints.
 *
 * The record of the failures lives in status.error's additionalMetadata (a free-form map in
 * Apache's FlinkResourceException, and status.error a string its readers do not parse for
 * it), so it survives a restart of the controller and the CRD's schema keeps it:
 *   {"savepointFailures": n, "generation": g, "nextAttemptTimestamp": ms}
 * g is metadata.generation when the n-th try failed; a record of another generation counts
 * nothing. nextAttemptTimestamp is absent once the tries are used up. Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define FO_SP_RETRY_INITIAL_KEY "kubernetes.operator.retry.initial.interval"
#define FO_SP_RETRY_MULTIPLIER_KEY "kubernetes.operator.retry.interval.multiplier"
#define FO_SP_RETRY_MAX_ATTEMPTS_KEY "kubernetes.operator.retry.max.attempts"
#define FO_SP_RETRY_MAX_INTERVAL_KEY "kubernetes.operator.retry.max.interval"

typedef struct fo_sp_retry_policy {
    int64_t first_ms;        /* delay after the first failure */
    double multiplier;       /* each next delay: the previous one times this */
    int max_attempts;        /* tries of one generation before giving up */
    int64_t max_interval_ms; /* longest delay; 0 = none */
} fo_sp_retry_policy;

/* The policy of a resource's operator configuration (flat, borrowed; may be NULL): the keys
 * above with Apache's defaults, first_ms at least observe_ms. A value that cannot be read is
 * logged and its default used. */
void fo_sp_retry_policy_read(const json_t *conf, int64_t observe_ms, fo_sp_retry_policy *pol);

/* The delay after the failures-th failure (1 = the first). */
int64_t fo_sp_retry_delay_ms(const fo_sp_retry_policy *pol, int failures);

typedef struct fo_sp_retry_record {
    int failures;
    int64_t generation;
    int64_t next_attempt_ms; /* 0: given up */
} fo_sp_retry_record;

/* The record in a status.error text, or false when it holds none. */
bool fo_sp_retry_record_read(const char *error, fo_sp_retry_record *r);

/* The record as additionalMetadata members (new object; NULL when out of memory). */
json_t *fo_sp_retry_record_meta(const fo_sp_retry_record *r);

#endif
