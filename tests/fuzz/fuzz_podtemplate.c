/* Pod-template layering (common/podtemplate.h) on two arbitrary JSON values, lower and upper.
 * Properties:
 *  - merging changes neither input; merging the upper layer again, or the merge onto the
 *    lower layer again, changes nothing (merge(merge(a, b), b) == merge(a, b) ==
 *    merge(a, merge(a, b)): what normalisation's idempotence rests on);
 *  - fo_podtemplate_merge_keeps(lower, upper) is true only when the merge is upper itself,
 *    written the same (fo_json_identical); asked also of the merge as the upper layer, the
 *    case it exists for (a template layered at create time, layered again on update);
 *  - fo_podtemplate_layer_keep keeps the top layer exactly when layering writes it again, and
 *    otherwise returns what fo_podtemplate_layer returns, byte for byte;
 *  - fo_podtemplate_subtract(upper, lower) changes neither input and layers over lower into
 *    what upper layers into (also for the merge as upper: a template layered once);
 *  - fo_podtemplate_held(upper, now) changes neither input, gives all of upper when now is
 *    upper, asked again of its own result gives that result, and of upper layered over lower
 *    gives what layers over lower as upper does (nothing upper says is lost). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/jsonutil.h"
#include "common/podtemplate.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_keeps(const json_t *lower, const json_t *upper)
{
    if (!fo_podtemplate_merge_keeps(lower, upper))
        return;
    json_t *merged = fo_podtemplate_merge(lower, upper);
    if (!fo_json_identical(merged, upper)) {
        char *l = fuzz_dump(lower), *u = fuzz_dump(upper), *m = fuzz_dump(merged);
        FUZZ_CHECK(false, "merge_keeps, but the merge differs:\n lower  %s\n upper  %s\n merged %s",
                   l, u, m);
    }
    json_decref(merged);
}

static void check_layer_keep(const json_t *const *layers, size_t n)
{
    bool kept = true;
    json_t *got = fo_podtemplate_layer_keep(layers, n, &kept);
    json_t *full = fo_podtemplate_layer(layers, n);
    const json_t *top = layers[n - 1];
    bool same = top && !json_is_null(top) && fo_json_identical(full, top);
    FUZZ_CHECK(kept == same, "layer_keep kept %d, layering gives the top layer %d", kept, same);
    if (!kept)
        FUZZ_CHECK(fo_json_identical(got, full), "layer_keep and layer differ");
    else
        FUZZ_CHECK(got == NULL, "a kept top layer with a result");
    json_decref(got);
    json_decref(full);
}

static void check_subtract(const json_t *upper, const json_t *lower)
{
    json_t *upper0 = json_deep_copy(upper), *lower0 = json_deep_copy(lower);
    json_t *smallest = fo_podtemplate_subtract(upper, lower);
    FUZZ_CHECK(fo_json_identical(upper, upper0) && fo_json_identical(lower, lower0),
               "subtracting changed an input");
    json_t *want = fo_podtemplate_merge(lower, upper);
    json_t *got = fo_podtemplate_merge(lower, smallest);
    /* equal as the layering compares (numbers by value: 1 and 1.0 are one value) */
    if (!fo_json_equal(want, got)) {
        char *w = fuzz_dump(want), *g = fuzz_dump(got), *u = fuzz_dump(upper),
             *l = fuzz_dump(lower);
        FUZZ_CHECK(false, "the smallest layer layers differently:\n upper %s\n lower %s\n"
                          " want  %s\n got   %s",
                   u, l, w, g);
    }
    json_decref(want);
    json_decref(got);
    json_decref(smallest);
    json_decref(upper0);
    json_decref(lower0);
}

static void check_held(const json_t *upper, const json_t *now)
{
    json_t *upper0 = json_deep_copy(upper), *now0 = json_deep_copy(now);
    json_t *part = fo_podtemplate_held(upper, now);
    FUZZ_CHECK(fo_json_identical(upper, upper0) && fo_json_identical(now, now0),
               "held changed an input");
    json_t *again = fo_podtemplate_held(part, now);
    fuzz_check_equal(part, again, "held of what is held is not the same");
    json_decref(again);
    json_t *self = fo_podtemplate_held(upper, upper);
    if (!json_is_null(upper))
        fuzz_check_equal(upper, self, "held of a value in itself is not all of it");
    json_decref(self);
    json_decref(part);
    json_decref(upper0);
    json_decref(now0);
}

static void check_held_over(const json_t *upper, const json_t *lower)
{
    json_t *layered = fo_podtemplate_merge(lower, upper);
    json_t *part = fo_podtemplate_held(upper, layered);
    json_t *want = fo_podtemplate_merge(lower, upper);
    json_t *got = fo_podtemplate_merge(lower, part);
    if (!fo_json_equal(want, got)) {
        char *u = fuzz_dump(upper), *l = fuzz_dump(lower), *p = fuzz_dump(part);
        FUZZ_CHECK(false, "held of upper layered over lower loses something:\n upper %s\n"
                          " lower %s\n held  %s",
                   u, l, p);
    }
    json_decref(want);
    json_decref(got);
    json_decref(part);
    json_decref(layered);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    json_t *lower, *upper;
    if (!fuzz_two_values(data, size, &lower, &upper))
        return 0;
    json_t *lower0 = json_deep_copy(lower), *upper0 = json_deep_copy(upper);
    json_t *merged = fo_podtemplate_merge(lower, upper);
    FUZZ_CHECK(fo_json_identical(lower, lower0) && fo_json_identical(upper, upper0),
               "merging changed an input");
    if (merged) {
        json_t *again = fo_podtemplate_merge(merged, upper);
        fuzz_check_equal(merged, again, "merging the upper layer again changed the result");
        json_decref(again);
        again = fo_podtemplate_merge(lower, merged);
        fuzz_check_equal(merged, again, "merging the merge onto the lower layer changed it");
        json_decref(again);
    }
    check_keeps(lower, upper);
    check_keeps(upper, lower);
    check_keeps(lower, merged);
    const json_t *pair[] = {lower, upper}, *relayered[] = {lower, merged},
                 *three[] = {upper, lower, merged}, *no_top[] = {lower, NULL};
    check_layer_keep(pair, 2);
    check_layer_keep(relayered, 2);
    check_layer_keep(three, 3);
    check_layer_keep(no_top, 2);
    check_subtract(upper, lower);
    check_subtract(merged, lower);
    check_held(upper, lower);
    check_held(upper, merged);
    check_held(lower, merged);
    check_held_over(upper, lower);
    json_decref(merged);
    json_decref(lower0);
    json_decref(upper0);
    json_decref(lower);
    json_decref(upper);
    return 0;
}
