/* common/kube_oversized: what is kept of an object too heavy to hold, and a List page whose
 * heavy items are replaced by their stubs while the others are read as they are. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/strbuf.h"

/* {"apiVersion":..,"kind":..,"metadata":{..},"spec":{"podTemplate":{"k0":{},..}},"status":..}
 * with `empties` empty objects in the spec, `finalizers` finalizers and `conditions` status
 * conditions. Free it. */
static char *object(const char *name, int empties, int finalizers, int conditions)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb,
                     "{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\","
                     "\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\",\"uid\":\"u-%s\","
                     "\"resourceVersion\":\"9\",\"generation\":2,\"labels\":{\"team\":\"a\"},"
                     "\"annotations\":{\"note\":\"x\"},\"managedFields\":[{\"manager\":\"m\"}],"
                     "\"finalizers\":[",
                     name, name);
    for (int i = 0; i < finalizers; i++)
        fo_strbuf_printf(&sb, "%s\"flink.apache.org/f%d\"", i ? "," : "", i);
    fo_strbuf_puts(&sb, "]},\"spec\":{\"image\":\"flink\",\"podTemplate\":{");
    for (int i = 0; i < empties; i++)
        fo_strbuf_printf(&sb, "%s\"k%d\":{}", i ? "," : "", i);
    fo_strbuf_puts(&sb, "}},\"status\":{\"lifecycleState\":\"STABLE\",\"conditions\":[");
    for (int i = 0; i < conditions; i++)
        fo_strbuf_printf(&sb, "%s{\"type\":\"c%d\"}", i ? "," : "", i);
    fo_strbuf_puts(&sb, "]}}");
    return fo_strbuf_take(&sb);
}

START_TEST(a_stub_keeps_metadata_and_status_and_says_why)
{
    char *text = object("big", 1000, 1, 1);
    fo_err err;
    size_t used = 0;
    json_t *stub = fo_kube_oversized_stub(text, strlen(text), false, 500, &used, &err);
    ck_assert_msg(stub != NULL, "%s", err.message);
    ck_assert_uint_eq(used, strlen(text));
    ck_assert_str_eq(fo_json_str(stub, "kind"), "FlinkDeployment");
    ck_assert_str_eq(fo_json_get_str(stub, "metadata.name"), "big");
    ck_assert_str_eq(fo_json_get_str(stub, "metadata.labels.team"), "a");
    ck_assert_ptr_null(fo_json_get(stub, "metadata.managedFields"));
    ck_assert_ptr_null(fo_json_get(stub, "metadata.annotations"));
    ck_assert_ptr_null(json_object_get(stub, "spec"));
    ck_assert_str_eq(fo_json_get_str(stub, "status.lifecycleState"), "STABLE");
    const char *why = fo_kube_oversized(stub);
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, "more than 500 JSON values"));
    ck_assert_ptr_nonnull(strstr(why, "metadata (without managedFields and annotations) and "
                                      "status"));
    ck_assert(fo_kube_oversized_keeps_status(stub));
    ck_assert(fo_kube_oversized_keeps_finalizers(stub));
    json_decref(stub);
    /* a whole object is not a stub */
    json_t *whole = json_loads(text, 0, NULL);
    ck_assert_ptr_null(fo_kube_oversized(whole));
    ck_assert(fo_kube_oversized_keeps_status(whole) && fo_kube_oversized_keeps_finalizers(whole));
    json_decref(whole);
    free(text);
}
END_TEST

