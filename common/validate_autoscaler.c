/* Autoscaler option rules (reference b.6, flink-autoscaler's AutoscalerValidator and
 * CalendarUtils) and the metrics-window rule (b.3 item 14). Every option is read under its
 * job.autoscaler.* key, then its deprecated and old kubernetes.operator.job.autoscaler.* keys,
 * as Flink's ConfigOption fallbacks do. */
#include "common/validate_common.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"

#define AS "job.autoscaler."
#define OLD "kubernetes.operator.job.autoscaler."
#define RECONCILE_INTERVAL "kubernetes.operator.reconcile.interval"
/* OPERATOR_RECONCILE_INTERVAL's deprecated key, which Flink's Configuration reads too. */
static const char *const reconcile_interval_deprecated[] = {
    "kubernetes.operator.reconciler.reschedule.interval", NULL};
#define EXCLUDED_MAX 256 /* excluded.periods entries looked at */

/* The value of an autoscaler option: main key, deprecated keys, then the old-prefix keys. */
static const char *lookup(const json_t *conf, const char *name, const char *deprecated)
{
    char k[256];
    const char *candidates[4][2] = {{AS, name}, {AS, deprecated}, {OLD, name}, {OLD, deprecated}};
    for (int i = 0; i < 4; i++) {
        if (!candidates[i][1])
            continue;
        snprintf(k, sizeof k, "%s%s", candidates[i][0], candidates[i][1]);
        const char *v = fo_json_str(conf, k);
        if (v)
            return v;
    }
    return NULL;
}

typedef struct as_ctx {
    const json_t *conf;
    fo_field_errors *errs; /* NULL: check quietly */
} as_ctx;

/* The error names the key the user wrote (an old-prefix or deprecated one as well): the one
 * whose value is `value` (a string of conf, as lookup returned it); the main key otherwise. */
static void add_error(as_ctx *c, const char *name, const char *value, const char *fmt_detail)
{
    char key[256], field[FO_VALIDATE_FIELD_MAX];
    if (!c->errs)
        return;
    snprintf(key, sizeof key, AS "%s", name);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)c->conf, k, v)
    {
        if (value && json_string_value(v) == value) {
            snprintf(key, sizeof key, "%s", k);
            break;
        }
    }
    fo_field_errors_add(c->errs, FO_FE_INVALID, fo_validate_conf_field(field, key), value, "%s",
                        fmt_detail);
}

/* A boolean option (default false); a bad value is reported. */
static bool get_flag(as_ctx *c, const char *name, const char *deprecated)
{
    const char *v = lookup(c->conf, name, deprecated);
    bool b = false;
    if (v && !fo_flink_parse_bool(v, &b)) {
        char detail[320];
        snprintf(detail, sizeof detail, "Invalid value in the autoscaler config " AS "%s", name);
        add_error(c, name, v, detail);
        return false;
    }
    return b;
}

/* A double option: false when absent without default or unparseable (reported). */
static bool get_number(as_ctx *c, const char *name, const char *deprecated, const double *dflt,
                       double *out, const char **text)
{
    const char *v = lookup(c->conf, name, deprecated);
    *text = v;
    if (!v) {
        if (!dflt)
            return false;
        *out = *dflt;
        return true;
    }
    if (!fo_flink_parse_double(v, out)) {
        char detail[320];
        snprintf(detail, sizeof detail, "Invalid value in the autoscaler config " AS "%s", name);
        add_error(c, name, v, detail);
        return false;
    }
    return true;
}

/* AutoscalerValidator.validateNumber: min/max NULL = unbounded; bounds printed as Java
 * doubles ("0.0", "1.0", "+Infinity"). */
static void check_range(as_ctx *c, const char *name, const char *deprecated, double dflt_v,
                        bool has_dflt, const double *min, const double *max)
{
    double v;
    const char *text;
    if (!get_number(c, name, deprecated, has_dflt ? &dflt_v : NULL, &v, &text))
        return;
    if ((min && v < *min) || (max && v > *max)) {
        char lo[40], hi[40], detail[400];
        snprintf(detail, sizeof detail,
                 "The AutoScalerOption " AS "%s is invalid, it should be a value within the range "
                 "[%s, %s]",
                 name, min ? fo_flink_format_double(*min, lo, sizeof lo) : "-Infinity",
                 max ? fo_flink_format_double(*max, hi, sizeof hi) : "+Infinity");
        add_error(c, name, text, detail);
    }
}

