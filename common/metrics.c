#include "common/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"

/* Output follows the Prometheus text exposition format 0.0.4 ("Exposition formats" in the
 * Prometheus documentation): `# HELP name text` (backslash and newline escaped), `# TYPE name
 * counter|gauge|histogram`, then samples `name{label="value",...} number`, label values with
 * backslash, double quote and newline escaped. Histograms expose cumulative
 * `name_bucket{le="<bound>"}` samples ending with le="+Inf", then `name_sum` and `name_count`.
 * Like client_golang, a family with labels shows nothing until a label set is used, and a
 * family without labels always shows its one sample. */

typedef enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM } kind;

static const char *const kind_names[] = {"counter", "gauge", "histogram"};

typedef struct series {
    struct series *next; /* hash chain */
    uint64_t hash;
    char **values; /* one per label name */
    double value;  /* counter, gauge */
    double sum;    /* histogram */
    uint64_t count;
    uint64_t *buckets; /* histogram: per-bucket (not cumulative) counts, nbuckets + 1 (+Inf) */
} series;

typedef struct family {
    kind kind;
    char *name;
    char *help;
    size_t nlabels;
    char **labels;
    size_t nbuckets;
    double *bounds;
    pthread_mutex_t mu;
    series **table;
    size_t table_size; /* a power of two */
    size_t nseries;
} family;

/* The public handle types are the family, tagged by kind. */
struct fo_counter {
    family f;
};
struct fo_gauge {
    family f;
};
struct fo_histogram {
    family f;
};

struct fo_metrics {
    pthread_mutex_t mu;
    family **fams;
    size_t n, cap;
};

/* ---- series storage ----------------------------------------------------------------- */

