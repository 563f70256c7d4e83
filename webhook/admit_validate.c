#include "webhook/admit_validate.h"

#include <stdio.h>
#include <string.h>

#include "common/field_errors.h"
#include "webhook/review_json.h"

/* An update of an object being deleted that leaves its spec as it was: the finalizers coming
 * off (the controller's when its cleanup is done, a user's by hand when it is stuck). The API
 * server bumps metadata.generation on every change outside metadata and status before
 * validating webhooks are called, and keeps deletionTimestamp from the stored object, so both
 * can be trusted here. Judging the old spec again, against rules or a cluster that changed
 * since it was admitted (a session job's jar host that stopped resolving), could keep the
 * object in Terminating for good. */
static bool finalizing(const fo_admission_request *req)
{
    if (req->op != FO_ADMISSION_UPDATE || !json_is_integer(req->old_generation))
        return false;
    const json_t *meta = json_object_get(req->object, "metadata");
    const json_t *deleting = json_object_get(meta, "deletionTimestamp");
    const json_t *generation = json_object_get(meta, "generation");
    return deleting && !json_is_null(deleting) && json_is_integer(generation) &&
           json_integer_value(generation) == json_integer_value(req->old_generation);
}

void fo_admit_validate(const fo_admission_request *req, const fo_validate_env *env,
                       fo_admission_response *resp)
{
    if (!fo_admission_is_flink_write(req) || fo_validate_is_canary(req->object) || finalizing(req))
        return; /* allowed, nothing to say */
    fo_field_errors *errs = fo_field_errors_new();
    if (!errs) {
        resp->allowed = false;
        resp->code = 500;
        snprintf(resp->reason, sizeof resp->reason, "InternalError");
        resp->message = NULL;
        return;
    }
    if (req->too_large)
        fo_field_errors_add(errs, FO_FE_INVALID, "spec", NULL,
                            "too large for flinkop: the object holds more than %u JSON values "
                            "(an object counts 3, each of its keys 1 more), flinkop's bound on "
                            "one resource",
                            FO_WH_JSON_MAX_WEIGHT);
    else {
        /* what the reader saw of NUL in keys spares the rules a walk */
        fo_validate_env with = env ? *env : (fo_validate_env){0};
        with.keys_read_without_nul = req->keys_without_nul;
        if (strcmp(req->kind, "FlinkDeployment") == 0)
            fo_validate_deployment(req->object, &with, errs);
        else
            fo_validate_session_job(req->object, &with, errs);
    }
    if (fo_field_errors_count(errs) > 0)
        fo_admission_response_deny(resp, req, errs);
    fo_admission_response_add_warnings(resp, errs);
    fo_field_errors_free(errs);
}
