#ifndef FO_QUANTITY_H
#define FO_QUANTITY_H

/* Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity):
 * "<sign><digits>[.<digits>][<suffix>]" with binary suffixes Ki Mi Gi Ti Pi Ei, decimal
 * suffixes n u m "" k M G T P E, or a decimal exponent e<int>/E<int>. Pure and thread-safe. */

#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"

/* Longest text fo_quantity_parse accepts. */
#define FO_QUANTITY_MAX_LEN 128

/* Parsing follows resource.ParseQuantity: the value is rounded up (away from zero) to a
 * whole nano unit (1e-9) and its magnitude is capped at INT64_MAX base units. What is left is
 * held exactly as units + nanos / 1e9. */
typedef struct fo_quantity {
    int64_t units;     /* whole base units of the magnitude, 0..INT64_MAX */
    int32_t nanos;     /* plus nanos / 1e9 units, 0..999999999 */
    bool negative;     /* sign of the value (never set for zero) */
    long double value; /* the signed value in base units, approximately (for display/ratios) */
} fo_quantity;

/* Parse s (at most FO_QUANTITY_MAX_LEN bytes). Returns FO_EINVAL with a message naming the
 * text when it is not a quantity: empty, no digits ("Gi"), spaces ("1 Gi"), unknown or
 * wrongly cased suffixes ("1gi", "1K"), "1.2.3", "--1". *out is written only on success. */
fo_rc fo_quantity_parse(const char *s, fo_quantity *out, fo_err *err);

/* Value in base units rounded up to an integer (bytes for memory) and in millis
 * (millicores for cpu), like Quantity.Value() and MilliValue(): fractions round away from
 * zero ("1.5" -> 2, "-1.5" -> -2), results saturate at INT64_MAX / INT64_MIN. */
int64_t fo_quantity_value(const fo_quantity *q);
int64_t fo_quantity_milli_value(const fo_quantity *q);

/* -1, 0 or 1 as a < b, a == b, a > b. */
int fo_quantity_cmp(const fo_quantity *a, const fo_quantity *b);

/* Canonical text of a byte count in the largest binary suffix that divides it exactly
 * ("2Gi", "1536Mi", "100"), and of millicores in Kubernetes' DecimalSI form: the largest
 * decimal suffix (m, none, k, M, G, T, P, E) that leaves an integer ("500m", "1500m", "2",
 * "1k"). Both return buf; buf needs 32 bytes (shorter buffers get a truncated text). */
char *fo_quantity_format_bytes(int64_t bytes, char *buf, int len);
char *fo_quantity_format_millis(int64_t millis, char *buf, int len);

#endif
