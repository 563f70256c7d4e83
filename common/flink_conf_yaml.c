/* flink_conf, a plain YAML scalar as Flink's standard YAML reading gives it back as text.
 *
 * Flink 1.19+ reads a map option from config.yaml with YamlParserUtils (snakeyaml 1.x, YAML
 * 1.1 resolution: SafeConstructor's Resolver) and turns each key and value that is not a String
 * into text with YamlParserUtils.toYAMLString (ConfigurationUtils.convertToString): a Double as
 * Double.toString ("1.0", "1.0E7"), ".inf", "-.inf" and ".NaN"; an Integer, Long or BigInteger
 * in decimal. A construction that throws (NumberFormatException) makes Flink fall back to the
 * legacy syntax: NULL here. go-yaml's rules (fo_yaml_parse) differ: "2.0" would be 2, "y" a
 * boolean, "0o17" a number, "1:30" a string. */
#include "common/flink_conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

/* Digits of base radix in [s, end) (with '_' between them), at least one, into *out; false on
 * other characters or a value above UINT64_MAX. */
static bool digits_in(const char *s, const char *end, int radix, uint64_t *out)
{
    uint64_t v = 0;
    bool any = false;
    for (; s < end; s++) {
        if (*s == '_')
            continue;
        int d = isdigit((unsigned char)*s)    ? *s - '0'
                : isxdigit((unsigned char)*s) ? tolower((unsigned char)*s) - 'a' + 10
                                              : radix;
        if (d >= radix || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)radix)
            return false;
        v = v * (uint64_t)radix + (uint64_t)d;
        any = true;
    }
    *out = v;
    return any;
}

/* The largest base 2, 8 or 16 number turned into decimal text (a BigInteger in Flink), in
 * bits of its digits. A config.yaml value holds up to 1 MiB of such numbers and the conversion
 * takes time quadratic in each; a longer one is refused. */
#define FO_FLINK_YAML_RADIX_MAX_BITS 1024u

/* The digits of base radix in s ('_' dropped by the caller), checked by the Resolver, as
 * decimal text: what BigInteger.toString gives. Caller frees; NULL past the limit or on
 * ENOMEM. */
static char *radix_to_decimal(const char *s, int radix)
{
    enum { LIMB = 1000000000 }; /* nine decimal digits per limb, least significant first */
    unsigned bits = radix == 2 ? 1 : radix == 8 ? 3 : 4;
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

/* [0-9][0-9_]* ([1-9] first when first_nonzero) and one or more ":[0-5]?[0-9]" (base-60
 * parts), then for a float "." and [0-9_]*. */
static bool sexagesimal(const char *s, bool first_nonzero, bool is_float)
{
    if (!isdigit((unsigned char)*s) || (first_nonzero && *s == '0'))
        return false;
    while (isdigit((unsigned char)*s) || *s == '_')
        s++;
    int parts = 0;
    while (*s == ':') {
        s++;
        if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])) {
            if (s[0] > '5')
                return false;
            s += 2;
        } else if (isdigit((unsigned char)s[0])) {
            s++;
        } else {
            return false;
        }
        parts++;
    }
    if (!parts)
        return false;
    if (!is_float)
        return *s == '\0';
    if (*s++ != '.')
        return false;
    while (isdigit((unsigned char)*s) || *s == '_')
        s++;
    return *s == '\0';
}

/* Resolver.FLOAT's decimal forms (snakeyaml 1.29+, issue 506): a digit first and a '.', or a
 * digit first and an exponent, or '.' and [0-9_]+:
 * [-+]?([0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+|
 * \.[0-9_]+([eE][-+]?[0-9]+)?). "09", "0_8" and "_1" are no float there: they stay text. */
static bool decimal_float(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    bool dot = *s == '.';
    if (dot) {
        if (!isdigit((unsigned char)s[1]) && s[1] != '_')
            return false;
        s++;
    } else if (!isdigit((unsigned char)*s)) {
        return false;
    }
    while (isdigit((unsigned char)*s) || *s == '_')
        s++;
    if (!dot && *s == '.')
        for (dot = true, s++; isdigit((unsigned char)*s) || *s == '_';)
            s++;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
        return *s == '\0';
    }
    return dot && *s == '\0';
}

/* Between min and max digits at *p, moved past them. */
static bool digit_run(const char **p, int min, int max)
{
    int n = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        (*p)++;
        n++;
    }
    return n >= min;
}

