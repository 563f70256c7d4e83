/* flink_conf, reading a cluster's configuration file back into a flat configuration, as the
 * JobManager that mounts it reads it (GlobalConfiguration.loadConfiguration):
 * - flink-conf.yaml (Flink before 2.0 reads it when present): line by line (BufferedReader
 *   .readLine: a line ends at "\n", "\r" or "\r\n"), everything from the first '#' is a
 *   comment, the rest is trimmed and split at the first ": "; a line without ": ", or with an
 *   empty key or value, is skipped (Flink warns and goes on); a later line wins over an earlier
 *   one of the same key.
 * - config.yaml (Flink 1.19+): standard YAML, read with the YAML 1.2 core schema
 *   (snakeyaml-engine's CoreSchema; fo_flink_conf_yaml_scalar: a plain scalar is the text
 *   Flink gives back), nested maps flattened with '.' (Flink 2 writes its file nested:
 *   YamlParserUtils.convertAndDumpYamlFromFlatMap; 1.19 and 1.20 write one flat line per key). */
#include "common/flink_conf.h"

#include <string.h>

#include "common/strbuf.h"
#include "common/yamlconv.h"

/* Trim blanks (Java's String.trim: every character up to ' ') from both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (unsigned char)**s <= ' ')
        (*s)++;
    while (*e > *s && (unsigned char)(*e)[-1] <= ' ')
        (*e)--;
}

static fo_rc read_lines(const char *text, size_t len, json_t *flat, fo_err *err)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        /* A lone '\r' ends a line too (readLine); the empty line between "\r" and "\n" of a
         * "\r\n" is skipped below like any empty line. */
        const char *line_end = p + strcspn(p, "\r\n");
        const char *hash = memchr(p, '#', (size_t)(line_end - p));
        const char *s = p, *e = hash ? hash : line_end;
        p = line_end < end ? line_end + 1 : end;
        trim(&s, &e);
        const char *sep = NULL;
        for (const char *q = s; q + 1 < e; q++)
            if (q[0] == ':' && q[1] == ' ') {
                sep = q;
                break;
            }
        if (!sep)
            continue;
        const char *ks = s, *ke = sep, *vs = sep + 2, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        if (ks == ke || vs == ve)
            continue;
        if ((size_t)(ke - ks) > FO_FLINK_CONF_MAX_KEY_LEN)
            return fo_err_set(err, FO_ELIMIT, "a key longer than %d characters",
                              FO_FLINK_CONF_MAX_KEY_LEN);
        char key[FO_FLINK_CONF_MAX_KEY_LEN + 1];
        memcpy(key, ks, (size_t)(ke - ks));
        key[ke - ks] = '\0';
        /* A key set again replaces its value (the last line wins): only a new key counts. */
        if (!json_object_get(flat, key) && json_object_size(flat) >= FO_FLINK_CONF_MAX_KEYS)
            return fo_err_set(err, FO_ELIMIT, "more than %d keys", FO_FLINK_CONF_MAX_KEYS);
        json_t *value = json_stringn(vs, (size_t)(ve - vs));
        if (!value || json_object_set_new(flat, key, value) != 0)
            return fo_err_set(err, FO_EINVAL, "line of key %s cannot be read (not UTF-8?)", key);
    }
    return FO_OK;
}

/* The file as a flat configuration into *flat, or the reason into e. */
static fo_rc read_file(const char *file_name, const char *text, json_t **flat, fo_err *e)
{
    size_t len = strlen(text);
    if (len > FO_FLINK_CONF_MAX_RENDER)
        return fo_err_set(e, FO_ELIMIT, "larger than %u bytes", FO_FLINK_CONF_MAX_RENDER);
    if (strcmp(file_name, "flink-conf.yaml") == 0) {
        *flat = json_object();
        if (!*flat)
            return fo_err_set(e, FO_ENOMEM, "out of memory");
        return read_lines(text, len, *flat, e);
    }
    if (strcmp(file_name, "config.yaml") != 0)
        return fo_err_set(e, FO_EINVAL, "not a Flink configuration file");
    json_t *doc = fo_yaml_parse_with(text, len, FO_FLINK_CONF_MAX_RENDER,
                                     fo_flink_conf_yaml_scalar, e);
    if (!doc)
        return e->rc;
    *flat = json_is_null(doc) ? json_object() : fo_flink_conf_flatten(doc, e); /* empty: {} */
    json_decref(doc);
    return *flat ? FO_OK : e->rc != FO_OK ? e->rc : FO_ENOMEM;
}

fo_rc fo_flink_conf_read(const char *file_name, const char *text, json_t **flat, fo_err *err)
{
    *flat = NULL;
    if (!file_name || !text)
        return fo_err_set(err, FO_EINVAL, "no configuration file to read");
    fo_err e;
    fo_err_clear(&e);
    fo_rc rc = read_file(file_name, text, flat, &e);
    if (rc == FO_OK)
        return FO_OK;
    json_decref(*flat);
    *flat = NULL;
    return fo_err_set(err, rc, "%s: %s", file_name, e.message);
}
