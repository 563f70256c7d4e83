#include "tests/support/exposition.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* The checker's state: families by name ({type, help, sampled, closed}), series seen, the
 * histogram series ({family + labels without le} -> {buckets: [[le, value]...], sum, count}). */
typedef struct checker {
    json_t *families, *series, *histograms;
    char current[256]; /* the family whose lines are being read */
    int line;
    char *why;
    size_t why_size;
} checker;

static bool fail(checker *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->line > 0)
        snprintf(c->why, c->why_size, "line %d: %s", c->line, msg);
    else
        snprintf(c->why, c->why_size, "%s", msg);
    return false;
}

static bool name_ok(const char *s, size_t n, bool metric)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || (metric && s[0] == ':')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (metric && s[i] == ':')))
            return false;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Is word one of the "_"-separated parts of name? */
static bool has_part(const char *name, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = name; (p = strstr(p, word)) != NULL; p++)
        if ((p == name || p[-1] == '_') && (p[n] == '\0' || p[n] == '_'))
            return true;
    return false;
}

/* promtool's lint (promlint) of a family: camelCase, colons, non-base and abbreviated units,
 * the type in the name, counters' _total, the suffixes histograms and summaries reserve. */
static bool lint_family(checker *c, const char *name, const char *type)
{
    static const char *const non_base[] = {"milliseconds", "microseconds", "nanoseconds",
                                           "minutes",      "hours",        "days",
                                           "kilobytes",    "megabytes",    "gigabytes",
                                           NULL};
    static const char *const abbreviated[] = {"ms", "us", "ns", "sec", "secs", "kb", "mb", "gb",
                                              NULL};
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", NULL};
    for (const char *p = name; *p; p++)
        if (isupper((unsigned char)*p))
            return fail(c, "metric %s: names are snake_case, not camelCase", name);
    if (strchr(name, ':'))
        return fail(c, "metric %s: colons are reserved for recording rules", name);
    for (int i = 0; non_base[i]; i++)
        if (has_part(name, non_base[i]))
            return fail(c, "metric %s: use base units, not %s", name, non_base[i]);
    for (int i = 0; abbreviated[i]; i++)
        if (has_part(name, abbreviated[i]))
            return fail(c, "metric %s: the unit %s is abbreviated", name, abbreviated[i]);
    for (int i = 0; types[i]; i++)
        if (has_part(name, types[i]))
            return fail(c, "metric %s: the name holds the type %s", name, types[i]);
    bool counter = strcmp(type, "counter") == 0;
    if (counter != ends_with(name, "_total"))
        return fail(c, "%s %s: only counter names end in _total, and every one does", type,
                    name);
    bool histogram = strcmp(type, "histogram") == 0, summary = strcmp(type, "summary") == 0;
    if (!histogram && !summary &&
        (ends_with(name, "_bucket") || ends_with(name, "_sum") || ends_with(name, "_count")))
        return fail(c, "%s %s: _bucket, _sum and _count belong to histograms and summaries",
                    type, name);
    return true;
}

static json_t *family(checker *c, const char *name)
{
    json_t *f = json_object_get(c->families, name);
    if (!f) {
        f = json_pack("{s:s, s:b, s:b, s:b}", "type", "untyped", "typed", 0, "sampled", 0,
                      "closed", 0);
        json_object_set_new(c->families, name, f);
    }
    return f;
}

