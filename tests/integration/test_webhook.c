/* flinkop-webhook as a real process ($FO_BIN_DIR/flinkop-webhook) behind HTTPS with a test CA:
 * allow, deny with every message, mutate (the patch applied with fo_json_patch_apply),
 * idempotence, dryRun, each bad input of issue 3, certificate rotation and defaults reload
 * through Kubernetes-style `..data` symlink swaps, metrics, and SIGTERM with a request in
 * flight. Waiting on the process uses generous deadlines; nothing asserts on time. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "webhook/admission.h"
#include "webhook/review_json.h"

/* ---- the webhook process ---- */

typedef struct webhook {
    char *dir;
    fo_testcerts *ca;
    char tls_dir[512], crt[512], key[512];
    char cfg_dir[512], defaults[512];
    char log[512];
    int port;
    pid_t pid;
    int versions; /* ..data generations made so far */
} webhook;

static char *read_text(const char *path)
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
    char *text = read_text(from);
    fo_test_write_file(to, text);
    free(text);
}

/* Publish files in dir the way the kubelet does: a new ..<version> directory, then ..data
 * swapped to it atomically. names/sources pair up; n entries. */
static void publish(webhook *w, const char *dir, const char *const *names,
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

static void publish_tls(webhook *w, const char *crt, const char *key)
{
    const char *names[] = {"tls.crt", "tls.key"};
    const char *src[] = {crt, key};
    publish(w, w->tls_dir, names, src, 2);
}

static void publish_defaults(webhook *w, const char *fixture)
{
    char *path = fo_test_data_path(fixture);
    const char *names[] = {"defaults.yaml"};
    const char *src[] = {path};
    publish(w, w->cfg_dir, names, src, 1);
    free(path);
}

static long get_status(webhook *w, const char *path, const char *ca, fo_strbuf *body);

static void webhook_start(webhook *w)
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
    publish_tls(w, crt, key);
    free(crt);
    free(key);
    publish_defaults(w, "admission-cluster-defaults.yaml");
    snprintf(w->crt, sizeof w->crt, "%s/tls.crt", w->tls_dir);
    snprintf(w->key, sizeof w->key, "%s/tls.key", w->tls_dir);
    snprintf(w->defaults, sizeof w->defaults, "%s/defaults.yaml", w->cfg_dir);
    snprintf(w->log, sizeof w->log, "%s/webhook.log", w->dir);
    w->port = fo_test_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", w->port);
    char *bin = fo_test_bin_path("flinkop-webhook");
    char *argv[] = {bin,         "--port",     port,     "--bind-address", "127.0.0.1",
                    "--tls-cert", w->crt,      "--tls-key", w->key,         "--defaults",
                    w->defaults, "--log-level", "debug",  NULL};
    w->pid = fo_test_spawn(argv, w->log);
    free(bin);
    ck_assert_int_gt(w->pid, 0);
    ck_assert_msg(fo_test_wait_port(w->port, 30000), "webhook did not listen; log:\n%s",
                  read_text(w->log));
    long st = 0;
    for (int i = 0; i < 300 && st != 200; i++) {
        st = get_status(w, "/readyz", w->ca->ca_cert, NULL);
        if (st != 200)
            fo_test_sleep_ms(50);
    }
    ck_assert_int_eq(st, 200);
}

static void webhook_stop(webhook *w)
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

typedef struct reply {
    long status;
    CURLcode cc;
    fo_strbuf body;
    fo_strbuf headers; /* the response's header lines */
    json_t *json;      /* parsed body, or NULL */
} reply;

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    fo_strbuf_append(ud, p, size * n);
    return size * n;
}

static CURL *client(const webhook *w, const char *path, const char *ca, fo_strbuf *body)
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

static long get_status(webhook *w, const char *path, const char *ca, fo_strbuf *body)
{
    fo_strbuf local;
    fo_strbuf_init(&local, 0);
    CURL *c = client(w, path, ca, body ? body : &local);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fo_strbuf_release(&local);
    return status;
}

