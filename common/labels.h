#ifndef FO_LABELS_H
#define FO_LABELS_H

/* Kubernetes label selectors (the string form used in `labelSelector=`):
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist),
 * requirements joined by commas (AND). Also the object form of metav1.LabelSelector
 * (matchLabels + matchExpressions). Pure; a parsed selector is immutable and thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "common/rc.h"

typedef struct fo_label_selector fo_label_selector;

/* Longest selector string accepted (a query parameter). */
#define FO_LABEL_SELECTOR_MAX_LEN 16384

/* Parse the string form. "" selects everything. FO_EINVAL with a message on bad syntax
 * (naming the position), on an invalid key or value; FO_ELIMIT over the length limit. */
fo_label_selector *fo_label_selector_parse(const char *text, fo_err *err);

/* Parse a metav1.LabelSelector object ({"matchLabels":{}, "matchExpressions":[]}).
 * As metav1.LabelSelectorAsSelector: NULL or JSON null selects nothing, {} everything.
 * FO_EINVAL naming the field (matchExpressions[1].operator) on bad input. */
fo_label_selector *fo_label_selector_from_json(const json_t *selector, fo_err *err);

void fo_label_selector_free(fo_label_selector *sel);

/* Does the labels object ({"k":"v"}; NULL means no labels) satisfy every requirement? */
bool fo_label_selector_matches(const fo_label_selector *sel, const json_t *labels);

/* Render a map of labels as a selector string "a=b,c=d" (keys sorted). Caller frees. */
char *fo_labels_to_selector(const json_t *labels);

/* Is key a valid label key (optional DNS prefix "/" name of <= 63 chars) and value a valid
 * label value (<= 63 chars, alphanumerics, '-', '_', '.', starting and ending alphanumeric)? */
bool fo_label_key_valid(const char *key);
bool fo_label_value_valid(const char *value);

#endif
