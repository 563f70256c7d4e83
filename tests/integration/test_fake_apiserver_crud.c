/* The fake API server against kube-api-semantics.md §1 (paths, verbs, codes), §2 (metadata
 * the server owns), §3 (Status bodies) and §4 (resourceVersion and optimistic concurrency),
 * over HTTP. Expected values are the ones the semantics document gives. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/testclient.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

static fo_fake_apiserver *fa;
static fka_tc *tc;

static void setup(void)
{
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true};
    tc = fka_tc_start_fake(&o, &fa);
}

static void teardown(void)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
}

static void install_widgets(void)
{
    fka_tc_install_crd(tc, "apiserver-crd-widgets.yaml");
}

#define CM "/api/v1/namespaces/default/configmaps"

/* §1: create answers 201 with the stored object, get 200, update 200, delete 200 with a
 * success Status for ConfigMaps. */
START_TEST(section1_create_is_201_and_delete_answers_a_success_status)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                                 "\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"v\"}}",
                                 &obj),
                     201);
    ck_assert_str_eq(fka_str(obj, "data.k"), "v");
    const char *uid = fka_str(obj, "metadata.uid");
    char uidcopy[64];
    snprintf(uidcopy, sizeof uidcopy, "%s", uid);
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/a", NULL, &obj), 200);
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/a", NULL, &obj), 200);
    ck_assert_str_eq(fka_str(obj, "kind"), "Status");
    ck_assert_str_eq(fka_str(obj, "status"), "Success");
    ck_assert_str_eq(fka_str(obj, "details.name"), "a");
    ck_assert_str_eq(fka_str(obj, "details.kind"), "configmaps");
    ck_assert_str_eq(fka_str(obj, "details.uid"), uidcopy);
    ck_assert_ptr_null(fo_json_get(obj, "details.group"));
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/a", NULL, NULL), 404);
}
END_TEST

/* §1: PUT of a missing name is 404 for ConfigMaps, but creates Leases and Services (201). */
START_TEST(section1_put_creates_leases_and_services_but_not_configmaps)
{
    ck_assert_int_eq(fka_tc_json(tc, "PUT", CM "/nope",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                                 "\"metadata\":{\"name\":\"nope\"}}",
                                 NULL),
                     404);
    ck_assert_int_eq(fka_tc_json(tc, "PUT",
                                 "/apis/coordination.k8s.io/v1/namespaces/default/leases/l",
                                 "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
                                 "\"metadata\":{\"name\":\"l\"},\"spec\":{\"holderIdentity\":"
                                 "\"me\"}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", "/api/v1/namespaces/default/services/s",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
                                 "{\"name\":\"s\"},\"spec\":{\"ports\":[{\"port\":80}]}}",
                                 NULL),
                     201);
}
END_TEST

/* §2: uid, creationTimestamp (seconds, UTC), resourceVersion set; generation 1 for CRs and
 * Deployments, none for ConfigMaps; client values for uid are ignored. */
START_TEST(section2_create_sets_server_owned_metadata)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"m\",\"uid\":\"mine\",\"generation\":7}}",
                                 &obj),
                     201);
    ck_assert_str_ne(fka_str(obj, "metadata.uid"), "mine");
    ck_assert_uint_eq(strlen(fka_str(obj, "metadata.uid")), 36);
    const char *ts = fka_str(obj, "metadata.creationTimestamp");
    ck_assert_uint_eq(strlen(ts), 20); /* 2026-04-20T09:15:02Z */
    ck_assert_int_eq(ts[19], 'Z');
    ck_assert_ptr_nonnull(fo_json_get(obj, "metadata.resourceVersion"));
    ck_assert_ptr_null(fo_json_get(obj, "metadata.generation"));
    json_decref(obj);
    ck_assert_int_eq(fka_tc_post_fixture(tc, "/apis/apps/v1/namespaces/default/deployments",
                                         "apiserver-deployment.yaml", &obj),
                     201);
    int64_t gen = 0;
    ck_assert(fo_json_get_int(obj, "metadata.generation", &gen));
    ck_assert_int_eq(gen, 1);
    json_decref(obj);
}
END_TEST

