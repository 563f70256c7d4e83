#ifndef FKA_DISCOVERY_H
#define FKA_DISCOVERY_H

/* /version and API discovery (aggregated v2/v2beta1 and legacy documents). Thread-safe. */

#include <stdbool.h>

#include "tests/fakes/apiserver/server.h"

/* Answer a discovery request; false when the path is not a discovery document (the caller
 * then routes it as a resource request or 404). */
bool fka_discovery_handle(fka_server *srv, const fka_req *req, fka_resp *resp);

#endif