static void check_excluded_periods(as_ctx *c)
{
    const char *v = lookup(c->conf, "excluded.periods", NULL);
    if (!v)
        return;
    /* A list option: ';'-separated (single-quoted items may contain ';'). */
    size_t len = strlen(v), count = 0;
    char *item = malloc(len + 1);
    if (!item)
        return;
    const char *p = v;
    while (*p && count < EXCLUDED_MAX) {
        size_t n = 0;
        bool quoted = *p == '\'';
        if (quoted) {
            p++;
            while (*p && !(*p == '\'' && p[1] != '\'')) {
                if (*p == '\'')
                    p++;
                item[n++] = *p++;
            }
            if (*p == '\'')
                p++;
            while (*p && *p != ';')
                p++;
        } else {
            while (*p && *p != ';')
                item[n++] = *p++;
        }
        item[n] = '\0';
        if (*p == ';')
            p++;
        count++;

        /* CalendarUtils.validateExcludedExpression: "daily", "cron" or "daily && cron". */
        char *parts[3] = {NULL};
        int np = 0;
        char *s = item;
        for (;;) {
            char *amp = strstr(s, "&&");
            if (np < 3)
                parts[np] = s;
            np++;
            if (!amp)
                break;
            *amp = '\0';
            s = amp + 2;
        }
        char detail[600];
        const char *why = NULL;
        bool daily_seen = false, cron_seen = false;
        if (np > 2) {
            why = "";
        } else {
            for (int i = 0; i < np && !why; i++) {
                char *t = parts[i];
                while (isspace((unsigned char)*t))
                    t++;
                size_t tl = strlen(t);
                while (tl > 0 && isspace((unsigned char)t[tl - 1]))
                    t[--tl] = '\0';
                bool daily = fo_validate_daily_range(t), cron = fo_validate_quartz_cron(t);
                daily_seen |= daily;
                cron_seen |= cron;
                if (!daily && !cron)
                    why = ", the value is neither a valid daily expression nor a valid cron "
                          "expression";
            }
            if (!why && np == 2 && !(daily_seen && cron_seen))
                why = ", the value can not be configured as dailyExpression && dailyExpression "
                      "or cronExpression && cronExpression";
        }
        if (why) {
            snprintf(detail, sizeof detail,
                     "Invalid value %.200s in the autoscaler config " AS "excluded.periods%s", v,
                     why);
            add_error(c, "excluded.periods", v, detail);
            break; /* Apache reports the first bad entry */
        }
    }
    free(item);
}

static void check_metrics_window(as_ctx *c, const fo_validate_env *env)
{
    const char *wtext = lookup(c->conf, "metrics.window", NULL);
    int64_t window = 15 * 60 * 1000, interval = 0;
    fo_err err;
    fo_err_clear(&err);
    if (wtext && fo_flink_duration_parse(wtext, &window, &err) != FO_OK) {
        add_error(c, "metrics.window", wtext,
                  "Invalid value in the autoscaler config " AS "metrics.window");
        return;
    }
    /* The interval a resource may set for itself, else the operator's, else 1 min. */
    const char *itext =
        fo_flink_conf_get(c->conf, RECONCILE_INTERVAL, reconcile_interval_deprecated);
    if (!itext || fo_flink_duration_parse(itext, &interval, NULL) != FO_OK)
        interval = env && env->reconcile_interval_ms > 0 ? env->reconcile_interval_ms : 60000;
    if (window < interval) {
        char w[48], i[48], detail[600];
        snprintf(detail, sizeof detail,
                 "The autoscaler metric window (" AS "metrics.window=%s) must not be smaller than "
                 "the operator reconcile interval (" RECONCILE_INTERVAL "=%s), otherwise fewer "
                 "than two metric samples are retained and autoscaling is never applied.",
                 fo_flink_duration_format_iso(window, w, sizeof w),
                 fo_flink_duration_format_iso(interval, i, sizeof i));
        add_error(c, "metrics.window", wtext, detail);
    }
}

void fo_validate_autoscaler(const json_t *conf, const fo_validate_env *env, fo_field_errors *errs)
{
    as_ctx c = {conf, errs};
    if (!get_flag(&c, "enabled", NULL))
        return;
    static const double zero = 0.0, one = 1.0, hundredth = 0.01;

    check_range(&c, "scale-down.max-factor", NULL, 0.6, true, &zero, NULL);
    check_range(&c, "scale-up.max-factor", NULL, 100000.0, true, &zero, NULL);
    check_range(&c, "utilization.target", "target.utilization", 0.7, true, &zero, &one);
    check_range(&c, "target.utilization.boundary", NULL, 0.3, true, &zero, NULL);
    /* utilization.max and .min are bounded by the target's value (its default 0.7). */
    double target = 0.7;
    const char *ttext;
    as_ctx quiet = {conf, NULL};
    bool have_target =
        get_number(&quiet, "utilization.target", "target.utilization", &target, &target, &ttext);
    if (have_target) {
        check_range(&c, "utilization.max", NULL, 0, false, &target, &one);
        check_range(&c, "utilization.min", NULL, 0, false, &zero, &target);
    }
    check_range(&c, "memory.gc-pressure.threshold", NULL, 1.0, true, &zero, &one);
    check_range(&c, "memory.heap-usage.threshold", NULL, 1.0, true, &zero, &one);
    if (get_flag(&c, "observed-scalability.enabled", NULL))
        check_range(&c, "observed-scalability.coefficient-min", NULL, 0.5, true, &hundredth, &one);
    if (get_flag(&c, "scaling.effectiveness.detection.enabled", NULL))
        check_range(&c, "scaling.effectiveness.threshold", NULL, 0.1, true, &zero, &one);
    if (get_flag(&c, "memory.tuning.enabled", NULL))
        check_range(&c, "memory.tuning.overhead", NULL, 0.2, true, &zero, &one);
    check_excluded_periods(&c);
    check_metrics_window(&c, env);
}

