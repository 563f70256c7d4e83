#include "common/json_patch.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

/* ---- RFC 6901 JSON Pointer ---------------------------------------------------------- */

fo_rc fo_json_pointer_append(fo_strbuf *sb, const char *token)
{
    return fo_json_pointer_append_n(sb, token, strlen(token));
}

fo_rc fo_json_pointer_append_n(fo_strbuf *sb, const char *token, size_t len)
{
    /* RFC 6901 section 3: '~' is written "~0" and '/' is written "~1"; every other character,
     * NUL included, stands for itself. */
    fo_rc rc = fo_strbuf_putc(sb, '/');
    for (size_t i = 0; rc == FO_OK && i < len; i++) {
        size_t plain = i;
        while (plain < len && token[plain] != '~' && token[plain] != '/')
            plain++;
        if (plain > i)
            rc = fo_strbuf_append(sb, token + i, plain - i);
        if (rc == FO_OK && plain < len)
            rc = fo_strbuf_append(sb, token[plain] == '~' ? "~0" : "~1", 2);
        i = plain;
    }
    return rc;
}

/* One decoded reference token. A member name may hold NUL (common/json_read.h reads such
 * names), so a token is its bytes and their count, never a C string. */
typedef struct tok {
    char *s; /* len bytes, NUL-terminated for messages only */
    size_t len;
} tok;

/* A parsed pointer: the decoded reference tokens. */
typedef struct ptr {
    tok *tok;
    size_t n;
} ptr;

static void ptr_release(ptr *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->tok[i].s);
    free(p->tok);
    p->tok = NULL;
    p->n = 0;
}

/* Split and decode a pointer of len bytes. Fails (false) on a pointer that does not start
 * with '/' and is not "", and on '~' followed by anything but '0' or '1' (RFC 6901 section
 * 3). Every other byte, NUL included, stands for itself. */
static bool ptr_parse(const char *text, size_t len, ptr *out)
{
    out->tok = NULL;
    out->n = 0;
    if (len == 0)
        return true;
    if (*text != '/')
        return false;
    size_t cap = 0;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '/';
    out->tok = calloc(cap, sizeof *out->tok);
    if (!out->tok)
        return false;
    size_t at = 0;
    while (at < len) {
        at++; /* the '/' */
        const char *p = text + at;
        const char *end = memchr(p, '/', len - at);
        size_t tl = end ? (size_t)(end - p) : len - at;
        char *t = malloc(tl + 1);
        if (!t)
            goto fail;
        size_t o = 0;
        for (size_t i = 0; i < tl; i++) {
            if (p[i] != '~') {
                t[o++] = p[i];
                continue;
            }
            /* Decoding "~1" before "~0" matters: "~01" is "~1", not "/". Doing it in one
             * left-to-right pass gets that right. */
            if (i + 1 < tl && p[i + 1] == '0')
                t[o++] = '~';
            else if (i + 1 < tl && p[i + 1] == '1')
                t[o++] = '/';
            else {
                free(t);
                goto fail;
            }
            i++;
        }
        t[o] = '\0';
        out->tok[out->n++] = (tok){t, o};
        at += tl;
    }
    return true;
fail:
    ptr_release(out);
    return false;
}

/* RFC 6901 section 4 / RFC 6902 section 4: an array index is "0" or digits without a leading
 * zero. Returns false for anything else (including "-", which callers handle). */
static bool parse_index(const tok *t, size_t *out)
{
    size_t len = t->len;
    if (len == 0 || len > 18)
        return false;
    if (len > 1 && t->s[0] == '0')
        return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            return false;
        v = v * 10 + (size_t)(t->s[i] - '0');
    }
    *out = v;
    return true;
}

static bool tok_is(const tok *t, const char *lit)
{
    return t->len == strlen(lit) && memcmp(t->s, lit, t->len) == 0;
}