/* §2: a create carrying a resourceVersion fails with the storage error. */
START_TEST(section2_create_with_resource_version_fails)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"m\",\"resourceVersion\":\"5\"}}",
                                 &st),
                     500);
    ck_assert_str_eq(fka_str(st, "message"),
                     "resourceVersion should not be set on objects to be created");
    json_decref(st);
}
END_TEST

/* §2: generateName appends 5 characters from bcdfghjklmnpqrstvwxz2456789. */
START_TEST(section2_generate_name_appends_five_allowed_characters)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"generateName\":\"job-\"}}",
                                 &obj),
                     201);
    const char *name = fka_str(obj, "metadata.name");
    ck_assert_uint_eq(strlen(name), 9);
    ck_assert(strncmp(name, "job-", 4) == 0);
    for (int i = 4; i < 9; i++)
        ck_assert_ptr_nonnull(strchr("bcdfghjklmnpqrstvwxz2456789", name[i]));
    ck_assert_str_eq(fka_str(obj, "metadata.generateName"), "job-");
    json_decref(obj);
    /* A long prefix is cut to 58 characters (SimpleNameGenerator: names of at most 63). */
    char prefix[80], body[300];
    memset(prefix, 'a', 70);
    prefix[70] = '\0';
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"generateName\":"
             "\"%s\"}}",
             prefix);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, &obj), 201);
    name = fka_str(obj, "metadata.name");
    ck_assert_uint_eq(strlen(name), 63);
    ck_assert(strncmp(name, prefix, 58) == 0);
    ck_assert_ptr_nonnull(strchr("bcdfghjklmnpqrstvwxz2456789", name[58]));
    json_decref(obj);
}
END_TEST

/* §2: the namespace comes from the URL; a different one in the body is 400; a missing
 * namespace is 404 `namespaces "x" not found`. */
START_TEST(section2_namespace_checks)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"x\"}}",
                                 &obj),
                     201);
    ck_assert_str_eq(fka_str(obj, "metadata.namespace"), "default");
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"y\",\"namespace\":\"other\"}}",
                                 &obj),
                     400);
    ck_assert_str_eq(fka_str(obj, "reason"), "BadRequest");
    ck_assert_str_eq(fka_str(obj, "message"), "the namespace of the provided object does not match "
                                              "the namespace sent on the request");
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/api/v1/namespaces/ghost/configmaps",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"z\"}}",
                                 &obj),
                     404);
    ck_assert_str_eq(fka_str(obj, "message"), "namespaces \"ghost\" not found");
    ck_assert_str_eq(fka_str(obj, "reason"), "NotFound");
    json_decref(obj);
}
END_TEST

/* §2/§3: names break DNS rules -> 422 Invalid with causes; Services need DNS-1035 labels. */
START_TEST(section2_invalid_names_are_422_with_causes)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"Bad_Name\"}}",
                                 &st),
                     422);
    ck_assert_str_eq(fka_str(st, "reason"), "Invalid");
    ck_assert_str_eq(fka_str(st, "details.kind"), "ConfigMap");
    ck_assert_str_eq(fka_str(st, "details.name"), "Bad_Name");
    ck_assert(strncmp(fka_str(st, "message"),
                      "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: "
                      "\"Bad_Name\": a lowercase RFC 1123 subdomain must consist of",
                      120) == 0);
    json_t *cause = json_array_get(fo_json_get(st, "details.causes"), 0);
    ck_assert_str_eq(fka_str(cause, "reason"), "FieldValueInvalid");
    ck_assert_str_eq(fka_str(cause, "field"), "metadata.name");
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/api/v1/namespaces/default/services",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
                                 "{\"name\":\"1abc\"},\"spec\":{\"ports\":[{\"port\":80}]}}",
                                 &st),
                     422);
    ck_assert(strstr(fka_str(st, "message"), "a DNS-1035 label must consist of"));
    json_decref(st);
}
END_TEST

