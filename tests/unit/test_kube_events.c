/* Event recorder against a stub API server (httpd) that records what it is sent and keeps the
 * Events it is given with the API server's rules for them (kube-api-semantics.md §3, §4):
 * a create of a name that exists is 409 AlreadyExists, a merge patch that names another
 * resourceVersion than the stored one is 409 Conflict, a missing Event is 404, and every write
 * gives a new resourceVersion. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/httpd.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/kube_events.h"
#include "tests/support/testutil.h"

#define MAX_REQS 64
#define EVENTS "/api/v1/namespaces/"

struct stub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
    char method[MAX_REQS][8];
    char path[MAX_REQS][320];
    char content_type[MAX_REQS][64];
    json_t *body[MAX_REQS];
    json_t *store;    /* request path of an Event -> the Event */
    int rv;           /* the last resourceVersion given */
    int patch_status; /* forced answer to PATCH; 0 = the store's */
    int post_status;  /* forced answer to POST; 0 = the store's */
    bool hold;        /* block requests until released */
    int entered;      /* requests that reached the handler */
};

static struct stub stub;

static void answer_status(fo_http_response *resp, int code, const char *reason)
{
    char text[300];
    snprintf(text, sizeof text,
             "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
             "\"reason\":\"%s\",\"code\":%d,\"message\":\"%s\"}",
             reason, code, reason);
    fo_http_response_text(resp, code, "application/json", text);
}

static void stamp(json_t *e)
{
    char rv[16];
    snprintf(rv, sizeof rv, "%d", ++stub.rv);
    json_object_set_new(fo_json_ensure_object(e, "metadata"), "resourceVersion", json_string(rv));
}

/* The store's answer (lock held). */
static void serve(const fo_http_request *req, json_t *body, fo_http_response *resp)
{
    const char *m = req->method;
    if (strcmp(m, "POST") == 0) {
        if (stub.post_status) {
            answer_status(resp, stub.post_status, "NotFound");
            return;
        }
        char key[400];
        snprintf(key, sizeof key, "%s/%s", req->path, fo_json_get_str(body, "metadata.name"));
        if (json_object_get(stub.store, key)) {
            answer_status(resp, 409, "AlreadyExists");
            return;
        }
        json_t *e = json_deep_copy(body);
        stamp(e);
        json_object_set_new(stub.store, key, e);
        fo_http_response_json(resp, 201, e);
        return;
    }
    json_t *cur = json_object_get(stub.store, req->path);
    if (strcmp(m, "PATCH") == 0 && stub.patch_status) {
        answer_status(resp, stub.patch_status, stub.patch_status == 409 ? "Conflict" : "NotFound");
    } else if (!cur) {
        answer_status(resp, 404, "NotFound");
    } else if (strcmp(m, "GET") == 0) {
        fo_http_response_json(resp, 200, cur);
    } else if (strcmp(m, "PATCH") == 0) {
        const char *want = fo_json_get_str(body, "metadata.resourceVersion");
        if (want && strcmp(want, fo_json_get_str(cur, "metadata.resourceVersion")) != 0) {
            answer_status(resp, 409, "Conflict");
            return;
        }
        json_t *next = fo_json_merge_patch_apply(cur, body);
        stamp(next);
        json_object_set_new(stub.store, req->path, next);
        fo_http_response_json(resp, 200, next);
    } else {
        answer_status(resp, 405, "MethodNotAllowed");
    }
}

static void handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    (void)ctx;
    pthread_mutex_lock(&stub.mu);
    stub.entered++;
    pthread_cond_broadcast(&stub.cv);
    while (stub.hold)
        pthread_cond_wait(&stub.cv, &stub.mu);
    int i = stub.n < MAX_REQS ? stub.n++ : MAX_REQS - 1;
    json_decref(stub.body[i]);
    snprintf(stub.method[i], sizeof stub.method[i], "%s", req->method);
    snprintf(stub.path[i], sizeof stub.path[i], "%s", req->path);
    const char *ct = fo_http_request_header(req, "Content-Type");
    snprintf(stub.content_type[i], sizeof stub.content_type[i], "%s", ct ? ct : "");
    json_error_t jerr;
    stub.body[i] = req->body_len ? json_loadb(req->body, req->body_len, 0, &jerr) : NULL;
    serve(req, stub.body[i], resp);
    pthread_mutex_unlock(&stub.mu);
}

