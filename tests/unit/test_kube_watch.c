/* The watch stream parser: events framed correctly however the bytes are split. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/kube_status.h"
#include "common/strbuf.h"
#include "common/kube_watch.h"
#include "tests/support/testutil.h"

#define MAX_SEEN 16

struct seen {
    int n;
    fo_watch_type types[MAX_SEEN];
    char rv[MAX_SEEN][32];
    json_t *objects[MAX_SEEN];
    int fail_at; /* return FO_ESHUTDOWN on this event (1-based); 0 = never */
};

static fo_rc record(void *ctx, fo_watch_type type, json_t *object, fo_err *err)
{
    struct seen *s = ctx;
    if (s->n >= MAX_SEEN)
        return fo_err_set(err, FO_ELIMIT, "too many events");
    const char *rv = fo_json_get_str(object, "metadata.resourceVersion");
    s->types[s->n] = type;
    snprintf(s->rv[s->n], sizeof s->rv[0], "%s", rv ? rv : "");
    s->objects[s->n] = json_incref(object);
    s->n++;
    if (s->fail_at && s->n == s->fail_at)
        return fo_err_set(err, FO_ESHUTDOWN, "callback stops");
    return FO_OK;
}

static void seen_release(struct seen *s)
{
    for (int i = 0; i < s->n; i++)
        json_decref(s->objects[i]);
    memset(s, 0, sizeof *s);
}

/* What the fixture holds (tests/data/watch-stream-all-event-types.jsonl). */
static void assert_fixture_events(const struct seen *s)
{
    ck_assert_int_eq(s->n, 5);
    ck_assert_int_eq(s->types[0], FO_WATCH_ADDED);
    ck_assert_int_eq(s->types[1], FO_WATCH_MODIFIED);
    ck_assert_int_eq(s->types[2], FO_WATCH_DELETED);
    ck_assert_int_eq(s->types[3], FO_WATCH_BOOKMARK);
    ck_assert_int_eq(s->types[4], FO_WATCH_ERROR);
    ck_assert_str_eq(s->rv[0], "1001");
    ck_assert_str_eq(s->rv[1], "1005");
    ck_assert_str_eq(s->rv[2], "1009");
    ck_assert_str_eq(s->rv[3], "1020");
    ck_assert_str_eq(fo_json_get_str(s->objects[0], "data.k"),
                     "brace } and quote \" and newline \n inside");
    ck_assert_str_eq(fo_json_get_str(s->objects[1], "data.list"), "[{]");
    ck_assert_str_eq(fo_json_str(s->objects[4], "reason"), "Expired");
}

START_TEST(whole_stream_in_one_piece_gives_every_event_in_order)
{
    size_t len;
    char *text = fo_test_read_data("watch-stream-all-event-types.jsonl", &len);
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_err err;
    ck_assert_int_eq(fo_watch_parser_feed(p, text, len, &err), FO_OK);
    ck_assert_int_eq(fo_watch_parser_finish(p, &err), FO_OK);
    assert_fixture_events(&s);
    ck_assert_uint_eq(fo_watch_parser_offset(p), len);
    seen_release(&s);
    fo_watch_parser_free(p);
    free(text);
}
END_TEST

START_TEST(byte_by_byte_gives_the_same_events)
{
    size_t len;
    char *text = fo_test_read_data("watch-stream-all-event-types.jsonl", &len);
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_err err;
    for (size_t i = 0; i < len; i++)
        ck_assert_int_eq(fo_watch_parser_feed(p, text + i, 1, &err), FO_OK);
    ck_assert_int_eq(fo_watch_parser_finish(p, &err), FO_OK);
    assert_fixture_events(&s);
    seen_release(&s);
    fo_watch_parser_free(p);
    free(text);
}
END_TEST

START_TEST(random_splits_give_the_same_events)
{
    size_t len;
    char *text = fo_test_read_data("watch-stream-all-event-types.jsonl", &len);
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        struct seen s = {0};
        fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
        fo_err err;
        size_t off = 0;
        while (off < len) {
            size_t n = 1 + (size_t)rand_r(&seed) % 97;
            if (n > len - off)
                n = len - off;
            ck_assert_int_eq(fo_watch_parser_feed(p, text + off, n, &err), FO_OK);
            off += n;
        }
        ck_assert_int_eq(fo_watch_parser_finish(p, &err), FO_OK);
        assert_fixture_events(&s);
        seen_release(&s);
        fo_watch_parser_free(p);
    }
    free(text);
}
END_TEST

