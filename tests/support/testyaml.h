#ifndef FO_TESTYAML_H
#define FO_TESTYAML_H

/* Load fixtures from tests/data as JSON (kept apart from testutil so suites that do not load
 * YAML do not need the YAML module). Test code only; failures abort the test. */

#include <jansson.h>

#include "common/cluster_defaults.h"

/* Parse tests/data/<name> (YAML or JSON, one document). New reference. */
json_t *fo_test_load_yaml(const char *name);

/* Parse every document of tests/data/<name>; returns a JSON array. New reference. */
json_t *fo_test_load_yaml_all(const char *name);

/* The cluster defaults file tests/data/<name> (common/cluster_defaults.h format), parsed.
 * Release with fo_cluster_defaults_unref. */
fo_cluster_defaults *fo_test_load_cluster_defaults(const char *name);

#endif