/* The stored Event at a request path (borrowed; NULL when there is none). */
static json_t *stored(const char *path)
{
    return json_object_get(stub.store, path);
}

static int64_t count_of(const json_t *e)
{
    return json_integer_value(json_object_get(e, "count"));
}

struct env {
    fo_httpd *srv;
    char *dir;
    fo_kube_config *cfg;
    fo_kube_client *kc;
    fo_clock *clk;
    fo_kube_events *ev;
};

/* A recorder on e's client, as a controller process would start one. */
static fo_kube_events *recorder(struct env *e, size_t queue_size, size_t cache_size)
{
    fo_err err;
    fo_kube_events_opts eo = {.kc = e->kc,
                              .component = "flinkop",
                              .instance = "flinkop-0",
                              .clock = e->clk,
                              .queue_size = queue_size,
                              .cache_size = cache_size};
    fo_kube_events *ev = fo_kube_events_new(&eo, &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    return ev;
}

static void env_start(struct env *e, size_t queue_size, size_t cache_size)
{
    memset(&stub, 0, sizeof stub);
    pthread_mutex_init(&stub.mu, NULL);
    pthread_cond_init(&stub.cv, NULL);
    stub.store = json_object();
    fo_err err;
    fo_httpd_opts ho = {.bind_addr = "127.0.0.1", .handler = handler};
    e->srv = fo_httpd_start(&ho, &err);
    ck_assert_msg(e->srv != NULL, "%s", err.message);
    e->dir = fo_test_mkdtemp();
    char *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", e->dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                              "users: [{name: u, user: {token: t0k}}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
                              fo_httpd_port(e->srv)),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts co = {.kubeconfig = path};
    e->cfg = fo_kube_config_from_kubeconfig(&co, &err);
    ck_assert_msg(e->cfg != NULL, "%s", err.message);
    e->kc = fo_kube_client_new(e->cfg, NULL, &err);
    ck_assert_ptr_nonnull(e->kc);
    e->clk = fo_clock_fake_new(1776676502000LL); /* 2026-04-20T09:15:02Z */
    e->ev = recorder(e, queue_size, cache_size);
    free(path);
    free(text);
}

static void env_stop(struct env *e)
{
    fo_kube_events_free(e->ev);
    fo_kube_client_free(e->kc);
    fo_kube_config_free(e->cfg);
    fo_httpd_stop(e->srv);
    fo_clock_free(e->clk);
    fo_test_rmdir(e->dir);
    free(e->dir);
    for (int i = 0; i < MAX_REQS; i++)
        json_decref(stub.body[i]);
    json_decref(stub.store);
}

static json_t *deployment(const char *ns, const char *name)
{
    return json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s}}", "apiVersion", "flink.apache.org/v1beta1",
                     "kind", "FlinkDeployment", "metadata", "name", name, "namespace", ns, "uid",
                     "0b1c2d3e-aaaa-bbbb-cccc-111122223333", "resourceVersion", "42");
}

/* The path of the Event that request i created. */
static void event_path(int i, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", stub.path[i], fo_json_get_str(stub.body[i], "metadata.name"));
}

