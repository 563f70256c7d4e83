#include "common/json_write.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Bytes a JSON string literal cannot hold as they are (RFC 8259 section 7): '"', '\\' and the
 * control characters. Everything else, UTF-8 included, is copied (as jansson does without
 * JSON_ENSURE_ASCII). */
static const unsigned char needs_escape[256] = {
    [0x00 ... 0x1F] = 1,
    ['"'] = 1,
    ['\\'] = 1,
};

fo_rc fo_json_write_str(fo_strbuf *sb, const char *s, size_t len)
{
    fo_rc rc = fo_strbuf_putc(sb, '"');
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (rc == FO_OK && p < end) {
        const unsigned char *run = p;
        while (p < end && !needs_escape[*p])
            p++;
        if (p > run && (rc = fo_strbuf_append(sb, run, (size_t)(p - run))) != FO_OK)
            break;
        if (p == end)
            break;
        char esc[7];
        size_t n = 2;
        esc[0] = '\\';
        switch (*p) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", *p);
            n = 6;
        }
        rc = fo_strbuf_append(sb, esc, n);
        p++;
    }
    return rc == FO_OK ? fo_strbuf_putc(sb, '"') : rc;
}

static fo_rc write_int(fo_strbuf *sb, json_int_t v)
{
    char buf[24], *e = buf + sizeof buf, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return fo_strbuf_append(sb, p, (size_t)(e - p));
}

static fo_rc write_real(fo_strbuf *sb, double d)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n < 0 || (size_t)n >= sizeof buf)
        return FO_EINVAL;
    /* a real must read back as a real: "2" would come back as an integer */
    char *e = strpbrk(buf, "eE");
    if (!e && !strchr(buf, '.')) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    /* jansson writes exponents without '+' and without leading zeros ("1e-5", not "1e-05") */
    if (e) {
        char *to = e + 1, *from = to;
        if (*from == '+')
            from++;
        else if (*from == '-')
            to = ++from;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(buf);
    }
    return fo_strbuf_append(sb, buf, (size_t)n);
}

fo_rc fo_json_write(fo_strbuf *sb, const json_t *v)
{
    if (!v)
        return FO_EINVAL;
    fo_rc rc = FO_OK;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        rc = fo_strbuf_putc(sb, '{');
        const char *key;
        size_t key_len;
        json_t *m;
        bool first = true;
        json_object_keylen_foreach((json_t *)v, key, key_len, m)
        {
            if (rc == FO_OK && !first)
                rc = fo_strbuf_putc(sb, ',');
            first = false;
            if (rc == FO_OK)
                rc = fo_json_write_str(sb, key, key_len);
            if (rc == FO_OK)
                rc = fo_strbuf_putc(sb, ':');
            if (rc == FO_OK)
                rc = fo_json_write(sb, m);
            if (rc != FO_OK)
                return rc;
        }
        return rc == FO_OK ? fo_strbuf_putc(sb, '}') : rc;
    }
    case JSON_ARRAY: {
        rc = fo_strbuf_putc(sb, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; rc == FO_OK && i < n; i++) {
            if (i)
                rc = fo_strbuf_putc(sb, ',');
            if (rc == FO_OK)
                rc = fo_json_write(sb, json_array_get(v, i));
        }
        return rc == FO_OK ? fo_strbuf_putc(sb, ']') : rc;
    }
    case JSON_STRING:
        return fo_json_write_str(sb, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return write_int(sb, json_integer_value(v));
    case JSON_REAL:
        return write_real(sb, json_real_value(v));
    case JSON_TRUE:
        return fo_strbuf_append(sb, "true", 4);
    case JSON_FALSE:
        return fo_strbuf_append(sb, "false", 5);
    case JSON_NULL:
        return fo_strbuf_append(sb, "null", 4);
    }
    return FO_EINVAL;
}