/* §3: NotFound, AlreadyExists and Conflict bodies carry the plural resource in details.kind
 * and the group for named groups. */
START_TEST(section3_status_bodies_for_custom_resources)
{
    install_widgets();
    json_t *st = NULL;
    const char *base = "/apis/fake.example.com/v1/namespaces/default/widgets";
    ck_assert_int_eq(fka_tc_json(tc, "GET",
                                 "/apis/fake.example.com/v1/namespaces/default/"
                                 "widgets/basic-example",
                                 NULL, &st),
                     404);
    ck_assert_str_eq(fka_str(st, "kind"), "Status");
    ck_assert_str_eq(fka_str(st, "apiVersion"), "v1");
    ck_assert_str_eq(fka_str(st, "status"), "Failure");
    ck_assert_str_eq(fka_str(st, "message"),
                     "widgets.fake.example.com \"basic-example\" not found");
    ck_assert_str_eq(fka_str(st, "reason"), "NotFound");
    ck_assert_str_eq(fka_str(st, "details.name"), "basic-example");
    ck_assert_str_eq(fka_str(st, "details.group"), "fake.example.com");
    ck_assert_str_eq(fka_str(st, "details.kind"), "widgets");
    int64_t code = 0;
    ck_assert(fo_json_get_int(st, "code", &code));
    ck_assert_int_eq(code, 404);
    json_decref(st);
    char path[200];
    snprintf(path, sizeof path, "%s", base);
    ck_assert_int_eq(fka_tc_post_fixture(tc, path, "apiserver-widget.yaml", NULL), 201);
    ck_assert_int_eq(fka_tc_post_fixture(tc, path, "apiserver-widget.yaml", &st), 409);
    ck_assert_str_eq(fka_str(st, "reason"), "AlreadyExists");
    ck_assert_str_eq(fka_str(st, "message"), "widgets.fake.example.com \"w1\" already exists");
    json_decref(st);
}
END_TEST

/* §4: PUT with a stale resourceVersion is 409 Conflict with the documented message. */
START_TEST(section4_stale_put_is_409_conflict)
{
    json_t *obj = NULL, *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"c\"},\"data\":{\"v\":\"1\"}}",
                                 &obj),
                     201);
    char rv[32];
    snprintf(rv, sizeof rv, "%s", fka_str(obj, "metadata.resourceVersion"));
    json_decref(obj);
    char body[300];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
             "\"resourceVersion\":\"%s\"},\"data\":{\"v\":\"2\"}}",
             rv);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", CM "/c", body, &obj), 200);
    ck_assert_str_ne(fka_str(obj, "metadata.resourceVersion"), rv);
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", CM "/c", body, &st), 409);
    ck_assert_str_eq(fka_str(st, "reason"), "Conflict");
    ck_assert_str_eq(fka_str(st, "message"),
                     "Operation cannot be fulfilled on configmaps \"c\": the object has been "
                     "modified; please apply your changes to the latest version and try again");
    ck_assert_str_eq(fka_str(st, "details.kind"), "configmaps");
    json_decref(st);
}
END_TEST