START_TEST(first_event_is_created_with_the_core_v1_shape)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "SpecChanged", "spec changed: %s",
                          "parallelism 2 -> 4");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 1);
    ck_assert_str_eq(stub.method[0], "POST");
    ck_assert_str_eq(stub.path[0], "/api/v1/namespaces/jobs/events");
    json_t *b = stub.body[0];
    ck_assert_str_eq(fo_json_str(b, "apiVersion"), "v1");
    ck_assert_str_eq(fo_json_str(b, "kind"), "Event");
    /* "<object name>.<16 hex digits of the identity's hash>" (common/kube_event_name.h) */
    const char *name = fo_json_get_str(b, "metadata.name");
    ck_assert(strncmp(name, "basic-example.", 14) == 0);
    ck_assert_uint_eq(strlen(name), 14 + 16);
    ck_assert_uint_eq(strspn(name + 14, "0123456789abcdef"), 16);
    ck_assert_str_eq(fo_json_get_str(b, "metadata.namespace"), "jobs");
    ck_assert_str_eq(fo_json_get_str(b, "involvedObject.kind"), "FlinkDeployment");
    ck_assert_str_eq(fo_json_get_str(b, "involvedObject.apiVersion"), "flink.apache.org/v1beta1");
    ck_assert_str_eq(fo_json_get_str(b, "involvedObject.name"), "basic-example");
    ck_assert_str_eq(fo_json_get_str(b, "involvedObject.namespace"), "jobs");
    ck_assert_str_eq(fo_json_get_str(b, "involvedObject.uid"),
                     "0b1c2d3e-aaaa-bbbb-cccc-111122223333");
    ck_assert_str_eq(fo_json_get_str(b, "involvedObject.resourceVersion"), "42");
    ck_assert_str_eq(fo_json_str(b, "reason"), "SpecChanged");
    ck_assert_str_eq(fo_json_str(b, "message"), "spec changed: parallelism 2 -> 4");
    ck_assert_str_eq(fo_json_str(b, "type"), "Normal");
    ck_assert_str_eq(fo_json_get_str(b, "source.component"), "flinkop");
    ck_assert_str_eq(fo_json_str(b, "reportingComponent"), "flinkop");
    ck_assert_str_eq(fo_json_str(b, "reportingInstance"), "flinkop-0");
    ck_assert_str_eq(fo_json_str(b, "firstTimestamp"), "2026-04-20T09:15:02Z");
    ck_assert_str_eq(fo_json_str(b, "lastTimestamp"), "2026-04-20T09:15:02Z");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "count")), 1);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

START_TEST(repeats_patch_count_and_last_timestamp)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    fo_clock_fake_advance(e.clk, 60000);
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    fo_clock_fake_advance(e.clk, 60000);
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 3);
    char want[320];
    event_path(0, want, sizeof want);
    ck_assert_str_eq(stub.method[1], "PATCH");
    ck_assert_str_eq(stub.path[1], want);
    ck_assert_str_eq(stub.content_type[1], "application/merge-patch+json");
    ck_assert_int_eq(json_integer_value(json_object_get(stub.body[1], "count")), 2);
    ck_assert_str_eq(fo_json_str(stub.body[1], "lastTimestamp"), "2026-04-20T09:16:02Z");
    /* each bump names the resourceVersion it counted from: the create's, then its own */
    ck_assert_str_eq(fo_json_get_str(stub.body[1], "metadata.resourceVersion"), "1");
    ck_assert_str_eq(stub.path[2], want);
    ck_assert_int_eq(json_integer_value(json_object_get(stub.body[2], "count")), 3);
    ck_assert_str_eq(fo_json_str(stub.body[2], "lastTimestamp"), "2026-04-20T09:17:02Z");
    ck_assert_str_eq(fo_json_get_str(stub.body[2], "metadata.resourceVersion"), "2");
    ck_assert_int_eq(count_of(stored(want)), 3);
    ck_assert_str_eq(fo_json_str(stored(want), "firstTimestamp"), "2026-04-20T09:15:02Z");
    /* another message is another event */
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed again");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_str_eq(stub.method[3], "POST");
    fo_kube_events_stats st;
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_uint_eq(st.patched, 2);
    ck_assert_uint_eq(st.failed, 0);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

/* The Apache operator names the part of itself an Event comes from in source.component
 * (EventRecorder.Component: Operator, JobManagerDeployment, Job) and makes the component part
 * of the Event's identity (EventUtils.generateEventName): `kubectl get events
 * --field-selector source=JobManagerDeployment` finds them; reportingComponent stays ours. */
