#ifndef FKA_LASTAPPLIED_H
#define FKA_LASTAPPLIED_H

/* kubectl's client-side apply annotation under server-side apply, as the API server's field
 * manager keeps it (k8s.io/apimachinery/pkg/util/managedfields/internal: lastapplied.go,
 * lastappliedmanager.go, lastappliedupdater.go). Both behaviours are only for the field
 * manager "kubectl" (what `kubectl apply --server-side` sends); any other name opts out.
 * - Migration: an apply whose conflicts are all on fields whose live value is the one the
 *   live object's last-applied annotation records takes them over as if forced (an object
 *   created by client-side apply moves to server-side apply without --force-conflicts).
 * - Update: after a successful apply, an object that carries the annotation gets it rewritten
 *   from the applied configuration, or dropped when annotations would pass 256 KiB.
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "tests/fakes/apiserver/schema.h"

#define FKA_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* Whether manager gets the last-applied behaviours. */
bool fka_last_applied_manager(const char *manager);

/* The conflicts (borrowed array of {who, path}) that remain once those the annotation of cur
 * allows are dropped: all of them when cur has no usable annotation (missing, empty, not a
 * JSON object with a kind, another apiVersion than api_version, or fields s does not know).
 * New reference. */
json_t *fka_last_applied_remaining(const json_t *cur, fka_schema s, const char *api_version,
                                   const json_t *conflicts);

/* After a successful apply of applied (borrowed) that produced obj (in place): when obj has a
 * non-empty annotation, set it to applied without the annotation itself, as Go's
 * encoding/json writes it (keys sorted, HTML-safe escapes, numbers as float64, a final
 * newline). keep_empty: an annotations map left empty stays as {} (custom resources are
 * unstructured; built-in types omit an empty map). */
void fka_last_applied_update(json_t *obj, const json_t *applied, bool keep_empty);

#endif
