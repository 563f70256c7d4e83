#include "tests/support/webhookproc.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"

/* ---- the webhook process ---- */

char *fo_test_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);
    fclose(f);
    if (n < 0) {
        free(text);
        return strdup("");
    }
    return text;
}

static void copy_file(const char *from, const char *to)
{
    char *text = fo_test_read_text(from);
    fo_test_write_file(to, text);
    free(text);
}

void fo_test_webhook_publish(fo_test_webhook *w, const char *dir, const char *const *names,
                             const char *const *sources, int n)
{
    char vdir[600], path[700], tmp[600], data[600];
    snprintf(vdir, sizeof vdir, "%s/..v%d", dir, ++w->versions);
    ck_assert_int_eq(mkdir(vdir, 0755), 0);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", vdir, names[i]);
        copy_file(sources[i], path);
    }
    snprintf(tmp, sizeof tmp, "%s/..data_tmp", dir);
    snprintf(data, sizeof data, "%s/..data", dir);
    snprintf(path, sizeof path, "..v%d", w->versions);
    unlink(tmp);
    ck_assert_int_eq(symlink(path, tmp), 0);
    ck_assert_int_eq(rename(tmp, data), 0);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char target[300];
        snprintf(target, sizeof target, "..data/%s", names[i]);
        if (access(path, F_OK) != 0 && symlink(target, path) != 0)
            ck_abort_msg("symlink %s: %s", path, strerror(errno));
    }
}

void fo_test_webhook_publish_tls(fo_test_webhook *w, const char *crt, const char *key)
{
    const char *names[] = {"tls.crt", "tls.key"};
    const char *src[] = {crt, key};
    fo_test_webhook_publish(w, w->tls_dir, names, src, 2);
}

void fo_test_webhook_publish_defaults(fo_test_webhook *w, const char *fixture)
{
    char *path = fo_test_data_path(fixture);
    const char *names[] = {"defaults.yaml"};
    const char *src[] = {path};
    fo_test_webhook_publish(w, w->cfg_dir, names, src, 1);
    free(path);
}

void fo_test_webhook_start(fo_test_webhook *w)
{
    memset(w, 0, sizeof *w);
    w->dir = fo_test_mkdtemp();
    w->ca = fo_testcerts_new();
    snprintf(w->tls_dir, sizeof w->tls_dir, "%s/tls", w->dir);
    snprintf(w->cfg_dir, sizeof w->cfg_dir, "%s/config", w->dir);
    ck_assert_int_eq(mkdir(w->tls_dir, 0755), 0);
    ck_assert_int_eq(mkdir(w->cfg_dir, 0755), 0);
    char *crt, *key;
    fo_testcerts_issue(w->ca, "serving", "flinkop-webhook.flinkop.svc", &crt, &key);
    fo_test_webhook_publish_tls(w, crt, key);
    free(crt);
    free(key);
    fo_test_webhook_publish_defaults(w, "admission-cluster-defaults.yaml");
    snprintf(w->crt, sizeof w->crt, "%s/tls.crt", w->tls_dir);
    snprintf(w->key, sizeof w->key, "%s/tls.key", w->tls_dir);
    snprintf(w->defaults, sizeof w->defaults, "%s/defaults.yaml", w->cfg_dir);
    snprintf(w->log, sizeof w->log, "%s/webhook.log", w->dir);
    w->port = fo_test_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", w->port);
    char *bin = fo_test_bin_path("flinkop-webhook");
    char *argv[] = {bin,     "--port",    port,   "--bind-address", "127.0.0.1", "--tls-cert",
                    w->crt,  "--tls-key", w->key, "--defaults",     w->defaults, "--log-level",
                    "debug", NULL};
    w->pid = fo_test_spawn(argv, w->log);
    free(bin);
    ck_assert_int_gt(w->pid, 0);
    ck_assert_msg(fo_test_wait_port(w->port, 30000), "webhook did not listen; log:\n%s",
                  fo_test_read_text(w->log));
    long st = 0;
    for (int i = 0; i < 300 && st != 200; i++) {
        st = fo_test_webhook_get(w, "/readyz", w->ca->ca_cert, NULL);
        if (st != 200)
            fo_test_sleep_ms(50);
    }
    ck_assert_int_eq(st, 200);
}

