/* Flink configuration value syntax on arbitrary text: fo_flink_memory_parse (MemorySize with
 * the Kubernetes quantity fallback), fo_flink_duration_parse, the boolean and double readers.
 * Properties: MemorySize.toString (fo_flink_memory_format) reads back to the same byte count;
 * Double.toString (fo_flink_format_double) reads back to the same double; every refusal has
 * a message. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/flink_conf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = fuzz_cstr(data, size);
    fo_err err;
    int64_t bytes = 0, back = 0, ms = 0;
    char buf[64];

    fo_err_clear(&err);
    if (fo_flink_memory_parse(text, &bytes, &err) == FO_OK) {
        if (bytes >= 0) {
            fo_flink_memory_format(bytes, buf, sizeof buf);
            FUZZ_CHECK(fo_flink_memory_parse_flink(buf, &back, NULL) == FO_OK && back == bytes,
                       "\"%s\" (from %" PRId64 ") does not read back", buf, bytes);
        }
    } else {
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "memory: a refusal without a message");
    }

    fo_err_clear(&err);
    if (fo_flink_duration_parse(text, &ms, &err) == FO_OK)
        fo_flink_duration_format_iso(ms, buf, sizeof buf);
    else
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "duration: a refusal without a message");

    bool b;
    (void)fo_flink_parse_bool(text, &b);
    double d = 0, d2 = 0;
    if (fo_flink_parse_double(text, &d)) {
        fo_flink_format_double(d, buf, sizeof buf);
        FUZZ_CHECK(fo_flink_parse_double(buf, &d2), "\"%s\" does not parse", buf);
        FUZZ_CHECK((isnan(d) && isnan(d2)) || d == d2, "\"%s\" is not %.17g", buf, d);
    }
    free(text);
    return 0;
}
