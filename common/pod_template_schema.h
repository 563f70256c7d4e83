#ifndef FO_POD_TEMPLATE_SCHEMA_H
#define FO_POD_TEMPLATE_SCHEMA_H

/* The schema the API server holds a FlinkDeployment's pod templates to (spec.podTemplate and
 * the roles' templates: the Kubernetes PodTemplateSpec as crds/ embeds it), as a table for
 * common/schema_check.h. Defined in common/pod_template_schema.c, which crds/generator writes
 * from the same source as crds/flinkdeployments.flink.apache.org.yaml: a pod template that
 * passes fo_schema_check against it is stored by the API server as it is. */

#include "common/schema_check.h"

extern const fo_schema fo_pod_template_schema;

#endif
