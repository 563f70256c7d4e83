#include "tests/fakes/apiserver/testclient.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testyaml.h"

struct fka_tc {
    fo_http_client *http;
    char base[256];
    char auth[512];
};

fka_tc *fka_tc_new(const char *base_url, const char *ca_file, const char *token)
{
    fka_tc *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    fo_http_client_opts o = {
        .ca_file = ca_file, .timeout_ms = 30000, .user_agent = "fake-apiserver-test/v0"};
    fo_err err = {0};
    c->http = fo_http_client_new(&o, &err);
    if (!c->http) {
        fprintf(stderr, "fka_tc_new: %s\n", err.message);
        free(c);
        return NULL;
    }
    snprintf(c->base, sizeof c->base, "%s", base_url);
    if (token)
        snprintf(c->auth, sizeof c->auth, "Bearer %s", token);
    return c;
}

void fka_tc_free(fka_tc *c)
{
    if (!c)
        return;
    fo_http_client_free(c->http);
    free(c);
}

int fka_tc_req(fka_tc *c, const char *method, const char *path, const char *content_type,
               const char *accept, const char *body, fka_tc_res *res)
{
    memset(res, 0, sizeof *res);
    char url[4096];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    fo_http_header h[3];
    size_t n = 0;
    h[n++] = (fo_http_header){"Content-Type", content_type ? content_type : "application/json"};
    h[n++] = (fo_http_header){"Accept", accept ? accept : "application/json"};
    if (c->auth[0])
        h[n++] = (fo_http_header){"Authorization", c->auth};
    fo_http_result r;
    fo_err err = {0};
    fo_rc rc = fo_http_client_request(c->http, method, url, h, n, body, body ? strlen(body) : 0, 0,
                                      &r, &err);
    res->retry_after_s = -1;
    if (rc == FO_OK) {
        res->status = r.status;
        res->raw = strdup(r.body.data);
        /* The project's reader: a body may hold keys with NUL, which jansson's refuses. */
        res->body = fo_json_parse(r.body.data, r.body.len, 0, NULL);
        if (res->body && !json_is_object(res->body) && !json_is_array(res->body)) {
            json_decref(res->body);
            res->body = NULL;
        }
        snprintf(res->content_type, sizeof res->content_type, "%s", r.content_type);
        res->warnings = r.warnings;
        r.warnings = NULL;
        res->retry_after_s = r.retry_after_s;
    } else {
        fprintf(stderr, "fka_tc_req %s %s: %s\n", method, path, err.message);
    }
    fo_http_result_release(&r);
    return res->status;
}

void fka_tc_res_release(fka_tc_res *res)
{
    json_decref(res->body);
    free(res->raw);
    for (char **w = res->warnings; w && *w; w++)
        free(*w);
    free(res->warnings);
    memset(res, 0, sizeof *res);
}

int fka_tc_json(fka_tc *c, const char *method, const char *path, const char *body, json_t **out)
{
    fka_tc_res res;
    int status = fka_tc_req(c, method, path, NULL, NULL, body, &res);
    if (out)
        *out = json_incref(res.body);
    fka_tc_res_release(&res);
    return status;
}

typedef struct watch_ctx {
    fo_strbuf buf;
    json_t *events;
    size_t max;
} watch_ctx;

static bool on_chunk(void *vctx, const char *data, size_t len)
{
    watch_ctx *w = vctx;
    fo_strbuf_append(&w->buf, data, len);
    char *nl;
    while ((nl = memchr(w->buf.data, '\n', w->buf.len))) {
        size_t line = (size_t)(nl - w->buf.data);
        json_error_t jerr;
        json_t *ev = json_loadb(w->buf.data, line, 0, &jerr);
        if (ev)
            json_array_append_new(w->events, ev);
        memmove(w->buf.data, nl + 1, w->buf.len - line - 1);
        w->buf.len -= line + 1;
        w->buf.data[w->buf.len] = '\0';
    }
    return json_array_size(w->events) < w->max;
}

json_t *fka_tc_watch(fka_tc *c, const char *path, size_t max_events, long timeout_ms)
{
    char url[4096];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    fo_http_header h[2];
    size_t n = 0;
    h[n++] = (fo_http_header){"Accept", "application/json"};
    if (c->auth[0])
        h[n++] = (fo_http_header){"Authorization", c->auth};
    watch_ctx w = {.events = json_array(), .max = max_events};
    fo_strbuf_init(&w.buf, 0);
    fo_err err = {0};
    fo_http_stream(c->http, url, h, n, timeout_ms, NULL, on_chunk, &w, NULL, &err);
    fo_strbuf_release(&w.buf);
    return w.events;
}

int fka_tc_post_fixture(fka_tc *c, const char *path, const char *fixture, json_t **out)
{
    json_t *obj = fo_test_load_yaml(fixture);
    char *text = json_dumps(obj, JSON_COMPACT);
    int code = fka_tc_json(c, "POST", path, text, out);
    free(text);
    json_decref(obj);
    return code;
}

const char *fka_str(const json_t *o, const char *path)
{
    const char *s = fo_json_get_str(o, path);
    return s ? s : "";
}

const json_t *fka_managed_entry(const json_t *obj, const char *manager)
{
    size_t i;
    json_t *e;
    json_array_foreach(fo_json_get(obj, "metadata.managedFields"), i, e)
    {
        if (strcmp(fka_str(e, "manager"), manager) == 0)
            return e;
    }
    return NULL;
}

fka_tc *fka_tc_start_fake(const fo_fake_apiserver_opts *opts, fo_fake_apiserver **fa)
{
    fo_err err = {0};
    *fa = fo_fake_apiserver_start(opts, &err);
    ck_assert_msg(*fa != NULL, "%s", err.message);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(*fa));
    fka_tc *c = fka_tc_new(base, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    return c;
}

void fka_tc_install_crd(fka_tc *c, const char *fixture)
{
    ck_assert_int_eq(
        fka_tc_post_fixture(c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", fixture,
                            NULL),
        201);
}
