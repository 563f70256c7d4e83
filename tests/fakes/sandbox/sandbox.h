#ifndef FO_SANDBOX_H
#define FO_SANDBOX_H

/* The sandbox: a simulated Kubernetes cluster with Flink in one process, for the demo and the
 * end-to-end suites. It embeds
 *
 *   - the fake API server (tests/fakes/apiserver) on http://127.0.0.1:<api port>, with the
 *     namespaces default, kube-system, kube-public, kube-node-lease;
 *   - the fake Flink (tests/fakes/flink) on http://127.0.0.1:<flink port>: every cluster's
 *     REST API under /{namespace}/{cluster-id}/..., its control API under /_fake/;
 *   - the simulated kubelet (kubelet.h) that turns Deployments into Pods, Deployment status
 *     and Flink clusters;
 *   - the sandbox's own hooks under /_sandbox/ on the Flink port (not a namespace: namespaces
 *     are DNS labels):
 *       GET    /_sandbox/state                 what the kubelet tracks
 *       POST   /_sandbox/sync                  run a kubelet pass now; answers the state
 *       POST   /_sandbox/faults/{ns}/{name}    {"reason": "CrashLoopBackOff", "message": "..."}:
 *                                              make Deployment ns/name fail (kubelet.h)
 *       DELETE /_sandbox/faults/{ns}/{name}    clear it
 *
 * Thread-safety: every function may be called from any thread. */

#include <jansson.h>
#include <stdbool.h>

#include "common/clock.h"
#include "common/httpd.h"
#include "common/rc.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/flink/fake_flink.h"
#include "tests/fakes/sandbox/kubelet.h"

/* Largest body of a /_sandbox/ request. */
#define FO_SANDBOX_MAX_CONTROL_BODY (64u * 1024)

typedef struct fo_sandbox fo_sandbox;

typedef struct fo_sandbox_opts {
    const char *bind_addr;                  /* NULL = "127.0.0.1" */
    int api_port;                           /* 0 = any free port */
    int flink_port;                         /* 0 = any free port */
    int ready_delay_ms;                     /* pod creation -> Ready (kubelet.h) */
    const char *const *webhook_service_map; /* "name.namespace=host:port", NULL-ended */
    const char *openapi_dir; /* the fake API server's OpenAPI files; NULL = its search */
    const fo_clock *clock;   /* NULL = the real clock; borrowed */
    bool no_kubelet_thread;  /* the caller runs kubelet passes (fo_sandbox_sync) */
} fo_sandbox_opts;

/* Start everything. NULL with err naming the part that failed (a port in use, ...). */
fo_sandbox *fo_sandbox_start(const fo_sandbox_opts *opts, fo_err *err);

/* Stop and free everything. NULL is fine. */
void fo_sandbox_stop(fo_sandbox *sb);

int fo_sandbox_api_port(const fo_sandbox *sb);
int fo_sandbox_flink_port(const fo_sandbox *sb);

/* The parts (borrowed; valid until fo_sandbox_stop). */
fo_fake_apiserver *fo_sandbox_api(fo_sandbox *sb);
fo_fake_flink *fo_sandbox_flink(fo_sandbox *sb);
fo_sandbox_kubelet *fo_sandbox_kubelet_of(fo_sandbox *sb);

/* Run one kubelet pass now. */
void fo_sandbox_sync(fo_sandbox *sb);

/* Write a kubeconfig for kubectl and the operator (cluster, user and context
 * "flinkop-sandbox", namespace default, no credentials) to path, atomically (a temporary file
 * renamed). FO_EIO with err naming the file. */
fo_rc fo_sandbox_write_kubeconfig(const fo_sandbox *sb, const char *path, fo_err *err);

/* The HTTP handler of the Flink port: /_sandbox/ as above, everything else to the fake Flink
 * (exposed for tests). */
void fo_sandbox_handle(void *ctx, const fo_http_request *req, fo_http_response *resp);

#endif
