#ifndef FO_WH_REVIEW_JSON_H
#define FO_WH_REVIEW_JSON_H

/* The AdmissionReview reader: one pass over the request body that checks all of it as JSON
 * (RFC 8259) and builds jansson values only for what the webhook reads.
 *
 * Why not json_loadb: jansson reads byte by byte through a callback and builds every value;
 * a review of a running deployment is 20 KB, about half of it oldObject and managedFields,
 * which the webhook never reads (validation compares with status.reconciliationStatus, never
 * with oldObject: reference b.2). jansson spent ~170 instructions per byte on it; this reader
 * scans strings a byte class at a time and skips the unread parts without building them.
 *
 * What is accepted is exactly what json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts, and
 * what is built equals its result (tests/unit/test_review_json.c compares both on fixtures and
 * on many corrupted variants): UTF-8 is checked everywhere (no overlong forms, surrogates or
 * code points past U+10FFFF), \u escapes must pair surrogates, \u0000 is allowed in values but
 * not in keys, integers must fit in 64 bits, reals must not overflow, duplicate keys keep the
 * last value, nesting is limited to FO_WH_JSON_MAX_DEPTH values (jansson's limit).
 *
 * Skipped members (with FO_WH_JSON_REVIEW) are checked like everything else, then left out of
 * the result; their JSON type is reported so the caller can still check it:
 *   request.oldObject, request.userInfo, request.options, request.object.metadata.managedFields
 * and with FO_WH_JSON_REVIEW_NO_STATUS also request.object.status.
 * Pure; thread-safe. */

#include <jansson.h>
#include <stddef.h>

#include "common/rc.h"

#define FO_WH_JSON_MAX_DEPTH 2048

typedef enum fo_wh_json_mode {
    FO_WH_JSON_ALL,              /* build everything (what json_loadb builds) */
    FO_WH_JSON_REVIEW,           /* leave out the members listed above */
    FO_WH_JSON_REVIEW_NO_STATUS, /* and request.object.status (for /mutate) */
} fo_wh_json_mode;

typedef enum fo_wh_json_skip {
    FO_WH_SKIP_OLD_OBJECT,
    FO_WH_SKIP_USER_INFO,
    FO_WH_SKIP_OPTIONS,
    FO_WH_SKIP_MANAGED_FIELDS,
    FO_WH_SKIP_STATUS, /* FO_WH_JSON_REVIEW_NO_STATUS only */
    FO_WH_SKIP_COUNT
} fo_wh_json_skip;

/* The JSON type of each skipped member as last seen (duplicates: the last one), or -1 when
 * the member was absent. */
typedef struct fo_wh_json_skipped {
    int type[FO_WH_SKIP_COUNT]; /* json_type or -1 */
} fo_wh_json_skipped;

/* Parse buf[0..len) (need not be NUL-terminated). Returns a new reference, or NULL with err:
 * FO_EINVAL "invalid JSON at line L, column C: <why>" (column counts characters, as jansson
 * does) or FO_ENOMEM. skipped may be NULL. */
json_t *fo_wh_json_parse(const char *buf, size_t len, fo_wh_json_mode mode,
                         fo_wh_json_skipped *skipped, fo_err *err);

#endif