void fo_test_webhook_stop(fo_test_webhook *w)
{
    if (w->pid > 0) {
        int status = fo_test_stop(w->pid, SIGTERM, 20000);
        ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "webhook did not exit 0 after SIGTERM (status %d)", status);
    }
    fo_testcerts_free(w->ca);
    fo_test_rmdir(w->dir);
    free(w->dir);
}

/* ---- HTTPS client ---- */

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    fo_strbuf_append(ud, p, size * n);
    return size * n;
}

CURL *fo_test_webhook_client(const fo_test_webhook *w, const char *path, const char *ca,
                             fo_strbuf *body)
{
    char url[512];
    snprintf(url, sizeof url, "https://localhost:%d%s", w->port, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    return c;
}

long fo_test_webhook_get(fo_test_webhook *w, const char *path, const char *ca, fo_strbuf *body)
{
    fo_strbuf local;
    fo_strbuf_init(&local, 0);
    CURL *c = fo_test_webhook_client(w, path, ca, body ? body : &local);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fo_strbuf_release(&local);
    return status;
}

void fo_test_webhook_send(fo_test_webhook *w, const char *method, const char *path,
                          const char *body, size_t len, const char *content_type,
                          fo_test_webhook_reply *r)
{
    memset(r, 0, sizeof *r);
    fo_strbuf_init(&r->body, 0);
    fo_strbuf_init(&r->headers, 0);
    CURL *c = fo_test_webhook_client(w, path, w->ca->ca_cert, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    /* Big bodies keep curl's "Expect: 100-continue", so a 413 can come before the upload. */
    struct curl_slist *h = len > 1024 * 1024 ? NULL : curl_slist_append(NULL, "Expect:");
    if (content_type) {
        char line[128];
        const char *more = strchr(content_type, '\n'); /* "<type>\n<another header line>" */
        int n = more ? (int)(more - content_type) : (int)strlen(content_type);
        snprintf(line, sizeof line, "Content-Type: %.*s", n, content_type);
        h = curl_slist_append(h, line);
        if (more)
            h = curl_slist_append(h, more + 1);
    } else {
        h = curl_slist_append(h, "Content-Type:");
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    r->cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->json = json_loadb(r->body.data, r->body.len, 0, NULL);
}

void fo_test_webhook_reply_release(fo_test_webhook_reply *r)
{
    json_decref(r->json);
    fo_strbuf_release(&r->body);
    fo_strbuf_release(&r->headers);
}

json_t *fo_test_review(const char *uid, const char *op, const json_t *obj, bool dry_run)
{
    const char *kind = fo_json_str(obj, "kind");
    const char *plural =
        strcmp(kind, "FlinkSessionJob") == 0 ? "flinksessionjobs" : "flinkdeployments";
    json_t *gvk = json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version", "v1beta1",
                            "kind", kind);
    json_t *gvr = json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version", "v1beta1",
                            "resource", plural);
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:O, s:O, s:O, s:O, s:s, s:s, s:s, s:{s:s, s:[s]}, s:O, s:O, s:b}}",
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", uid,
        "kind", gvk, "resource", gvr, "requestKind", gvk, "requestResource", gvr, "name",
        fo_json_get_str(obj, "metadata.name"), "namespace", "flink-jobs", "operation", op,
        "userInfo", "username", "jane@example.com", "groups", "system:authenticated", "object", obj,
        "oldObject", strcmp(op, "CREATE") == 0 ? json_null() : obj, "dryRun", dry_run);
    json_decref(gvk);
    json_decref(gvr);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