/* §4: PUT without resourceVersion overwrites ConfigMaps but is 422 for CRs and Leases. */
START_TEST(section4_put_without_resource_version_is_422_for_crs_and_leases)
{
    install_widgets();
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"u\"}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", CM "/u",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"u\"},\"data\":{\"a\":\"b\"}}",
                                 NULL),
                     200);
    const char *w = "/apis/fake.example.com/v1/namespaces/default/widgets";
    ck_assert_int_eq(fka_tc_post_fixture(tc, w, "apiserver-widget.yaml", NULL), 201);
    ck_assert_int_eq(fka_tc_json(tc, "PUT",
                                 "/apis/fake.example.com/v1/namespaces/default/widgets/w1",
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"w1\"},\"spec\":{\"image\":\"x\"}}",
                                 &st),
                     422);
    /* The registry store refuses it and names the resource where the kind would be. */
    ck_assert_str_eq(fka_str(st, "message"),
                     "widgets.fake.example.com \"w1\" is invalid: metadata.resourceVersion: "
                     "Invalid value: 0x0: must be specified for an update");
    ck_assert_str_eq(fka_str(st, "details.kind"), "widgets");
    ck_assert_str_eq(fka_str(st, "details.group"), "fake.example.com");
    json_decref(st);
    const char *lease = "/apis/coordination.k8s.io/v1/namespaces/default/leases/l";
    const char *lbody = "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
                        "\"metadata\":{\"name\":\"l\"},\"spec\":{\"holderIdentity\":\"a\"}}";
    ck_assert_int_eq(fka_tc_json(tc, "PUT", lease, lbody, NULL), 201);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", lease, lbody, &st), 422);
    ck_assert_str_eq(fka_str(st, "reason"), "Invalid");
    ck_assert_str_eq(fka_str(st, "message"),
                     "leases.coordination.k8s.io \"l\" is invalid: metadata.resourceVersion: "
                     "Invalid value: 0x0: must be specified for an update");
    ck_assert_str_eq(fka_str(st, "details.kind"), "leases");
    json_decref(st);
}
END_TEST

/* §4: a write that changes nothing keeps the resourceVersion (and makes no event). */
START_TEST(section4_noop_write_keeps_resource_version)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"n\"},\"data\":{\"a\":\"b\"}}",
                                 &obj),
                     201);
    char rv[32];
    snprintf(rv, sizeof rv, "%s", fka_str(obj, "metadata.resourceVersion"));
    json_decref(obj);
    uint64_t before = fo_fake_apiserver_resource_version(fa);
    ck_assert_int_eq(fka_tc_json(tc, "PATCH", CM "/n", "{\"data\":{\"a\":\"b\"}}", NULL), 415);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/n", "application/merge-patch+json", NULL,
                                "{\"data\":{\"a\":\"b\"}}", &res),
                     200);
    ck_assert_str_eq(fka_str(res.body, "metadata.resourceVersion"), rv);
    fka_tc_res_release(&res);
    ck_assert_uint_eq(fo_fake_apiserver_resource_version(fa), before);
}
END_TEST

static const char *entry_time(const json_t *obj, const char *manager, const char *sub)
{
    size_t i;
    json_t *e;
    json_array_foreach(fo_json_get(obj, "metadata.managedFields"), i, e)
    {
        if (strcmp(fka_str(e, "manager"), manager) == 0 &&
            strcmp(fka_str(e, "subresource"), sub) == 0)
            return fka_str(e, "time");
    }
    return "";
}

/* §4: a write that changes nothing keeps the resourceVersion, also when its manager's
 * managedFields entry is not the newest one: the entry keeps its time and place (the API
 * server touches an entry only when the operation took fields, and orders entries by
 * operation, time, manager), so the same status sent again, a main-endpoint write whose
 * only change is the status it ignores, and an apply of what is there, write nothing. */
