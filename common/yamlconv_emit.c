/* fo_yaml_emit: JSON -> block-style YAML that fo_yaml_parse reads back to an equal value.
 *
 * Written by hand rather than with libyaml's emitter so that the quoting decision uses the
 * very resolver the decoder uses: a string is left plain only when it is made of a
 * conservative set of characters and the resolver reads it back as the same string. Anything
 * else is double-quoted (YAML 1.1 escapes), except multi-line text, which uses a literal
 * block scalar when that is exact. */
#include "common/yamlconv.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/yamlconv_internal.h"

/* libyaml refuses implicit keys longer than 1024 characters; longer keys use "? key". */
#define IMPLICIT_KEY_MAX 1000

/* Decode one UTF-8 sequence at s (n bytes left). Returns its length, or 0 when invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t min;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2;
        *cp = s[0] & 0x1F;
        min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3;
        *cp = s[0] & 0x0F;
        min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4;
        *cp = s[0] & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

/* Characters YAML 1.1 lets stand unescaped, minus its extra line breaks (NEL, LS, PS) and the
 * byte order mark. */
static bool printable(uint32_t c)
{
    if (c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF)
        return false;
    return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

static bool plain_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    if (first)
        return c == '/' || c == '_' || c == '$';
    return c != '\0' && strchr(" -_./:@+=~()$;^,<>%", c) != NULL;
}

/* Can s stand as a plain scalar and read back as the same string? */
static bool plain_ok(const char *s, size_t len)
{
    if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
        return false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
            if (!n || !printable(cp))
                return false;
            i += n;
            continue;
        }
        if (!plain_char((char)c, i == 0))
            return false;
        if (c == ':' && s[i + 1] == ' ')
            return false;
        i++;
    }
    fo_yaml_resolved r;
    fo_yaml_resolve_plain(s, len, &r);
    return r.kind == FO_YAML_STR;
}

/* Can s be a literal block scalar ("|") with exactly the same content? */
static bool block_ok(const char *s, size_t len)
{
    if (!memchr(s, '\n', len) || s[0] == ' ' || s[0] == '\n')
        return false;
    bool line_blank = true; /* the current line has only spaces so far */
    size_t line_len = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            if (line_len > 0 && line_blank)
                return false; /* a spaces-only line would read back as an empty one */
            line_blank = true;
            line_len = 0;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (!n || !printable(cp))
            return false;
        if (c != ' ')
            line_blank = false;
        line_len++;
        i += n;
    }
    return !(line_len > 0 && line_blank);
}

fo_rc fo_yaml_quote(fo_strbuf *sb, const char *s, size_t len)
{
    fo_rc rc = fo_strbuf_putc(sb, '"');
    for (size_t i = 0; i < len && rc == FO_OK;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (!n) {
            rc = fo_strbuf_puts(sb, "\\uFFFD"); /* not UTF-8: jansson never gives us this */
            i++;
            continue;
        }
        if (c == '"' || c == '\\') {
            char esc[3] = {'\\', (char)c, 0};
            rc = fo_strbuf_puts(sb, esc);
        } else if (c == '\n') {
            rc = fo_strbuf_puts(sb, "\\n");
        } else if (c == '\t') {
            rc = fo_strbuf_puts(sb, "\\t");
        } else if (c == '\r') {
            rc = fo_strbuf_puts(sb, "\\r");
        } else if (!printable(cp)) {
            rc = cp <= 0xFFFF ? fo_strbuf_printf(sb, "\\u%04X", (unsigned)cp)
                              : fo_strbuf_printf(sb, "\\U%08X", (unsigned)cp);
        } else {
            rc = fo_strbuf_append(sb, s + i, n);
        }
        i += n;
    }
    return rc ? rc : fo_strbuf_putc(sb, '"');
}

static fo_rc put_indent(fo_strbuf *sb, int indent)
{
    fo_rc rc = FO_OK;
    for (int i = 0; i < indent && rc == FO_OK; i++)
        rc = fo_strbuf_putc(sb, ' ');
    return rc;
}

/* A literal block scalar; the header goes on the current line, content at indent. */
static fo_rc put_block(fo_strbuf *sb, const char *s, size_t len, int indent)
{
    size_t trailing = 0;
    while (trailing < len && s[len - 1 - trailing] == '\n')
        trailing++;
    fo_rc rc = fo_strbuf_puts(sb, trailing == 0 ? "|-\n" : trailing == 1 ? "|\n" : "|+\n");
    size_t body = len - trailing;
    for (size_t i = 0; i < body && rc == FO_OK;) {
        const char *nl = memchr(s + i, '\n', body - i);
        size_t end = nl ? (size_t)(nl - s) : body;
        if (end > i)
            rc = put_indent(sb, indent);
        if (rc == FO_OK)
            rc = fo_strbuf_append(sb, s + i, end - i);
        if (rc == FO_OK)
            rc = fo_strbuf_putc(sb, '\n');
        i = end + 1;
    }
    for (size_t i = 1; i < trailing && rc == FO_OK; i++)
        rc = fo_strbuf_putc(sb, '\n');
    return rc;
}

