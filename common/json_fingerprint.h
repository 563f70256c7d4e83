#ifndef FO_JSON_FINGERPRINT_H
#define FO_JSON_FINGERPRINT_H

/* A 64-bit fingerprint of a JSON value that survives a round trip through the Kubernetes API
 * server: object members in any order (the API server stores a custom resource's maps with
 * sorted keys), a member set to null or left out (it may prune nulls), a number written as a
 * real with an integral value or as an integer (1.0 comes back as 1) all give the same
 * fingerprint. Everything else (array order, string bytes, types) counts. A 64-bit mix fed
 * eight bytes at a time, members summed so that their order does not count: for telling "the
 * value this process wrote" from "a value someone changed", not a defence against a forged
 * value. Pure; thread-safe. */

#include <jansson.h>
#include <stdint.h>

/* The fingerprint of v; NULL and JSON null give the same one. */
uint64_t fo_json_fingerprint(const json_t *v);

#endif
