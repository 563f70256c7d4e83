#include "webhook/admit_validate.h"

#include <stdio.h>
#include <string.h>

#include "common/field_errors.h"

void fo_admit_validate(const fo_admission_request *req, const fo_validate_env *env,
                       fo_admission_response *resp)
{
    if (!fo_admission_is_flink_write(req) || fo_validate_is_canary(req->object))
        return; /* allowed, nothing to say */
    fo_field_errors *errs = fo_field_errors_new();
    if (!errs) {
        resp->allowed = false;
        resp->code = 500;
        snprintf(resp->reason, sizeof resp->reason, "InternalError");
        resp->message = NULL;
        return;
    }
    if (strcmp(req->kind, "FlinkDeployment") == 0)
        fo_validate_deployment(req->object, env, errs);
    else
        fo_validate_session_job(req->object, env, errs);
    if (fo_field_errors_count(errs) > 0)
        fo_admission_response_deny(resp, req, errs);
    fo_admission_response_add_warnings(resp, errs);
    fo_field_errors_free(errs);
}
