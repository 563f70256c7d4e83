/* Label selectors. The first byte picks the entry point:
 *  even: fo_label_selector_parse on the rest as text; a selector that parses is matched
 *        against a few label sets (must not crash);
 *  odd:  the rest as JSON: fo_label_selector_from_json on it, and when it is a map of labels,
 *        fo_labels_to_selector(map) must parse and select that very map. */
#include <stdint.h>
#include <stdlib.h>

#include "common/labels.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const label_sets[] = {
    "{}",
    "{\"app\":\"flink\",\"component\":\"jobmanager\"}",
    "{\"a\":\"1\",\"b\":\"\",\"example.com/x\":\"y\",\"n\":\"-3\"}",
};

static void match_all(const fo_label_selector *sel)
{
    for (size_t i = 0; i < sizeof label_sets / sizeof *label_sets; i++) {
        json_t *l = json_loads(label_sets[i], 0, NULL);
        (void)fo_label_selector_matches(sel, l);
        json_decref(l);
    }
    (void)fo_label_selector_matches(sel, NULL);
}

static void from_text(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    fo_err err;
    fo_err_clear(&err);
    fo_label_selector *sel = fo_label_selector_parse(text, &err);
    if (sel)
        match_all(sel);
    else
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "a refusal without a message");
    fo_label_selector_free(sel);
    free(text);
}

static void from_json(const uint8_t *data, size_t size)
{
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!v)
        return;
    fo_err err;
    fo_err_clear(&err);
    fo_label_selector *sel = fo_label_selector_from_json(v, &err);
    if (sel)
        match_all(sel);
    fo_label_selector_free(sel);

    /* A valid label map renders to a selector that selects it. */
    bool valid = json_is_object(v);
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val)
    {
        valid = valid && fo_label_key_valid(k) && json_is_string(val) &&
                strlen(json_string_value(val)) == json_string_length(val) &&
                fo_label_value_valid(json_string_value(val));
    }
    if (valid) {
        char *text = fo_labels_to_selector(v);
        FUZZ_CHECK(text != NULL, "render failed");
        fo_err_clear(&err);
        fo_label_selector *back = fo_label_selector_parse(text, &err);
        FUZZ_CHECK(back != NULL, "rendered selector \"%s\" does not parse: %s", text, err.message);
        FUZZ_CHECK(fo_label_selector_matches(back, v), "\"%s\" does not select its labels", text);
        fo_label_selector_free(back);
        free(text);
    }
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_MAX_INPUT)
        return 0;
    if (data[0] & 1)
        from_json(data + 1, size - 1);
    else
        from_text(data + 1, size - 1);
    return 0;
}
