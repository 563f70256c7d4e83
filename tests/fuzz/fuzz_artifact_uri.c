/* fo_artifact_uri_parse and fo_artifact_uri_redact (common/artifact_uri.h) on arbitrary text
 * as a jarURI a user writes (the input up to its first NUL byte). Properties:
 *  - a parsed URI keeps the documented shape: a known scheme, lower-cased; http(s) a host of
 *    host characters or an IPv6 literal and a port 0 or 1-65535; s3 a bucket and a key without
 *    its leading '/'; file/local an absolute path and no host; a query only for http(s); a file
 *    name that is the decoded last segment of the path, never empty, ".", "..", longer than
 *    FO_ARTIFACT_NAME_MAX, or holding '/', '\', NUL or a control character;
 *  - the parts written back as a URI (path percent-encoded again) parse to the same parts;
 *  - a refusal is FO_EINVAL whose message starts by quoting the URI redacted (cut, with its
 *    bytes outside printable ASCII shown as '?'), and is printable ASCII on one line (the
 *    fetcher prints it, logs hold it);
 *  - redaction is what the header says for any text: the user information of a "//"
 *    authority replaced by "***", nothing from the first '?' or '#' on but "?..." / "#..."
 *    (a presigned URL's query is a credential), cut to fit, always terminated, and the full
 *    length returned. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/artifact_uri.h"
#include "common/strbuf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

/* The URI of u's parts, path percent-encoded (caller frees). */
static char *rebuild(const fo_artifact_uri *u)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "%s://", u->scheme_text);
    if (u->scheme == FO_ARTIFACT_HTTPS || u->scheme == FO_ARTIFACT_HTTP) {
        fo_strbuf_printf(&sb, strchr(u->host, ':') ? "[%s]" : "%s", u->host);
        if (u->port)
            fo_strbuf_printf(&sb, ":%d", u->port);
    } else if (u->scheme == FO_ARTIFACT_S3) {
        fo_strbuf_printf(&sb, "%s/", u->host);
    }
    for (const char *p = u->path; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) || strchr("/-._~", c))
            fo_strbuf_printf(&sb, "%c", c);
        else
            fo_strbuf_printf(&sb, "%%%02X", c);
    }
    if (u->query)
        fo_strbuf_printf(&sb, "?%s", u->query);
    return fo_strbuf_take(&sb);
}

static void check_parts(const fo_artifact_uri *u, const char *uri)
{
    FUZZ_CHECK(strcmp(fo_artifact_scheme_name(u->scheme), "?") != 0 && u->scheme_text[0],
               "no scheme");
    for (const char *p = u->scheme_text; *p; p++)
        FUZZ_CHECK(!isupper((unsigned char)*p), "scheme %s not lower-cased", u->scheme_text);
    FUZZ_CHECK(u->host && u->path && u->file_name, "a part missing: %s", uri);
    const char *f = u->file_name;
    size_t fn = strlen(f);
    FUZZ_CHECK(fn > 0 && fn <= FO_ARTIFACT_NAME_MAX && strcmp(f, ".") && strcmp(f, "..") &&
                   !strpbrk(f, "/\\"),
               "file name '%s'", f);
    for (const char *p = f; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "file name holds 0x%02x",
                   (unsigned char)*p);
    size_t pn = strlen(u->path);
    FUZZ_CHECK(pn >= fn && strcmp(u->path + pn - fn, f) == 0 &&
                   (pn == fn || u->path[pn - fn - 1] == '/'),
               "file name '%s' is not the last segment of '%s'", f, u->path);
    switch (u->scheme) {
    case FO_ARTIFACT_HTTPS:
    case FO_ARTIFACT_HTTP:
        FUZZ_CHECK(u->host[0] && u->port >= 0 && u->port <= 65535 && u->path[0] == '/',
                   "http parts of %s", uri);
        break;
    case FO_ARTIFACT_S3:
        FUZZ_CHECK(u->host[0] && !u->query && u->port == 0, "s3 parts of %s", uri);
        break;
    case FO_ARTIFACT_FILE:
    case FO_ARTIFACT_LOCAL:
        FUZZ_CHECK(!u->host[0] && !u->query && u->port == 0 && u->path[0] == '/',
                   "file parts of %s", uri);
        break;
    }
}

