/* fo_yaml_parse_all on arbitrary bytes, and the emitter's promise on everything that parses:
 * fo_yaml_emit(doc) read back with fo_yaml_parse gives an equal document (same types too). */
#include <stdint.h>
#include <stdlib.h>

#include "common/yamlconv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    fo_err err;
    fo_err_clear(&err);
    json_t *docs = fo_yaml_parse_all((const char *)data, size, FUZZ_MAX_INPUT, &err);
    if (!docs) {
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "an error without a message");
        return 0;
    }
    FUZZ_CHECK(json_is_array(docs), "parse_all gave a non-array");
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        char *text = fo_yaml_emit(doc);
        FUZZ_CHECK(text != NULL, "emit failed");
        fo_err_clear(&err);
        json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
        if (!back) {
            char *d = fuzz_dump(doc);
            FUZZ_CHECK(back != NULL, "emitted YAML does not parse: %s\n--- doc: %s\n--- yaml:\n%s",
                       err.message, d, text);
        }
        fuzz_check_equal(doc, back, "emit -> parse changed the document");
        json_decref(back);
        free(text);
    }
    /* The single-document entry point agrees with the stream when there is one document. */
    fo_err_clear(&err);
    json_t *one = fo_yaml_parse((const char *)data, size, FUZZ_MAX_INPUT, &err);
    if (json_array_size(docs) == 1)
        fuzz_check_equal(json_array_get(docs, 0), one, "parse vs parse_all[0]");
    else if (json_array_size(docs) == 0)
        FUZZ_CHECK(one && json_is_null(one), "no documents but parse did not give null");
    else
        FUZZ_CHECK(!one && err.rc == FO_EINVAL, "two documents accepted by fo_yaml_parse");
    json_decref(one);
    json_decref(docs);
    return 0;
}
