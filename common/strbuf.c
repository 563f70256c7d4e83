#include "common/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char empty[1];

void fo_strbuf_init(fo_strbuf *sb, size_t limit)
{
    sb->data = empty;
    sb->len = 0;
    sb->cap = 0;
    sb->limit = limit;
}

void fo_strbuf_release(fo_strbuf *sb)
{
    if (sb->cap)
        free(sb->data);
    sb->data = empty;
    sb->len = 0;
    sb->cap = 0;
}

void fo_strbuf_reset(fo_strbuf *sb)
{
    sb->len = 0;
    if (sb->cap)
        sb->data[0] = '\0';
}

static fo_rc reserve(fo_strbuf *sb, size_t extra)
{
    if (sb->limit && (extra > sb->limit || sb->len > sb->limit - extra))
        return FO_ELIMIT;
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return FO_OK;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = sb->cap ? realloc(sb->data, cap) : malloc(cap);
    if (!p)
        return FO_ENOMEM;
    if (!sb->cap)
        p[0] = '\0';
    sb->data = p;
    sb->cap = cap;
    return FO_OK;
}

fo_rc fo_strbuf_reserve(fo_strbuf *sb, size_t extra)
{
    if (sb->limit && (extra > sb->limit || sb->len > sb->limit - extra))
        return FO_ELIMIT;
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return FO_OK;
    char *p = sb->cap ? realloc(sb->data, need) : malloc(need);
    if (!p)
        return FO_ENOMEM;
    if (!sb->cap)
        p[0] = '\0';
    sb->data = p;
    sb->cap = need;
    return FO_OK;
}

char *fo_strbuf_extend(fo_strbuf *sb, size_t n)
{
    if (reserve(sb, n) != FO_OK)
        return NULL;
    char *at = sb->data + sb->len;
    sb->len += n;
    sb->data[sb->len] = '\0';
    return at;
}

fo_rc fo_strbuf_append(fo_strbuf *sb, const void *data, size_t len)
{
    fo_rc rc = reserve(sb, len);
    if (rc != FO_OK)
        return rc;
    if (len)
        memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
    return FO_OK;
}

fo_rc fo_strbuf_puts(fo_strbuf *sb, const char *s)
{
    return fo_strbuf_append(sb, s, strlen(s));
}

fo_rc fo_strbuf_vprintf(fo_strbuf *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return FO_EINVAL;
    fo_rc rc = reserve(sb, (size_t)n);
    if (rc != FO_OK)
        return rc;
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    return FO_OK;
}

fo_rc fo_strbuf_printf(fo_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fo_rc rc = fo_strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
    return rc;
}

/* Length of the valid UTF-8 sequence starting at s, or 0 when it is not valid (RFC 3629). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return n;
}

fo_rc fo_strbuf_put_json_str(fo_strbuf *sb, const char *s)
{
    fo_rc rc = fo_strbuf_putc(sb, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (rc == FO_OK && *p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = fo_strbuf_append(sb, esc, 2);
            p++;
        } else if (c < 0x20) {
            const char *named = NULL;
            switch (c) {
            case '\n': named = "\\n"; break;
            case '\r': named = "\\r"; break;
            case '\t': named = "\\t"; break;
            case '\b': named = "\\b"; break;
            case '\f': named = "\\f"; break;
            default: break;
            }
            rc = named ? fo_strbuf_puts(sb, named) : fo_strbuf_printf(sb, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            rc = fo_strbuf_putc(sb, (char)c);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                rc = fo_strbuf_puts(sb, "\xEF\xBF\xBD");
                p++;
            } else {
                rc = fo_strbuf_append(sb, p, n);
                p += n;
            }
        }
    }
    if (rc == FO_OK)
        rc = fo_strbuf_putc(sb, '"');
    return rc;
}

char *fo_strbuf_take(fo_strbuf *sb)
{
    char *out;
    if (sb->cap) {
        out = sb->data;
    } else {
        out = strdup("");
    }
    sb->data = empty;
    sb->len = 0;
    sb->cap = 0;
    return out;
}

fo_rc fo_strbuf_read_file(fo_strbuf *sb, const char *path, fo_err *err)
{
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer (with signals blocked in
     * the caller's thread, for good); it is refused below instead. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    fo_rc bad = FO_OK;
    if (fstat(fd, &st) != 0)
        bad = fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        bad = fo_err_set(err, FO_EINVAL, "%s: not a regular file", path);
    if (bad != FO_OK) {
        close(fd);
        return bad;
    }
    fo_rc rc = FO_OK;
    char buf[8192];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        rc = fo_strbuf_append(sb, buf, (size_t)n);
        if (rc == FO_ELIMIT) {
            fo_err_set(err, rc, "%s: larger than the limit of %zu bytes", path, sb->limit);
            break;
        }
        if (rc != FO_OK) {
            fo_err_set(err, rc, "%s: out of memory", path);
            break;
        }
    }
    close(fd);
    return rc;
}