static void send_raw(webhook *w, const char *method, const char *path, const char *body,
                     size_t len, const char *content_type, reply *r)
{
    memset(r, 0, sizeof *r);
    fo_strbuf_init(&r->body, 0);
    fo_strbuf_init(&r->headers, 0);
    CURL *c = client(w, path, w->ca->ca_cert, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    /* Big bodies keep curl's "Expect: 100-continue", so a 413 can come before the upload. */
    struct curl_slist *h = len > 1024 * 1024 ? NULL : curl_slist_append(NULL, "Expect:");
    if (content_type) {
        char line[128];
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        h = curl_slist_append(h, line);
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

static void reply_release(reply *r)
{
    json_decref(r->json);
    fo_strbuf_release(&r->body);
    fo_strbuf_release(&r->headers);
}

/* An AdmissionReview for obj (borrowed). */
static json_t *review(const char *uid, const char *op, const json_t *obj, bool dry_run)
{
    const char *kind = fo_json_str(obj, "kind");
    const char *plural = strcmp(kind, "FlinkSessionJob") == 0 ? "flinksessionjobs"
                                                              : "flinkdeployments";
    json_t *gvk = json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version",
                            "v1beta1", "kind", kind);
    json_t *gvr = json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version",
                            "v1beta1", "resource", plural);
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:O, s:O, s:O, s:O, s:s, s:s, s:s, s:{s:s, s:[s]}, s:O, s:O, s:b}}",
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", uid,
        "kind", gvk, "resource", gvr, "requestKind", gvk, "requestResource", gvr, "name",
        fo_json_get_str(obj, "metadata.name"), "namespace", "flink-jobs", "operation", op,
        "userInfo", "username", "jane@example.com", "groups", "system:authenticated", "object",
        obj, "oldObject", strcmp(op, "CREATE") == 0 ? json_null() : obj, "dryRun", dry_run);
    json_decref(gvk);
    json_decref(gvr);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

/* POST a review to path (with the query string the API server adds) and check the envelope. */
static json_t *admit(webhook *w, const char *path, const json_t *doc, reply *r)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    char full[128];
    snprintf(full, sizeof full, "%s?timeout=10s", path);
    send_raw(w, "POST", full, text, strlen(text), "application/json", r);
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

/* Decode response.patch (base64 JSON Patch) and apply it to obj. New reference. */
static json_t *apply_patch(const json_t *resp, const json_t *obj)
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

static bool log_has(const webhook *w, const char *a, const char *b)
{
    char *text = read_text(w->log);
    bool found = false;
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n"))
        found = strstr(line, a) && (!b || strstr(line, b));
    free(text);
    return found;
}

/* ---- tests ---- */

START_TEST(a_valid_deployment_is_allowed_and_the_uid_echoed)
{
    webhook w;
    webhook_start(&w);
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = review("11111111-2222-4333-8444-555555555555", "CREATE", obj, false);
    reply r;
    json_t *resp = admit(&w, "/validate", doc, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    ck_assert_ptr_null(json_object_get(resp, "patchType"));
    ck_assert_ptr_null(json_object_get(resp, "status"));
    reply_release(&r);
    /* allowed requests are logged at debug with the identifying fields */
    ck_assert(log_has(&w, "11111111-2222-4333-8444-555555555555", "\"verdict\":\"allowed\""));
    json_decref(doc);
    json_decref(obj);
    webhook_stop(&w);
}
END_TEST

START_TEST(an_invalid_deployment_is_denied_with_every_message)
{
    webhook w;
    webhook_start(&w);
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-four-errors.yaml");
    json_t *doc = review("22222222-2222-4333-8444-555555555555", "CREATE", obj, false);
    reply r;
    json_t *resp = admit(&w, "/validate", doc, &r);
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    json_t *st = json_object_get(resp, "status");
    ck_assert_int_eq(json_integer_value(json_object_get(st, "code")), 422);
    ck_assert_str_eq(fo_json_str(st, "reason"), "Invalid");
    const char *msg = fo_json_str(st, "message");
    const char *fields[] = {"metadata.name", "spec.flinkVersion", "spec.job.parallelism",
                            "spec.serviceAccount"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(strstr(msg, fields[i]) != NULL, "message lacks %s: %s", fields[i], msg);
    ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(st, "details"), "causes")),
                      4);
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    reply_release(&r);
    /* a denial is logged at info: uid, kind, namespace/name, operation, verdict, latency */
    char *text = read_text(w.log);
    char *line = strstr(text, "22222222-2222-4333-8444-555555555555");
    ck_assert_ptr_nonnull(line);
    while (line > text && line[-1] != '\n')
        line--;
    *strchrnul(line, '\n') = '\0';
    json_t *entry = json_loads(line, 0, NULL);
    ck_assert_ptr_nonnull(entry);
    ck_assert_str_eq(fo_json_str(entry, "level"), "info");
    ck_assert_str_eq(fo_json_str(entry, "kind"), "FlinkDeployment");
    ck_assert_str_eq(fo_json_str(entry, "namespace"), "flink-jobs");
    ck_assert_str_eq(fo_json_str(entry, "name"), "Bad_Name");
    ck_assert_str_eq(fo_json_str(entry, "operation"), "CREATE");
    ck_assert_str_eq(fo_json_str(entry, "verdict"), "denied");
    ck_assert(json_is_number(json_object_get(entry, "latency_ms")));
    json_decref(entry);
    free(text);

    /* a deprecated value is allowed with a warning */
    json_t *old = fo_test_load_yaml("admission-flinkdeployment-deprecated-version.yaml");
    json_t *doc2 = review("33333333-2222-4333-8444-555555555555", "UPDATE", old, false);
    resp = admit(&w, "/validate", doc2, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_t *warnings = json_object_get(resp, "warnings");
    ck_assert_uint_ge(json_array_size(warnings), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(warnings, 0)), "deprecated"));
    reply_release(&r);
    json_decref(doc2);
    json_decref(old);

    /* the same invalid object being deleted: taking its finalizer off (oldObject has the same
     * generation: the spec did not change) is allowed untouched; it must not stay in
     * Terminating */
    json_t *meta = json_object_get(obj, "metadata");
    json_object_set_new(meta, "generation", json_integer(2));
    json_object_set_new(meta, "deletionTimestamp", json_string("2026-11-26T11:40:00Z"));
    json_object_set_new(meta, "finalizers", json_array());
    json_t *doc3 = review("44444444-2222-4333-8444-555555555555", "UPDATE", obj, false);
    resp = admit(&w, "/validate", doc3, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "status"));
    reply_release(&r);
    json_decref(doc3);
    json_decref(doc);
    json_decref(obj);
    webhook_stop(&w);
}
END_TEST

