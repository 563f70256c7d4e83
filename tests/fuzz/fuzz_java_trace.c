/* fo_java_trace_parse (common/java_trace.h) on arbitrary text as a failed job's stack trace
 * (text that the job's own code controls: its exception messages), and what the controller
 * makes of the result, status.error (fo_status_error_throwables). Properties:
 *  - the chain has one entry per throwable the trace prints at the margin: the exception, then
 *    one per "Caused by: " line, at most FO_JAVA_TRACE_MAX_CHAIN, and it ends at the first
 *    "Caused by: [CIRCULAR REFERENCE: ...]" line (a cyclic chain is read once, never looped);
 *  - each class name is the text its line starts with up to the first ':', blank or tab (for
 *    a circular reference: after "[CIRCULAR REFERENCE: "), so it holds none of them;
 *  - every line of every message is a piece of the trace (nothing is made up), and all the
 *    class names and messages together are at most twice the trace (the message of a
 *    throwable whose toString has no ": " is that whole toString, beside its class name);
 *  - with no trace, the chain is the class Flink named alone, without a message;
 *  - for a trace that is valid UTF-8 (Flink's REST answer is JSON, so it always is),
 *    status.error is JSON whose "message" and throwableList messages are the chain's messages
 *    cut to FO_STATUS_MESSAGE_MAX bytes on a character boundary, and whose throwableList
 *    holds at most FO_STATUS_THROWABLE_LIST_MAX causes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/java_trace.h"
#include "controller/status.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAUSED_BY "Caused by: "
#define CIRCULAR "[CIRCULAR REFERENCE: "

static bool valid_utf8(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    json_decref(j);
    return j != NULL;
}

/* Is each '\n'-separated piece of m a substring of trace? */
static bool pieces_of(const char *m, const char *trace)
{
    char *copy = strdup(m);
    bool ok = true;
    char *save = NULL;
    for (char *p = strtok_r(copy, "\n", &save); p && ok; p = strtok_r(NULL, "\n", &save))
        ok = strstr(trace, p) != NULL;
    free(copy);
    return ok;
}

/* The class name a toString starting at s has: up to the first ':', ' ', '\t', '\n' or the
 * end of its line ("\r\n" ends a line too). */
static size_t class_len(const char *s)
{
    size_t n = strcspn(s, ": \t\n");
    size_t line = strcspn(s, "\n");
    if (n == line && n > 0 && s[n - 1] == '\r')
        n--;
    return n;
}

/* Where the toString starting at s begins: the reader drops the empty lines a toString starts
 * with (Java's never does) unless the next line ends it (a frame, a cause or the end). */
static const char *skip_blank(const char *s)
{
    for (;;) {
        size_t n = strcspn(s, "\n");
        bool blank = n == 0 || (n == 1 && s[0] == '\r');
        if (!blank || !s[n])
            return s;
        const char *next = s + n + 1;
        if (!*next || *next == '\t' || strncmp(next, CAUSED_BY, strlen(CAUSED_BY)) == 0)
            return s;
        s = next;
    }
}

