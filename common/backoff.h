#ifndef FO_BACKOFF_H
#define FO_BACKOFF_H

/* Retry pacing: an exponential backoff with jitter, and a token bucket rate limiter with
 * client-go's BucketRateLimiter semantics (golang.org/x/time/rate: qps and burst).
 *
 * Both are plain structs the caller owns (usually inside a bigger object); they allocate
 * nothing and need no release. Time is always passed in as milliseconds (from fo_clock, so the
 * fake clock drives them in tests); the functions never read a clock or sleep. They are pure
 * apart from the struct they are given and are NOT thread-safe: callers that share one struct
 * between threads hold their own lock around every call.
 *
 * The per-item exponential failure limiter of the work queue (client-go's
 * ItemExponentialFailureRateLimiter) lives in the work queue, not here. */

#include <stdint.h>

#include "common/rc.h"

/* ---- exponential backoff ---- */

typedef struct fo_backoff {
    int64_t initial_ms; /* delay of the first attempt, >= 0 */
    int64_t max_ms;     /* no delay is ever longer, >= initial_ms */
    double factor;      /* growth per attempt, >= 1 */
    double jitter;    /* fraction in [0, 1]: a delay d becomes d * (1 + jitter * u), u in [-1, 1] */
    uint32_t attempt; /* delays handed out since init or the last reset */
    uint64_t rng;     /* PRNG state; the same seed gives the same delays */
} fo_backoff;

/* Set up b. seed makes the jitter sequence reproducible (any value, 0 included). Returns
 * FO_EINVAL (b untouched) when initial_ms < 0, max_ms < initial_ms, factor < 1 or is not a
 * number, or jitter is outside [0, 1]. */
fo_rc fo_backoff_init(fo_backoff *b, int64_t initial_ms, int64_t max_ms, double factor,
                      double jitter, uint64_t seed);

/* The delay before the next attempt, and count the attempt: the base delay
 * min(initial_ms * factor^attempt, max_ms) spread by the jitter, then clamped to
 * [0, max_ms] (at the cap exactly max_ms, INT64_MAX included). Without jitter the sequence
 * is exactly initial, initial*factor, ... max. */
int64_t fo_backoff_next_ms(fo_backoff *b);

/* Start again from initial_ms (after a success). Keeps the parameters and the PRNG state. */
void fo_backoff_reset(fo_backoff *b);

/* The stateless form without jitter, for delays counted from a record (failures in a row, a
 * streak on record): first_ms doubled `times` times, at most cap_ms, or first_ms itself when
 * that is longer than cap_ms (never shortened). No overflow however large `times` is. */
int64_t fo_backoff_doubled_ms(int64_t first_ms, int times, int64_t cap_ms);

/* ---- token bucket ---- */

typedef struct fo_token_bucket {
    double qps;      /* tokens added per second, > 0 */
    int burst;       /* bucket size, >= 1; a full bucket lets `burst` calls through at once */
    double tokens;   /* tokens at last_ms; negative when future tokens are already reserved */
    int64_t last_ms; /* time of the last update */
} fo_token_bucket;

/* A full bucket at now_ms. Returns FO_EINVAL (tb untouched) when qps is not > 0 (or not a
 * finite number) or burst < 1. */
fo_rc fo_token_bucket_init(fo_token_bucket *tb, double qps, int burst, int64_t now_ms);

/* Reserve one token at now_ms and return how many milliseconds the caller must wait before
 * using it (0: go now). The reservation is final: later callers queue behind it, so a burst
 * of reservations gets 0, 0, ..., then 1000/qps, 2000/qps, ... (rounded up to whole ms).
 * Tokens refill at qps while idle, never beyond burst. A now_ms earlier than the last call is
 * treated as no time passing. A wait beyond 64 bits (a tiny qps) is INT64_MAX. */
int64_t fo_token_bucket_reserve(fo_token_bucket *tb, int64_t now_ms);

/* Tokens available at now_ms (may be negative while reservations are outstanding); does not
 * change the bucket. */
double fo_token_bucket_tokens(const fo_token_bucket *tb, int64_t now_ms);

#endif
