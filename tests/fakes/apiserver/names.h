#ifndef FKA_NAMES_H
#define FKA_NAMES_H

/* Names the fake API server checks or makes (kube-api-semantics.md §2): DNS-1123 subdomains
 * and labels, DNS-1035 labels, generateName suffixes, UIDs. The messages are the API
 * server's own wording (k8s.io/apimachinery validation), so 422 bodies read like the real
 * ones. Pure apart from the random source; thread-safe. */

#include <stdbool.h>
#include <stddef.h>

/* Which rule a resource's metadata.name follows. */
typedef enum fka_name_rule {
    FKA_NAME_SUBDOMAIN, /* DNS-1123 subdomain (most kinds) */
    FKA_NAME_LABEL1035, /* DNS-1035 label (Services) */
    FKA_NAME_LABEL1123, /* DNS-1123 label (Namespaces) */
} fka_name_rule;

/* Check name against rule. Returns how many problems there are (0, 1 or 2) and points
 * out[i] at constant messages: "must be no more than 253 characters" and/or "a lowercase
 * RFC 1123 subdomain must consist of ...", one field error each, as the API server reports. */
int fka_name_problems(fka_name_rule rule, const char *name, const char *out[2]);

/* Most messages fka_qualified_name_problems gives, and the room each needs. */
#define FKA_QN_MAX_PROBLEMS 4
#define FKA_QN_MSG_MAX 400

/* Check a qualified name (a label key, annotation key or finalizer name: an optional DNS-1123
 * subdomain prefix and '/', then a name of at most 63 characters) as the API server's
 * IsQualifiedName does. Returns how many problems there are and writes each message, in its
 * order and wording ("name part must be non-empty", "prefix part a lowercase RFC 1123
 * subdomain must ...", ...), into out. */
int fka_qualified_name_problems(const char *value, char out[FKA_QN_MAX_PROBLEMS][FKA_QN_MSG_MAX]);

/* Path segment rule for every name: not "." or "..", no '/' or '%'. NULL when valid. */
const char *fka_name_segment_problem(const char *name);

/* Append 5 random characters from "bcdfghjklmnpqrstvwxz2456789" to prefix (cut so the
 * whole name stays within 63 characters, as the API server does). out needs 64 bytes. */
void fka_name_generate(const char *prefix, char *out, size_t len);

/* A random RFC 4122 version 4 UUID, lower case. out needs 37 bytes. */
void fka_uuid(char *out, size_t len);

/* Fill buf with random bytes (getrandom, falling back to a seeded generator). */
void fka_random(void *buf, size_t len);

#endif