START_TEST(mutate_patches_a_copy_and_mutating_again_gives_nothing)
{
    webhook w;
    webhook_start(&w);
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = review("44444444-2222-4333-8444-555555555555", "CREATE", obj, false);
    reply r;
    json_t *resp = admit(&w, "/mutate", doc, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_t *mutated = apply_patch(resp, obj);
    char *first_patch = strdup(fo_json_str(resp, "patch"));
    reply_release(&r);
    /* documented defaults, and the cluster defaults file layered into both roles */
    ck_assert_str_eq(fo_json_get_str(mutated, "spec.job.state"), "running");
    ck_assert_str_eq(fo_json_str(fo_json_get(mutated, "spec.jobManager.podTemplate.metadata."
                                                      "labels"),
                                 "cost-center"),
                     "42");
    ck_assert_str_eq(fo_json_get_str(mutated, "spec.taskManager.podTemplate.spec."
                                              "priorityClassName"),
                     "flink-standard");
    ck_assert_str_eq(fo_json_get_str(mutated, "spec.job.jarURI"),
                     fo_json_get_str(obj, "spec.job.jarURI"));

    /* idempotent: the mutated object needs no patch */
    json_t *doc2 = review("55555555-2222-4333-8444-555555555555", "UPDATE", mutated, false);
    resp = admit(&w, "/mutate", doc2, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    ck_assert_ptr_null(json_object_get(resp, "patchType"));
    reply_release(&r);

    /* dryRun: the same patch */
    json_t *doc3 = review("66666666-2222-4333-8444-555555555555", "CREATE", obj, true);
    resp = admit(&w, "/mutate", doc3, &r);
    ck_assert_str_eq(fo_json_str(resp, "patch"), first_patch);
    reply_release(&r);

    /* session jobs get the target.session label */
    json_t *job = fo_test_load_yaml("admission-flinksessionjob-basic.yaml");
    json_t *doc4 = review("77777777-2222-4333-8444-555555555555", "CREATE", job, false);
    resp = admit(&w, "/mutate", doc4, &r);
    json_t *job2 = apply_patch(resp, job);
    ck_assert_str_eq(fo_json_str(fo_json_get(job2, "metadata.labels"), "target.session"),
                     "session-cluster");
    reply_release(&r);

    /* DELETE: allowed, no patch */
    json_t *del = review("88888888-2222-4333-8444-555555555555", "DELETE", obj, false);
    json_object_set_new(json_object_get(del, "request"), "object", json_null());
    resp = admit(&w, "/mutate", del, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    reply_release(&r);

    free(first_patch);
    json_decref(del);
    json_decref(job2);
    json_decref(doc4);
    json_decref(job);
    json_decref(doc3);
    json_decref(doc2);
    json_decref(mutated);
    json_decref(doc);
    json_decref(obj);
    webhook_stop(&w);
}
END_TEST

/* Expect a 400 (or code) Status whose message contains want. */
static void expect_error(webhook *w, const char *method, const char *path, const char *body,
                         size_t len, const char *ct, long code, const char *want)
{
    reply r;
    send_raw(w, method, path, body, len, ct, &r);
    ck_assert_msg(r.cc == CURLE_OK, "%s %s: curl %s", method, path, curl_easy_strerror(r.cc));
    ck_assert_msg(r.status == code, "%s %s: status %ld, want %ld (%s)", method, path, r.status,
                  code, r.body.data);
    ck_assert_msg(r.json != NULL, "%s %s: body is not JSON: %s", method, path, r.body.data);
    ck_assert_str_eq(fo_json_str(r.json, "kind"), "Status");
    ck_assert_int_eq(json_integer_value(json_object_get(r.json, "code")), code);
    const char *msg = fo_json_str(r.json, "message");
    ck_assert_msg(msg && strstr(msg, want), "%s %s: message \"%s\" lacks \"%s\"", method, path,
                  msg ? msg : "", want);
    reply_release(&r);
}

static char *doc_text(void (*edit)(json_t *))
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

static void v1beta1(json_t *d)
{
    json_object_set_new(d, "apiVersion", json_string("admission.k8s.io/v1beta1"));
}
static void conversion(json_t *d)
{
    json_object_set_new(d, "kind", json_string("ConversionReview"));
}
static void no_uid(json_t *d)
{
    json_object_del(json_object_get(d, "request"), "uid");
}
/* more in the object than the reader builds: a hundred KB of text */
static void too_many_values(json_t *d)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < FO_WH_JSON_MAX_WEIGHT; i++)
        json_array_append_new(a, json_integer(1));
    json_object_set_new(json_object_get(json_object_get(d, "request"), "object"), "extra", a);
}

START_TEST(every_bad_input_gets_a_clear_error_and_the_server_keeps_serving)
{
    webhook w;
    webhook_start(&w);
    /* 413: over the 7 MiB limit */
    size_t big_len = 7u * 1024 * 1024 + 1;
    char *big = malloc(big_len);
    memset(big, ' ', big_len);
    expect_error(&w, "POST", "/validate", big, big_len, "application/json", 413, "too large");
    free(big);
    /* 413 too: a small body whose object would build more values than the limit */
    char *t = doc_text(too_many_values);
    expect_error(&w, "POST", "/mutate", t, strlen(t), "application/json", 413,
                 "too large to check: request.object (without its managedFields) holds more "
                 "than 50000 JSON values");
    free(t);
    expect_error(&w, "POST", "/validate", "{\"apiVersion\":", 14, "application/json", 400,
                 "malformed JSON");
    t = doc_text(v1beta1);
    expect_error(&w, "POST", "/mutate", t, strlen(t), "application/json", 400, "apiVersion");
    free(t);
    t = doc_text(conversion);
    expect_error(&w, "POST", "/validate", t, strlen(t), "application/json", 400,
                 "kind: expected \"AdmissionReview\"");
    free(t);
    t = doc_text(no_uid);
    expect_error(&w, "POST", "/validate", t, strlen(t), "application/json", 400,
                 "request.uid: required");
    free(t);
    t = doc_text(NULL);
    expect_error(&w, "POST", "/validate", t, strlen(t), "text/plain", 400, "Content-Type");
    expect_error(&w, "POST", "/mutate", t, strlen(t), NULL, 400, "Content-Type");
    expect_error(&w, "GET", "/validate", NULL, 0, NULL, 400, "method GET");
    expect_error(&w, "PUT", "/mutate", t, strlen(t), "application/json", 400, "method PUT");
    expect_error(&w, "POST", "/nope", t, strlen(t), "application/json", 404, "/validate");
    /* still serving, and the answer to a good request is still right */
    reply r;
    send_raw(&w, "POST", "/validate", t, strlen(t), "application/json; charset=utf-8", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(fo_json_get_str(r.json, "response.uid"),
                     "7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b");
    reply_release(&r);
    free(t);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    ck_assert_int_eq(get_status(&w, "/healthz", w.ca->ca_cert, &body), 200);
    fo_strbuf_reset(&body);
    ck_assert_int_eq(get_status(&w, "/metrics", w.ca->ca_cert, &body), 200);
    ck_assert_ptr_nonnull(
        strstr(body.data, "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"bad_request\"}"));
    /* both 413s: the body over the limit (answered by the server), the value bound (/mutate) */
    ck_assert_ptr_nonnull(strstr(
        body.data, "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"too_large\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(
        body.data, "flinkop_webhook_requests_total{route=\"/mutate\",verdict=\"too_large\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(body.data, "flinkop_webhook_request_duration_seconds_bucket"));
    fo_strbuf_release(&body);
    webhook_stop(&w);
}
END_TEST

/* Poll until fn(w) is true (the webhook looks at its files once a second). */
static bool eventually(bool (*fn)(webhook *), webhook *w)
{
    for (int i = 0; i < 200; i++) {
        if (fn(w))
            return true;
        fo_test_sleep_ms(100);
    }
    return false;
}

static const char *g_ca2;
static bool serves_ca2(webhook *w)
{
    return get_status(w, "/healthz", g_ca2, NULL) == 200;
}

START_TEST(a_rotated_certificate_is_served_and_a_bad_one_refused)
{
    webhook w;
    webhook_start(&w);
    fo_testcerts *ca2 = fo_testcerts_new();
    g_ca2 = ca2->ca_cert;
    char *crt2, *key2, *crt3, *key3;
    fo_testcerts_issue(ca2, "rotated", NULL, &crt2, &key2);
    fo_testcerts_issue(ca2, "other", NULL, &crt3, &key3);
    ck_assert_int_eq(get_status(&w, "/healthz", ca2->ca_cert, NULL), 0); /* not trusted yet */

    /* a mismatched pair: refused, the old certificate keeps serving */
    publish_tls(&w, crt2, key3);
    for (int i = 0; i < 200 && !log_has(&w, "tls certificate change refused", NULL); i++)
        fo_test_sleep_ms(100);
    ck_assert(log_has(&w, "tls certificate change refused", "does not belong"));
    ck_assert_int_eq(get_status(&w, "/healthz", w.ca->ca_cert, NULL), 200);

    /* the good pair: picked up while serving */
    publish_tls(&w, crt2, key2);
    ck_assert(eventually(serves_ca2, &w));
    ck_assert_int_eq(get_status(&w, "/healthz", w.ca->ca_cert, NULL), 0);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    get_status(&w, "/metrics", ca2->ca_cert, &body);
    ck_assert_ptr_nonnull(
        strstr(body.data, "flinkop_webhook_tls_reloads_total{result=\"failure\"} 1"));
    ck_assert_ptr_nonnull(
        strstr(body.data, "flinkop_webhook_tls_reloads_total{result=\"success\"} 1"));
    fo_strbuf_release(&body);
    free(crt2);
    free(key2);
    free(crt3);
    free(key3);
    fo_testcerts_free(ca2);
    webhook_stop(&w);
}
END_TEST

static json_t *readyz(webhook *w)
{
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    long st = get_status(w, "/readyz", w->ca->ca_cert, &body);
    ck_assert_int_eq(st, 200);
    json_t *j = json_loads(body.data, 0, NULL);
    fo_strbuf_release(&body);
    ck_assert_ptr_nonnull(j);
    return j;
}

static bool is_degraded(webhook *w)
{
    json_t *j = readyz(w);
    bool d = json_is_true(json_object_get(j, "degraded"));
    json_decref(j);
    return d;
}

static bool is_healthy(webhook *w)
{
    return !is_degraded(w);
}

/* The cost-center label /mutate puts on the JobManager template now. */
static char *mutated_cost_center(webhook *w)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = review("99999999-2222-4333-8444-555555555555", "CREATE", obj, false);
    reply r;
    json_t *resp = admit(w, "/mutate", doc, &r);
    json_t *m = apply_patch(resp, obj);
    const char *v = fo_json_str(fo_json_get(m, "spec.jobManager.podTemplate.metadata.labels"),
                                "cost-center");
    char *out = strdup(v ? v : "");
    json_decref(m);
    reply_release(&r);
    json_decref(doc);
    json_decref(obj);
    return out;
}

static bool cost_center_is_7(webhook *w)
{
    char *v = mutated_cost_center(w);
    bool ok = strcmp(v, "7") == 0;
    free(v);
    return ok;
}

START_TEST(the_defaults_file_is_reloaded_and_a_broken_one_keeps_the_last_good)
{
    webhook w;
    webhook_start(&w);
    char *v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "42");
    free(v);

    /* a new good version */
    char *path = fo_test_data_path("admission-cluster-defaults.yaml");
    char *text = read_text(path);
    free(path);
    char *seven = strdup(text);
    char *p = strstr(seven, "\"42\"");
    memcpy(p, "\"7\" ", 4);
    char tmpfile[600];
    snprintf(tmpfile, sizeof tmpfile, "%s/defaults-7.yaml", w.dir);
    fo_test_write_file(tmpfile, seven);
    const char *names[] = {"defaults.yaml"};
    const char *src[] = {tmpfile};
    publish(&w, w.cfg_dir, names, src, 1);
    ck_assert(eventually(cost_center_is_7, &w));
    ck_assert(!is_degraded(&w));

    /* a broken version: the last good defaults stay, the log and /readyz say so */
    publish_defaults(&w, "admission-cluster-defaults-broken.yaml");
    ck_assert(eventually(is_degraded, &w));
    json_t *j = readyz(&w);
    ck_assert_str_eq(fo_json_str(j, "status"), "degraded");
    const char *err = fo_json_get_str(j, "defaults.error");
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "podTemplate"));
    json_decref(j);
    ck_assert(log_has(&w, "cluster defaults not reloaded", "podTemplate"));
    v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "7");
    free(v);

    /* fixed again */
    publish_defaults(&w, "admission-cluster-defaults.yaml");
    ck_assert(eventually(is_healthy, &w));
    v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "42");
    free(v);
    free(text);
    free(seven);
    webhook_stop(&w);
}
END_TEST

