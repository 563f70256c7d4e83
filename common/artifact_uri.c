#include "common/artifact_uri.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

/* How much of a URI an error message quotes. */
#define QUOTE_MAX 300

static const struct {
    const char *name;
    fo_artifact_scheme scheme;
} schemes[] = {
    {"https", FO_ARTIFACT_HTTPS}, {"http", FO_ARTIFACT_HTTP}, {"s3", FO_ARTIFACT_S3},
    {"s3a", FO_ARTIFACT_S3},      {"s3p", FO_ARTIFACT_S3},    {"file", FO_ARTIFACT_FILE},
    {"local", FO_ARTIFACT_LOCAL},
};

#define SUPPORTED "https, http, s3 (s3a, s3p), file, local"

const char *fo_artifact_scheme_name(fo_artifact_scheme s)
{
    switch (s) {
    case FO_ARTIFACT_HTTPS:
        return "https";
    case FO_ARTIFACT_HTTP:
        return "http";
    case FO_ARTIFACT_S3:
        return "s3";
    case FO_ARTIFACT_FILE:
        return "file";
    case FO_ARTIFACT_LOCAL:
        return "local";
    }
    return "?";
}

void fo_artifact_uri_release(fo_artifact_uri *u)
{
    if (!u)
        return;
    free(u->host);
    free(u->path);
    free(u->query);
    free(u->file_name);
    memset(u, 0, sizeof *u);
}

char *fo_artifact_uri_decode(const char *s, size_t len, size_t *out_len, size_t *bad_at)
{
    char *out = malloc(len + 1);
    if (!out) {
        if (bad_at)
            *bad_at = (size_t)-1;
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[n++] = s[i];
            continue;
        }
        /* RFC 3986 section 2.1: '%' is always followed by two hex digits. */
        if (i + 2 >= len || fo_hex_digit(s[i + 1]) < 0 || fo_hex_digit(s[i + 2]) < 0) {
            free(out);
            if (bad_at)
                *bad_at = i;
            return NULL;
        }
        out[n++] = (char)(fo_hex_digit(s[i + 1]) * 16 + fo_hex_digit(s[i + 2]));
        i += 2;
    }
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

size_t fo_artifact_uri_redact(const char *uri, char *out, size_t n)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    const char *p = uri;
    /* RFC 3986 section 3.2: "//" authority, whose userinfo ends at the last '@'. */
    const char *sep = strstr(uri, "://");
    if (sep && sep == uri + strcspn(uri, ":/?#")) {
        const char *auth = sep + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = NULL;
        for (const char *q = auth; q < auth + alen; q++)
            if (*q == '@')
                at = q;
        if (at) {
            fo_strbuf_append(&sb, uri, (size_t)(auth - uri));
            fo_strbuf_append(&sb, "***", 3);
            p = at;
        }
    }
    size_t keep = strcspn(p, "?#");
    fo_strbuf_append(&sb, p, keep);
    if (p[keep])
        fo_strbuf_printf(&sb, "%c...", p[keep]);
    size_t len = sb.len;
    if (n > 0)
        snprintf(out, n, "%s", sb.data ? sb.data : "");
    fo_strbuf_release(&sb);
    return len;
}

/* Every byte outside printable ASCII in s becomes '?'. */
static void printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            *s = '?';
}

/* err gets "artifact URI '<uri>': <problem>", the URI redacted as above and long ones cut. The
 * message is printable ASCII on one line: the URI it quotes, or a file name decoded from it,
 * may hold any byte (a newline would start a forged line in the fetcher's log, and a stray
 * byte of a UTF-8 character would make the message unencodable as JSON). */
