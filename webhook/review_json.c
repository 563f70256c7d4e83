#include "webhook/review_json.h"

#include <stdbool.h>
#include <string.h>

/* Where the reader is in the review: members of these objects may be skipped. Everything
 * under any other member is S_NONE (built, no more matching). */
enum { S_NONE = 0, S_ROOT, S_REQUEST, S_OBJECT, S_METADATA };

static int member_state(void *ctx, int st, const char *key, size_t n, int *skip)
{
    bool skip_status = *(const bool *)ctx;
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    switch (st) {
    case S_ROOT:
        return IS("request") ? S_REQUEST : S_NONE;
    case S_REQUEST:
        if (IS("object"))
            return S_OBJECT;
        if (IS("oldObject"))
            *skip = FO_WH_SKIP_OLD_OBJECT;
        else if (IS("userInfo"))
            *skip = FO_WH_SKIP_USER_INFO;
        else if (IS("options"))
            *skip = FO_WH_SKIP_OPTIONS;
        return S_NONE;
    case S_OBJECT:
        if (IS("status") && skip_status)
            *skip = FO_WH_SKIP_STATUS;
        return IS("metadata") ? S_METADATA : S_NONE;
    case S_METADATA:
        if (IS("managedFields"))
            *skip = FO_WH_SKIP_MANAGED_FIELDS;
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
    bool skip_status = mode == FO_WH_JSON_REVIEW_NO_STATUS;
    fo_wh_json_skipped ignored;
    fo_json_read_filter f = {.root_state = S_ROOT,
                             .member = member_state,
                             .ctx = &skip_status,
                             .skipped_types = skipped ? skipped->type : ignored.type,
                             .nskipped = FO_WH_SKIP_COUNT};
    return fo_json_read(buf, len, &f, err);
}
