#ifndef FO_METRICS_H
#define FO_METRICS_H

/* Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
 * exposition format 0.0.4 (what `promtool check metrics` accepts).
 *
 *     fo_metrics *reg = fo_metrics_new();
 *     fo_counter *req = fo_metrics_counter(reg, "flinkop_webhook_requests_total",
 *                                          "Admission requests by route and verdict.", 2,
 *                                          (const char *[]){"route", "verdict"});
 *     fo_counter_add(req, 1, (const char *[]){"/validate", "allowed"});
 *
 * Label values are escaped on output. A family is registered once; asking again with the
 * same name returns the same family. Every function is thread-safe; updates are cheap (a
 * mutex per family and a small hash of label sets). */

#include <stddef.h>

typedef struct fo_metrics fo_metrics;
typedef struct fo_counter fo_counter;
typedef struct fo_gauge fo_gauge;
typedef struct fo_histogram fo_histogram;

fo_metrics *fo_metrics_new(void);
void fo_metrics_free(fo_metrics *reg); /* frees every family */

/* Register (or find) a family. label_names has nlabels entries (may be 0 / NULL).
 * The returned pointers live as long as reg. */
fo_counter *fo_metrics_counter(fo_metrics *reg, const char *name, const char *help, size_t nlabels,
                               const char *const *label_names);
fo_gauge *fo_metrics_gauge(fo_metrics *reg, const char *name, const char *help, size_t nlabels,
                           const char *const *label_names);
/* buckets: nbuckets ascending upper bounds (the +Inf bucket is implicit). */
fo_histogram *fo_metrics_histogram(fo_metrics *reg, const char *name, const char *help,
                                   size_t nlabels, const char *const *label_names, size_t nbuckets,
                                   const double *buckets);

/* label_values has as many entries as the family's label names (NULL when it has none). */
void fo_counter_add(fo_counter *c, double v, const char *const *label_values);
void fo_gauge_set(fo_gauge *g, double v, const char *const *label_values);
void fo_gauge_add(fo_gauge *g, double v, const char *const *label_values);
void fo_histogram_observe(fo_histogram *h, double v, const char *const *label_values);

/* Current value (tests): a counter's or gauge's value, a histogram's sample count.
 * 0 when the label set was never used. */
double fo_counter_value(fo_counter *c, const char *const *label_values);
double fo_gauge_value(fo_gauge *g, const char *const *label_values);
double fo_histogram_count(fo_histogram *h, const char *const *label_values);

/* Drop every label set of a gauge (before re-publishing a full snapshot). */
void fo_gauge_reset(fo_gauge *g);

/* Text exposition of every family, in registration order. Caller frees. */
char *fo_metrics_render(fo_metrics *reg);

/* Content-Type of the rendered text. */
#define FO_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