START_TEST(the_component_is_the_events_source_and_part_of_its_identity)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    fo_kube_events_record_as(e.ev, fd, "JobManagerDeployment", FO_EVENT_WARNING, "Missing",
                             "gone");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 1);
    ck_assert_str_eq(fo_json_get_str(stub.body[0], "source.component"), "JobManagerDeployment");
    ck_assert_str_eq(fo_json_str(stub.body[0], "reportingComponent"), "flinkop");
    ck_assert_str_eq(fo_json_str(stub.body[0], "reportingInstance"), "flinkop-0");
    /* the same reason and message from the job is another Event */
    fo_kube_events_record_as(e.ev, fd, "Job", FO_EVENT_WARNING, "Missing", "gone");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 2);
    ck_assert_str_eq(stub.method[1], "POST");
    ck_assert_str_eq(fo_json_get_str(stub.body[1], "source.component"), "Job");
    /* a repeat of the first bumps the first */
    fo_kube_events_record_as(e.ev, fd, "JobManagerDeployment", FO_EVENT_WARNING, "Missing",
                             "gone");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 3);
    ck_assert_str_eq(stub.method[2], "PATCH");
    char want[320];
    event_path(0, want, sizeof want);
    ck_assert_str_eq(stub.path[2], want);
    /* no component: the recorder's */
    fo_kube_events_record_as(e.ev, fd, NULL, FO_EVENT_NORMAL, "Seen", "x");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_str_eq(fo_json_get_str(stub.body[3], "source.component"), "flinkop");
    json_decref(fd);
    env_stop(&e);
}
END_TEST

/* Every part of the identity names the Event: the same identity gets the same name in another
 * recorder (a restarted process), any change another name. An object deleted and created
 * again under its name has another uid: its Events are its own. */
START_TEST(the_name_follows_the_identity)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    json_t *again = deployment("jobs", "basic-example");
    json_object_set_new(json_object_get(again, "metadata"), "uid",
                        json_string("0b1c2d3e-aaaa-bbbb-cccc-444455556666"));
    fo_kube_events_record_as(e.ev, fd, "Job", FO_EVENT_WARNING, "Missing", "gone");
    fo_kube_events_record_as(e.ev, again, "Job", FO_EVENT_WARNING, "Missing", "gone");
    fo_kube_events_record_as(e.ev, fd, "Operator", FO_EVENT_WARNING, "Missing", "gone");
    fo_kube_events_record_as(e.ev, fd, "Job", FO_EVENT_NORMAL, "Missing", "gone");
    fo_kube_events_record_as(e.ev, fd, "Job", FO_EVENT_WARNING, "Lost", "gone");
    fo_kube_events_record_as(e.ev, fd, "Job", FO_EVENT_WARNING, "Missing", "gone!");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(stub.method[i], "POST");
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(fo_json_get_str(stub.body[i], "metadata.name"),
                             fo_json_get_str(stub.body[j], "metadata.name"));
    }
    /* the object of the same name and another uid: its own Event, count 1 */
    ck_assert_str_eq(fo_json_get_str(stub.body[1], "involvedObject.uid"),
                     "0b1c2d3e-aaaa-bbbb-cccc-444455556666");
    /* a new recorder, later, picks the same name for the same identity */
    fo_clock_fake_advance(e.clk, 60000);
    fo_kube_events *other = recorder(&e, 0, 0);
    fo_kube_events_record_as(other, fd, "Job", FO_EVENT_WARNING, "Missing", "gone");
    ck_assert(fo_kube_events_flush(other, 10000));
    ck_assert_str_eq(stub.method[6], "POST");
    ck_assert_str_eq(fo_json_get_str(stub.body[6], "metadata.name"),
                     fo_json_get_str(stub.body[0], "metadata.name"));
    fo_kube_events_free(other);
    json_decref(again);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

/* A restarted controller (or the replica that takes the lease) counts a repeat into the Event
 * the earlier process wrote: its create of the same name is refused, it reads the Event back
 * and bumps it from the count and resourceVersion it read. */
