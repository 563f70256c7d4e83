#ifndef FO_DEFAULTS_H
#define FO_DEFAULTS_H

/* Defaults of the FlinkDeployment / FlinkSessionJob model (reference section a) that are
 * written into the resource: spec.job.state "running", spec.job.upgradeMode "stateless" and,
 * when the jobManager block exists, spec.jobManager.replicas 1. The model's other defaults
 * (job.parallelism 0, job.args [], mode native, ...) are deliberately not written; defaults.c
 * says why. Applied to a resource in place (callers pass their own copy). Only absent (or
 * null) fields are filled; a value the user wrote is never changed, so applying twice changes
 * nothing. Pure; thread-safe. */

#include <jansson.h>

#include "common/rc.h"

/* Fill defaults of a FlinkDeployment object (the whole object: apiVersion, kind, metadata,
 * spec). Returns FO_EINVAL when obj is not an object with an object spec. */
fo_rc fo_defaults_apply_deployment(json_t *obj);

/* Same for a FlinkSessionJob. */
fo_rc fo_defaults_apply_session_job(json_t *obj);

#endif
