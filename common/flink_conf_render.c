/* flink_conf, rendering the cluster's configuration file: config.yaml (Flink 1.19+, read as
 * standard YAML) or flink-conf.yaml (older Flink, read by GlobalConfiguration's line parser:
 * everything after '#' is a comment, each line is split at the first ": " and trimmed). */
#include "common/flink_conf.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/yamlconv.h"

const char *fo_flink_conf_file_name(fo_flink_version v)
{
    return v >= FO_FLINK_V1_19 && v < FO_FLINK_VERSION_COUNT ? "config.yaml" : "flink-conf.yaml";
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Words a plain scalar turns into booleans or null: Flink 1.19+ reads with the YAML 1.2 core
 * schema (True, TRUE, False, FALSE, null, Null, NULL, ~, and "<<" as a merge key); the YAML 1.1
 * ones (y, yes, on, off, ...) are quoted too, which costs nothing and keeps YAML 1.1 readers
 * (kubectl, go-yaml) reading the same text. "true"/"false" are left out: Flink prints a
 * boolean back as exactly that text, so they survive plain. */
static const char *const special_words[] = {
    "y",   "Y",    "yes",  "Yes",   "YES",   "n",  "N",  "no", "No",
    "NO",  "True", "TRUE", "False", "FALSE", "on", "On", "ON", "off",
    "Off", "OFF",  "null", "Null",  "NULL",  "~",  "=",  "<<", NULL,
};

/* A decimal integer that every YAML reader gives back with the same digits: no leading
 * zeros, not "-0" (that reads as 0), at most 18 digits (readers without big integers turn
 * longer ones into floats). */
static bool is_plain_int(const char *s)
{
    const char *p = *s == '-' ? s + 1 : s;
    if (!*p || (p[0] == '0' && (p[1] || p != s)) || strlen(p) > 18)
        return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* Does Flink read the plain scalar s back as s (fo_flink_conf_yaml_scalar)? The YAML 1.2
 * core schema reads no text with a space as anything but a string ("2 gb", "2024-05-01
 * 12:00:00"); asked all the same, so that the renderer and the reader cannot disagree. */
static bool read_as_written(const char *s, size_t n)
{
    json_t *v = fo_flink_conf_yaml_scalar(s, n, false);
    bool same = json_is_string(v) && json_string_length(v) == n &&
                memcmp(json_string_value(v), s, n) == 0;
    json_decref(v);
    return same;
}

/* True when a plain YAML scalar would not read back as exactly this string. Errs on the side
 * of quoting: a quoted value always reads back as the same string. */
static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return true;
    if (s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':')
        return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]))
        return is_plain_int(s) ? false : true;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c >= 0x80)
            return true; /* controls, and any non-ASCII (YAML 1.1 line breaks NEL, LS, PS) */
        if ((c == ':' && p[1] == ' ') || (c == ' ' && p[1] == '#'))
            return true;
    }
    for (size_t i = 0; special_words[i]; i++)
        if (strcmp(s, special_words[i]) == 0)
            return true;
    /* Anything that starts like a number (ints with leading zeros, 0o17, 0x1F, floats such as
     * 1e5, .inf, and YAML 1.1's 1:30 or 1_000 for other readers) unless it is a plain decimal
     * integer, which Flink prints back unchanged, or has a space (no YAML number does: "2 gb",
     * "5 min" stay plain). */
    const char *q = (s[0] == '+' || s[0] == '-') ? s + 1 : s;
    if ((*q >= '0' && *q <= '9') || *q == '.')
        return !is_plain_int(s) && (!strchr(s, ' ') || !read_as_written(s, n));
    return false;
}

static fo_rc put_scalar(fo_strbuf *sb, const char *s)
{
    /* Not JSON escaping: JSON lets DEL, C1 controls, LS and PS stand, which YAML refuses or
     * reads as line breaks. */
    return needs_quotes(s) ? fo_yaml_quote(sb, s, strlen(s)) : fo_strbuf_puts(sb, s);
}

char *fo_flink_conf_render(const json_t *flat, fo_flink_version v, fo_err *err)
{
    if (!json_is_object(flat)) {
        fo_err_set(err, FO_EINVAL, "flink configuration must be an object");
        return NULL;
    }
    size_t n = json_object_size(flat);
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    size_t i = 0;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)flat, k, val) keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_keys);

    bool standard = v >= FO_FLINK_V1_19 && v < FO_FLINK_VERSION_COUNT;
    fo_strbuf sb;
    fo_strbuf_init(&sb, FO_FLINK_CONF_MAX_RENDER);
    char *out = NULL;
    for (i = 0; i < n; i++) {
        const json_t *jv = json_object_get(flat, keys[i]);
        if (!json_is_string(jv)) {
            fo_err_set(err, FO_EINVAL, "flink configuration %s: value is not a string", keys[i]);
            goto done;
        }
        const char *value = json_string_value(jv);
        fo_rc rc = FO_OK;
        if (standard) {
            /* a key too long for an implicit key gets the explicit "? key" form */
            rc = fo_yaml_put_key(&sb, keys[i], strlen(keys[i]), needs_quotes(keys[i]), 0);
            if (rc == FO_OK && (rc = fo_strbuf_puts(&sb, " ")) == FO_OK &&
                (rc = put_scalar(&sb, value)) == FO_OK)
                rc = fo_strbuf_puts(&sb, "\n");
        } else {
            if (strpbrk(keys[i], "#\n\r") || strstr(keys[i], ": ") || strpbrk(value, "#\n\r")) {
                fo_err_set(err, FO_EINVAL,
                           "flink configuration %s: flink-conf.yaml cannot carry a key or value "
                           "with '#' or a line break (Flink %s reads '#' as a comment); use "
                           "Flink 1.19+ (config.yaml) or change the value",
                           keys[i], fo_flink_version_name(v));
                goto done;
            }
            if (!*value)
                continue; /* Flink's line parser skips "key:" lines: the key stays unset */
            rc = fo_strbuf_printf(&sb, "%s: %s\n", keys[i], value);
        }
        if (rc != FO_OK) {
            fo_err_set(err, FO_ELIMIT, "flink configuration larger than %u bytes",
                       FO_FLINK_CONF_MAX_RENDER);
            goto done;
        }
    }
    out = fo_strbuf_take(&sb);
    if (!out)
        fo_err_set(err, FO_ENOMEM, "out of memory");
done:
    fo_strbuf_release(&sb);
    free(keys);
    return out;
}