static bool tok_eq(const tok *a, const tok *b)
{
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* Child of v at one decoded token, or NULL. */
static json_t *child(const json_t *v, const tok *t)
{
    if (json_is_object(v))
        return json_object_getn(v, t->s, t->len);
    if (json_is_array(v)) {
        size_t i;
        if (!parse_index(t, &i) || i >= json_array_size(v))
            return NULL;
        return json_array_get(v, i);
    }
    return NULL;
}

/* Value at the first n tokens of p, or NULL. */
static json_t *walk(const json_t *doc, const ptr *p, size_t n)
{
    json_t *v = (json_t *)doc;
    for (size_t i = 0; v && i < n; i++)
        v = child(v, &p->tok[i]);
    return v;
}

json_t *fo_json_pointer_get(const json_t *doc, const char *pointer)
{
    ptr p;
    if (!doc || !pointer || !ptr_parse(pointer, strlen(pointer), &p))
        return NULL;
    json_t *v = walk(doc, &p, p.n);
    ptr_release(&p);
    return v;
}

/* ---- RFC 6902 apply ----------------------------------------------------------------- */

/* What one operation is working on, for error messages. */
typedef struct opctx {
    size_t index;
    const char *op;
    const char *path;
    fo_err *err;
} opctx;

static fo_rc op_fail(const opctx *c, fo_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static fo_rc op_fail(const opctx *c, fo_rc rc, const char *fmt, ...)
{
    char what[FO_ERR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fo_err_set(c->err, rc, "json patch operation %zu (%s \"%s\"): %s", c->index, c->op,
                      c->path, what);
}

/* Render the first n tokens of p as a pointer (for messages). Caller frees. */
static char *ptr_prefix(const ptr *p, size_t n)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    for (size_t i = 0; i < n; i++)
        fo_json_pointer_append_n(&sb, p->tok[i].s, p->tok[i].len);
    return fo_strbuf_take(&sb);
}

/* Explain why p does not resolve in doc, naming the first location that is missing. */
static fo_rc missing(const opctx *c, const json_t *doc, const ptr *p, const char *label)
{
    size_t n = 0;
    const json_t *v = doc;
    while (n < p->n) {
        const json_t *next = child(v, &p->tok[n]);
        if (!next)
            break;
        v = next;
        n++;
    }
    if (n >= p->n)
        return op_fail(c, FO_EINVALID, "%s", label);
    const char *why = "no value";
    size_t idx;
    if (json_is_array(v))
        why = parse_index(&p->tok[n], &idx) ? "array index out of range" : "invalid array index";
    else if (!json_is_object(v))
        why = "parent is not an object or array";
    char *where = ptr_prefix(p, n + 1);
    fo_rc rc = op_fail(c, FO_EINVALID, "%s: %s at \"%s\"", label, why, where);
    free(where);
    return rc;
}

/* Add value (reference stolen) at p in *root. */
static fo_rc do_add(const opctx *c, json_t **root, const ptr *p, json_t *value)
{
    if (p->n == 0) {
        json_decref(*root);
        *root = value;
        return FO_OK;
    }
    json_t *parent = walk(*root, p, p->n - 1);
    const tok *last = &p->tok[p->n - 1];
    if (json_is_object(parent)) {
        if (json_object_setn_new(parent, last->s, last->len, value) != 0)
            return op_fail(c, FO_ENOMEM, "out of memory");
        return FO_OK;
    }
    if (json_is_array(parent)) {
        size_t idx;
        if (tok_is(last, "-")) {
            idx = json_array_size(parent);
        } else if (!parse_index(last, &idx)) {
            json_decref(value);
            return op_fail(c, FO_EINVALID, "invalid array index \"%s\"", last->s);
        } else if (idx > json_array_size(parent)) {
            json_decref(value);
            return op_fail(c, FO_EINVALID, "array index %s out of range (size %zu)", last->s,
                           json_array_size(parent));
        }
        if (json_array_insert_new(parent, idx, value) != 0)
            return op_fail(c, FO_ENOMEM, "out of memory");
        return FO_OK;
    }
    json_decref(value);
    ptr parent_ptr = {p->tok, p->n - 1};
    if (!parent)
        return missing(c, *root, &parent_ptr, "parent does not exist");
    char *where = ptr_prefix(p, p->n - 1);
    fo_rc rc = op_fail(c, FO_EINVALID, "parent \"%s\" is not an object or array", where);
    free(where);
    return rc;
}

/* Remove the value at p (which must exist); *out (if not NULL) receives it (new reference). */
static fo_rc do_remove(const opctx *c, json_t **root, const ptr *p, json_t **out)
{
    if (p->n == 0)
        return op_fail(c, FO_EINVALID, "cannot remove the whole document");
    json_t *target = walk(*root, p, p->n);
    if (!target)
        return missing(c, *root, p, "path does not exist");
    if (out)
        *out = json_incref(target);
    json_t *parent = walk(*root, p, p->n - 1);
    const tok *last = &p->tok[p->n - 1];
    if (json_is_object(parent)) {
        json_object_deln(parent, last->s, last->len);
    } else {
        size_t idx = 0;
        parse_index(last, &idx); /* walk() already accepted it */
        json_array_remove(parent, idx);
    }
    return FO_OK;
}

/* Replace the value at p (which must exist); value stolen. */
static fo_rc do_replace(const opctx *c, json_t **root, const ptr *p, json_t *value)
{
    if (p->n == 0) {
        json_decref(*root);
        *root = value;
        return FO_OK;
    }
    if (!walk(*root, p, p->n)) {
        json_decref(value);
        return missing(c, *root, p, "path does not exist");
    }
    json_t *parent = walk(*root, p, p->n - 1);
    const tok *last = &p->tok[p->n - 1];
    int r;
    if (json_is_object(parent)) {
        r = json_object_setn_new(parent, last->s, last->len, value);
    } else {
        size_t idx = 0;
        parse_index(last, &idx);
        r = json_array_set_new(parent, idx, value);
    }
    return r == 0 ? FO_OK : op_fail(c, FO_ENOMEM, "out of memory");
}

/* Is a a proper prefix of b (token by token)? */
static bool ptr_proper_prefix(const ptr *a, const ptr *b)
{
    if (a->n >= b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!tok_eq(&a->tok[i], &b->tok[i]))
            return false;
    return true;
}

static bool ptr_same(const ptr *a, const ptr *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!tok_eq(&a->tok[i], &b->tok[i]))
            return false;
    return true;
}

/* The parsed members of one operation. */
typedef struct opdesc {
    opctx c;
    enum { OP_ADD, OP_REMOVE, OP_REPLACE, OP_MOVE, OP_COPY, OP_TEST } kind;
    ptr path, from;
    const json_t *value; /* borrowed from the patch */
} opdesc;

static const char *const op_names[] = {"add", "remove", "replace", "move", "copy", "test"};

/* Check one operation's shape and parse its pointers (FO_EINVAL: malformed patch). On
 * success the caller releases d->path and d->from. */
static fo_rc op_parse(const json_t *op, size_t index, fo_err *err, opdesc *d)
{
    memset(d, 0, sizeof *d);
    d->c = (opctx){index, "?", "", err};
    if (!json_is_object(op))
        return fo_err_set(err, FO_EINVAL, "json patch operation %zu: must be an object", index);
    const json_t *name = json_object_get(op, "op");
    const json_t *path = json_object_get(op, "path");
    if (!json_is_string(name))
        return fo_err_set(err, FO_EINVAL, "json patch operation %zu: \"op\" must be a string",
                          index);
    d->c.op = json_string_value(name);
    if (!json_is_string(path))
        return fo_err_set(err, FO_EINVAL,
                          "json patch operation %zu (%s): \"path\" must be a string", index,
                          d->c.op);
    d->c.path = json_string_value(path);
    size_t k = 0;
    while (k < sizeof op_names / sizeof op_names[0] && strcmp(op_names[k], d->c.op) != 0)
        k++;
    if (k == sizeof op_names / sizeof op_names[0])
        return op_fail(&d->c, FO_EINVAL, "unknown operation");
    d->kind = k;
    /* RFC 6902 section 4: "value" is required for add, replace and test ("value": null is
     * present); "from" for move and copy. Other members are ignored (appendix A.11). */
    d->value = json_object_get(op, "value");
    if ((d->kind == OP_ADD || d->kind == OP_REPLACE || d->kind == OP_TEST) && !d->value)
        return op_fail(&d->c, FO_EINVAL, "missing \"value\"");
    if (!ptr_parse(d->c.path, json_string_length(path), &d->path))
        return op_fail(&d->c, FO_EINVAL, "invalid JSON pointer in \"path\"");
    if (d->kind == OP_MOVE || d->kind == OP_COPY) {
        const json_t *from = json_object_get(op, "from");
        if (!json_is_string(from)) {
            ptr_release(&d->path);
            return op_fail(&d->c, FO_EINVAL, "\"from\" must be a string");
        }
        if (!ptr_parse(json_string_value(from), json_string_length(from), &d->from)) {
            ptr_release(&d->path);
            return op_fail(&d->c, FO_EINVAL, "invalid JSON pointer in \"from\": \"%s\"",
                           json_string_value(from));
        }
    }
    return FO_OK;
}

/* Bytes of v's compact JSON (strings counted without escapes), or more than limit: counting
 * stops as soon as limit is passed, so a huge value costs no more than the limit. */
static size_t json_bytes(const json_t *v, size_t limit)
{
    size_t n = 0;
    const char *k;
    json_t *c;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        n = 2;
        json_object_foreach((json_t *)v, k, c)
        {
            if (n > limit)
                break;
            n += strlen(k) + 4 + json_bytes(c, limit - n);
        }
        return n;
    case JSON_ARRAY:
        n = 2;
        json_array_foreach(v, i, c)
        {
            if (n > limit)
                break;
            n += 1 + json_bytes(c, limit - n);
        }
        return n;
    case JSON_STRING:
        return json_string_length(v) + 2;
    default:
        return 8;
    }
}

