#ifndef FO_RESTART_BACKOFF_H
#define FO_RESTART_BACKOFF_H

/* How often kubernetes.operator.job.restart.failed restarts a job that keeps failing
 * (docs/controller.md "Restarts of a job that keeps failing"). Apache restarts a FAILED job at
 * every observation, so a job that fails at each start (a broken jar, a bad main class) is torn
 * down and deployed again every observe interval for ever. flinkop restarts it for ever too,
 * but spaces the restarts of such a streak out:
 *
 * - a job that FAILED with no streak on record (its first failure, or one after it ran
 *   healthily) is restarted at once, as Apache does, and the restart opens a streak;
 * - a job that FAILED again while the streak counts is restarted only after as long as the
 *   streak had lasted when it failed (from the streak's first restart to this failure), at
 *   least FO_RESTART_MIN_DELAY_MS and at most FO_RESTART_MAX_DELAY_MS: each wait is at least
 *   the sum of the waits before it, so they at least double (10 s, 20 s, 40 s, ... 5 min);
 * - the streak stops counting once the job has run FO_RESTART_HEALTHY_MS since a restart of
 *   it, or the spec changes (another metadata.generation).
 *
 * The record lives in status, so a restart of the controller resets nothing: a condition of
 * type FO_RESTART_CONDITION, True while the streak counts, whose lastTransitionTime is when the
 * streak began and whose observedGeneration is the generation it belongs to. A condition is
 * the place Kubernetes API conventions give a controller's own observations; status.error is
 * not (Apache's restart clears it, and Apache users read a non-null error as a fault). The
 * failure time is the controller's own (status.jobStatus.updateTime of the FAILED state).
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define FO_RESTART_CONDITION "RestartBackoff"
#define FO_RESTART_MIN_DELAY_MS (10 * 1000LL)
#define FO_RESTART_MAX_DELAY_MS (5 * 60 * 1000LL)
#define FO_RESTART_HEALTHY_MS (10 * 60 * 1000LL)

typedef struct fo_restart_streak {
    int64_t since_ms;   /* when it began (whole seconds: a condition's lastTransitionTime) */
    int64_t generation; /* the metadata.generation it belongs to */
} fo_restart_streak;

/* The streak on record in a FlinkDeployment status (borrowed), or false when there is none. */
bool fo_restart_streak_read(const json_t *status, fo_restart_streak *s);

/* Does streak s still count in a pass of `generation` at now_ms? Not for another generation,
 * nor once status.jobStatus shows a healthy run since it began: the job RUNNING, seen so
 * (updateTime) at or after the streak's start, for FO_RESTART_HEALTHY_MS; FAILED after a run
 * Flink says began (startTime) at or after the streak's start and lasted that long; or ended
 * for good otherwise (FINISHED, CANCELED: nothing is restarted). */
bool fo_restart_streak_counts(const json_t *status, const fo_restart_streak *s, int64_t generation,
                              int64_t now_ms);

/* When a job that FAILED at failed_ms may be restarted under streak s (NULL: none counts):
 * failed_ms without one, else failed_ms plus as long as the streak had lasted then, clamped to
 * [FO_RESTART_MIN_DELAY_MS, FO_RESTART_MAX_DELAY_MS]. */
int64_t fo_restart_due_ms(const fo_restart_streak *s, int64_t failed_ms);

/* Record in status a restart made at now_ms for generation: the condition True with message
 * (copied), its lastTransitionTime kept while a True one is there (the streak goes on), else
 * now_ms (a new one). */
void fo_restart_streak_mark(json_t *status, int64_t generation, const char *message,
                            int64_t now_ms);

/* Remove the condition from status (nothing when there is none). */
void fo_restart_streak_drop(json_t *status);

#endif
