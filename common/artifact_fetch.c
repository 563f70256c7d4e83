#include "common/artifact_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/artifact_uri.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/log.h"
#include "common/strbuf.h"

#define BACKOFF_DEFAULT_INITIAL_MS 500
#define BACKOFF_MAX_MS 10000
/* How much of an error response body is kept to explain the failure (S3's XML <Code>). */
#define ERROR_BODY_MAX 4096
/* Copy buffer for file:// and local: checks. */
#define COPY_CHUNK (64u * 1024)
/* SHA-256 of the empty string: the x-amz-content-sha256 of a GET (AWS SigV4, S3). */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

bool fo_artifact_sha256_hex_valid(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return false;
    return true;
}

fo_rc fo_artifact_s3_endpoint_check(const char *endpoint, fo_err *err)
{
    char shown[512];
    fo_artifact_uri_redact(endpoint ? endpoint : "", shown, sizeof shown);
    if (!endpoint ||
        (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0))
        return fo_err_set(err, FO_EINVAL, "--s3-endpoint %s: not an http:// or https:// URL",
                          shown);
    const char *auth = strstr(endpoint, "://") + 3;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen))
        return fo_err_set(err, FO_EINVAL,
                          "--s3-endpoint %s: user information (user:password@) is not allowed; "
                          "S3 credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                          shown);
    if (alen == 0)
        return fo_err_set(err, FO_EINVAL, "--s3-endpoint %s: has no host", shown);
    if (strpbrk(endpoint, "?#"))
        return fo_err_set(err, FO_EINVAL,
                          "--s3-endpoint %s: takes no query or fragment (bucket and key are "
                          "added to its path)",
                          shown);
    return FO_OK;
}

/* ---- the destination file ----------------------------------------------------------------- */

/* The stop flag is set by a signal handler and carries no data: relaxed is enough. */
static bool stopped(const atomic_int *stop)
{
    return stop && atomic_load_explicit(stop, memory_order_relaxed);
}

/* Where the bytes of one fetch go: a temporary file, hashed as it is written. */
typedef struct sink {
    int fd;
    char *tmp_path;
    gnutls_hash_hd_t hash;
    uint64_t bytes, max_bytes;
    bool too_big, write_failed;
    int write_errno;
    int status;          /* final HTTP status, 0 until known */
    long retry_after_s;  /* the answer's Retry-After, -1 when none */
    fo_strbuf errbody;  /* start of a non-2xx body */
    const atomic_int *stop;
    const char *dir; /* the destination directory, for messages */
} sink;

static fo_rc sink_open(sink *s, const char *dest_dir, uint64_t max_bytes, fo_err *err)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->max_bytes = max_bytes;
    s->dir = dest_dir;
    fo_strbuf_init(&s->errbody, ERROR_BODY_MAX);
    /* A hidden name in the same directory (rename is atomic only within one file system);
     * mkstemp makes it 0600, widened to 0644 before the rename. */
    if (asprintf(&s->tmp_path, "%s/.flinkop-fetch.XXXXXX", dest_dir) < 0) {
        s->tmp_path = NULL;
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    s->fd = mkostemp(s->tmp_path, O_CLOEXEC);
    if (s->fd < 0) {
        int e = errno;
        free(s->tmp_path);
        s->tmp_path = NULL;
        return fo_err_set(err, FO_EIO, "cannot create a temporary file in %s: %s", dest_dir,
                          strerror(e));
    }
    if (gnutls_hash_init(&s->hash, GNUTLS_DIG_SHA256) < 0) {
        s->hash = NULL;
        return fo_err_set(err, FO_ENOMEM, "cannot start a SHA-256 hash");
    }
    return FO_OK;
}