static fo_rc op_run(json_t **root, const opdesc *d, size_t *copied)
{
    const opctx *c = &d->c;
    const ptr *p = &d->path, *from = &d->from;
    switch (d->kind) {
    case OP_ADD:
        return do_add(c, root, p, fo_json_copy(d->value));
    case OP_REMOVE:
        return do_remove(c, root, p, NULL);
    case OP_REPLACE:
        return do_replace(c, root, p, fo_json_copy(d->value));
    case OP_TEST: {
        /* Section 4.6: equal by JSON value (numbers by value, objects regardless of order). */
        const json_t *cur = walk(*root, p, p->n);
        if (!cur)
            return missing(c, *root, p, "test failed: path does not exist");
        if (!fo_json_equal(cur, d->value))
            return op_fail(c, FO_EINVALID, "test failed: value differs");
        return FO_OK;
    }
    case OP_COPY: {
        const json_t *src = walk(*root, from, from->n);
        if (!src)
            return missing(c, *root, from, "\"from\" does not exist");
        size_t room = FO_JSON_PATCH_MAX_COPY_BYTES - *copied;
        size_t bytes = json_bytes(src, room);
        if (bytes > room)
            return op_fail(c, FO_ELIMIT, "the copy operations of the patch copy more than %u bytes",
                           FO_JSON_PATCH_MAX_COPY_BYTES);
        *copied += bytes;
        return do_add(c, root, p, fo_json_copy(src));
    }
    case OP_MOVE: {
        /* Section 4.4: "from" must not be a proper prefix of "path". */
        if (ptr_proper_prefix(from, p))
            return op_fail(c, FO_EINVALID, "cannot move a value into one of its children");
        if (!walk(*root, from, from->n))
            return missing(c, *root, from, "\"from\" does not exist");
        if (ptr_same(from, p))
            return FO_OK;
        json_t *moved = NULL;
        fo_rc rc = do_remove(c, root, from, &moved);
        return rc == FO_OK ? do_add(c, root, p, moved) : rc;
    }
    }
    return FO_EINVAL;
}

