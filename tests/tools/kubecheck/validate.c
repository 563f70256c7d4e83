/* Instance validation against an OpenAPI v3 schema, the way the API server (CRDs) and
 * `kubectl apply --validate=strict` (built-in kinds) judge an object.
 *
 * Built-in kinds: the schemas of the Kubernetes OpenAPI documents, $ref and allOf followed,
 * IntOrString and Quantity through their oneOf, unknown fields refused, list-type map and set
 * uniqueness (map keys missing from an item take the key field's default, as the API server
 * does for ports[].protocol). CRDs: the structural schema of the version, with
 * x-kubernetes-preserve-unknown-fields, -int-or-string, -embedded-resource and the CEL rules
 * that cel_subset.h understands (others are skipped: this is a test tool, not a CEL engine).
 * JSON null stands for an absent field in both (the API server prunes or ignores it). */
#include "tests/tools/kubecheck/internal.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/tools/kubecheck/cel_subset.h"
#include "tests/tools/kubecheck/kubecheck.h"

#define REF_PREFIX "#/components/schemas/"
#define MAX_REF_HOPS 32

/* ---- paths ------------------------------------------------------------------------------ */

static size_t path_add(fo_kc_path *p, const char *fmt, const char *s, size_t i)
{
    size_t old = p->len;
    int n = s ? snprintf(p->buf + p->len, sizeof p->buf - p->len, fmt, s)
              : snprintf(p->buf + p->len, sizeof p->buf - p->len, fmt, i);
    if (n < 0)
        return old;
    if ((size_t)n >= sizeof p->buf - p->len) {
        p->len = sizeof p->buf - 1;
        memcpy(p->buf + p->len - 3, "...", 3);
    } else {
        p->len += (size_t)n;
    }
    return old;
}

size_t fo_kc_path_field(fo_kc_path *p, const char *key)
{
    return path_add(p, p->len ? ".%s" : "%s", key, 0);
}

size_t fo_kc_path_key(fo_kc_path *p, const char *key)
{
    return path_add(p, "[%s]", key, 0);
}

size_t fo_kc_path_index(fo_kc_path *p, size_t i)
{
    return path_add(p, "[%zu]", NULL, i);
}

void fo_kc_path_pop(fo_kc_path *p, size_t len)
{
    p->len = len;
    p->buf[len] = '\0';
}

const char *fo_kc_path_str(const fo_kc_path *p)
{
    return p->len ? p->buf : "<root>";
}

bool fo_kc_full(const fo_field_errors *errs)
{
    return fo_field_errors_count(errs) >= FO_KUBECHECK_MAX_ERRORS;
}

/* ---- names ------------------------------------------------------------------------------ */

static bool dns_label(const char *s, size_t len, size_t max, bool letter_first)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i > 0 && i + 1 < len))
            return false;
    }
    return !letter_first || (s[0] >= 'a' && s[0] <= 'z');
}

bool fo_kc_dns1123_subdomain(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > 253)
        return false;
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            if (!dns_label(start, (size_t)(p - start), 63, false))
                return false;
            if (*p == '\0')
                return true;
            start = p + 1;
        }
    }
}

bool fo_kc_dns1035_label(const char *s)
{
    return s && dns_label(s, strlen(s), 63, true);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const json_t *resolve(const fo_kc_validation *v, const json_t *schema)
{
    for (int hops = 0; hops < MAX_REF_HOPS && json_is_object(schema); hops++) {
        const char *ref = json_string_value(json_object_get(schema, "$ref"));
        if (!ref)
            return schema;
        if (!v->components || strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)) != 0)
            return NULL;
        schema = json_object_get(v->components, ref + strlen(REF_PREFIX));
    }
    return NULL;
}

static bool flag(const json_t *schema, const char *key)
{
    return json_is_true(json_object_get(schema, key));
}

static const char *type_of(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static bool type_matches(const char *type, const json_t *value)
{
    if (!strcmp(type, "object"))
        return json_is_object(value);
    if (!strcmp(type, "array"))
        return json_is_array(value);
    if (!strcmp(type, "string"))
        return json_is_string(value);
    if (!strcmp(type, "boolean"))
        return json_is_boolean(value);
    if (!strcmp(type, "number"))
        return json_is_number(value);
    if (!strcmp(type, "integer"))
        return json_is_integer(value) ||
               (json_is_real(value) && json_real_value(value) == floor(json_real_value(value)));
    return false;
}

static bool base64_ok(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            pad++;
            if (i + 3 < n)
                return false;
            continue;
        }
        if (pad || !(isalnum((unsigned char)c) || c == '+' || c == '/'))
            return false;
    }
    return pad <= 2;
}

