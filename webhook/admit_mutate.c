#include "webhook/admit_mutate.h"

#include <stdio.h>

#include "common/json_patch.h"
#include "common/normalize.h"
#include "common/validate.h"

void fo_admit_mutate(const fo_admission_request *req, const fo_cluster_defaults *cd,
                     fo_admission_response *resp)
{
    if (!fo_admission_is_flink_write(req) || fo_validate_is_canary(req->object))
        return;
    /* Never change what was lent: the request document stays as the API server sent it. */
    json_t *after = json_deep_copy(req->object);
    if (!after) {
        fo_admission_response_warn(resp, "defaults not applied: out of memory");
        return;
    }
    fo_err err;
    fo_err_clear(&err);
    if (fo_normalize_resource(after, cd, &err) != FO_OK) {
        char msg[FO_ADMISSION_MAX_WARNING_BYTES];
        snprintf(msg, sizeof msg, "defaults not applied: %s", err.message);
        fo_admission_response_warn(resp, msg);
        json_decref(after);
        return;
    }
    json_t *patch = fo_json_patch_diff(req->object, after);
    json_decref(after);
    if (patch && json_array_size(patch) == 0) {
        json_decref(patch);
        patch = NULL;
    }
    json_decref(resp->patch);
    resp->patch = patch;
}
