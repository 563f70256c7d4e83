/* flink_conf, Flink's Kubernetes pod options (KubernetesConfigOptions): what Flink's
 * decorators make of kubernetes.<role>.tolerations, kubernetes.env.secretKeyRef and
 * kubernetes.secrets. The controller builds the pods from them and the validator refuses what
 * Flink would refuse, with the same reading, so that a spec whose pods cannot be built is
 * refused before anything is torn down.
 *
 * ConfigurationUtils reads a map option as "k1:v1,k2:v2" and a list of maps as
 * "k:v,k2:v2;k:v3", splitting each level with StructuredOptionsSplitter: a part may be quoted
 * with ' or " (the quote doubled inside stands for one) and must then end at the separator; an
 * unquoted part is trimmed and keeps a quote inside as a character; two separators in a row
 * give an empty part.
 * A map item must split into exactly one key and one value, and no key may come twice
 * (Collectors.toMap). With a standard YAML configuration (config.yaml, Flink 1.19+) the value is
 * first read as YAML ("{k: v}", "[{k: v}]", "k: v"), and only when that gives no map (list of
 * maps) of scalars in the legacy syntax (convertToProperties, convertToList). */
#include "common/flink_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"

/* The longest value read as YAML; a longer one is read in the legacy syntax only. */
#define FO_FLINK_POD_OPTION_YAML_MAX (1024u * 1024)

/* Character.isWhitespace, for ASCII: what StructuredOptionsSplitter skips between parts (a
 * non-ASCII space, which Flink skips too, is kept). */
static bool java_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Split text at sep into out (an array of strings), as StructuredOptionsSplitter.splitEscaped.
 * NULL, or why Flink refuses to split it. */
static const char *split_flink(const char *text, char sep, json_t *out)
{
    enum { NONE, VALUE, QUOTED, SEPARATOR } prev = NONE;
    const char *why = NULL;
    fo_strbuf b;
    fo_strbuf_init(&b, 0);
    for (const char *p = text; *p && !why;) {
        if (*p == sep) {
            if (prev == SEPARATOR) /* two in a row: an empty part between them */
                json_array_append_new(out, json_string(""));
            prev = SEPARATOR;
            p++;
            continue;
        }
        if (java_space((unsigned char)*p)) {
            p++;
            continue;
        }
        if (prev == QUOTED) {
            why = "text follows a closing quote";
            break;
        }
        fo_strbuf_reset(&b);
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            for (;;) {
                if (!*p) {
                    why = "a quote is not closed";
                    break;
                }
                if (*p == q && p[1] == q) {
                    fo_strbuf_putc(&b, q);
                    p += 2;
                } else if (*p == q) {
                    p++;
                    break;
                } else {
                    fo_strbuf_putc(&b, *p++);
                }
            }
            prev = QUOTED;
        } else {
            /* consumeUnquoted: up to the separator, a quote inside kept as a character
             * (StructuredOptionsSplitterTest: "A'BD;B';C" gives A'BD, B', C; only Flink
             * before the token splitter called it "Illegal quoting"); String.trim drops every
             * character up to ' ' at both ends */
            while (*p && *p != sep)
                fo_strbuf_putc(&b, *p++);
            size_t from = 0;
            while (from < b.len && (unsigned char)b.data[from] <= ' ')
                from++;
            while (b.len > from && (unsigned char)b.data[b.len - 1] <= ' ')
                b.data[--b.len] = '\0';
            memmove(b.data, b.data + from, b.len - from + 1);
            b.len -= from;
            prev = VALUE;
        }
        json_t *part = why ? NULL : json_string(b.data);
        if (!why && !part)
            why = "a part is not UTF-8";
        json_array_append_new(out, part);
    }
    fo_strbuf_release(&b);
    return why;
}

/* One map value in the legacy syntax (new object), or NULL with err. */
static json_t *flink_map(const char *text, fo_err *err)
{
    json_t *map = json_object(), *items = json_array(), *pair = json_array();
    const char *why = split_flink(text, ',', items);
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (why)
            break;
        json_array_clear(pair);
        why = split_flink(json_string_value(item), ':', pair);
        if (!why && json_array_size(pair) != 2)
            why = "an item is not one key:value pair";
        const char *k = json_string_value(json_array_get(pair, 0));
        if (!why && json_object_get(map, k))
            why = "a key is given twice";
        if (!why)
            json_object_set(map, k, json_array_get(pair, 1));
    }
    json_decref(pair);
    json_decref(items);
    if (why) {
        fo_err_set(err, FO_EINVAL, "%s in \"%.200s\"", why, text);
        json_decref(map);
        return NULL;
    }
    return map;
}