json_t *fo_json_patch_apply(const json_t *doc, const json_t *patch, fo_err *err)
{
    if (!json_is_array(patch)) {
        fo_err_set(err, FO_EINVAL, "json patch: the document must be an array of operations");
        return NULL;
    }
    size_t n = json_array_size(patch);
    if (n > FO_JSON_PATCH_MAX_OPS) {
        fo_err_set(err, FO_ELIMIT, "json patch: %zu operations, more than the limit of %d", n,
                   FO_JSON_PATCH_MAX_OPS);
        return NULL;
    }
    /* Check the whole document's shape first, so a malformed patch is reported as malformed
     * even when an earlier operation would fail to apply. */
    opdesc d;
    for (size_t i = 0; i < n; i++) {
        if (op_parse(json_array_get(patch, i), i, err, &d) != FO_OK)
            return NULL;
        ptr_release(&d.path);
        ptr_release(&d.from);
    }
    json_t *root = doc ? fo_json_copy(doc) : json_null();
    size_t copied = 0;
    for (size_t i = 0; i < n && root; i++) {
        if (op_parse(json_array_get(patch, i), i, err, &d) != FO_OK) {
            json_decref(root);
            return NULL;
        }
        fo_rc rc = op_run(&root, &d, &copied);
        ptr_release(&d.path);
        ptr_release(&d.from);
        if (rc != FO_OK) {
            json_decref(root);
            return NULL;
        }
    }
    return root;
}

