#ifndef FO_DISPOSAL_BACKOFF_H
#define FO_DISPOSAL_BACKOFF_H

/* How often a savepoint disposal that keeps failing is tried again (docs/controller.md
 * "Manual and periodic savepoints", Disposal). A failure the storage gives at every try (a
 * bucket policy without delete rights, a file system the JobManager cannot reach) was sent
 * again at every pass for as long as it lasted: a request, three status writes and a Warning
 * every 20 s per resource. Now each failure of a streak doubles the wait before the next
 * disposal starts, from the observe interval up to FO_DISPOSAL_MAX_WAIT_MS; a disposal Flink
 * reports done (or finds gone) ends the streak.
 *
 * The record lives in status.clusterInfo beside the disposal's intent (a string map; the
 * Apache status has no field for either), so a restart of the controller resets nothing:
 *   "savepoint-disposal.failures": the failures of the streak (decimal)
 *   "savepoint-disposal.next-attempt": epoch milliseconds before which no disposal starts
 * A record that cannot be read counts as none. Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define FO_DISPOSAL_FAILURES_KEY "savepoint-disposal.failures"
#define FO_DISPOSAL_NEXT_KEY "savepoint-disposal.next-attempt"
#define FO_DISPOSAL_MAX_WAIT_MS (3600 * 1000LL)

typedef struct fo_disposal_streak {
    int failures;    /* 0: no streak */
    int64_t next_ms; /* no disposal starts before this */
} fo_disposal_streak;

/* The streak on record in cluster_info (borrowed; may be NULL), or false (s zeroed) when
 * there is none or it cannot be read. */
bool fo_disposal_streak_read(const json_t *cluster_info, fo_disposal_streak *s);

/* The wait after the failures-th failure of a streak (1 = the first): observe_ms doubled
 * failures - 1 times, at most FO_DISPOSAL_MAX_WAIT_MS (observe_ms itself when it is longer). */
int64_t fo_disposal_wait_ms(int64_t observe_ms, int failures);

/* Record one more failure, at now_ms, into cluster_info (an object): the streak on record
 * plus one, its next attempt after fo_disposal_wait_ms. The new record goes into *out. True
 * when this failure is to be told in a Warning: the first of a streak, and the one whose wait
 * first reaches the longest (from then on the wait no longer grows); the others go to the log
 * only. */
bool fo_disposal_streak_fail(json_t *cluster_info, int64_t observe_ms, int64_t now_ms,
                             fo_disposal_streak *out);

/* Remove the record from cluster_info (nothing when there is none; cluster_info may be NULL). */
void fo_disposal_streak_clear(json_t *cluster_info);

#endif
