#include "webhook/admit_mutate.h"

#include <stdio.h>

#include "common/flink_model.h"
#include "common/json_patch.h"
#include "common/json_write.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/validate.h"

/* One operation of the patch, written straight into its JSON text: the bytes json_dumps gave
 * for the array of operation objects fo_json_patch_diff built, without building them. */
static fo_rc write_op(void *ctx, const char *op, const char *path, size_t path_len,
                      const json_t *value)
{
    fo_strbuf *sb = ctx;
    fo_rc rc = sb->len ? fo_strbuf_append(sb, ",{\"op\":\"", 8)
                       : fo_strbuf_append(sb, "[{\"op\":\"", 8);
    if (rc == FO_OK)
        rc = fo_strbuf_puts(sb, op);
    if (rc == FO_OK)
        rc = fo_strbuf_append(sb, "\",\"path\":", 9);
    if (rc == FO_OK)
        rc = fo_json_write_str(sb, path, path_len);
    if (rc == FO_OK && value) {
        rc = fo_strbuf_append(sb, ",\"value\":", 9);
        if (rc == FO_OK)
            rc = fo_json_write(sb, value);
    }
    return rc == FO_OK ? fo_strbuf_putc(sb, '}') : rc;
}

/* The most a mutated object may build without its status, which /mutate does not read but
 * the bound counts (the validating webhook, the controller's cache): the operator's status is
 * a few hundred values at most (its specs are strings). */
#define STATUS_ALLOWANCE 2000u
#define MUTATED_MAX_WEIGHT (FO_FLINK_MAX_OBJECT_WEIGHT - STATUS_ALLOWANCE)

/* An object being deleted: its updates take finalizers off. Defaults or templates written
 * into it now (the cluster defaults may have changed since it was stored) would change its
 * spec, the API server would bump its generation, and the validating webhook would judge the
 * whole spec again instead of letting the finalizers go (admit_validate.c): the deletion could
 * hang on a rule. Nothing is gained either: the object is going away. */
static bool being_deleted(const json_t *obj)
{
    const json_t *deleting = json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp");
    return deleting && !json_is_null(deleting);
}

void fo_admit_mutate(const fo_admission_request *req, const fo_cluster_defaults *cd,
                     fo_admission_response *resp)
{
    if (!fo_admission_is_flink_write(req) || fo_validate_is_canary(req->object) ||
        being_deleted(req->object))
        return;
    if (req->too_large) { /* only its identity was read; /validate says why it is refused */
        fo_admission_response_warn(resp, "defaults not applied: the object is too large for "
                                         "flinkop");
        return;
    }
    /* Never change what was lent: the request document stays as the API server sent it.
     * `after` is a copy of it that shares every value normalising only reads
     * (fo_normalize_copy): the status (half of a running deployment's object, when the decoder
     * kept it), the pod templates, the metadata below its labels, ... are neither copied nor
     * walked by the diff, which stops at a shared value. */
    const json_t *before = req->object;
    json_t *after = fo_normalize_copy(before);
    fo_strbuf patch;
    fo_strbuf_init(&patch, 0);
    if (!after) {
        fo_admission_response_warn(resp, "defaults not applied: out of memory");
        goto out;
    }
    fo_err err;
    fo_err_clear(&err);
    const json_t *old = req->op == FO_ADMISSION_UPDATE ? req->old_object : NULL;
    if (fo_normalize_admission(after, old, cd, req->keys_without_nul, &err) != FO_OK) {
        char msg[FO_ADMISSION_MAX_WARNING_BYTES];
        snprintf(msg, sizeof msg, "defaults not applied: %s", err.message);
        fo_admission_response_warn(resp, msg);
        goto out;
    }
    fo_rc rc = fo_json_patch_diff_each(before, after, write_op, &patch);
    if (rc == FO_OK && patch.len > 0)
        rc = fo_strbuf_putc(&patch, ']');
    if (rc != FO_OK) {
        fo_admission_response_warn(resp, "defaults not applied: out of memory");
        goto out;
    }
    /* A resource must stay within the bound every reader of it holds to (the validating
     * webhook, the controller's cache: FO_FLINK_MAX_OBJECT_WEIGHT). Layering copies
     * spec.podTemplate into both roles, so a resource within it can come out past it; it is
     * then stored as written, and the controller layers it in memory. (Weighed only when
     * something changed: a stored resource mutated again is within the bound as it is.) */
    if (patch.len > 0 && fo_json_weight(after, MUTATED_MAX_WEIGHT) > MUTATED_MAX_WEIGHT) {
        char msg[FO_ADMISSION_MAX_WARNING_BYTES];
        snprintf(msg, sizeof msg,
                 "defaults not applied: the result would hold more than %u JSON values, "
                 "near flinkop's bound on a resource (%u)",
                 MUTATED_MAX_WEIGHT, FO_FLINK_MAX_OBJECT_WEIGHT);
        fo_admission_response_warn(resp, msg);
        goto out;
    }
    free(resp->patch);
    resp->patch_len = patch.len;
    resp->patch = patch.len > 0 ? fo_strbuf_take(&patch) : NULL; /* no operation: no patch */
out:
    fo_strbuf_release(&patch);
    json_decref(after);
}