static bool meta_line(checker *c, const char *text)
{
    const char *p = text + 1;
    while (*p == ' ' || *p == '\t')
        p++;
    bool help = strncmp(p, "HELP", 4) == 0 && (p[4] == ' ' || p[4] == '\t');
    bool type = strncmp(p, "TYPE", 4) == 0 && (p[4] == ' ' || p[4] == '\t');
    if (!help && !type)
        return true; /* a comment */
    p += 5;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, " \t");
    if (!name_ok(p, n, true) || n >= sizeof c->current)
        return fail(c, "%s of a bad metric name", help ? "HELP" : "TYPE");
    char name[256];
    memcpy(name, p, n);
    name[n] = '\0';
    const char *rest = p + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    json_t *f = family(c, name);
    if (json_is_true(json_object_get(f, "closed")))
        return fail(c, "%s of %s after its group ended", help ? "HELP" : "TYPE", name);
    if (help) {
        if (json_object_get(f, "help"))
            return fail(c, "a second HELP for %s", name);
        for (const char *e = rest; *e; e++)
            if (*e == '\\' && e[1] != '\\' && e[1] != 'n')
                return fail(c, "HELP of %s: only \\\\ and \\n are escapes", name);
            else if (*e == '\\')
                e++;
        json_object_set_new(f, "help", json_string(rest));
    } else {
        static const char *const types[] = {"counter", "gauge", "histogram", "summary",
                                            "untyped", NULL};
        int t = 0;
        while (types[t] && strcmp(types[t], rest) != 0)
            t++;
        if (!types[t])
            return fail(c, "TYPE of %s: unknown type '%s'", name, rest);
        if (json_is_true(json_object_get(f, "typed")))
            return fail(c, "a second TYPE for %s", name);
        if (json_is_true(json_object_get(f, "sampled")))
            return fail(c, "TYPE of %s after its samples", name);
        json_object_set_new(f, "type", json_string(rest));
        json_object_set_new(f, "typed", json_true());
    }
    if (strcmp(c->current, name) != 0) {
        if (c->current[0])
            json_object_set_new(family(c, c->current), "closed", json_true());
        snprintf(c->current, sizeof c->current, "%s", name);
    }
    return true;
}

/* The family a sample name belongs to: a histogram's or summary's base for its suffixes. */
static void family_of(checker *c, const char *name, char *out, size_t size)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count", NULL};
    for (int i = 0; suffixes[i]; i++) {
        if (!ends_with(name, suffixes[i]))
            continue;
        size_t n = strlen(name) - strlen(suffixes[i]);
        char base[256];
        snprintf(base, sizeof base, "%.*s", (int)n, name);
        const char *t = json_string_value(
            json_object_get(json_object_get(c->families, base), "type"));
        if (t && (strcmp(t, "histogram") == 0 ||
                  (strcmp(t, "summary") == 0 && strcmp(suffixes[i], "_bucket") != 0))) {
            snprintf(out, size, "%s", base);
            return;
        }
    }
    snprintf(out, size, "%s", name);
}

/* Labels "{...}" at *pp into labels (name -> value), advancing *pp. */
static bool read_labels(checker *c, const char **pp, json_t *labels)
{
    const char *p = *pp + 1;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '}')
            break;
        size_t n = strcspn(p, "= ");
        if (!name_ok(p, n, false))
            return fail(c, "a bad label name");
        if (n >= 2 && p[0] == '_' && p[1] == '_')
            return fail(c, "label names starting with __ are reserved");
        char lname[128];
        snprintf(lname, sizeof lname, "%.*s", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
        if (*p++ != '=')
            return fail(c, "label %s without '='", lname);
        while (*p == ' ')
            p++;
        if (*p++ != '"')
            return fail(c, "label %s: the value is not quoted", lname);
        fo_strbuf v;
        fo_strbuf_init(&v, 0);
        while (*p && *p != '"') {
            if (*p == '\\') {
                if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') {
                    fo_strbuf_release(&v);
                    return fail(c, "label %s: only \\\\, \\\" and \\n are escapes", lname);
                }
                fo_strbuf_append(&v, p[1] == 'n' ? "\n" : (p[1] == '"' ? "\"" : "\\"), 1);
                p += 2;
            } else {
                fo_strbuf_append(&v, p++, 1);
            }
        }
        if (*p != '"') {
            fo_strbuf_release(&v);
            return fail(c, "label %s: the value is not closed", lname);
        }
        p++;
        if (json_object_get(labels, lname)) {
            fo_strbuf_release(&v);
            return fail(c, "label %s twice", lname);
        }
        json_object_set_new(labels, lname, json_string(v.data ? v.data : ""));
        fo_strbuf_release(&v);
        while (*p == ' ')
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '}')
            return fail(c, "labels not closed by '}'");
        break;
    }
    *pp = p + 1;
    return true;
}