/* ---- Quartz ------------------------------------------------------------------------------- */

/* DailyCalendar time: HH:MM[:SS[:mmm]] (Integer.parseInt of each part, then range checks).
 * Returns milliseconds of the day or -1. */
static long daily_time(const char *s, size_t n)
{
    long parts[4] = {0, 0, 0, 0}, limits[4] = {23, 59, 59, 999};
    int np = 0;
    size_t i = 0;
    while (i <= n) {
        if (np == 4)
            return -1;
        size_t start = i;
        bool neg = i < n && (s[i] == '-' || s[i] == '+');
        if (neg)
            return -1;
        long v = 0;
        while (i < n && isdigit((unsigned char)s[i])) {
            v = v * 10 + (s[i] - '0');
            if (v > 100000)
                return -1;
            i++;
        }
        if (i == start || (i < n && s[i] != ':'))
            return -1;
        if (v > limits[np])
            return -1;
        parts[np++] = v;
        i++;
    }
    if (np < 2)
        return -1;
    return ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + parts[3];
}

bool fo_validate_daily_range(const char *expr)
{
    /* CalendarUtils.interpretAsDaily: split("-") into exactly two parts. */
    const char *dash = strchr(expr, '-');
    if (!dash || strchr(dash + 1, '-'))
        return false;
    long a = daily_time(expr, (size_t)(dash - expr));
    long b = daily_time(dash + 1, strlen(dash + 1));
    return a >= 0 && b >= 0 && a < b; /* DailyCalendar: "Invalid time range" unless before */
}

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

enum cron_field { SEC, MIN, HOUR, DOM, MONTH, DOW, YEAR };
static const int cron_lo[] = {0, 0, 0, 1, 1, 1, 1970};
static const int cron_hi[] = {59, 59, 23, 31, 12, 7, 2199};

/* A number or (month/day-of-week) name; returns the end or NULL. */
static const char *cron_value(const char *p, enum cron_field f, int *out)
{
    if (isdigit((unsigned char)*p)) {
        long v = 0;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (*p++ - '0');
            if (v > 100000)
                return NULL;
        }
        *out = (int)v;
        return v >= cron_lo[f] && v <= cron_hi[f] ? p : NULL;
    }
    const char *const *names = f == MONTH ? month_names : f == DOW ? day_names : NULL;
    size_t count = f == MONTH ? 12 : 7;
    for (size_t i = 0; names && i < count; i++) {
        if (strncasecmp(p, names[i], 3) == 0) {
            *out = (int)i + 1;
            return p + 3;
        }
    }
    return NULL;
}

/* One comma-separated item of a cron field. */
static bool cron_item(const char *s, enum cron_field f)
{
    const char *p = s;
    int a = 0, b = 0;
    if (f == DOM && (strcasecmp(p, "L") == 0 || strcasecmp(p, "LW") == 0))
        return true;
    if (f == DOM && (p[0] == 'L' || p[0] == 'l') && p[1] == '-') {
        p = cron_value(p + 2, DOM, &a);
        return p && !*p && a <= 30;
    }
    if (*p == '*') {
        p++;
    } else {
        p = cron_value(p, f, &a);
        if (!p)
            return false;
        if (f == DOM && (*p == 'W' || *p == 'w') && !p[1])
            return true;
        if (f == DOW && (*p == 'L' || *p == 'l') && !p[1])
            return true;
        if (f == DOW && *p == '#') {
            p = cron_value(p + 1, DOW, &b);
            return p && !*p && b >= 1 && b <= 5;
        }
        if (*p == '-') {
            p = cron_value(p + 1, f, &b);
            if (!p)
                return false;
        }
    }
    if (*p == '/') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        long inc = 0;
        while (isdigit((unsigned char)*p)) {
            inc = inc * 10 + (*p++ - '0');
            if (inc > 100000)
                return false;
        }
        if (inc < 1)
            return false;
    }
    return *p == '\0';
}

static bool cron_field_ok(char *field, enum cron_field f)
{
    if (strcmp(field, "?") == 0)
        return f == DOM || f == DOW;
    if (f == DOW && strcasecmp(field, "L") == 0)
        return true;
    char *save = NULL;
    bool any = false;
    for (char *item = strtok_r(field, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (!cron_item(item, f))
            return false;
        any = true;
    }
    return any;
}

bool fo_validate_quartz_cron(const char *expr)
{
    char buf[256];
    if (strlen(expr) >= sizeof buf)
        return false;
    snprintf(buf, sizeof buf, "%s", expr);
    char *fields[8];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 7)
            return false;
        fields[n++] = t;
    }
    if (n < 6)
        return false;
    /* Quartz: exactly one of day-of-month and day-of-week is '?'. */
    bool dom_q = strcmp(fields[DOM], "?") == 0, dow_q = strcmp(fields[DOW], "?") == 0;
    if (dom_q == dow_q)
        return false;
    for (int i = 0; i < n; i++)
        if (!cron_field_ok(fields[i], (enum cron_field)i))
            return false;
    return true;
}
