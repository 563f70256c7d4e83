#ifndef FO_CTL_APPLY_H
#define FO_CTL_APPLY_H

/* Create-or-patch of the objects a FlinkDeployment owns (controller/resources builds them).
 *
 * "Matches" is a subset comparison: every field we set must be present and equal in the live
 * object, which may carry more (server defaults, other controllers' labels and annotations).
 * Absent equals a zero value (false, 0, "", [], {}), because the API server omits those.
 * ConfigMap data is compared exactly (a stray key is drift). Our ownerReference (matched by
 * uid) must be there and equal.
 *
 * A live object that does not match gets one JSON merge patch: our labels and annotations,
 * ownerReferences (ours added or replaced, others kept), and every other top-level member we
 * desire that does not match (spec, data; lists replaced whole, extra ConfigMap keys set to
 * null; a Deployment whose metadata alone differs gets no write of its pod template),
 * conditional on the live resourceVersion. A live object that is not owned by the resource (no ownerReference
 * with its uid) is never touched, with one exception: Flink's native client makes the
 * JobManager Deployment the one owner of the objects it creates beside it (the Services, the
 * flink-config and pod-template ConfigMaps: Fabric8FlinkKubeClient.createJobManagerComponent),
 * so in a cluster the Apache operator deployed those carry the Deployment's reference and not
 * the resource's. When that Deployment is the resource's (it carries the resource's
 * ownerReference), an object whose every ownerReference is the resource's or the Deployment's
 * is the resource's too: it is converged, and its patch adds the resource's reference. The
 * Deployment's stays, so that the object is the dependent of both: Kubernetes' garbage
 * collector deletes a dependent only once none of its owners is left, so a JobManager
 * Deployment deleted later (an upgrade, a suspend, by hand) no longer takes with it what the
 * resource still needs (the flink-config ConfigMap's launch record); it drops the Deployment's
 * reference instead.
 *
 * The comparison and patch construction are pure; fo_apply_set and fo_apply_prune write
 * through the fo_ctl_kube seam. Thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "common/rc.h"
#include "controller/ctl_io.h"

/* Does live carry an ownerReference with this uid? */
bool fo_apply_owned_by(const json_t *live, const char *uid);

/* Is live the resource's (uid): owned by it, or (via_uid not NULL or "") owned by the
 * Deployment with via_uid and by nobody but that Deployment and the resource (see above). */
bool fo_apply_ours(const json_t *live, const char *uid, const char *via_uid);

/* Does live match desired (see above)? */
bool fo_apply_matches(const json_t *desired, const json_t *live);

/* The merge patch bringing live in line with desired, or NULL when it already matches. Its
 * ownerReferences keep the other owners' references, without their controller flag when one of
 * ours is the controller (the API server refuses two). New reference. */
json_t *fo_apply_patch(const json_t *desired, const json_t *live);

typedef struct fo_apply_report {
    int created, patched, unchanged, deleted;
    /* "<Kind> <ns>/<name>" of the first object that exists but is not ours ("" if none). */
    char not_owned[512];
    /* "<Kind> <name>" of the objects created or patched, comma-separated (for logs). */
    char changed[512];
} fo_apply_report;

/* Apply every object of `desired` (an array, in order) for the owner with this uid; via_uid
 * is the uid of the owner's JobManager Deployment when that Deployment is the owner's (NULL or
 * "" otherwise: see above). First every cached object with a desired name is checked: if one
 * is not the owner's (fo_apply_ours), nothing is written and FO_EFORBIDDEN is returned with
 * rep->not_owned naming it. Then each object is created when absent (a create that finds the
 * name taken reads the object and goes on as if it had been cached), patched when it does not
 * match, or left alone. The first failing write stops the pass with its code (FO_ECONFLICT for
 * a stale cache; the caller retries). */
fo_rc fo_apply_set(const fo_ctl_kube *kube, const json_t *desired, const char *owner_uid,
                   const char *via_uid, fo_apply_report *rep, fo_err *err);

/* The bit of a kind in fo_apply_set_keeping's keep_content. */
#define FO_APPLY_KIND_BIT(kind) (1u << (unsigned)(kind))

/* fo_apply_set for a cluster whose running pods must not be changed: a live object of a kind
 * whose bit is set in keep_content (FO_APPLY_KIND_BIT) gets its metadata converged alone
 * (labels, annotations, ownerReferences: restarting nothing), never its content (a
 * Deployment's spec, which rolls or scales its pods; a ConfigMap's data, which its pods mount
 * and read at their next start). An absent one is created whole; the other kinds are applied
 * as fo_apply_set applies them. */
fo_rc fo_apply_set_keeping(const fo_ctl_kube *kube, const json_t *desired, const char *owner_uid,
                           const char *via_uid, unsigned keep_content, fo_apply_report *rep,
                           fo_err *err);

/* An object the resource may have owned earlier. */
typedef struct fo_apply_ref {
    fo_ctl_kind kind;
    const char *name;
} fo_apply_ref;

/* Delete each of the n candidates (in namespace ns) that is cached, owned by uid and not in
 * `desired` (matched by kind and name). NotFound counts as done. */
fo_rc fo_apply_prune(const fo_ctl_kube *kube, const char *ns, const fo_apply_ref *candidates,
                     size_t n, const json_t *desired, const char *owner_uid, fo_apply_report *rep,
                     fo_err *err);

#endif