START_TEST(a_restarted_recorder_counts_into_the_event_written_before)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    fo_kube_events_free(e.ev);
    char path[320];
    event_path(0, path, sizeof path);
    ck_assert_int_eq(count_of(stored(path)), 2);
    fo_clock_fake_advance(e.clk, 60000);
    e.ev = recorder(&e, 0, 0);
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 5);
    ck_assert_str_eq(stub.method[2], "POST");
    ck_assert_str_eq(stub.path[2], "/api/v1/namespaces/jobs/events");
    ck_assert_str_eq(fo_json_get_str(stub.body[2], "metadata.name"),
                     fo_json_get_str(stub.body[0], "metadata.name"));
    ck_assert_str_eq(stub.method[3], "GET");
    ck_assert_str_eq(stub.path[3], path);
    ck_assert_str_eq(stub.method[4], "PATCH");
    ck_assert_str_eq(stub.path[4], path);
    ck_assert_int_eq(json_integer_value(json_object_get(stub.body[4], "count")), 3);
    ck_assert_str_eq(fo_json_get_str(stub.body[4], "metadata.resourceVersion"), "2");
    ck_assert_int_eq(json_object_size(stub.store), 1);
    ck_assert_int_eq(count_of(stored(path)), 3);
    ck_assert_str_eq(fo_json_str(stored(path), "lastTimestamp"), "2026-04-20T09:16:02Z");
    ck_assert_str_eq(fo_json_str(stored(path), "firstTimestamp"), "2026-04-20T09:15:02Z");
    /* from then on the recorder knows it: one PATCH */
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 6);
    ck_assert_str_eq(stub.method[5], "PATCH");
    ck_assert_int_eq(count_of(stored(path)), 4);
    fo_kube_events_stats st;
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.created, 0);
    ck_assert_uint_eq(st.patched, 2);
    ck_assert_uint_eq(st.failed, 0);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

/* What the recorder remembers is only a guess: when another process counted into the Event
 * meanwhile (two replicas around a leader hand-over), the bump from the remembered
 * resourceVersion is refused, and the recorder reads the Event and counts on from there. */
START_TEST(a_count_made_elsewhere_is_read_again_and_never_overwritten)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    char path[320];
    event_path(0, path, sizeof path);
    /* the other replica counted four more */
    pthread_mutex_lock(&stub.mu);
    json_object_set_new(stored(path), "count", json_integer(5));
    stamp(stored(path));
    pthread_mutex_unlock(&stub.mu);
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 4);
    ck_assert_str_eq(stub.method[1], "PATCH");
    ck_assert_str_eq(fo_json_get_str(stub.body[1], "metadata.resourceVersion"), "1");
    ck_assert_str_eq(stub.method[2], "GET");
    ck_assert_str_eq(stub.method[3], "PATCH");
    ck_assert_str_eq(fo_json_get_str(stub.body[3], "metadata.resourceVersion"), "2");
    ck_assert_int_eq(count_of(stored(path)), 6);
    fo_kube_events_stats st;
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.patched, 1);
    ck_assert_uint_eq(st.failed, 0);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

/* An Event under the name with another identity (a hash collision, or someone else's Event)
 * is left alone: the recorder takes the identity's next name. */
START_TEST(a_name_that_holds_another_event_is_left_alone)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "basic-example");
    fo_kube_events_record(e.ev, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    char path[320];
    event_path(0, path, sizeof path);
    pthread_mutex_lock(&stub.mu);
    json_object_set_new(stored(path), "message", json_string("someone else's"));
    pthread_mutex_unlock(&stub.mu);
    fo_kube_events *other = recorder(&e, 0, 0);
    fo_kube_events_record(other, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    fo_kube_events_record(other, fd, FO_EVENT_WARNING, "JobFailed", "job failed");
    ck_assert(fo_kube_events_flush(other, 10000));
    ck_assert_int_eq(stub.n, 5);
    ck_assert_str_eq(stub.method[1], "POST");
    ck_assert_str_eq(stub.method[2], "GET");
    ck_assert_str_eq(stub.method[3], "POST");
    const char *next = fo_json_get_str(stub.body[3], "metadata.name");
    ck_assert(strncmp(next, "basic-example.", 14) == 0);
    ck_assert_str_ne(next, fo_json_get_str(stub.body[0], "metadata.name"));
    ck_assert_str_eq(stub.method[4], "PATCH");
    ck_assert_int_eq(count_of(stored(path)), 1);
    ck_assert_str_eq(fo_json_str(stored(path), "message"), "someone else's");
    char mine[320];
    event_path(3, mine, sizeof mine);
    ck_assert_int_eq(count_of(stored(mine)), 2);
    ck_assert_str_eq(fo_json_str(stored(mine), "message"), "job failed");
    fo_kube_events_free(other);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

START_TEST(an_expired_event_is_created_again)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "x");
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "Ready", "ready");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    char path[320];
    event_path(0, path, sizeof path);
    pthread_mutex_lock(&stub.mu);
    json_object_del(stub.store, path); /* its time to live ran out */
    pthread_mutex_unlock(&stub.mu);
    fo_clock_fake_advance(e.clk, 3600 * 1000);
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "Ready", "ready");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_eq(stub.n, 3);
    ck_assert_str_eq(stub.method[1], "PATCH");
    ck_assert_str_eq(stub.method[2], "POST");
    ck_assert_int_eq(json_integer_value(json_object_get(stub.body[2], "count")), 1);
    ck_assert_str_eq(fo_json_str(stub.body[2], "firstTimestamp"), "2026-04-20T10:15:02Z");
    ck_assert_str_eq(fo_json_get_str(stub.body[2], "metadata.name"),
                     fo_json_get_str(stub.body[0], "metadata.name"));
    /* the next repeat bumps the new one */
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "Ready", "ready");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_str_eq(stub.method[3], "PATCH");
    ck_assert_str_eq(stub.path[3], path);
    ck_assert_int_eq(json_integer_value(json_object_get(stub.body[3], "count")), 2);
    ck_assert_int_eq(count_of(stored(path)), 2);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

