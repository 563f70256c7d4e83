#ifndef FO_KUBE_EVENT_NAME_H
#define FO_KUBE_EVENT_NAME_H

/* The name of the Event that tells one event identity (common/kube_events.h), the same in
 * every process and after every restart, so that a repeat finds the Event an earlier process
 * wrote by reading that name back from the API server (as the Apache operator's
 * EventUtils.generateEventName does; its names are not reproduced, see docs/controller.md).
 *
 * The name is "<object name>.<16 hex digits>": the involved object's name, so `kubectl get
 * events` still sorts an object's Events together, and the FNV-1a 64-bit hash of the identity.
 * It is always a DNS-1123 subdomain of at most 253 characters, as events.k8s.io/v1 and the
 * other kinds require (core/v1 Events accept more, but nothing relies on that): the object's
 * name is lower-cased, characters a subdomain cannot hold are dropped or made '-', and it is
 * cut so that the whole name fits. Identities that differ only past the cut, or in upper and
 * lower case, still differ in the hash.
 *
 * A hash can collide: the recorder reads the Event back and compares its identity before it
 * counts a repeat there, and takes the name of the next probe when it belongs to another
 * identity. Probe 0 is the usual name; each further probe hashes the identity with the probe
 * number, so the sequence is also the same in every process.
 *
 * Pure; thread-safe. */

#include <stddef.h>
#include <stdint.h>

/* The longest Event name: a DNS-1123 subdomain. */
#define FO_KUBE_EVENT_NAME_MAX 253

/* How many names the recorder tries for one identity before it gives up on it. */
#define FO_KUBE_EVENT_NAME_PROBES 3

/* FNV-1a 64-bit hash of identity (probe 0), or of identity followed by a NUL byte and the
 * probe number in decimal (probe > 0). */
uint64_t fo_kube_event_hash(const char *identity, unsigned probe);

/* The Event name for object_name (NULL = "") and identity into out (at least
 * FO_KUBE_EVENT_NAME_MAX + 1 bytes). An object name with nothing usable gives just the hash
 * digits, which are a valid name on their own. */
void fo_kube_event_name(const char *object_name, const char *identity, unsigned probe, char *out);

#endif
