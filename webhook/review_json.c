#include "webhook/review_json.h"

#include <stdbool.h>
#include <string.h>

#include "common/flink_model.h"

/* Where the reader is in the review: members of these objects may be skipped. Everything
 * under any other member is S_NONE (built, no more matching). */
enum {
    S_NONE = 0,
    S_ROOT,
    S_REQUEST,
    S_OBJECT,
    S_METADATA,
    S_OLD_OBJECT,
    S_OLD_METADATA,
    S_OLD_SPEC,
    S_OLD_ROLE,
    S_OLD_ANNOTATIONS,
    S_IDENTITY, /* the object's metadata, past the weight bound */
    S_IDENTITY_LABELS,
    S_STATUS,
    S_RECONCILIATION,
};

/* What *skip is set to: any index leaves the member out (no types are recorded). */
#define SKIP 0

static int member_state(void *ctx, int st, const char *key, size_t n, int *skip)
{
    fo_wh_json_mode mode = *(const fo_wh_json_mode *)ctx;
    /* /mutate reads no status, and of oldObject the role templates and spec.podTemplate (the
     * layers they were written over) (common/own_templates.h, common/normalize.c) */
    bool for_mutate =
        mode == FO_WH_JSON_REVIEW_NO_STATUS || mode == FO_WH_JSON_REVIEW_NO_STATUS_NO_OLD;
    bool old_roles = mode == FO_WH_JSON_REVIEW_NO_STATUS;
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    switch (st) {
    case S_ROOT:
        return IS("request") ? S_REQUEST : S_NONE;
    case S_REQUEST:
        if (IS("object"))
            return S_OBJECT;
        if (IS("oldObject"))
            return S_OLD_OBJECT;
        if (IS("userInfo") || IS("options"))
            *skip = SKIP;
        return S_NONE;
    case S_OBJECT:
        if (mode == FO_WH_JSON_REVIEW_IDENTITY) {
            if (key && IS("metadata"))
                return S_IDENTITY;
            if (key)
                *skip = SKIP;
            return S_NONE;
        }
        if (IS("status")) {
            if (for_mutate)
                *skip = SKIP;
            return key ? S_STATUS : S_NONE;
        }
        return IS("metadata") ? S_METADATA : S_NONE;
    case S_STATUS: /* validation compares with the last reconciled spec, nothing else */
        if (key && !IS("reconciliationStatus"))
            *skip = SKIP;
        return key ? S_RECONCILIATION : S_NONE;
    case S_RECONCILIATION:
        if (key && !IS("lastReconciledSpec"))
            *skip = SKIP;
        return S_NONE;
    case S_IDENTITY:
        /* of the labels only the canary's: a canary is let through untouched, whatever its
         * size (webhook/admit_validate.c, admit_mutate.c) */
        if (key && IS("labels"))
            return S_IDENTITY_LABELS;
        if (key && !IS("name") && !IS("namespace") && !IS("generation") &&
            !IS("deletionTimestamp"))
            *skip = SKIP;
        return S_NONE;
    case S_IDENTITY_LABELS:
        if (key && !IS(FO_FLINK_CANARY_LABEL))
            *skip = SKIP;
        return S_NONE;
    case S_METADATA:
        if (IS("managedFields"))
            *skip = SKIP;
        return S_NONE;
    case S_OLD_OBJECT: /* only metadata.generation is kept, and for /mutate the templates */
        if (!key || IS("metadata"))
            return key ? S_OLD_METADATA : S_NONE; /* not an object: refused by the caller */
        if (IS("spec") && old_roles)
            return S_OLD_SPEC;
        *skip = SKIP;
        return S_NONE;
    case S_OLD_METADATA:
        if (key && IS("annotations") && old_roles)
            return S_OLD_ANNOTATIONS;
        if (key && !IS("generation"))
            *skip = SKIP;
        return S_NONE;
    case S_OLD_ANNOTATIONS: /* kubectl's last applied manifest (common/own_templates.h) */
        if (key && !IS("kubectl.kubernetes.io/last-applied-configuration"))
            *skip = SKIP;
        return S_NONE;
    case S_OLD_SPEC:
        if (key && (IS("jobManager") || IS("taskManager")))
            return S_OLD_ROLE;
        if (key && !IS("podTemplate"))
            *skip = SKIP;
        return S_NONE;
    case S_OLD_ROLE:
        if (key && !IS("podTemplate"))
            *skip = SKIP;
        return S_NONE;
    }
#undef IS
    return S_NONE;
}

json_t *fo_wh_json_parse(const char *buf, size_t len, fo_wh_json_mode mode, bool *nul_key_built,
                         fo_err *err)
{
    if (mode == FO_WH_JSON_ALL) {
        fo_json_read_filter all = {.nul_key_built = nul_key_built};
        return fo_json_read(buf, len, &all, err);
    }
    /* a number the API server wrote from a float64 is the field's check's to report */
    fo_json_read_filter f = {.root_state = S_ROOT,
                             .member = member_state,
                             .ctx = &mode,
                             .big_integers_as_reals = true,
                             .max_weight = FO_WH_JSON_MAX_WEIGHT,
                             .nul_key_built = nul_key_built};
    return fo_json_read(buf, len, &f, err);
}
