/* fo_flink_conf_flatten on arbitrary YAML/JSON. Properties on every configuration that
 * flattens:
 *  - the result is a flat string map and flattening it again changes nothing;
 *  - the config.yaml rendering (Flink 1.19+) read back as YAML gives every key with its text
 *    (plain integers come back as integers with the same digits);
 *  - flink-conf.yaml rendering either works or names the key it cannot carry. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/flink_conf.h"
#include "common/yamlconv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config_yaml(const json_t *flat)
{
    fo_err err;
    fo_err_clear(&err);
    char *text = fo_flink_conf_render(flat, FO_FLINK_V1_20, &err);
    if (!text) {
        FUZZ_CHECK(err.rc == FO_ELIMIT, "config.yaml refused: %s", err.message);
        return;
    }
    fo_err_clear(&err);
    json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
    FUZZ_CHECK(back != NULL, "config.yaml does not parse: %s\n%s", err.message, text);
    if (json_object_size(flat) == 0) {
        FUZZ_CHECK(json_is_null(back), "an empty configuration rendered something");
    } else {
        FUZZ_CHECK(json_object_size(back) == json_object_size(flat), "key count changed:\n%s",
                   text);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)flat, k, v)
        {
            json_t *b = json_object_get(back, k);
            FUZZ_CHECK(b != NULL, "key \"%s\" lost:\n%s", k, text);
            const char *want = json_string_value(v);
            if (json_is_integer(b)) {
                char num[32];
                snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(b));
                FUZZ_CHECK(strcmp(num, want) == 0, "%s: \"%s\" came back as %s", k, want, num);
            } else if (json_is_boolean(b)) {
                /* "true"/"false" stay plain: Flink prints its booleans back as that text */
                FUZZ_CHECK(strcmp(want, json_is_true(b) ? "true" : "false") == 0,
                           "%s: \"%s\" came back as a boolean", k, want);
            } else {
                FUZZ_CHECK(json_is_string(b) && strcmp(json_string_value(b), want) == 0 &&
                               json_string_length(b) == json_string_length(v),
                           "%s: \"%s\" did not come back:\n%s", k, want, text);
            }
        }
    }
    json_decref(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    json_t *conf = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!conf)
        conf = fo_yaml_parse((const char *)data, size, FUZZ_MAX_INPUT, NULL);
    if (!conf)
        return 0;
    fo_err err;
    fo_err_clear(&err);
    json_t *flat = fo_flink_conf_flatten(conf, &err);
    if (!flat) {
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "a refusal without a message");
        json_decref(conf);
        return 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(flat, k, v) FUZZ_CHECK(json_is_string(v), "%s is not a string", k);
    json_t *again = fo_flink_conf_flatten(flat, &err);
    fuzz_check_equal(flat, again, "flattening a flat configuration changed it");
    json_decref(again);

    check_config_yaml(flat);
    fo_err_clear(&err);
    char *old = fo_flink_conf_render(flat, FO_FLINK_V1_18, &err);
    FUZZ_CHECK(old || (err.rc != FO_OK && err.message[0]), "flink-conf.yaml: no message");
    free(old);

    json_t *scoped = fo_flink_conf_defaults_for(flat, "ns", FO_FLINK_V1_20);
    json_decref(scoped);
    json_decref(flat);
    json_decref(conf);
    return 0;
}