/* ---- minimal diff ------------------------------------------------------------------- */

typedef struct differ {
    fo_strbuf path; /* the pointer to the values being compared */
    fo_json_patch_op_fn fn;
    void *ctx;
} differ;

static fo_rc emit(differ *d, const char *op, const json_t *value)
{
    return d->fn(d->ctx, op, d->path.data, d->path.len, value);
}

/* a and b differ. Objects and same-length arrays are compared member by member: an equal
 * member is skipped after one comparison (which stops at the first difference), and the path
 * is extended only for the members that differ. */
static fo_rc diff_into(differ *d, const json_t *a, const json_t *b)
{
    fo_strbuf *path = &d->path;
    size_t mark = path->len;
    fo_rc rc = FO_OK;
    if (json_is_object(a) && json_is_object(b)) {
        /* Keys with their length: a key may hold NUL (common/json_read.h), and one cut at it
         * would name another member (a "remove" of a member that is not there fails the whole
         * patch). */
        const char *k;
        size_t kl;
        json_t *va;
        json_object_keylen_foreach((json_t *)a, k, kl, va)
        {
            if (json_object_getn(b, k, kl))
                continue;
            rc = fo_json_pointer_append_n(path, k, kl);
            if (rc == FO_OK)
                rc = emit(d, "remove", NULL);
            fo_strbuf_truncate(path, mark);
            if (rc != FO_OK)
                return rc;
        }
        json_t *vb;
        json_object_keylen_foreach((json_t *)b, k, kl, vb)
        {
            const json_t *old = json_object_getn(a, k, kl);
            if (old && fo_json_equal(old, vb))
                continue;
            rc = fo_json_pointer_append_n(path, k, kl);
            if (rc == FO_OK)
                rc = old ? diff_into(d, old, vb) : emit(d, "add", vb);
            fo_strbuf_truncate(path, mark);
            if (rc != FO_OK)
                return rc;
        }
        return FO_OK;
    }
    if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            const json_t *ai = json_array_get(a, i), *bi = json_array_get(b, i);
            if (fo_json_equal(ai, bi))
                continue;
            rc = fo_strbuf_printf(path, "/%zu", i);
            if (rc == FO_OK)
                rc = diff_into(d, ai, bi);
            fo_strbuf_truncate(path, mark);
            if (rc != FO_OK)
                return rc;
        }
        return FO_OK;
    }
    return emit(d, "replace", b);
}

