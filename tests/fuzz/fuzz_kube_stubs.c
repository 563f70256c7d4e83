/* fo_kube_read_with_stubs (common/kube_oversized.h), the reader of the controller's List pages,
 * on arbitrary bytes read as a List page whose items may each build at most BOUND. Properties:
 *  - it refuses what the reader without a bound refuses, and what that reader accepts it
 *    refuses only with FO_ELIMIT (an item whose identity alone does not fit; not told apart
 *    here from other cases) or FO_ENOMEM;
 *  - the page has as many items as without the bound, in the same order; an item within the
 *    bound is read exactly as without it, any other is its stub: the marker, and nothing from
 *    the item's spec;
 *  - every item, whole or stub, weighs at most BOUND. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_read.h"
#include "common/kube_oversized.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOUND 64

enum { NONE, LIST, ITEMS, ITEM };

static int page_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
    (void)skip;
    if (st == LIST)
        return key && n == 5 && memcmp(key, "items", 5) == 0 ? ITEMS : NONE;
    if (st == ITEMS)
        return key ? NONE : ITEM;
    return NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    const char *text = (const char *)data;
    fo_err err;
    fo_json_read_filter plain = {.root_state = LIST, .member = page_member};
    json_t *whole = fo_json_read(text, size, &plain, &err);
    fo_json_read_filter bounded = plain;
    bounded.max_weight = BOUND;
    bounded.item_state = ITEM;
    fo_err berr;
    json_t *page = fo_kube_read_with_stubs(text, size, &bounded, &berr);
    if (!whole) {
        FUZZ_CHECK(!page, "read with stubs what the plain reader refuses (%s)", err.message);
        json_decref(page);
        return 0;
    }
    if (!page) {
        FUZZ_CHECK(berr.rc == FO_ELIMIT || berr.rc == FO_ENOMEM,
                   "refused what the plain reader reads: %s", berr.message);
        json_decref(whole);
        return 0;
    }
    json_t *wi = json_is_object(whole) ? json_object_get(whole, "items") : NULL;
    json_t *pi = json_is_object(page) ? json_object_get(page, "items") : NULL;
    if (json_is_array(wi)) {
        FUZZ_CHECK(json_is_array(pi) && json_array_size(pi) == json_array_size(wi),
                   "the page lost or gained items");
        for (size_t i = 0; i < json_array_size(wi); i++) {
            json_t *w = json_array_get(wi, i), *p = json_array_get(pi, i);
            if (!json_is_object(w)) {
                fuzz_check_equal(w, p, "an item that is not an object");
                continue;
            }
            FUZZ_CHECK(fuzz_json_weight(p) <= BOUND, "item %zu weighs %zu", i,
                       fuzz_json_weight(p));
            if (fuzz_json_weight(w) <= BOUND && !fo_kube_oversized(p)) {
                fuzz_check_equal(w, p, "an item within the bound");
            } else {
                FUZZ_CHECK(fo_kube_oversized(p) != NULL, "a heavy item %zu kept whole", i);
                FUZZ_CHECK(!json_object_get(p, "spec"), "a stub with a spec");
            }
        }
    } else {
        fuzz_check_equal(wi, pi, "items that are not an array");
    }
    json_decref(whole);
    json_decref(page);
    return 0;
}