/* A request whose body arrives in two parts, the second only when `go` is set: the first
 * ends at stall_at (0: half the body). */
struct slow_upload {
    webhook *w;
    const char *body;
    size_t len, off, stall_at;
    atomic_int half_sent;
    atomic_int go;
    reply r;
};

static size_t slow_read(char *buf, size_t size, size_t n, void *ud)
{
    struct slow_upload *u = ud;
    size_t half = u->stall_at ? u->stall_at : u->len / 2;
    if (u->off >= half && !atomic_load(&u->go)) {
        atomic_store(&u->half_sent, 1);
        for (int i = 0; i < 3000 && !atomic_load(&u->go); i++)
            fo_test_sleep_ms(10);
    }
    size_t end = u->off < half ? half : u->len;
    size_t want = size * n;
    if (want > end - u->off)
        want = end - u->off;
    memcpy(buf, u->body + u->off, want);
    u->off += want;
    return want;
}

static void *slow_run(void *arg)
{
    struct slow_upload *u = arg;
    fo_strbuf_init(&u->r.body, 0);
    CURL *c = client(u->w, "/validate", u->w->ca->ca_cert, &u->r.body);
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->len);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, slow_read);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    u->r.cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &u->r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    u->r.json = json_loadb(u->r.body.data, u->r.body.len, 0, NULL);
    return NULL;
}