/* The LRU only saves requests: an event it forgot is still counted into its Event. */
START_TEST(an_event_the_lru_forgot_is_still_counted)
{
    struct env e;
    env_start(&e, 0, 2);
    json_t *a = deployment("jobs", "a"), *b = deployment("jobs", "b"), *c = deployment("jobs", "c");
    fo_kube_events_record(e.ev, a, FO_EVENT_NORMAL, "R", "m");
    fo_kube_events_record(e.ev, b, FO_EVENT_NORMAL, "R", "m");
    fo_kube_events_record(e.ev, a, FO_EVENT_NORMAL, "R", "m"); /* a is now the newest */
    fo_kube_events_record(e.ev, c, FO_EVENT_NORMAL, "R", "m"); /* evicts b */
    fo_kube_events_record(e.ev, b, FO_EVENT_NORMAL, "R", "m"); /* read back, evicts a */
    fo_kube_events_record(e.ev, a, FO_EVENT_NORMAL, "R", "m"); /* read back */
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    const char *want[] = {"POST", "POST",  "PATCH", "POST", "POST",
                          "GET",  "PATCH", "POST",  "GET",  "PATCH"};
    ck_assert_int_eq(stub.n, 10);
    for (int i = 0; i < 10; i++)
        ck_assert_msg(strcmp(stub.method[i], want[i]) == 0, "request %d: %s", i, stub.method[i]);
    char pa[320], pb[320], pc[320];
    event_path(0, pa, sizeof pa);
    event_path(1, pb, sizeof pb);
    event_path(3, pc, sizeof pc);
    ck_assert_int_eq(json_object_size(stub.store), 3);
    ck_assert_int_eq(count_of(stored(pa)), 3);
    ck_assert_int_eq(count_of(stored(pb)), 2);
    ck_assert_int_eq(count_of(stored(pc)), 1);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    env_stop(&e);
}
END_TEST

/* An API server that keeps refusing costs an event a bounded number of requests, and the
 * event is counted as failed, never retried for ever. */
START_TEST(an_event_takes_a_bounded_number_of_requests)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *fd = deployment("jobs", "x");
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "Ready", "ready");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    stub.patch_status = 409; /* every bump conflicts */
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "Ready", "ready");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_int_le(stub.n - 1, 8);
    ck_assert_int_ge(stub.n - 1, 3); /* a bump, a read, a bump at least */
    fo_kube_events_stats st;
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.failed, 1);
    ck_assert_uint_eq(st.patched, 0);
    /* the recorder is not stuck: the next event is written */
    stub.patch_status = 0;
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "Ready", "ready");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    char path[320];
    event_path(0, path, sizeof path);
    ck_assert_int_eq(count_of(stored(path)), 2);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

