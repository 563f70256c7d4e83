/* fo_flink_conf_read (common/flink_conf.h) on arbitrary text as the configuration file of a
 * cluster the operator takes over (its ConfigMap, which another client wrote). The first input
 * byte picks the file (odd: flink-conf.yaml, even: config.yaml); the rest is its text, up to
 * the first NUL byte (a ConfigMap value is a C string here). Properties:
 *  - a flink-conf.yaml reads as Flink's GlobalConfiguration reads it, modelled here from its
 *    Java: BufferedReader.readLine lines (ended by "\n", "\r" or "\r\n"), everything from the
 *    first '#' dropped, String.trim (every character up to ' '), split at the first ": ", both
 *    sides trimmed, a line with an empty side or without ": " skipped, a later line winning;
 *    the reader may only refuse a file that holds a key longer than FO_FLINK_CONF_MAX_KEY_LEN,
 *    more than FO_FLINK_CONF_MAX_KEYS keys, or text that is not UTF-8;
 *  - a config.yaml reads to a flat object of strings or is refused with a message naming the
 *    file;
 *  - whatever was read renders back (fo_flink_conf_render) to a file that reads as the same
 *    configuration: as config.yaml always, as flink-conf.yaml unless the renderer refuses a
 *    key or value that file cannot carry, leaves out an empty value (Flink's parser skips the
 *    line), or is given a key or value with blanks around it (the renderer writes them; the
 *    parser trims them: not compared). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void trim(const char **s, const char **e)
{
    while (*s < *e && (unsigned char)**s <= ' ')
        (*s)++;
    while (*e > *s && (unsigned char)(*e)[-1] <= ' ')
        (*e)--;
}

/* GlobalConfiguration.loadYAMLResource's reading of text, or NULL with *rc what the reader
 * must answer instead. */
static json_t *java_read(const char *text, fo_rc *rc)
{
    json_t *flat = json_object();
    *rc = FO_OK;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\r\n");
        const char *s = p, *e = p + n;
        p += n;
        if (*p == '\r' && p[1] == '\n')
            p += 2;
        else if (*p)
            p++;
        const char *hash = memchr(s, '#', (size_t)(e - s));
        if (hash)
            e = hash;
        trim(&s, &e);
        const char *sep = NULL;
        for (const char *q = s; q + 1 < e && !sep; q++)
            if (q[0] == ':' && q[1] == ' ')
                sep = q;
        if (!sep)
            continue;
        const char *ks = s, *ke = sep, *vs = sep + 2, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        if (ks == ke || vs == ve)
            continue;
        if ((size_t)(ke - ks) > FO_FLINK_CONF_MAX_KEY_LEN) {
            *rc = FO_ELIMIT;
            break;
        }
        char *key = strndup(ks, (size_t)(ke - ks));
        json_t *value = json_stringn(vs, (size_t)(ve - vs));
        bool fresh = !json_object_get(flat, key);
        if (fresh && json_object_size(flat) >= FO_FLINK_CONF_MAX_KEYS) {
            *rc = FO_ELIMIT;
        } else if (!value || json_object_set_new(flat, key, value) != 0) {
            *rc = FO_EINVAL;
            value = NULL;
        } else {
            value = NULL;
        }
        json_decref(value);
        free(key);
        if (*rc != FO_OK)
            break;
    }
    if (*rc != FO_OK) {
        json_decref(flat);
        return NULL;
    }
    return flat;
}

static void check_round_trip(const json_t *flat, fo_flink_version v)
{
    fo_err err;
    fo_err_clear(&err);
    char *text = fo_flink_conf_render(flat, v, &err);
    const char *file = fo_flink_conf_file_name(v);
    if (!text) {
        FUZZ_CHECK(err.rc == FO_ELIMIT ||
                       (err.rc == FO_EINVAL && strcmp(file, "flink-conf.yaml") == 0),
                   "%s: rendering refused (%s)", file, err.message);
        return;
    }
    json_t *back = NULL, *want = json_deep_copy(flat);
    fo_err_clear(&err);
    fo_rc rc = fo_flink_conf_read(file, text, &back, &err);
    FUZZ_CHECK(rc == FO_OK, "%s as rendered does not read back (%s):\n%s", file, err.message, text);
    bool comparable = true;
    if (strcmp(file, "flink-conf.yaml") == 0) {
        /* The line parser trims keys and values and skips empty ones: the renderer leaves an
         * empty value out, and writes one with blanks around it as it is (Flink reads it
         * trimmed), so such configurations are not compared. */
        const char *k;
        json_t *m;
        void *tmp;
        json_object_foreach_safe(want, tmp, k, m)
        {
            const char *val = json_string_value(m);
            size_t kn = strlen(k), vn = strlen(val);
            if (!*val)
                json_object_del(want, k);
            else if (!kn || (unsigned char)k[0] <= ' ' || (unsigned char)k[kn - 1] <= ' ' ||
                     (unsigned char)val[0] <= ' ' || (unsigned char)val[vn - 1] <= ' ')
                comparable = false;
        }
    }
    if (comparable)
        fuzz_check_equal(want, back, file);
    json_decref(want);
    json_decref(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_MAX_INPUT)
        return 0;
    bool legacy = data[0] & 1;
    const char *file = legacy ? "flink-conf.yaml" : "config.yaml";
    char *text = fuzz_cstr(data + 1, size - 1);
    json_t *flat = NULL;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_flink_conf_read(file, text, &flat, &err);
    if (rc != FO_OK) {
        FUZZ_CHECK(!flat && err.rc == rc && strncmp(err.message, file, strlen(file)) == 0,
                   "a refusal that does not name %s: %s", file, err.message);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(flat, k, v)
        {
            FUZZ_CHECK(json_is_string(v), "%s is not a string", k);
        }
    }
    if (legacy) {
        fo_rc want_rc;
        json_t *want = java_read(text, &want_rc);
        FUZZ_CHECK(rc == want_rc, "the reader answers %d (%s), Flink's reading %d", (int)rc,
                   err.message, (int)want_rc);
        if (want)
            fuzz_check_equal(want, flat, "flink-conf.yaml read otherwise than Flink reads it");
        json_decref(want);
    }
    if (flat) {
        check_round_trip(flat, FO_FLINK_V1_20);
        check_round_trip(flat, FO_FLINK_V1_18);
    }
    json_decref(flat);
    free(text);
    return 0;
}
