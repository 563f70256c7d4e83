#ifndef FO_GO_DURATION_H
#define FO_GO_DURATION_H

/* Durations in flags, written as Kubernetes components write theirs (Go's time.ParseDuration):
 * a sequence of decimal numbers with optional fraction and a unit (ns, us, µs, ms, s, m, h),
 * optional sign; "0" alone is allowed: 500ms, 15s, 1m30s, 2h. Pure; thread-safe. */

#include <stdint.h>

#include "common/rc.h"

/* Rounded to milliseconds. FO_EINVAL with err naming the text when it is not a duration, or
 * negative. */
fo_rc fo_go_duration_parse(const char *text, int64_t *ms, fo_err *err);

#endif
