#include "common/quantity.h"

#include <stdio.h>
#include <string.h>

/* k8s.io/apimachinery/pkg/api/resource: ParseQuantity and its parseQuantityString scanner.
 * The number is kept as a decimal digit string and scaled exactly (binary suffixes by
 * repeated doubling), then rounded up to nanos and capped as ParseQuantity does. */

/* 2^60 adds at most 19 digits to the number. */
#define DIGITS_MAX (FO_QUANTITY_MAX_LEN + 32)

static const struct {
    const char *suffix;
    int exp10;
    int exp2;
} suffixes[] = {
    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"", 0, 0},    {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
    {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static fo_rc invalid(fo_err *err, const char *s, const char *why)
{
    return fo_err_set(err, FO_EINVAL,
                      "invalid quantity \"%s\": %s (quantities must match the regular expression "
                      "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$')",
                      s, why);
}

/* The suffix: exact SI names, or e/E with a signed decimal exponent. */
static bool interpret_suffix(const char *suf, int *exp10, int *exp2)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (strcmp(suf, suffixes[i].suffix) == 0) {
            *exp10 = suffixes[i].exp10;
            *exp2 = suffixes[i].exp2;
            return true;
        }
    }
    if ((suf[0] != 'e' && suf[0] != 'E') || suf[1] == '\0')
        return false;
    const char *p = suf + 1;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!*p)
        return false;
    long v = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return false;
        v = v * 10 + (*p - '0');
        if (v > 100000) /* far beyond anything that is not 0 or the cap */
            v = 100000;
    }
    *exp10 = (int)(neg ? -v : v);
    *exp2 = 0;
    return true;
}

fo_rc fo_quantity_parse(const char *s, fo_quantity *out, fo_err *err)
{
    if (!s || !*s)
        return fo_err_set(err, FO_EINVAL, "invalid quantity: empty");
    size_t len = strnlen(s, FO_QUANTITY_MAX_LEN + 1);
    if (len > FO_QUANTITY_MAX_LEN)
        return fo_err_set(err, FO_EINVAL, "invalid quantity \"%.40s...\": longer than %d bytes", s,
                          FO_QUANTITY_MAX_LEN);

    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    const char *int_start = p;
    while (is_digit(*p))
        p++;
    const char *int_end = p, *frac_start = p, *frac_end = p;
    if (*p == '.') {
        frac_start = ++p;
        while (is_digit(*p))
            p++;
        frac_end = p;
    }
    if (int_end == int_start && frac_end == frac_start)
        return invalid(err, s, "no digits");

    /* parseQuantityString: suffix letters, then an optional sign and digits (an exponent),
     * then the end. */
    const char *suf = p;
    while (*p && strchr("eEinumkKMGTP", *p))
        p++;
    if (*p == '+' || *p == '-')
        p++;
    while (is_digit(*p))
        p++;
    if (*p)
        return invalid(err, s, "unexpected character");
    int exp10, exp2;
    if (!interpret_suffix(suf, &exp10, &exp2))
        return invalid(err, s, "unknown suffix");

    /* digits right-aligned in d[first..DIGITS_MAX) */
    unsigned char d[DIGITS_MAX];
    size_t first = DIGITS_MAX;
    size_t nfrac = (size_t)(frac_end - frac_start);
    for (const char *q = frac_end; q > frac_start;)
        d[--first] = (unsigned char)(*--q - '0');
    for (const char *q = int_end; q > int_start;)
        d[--first] = (unsigned char)(*--q - '0');
    while (first < DIGITS_MAX && d[first] == 0)
        first++;
    exp10 -= (int)nfrac;
    for (int i = 0; i < exp2 && first < DIGITS_MAX; i++) {
        unsigned carry = 0;
        for (size_t j = DIGITS_MAX; j-- > first;) {
            unsigned v = d[j] * 2u + carry;
            d[j] = (unsigned char)(v % 10);
            carry = v / 10;
        }
        if (carry)
            d[--first] = (unsigned char)carry;
    }

    /* Nanos = value * 1e9: its integer digits (at most 28, as the cap is ~9.2e27 nanos) and
     * whether anything was left over (then ParseQuantity rounds up). */
    uint64_t units = 0;
    uint32_t nanos = 0;
    bool capped = false;
    size_t nd = DIGITS_MAX - first;
    if (nd > 0) {
        long k = (long)exp10 + 9;
        long intlen = (long)nd + k;
        bool rest = false;
        if (intlen >= 29) {
            capped = true;
        } else {
            char digits[32];
            long n = 0;
            for (long i = 0; i < intlen; i++)
                digits[n++] = (char)(i < (long)nd ? d[first + (size_t)i] : 0);
            for (long i = intlen < 0 ? 0 : intlen; i < (long)nd; i++)
                rest = rest || d[first + (size_t)i] != 0;
            for (long i = 0; i < n; i++) {
                if (i < n - 9)
                    units = units * 10 + (uint64_t)digits[i];
                else
                    nanos = nanos * 10 + (uint32_t)digits[i];
            }
            if (rest && ++nanos == 1000000000u) {
                nanos = 0;
                units++;
            }
            if (units > (uint64_t)INT64_MAX || (units == (uint64_t)INT64_MAX && nanos > 0))
                capped = true;
        }
        if (capped) {
            units = (uint64_t)INT64_MAX;
            nanos = 0;
        }
    }
    out->units = (int64_t)units;
    out->nanos = (int32_t)nanos;
    out->negative = neg && (units || nanos);
    out->value = (long double)units + (long double)nanos / 1e9L;
    if (out->negative)
        out->value = -out->value;
    return FO_OK;
}

