#ifndef FO_YAMLCONV_INTERNAL_H
#define FO_YAMLCONV_INTERNAL_H

/* Shared by yamlconv.c (decoding), yamlconv_emit.c (encoding) and yamlconv_resolve.c
 * (scalar resolution); not for other modules. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fo_yaml_kind {
    FO_YAML_STR,
    FO_YAML_NULL,
    FO_YAML_BOOL,
    FO_YAML_INT,   /* fits int64 */
    FO_YAML_UINT,  /* above INT64_MAX, fits uint64 */
    FO_YAML_FLOAT, /* finite */
    FO_YAML_INF,
    FO_YAML_NAN,
};

typedef struct fo_yaml_resolved {
    enum fo_yaml_kind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
} fo_yaml_resolved;

/* What go-yaml v2 makes of the untagged plain scalar s[0..len). Pure and thread-safe. */
void fo_yaml_resolve_plain(const char *s, size_t len, fo_yaml_resolved *r);

/* A float mapping key as sigs.k8s.io/yaml writes it: strconv.FormatFloat(d, 'g', -1, 32),
 * with ".inf", "-.inf", ".nan" for the special values. n >= 32 is always enough. */
void fo_yaml_format_float_key(double d, char *buf, size_t n);

#endif