static uint64_t hash_values(const family *f, const char *const *values)
{
    /* FNV-1a over the values, each followed by a 0xff byte (never in UTF-8 text). */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < f->nlabels; i++) {
        for (const unsigned char *p = (const unsigned char *)(values[i] ? values[i] : ""); *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return h;
}

static bool same_values(const family *f, const series *s, const char *const *values)
{
    for (size_t i = 0; i < f->nlabels; i++)
        if (strcmp(s->values[i], values[i] ? values[i] : "") != 0)
            return false;
    return true;
}

static void series_free(series *s, size_t nlabels)
{
    if (!s)
        return;
    for (size_t i = 0; i < nlabels; i++)
        free(s->values[i]);
    free(s->values);
    free(s->buckets);
    free(s);
}

static bool grow(family *f)
{
    size_t size = f->table_size ? f->table_size * 2 : 8;
    series **t = calloc(size, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < f->table_size; i++) {
        series *s = f->table[i];
        while (s) {
            series *next = s->next;
            s->next = t[s->hash & (size - 1)];
            t[s->hash & (size - 1)] = s;
            s = next;
        }
    }
    free(f->table);
    f->table = t;
    f->table_size = size;
    return true;
}

/* The series for a label set, created when create is set. Call with f->mu held. NULL when
 * absent (or out of memory). */
static series *lookup(family *f, const char *const *values, bool create)
{
    uint64_t h = hash_values(f, values);
    if (f->table_size) {
        for (series *s = f->table[h & (f->table_size - 1)]; s; s = s->next)
            if (s->hash == h && same_values(f, s, values))
                return s;
    }
    if (!create)
        return NULL;
    if (f->nseries >= f->table_size && !grow(f))
        return NULL;
    series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->hash = h;
    s->values = calloc(f->nlabels ? f->nlabels : 1, sizeof *s->values);
    if (f->kind == K_HISTOGRAM)
        s->buckets = calloc(f->nbuckets + 1, sizeof *s->buckets);
    bool ok = s->values && (f->kind != K_HISTOGRAM || s->buckets);
    for (size_t i = 0; ok && i < f->nlabels; i++)
        ok = (s->values[i] = strdup(values[i] ? values[i] : "")) != NULL;
    if (!ok) {
        series_free(s, f->nlabels);
        return NULL;
    }
    s->next = f->table[h & (f->table_size - 1)];
    f->table[h & (f->table_size - 1)] = s;
    f->nseries++;
    return s;
}

static void clear_series(family *f)
{
    for (size_t i = 0; i < f->table_size; i++) {
        series *s = f->table[i];
        while (s) {
            series *next = s->next;
            series_free(s, f->nlabels);
            s = next;
        }
        f->table[i] = NULL;
    }
    f->nseries = 0;
}

static void family_free(family *f)
{
    clear_series(f);
    free(f->table);
    for (size_t i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->labels);
    free(f->bounds);
    free(f->name);
    free(f->help);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* ---- registry ----------------------------------------------------------------------- */

fo_metrics *fo_metrics_new(void)
{
    fo_metrics *reg = calloc(1, sizeof *reg);
    if (reg)
        pthread_mutex_init(&reg->mu, NULL);
    return reg;
}

void fo_metrics_free(fo_metrics *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++)
        family_free(reg->fams[i]);
    free(reg->fams);
    pthread_mutex_destroy(&reg->mu);
    free(reg);
}

/* Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do not
 * start with "__" (reserved) (Prometheus data model). */
static bool name_ok(const char *s, bool colon)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon && c == ':') || (p != s && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return colon || strncmp(s, "__", 2) != 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Check a family definition; logs and returns false for a programming error. */
static bool definition_ok(kind k, const char *name, size_t nlabels, const char *const *labels,
                          size_t nbuckets, const double *bounds)
{
    const char *why = NULL;
    if (!name_ok(name, true))
        why = "invalid metric name";
    else if (k == K_COUNTER && !ends_with(name, "_total"))
        why = "counter names end with _total";
    else if (k != K_COUNTER && ends_with(name, "_total"))
        why = "only counter names end with _total";
    else if (nlabels && !labels)
        why = "label names missing";
    for (size_t i = 0; !why && i < nlabels; i++) {
        if (!name_ok(labels[i], false))
            why = "invalid label name";
        else if (k == K_HISTOGRAM && strcmp(labels[i], "le") == 0)
            why = "histograms cannot use the label \"le\"";
        for (size_t j = 0; !why && j < i; j++)
            if (strcmp(labels[i], labels[j]) == 0)
                why = "duplicate label name";
    }
    if (!why && k == K_HISTOGRAM && nbuckets && !bounds)
        why = "bucket bounds missing";
    for (size_t i = 0; !why && k == K_HISTOGRAM && i < nbuckets; i++)
        if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            why = "bucket bounds must be finite and strictly ascending";
    if (why)
        fo_log_error("metric not registered: %s: %s", name ? name : "(null)", why);
    return why == NULL;
}

static bool same_definition(const family *f, kind k, size_t nlabels, const char *const *labels,
                            size_t nbuckets, const double *bounds)
{
    if (f->kind != k || f->nlabels != nlabels || f->nbuckets != nbuckets)
        return false;
    for (size_t i = 0; i < nlabels; i++)
        if (strcmp(f->labels[i], labels[i]) != 0)
            return false;
    for (size_t i = 0; i < nbuckets; i++)
        if (f->bounds[i] != bounds[i])
            return false;
    return true;
}

static family *new_family(kind k, const char *name, const char *help, size_t nlabels,
                          const char *const *labels, size_t nbuckets, const double *bounds)
{
    /* Every handle type is a struct holding just a family, so one size fits all. */
    family *f = calloc(1, sizeof(struct fo_counter));
    if (!f)
        return NULL;
    f->kind = k;
    pthread_mutex_init(&f->mu, NULL);
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    f->nlabels = nlabels;
    f->labels = calloc(nlabels ? nlabels : 1, sizeof *f->labels);
    f->nbuckets = k == K_HISTOGRAM ? nbuckets : 0;
    f->bounds = calloc(f->nbuckets ? f->nbuckets : 1, sizeof *f->bounds);
    bool ok = f->name && f->help && f->labels && f->bounds;
    for (size_t i = 0; ok && i < nlabels; i++)
        ok = (f->labels[i] = strdup(labels[i])) != NULL;
    if (ok && f->nbuckets)
        memcpy(f->bounds, bounds, f->nbuckets * sizeof *bounds);
    /* A family without labels shows its single sample from the start. */
    if (ok && nlabels == 0)
        ok = lookup(f, NULL, true) != NULL;
    if (!ok) {
        family_free(f);
        return NULL;
    }
    return f;
}

static family *reg_family(fo_metrics *reg, kind k, const char *name, const char *help,
                          size_t nlabels, const char *const *labels, size_t nbuckets,
                          const double *bounds)
{
    if (!reg || !definition_ok(k, name, nlabels, labels, nbuckets, bounds))
        return NULL;
    family *found = NULL;
    pthread_mutex_lock(&reg->mu);
    for (size_t i = 0; i < reg->n; i++) {
        if (strcmp(reg->fams[i]->name, name) != 0)
            continue;
        if (same_definition(reg->fams[i], k, nlabels, labels, nbuckets, bounds))
            found = reg->fams[i];
        else
            fo_log_error("metric not registered: %s: already registered differently", name);
        goto out;
    }
    if (reg->n == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 16;
        family **fams = realloc(reg->fams, cap * sizeof *fams);
        if (!fams)
            goto out;
        reg->fams = fams;
        reg->cap = cap;
    }
    found = new_family(k, name, help, nlabels, labels, nbuckets, bounds);
    if (found)
        reg->fams[reg->n++] = found;
out:
    pthread_mutex_unlock(&reg->mu);
    return found;
}

fo_counter *fo_metrics_counter(fo_metrics *reg, const char *name, const char *help, size_t nlabels,
                               const char *const *label_names)
{
    return (fo_counter *)reg_family(reg, K_COUNTER, name, help, nlabels, label_names, 0, NULL);
}

fo_gauge *fo_metrics_gauge(fo_metrics *reg, const char *name, const char *help, size_t nlabels,
                           const char *const *label_names)
{
    return (fo_gauge *)reg_family(reg, K_GAUGE, name, help, nlabels, label_names, 0, NULL);
}

fo_histogram *fo_metrics_histogram(fo_metrics *reg, const char *name, const char *help,
                                   size_t nlabels, const char *const *label_names, size_t nbuckets,
                                   const double *buckets)
{
    return (fo_histogram *)reg_family(reg, K_HISTOGRAM, name, help, nlabels, label_names, nbuckets,
                                      buckets);
}

/* ---- updates ------------------------------------------------------------------------ */

/* Label values are required exactly when the family has labels. */
static bool values_ok(const family *f, const char *const *values)
{
    return f && (f->nlabels == 0 || values != NULL);
}

void fo_counter_add(fo_counter *c, double v, const char *const *label_values)
{
    /* Counters only go up: negative and NaN increments are ignored. */
    if (!c || !values_ok(&c->f, label_values) || !(v >= 0))
        return;
    pthread_mutex_lock(&c->f.mu);
    series *s = lookup(&c->f, label_values, true);
    if (s)
        s->value += v;
    pthread_mutex_unlock(&c->f.mu);
}

void fo_gauge_set(fo_gauge *g, double v, const char *const *label_values)
{
    if (!g || !values_ok(&g->f, label_values))
        return;
    pthread_mutex_lock(&g->f.mu);
    series *s = lookup(&g->f, label_values, true);
    if (s)
        s->value = v;
    pthread_mutex_unlock(&g->f.mu);
}

void fo_gauge_add(fo_gauge *g, double v, const char *const *label_values)
{
    if (!g || !values_ok(&g->f, label_values))
        return;
    pthread_mutex_lock(&g->f.mu);
    series *s = lookup(&g->f, label_values, true);
    if (s)
        s->value += v;
    pthread_mutex_unlock(&g->f.mu);
}

void fo_histogram_observe(fo_histogram *h, double v, const char *const *label_values)
{
    if (!h || !values_ok(&h->f, label_values) || isnan(v))
        return;
    family *f = &h->f;
    /* The first bucket whose upper bound is >= v ("le" is inclusive). */
    size_t b = 0;
    while (b < f->nbuckets && v > f->bounds[b])
        b++;
    pthread_mutex_lock(&f->mu);
    series *s = lookup(f, label_values, true);
    if (s) {
        s->buckets[b]++;
        s->count++;
        s->sum += v;
    }
    pthread_mutex_unlock(&f->mu);
}

static double read_value(family *f, const char *const *label_values, bool count)
{
    if (!values_ok(f, label_values))
        return 0;
    pthread_mutex_lock(&f->mu);
    series *s = lookup(f, label_values, false);
    double v = !s ? 0 : count ? (double)s->count : s->value;
    pthread_mutex_unlock(&f->mu);
    return v;
}

double fo_counter_value(fo_counter *c, const char *const *label_values)
{
    return c ? read_value(&c->f, label_values, false) : 0;
}

double fo_gauge_value(fo_gauge *g, const char *const *label_values)
{
    return g ? read_value(&g->f, label_values, false) : 0;
}

double fo_histogram_count(fo_histogram *h, const char *const *label_values)
{
    return h ? read_value(&h->f, label_values, true) : 0;
}

void fo_gauge_reset(fo_gauge *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->f.mu);
    clear_series(&g->f);
    pthread_mutex_unlock(&g->f.mu);
}

