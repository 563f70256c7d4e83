#ifndef FO_NORMALIZE_H
#define FO_NORMALIZE_H

/* The one pipeline both processes run on a resource before judging or acting on it:
 * defaults (common/defaults) + pod-template layering with the cluster defaults
 * (common/podtemplate) + the `target.session` label on session jobs. The webhook diffs the
 * result into a JSON Patch; the controller acts on it. Idempotent:
 * normalize(normalize(x)) == normalize(x). Pure; thread-safe. */

#include <jansson.h>

#include "common/cluster_defaults.h"
#include "common/rc.h"

/* Normalise obj in place (pass a copy of anything borrowed). Kind is read from obj.kind:
 * FlinkDeployment or FlinkSessionJob; other kinds are left alone (FO_OK). cd may be NULL
 * (no cluster defaults). FO_EINVAL with err when the object is not a JSON object. */
fo_rc fo_normalize_resource(json_t *obj, const fo_cluster_defaults *cd, fo_err *err);

#endif
