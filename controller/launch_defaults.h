#ifndef FO_LAUNCH_DEFAULTS_H
#define FO_LAUNCH_DEFAULTS_H

/* What the cluster defaults' flinkConfiguration gave a launch, recorded with it, so that the
 * running cluster keeps it: its objects (ConfigMap, Deployments, Services, Ingress) are built
 * from the record on every later pass, whatever the defaults say now, and only its next launch
 * (a deploy, an upgrade, a resume) takes the current ones. Without a record an admin's changed
 * default (kubernetes.jobmanager.labels, .tolerations, rest.port, a memory size) was patched
 * into the running JobManager Deployment at once, rolling its pod without the upgrade mode: a
 * JobManager without HA starts its job over from empty state.
 *
 * The record is the annotation FO_LAUNCH_DEFAULTS_ANNOTATION of the cluster's flink-config
 * ConfigMap, a compact JSON object {"launch": <ms>, "flinkConfiguration": {"key": "value"}}:
 * launch is the reconciliationTimestamp of the deploy intent (FO_LAUNCH_ANNOTATION's clock), and
 * flinkConfiguration the keys the scoped defaults (fo_flink_conf_defaults_for) gave that launch
 * and its spec did not set, among the keys that shape the cluster
 * (fo_launch_defaults_recorded_key).
 * The ConfigMap is the first object a launch writes, in one write with the configuration file
 * built from the same defaults, it outlives a lost JobManager Deployment, and it holds those
 * values already (in its configuration file; a default the spec overrode is left out, so an
 * admin's value the cluster never got is never copied there).
 *
 * Size: the record holds at most one member per member of the defaults' flattened
 * flinkConfiguration, each no longer (a scoped key loses its prefix), so its text is at most
 * FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES (the defaults file refuses more) plus the wrapper:
 * FO_LAUNCH_DEFAULTS_MAX_TEXT, half of the 256 KiB the API server allows for all annotations of
 * an object.
 *
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cluster_defaults.h"
#include "common/rc.h"

#define FO_LAUNCH_DEFAULTS_ANNOTATION "flinkop.io/launch-defaults"
#define FO_LAUNCH_DEFAULTS_MAX_TEXT (FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES + 64)

/* Is a default for this key part of a launch's record: every key that goes into the cluster's
 * configuration file (fo_flink_conf_cluster_side keeps it), and the one operator key that
 * shapes the JobManager Deployment (kubernetes.operator.jm-deployment.startup.probe.enabled).
 * The other operator keys (kubernetes.operator.*, job.autoscaler.*) tell the controller what to
 * do now and always come from the current defaults. */
bool fo_launch_defaults_recorded_key(const char *key);

/* The record of a launch: the members of `scoped` (the defaults scoped for the resource, flat)
 * whose key is recorded and not set in `spec_conf` (the spec's flattened flinkConfiguration;
 * NULL: none), with launch_ms. Caller frees; NULL when out of memory. */
char *fo_launch_defaults_record(const json_t *scoped, const json_t *spec_conf, int64_t launch_ms);

/* Read a record. FO_OK with *launch_ms and *conf (a new reference to its flat configuration);
 * FO_EINVAL (FO_ELIMIT past FO_LAUNCH_DEFAULTS_MAX_TEXT) with err saying why when the text is
 * not one (not JSON, no launch, a value that is not a string): such a record is not used. */
fo_rc fo_launch_defaults_parse(const char *text, int64_t *launch_ms, json_t **conf, fo_err *err);

/* The defaults a launch with the recorded configuration is built with: `scoped` (the current
 * defaults scoped for the resource) without the recorded keys, with `recorded` on top. New
 * reference; NULL when out of memory. */
json_t *fo_launch_defaults_merge(const json_t *scoped, const json_t *recorded);

#endif
