#include "webhook/review_json.h"

#include <stdbool.h>
#include <string.h>

/* Where the reader is in the review: members of these objects may be skipped. Everything
 * under any other member is S_NONE (built, no more matching). */
enum { S_NONE = 0, S_ROOT, S_REQUEST, S_OBJECT, S_METADATA, S_OLD_OBJECT, S_OLD_METADATA };

struct review_filter {
    bool skip_status;
    int *types; /* fo_wh_json_skipped.type */
};

/* With duplicate keys the last member wins (as in jansson), so entering an object again
 * forgets what was skipped in the earlier one. */
static void forget(struct review_filter *f, int from, int to)
{
    for (int i = from; i <= to; i++)
        f->types[i] = -1;
}

static int member_state(void *ctx, int st, const char *key, size_t n, int *skip)
{
    struct review_filter *f = ctx;
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    switch (st) {
    case S_ROOT:
        if (!IS("request"))
            return S_NONE;
        forget(f, FO_WH_SKIP_OLD_OBJECT, FO_WH_SKIP_COUNT - 1);
        return S_REQUEST;
    case S_REQUEST:
        if (IS("object")) {
            forget(f, FO_WH_SKIP_MANAGED_FIELDS, FO_WH_SKIP_STATUS);
            return S_OBJECT;
        }
        if (IS("oldObject")) {
            forget(f, FO_WH_SKIP_OLD_OBJECT, FO_WH_SKIP_OLD_OBJECT);
            return S_OLD_OBJECT;
        }
        if (IS("userInfo"))
            *skip = FO_WH_SKIP_USER_INFO;
        else if (IS("options"))
            *skip = FO_WH_SKIP_OPTIONS;
        return S_NONE;
    case S_OBJECT:
        if (IS("status") && f->skip_status)
            *skip = FO_WH_SKIP_STATUS;
        if (IS("metadata")) {
            forget(f, FO_WH_SKIP_MANAGED_FIELDS, FO_WH_SKIP_MANAGED_FIELDS);
            return S_METADATA;
        }
        return S_NONE;
    case S_METADATA:
        if (IS("managedFields"))
            *skip = FO_WH_SKIP_MANAGED_FIELDS;
        return S_NONE;
    case S_OLD_OBJECT: /* only metadata.generation is kept */
        if (!key || IS("metadata"))
            return key ? S_OLD_METADATA : S_NONE; /* not an object: refused by the caller */
        *skip = FO_WH_SKIP_OLD_OBJECT;
        return S_NONE;
    case S_OLD_METADATA:
        if (key && !IS("generation"))
            *skip = FO_WH_SKIP_OLD_OBJECT;
        return S_NONE;
    }
#undef IS
    return S_NONE;
}

json_t *fo_wh_json_parse(const char *buf, size_t len, fo_wh_json_mode mode,
                         fo_wh_json_skipped *skipped, fo_err *err)
{
    if (mode == FO_WH_JSON_ALL) {
        if (skipped)
            for (int i = 0; i < FO_WH_SKIP_COUNT; i++)
                skipped->type[i] = -1;
        return fo_json_read(buf, len, NULL, err);
    }
    fo_wh_json_skipped ignored;
    struct review_filter rf = {.skip_status = mode == FO_WH_JSON_REVIEW_NO_STATUS,
                               .types = skipped ? skipped->type : ignored.type};
    fo_json_read_filter f = {.root_state = S_ROOT,
                             .member = member_state,
                             .ctx = &rf,
                             .skipped_types = rf.types,
                             .nskipped = FO_WH_SKIP_COUNT};
    return fo_json_read(buf, len, &f, err);
}
