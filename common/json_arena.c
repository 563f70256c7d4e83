#include "common/json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define FO_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FO_ARENA_ASAN 1
#endif
#endif

#ifdef FO_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE 16
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define REDZONE 0
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN 16
#define FIRST_CHUNK (64u * 1024)
/* Chunks double up to this size. */
#define LARGEST_STEP (1024u * 1024)
/* An allocation larger than this gets a chunk of its own. */
#define LARGE_ALLOC (16u * 1024)

typedef struct chunk {
    struct chunk *next; /* older */
    size_t size;        /* bytes of data after the header */
} chunk;
_Static_assert(sizeof(chunk) % ALIGN == 0, "chunk data must stay aligned");

typedef struct arena {
    chunk *chunks;   /* newest first; allocation happens in the newest */
    char *cur, *lim; /* free part of the newest chunk */
    size_t used;     /* bytes handed out in this window */
    size_t step;     /* size of the newest chunk made for small allocations */
    unsigned depth;  /* open windows (begin minus end) */
    bool paused;
    bool registered; /* the thread-exit destructor knows this arena */
} arena;

static _Thread_local arena tl;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

static char *data_of(chunk *c)
{
    return (char *)(c + 1);
}

static bool in_chunk(chunk *c, const void *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)data_of(c);
    return a >= lo && a < lo + c->size;
}

static void free_chunks(chunk *c)
{
    while (c) {
        chunk *older = c->next;
        UNPOISON(data_of(c), c->size);
        free(c);
        c = older;
    }
}

/* Thread exit: give the kept chunk back. */
static void thread_done(void *p)
{
    arena *a = p;
    free_chunks(a->chunks);
    a->chunks = NULL;
    a->cur = a->lim = NULL;
}

static chunk *new_chunk(arena *a, size_t size)
{
    chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    POISON(data_of(c), size);
    if (!a->registered) {
        pthread_setspecific(exit_key, a);
        a->registered = true;
    }
    return c;
}

/* An allocation that does not fit in the newest chunk. A large one gets a chunk of its own,
 * linked behind the newest so that the newest keeps serving small ones; otherwise a new newest
 * chunk, each twice the last up to LARGEST_STEP. Past the window's cap, or when malloc fails
 * for a chunk, the allocation comes from malloc. */
static void *slow_alloc(arena *a, size_t n, size_t need)
{
    if (need > FO_JSON_ARENA_MAX_BYTES || a->used + need > FO_JSON_ARENA_MAX_BYTES)
        return malloc(n);
    chunk *c;
    if (need > LARGE_ALLOC) {
        if (!(c = new_chunk(a, need)))
            return malloc(n);
        if (a->chunks) {
            c->next = a->chunks->next;
            a->chunks->next = c;
        } else {
            c->next = NULL;
            a->chunks = c;
            a->cur = a->lim = data_of(c) + need; /* full: the next small one starts a chunk */
        }
    } else {
        size_t size = a->step ? a->step * 2 : FIRST_CHUNK;
        if (size > LARGEST_STEP)
            size = LARGEST_STEP;
        if (!(c = new_chunk(a, size)))
            return malloc(n);
        a->step = size;
        c->next = a->chunks;
        a->chunks = c;
        a->cur = data_of(c) + need;
        a->lim = data_of(c) + size;
    }
    a->used += need;
    UNPOISON(data_of(c), n);
    return data_of(c);
}

static void *arena_malloc(size_t n)
{
    arena *a = &tl;
    if (!a->depth || a->paused)
        return malloc(n);
    size_t need = (n + REDZONE + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
    if (need < n) /* overflow */
        return NULL;
    if ((size_t)(a->lim - a->cur) < need)
        return slow_alloc(a, n, need);
    char *p = a->cur;
    a->cur += need;
    a->used += need;
    UNPOISON(p, n);
    return p;
}

static void arena_free(void *p)
{
    if (!p)
        return;
    arena *a = &tl;
    if (a->depth)
        for (chunk *c = a->chunks; c; c = c->next)
            if (in_chunk(c, p))
                return; /* released with the window */
    free(p);
}

static void install(void)
{
    pthread_key_create(&exit_key, thread_done);
    json_set_alloc_funcs(arena_malloc, arena_free);
}

void fo_json_arena_install(void)
{
    pthread_once(&install_once, install);
}

void fo_json_arena_begin(void)
{
    tl.depth++;
}

void fo_json_arena_end(void)
{
    arena *a = &tl;
    if (!a->depth || --a->depth)
        return;
    /* Keep the newest chunk (the largest made for small allocations) for the next window,
     * unless it is over the keep limit; the rest goes back to malloc. */
    chunk *keep = a->chunks;
    if (keep && (keep->size != a->step || keep->size > FO_JSON_ARENA_KEEP_BYTES))
        keep = NULL;
    free_chunks(keep ? keep->next : a->chunks);
    a->chunks = keep;
    a->step = keep ? keep->size : 0;
    a->cur = keep ? data_of(keep) : NULL;
    a->lim = keep ? a->cur + keep->size : NULL;
    a->used = 0;
    a->paused = false;
    if (keep) {
        keep->next = NULL;
        POISON(a->cur, keep->size);
    }
}

bool fo_json_arena_pause(void)
{
    bool was = tl.paused;
    tl.paused = true;
    return was;
}

void fo_json_arena_resume(bool paused)
{
    tl.paused = paused;
}

void fo_json_arena_drop(json_t *v)
{
    if (!fo_json_arena_owns(v))
        json_decref(v);
}

bool fo_json_arena_owns(const void *p)
{
    if (!tl.depth)
        return false;
    for (chunk *c = tl.chunks; c; c = c->next)
        if (in_chunk(c, p))
            return true;
    return false;
}

size_t fo_json_arena_used(void)
{
    return tl.depth ? tl.used : 0;
}
