#include "common/field_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

#define FO_FIELD_ERRORS_MAX 256 /* a spec with more problems than this is cut short */
/* A message shows at most this many bytes of a bad value or of a field path (a user's key
 * can be megabytes long): enough to recognise it, and 256 errors stay a readable denial. */
#define FO_FE_SHOWN_MAX 256

struct fo_field_errors {
    fo_field_error *items;
    size_t count, cap;
    size_t dropped; /* errors past FO_FIELD_ERRORS_MAX, not kept */
    char **warnings;
    size_t nwarn, capwarn;
};

fo_field_errors *fo_field_errors_new(void)
{
    return calloc(1, sizeof(fo_field_errors));
}

void fo_field_errors_free(fo_field_errors *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->count; i++) {
        free(errs->items[i].field);
        free(errs->items[i].value);
        free(errs->items[i].detail);
        free(errs->items[i].message);
    }
    free(errs->items);
    for (size_t i = 0; i < errs->nwarn; i++)
        free(errs->warnings[i]);
    free(errs->warnings);
    free(errs);
}

const char *fo_fe_reason(fo_fe_type type)
{
    switch (type) {
    case FO_FE_REQUIRED: return "FieldValueRequired";
    case FO_FE_INVALID: return "FieldValueInvalid";
    case FO_FE_UNSUPPORTED: return "FieldValueNotSupported";
    case FO_FE_FORBIDDEN: return "FieldValueForbidden";
    case FO_FE_TOO_LONG: return "FieldValueTooLong";
    case FO_FE_DUPLICATE: return "FieldValueDuplicate";
    case FO_FE_NOT_FOUND: return "FieldValueNotFound";
    case FO_FE_INTERNAL: return "InternalError";
    }
    return "FieldValueInvalid";
}

static const char *type_words(fo_fe_type type)
{
    switch (type) {
    case FO_FE_REQUIRED: return "Required value";
    case FO_FE_INVALID: return "Invalid value";
    case FO_FE_UNSUPPORTED: return "Unsupported value";
    case FO_FE_FORBIDDEN: return "Forbidden";
    case FO_FE_TOO_LONG: return "Too long";
    case FO_FE_DUPLICATE: return "Duplicate value";
    case FO_FE_NOT_FOUND: return "Not found";
    case FO_FE_INTERNAL: return "Internal error";
    }
    return "Invalid value";
}

/* Bytes of s to show: all of it up to FO_FE_SHOWN_MAX, else that many cut back to the start
 * of a UTF-8 sequence, so no character is split. */
static size_t shown_len(const char *s, size_t len)
{
    return fo_utf8_prefix(s, len, FO_FE_SHOWN_MAX);
}

static void put_cut_note(fo_strbuf *sb, size_t shown, size_t len)
{
    if (shown < len)
        fo_strbuf_printf(sb, "... (%zu more bytes)", len - shown);
}

/* Go's %q for printable text: quotes, with backslash escapes for '"', '\\' and controls.
 * Long text is cut: "<first bytes>"... (N more bytes). */
static char *quote(const char *s)
{
    size_t len = strlen(s), n = shown_len(s, len);
    char *head = n < len ? strndup(s, n) : NULL;
    if (n < len && !head)
        return NULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_put_json_str(&sb, head ? head : s);
    put_cut_note(&sb, n, len);
    free(head);
    return fo_strbuf_take(&sb);
}

/* s itself when short, else a copy cut as above (rendered JSON values, field paths). */
static char *clip(const char *s)
{
    size_t len = strlen(s), n = shown_len(s, len);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_append(&sb, s, n);
    put_cut_note(&sb, n, len);
    return fo_strbuf_take(&sb);
}

