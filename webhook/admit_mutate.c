#include "webhook/admit_mutate.h"

#include <stdio.h>
#include <string.h>

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
     * Normalising reads and writes kind, metadata and spec only (common/normalize.h), so the
     * status (half of a running deployment's object) is neither copied nor compared: `before`
     * borrows every other member, `after` is a copy of `before` that shares its pod templates
     * (normalising only reads them; replacing a role's template does not change `before`). */
    json_t *before = json_object(), *after = NULL, *patch = NULL;
    const char *key;
    size_t key_len;
    json_t *member;
    bool ok = before != NULL;
    json_object_keylen_foreach((json_t *)req->object, key, key_len, member)
    {
        if (ok && !(key_len == 6 && memcmp(key, "status", 6) == 0))
            ok = json_object_setn_nocheck(before, key, key_len, member) == 0;
    }
    if (ok)
        after = fo_normalize_copy(before);
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
    json_decref(before);
    json_decref(after);
}
