/* OpenAPI 3.0 schema subset checker (see openapi_check.h). Written for the Flink REST spec;
 * the JSON Schema rules follow the OpenAPI 3.0.3 "Schema Object" section. */
#include "tests/fakes/flink/openapi_check.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yamlconv.h"

#define MAX_DEPTH 64

typedef struct ctx {
    const json_t *spec;
    fo_err *err;
} ctx;

static bool fail(ctx *c, const char *path, const char *fmt, const char *a, const char *b)
{
    char what[512];
    snprintf(what, sizeof what, fmt, a ? a : "", b ? b : "");
    fo_err_set(c->err, FO_EINVALID, "%s: %s", path, what);
    return false;
}

static const json_t *resolve(ctx *c, const json_t *schema, const char *path, int depth)
{
    for (int hops = 0; hops < 16; hops++) {
        const char *ref = json_string_value(json_object_get(schema, "$ref"));
        if (!ref)
            return schema;
        static const char prefix[] = "#/components/schemas/";
        if (strncmp(ref, prefix, sizeof prefix - 1) != 0) {
            fail(c, path, "unsupported $ref '%s'%s", ref, NULL);
            return NULL;
        }
        schema = json_object_get(json_object_get(json_object_get(c->spec, "components"),
                                                 "schemas"),
                                 ref + sizeof prefix - 1);
        if (!schema) {
            fail(c, path, "dangling $ref '%s'%s", ref, NULL);
            return NULL;
        }
    }
    (void)depth;
    fail(c, path, "$ref chain too long%s%s", NULL, NULL);
    return NULL;
}

static bool check(ctx *c, const json_t *schema, const json_t *v, const char *path, int depth);

static bool type_ok(const char *type, const json_t *v)
{
    if (!strcmp(type, "object"))
        return json_is_object(v);
    if (!strcmp(type, "array"))
        return json_is_array(v);
    if (!strcmp(type, "string"))
        return json_is_string(v);
    if (!strcmp(type, "integer"))
        return json_is_integer(v);
    if (!strcmp(type, "number"))
        return json_is_number(v);
    if (!strcmp(type, "boolean"))
        return json_is_boolean(v);
    return true; /* unknown types are not ours to judge */
}

static const char *kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static bool check_enum(ctx *c, const json_t *en, const json_t *v, const char *path)
{
    size_t i;
    json_t *e;
    json_array_foreach(en, i, e) {
        if (json_equal(e, (json_t *)v))
            return true;
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY);
    bool r = fail(c, path, "%s is not one of the enum values%s", text ? text : "?", NULL);
    free(text);
    return r;
}

static bool check_pattern(ctx *c, const char *pattern, const char *s, const char *path)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return fail(c, path, "cannot compile pattern '%s'%s", pattern, NULL);
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok || fail(c, path, "'%s' does not match pattern '%s'", s, pattern);
}

static bool check_object(ctx *c, const json_t *schema, const json_t *v, const char *path,
                         int depth)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *required = json_object_get(schema, "required");
    size_t i;
    json_t *r;
    json_array_foreach(required, i, r) {
        const char *name = json_string_value(r);
        if (name && !json_object_get(v, name))
            return fail(c, path, "required member '%s' is missing%s", name, NULL);
    }
    const json_t *addl = json_object_get(schema, "additionalProperties");
    const char *key;
    json_t *member;
    json_object_foreach((json_t *)v, key, member) {
        char sub[1024];
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        const json_t *ps = json_object_get(props, key);
        if (ps) {
            if (!check(c, ps, member, sub, depth + 1))
                return false;
        } else if (json_is_false(addl)) {
            return fail(c, sub, "member '%s' is not allowed (additionalProperties: false)%s", key,
                        NULL);
        } else if (json_is_object(addl)) {
            if (!check(c, addl, member, sub, depth + 1))
                return false;
        }
    }
    return true;
}