fo_rc fo_json_patch_diff_each(const json_t *before, const json_t *after, fo_json_patch_op_fn fn,
                              void *ctx)
{
    differ d = {.fn = fn, .ctx = ctx};
    fo_strbuf_init(&d.path, 0);
    /* A missing document stands for JSON null. */
    json_t *nul = json_null();
    const json_t *a = before ? before : nul, *b = after ? after : nul;
    fo_rc rc = fo_json_equal(a, b) ? FO_OK : diff_into(&d, a, b);
    fo_strbuf_release(&d.path);
    return rc;
}

/* fo_json_patch_diff's operations, as objects in an array. */
static fo_rc append_op(void *ctx, const char *op, const char *path, size_t path_len,
                       const json_t *value)
{
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "op", json_string(op)) != 0 ||
        json_object_set_new(o, "path", json_stringn(path, path_len)) != 0 ||
        /* shared with `after`, not copied (json_patch.h) */
        (value && json_object_set(o, "value", (json_t *)value) != 0)) {
        json_decref(o);
        return FO_ENOMEM;
    }
    return json_array_append_new(ctx, o) == 0 ? FO_OK : FO_ENOMEM;
}

json_t *fo_json_patch_diff(const json_t *before, const json_t *after)
{
    json_t *ops = json_array();
    if (ops && fo_json_patch_diff_each(before, after, append_op, ops) != FO_OK) {
        json_decref(ops);
        return NULL;
    }
    return ops;
}

/* ---- RFC 7386 merge patch ----------------------------------------------------------- */

/* Section 2, MergePatch(Target, Patch); target is a new reference that is consumed. */
static json_t *merge_patch(json_t *target, const json_t *patch)
{
    if (!json_is_object(patch)) {
        json_decref(target);
        return fo_json_copy(patch);
    }
    if (!json_is_object(target)) {
        json_decref(target);
        target = json_object();
    }
    const char *k;
    size_t kl;
    json_t *v;
    json_object_keylen_foreach((json_t *)patch, k, kl, v)
    {
        if (json_is_null(v)) {
            json_object_deln(target, k, kl);
        } else {
            json_t *cur = json_object_getn(target, k, kl);
            json_object_setn_new(target, k, kl, merge_patch(cur ? json_incref(cur) : NULL, v));
        }
    }
    return target;
}

json_t *fo_json_merge_patch_apply(const json_t *doc, const json_t *patch)
{
    json_t *target = doc ? fo_json_copy(doc) : json_null();
    if (!patch)
        return target;
    return merge_patch(target, patch);
}

json_t *fo_json_merge_patch_diff(const json_t *before, const json_t *after)
{
    /* {} leaves an object alone but turns any other document into {} (RFC 7386 section 2),
     * so an unchanged scalar or array is answered with itself. */
    if (fo_json_equal(before, after))
        return json_is_object(before) ? json_object() : fo_json_copy(after);
    if (!json_is_object(before) || !json_is_object(after))
        return after ? fo_json_copy(after) : json_null();
    json_t *out = json_object();
    const char *k;
    size_t kl;
    json_t *v;
    json_object_keylen_foreach((json_t *)before, k, kl, v)
    {
        if (!json_object_getn(after, k, kl))
            json_object_setn_new(out, k, kl, json_null());
    }
    json_object_keylen_foreach((json_t *)after, k, kl, v)
    {
        const json_t *old = json_object_getn(before, k, kl);
        if (old && fo_json_equal(old, v))
            continue;
        if (old && json_is_object(old) && json_is_object(v))
            json_object_setn_new(out, k, kl, fo_json_merge_patch_diff(old, v));
        else
            json_object_setn_new(out, k, kl, fo_json_copy(v));
    }
    return out;
}
