/* The CRDs in crds/: generated from their source, accepted by the API server's CRD rules
 * (structural schema, names, columns, subresources), described field by field, small enough,
 * schema-compatible with the Apache operator (every field, type and enum of its CRDs; its
 * objects stay valid), and their CEL rules behave as intended. Also the checker's own rules,
 * on fixtures that break one rule each. Expected values come from the reference (section a),
 * the Apache field inventory in tests/data and the Kubernetes rules, not from the generator. */
#include <check.h>
#include <dirent.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/yamlconv.h"
#include "crds/generator/crdgen.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "tests/tools/kubecheck/cel_subset.h"
#include "tests/tools/kubecheck/kubecheck.h"

#define FD_FILE "crds/flinkdeployments.flink.apache.org.yaml"
#define SJ_FILE "crds/flinksessionjobs.flink.apache.org.yaml"
/* etcd refuses objects over 1.5 MiB; "well under" is what we promise. */
/* kubectl apply (client side) keeps the whole object in the last-applied annotation, and the
 * API server caps all annotations of an object at 262144 bytes: `kubectl apply -f crds/` must
 * work, so the compact CRD stays under 240 KiB, leaving room for metadata. */
#define CRD_SIZE_BUDGET_BYTES (240u * 1024)

static fo_kubecheck_schemas *schemas;
static json_t *fd_crd, *sj_crd;

static char *src_path(const char *rel)
{
    const char *root = getenv("FO_SRC_DIR");
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/%s", root && *root ? root : ".", rel), 0);
    return p;
}

static char *read_src(const char *rel)
{
    char *path = src_path(rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    free(path);
    return buf;
}

static json_t *load_src_yaml(const char *rel)
{
    char *text = read_src(rel);
    fo_err err;
    json_t *v = fo_yaml_parse(text, strlen(text), 0, &err);
    free(text);
    ck_assert_msg(v != NULL, "%s: %s", rel, err.message);
    return v;
}

static void setup(void)
{
    fo_err err;
    schemas = fo_kubecheck_schemas_new();
    char *dir = fo_test_data_path("kubernetes-openapi/v1.35");
    ck_assert_msg(fo_kubecheck_schemas_load_dir(schemas, dir, &err) == FO_OK, "%s", err.message);
    free(dir);
    fd_crd = load_src_yaml(FD_FILE);
    sj_crd = load_src_yaml(SJ_FILE);
    ck_assert_int_eq(fo_kubecheck_schemas_add_crd(schemas, fd_crd, &err), FO_OK);
    ck_assert_int_eq(fo_kubecheck_schemas_add_crd(schemas, sj_crd, &err), FO_OK);
}

static void teardown(void)
{
    fo_kubecheck_schemas_free(schemas);
    json_decref(fd_crd);
    json_decref(sj_crd);
}

/* Fail with every collected problem. */
static void assert_clean(fo_field_errors *errs, const char *what)
{
    char *all = fo_field_errors_join(errs, "\n  ");
    size_t n = fo_field_errors_count(errs);
    if (n)
        fprintf(stderr, "%s: %zu problems:\n  %s\n", what, n, all);
    ck_assert_msg(n == 0, "%s: %zu problems, first: %s", what, n, all);
    free(all);
}

static fo_field_errors *check(const json_t *obj, const json_t *old)
{
    fo_field_errors *errs = fo_field_errors_new();
    fo_kubecheck_object(schemas, obj, old, errs);
    return errs;
}

static const json_t *root_schema(const json_t *crd)
{
    return fo_json_get(json_array_get(fo_json_get(crd, "spec.versions"), 0),
                       "schema.openAPIV3Schema");
}

/* Schema node of a dotted field path ("spec.job.upgradeMode"; "[]" = items, "{}" = map
 * values). Sets *covered when a preserve-unknown-fields ancestor accepts anything below. */
static const json_t *schema_node(const json_t *root, const char *path, bool *covered)
{
    const json_t *s = root;
    *covered = false;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf; *p && s;) {
        if (!strncmp(p, "[]", 2) || !strncmp(p, "{}", 2)) {
            s = json_object_get(s, p[0] == '[' ? "items" : "additionalProperties");
            p += 2;
            if (*p == '.')
                p++;
            continue;
        }
        size_t n = strcspn(p, ".[{");
        char save = p[n];
        p[n] = '\0';
        const json_t *next = json_object_get(json_object_get(s, "properties"), p);
        if (!next && json_is_true(json_object_get(s, "x-kubernetes-preserve-unknown-fields"))) {
            *covered = true;
            return s;
        }
        s = next;
        p[n] = save;
        p += n;
        if (*p == '.')
            p++;
    }
    return s;
}