START_TEST(events_are_framed_without_newlines_and_across_pretty_printing)
{
    const char *text = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}}}"
                       "{\"type\":\"MODIFIED\",\n  \"object\": {\n    \"metadata\": "
                       "{\"resourceVersion\": \"2\", \"x\": [1, {\"y\": \"}\\\\\"}]}\n  }\n}\r\n"
                       "   \t\n";
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_err err;
    ck_assert_int_eq(fo_watch_parser_feed(p, text, strlen(text), &err), FO_OK);
    ck_assert_int_eq(fo_watch_parser_finish(p, &err), FO_OK);
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.rv[0], "1");
    ck_assert_str_eq(s.rv[1], "2");
    seen_release(&s);
    fo_watch_parser_free(p);
}
END_TEST

START_TEST(event_over_the_limit_fails_and_stays_failed)
{
    const char *first = "{\"type\":\"ADDED\",\"object\":{}}\n";
    char big[300];
    snprintf(big, sizeof big, "{\"type\":\"ADDED\",\"object\":{\"data\":\"%0200d\"}}\n", 0);
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(100, record, &s);
    fo_err err;
    ck_assert_int_eq(fo_watch_parser_feed(p, first, strlen(first), &err), FO_OK);
    /* split so the limit is crossed while the event is still incomplete */
    ck_assert_int_eq(fo_watch_parser_feed(p, big, 60, &err), FO_OK);
    ck_assert_int_eq(fo_watch_parser_feed(p, big + 60, strlen(big) - 60, &err), FO_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "byte 29"));
    ck_assert_ptr_nonnull(strstr(err.message, "100 bytes"));
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_eq(fo_watch_parser_feed(p, first, strlen(first), &err), FO_ELIMIT);
    ck_assert_int_eq(s.n, 1);
    /* reset makes it usable again */
    fo_watch_parser_reset(p);
    ck_assert_int_eq(fo_watch_parser_feed(p, first, strlen(first), &err), FO_OK);
    ck_assert_int_eq(s.n, 2);
    seen_release(&s);
    fo_watch_parser_free(p);
}
END_TEST

static fo_rc expect_error(const char *text, fo_rc want, const char *needle)
{
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_watch_parser_feed(p, text, strlen(text), &err);
    if (rc == FO_OK)
        rc = fo_watch_parser_finish(p, &err);
    ck_assert_int_eq(rc, want);
    ck_assert_msg(strstr(err.message, needle), "message \"%s\" lacks \"%s\"", err.message, needle);
    seen_release(&s);
    fo_watch_parser_free(p);
    return rc;
}

START_TEST(bad_events_are_protocol_errors_naming_the_position)
{
    expect_error("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"ADDED\",\"object\":{,}}\n",
                 FO_EPROTO, "watch event at byte 29");
    expect_error("{\"type\":\"RESTARTED\",\"object\":{}}", FO_EPROTO,
                 "type: unknown \"RESTARTED\"");
    expect_error("{\"object\":{}}", FO_EPROTO, "type: missing");
    expect_error("{\"type\":\"ADDED\",\"object\":\"x\"}", FO_EPROTO, "object: missing");
    expect_error("{\"type\":\"ADDED\",\"object\":{}}\nHTTP/1.1 500", FO_EPROTO,
                 "byte 29: expected '{'");
    expect_error("{\"type\":\"ADDED\",\"object\":{\"a\":", FO_EPROTO,
                 "ended inside the event that starts at byte 0");
}
END_TEST

START_TEST(callback_error_stops_the_parser)
{
    size_t len;
    char *text = fo_test_read_data("watch-stream-all-event-types.jsonl", &len);
    struct seen s = {.fail_at = 2};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_err err;
    ck_assert_int_eq(fo_watch_parser_feed(p, text, len, &err), FO_ESHUTDOWN);
    ck_assert_str_eq(err.message, "callback stops");
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(fo_watch_parser_finish(p, &err), FO_ESHUTDOWN);
    seen_release(&s);
    fo_watch_parser_free(p);
    free(text);
}
END_TEST