/* ---- rendering ---------------------------------------------------------------------- */

/* Shortest text that reads back as the same double; Prometheus spells the specials +Inf,
 * -Inf and NaN. */
static void put_number(fo_strbuf *sb, double v)
{
    if (isnan(v)) {
        fo_strbuf_puts(sb, "NaN");
        return;
    }
    if (isinf(v)) {
        fo_strbuf_puts(sb, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        fo_strbuf_printf(sb, "%.0f", v == 0 ? 0.0 : v);
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fo_strbuf_puts(sb, buf);
}

static void put_escaped(fo_strbuf *sb, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            fo_strbuf_puts(sb, "\\\\");
        else if (*s == '\n')
            fo_strbuf_puts(sb, "\\n");
        else if (quote && *s == '"')
            fo_strbuf_puts(sb, "\\\"");
        else
            fo_strbuf_putc(sb, *s);
    }
}

/* name+suffix{labels[,le="x"]} */
static void put_series_name(fo_strbuf *sb, const family *f, const char *suffix, const series *s,
                            const char *le)
{
    fo_strbuf_puts(sb, f->name);
    fo_strbuf_puts(sb, suffix);
    if (f->nlabels == 0 && !le)
        return;
    fo_strbuf_putc(sb, '{');
    for (size_t i = 0; i < f->nlabels; i++) {
        fo_strbuf_printf(sb, "%s%s=\"", i ? "," : "", f->labels[i]);
        put_escaped(sb, s->values[i], true);
        fo_strbuf_putc(sb, '"');
    }
    if (le)
        fo_strbuf_printf(sb, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    fo_strbuf_putc(sb, '}');
}

static int cmp_series(const void *a, const void *b, void *ctx)
{
    const series *x = *(const series *const *)a, *y = *(const series *const *)b;
    size_t nlabels = *(const size_t *)ctx;
    for (size_t i = 0; i < nlabels; i++) {
        int c = strcmp(x->values[i], y->values[i]);
        if (c)
            return c;
    }
    return 0;
}

static void render_family(fo_strbuf *sb, family *f)
{
    pthread_mutex_lock(&f->mu);
    if (f->nseries == 0)
        goto out;
    series **all = malloc(f->nseries * sizeof *all);
    if (!all)
        goto out;
    size_t n = 0;
    for (size_t i = 0; i < f->table_size; i++)
        for (series *s = f->table[i]; s; s = s->next)
            all[n++] = s;
    /* Label sets in sorted order, so scrapes are stable and diffable. */
    qsort_r(all, n, sizeof *all, cmp_series, &f->nlabels);

    fo_strbuf_printf(sb, "# HELP %s ", f->name);
    put_escaped(sb, f->help, false);
    fo_strbuf_printf(sb, "\n# TYPE %s %s\n", f->name, kind_names[f->kind]);
    for (size_t i = 0; i < n; i++) {
        series *s = all[i];
        if (f->kind != K_HISTOGRAM) {
            put_series_name(sb, f, "", s, NULL);
            fo_strbuf_putc(sb, ' ');
            put_number(sb, s->value);
            fo_strbuf_putc(sb, '\n');
            continue;
        }
        uint64_t cumulative = 0;
        for (size_t b = 0; b <= f->nbuckets; b++) {
            cumulative += s->buckets[b];
            fo_strbuf le;
            fo_strbuf_init(&le, 64);
            put_number(&le, b < f->nbuckets ? f->bounds[b] : INFINITY);
            put_series_name(sb, f, "_bucket", s, le.data);
            fo_strbuf_release(&le);
            fo_strbuf_printf(sb, " %llu\n", (unsigned long long)cumulative);
        }
        put_series_name(sb, f, "_sum", s, NULL);
        fo_strbuf_putc(sb, ' ');
        put_number(sb, s->sum);
        fo_strbuf_putc(sb, '\n');
        put_series_name(sb, f, "_count", s, NULL);
        fo_strbuf_printf(sb, " %llu\n", (unsigned long long)s->count);
    }
    free(all);
out:
    pthread_mutex_unlock(&f->mu);
}

char *fo_metrics_render(fo_metrics *reg)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (reg) {
        pthread_mutex_lock(&reg->mu);
        for (size_t i = 0; i < reg->n; i++)
            render_family(&sb, reg->fams[i]);
        pthread_mutex_unlock(&reg->mu);
    }
    return fo_strbuf_take(&sb);
}
