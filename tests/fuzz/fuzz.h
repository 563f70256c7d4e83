#ifndef FO_FUZZ_H
#define FO_FUZZ_H

/* Shared by the libFuzzer harnesses in tests/fuzz/ (built by `make fuzz`, never by `make test`).
 * A harness calls FUZZ_CHECK for a property that must hold: on failure it prints what broke and
 * aborts, which libFuzzer records as a crash with the input that caused it. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

/* Largest input a harness looks at (libFuzzer's -max_len is set below this by fuzz.sh). */
#define FUZZ_MAX_INPUT (256u * 1024)

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz property failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A NUL-terminated heap copy of the input (caller frees). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Two JSON values from one input: the first value, then the rest of the input (the patch
 * harnesses' document and patch). False (nothing to free) when either does not parse. */
static inline bool fuzz_two_values(const uint8_t *data, size_t size, json_t **first,
                                   json_t **second)
{
    json_error_t jerr;
    *first = json_loadb((const char *)data, size,
                        JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &jerr);
    if (!*first)
        return false;
    size_t used = (size_t)jerr.position;
    *second = used <= size ? json_loadb((const char *)data + used, size - used,
                                        JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr)
                           : NULL;
    if (!*second) {
        json_decref(*first);
        *first = NULL;
        return false;
    }
    return true;
}

/* What the reader charges for building v (fo_json_read_filter.max_weight). */
static inline size_t fuzz_json_weight(const json_t *v)
{
    size_t w = 1;
    if (json_is_array(v))
        for (size_t i = 0; i < json_array_size(v); i++)
            w += fuzz_json_weight(json_array_get(v, i));
    if (json_is_object(v)) {
        const char *key;
        json_t *m;
        w += 2;
        json_object_foreach((json_t *)v, key, m)
            w += 1 + fuzz_json_weight(m);
    }
    return w;
}

/* Compact text of a value for messages (caller frees). */
static inline char *fuzz_dump(const json_t *v)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
    return s ? s : strdup("(null)");
}

/* Abort with both documents printed unless a and b are equal (strictly: 1 and 1.0 differ). */
static inline void fuzz_check_equal(const json_t *a, const json_t *b, const char *what)
{
    if ((!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b)))
        return;
    /* not freed: inside a json_arena window jansson allocates from the arena, not malloc */
    char *sa = fuzz_dump(a), *sb = fuzz_dump(b);
    fprintf(stderr, "fuzz property failed: %s\n  first:  %s\n  second: %s\n", what, sa, sb);
    abort();
}

#endif
