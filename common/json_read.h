#ifndef FO_JSON_READ_H
#define FO_JSON_READ_H

/* A one-pass JSON reader (RFC 8259) that builds jansson values, several times cheaper than
 * json_loadb, and can leave chosen object members out of the result without building them.
 *
 * Why not json_loadb: jansson reads byte by byte through a callback (~170 instructions per
 * byte measured in the webhook); this reader scans strings a byte class at a time. Every JSON
 * document the project parses goes through here (fo_json_parse in common/jsonutil.c); the
 * webhook's AdmissionReview reader (webhook/review_json.c) adds a filter that leaves out the
 * parts of a review nothing reads.
 *
 * What is accepted is exactly what json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts, and
 * what is built equals its result (tests/unit/test_review_json.c compares both on fixtures and
 * on many corrupted variants): UTF-8 is checked everywhere (no overlong forms, surrogates or
 * code points past U+10FFFF), \u escapes must pair surrogates, \u0000 is allowed in values,
 * integers must fit in 64 bits (unless the filter asks for bigger ones as reals),
 * reals must not overflow, duplicate keys keep the last value, nesting is limited to
 * FO_JSON_READ_MAX_DEPTH values (jansson's limit). Skipped members are checked like everything
 * else. Two differences, on purpose. A key may hold \u0000 (jansson refuses it): the
 * Kubernetes API server stores such keys (in a custom resource's maps), and one object the
 * reader refused would fail the whole list of them; the key is built with its length
 * (json_object_getn and json_object_keylen_foreach see all of it, json_object_foreach only what
 * comes before the NUL), and validation refuses it by name. And jansson drops a NUL
 * byte that directly follows a number or a literal ("[1\0]" reads as [1]); RFC 8259 allows no
 * NUL outside strings, and this reader refuses it (tests/fuzz/fuzz_json_read.c).
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/rc.h"

#define FO_JSON_READ_MAX_DEPTH 2048

/* Which members to leave out, as a small state machine over paths. States are the caller's
 * small integers; 0 means "no filtering here or below" (everything is built). */
typedef struct fo_json_read_filter {
    int root_state; /* the state of the top-level value */
    /* For each member of an object read in state st != 0: the child's state; set *skip to an
     * index in [0, nskipped) to leave the member out (its JSON type is then recorded in
     * skipped_types[*skip]; duplicates: the last one). *skip is -1 on entry. For an array
     * read in state st != 0 it is called once with key NULL (key_len 0): the state of every
     * element (elements are never skipped). */
    int (*member)(void *ctx, int st, const char *key, size_t key_len, int *skip);
    void *ctx;
    int *skipped_types; /* json_type per skip index, -1 when absent; may be NULL */
    size_t nskipped;
    /* Read an integer that does not fit in 64 bits as a real instead of refusing the document
     * (jansson refuses it). The Kubernetes API server decodes such a number into a float64 and
     * writes it back without a decimal point (100000000000000000000), so a reader of what it
     * sends should let the field's own check report it. Also where nothing is built. */
    bool big_integers_as_reals;
    /* Bound what is built (0: no bound): each value weighs 1, an object 2 more and each of its
     * members 1 more (its key), about what they cost in memory in units of a small value's
     * ~150 bytes (an empty object's hash table weighs more than a string). Past max_weight the
     * read stops with FO_ELIMIT "more than N JSON values (...)", so that what one document
     * costs has a bound the text's length does not give: a 2.8 MB array of one-character
     * strings becomes 55 MB of jansson values. Skipped members weigh nothing. */
    size_t max_weight;
    /* With item_state != 0 (and max_weight), max_weight bounds each object read in that state
     * on its own (the items of a List; not nested in one another) instead of the whole
     * document, and what they build does not count against the rest. When one goes past it
     * the read stops with FO_ELIMIT and, if item_over_at is not NULL, *item_over_at is the
     * offset of that value's first byte (so a caller can put something smaller in its place
     * and read again; (size_t)-1 otherwise). */
    int item_state;
    size_t *item_over_at;
    /* When not NULL: set to true when a key holding NUL is built (left alone otherwise), so
     * that a reader who cannot take such keys needs no walk of what was built to find out. */
    bool *nul_key_built;
} fo_json_read_filter;

/* Parse buf[0..len) (need not be NUL-terminated); filter may be NULL (build everything, no
 * options). Returns a new reference, or NULL with err: FO_EINVAL "invalid JSON at line L,
 * column C: <why>" (column counts characters, as jansson does), FO_ELIMIT (max_weight) or
 * FO_ENOMEM. */
json_t *fo_json_read(const char *buf, size_t len, const fo_json_read_filter *filter, fo_err *err);

/* The same for the one value at the start of buf[0..len) (white space before it skipped),
 * whatever follows it: *used is where it ends (for a value inside a larger text). */
json_t *fo_json_read_value(const char *buf, size_t len, const fo_json_read_filter *filter,
                           size_t *used, fo_err *err);

#endif