/* artifact_uri.c's QUOTE_MAX: how much of the URI a message quotes. */
#define QUOTED 300

static void check_refusal(const fo_err *err, const char *uri)
{
    FUZZ_CHECK(err->rc == FO_EINVAL && err->message[0], "refusal %d", (int)err->rc);
    FUZZ_CHECK(printable(err->message), "message not printable ASCII: %s", err->message);
    /* it quotes the URI redacted (non-printable bytes as '?'), and nothing else of it */
    char shown[QUOTED + 1], want[QUOTED + 32];
    size_t n = fo_artifact_uri_redact(uri, shown, sizeof shown);
    for (char *p = shown; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    snprintf(want, sizeof want, "artifact URI '%s%s': ", shown, n > QUOTED ? "..." : "");
    FUZZ_CHECK(strncmp(err->message, want, strlen(want)) == 0, "message does not quote %s: %s",
               want, err->message);
}

/* Redaction of any text: the user information of a "//" authority replaced, nothing from the
 * first '?' or '#' kept but the marker. */
static void check_redacted(const char *uri, const char *red, size_t full, size_t cap)
{
    if (full >= cap)
        return; /* cut: the marker may be cut too */
    FUZZ_CHECK(!strpbrk(red, "?#") || strstr(red, "?...") || strstr(red, "#..."),
               "redacted text keeps a query: %s", red);
    const char *sep = strstr(uri, "://");
    if (!sep || sep != uri + strcspn(uri, ":/?#"))
        return;
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen))
        FUZZ_CHECK(strncmp(red + (auth - uri), "***@", 4) == 0, "user information not replaced: %s",
                   red);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *uri = fuzz_cstr(data, size);
    size_t len = strlen(uri);

    char small[17], big[512];
    size_t full = fo_artifact_uri_redact(uri, big, sizeof big);
    size_t cut = fo_artifact_uri_redact(uri, small, sizeof small);
    FUZZ_CHECK(full == cut && strlen(small) == (full < 16 ? full : 16) &&
                   strncmp(small, big, strlen(small)) == 0 &&
                   (full >= sizeof big || strlen(big) == full),
               "redaction lengths: %zu, %zu", full, cut);
    check_redacted(uri, big, full, sizeof big);

    fo_artifact_uri u;
    fo_err err;
    fo_rc rc = fo_artifact_uri_parse(uri, &u, &err);
    if (rc != FO_OK) {
        if (len > 0)
            check_refusal(&err, uri);
        fo_artifact_uri_release(&u);
        free(uri);
        return 0;
    }
    check_parts(&u, uri);
    char *again = rebuild(&u);
    if (strlen(again) > FO_ARTIFACT_URI_MAX) { /* escapes made it longer than a URI may be */
        free(again);
        fo_artifact_uri_release(&u);
        free(uri);
        return 0;
    }
    fo_artifact_uri v;
    FUZZ_CHECK(fo_artifact_uri_parse(again, &v, &err) == FO_OK, "%s rebuilt as %s: %s", uri, again,
               err.message);
    FUZZ_CHECK(v.scheme == u.scheme && strcmp(v.scheme_text, u.scheme_text) == 0 &&
                   strcmp(v.host, u.host) == 0 && v.port == u.port && strcmp(v.path, u.path) == 0 &&
                   strcmp(v.file_name, u.file_name) == 0 && (!v.query == !u.query) &&
                   (!u.query || strcmp(v.query, u.query) == 0),
               "%s rebuilt as %s reads otherwise", uri, again);
    fo_artifact_uri_release(&v);
    free(again);
    fo_artifact_uri_release(&u);
    free(uri);
    return 0;
}
