/* fo_json_read (common/json_read.h), the reader of every AdmissionReview and of the rest of the
 * project's JSON, against jansson's json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) on arbitrary
 * bytes. Properties:
 *  - both accept and refuse the same inputs, and what both accept reads as equal values; the
 *    one known difference (json_read.h): jansson drops a NUL byte right after a number or
 *    literal, which the reader refuses, so there the reader must read the input without its
 *    NUL bytes outside strings as jansson read it; and a key with \u0000, which jansson
 *    refuses and the reader reads (such inputs are left alone here: jansson gives nothing to
 *    compare with; tests/unit/test_json_read.c checks them);
 *  - a refusal is FO_EINVAL with a message naming line and column;
 *  - with a filter that leaves members out (keys whose first byte is odd; below keys starting
 *    with 'a' everything is built), the same inputs are accepted, and the result is the full
 *    result without those members. Skipped values take the reader's other paths (no values
 *    built), so both are held to jansson's judgement;
 *  - max_weight (a value 1, an object 3, each key 1 more, for everything built, including
 *    values a duplicate key then replaces): a bound of 2 bytes a byte of input never stops a
 *    read ("{}" weighs 3 for its 2 bytes, the most), and builds the same value; a bound below
 *    the result's own weight always does, with FO_ELIMIT. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_read.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { BUILD_ALL = 0, FILTERED = 1 };

static bool skipped_key(const char *key, size_t n)
{
    return n && ((unsigned char)key[0] & 1);
}

static int child_state(const char *key, size_t n)
{
    return n && key[0] == 'a' ? BUILD_ALL : FILTERED;
}

static int member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
    if (!key)
        return st; /* array elements: the array's state */
    if (skipped_key(key, n)) {
        *skip = 0;
        return BUILD_ALL;
    }
    return child_state(key, n);
}

/* The full result as the filter should leave it (new reference). */
static json_t *prune(const json_t *v, int st)
{
    if (st == BUILD_ALL)
        return json_deep_copy(v);
    if (json_is_array(v)) {
        json_t *out = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(out, prune(json_array_get(v, i), st));
        return out;
    }
    if (!json_is_object(v))
        return json_deep_copy(v);
    json_t *out = json_object();
    const char *key;
    size_t n;
    json_t *m;
    json_object_keylen_foreach((json_t *)v, key, n, m)
    {
        if (!skipped_key(key, n))
            json_object_setn_new_nocheck(out, key, n, prune(m, child_state(key, n)));
    }
    return out;
}

/* The input without the NUL bytes that stand outside strings (new buffer, *n its length). */
static char *without_bare_nuls(const uint8_t *data, size_t size, size_t *n)
{
    char *out = malloc(size ? size : 1);
    bool in_string = false, escaped = false;
    *n = 0;
    for (size_t i = 0; i < size; i++) {
        char c = (char)data[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '\0') {
            continue;
        }
        out[(*n)++] = c;
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    json_error_t jerr;
    json_t *want = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    fo_err err;
    fo_err_clear(&err);
    if (!want && strstr(jerr.text, "NUL byte in object key"))
        return 0;
    json_t *got = fo_json_read((const char *)data, size, NULL, &err);
    if (want && !got && memchr(data, 0, size)) {
        size_t n;
        char *stripped = without_bare_nuls(data, size, &n);
        json_t *again = fo_json_read(stripped, n, NULL, &err);
        FUZZ_CHECK(again != NULL, "jansson accepts, the reader refuses even without bare NULs "
                                  "(%s)", err.message);
        fuzz_check_equal(want, again, "jansson's reading with NUL bytes differs");
        json_decref(again);
        free(stripped);
        json_decref(want);
        return 0;
    }
    FUZZ_CHECK(!want == !got, "jansson %s, the reader %s (%s)", want ? "accepts" : jerr.text,
               got ? "accepts" : "refuses", err.message);
    if (!got)
        FUZZ_CHECK(err.rc == FO_EINVAL && strncmp(err.message, "invalid JSON at line ", 21) == 0,
                   "a refusal without line and column: %s", err.message);
    else
        fuzz_check_equal(want, got, "the reader builds other values than jansson");

    if (got) {
        size_t w = fuzz_json_weight(got);
        fo_json_read_filter ample = {.max_weight = 2 * size + 2}, under = {.max_weight = w - 1};
        json_t *bounded = fo_json_read((const char *)data, size, &ample, &err);
        FUZZ_CHECK(bounded != NULL, "refused at a bound of %zu for %zu bytes (%s)",
                   ample.max_weight, size, err.message);
        fuzz_check_equal(got, bounded, "a bound changes the value");
        json_decref(bounded);
        if (w > 1) { /* max_weight 0 is no bound */
            fo_err_clear(&err);
            FUZZ_CHECK(fo_json_read((const char *)data, size, &under, &err) == NULL &&
                           err.rc == FO_ELIMIT,
                       "built past a bound of %zu (rc %d)", w - 1, (int)err.rc);
        }
    }

    int skipped_type = -1;
    fo_json_read_filter f = {.root_state = FILTERED,
                             .member = member,
                             .skipped_types = &skipped_type,
                             .nskipped = 1};
    fo_err_clear(&err);
    json_t *filtered = fo_json_read((const char *)data, size, &f, &err);
    FUZZ_CHECK(!filtered == !got, "the filter changes the verdict (%s)", err.message);
    if (filtered) {
        json_t *expect = prune(got, FILTERED);
        fuzz_check_equal(expect, filtered, "the filtered result is not the pruned full one");
        json_decref(expect);
    }
    json_decref(filtered);
    json_decref(got);
    json_decref(want);
    return 0;
}