static fo_rc fail(fo_err *err, const char *uri, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static fo_rc fail(fo_err *err, const char *uri, const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printable(why);
    /* Never the password of user:password@ nor a query (a presigned URL's is a credential). */
    char shown[QUOTE_MAX + 1];
    size_t len = fo_artifact_uri_redact(uri, shown, sizeof shown);
    printable(shown);
    return fo_err_set(err, FO_EINVAL, "artifact URI '%s%s': %s", shown,
                      len > QUOTE_MAX ? "..." : "", why);
}

static bool is_scheme_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

static bool is_host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static bool is_bucket_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Host and optional port of an http(s) authority. */
static fo_rc parse_host_port(const char *uri, const char *a, size_t alen, fo_artifact_uri *out,
                             fo_err *err)
{
    const char *host = a, *port = NULL;
    size_t hlen;
    if (alen > 0 && a[0] == '[') {
        /* RFC 3986 section 3.2.2: an IPv6 literal in brackets. */
        const char *close = memchr(a, ']', alen);
        if (!close)
            return fail(err, uri, "IPv6 host has no closing ']'");
        host = a + 1;
        hlen = (size_t)(close - host);
        for (size_t i = 0; i < hlen; i++)
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
                return fail(err, uri, "'%.*s' is not an IPv6 address", (int)hlen, host);
        size_t rest = alen - (size_t)(close + 1 - a);
        if (rest > 0) {
            if (close[1] != ':')
                return fail(err, uri, "unexpected text after the IPv6 host");
            port = close + 2;
        }
        if (hlen == 0)
            return fail(err, uri, "has no host");
    } else {
        const char *colon = memchr(a, ':', alen);
        hlen = colon ? (size_t)(colon - a) : alen;
        if (colon)
            port = colon + 1;
        if (hlen == 0)
            return fail(err, uri, "has no host (%s://host/path)", out->scheme_text);
        for (size_t i = 0; i < hlen; i++)
            if (!is_host_char(host[i]))
                return fail(err, uri, "host '%.*s' holds '%c' (letters, digits, '-', '.' only)",
                            (int)hlen, host, host[i]);
    }
    if (port) {
        size_t plen = alen - (size_t)(port - a);
        long v = 0;
        bool ok = plen > 0 && plen <= 5;
        for (size_t i = 0; ok && i < plen; i++) {
            ok = isdigit((unsigned char)port[i]);
            v = v * 10 + (port[i] - '0');
        }
        if (!ok || v < 1 || v > 65535)
            return fail(err, uri, "port '%.*s' is not a number from 1 to 65535", (int)plen, port);
        out->port = (int)v;
    }
    out->host = strndup(host, hlen);
    return out->host ? FO_OK : fo_err_set(err, FO_ENOMEM, "out of memory");
}

/* The decoded last segment of a raw path, checked to be a plain file name. */
static fo_rc take_file_name(const char *uri, const char *path, size_t plen, fo_artifact_uri *out,
                            fo_err *err)
{
    size_t start = plen;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (start == plen)
        return fail(err, uri, "path ends with '/': no file name to save the artifact under");
    size_t n = 0, bad = 0;
    char *name = fo_artifact_uri_decode(path + start, plen - start, &n, &bad);
    if (!name)
        return bad == (size_t)-1 ? fo_err_set(err, FO_ENOMEM, "out of memory")
                                 : fail(err, uri, "bad percent escape at position %zu",
                                        (size_t)(path - uri) + start + bad);
    fo_rc rc = FO_OK;
    if (memchr(name, '\0', n))
        rc = fail(err, uri, "file name holds an encoded NUL (%%00)");
    else if (strchr(name, '/'))
        rc = fail(err, uri, "file name '%s' holds an encoded '/' (%%2F)", name);
    else if (n == 0)
        rc = fail(err, uri, "file name is empty");
    else if (!strcmp(name, ".") || !strcmp(name, ".."))
        rc = fail(err, uri, "file name '%s' is not a file", name);
    else if (n > FO_ARTIFACT_NAME_MAX)
        rc = fail(err, uri, "file name is longer than %d bytes", FO_ARTIFACT_NAME_MAX);
    else if (strchr(name, '\\'))
        rc = fail(err, uri, "file name holds a backslash ('\\' or %%5C)");
    for (size_t i = 0; rc == FO_OK && i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            rc = fail(err, uri, "file name holds control character 0x%02x", (unsigned char)name[i]);
    if (rc != FO_OK) {
        free(name);
        return rc;
    }
    out->file_name = name;
    return FO_OK;
}

/* The decoded path (or s3 key): refused when it holds an encoded NUL. */
static fo_rc take_path(const char *uri, const char *path, size_t plen, fo_artifact_uri *out,
                       fo_err *err)
{
    size_t n = 0, bad = 0;
    char *p = fo_artifact_uri_decode(path, plen, &n, &bad);
    if (!p)
        return bad == (size_t)-1 ? fo_err_set(err, FO_ENOMEM, "out of memory")
                                 : fail(err, uri, "bad percent escape at position %zu",
                                        (size_t)(path - uri) + bad);
    if (memchr(p, '\0', n)) {
        free(p);
        return fail(err, uri, "path holds an encoded NUL (%%00)");
    }
    out->path = p;
    return FO_OK;
}

fo_rc fo_artifact_uri_parse(const char *uri, fo_artifact_uri *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    fo_err_clear(err);
    if (!uri || !*uri)
        return fo_err_set(err, FO_EINVAL, "artifact URI is empty");
    size_t len = strlen(uri);
    if (len > FO_ARTIFACT_URI_MAX)
        return fail(err, uri, "longer than %d bytes", FO_ARTIFACT_URI_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)uri[i];
        /* RFC 3986 allows only printable ASCII; anything else must be percent-encoded. */
        if (c <= 0x20 || c >= 0x7f)
            return fail(err, uri,
                        "character 0x%02x at position %zu must be percent-encoded (no spaces, "
                        "control or non-ASCII characters)",
                        c, i);
    }

    /* RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    size_t slen = 0;
    while (slen < len && is_scheme_char(uri[slen]))
        slen++;
    if (slen == 0 || slen >= len || uri[slen] != ':' || !isalpha((unsigned char)uri[0]))
        return fail(err, uri, "has no scheme (supported: " SUPPORTED ")");
    bool known = false;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && !known; i++) {
        if (strlen(schemes[i].name) == slen && strncasecmp(uri, schemes[i].name, slen) == 0) {
            known = true;
            out->scheme = schemes[i].scheme;
            for (size_t k = 0; k < slen; k++)
                out->scheme_text[k] = (char)tolower((unsigned char)uri[k]);
        }
    }
    if (!known)
        return fail(err, uri, "scheme '%.*s' is not supported (supported: " SUPPORTED ")",
                    (int)(slen > 32 ? 32 : slen), uri);

    const char *p = uri + slen + 1, *end = uri + len;
    bool remote = out->scheme == FO_ARTIFACT_HTTPS || out->scheme == FO_ARTIFACT_HTTP ||
                  out->scheme == FO_ARTIFACT_S3;
    const char *auth = NULL;
    size_t alen = 0;
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
        auth = p + 2;
        alen = strcspn(auth, "/?#");
        p = auth + alen;
    } else if (remote) {
        return fail(err, uri, "needs '//' after '%s:' (%s://%s/...)", out->scheme_text,
                    out->scheme_text, out->scheme == FO_ARTIFACT_S3 ? "bucket" : "host");
    }
    /* fail() quotes the URI with its user information redacted: it is a password. */
    if (auth && memchr(auth, '@', alen))
        return fail(err, uri, "user information (user:password@) is not allowed; %s",
                    out->scheme == FO_ARTIFACT_S3
                        ? "S3 credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                        : "credentials do not belong in a URI");

    size_t plen = strcspn(p, "?#");
    const char *path = p, *rest = p + plen;
    if (*rest && !(remote && out->scheme != FO_ARTIFACT_S3))
        return fail(err, uri, "a %s URI takes no query or fragment ('%c')", out->scheme_text,
                    *rest);
    if (*rest == '?') {
        size_t qlen = strcspn(rest + 1, "#");
        out->query = strndup(rest + 1, qlen);
        if (!out->query)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
    }

    fo_rc rc = FO_OK;
    switch (out->scheme) {
    case FO_ARTIFACT_HTTPS:
    case FO_ARTIFACT_HTTP:
        rc = parse_host_port(uri, auth, alen, out, err);
        if (rc == FO_OK && plen == 0)
            rc = fail(err, uri, "has no path: no file name to save the artifact under");
        break;
    case FO_ARTIFACT_S3:
        if (alen == 0)
            return fail(err, uri, "has no bucket (s3://bucket/key)");
        if (alen > 255)
            return fail(err, uri, "bucket name is longer than 255 bytes");
        for (size_t i = 0; i < alen; i++)
            if (!is_bucket_char(auth[i]))
                return fail(err, uri,
                            "bucket '%.*s' holds '%c' (letters, digits, '.', '-', '_' only)",
                            (int)alen, auth, auth[i]);
        if (plen <= 1)
            return fail(err, uri, "has no key (s3://bucket/key)");
        out->host = strndup(auth, alen);
        if (!out->host)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
        break;
    case FO_ARTIFACT_FILE:
    case FO_ARTIFACT_LOCAL:
        /* RFC 8089: file:///path, file://localhost/path, and file:/path name a local file. */
        if (auth && alen > 0 && !(alen == 9 && strncasecmp(auth, "localhost", 9) == 0))
            return fail(err, uri,
                        "names host '%.*s': a %s URI names a file on this machine (%s:///path)",
                        (int)alen, auth, out->scheme_text, out->scheme_text);
        if (plen == 0 || path[0] != '/')
            return fail(err, uri, "is not an absolute path (%s:///path)", out->scheme_text);
        out->host = strdup("");
        if (!out->host)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
        break;
    }
    if (rc != FO_OK)
        return rc;
    rc = take_file_name(uri, path, plen, out, err);
    if (rc == FO_OK && out->scheme == FO_ARTIFACT_S3)
        rc = take_path(uri, path + 1, plen - 1, out, err); /* the key has no leading '/' */
    else if (rc == FO_OK)
        rc = take_path(uri, path, plen, out, err);
    return rc;
}