json_t *fo_test_admit(fo_test_webhook *w, const char *path, const json_t *doc,
                      fo_test_webhook_reply *r)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    char full[128];
    snprintf(full, sizeof full, "%s?timeout=10s", path);
    fo_test_webhook_send(w, "POST", full, text, strlen(text), "application/json", r);
    free(text);
    ck_assert_msg(r->cc == CURLE_OK, "curl: %s", curl_easy_strerror(r->cc));
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_nonnull(r->json);
    ck_assert_str_eq(fo_json_str(r->json, "apiVersion"), "admission.k8s.io/v1");
    ck_assert_str_eq(fo_json_str(r->json, "kind"), "AdmissionReview");
    json_t *resp = json_object_get(r->json, "response");
    ck_assert_ptr_nonnull(resp);
    ck_assert_str_eq(fo_json_str(resp, "uid"),
                     fo_json_get_str(doc, "request.uid")); /* section 4 rule 2 */
    return resp;
}

json_t *fo_test_apply_patch(const json_t *resp, const json_t *obj)
{
    const char *b64 = fo_json_str(resp, "patch");
    ck_assert_ptr_nonnull(b64);
    ck_assert_str_eq(fo_json_str(resp, "patchType"), "JSONPatch");
    /* decode (RFC 4648 standard alphabet) independently of the code under test */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(b64);
    ck_assert_uint_eq(n % 4, 0);
    char *raw = malloc(n / 4 * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            const char *p = b64[i + k] == '=' ? NULL : strchr(alphabet, b64[i + k]);
            if (!p)
                pad++;
            v = v << 6 | (p ? (unsigned)(p - alphabet) : 0);
        }
        raw[o++] = (char)(v >> 16);
        if (pad < 2)
            raw[o++] = (char)(v >> 8 & 255);
        if (pad < 1)
            raw[o++] = (char)(v & 255);
    }
    json_t *patch = json_loadb(raw, o, 0, NULL);
    free(raw);
    ck_assert_msg(json_is_array(patch), "patch is not a JSON array");
    fo_err err;
    fo_err_clear(&err);
    json_t *out = fo_json_patch_apply(obj, patch, &err);
    ck_assert_msg(out != NULL, "patch does not apply: %s", err.message);
    json_decref(patch);
    return out;
}

bool fo_test_webhook_log_has(const fo_test_webhook *w, const char *a, const char *b)
{
    char *text = fo_test_read_text(w->log);
    bool found = false;
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n"))
        found = strstr(line, a) && (!b || strstr(line, b));
    free(text);
    return found;
}

void fo_test_webhook_expect_error(fo_test_webhook *w, const char *method, const char *path,
                                  const char *body, size_t len, const char *ct, long code,
                                  const char *want)
{
    fo_test_webhook_reply r;
    fo_test_webhook_send(w, method, path, body, len, ct, &r);
    ck_assert_msg(r.cc == CURLE_OK, "%s %s: curl %s", method, path, curl_easy_strerror(r.cc));
    ck_assert_msg(r.status == code, "%s %s: status %ld, want %ld (%s)", method, path, r.status,
                  code, r.body.data);
    ck_assert_msg(r.json != NULL, "%s %s: body is not JSON: %s", method, path, r.body.data);
    ck_assert_str_eq(fo_json_str(r.json, "kind"), "Status");
    ck_assert_int_eq(json_integer_value(json_object_get(r.json, "code")), code);
    const char *msg = fo_json_str(r.json, "message");
    ck_assert_msg(msg && strstr(msg, want), "%s %s: message \"%s\" lacks \"%s\"", method, path,
                  msg ? msg : "", want);
    fo_test_webhook_reply_release(&r);
}

char *fo_test_review_text(void (*edit)(json_t *))
{
    char *t = fo_test_read_data("admission-review-create-flinkdeployment.json", NULL);
    json_t *d = json_loads(t, 0, NULL);
    free(t);
    if (edit)
        edit(d);
    char *out = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return out;
}