static fo_rc push(fo_field_errors *errs, fo_fe_type type, const char *field, char *value,
                  const char *detail_fmt, va_list ap)
{
    if (errs->count >= FO_FIELD_ERRORS_MAX) {
        errs->dropped++;
        free(value);
        return FO_OK;
    }
    if (errs->count == errs->cap) {
        size_t cap = errs->cap ? errs->cap * 2 : 8;
        fo_field_error *p = realloc(errs->items, cap * sizeof *p);
        if (!p) {
            free(value);
            return FO_ENOMEM;
        }
        errs->items = p;
        errs->cap = cap;
    }
    fo_strbuf full;
    fo_strbuf_init(&full, 0);
    if (detail_fmt)
        fo_strbuf_vprintf(&full, detail_fmt, ap);
    /* Details quote user text too; they may be longer than a value (lists of supported
     * values), so their cut is four times further. */
    fo_strbuf detail;
    fo_strbuf_init(&detail, 0);
    size_t keep = full.len ? fo_utf8_prefix(full.data, full.len, 4 * FO_FE_SHOWN_MAX) : 0;
    if (full.len)
        fo_strbuf_append(&detail, full.data, keep);
    put_cut_note(&detail, keep, full.len);
    fo_strbuf_release(&full);

    char *shown_field = clip(field ? field : "<unknown>");
    fo_strbuf msg;
    fo_strbuf_init(&msg, 0);
    fo_strbuf_printf(&msg, "%s: %s", shown_field ? shown_field : "", type_words(type));
    if (value)
        fo_strbuf_printf(&msg, ": %s", value);
    if (detail.len)
        fo_strbuf_printf(&msg, ": %s", detail.data);

    char *e_field = field ? shown_field : strdup("");
    if (!field)
        free(shown_field);
    char *e_detail = fo_strbuf_take(&detail), *e_message = fo_strbuf_take(&msg);
    if (!e_field || !e_detail || !e_message) {
        /* out of memory: no half-made entry (readers take every string as set) */
        free(e_field);
        free(e_detail);
        free(e_message);
        free(value);
        return FO_ENOMEM;
    }
    fo_field_error *e = &errs->items[errs->count++];
    e->type = type;
    e->field = e_field;
    e->value = value;
    e->detail = e_detail;
    e->message = e_message;
    return FO_OK;
}

fo_rc fo_field_errors_add(fo_field_errors *errs, fo_fe_type type, const char *field,
                          const char *value, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    fo_rc rc = push(errs, type, field, value ? quote(value) : NULL, detail_fmt, ap);
    va_end(ap);
    return rc;
}

fo_rc fo_field_errors_add_int(fo_field_errors *errs, fo_fe_type type, const char *field,
                              int64_t value, const char *detail_fmt, ...)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    va_list ap;
    va_start(ap, detail_fmt);
    fo_rc rc = push(errs, type, field, strdup(buf), detail_fmt, ap);
    va_end(ap);
    return rc;
}

fo_rc fo_field_errors_add_json(fo_field_errors *errs, fo_fe_type type, const char *field,
                               const json_t *value, const char *detail_fmt, ...)
{
    char *rendered = NULL;
    if (json_is_string(value))
        rendered = quote(json_string_value(value));
    else if (value) {
        char *dumped = fo_json_dumps_compact(value);
        rendered = dumped ? clip(dumped) : NULL;
        free(dumped);
    }
    va_list ap;
    va_start(ap, detail_fmt);
    fo_rc rc = push(errs, type, field, rendered, detail_fmt, ap);
    va_end(ap);
    return rc;
}

static fo_rc add_fmt(fo_field_errors *errs, fo_fe_type type, const char *field, char *value,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fo_rc rc = push(errs, type, field, value, fmt, ap);
    va_end(ap);
    return rc;
}

fo_rc fo_field_errors_add_unsupported(fo_field_errors *errs, const char *field, const char *value,
                                      const char *const *supported)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "supported values: ");
    for (size_t i = 0; supported && supported[i]; i++) {
        if (i)
            fo_strbuf_puts(&sb, ", ");
        fo_strbuf_put_json_str(&sb, supported[i]);
    }
    fo_rc rc = add_fmt(errs, FO_FE_UNSUPPORTED, field, quote(value ? value : ""), "%s", sb.data);
    fo_strbuf_release(&sb);
    return rc;
}