/* ---- generated ---------------------------------------------------------------------------- */

START_TEST(committed_crds_are_exactly_what_the_generator_writes)
{
    fo_err err;
    json_t *source = load_src_yaml("crds/generator/schema.yaml");
    char *openapi_path = fo_test_data_path("kubernetes-openapi/v1.35/api__v1_openapi.json");
    json_t *openapi = fo_json_load_file(openapi_path, FO_CRDGEN_MAX_OPENAPI_BYTES, &err);
    ck_assert_msg(openapi != NULL, "%s", err.message);
    json_t *crds = fo_crdgen_build(source, openapi, &err);
    ck_assert_msg(crds != NULL, "%s", err.message);
    ck_assert_uint_eq(json_array_size(crds), 2);
    size_t i;
    json_t *crd;
    json_array_foreach(crds, i, crd)
    {
        char *name = fo_crdgen_file_name(crd);
        char rel[256];
        snprintf(rel, sizeof rel, "crds/%s", name);
        char *committed = read_src(rel);
        char *rendered = fo_crdgen_render(crd);
        ck_assert_msg(strcmp(committed, rendered) == 0,
                      "%s differs from its source: run `make -f mk/build.mk crds`", rel);
        free(committed);
        free(rendered);
        free(name);
    }
    char *table = fo_crdgen_pod_template_table(crds, &err);
    ck_assert_msg(table != NULL, "%s", err.message);
    char *committed = read_src("common/pod_template_schema.c");
    ck_assert_msg(strcmp(committed, table) == 0,
                  "common/pod_template_schema.c differs from its source: run `make crds`");
    free(committed);
    free(table);
    json_decref(crds);
    json_decref(openapi);
    json_decref(source);
    free(openapi_path);
}
END_TEST

/* The checker's table of a schema: nodes depth first, each object's members sorted and
 * consecutive; a node the table cannot hold is an error naming it. */
START_TEST(schema_tables_number_nodes_depth_first_and_sort_members)
{
    json_t *schema = json_loads(
        "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"integer\"}},\"a\":{\"type\":\"object\",\"additionalProperties\":"
        "{\"x-kubernetes-int-or-string\":true}},\"c\":{\"type\":\"object\","
        "\"x-kubernetes-preserve-unknown-fields\":true,\"properties\":{\"d\":{\"type\":"
        "\"boolean\"}}},\"e\":{\"x-kubernetes-preserve-unknown-fields\":true},\"f\":{\"type\":"
        "\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}",
        0, NULL);
    fo_err err;
    char *text = fo_crdgen_schema_table(schema, "h.h", "sym", "about", &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    static const char *const want[] = {
        "#include \"h.h\"",
        "    {FO_SCHEMA_OBJECT, 0, 5, 1}, /* 0 */",
        "    {FO_SCHEMA_MAP, 0, 0, 2}, /* 1 */",
        "    {FO_SCHEMA_INT_OR_STRING, 0, 0, 0}, /* 2 */",
        "    {FO_SCHEMA_ARRAY, 0, 0, 4}, /* 3 */",
        "    {FO_SCHEMA_INTEGER, 0, 0, 0}, /* 4 */",
        "    {FO_SCHEMA_OBJECT, 1, 1, 0}, /* 5 */",
        "    {FO_SCHEMA_BOOLEAN, 0, 0, 0}, /* 6 */",
        "    {FO_SCHEMA_ANY, 0, 0, 0}, /* 7 */",
        "    {FO_SCHEMA_OBJECT, 1, 0, 1}, /* 8 */", /* an object of any fields */
        "    {\"d\", 6},\n    {\"a\", 1},\n    {\"b\", 3},\n    {\"c\", 5},\n    {\"e\", 7},"
        "\n    {\"f\", 8},",
        "const fo_schema sym = {nodes, members, 9, 6};",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]), "missing \"%s\" in\n%s", want[i], text);
    free(text);
    json_decref(schema);

    static const char *const bad[] = {"{\"type\":\"object\",\"properties\":{\"x\":{}}}",
                                      "{\"type\":\"null\"}", "{\"type\":\"array\"}"};
    static const char *const why[] = {"sym.x: neither a type nor a preserved node",
                                      "sym: type \"null\" has no table kind",
                                      "sym: no schema for the items"};
    for (size_t i = 0; i < 3; i++) {
        schema = json_loads(bad[i], 0, NULL);
        ck_assert_ptr_null(fo_crdgen_schema_table(schema, "h.h", "sym", "about", &err));
        ck_assert_str_eq(err.message, why[i]);
        json_decref(schema);
    }
}
END_TEST