START_TEST(section4_noop_writes_leave_managed_fields_alone)
{
    fo_clock *clock = fo_clock_fake_new(1776676502000LL); /* 2026-04-20T09:15:02Z */
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true, .clock = clock};
    fo_fake_apiserver *fa2 = NULL;
    fka_tc *c = fka_tc_start_fake(&o, &fa2);
    fka_tc_install_crd(c, "apiserver-crd-widgets.yaml");
    const char *w = "/apis/fake.example.com/v1/namespaces/default/widgets";
    char path[300];
    snprintf(path, sizeof path, "%s?fieldManager=creator", w);
    ck_assert_int_eq(fka_tc_json(c, "POST", path,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"n\"},\"spec\":{\"image\":\"i\"}}",
                                 NULL),
                     201);
    fka_tc_res res;
    fo_clock_fake_advance(clock, 2000);
    snprintf(path, sizeof path, "%s/n/status?fieldManager=ctl", w);
    ck_assert_int_eq(fka_tc_req(c, "PATCH", path, "application/merge-patch+json", NULL,
                                "{\"status\":{\"state\":\"ok\"}}", &res),
                     200);
    char ctl_time[40];
    snprintf(ctl_time, sizeof ctl_time, "%s", entry_time(res.body, "ctl", "status"));
    fka_tc_res_release(&res);
    fo_clock_fake_advance(clock, 2000);
    snprintf(path, sizeof path, "%s/n?fieldManager=user", w);
    ck_assert_int_eq(fka_tc_req(c, "PATCH", path, "application/merge-patch+json", NULL,
                                "{\"spec\":{\"replicas\":3}}", &res),
                     200);
    char rv[32];
    snprintf(rv, sizeof rv, "%s", fka_str(res.body, "metadata.resourceVersion"));
    fka_tc_res_release(&res);
    uint64_t before = fo_fake_apiserver_resource_version(fa2);

    fo_clock_fake_advance(clock, 2000);
    snprintf(path, sizeof path, "%s/n/status?fieldManager=ctl", w);
    ck_assert_int_eq(fka_tc_req(c, "PATCH", path, "application/merge-patch+json", NULL,
                                "{\"status\":{\"state\":\"ok\"}}", &res),
                     200);
    ck_assert_str_eq(fka_str(res.body, "metadata.resourceVersion"), rv);
    ck_assert_str_eq(entry_time(res.body, "ctl", "status"), ctl_time);
    fka_tc_res_release(&res);
    snprintf(path, sizeof path, "%s/n?fieldManager=creator", w);
    ck_assert_int_eq(fka_tc_req(c, "PATCH", path, "application/merge-patch+json", NULL,
                                "{\"status\":{\"state\":\"ignored\"}}", &res),
                     200);
    ck_assert_str_eq(fka_str(res.body, "metadata.resourceVersion"), rv);
    ck_assert_str_eq(fka_str(res.body, "status.state"), "ok");
    fka_tc_res_release(&res);
    ck_assert_uint_eq(fo_fake_apiserver_resource_version(fa2), before);

    /* An apply: the first one changes the object, the same one again changes nothing and
     * keeps the entry's time. */
    snprintf(path, sizeof path, "%s/n?fieldManager=applier", w);
    const char *applied = "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                          "\"metadata\":{\"name\":\"n\"},\"spec\":{\"tags\":[\"t\"]}}";
    ck_assert_int_eq(fka_tc_req(c, "PATCH", path, "application/apply-patch+yaml", NULL, applied,
                                &res),
                     200);
    char apply_time[40];
    snprintf(apply_time, sizeof apply_time, "%s", entry_time(res.body, "applier", ""));
    ck_assert_str_ne(apply_time, "");
    snprintf(rv, sizeof rv, "%s", fka_str(res.body, "metadata.resourceVersion"));
    fka_tc_res_release(&res);
    fo_clock_fake_advance(clock, 2000);
    ck_assert_int_eq(fka_tc_req(c, "PATCH", path, "application/apply-patch+yaml", NULL, applied,
                                &res),
                     200);
    ck_assert_str_eq(fka_str(res.body, "metadata.resourceVersion"), rv);
    ck_assert_str_eq(entry_time(res.body, "applier", ""), apply_time);
    /* Entries in the API server's order: Apply first, then Update by time. */
    const json_t *mf = fo_json_get(res.body, "metadata.managedFields");
    ck_assert_str_eq(fka_str(json_array_get(mf, 0), "manager"), "applier");
    ck_assert_str_eq(fka_str(json_array_get(mf, 1), "manager"), "creator");
    ck_assert_str_eq(fka_str(json_array_get(mf, 2), "manager"), "ctl");
    ck_assert_str_eq(fka_str(json_array_get(mf, 3), "manager"), "user");
    fka_tc_res_release(&res);
    fka_tc_free(c);
    fo_fake_apiserver_stop(fa2);
    fo_clock_free(clock);
}
END_TEST

