/* flink_conf, a plain YAML scalar as Flink's standard YAML reading gives it back as text.
 *
 * Flink 1.19+ reads config.yaml, and a map option's value, with YamlParserUtils: snakeyaml-engine
 * 2.x with CoreSchema (FLINK-34257), the YAML 1.2 core schema (YAML 1.2.2 section 10.3.2, as
 * CoreScalarResolver spells it). Each key and value that is not a String is turned into text
 * with YamlParserUtils.toYAMLString (ConfigurationUtils.convertToString), that is the engine's
 * StandardRepresenter: a Boolean as "true"/"false", an Integer, Long or BigInteger in decimal, a
 * Double as Double.toString ("1.0", "1.0E7"), ".inf", "-.inf" and ".nan". A construction that
 * throws (NumberFormatException) makes Flink fall back to the legacy syntax: NULL here. There
 * are no YAML 1.1 forms: yes/no/on/off, base 60, 0b, '_' in numbers and timestamps are text.
 * go-yaml's rules (fo_yaml_parse) differ: "2.0" would be 2, "y" a boolean, "1:30" a string. */
#include "common/flink_conf.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest base 8 or 16 number turned into decimal text (a BigInteger in Flink), in
 * bits of its digits. A config.yaml value holds up to 1 MiB of such numbers and the conversion
 * takes time quadratic in each; a longer one is refused. */
#define FO_FLINK_YAML_RADIX_MAX_BITS 1024u

/* The digits of base radix (8 or 16) in s, checked by the resolver, as decimal text: what
 * BigInteger.toString gives. Caller frees; NULL past the limit or on ENOMEM. */
static char *radix_to_decimal(const char *s, int radix)
{
    enum { LIMB = 1000000000 }; /* nine decimal digits per limb, least significant first */
    unsigned bits = radix == 8 ? 3 : 4;
    size_t n = strlen(s);
    if (n > FO_FLINK_YAML_RADIX_MAX_BITS / bits)
        return NULL;
    size_t cap = n * bits / 29 + 2, used = 1; /* 2^29 < 10^9 */
    uint32_t *limb = calloc(cap, sizeof *limb);
    char *text = limb ? malloc(cap * 9 + 1) : NULL;
    if (!text) {
        free(limb);
        return NULL;
    }
    for (const char *p = s; *p; p++) {
        int d = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
        uint64_t carry = (uint64_t)d;
        for (size_t i = 0; i < used || carry; i++) {
            uint64_t x = (i < used ? limb[i] : 0) * (uint64_t)radix + carry;
            limb[i] = (uint32_t)(x % LIMB);
            carry = x / LIMB;
            if (i >= used)
                used = i + 1;
        }
    }
    size_t len = (size_t)snprintf(text, 10, "%u", (unsigned)limb[used - 1]);
    for (size_t i = used - 1; i-- > 0;)
        len += (size_t)snprintf(text + len, 10, "%09u", (unsigned)limb[i]);
    free(limb);
    return text;
}

/* A run of at least one decimal digit at *p, moved past it. */
static bool digits(const char **p)
{
    const char *start = *p;
    while (isdigit((unsigned char)**p))
        (*p)++;
    return *p > start;
}

/* CoreScalarResolver.FLOAT's number form, matched whole:
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool core_float_number(const char *s)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (*p == '.') {
        p++;
        if (!digits(&p))
            return false;
    } else {
        if (!digits(&p))
            return false;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p);)
                p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!digits(&p))
            return false;
    }
    return *p == '\0';
}

/* The text of a double as the engine's StandardRepresenter writes it. */
static json_t *double_text(double d)
{
    char buf[64];
    if (isnan(d))
        return json_string(".nan");
    if (isinf(d))
        return json_string(d < 0 ? "-.inf" : ".inf");
    return json_string(fo_flink_format_double(d, buf, sizeof buf));
}

/* ConstructYamlCoreFloat: the text lower-cased; ".inf", "-.inf" and ".nan" as such, else the
 * sign taken off and the rest through Double.parseDouble, which throws on ".inf" (so "+.inf"
 * gives NULL). */
static json_t *core_float(const char *s)
{
    char low[8];
    size_t n = strlen(s);
    if (n < sizeof low) {
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)tolower((unsigned char)s[i]);
        if (strcmp(low, ".inf") == 0)
            return double_text(INFINITY);
        if (strcmp(low, "-.inf") == 0)
            return double_text(-INFINITY);
        if (strcmp(low, ".nan") == 0)
            return double_text(NAN);
        if (strcmp(low, "+.inf") == 0)
            return NULL;
    }
    double sign = *s == '-' ? -1 : 1;
    if (*s == '-' || *s == '+')
        s++;
    /* the pattern left only decimal forms, which strtod and Double.parseDouble both round
     * correctly */
    return double_text(sign * strtod(s, NULL));
}

/* ConstructYamlCoreInt in decimal: base 10 digits (leading zeros dropped, "-0" is 0) at any
 * size, or 0o / 0x digits as a BigInteger would print them. */
static json_t *core_int(const char *s)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    int radix = strncmp(s, "0o", 2) == 0 ? 8 : strncmp(s, "0x", 2) == 0 ? 16 : 10;
    if (radix == 10) {
        while (s[0] == '0' && s[1])
            s++;
        if (!neg || strcmp(s, "0") == 0)
            return json_string(s);
        size_t n = strlen(s) + 2;
        char *t = malloc(n);
        json_t *out = t ? (snprintf(t, n, "-%s", s), json_string(t)) : NULL;
        free(t);
        return out;
    }
    char *dec = radix_to_decimal(s + 2, radix);
    json_t *out = dec ? json_string(dec) : json_array(); /* past FO_FLINK_YAML_RADIX_MAX_BITS */
    free(dec);
    return out;
}

/* CoreScalarResolver.INT, matched whole: [-+]?[0-9]+, 0o[0-7]+ or 0x[0-9a-fA-F]+. */
static bool core_int_form(const char *s)
{
    if (strncmp(s, "0o", 2) == 0)
        return s[2] && strspn(s + 2, "01234567") == strlen(s + 2);
    if (strncmp(s, "0x", 2) == 0)
        return s[2] && strspn(s + 2, "0123456789abcdefABCDEF") == strlen(s + 2);
    if (*s == '-' || *s == '+')
        s++;
    return *s && strspn(s, "0123456789") == strlen(s);
}

json_t *fo_flink_conf_yaml_scalar(const char *s, size_t len, bool is_key)
{
    (void)is_key; /* keys and values go through the same convertToString */
    char *t = strndup(s, len);
    if (!t || strlen(t) != len) { /* a NUL inside: no Java string holds it as written */
        free(t);
        return NULL;
    }
    json_t *out = NULL;
    if (!*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL"))
        out = json_null();
    else if (!strcmp(t, "true") || !strcmp(t, "True") || !strcmp(t, "TRUE"))
        out = json_string("true");
    else if (!strcmp(t, "false") || !strcmp(t, "False") || !strcmp(t, "FALSE"))
        out = json_string("false");
    else if (core_int_form(t)) /* INT before FLOAT: the float pattern matches ints too */
        out = core_int(t);
    else if (core_float_number(t) || !strcmp(t + (*t == '-' || *t == '+'), ".inf") ||
             !strcmp(t + (*t == '-' || *t == '+'), ".Inf") ||
             !strcmp(t + (*t == '-' || *t == '+'), ".INF") || !strcmp(t, ".nan") ||
             !strcmp(t, ".NaN") || !strcmp(t, ".NAN"))
        out = core_float(t);
    else
        out = json_stringn(t, len);
    free(t);
    return out;
}
