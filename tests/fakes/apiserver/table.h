#ifndef FKA_TABLE_H
#define FKA_TABLE_H

/* meta.k8s.io Table answers (what `kubectl get` asks for with `as=Table`): the Name column
 * plus, for CRs, the CRD version's additionalPrinterColumns (only Age when it has none), and
 * for built-ins the columns kube-apiserver prints for them. Date columns and ages are
 * rendered as kube-apiserver does ("5m", "3h2m"). Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/fakes/apiserver/resources.h"

/* An empty Table (meta.k8s.io/<table_version>) with or without columnDefinitions. */
json_t *fka_table_new(const fka_resource *r, const char *table_version, bool headers);

/* The columnDefinitions of r. New reference. */
json_t *fka_table_columns(const fka_resource *r);

/* One row for a stored object; include is the includeObject parameter ("None", "Metadata"
 * (default), "Object"). New reference. */
json_t *fka_table_row(const fka_resource *r, const json_t *stored, const char *include,
                      int64_t now_ms);

/* duration.HumanDuration of ms into buf. */
void fka_human_duration(int64_t ms, char *buf, size_t len);

#endif
