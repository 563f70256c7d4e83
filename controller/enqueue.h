#ifndef FO_CTL_ENQUEUE_H
#define FO_CTL_ENQUEUE_H

/* Which FlinkDeployment a change concerns (docs/controller.md "Inputs and caches"): a
 * FlinkDeployment by its own namespace/name; an owned object through its ownerReference of
 * kind FlinkDeployment (any, since the JobManager Deployment's has controller: false); objects
 * without one (Flink's HA ConfigMaps) through their `app` label when they carry Flink's `type`
 * label. Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "controller/ctl_io.h"

/* The work-queue key ("ns/name") for a change of obj of the given kind into buf. False when
 * the object concerns no FlinkDeployment (then buf is ""). */
bool fo_enqueue_key(const json_t *obj, fo_ctl_kind kind, char *buf, size_t len);

/* Split a key into namespace and name (each buffer 256 bytes). False for a malformed key. */
bool fo_enqueue_split(const char *key, char ns[256], char name[256]);

#endif
