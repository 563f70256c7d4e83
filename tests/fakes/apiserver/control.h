#ifndef FKA_CONTROL_H
#define FKA_CONTROL_H

/* Test hooks of the fake API server, under /fake/ (no real API server serves that path).
 * Requests there are never failed, delayed or authenticated.
 *
 *   POST /fake/faults      {"count":N, "code":500, "method":"GET", "pathPrefix":"/api/v1/",
 *                           "retryAfterSeconds":2, "message":"..."}
 *                          fail the next N matching requests (method and pathPrefix are
 *                          optional) with a Status of that code (429 also sets Retry-After).
 *                          Rules are kept in order; the first matching one with count left
 *                          answers. count -1 = until cleared. With "watchError":true the
 *                          rule applies to watches only: accepted (200), their stream is
 *                          one ERROR event with that Status, then ends.
 *   POST /fake/delay       {"ms":200, "count":N, "method":..., "pathPrefix":...}
 *                          delay matching requests before handling them.
 *   DELETE /fake/faults    clear every fault and delay rule.
 *   POST /fake/drop-watches     end every open watch (clients re-watch).
 *   POST /fake/stall-watches    every open watch goes silent, as behind a proxy that stopped
 *                               passing data: nothing more is sent on it (no event, bookmark
 *                               or end at its timeout) and its connection stays open until
 *                               the client closes it. Later watches are not affected.
 *   POST /fake/compact          forget the event history: watches and Exact lists from
 *                               older resourceVersions get 410 Expired.
 *   POST /fake/bookmark         send a BOOKMARK now on every watch that allows them.
 *   POST /fake/gc               run one garbage-collection pass and answer when done.
 *   GET  /fake/webhook-calls    {"items":[{webhook, configuration, type, operation, uid,
 *                               url, resource, subResource, namespace, name, dryRun,
 *                               outcome, detail, code, patched, warnings,
 *                               auditAnnotations}]} in call order; DELETE clears it.
 *   GET  /fake/state            {"resourceVersion":"N", "watches":N, "requests":N}.
 *   GET  /fake/requests         {"items":[{method, path, watch, resourceVersion, user}]}: the
 *                               HTTP API requests that passed authentication, oldest first
 *                               (the last 10000), with who they authenticated as (a client
 *                               certificate's CN, "admin" for the token), as an audit log
 *                               tells; DELETE clears it.
 *
 * Thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "tests/fakes/apiserver/server.h"

fka_control *fka_control_new(void);
void fka_control_free(fka_control *c);

/* Called first for every API request that passed authentication: records it as from `user`
 * (GET /fake/requests; NULL: an in-process call, not recorded), sleeps for a matching delay
 * rule, and answers (true) when a fault rule matches. */
bool fka_control_intercept(fka_control *c, const fka_req *req, const char *user, fka_resp *resp);

/* Append a webhook call record (stolen). At most 10000 are kept (oldest dropped). */
void fka_control_record_webhook(fka_control *c, json_t *record);

/* Serve a /fake/ request. */
void fka_control_handle(fka_server *srv, const fka_req *req, fka_resp *resp);

#endif