START_TEST(cluster_scoped_objects_get_events_in_default_and_long_messages_are_cut)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *ns = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "v1", "kind", "Namespace",
                           "metadata", "name", "jobs", "uid", "u-1");
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    memcpy(big + 1023, "\xc3\xa9", 2); /* a two-byte character across the 1024 limit */
    big[sizeof big - 1] = '\0';
    fo_kube_events_record(e.ev, ns, FO_EVENT_NORMAL, "Seen", "%s", big);
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    ck_assert_str_eq(stub.path[0], "/api/v1/namespaces/default/events");
    const char *msg = fo_json_str(stub.body[0], "message");
    ck_assert_uint_eq(strlen(msg), 1023); /* the whole character goes */
    json_decref(ns);
    env_stop(&e);
}
END_TEST

START_TEST(a_full_queue_drops_instead_of_blocking)
{
    struct env e;
    env_start(&e, 1, 0);
    json_t *fd = deployment("jobs", "x");
    pthread_mutex_lock(&stub.mu);
    stub.hold = true;
    pthread_mutex_unlock(&stub.mu);
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "A", "1");
    /* Wait until the recorder thread is inside the (held) request with event A. */
    pthread_mutex_lock(&stub.mu);
    while (stub.entered == 0)
        pthread_cond_wait(&stub.cv, &stub.mu);
    pthread_mutex_unlock(&stub.mu);
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "B", "2"); /* fills the queue of one */
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "C", "3"); /* dropped */
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "D", "4"); /* dropped */
    fo_kube_events_stats st;
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.recorded, 2);
    ck_assert_uint_eq(st.dropped, 2);
    pthread_mutex_lock(&stub.mu);
    stub.hold = false;
    pthread_cond_broadcast(&stub.cv);
    pthread_mutex_unlock(&stub.mu);
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_str_eq(fo_json_str(stub.body[1], "reason"), "B");
    json_decref(fd);
    env_stop(&e);
}
END_TEST

START_TEST(bad_input_is_dropped_not_fatal)
{
    struct env e;
    env_start(&e, 0, 0);
    json_t *nameless = json_pack("{s:s}", "kind", "Pod");
    fo_kube_events_record(e.ev, nameless, FO_EVENT_NORMAL, "R", "m");
    fo_kube_events_record(e.ev, NULL, FO_EVENT_NORMAL, "R", "m");
    json_t *fd = deployment("jobs", "x");
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "", "m");
    fo_kube_events_record(NULL, fd, FO_EVENT_NORMAL, "R", "m");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    fo_kube_events_stats st;
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.dropped, 3);
    ck_assert_int_eq(stub.n, 0);
    /* a failing server is counted, never returned */
    stub.post_status = 404;
    fo_kube_events_record(e.ev, fd, FO_EVENT_NORMAL, "R", "m");
    ck_assert(fo_kube_events_flush(e.ev, 10000));
    fo_kube_events_get_stats(e.ev, &st);
    ck_assert_uint_eq(st.failed, 1);
    json_decref(nameless);
    json_decref(fd);
    env_stop(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_events");
    TCase *tc = tcase_create("kube_events");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, first_event_is_created_with_the_core_v1_shape);
    tcase_add_test(tc, repeats_patch_count_and_last_timestamp);
    tcase_add_test(tc, the_component_is_the_events_source_and_part_of_its_identity);
    tcase_add_test(tc, the_name_follows_the_identity);
    tcase_add_test(tc, a_restarted_recorder_counts_into_the_event_written_before);
    tcase_add_test(tc, a_count_made_elsewhere_is_read_again_and_never_overwritten);
    tcase_add_test(tc, a_name_that_holds_another_event_is_left_alone);
    tcase_add_test(tc, an_expired_event_is_created_again);
    tcase_add_test(tc, an_event_the_lru_forgot_is_still_counted);
    tcase_add_test(tc, an_event_takes_a_bounded_number_of_requests);
    tcase_add_test(tc, cluster_scoped_objects_get_events_in_default_and_long_messages_are_cut);
    tcase_add_test(tc, a_full_queue_drops_instead_of_blocking);
    tcase_add_test(tc, bad_input_is_dropped_not_fatal);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
