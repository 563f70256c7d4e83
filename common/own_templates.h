#ifndef FO_OWN_TEMPLATES_H
#define FO_OWN_TEMPLATES_H

/* The record of a FlinkDeployment's own role pod templates, kept beside the layered ones.
 *
 * The mutating webhook writes the layered template (cluster defaults < spec.podTemplate <
 * the role's own) into spec.jobManager.podTemplate and spec.taskManager.podTemplate. Read
 * back, that value no longer says which parts were the user's: layered again over a changed
 * spec.podTemplate, the values copied from the old one would sit in the top layer and win
 * (an edited env value, a removed sidecar or a deleted spec.podTemplate would never take
 * effect). So the webhook also records, per role, the role's own template before layering, a
 * fingerprint of what it wrote and one of the layers under it, in the annotation below (a JSON
 * object):
 *
 *   {"jobManager": {"fingerprint": "<16 hex>", "lower": "<16 hex>", "own": {...}}, ...}
 *
 * ("own" left out when the role had no template of its own; a role with no lower layer has no
 * entry, and no entry at all means no annotation). Whoever layers next (the webhook on the
 * next write, the controller on every pass) takes the role's own layer from it:
 *
 * - the role's template still has the recorded fingerprint (nobody changed it since it was
 *   written; common/json_fingerprint.h: the API server's reordering does not count): the
 *   recorded own template; and when the lower layers have the recorded fingerprint too, the
 *   template is what layering would write again, as it is;
 * - the object carries kubectl's last applied manifest (client-side `kubectl apply`) and it
 *   changed since the previous version (an UPDATE through the webhook): the recorded own
 *   template with the manifest's change to the role's template applied (RFC 7386 merge patch
 *   from the previous manifest's to this one's). The manifest says what the user meant even
 *   where kubectl sent nothing: a value that already equalled the inherited one;
 * - it changed, and the previous version of the object (an UPDATE through the webhook) still
 *   had the recorded fingerprint: the recorded own template with the change applied (RFC 7386
 *   merge patch from the previous version to this one: what `kubectl apply` or `kubectl edit`
 *   changed in the layered template is changed in the user's own);
 * - without a record (an object stored before records or past the webhook, or a record that
 *   is not one), when kubectl's last applied manifest just changed: the manifest's template
 *   for the role;
 * - otherwise (no record, a template changed with nothing to compare to): the role's template
 *   as it is, as if there were no record (server-side apply takes the layered fields back
 *   with the annotation, which leaves the user's own template).
 *
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"

#define FO_OWN_TEMPLATES_ANNOTATION "flinkop.io/own-pod-templates"

/* The record in obj's metadata.annotations (new reference), or NULL when there is none or it
 * is not a record (not a JSON object, or an entry that is not {"fingerprint": string,
 * "lower": string, "own": object?}; such a record is ignored as a whole). */
json_t *fo_own_templates_read(const json_t *obj);

#define FO_LAST_APPLIED_ANNOTATION "kubectl.kubernetes.io/last-applied-configuration"

/* kubectl's last applied manifests of an UPDATE, when they changed: NULL fields otherwise. */
typedef struct fo_own_applied {
    json_t *now;    /* the object's (parsed), or NULL when it has none or it did not change */
    json_t *before; /* the previous version's (parsed), or NULL */
} fo_own_applied;

/* Read them from obj and old (the previous version, NULL on a CREATE): both stay NULL unless
 * obj has one whose text differs from old's. Release with fo_own_applied_release. */
void fo_own_applied_read(const json_t *obj, const json_t *old, fo_own_applied *out);
void fo_own_applied_release(fo_own_applied *a);

/* spec.<role_key>.podTemplate of obj when it is an object, else NULL. */
const json_t *fo_own_templates_role(const json_t *obj, const char *role_key);

/* What the record says of one role. */
typedef struct fo_own_layer {
    json_t *own;        /* the own layer by the rules above: new reference, NULL for none */
    uint64_t current;   /* the fingerprint of the role's template as it is */
    bool as_written;    /* the role's template is the one recorded as written over lower
                           layers of the fingerprint passed: layering would write it again */
    bool unexplained;   /* own is the role's template as it is although a record exists (it
                           was changed by a writer the record cannot follow: another mutating
                           webhook, an edit before the previous version): it still holds what
                           was layered into it, which the caller may take out
                           (fo_podtemplate_subtract) */
    bool edited;        /* own is the recorded own template with the change from the previous
                           version's template applied as an RFC 7386 merge patch (a changed
                           list whole): the caller may put the change on more exactly */
} fo_own_layer;

/* The own layer of role `role_key` ("jobManager", "taskManager"): record from
 * fo_own_templates_read (or NULL), current the role's template in the object (NULL when
 * absent), old the role's template in the previous version and has_old whether there is one,
 * lower the fingerprint of the layers under the own one (fo_own_templates_lower), applied
 * the changed last applied manifests (or NULL). Out of
 * memory gives current as the own layer (the layering then works as without a record). */
fo_own_layer fo_own_templates_layer(const json_t *record, const char *role_key,
                                    const json_t *current, const json_t *old, bool has_old,
                                    uint64_t lower, const fo_own_applied *applied);

/* The record's entry for role_key: *own (borrowed from record, NULL when the role had none
 * of its own). False when the record has no entry for the role. */
bool fo_own_templates_entry(const json_t *record, const char *role_key, const json_t **own);

/* Does the record say the role's template was written with this fingerprint? */
bool fo_own_templates_wrote(const json_t *record, const char *role_key, uint64_t written);

/* The fingerprint of the layers under a role's own template (cluster defaults, then
 * spec.podTemplate; either NULL). */
uint64_t fo_own_templates_lower(const json_t *defaults, const json_t *common);

/* Note in record (an object being built) that role_key's template was layered from own (NULL:
 * none) over lower layers of fingerprint `lower` into a template of fingerprint `written`.
 * FO_ENOMEM when out of memory. */
fo_rc fo_own_templates_note(json_t *record, const char *role_key, const json_t *own,
                            uint64_t written, uint64_t lower);

/* Set obj's annotation to record (an empty record removes it), leaving it alone when `was`
 * (the record read from obj, or NULL) says the same. FO_ENOMEM when out of memory; FO_EINVAL
 * when metadata or metadata.annotations is not an object (nothing is written); FO_ELIMIT
 * when the annotations would pass the API server's 256 KiB with it (it is removed instead:
 * the role templates are then their own layers, as without a record). */
fo_rc fo_own_templates_write(json_t *obj, const json_t *record, const json_t *was);

#endif
