#ifndef FO_FLAG_VALUES_H
#define FO_FLAG_VALUES_H

/* Values of command-line flags and their FLINKOP_* variables, read the same way by both
 * processes. Pure; thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"

/* A duration as Kubernetes components write theirs (Go's time.ParseDuration): a sequence of
 * decimal numbers with optional fraction and a unit (ns, us, µs, ms, s, m, h), optional sign;
 * "0" alone is allowed: 500ms, 15s, 1m30s, 2h. Rounded to milliseconds. FO_EINVAL with err
 * naming the text when it is not a duration, or negative. */
fo_rc fo_go_duration_parse(const char *text, int64_t *ms, fo_err *err);

/* A boolean: true, 1, yes / false, 0, no (any case). False when s is none of those. */
bool fo_flag_bool_parse(const char *s, bool *out);

/* A comma-separated list of namespaces ("a, b,,c": blanks, empty items and repeated names
 * skipped), split in place in buf (which the caller owns) into out: at most max names, then
 * NULL (no names: all namespaces). FO_EINVAL naming the flag and the item when one is not a
 * namespace name (a DNS label), FO_ELIMIT past max. */
fo_rc fo_flag_namespaces_parse(char *buf, const char **out, size_t max, const char *flag,
                               fo_err *err);

#endif
