#ifndef FO_JSONUTIL_H
#define FO_JSONUTIL_H

/* Small helpers over jansson, the project's shared data type.
 *
 * Paths are dotted member names ("spec.job.jarURI"); they cannot address keys that contain a
 * dot (use json_object_get for those, e.g. flinkConfiguration keys). Getters return borrowed
 * references, valid while the root lives and is not modified. Functions are thread-safe as
 * long as no other thread modifies the same document. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"

/* Parse one JSON value from buf[0..len). Inputs over limit bytes fail with FO_ELIMIT before
 * parsing. Returns a new reference, or NULL with err set (message names line and column). */
json_t *fo_json_parse(const char *buf, size_t len, size_t limit, fo_err *err);

/* The same, building only what filter lets through (common/json_read.h; NULL: everything). */
struct fo_json_read_filter;
json_t *fo_json_parse_filtered(const char *buf, size_t len, size_t limit,
                               const struct fo_json_read_filter *filter, fo_err *err);

/* Read and parse a whole file; the error names the file. New reference or NULL. */
json_t *fo_json_load_file(const char *path, size_t limit, fo_err *err);

/* Borrowed member at a dotted path, or NULL when any step is missing or not an object. */
json_t *fo_json_get(const json_t *root, const char *path);

/* Typed getters at a dotted path. _str returns NULL unless the value is a string. _int
 * accepts JSON integers only; _bool JSON booleans only. They return false when absent or of
 * another type, leaving *out untouched. */
const char *fo_json_get_str(const json_t *root, const char *path);
bool fo_json_get_int(const json_t *root, const char *path, int64_t *out);
bool fo_json_get_bool(const json_t *root, const char *path, bool *out);

/* The string member `key` of obj, or NULL. */
const char *fo_json_str(const json_t *obj, const char *key);

/* Borrowed child object of parent at key, created (empty) when absent or not an object.
 * Returns NULL only when parent is not an object or allocation fails. */
json_t *fo_json_ensure_object(json_t *parent, const char *key);

/* Set value (reference stolen, also on failure) at a dotted path, creating intermediate
 * objects (replacing non-object intermediates). */
fo_rc fo_json_set_path(json_t *root, const char *path, json_t *value);

/* Remove the member at a dotted path; absent is fine. */
void fo_json_del_path(json_t *root, const char *path);

/* json_dumps with its flags, but the text is malloc'd (json_dumps takes it from jansson's
 * allocator, which may be the per-request arena: common/json_arena.h). NULL for a NULL value,
 * when the value cannot be encoded (JSON_ENCODE_ANY missing for a scalar) or out of memory.
 * Caller frees. Use this, never json_dumps. */
char *fo_json_dumps(const json_t *value, size_t flags);

/* Compact serialisation with sorted keys: equal documents give equal strings. Caller frees. */
char *fo_json_dumps_canonical(const json_t *value);

/* Compact serialisation in insertion order (what users see): the bytes
 * json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) gives, written by common/json_write.h without
 * jansson's per-token callbacks. NULL for NULL or out of memory. Caller frees. */
char *fo_json_dumps_compact(const json_t *value);

/* Deep equality; numbers compare by value (integer 2 equals real 2.0). NULL equals NULL only. */
bool fo_json_equal(const json_t *a, const json_t *b);

/* Stricter than fo_json_equal: a and b serialise to the same text (fo_json_dumps_compact), i.e.
 * the same types (integer 2 is not real 2.0), object members in the same order, equal values.
 * The same value (pointer) is identical to itself at once. NULL is identical to NULL only. */
bool fo_json_identical(const json_t *a, const json_t *b);

/* What building v costs in common/json_read's weight (fo_json_read_filter.max_weight: a value
 * 1, an object 2 more, each member 1 more), counted until it passes `stop` (then some value
 * over stop is returned: a bound check need not walk all of a large value). 0 for NULL. */
size_t fo_json_weight(const json_t *v, size_t stop);

/* Keys holding a NUL character (common/json_read.h reads them; code that takes keys as C
 * strings would see a shorter key): fn is called for each of the first `max` found in v, with
 * the field path of the object holding it (`prefix`, then ".key" and "[i]" steps; cut at 1 KiB)
 * and the key with its NULs written as \u0000 (cut at 150 bytes). Returns how many were
 * reported. */
size_t fo_json_nul_keys(const json_t *v, const char *prefix, size_t max,
                        void (*fn)(void *ctx, const char *path, const char *key), void *ctx);

/* A JSON string of text, which may have been cut inside a UTF-8 character or hold bytes that
 * are no UTF-8 (an error message quoting what a server sent): every byte of 0x80 and above
 * becomes '?' when text is no valid UTF-8. New reference; NULL for NULL text or out of memory. */
json_t *fo_json_string_lossy(const char *text);

/* True when v is NULL, JSON null, an empty object or an empty array. */
bool fo_json_is_empty(const json_t *v);

/* A deep copy (new reference), or NULL when out of memory or v is NULL: json_deep_copy
 * without jansson 2.14's reference-loop check (a hash table of every container's address,
 * which doubles the cost of a copy). Values built by a parser, json_pack or this project's
 * code have no loops. */
json_t *fo_json_copy(const json_t *v);

/* A copy of v's objects and arrays that shares its strings and numbers (new references):
 * for a copy whose containers the caller changes in place (pod-template layering merges into
 * its copy) while no scalar is ever changed in place (this project never calls
 * json_string_set and the like). A long string is then held once, not once per layered role.
 * Not for taking a value out of a json_arena window: the shared scalars stay the window's. */
json_t *fo_json_copy_containers(const json_t *v);

#endif
