#include "tests/support/testyaml.h"

#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/yamlconv.h"
#include "tests/support/testutil.h"

#define FO_TEST_FIXTURE_MAX (16u * 1024 * 1024)

static json_t *load(const char *name, bool all)
{
    size_t len = 0;
    char *text = fo_test_read_data(name, &len);
    fo_err err;
    fo_err_clear(&err);
    json_t *v = all ? fo_yaml_parse_all(text, len, FO_TEST_FIXTURE_MAX, &err)
                    : fo_yaml_parse(text, len, FO_TEST_FIXTURE_MAX, &err);
    free(text);
    if (!v) {
        fprintf(stderr, "fixture %s: %s\n", name, err.message);
        abort();
    }
    return v;
}

json_t *fo_test_load_yaml(const char *name)
{
    return load(name, false);
}

json_t *fo_test_load_yaml_all(const char *name)
{
    return load(name, true);
}

fo_cluster_defaults *fo_test_load_cluster_defaults(const char *name)
{
    size_t len;
    char *yaml = fo_test_read_data(name, &len);
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(yaml, len, &err);
    free(yaml);
    if (!cd) {
        fprintf(stderr, "cluster defaults %s: %s\n", name, err.message);
        abort();
    }
    return cd;
}