static bool check(ctx *c, const json_t *schema, const json_t *v, const char *path, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(c, path, "schema nesting deeper than %s%s", "64", NULL);
    schema = resolve(c, schema, path, depth);
    if (!schema)
        return false;
    if (json_is_null(v)) {
        if (json_is_true(json_object_get(schema, "nullable")))
            return true;
        if (!json_object_get(schema, "type") && !json_object_get(schema, "allOf") &&
            !json_object_get(schema, "oneOf") && !json_object_get(schema, "anyOf") &&
            !json_object_get(schema, "enum"))
            return true; /* an empty schema accepts anything */
        return fail(c, path, "null is not allowed here (schema is not nullable)%s%s", NULL, NULL);
    }
    size_t i;
    json_t *sub;
    json_array_foreach(json_object_get(schema, "allOf"), i, sub) {
        if (!check(c, sub, v, path, depth + 1))
            return false;
    }
    const json_t *alts = json_object_get(schema, "oneOf");
    if (!alts)
        alts = json_object_get(schema, "anyOf");
    if (json_array_size(alts)) {
        bool any = false;
        json_array_foreach(alts, i, sub) {
            if (check(c, sub, v, path, depth + 1)) {
                any = true;
                break;
            }
        }
        if (!any)
            return fail(c, path, "matches none of the oneOf/anyOf alternatives%s%s", NULL, NULL);
        fo_err_clear(c->err);
    }
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (type && !type_ok(type, v))
        return fail(c, path, "expected %s, got %s", type, kind(v));
    const json_t *en = json_object_get(schema, "enum");
    if (en && !check_enum(c, en, v, path))
        return false;
    const char *format = json_string_value(json_object_get(schema, "format"));
    if (format && !strcmp(format, "int32") && json_is_integer(v) &&
        (json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX))
        return fail(c, path, "integer outside int32%s%s", NULL, NULL);
    const char *pattern = json_string_value(json_object_get(schema, "pattern"));
    if (pattern && json_is_string(v) && !check_pattern(c, pattern, json_string_value(v), path))
        return false;
    if (json_is_object(v) && (!type || !strcmp(type, "object")))
        return check_object(c, schema, v, path, depth);
    if (json_is_array(v)) {
        const json_t *items = json_object_get(schema, "items");
        json_t *item;
        json_array_foreach(v, i, item) {
            char p[1024];
            snprintf(p, sizeof p, "%s[%zu]", path, i);
            if (items && !check(c, items, item, p, depth + 1))
                return false;
        }
    }
    return true;
}

fo_rc fo_openapi_validate(const json_t *spec, const json_t *schema, const json_t *value,
                          fo_err *err)
{
    ctx c = {spec, err};
    fo_err_clear(err);
    return check(&c, schema, value, "$", 0) ? FO_OK : FO_EINVALID;
}

static const json_t *operation(const json_t *spec, const char *path, const char *method)
{
    return json_object_get(json_object_get(json_object_get(spec, "paths"), path), method);
}

const char *fo_openapi_success_status(const json_t *spec, const char *path, const char *method)
{
    const json_t *responses = json_object_get(operation(spec, path, method), "responses");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)responses, key, v) {
        if (key[0] == '2')
            return key;
    }
    return NULL;
}

const json_t *fo_openapi_response_schema(const json_t *spec, const char *path, const char *method,
                                         const char *status, fo_err *err)
{
    const json_t *op = operation(spec, path, method);
    if (!op) {
        fo_err_set(err, FO_ENOTFOUND, "spec has no operation %s %s", method, path);
        return NULL;
    }
    const json_t *resp = json_object_get(json_object_get(op, "responses"), status);
    if (!resp) {
        fo_err_set(err, FO_ENOTFOUND, "spec: %s %s has no %s response", method, path, status);
        return NULL;
    }
    const json_t *schema = json_object_get(
        json_object_get(json_object_get(resp, "content"), "application/json"), "schema");
    if (!schema)
        fo_err_set(err, FO_ENOTFOUND, "spec: %s %s %s has no JSON body", method, path, status);
    return schema;
}

json_t *fo_openapi_load_flink_spec(const char *file, fo_err *err)
{
    char path[4096];
    const char *dir = getenv("FO_FLINK_SPEC_DIR");
    const char *data = getenv("FO_TEST_DATA");
    if (dir && *dir)
        snprintf(path, sizeof path, "%s/%s", dir, file);
    else
        snprintf(path, sizeof path, "%s/flink-openapi/%s", data && *data ? data : "tests/data",
                 file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fo_err_set(err, FO_EIO, "%s: cannot open (set FO_FLINK_SPEC_DIR to the folder holding "
                                "the Flink OpenAPI specs)", path);
        return NULL;
    }
    char *buf = malloc(FO_OPENAPI_MAX_SPEC + 1);
    size_t n = buf ? fread(buf, 1, FO_OPENAPI_MAX_SPEC + 1, f) : 0;
    fclose(f);
    json_t *spec = NULL;
    if (!buf)
        fo_err_set(err, FO_ENOMEM, "out of memory");
    else if (n > FO_OPENAPI_MAX_SPEC)
        fo_err_set(err, FO_ELIMIT, "%s: larger than %u bytes", path, FO_OPENAPI_MAX_SPEC);
    else if (!(spec = fo_yaml_parse(buf, n, FO_OPENAPI_MAX_SPEC, err)))
        fo_err_wrap(err, "%s", path);
    free(buf);
    return spec;
}
