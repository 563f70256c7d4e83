/* Flink's Kubernetes pod options (common/flink_conf_pods.c) on arbitrary text: the first byte
 * picks the reader (tolerations, env from Secrets, Secret mounts) and the Flink version
 * (1.18: flink-conf.yaml, the legacy syntax; 1.20: config.yaml, YAML first), the rest is the
 * value. Properties: every refusal has a message; what is read has the shape the pod builder
 * relies on (a toleration the API server takes, an env var with a Secret's name and key, a
 * Secret with a name and a path); and a map of Secrets written back the way Flink writes a map
 * (ConfigurationUtils.convertToString: escapeWithSingleQuote on key and value for ':', then on
 * the item for ',') reads back to the same map in the legacy syntax, and fo_flink_conf_map_write
 * (how flinkop writes the JobManager's annotations) reads back to it with either syntax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/strbuf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* StructuredOptionsSplitter.escapeWithSingleQuote(s, c). */
static void escape(fo_strbuf *out, const char *s, char c)
{
    if (!strchr(s, c) && !strchr(s, '\'') && !strchr(s, '"')) {
        fo_strbuf_puts(out, s);
        return;
    }
    fo_strbuf_putc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            fo_strbuf_putc(out, '\'');
        fo_strbuf_putc(out, *s);
    }
    fo_strbuf_putc(out, '\'');
}

/* Trimming drops what an unquoted part starts or ends with up to ' ', and an empty unquoted
 * key is no part: such maps do not survive Flink's own writing either. */
static bool writable(const char *s)
{
    size_t n = strlen(s);
    return n && (unsigned char)s[0] > ' ' && (unsigned char)s[n - 1] > ' ';
}

static void secrets_round_trip(const json_t *map)
{
    fo_strbuf text, item, part;
    fo_strbuf_init(&text, 0);
    fo_strbuf_init(&item, 0);
    fo_strbuf_init(&part, 0);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v)
    {
        if (!writable(k) || !writable(json_string_value(v)))
            goto out;
        fo_strbuf_reset(&item);
        escape(&item, k, ':');
        fo_strbuf_putc(&item, ':');
        escape(&item, json_string_value(v), ':');
        fo_strbuf_reset(&part);
        escape(&part, item.data, ',');
        if (text.len)
            fo_strbuf_putc(&text, ',');
        fo_strbuf_puts(&text, part.data);
    }
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_flink_conf_secret_mounts(text.data, FO_FLINK_V1_18, &back, &err);
    FUZZ_CHECK(rc == FO_OK, "\"%s\", as Flink writes it, does not read back: %s", text.data,
               err.message);
    FUZZ_CHECK(fo_json_equal(back, map), "\"%s\" reads back to another map", text.data);
    json_decref(back);
out:
    fo_strbuf_release(&text);
    fo_strbuf_release(&item);
    fo_strbuf_release(&part);
}

static void write_round_trip(const json_t *map)
{
    static const fo_flink_version versions[] = {FO_FLINK_V1_18, FO_FLINK_V1_20};
    for (size_t i = 0; i < 2; i++) {
        char *text = fo_flink_conf_map_write(map, versions[i]);
        FUZZ_CHECK(text != NULL, "write failed");
        json_t *back = NULL;
        fo_err err;
        fo_err_clear(&err);
        fo_rc rc = fo_flink_conf_map(text, versions[i], &back, &err);
        FUZZ_CHECK(rc == FO_OK, "\"%s\" (written) does not read back: %s", text, err.message);
        FUZZ_CHECK(fo_json_equal(back, map), "\"%s\" (written) reads back to another map", text);
        json_decref(back);
        free(text);
    }
}

static void check_toleration(const json_t *t)
{
    FUZZ_CHECK(json_is_object(t) && json_object_size(t) > 0, "an empty toleration");
    const char *op = fo_json_str(t, "operator"), *effect = fo_json_str(t, "effect");
    const char *key = fo_json_str(t, "key");
    FUZZ_CHECK(!op || !*op || !strcmp(op, "Equal") || !strcmp(op, "Exists"), "operator %s", op);
    FUZZ_CHECK(!json_object_get(t, "tolerationSeconds") || (effect && !strcmp(effect, "NoExecute")),
               "tolerationSeconds without NoExecute");
    FUZZ_CHECK((key && *key) || (op && !strcmp(op, "Exists")), "no key without Exists");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    fo_flink_version v = data[0] & 1 ? FO_FLINK_V1_20 : FO_FLINK_V1_18;
    int reader = (data[0] >> 1) % 3;
    char *text = fuzz_cstr(data + 1, size - 1);
    json_t *out = NULL;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = reader == 0   ? fo_flink_conf_tolerations(text, v, &out, &err)
               : reader == 1 ? fo_flink_conf_secret_env(text, v, &out, &err)
                             : fo_flink_conf_secret_mounts(text, v, &out, &err);
    if (rc != FO_OK) {
        FUZZ_CHECK(out == NULL && err.rc != FO_OK && err.message[0], "a refusal without a message");
        free(text);
        return 0;
    }
    size_t i;
    json_t *x;
    const char *k;
    switch (reader) {
    case 0:
        json_array_foreach(out, i, x) check_toleration(x);
        break;
    case 1:
        json_array_foreach(out, i, x)
        {
            FUZZ_CHECK(*fo_json_str(x, "name") &&
                           *fo_json_get_str(x, "valueFrom.secretKeyRef.name") &&
                           *fo_json_get_str(x, "valueFrom.secretKeyRef.key"),
                       "an env var without a name, a Secret or a key");
        }
        break;
    default:
        json_object_foreach(out, k, x)
        {
            FUZZ_CHECK(*k && json_is_string(x) && *json_string_value(x),
                       "a Secret without a name or a path");
        }
        secrets_round_trip(out);
        write_round_trip(out);
    }
    json_decref(out);
    free(text);
    return 0;
}