static bool read_float(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (strcmp(buf, "NaN") == 0 || strcmp(buf, "+Inf") == 0 || strcmp(buf, "-Inf") == 0) {
        *out = buf[0] == 'N' ? NAN : (buf[0] == '+' ? INFINITY : -INFINITY);
        return true;
    }
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' && isfinite(*out);
}

/* Note a histogram's sample for the checks at the end. */
static bool note_histogram(checker *c, const char *fam, const char *name, json_t *labels,
                           double value)
{
    json_t *key_labels = json_deep_copy(labels);
    json_t *le = json_object_get(labels, "le");
    bool bucket = ends_with(name, "_bucket");
    if (bucket && !le) {
        json_decref(key_labels);
        return fail(c, "%s without an le label", name);
    }
    json_object_del(key_labels, "le");
    char *lk = json_dumps(key_labels, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(key_labels);
    char key[1024];
    snprintf(key, sizeof key, "%s%s", fam, lk ? lk : "");
    free(lk);
    json_t *h = json_object_get(c->histograms, key);
    if (!h) {
        h = json_pack("{s:[]}", "buckets");
        json_object_set_new(c->histograms, key, h);
    }
    if (bucket) {
        double bound;
        const char *ls = json_string_value(le);
        if (!read_float(ls, strlen(ls), &bound) || isnan(bound))
            return fail(c, "%s: le \"%s\" is no number", name, ls);
        if (!isfinite(value))
            return fail(c, "%s{le=\"%s\"}: a bucket counts, %g is no count", name, ls, value);
        /* the bound as written: jansson holds no infinity */
        json_array_append_new(json_object_get(h, "buckets"), json_pack("[s,f]", ls, value));
    } else if (ends_with(name, "_sum")) {
        json_object_set_new(h, "sum", json_true());
    } else {
        if (!isfinite(value))
            return fail(c, "%s: %g is no count", name, value);
        json_object_set_new(h, "count", json_real(value));
    }
    return true;
}

static bool sample_line(checker *c, const char *text)
{
    const char *p = text;
    size_t n = strcspn(p, "{ \t");
    if (!name_ok(p, n, true) || n >= 256)
        return fail(c, "a bad metric name");
    char name[256], fam[256];
    snprintf(name, sizeof name, "%.*s", (int)n, p);
    p += n;
    json_t *labels = json_object();
    bool ok = true;
    if (*p == '{')
        ok = read_labels(c, &p, labels);
    double value = 0;
    if (ok) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t vn = strcspn(p, " \t");
        if (!read_float(p, vn, &value))
            ok = fail(c, "%s: the value '%.*s' is no float", name, (int)vn, p);
        p += vn;
        while (ok && (*p == ' ' || *p == '\t'))
            p++;
        if (ok && *p) {
            char *end;
            strtoll(p, &end, 10);
            if (end == p || *end)
                ok = fail(c, "%s: the timestamp '%s' is no integer", name, p);
        }
    }
    if (ok) {
        family_of(c, name, fam, sizeof fam);
        json_t *f = family(c, fam);
        const char *ftype = json_string_value(json_object_get(f, "type"));
        const char *lname;
        json_t *lv;
        json_object_foreach(labels, lname, lv) {
            for (const char *q = lname; ok && *q; q++)
                if (isupper((unsigned char)*q))
                    ok = fail(c, "%s: label %s is camelCase", name, lname);
            if (ok && strcmp(lname, "le") == 0 && strcmp(ftype, "histogram") != 0)
                ok = fail(c, "%s: the label le belongs to histograms", name);
            if (ok && strcmp(lname, "quantile") == 0 && strcmp(ftype, "summary") != 0)
                ok = fail(c, "%s: the label quantile belongs to summaries", name);
        }
    }
    if (ok) {
        json_t *f = family(c, fam);
        if (json_is_true(json_object_get(f, "closed")))
            ok = fail(c, "%s: the lines of family %s are not one group", name, fam);
        if (ok && strcmp(c->current, fam) != 0) {
            if (c->current[0])
                json_object_set_new(family(c, c->current), "closed", json_true());
            snprintf(c->current, sizeof c->current, "%s", fam);
        }
        json_object_set_new(f, "sampled", json_true());
        char *lk = json_dumps(labels, JSON_SORT_KEYS | JSON_COMPACT);
        char key[1024];
        snprintf(key, sizeof key, "%s%s", name, lk ? lk : "");
        free(lk);
        if (ok && json_object_get(c->series, key))
            ok = fail(c, "the series %s twice", key);
        json_object_set_new(c->series, key, json_true());
        const char *type = json_string_value(json_object_get(f, "type"));
        if (ok && strcmp(type, "counter") == 0 && !(value >= 0))
            ok = fail(c, "counter %s: %g is negative", name, value);
        if (ok && strcmp(type, "histogram") == 0)
            ok = note_histogram(c, fam, name, labels, value);
    }
    json_decref(labels);
    return ok;
}

