/* flinkop-crdgen: write (or check) the CRDs in crds/ from crds/generator/schema.yaml and the
 * Kubernetes core/v1 OpenAPI document.
 *
 *   flinkop-crdgen --openapi FILE --source FILE --out-dir DIR [--pod-schema FILE] [--check]
 *
 * --pod-schema also writes the FlinkDeployment's pod template schema as the C table of
 * common/pod_template_schema.h (what the cluster defaults are checked against). --check writes
 * nothing and exits 1 when a file differs from what would be written (CI uses it so the
 * committed files never drift from their source). Prints each CRD's size. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/rc.h"
#include "common/yamlconv.h"
#include "crds/generator/crdgen.h"

/* A CRD file in crds/ is never this large (the API server's request limit is 3 MiB). */
#define MAX_CRD_FILE_BYTES (8u * 1024 * 1024)

static char *read_file(const char *path, size_t limit, size_t *len, fo_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(limit + 1);
    size_t n = buf ? fread(buf, 1, limit + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > limit) {
        fo_err_set(err,
                   !buf  ? FO_ENOMEM
                   : bad ? FO_EIO
                         : FO_ELIMIT,
                   "%s: %s", path,
                   !buf  ? "out of memory"
                   : bad ? "read error"
                         : "too large");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int write_file(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "flinkop-crdgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void usage(FILE *out)
{
    fputs("usage: flinkop-crdgen --openapi FILE --source FILE --out-dir DIR [--pod-schema FILE] "
          "[--check]\n",
          out);
}

/* Write text to path, or with check compare it with what path holds; 0 when done / equal. */
static int write_or_check(const char *path, const char *text, int check)
{
    if (!check)
        return write_file(path, text);
    fo_err ferr;
    size_t flen = 0;
    char *old = read_file(path, MAX_CRD_FILE_BYTES, &flen, &ferr);
    int differs = !old || strcmp(old, text) != 0;
    if (differs)
        fprintf(stderr, "flinkop-crdgen: %s is %s; run `make crds`\n", path,
                old ? "out of date" : "missing");
    free(old);
    return differs ? -1 : 0;
}

/* The FlinkDeployment CRD's spec.podTemplate schema as common/pod_template_schema.c. */
static int write_pod_schema(const json_t *crds, const char *path, int check)
{
    fo_err err;
    char *text = fo_crdgen_pod_template_table(crds, &err);
    if (!text) {
        fprintf(stderr, "flinkop-crdgen: %s: %s\n", path, err.message);
        return -1;
    }
    int rc = write_or_check(path, text, check);
    printf("%s: %zu bytes of C\n", path, strlen(text));
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"openapi", required_argument, NULL, 'o'}, {"source", required_argument, NULL, 's'},
        {"out-dir", required_argument, NULL, 'd'}, {"check", no_argument, NULL, 'c'},
        {"pod-schema", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *openapi_path = NULL, *source_path = NULL, *out_dir = NULL, *pod_schema = NULL;
    int check = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            openapi_path = optarg;
            break;
        case 's':
            source_path = optarg;
            break;
        case 'd':
            out_dir = optarg;
            break;
        case 'c':
            check = 1;
            break;
        case 'p':
            pod_schema = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!openapi_path || !source_path || !out_dir || optind != argc) {
        usage(stderr);
        return 2;
    }

    int status = 1;
    fo_err err;
    fo_err_clear(&err);
    json_t *openapi = NULL, *source = NULL, *crds = NULL;
    size_t len = 0;
    char *text = read_file(source_path, FO_CRDGEN_MAX_SOURCE_BYTES, &len, &err);
    if (!text)
        goto out;
    source = fo_yaml_parse(text, len, FO_CRDGEN_MAX_SOURCE_BYTES, &err);
    free(text);
    if (!source) {
        fo_err_wrap(&err, "%s", source_path);
        goto out;
    }
    openapi = fo_json_load_file(openapi_path, FO_CRDGEN_MAX_OPENAPI_BYTES, &err);
    if (!openapi)
        goto out;
    crds = fo_crdgen_build(source, openapi, &err);
    if (!crds)
        goto out;

    status = 0;
    size_t i;
    json_t *crd;
    json_array_foreach(crds, i, crd)
    {
        char *name = fo_crdgen_file_name(crd);
        char *rendered = fo_crdgen_render(crd);
        char *compact = fo_json_dumps_compact(crd);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out_dir, name ? name : "?");
        if (!name || !rendered || !compact) {
            fprintf(stderr, "flinkop-crdgen: %s: out of memory\n", path);
            status = 1;
        } else if (write_or_check(path, rendered, check) != 0) {
            status = 1;
        }
        if (rendered && compact)
            printf("%s: %zu bytes of YAML, %zu bytes as compact JSON\n", path, strlen(rendered),
                   strlen(compact));
        free(name);
        free(rendered);
        free(compact);
    }
    if (pod_schema && write_pod_schema(crds, pod_schema, check) != 0)
        status = 1;
out:
    if (err.rc != FO_OK)
        fprintf(stderr, "flinkop-crdgen: %s\n", err.message);
    json_decref(openapi);
    json_decref(source);
    json_decref(crds);
    return status;
}