/* §4: PATCH is conditional only when it sets metadata.resourceVersion. */
START_TEST(section4_patch_with_stale_resource_version_conflicts)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"p\"}}",
                                 NULL),
                     201);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/p", "application/merge-patch+json", NULL,
                                "{\"metadata\":{\"resourceVersion\":\"1\"},\"data\":{\"a\":"
                                "\"b\"}}",
                                &res),
                     409);
    ck_assert_str_eq(fka_str(res.body, "reason"), "Conflict");
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/p", "application/merge-patch+json", NULL,
                                "{\"data\":{\"a\":\"b\"}}", &res),
                     200);
    fka_tc_res_release(&res);
}
END_TEST

/* §2: name and namespace of an update must match the URL (400 otherwise). */
START_TEST(section2_update_cannot_rename)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"r\"}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", CM "/r",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"other\"}}",
                                 &st),
                     400);
    ck_assert_str_eq(fka_str(st, "message"),
                     "the name of the object (other) does not match the name on the URL (r)");
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", CM "/r",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}",
                                 &st),
                     400);
    ck_assert_str_eq(fka_str(st, "message"),
                     "the name of the object (r based on URL) was undeterminable: name must be "
                     "provided");
    json_decref(st);
}
END_TEST

/* §2: name and namespace cannot change: the API server checks a patch's result as it checks
 * an update's body (400, the object untouched), fills in a namespace a patch removed, and
 * clears the namespace of a cluster-scoped object instead of refusing it. */
START_TEST(section2_patch_cannot_rename_or_move)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"m\"},\"data\":{\"a\":\"b\"}}",
                                 &obj),
                     201);
    char rv[32];
    snprintf(rv, sizeof rv, "%s", fka_str(obj, "metadata.resourceVersion"));
    json_decref(obj);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/m", "application/merge-patch+json", NULL,
                                "{\"metadata\":{\"name\":\"other\"}}", &res),
                     400);
    ck_assert_str_eq(fka_str(res.body, "reason"), "BadRequest");
    ck_assert_str_eq(fka_str(res.body, "message"),
                     "the name of the object (other) does not match the name on the URL (m)");
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/m", "application/merge-patch+json", NULL,
                                "{\"metadata\":{\"namespace\":\"kube-system\"},\"data\":{\"a\":"
                                "\"c\"}}",
                                &res),
                     400);
    ck_assert_str_eq(fka_str(res.body, "message"), "the namespace of the provided object does "
                                                   "not match the namespace sent on the request");
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/m", NULL, &obj), 200);
    ck_assert_str_eq(fka_str(obj, "metadata.namespace"), "default");
    ck_assert_str_eq(fka_str(obj, "metadata.resourceVersion"), rv);
    json_decref(obj);
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/m", "application/json-patch+json", NULL,
                                "[{\"op\":\"remove\",\"path\":\"/metadata/namespace\"}]", &res),
                     200);
    ck_assert_str_eq(fka_str(res.body, "metadata.namespace"), "default");
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/api/v1/namespaces",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                                 "{\"name\":\"cleared\",\"namespace\":\"default\"}}",
                                 &obj),
                     201);
    ck_assert_ptr_null(fo_json_get(obj, "metadata.namespace"));
    json_decref(obj);
}
END_TEST

#define QN_RULE                                                                                    \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "   \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "        \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

/* §2 and §8: annotation keys (case aside) and finalizer names are qualified names, and an
 * object cannot hold both "orphan" and "foregroundDeletion" (the API server's
 * ValidateObjectMeta): 422 Invalid. */
