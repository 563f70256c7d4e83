/* The cluster defaults file (common/cluster_defaults.h) on arbitrary YAML. Properties:
 *  - a file that is refused says why (a message), one that loads has role templates the CRD's
 *    pod template schema holds as they are (common/pod_template_schema.h): layering the
 *    common template and a role's own, each accepted on its own, never makes a template the
 *    API server would drop fields from or refuse;
 *  - the schema check itself, on whatever the document holds at podTemplate (any shape), ends
 *    and counts what it reports. */
#include <stdint.h>
#include <stdlib.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "common/pod_template_schema.h"
#include "common/yamlconv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t reports;

static void count(void *ctx, const char *path, const char *problem)
{
    (void)ctx;
    FUZZ_CHECK(path && problem && problem[0], "a report without a path or a problem");
    reports++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse((const char *)data, size, &err);
    if (!cd) {
        FUZZ_CHECK(err.rc != FO_OK && err.message[0], "refused without a message");
    } else {
        static const fo_role roles[] = {FO_ROLE_JOBMANAGER, FO_ROLE_TASKMANAGER};
        for (size_t i = 0; i < 2; i++) {
            const json_t *t = fo_cluster_defaults_pod_template(cd, roles[i]);
            reports = 0;
            fo_schema_check(&fo_pod_template_schema, t, "layered", count, NULL);
            if (reports) {
                char *d = fuzz_dump(t);
                FUZZ_CHECK(false, "an accepted file layers into a template with %zu problems: %s",
                           reports, d);
            }
        }
        fo_cluster_defaults_unref(cd);
    }
    /* the check on any shape */
    json_t *doc = fo_yaml_parse((const char *)data, size, FUZZ_MAX_INPUT, &err);
    if (json_is_object(doc)) {
        reports = 0;
        size_t n = fo_schema_check(&fo_pod_template_schema, json_object_get(doc, "podTemplate"),
                                   "podTemplate", count, NULL);
        FUZZ_CHECK(n == reports, "counted %zu problems, reported %zu", n, reports);
    }
    json_decref(doc);
    return 0;
}
