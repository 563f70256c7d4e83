/* fo_json_patch_apply on a document and a patch taken from one input: the first JSON value is
 * the document, the rest of the input the patch. Properties on every patch that applies:
 *  - the input document is not changed;
 *  - fo_json_patch_diff(doc, result) applied to doc gives result again. */
#include <stdint.h>
#include <stdlib.h>

#include "common/json_patch.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    json_t *doc, *patch;
    if (!fuzz_two_values(data, size, &doc, &patch))
        return 0;
    json_t *before = json_deep_copy(doc);
    fo_err err;
    fo_err_clear(&err);
    json_t *out = fo_json_patch_apply(doc, patch, &err);
    fuzz_check_equal(before, doc, "apply changed its input document");
    if (!out) {
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "a failure without a message");
    } else {
        json_t *diff = fo_json_patch_diff(doc, out);
        fo_err_clear(&err);
        json_t *again = fo_json_patch_apply(doc, diff, &err);
        FUZZ_CHECK(again != NULL, "the diff does not apply: %s", err.message);
        FUZZ_CHECK(fo_json_equal(again, out), "diff + apply did not give the result back");
        json_decref(again);
        json_decref(diff);
    }
    json_decref(out);
    json_decref(before);
    json_decref(patch);
    json_decref(doc);
    return 0;
}
