/* fo_json_merge_patch_apply (RFC 7386) on a document and a patch from one input (the first
 * JSON value is the document, the rest the patch). Properties:
 *  - inputs are not changed;
 *  - a merge patch is idempotent: applying it twice equals applying it once;
 *  - fo_json_merge_patch_diff(doc, result) applied to doc gives result when the result holds
 *    no null member (a merge patch cannot set null). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/json_patch.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_null_member(const json_t *v)
{
    const char *k;
    json_t *c;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, c)
        {
            if (json_is_null(c) || has_null_member(c))
                return true;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c)
        {
            if (has_null_member(c))
                return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    json_t *doc, *patch;
    if (!fuzz_two_values(data, size, &doc, &patch))
        return 0;
    json_t *doc0 = json_deep_copy(doc), *patch0 = json_deep_copy(patch);
    json_t *once = fo_json_merge_patch_apply(doc, patch);
    FUZZ_CHECK(once != NULL, "merge patch gave NULL");
    json_t *twice = fo_json_merge_patch_apply(once, patch);
    fuzz_check_equal(once, twice, "merge patch is not idempotent");
    fuzz_check_equal(doc0, doc, "apply changed the document");
    fuzz_check_equal(patch0, patch, "apply changed the patch");
    if (!has_null_member(once)) {
        json_t *diff = fo_json_merge_patch_diff(doc, once);
        json_t *again = fo_json_merge_patch_apply(doc, diff);
        FUZZ_CHECK(fo_json_equal(once, again), "merge diff + apply did not give the result back");
        json_decref(again);
        json_decref(diff);
    }
    json_decref(twice);
    json_decref(once);
    json_decref(patch0);
    json_decref(doc0);
    json_decref(patch);
    json_decref(doc);
    return 0;
}
