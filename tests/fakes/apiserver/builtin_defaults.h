#ifndef FKA_BUILTIN_DEFAULTS_H
#define FKA_BUILTIN_DEFAULTS_H

/* The defaults kube-apiserver v1.35 fills into built-in kinds (pkg/apis/<group>/v1
 * defaults.go), for the fields a controller compares: Deployment strategy/replicas/history,
 * pod template and Pod spec (restartPolicy, dnsPolicy, terminationGracePeriodSeconds,
 * schedulerName, securityContext, container terminationMessage*, imagePullPolicy, port
 * protocols), Service (type, sessionAffinity, clusterIP allocation, ipFamilies, port
 * protocol and targetPort), Secret type, Namespace finalizers/phase/label, and the initial
 * status of Pods, Namespaces, Services and Ingresses. Thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "tests/fakes/apiserver/resources.h"

/* Fill defaults into obj (in place). old is the stored object of an update (NULL for a
 * create): a create also gets the initial status and a Service a clusterIP from ip_seq; an
 * update keeps the Service's allocated clusterIP(s). */
void fka_builtin_defaults(const fka_resource *r, json_t *obj, const json_t *old, unsigned ip_seq);

#endif
