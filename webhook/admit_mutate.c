#include "webhook/admit_mutate.h"

#include <stdio.h>

#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/validate.h"

void fo_admit_mutate(const fo_admission_request *req, const fo_cluster_defaults *cd,
                     fo_admission_response *resp)
{
    if (!fo_admission_is_flink_write(req) || fo_validate_is_canary(req->object))
        return;
    /* Never change what was lent: the request document stays as the API server sent it.
     * `after` is a copy of it that shares every value normalising only reads
     * (fo_normalize_copy): the status (half of a running deployment's object, when the decoder
     * kept it), the pod templates, the metadata below its labels, ... are neither copied nor
     * walked by the diff, which stops at a shared value. */
    const json_t *before = req->object;
    json_t *after = fo_normalize_copy(before), *patch = NULL;
    if (!after) {
        fo_admission_response_warn(resp, "defaults not applied: out of memory");
        goto out;
    }
    fo_err err;
    fo_err_clear(&err);
    if (fo_normalize_resource(after, cd, &err) != FO_OK) {
        char msg[FO_ADMISSION_MAX_WARNING_BYTES];
        snprintf(msg, sizeof msg, "defaults not applied: %s", err.message);
        fo_admission_response_warn(resp, msg);
        goto out;
    }
    patch = fo_json_patch_diff(before, after);
    if (patch && json_array_size(patch) == 0) {
        json_decref(patch);
        patch = NULL;
    }
    json_decref(resp->patch);
    resp->patch = patch;
out:
    json_decref(after);
}