START_TEST(kubernetes_descriptions_are_cut_to_their_first_sentence)
{
    char *d = fo_crdgen_short_description(
        "Standard object's metadata. More info: https://git.k8s.io/x", 200);
    ck_assert_str_eq(d, "Standard object's metadata.");
    free(d);
    d = fo_crdgen_short_description("Image pull policy, e.g. Always. Defaults to Always.", 200);
    ck_assert_str_eq(d, "Image pull policy, e.g. Always.");
    free(d);
    d = fo_crdgen_short_description("One two three four five six seven", 16);
    ck_assert_str_eq(d, "One two three...");
    free(d);
}
END_TEST

/* tests/data/kubernetes-openapi holds unchanged upstream files (its README): their git blob
 * IDs, sha1("blob <size>\0" + bytes), match the upstream ones. */
static const char *const openapi_blobs[][2] = {
    {"api__v1_openapi.json", "8125c8ce3fc0332d0d9357588d940830c37fdd57"},
    {"apis__apps__v1_openapi.json", "15df0b3735ed8e8c3ecc360ad8353611ecfaf925"},
    {"apis__admissionregistration.k8s.io__v1_openapi.json",
     "cb411913639585d4c5d368befcaad8099844ae89"},
    {"apis__apiextensions.k8s.io__v1_openapi.json", "8f7af3a53f3361f14621fc99a53fe98385970d17"},
    {"apis__policy__v1_openapi.json", "bd1134c93f57aef334859baf6cd97bed2eb7b863"},
    {"apis__rbac.authorization.k8s.io__v1_openapi.json",
     "525506b471ed4c9d3e70e8ed50fd9a7a2a2cb1ba"},
};

START_TEST(kubernetes_openapi_copies_are_the_upstream_bytes)
{
    char rel[256];
    snprintf(rel, sizeof rel, "kubernetes-openapi/v1.35/%s", openapi_blobs[_i][0]);
    size_t len = 0;
    char *data = fo_test_read_data(rel, &len);
    char header[64];
    int hlen = snprintf(header, sizeof header, "blob %zu", len) + 1; /* with the NUL */
    char *blob = malloc((size_t)hlen + len);
    memcpy(blob, header, (size_t)hlen);
    memcpy(blob + hlen, data, len);
    unsigned char digest[20];
    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA1, blob, (size_t)hlen + len, digest), 0);
    char hex[41];
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    ck_assert_msg(!strcmp(hex, openapi_blobs[_i][1]), "%s has blob %s, upstream %s", rel, hex,
                  openapi_blobs[_i][1]);
    free(blob);
    free(data);
}
END_TEST

/* ---- API server rules --------------------------------------------------------------------- */

START_TEST(crds_pass_the_api_server_crd_and_structural_schema_rules)
{
    fo_field_errors *errs = check(fd_crd, NULL);
    assert_clean(errs, FD_FILE);
    fo_field_errors_free(errs);
    errs = check(sj_crd, NULL);
    assert_clean(errs, SJ_FILE);
    fo_field_errors_free(errs);
}
END_TEST

START_TEST(every_field_has_a_description_for_kubectl_explain)
{
    fo_field_errors *errs = fo_field_errors_new();
    fo_kubecheck_crd_descriptions(fd_crd, errs);
    fo_kubecheck_crd_descriptions(sj_crd, errs);
    assert_clean(errs, "descriptions");
    fo_field_errors_free(errs);
    /* kubectl explain flinkdeployment.spec.job.upgradeMode teaches the three modes. */
    bool covered;
    const char *d = fo_json_str(schema_node(root_schema(fd_crd), "spec.job.upgradeMode", &covered),
                                "description");
    ck_assert_ptr_nonnull(strstr(d, "savepoint"));
    ck_assert_ptr_nonnull(strstr(d, "last-state"));
    ck_assert_ptr_nonnull(strstr(d, "stateless"));
}
END_TEST

START_TEST(crds_fit_the_last_applied_annotation_of_kubectl_apply)
{
    const json_t *crds[] = {fd_crd, sj_crd};
    for (int i = 0; i < 2; i++) {
        char *compact = fo_json_dumps_compact(crds[i]);
        size_t n = strlen(compact);
        printf("%s: %zu bytes as compact JSON\n", fo_json_get_str(crds[i], "metadata.name"), n);
        ck_assert_uint_lt(n, CRD_SIZE_BUDGET_BYTES);
        free(compact);
    }
}
END_TEST