static bool port_refuses(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    close(fd);
    return rc != 0 && e == ECONNREFUSED;
}

START_TEST(sigterm_finishes_the_request_in_flight_and_exits_zero)
{
    webhook w;
    webhook_start(&w);
    char *t = doc_text(NULL);
    struct slow_upload u = {.w = &w, .body = t, .len = strlen(t)};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, slow_run, &u), 0);
    for (int i = 0; i < 3000 && !atomic_load(&u.half_sent); i++)
        fo_test_sleep_ms(10);
    ck_assert(atomic_load(&u.half_sent));
    fo_test_sleep_ms(200); /* let the first half reach the server */
    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    /* it stops accepting */
    bool refused = false;
    for (int i = 0; i < 300 && !refused; i++) {
        refused = port_refuses(w.port);
        if (!refused)
            fo_test_sleep_ms(10);
    }
    ck_assert(refused);
    atomic_store(&u.go, 1);
    pthread_join(th, NULL);
    ck_assert_msg(u.r.cc == CURLE_OK, "curl: %s", curl_easy_strerror(u.r.cc));
    ck_assert_int_eq(u.r.status, 200);
    ck_assert_str_eq(fo_json_get_str(u.r.json, "response.uid"),
                     "7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b");
    reply_release(&u.r);
    int status = fo_test_stop(w.pid, 0, 20000);
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "exit status %d", status);
    w.pid = 0;
    free(t);
    webhook_stop(&w);
}
END_TEST