int64_t fo_quantity_value(const fo_quantity *q)
{
    int64_t v = q->units + (q->nanos > 0 && q->units < INT64_MAX ? 1 : 0);
    return q->negative ? -v : v;
}

int64_t fo_quantity_milli_value(const fo_quantity *q)
{
    int64_t extra = (q->nanos + 999999) / 1000000;
    int64_t v;
    if (q->units > (INT64_MAX - extra) / 1000)
        return q->negative ? INT64_MIN : INT64_MAX;
    v = q->units * 1000 + extra;
    return q->negative ? -v : v;
}

int fo_quantity_cmp(const fo_quantity *a, const fo_quantity *b)
{
    int sa = a->negative ? -1 : (a->units || a->nanos) ? 1 : 0;
    int sb = b->negative ? -1 : (b->units || b->nanos) ? 1 : 0;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    int mag = a->units != b->units   ? (a->units < b->units ? -1 : 1)
              : a->nanos != b->nanos ? (a->nanos < b->nanos ? -1 : 1)
                                     : 0;
    return sa < 0 ? -mag : mag;
}

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

char *fo_quantity_format_bytes(int64_t bytes, char *buf, int len)
{
    static const char *const names[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    uint64_t m = magnitude(bytes);
    int k = 0;
    while (m != 0 && k < 6 && m % 1024 == 0) {
        m /= 1024;
        k++;
    }
    if (len > 0)
        snprintf(buf, (size_t)len, "%s%llu%s", bytes < 0 ? "-" : "", (unsigned long long)m,
                 names[k]);
    return buf;
}

char *fo_quantity_format_millis(int64_t millis, char *buf, int len)
{
    static const char *const names[] = {"m", "", "k", "M", "G", "T", "P", "E"};
    uint64_t m = magnitude(millis);
    int k = 0;
    while (m != 0 && k < 7 && m % 1000 == 0) {
        m /= 1000;
        k++;
    }
    if (len > 0)
        snprintf(buf, (size_t)len, "%s%llu%s", millis < 0 ? "-" : "", (unsigned long long)m,
                 m == 0 ? "" : names[k]);
    return buf;
}
