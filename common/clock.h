#ifndef FO_CLOCK_H
#define FO_CLOCK_H

/* Injectable time. Everything that reads the time takes a `const fo_clock *` so tests can
 * use a fake clock and move it forward instead of sleeping.
 *
 * fo_clock_real() is a process-wide singleton (never freed). A fake clock starts at a given
 * wall time; its monotonic time starts at 0 and both move only through fo_clock_fake_*.
 * All functions are thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fo_clock fo_clock;

/* Called (on the advancing thread) after a fake clock moved, so that waiters can wake up. */
typedef void (*fo_clock_listener)(void *ctx);

/* The system clock: CLOCK_REALTIME for wall time, CLOCK_MONOTONIC for intervals. */
const fo_clock *fo_clock_real(void);

/* Wall time in milliseconds since the Unix epoch. */
int64_t fo_clock_now_ms(const fo_clock *c);

/* Monotonic milliseconds, for measuring intervals and deadlines. */
int64_t fo_clock_mono_ms(const fo_clock *c);

/* Monotonic nanoseconds of the real clock (latency measurement only; never faked). */
int64_t fo_clock_real_mono_ns(void);

/* True when c is a fake clock. */
bool fo_clock_is_fake(const fo_clock *c);

/* A new fake clock at wall time start_ms. Caller frees with fo_clock_free. */
fo_clock *fo_clock_fake_new(int64_t start_ms);

/* Move a fake clock forward by ms (both wall and monotonic), then call every listener. */
void fo_clock_fake_advance(fo_clock *c, int64_t ms);

/* Register a listener on a fake clock (ignored on the real clock). Returns false when the
 * listener table (16 entries) is full. Remove it before ctx dies. */
bool fo_clock_subscribe(const fo_clock *c, fo_clock_listener fn, void *ctx);
void fo_clock_unsubscribe(const fo_clock *c, fo_clock_listener fn, void *ctx);

/* Free a fake clock. Freeing NULL or the real clock does nothing. */
void fo_clock_free(fo_clock *c);

/* Format epoch ms as RFC 3339 UTC. With micro=false: "2026-04-20T09:15:02Z" (Kubernetes Time);
 * with micro=true: "2026-04-20T09:15:02.123000Z" (Kubernetes MicroTime, six digits).
 * buf needs at least 32 bytes. Returns buf. */
char *fo_clock_format_rfc3339(int64_t epoch_ms, bool micro, char *buf, size_t len);

/* Parse an RFC 3339 time ("Z" or a numeric offset, optional fraction) into epoch ms.
 * Returns false when s is not such a time. */
bool fo_clock_parse_rfc3339(const char *s, int64_t *epoch_ms);

#endif
