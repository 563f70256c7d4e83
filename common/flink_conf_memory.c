/* flink_conf, memory sizes: Flink's MemorySize syntax with the Apache operator's fallback to
 * Kubernetes quantities (ResourceConfigUtils.parseResourceMemoryString). Kept apart from the
 * rest of flink_conf because it is the only part that needs common/quantity. */
#include "common/flink_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf_internal.h"
#include "common/quantity.h"

/* MemorySize.MemoryUnit: every unit is binary, whatever its spelling. */
static const struct {
    const char *names[3];
    int64_t multiplier;
} memory_units[] = {
    {{"b", "bytes", NULL}, 1},
    {{"k", "kb", "kibibytes"}, 1024LL},
    {{"m", "mb", "mebibytes"}, 1024LL * 1024},
    {{"g", "gb", "gibibytes"}, 1024LL * 1024 * 1024},
    {{"t", "tb", "tebibytes"}, 1024LL * 1024 * 1024 * 1024},
};
#define N_MEMORY_UNITS (sizeof memory_units / sizeof memory_units[0])

fo_rc fo_flink_memory_parse_flink(const char *text, int64_t *bytes, fo_err *err)
{
    char buf[FO_FLINK_CONF_VALUE_MAX], unit[FO_FLINK_CONF_VALUE_MAX];
    if (!text)
        return fo_err_set(err, FO_EINVAL, "memory size is missing");
    const char *t = fo_flink_conf_trim(text, buf, sizeof buf);
    if (!t)
        return fo_err_set(err, FO_EINVAL, "memory size '%.40s...' is too long", text);
    if (!*t)
        return fo_err_set(err, FO_EINVAL, "memory size '%s' is empty", text);
    if (fo_flink_conf_split_unit(t, unit, sizeof unit) == 0)
        return fo_err_set(err, FO_EINVAL, "memory size '%s' does not start with a number", text);
    const char *u = unit;
    int64_t mult = 1;
    if (*u) {
        mult = 0;
        for (size_t i = 0; i < N_MEMORY_UNITS && !mult; i++)
            for (size_t j = 0; j < 3 && memory_units[i].names[j]; j++)
                if (strcmp(u, memory_units[i].names[j]) == 0)
                    mult = memory_units[i].multiplier;
        if (!mult)
            return fo_err_set(err, FO_EINVAL,
                              "memory size '%s': unit '%s' is not one of b, bytes, k, kb, "
                              "kibibytes, m, mb, mebibytes, g, gb, gibibytes, t, tb, tebibytes",
                              text, u);
    }
    errno = 0;
    unsigned long long n = strtoull(t, NULL, 10);
    if (errno == ERANGE || n > (unsigned long long)INT64_MAX || (int64_t)n > INT64_MAX / mult)
        return fo_err_set(err, FO_ELIMIT, "memory size '%s' does not fit in 64 bits", text);
    *bytes = (int64_t)n * mult;
    return FO_OK;
}

fo_rc fo_flink_memory_parse(const char *text, int64_t *bytes, fo_err *err)
{
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_flink_memory_parse_flink(text, bytes, &ferr);
    if (rc == FO_OK)
        return FO_OK;
    if (!text || rc == FO_ELIMIT)
        return fo_err_set(err, rc, "%s", ferr.message);

    /* ResourceConfigUtils.formatMemoryStringForK8sSpec: drop all whitespace, upper-case, drop
     * one trailing B, and turn a trailing I back into i ("2GI" -> "2Gi"). */
    char q[FO_FLINK_CONF_VALUE_MAX];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        if (n + 1 >= sizeof q)
            return fo_err_set(err, FO_EINVAL, "memory size '%.40s...' is too long", text);
        q[n++] = (char)toupper((unsigned char)*p);
    }
    q[n] = '\0';
    if (n > 0 && q[n - 1] == 'B')
        q[--n] = '\0';
    if (n > 0 && q[n - 1] == 'I')
        q[n - 1] = 'i';

    fo_quantity quantity;
    fo_err qerr;
    fo_err_clear(&qerr);
    if (n == 0 || fo_quantity_parse(q, &quantity, &qerr) != FO_OK)
        return fo_err_set(err, FO_EINVAL,
                          "memory size '%s' is neither a Flink memory size (%s) nor a "
                          "Kubernetes quantity",
                          text, ferr.message);
    /* Quantity.Value(): fractions of a byte round away from zero. */
    int64_t v = fo_quantity_value(&quantity);
    if (v == INT64_MAX || v == INT64_MIN)
        return fo_err_set(err, FO_ELIMIT, "memory size '%s' does not fit in 64 bits", text);
    *bytes = v;
    return FO_OK;
}

char *fo_flink_memory_format(int64_t bytes, char *buf, size_t len)
{
    /* MemorySize.formatToString: the unit before the first one that does not divide exactly;
     * when every unit divides (0, whole TiB) Flink falls back to bytes. */
    static const char *const names[] = {"bytes", "kb", "mb", "gb", "tb"};
    size_t unit = 0;
    for (size_t i = 0; i < N_MEMORY_UNITS; i++) {
        if (bytes % memory_units[i].multiplier != 0) {
            unit = i == 0 ? 0 : i - 1;
            break;
        }
    }
    snprintf(buf, len, "%lld %s", (long long)(bytes / memory_units[unit].multiplier), names[unit]);
    return buf;
}