/* Number of Unicode characters (what maxLength counts). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* The API server uses Go's RE2; POSIX ERE understands the patterns our files use once the
 * common Perl classes are spelled out. A pattern we cannot compile is not checked. */
static bool pattern_matches(const char *pattern, const char *s, bool *checked)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 4096);
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '\\' && p[1]) {
            const char *rep = NULL;
            switch (p[1]) {
            case 'd':
                rep = "[0-9]";
                break;
            case 'w':
                rep = "[A-Za-z0-9_]";
                break;
            case 's':
                rep = "[[:space:]]";
                break;
            default:
                break;
            }
            if (rep) {
                fo_strbuf_puts(&sb, rep);
                p++;
                continue;
            }
        }
        fo_strbuf_putc(&sb, *p);
    }
    regex_t re;
    bool ok = true;
    *checked = regcomp(&re, sb.data, REG_EXTENDED | REG_NOSUB) == 0;
    if (*checked) {
        ok = regexec(&re, s, 0, NULL, 0) == 0;
        regfree(&re);
    }
    fo_strbuf_release(&sb);
    return ok;
}

static void add(const fo_kc_validation *v, const fo_kc_path *p, fo_fe_type type,
                const json_t *value, const char *fmt, const char *arg)
{
    if (fo_kc_full(v->errs))
        return;
    if (value)
        fo_field_errors_add_json(v->errs, type, fo_kc_path_str(p), value, fmt, arg);
    else
        fo_field_errors_add(v->errs, type, fo_kc_path_str(p), NULL, fmt, arg);
}

/* ---- checks ----------------------------------------------------------------------------- */

static void validate(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                     const json_t *old, bool root, fo_kc_path *p, int depth);

/* Does value pass schema? (used for anyOf/oneOf alternatives) */
static bool passes(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                   fo_kc_path *p, int depth)
{
    fo_field_errors *scratch = fo_field_errors_new();
    if (!scratch)
        return false;
    fo_kc_validation sub = *v;
    sub.errs = scratch;
    validate(&sub, schema, value, NULL, false, p, depth);
    bool ok = fo_field_errors_count(scratch) == 0;
    fo_field_errors_free(scratch);
    return ok;
}

static void check_rules(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                        const json_t *old, fo_kc_path *p)
{
    const json_t *rules = json_object_get(schema, "x-kubernetes-validations");
    size_t i;
    const json_t *rule;
    json_array_foreach(rules, i, rule)
    {
        const char *text = json_string_value(json_object_get(rule, "rule"));
        const char *message = json_string_value(json_object_get(rule, "message"));
        fo_err err;
        fo_err_clear(&err);
        fo_cel_expr *e = text ? fo_cel_parse(text, &err) : NULL;
        if (!e)
            continue; /* outside the subset: not judged here */
        bool ok = true;
        if (!fo_cel_uses_old_self(e) || old) {
            if (fo_cel_eval(e, value, old, &ok, &err) != FO_OK)
                add(v, p, FO_FE_INVALID, NULL, "rule %s failed to evaluate", err.message);
            else if (!ok)
                add(v, p, FO_FE_INVALID, NULL, "%s", message ? message : "failed rule");
        }
        fo_cel_free(e);
    }
}

/* The old item of a list-type map that has the same keys as item, or NULL. */
static const json_t *old_map_item(const json_t *keys, const json_t *item, const json_t *old_list)
{
    size_t i, k;
    const json_t *cand, *key;
    json_array_foreach(old_list, i, cand)
    {
        bool same = true;
        json_array_foreach(keys, k, key)
        {
            const char *name = json_string_value(key);
            if (!name || !json_equal(json_object_get(item, name), json_object_get(cand, name)))
                same = false;
        }
        if (same)
            return cand;
    }
    return NULL;
}

