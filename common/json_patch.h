#ifndef FO_JSON_PATCH_H
#define FO_JSON_PATCH_H

/* JSON Patch (RFC 6902) with JSON Pointer (RFC 6901), and JSON Merge Patch (RFC 7386).
 * Pure functions; thread-safe. */

#include <jansson.h>
#include <stddef.h>

#include "common/rc.h"
#include "common/strbuf.h"

/* Most operations accepted in one patch document (the API server's limit). */
#define FO_JSON_PATCH_MAX_OPS 10000

/* Most bytes (compact JSON) that the "copy" operations of one patch may add, together: copying
 * a document into itself doubles it, so without this 40 operations ask for 2^40 times its
 * size. The API server's JSONPatchMaxCopyBytes (3 MiB). */
#define FO_JSON_PATCH_MAX_COPY_BYTES (3u * 1024 * 1024)

/* Append '/' and the RFC 6901 escaping of a member name ('~' -> "~0", '/' -> "~1") to sb. */
fo_rc fo_json_pointer_append(fo_strbuf *sb, const char *token);

/* The same for a name of len bytes, which may hold NUL (written as it is: callers that write
 * the pointer as JSON text escape it there). */
fo_rc fo_json_pointer_append_n(fo_strbuf *sb, const char *token, size_t len);

/* Borrowed value at a JSON Pointer ("" is the whole document), or NULL. */
json_t *fo_json_pointer_get(const json_t *doc, const char *pointer);

/* A minimal patch turning `before` into `after` (objects compared member by member; arrays
 * element by element when their lengths match, otherwise replaced whole; "add" to create,
 * "remove" to drop, "replace" to change). Equal documents give an empty array.
 * Applying the result to `before` gives a document equal to `after`. New reference (NULL when
 * out of memory); the values of its "add" and "replace" operations are the values of `after`
 * (shared, not copied: change neither while both are in use). */
json_t *fo_json_patch_diff(const json_t *before, const json_t *after);

/* One operation of a diff: op "add", "remove" or "replace"; path an RFC 6901 pointer of
 * path_len bytes (NUL-terminated; valid during the call); value the value of `after` it sets
 * (NULL for "remove"). Return FO_OK to go on; anything else stops the diff. */
typedef fo_rc (*fo_json_patch_op_fn)(void *ctx, const char *op, const char *path,
                                     size_t path_len, const json_t *value);

/* The operations of fo_json_patch_diff(before, after), in the same order, handed to fn one at
 * a time instead of built as an array (the webhook writes them straight out as JSON text).
 * Returns FO_OK, the first failure of fn, or FO_ENOMEM when a path cannot be built. */
fo_rc fo_json_patch_diff_each(const json_t *before, const json_t *after, fo_json_patch_op_fn fn,
                              void *ctx);

/* Apply patch (an array of operations) to a copy of doc and return the result (new
 * reference), or NULL with err: FO_EINVAL for a malformed patch document (not an array, bad
 * op, missing member), FO_EINVALID when an operation cannot apply (missing path, failed
 * "test"), FO_ELIMIT over FO_JSON_PATCH_MAX_OPS or FO_JSON_PATCH_MAX_COPY_BYTES. The message
 * names the operation index. */
json_t *fo_json_patch_apply(const json_t *doc, const json_t *patch, fo_err *err);

/* RFC 7386: objects merge recursively, null deletes a member, anything else (arrays
 * included) replaces. Returns a new document (doc is not changed). */
json_t *fo_json_merge_patch_apply(const json_t *doc, const json_t *patch);

/* The merge patch turning before into after (for minimal PATCH requests). New reference;
 * an empty object when they are equal objects (equal documents of another type give a copy
 * of after, since {} would replace them). A merge patch cannot set a member to null (null
 * means delete), so null members of `after` are not reproduced. */
json_t *fo_json_merge_patch_diff(const json_t *before, const json_t *after);

#endif
