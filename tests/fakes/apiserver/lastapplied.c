#include "tests/fakes/apiserver/lastapplied.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/fieldset.h"
#include "tests/fakes/apiserver/structural.h"

/* apimachinery's TotalAnnotationSizeLimitB: keys and values of all annotations together. */
#define ANNOTATIONS_MAX_BYTES (256 * 1024)

bool fka_last_applied_manager(const char *manager)
{
    return manager && strcmp(manager, "kubectl") == 0;
}

/* ---- Go's encoding/json, as runtime.Encode(UnstructuredJSONScheme, obj) writes it ---- */

static void put_go_value(fo_strbuf *sb, const json_t *v);

/* The two-character escapes of encoding/json (\b and \f too since Go 1.22), or NULL. */
static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        return NULL;
    }
}

/* encodeState.string with escapeHTML: other control bytes, <, > and & as \u00xx (lowercase
 * hex), U+2028 and U+2029 as \u2028 and \u2029. */
static void put_go_string(fo_strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    fo_strbuf_putc(sb, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = short_escape(c);
        if (esc) {
            fo_strbuf_puts(sb, esc);
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], 0};
            fo_strbuf_puts(sb, u);
        } else if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
            fo_strbuf_puts(sb, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else {
            fo_strbuf_putc(sb, (char)c);
        }
    }
    fo_strbuf_putc(sb, '"');
}

/* The shortest digits that read back as d ("%.*e" with the fewest digits), trailing zeros
 * dropped; *exp10 gets the decimal exponent of the first digit. */
static size_t shortest_digits(double d, char *digits, int *exp10)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (p == 17 || strtod(buf, NULL) == d)
            break;
    }
    size_t n = 0;
    const char *c = buf + (buf[0] == '-');
    for (; *c && *c != 'e'; c++)
        if (*c != '.')
            digits[n++] = *c;
    *exp10 = atoi(c + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    return n;
}

/* floatEncoder for float64 (the decoder makes every JSON number one): strconv's shortest
 * 'f' form, or 'e' below 1e-6 and from 1e21 on, with "e-07" written as "e-7". */
static void put_go_number(fo_strbuf *sb, double d)
{
    if (d == 0) {
        fo_strbuf_puts(sb, signbit(d) ? "-0" : "0");
        return;
    }
    char digits[24];
    int e;
    size_t n = shortest_digits(d, digits, &e);
    if (d < 0)
        fo_strbuf_putc(sb, '-');
    double a = fabs(d);
    if (a < 1e-6 || a >= 1e21) {
        fo_strbuf_append(sb, digits, 1);
        if (n > 1) {
            fo_strbuf_putc(sb, '.');
            fo_strbuf_append(sb, digits + 1, n - 1);
        }
        fo_strbuf_printf(sb, e < 0 ? "e-%d" : "e+%02d", abs(e));
    } else if (e < 0) {
        fo_strbuf_puts(sb, "0.");
        for (int i = -1; i > e; i--)
            fo_strbuf_putc(sb, '0');
        fo_strbuf_append(sb, digits, n);
    } else {
        size_t whole = (size_t)e + 1;
        fo_strbuf_append(sb, digits, n < whole ? n : whole);
        for (size_t i = n; i < whole; i++)
            fo_strbuf_putc(sb, '0');
        if (n > whole) {
            fo_strbuf_putc(sb, '.');
            fo_strbuf_append(sb, digits + whole, n - whole);
        }
    }
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go marshals a map with its keys in byte order. */
static void put_go_object(fo_strbuf *sb, const json_t *v)
{
    size_t n = json_object_size(v), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)v, k, m)
    {
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, cmp_key);
    fo_strbuf_putc(sb, '{');
    for (i = 0; i < n; i++) {
        if (i)
            fo_strbuf_putc(sb, ',');
        put_go_string(sb, keys[i], strlen(keys[i]));
        fo_strbuf_putc(sb, ':');
        put_go_value(sb, json_object_get(v, keys[i]));
    }
    fo_strbuf_putc(sb, '}');
    free(keys);
}

static void put_go_value(fo_strbuf *sb, const json_t *v)
{
    size_t i;
    json_t *item;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_go_object(sb, v);
        break;
    case JSON_ARRAY:
        fo_strbuf_putc(sb, '[');
        json_array_foreach(v, i, item)
        {
            if (i)
                fo_strbuf_putc(sb, ',');
            put_go_value(sb, item);
        }
        fo_strbuf_putc(sb, ']');
        break;
    case JSON_STRING:
        put_go_string(sb, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        put_go_number(sb, (double)json_integer_value(v));
        break;
    case JSON_REAL:
        put_go_number(sb, json_real_value(v));
        break;
    case JSON_TRUE:
        fo_strbuf_puts(sb, "true");
        break;
    case JSON_FALSE:
        fo_strbuf_puts(sb, "false");
        break;
    default:
        fo_strbuf_puts(sb, "null");
        break;
    }
}

/* The text Go's encoding/json Encoder writes for v: sorted keys, HTML-safe escapes, numbers
 * as float64, a final newline. NULL when out of memory. Caller frees. */
