#ifndef FO_PODTEMPLATE_H
#define FO_PODTEMPLATE_H

/* Pod template layering: cluster defaults < spec.podTemplate < spec.jobManager.podTemplate /
 * spec.taskManager.podTemplate, with full pod-template control (no field whitelist).
 *
 * Merge rules (upper layer over lower layer):
 * - objects merge key by key, recursively; a scalar of the upper layer wins;
 * - lists of named things merge by the key Kubernetes uses in strategic merge patch
 *   (containers/initContainers/ephemeralContainers by name, volumes by name, env by name,
 *   envFrom appended without duplicates, volumeMounts by mountPath, volumeDevices by
 *   devicePath, ports by containerPort (+protocol), imagePullSecrets by name, hostAliases by
 *   ip, resourceClaims by name, topologySpreadConstraints by topologyKey+whenUnsatisfiable,
 *   tolerations appended without duplicates, ...): matching elements merge recursively, new
 *   ones are appended after the lower layer's, in the upper layer's order;
 * - other lists (command, args, ...) are replaced by the upper layer's list.
 * merge(merge(a, b), b) == merge(a, b) for all a, b. Pure; thread-safe.
 *
 * Results are new objects and arrays that share the layers' strings and numbers
 * (fo_json_copy_containers): a template's long strings (scripts, configuration files) are held
 * once however many roles it is layered into. Change a result's containers freely, never a
 * scalar in place (nothing in this project does). */

#include <jansson.h>
#include <stdbool.h>

#include "common/rc.h"

/* Merge `upper` over `lower` and return the result (new reference). Either may be NULL or
 * JSON null (then a copy of the other is returned; NULL when both are absent). */
json_t *fo_podtemplate_merge(const json_t *lower, const json_t *upper);

/* Would fo_podtemplate_merge(lower, upper) give upper itself, written the same
 * (fo_json_identical: member order and number types included)? True lets a caller keep upper
 * instead of merging: a template that was layered before, over the same lower layers. Answered
 * without building the merge; conservative: false also when it cannot tell cheaply (lists of
 * unkeyed elements, over 16 lower elements in a list merged by key, ...), so false means
 * "merge to find out". lower may be NULL or JSON null (then true); upper NULL or JSON null
 * gives false. Pure; thread-safe. */
bool fo_podtemplate_merge_keeps(const json_t *lower, const json_t *upper);

/* Merge a list of layers, lowest first (NULL entries skipped). New reference; NULL when no
 * layer is there, or when memory runs out (never a result missing a layer). */
json_t *fo_podtemplate_layer(const json_t *const *layers, size_t nlayers);

/* fo_podtemplate_layer for a caller that holds the topmost layer, layers[nlayers - 1], as its
 * current result (a role's own template, layered when the resource was created): when the
 * result would be that layer itself, written the same (fo_json_identical), sets *top_kept and
 * returns NULL, so the caller keeps its value. Exact: *top_kept is set only then, and then
 * whenever the top layer is present. The usual case is answered by fo_podtemplate_merge_keeps
 * without building the merge. Otherwise *top_kept is false and the result is returned as
 * fo_podtemplate_layer returns it (NULL: no layer, or out of memory). Pure; thread-safe. */
json_t *fo_podtemplate_layer_keep(const json_t *const *layers, size_t nlayers, bool *top_kept);

/* The smallest layer that does over `lower` what `upper` does: upper without the values lower
 * already has (members equal to lower's, list-map elements equal to their match (the k-th
 * with a key matched with the k-th of lower with it, as the merge pairs them; one left out
 * before a later one with its key that stays keeps its place by its keys), union-list
 * elements lower holds; the keys of a matched element stay, a matched volume or resource
 * claim (retainKeys) and atomic lists stay whole). Linear in the size of both. NULL
 * therefore also answers "does lower already hold all of upper?", whatever the order of its
 * lists and upper's null members.
 * Checked: fo_podtemplate_merge(lower, result) equals fo_podtemplate_merge(lower, upper),
 * else upper itself is returned. New reference (it may share parts of upper: do not
 * change it); NULL when nothing is left (lower has all of upper) or upper is absent. For a
 * template that was layered over lower once: what is left is what was written on top.
 * Pure; thread-safe. */
json_t *fo_podtemplate_subtract(const json_t *upper, const json_t *lower);

/* The part of `upper` that `now` still holds: its members and elements that now has with the
 * same values (a list merged by key element by element, each element of now paired once: an
 * element now has as it is whole, where the merge would have put it or anywhere, else the
 * part of it that the first element left with its key holds, its keys among them (not for a
 * volume or resource claim); a union list's elements now has too; an atomic list or a scalar
 * only when equal). What of a
 * role's recorded own template an edit left in place: what the edit removed or changed is not
 * in it, and nothing of upper is lost while now is upper layered over anything
 * (held(upper, merge(lower, upper)) layers over lower as upper does). Linear in the size of
 * both. New reference (it may share parts of upper: do not change it); NULL when nothing is
 * left or either is absent. Pure; thread-safe. */
json_t *fo_podtemplate_held(const json_t *upper, const json_t *now);

/* The Flink main container name that pod templates must use for the main container. */
#define FO_MAIN_CONTAINER "flink-main-container"

#endif
