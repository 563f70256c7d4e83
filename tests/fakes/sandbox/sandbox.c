#include "tests/fakes/sandbox/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/log.h"

struct fo_sandbox {
    fo_fake_apiserver *api;
    fo_fake_flink *flink;
    fo_sandbox_kubelet *kubelet;
    fo_httpd *srv;
    char host[64];
};

/* ---- /_sandbox/ ---- */

static void answer_error(fo_http_response *resp, int status, const char *message)
{
    json_t *body = json_pack("{s:[s]}", "errors", message);
    fo_http_response_json(resp, status, body);
    json_decref(body);
}

static void answer_state(fo_sandbox *sb, fo_http_response *resp)
{
    json_t *state = fo_sandbox_kubelet_state(sb->kubelet);
    fo_http_response_json(resp, 200, state);
    json_decref(state);
}

/* POST/DELETE /_sandbox/faults/{ns}/{name} */
static void handle_fault(fo_sandbox *sb, const fo_http_request *req, const char *rest,
                         fo_http_response *resp)
{
    char ns[64], name[254];
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest || (size_t)(slash - rest) >= sizeof ns || !slash[1] ||
        strchr(slash + 1, '/') || strlen(slash + 1) >= sizeof name) {
        answer_error(resp, 404, "want /_sandbox/faults/{namespace}/{deployment}");
        return;
    }
    snprintf(ns, sizeof ns, "%.*s", (int)(slash - rest), rest);
    snprintf(name, sizeof name, "%s", slash + 1);
    fo_err err = {0};
    fo_rc rc;
    const char *reason = NULL;
    json_t *body = NULL;
    if (strcmp(req->method, "DELETE") == 0) {
        rc = fo_sandbox_kubelet_set_fault(sb->kubelet, ns, name, NULL, NULL, &err);
    } else if (strcmp(req->method, "POST") == 0) {
        body = req->body_len
                   ? fo_json_parse(req->body, req->body_len, FO_SANDBOX_MAX_CONTROL_BODY, &err)
                   : json_object();
        if (!body) {
            answer_error(resp, 400, err.message);
            return;
        }
        reason = fo_json_str(body, "reason");
        json_t *msg = json_object_get(body, "message");
        if (!json_is_object(body) || !reason || (msg && !json_is_string(msg))) {
            json_decref(body);
            answer_error(resp, 400,
                         "body: want {\"reason\": \"CrashLoopBackOff\", "
                         "\"message\": \"...\"} (message optional)");
            return;
        }
        rc = fo_sandbox_kubelet_set_fault(sb->kubelet, ns, name, reason, json_string_value(msg),
                                          &err);
    } else {
        answer_error(resp, 405, "faults take POST or DELETE");
        return;
    }
    if (rc != FO_OK) {
        json_decref(body);
        answer_error(resp, rc == FO_EINVAL ? 400 : 429, err.message);
        return;
    }
    json_t *out = json_pack("{s:s, s:s, s:s?}", "namespace", ns, "name", name, "reason", reason);
    fo_http_response_json(resp, 200, out);
    json_decref(out);
    json_decref(body);
}

void fo_sandbox_handle(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    fo_sandbox *sb = ctx;
    const char *p = req->path;
    if (strncmp(p, "/_sandbox/", 10) != 0) {
        fo_fake_flink_handle(sb->flink, req, resp);
        return;
    }
    p += 10;
    if (strcmp(p, "state") == 0 && strcmp(req->method, "GET") == 0) {
        answer_state(sb, resp);
    } else if (strcmp(p, "sync") == 0 && strcmp(req->method, "POST") == 0) {
        fo_sandbox_kubelet_sync(sb->kubelet);
        answer_state(sb, resp);
    } else if (strncmp(p, "faults/", 7) == 0) {
        handle_fault(sb, req, p + 7, resp);
    } else {
        answer_error(resp, 404, "unknown sandbox hook (state, sync, faults/{ns}/{name})");
    }
}

/* ---- lifecycle ---- */