static void check_array(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                        const json_t *old, fo_kc_path *p, int depth)
{
    const json_t *items = json_object_get(schema, "items");
    const char *list_type = json_string_value(json_object_get(schema, "x-kubernetes-list-type"));
    const json_t *keys = json_object_get(schema, "x-kubernetes-list-map-keys");
    const json_t *item_schema = resolve(v, items);
    /* allOf-wrapped item refs (built-in documents) */
    if (item_schema && !json_object_get(item_schema, "properties")) {
        const json_t *all = json_object_get(item_schema, "allOf");
        if (json_is_array(all) && json_array_size(all) == 1)
            item_schema = resolve(v, json_array_get(all, 0));
    }
    json_int_t min = json_integer_value(json_object_get(schema, "minItems"));
    const json_t *maxj = json_object_get(schema, "maxItems");
    if (json_object_get(schema, "minItems") && (json_int_t)json_array_size(value) < min)
        add(v, p, FO_FE_INVALID, NULL, "%s", "has fewer items than minItems");
    if (maxj && (json_int_t)json_array_size(value) > json_integer_value(maxj))
        add(v, p, FO_FE_INVALID, NULL, "%s", "has too many items (maxItems)");

    size_t i;
    const json_t *item;
    json_array_foreach(value, i, item)
    {
        if (fo_kc_full(v->errs))
            return;
        size_t mark = fo_kc_path_index(p, i);
        const json_t *old_item = NULL;
        if (list_type && !strcmp(list_type, "map") && json_is_array(old))
            old_item = old_map_item(keys, item, old);
        if (items)
            validate(v, items, item, old_item, false, p, depth + 1);
        /* Uniqueness of sets and map keys. */
        if (list_type && (!strcmp(list_type, "set") || !strcmp(list_type, "map"))) {
            for (size_t j = 0; j < i; j++) {
                const json_t *prev = json_array_get(value, j);
                bool dup;
                if (!strcmp(list_type, "set")) {
                    dup = json_equal(item, prev);
                } else {
                    dup = true;
                    size_t k;
                    const json_t *key;
                    json_array_foreach(keys, k, key)
                    {
                        const char *name = json_string_value(key);
                        const json_t *a = json_object_get(item, name);
                        const json_t *b = json_object_get(prev, name);
                        const json_t *def = json_object_get(
                            resolve(v, json_object_get(json_object_get(item_schema, "properties"),
                                                       name)),
                            "default");
                        if (!a)
                            a = def;
                        if (!b)
                            b = def;
                        if (!(a == b || (a && b && json_equal(a, b))))
                            dup = false;
                    }
                }
                if (dup) {
                    add(v, p, FO_FE_DUPLICATE, item, "%s", "");
                    break;
                }
            }
        }
        fo_kc_path_pop(p, mark);
    }
}

static void check_object(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                         const json_t *old, bool root, fo_kc_path *p, int depth)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *addl = json_object_get(schema, "additionalProperties");
    bool preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    bool embedded = flag(schema, "x-kubernetes-embedded-resource");
    /* A built-in type that declares nothing (FieldsV1, RawExtension) is free-form. */
    bool open = !v->crd && !props && !addl;

    size_t i;
    const json_t *req;
    json_array_foreach(json_object_get(schema, "required"), i, req)
    {
        const char *name = json_string_value(req);
        const json_t *got = name ? json_object_get(value, name) : NULL;
        if (name && (!got || json_is_null(got))) {
            size_t mark = fo_kc_path_field(p, name);
            add(v, p, FO_FE_REQUIRED, NULL, "%s", "");
            fo_kc_path_pop(p, mark);
        }
    }
    const json_t *maxp = json_object_get(schema, "maxProperties");
    if (maxp && (json_int_t)json_object_size(value) > json_integer_value(maxp))
        add(v, p, FO_FE_INVALID, NULL, "%s", "has too many properties (maxProperties)");

    const char *key;
    const json_t *child;
    json_object_foreach((json_t *)value, key, child)
    {
        if (fo_kc_full(v->errs))
            return;
        const json_t *old_child = json_is_object(old) ? json_object_get(old, key) : NULL;
        const json_t *ps = json_object_get(props, key);
        size_t mark = ps ? fo_kc_path_field(p, key) : fo_kc_path_key(p, key);
        if (ps) {
            if (!(v->crd && root && !strcmp(key, "metadata")))
                validate(v, ps, child, old_child, false, p, depth + 1);
        } else if ((root || embedded) && !strcmp(key, "metadata") && v->crd) {
            /* checked below against ObjectMeta */
        } else if ((root || embedded) && (!strcmp(key, "apiVersion") || !strcmp(key, "kind"))) {
            if (!json_is_string(child))
                add(v, p, FO_FE_INVALID, child, "%s", "must be a string");
        } else if (json_is_object(addl)) {
            validate(v, addl, child, old_child, false, p, depth + 1);
        } else if (json_is_false(addl)) {
            add(v, p, FO_FE_FORBIDDEN, NULL, "%s", "unknown field");
        } else if (!preserve && !open && !json_is_true(addl)) {
            fo_kc_path_pop(p, mark);
            mark = fo_kc_path_field(p, key);
            add(v, p, FO_FE_NOT_FOUND, NULL, "%s", "unknown field");
        }
        fo_kc_path_pop(p, mark);
    }
    /* Root metadata of a custom resource: the API server applies ObjectMeta itself. */
    const json_t *meta = json_object_get(value, "metadata");
    if (v->crd && (root || embedded) && meta && v->object_meta) {
        fo_kc_validation mv = *v;
        mv.crd = false;
        mv.components = v->object_meta_components;
        size_t mark = fo_kc_path_field(p, "metadata");
        validate(&mv, v->object_meta, meta, NULL, false, p, depth + 1);
        fo_kc_path_pop(p, mark);
    }
}