/* Poll /metrics (into metrics) until flinkop_webhook_held_bytes is within [lo, hi]. */
static bool held_reaches(webhook *w, fo_strbuf *metrics, double lo, double hi)
{
    for (int i = 0; i < 100; i++) {
        fo_strbuf_reset(metrics);
        ck_assert_int_eq(get_status(w, "/metrics", w->ca->ca_cert, metrics), 200);
        const char *g = strstr(metrics->data, "\nflinkop_webhook_held_bytes ");
        double v = g ? strtod(g + strlen("\nflinkop_webhook_held_bytes "), NULL) : -1;
        if (v >= lo && v <= hi)
            return true;
        fo_test_sleep_ms(50);
    }
    return false;
}

START_TEST(bodies_past_the_bound_get_429_until_the_held_ones_are_done)
{
    webhook w;
    webhook_start(&w);
    /* three uploads of the largest body, stalled a little past 4 MiB: a large body counts page
     * by page as it arrives, 12 MiB of the 16. (They must go on within the webhook's 10 s
     * request timeout.) */
    size_t big = FO_ADMISSION_MAX_BODY;
    char *spaces = malloc(big);
    memset(spaces, ' ', big);
    struct slow_upload u[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        memset(&u[i], 0, sizeof u[i]);
        u[i].w = &w;
        u[i].body = spaces;
        u[i].len = big;
        u[i].stall_at = 4u * 1024 * 1024 + 4096;
        ck_assert_int_eq(pthread_create(&th[i], NULL, slow_run, &u[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 3000 && !atomic_load(&u[i].half_sent); k++)
            fo_test_sleep_ms(10);
        ck_assert(atomic_load(&u[i].half_sent));
    }
    /* until the server has read them: 12 MiB held */
    fo_strbuf metrics;
    fo_strbuf_init(&metrics, 0);
    ck_assert_msg(held_reaches(&w, &metrics, 3.0 * 4 * 1024 * 1024, INFINITY), "%s",
                  strstr(metrics.data, "flinkop_webhook_held_bytes"));
    /* a fourth large review does not fit (past 4 MiB of it): the rest of its body is read and
     * dropped, then 429 */
    expect_error(&w, "POST", "/validate", spaces, big, "application/json", 429,
                 "at most 16777216 bytes of request bodies");
    /* an ordinary review still fits */
    char *t = doc_text(NULL);
    reply r;
    send_raw(&w, "POST", "/validate", t, strlen(t), "application/json", &r);
    ck_assert_int_eq(r.status, 200);
    reply_release(&r);
    /* going on, they pass the bound themselves, and large reviews are handled one at a time:
     * each gets 400 (all spaces: not a review) or 429 */
    for (int i = 0; i < 3; i++)
        atomic_store(&u[i].go, 1);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(u[i].r.status == 400 || u[i].r.status == 429, "status %ld",
                      u[i].r.status);
        reply_release(&u[i].r);
    }
    /* their bytes are given back: the fourth now gets as far as being read */
    expect_error(&w, "POST", "/validate", spaces, big, "application/json", 400,
                 "malformed JSON");
    /* the 429s show in the metrics, and the bytes held (none, once the last answer is sent) */
    ck_assert(held_reaches(&w, &metrics, 0, 0));
    ck_assert_ptr_nonnull(
        strstr(metrics.data, "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"busy\"}"));
    fo_strbuf_release(&metrics);
    free(t);
    free(spaces);
    webhook_stop(&w);
}
END_TEST

static bool is_unready(webhook *w)
{
    return get_status(w, "/readyz", w->ca->ca_cert, NULL) == 503;
}

/* --shutdown-delay: after SIGTERM the pod is reported not ready but goes on answering (the
 * API server's connections and the Service's endpoints catch up meanwhile), each answer
 * closing its connection; a second SIGTERM ends the delay. A long delay, so that a loaded
 * machine has all the time it needs inside it. */
START_TEST(a_shutdown_delay_serves_unready_and_a_second_sigterm_ends_it)
{
    webhook w;
    setenv("FLINKOP_SHUTDOWN_DELAY", "120s", 1);
    webhook_start(&w);
    unsetenv("FLINKOP_SHUTDOWN_DELAY");
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = review("55555555-2222-4333-8444-555555555555", "CREATE", obj, false);
    reply r;
    json_t *resp = admit(&w, "/validate", doc, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(strcasestr(r.headers.data, "Connection: close")); /* the control */
    reply_release(&r);

    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    ck_assert(eventually(is_unready, &w));
    resp = admit(&w, "/validate", doc, &r); /* still answered: the port did not close */
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_nonnull(strcasestr(r.headers.data, "Connection: close"));
    reply_release(&r);
    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    int status = fo_test_stop(w.pid, 0, 20000); /* long before 120 s */
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d",
                  status);
    w.pid = 0;
    webhook_stop(&w);
    json_decref(doc);
    json_decref(obj);
}
END_TEST

/* Without a second signal the delay ends by itself, and the process exits 0. */
START_TEST(a_shutdown_delay_ends_by_itself)
{
    webhook w;
    setenv("FLINKOP_SHUTDOWN_DELAY", "1", 1);
    webhook_start(&w);
    unsetenv("FLINKOP_SHUTDOWN_DELAY");
    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    int status = fo_test_stop(w.pid, 0, 20000);
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d",
                  status);
    ck_assert(log_has(&w, "shutdown delay over", NULL));
    w.pid = 0;
    webhook_stop(&w);
}
END_TEST

