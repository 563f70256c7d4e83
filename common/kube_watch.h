#ifndef FO_KUBE_WATCH_H
#define FO_KUBE_WATCH_H

/* An incremental parser of a Kubernetes watch stream (kube-api-semantics.md §6): a sequence
 * of JSON objects {"type": ..., "object": {...}}, normally one per line. Pure: no I/O.
 *
 * Feed it the body in pieces of any size (a byte at a time works); it calls the event
 * callback once per complete event, in order. Objects are framed by their braces (strings and
 * escapes respected), so newlines between events are optional and whitespace is skipped.
 * Each event may be at most max_event_bytes long (FO_ELIMIT otherwise). After an error the
 * parser stays failed: every later feed returns the same code.
 *
 * A parser belongs to one thread at a time. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/json_read.h"
#include "common/rc.h"

/* Default per-event limit: the API server's own object limit is about 1.5 MiB in etcd; a
 * generous 16 MiB keeps us safe from a runaway stream without refusing real objects. */
#define FO_WATCH_MAX_EVENT_BYTES (16u * 1024 * 1024)

typedef enum fo_watch_type {
    FO_WATCH_ADDED,
    FO_WATCH_MODIFIED,
    FO_WATCH_DELETED,
    FO_WATCH_BOOKMARK,
    FO_WATCH_ERROR, /* object is a Status; the server ends the stream after it */
} fo_watch_type;

/* The wire name of a type ("ADDED", ...). */
const char *fo_watch_type_name(fo_watch_type type);

/* Called once per event. `object` is borrowed for the call: json_incref it to keep it (it
 * is not shared with anything else, so the callee may also modify it). Returning anything but
 * FO_OK stops the parser: the feed returns that code (with err as the callback left it). */
typedef fo_rc (*fo_watch_event_fn)(void *ctx, fo_watch_type type, json_t *object, fo_err *err);

typedef struct fo_watch_parser fo_watch_parser;

/* max_event_bytes 0 = FO_WATCH_MAX_EVENT_BYTES. NULL when out of memory. */
fo_watch_parser *fo_watch_parser_new(size_t max_event_bytes, fo_watch_event_fn fn, void *ctx);
void fo_watch_parser_free(fo_watch_parser *p);

/* Read each event's object with filter (common/json_read.h; copied, its member's context
 * borrowed; NULL, the default: the object whole): root_state is the state the object is read
 * in (0: nothing left out), member and nskipped leave parts of it out as in a List page's
 * items, and max_weight bounds what it may build: an object past it is handed to the callback
 * as its stub (common/kube_oversized.h). So a watch builds, and weighs, what a list does. */
void fo_watch_parser_set_object_filter(fo_watch_parser *p, const fo_json_read_filter *filter);

/* Forget any partial event and a past error (for a new stream). */
void fo_watch_parser_reset(fo_watch_parser *p);

/* Consume len bytes. FO_OK, or: FO_EPROTO for malformed JSON, a non-object, a missing or
 * unknown "type", a missing "object" (the message names the byte offset in the stream);
 * FO_ELIMIT for an event over the limit; or the callback's code. */
fo_rc fo_watch_parser_feed(fo_watch_parser *p, const char *data, size_t len, fo_err *err);

/* The stream ended. FO_OK when it ended between events; FO_EPROTO when it stopped inside one
 * (a truncated stream), or the past error. */
fo_rc fo_watch_parser_finish(fo_watch_parser *p, fo_err *err);

/* Total bytes consumed so far (for messages and tests). */
size_t fo_watch_parser_offset(const fo_watch_parser *p);

#endif
