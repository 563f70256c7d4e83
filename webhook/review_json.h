#ifndef FO_WH_REVIEW_JSON_H
#define FO_WH_REVIEW_JSON_H

/* The AdmissionReview reader: common/json_read.h with a filter that checks all of the body as
 * JSON but leaves out what the webhook never reads. A review of a running deployment is 20 KB,
 * about half of it oldObject and managedFields; validation compares with
 * status.reconciliationStatus, never with oldObject (reference b.2).
 *
 * Skipped members (with FO_WH_JSON_REVIEW) are checked like everything else, then left out of
 * the result; their JSON type is reported so the caller can still check it:
 *   everything in request.oldObject but its metadata.generation (which tells whether an update
 *   changes the spec), request.userInfo, request.options, request.object.metadata.managedFields
 * and with FO_WH_JSON_REVIEW_NO_STATUS also request.object.status.
 * Acceptance and results otherwise as fo_json_read (= json_loadb(JSON_DECODE_ANY |
 * JSON_ALLOW_NUL)). Pure; thread-safe. */

#include <jansson.h>
#include <stddef.h>

#include "common/json_read.h"
#include "common/rc.h"

#define FO_WH_JSON_MAX_DEPTH FO_JSON_READ_MAX_DEPTH

typedef enum fo_wh_json_mode {
    FO_WH_JSON_ALL,              /* build everything (what json_loadb builds) */
    FO_WH_JSON_REVIEW,           /* leave out the members listed above */
    FO_WH_JSON_REVIEW_NO_STATUS, /* and request.object.status (for /mutate) */
} fo_wh_json_mode;

typedef enum fo_wh_json_skip {
    FO_WH_SKIP_OLD_OBJECT, /* the members of oldObject left out (the last one's type) */
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
