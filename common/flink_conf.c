/* flink_conf, value syntax and flattening: how Flink (MemorySize, TimeUtils, ConfigurationUtils)
 * and Java (Double) read and print configuration values, ConfigObjectNode.asFlatMap, and the
 * operator's scoped default configuration (FlinkConfigManager.getDefaultConfig). */
#include "common/flink_conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf_internal.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

const char *fo_flink_conf_trim(const char *s, char *buf, size_t len)
{
    while (*s && (unsigned char)*s <= ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (unsigned char)s[n - 1] <= ' ')
        n--;
    if (n >= len)
        return NULL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

size_t fo_flink_conf_split_unit(const char *t, char *unit, size_t len)
{
    size_t digits = 0;
    while (t[digits] >= '0' && t[digits] <= '9')
        digits++;
    if (!fo_flink_conf_trim(t + digits, unit, len))
        unit[0] = '\0';
    for (char *p = unit; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return digits;
}

/* ---- durations ----------------------------------------------------------------------------- */

/* TimeUtils.TimeUnit's labels: each singular label, and each plural one with its "s" form
 * ("min" and "m" have no plural: "5 mins" is not a Flink duration). */
static const struct {
    const char *label;
    int64_t nanos;
} duration_units[] = {
    {"d", 86400000000000LL},
    {"day", 86400000000000LL},
    {"days", 86400000000000LL},
    {"h", 3600000000000LL},
    {"hour", 3600000000000LL},
    {"hours", 3600000000000LL},
    {"min", 60000000000LL},
    {"m", 60000000000LL},
    {"minute", 60000000000LL},
    {"minutes", 60000000000LL},
    {"s", 1000000000LL},
    {"sec", 1000000000LL},
    {"secs", 1000000000LL},
    {"second", 1000000000LL},
    {"seconds", 1000000000LL},
    {"ms", 1000000LL},
    {"milli", 1000000LL},
    {"millis", 1000000LL},
    {"millisecond", 1000000LL},
    {"milliseconds", 1000000LL},
    {"\xc2\xb5s", 1000LL},
    {"micro", 1000LL},
    {"micros", 1000LL},
    {"microsecond", 1000LL},
    {"microseconds", 1000LL},
    {"ns", 1LL},
    {"nano", 1LL},
    {"nanos", 1LL},
    {"nanosecond", 1LL},
    {"nanoseconds", 1LL},
};

/* One section of an ISO-8601 duration: [-+]?[0-9]+ (Long.parseLong), then for seconds an
 * optional fraction of up to 9 digits after '.' or ','. Adds the nanoseconds to *total;
 * returns the end, or NULL when there is no number or it overflows. */
static const char *iso_section(const char *p, __int128 unit_nanos, bool fraction, __int128 *total)
{
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return NULL;
    __int128 v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (*p - '0');
        if (v > INT64_MAX)
            return NULL; /* Long.parseLong overflows */
    }
    __int128 nanos = v * unit_nanos;
    if (fraction && (*p == '.' || *p == ',')) {
        p++;
        __int128 f = 0, scale = 100000000;
        int n = 0;
        for (; isdigit((unsigned char)*p); p++, n++) {
            if (n == 9)
                return NULL;
            f += (*p - '0') * scale;
            scale /= 10;
        }
        nanos += f;
    }
    *total += neg ? -nanos : nanos;
    return p;
}

/* ISO-8601 "PnDTnHnMn.nS" exactly as java.time.Duration.parse reads it (newer Flink versions
 * accept it too): an optional sign, 'P', days, then after 'T' hours, minutes and seconds, each
 * section optional but in that order and at least one present; any case; signed numbers; a
 * fraction only on seconds. Sub-millisecond parts round down. */
static bool parse_iso_duration(const char *t, int64_t *ms)
{
    static const struct {
        char letter;
        __int128 nanos;
    } time_units[] = {{'H', (__int128)3600000000000LL},
                      {'M', (__int128)60000000000LL},
                      {'S', (__int128)1000000000LL}};
    const char *p = t;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (toupper((unsigned char)*p) != 'P')
        return false;
    p++;
    __int128 total = 0;
    bool any = false;
    const char *end = iso_section(p, 0, false, &total);
    if (end && toupper((unsigned char)*end) == 'D') {
        total = 0;
        if (!iso_section(p, (__int128)86400000000000LL, false, &total))
            return false;
        p = end + 1;
        any = true;
    }
    if (toupper((unsigned char)*p) == 'T') {
        p++;
        bool any_time = false;
        for (size_t u = 0; u < 3 && *p; u++) {
            __int128 probe = 0;
            end = iso_section(p, 0, time_units[u].letter == 'S', &probe);
            if (!end || toupper((unsigned char)*end) != time_units[u].letter)
                continue; /* this section is absent; the next letter may match */
            if (!iso_section(p, time_units[u].nanos, time_units[u].letter == 'S', &total))
                return false;
            p = end + 1;
            any_time = true;
        }
        if (!any_time)
            return false; /* a 'T' needs at least one time section */
        any = true;
    }
    if (!any || *p)
        return false;
    if (neg)
        total = -total;
    __int128 millis = total / 1000000;
    if (total < 0 && total % 1000000)
        millis--; /* Duration.toMillis floors */
    if (millis > INT64_MAX || millis < INT64_MIN)
        return false;
    *ms = (int64_t)millis;
    return true;
}

fo_rc fo_flink_duration_parse(const char *text, int64_t *ms, fo_err *err)
{
    char buf[FO_FLINK_CONF_VALUE_MAX], unit[FO_FLINK_CONF_VALUE_MAX];
    if (!text)
        return fo_err_set(err, FO_EINVAL, "duration is missing");
    const char *t = fo_flink_conf_trim(text, buf, sizeof buf);
    if (!t || !*t)
        return fo_err_set(err, FO_EINVAL, "duration '%.60s' is empty or too long", text);
    if (parse_iso_duration(t, ms))
        return FO_OK;
    size_t digits = fo_flink_conf_split_unit(t, unit, sizeof unit);
    if (digits == 0)
        return fo_err_set(err, FO_EINVAL, "duration '%s' does not start with a number", text);
    int64_t nanos = 1000000; /* no unit: milliseconds */
    if (*unit) {
        nanos = 0;
        for (size_t i = 0; i < sizeof duration_units / sizeof *duration_units; i++)
            if (strcmp(unit, duration_units[i].label) == 0)
                nanos = duration_units[i].nanos;
        if (!nanos)
            return fo_err_set(
                err, FO_EINVAL,
                "duration '%s': unit '%s' is not one of d, h, min, s, ms, \xc2\xb5s, ns "
                "(or their long forms)",
                text, unit);
    }
    errno = 0;
    unsigned long long n = strtoull(t, NULL, 10);
    long double total = (long double)n * (long double)nanos / 1000000.0L;
    if (errno == ERANGE || n > (unsigned long long)INT64_MAX || total > (long double)INT64_MAX)
        return fo_err_set(err, FO_ELIMIT, "duration '%s' does not fit in 64 bits", text);
    *ms = (int64_t)total;
    return FO_OK;
}

char *fo_flink_duration_format_iso(int64_t ms, char *buf, size_t len)
{
    /* java.time.Duration.toString: "PT" then hours, minutes, seconds (with the fraction
     * stripped of trailing zeros); zero is "PT0S". */
    if (ms == 0) {
        snprintf(buf, len, "PT0S");
        return buf;
    }
    bool neg = ms < 0;
    unsigned long long a = neg ? (unsigned long long)(-(ms + 1)) + 1 : (unsigned long long)ms;
    unsigned long long hours = a / 3600000ULL, minutes = (a / 60000ULL) % 60,
                       secs = (a / 1000ULL) % 60, frac = a % 1000ULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "PT");
    const char *sign = neg ? "-" : "";
    if (hours)
        fo_strbuf_printf(&sb, "%s%lluH", sign, hours);
    if (minutes)
        fo_strbuf_printf(&sb, "%s%lluM", sign, minutes);
    if (secs || frac) {
        fo_strbuf_printf(&sb, "%s%llu", sign, secs);
        if (frac) {
            char f[8];
            snprintf(f, sizeof f, "%03llu", frac);
            for (int i = 2; i > 0 && f[i] == '0'; i--)
                f[i] = '\0';
            fo_strbuf_printf(&sb, ".%s", f);
        }
        fo_strbuf_puts(&sb, "S");
    }
    snprintf(buf, len, "%s", sb.data);
    fo_strbuf_release(&sb);
    return buf;
}

