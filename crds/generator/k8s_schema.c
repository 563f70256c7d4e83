/* Kubernetes OpenAPI v3 component -> structural CRD schema (see crdgen.h).
 *
 * Kubernetes' published OpenAPI is not a structural schema: it uses $ref (usually wrapped in
 * a one-element allOf so a field can carry its own description and default), oneOf for
 * IntOrString and Quantity, and `default` values the API server would apply to our custom
 * resources. CRDs accept none of that (apiextensions "structural schema" rules: no $ref, a
 * type on every node except int-or-string and preserve-unknown-fields nodes, no type or
 * description under the logical junctors), so this file rewrites a component into plain
 * nested properties. */
#include "crds/generator/crdgen.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

#define REF_PREFIX "#/components/schemas/"

typedef struct conv {
    const json_t *schemas; /* borrowed: components.schemas of the document */
    const char *stack[FO_CRDGEN_MAX_DEPTH];
    int depth;
    int field_depth; /* how many "properties" levels below the embedded type's root */
    fo_err *err;
} conv;

/* Abbreviations whose full stop does not end a sentence. */
static bool abbreviation_before(const char *s, size_t dot)
{
    static const char *const abbr[] = {"e.g", "i.e", "etc", "vs", "approx", "Ex", "ex", NULL};
    for (int i = 0; abbr[i]; i++) {
        size_t n = strlen(abbr[i]);
        if (dot >= n && strncmp(s + dot - n, abbr[i], n) == 0 &&
            (dot == n || !isalnum((unsigned char)s[dot - n - 1])))
            return true;
    }
    return false;
}

char *fo_crdgen_short_description(const char *text, size_t max)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    /* Collapse every run of white space into one space. */
    bool space = false;
    for (const char *p = text ? text : ""; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = sb.len > 0;
            continue;
        }
        if (space && fo_strbuf_putc(&sb, ' ') != FO_OK)
            goto oom;
        space = false;
        if (fo_strbuf_putc(&sb, *p) != FO_OK)
            goto oom;
    }
    char *s = sb.data;
    size_t len = sb.len;
    /* First sentence: a full stop followed by the end or by a space and no lower-case word. */
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '.' || abbreviation_before(s, i))
            continue;
        if (i + 1 == len || (s[i + 1] == ' ' && !islower((unsigned char)s[i + 2]))) {
            len = i + 1;
            break;
        }
    }
    /* A trailing "More info: <url>" without a full stop of its own. */
    char *more = strstr(s, " More info:");
    if (more && (size_t)(more - s) < len)
        len = (size_t)(more - s);
    if (len > max && max > 4) {
        size_t cut = max - 3;
        while (cut > 0 && s[cut] != ' ')
            cut--;
        if (cut == 0)
            cut = max - 3;
        while (cut > 0 && (s[cut - 1] == ',' || s[cut - 1] == ';' || s[cut - 1] == ':'))
            cut--;
        memcpy(s + cut, "...", 3);
        len = cut + 3;
    }
    s[len] = '\0';
    sb.len = len;
    return fo_strbuf_take(&sb);
oom:
    fo_strbuf_release(&sb);
    return NULL;
}

static const char *ref_of(const json_t *node)
{
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    if (ref)
        return ref;
    const json_t *all = json_object_get(node, "allOf");
    if (json_is_array(all) && json_array_size(all) == 1)
        return json_string_value(json_object_get(json_array_get(all, 0), "$ref"));
    return NULL;
}

/* IntOrString ({format: int-or-string, oneOf: [integer, string]}) and Quantity
 * ({oneOf: [string, number]}): both become x-kubernetes-int-or-string, as in the Apache
 * operator's CRD (a Quantity written as a YAML float such as 0.5 is refused there too). */
static bool int_or_string(const json_t *node)
{
    const char *format = json_string_value(json_object_get(node, "format"));
    if (format && strcmp(format, "int-or-string") == 0)
        return true;
    const json_t *one = json_object_get(node, "oneOf");
    if (!json_is_array(one) || json_array_size(one) == 0)
        return false;
    size_t i;
    const json_t *alt;
    json_array_foreach(one, i, alt)
    {
        const char *t = json_string_value(json_object_get(alt, "type"));
        if (!t || (strcmp(t, "integer") && strcmp(t, "string") && strcmp(t, "number")))
            return false;
    }
    return true;
}

/* Kubernetes' own words are kept for the first FO_CRDGEN_K8S_DESCRIPTION_DEPTH levels of an
 * embedded type (a pod template's spec, its containers, a container's fields): deeper ones
 * would push the FlinkDeployment CRD past the 256 KiB that `kubectl apply` (client side) can
 * store in its last-applied annotation. `kubectl explain pod.spec...` documents the rest. */
static fo_rc set_description(const conv *c, json_t *out, const char *text)
{
    if (!text || !*text || c->field_depth > FO_CRDGEN_K8S_DESCRIPTION_DEPTH)
        return FO_OK;
    char *d = fo_crdgen_short_description(text, FO_CRDGEN_K8S_DESCRIPTION_MAX);
    if (!d || json_object_set_new(out, "description", json_string(d)) != 0) {
        free(d);
        return FO_ENOMEM;
    }
    free(d);
    return FO_OK;
}

