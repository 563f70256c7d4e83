/* flinkop-kubecheck: validate Kubernetes manifests offline.
 *
 *   flinkop-kubecheck --schemas DIR [--schemas DIR]... [--crd FILE]... FILE|- ...
 *
 * Every document of every FILE (YAML, "---" separated; "-" reads standard input, e.g.
 * `kubectl kustomize manifests/overlays/self-signed | flinkop-kubecheck ... -`) is checked
 * against the OpenAPI v3 documents in DIR (built-in kinds) and the CRDs given with --crd or
 * found in the input itself; CRDs are also checked against the API server's CRD rules.
 * Prints one line per problem and exits 1 when there is any, 2 on usage or I/O errors. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/yamlconv.h"
#include "tests/tools/kubecheck/kubecheck.h"

#define MAX_INPUTS 64

static json_t *read_stdin(fo_err *err)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap >= FO_KUBECHECK_MAX_FILE_BYTES) {
                free(buf);
                fo_err_set(err, FO_ELIMIT, "standard input larger than %u bytes",
                           FO_KUBECHECK_MAX_FILE_BYTES);
                return NULL;
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown)
                break;
            buf = grown;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0)
            break;
    }
    if (!buf) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    json_t *docs = fo_yaml_parse_all(buf, len, FO_KUBECHECK_MAX_FILE_BYTES, err);
    free(buf);
    for (size_t i = docs ? json_array_size(docs) : 0; i-- > 0;)
        if (json_is_null(json_array_get(docs, i)))
            json_array_remove(docs, i);
    return docs;
}

/* Flatten kind: List documents into their items. */
static void add_objects(json_t *into, const json_t *docs)
{
    size_t i;
    const json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *kind = fo_json_str(d, "kind");
        if (kind && !strcmp(kind, "List") && json_is_array(json_object_get(d, "items")))
            add_objects(into, json_object_get(d, "items"));
        else
            json_array_append(into, (json_t *)d);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"schemas", required_argument, NULL, 's'},
                                         {"crd", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *usage = "usage: flinkop-kubecheck --schemas DIR [--crd FILE]... FILE|- ...\n";
    fo_kubecheck_schemas *s = fo_kubecheck_schemas_new();
    json_t *objects = json_array();
    fo_err err;
    fo_err_clear(&err);
    int status = 2, c, have_schemas = 0;
    if (!s || !objects)
        goto out;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's') {
            if (fo_kubecheck_schemas_load_dir(s, optarg, &err) != FO_OK)
                goto out;
            have_schemas = 1;
        } else if (c == 'c') {
            if (fo_kubecheck_schemas_load_crd_file(s, optarg, &err) != FO_OK)
                goto out;
        } else {
            fputs(usage, c == 'h' ? stdout : stderr);
            status = c == 'h' ? 0 : 2;
            goto out;
        }
    }
    if (!have_schemas || optind == argc || argc - optind > MAX_INPUTS) {
        fputs(usage, stderr);
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        json_t *docs =
            strcmp(argv[i], "-") ? fo_kubecheck_load_yaml_file(argv[i], &err) : read_stdin(&err);
        if (!docs)
            goto out;
        add_objects(objects, docs);
        json_decref(docs);
    }
    /* CRDs in the input describe custom resources in the same input. */
    size_t i;
    const json_t *obj;
    json_array_foreach(objects, i, obj)
    {
        const char *kind = fo_json_str(obj, "kind");
        if (kind && !strcmp(kind, "CustomResourceDefinition") &&
            fo_kubecheck_schemas_add_crd(s, obj, &err) != FO_OK)
            goto out;
    }
    size_t problems = 0;
    json_array_foreach(objects, i, obj)
    {
        fo_field_errors *errs = fo_field_errors_new();
        if (!errs)
            goto out;
        fo_kubecheck_object(s, obj, NULL, errs);
        const char *kind = fo_json_str(obj, "kind");
        const char *name = fo_json_get_str(obj, "metadata.name");
        for (size_t k = 0; k < fo_field_errors_count(errs); k++)
            printf("%s/%s: %s\n", kind ? kind : "?", name ? name : "?",
                   fo_field_errors_get(errs, k)->message);
        problems += fo_field_errors_count(errs);
        fo_field_errors_free(errs);
    }
    printf("%zu objects checked, %zu problems\n", json_array_size(objects), problems);
    status = problems ? 1 : 0;
out:
    if (err.rc != FO_OK)
        fprintf(stderr, "flinkop-kubecheck: %s\n", err.message);
    json_decref(objects);
    fo_kubecheck_schemas_free(s);
    return status;
}