START_TEST(bad_flags_and_files_stop_the_start_with_a_message)
{
    char *bin = fo_test_bin_path("flinkop-webhook");
    char *dir = fo_test_mkdtemp();
    char log[600];
    snprintf(log, sizeof log, "%s/out.log", dir);
    char *a1[] = {bin, "--port", "99999", "--plain-http", NULL};
    pid_t pid = fo_test_spawn(a1, log);
    int st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    char *a2[] = {bin, "--port", "0", NULL}; /* no TLS material and no --plain-http */
    pid = fo_test_spawn(a2, log);
    st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    char *a3[] = {bin, "--tls-cert", "/nonexistent.crt", "--tls-key", "/nonexistent.key", NULL};
    pid = fo_test_spawn(a3, log);
    st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *broken = fo_test_data_path("admission-cluster-defaults-broken.yaml");
    char *a4[] = {bin, "--plain-http", "--port", "0", "--bind-address", "127.0.0.1",
                  "--defaults", broken, NULL};
    pid = fo_test_spawn(a4, log);
    st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *text = read_text(log);
    ck_assert_ptr_nonnull(strstr(text, "--port: 99999"));
    ck_assert_ptr_nonnull(strstr(text, "--tls-cert and --tls-key are required"));
    ck_assert_ptr_nonnull(strstr(text, "/nonexistent.crt"));
    ck_assert_ptr_nonnull(strstr(text, "admission-cluster-defaults-broken.yaml"));
    free(text);
    free(broken);
    fo_test_rmdir(dir);
    free(dir);
    free(bin);
}
END_TEST

int main(void)
{
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("webhook");
    TCase *tc = tcase_create("webhook");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_valid_deployment_is_allowed_and_the_uid_echoed);
    tcase_add_test(tc, an_invalid_deployment_is_denied_with_every_message);
    tcase_add_test(tc, mutate_patches_a_copy_and_mutating_again_gives_nothing);
    tcase_add_test(tc, every_bad_input_gets_a_clear_error_and_the_server_keeps_serving);
    tcase_add_test(tc, bodies_past_the_bound_get_429_until_the_held_ones_are_done);
    tcase_add_test(tc, a_rotated_certificate_is_served_and_a_bad_one_refused);
    tcase_add_test(tc, the_defaults_file_is_reloaded_and_a_broken_one_keeps_the_last_good);
    tcase_add_test(tc, sigterm_finishes_the_request_in_flight_and_exits_zero);
    tcase_add_test(tc, a_shutdown_delay_serves_unready_and_a_second_sigterm_ends_it);
    tcase_add_test(tc, a_shutdown_delay_ends_by_itself);
    tcase_add_test(tc, bad_flags_and_files_stop_the_start_with_a_message);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