static void check_status(const fo_java_trace *t)
{
    const char *messages[FO_JAVA_TRACE_MAX_CHAIN];
    for (size_t i = 0; i < t->n; i++)
        messages[i] = t->chain[i].message;
    char *text = fo_status_error_throwables(FO_ERROR_JOB_FAILED, messages, t->n);
    FUZZ_CHECK(text != NULL, "status.error not written for %zu throwables", t->n);
    json_error_t jerr;
    json_t *e = json_loads(text, 0, &jerr);
    FUZZ_CHECK(e != NULL, "status.error is not JSON (%s): %s", jerr.text, text);
    json_t *list = json_object_get(e, "throwableList");
    size_t want = t->n - 1 < FO_STATUS_THROWABLE_LIST_MAX ? t->n - 1 : FO_STATUS_THROWABLE_LIST_MAX;
    FUZZ_CHECK(json_array_size(list) == want, "throwableList has %zu entries for %zu causes",
               json_array_size(list), t->n - 1);
    for (size_t i = 0; i <= want; i++) {
        const json_t *entry = i == 0 ? e : json_array_get(list, i - 1);
        const json_t *m = json_object_get(entry, "message");
        const char *src = t->chain[i].message;
        FUZZ_CHECK(!m == !src, "entry %zu: message %s", i, src ? "lost" : "made up");
        if (!src)
            continue;
        size_t n = json_string_length(m), full = strlen(src);
        FUZZ_CHECK(n <= FO_STATUS_MESSAGE_MAX && memcmp(json_string_value(m), src, n) == 0 &&
                       (n == full || full > FO_STATUS_MESSAGE_MAX),
                   "entry %zu: message of %zu bytes kept as %zu", i, full, n);
        FUZZ_CHECK(n == full || n > FO_STATUS_MESSAGE_MAX - 4,
                   "entry %zu: cut at %zu, far before the limit", i, n);
        FUZZ_CHECK(json_is_string(json_object_get(entry, "type")) &&
                       json_is_object(json_object_get(entry, "additionalMetadata")),
                   "entry %zu: not a FlinkResourceException: %s", i, text);
    }
    json_decref(e);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *trace = fuzz_cstr(data, size);
    size_t len = strlen(trace); /* the trace is a C string: it ends at a NUL byte */
    fo_java_trace t;
    const char *cls = "org.apache.flink.util.SerializedThrowable";
    FUZZ_CHECK(fo_java_trace_parse(trace, cls, &t) == FO_OK, "parse failed");

    if (len == 0) {
        FUZZ_CHECK(t.n == 1 && strcmp(t.chain[0].class_name, cls) == 0 && !t.chain[0].message,
                   "without a trace, not the class alone");
        goto out;
    }
    /* The throwables the trace prints at the margin, and where a circular one ends them. */
    const char *starts[FO_JAVA_TRACE_MAX_CHAIN];
    size_t want = 1;
    bool circular = false;
    starts[0] = trace;
    for (const char *l = strchr(trace, '\n'); l && want < FO_JAVA_TRACE_MAX_CHAIN && !circular;
         l = strchr(l, '\n')) {
        l++;
        if (strncmp(l, CAUSED_BY, strlen(CAUSED_BY)) != 0)
            continue;
        starts[want] = l + strlen(CAUSED_BY);
        if (strncmp(starts[want], CIRCULAR, strlen(CIRCULAR)) == 0) {
            starts[want] += strlen(CIRCULAR);
            circular = true;
        }
        want++;
    }
    FUZZ_CHECK(t.n == want, "%zu throwables read, the trace prints %zu%s", t.n, want,
               circular ? " (the last a circular reference)" : "");
    size_t total = 0;
    for (size_t i = 0; i < t.n; i++) {
        const fo_java_throwable *th = &t.chain[i];
        FUZZ_CHECK(th->class_name, "throwable %zu has no class", i);
        starts[i] = skip_blank(starts[i]);
        size_t n = strlen(th->class_name), want_n = class_len(starts[i]);
        /* a circular reference's toString ends before its closing ']' */
        if (circular && i == t.n - 1 && n + 1 == want_n && starts[i][n] == ']')
            want_n = n;
        FUZZ_CHECK(n == want_n && strncmp(th->class_name, starts[i], n) == 0,
                   "throwable %zu: class \"%s\" is not what its line starts with", i,
                   th->class_name);
        FUZZ_CHECK(strcspn(th->class_name, ": \t\n") == n, "class \"%s\" holds a separator",
                   th->class_name);
        total += n;
        if (th->message) {
            FUZZ_CHECK(pieces_of(th->message, trace),
                       "throwable %zu: message \"%s\" is not made of the trace's lines", i,
                       th->message);
            total += strlen(th->message);
        }
    }
    FUZZ_CHECK(total <= 2 * len, "%zu bytes read out of a trace of %zu", total, len);
    if (valid_utf8(trace, len))
        check_status(&t);
out:
    fo_java_trace_release(&t);
    free(trace);
    return 0;
}