/* Resolver.TIMESTAMP, matched whole: yyyy-mm-dd, or yyyy-m-d, 'T' (or blanks), h:mm:ss, an
 * optional fraction and an optional zone (blanks, then Z or +h[:mm]):
 * ^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?
 *   :[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)$
 * Anything else is a string to snakeyaml ("2024-05-01 run at 02:00", "2024-05-01 12:00"). Each
 * optional digit can be taken greedily: what follows it is never a digit. */
static bool timestamp(const char *s)
{
    const char *p = s;
    if (!digit_run(&p, 4, 4) || *p++ != '-')
        return false;
    if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == '-' &&
        isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) && p[5] == '\0')
        return true;
    if (!digit_run(&p, 1, 2) || *p++ != '-' || !digit_run(&p, 1, 2))
        return false;
    if (*p == 'T' || *p == 't') {
        p++;
    } else {
        if (*p != ' ' && *p != '\t')
            return false;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (!digit_run(&p, 1, 2) || *p++ != ':' || !digit_run(&p, 2, 2) || *p++ != ':' ||
        !digit_run(&p, 2, 2))
        return false;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == '\0')
        return true;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == 'Z')
        return p[1] == '\0';
    if (*p != '+' && *p != '-')
        return false;
    p++;
    if (!digit_run(&p, 1, 2))
        return false;
    if (*p == ':' && (p++, !digit_run(&p, 2, 2)))
        return false;
    return *p == '\0';
}

/* The text of a double as snakeyaml's representer writes it. */
static json_t *double_text(double d)
{
    char buf[64];
    if (isnan(d))
        return json_string(".NaN");
    if (isinf(d))
        return json_string(d < 0 ? "-.inf" : ".inf");
    return json_string(fo_flink_format_double(d, buf, sizeof buf));
}

/* SafeConstructor.ConstructYamlFloat: '_' dropped, the sign taken off, then Double.valueOf
 * (or base 60). */
static json_t *yaml_float(const char *s)
{
    fo_strbuf b;
    fo_strbuf_init(&b, 0);
    for (const char *p = s; *p; p++)
        if (*p != '_')
            fo_strbuf_putc(&b, *p);
    const char *v = b.data ? b.data : "";
    double sign = 1;
    if (*v == '-' || *v == '+')
        sign = *v++ == '-' ? -1 : 1;
    json_t *out = NULL;
    if (strcasecmp(v, ".inf") == 0) {
        out = double_text(sign * INFINITY);
    } else if (strcasecmp(v, ".nan") == 0) {
        out = double_text(NAN);
    } else if (strchr(v, ':')) {
        /* bes is a Java int there: past 60^5 it wraps, and so does the value */
        double val = 0;
        uint32_t bes = 1;
        const char *end = v + strlen(v);
        while (end > v) {
            const char *start = end;
            while (start > v && start[-1] != ':')
                start--;
            val += strtod(start, NULL) * (double)(int32_t)bes;
            bes *= 60;
            end = start > v ? start - 1 : v;
        }
        out = double_text(sign * val);
    } else {
        /* "." (from "._"): Double.valueOf throws, the legacy syntax; so does nothing */
        char *rest = NULL;
        double d = strtod(v, &rest);
        if (*v && rest && *rest == '\0')
            out = double_text(sign * d);
    }
    fo_strbuf_release(&b);
    return out;
}

/* SafeConstructor.ConstructYamlInt, in decimal: '_' dropped, the sign taken off, then base 2,
 * 16, 8 (a leading 0), 60 or 10, at any size (a BigInteger). NULL where it throws. */