/* Forget what an earlier attempt wrote. */
static fo_rc sink_restart(sink *s, fo_err *err)
{
    s->bytes = 0;
    s->too_big = s->write_failed = false;
    s->status = 0;
    s->retry_after_s = -1;
    fo_strbuf_reset(&s->errbody);
    if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0)
        return fo_err_set(err, FO_EIO, "%s: cannot truncate: %s", s->tmp_path, strerror(errno));
    unsigned char junk[32];
    gnutls_hash_deinit(s->hash, junk);
    if (gnutls_hash_init(&s->hash, GNUTLS_DIG_SHA256) < 0) {
        s->hash = NULL;
        return fo_err_set(err, FO_ENOMEM, "cannot start a SHA-256 hash");
    }
    return FO_OK;
}

/* Remove the temporary file (when still there) and free. */
static void sink_discard(sink *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    if (s->tmp_path)
        unlink(s->tmp_path);
    free(s->tmp_path);
    s->tmp_path = NULL;
    if (s->hash) {
        unsigned char junk[32];
        gnutls_hash_deinit(s->hash, junk);
        s->hash = NULL;
    }
    fo_strbuf_release(&s->errbody);
}

/* Append bytes to the file; false (with a flag set) when the limit or the disk says no. */
static bool sink_write(sink *s, const char *data, size_t len)
{
    if (s->bytes + len > s->max_bytes || s->bytes + len < s->bytes) {
        s->too_big = true;
        return false;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(s->fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->write_failed = true;
            s->write_errno = n < 0 ? errno : EIO;
            return false;
        }
        off += (size_t)n;
    }
    gnutls_hash(s->hash, data, len);
    s->bytes += len;
    return true;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Check the hash, make the file durable and readable, and rename it into place. */
static fo_rc sink_commit(sink *s, const char *final_path, const char *want_hex, fo_err *err)
{
    unsigned char digest[32];
    char got[65];
    gnutls_hash_deinit(s->hash, digest);
    s->hash = NULL;
    to_hex(digest, sizeof digest, got);
    if (want_hex && strcasecmp(got, want_hex) != 0)
        return fo_err_set(err, FO_EINVALID,
                          "SHA-256 mismatch: expected %s, got %s (%llu bytes); the file was not "
                          "kept",
                          want_hex, got, (unsigned long long)s->bytes);
    /* The artifact is read by Flink, which may run as another user in the same pod. */
    if (fchmod(s->fd, 0644) != 0)
        return fo_err_set(err, FO_EIO, "cannot make the artifact readable in %s: %s", s->dir,
                          strerror(errno));
    /* A full disk may only show here (delayed allocation, NFS): the file is then not kept. */
    if (fsync(s->fd) != 0)
        return fo_err_set(err, FO_EIO, "cannot flush the artifact to disk in %s: %s", s->dir,
                          strerror(errno));
    int fd = s->fd;
    s->fd = -1;
    if (close(fd) != 0)
        return fo_err_set(err, FO_EIO, "cannot close the artifact in %s: %s", s->dir,
                          strerror(errno));
    if (rename(s->tmp_path, final_path) != 0)
        return fo_err_set(err, FO_EIO, "cannot rename %s to %s: %s", s->tmp_path, final_path,
                          strerror(errno));
    free(s->tmp_path);
    s->tmp_path = NULL; /* nothing to remove any more */
    /* The rename itself is durable once the directory is synced. */
    char *dir = strdup(final_path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = '\0';
        int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(dir);
    return FO_OK;
}

/* ---- local files ---------------------------------------------------------------------------- */

/* Read a local file into the sink (file:), or only hash it (local:, sink fd -1 and no limit). */
static fo_rc read_local(const char *path, sink *s, bool copy, fo_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fo_err_set(err, errno == ENOENT ? FO_ENOTFOUND : FO_EIO, "%s: %s", path,
                          errno == ENOENT ? "not found" : strerror(errno));
    struct stat st;
    fo_rc rc = FO_OK;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        rc = fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fo_err_set(err, FO_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    if (copy && (uint64_t)st.st_size > s->max_bytes) {
        rc = fo_err_set(err, FO_ELIMIT, "%s: %lld bytes, more than the limit of %llu (--max-bytes)",
                        path, (long long)st.st_size, (unsigned long long)s->max_bytes);
        goto out;
    }
    buf = malloc(COPY_CHUNK);
    if (!buf) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        if (stopped(s->stop)) {
            rc = fo_err_set(err, FO_ESHUTDOWN, "%s: stopped", path);
            break;
        }
        ssize_t n = read(fd, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fo_err_set(err, FO_EIO, "%s: read: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (!copy) {
            gnutls_hash(s->hash, buf, (size_t)n);
            s->bytes += (uint64_t)n;
        } else if (!sink_write(s, buf, (size_t)n)) {
            if (s->too_big)
                rc = fo_err_set(err, FO_ELIMIT,
                                "%s: more than the limit of %llu bytes (--max-bytes)", path,
                                (unsigned long long)s->max_bytes);
            else
                rc = fo_err_set(err, FO_EIO, "copying %s: cannot write it into %s: %s", path,
                                s->dir, strerror(s->write_errno));
            break;
        }
    }
out:
    free(buf);
    close(fd);
    return rc;
}

/* local: the file is already in the image; check it is there (and its hash when asked). */
static fo_rc check_local(const char *path, const char *want_hex, const atomic_int *stop,
                         fo_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return fo_err_set(err, errno == ENOENT ? FO_ENOTFOUND : FO_EIO, "%s: %s", path,
                          errno == ENOENT ? "not found (a local: URI names a file already in the "
                                            "image)"
                                          : strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fo_err_set(err, FO_EINVAL, "%s: not a regular file", path);
    if (!want_hex)
        return FO_OK;
    sink s = {.fd = -1, .stop = stop};
    if (gnutls_hash_init(&s.hash, GNUTLS_DIG_SHA256) < 0)
        return fo_err_set(err, FO_ENOMEM, "cannot start a SHA-256 hash");
    fo_rc rc = read_local(path, &s, false, err);
    unsigned char digest[32];
    char got[65];
    gnutls_hash_deinit(s.hash, digest);
    to_hex(digest, sizeof digest, got);
    if (rc == FO_OK && strcasecmp(got, want_hex) != 0)
        rc = fo_err_set(err, FO_EINVALID, "%s: SHA-256 mismatch: expected %s, got %s", path,
                        want_hex, got);
    return rc;
}

/* ---- HTTP and S3 ---------------------------------------------------------------------------- */

static bool on_head(void *ctx, const fo_http_head *head)
{
    sink *s = ctx;
    s->status = head->status; /* the final answer's: followed redirects are not told */
    s->retry_after_s = head->retry_after_s;
    /* An artifact announced larger than the limit is refused before its first byte. */
    if ((head->status == 200 || head->status == 203) && head->content_length >= 0 &&
        (uint64_t)head->content_length > s->max_bytes) {
        s->too_big = true;
        return false;
    }
    return true;
}

static bool on_chunk(void *ctx, const char *data, size_t len)
{
    sink *s = ctx;
    if (stopped(s->stop))
        return false;
    if (s->status != 200 && s->status != 203) {
        size_t room = ERROR_BODY_MAX - s->errbody.len;
        fo_strbuf_append(&s->errbody, data, len < room ? len : room);
        return true;
    }
    return sink_write(s, data, len);
}

/* "https://h/p?X-Amz-Signature=..." -> "https://h/p?..." (a query may be a credential). */
static void redact(const char *url, char *out, size_t n)
{
    fo_artifact_uri_redact(url, out, n);
}

static bool url_char(char c)
{
    return c && !isspace((unsigned char)c) && !strchr("'\"<>", c);
}

/* Redact every URL in err's message, whoever wrote it: the client quotes the request URL and a
 * refused redirect's target, either of which may carry a presigned query or user:password@. */
static void redact_err(fo_err *err)
{
    if (!err || !strstr(err->message, "://"))
        return;
    char out[FO_ERR_MSG_MAX];
    size_t o = 0;
    const char *m = err->message, *p = m;
    for (const char *sep; (sep = strstr(p, "://")) && o + 1 < sizeof out;) {
        const char *a = sep;
        while (a > p && (isalnum((unsigned char)a[-1]) || strchr("+-.", a[-1])))
            a--;
        const char *z = sep + 3;
        while (url_char(*z))
            z++;
        /* "GET <url>: why" - trailing punctuation is the sentence's, not the URL's. */
        while (z > sep + 3 && strchr(":,;.)", z[-1]))
            z--;
        char *tok = strndup(a, (size_t)(z - a));
        char shown[FO_ERR_MSG_MAX];
        redact(tok ? tok : "", shown, sizeof shown);
        free(tok);
        o += (size_t)snprintf(out + o, sizeof out - o, "%.*s%s", (int)(a - p), p, shown);
        if (o >= sizeof out)
            o = sizeof out - 1;
        p = z;
    }
    if (o + 1 < sizeof out)
        snprintf(out + o, sizeof out - o, "%s", p);
    snprintf(err->message, sizeof err->message, "%s", out);
}

/* The text between <tag> and </tag> of an S3 error document, or "". */
static void xml_field(const fo_strbuf *b, const char *tag, char *out, size_t n)
{
    out[0] = '\0';
    if (!b->data)
        return;
    char open[40], close[40];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(b->data, open);
    const char *z = a ? strstr(a, close) : NULL;
    if (a && z) {
        a += strlen(open);
        snprintf(out, n, "%.*s", (int)(z - a), a);
    }
}

/* S3 object key encoding (AWS SigV4 UriEncode): unreserved characters stay, '/' stays between
 * segments, everything else is %XX with upper-case hex. The path sent is then its own
 * canonical URI, so what libcurl signs is what S3 checks. */
static fo_rc put_s3_key(fo_strbuf *sb, const char *key)
{
    static const char hex[] = "0123456789ABCDEF";
    fo_rc rc = FO_OK;
    for (const unsigned char *p = (const unsigned char *)key; *p && rc == FO_OK; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/') {
            rc = fo_strbuf_putc(sb, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = fo_strbuf_append(sb, e, 3);
        }
    }
    return rc;
}

/* The URL to GET for an http(s) or s3 URI. */
static fo_rc request_url(const char *uri, const fo_artifact_uri *u, const fo_artifact_fetch_opts *o,
                         const char *region, char **url, fo_err *err)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_rc rc = FO_OK;
    if (u->scheme != FO_ARTIFACT_S3) {
        /* libcurl drops the fragment; everything else goes as the user wrote it. */
        rc = fo_strbuf_append(&sb, uri, strcspn(uri, "#"));
    } else if (o->s3_endpoint && *o->s3_endpoint) {
        size_t elen = strlen(o->s3_endpoint);
        while (elen > 0 && o->s3_endpoint[elen - 1] == '/')
            elen--;
        if (fo_artifact_s3_endpoint_check(o->s3_endpoint, err) != FO_OK) {
            fo_strbuf_release(&sb);
            return FO_EINVAL;
        }
        rc = fo_strbuf_printf(&sb, "%.*s/%s/", (int)elen, o->s3_endpoint, u->host);
    } else if (strchr(u->host, '.')) {
        rc = fo_strbuf_printf(&sb, "https://s3.%s.amazonaws.com/%s/", region, u->host);
    } else {
        rc = fo_strbuf_printf(&sb, "https://%s.s3.%s.amazonaws.com/", u->host, region);
    }
    if (rc == FO_OK && u->scheme == FO_ARTIFACT_S3)
        rc = put_s3_key(&sb, u->path);
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    *url = fo_strbuf_take(&sb);
    return FO_OK;
}

/* msg without a leading "GET <shown>: " (to say the URL once). */
static const char *without_prefix(const char *msg, const char *shown)
{
    size_t n = strlen(shown);
    if (strncmp(msg, "GET ", 4) == 0 && strncmp(msg + 4, shown, n) == 0 &&
        strncmp(msg + 4 + n, ": ", 2) == 0)
        return msg + 4 + n + 2;
    return msg;
}

/* retry_in_ms: the wait before the next attempt (outcome "retry"), else 0 (not logged). */
static void log_attempt(const char *shown, int attempt, const sink *s, int64_t elapsed_ms,
                        int64_t retry_in_ms, const char *outcome, const char *detail)
{
    json_t *f = json_pack("{s:s, s:i, s:i, s:I, s:I, s:s}", "url", shown, "attempt", attempt,
                          "status", s->status < 0 ? 0 : s->status, "bytes", (json_int_t)s->bytes,
                          "elapsed_ms", (json_int_t)elapsed_ms, "outcome", outcome);
    if (f && retry_in_ms > 0)
        json_object_set_new(f, "retry_in_ms", json_integer(retry_in_ms));
    fo_log_fields(strcmp(outcome, "ok") == 0 ? FO_LOG_INFO : FO_LOG_WARN, f,
                  "artifact fetch attempt %d %s%s%s", attempt, outcome, *detail ? ": " : "",
                  detail);
    json_decref(f);
}

static void sleep_ms(int64_t ms, const atomic_int *stop)
{
    while (ms > 0 && !stopped(stop)) {
        int64_t step = ms < 100 ? ms : 100;
        struct timespec ts = {step / 1000, (step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* One attempt's result: FO_OK, or an error with *retry telling whether another may help. */
static fo_rc judge(fo_rc rc, const sink *s, const char *shown, fo_err *err, bool *retry)
{
    *retry = false;
    if (stopped(s->stop))
        return fo_err_set(err, FO_ESHUTDOWN, "GET %s: stopped", shown);
    if (s->too_big)
        return fo_err_set(err, FO_ELIMIT,
                          "GET %s: the artifact is larger than %llu bytes (--max-bytes)", shown,
                          (unsigned long long)s->max_bytes);
    if (s->write_failed)
        return fo_err_set(err, FO_EIO, "GET %s: cannot write the artifact into %s: %s", shown,
                          s->dir, strerror(s->write_errno));
    if (rc != FO_OK) {
        *retry = rc == FO_EUNAVAIL;
        return rc; /* err already says what happened */
    }
    /* RFC 9110 section 15.3: only a 200 (or a proxy's 203) carries the whole representation;
     * a 206 is a piece of it and a 204 nothing, neither a jar. */
    if (s->status == 200 || s->status == 203)
        return FO_OK;
    if (s->status >= 200 && s->status <= 299)
        return fo_err_set(err, FO_EPROTO,
                          "GET %s: HTTP %d is not the artifact (only a 200 carries the whole "
                          "file)",
                          shown, s->status);
    char code[128], msg[256];
    xml_field(&s->errbody, "Code", code, sizeof code);
    xml_field(&s->errbody, "Message", msg, sizeof msg);
    char why[420] = "";
    if (*code)
        snprintf(why, sizeof why, " (%s%s%s)", code, *msg ? ": " : "", msg);
    fo_rc r = s->status == 404 ? FO_ENOTFOUND : fo_rc_from_http(s->status);
    if (r == FO_OK)
        r = FO_EPROTO; /* a 1xx or an unfollowed 3xx is no artifact */
    const char *what = s->status == 404                       ? "not found"
                       : s->status == 401 || s->status == 403 ? "access denied"
                                                              : "failed";
    fo_err_set(err, r, "GET %s: %s (HTTP %d)%s", shown, what, s->status, why);
    if (err)
        err->http_status = s->status;
    *retry = s->status == 429 || s->status >= 500;
    return r;
}

static fo_rc fetch_http(const char *uri, const fo_artifact_uri *u, const fo_artifact_fetch_opts *o,
                        sink *s, fo_err *err)
{
    const char *region = o->aws_region && *o->aws_region ? o->aws_region : "us-east-1";
    bool has_id = o->aws_access_key_id && *o->aws_access_key_id;
    bool has_secret = o->aws_secret_access_key && *o->aws_secret_access_key;
    bool sign = u->scheme == FO_ARTIFACT_S3 && has_id && has_secret;
    if (u->scheme == FO_ARTIFACT_S3 && has_id != has_secret)
        return fo_err_set(err, FO_EINVAL, "%s is set but %s is not: give both or neither",
                          has_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                          has_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    char *url = NULL;
    fo_rc rc = request_url(uri, u, o, region, &url, err);
    if (rc != FO_OK)
        return rc;
    char shown[1024];
    redact(url, shown, sizeof shown);

    char provider[128];
    snprintf(provider, sizeof provider, "aws:amz:%s:s3", region);
    fo_http_client_opts co = {
        .ca_file = o->ca_file,
        .user_agent = "flinkop-fetch",
        .max_redirects = FO_ARTIFACT_MAX_REDIRECTS,
        .aws_sigv4 = sign ? provider : NULL,
        .aws_access_key_id = sign ? o->aws_access_key_id : NULL,
        .aws_secret_access_key = sign ? o->aws_secret_access_key : NULL,
    };
    fo_http_header hdrs[3];
    size_t nh = 0;
    if (u->scheme == FO_ARTIFACT_S3) {
        /* S3 wants the payload hash on every signed request (a GET has an empty one). */
        hdrs[nh++] = (fo_http_header){"x-amz-content-sha256", EMPTY_SHA256};
        if (sign && o->aws_session_token && *o->aws_session_token)
            hdrs[nh++] = (fo_http_header){"x-amz-security-token", o->aws_session_token};
    }
    fo_http_client *hc = fo_http_client_new(&co, err);
    if (!hc) {
        free(url);
        return err ? err->rc : FO_EIO;
    }

    long total_ms = o->timeout_ms > 0 ? o->timeout_ms : FO_ARTIFACT_DEFAULT_TIMEOUT_MS;
    int max_attempts = o->max_attempts > 0 ? o->max_attempts : FO_ARTIFACT_DEFAULT_ATTEMPTS;
    fo_backoff bo;
    fo_backoff_init(&bo,
                    o->backoff_initial_ms > 0 ? o->backoff_initial_ms : BACKOFF_DEFAULT_INITIAL_MS,
                    BACKOFF_MAX_MS, 2.0, 0.2, (uint64_t)getpid());
    const fo_clock *clk = fo_clock_real();
    int64_t start = fo_clock_mono_ms(clk), deadline = start + total_ms;
    for (int attempt = 1;; attempt++) {
        if (attempt > 1 && (rc = sink_restart(s, err)) != FO_OK)
            break;
        int64_t t0 = fo_clock_mono_ms(clk), left = deadline - t0;
        fo_err aerr;
        fo_err_clear(&aerr);
        rc = fo_http_stream(hc, url, hdrs, nh, left > 0 ? left : 1, on_head, on_chunk, s, o->stop,
                            &aerr);
        redact_err(&aerr);
        bool retry = false;
        rc = judge(rc, s, shown, &aerr, &retry);
        int64_t now = fo_clock_mono_ms(clk);
        if (rc == FO_OK) {
            log_attempt(shown, attempt, s, now - t0, 0, "ok", "");
            break;
        }
        /* libcurl's own timeout is the attempt's share of the deadline, so a timeout before
         * the deadline is the connect timeout (TCP or TLS handshake): worth another attempt;
         * one at the deadline is the end of the run. */
        if (rc == FO_ETIMEOUT)
            retry = true;
        int64_t delay = retry && now < deadline ? fo_backoff_next_ms(&bo) : 0;
        /* A 429 or 503 may say when to come back (RFC 9110 section 10.2.3): not sooner. */
        bool asked_later = retry && s->retry_after_s > 0 &&
                           (int64_t)s->retry_after_s * 1000 > delay; /* at most a day */
        if (asked_later)
            delay = (int64_t)s->retry_after_s * 1000;
        bool out_of_time = now + delay >= deadline;
        if (retry && !out_of_time && attempt < max_attempts && !stopped(o->stop)) {
            log_attempt(shown, attempt, s, now - t0, delay, "retry", aerr.message);
            sleep_ms(delay, o->stop);
            continue;
        }
        log_attempt(shown, attempt, s, now - t0, 0, "failed", aerr.message);
        if (retry && out_of_time) {
            char later[96] = "";
            if (asked_later && now < deadline)
                snprintf(later, sizeof later, " (the server asks to come back in %ld s)",
                         s->retry_after_s);
            rc = fo_err_set(err, FO_ETIMEOUT,
                            "GET %s: no complete answer within %ld ms (--timeout), %d attempt%s%s: "
                            "%s",
                            shown, total_ms, attempt, attempt == 1 ? "" : "s", later,
                            without_prefix(aerr.message, shown));
            break;
        }
        if (err)
            *err = aerr;
        if (retry)
            fo_err_wrap(err, "gave up after %d attempt%s", attempt, attempt == 1 ? "" : "s");
        break;
    }
    fo_http_client_free(hc);
    free(url);
    return rc;
}

/* ---- the entry point ------------------------------------------------------------------------ */

fo_rc fo_artifact_fetch(const char *uri, const fo_artifact_fetch_opts *o, char **path_out,
                        fo_err *err)
{
    *path_out = NULL;
    fo_err_clear(err);
    fo_artifact_uri u;
    fo_rc rc = fo_artifact_uri_parse(uri, &u, err);
    char *final_path = NULL, *dir = NULL;
    sink s = {.fd = -1};
    if (rc != FO_OK)
        goto out;
    if (o->sha256_hex && !fo_artifact_sha256_hex_valid(o->sha256_hex)) {
        rc = fo_err_set(err, FO_EINVAL, "--sha256 %.80s: not 64 hexadecimal digits", o->sha256_hex);
        goto out;
    }
    if (u.scheme == FO_ARTIFACT_LOCAL) {
        rc = check_local(u.path, o->sha256_hex, o->stop, err);
        if (rc == FO_OK && !(*path_out = strdup(u.path)))
            rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    struct stat st;
    if (!o->dest_dir || stat(o->dest_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = fo_err_set(err, FO_EINVAL, "destination %s is not a directory",
                        o->dest_dir ? o->dest_dir : "(none)");
        goto out;
    }
    size_t dlen = strlen(o->dest_dir);
    while (dlen > 1 && o->dest_dir[dlen - 1] == '/')
        dlen--;
    if (asprintf(&final_path, "%.*s/%s", (int)dlen, o->dest_dir, u.file_name) < 0) {
        final_path = NULL;
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    dir = strndup(o->dest_dir, dlen);
    if (!dir) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    rc = sink_open(&s, dir, o->max_bytes ? o->max_bytes : FO_ARTIFACT_DEFAULT_MAX_BYTES, err);
    s.stop = o->stop;
    if (rc != FO_OK)
        goto out;
    if (u.scheme == FO_ARTIFACT_FILE)
        rc = read_local(u.path, &s, true, err);
    else
        rc = fetch_http(uri, &u, o, &s, err);
    if (rc == FO_OK) {
        rc = sink_commit(&s, final_path, o->sha256_hex, err);
        if (rc != FO_OK) {
            char shown[1024];
            redact(uri, shown, sizeof shown);
            fo_err_wrap(err, "%s", shown);
        }
    }
    if (rc == FO_OK) {
        *path_out = final_path;
        final_path = NULL;
    }
out:
    sink_discard(&s);
    free(final_path);
    free(dir);
    fo_artifact_uri_release(&u);
    return rc;
}
