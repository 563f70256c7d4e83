#ifndef FO_STRBUF_H
#define FO_STRBUF_H

/* A growable, always NUL-terminated byte buffer with a hard size limit.
 *
 * The caller owns the struct (usually on the stack):
 *     fo_strbuf sb; fo_strbuf_init(&sb, FO_MAX_BODY); ... fo_strbuf_release(&sb);
 * Appends fail with FO_ELIMIT when the content would exceed `limit` bytes, and with
 * FO_ENOMEM when allocation fails; the buffer then keeps its previous content.
 * Not thread-safe: one owner at a time. */

#include <stdarg.h>
#include <stddef.h>

#include "common/rc.h"

typedef struct fo_strbuf {
    char *data;   /* NUL-terminated; never NULL after init */
    size_t len;   /* bytes before the NUL */
    size_t cap;   /* allocated bytes (0 while data points at the static empty string) */
    size_t limit; /* largest allowed len; 0 means unlimited */
} fo_strbuf;

/* Start an empty buffer. Allocates nothing until the first append. */
void fo_strbuf_init(fo_strbuf *sb, size_t limit);

/* Free the memory; the buffer is empty again (and may be reused). */
void fo_strbuf_release(fo_strbuf *sb);

/* Drop the content but keep the memory. */
void fo_strbuf_reset(fo_strbuf *sb);

fo_rc fo_strbuf_append(fo_strbuf *sb, const void *data, size_t len);
fo_rc fo_strbuf_puts(fo_strbuf *sb, const char *s);

/* Make room for extra more bytes at once, allocating exactly what is then needed (appends
 * double the capacity as they grow, which for a buffer of megabytes holds up to twice its
 * content, and briefly the old copy besides while realloc moves it). For a writer that knows
 * its total. FO_ELIMIT, FO_ENOMEM. */
fo_rc fo_strbuf_reserve(fo_strbuf *sb, size_t extra);

/* Grow the content by n bytes the caller then writes at the returned address (no NUL needed:
 * it is written after them); NULL on FO_ELIMIT or FO_ENOMEM. For encoders that write in
 * place (base64) instead of into a copy that is then appended. */
char *fo_strbuf_extend(fo_strbuf *sb, size_t n);

/* One byte: inline, for writers that put out a structural byte between every two values. */
static inline fo_rc fo_strbuf_putc(fo_strbuf *sb, char c)
{
    /* the common case: room for the byte and the NUL, and under the limit */
    if (sb->len + 2 <= sb->cap && (!sb->limit || sb->len < sb->limit)) {
        sb->data[sb->len++] = c;
        sb->data[sb->len] = '\0';
        return FO_OK;
    }
    return fo_strbuf_append(sb, &c, 1);
}

/* Keep the first len bytes, such as back to a mark taken before appending; nothing when the
 * content is not longer (so also on a buffer that never allocated). */
static inline void fo_strbuf_truncate(fo_strbuf *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->data[len] = '\0';
    }
}

fo_rc fo_strbuf_printf(fo_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
fo_rc fo_strbuf_vprintf(fo_strbuf *sb, const char *fmt, va_list ap);

/* Append s as a JSON string literal, quotes included (RFC 8259 escaping). Invalid UTF-8 bytes
 * are replaced by U+FFFD so the output is always valid JSON. */
fo_rc fo_strbuf_put_json_str(fo_strbuf *sb, const char *s);

/* Append the whole content of the file at path. FO_EIO (err names the file and the system's
 * reason) when it cannot be read; FO_ELIMIT (err names the file and the limit) when it is
 * larger than the buffer's limit; FO_EINVAL when the path is no regular file (a FIFO, a
 * device, a directory: refused without waiting). */
fo_rc fo_strbuf_read_file(fo_strbuf *sb, const char *path, fo_err *err);

/* Hand the content over: returns a heap string the caller frees (never NULL unless out of
 * memory), and leaves the buffer empty. */
char *fo_strbuf_take(fo_strbuf *sb);

/* The length of the longest prefix of s[0..len) of at most max bytes that does not split a
 * UTF-8 sequence (a cut never leaves half a character, which JSON encoders refuse). */
static inline size_t fo_utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* The value of a hexadecimal digit (either case), or -1 for any other character. */
static inline int fo_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
