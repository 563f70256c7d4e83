#ifndef FO_TEST_EXPOSITION_H
#define FO_TEST_EXPOSITION_H

/* A checker of the Prometheus text exposition format (version 0.0.4, prometheus.io "Exposition
 * formats") and of the lint rules `promtool check metrics` applies, for the suites that read
 * /metrics: they check it on every machine, promtool or not.
 *
 * Format: HELP and TYPE lines (one each per family, TYPE before the family's first sample),
 * sample lines (metric and label names, quoted label values with the three escapes, a float
 * value, an optional integer timestamp), the lines of a family in one group, no series twice,
 * a final newline. Histograms: _bucket series with an `le` label, cumulative, ending in
 * le="+Inf" equal to _count, and _sum. Lint (promtool's): every family has HELP, counters end
 * in _total, names are snake_case, no non-base units (milliseconds, bytes' multiples, ...).
 * Checked against promtool 2.42 (Debian 12): it refuses every text this refuses, except where
 * this is stricter on rules the format states and its parser leaves to the scrape: the lines of
 * a family in one group, no series twice, no label named __*, counters not negative, a
 * histogram's buckets cumulative and its _count and _sum present. */

#include <stdbool.h>
#include <stddef.h>

/* True when text keeps every rule above; else false with why (a message naming the line and
 * the rule) filled in. */
bool fo_test_exposition_check(const char *text, char *why, size_t why_size);

#endif
