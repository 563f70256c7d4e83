#include "common/yamlconv.h"

#include "common/base64.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv_internal.h"

/* Decoding follows sigs.k8s.io/yaml, which unmarshals with its go-yaml v2 fork into
 * interface{} and converts the result to JSON:
 *  - plain scalars are resolved by go-yaml v2's resolve() (see fo_yaml_resolve_plain);
 *  - a float that is integral and below 1e21 in magnitude is written by Go's encoding/json
 *    without a fraction ("1e3" -> 1000), and Kubernetes reads such a number back as an
 *    integer, so it becomes a JSON integer here; other floats stay reals;
 *  - integers above INT64_MAX (go-yaml gives uint64) become reals, as Kubernetes reads them;
 *  - .inf and .nan cannot be JSON (encoding/json fails with "unsupported value"), so they are
 *    refused with FO_EINVAL naming the position;
 *  - non-string mapping keys become strings as convertToJSONableObject does: ints in decimal,
 *    bools as "true"/"false", floats with strconv.FormatFloat(f, 'g', -1, 32); null keys and
 *    keys above INT64_MAX are refused ("unsupported map key"), as there;
 *  - duplicate keys are refused (Kubernetes strict decoding rejects them);
 *  - merge keys follow the YAML merge-key spec: explicit keys win over merged ones wherever
 *    the `<<` appears, and earlier maps of a `<<` list win over later ones. */

/* Deepest nesting accepted (jansson frees and copies values recursively). */
#define YAML_MAX_DEPTH 1000

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
    json_t *node;     /* object or array being filled (owned by the frame until popped) */
    char *anchor;     /* anchor to register when the node ends, or NULL */
    size_t nodes0;    /* node counter when the node started */
    size_t height;    /* 1 + the largest child height so far */
    char *key;        /* mapping: key waiting for its value, or NULL */
    bool merge;       /* mapping: the waiting key is `<<` */
    json_t *merged;   /* mapping: keys that came from merges (a set), or NULL */
    size_t line, col; /* where the node (or its waiting key) starts, 1-based */
};

struct builder {
    struct frame *stack;
    size_t depth, cap;
    json_t *anchors; /* name -> [value, nodes, height] for the current document */
    json_t *root;    /* the current document's value */
    size_t nodes;    /* nodes produced so far in the whole stream */
    fo_yaml_plain_fn plain; /* the caller's rules for untagged plain scalars, or NULL */
    fo_err *err;
};

