#ifndef FO_JSON_ARENA_H
#define FO_JSON_ARENA_H

/* A per-thread arena for the jansson values of one short unit of work (one admission request):
 * between fo_json_arena_begin and fo_json_arena_end, every jansson allocation made by the
 * calling thread is cut from a bump allocator, freeing such a value costs nothing, and _end
 * gives all of it back at once. A request builds and frees thousands of small jansson nodes
 * (an object member, a string, a hash bucket array each); through malloc that was a quarter to
 * a third of the webhook's instructions per request.
 *
 * The rules that keep this safe:
 *   - fo_json_arena_install() routes jansson's allocator (json_set_alloc_funcs, process-wide)
 *     through this module; call it once at start, before threads. Without it, begin/end do
 *     nothing and everything comes from malloc.
 *   - A value built inside the window must not outlive it: it may be read, copied out
 *     (fo_json_copy outside the window) or dropped, never kept. Long-lived values made during
 *     a request (a lazily started informer, a lazily made shared constant) must be made between
 *     fo_json_arena_pause() and fo_json_arena_resume().
 *   - Values made outside the window may be used and released inside it as usual: a free that
 *     is not the arena's goes to free().
 *   - jansson's json_dumps returns memory from the same allocator, which callers would give to
 *     free(): use fo_json_dumps (common/jsonutil.h), which returns malloc'd text.
 * Each thread has its own arena; one value must not cross threads while a window is open.
 * Under AddressSanitizer every allocation is followed by a poisoned red zone and _end poisons
 * what it released, so overruns and uses after the window are reported. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The arena stops growing past this many bytes in one window; later allocations of that
 * window come from malloc (correct, only slower). */
#define FO_JSON_ARENA_MAX_BYTES (64u * 1024 * 1024)
/* What a thread keeps between windows: its largest chunk, when not bigger than this. */
#define FO_JSON_ARENA_KEEP_BYTES (1024u * 1024)

/* Route jansson's allocations through the arena hooks. Idempotent. */
void fo_json_arena_install(void);

/* Open (begin) or close (end) the calling thread's window. Windows do not nest: a begin inside
 * an open window is counted and only the outermost end releases. */
void fo_json_arena_begin(void);
void fo_json_arena_end(void);

/* Let the calling thread allocate from malloc for a moment inside a window. Returns what to
 * give back to fo_json_arena_resume. */
bool fo_json_arena_pause(void);
void fo_json_arena_resume(bool paused);

/* Drop the caller's reference to v, a value built entirely inside the calling thread's open
 * window and holding no reference to anything made outside it (a parsed request document):
 * the window's end gives its memory back, so its tree is not walked now (for a 21 KB review,
 * 15,000 instructions). Outside a window, or for a value not cut from it, this is json_decref.
 * A value holding a reference to an outside value must be json_decref'd, or that reference
 * is never given back. */
void fo_json_arena_drop(json_t *v);

/* For tests and metrics: whether p was cut from the calling thread's open window, and the
 * bytes that window has handed out so far. */
bool fo_json_arena_owns(const void *p);
size_t fo_json_arena_used(void);

#endif