fo_rc fo_field_errors_warn(fo_field_errors *errs, const char *fmt, ...)
{
    if (errs->nwarn == errs->capwarn) {
        size_t cap = errs->capwarn ? errs->capwarn * 2 : 4;
        char **p = realloc(errs->warnings, cap * sizeof *p);
        if (!p)
            return FO_ENOMEM;
        errs->warnings = p;
        errs->capwarn = cap;
    }
    fo_strbuf sb;
    fo_strbuf_init(&sb, 4096);
    va_list ap;
    va_start(ap, fmt);
    fo_strbuf_vprintf(&sb, fmt, ap);
    va_end(ap);
    errs->warnings[errs->nwarn++] = fo_strbuf_take(&sb);
    return FO_OK;
}

size_t fo_field_errors_count(const fo_field_errors *errs)
{
    return errs ? errs->count : 0;
}

const fo_field_error *fo_field_errors_get(const fo_field_errors *errs, size_t i)
{
    return i < errs->count ? &errs->items[i] : NULL;
}

size_t fo_field_errors_warning_count(const fo_field_errors *errs)
{
    return errs ? errs->nwarn : 0;
}

const char *fo_field_errors_warning(const fo_field_errors *errs, size_t i)
{
    return i < errs->nwarn ? errs->warnings[i] : NULL;
}

bool fo_field_errors_has_field(const fo_field_errors *errs, const char *field)
{
    for (size_t i = 0; errs && i < errs->count; i++)
        if (strcmp(errs->items[i].field, field) == 0)
            return true;
    return false;
}

char *fo_field_errors_join(const fo_field_errors *errs, const char *sep)
{
    return fo_field_errors_join_within(errs, sep, 0);
}

/* The note that ends a list leaving n errors out, after its separator. */
static void put_not_shown(fo_strbuf *sb, const char *sep, size_t n)
{
    fo_strbuf_printf(sb, "%sand %zu more errors not shown", sb->len ? sep : "", n);
}

static size_t not_shown_len(const char *sep, size_t n)
{
    return (size_t)snprintf(NULL, 0, "%sand %zu more errors not shown", sep, n);
}

char *fo_field_errors_join_within(const fo_field_errors *errs, const char *sep, size_t max_bytes)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    size_t count = errs ? errs->count : 0, total = errs ? count + errs->dropped : 0;
    size_t shown = 0;
    for (; shown < count; shown++) {
        const char *msg = errs->items[shown].message;
        size_t after = sb.len + (shown ? strlen(sep) : 0) + strlen(msg);
        /* whole errors only, with room left to say how many follow */
        size_t left = total - shown - 1;
        if (max_bytes && after + (left ? not_shown_len(sep, left) : 0) > max_bytes)
            break;
        if (shown)
            fo_strbuf_puts(&sb, sep);
        fo_strbuf_puts(&sb, msg);
    }
    if (shown == 0 && count > 0) {
        /* not even the first error fits whole: its start, cut at a character */
        const char *msg = errs->items[0].message;
        size_t note = total > 1 ? not_shown_len(sep, total - 1) : 0;
        size_t room = max_bytes > note + 3 ? max_bytes - note - 3 : 0;
        fo_strbuf_append(&sb, msg, fo_utf8_prefix(msg, strlen(msg), room));
        fo_strbuf_puts(&sb, "...");
        shown = 1;
    }
    /* the user fixes what is listed: say that more will follow */
    if (shown < total)
        put_not_shown(&sb, sep, total - shown);
    return fo_strbuf_take(&sb);
}

json_t *fo_field_errors_causes(const fo_field_errors *errs)
{
    json_t *arr = json_array();
    for (size_t i = 0; errs && i < errs->count; i++) {
        const fo_field_error *e = &errs->items[i];
        /* As the API server does (field.Error.ErrorBody): the message without the field,
         * which clients print next to it. */
        const char *body = e->message;
        size_t n = strlen(e->field);
        if (strncmp(body, e->field, n) == 0 && strncmp(body + n, ": ", 2) == 0)
            body += n + 2;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "reason", fo_fe_reason(e->type),
                                             "message", body, "field", e->field));
    }
    return arr;
}