START_TEST(section2_annotation_keys_and_finalizers_are_qualified_names)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"k\",\"annotations\":{\"bad key\":\"x\"}}}",
                                 &st),
                     422);
    const json_t *cause = json_array_get(fo_json_get(st, "details.causes"), 0);
    ck_assert_str_eq(fka_str(cause, "field"), "metadata.annotations");
    ck_assert_str_eq(fka_str(cause, "reason"), "FieldValueInvalid");
    ck_assert_str_eq(fka_str(cause, "message"), "Invalid value: \"bad key\": name part " QN_RULE);
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"f\",\"finalizers\":[\"example.com/bad name\"]}}",
                                 &st),
                     422);
    ck_assert_str_eq(fka_str(st, "message"),
                     "ConfigMap \"f\" is invalid: metadata.finalizers: Invalid value: "
                     "\"example.com/bad name\": name part " QN_RULE);
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"g\",\"finalizers\":[\"orphan\","
                                 "\"foregroundDeletion\"]}}",
                                 &st),
                     422);
    ck_assert_str_eq(fka_str(st, "message"),
                     "ConfigMap \"g\" is invalid: metadata.finalizers: Invalid value: "
                     "[]string{\"orphan\", \"foregroundDeletion\"}: finalizer orphan and "
                     "foregroundDeletion cannot be both set");
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"ok\",\"annotations\":{\"Example.COM/Key\":\"1\"},"
                                 "\"finalizers\":[\"example.com/keep\"]}}",
                                 NULL),
                     201);
}
END_TEST

/* §1: a verb the resource does not support is 405; unknown paths are 404. */
START_TEST(section1_unknown_paths_are_404)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces/default/nothings", NULL, &st), 404);
    ck_assert_str_eq(fka_str(st, "reason"), "NotFound");
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM "/x", "{}", &st), 405);
    ck_assert_str_eq(fka_str(st, "reason"), "MethodNotAllowed");
    json_decref(st);
}
END_TEST

/* §1: dryRun=All runs everything but stores nothing. */
START_TEST(section1_dry_run_stores_nothing)
{
    json_t *obj = NULL;
    uint64_t before = fo_fake_apiserver_resource_version(fa);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM "?dryRun=All",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"d\"}}",
                                 &obj),
                     201);
    ck_assert_str_eq(fka_str(obj, "metadata.name"), "d");
    json_decref(obj);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/d", NULL, NULL), 404);
    ck_assert_uint_eq(fo_fake_apiserver_resource_version(fa), before);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_crud");
    TCase *t = tcase_create("crud");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, section1_create_is_201_and_delete_answers_a_success_status);
    tcase_add_test(t, section1_put_creates_leases_and_services_but_not_configmaps);
    tcase_add_test(t, section1_unknown_paths_are_404);
    tcase_add_test(t, section1_dry_run_stores_nothing);
    tcase_add_test(t, section2_create_sets_server_owned_metadata);
    tcase_add_test(t, section2_create_with_resource_version_fails);
    tcase_add_test(t, section2_generate_name_appends_five_allowed_characters);
    tcase_add_test(t, section2_namespace_checks);
    tcase_add_test(t, section2_invalid_names_are_422_with_causes);
    tcase_add_test(t, section2_update_cannot_rename);
    tcase_add_test(t, section2_patch_cannot_rename_or_move);
    tcase_add_test(t, section2_annotation_keys_and_finalizers_are_qualified_names);
    tcase_add_test(t, section3_status_bodies_for_custom_resources);
    tcase_add_test(t, section4_stale_put_is_409_conflict);
    tcase_add_test(t, section4_put_without_resource_version_is_422_for_crs_and_leases);
    tcase_add_test(t, section4_noop_write_keeps_resource_version);
    tcase_add_test(t, section4_noop_writes_leave_managed_fields_alone);
    tcase_add_test(t, section4_patch_with_stale_resource_version_conflicts);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