static fo_rc at(struct builder *b, fo_rc rc, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static fo_rc at(struct builder *b, fo_rc rc, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[FO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fo_err_set(b->err, rc, "line %zu, column %zu: %s", m->line + 1, m->column + 1, msg);
}

/* ---- building JSON from parser events ---- */

static json_t *float_json(double f)
{
    /* Go's encoding/json writes integral floats under 1e21 without a fraction, and
     * Kubernetes reads those back as integers. */
    if (f == trunc(f) && fabs(f) < 1e21 && f >= -9223372036854775808.0 && f < 9223372036854775808.0)
        return json_integer((json_int_t)f);
    return json_real(f);
}

static bool tag_is(const char *tag, const char *name)
{
    return tag && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0 &&
           strcmp(tag + strlen(TAG_PREFIX), name) == 0;
}

static const char *kind_tag(enum fo_yaml_kind k)
{
    switch (k) {
    case FO_YAML_NULL:
        return "!!null";
    case FO_YAML_BOOL:
        return "!!bool";
    case FO_YAML_INT:
    case FO_YAML_UINT:
        return "!!int";
    case FO_YAML_FLOAT:
    case FO_YAML_INF:
    case FO_YAML_NAN:
        return "!!float";
    case FO_YAML_STR:
        break;
    }
    return "!!str";
}

/* !!binary: standard base64 (line breaks ignored, as Go's decoder does). The bytes must be
 * UTF-8 text to fit in a JSON string (json_stringn refuses anything else). */
static json_t *binary_json(const char *s, size_t len)
{
    size_t n = 0;
    char *raw = fo_base64_decode(s, len, &n);
    json_t *v = raw ? json_stringn(raw, n) : NULL;
    free(raw);
    return v;
}

/* The JSON value of a scalar event, or NULL with the error set. *res gets the resolution
 * (for keys; a key that is .inf or .nan gets a null placeholder, key_text names it). */
static json_t *scalar_json(struct builder *b, const yaml_event_t *ev, bool is_key,
                           fo_yaml_resolved *res)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    const yaml_mark_t *m = &ev->start_mark;
    memset(res, 0, sizeof *res);
    res->kind = FO_YAML_STR;

    if (!tag && ev->data.scalar.plain_implicit && b->plain) {
        json_t *v = b->plain(s, len, is_key);
        if (!v)
            at(b, FO_EINVAL, m, "plain scalar `%.*s` refused", (int)(len > 64 ? 64 : len), s);
        else if (is_key && !json_is_string(v)) {
            json_decref(v);
            v = NULL;
            at(b, FO_EINVAL, m, "mapping key `%.*s` is no string", (int)(len > 64 ? 64 : len), s);
        }
        return v;
    }
    if (!tag) {
        if (ev->data.scalar.plain_implicit)
            fo_yaml_resolve_plain(s, len, res);
    } else if (tag_is(tag, "binary")) {
        json_t *v = binary_json(s, len);
        if (!v)
            at(b, FO_EINVAL, m, "!!binary value is not base64-encoded UTF-8 text");
        return v;
    } else if (tag_is(tag, "bool") || tag_is(tag, "int") || tag_is(tag, "float") ||
               tag_is(tag, "null")) {
        fo_yaml_resolve_plain(s, len, res);
        const char *want = tag + strlen(TAG_PREFIX);
        const char *got = kind_tag(res->kind) + 2;
        if (strcmp(want, "float") == 0 && res->kind == FO_YAML_INT) {
            res->kind = FO_YAML_FLOAT;
            res->f = (double)res->i;
        } else if (strcmp(want, got) != 0) {
            at(b, FO_EINVAL, m, "cannot decode %s `%.*s` as a !!%s", kind_tag(res->kind),
               (int)(len > 64 ? 64 : len), s, want);
            return NULL;
        }
    }
    /* Any other tag (!!str, !!timestamp, custom tags, "!") leaves a string, as go-yaml does
     * when decoding into interface{}. */

    json_t *v = NULL;
    switch (res->kind) {
    case FO_YAML_STR:
        v = json_stringn(s, len);
        if (!v)
            at(b, FO_EINVAL, m, "string is not valid UTF-8");
        return v;
    case FO_YAML_NULL:
        v = json_null();
        break;
    case FO_YAML_BOOL:
        v = json_boolean(res->b);
        break;
    case FO_YAML_INT:
        v = json_integer(res->i);
        break;
    case FO_YAML_UINT:
        v = json_real((double)res->u);
        break;
    case FO_YAML_FLOAT:
        v = float_json(res->f);
        break;
    case FO_YAML_INF:
    case FO_YAML_NAN:
        if (is_key)
            return json_null();
        at(b, FO_EINVAL, m, "%.*s cannot be represented in JSON", (int)len, s);
        return NULL;
    }
    if (!v)
        fo_err_set(b->err, FO_ENOMEM, "out of memory");
    return v;
}

/* A mapping key as text (caller frees), following sigs.k8s.io/yaml's key conversion. */
static char *key_text(struct builder *b, const json_t *v, const fo_yaml_resolved *res,
                      const yaml_mark_t *m)
{
    char buf[64];
    if (json_is_string(v)) {
        if (memchr(json_string_value(v), '\0', json_string_length(v))) {
            at(b, FO_EINVAL, m, "mapping key contains a NUL character");
            return NULL;
        }
        return strdup(json_string_value(v));
    }
    if (res && res->kind == FO_YAML_UINT) {
        at(b, FO_EINVAL, m, "unsupported map key %" PRIu64 " (above the int64 range)", res->u);
        return NULL;
    }
    if (res &&
        (res->kind == FO_YAML_FLOAT || res->kind == FO_YAML_INF || res->kind == FO_YAML_NAN)) {
        fo_yaml_format_float_key(res->f, buf, sizeof buf);
        return strdup(buf);
    }
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strdup(buf);
    case JSON_REAL:
        fo_yaml_format_float_key(json_real_value(v), buf, sizeof buf);
        return strdup(buf);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        at(b, FO_EINVAL, m, "unsupported map key: null");
        return NULL;
    default:
        at(b, FO_EINVAL, m, "mapping keys must be scalars");
        return NULL;
    }
}

