#ifndef FO_QUANTITY_H
#define FO_QUANTITY_H

/* Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity):
 * "<sign><digits>[.<digits>][<suffix>]" with binary suffixes Ki Mi Gi Ti Pi Ei, decimal
 * suffixes n u m "" k M G T P E, or a decimal exponent e<int>/E<int>. Pure and thread-safe. */

#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"

typedef struct fo_quantity {
    /* value = mantissa * 10^exp10 (exact for every valid Kubernetes quantity we accept) */
    long double value; /* the value in base units, as a long double (for comparisons) */
    bool negative;
} fo_quantity;

/* Parse s. Returns FO_EINVAL with a message naming the text when it is not a quantity. */
fo_rc fo_quantity_parse(const char *s, fo_quantity *out, fo_err *err);

/* Value in base units rounded up to an integer (bytes for memory) and in millis
 * (millicores for cpu), saturating at INT64_MAX. */
int64_t fo_quantity_value(const fo_quantity *q);
int64_t fo_quantity_milli_value(const fo_quantity *q);

/* -1, 0 or 1 as a < b, a == b, a > b. */
int fo_quantity_cmp(const fo_quantity *a, const fo_quantity *b);

/* Canonical text of a byte count in the largest binary suffix that divides it exactly
 * ("2Gi", "1536Mi", "100"), and of millicores ("500m", "2"). buf needs 32 bytes. */
char *fo_quantity_format_bytes(int64_t bytes, char *buf, int len);
char *fo_quantity_format_millis(int64_t millis, char *buf, int len);

#endif