START_TEST(error_event_status_decodes_to_gone)
{
    size_t len;
    char *text = fo_test_read_data("watch-stream-all-event-types.jsonl", &len);
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_err err;
    ck_assert_int_eq(fo_watch_parser_feed(p, text, len, &err), FO_OK);
    ck_assert_int_eq(s.types[4], FO_WATCH_ERROR);
    ck_assert_int_eq(fo_kube_status_to_err(0, s.objects[4], "watch configmaps", &err), FO_EGONE);
    ck_assert_int_eq(err.http_status, 410);
    ck_assert_str_eq(err.reason, "Expired");
    ck_assert_str_eq(err.message, "watch configmaps: too old resource version: 900 (1000)");
    seen_release(&s);
    fo_watch_parser_free(p);
    free(text);
}
END_TEST

START_TEST(an_object_past_the_weight_bound_arrives_as_its_stub)
{
    /* a light event, a heavy one (1,000 empty objects in its spec), a light one */
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\","
                        "\"resourceVersion\":\"1\"},\"spec\":{\"x\":{}}}}\n"
                        "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\","
                        "\"resourceVersion\":\"2\",\"finalizers\":[\"f\"]},\"spec\":{");
    for (int i = 0; i < 1000; i++)
        fo_strbuf_printf(&sb, "%s\"k%d\":{}", i ? "," : "", i);
    fo_strbuf_puts(&sb, "},\"status\":{\"state\":\"s\"}}}\n"
                        "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"c\","
                        "\"resourceVersion\":\"3\"}}}\n");
    struct seen s = {0};
    fo_watch_parser *p = fo_watch_parser_new(0, record, &s);
    fo_json_read_filter bound = {.max_weight = 200};
    fo_watch_parser_set_object_filter(p, &bound);
    fo_err err;
    ck_assert_int_eq(fo_watch_parser_feed(p, sb.data, sb.len, &err), FO_OK);
    ck_assert_int_eq(s.n, 3);
    ck_assert_int_eq(s.types[1], FO_WATCH_MODIFIED);
    ck_assert_str_eq(s.rv[1], "2");
    ck_assert_ptr_nonnull(fo_kube_oversized(s.objects[1]));
    ck_assert_ptr_null(json_object_get(s.objects[1], "spec"));
    ck_assert_str_eq(fo_json_get_str(s.objects[1], "status.state"), "s");
    ck_assert_ptr_null(fo_kube_oversized(s.objects[0]));
    ck_assert_ptr_nonnull(fo_json_get(s.objects[0], "spec.x"));
    ck_assert_str_eq(s.rv[2], "3");
    seen_release(&s);
    /* without the bound the heavy object arrives whole */
    fo_watch_parser_set_object_filter(p, NULL);
    fo_watch_parser_reset(p);
    ck_assert_int_eq(fo_watch_parser_feed(p, sb.data, sb.len, &err), FO_OK);
    ck_assert_int_eq(s.n, 3);
    ck_assert_uint_eq(json_object_size(json_object_get(s.objects[1], "spec")), 1000);
    seen_release(&s);
    fo_watch_parser_free(p);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(type_names_are_the_wire_names)
{
    ck_assert_str_eq(fo_watch_type_name(FO_WATCH_ADDED), "ADDED");
    ck_assert_str_eq(fo_watch_type_name(FO_WATCH_BOOKMARK), "BOOKMARK");
    ck_assert_str_eq(fo_watch_type_name(FO_WATCH_ERROR), "ERROR");
    ck_assert_str_eq(fo_watch_type_name((fo_watch_type)42), "UNKNOWN");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_watch");
    TCase *tc = tcase_create("kube_watch");
    tcase_add_test(tc, whole_stream_in_one_piece_gives_every_event_in_order);
    tcase_add_test(tc, byte_by_byte_gives_the_same_events);
    tcase_add_test(tc, random_splits_give_the_same_events);
    tcase_add_test(tc, events_are_framed_without_newlines_and_across_pretty_printing);
    tcase_add_test(tc, event_over_the_limit_fails_and_stays_failed);
    tcase_add_test(tc, bad_events_are_protocol_errors_naming_the_position);
    tcase_add_test(tc, callback_error_stops_the_parser);
    tcase_add_test(tc, error_event_status_decodes_to_gone);
    tcase_add_test(tc, an_object_past_the_weight_bound_arrives_as_its_stub);
    tcase_add_test(tc, type_names_are_the_wire_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