static struct frame *top(struct builder *b)
{
    return b->depth ? &b->stack[b->depth - 1] : NULL;
}

/* Merge the mapping(s) in v into the mapping f (v is consumed). */
static fo_rc merge_into(struct builder *b, struct frame *f, json_t *v, const yaml_mark_t *m)
{
    fo_rc rc = FO_OK;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (!json_is_object(v) && !json_is_array(v)) {
        rc = at(b, FO_EINVAL, m, "merge key << needs a mapping or a list of mappings");
        goto out;
    }
    if (!f->merged && !(f->merged = json_object())) {
        rc = fo_err_set(b->err, FO_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *src = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_object(src)) {
            rc = at(b, FO_EINVAL, m, "merge key << needs a mapping or a list of mappings");
            goto out;
        }
        const char *k;
        json_t *val;
        json_object_foreach(src, k, val)
        {
            if (json_object_get(f->node, k))
                continue; /* explicit keys and earlier merges win */
            if (json_object_set(f->node, k, val) ||
                json_object_set_new(f->merged, k, json_true())) {
                rc = fo_err_set(b->err, FO_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
out:
    json_decref(v);
    return rc;
}

/* Place a finished value (reference stolen) where the parser is: document root, sequence
 * item, mapping key or mapping value. res describes a scalar (for keys), else NULL. */
static fo_rc place(struct builder *b, json_t *v, size_t height, const fo_yaml_resolved *res,
                   bool merge_key, const yaml_mark_t *m)
{
    struct frame *f = top(b);
    if (!f) {
        b->root = v;
        return FO_OK;
    }
    if (f->height < height + 1)
        f->height = height + 1;
    if (json_is_array(f->node)) {
        if (json_array_append_new(f->node, v))
            return fo_err_set(b->err, FO_ENOMEM, "out of memory");
        return FO_OK;
    }
    if (!f->key && !f->merge) {
        if (merge_key) {
            json_decref(v);
            f->merge = true;
            return FO_OK;
        }
        char *k = key_text(b, v, res, m);
        json_decref(v);
        if (!k)
            return b->err ? b->err->rc : FO_EINVAL;
        if (json_object_get(f->node, k)) {
            if (!f->merged || !json_object_get(f->merged, k)) {
                fo_rc rc = at(b, FO_EINVAL, m, "duplicate key \"%s\"", k);
                free(k);
                return rc;
            }
            json_object_del(f->merged, k); /* an explicit key replaces a merged one */
        }
        f->key = k;
        f->line = m->line + 1;
        f->col = m->column + 1;
        return FO_OK;
    }
    if (f->merge) {
        f->merge = false;
        return merge_into(b, f, v, m);
    }
    int bad = json_object_set_new(f->node, f->key, v);
    free(f->key);
    f->key = NULL;
    return bad ? fo_err_set(b->err, FO_ENOMEM, "out of memory") : FO_OK;
}

static fo_rc count_nodes(struct builder *b, size_t n, const yaml_mark_t *m)
{
    if (n > FO_YAML_MAX_NODES || b->nodes + n > FO_YAML_MAX_NODES)
        return at(b, FO_ELIMIT, m, "document expands to more than %d nodes (alias bomb?)",
                  FO_YAML_MAX_NODES);
    b->nodes += n;
    return FO_OK;
}

/* anchors[name] = [value, nodes, height, kind, sign]: kind (and the sign of an infinity)
 * describe a scalar that has no JSON value (.inf or .nan, held as a null placeholder) so that
 * an alias of it becomes a key again or the same error, never a null. */
static fo_rc remember(struct builder *b, const char *anchor, json_t *v, size_t nodes, size_t height,
                      const fo_yaml_resolved *res)
{
    if (!anchor)
        return FO_OK;
    int kind = res ? (int)res->kind : (int)FO_YAML_STR;
    int sign = res && kind == FO_YAML_INF && res->f < 0 ? -1 : 1;
    json_t *entry = json_pack("[O,I,I,i,i]", v, (json_int_t)nodes, (json_int_t)height, kind, sign);
    if (!entry || json_object_set_new(b->anchors, anchor, entry))
        return fo_err_set(b->err, FO_ENOMEM, "out of memory");
    return FO_OK;
}

static fo_rc on_scalar(struct builder *b, const yaml_event_t *ev)
{
    fo_rc rc = count_nodes(b, 1, &ev->start_mark);
    if (rc)
        return rc;
    fo_yaml_resolved res;
    struct frame *f = top(b);
    bool is_key = f && json_is_object(f->node) && !f->key && !f->merge;
    json_t *v = scalar_json(b, ev, is_key, &res);
    if (!v)
        return b->err ? b->err->rc : FO_EINVAL;
    const char *anchor = (const char *)ev->data.scalar.anchor;
    if ((rc = remember(b, anchor, v, 1, 1, &res))) {
        json_decref(v);
        return rc;
    }
    /* go-yaml: a `<<` key is a plain (or !!merge-tagged) scalar "<<". */
    const char *tag = (const char *)ev->data.scalar.tag;
    bool merge = ev->data.scalar.length == 2 && memcmp(ev->data.scalar.value, "<<", 2) == 0 &&
                 ((!tag && ev->data.scalar.plain_implicit) || tag_is(tag, "merge"));
    return place(b, v, 1, &res, merge, &ev->start_mark);
}

static fo_rc on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    json_t *entry = json_object_get(b->anchors, name);
    if (!entry)
        return at(b, FO_EINVAL, &ev->start_mark, "unknown anchor '%s' referenced", name);
    size_t nodes = (size_t)json_integer_value(json_array_get(entry, 1));
    size_t height = (size_t)json_integer_value(json_array_get(entry, 2));
    if (b->depth + height > YAML_MAX_DEPTH)
        return at(b, FO_ELIMIT, &ev->start_mark, "alias '%s' nests deeper than %d levels", name,
                  YAML_MAX_DEPTH);
    fo_rc rc = count_nodes(b, nodes, &ev->start_mark);
    if (rc)
        return rc;
    fo_yaml_resolved res = {.kind =
                                (enum fo_yaml_kind)json_integer_value(json_array_get(entry, 3))};
    bool special = res.kind == FO_YAML_INF || res.kind == FO_YAML_NAN;
    if (special) {
        struct frame *f = top(b);
        if (!(f && json_is_object(f->node) && !f->key && !f->merge))
            return at(b, FO_EINVAL, &ev->start_mark,
                      "alias '%s' is %s, which cannot be represented in JSON", name,
                      res.kind == FO_YAML_NAN ? ".nan" : "an infinity");
        res.f = res.kind == FO_YAML_NAN
                    ? NAN
                    : (double)json_integer_value(json_array_get(entry, 4)) * INFINITY;
    }
    json_t *v = fo_json_copy(json_array_get(entry, 0));
    if (!v)
        return fo_err_set(b->err, FO_ENOMEM, "out of memory");
    return place(b, v, height, special ? &res : NULL, false, &ev->start_mark);
}

static fo_rc on_start(struct builder *b, const yaml_event_t *ev, bool mapping)
{
    struct frame *f = top(b);
    if (f && json_is_object(f->node) && !f->key && !f->merge)
        return at(b, FO_EINVAL, &ev->start_mark, "mapping keys must be scalars");
    if (b->depth >= YAML_MAX_DEPTH)
        return at(b, FO_ELIMIT, &ev->start_mark, "nesting deeper than %d levels", YAML_MAX_DEPTH);
    fo_rc rc = count_nodes(b, 1, &ev->start_mark);
    if (rc)
        return rc;
    if (b->depth == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct frame *s = realloc(b->stack, cap * sizeof *s);
        if (!s)
            return fo_err_set(b->err, FO_ENOMEM, "out of memory");
        b->stack = s;
        b->cap = cap;
    }
    const char *anchor =
        (const char *)(mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    f = &b->stack[b->depth];
    memset(f, 0, sizeof *f);
    f->node = mapping ? json_object() : json_array();
    f->anchor = anchor ? strdup(anchor) : NULL;
    if (!f->node || (anchor && !f->anchor)) {
        json_decref(f->node);
        free(f->anchor);
        return fo_err_set(b->err, FO_ENOMEM, "out of memory");
    }
    f->nodes0 = b->nodes - 1;
    f->height = 1;
    f->line = ev->start_mark.line + 1;
    f->col = ev->start_mark.column + 1;
    b->depth++;
    return FO_OK;
}

static void frame_release(struct frame *f)
{
    json_decref(f->node);
    json_decref(f->merged);
    free(f->anchor);
    free(f->key);
}

static fo_rc on_end(struct builder *b, const yaml_event_t *ev)
{
    struct frame f = b->stack[--b->depth];
    fo_rc rc = remember(b, f.anchor, f.node, b->nodes - f.nodes0, f.height, NULL);
    if (rc == FO_OK) {
        rc = place(b, f.node, f.height, NULL, false, &ev->start_mark);
        f.node = NULL; /* placed (or freed) by place() */
    }
    frame_release(&f);
    return rc;
}

static void builder_reset_doc(struct builder *b)
{
    while (b->depth)
        frame_release(&b->stack[--b->depth]);
    json_decref(b->root);
    b->root = NULL;
    json_object_clear(b->anchors);
}

static fo_rc parser_error(const yaml_parser_t *p, const char *buf, size_t len, fo_err *err)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fo_err_set(err, FO_ENOMEM, "out of memory while parsing YAML");
    size_t line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        line = 1;
        col = 1;
        for (size_t i = 0; i < p->problem_offset && i < len; i++) {
            if (buf[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
    }
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context && p->error != YAML_READER_ERROR)
        return fo_err_set(err, FO_EINVAL, "line %zu, column %zu: %s %s (line %zu, column %zu)",
                          line, col, problem, p->context, p->context_mark.line + 1,
                          p->context_mark.column + 1);
    return fo_err_set(err, FO_EINVAL, "line %zu, column %zu: %s", line, col, problem);
}

/* Parse the stream; every non-null document is appended to docs. With single set, a second
 * non-null document is an error. */
static fo_rc parse_stream(const char *buf, size_t len, size_t limit, bool single, json_t *docs,
                          fo_yaml_plain_fn plain, fo_err *err)
{
    if (limit && len > limit)
        return fo_err_set(err, FO_ELIMIT,
                          "YAML document of %zu bytes exceeds the limit of %zu "
                          "bytes",
                          len, limit);
    fo_err local;
    fo_err_clear(&local);
    struct builder b = {.anchors = json_object(), .plain = plain, .err = err ? err : &local};
    yaml_parser_t p;
    fo_rc rc = FO_OK;
    if (!b.anchors || !yaml_parser_initialize(&p)) {
        json_decref(b.anchors);
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    for (bool done = false; !done && rc == FO_OK;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = parser_error(&p, buf, len, b.err);
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            builder_reset_doc(&b);
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (b.root && !json_is_null(b.root)) {
                if (single && json_array_size(docs) > 0)
                    rc = at(&b, FO_EINVAL, &ev.start_mark,
                            "more than one document where one was expected");
                else if (json_array_append(docs, b.root))
                    rc = fo_err_set(b.err, FO_ENOMEM, "out of memory");
            }
            builder_reset_doc(&b);
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&b, &ev, ev.type == YAML_MAPPING_START_EVENT);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(&b, &ev);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    builder_reset_doc(&b);
    free(b.stack);
    json_decref(b.anchors);
    yaml_parser_delete(&p);
    return rc;
}

json_t *fo_yaml_parse(const char *buf, size_t len, size_t limit, fo_err *err)
{
    return fo_yaml_parse_with(buf, len, limit, NULL, err);
}

json_t *fo_yaml_parse_with(const char *buf, size_t len, size_t limit, fo_yaml_plain_fn plain,
                           fo_err *err)
{
    json_t *docs = json_array();
    if (!docs) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    json_t *v = NULL;
    if (parse_stream(buf, len, limit, true, docs, plain, err) == FO_OK) {
        v = json_array_size(docs) ? json_incref(json_array_get(docs, 0)) : json_null();
    }
    json_decref(docs);
    return v;
}

json_t *fo_yaml_parse_all(const char *buf, size_t len, size_t limit, fo_err *err)
{
    json_t *docs = json_array();
    if (!docs) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    if (parse_stream(buf, len, limit, false, docs, NULL, err) != FO_OK) {
        json_decref(docs);
        return NULL;
    }
    return docs;
}
