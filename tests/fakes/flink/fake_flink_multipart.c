/* Just enough multipart/form-data (RFC 7578, RFC 2046 section 5.1) to receive jar uploads:
 * find the parts, their Content-Disposition filename, and their size. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tests/fakes/flink/fake_flink_int.h"

static const char *memfind(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0 || hlen < nlen)
        return NULL;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    return NULL;
}

/* The boundary parameter of a multipart Content-Type, unquoted. */
static bool boundary_of(const char *content_type, char *out, size_t len)
{
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return false;
    const char *b = strcasestr(content_type, "boundary=");
    if (!b)
        return false;
    b += 9;
    bool quoted = *b == '"';
    if (quoted)
        b++;
    size_t n = 0;
    while (b[n] && (quoted ? b[n] != '"' : (b[n] != ';' && b[n] != ' ')))
        n++;
    if (n == 0 || n > 70 || n + 1 > len) /* RFC 2046: 1 to 70 characters */
        return false;
    memcpy(out, b, n);
    out[n] = '\0';
    return true;
}

/* filename="..." of a part's headers, or false. */
static bool part_filename(const char *headers, size_t hlen, char *name, size_t name_len)
{
    const char *cd = NULL;
    for (const char *p = headers; p < headers + hlen;) {
        const char *eol = memfind(p, (size_t)(headers + hlen - p), "\r\n", 2);
        size_t l = eol ? (size_t)(eol - p) : (size_t)(headers + hlen - p);
        if (l > 20 && strncasecmp(p, "Content-Disposition:", 20) == 0) {
            cd = p;
            const char *f = memfind(cd, l, "filename=\"", 10);
            if (!f)
                return false;
            f += 10;
            const char *q = memchr(f, '"', (size_t)(cd + l - f));
            if (!q)
                return false;
            snprintf(name, name_len, "%.*s", (int)(q - f), f);
            return true;
        }
        p += l + 2;
    }
    return false;
}

int ff_multipart_files(const char *body, size_t len, const char *content_type, char *name,
                       size_t name_len, size_t *size)
{
    char boundary[80], delim[90];
    if (!boundary_of(content_type, boundary, sizeof boundary))
        return -1;
    int dlen = snprintf(delim, sizeof delim, "--%s", boundary);
    const char *p = memfind(body, len, delim, (size_t)dlen);
    if (!p)
        return -1;
    const char *end = body + len;
    int files = 0;
    for (;;) {
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return files; /* close delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return -1;
        p += 2;
        const char *hend = memfind(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend)
            return -1;
        const char *content = hend + 4;
        char next[92];
        int nlen = snprintf(next, sizeof next, "\r\n%s", delim);
        const char *stop = memfind(content, (size_t)(end - content), next, (size_t)nlen);
        if (!stop)
            return -1;
        char fname[256];
        if (part_filename(p, (size_t)(hend - p) + 2, fname, sizeof fname)) {
            if (files == 0) {
                snprintf(name, name_len, "%s", fname);
                *size = (size_t)(stop - content);
            }
            files++;
        }
        p = stop + 2;
    }
}