/* ---- scalars ------------------------------------------------------------------------------- */

bool fo_flink_parse_bool(const char *s, bool *out)
{
    char buf[16];
    const char *t = s ? fo_flink_conf_trim(s, buf, sizeof buf) : NULL;
    if (!t)
        return false;
    if (strcasecmp(t, "true") == 0)
        *out = true;
    else if (strcasecmp(t, "false") == 0)
        *out = false;
    else
        return false;
    return true;
}

bool fo_flink_parse_double(const char *s, double *out)
{
    char buf[128];
    const char *t = s ? fo_flink_conf_trim(s, buf, sizeof buf) : NULL;
    if (!t || !*t)
        return false;
    /* Java spells them NaN / Infinity; strtod would also take "nan(...)", "inf", hex. */
    const char *body = (*t == '+' || *t == '-') ? t + 1 : t;
    if (strcmp(body, "NaN") == 0 || strcmp(body, "Infinity") == 0) {
        double v = body[0] == 'N' ? NAN : INFINITY;
        *out = *t == '-' ? -v : v;
        return true;
    }
    for (const char *p = body; *p; p++)
        if (!(isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
              *p == '-' || ((*p == 'd' || *p == 'D' || *p == 'f' || *p == 'F') && !p[1])))
            return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(t, &end);
    if (end == t ||
        (*end && !((*end == 'd' || *end == 'D' || *end == 'f' || *end == 'F') && !end[1])))
        return false;
    *out = v;
    return true;
}