START_TEST(names_columns_and_subresources_match_the_apache_crds)
{
    ck_assert_str_eq(fo_json_get_str(fd_crd, "metadata.name"), "flinkdeployments.flink.apache.org");
    ck_assert_str_eq(fo_json_get_str(sj_crd, "metadata.name"), "flinksessionjobs.flink.apache.org");
    ck_assert_str_eq(
        json_string_value(json_array_get(fo_json_get(fd_crd, "spec.names.shortNames"), 0)),
        "flinkdep");
    ck_assert_str_eq(
        json_string_value(json_array_get(fo_json_get(sj_crd, "spec.names.shortNames"), 0)),
        "sessionjob");
    const json_t *crds[] = {fd_crd, sj_crd};
    for (int i = 0; i < 2; i++) {
        ck_assert_str_eq(fo_json_get_str(crds[i], "spec.scope"), "Namespaced");
        const json_t *versions = fo_json_get(crds[i], "spec.versions");
        ck_assert_uint_eq(json_array_size(versions), 1);
        const json_t *v = json_array_get(versions, 0);
        ck_assert_str_eq(fo_json_str(v, "name"), "v1beta1");
        ck_assert(json_is_true(json_object_get(v, "served")));
        ck_assert(json_is_true(json_object_get(v, "storage")));
        ck_assert_ptr_nonnull(fo_json_get(v, "subresources.status"));
        const json_t *cols = json_object_get(v, "additionalPrinterColumns");
        const char *want[][3] = {{"Job Status", ".status.jobStatus.state", "string"},
                                 {"Lifecycle State", ".status.lifecycleState", "string"},
                                 {"Age", ".metadata.creationTimestamp", "date"}};
        for (int c = 0; c < 3; c++) {
            const json_t *col = json_array_get(cols, (size_t)c);
            ck_assert_str_eq(fo_json_str(col, "name"), want[c][0]);
            ck_assert_str_eq(fo_json_str(col, "jsonPath"), want[c][1]);
            ck_assert_str_eq(fo_json_str(col, "type"), want[c][2]);
        }
    }
    const json_t *v = json_array_get(fo_json_get(fd_crd, "spec.versions"), 0);
    ck_assert_str_eq(fo_json_get_str(v, "subresources.scale.specReplicasPath"),
                     ".spec.taskManager.replicas");
    ck_assert_str_eq(fo_json_get_str(v, "subresources.scale.statusReplicasPath"),
                     ".status.taskManager.replicas");
    ck_assert_str_eq(fo_json_get_str(v, "subresources.scale.labelSelectorPath"),
                     ".status.taskManager.labelSelector");
    ck_assert_ptr_null(
        fo_json_get(json_array_get(fo_json_get(sj_crd, "spec.versions"), 0), "subresources.scale"));
}
END_TEST

static bool contains_key(const json_t *v, const char *key)
{
    if (json_is_object(v)) {
        if (json_object_get(v, key))
            return true;
        const char *k;
        json_t *child;
        json_object_foreach((json_t *)v, k, child) if (contains_key(child, key)) return true;
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) if (contains_key(child, key)) return true;
    }
    return false;
}

START_TEST(pod_templates_embed_the_kubernetes_pod_schema_without_refs_or_defaults)
{
    const json_t *root = root_schema(fd_crd);
    bool covered;
    /* A probe port is a name or a number (IntOrString). */
    const json_t *port = schema_node(
        root, "spec.podTemplate.spec.containers[].livenessProbe.httpGet.port", &covered);
    ck_assert(json_is_true(json_object_get(port, "x-kubernetes-int-or-string")));
    ck_assert_ptr_null(json_object_get(port, "type"));
    /* Quantities too, as in the Apache CRD. */
    const json_t *q = schema_node(root, "spec.taskManager.resources.limits{}", &covered);
    ck_assert(json_is_true(json_object_get(q, "x-kubernetes-int-or-string")));
    /* Nothing the API server would fill in, and no references left. */
    ck_assert(!contains_key(fd_crd, "$ref"));
    ck_assert(!contains_key(fd_crd, "default"));
    ck_assert(!contains_key(fd_crd, "allOf"));
    /* The three templates are the same schema (descriptions aside). */
    json_t *a = json_deep_copy(schema_node(root, "spec.podTemplate", &covered));
    json_t *b = json_deep_copy(schema_node(root, "spec.jobManager.podTemplate", &covered));
    json_t *c = json_deep_copy(schema_node(root, "spec.taskManager.podTemplate", &covered));
    json_object_del(a, "description");
    json_object_del(b, "description");
    json_object_del(c, "description");
    ck_assert(json_equal(a, b));
    ck_assert(json_equal(a, c));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    /* Kubernetes fields keep a short description. */
    const char *d =
        fo_json_str(schema_node(root, "spec.podTemplate.spec.containers", &covered), "description");
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_le(strlen(d), FO_CRDGEN_K8S_DESCRIPTION_MAX);
}
END_TEST

