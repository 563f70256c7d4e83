/* Scalar resolution as go-yaml v2 (resolve.go, used by sigs.k8s.io/yaml) does it, and the
 * text sigs.k8s.io/yaml gives float mapping keys. Shared by the decoder and the emitter (which
 * quotes every string this resolver would read as something else). Pure and thread-safe. */
#include "common/yamlconv_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strconv.ParseUint(s, 0, 64): optional 0b/0o/0x prefix (any case), or a leading 0 meaning
 * octal; no sign. */
static bool go_parse_uint(const char *s, uint64_t *out)
{
    if (!*s)
        return false;
    unsigned base = 10;
    if (s[0] == '0') {
        size_t n = strlen(s);
        char c = (char)(s[1] | 0x20);
        if (n >= 3 && c == 'b') {
            base = 2;
            s += 2;
        } else if (n >= 3 && c == 'o') {
            base = 8;
            s += 2;
        } else if (n >= 3 && c == 'x') {
            base = 16;
            s += 2;
        } else {
            base = 8;
            s += 1;
        }
    }
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d;
        char c = *s;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            d = (unsigned)((c | 0x20) - 'a' + 10);
        else
            return false;
        if (d >= base)
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* strconv.ParseInt(s, 0, 64): optional sign, then as ParseUint, within int64. */
static bool go_parse_int(const char *s, int64_t *out)
{
    bool neg = false;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    uint64_t u;
    if (!go_parse_uint(s, &u))
        return false;
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return false;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)u;
    }
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.') {
        s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    } else {
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
        if (*s == '.') {
            s++;
            while (is_digit(*s))
                s++;
        }
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    return *s == '\0';
}

/* strconv.ParseFloat for the decimal forms that reach it; overflow is an error there. */
static bool parse_float(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || isinf(d) || isnan(d))
        return false;
    *out = d;
    return true;
}

/* The ".5" branch of resolve(): Go's ParseFloat without base prefix takes digits, one '.',
 * and an exponent; no underscores, no hex. */
static bool go_parse_dot_float(const char *s, double *out)
{
    return yaml_style_float(s) && parse_float(s, out);
}

static const struct {
    const char *text;
    enum fo_yaml_kind kind;
    int sign; /* bool value, or the sign of an infinity */
} resolve_map[] = {
    {"y", FO_YAML_BOOL, 1},     {"Y", FO_YAML_BOOL, 1},     {"yes", FO_YAML_BOOL, 1},
    {"Yes", FO_YAML_BOOL, 1},   {"YES", FO_YAML_BOOL, 1},   {"true", FO_YAML_BOOL, 1},
    {"True", FO_YAML_BOOL, 1},  {"TRUE", FO_YAML_BOOL, 1},  {"on", FO_YAML_BOOL, 1},
    {"On", FO_YAML_BOOL, 1},    {"ON", FO_YAML_BOOL, 1},    {"n", FO_YAML_BOOL, 0},
    {"N", FO_YAML_BOOL, 0},     {"no", FO_YAML_BOOL, 0},    {"No", FO_YAML_BOOL, 0},
    {"NO", FO_YAML_BOOL, 0},    {"false", FO_YAML_BOOL, 0}, {"False", FO_YAML_BOOL, 0},
    {"FALSE", FO_YAML_BOOL, 0}, {"off", FO_YAML_BOOL, 0},   {"Off", FO_YAML_BOOL, 0},
    {"OFF", FO_YAML_BOOL, 0},   {"", FO_YAML_NULL, 0},      {"~", FO_YAML_NULL, 0},
    {"null", FO_YAML_NULL, 0},  {"Null", FO_YAML_NULL, 0},  {"NULL", FO_YAML_NULL, 0},
    {".nan", FO_YAML_NAN, 0},   {".NaN", FO_YAML_NAN, 0},   {".NAN", FO_YAML_NAN, 0},
    {".inf", FO_YAML_INF, 1},   {".Inf", FO_YAML_INF, 1},   {".INF", FO_YAML_INF, 1},
    {"+.inf", FO_YAML_INF, 1},  {"+.Inf", FO_YAML_INF, 1},  {"+.INF", FO_YAML_INF, 1},
    {"-.inf", FO_YAML_INF, -1}, {"-.Inf", FO_YAML_INF, -1}, {"-.INF", FO_YAML_INF, -1},
};

void fo_yaml_resolve_plain(const char *s, size_t len, fo_yaml_resolved *r)
{
    memset(r, 0, sizeof *r);
    r->kind = FO_YAML_STR;
    if (memchr(s, '\0', len))
        return;
    char hint = 'N';
    if (len) {
        char c = s[0];
        if (c == '+' || c == '-')
            hint = 'S';
        else if (is_digit(c))
            hint = 'D';
        else if (strchr("yYnNtTfFoO~", c))
            hint = 'M';
        else if (c == '.')
            hint = '.';
        else
            return;
    }
    for (size_t i = 0; i < sizeof resolve_map / sizeof resolve_map[0]; i++) {
        if (strlen(resolve_map[i].text) == len && memcmp(resolve_map[i].text, s, len) == 0) {
            r->kind = resolve_map[i].kind;
            r->b = resolve_map[i].sign > 0;
            r->f = r->kind == FO_YAML_INF ? resolve_map[i].sign * INFINITY : NAN;
            return;
        }
    }
    if (hint == 'M' || hint == 'N')
        return;
    char *plain = malloc(len + 1);
    if (!plain)
        return; /* treated as a string; the caller's allocation will fail soon enough */
    if (hint == '.') {
        memcpy(plain, s, len);
        plain[len] = '\0';
        if (go_parse_dot_float(plain, &r->f))
            r->kind = FO_YAML_FLOAT;
        free(plain);
        return;
    }
    /* 'D' or 'S': go-yaml drops every '_' before trying int, uint, then float. Timestamps
     * stay strings when decoding into interface{}, so they need no case here. */
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            plain[n++] = s[i];
    plain[n] = '\0';
    if (go_parse_int(plain, &r->i))
        r->kind = FO_YAML_INT;
    else if (go_parse_uint(plain, &r->u))
        r->kind = FO_YAML_UINT;
    else if (yaml_style_float(plain) && parse_float(plain, &r->f))
        r->kind = FO_YAML_FLOAT;
    free(plain);
}

/* strconv.FormatFloat(f, 'g', -1, 32): the shortest digits that give back the same float32;
 * with the shortest precision Go switches to the exponent form when the decimal exponent is
 * < -4 or >= 6 ("1e+06"). */
void fo_yaml_format_float_key(double d, char *buf, size_t n)
{
    if (isnan(d)) {
        snprintf(buf, n, ".nan");
        return;
    }
    float f = (float)d;
    if (isinf(f)) {
        snprintf(buf, n, f > 0 ? ".inf" : "-.inf");
        return;
    }
    if (f == 0) {
        snprintf(buf, n, signbit(f) ? "-0" : "0");
        return;
    }
    char e[64];
    int p = 1;
    for (; p < 9; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, (double)f);
        if (strtof(e, NULL) == f)
            break;
    }
    snprintf(e, sizeof e, "%.*e", p - 1, (double)f);
    int exp10 = atoi(strchr(e, 'e') + 1);
    if (exp10 < -4 || exp10 >= 6) {
        snprintf(buf, n, "%s", e);
        return;
    }
    int decimals = p - 1 - exp10;
    snprintf(buf, n, "%.*f", decimals > 0 ? decimals : 0, (double)f);
}