static json_t *convert(conv *c, const json_t *node, const char *where);

static json_t *convert_ref(conv *c, const char *ref, const json_t *node, const char *where)
{
    if (strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)) != 0) {
        fo_err_set(c->err, FO_EINVAL, "%s: unsupported $ref %s", where, ref);
        return NULL;
    }
    const char *name = ref + strlen(REF_PREFIX);
    const json_t *target = json_object_get(c->schemas, name);
    if (!json_is_object(target)) {
        fo_err_set(c->err, FO_EINVAL, "%s: $ref %s names no schema", where, ref);
        return NULL;
    }
    for (int i = 0; i < c->depth; i++) {
        if (strcmp(c->stack[i], name) == 0) {
            fo_err_set(c->err, FO_EINVAL, "%s: %s refers to itself; a CRD cannot embed it", where,
                       name);
            return NULL;
        }
    }
    if (c->depth == FO_CRDGEN_MAX_DEPTH) {
        fo_err_set(c->err, FO_ELIMIT, "%s: types nested deeper than %d", where,
                   FO_CRDGEN_MAX_DEPTH);
        return NULL;
    }
    c->stack[c->depth++] = name;
    json_t *out = convert(c, target, name);
    c->depth--;
    /* The field's own words describe it better than its type's. */
    if (out &&
        set_description(c, out, json_string_value(json_object_get(node, "description"))) != FO_OK) {
        json_decref(out);
        fo_err_set(c->err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    return out;
}

static json_t *convert(conv *c, const json_t *node, const char *where)
{
    if (!json_is_object(node)) {
        fo_err_set(c->err, FO_EINVAL, "%s: schema is not an object", where);
        return NULL;
    }
    const char *ref = ref_of(node);
    if (ref)
        return convert_ref(c, ref, node, where);

    json_t *out = json_object();
    if (!out)
        goto oom;
    if (set_description(c, out, json_string_value(json_object_get(node, "description"))) != FO_OK)
        goto oom;
    if (int_or_string(node)) {
        if (json_object_set_new(out, "x-kubernetes-int-or-string", json_true()) != 0)
            goto oom;
        return out;
    }
    const char *type = json_string_value(json_object_get(node, "type"));
    if (type && json_object_set_new(out, "type", json_string(type)) != 0)
        goto oom;
    /* Numeric formats document the range; string formats (date-time, byte, ...) would make
     * the API server check values the Apache operator's CRD lets through. */
    const char *format = json_string_value(json_object_get(node, "format"));
    if (format && type && (!strcmp(type, "integer") || !strcmp(type, "number")) &&
        json_object_set_new(out, "format", json_string(format)) != 0)
        goto oom;
    const json_t *en = json_object_get(node, "enum");
    if (json_is_array(en) && json_object_set_new(out, "enum", json_deep_copy(en)) != 0)
        goto oom;

    const json_t *props = json_object_get(node, "properties");
    if (json_is_object(props) && json_object_size(props) > 0) {
        json_t *po = json_object();
        if (!po || json_object_set_new(out, "properties", po) != 0)
            goto oom;
        const char *key;
        const json_t *child;
        json_object_foreach((json_t *)props, key, child)
        {
            c->field_depth++;
            json_t *cv = convert(c, child, key);
            c->field_depth--;
            if (!cv)
                goto fail;
            if (json_object_set_new(po, key, cv) != 0)
                goto oom;
        }
    }
    const json_t *items = json_object_get(node, "items");
    if (items) {
        json_t *iv = convert(c, items, where);
        if (!iv)
            goto fail;
        if (json_object_set_new(out, "items", iv) != 0)
            goto oom;
    }
    const json_t *addl = json_object_get(node, "additionalProperties");
    if (json_is_object(addl)) {
        json_t *av = convert(c, addl, where);
        if (!av)
            goto fail;
        if (json_object_set_new(out, "additionalProperties", av) != 0)
            goto oom;
    }
    /* An object that declares no fields at all (FieldsV1) holds free-form JSON: keep it. */
    if (type && !strcmp(type, "object") && !json_object_get(out, "properties") &&
        !json_object_get(out, "additionalProperties") &&
        json_object_set_new(out, "x-kubernetes-preserve-unknown-fields", json_true()) != 0)
        goto oom;
    if (!type && !json_object_get(out, "properties")) {
        json_decref(out);
        fo_err_set(c->err, FO_EINVAL, "%s: schema has no type", where);
        return NULL;
    }
    return out;
oom:
    fo_err_set(c->err, FO_ENOMEM, "out of memory");
fail:
    json_decref(out);
    return NULL;
}

json_t *fo_crdgen_k8s_schema(const json_t *openapi, const char *name, fo_err *err)
{
    conv c = {.schemas = json_object_get(json_object_get(openapi, "components"), "schemas"),
              .err = err};
    if (!json_is_object(c.schemas)) {
        fo_err_set(err, FO_EINVAL, "the OpenAPI document has no components.schemas");
        return NULL;
    }
    const json_t *target = json_object_get(c.schemas, name);
    if (!json_is_object(target)) {
        fo_err_set(err, FO_ENOTFOUND, "the OpenAPI document has no schema %s", name);
        return NULL;
    }
    c.stack[c.depth++] = name;
    return convert(&c, target, name);
}
