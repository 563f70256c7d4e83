#include "tests/support/sigv4.h"

#include <ctype.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void fo_test_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d);
    hex(d, sizeof d, out);
}

/* Value with leading/trailing space dropped and inner runs of spaces folded (SigV4 "Trimall"). */
static void put_trimmed(fo_strbuf *sb, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ' ' || v[i] == '\t') {
            space = true;
            continue;
        }
        if (space)
            fo_strbuf_putc(sb, ' ');
        space = false;
        fo_strbuf_putc(sb, v[i]);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *fo_test_sigv4_canonical_request(const char *method, const char *path, const char *query,
                                      const char *signed_headers, fo_test_sigv4_header_fn get,
                                      void *ctx, const char *payload_hash)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "%s\n%s\n", method, *path ? path : "/");
    /* Canonical query: pairs sorted by name (then value); an empty query is an empty line. */
    if (query && *query) {
        char *copy = strdup(query);
        char *pairs[64];
        size_t n = 0;
        for (char *save = NULL, *p = strtok_r(copy, "&", &save); p && n < 64;
             p = strtok_r(NULL, "&", &save))
            pairs[n++] = p;
        qsort(pairs, n, sizeof pairs[0], cmp_str);
        for (size_t i = 0; i < n; i++)
            fo_strbuf_printf(&sb, "%s%s%s", i ? "&" : "", pairs[i],
                             strchr(pairs[i], '=') ? "" : "=");
        free(copy);
    }
    fo_strbuf_putc(&sb, '\n');
    char *names = strdup(signed_headers);
    bool ok = true;
    for (char *save = NULL, *h = strtok_r(names, ";", &save); h && ok;
         h = strtok_r(NULL, ";", &save)) {
        const char *v = get(ctx, h);
        if (!v) {
            ok = false;
            break;
        }
        fo_strbuf_printf(&sb, "%s:", h);
        put_trimmed(&sb, v);
        fo_strbuf_putc(&sb, '\n');
    }
    free(names);
    fo_strbuf_printf(&sb, "\n%s\n%s", signed_headers, payload_hash);
    if (!ok) {
        fo_strbuf_release(&sb);
        return NULL;
    }
    return fo_strbuf_take(&sb);
}

char *fo_test_sigv4_string_to_sign(const char *amz_date, const char *scope,
                                   const char *canonical_request)
{
    char h[65];
    fo_test_sha256_hex(canonical_request, strlen(canonical_request), h);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, h);
    return fo_strbuf_take(&sb);
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, msg, strlen(msg), out);
}

void fo_test_sigv4_signature(const char *secret, const char *date, const char *region,
                             const char *service, const char *string_to_sign, char out[65])
{
    /* kSecret = "AWS4" + secret; kDate = HMAC(kSecret, date); kRegion = HMAC(kDate, region);
     * kService = HMAC(kRegion, service); kSigning = HMAC(kService, "aws4_request");
     * signature = hex(HMAC(kSigning, string to sign)). */
    size_t klen = 4 + strlen(secret);
    char *k = malloc(klen + 1);
    snprintf(k, klen + 1, "AWS4%s", secret);
    unsigned char a[32], b[32];
    hmac(k, klen, date, a);
    hmac(a, 32, region, b);
    hmac(b, 32, service, a);
    hmac(a, 32, "aws4_request", b);
    hmac(b, 32, string_to_sign, a);
    hex(a, 32, out);
    free(k);
}

static bool fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return false;
}

/* Is name one of the ';'-separated names? */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ";");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len;
        if (*p == ';')
            p++;
    }
    return false;
}

/* The text after "key=" up to ',' (spaces after commas allowed), into out. */
static bool auth_field(const char *auth, const char *key, char *out, size_t n)
{
    size_t klen = strlen(key);
    for (const char *p = auth; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            p += klen + 1;
            size_t len = strcspn(p, ",");
            if (len >= n)
                return false;
            memcpy(out, p, len);
            out[len] = '\0';
            return true;
        }
        p += strcspn(p, ",");
    }
    return false;
}

bool fo_test_sigv4_verify(const char *method, const char *path, const char *query,
                          fo_test_sigv4_header_fn get, void *ctx, const char *access_key,
                          const char *secret, const char *region, char *why, size_t whylen)
{
    static const char algo[] = "AWS4-HMAC-SHA256 ";
    const char *auth = get(ctx, "authorization");
    if (!auth)
        return fail(why, whylen, "AccessDenied: no Authorization header");
    if (strncmp(auth, algo, sizeof algo - 1) != 0)
        return fail(why, whylen, "AuthorizationHeaderMalformed: not %s: %s", algo, auth);
    const char *fields = auth + sizeof algo - 1;
    char cred[256], signed_headers[512], sig[128];
    if (!auth_field(fields, "Credential", cred, sizeof cred) ||
        !auth_field(fields, "SignedHeaders", signed_headers, sizeof signed_headers) ||
        !auth_field(fields, "Signature", sig, sizeof sig))
        return fail(why, whylen, "AuthorizationHeaderMalformed: %s", auth);
    const char *amz_date = get(ctx, "x-amz-date");
    const char *payload = get(ctx, "x-amz-content-sha256");
    if (!amz_date || strlen(amz_date) != 16)
        return fail(why, whylen, "AccessDenied: no or bad x-amz-date");
    if (!payload)
        return fail(why, whylen, "InvalidRequest: missing x-amz-content-sha256");
    /* Credential = <key>/<yyyymmdd>/<region>/s3/aws4_request */
    char want_cred[256];
    snprintf(want_cred, sizeof want_cred, "%s/%.8s/%s/s3/aws4_request", access_key, amz_date,
             region);
    if (strcmp(cred, want_cred) != 0)
        return fail(why, whylen, "AuthorizationHeaderMalformed: credential %s, want %s", cred,
                    want_cred);
    static const char *const required[] = {"host", "x-amz-date", "x-amz-content-sha256"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!listed(signed_headers, required[i]))
            return fail(why, whylen, "AccessDenied: %s is not signed (%s)", required[i],
                        signed_headers);
    if (get(ctx, "x-amz-security-token") && !listed(signed_headers, "x-amz-security-token"))
        return fail(why, whylen, "AccessDenied: x-amz-security-token is not signed");
    char *creq = fo_test_sigv4_canonical_request(method, path, query ? query : "", signed_headers,
                                                 get, ctx, payload);
    if (!creq)
        return fail(why, whylen, "AccessDenied: a signed header is missing (%s)", signed_headers);
    char scope[128];
    snprintf(scope, sizeof scope, "%.8s/%s/s3/aws4_request", amz_date, region);
    char *sts = fo_test_sigv4_string_to_sign(amz_date, scope, creq);
    char date[9], want[65];
    snprintf(date, sizeof date, "%.8s", amz_date);
    fo_test_sigv4_signature(secret, date, region, "s3", sts, want);
    bool ok = strcmp(want, sig) == 0;
    if (!ok)
        fail(why, whylen, "SignatureDoesNotMatch: got %s; canonical request was:\n%s", sig, creq);
    free(sts);
    free(creq);
    return ok;
}
