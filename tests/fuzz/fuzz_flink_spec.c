/* fo_flink_spec_parse on arbitrary text (status.reconciliationStatus.lastReconciledSpec is
 * written by whoever can patch status), as both kinds. Properties: a refusal has a message;
 * what parses is canonical (canonicalising it again changes nothing) and survives
 * fo_flink_spec_write -> fo_flink_spec_parse unchanged. */
#include <stdint.h>
#include <stdlib.h>

#include "common/flink_model.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *text, fo_flink_kind kind)
{
    json_t *spec = NULL;
    fo_flink_spec_meta meta;
    fo_err err;
    fo_err_clear(&err);
    if (fo_flink_spec_parse(text, kind, &spec, &meta, &err) != FO_OK) {
        FUZZ_CHECK(!spec && err.message[0], "a refusal without a message");
        return;
    }
    json_t *again = fo_flink_spec_canonical(spec, kind);
    fuzz_check_equal(spec, again, "a parsed spec is not canonical");
    char *written = fo_flink_spec_write(spec, meta.api_version[0] ? meta.api_version : NULL,
                                        meta.first_deployment);
    FUZZ_CHECK(written != NULL, "write failed");
    json_t *back = NULL;
    fo_flink_spec_meta meta2;
    fo_err_clear(&err);
    FUZZ_CHECK(fo_flink_spec_parse(written, kind, &back, &meta2, &err) == FO_OK,
               "written spec does not parse: %s", err.message);
    fuzz_check_equal(spec, back, "write -> parse changed the spec");
    FUZZ_CHECK(meta2.first_deployment == meta.first_deployment, "firstDeployment changed");
    json_decref(back);
    free(written);
    json_decref(again);
    json_decref(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *text = fuzz_cstr(data, size);
    one(text, FO_FLINK_DEPLOYMENT);
    one(text, FO_FLINK_SESSION_JOB);
    free(text);
    return 0;
}