/* Shortest text that strtod reads back to d, in a form the resolver reads as a float. */
static fo_rc put_real(fo_strbuf *sb, double d)
{
    char buf[64];
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    return fo_strbuf_puts(sb, buf);
}

/* A scalar after "key: " or "- " (ends with a newline). */
static fo_rc put_scalar(fo_strbuf *sb, const json_t *v, int indent)
{
    fo_rc rc;
    switch (json_typeof(v)) {
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (plain_ok(s, len))
            rc = fo_strbuf_append(sb, s, len);
        else if (block_ok(s, len))
            return put_block(sb, s, len, indent);
        else
            rc = fo_yaml_quote(sb, s, len);
        break;
    }
    case JSON_INTEGER:
        rc = fo_strbuf_printf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        rc = put_real(sb, json_real_value(v));
        break;
    case JSON_TRUE:
        rc = fo_strbuf_puts(sb, "true");
        break;
    case JSON_FALSE:
        rc = fo_strbuf_puts(sb, "false");
        break;
    case JSON_OBJECT:
        rc = fo_strbuf_puts(sb, "{}");
        break;
    case JSON_ARRAY:
        rc = fo_strbuf_puts(sb, "[]");
        break;
    default:
        rc = fo_strbuf_puts(sb, "null");
        break;
    }
    return rc ? rc : fo_strbuf_putc(sb, '\n');
}

static bool is_collection(const json_t *v)
{
    return (json_is_object(v) && json_object_size(v) > 0) ||
           (json_is_array(v) && json_array_size(v) > 0);
}

static fo_rc put_node(fo_strbuf *sb, const json_t *v, int indent, bool inline_first);

/* What follows "key:" or "-": a scalar on the same line, or a collection below. */
static fo_rc put_after_indicator(fo_strbuf *sb, const json_t *v, int indent)
{
    if (!is_collection(v)) {
        fo_rc rc = fo_strbuf_putc(sb, ' ');
        return rc ? rc : put_scalar(sb, v, indent + 2);
    }
    fo_rc rc = fo_strbuf_putc(sb, '\n');
    return rc ? rc : put_node(sb, v, indent + 2, false);
}

fo_rc fo_yaml_put_key(fo_strbuf *sb, const char *key, size_t len, bool quote, int indent)
{
    size_t mark = sb->len;
    fo_rc rc = quote ? fo_yaml_quote(sb, key, len) : fo_strbuf_append(sb, key, len);
    if (rc == FO_OK && sb->len - mark > IMPLICIT_KEY_MAX) {
        /* explicit key: "? key" then ":" on its own line at the same indentation */
        fo_strbuf_truncate(sb, mark);
        rc = fo_strbuf_puts(sb, "? ");
        if (rc == FO_OK)
            rc = fo_yaml_quote(sb, key, len);
        if (rc == FO_OK)
            rc = fo_strbuf_putc(sb, '\n');
        if (rc == FO_OK)
            rc = put_indent(sb, indent);
    }
    return rc ? rc : fo_strbuf_putc(sb, ':');
}

static fo_rc put_map(fo_strbuf *sb, const json_t *obj, int indent, bool inline_first)
{
    const char *key;
    const json_t *val;
    bool first = true;
    fo_rc rc = FO_OK;
    json_object_foreach((json_t *)obj, key, val)
    {
        if (!(first && inline_first))
            rc = put_indent(sb, indent);
        first = false;
        size_t klen = strlen(key);
        bool quote = !plain_ok(key, klen) || strcmp(key, "<<") == 0;
        if (rc == FO_OK)
            rc = fo_yaml_put_key(sb, key, klen, quote, indent);
        if (rc == FO_OK)
            rc = put_after_indicator(sb, val, indent);
        if (rc)
            break;
    }
    return rc;
}

static fo_rc put_seq(fo_strbuf *sb, const json_t *arr, int indent, bool inline_first)
{
    fo_rc rc = FO_OK;
    for (size_t i = 0; i < json_array_size(arr) && rc == FO_OK; i++) {
        const json_t *item = json_array_get(arr, i);
        if (!(i == 0 && inline_first))
            rc = put_indent(sb, indent);
        if (rc == FO_OK)
            rc = fo_strbuf_putc(sb, '-');
        if (rc != FO_OK)
            break;
        if (json_is_object(item) && json_object_size(item) > 0) {
            /* "- key: value" with the other keys under the first one */
            rc = fo_strbuf_putc(sb, ' ');
            if (rc == FO_OK)
                rc = put_map(sb, item, indent + 2, true);
        } else {
            rc = put_after_indicator(sb, item, indent);
        }
    }
    return rc;
}

static fo_rc put_node(fo_strbuf *sb, const json_t *v, int indent, bool inline_first)
{
    if (json_is_object(v) && json_object_size(v) > 0)
        return put_map(sb, v, indent, inline_first);
    if (json_is_array(v) && json_array_size(v) > 0)
        return put_seq(sb, v, indent, inline_first);
    return put_scalar(sb, v, indent + 2);
}

char *fo_yaml_emit(const json_t *value)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_rc rc = value ? put_node(&sb, value, 0, false) : fo_strbuf_puts(&sb, "null\n");
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return NULL;
    }
    return fo_strbuf_take(&sb);
}
