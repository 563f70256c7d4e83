#include "tests/support/testhttp.h"

#include <stdio.h>
#include <string.h>


static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    fo_strbuf_append(ud, p, size * n);
    return size * n;
}

struct upload {
    const char *data;
    size_t len, off;
};

static size_t feed(char *buf, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t want = size * n;
    if (want > u->len - u->off)
        want = u->len - u->off;
    memcpy(buf, u->data + u->off, want);
    u->off += want;
    return want;
}

static void reply_init(fo_test_reply *r)
{
    memset(r, 0, sizeof *r);
    fo_strbuf_init(&r->body, 0);
    fo_strbuf_init(&r->headers, 0);
}

void fo_test_reply_release(fo_test_reply *r)
{
    fo_strbuf_release(&r->body);
    fo_strbuf_release(&r->headers);
}

void fo_test_perform(const fo_test_request *o, fo_test_reply *r)
{
    reply_init(r);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct upload up = {o->body, o->body_len, 0};
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (o->method && strcmp(o->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* a HEAD answer has no body to wait for */
    else if (o->method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
    if (o->body && !o->chunked_upload) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    } else if (o->body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (o->content_type) {
        char line[200];
        snprintf(line, sizeof line, "Content-Type: %s", o->content_type);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (o->extra_header)
        hdrs = curl_slist_append(hdrs, o->extra_header);
    if (o->close_after)
        hdrs = curl_slist_append(hdrs, "Connection: close");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (o->cainfo) {
        curl_easy_setopt(c, CURLOPT_CAINFO, o->cainfo);
        curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    }
    r->cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
}

bool fo_test_has_header(const fo_test_reply *r, const char *line)
{
    return strcasestr(r->headers.data, line) != NULL;
}