static json_t *yaml_int(const char *text)
{
    fo_strbuf b;
    fo_strbuf_init(&b, 0);
    for (const char *p = text; *p; p++)
        if (*p != '_')
            fo_strbuf_putc(&b, *p);
    const char *s = b.data ? b.data : "";
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    char buf[32];
    json_t *out = NULL;
    uint64_t u = 0;
    if (strchr(s, ':')) { /* base 60, summed in a Java int */
        uint32_t val = 0, bes = 1;
        bool ok = true;
        const char *end = s + strlen(s);
        while (end > s) {
            const char *start = end;
            while (start > s && start[-1] != ':')
                start--;
            /* Long.parseLong: a part past Long.MAX_VALUE throws */
            ok = ok && digits_in(start, end, 10, &u) && u <= (uint64_t)INT64_MAX;
            val += (uint32_t)u * bes;
            bes *= 60;
            end = start > s ? start - 1 : s;
        }
        int32_t v = (int32_t)val;
        /* A sum that wrapped below zero is "-N"; the sign makes "--N", which no Integer,
         * Long or BigInteger reads: NumberFormatException, the legacy syntax. */
        if (ok && !(neg && v < 0)) {
            snprintf(buf, sizeof buf, "%lld", neg ? -(long long)v : (long long)v);
            out = json_string(buf);
        }
    } else if (s[0] != '0' || !s[1]) { /* base 10 has no leading zeros: its digits at any size */
        snprintf(buf, sizeof buf, "%s", neg && strcmp(s, "0") != 0 ? "-" : "");
        size_t n = strlen(buf) + strlen(s) + 1;
        char *t = malloc(n);
        if (t) {
            snprintf(t, n, "%s%s", buf, s);
            out = json_string(t);
        }
        free(t);
    } else {
        int radix = s[1] == 'b' ? 2 : s[1] == 'x' ? 16 : 8;
        char *dec = radix_to_decimal(s + (radix == 8 ? 1 : 2), radix);
        if (dec) {
            snprintf(buf, sizeof buf, "%s", neg && strcmp(dec, "0") != 0 ? "-" : "");
            size_t n = strlen(buf) + strlen(dec) + 1;
            char *t = malloc(n);
            if (t) {
                snprintf(t, n, "%s%s", buf, dec);
                out = json_string(t);
            }
            free(t);
        } else {
            out = json_array(); /* past FO_FLINK_YAML_RADIX_MAX_BITS */
        }
        free(dec);
    }
    fo_strbuf_release(&b);
    return out;
}

/* Resolver.INT: [-+]? then 0b[01_]+, 0[0-7_]+, 0, [1-9][0-9_]*, 0x[0-9a-fA-F_]+ or base 60. */
static bool yaml_int_form(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (strncmp(s, "0b", 2) == 0)
        return strspn(s + 2, "01_") == strlen(s + 2) && strpbrk(s + 2, "01");
    if (strncmp(s, "0x", 2) == 0)
        return strspn(s + 2, "0123456789abcdefABCDEF_") == strlen(s + 2) &&
               strpbrk(s + 2, "0123456789abcdefABCDEF");
    if (strcmp(s, "0") == 0)
        return true;
    if (s[0] == '0')
        return strspn(s, "01234567_") == strlen(s) && strpbrk(s + 1, "01234567");
    if (*s >= '1' && *s <= '9' && strspn(s, "0123456789_") == strlen(s))
        return true;
    return sexagesimal(s, true, false);
}

json_t *fo_flink_conf_yaml_scalar(const char *s, size_t len, bool is_key)
{
    (void)is_key; /* keys and values go through the same convertToString */
    static const char *const yes[] = {"yes", "Yes",  "YES",  "on",  "On",
                                      "ON",  "true", "True", "TRUE"};
    static const char *const no[] = {"no",  "No",    "NO",    "off",  "Off",
                                     "OFF", "false", "False", "FALSE"};
    char *t = strndup(s, len);
    if (!t || strlen(t) != len) { /* a NUL inside: no Java string holds it as written */
        free(t);
        return NULL;
    }
    json_t *out = NULL;
    if (!*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL")) {
        out = json_null();
        goto done;
    }
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcmp(t, yes[i]) == 0 || strcmp(t, no[i]) == 0) {
            out = json_string(strcmp(t, yes[i]) == 0 ? "true" : "false");
            goto done;
        }
    if (yaml_int_form(t)) {
        out = yaml_int(t);
    } else if (decimal_float(t) || sexagesimal(t + (*t == '-' || *t == '+'), false, true) ||
               !strcmp(t + (*t == '-' || *t == '+'), ".inf") ||
               !strcmp(t + (*t == '-' || *t == '+'), ".Inf") ||
               !strcmp(t + (*t == '-' || *t == '+'), ".INF") || !strcmp(t, ".nan") ||
               !strcmp(t, ".NaN") || !strcmp(t, ".NAN")) {
        out = yaml_float(t);
    } else if (timestamp(t)) {
        out = json_array(); /* a java.util.Date: refused, not guessed */
    } else {
        out = json_stringn(t, len);
    }
done:
    free(t);
    return out;
}