char *fo_flink_format_double(double d, char *buf, size_t len)
{
    if (isnan(d)) {
        snprintf(buf, len, "NaN");
        return buf;
    }
    if (isinf(d)) {
        snprintf(buf, len, d < 0 ? "-Infinity" : "Infinity");
        return buf;
    }
    if (d == 0) {
        snprintf(buf, len, signbit(d) ? "-0.0" : "0.0");
        return buf;
    }
    /* Shortest digits that read back to d. */
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    /* e = [-]D[.DDD]e[+-]XX */
    bool neg = e[0] == '-';
    char digits[24];
    size_t nd = 0;
    const char *p = e + (neg ? 1 : 0);
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p) && nd + 1 < sizeof digits)
            digits[nd++] = *p;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';

    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (neg)
        fo_strbuf_puts(&sb, "-");
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                fo_strbuf_printf(&sb, "%c", (size_t)i < nd ? digits[i] : '0');
            fo_strbuf_puts(&sb, ".");
            if ((size_t)(exp10 + 1) < nd)
                fo_strbuf_puts(&sb, digits + exp10 + 1);
            else
                fo_strbuf_puts(&sb, "0");
        } else {
            fo_strbuf_puts(&sb, "0.");
            for (int i = 0; i < -exp10 - 1; i++)
                fo_strbuf_puts(&sb, "0");
            fo_strbuf_puts(&sb, digits);
        }
    } else {
        fo_strbuf_printf(&sb, "%c.%s", digits[0], nd > 1 ? digits + 1 : "0");
        fo_strbuf_printf(&sb, "E%d", exp10);
    }
    snprintf(buf, len, "%s", sb.data);
    fo_strbuf_release(&sb);
    return buf;
}