START_TEST(when_status_or_finalizers_are_heavy_too_less_is_kept)
{
    fo_err err;
    /* a status past the bound: metadata identity and finalizers */
    char *text = object("a", 10, 2, 400);
    json_t *stub = fo_kube_oversized_stub(text, strlen(text), false, 500, NULL, &err);
    ck_assert_msg(stub != NULL, "%s", err.message);
    ck_assert_ptr_null(json_object_get(stub, "status"));
    ck_assert_str_eq(fo_json_get_str(stub, "metadata.labels.team"), "a");
    ck_assert_uint_eq(json_array_size(fo_json_get(stub, "metadata.finalizers")), 2);
    ck_assert(!fo_kube_oversized_keeps_status(stub));
    ck_assert(fo_kube_oversized_keeps_finalizers(stub));
    int64_t generation = 0;
    ck_assert(fo_json_get_int(stub, "metadata.generation", &generation));
    ck_assert_int_eq(generation, 2);
    ck_assert_ptr_nonnull(strstr(fo_kube_oversized(stub), "timestamps, labels and finalizers"));
    json_decref(stub);
    free(text);
    /* finalizers past it as well: identity alone */
    text = object("a", 10, 600, 400);
    stub = fo_kube_oversized_stub(text, strlen(text), false, 500, NULL, &err);
    ck_assert_msg(stub != NULL, "%s", err.message);
    ck_assert_ptr_null(fo_json_get(stub, "metadata.finalizers"));
    ck_assert_str_eq(fo_json_get_str(stub, "metadata.uid"), "u-a");
    ck_assert(!fo_kube_oversized_keeps_status(stub));
    ck_assert(!fo_kube_oversized_keeps_finalizers(stub));
    json_decref(stub);
    /* heavy labels go before the finalizers do */
    static const char labelled_head[] =
        "{\"kind\":\"FlinkDeployment\",\"metadata\":{\"name\":\"l\",\"finalizers\":[\"f\"],"
        "\"labels\":{";
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, labelled_head);
    for (int i = 0; i < 400; i++)
        fo_strbuf_printf(&sb, "%s\"l%d\":\"v\"", i ? "," : "", i);
    fo_strbuf_puts(&sb, "}}}");
    json_t *labelled = fo_kube_oversized_stub(sb.data, sb.len, false, 500, NULL, &err);
    ck_assert_msg(labelled != NULL, "%s", err.message);
    ck_assert_ptr_null(fo_json_get(labelled, "metadata.labels"));
    ck_assert_uint_eq(json_array_size(fo_json_get(labelled, "metadata.finalizers")), 1);
    ck_assert(fo_kube_oversized_keeps_finalizers(labelled));
    ck_assert_str_eq(json_string_value(json_object_get(labelled, FO_KUBE_OVERSIZED_KEEPS)),
                     FO_KUBE_KEEPS_FINALIZERS);
    json_decref(labelled);
    fo_strbuf_release(&sb);
    /* not even that: no stub */
    ck_assert_ptr_null(fo_kube_oversized_stub(text, strlen(text), false, 4, NULL, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    free(text);
}
END_TEST

START_TEST(a_watch_event_keeps_its_type)
{
    char *obj = object("w", 1000, 1, 1);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "{\"type\":\"MODIFIED\",\"object\":%s}\n{\"type\":\"ADDED\"}", obj);
    fo_err err;
    size_t used = 0;
    json_t *ev = fo_kube_oversized_stub(sb.data, sb.len, true, 500, &used, &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    ck_assert_uint_eq(used, (size_t)(strchr(sb.data, '\n') - sb.data));
    ck_assert_str_eq(fo_json_str(ev, "type"), "MODIFIED");
    ck_assert_str_eq(fo_json_get_str(ev, "object.metadata.name"), "w");
    ck_assert_ptr_nonnull(fo_kube_oversized(json_object_get(ev, "object")));
    json_decref(ev);
    fo_strbuf_release(&sb);
    free(obj);
}
END_TEST

/* The page filter of an informer: items in state ITEM, bounded each. */
enum { NONE, LIST, ITEMS, ITEM };

static int page_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
    (void)skip;
    if (st == LIST) /* keys are not NUL-terminated */
        return key && n == 5 && memcmp(key, "items", 5) == 0 ? ITEMS : NONE;
    if (st == ITEMS)
        return key ? NONE : ITEM;
    return NONE;
}

START_TEST(a_page_replaces_its_heavy_items_and_reads_the_rest)
{
    char *a = object("a", 5, 1, 1), *b = object("b", 2000, 1, 1), *c = object("c", 5, 1, 1),
         *d = object("d", 3000, 1, 1);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb,
                     "{\"kind\":\"FlinkDeploymentList\",\"metadata\":{\"resourceVersion\":\"9\"},"
                     "\"items\":[%s,%s,%s,%s]}",
                     a, b, c, d);
    fo_json_read_filter f = {
        .root_state = LIST, .member = page_member, .max_weight = 500, .item_state = ITEM};
    fo_err err;
    json_t *page = fo_kube_read_with_stubs(sb.data, sb.len, &f, &err);
    ck_assert_msg(page != NULL, "%s", err.message);
    json_t *items = json_object_get(page, "items");
    ck_assert_uint_eq(json_array_size(items), 4);
    const char *names[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++) {
        json_t *it = json_array_get(items, i);
        ck_assert_str_eq(fo_json_get_str(it, "metadata.name"), names[i]);
        bool heavy = i == 1 || i == 3;
        ck_assert(heavy == (fo_kube_oversized(it) != NULL));
        ck_assert(heavy == (json_object_get(it, "spec") == NULL));
    }
    ck_assert_str_eq(fo_json_get_str(page, "metadata.resourceVersion"), "9");
    json_decref(page);
    /* bad JSON after a heavy item is still an error */
    sb.len -= 2;
    fo_strbuf_puts(&sb, ",]}");
    ck_assert_ptr_null(fo_kube_read_with_stubs(sb.data, sb.len, &f, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    fo_strbuf_release(&sb);
    free(a);
    free(b);
    free(c);
    free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_oversized");
    TCase *tc = tcase_create("kube_oversized");
    tcase_add_test(tc, a_stub_keeps_metadata_and_status_and_says_why);
    tcase_add_test(tc, when_status_or_finalizers_are_heavy_too_less_is_kept);
    tcase_add_test(tc, a_watch_event_keeps_its_type);
    tcase_add_test(tc, a_page_replaces_its_heavy_items_and_reads_the_rest);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
