#include "common/flag_values.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DURATION_TEXT_MAX 64

static const struct {
    const char *unit;
    double ms;
} units[] = {
    {"ns", 1e-6}, {"us", 1e-3}, {"\xC2\xB5s", 1e-3}, {"\xCE\xBCs", 1e-3},
    {"ms", 1.0},  {"s", 1e3},   {"m", 60e3},         {"h", 3600e3},
};

fo_rc fo_go_duration_parse(const char *text, int64_t *ms, fo_err *err)
{
    if (!text || !*text || strlen(text) > DURATION_TEXT_MAX)
        return fo_err_set(err, FO_EINVAL, "\"%s\" is not a duration (like 500ms, 15s, 1m30s)",
                          text ? text : "");
    const char *p = text;
    if (*p == '+')
        p++;
    else if (*p == '-')
        return fo_err_set(err, FO_EINVAL, "\"%s\": a duration here cannot be negative", text);
    if (strcmp(p, "0") == 0) {
        *ms = 0;
        return FO_OK;
    }
    double total = 0;
    bool any = false;
    while (*p) {
        const char *start = p;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p))
                p++;
        }
        if (p == start || (p - start == 1 && *start == '.'))
            return fo_err_set(err, FO_EINVAL, "\"%s\" is not a duration (like 500ms, 15s, 1m30s)",
                              text);
        double v = strtod(start, NULL);
        size_t best = 0;
        double factor = 0;
        for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
            size_t n = strlen(units[i].unit);
            if (n > best && strncmp(p, units[i].unit, n) == 0) {
                best = n;
                factor = units[i].ms;
            }
        }
        if (!best)
            return fo_err_set(err, FO_EINVAL,
                              "\"%s\": missing or unknown unit (ns, us, ms, s, m, h)", text);
        p += best;
        total += v * factor;
        any = true;
    }
    if (!any || total > 9.2e15)
        return fo_err_set(err, FO_EINVAL, "\"%s\" is not a usable duration", text);
    *ms = (int64_t)llround(total);
    return FO_OK;
}

bool fo_flag_bool_parse(const char *s, bool *out)
{
    if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0) {
        *out = true;
        return true;
    }
    if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0) {
        *out = false;
        return true;
    }
    return false;
}

fo_rc fo_flag_namespaces_parse(char *buf, const char **out, size_t max, const char *flag,
                               fo_err *err)
{
    size_t n = 0;
    char *save = NULL;
    out[0] = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (!*tok)
            continue;
        /* a DNS label (RFC 1123), as Kubernetes names namespaces */
        size_t len = strlen(tok);
        bool label = len <= 63 && tok[0] != '-' && tok[len - 1] != '-';
        for (const char *q = tok; label && *q; q++)
            label = islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '-';
        if (!label)
            return fo_err_set(err, FO_EINVAL,
                              "%s: \"%s\" is not a namespace name (a DNS label: lower case "
                              "letters, digits and '-', at most 63, '-' not first or last)",
                              flag, tok);
        bool again = false;
        for (size_t i = 0; i < n && !again; i++)
            again = strcmp(out[i], tok) == 0;
        if (again)
            continue; /* named twice: watched once */
        if (n >= max)
            return fo_err_set(err, FO_ELIMIT, "%s: more than %zu namespaces", flag, max);
        out[n++] = tok;
        out[n] = NULL;
    }
    return FO_OK;
}
