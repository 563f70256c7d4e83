/* fo_quantity_parse on arbitrary text, and the formatters' promise: what
 * fo_quantity_format_bytes / _millis write parses back to the same value. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/quantity.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = fuzz_cstr(data, size);
    fo_quantity q, back;
    fo_err err;
    fo_err_clear(&err);
    if (fo_quantity_parse(text, &q, &err) == FO_OK) {
        FUZZ_CHECK(q.units >= 0 && q.nanos >= 0 && q.nanos < 1000000000, "out of range parts");
        FUZZ_CHECK(!(q.negative && q.units == 0 && q.nanos == 0), "negative zero");
        FUZZ_CHECK(fo_quantity_cmp(&q, &q) == 0, "not equal to itself");
        int64_t bytes = fo_quantity_value(&q), millis = fo_quantity_milli_value(&q);
        char buf[32];
        fo_quantity_format_bytes(bytes, buf, sizeof buf);
        FUZZ_CHECK(fo_quantity_parse(buf, &back, NULL) == FO_OK, "\"%s\" does not parse", buf);
        FUZZ_CHECK(fo_quantity_value(&back) == bytes, "\"%s\" is not %" PRId64, buf, bytes);
        fo_quantity_format_millis(millis, buf, sizeof buf);
        FUZZ_CHECK(fo_quantity_parse(buf, &back, NULL) == FO_OK, "\"%s\" does not parse", buf);
        FUZZ_CHECK(fo_quantity_milli_value(&back) == millis, "\"%s\" is not %" PRId64 "m", buf,
                   millis);
    } else {
        FUZZ_CHECK(err.rc == FO_EINVAL && err.message[0], "a refusal without a message");
    }
    free(text);
    return 0;
}