static char *go_encode(const json_t *v)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    put_go_value(&sb, v);
    fo_strbuf_putc(&sb, '\n');
    return fo_strbuf_take(&sb);
}

/* ---- lastAppliedManager: the CSA -> SSA migration ---- */

/* What meta.Accessor's GetAnnotations can read: a map of strings. */
static bool string_map(const json_t *v)
{
    if (!json_is_object(v))
        return false;
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)v, k, m)
    {
        if (!json_is_string(m))
            return false;
    }
    return true;
}

static const char *annotation_of(const json_t *obj, size_t *len)
{
    const json_t *v = json_object_get(fo_json_get(obj, "metadata.annotations"), FKA_LAST_APPLIED);
    *len = json_string_length(v);
    return json_string_value(v);
}

/* typeConverter.ObjectToTyped fails on fields the schema does not declare. */
static bool fits_schema(const json_t *obj, fka_schema s)
{
    json_t *copy = fo_json_copy(obj), *unknown = json_array();
    fka_structural_prune(copy, s, false, unknown);
    bool ok = json_array_size(unknown) == 0;
    json_decref(copy);
    json_decref(unknown);
    return ok;
}

/* The last-applied object of cur, or NULL where allowedConflictsFromLastApplied gives up: no
 * or an empty annotation, not a JSON object with a kind (UnstructuredJSONScheme), another
 * apiVersion than the request's, or not of the schema's type. */
static json_t *last_applied_of(const json_t *cur, fka_schema s, const char *api_version)
{
    size_t len;
    const char *text = annotation_of(cur, &len);
    if (!text || !len)
        return NULL;
    fo_err err = {0};
    json_t *la = fo_json_parse(text, len, 0, &err);
    const char *kind = fo_json_str(la, "kind"), *av = fo_json_str(la, "apiVersion");
    if (json_is_object(la) && kind && *kind && strcmp(av ? av : "", api_version) == 0 &&
        fits_schema(la, s))
        return la;
    json_decref(la);
    return NULL;
}

/* fieldpath.Set.Has: path (tokens) is a member of set, not only the parent of one. */
static bool set_has(const json_t *set, const json_t *path)
{
    const json_t *node = set;
    size_t i;
    json_t *t;
    json_array_foreach(path, i, t)
    {
        node = json_object_get(node, json_string_value(t));
        if (!node)
            return false;
    }
    return json_object_size(node) == 0 || json_object_get(node, ".") != NULL;
}

/* A field of the last-applied set whose value the live object still has: neither modified
 * nor removed since (lastAppliedObjTyped.Compare(liveObjTyped)). */
static bool recorded(const json_t *la, const json_t *la_set, const json_t *cur, const json_t *path)
{
    if (!set_has(la_set, path))
        return false;
    const json_t *want = fka_fields_value_at(la, path), *have = fka_fields_value_at(cur, path);
    return want && have && fo_json_equal(want, have);
}

json_t *fka_last_applied_remaining(const json_t *cur, fka_schema s, const char *api_version,
                                   const json_t *conflicts)
{
    json_t *la = cur ? last_applied_of(cur, s, api_version) : NULL;
    if (!la)
        return fo_json_copy(conflicts);
    json_t *la_set = fka_fields_of(la, s, true);
    json_t *left = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(conflicts, i, c)
    {
        if (!recorded(la, la_set, cur, json_object_get(c, "path")))
            json_array_append(left, c);
    }
    json_decref(la_set);
    json_decref(la);
    return left;
}

/* ---- lastAppliedUpdater ---- */

/* buildLastApplied's object: the applied one without the annotation. Annotations the
 * unstructured accessor cannot read as strings (or null) are written back as none. */
static json_t *without_annotation(const json_t *applied)
{
    json_t *copy = fo_json_copy(applied);
    json_t *meta = json_object_get(copy, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (string_map(ann))
        json_object_del(ann, FKA_LAST_APPLIED);
    else if (ann)
        json_object_del(meta, "annotations");
    return copy;
}

/* Bytes of the annotations other than the last-applied one (ValidateAnnotationsSize). */
static size_t other_annotations_size(const json_t *ann)
{
    size_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ann, k, v)
    {
        if (strcmp(k, FKA_LAST_APPLIED) != 0)
            total += strlen(k) + json_string_length(v);
    }
    return total;
}

void fka_last_applied_update(json_t *obj, const json_t *applied, bool keep_empty)
{
    size_t len;
    if (!annotation_of(obj, &len) || !len)
        return;
    json_t *meta = json_object_get(obj, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    json_t *config = without_annotation(applied);
    char *text = go_encode(config);
    json_decref(config);
    size_t total = other_annotations_size(ann) + strlen(FKA_LAST_APPLIED);
    if (text && total + strlen(text) <= ANNOTATIONS_MAX_BYTES) {
        json_object_set_new(ann, FKA_LAST_APPLIED, json_string(text));
    } else {
        /* SetLastApplied drops the annotation rather than fail the apply. */
        json_object_del(ann, FKA_LAST_APPLIED);
        if (!keep_empty && json_object_size(ann) == 0)
            json_object_del(meta, "annotations");
    }
    free(text);
}