/* A YAML map as ConfigurationUtils.convertToStringMap makes it (new object of strings), or
 * NULL when Flink would fall back to the legacy syntax (not a map, a null value). A value that
 * is itself a map or a list would become its YAML text, which no field these options fill
 * takes: refused (*bad). */
static json_t *yaml_string_map(const json_t *v, bool *bad)
{
    if (!json_is_object(v))
        return NULL;
    json_t *map = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        char buf[64];
        const char *text = NULL;
        if (json_is_string(x))
            text = json_string_value(x);
        else if (json_is_integer(x) &&
                 snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(x)) > 0)
            text = buf;
        else if (json_is_boolean(x))
            text = json_is_true(x) ? "true" : "false";
        else if (json_is_real(x))
            text = fo_flink_format_double(json_real_value(x), buf, sizeof buf);
        if (json_is_object(x) || json_is_array(x)) {
            *bad = true;
            continue;
        }
        if (!text) { /* null: NullPointerException, caught: the legacy syntax */
            json_decref(map);
            return NULL;
        }
        json_object_set_new(map, k, json_string(text));
    }
    return map;
}

/* The value read as YAML when Flink v reads its configuration as standard YAML (config.yaml),
 * new reference; else NULL. */
static json_t *yaml_value(const char *text, fo_flink_version v)
{
    if (!text || strcmp(fo_flink_conf_file_name(v), "config.yaml") != 0)
        return NULL;
    fo_err ignored;
    fo_err_clear(&ignored);
    return fo_yaml_parse_with(text, strlen(text), FO_FLINK_POD_OPTION_YAML_MAX,
                              fo_flink_conf_yaml_scalar, &ignored);
}

/* A map value (new object; empty for NULL), or NULL with err. */
static json_t *read_map(const char *text, fo_flink_version v, fo_err *err)
{
    if (!text)
        return json_object();
    json_t *y = yaml_value(text, v);
    bool bad = false;
    json_t *map = yaml_string_map(y, &bad);
    json_decref(y);
    if (map && bad) {
        json_decref(map);
        fo_err_set(err, FO_EINVAL,
                   "a value is a YAML map, list or oversized number in \"%.200s\"", text);
        return NULL;
    }
    return map ? map : flink_map(text, err);
}

/* A list-of-maps value (new array of objects; empty for NULL), or NULL with err. */
static json_t *read_map_list(const char *text, fo_flink_version v, fo_err *err)
{
    json_t *list = json_array();
    if (!text)
        return list;
    json_t *y = yaml_value(text, v);
    bool yaml = json_is_array(y), bad = false;
    size_t i;
    json_t *item;
    json_array_foreach(y, i, item)
    {
        json_t *map = yaml_string_map(item, &bad);
        if (!map) { /* an item that is no map: ClassCastException, caught */
            yaml = false;
            break;
        }
        json_array_append_new(list, map);
    }
    json_decref(y);
    if (yaml && bad) {
        fo_err_set(err, FO_EINVAL,
                   "a value is a YAML map, list or oversized number in \"%.200s\"", text);
        json_decref(list);
        return NULL;
    }
    if (yaml)
        return list;
    json_array_clear(list);
    json_t *items = json_array();
    const char *why = split_flink(text, ';', items);
    if (why) {
        fo_err_set(err, FO_EINVAL, "%s in \"%.200s\"", why, text);
        json_decref(list);
        list = NULL;
    }
    json_array_foreach(items, i, item)
    {
        json_t *map = list ? flink_map(json_string_value(item), err) : NULL;
        if (!map) {
            json_decref(list);
            list = NULL;
            break;
        }
        json_array_append_new(list, map);
    }
    json_decref(items);
    return list;
}