static void validate(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                     const json_t *old, bool root, fo_kc_path *p, int depth)
{
    if (fo_kc_full(v->errs))
        return;
    if (depth > FO_KUBECHECK_MAX_DEPTH) {
        add(v, p, FO_FE_INVALID, NULL, "%s", "nested too deeply");
        return;
    }
    schema = resolve(v, schema);
    if (!json_is_object(schema)) {
        add(v, p, FO_FE_INTERNAL, NULL, "%s", "schema reference cannot be resolved");
        return;
    }
    if (!value || json_is_null(value))
        return;

    size_t i;
    const json_t *sub;
    json_array_foreach(json_object_get(schema, "allOf"), i, sub)
        validate(v, sub, value, old, root, p, depth + 1);

    bool int_or_string = flag(schema, "x-kubernetes-int-or-string");
    if (int_or_string && !json_is_integer(value) && !json_is_string(value)) {
        add(v, p, FO_FE_INVALID, value, "%s", "must be an integer or a string");
        return;
    }
    for (int k = 0; k < 2 && !int_or_string; k++) {
        const json_t *alts = json_object_get(schema, k == 0 ? "anyOf" : "oneOf");
        if (!json_is_array(alts) || json_array_size(alts) == 0)
            continue;
        bool any = false;
        json_array_foreach(alts, i, sub) if (!any && passes(v, sub, value, p, depth + 1)) any =
            true;
        if (!any) {
            add(v, p, FO_FE_INVALID, value, "must match one of the %s alternatives",
                k == 0 ? "anyOf" : "oneOf");
            return;
        }
    }

    const char *type = json_string_value(json_object_get(schema, "type"));
    if (type && !type_matches(type, value)) {
        char want[64];
        snprintf(want, sizeof want, "must be of type %s (got %s)", type, type_of(value));
        add(v, p, FO_FE_INVALID, value, "%s", want);
        return;
    }

    const json_t *en = json_object_get(schema, "enum");
    if (json_is_array(en)) {
        bool found = false;
        json_array_foreach(en, i, sub) if (json_equal(sub, value)) found = true;
        if (!found) {
            char *list = json_dumps(en, JSON_COMPACT);
            add(v, p, FO_FE_UNSUPPORTED, value, "supported values: %s", list ? list : "?");
            free(list);
        }
    }

    const char *format = json_string_value(json_object_get(schema, "format"));
    if (format && json_is_integer(value) && !strcmp(format, "int32") &&
        (json_integer_value(value) > 2147483647 || json_integer_value(value) < -2147483648LL))
        add(v, p, FO_FE_INVALID, value, "%s", "must fit in 32 bits");
    if (format && json_is_string(value) && !strcmp(format, "byte") &&
        !base64_ok(json_string_value(value)))
        add(v, p, FO_FE_INVALID, NULL, "%s", "must be base64 (format byte)");

    if (json_is_number(value)) {
        const json_t *mn = json_object_get(schema, "minimum");
        const json_t *mx = json_object_get(schema, "maximum");
        if (mn && json_number_value(value) < json_number_value(mn))
            add(v, p, FO_FE_INVALID, value, "%s", "is below the minimum");
        if (mx && json_number_value(value) > json_number_value(mx))
            add(v, p, FO_FE_INVALID, value, "%s", "is above the maximum");
    }
    if (json_is_string(value)) {
        const char *s = json_string_value(value);
        const json_t *ml = json_object_get(schema, "maxLength");
        const json_t *nl = json_object_get(schema, "minLength");
        if (ml && (json_int_t)utf8_chars(s) > json_integer_value(ml))
            add(v, p, FO_FE_TOO_LONG, NULL, "%s", "longer than maxLength");
        if (nl && (json_int_t)utf8_chars(s) < json_integer_value(nl))
            add(v, p, FO_FE_INVALID, value, "%s", "shorter than minLength");
        const char *pattern = json_string_value(json_object_get(schema, "pattern"));
        bool checked = false;
        if (pattern && !pattern_matches(pattern, s, &checked))
            add(v, p, FO_FE_INVALID, value, "must match the pattern %s", pattern);
    }
    if (json_is_object(value))
        check_object(v, schema, value, old, root, p, depth);
    else if (json_is_array(value))
        check_array(v, schema, value, old, p, depth);

    if (v->crd)
        check_rules(v, schema, value, old, p);
}

void fo_kc_validate(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                    const json_t *old, bool root, fo_kc_path *p)
{
    size_t mark = p->len;
    validate(v, schema, value, old, root, p, 0);
    fo_kc_path_pop(p, mark);
}