char *fo_flink_conf_format_list(const json_t *list)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *s = json_is_string(item) ? json_string_value(item) : "";
        if (i > 0)
            fo_strbuf_puts(&sb, ";");
        /* StructuredOptionsSplitter.escapeWithSingleQuote(s, ";") */
        if (strpbrk(s, ";'\"")) {
            fo_strbuf_puts(&sb, "'");
            for (const char *p = s; *p; p++)
                fo_strbuf_puts(&sb, *p == '\'' ? "''" : (char[]){*p, 0});
            fo_strbuf_puts(&sb, "'");
        } else {
            fo_strbuf_puts(&sb, s);
        }
    }
    return fo_strbuf_take(&sb);
}

/* ---- flattening --------------------------------------------------------------------------- */

/* The text of a scalar as Jackson's JsonNode.asText gives it; NULL for null and containers. */
static char *scalar_text(const json_t *v)
{
    char buf[40];
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return strdup(buf);
    }
    if (json_is_real(v))
        return strdup(fo_flink_format_double(json_real_value(v), buf, sizeof buf));
    if (json_is_boolean(v))
        return strdup(json_is_true(v) ? "true" : "false");
    return NULL;
}

static char *list_text(const json_t *arr)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    size_t i;
    const json_t *item;
    bool first = true;
    json_array_foreach(arr, i, item)
    {
        if (json_is_null(item))
            continue;
        char *t = json_is_object(item) || json_is_array(item) ? fo_json_dumps_compact(item)
                                                              : scalar_text(item);
        if (!first)
            fo_strbuf_puts(&sb, ";");
        fo_strbuf_puts(&sb, t ? t : "");
        free(t);
        first = false;
    }
    return fo_strbuf_take(&sb);
}

static fo_rc flatten_into(json_t *out, const json_t *node, char *key, size_t keylen, int depth,
                          fo_err *err)
{
    if (depth > FO_FLINK_CONF_MAX_DEPTH)
        return fo_err_set(err, FO_ELIMIT, "flinkConfiguration: nested deeper than %d levels at %s",
                          FO_FLINK_CONF_MAX_DEPTH, key);
    if (json_is_object(node)) {
        const char *k;
        const json_t *child;
        json_object_foreach((json_t *)node, k, child)
        {
            size_t kl = strlen(k);
            size_t need = keylen + (keylen ? 1 : 0) + kl;
            if (need >= FO_FLINK_CONF_MAX_KEY_LEN)
                return fo_err_set(err, FO_ELIMIT,
                                  "flinkConfiguration: key longer than %d characters: %.60s...",
                                  FO_FLINK_CONF_MAX_KEY_LEN, keylen ? key : k);
            size_t at = keylen;
            if (keylen)
                key[at++] = '.';
            memcpy(key + at, k, kl + 1);
            fo_rc rc = flatten_into(out, child, key, need, depth + 1, err);
            key[keylen] = '\0';
            if (rc != FO_OK)
                return rc;
        }
        return FO_OK;
    }
    if (json_is_null(node))
        return FO_OK; /* "key:" with no value: not set (see the header) */
    /* A "\u0000" inside a value would cut the C string short: refuse it instead. */
    const json_t *item;
    size_t i;
    bool nul = json_is_string(node) && strlen(json_string_value(node)) != json_string_length(node);
    json_array_foreach(node, i, item)
    {
        nul = nul ||
              (json_is_string(item) && strlen(json_string_value(item)) != json_string_length(item));
    }
    if (nul)
        return fo_err_set(err, FO_EINVAL, "flinkConfiguration: %s: value contains a NUL character",
                          key);
    char *text =
        json_is_array(node) ? (json_array_size(node) ? list_text(node) : NULL) : scalar_text(node);
    if (!text)
        return json_is_array(node) ? FO_OK : fo_err_set(err, FO_ENOMEM, "out of memory");
    if (!json_object_get(out, key) && json_object_size(out) >= FO_FLINK_CONF_MAX_KEYS) {
        free(text);
        return fo_err_set(err, FO_ELIMIT, "flinkConfiguration: more than %d keys",
                          FO_FLINK_CONF_MAX_KEYS);
    }
    int r = json_object_set_new(out, key, json_string(text));
    free(text);
    return r == 0 ? FO_OK : fo_err_set(err, FO_EINVAL, "flinkConfiguration: bad key %.60s", key);
}