/* Long.valueOf: an optional sign and decimal digits, in 64 bits. */
static bool java_long(const char *s, long long *out)
{
    const char *digits = *s == '-' || *s == '+' ? s + 1 : s;
    if (!isdigit((unsigned char)*digits))
        return false;
    char *end = NULL;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return *end == '\0' && errno != ERANGE;
}

/* Why the API server refuses a toleration Flink builds as it is (ValidateTolerations: Flink
 * passes the strings through), or NULL. The values are case-sensitive there. */
static const char *toleration_refused(const json_t *t)
{
    const char *key = fo_json_str(t, "key"), *op = fo_json_str(t, "operator");
    const char *value = fo_json_str(t, "value"), *effect = fo_json_str(t, "effect");
    bool exists = op && strcmp(op, "Exists") == 0;
    if (key && *key && !fo_label_key_valid(key))
        return "key is not a qualified name (a label key)";
    if ((!key || !*key) && !exists)
        return "operator must be Exists when key is empty";
    if (json_object_get(t, "tolerationSeconds") && (!effect || strcmp(effect, "NoExecute") != 0))
        return "effect must be NoExecute when tolerationSeconds is set";
    if (op && *op && !exists && strcmp(op, "Equal") != 0)
        return "operator must be Equal or Exists";
    if (exists && value && *value)
        return "value must be empty when operator is Exists";
    if (!exists && value && !fo_label_value_valid(value))
        return "value is not a valid label value";
    if (effect && *effect && strcmp(effect, "NoSchedule") != 0 &&
        strcmp(effect, "PreferNoSchedule") != 0 && strcmp(effect, "NoExecute") != 0)
        return "effect must be NoSchedule, PreferNoSchedule or NoExecute";
    return NULL;
}

/* KubernetesToleration.fromMap: keys in any case, tolerationSeconds a long; other keys are
 * ignored (Flink logs a warning). */
static json_t *toleration(const json_t *map, size_t n, fo_err *err)
{
    static const char *const fields[] = {"effect", "key", "operator", "value", NULL};
    json_t *t = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v)
    {
        const char *s = json_string_value(v);
        long long seconds;
        if (strcasecmp(k, "tolerationSeconds") == 0) {
            if (!java_long(s, &seconds)) {
                fo_err_set(err, FO_EINVAL,
                           "toleration %zu: tolerationSeconds \"%.60s\" is not a whole number", n,
                           s);
                json_decref(t);
                return NULL;
            }
            json_object_set_new(t, "tolerationSeconds", json_integer(seconds));
            continue;
        }
        for (size_t i = 0; fields[i]; i++)
            if (strcasecmp(k, fields[i]) == 0)
                json_object_set_new(t, fields[i], json_string(s));
    }
    /* Flink would add an empty toleration, which the API server refuses. */
    if (json_object_size(t) == 0) {
        fo_err_set(err, FO_EINVAL,
                   "toleration %zu has none of key, operator, value, effect, tolerationSeconds",
                   n);
        json_decref(t);
        return NULL;
    }
    const char *why = toleration_refused(t);
    if (why) {
        fo_err_set(err, FO_EINVAL, "toleration %zu: %s", n, why);
        json_decref(t);
        return NULL;
    }
    return t;
}

/* A list option of maps (`;` between items, or a YAML list) made into a list of what `each`
 * makes of each map (n counts from 1); the first map it refuses refuses the option. */
static fo_rc map_list(const char *value, fo_flink_version v,
                      json_t *(*each)(const json_t *map, size_t n, fo_err *err), json_t **out,
                      fo_err *err)
{
    *out = NULL;
    json_t *maps = read_map_list(value, v, err);
    if (!maps)
        return FO_EINVAL;
    json_t *list = json_array();
    size_t i;
    json_t *map;
    json_array_foreach(maps, i, map)
    {
        json_t *item = each(map, i + 1, err);
        if (!item) {
            json_decref(list);
            json_decref(maps);
            return FO_EINVAL;
        }
        json_array_append_new(list, item);
    }
    json_decref(maps);
    *out = list;
    return FO_OK;
}

fo_rc fo_flink_conf_tolerations(const char *value, fo_flink_version v, json_t **out, fo_err *err)
{
    return map_list(value, v, toleration, out, err);
}

