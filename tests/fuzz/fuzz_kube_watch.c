/* The watch-stream parser (common/kube_watch.h) on arbitrary bytes as the body of a watch
 * answer (from the API server, or whatever proxy stands in between). The first two input
 * bytes steer the runs below (how the stream is cut into pieces, the limits); the rest is the
 * stream. Properties:
 *  - how the stream arrives does not matter: fed whole, or in pieces of 1 to 16 bytes, the
 *    same events come out in the same order, and the stream fails (or ends) the same way, with
 *    the same message, at the same offset;
 *  - the events are the JSON values of the stream as jansson reads them one after another
 *    (whitespace between them skipped): each an object with a known "type" and an "object"
 *    object, handed over equal to jansson's; the first value that jansson refuses, or that is
 *    not such an event, or a byte that starts no object, fails the stream with FO_EPROTO after
 *    the events before it. Streams with NUL bytes, or with \u0000 in a key, are left out of
 *    this comparison (json_read.h: the two readers differ there on purpose);
 *  - a failure sticks: every later feed and the finish return it again;
 *  - with a per-event byte limit the events are a prefix of the unlimited run's, the run
 *    stopping with FO_ELIMIT, and it is the unlimited run when every event fits;
 *  - with a weight bound on each object, an event's object is either the unbounded run's or
 *    its stub (kube_oversized.h: flagged FO_KUBE_OVERSIZED, the same name), and a stub for
 *    every object that weighs more than the bound;
 *  - a callback's error stops the parser with that code. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/kube_watch.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    fo_watch_type *types;
    json_t **objects;
    size_t n, cap;
    size_t fail_at; /* the callback fails at this event ((size_t)-1: never) */
    fo_rc rc;       /* of the feeds, then of the finish */
    fo_err err;
    size_t offset;
} run;

static fo_rc collect(void *ctx, fo_watch_type type, json_t *object, fo_err *err)
{
    run *r = ctx;
    if (r->n == r->fail_at)
        return fo_err_set(err, FO_ECONFLICT, "callback refused event %zu", r->n);
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->types = realloc(r->types, r->cap * sizeof *r->types);
        r->objects = realloc(r->objects, r->cap * sizeof *r->objects);
        if (!r->types || !r->objects)
            abort();
    }
    r->types[r->n] = type;
    r->objects[r->n++] = json_incref(object);
    return FO_OK;
}

static void run_release(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        json_decref(r->objects[i]);
    free(r->types);
    free(r->objects);
}

/* Feed s in pieces (seed 0: whole; else 1-16 bytes each, sizes from the seed), then finish. */
static void feed(run *r, const char *s, size_t len, unsigned seed, size_t max_event,
                 const fo_json_read_filter *filter)
{
    memset(r, 0, sizeof *r);
    r->fail_at = (size_t)-1;
    fo_watch_parser *p = fo_watch_parser_new(max_event, collect, r);
    if (!p)
        abort();
    if (filter)
        fo_watch_parser_set_object_filter(p, filter);
    fo_err_clear(&r->err);
    r->rc = FO_OK;
    for (size_t at = 0; at < len && r->rc == FO_OK;) {
        size_t n = len - at;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            size_t piece = 1 + ((seed >> 16) & 15);
            n = piece < n ? piece : n;
        }
        r->rc = fo_watch_parser_feed(p, s + at, n, &r->err);
        at += n;
    }
    r->offset = fo_watch_parser_offset(p);
    if (r->rc == FO_OK) {
        FUZZ_CHECK(r->offset == len, "%zu bytes fed, offset %zu", len, r->offset);
        r->rc = fo_watch_parser_finish(p, &r->err);
    }
    if (r->rc != FO_OK) {
        fo_err again;
        fo_err_clear(&again);
        size_t n = r->n;
        FUZZ_CHECK(fo_watch_parser_feed(p, "{\"type\":\"ADDED\",\"object\":{}}", 28, &again) ==
                           r->rc &&
                       again.rc == r->rc && strcmp(again.message, r->err.message) == 0 && r->n == n,
                   "a failure (%s) did not stick", r->err.message);
        FUZZ_CHECK(fo_watch_parser_finish(p, &again) == r->rc, "finish forgot the failure");
        FUZZ_CHECK(r->err.message[0], "a failure without a message");
    }
    fo_watch_parser_free(p);
}

/* json_equal, but for keys holding NUL (which the reader builds and json_equal cannot look up:
 * it compares keys up to their first NUL). */
static bool same(const json_t *a, const json_t *b)
{
    if (!json_is_object(a) || !json_is_object(b)) {
        if (!json_is_array(a) || !json_is_array(b))
            return json_equal((json_t *)a, (json_t *)b);
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_object_size(a) != json_object_size(b))
        return false;
    const char *key;
    size_t n;
    json_t *m;
    json_object_keylen_foreach((json_t *)a, key, n, m)
    {
        if (!same(m, json_object_getn(b, key, n)))
            return false;
    }
    return true;
}

static void check_equal(const json_t *a, const json_t *b, const char *what)
{
    if (!same(a, b))
        fuzz_check_equal(a, b, what); /* prints both (equal text when keys hold NUL) */
    if (!same(a, b))
        FUZZ_CHECK(false, "%s (keys holding NUL differ)", what);
}

static void check_same(const run *a, const run *b, const char *what)
{
    FUZZ_CHECK(a->n == b->n && a->rc == b->rc && strcmp(a->err.message, b->err.message) == 0,
               "%s: %zu events, rc %d (%s); whole: %zu events, rc %d (%s)", what, b->n, (int)b->rc,
               b->err.message, a->n, (int)a->rc, a->err.message);
    for (size_t i = 0; i < a->n; i++) {
        FUZZ_CHECK(a->types[i] == b->types[i], "%s: event %zu type", what, i);
        check_equal(a->objects[i], b->objects[i], what);
    }
}