fo_sandbox *fo_sandbox_start(const fo_sandbox_opts *opts, fo_err *err)
{
    fo_sandbox_opts none = {0};
    if (!opts)
        opts = &none;
    fo_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(sb->host, sizeof sb->host, "%s", opts->bind_addr ? opts->bind_addr : "127.0.0.1");
    fo_fake_apiserver_opts ao = {.bind_addr = sb->host,
                                 .port = opts->api_port,
                                 .openapi_dir = opts->openapi_dir,
                                 .webhook_service_map = opts->webhook_service_map,
                                 .clock = opts->clock};
    sb->api = fo_fake_apiserver_start(&ao, err);
    if (!sb->api) {
        fo_err_wrap(err, "api server on port %d", opts->api_port);
        goto fail;
    }
    fo_fake_flink_opts fo = {.bind_addr = sb->host, .clock = opts->clock, .no_server = true};
    sb->flink = fo_fake_flink_start(&fo, err);
    if (!sb->flink) {
        fo_err_wrap(err, "fake flink");
        goto fail;
    }
    fo_sandbox_kubelet_opts ko = {.api = sb->api,
                                  .flink = sb->flink,
                                  .clock = opts->clock,
                                  .ready_delay_ms = opts->ready_delay_ms,
                                  .no_thread = opts->no_kubelet_thread};
    sb->kubelet = fo_sandbox_kubelet_start(&ko, err);
    if (!sb->kubelet)
        goto fail;
    fo_httpd_opts ho = {.bind_addr = sb->host,
                        .port = opts->flink_port,
                        .max_body_bytes = FO_FAKE_FLINK_MAX_BODY,
                        .threads = 0, /* a thread per connection: fault delays sleep */
                        .handler = fo_sandbox_handle,
                        .handler_ctx = sb};
    sb->srv = fo_httpd_start(&ho, err);
    if (!sb->srv) {
        fo_err_wrap(err, "flink port %d", opts->flink_port);
        goto fail;
    }
    return sb;
fail:
    fo_sandbox_stop(sb);
    return NULL;
}

void fo_sandbox_stop(fo_sandbox *sb)
{
    if (!sb)
        return;
    fo_fake_flink_quiesce(sb->flink); /* requests held by a "hang" fault end first */
    fo_httpd_stop(sb->srv);
    fo_sandbox_kubelet_stop(sb->kubelet);
    fo_fake_flink_stop(sb->flink);
    fo_fake_apiserver_stop(sb->api);
    free(sb);
}

int fo_sandbox_api_port(const fo_sandbox *sb)
{
    return fo_fake_apiserver_port(sb->api);
}

int fo_sandbox_flink_port(const fo_sandbox *sb)
{
    return fo_httpd_port(sb->srv);
}

fo_fake_apiserver *fo_sandbox_api(fo_sandbox *sb)
{
    return sb->api;
}

fo_fake_flink *fo_sandbox_flink(fo_sandbox *sb)
{
    return sb->flink;
}

fo_sandbox_kubelet *fo_sandbox_kubelet_of(fo_sandbox *sb)
{
    return sb->kubelet;
}

void fo_sandbox_sync(fo_sandbox *sb)
{
    fo_sandbox_kubelet_sync(sb->kubelet);
}

fo_rc fo_sandbox_write_kubeconfig(const fo_sandbox *sb, const char *path, fo_err *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
        return fo_err_set(err, FO_EINVAL, "%s: path too long", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return fo_err_set(err, FO_EIO, "%s: cannot write", tmp);
    int n = fprintf(f,
                    "# The flinkop sandbox (fake API server, no credentials). Written by "
                    "flinkop-sandbox.\n"
                    "apiVersion: v1\n"
                    "kind: Config\n"
                    "clusters:\n"
                    "  - name: flinkop-sandbox\n"
                    "    cluster:\n"
                    "      server: http://%s:%d\n"
                    "users:\n"
                    "  - name: flinkop-sandbox\n"
                    "    user: {}\n"
                    "contexts:\n"
                    "  - name: flinkop-sandbox\n"
                    "    context:\n"
                    "      cluster: flinkop-sandbox\n"
                    "      user: flinkop-sandbox\n"
                    "      namespace: default\n"
                    "current-context: flinkop-sandbox\n",
                    sb->host, fo_sandbox_api_port(sb));
    bool ok = n > 0 && fflush(f) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return fo_err_set(err, FO_EIO, "%s: cannot write", path);
    }
    return FO_OK;
}