static double bound_of(const json_t *bucket)
{
    const char *le = json_string_value(json_array_get(bucket, 0));
    double v = 0;
    read_float(le, strlen(le), &v);
    return v;
}

static int by_bound(const void *a, const void *b)
{
    double x = bound_of(*(json_t *const *)a), y = bound_of(*(json_t *const *)b);
    return x < y ? -1 : x > y;
}

static bool check_histograms(checker *c)
{
    const char *key;
    json_t *h;
    json_object_foreach(c->histograms, key, h) {
        json_t *buckets = json_object_get(h, "buckets");
        size_t n = json_array_size(buckets);
        json_t **b = calloc(n ? n : 1, sizeof *b);
        for (size_t i = 0; i < n; i++)
            b[i] = json_array_get(buckets, i);
        qsort(b, n, sizeof *b, by_bound);
        bool ok = true;
        for (size_t i = 1; ok && i < n; i++)
            if (json_real_value(json_array_get(b[i], 1)) <
                json_real_value(json_array_get(b[i - 1], 1)))
                ok = fail(c, "histogram %s: buckets are not cumulative", key);
        double inf = n ? bound_of(b[n - 1]) : 0;
        double top = n ? json_real_value(json_array_get(b[n - 1], 1)) : 0;
        free(b);
        if (!ok)
            return false;
        if (n == 0 || !isinf(inf))
            return fail(c, "histogram %s: no le=\"+Inf\" bucket", key);
        json_t *count = json_object_get(h, "count");
        if (!count || json_real_value(count) != top)
            return fail(c, "histogram %s: _count is not the +Inf bucket", key);
        if (!json_object_get(h, "sum"))
            return fail(c, "histogram %s: no _sum", key);
    }
    return true;
}

bool fo_test_exposition_check(const char *text, char *why, size_t why_size)
{
    checker c = {.families = json_object(), .series = json_object(),
                 .histograms = json_object(), .why = why, .why_size = why_size};
    if (why_size)
        why[0] = '\0';
    bool ok = text != NULL;
    if (!ok)
        snprintf(why, why_size, "no text");
    size_t len = ok ? strlen(text) : 0;
    if (ok && len > 0 && text[len - 1] != '\n')
        ok = fail(&c, "the text does not end in a newline");
    for (const char *p = text; ok && p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        c.line++;
        if (!line)
            ok = fail(&c, "out of memory");
        else if (line[0] == '#')
            ok = meta_line(&c, line);
        else if (line[0] && strspn(line, " \t") != n)
            ok = sample_line(&c, line);
        free(line);
        p = nl ? nl + 1 : NULL;
    }
    c.line = 0; /* what follows is about the whole text */
    const char *name;
    json_t *f;
    json_object_foreach(c.families, name, f) {
        if (!ok)
            break;
        if (!json_is_true(json_object_get(f, "sampled")) &&
            !json_is_true(json_object_get(f, "typed")))
            continue;
        const char *type = json_string_value(json_object_get(f, "type"));
        if (!json_object_get(f, "help"))
            ok = fail(&c, "metric %s has no HELP", name);
        else
            ok = lint_family(&c, name, type);
    }
    if (ok)
        ok = check_histograms(&c);
    json_decref(c.families);
    json_decref(c.series);
    json_decref(c.histograms);
    return ok;
}