/* ---- Apache compatibility ----------------------------------------------------------------- */

static void check_inventory_line(const char *kind, const char *path, const char *type,
                                 const char *enums, fo_field_errors *errs)
{
    const json_t *root = root_schema(!strcmp(kind, "FlinkDeployment") ? fd_crd : sj_crd);
    bool covered;
    const json_t *s = schema_node(root, path, &covered);
    char field[1200];
    snprintf(field, sizeof field, "%s %s", kind, path);
    if (covered)
        return;
    if (!s) {
        fo_field_errors_add(errs, FO_FE_NOT_FOUND, field, NULL, "missing");
        return;
    }
    const char *ours = json_is_true(json_object_get(s, "x-kubernetes-int-or-string"))
                           ? "int-or-string"
                           : fo_json_str(s, "type");
    bool preserve = json_is_true(json_object_get(s, "x-kubernetes-preserve-unknown-fields"));
    bool same = ours && !strcmp(ours, type);
    if (!strcmp(type, "any"))
        same = preserve; /* free-form there: free-form (of any object) here */
    if (!same)
        fo_field_errors_add(errs, FO_FE_INVALID, field, ours ? ours : "(none)",
                            "Apache's type is %s", type);
    const json_t *ours_enum = json_object_get(s, "enum");
    if (enums && ours_enum) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", enums);
        for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|")) {
            bool found = false;
            size_t i;
            json_t *e;
            json_array_foreach(ours_enum, i, e) found = found || !strcmp(json_string_value(e), tok);
            if (!found)
                fo_field_errors_add(errs, FO_FE_UNSUPPORTED, field, tok, "enum value missing");
        }
    }
}

START_TEST(every_field_of_the_apache_crds_exists_with_the_same_type_and_enum)
{
    char *text = fo_test_read_data("crd-apache-v1beta1-fields.txt", NULL);
    fo_field_errors *errs = fo_field_errors_new();
    size_t lines = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char kind[64], path[1024], type[32], extra[512] = "";
        ck_assert_int_ge(sscanf(line, "%63s %1023s %31s %511s", kind, path, type, extra), 3);
        const char *enums = !strncmp(extra, "enum=", 5) ? extra + 5 : NULL;
        check_inventory_line(kind, path, type, enums, errs);
        /* The JobManager and TaskManager templates hold the same fields. */
        if (!strncmp(path, "spec.podTemplate", 16)) {
            char other[1100];
            snprintf(other, sizeof other, "spec.jobManager.podTemplate%s", path + 16);
            check_inventory_line(kind, other, type, enums, errs);
            snprintf(other, sizeof other, "spec.taskManager.podTemplate%s", path + 16);
            check_inventory_line(kind, other, type, enums, errs);
        }
        lines++;
    }
    ck_assert_uint_gt(lines, 1500);
    assert_clean(errs, "Apache field inventory");
    fo_field_errors_free(errs);
    free(text);
}
END_TEST

static const char *const valid_fixtures[] = {
    "crd-valid-application-full.yaml",
    "crd-valid-session-cluster.yaml",
    "crd-valid-session-job.yaml",
    "crd-valid-canary.yaml",
    "crd-valid-parallelism-ignored-with-replicas.yaml",
    "crd-valid-deployed-with-apache-status.yaml",
    "crd-valid-session-job-submitted.yaml",
};