static bool is_prefix(const run *a, const run *b)
{
    if (b->n > a->n)
        return false;
    for (size_t i = 0; i < b->n; i++)
        if (a->types[i] != b->types[i] || !same(a->objects[i], b->objects[i]))
            return false;
    return true;
}

/* jansson's reading of the stream against run a. Returns the length of the longest event (0
 * when the comparison does not apply). */
static size_t check_reference(const run *a, const char *s, size_t len)
{
    static const char *const names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
    size_t at = 0, n = 0, longest = 0;
    for (;;) {
        while (at < len && strchr(" \n\r\t", s[at]) && s[at])
            at++;
        if (at == len) {
            FUZZ_CHECK(a->rc == FO_OK && a->n == n,
                       "jansson reads %zu events; the parser %zu, "
                       "rc %d (%s)",
                       n, a->n, (int)a->rc, a->err.message);
            return longest + 1;
        }
        json_error_t jerr;
        json_t *ev = s[at] == '{' ? json_loadb(s + at, len - at,
                                               JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &jerr)
                                  : NULL;
        if (!ev && s[at] == '{' && strstr(jerr.text, "NUL byte in object key"))
            return 0;
        const char *type = fo_json_str(ev, "type");
        json_t *obj = json_object_get(ev, "object");
        int t = -1;
        for (int i = 0; type && i < 5; i++)
            if (strcmp(type, names[i]) == 0)
                t = i;
        if (t < 0 || !json_is_object(obj)) {
            FUZZ_CHECK(a->rc == FO_EPROTO && a->n == n,
                       "event %zu at byte %zu is none (%s); the parser: %zu events, rc %d (%s)", n,
                       at, ev ? "no type or object" : jerr.text, a->n, (int)a->rc, a->err.message);
            json_decref(ev);
            return 0;
        }
        FUZZ_CHECK(n < a->n && a->types[n] == (fo_watch_type)t,
                   "event %zu (%s) missing: the parser stopped with rc %d (%s)", n, type,
                   (int)a->rc, a->err.message);
        fuzz_check_equal(obj, a->objects[n], "an event's object differs from jansson's");
        json_decref(ev);
        size_t used = (size_t)jerr.position;
        longest = used > longest ? used : longest;
        at += used;
        n++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > FUZZ_MAX_INPUT)
        return 0;
    unsigned seed = data[0] | 1u;
    unsigned knob = data[1];
    const char *s = (const char *)data + 2;
    size_t len = size - 2;

    run whole, pieces;
    feed(&whole, s, len, 0, 0, NULL);
    feed(&pieces, s, len, seed, 0, NULL);
    check_same(&whole, &pieces, "fed in pieces");
    run_release(&pieces);

    size_t longest = memchr(s, 0, len) ? 0 : check_reference(&whole, s, len);

    /* a per-event byte limit */
    size_t limit = 1 + (knob & 63) * 8;
    run limited;
    feed(&limited, s, len, seed, limit, NULL);
    FUZZ_CHECK(is_prefix(&whole, &limited), "a byte limit changed the events");
    if (limited.rc != whole.rc || limited.n != whole.n)
        FUZZ_CHECK(limited.rc == FO_ELIMIT, "limit %zu: rc %d (%s)", limit, (int)limited.rc,
                   limited.err.message);
    if (longest && longest - 1 <= limit)
        check_same(&whole, &limited, "every event fits the limit");
    run_release(&limited);

    /* a weight bound on each object */
    fo_json_read_filter f = {.max_weight = 1 + (knob >> 2)};
    run bounded;
    feed(&bounded, s, len, 0, 0, &f);
    for (size_t i = 0; i < bounded.n && i < whole.n; i++) {
        const json_t *b = bounded.objects[i], *w = whole.objects[i];
        FUZZ_CHECK(bounded.types[i] == whole.types[i], "bounded: event %zu type", i);
        if (fo_kube_oversized(b)) {
            const char *bn = fo_json_get_str(b, "metadata.name");
            const char *wn = fo_json_get_str(w, "metadata.name");
            FUZZ_CHECK(!wn || (bn && strcmp(bn, wn) == 0), "stub %zu lost its name %s", i, wn);
        } else {
            check_equal(w, b, "a bound changed an object it did not stub");
            FUZZ_CHECK(fuzz_json_weight(w) <= f.max_weight,
                       "an object of weight %zu kept "
                       "whole under a bound of %zu",
                       fuzz_json_weight(w), f.max_weight);
        }
    }
    if (bounded.rc == FO_OK)
        FUZZ_CHECK(bounded.n == whole.n && whole.rc == FO_OK, "bounded: %zu events of %zu",
                   bounded.n, whole.n);
    run_release(&bounded);

    /* a callback that refuses an event */
    if (whole.n > 0) {
        run refusing;
        memset(&refusing, 0, sizeof refusing);
        refusing.fail_at = knob % whole.n;
        fo_watch_parser *p = fo_watch_parser_new(0, collect, &refusing);
        fo_err err;
        fo_err_clear(&err);
        fo_rc rc = fo_watch_parser_feed(p, s, len, &err);
        FUZZ_CHECK(rc == FO_ECONFLICT && refusing.n == refusing.fail_at &&
                       strstr(err.message, "callback refused"),
                   "the callback's error was not returned: rc %d (%s)", (int)rc, err.message);
        fo_watch_parser_free(p);
        run_release(&refusing);
    }
    run_release(&whole);
    return 0;
}
