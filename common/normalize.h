#ifndef FO_NORMALIZE_H
#define FO_NORMALIZE_H

/* The one pipeline both processes run on a resource before judging or acting on it:
 * defaults (common/defaults) + pod-template layering with the cluster defaults
 * (common/podtemplate) + the `target.session` label on session jobs. The webhook diffs the
 * result into a JSON Patch; the controller acts on it. Idempotent:
 * normalize(normalize(x)) == normalize(x). Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "common/cluster_defaults.h"
#include "common/rc.h"

/* Normalise obj in place (pass a copy of anything borrowed). Kind is read from obj.kind:
 * FlinkDeployment or FlinkSessionJob; other kinds are left alone (FO_OK). cd may be NULL
 * (no cluster defaults). FO_EINVAL with err when the object is not a JSON object, is a
 * FlinkDeployment / FlinkSessionJob without an object spec, or has a key holding a NUL
 * character under spec (nothing is changed then).
 *
 * FlinkDeployment: defaults, then spec.jobManager.podTemplate = layer(cluster JobManager
 * template, spec.podTemplate, the JobManager's own template), spec.taskManager likewise
 * (the role object is created only when there is a template to write; spec.podTemplate is
 * left as written; a role or template of the wrong type is left for validation). The own
 * template is spec.<role>.podTemplate, or what the record of the resource's own templates
 * says it was before it was layered (common/own_templates.h; the record is read, not written).
 * FlinkSessionJob: defaults, then metadata.labels["target.session"] = spec.deploymentName
 * when that is a string that is a valid label value. */
fo_rc fo_normalize_resource(json_t *obj, const fo_cluster_defaults *cd, fo_err *err);

/* The mutating webhook's fo_normalize_resource: old is the previous version of the object on
 * an UPDATE (NULL on a CREATE; only its spec.podTemplate and spec.<role>.podTemplate values
 * are read), and the record of a FlinkDeployment's own templates is written too (the annotation
 * FO_OWN_TEMPLATES_ANNOTATION; removed when layering added nothing), so that the next
 * layering, by the webhook or the controller, starts from the user's templates.
 * keys_read_without_nul: obj was read by common/json_read, which built no key holding NUL
 * (fo_json_read_filter.nul_key_built), so the walk that refuses such keys is skipped. */
fo_rc fo_normalize_admission(json_t *obj, const json_t *old, const fo_cluster_defaults *cd,
                             bool keys_read_without_nul, fo_err *err);

/* What fo_normalize_resource promises about the values it finds in obj: it sets (adds or
 * replaces) members of obj.spec and spec.job, and also of spec.jobManager and spec.taskManager
 * for a FlinkDeployment (and, by fo_normalize_admission, of its obj.metadata and
 * metadata.annotations), of obj itself, obj.metadata and metadata.labels for a FlinkSessionJob
 * (creating those objects when needed), and changes no other value in place: it only reads
 * them. In particular the pod templates (spec.podTemplate, spec.<role>.podTemplate) are only
 * read; a role's template may be replaced by a new value, never edited. So every other value
 * may be shared with another document (tests/unit/test_normalize.c checks this on every
 * fixture resource). */

/* A recorded FlinkDeployment spec (status.reconciliationStatus.lastReconciledSpec, parsed, as
 * written) in the shape normalisation gives a spec: spec.<role>.podTemplate becomes
 * layer(spec.podTemplate, the role's template), without cluster defaults. The Apache operator
 * records the spec as the user wrote it and merges the templates only when it deploys; so a
 * resource taken over from it compares with its unchanged spec as flinkop's own record would.
 * A record flinkop wrote was normalised before: layering it again may reorder what the
 * cluster defaults put in the role templates' lists, so which of the two a record is must be
 * decided by the caller (the controller takes the result only when it is closer to the
 * wanted spec). Anything of the wrong type is left alone. FO_ENOMEM when memory runs out.
 * Pure. */
fo_rc fo_normalize_recorded_spec(json_t *spec);

/* A copy of obj to normalise (new reference): obj and the objects named above for its kind are
 * new (shallow copies), every other value is the same json_t as in obj (one more reference).
 * Normalising the copy leaves obj as it was; neither may be changed otherwise while both live.
 * Saves copying, and lets fo_json_patch_diff stop at the shared values (the webhook's
 * /mutate). A non-object is deep-copied. NULL when obj is NULL or memory runs out. Pure;
 * thread-safe as long as nothing changes obj. */
json_t *fo_normalize_copy(const json_t *obj);

#endif