START_TEST(objects_written_for_the_apache_operator_are_valid)
{
    json_t *obj = fo_test_load_yaml(valid_fixtures[_i]);
    fo_field_errors *errs = check(obj, NULL);
    assert_clean(errs, valid_fixtures[_i]);
    /* ... and so is an update that leaves them as they are. */
    fo_field_errors_free(errs);
    errs = check(obj, obj);
    assert_clean(errs, valid_fixtures[_i]);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

static const struct {
    const char *file, *field, *words;
} invalid_fixtures[] = {
    {"crd-invalid-upgrade-mode.yaml", "spec.job.upgradeMode", "Unsupported value: \"fast\""},
    {"crd-invalid-flink-version.yaml", "spec.flinkVersion", "Unsupported value: \"1.20\""},
    {"crd-invalid-negative-parallelism.yaml", "spec", "spec.job.parallelism must not be negative"},
    {"crd-invalid-jobmanager-replicas.yaml", "spec.jobManager.replicas", "below the minimum"},
    {"crd-invalid-taskmanager-replicas.yaml", "spec.taskManager.replicas", "below the minimum"},
    {"crd-invalid-log-config-key.yaml", "spec.logConfiguration", "log4j-console.properties"},
    {"crd-invalid-ingress-without-template.yaml", "spec.ingress.template", "Required value"},
    {"crd-invalid-pod-template-wrong-type.yaml", "spec.podTemplate.spec.containers",
     "must be of type array"},
    {"crd-invalid-unknown-field.yaml", "spec.jobManger", "unknown field"},
    {"crd-invalid-quantity-as-float.yaml", "spec.taskManager.resources.requests[cpu]",
     "integer or a string"},
    {"crd-invalid-session-job-negative-parallelism.yaml", "spec.job", "must not be negative"},
    {"crd-invalid-session-job-state.yaml", "spec.job.state", "Unsupported value: \"RUNNING\""},
};

START_TEST(invalid_objects_are_refused_with_one_error_naming_the_field)
{
    json_t *obj = fo_test_load_yaml(invalid_fixtures[_i].file);
    fo_field_errors *errs = check(obj, NULL);
    char *all = fo_field_errors_join(errs, "; ");
    ck_assert_msg(fo_field_errors_count(errs) == 1, "%s: want 1 error, got: %s",
                  invalid_fixtures[_i].file, all);
    ck_assert_msg(fo_field_errors_has_field(errs, invalid_fixtures[_i].field), "%s: %s",
                  invalid_fixtures[_i].file, all);
    ck_assert_msg(strstr(all, invalid_fixtures[_i].words) != NULL, "%s: %s",
                  invalid_fixtures[_i].file, all);
    free(all);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(every_example_passes_the_crd_schema)
{
    char *dir = src_path("examples");
    DIR *d = opendir(dir);
    size_t checked = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".yaml"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        fo_err err;
        json_t *docs = fo_kubecheck_load_yaml_file(path, &err);
        ck_assert_msg(docs != NULL, "%s", err.message);
        size_t i;
        json_t *obj;
        json_array_foreach(docs, i, obj)
        {
            const char *av = fo_json_str(obj, "apiVersion");
            if (!av || strncmp(av, "flink.apache.org/", 17))
                continue;
            /* examples/invalid.yaml too: its mistakes are the kind only the validating
             * webhook catches (the API server checks the schema first), so that the webhook
             * can show them all at once. */
            fo_field_errors *errs = check(obj, NULL);
            assert_clean(errs, path);
            fo_field_errors_free(errs);
            checked++;
        }
        json_decref(docs);
    }
    if (d)
        closedir(d);
    printf("examples: %zu custom resources checked\n", checked);
    free(dir);
}
END_TEST

/* ---- CEL rules ---------------------------------------------------------------------------- */

static json_t *deployed(void)
{
    return fo_test_load_yaml("crd-valid-deployed-with-apache-status.yaml");
}

static char *update_errors(const json_t *old, const json_t *updated)
{
    fo_field_errors *errs = check(updated, old);
    char *all = fo_field_errors_join(errs, "; ");
    fo_field_errors_free(errs);
    return all;
}

START_TEST(mode_cannot_change_once_deployed_but_may_before)
{
    json_t *old = deployed();
    json_t *upd = json_deep_copy(old);
    fo_json_set_path(upd, "spec.mode", json_string("standalone"));
    char *e = update_errors(old, upd);
    ck_assert_msg(strstr(e, "spec.mode cannot change") != NULL, "got: %s", e);
    free(e);
    /* null counts as native (reference b.3 rule 12). */
    fo_json_set_path(upd, "spec.mode", json_string("native"));
    e = update_errors(old, upd);
    ck_assert_str_eq(e, "");
    free(e);
    /* Before the first deployment (no lastReconciledSpec) anything goes. */
    json_object_del(old, "status");
    fo_json_set_path(upd, "spec.mode", json_string("standalone"));
    json_object_del(upd, "status");
    e = update_errors(old, upd);
    ck_assert_str_eq(e, "");
    free(e);
    json_decref(upd);
    json_decref(old);
}
END_TEST

START_TEST(job_cannot_be_added_or_removed_once_deployed)
{
    json_t *old = deployed();
    json_t *upd = json_deep_copy(old);
    json_object_del(json_object_get(upd, "spec"), "job");
    char *e = update_errors(old, upd);
    ck_assert_msg(strstr(e, "spec.job cannot be added or removed") != NULL, "got: %s", e);
    free(e);
    /* Changing the job is an ordinary upgrade. */
    json_decref(upd);
    upd = json_deep_copy(old);
    fo_json_set_path(upd, "spec.job.parallelism", json_integer(8));
    fo_json_set_path(upd, "spec.job.upgradeMode", json_string("savepoint"));
    fo_json_set_path(upd, "spec.image", json_string("flink:2.1"));
    e = update_errors(old, upd);
    ck_assert_str_eq(e, "");
    free(e);
    json_decref(upd);
    json_decref(old);
}
END_TEST

START_TEST(session_job_cluster_cannot_change_once_submitted)
{
    json_t *old = fo_test_load_yaml("crd-valid-session-job-submitted.yaml");
    json_t *upd = json_deep_copy(old);
    fo_json_set_path(upd, "spec.deploymentName", json_string("other-cluster"));
    char *e = update_errors(old, upd);
    ck_assert_msg(strstr(e, "spec.deploymentName cannot change") != NULL, "got: %s", e);
    free(e);
    json_object_del(old, "status");
    json_object_del(upd, "status");
    e = update_errors(old, upd);
    ck_assert_str_eq(e, "");
    free(e);
    json_decref(upd);
    json_decref(old);
}
END_TEST

START_TEST(cel_subset_follows_cel_semantics)
{
    json_t *self =
        json_pack("{s:{s:i,s:i},s:[i,i],s:s}", "m", "ab", 1, "ac", 2, "l", 1, 2, "s", "native");
    static const struct {
        const char *rule;
        int want; /* 1 true, 0 false, -1 evaluation error */
    } cases[] = {
        {"true || self.missing > 1", 1}, /* || absorbs an error */
        {"self.missing > 1 || true", 1}, /* ... on either side */
        {"false && self.missing", 0},
        {"self.missing == 1", -1}, /* no such key */
        {"has(self.m) && !has(self.x)", 1},
        {"(has(self.x) ? self.x : 'native') == self.s", 1},
        {"'b' in ['a', 'b'] && !('c' in ['a'])", 1},
        {"self.m.all(k, k.startsWith('a'))", 1},
        {"self.m.exists(k, k == 'zz')", 0},
        {"size(self.l) == 2 && self.l.size() >= 2", 1},
        {"1 == 'a'", 0}, /* heterogeneous equality is false */
        {"self.l[1] == 2 && -self.l[0] < 0", 1},
        {"1 < 'a'", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fo_err err;
        fo_cel_expr *e = fo_cel_parse(cases[i].rule, &err);
        ck_assert_msg(e != NULL, "%s: %s", cases[i].rule, err.message);
        bool got = false;
        fo_rc rc = fo_cel_eval(e, self, NULL, &got, &err);
        if (cases[i].want < 0)
            ck_assert_msg(rc != FO_OK, "%s should fail", cases[i].rule);
        else
            ck_assert_msg(rc == FO_OK && got == (cases[i].want == 1), "%s: rc %d got %d (%s)",
                          cases[i].rule, rc, got, err.message);
        fo_cel_free(e);
    }
    fo_err err;
    ck_assert_ptr_null(fo_cel_parse("self.x.map(v, v)", &err));
    ck_assert_ptr_null(fo_cel_parse("self.x = 1", &err));
    json_decref(self);
}
END_TEST

/* ---- the checker's structural rules ------------------------------------------------------- */

static const struct {
    const char *file, *where, *words;
} nonstructural[] = {
    {"crd-nonstructural-missing-type.yaml", "properties[spec].properties[size].type",
     "must not be empty for specified object fields"},
    {"crd-nonstructural-properties-and-additional-properties.yaml",
     "properties[spec].additionalProperties", "mutual exclusive"},
    {"crd-nonstructural-ref.yaml", "properties[spec].$ref", "$ref is not supported"},
    {"crd-nonstructural-root-metadata.yaml", "properties[metadata]",
     "other than name and generateName"},
    {"crd-nonstructural-type-under-junctor.yaml", "properties[spec].anyOf[0].type",
     "must be empty to be structural"},
    {"crd-nonstructural-junctor-field-not-declared.yaml", "properties[spec].properties[size]",
     "outside of the logical junctors"},
    {"crd-nonstructural-int-or-string-with-type.yaml", "properties[port].type",
     "x-kubernetes-int-or-string"},
    {"crd-nonstructural-array-without-items.yaml", "properties[ports].items", "must be specified"},
    {"crd-nonstructural-list-map-key-optional.yaml", "properties[ports].items",
     "must have a default or be a required property"},
    {"crd-nonstructural-unique-items.yaml", "properties[tags].uniqueItems", "quadratic"},
    {"crd-nonstructural-root-additional-properties.yaml", "openAPIV3Schema.additionalProperties",
     "must not be used at the root"},
    {"crd-nonstructural-preserve-unknown-false.yaml",
     "properties[spec].x-kubernetes-preserve-unknown-fields", "must be true or undefined"},
    {"crd-nonstructural-cel-undefined-field.yaml", "x-kubernetes-validations[0].rule",
     "undefined field 'replicas'"},
    {"crd-nonstructural-cel-old-self-in-list.yaml", "x-kubernetes-validations[0].rule",
     "uncorrelatable"},
};

START_TEST(schemas_the_api_server_refuses_are_reported_at_the_right_path)
{
    json_t *crd = fo_test_load_yaml(nonstructural[_i].file);
    fo_field_errors *errs = fo_field_errors_new();
    fo_kubecheck_crd(crd, errs);
    char *all = fo_field_errors_join(errs, "\n");
    bool found = false;
    for (size_t k = 0; k < fo_field_errors_count(errs); k++) {
        const char *m = fo_field_errors_get(errs, k)->message;
        found = found || (strstr(m, nonstructural[_i].where) && strstr(m, nonstructural[_i].words));
    }
    ck_assert_msg(found, "%s: expected %s ... %s, got:\n%s", nonstructural[_i].file,
                  nonstructural[_i].where, nonstructural[_i].words, all);
    free(all);
    fo_field_errors_free(errs);
    json_decref(crd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crds");
    TCase *gen = tcase_create("generated");
    tcase_set_timeout(gen, 300);
    tcase_add_test(gen, committed_crds_are_exactly_what_the_generator_writes);
    tcase_add_test(gen, schema_tables_number_nodes_depth_first_and_sort_members);
    tcase_add_test(gen, kubernetes_descriptions_are_cut_to_their_first_sentence);
    tcase_add_loop_test(gen, kubernetes_openapi_copies_are_the_upstream_bytes, 0,
                        (int)(sizeof openapi_blobs / sizeof openapi_blobs[0]));
    suite_add_tcase(s, gen);

    TCase *api = tcase_create("api server rules");
    tcase_set_timeout(api, 300);
    tcase_add_unchecked_fixture(api, setup, teardown);
    tcase_add_test(api, crds_pass_the_api_server_crd_and_structural_schema_rules);
    tcase_add_test(api, every_field_has_a_description_for_kubectl_explain);
    tcase_add_test(api, crds_fit_the_last_applied_annotation_of_kubectl_apply);
    tcase_add_test(api, names_columns_and_subresources_match_the_apache_crds);
    tcase_add_test(api, pod_templates_embed_the_kubernetes_pod_schema_without_refs_or_defaults);
    suite_add_tcase(s, api);

    TCase *compat = tcase_create("apache compatibility");
    tcase_set_timeout(compat, 300);
    tcase_add_unchecked_fixture(compat, setup, teardown);
    tcase_add_test(compat, every_field_of_the_apache_crds_exists_with_the_same_type_and_enum);
    tcase_add_loop_test(compat, objects_written_for_the_apache_operator_are_valid, 0,
                        (int)(sizeof valid_fixtures / sizeof valid_fixtures[0]));
    tcase_add_loop_test(compat, invalid_objects_are_refused_with_one_error_naming_the_field, 0,
                        (int)(sizeof invalid_fixtures / sizeof invalid_fixtures[0]));
    tcase_add_test(compat, every_example_passes_the_crd_schema);
    suite_add_tcase(s, compat);

    TCase *cel = tcase_create("cel rules");
    tcase_set_timeout(cel, 300);
    tcase_add_unchecked_fixture(cel, setup, teardown);
    tcase_add_test(cel, mode_cannot_change_once_deployed_but_may_before);
    tcase_add_test(cel, job_cannot_be_added_or_removed_once_deployed);
    tcase_add_test(cel, session_job_cluster_cannot_change_once_submitted);
    tcase_add_test(cel, cel_subset_follows_cel_semantics);
    suite_add_tcase(s, cel);

    TCase *checker = tcase_create("checker");
    tcase_add_loop_test(checker, schemas_the_api_server_refuses_are_reported_at_the_right_path, 0,
                        (int)(sizeof nonstructural / sizeof nonstructural[0]));
    suite_add_tcase(s, checker);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
