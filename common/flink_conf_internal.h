#ifndef FO_FLINK_CONF_INTERNAL_H
#define FO_FLINK_CONF_INTERNAL_H

/* Shared by the flink_conf*.c files; not for other modules (use common/flink_conf.h). Pure and
 * thread-safe. */

#include <stddef.h>

/* Longest scalar value (memory size, duration) read after trimming; longer ones are refused. */
#define FO_FLINK_CONF_VALUE_MAX 128

/* Java's String.trim (drops every char <= ' ' at both ends) of s into buf (len bytes).
 * Returns buf, or NULL when the trimmed text does not fit. */
const char *fo_flink_conf_trim(const char *s, char *buf, size_t len);

/* Flink's "<digits><spaces><unit>" value syntax (MemorySize.parse, TimeUtils.parseDuration)
 * on trimmed text t: returns how many leading digits t has (0: it does not start with a
 * number) and writes the rest, trimmed and lower-cased (Locale.US), to unit ("" when there is
 * no unit). unit needs as many bytes as t. */
size_t fo_flink_conf_split_unit(const char *t, char *unit, size_t len);

#endif