json_t *fo_flink_conf_flatten(const json_t *conf, fo_err *err)
{
    json_t *out = json_object();
    if (!out)
        return NULL;
    if (!conf || json_is_null(conf))
        return out;
    if (!json_is_object(conf)) {
        json_decref(out);
        fo_err_set(err, FO_EINVAL, "flinkConfiguration: must be an object");
        return NULL;
    }
    char key[FO_FLINK_CONF_MAX_KEY_LEN + 1];
    key[0] = '\0';
    if (flatten_into(out, conf, key, 0, 0, err) != FO_OK) {
        json_decref(out);
        return NULL;
    }
    return out;
}

void fo_flink_conf_overlay(json_t *base, const json_t *overlay)
{
    if (!json_is_object(base) || !json_is_object(overlay))
        return;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)overlay, k, v) json_object_set(base, k, v);
}

const char *fo_flink_conf_get(const json_t *flat, const char *key, const char *const *fallbacks)
{
    const char *v = fo_json_str(flat, key);
    for (size_t i = 0; !v && fallbacks && fallbacks[i]; i++)
        v = fo_json_str(flat, fallbacks[i]);
    return v;
}

/* ---- scoped operator defaults (reference d.1) ---------------------------------------------- */

#define DEFAULT_CONF_PREFIX "kubernetes.operator.default-configuration."
#define NAMESPACE_PREFIX DEFAULT_CONF_PREFIX "namespace."
#define VERSION_PREFIX DEFAULT_CONF_PREFIX "flink-version."

static void apply_prefix(json_t *out, const json_t *from, const char *prefix)
{
    size_t pl = strlen(prefix);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)from, k, v)
    {
        if (strncmp(k, prefix, pl) == 0 && k[pl])
            json_object_set(out, k + pl, v);
    }
}

json_t *fo_flink_conf_defaults_for(const json_t *flat_defaults, const char *ns, fo_flink_version v)
{
    json_t *out =
        json_is_object(flat_defaults) ? json_copy((json_t *)flat_defaults) : json_object();
    if (!out || !json_is_object(flat_defaults))
        return out;
    char prefix[512];
    if (ns && *ns && strlen(ns) < 256) {
        snprintf(prefix, sizeof prefix, NAMESPACE_PREFIX "%s.", ns);
        apply_prefix(out, flat_defaults, prefix);
    }
    if (v == FO_FLINK_VERSION_UNKNOWN)
        return out;
    /* "vX_Y+." keys apply to X.Y and newer, oldest first, so newer ones win; then the exact
     * version. Keys naming versions the enum does not know are ignored (Apache logs them). */
    bool plus[FO_FLINK_VERSION_COUNT] = {false};
    size_t vpl = strlen(VERSION_PREFIX);
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)flat_defaults, k, val)
    {
        if (strncmp(k, VERSION_PREFIX, vpl) != 0)
            continue;
        const char *name = k + vpl;
        const char *dot = strchr(name, '.');
        if (!dot || dot == name || dot[-1] != '+')
            continue;
        char vname[16];
        size_t n = (size_t)(dot - name - 1);
        if (n >= sizeof vname)
            continue;
        memcpy(vname, name, n);
        vname[n] = '\0';
        fo_flink_version kv = fo_flink_version_parse(vname);
        if (kv != FO_FLINK_VERSION_UNKNOWN && kv <= v)
            plus[kv] = true;
    }
    for (int i = 1; i < FO_FLINK_VERSION_COUNT; i++) {
        if (!plus[i])
            continue;
        snprintf(prefix, sizeof prefix, VERSION_PREFIX "%s+.",
                 fo_flink_version_name((fo_flink_version)i));
        apply_prefix(out, flat_defaults, prefix);
    }
    snprintf(prefix, sizeof prefix, VERSION_PREFIX "%s.", fo_flink_version_name(v));
    apply_prefix(out, flat_defaults, prefix);
    return out;
}
