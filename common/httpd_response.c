/* Building a handler's answer (common/httpd.h): the body, its type, headers or a stream. */
#include "common/httpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

static void set_type(fo_http_response *resp, const char *content_type)
{
    snprintf(resp->content_type, sizeof resp->content_type, "%s",
             content_type ? content_type : "application/json");
}

void fo_http_response_init(fo_http_response *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    set_type(resp, NULL);
}

void fo_http_response_take_body(fo_http_response *resp, int status, const char *content_type,
                                char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    set_type(resp, content_type);
    resp->body = body;
    resp->body_len = body ? len : 0;
}

void fo_http_response_text(fo_http_response *resp, int status, const char *content_type,
                           const char *text)
{
    size_t len = text ? strlen(text) : 0;
    char *copy = malloc(len + 1);
    if (copy && len)
        memcpy(copy, text, len);
    if (copy)
        copy[len] = '\0';
    fo_http_response_take_body(resp, copy ? status : 500, content_type, copy, copy ? len : 0);
}

void fo_http_response_json(fo_http_response *resp, int status, const json_t *value)
{
    char *text = value ? fo_json_dumps_compact(value) : NULL;
    if (!text) {
        fo_http_response_text(resp, 500, "application/json",
                              "{\"message\":\"cannot encode the response\"}");
        return;
    }
    fo_http_response_take_body(resp, status, "application/json", text, strlen(text));
}

void fo_http_response_header(fo_http_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= FO_HTTP_MAX_RESPONSE_HEADERS)
        return;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return;
    }
    resp->headers[resp->nheaders].name = n;
    resp->headers[resp->nheaders].value = v;
    resp->nheaders++;
}

/* RFC 9110 section 10.2.1: Allow = #method, a list of tokens separated by commas with
 * optional white space around them. */
bool fo_http_method_allowed(const fo_http_request *req, fo_http_response *resp, const char *allow)
{
    size_t n = strlen(req->method);
    for (const char *p = allow; *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        if (len && len == n && memcmp(p, req->method, n) == 0)
            return true;
        p += len;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "method %.64s is not allowed on %.256s: use %.128s\n", req->method,
             req->path, allow);
    fo_http_response_text(resp, 405, "text/plain; charset=utf-8", msg);
    fo_http_response_header(resp, "Allow", allow);
    return false;
}

void fo_http_response_stream(fo_http_response *resp, int status, const char *content_type,
                             fo_httpd_stream_fn fn, void *ctx, fo_httpd_stream_free_fn free_fn)
{
    /* A stream replaces any body; an earlier stream is released. */
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    if (resp->stream && resp->stream_free)
        resp->stream_free(resp->stream_ctx);
    resp->status = status;
    set_type(resp, content_type);
    resp->stream = fn;
    resp->stream_ctx = ctx;
    resp->stream_free = free_fn;
}

void fo_http_response_release(fo_http_response *resp)
{
    free(resp->body);
    resp->body = NULL;
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    resp->nheaders = 0;
    if (resp->stream && resp->stream_free)
        resp->stream_free(resp->stream_ctx);
    resp->stream = NULL;
}