/* KubernetesSecretEnvVar.fromMap: a missing env, secret or key gives an env var the API
 * server refuses. */
static json_t *secret_env(const json_t *map, size_t n, fo_err *err)
{
    const char *env = fo_json_str(map, "env"), *secret = fo_json_str(map, "secret");
    const char *key = fo_json_str(map, "key");
    if (!env || !*env || !secret || !*secret || !key || !*key) {
        fo_err_set(err, FO_EINVAL,
                   "entry %zu needs env, secret and key (env:NAME,secret:SECRET,key:KEY)", n);
        return NULL;
    }
    json_t *var = json_pack("{s:s, s:{s:{s:s, s:s}}}", "name", env, "valueFrom", "secretKeyRef",
                            "name", secret, "key", key);
    if (!var)
        fo_err_set(err, FO_ENOMEM, "out of memory");
    return var;
}

fo_rc fo_flink_conf_secret_env(const char *value, fo_flink_version v, json_t **out, fo_err *err)
{
    return map_list(value, v, secret_env, out, err);
}

fo_rc fo_flink_conf_secret_mounts(const char *value, fo_flink_version v, json_t **out, fo_err *err)
{
    *out = NULL;
    json_t *map = read_map(value, v, err);
    if (!map)
        return FO_EINVAL;
    const char *name;
    json_t *path;
    json_object_foreach(map, name, path)
    {
        /* MountSecretsDecorator: a volume of the Secret mounted at the path; an empty name or
         * path gives a pod the API server refuses. */
        if (!*name || !*json_string_value(path)) {
            json_decref(map);
            return fo_err_set(err, FO_EINVAL, "a Secret needs a name and a path (name:/path)");
        }
    }
    *out = map;
    return FO_OK;
}

fo_rc fo_flink_conf_map(const char *value, fo_flink_version v, json_t **out, fo_err *err)
{
    *out = read_map(value, v, err);
    return *out ? FO_OK : FO_EINVAL;
}

/* A key or value of the legacy syntax: as it is when nothing in it could be read otherwise,
 * else quoted (the quote doubled). Stricter than escapeWithSingleQuote, which leaves spaces at
 * the ends (trimmed when read back) and an empty string (no part) unquoted. */
static void legacy_part(fo_strbuf *sb, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = isalnum((unsigned char)*p) || strchr("._/-", *p);
    if (plain) {
        fo_strbuf_puts(sb, s);
        return;
    }
    fo_strbuf_putc(sb, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            fo_strbuf_putc(sb, '\'');
        fo_strbuf_putc(sb, *p);
    }
    fo_strbuf_putc(sb, '\'');
}

char *fo_flink_conf_map_write(const json_t *map, fo_flink_version v)
{
    bool yaml = strcmp(fo_flink_conf_file_name(v), "config.yaml") == 0;
    fo_strbuf sb, item;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_init(&item, 0);
    if (yaml)
        fo_strbuf_putc(&sb, '{');
    const char *k;
    json_t *x;
    size_t n = 0;
    json_object_foreach((json_t *)map, k, x)
    {
        const char *s = json_string_value(x);
        if (!s)
            continue;
        if (n++)
            fo_strbuf_puts(&sb, yaml ? ", " : ",");
        if (yaml) {
            /* a flow mapping of double-quoted strings: YAML reads exactly these back; a key
             * longer than an implicit key may be (1024 characters) takes the explicit "? " */
            fo_strbuf_reset(&item);
            fo_yaml_quote(&item, k, strlen(k));
            if (item.len > 1000)
                fo_strbuf_puts(&sb, "? ");
            fo_strbuf_puts(&sb, item.data);
            fo_strbuf_puts(&sb, ": ");
            fo_yaml_quote(&sb, s, strlen(s));
            continue;
        }
        fo_strbuf_reset(&item);
        legacy_part(&item, k);
        fo_strbuf_putc(&item, ':');
        legacy_part(&item, s);
        if (strchr(item.data, '\'')) /* an unquoted ',' part may hold no quote */
            legacy_part(&sb, item.data);
        else
            fo_strbuf_puts(&sb, item.data);
    }
    if (yaml)
        fo_strbuf_putc(&sb, '}');
    fo_strbuf_release(&item);
    return fo_strbuf_take(&sb);
}
