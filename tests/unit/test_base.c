/* Base layer: rc, strbuf, clock, jsonutil, field_errors, log. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/field_errors.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/strbuf.h"

START_TEST(strbuf_grows_and_stays_terminated)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    ck_assert_str_eq(sb.data, "");
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(fo_strbuf_printf(&sb, "%d,", i % 10), FO_OK);
    ck_assert_uint_eq(sb.len, 2000);
    ck_assert_int_eq(sb.data[2000], '\0');
    char *s = fo_strbuf_take(&sb);
    ck_assert_uint_eq(strlen(s), 2000);
    ck_assert_str_eq(sb.data, "");
    free(s);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(strbuf_refuses_to_pass_its_limit_and_keeps_content)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 8);
    ck_assert_int_eq(fo_strbuf_puts(&sb, "12345678"), FO_OK);
    ck_assert_int_eq(fo_strbuf_puts(&sb, "9"), FO_ELIMIT);
    ck_assert_int_eq(fo_strbuf_printf(&sb, "%s", "x"), FO_ELIMIT);
    /* putc writes in place while there is room; the limit holds there too */
    ck_assert_int_eq(fo_strbuf_putc(&sb, 'x'), FO_ELIMIT);
    ck_assert_str_eq(sb.data, "12345678");
    fo_strbuf_reset(&sb);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(fo_strbuf_putc(&sb, (char)('a' + i)), FO_OK);
    ck_assert_int_eq(fo_strbuf_putc(&sb, 'z'), FO_ELIMIT);
    ck_assert_str_eq(sb.data, "abcdefgh");
    ck_assert_uint_eq(sb.len, 8);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(strbuf_reserve_allocates_exactly_and_extend_writes_in_place)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    ck_assert_int_eq(fo_strbuf_puts(&sb, "ab"), FO_OK);
    ck_assert_int_eq(fo_strbuf_reserve(&sb, 1000), FO_OK);
    ck_assert_uint_eq(sb.cap, 2 + 1000 + 1); /* not the next power of two */
    char *at = fo_strbuf_extend(&sb, 3);
    ck_assert_ptr_eq(at, sb.data + 2);
    memcpy(at, "cde", 3);
    ck_assert_uint_eq(sb.len, 5);
    ck_assert_str_eq(sb.data, "abcde"); /* terminated after the new bytes */
    ck_assert_uint_eq(sb.cap, 1003);    /* within the reservation: no move */
    ck_assert_int_eq(fo_strbuf_reserve(&sb, 10), FO_OK);
    ck_assert_uint_eq(sb.cap, 1003); /* room already */
    fo_strbuf_release(&sb);
    /* both keep to the limit */
    fo_strbuf_init(&sb, 4);
    ck_assert_int_eq(fo_strbuf_reserve(&sb, 5), FO_ELIMIT);
    ck_assert_ptr_null(fo_strbuf_extend(&sb, 5));
    ck_assert_ptr_nonnull(fo_strbuf_extend(&sb, 4));
    ck_assert_uint_eq(sb.len, 4);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(a_container_copy_shares_scalars_and_owns_its_containers)
{
    json_t *v = json_pack("{s:s, s:[i, f, {s:s}], s:b, s:n}", "script", "long text", "list", 7,
                          2.5, "k", "v", "t", 1, "z");
    json_t *c = fo_json_copy_containers(v);
    ck_assert(fo_json_identical(c, v));
    ck_assert_ptr_ne(c, v);
    json_t *vl = json_object_get(v, "list"), *cl = json_object_get(c, "list");
    ck_assert_ptr_ne(cl, vl);
    ck_assert_ptr_ne(json_array_get(cl, 2), json_array_get(vl, 2));
    /* scalars are the same values, with a reference each */
    ck_assert_ptr_eq(json_object_get(c, "script"), json_object_get(v, "script"));
    ck_assert_ptr_eq(json_array_get(cl, 0), json_array_get(vl, 0));
    ck_assert_ptr_eq(json_array_get(cl, 1), json_array_get(vl, 1));
    ck_assert_int_eq(json_object_get(v, "script")->refcount, 2);
    /* changing the copy's containers leaves the original alone */
    json_object_set_new(json_array_get(cl, 2), "k", json_string("changed"));
    json_array_append_new(cl, json_true());
    ck_assert_str_eq(fo_json_get_str(json_array_get(vl, 2), "k"), "v");
    ck_assert_uint_eq(json_array_size(vl), 3);
    json_decref(v); /* the copy keeps the shared scalars alive */
    ck_assert_str_eq(fo_json_str(c, "script"), "long text");
    json_decref(c);
    /* the deep copy shares nothing */
    v = json_pack("{s:s}", "a", "b");
    c = fo_json_copy(v);
    ck_assert_ptr_ne(json_object_get(c, "a"), json_object_get(v, "a"));
    json_decref(v);
    json_decref(c);
}
END_TEST

START_TEST(json_string_escaping_follows_rfc8259)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_put_json_str(&sb, "a\"b\\c\n\x01\xc3\xa9\xff");
    /* é stays UTF-8, the lone 0xff byte becomes U+FFFD */
    ck_assert_str_eq(sb.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbd\"");
    json_error_t jerr;
    json_t *v = json_loads(sb.data, JSON_DECODE_ANY, &jerr);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
    fo_strbuf_release(&sb);
}
END_TEST

/* An error text cut inside a UTF-8 character (snprintf into 256 bytes) or holding bytes that
 * are none still makes a JSON string (jansson refuses such text: json_string gives NULL). */
START_TEST(a_lossy_json_string_keeps_valid_text_and_marks_broken_bytes)
{
    json_t *v = fo_json_string_lossy("caf\xc3\xa9");
    ck_assert_str_eq(json_string_value(v), "caf\xc3\xa9");
    json_decref(v);
    v = fo_json_string_lossy("list failed: caf\xc3"); /* cut after the first byte of é */
    ck_assert_str_eq(json_string_value(v), "list failed: caf?");
    json_decref(v);
    v = fo_json_string_lossy("\xc3\xa9 and \xff");
    ck_assert_str_eq(json_string_value(v), "?? and ?");
    json_decref(v);
    ck_assert_ptr_null(fo_json_string_lossy(NULL));
}
END_TEST

START_TEST(rfc3339_round_trips_and_rejects_garbage)
{
    char buf[40];
    /* 2026-04-20T09:15:02Z = 1776676502 s (computed with `date -u -d ... +%s`) */
    ck_assert_str_eq(fo_clock_format_rfc3339(1776676502123LL, false, buf, sizeof buf),
                     "2026-04-20T09:15:02Z");
    ck_assert_str_eq(fo_clock_format_rfc3339(1776676502123LL, true, buf, sizeof buf),
                     "2026-04-20T09:15:02.123000Z");
    int64_t ms = 0;
    ck_assert(fo_clock_parse_rfc3339("2026-04-20T09:15:02.123456Z", &ms));
    ck_assert_int_eq(ms, 1776676502123LL);
    ck_assert(fo_clock_parse_rfc3339("2026-04-20T11:15:02+02:00", &ms));
    ck_assert_int_eq(ms, 1776676502000LL);
    ck_assert(!fo_clock_parse_rfc3339("2026-04-20 nope", &ms));
    ck_assert(!fo_clock_parse_rfc3339("2026-13-20T09:15:02Z", &ms));
}
END_TEST

static int woken;
static void on_advance(void *ctx)
{
    (void)ctx;
    woken++;
}

START_TEST(fake_clock_moves_only_when_told_and_wakes_listeners)
{
    fo_clock *c = fo_clock_fake_new(1000);
    ck_assert(fo_clock_is_fake(c));
    ck_assert_int_eq(fo_clock_now_ms(c), 1000);
    ck_assert_int_eq(fo_clock_mono_ms(c), 0);
    ck_assert(fo_clock_subscribe(c, on_advance, NULL));
    fo_clock_fake_advance(c, 250);
    ck_assert_int_eq(fo_clock_now_ms(c), 1250);
    ck_assert_int_eq(fo_clock_mono_ms(c), 250);
    ck_assert_int_eq(woken, 1);
    fo_clock_unsubscribe(c, on_advance, NULL);
    fo_clock_fake_advance(c, 1);
    ck_assert_int_eq(woken, 1);
    fo_clock_free(c);
    ck_assert(!fo_clock_is_fake(fo_clock_real()));
}
END_TEST

START_TEST(json_paths_get_set_and_delete)
{
    json_t *root = json_object();
    ck_assert_int_eq(fo_json_set_path(root, "spec.job.jarURI", json_string("local:///a.jar")),
                     FO_OK);
    ck_assert_int_eq(fo_json_set_path(root, "spec.job.parallelism", json_integer(2)), FO_OK);
    ck_assert_str_eq(fo_json_get_str(root, "spec.job.jarURI"), "local:///a.jar");
    int64_t p = 0;
    ck_assert(fo_json_get_int(root, "spec.job.parallelism", &p));
    ck_assert_int_eq(p, 2);
    ck_assert(!fo_json_get_int(root, "spec.job.jarURI", &p));
    ck_assert_ptr_null(fo_json_get(root, "spec.nothing.here"));
    fo_json_del_path(root, "spec.job.jarURI");
    ck_assert_ptr_null(fo_json_get(root, "spec.job.jarURI"));
    char *s = fo_json_dumps_canonical(root);
    ck_assert_str_eq(s, "{\"spec\":{\"job\":{\"parallelism\":2}}}");
    free(s);
    json_decref(root);
}
END_TEST

START_TEST(json_equal_compares_numbers_by_value)
{
    json_t *a = json_pack("{s:i, s:[i,s]}", "x", 2, "y", 1, "z");
    json_t *b = json_pack("{s:f, s:[i,s]}", "x", 2.0, "y", 1, "z");
    json_t *c = json_pack("{s:i, s:[s,i]}", "x", 2, "y", "z", 1);
    ck_assert(fo_json_equal(a, b));
    ck_assert(!fo_json_equal(a, c));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}
END_TEST

START_TEST(json_identical_means_the_same_text)
{
    /* fo_json_dumps_compact writes members in insertion order and 2 and 2.0 differently, so
     * documents that fo_json_equal calls equal may still be written differently. */
    json_t *a = json_loads("{\"x\":2,\"y\":[1,\"z\",{\"p\":null,\"q\":true}],\"w\":-0.5}", 0,
                           NULL);
    json_t *same = json_loads("{\"x\":2,\"y\":[1,\"z\",{\"p\":null,\"q\":true}],\"w\":-0.5}",
                              0, NULL);
    json_t *reordered = json_loads(
        "{\"y\":[1,\"z\",{\"p\":null,\"q\":true}],\"x\":2,\"w\":-0.5}", 0, NULL);
    json_t *inner_reordered = json_loads(
        "{\"x\":2,\"y\":[1,\"z\",{\"q\":true,\"p\":null}],\"w\":-0.5}", 0, NULL);
    json_t *real = json_loads("{\"x\":2.0,\"y\":[1,\"z\",{\"p\":null,\"q\":true}],\"w\":-0.5}",
                              0, NULL);
    json_t *zero = json_real(0.0), *negzero = json_real(-0.0);
    json_t *nul_a = json_stringn("a\0b", 3), *nul_c = json_stringn("a\0c", 3);
    ck_assert(fo_json_identical(a, a));
    ck_assert(fo_json_identical(a, same));
    ck_assert(fo_json_equal(a, reordered) && !fo_json_identical(a, reordered));
    ck_assert(fo_json_equal(a, inner_reordered) && !fo_json_identical(a, inner_reordered));
    ck_assert(fo_json_equal(a, real) && !fo_json_identical(a, real));
    ck_assert(fo_json_equal(zero, negzero) && !fo_json_identical(zero, negzero));
    ck_assert(!fo_json_identical(nul_a, nul_c));
    ck_assert(fo_json_identical(NULL, NULL) && !fo_json_identical(a, NULL));
    json_t *all[] = {a, same, reordered, inner_reordered, real, zero, negzero, nul_a, nul_c};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        json_decref(all[i]);
}
END_TEST

START_TEST(json_parse_names_line_and_respects_limit)
{
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_json_parse("{\n \"a\": }", 10, 0, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "line 2"));
    v = fo_json_parse("[1,2,3]", 7, 4, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
}
END_TEST

START_TEST(field_errors_read_like_kubernetes)
{
    fo_field_errors *errs = fo_field_errors_new();
    static const char *const modes[] = {"stateless", "savepoint", "last-state", NULL};
    fo_field_errors_add_unsupported(errs, "spec.job.upgradeMode", "fast", modes);
    fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.serviceAccount", NULL, "must be defined");
    fo_field_errors_add_int(errs, FO_FE_INVALID, "spec.job.parallelism", 0,
                            "must be larger than 0");
    ck_assert_uint_eq(fo_field_errors_count(errs), 3);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->message,
                     "spec.job.upgradeMode: Unsupported value: \"fast\": supported values: "
                     "\"stateless\", \"savepoint\", \"last-state\"");
    ck_assert_str_eq(fo_field_errors_get(errs, 1)->message,
                     "spec.serviceAccount: Required value: must be defined");
    ck_assert_str_eq(fo_field_errors_get(errs, 2)->message,
                     "spec.job.parallelism: Invalid value: 0: must be larger than 0");
    ck_assert(fo_field_errors_has_field(errs, "spec.serviceAccount"));
    char *joined = fo_field_errors_join(errs, "; ");
    ck_assert_ptr_nonnull(strstr(joined, "; spec.serviceAccount"));
    free(joined);
    json_t *causes = fo_field_errors_causes(errs);
    ck_assert_str_eq(fo_json_str(json_array_get(causes, 1), "reason"), "FieldValueRequired");
    ck_assert_str_eq(fo_json_str(json_array_get(causes, 2), "field"), "spec.job.parallelism");
    ck_assert_str_eq(fo_json_str(json_array_get(causes, 2), "message"),
                     "Invalid value: 0: must be larger than 0");
    json_decref(causes);
    fo_field_errors_warn(errs, "flinkVersion %s is deprecated", "v1_16");
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 1);
    ck_assert_str_eq(fo_field_errors_warning(errs, 0), "flinkVersion v1_16 is deprecated");
    fo_field_errors_free(errs);
}
END_TEST

START_TEST(field_errors_cut_megabyte_values_and_keys_to_a_readable_line)
{
    /* A 1 MiB key in flinkConfiguration must not make a 1 MiB denial: value, field path and
     * detail each show their first 256 (detail 1024) bytes and say how much was left out. */
    size_t big = 1 << 20;
    char *huge = malloc(big + 1);
    memset(huge, 'k', big);
    huge[big] = '\0';
    /* An "é" (2 bytes) straddling the cut must not be split. */
    huge[255] = (char)0xC3;
    huge[256] = (char)0xA9;
    fo_field_errors *errs = fo_field_errors_new();
    fo_field_errors_add(errs, FO_FE_INVALID, "spec.flinkConfiguration", huge, "bad key");
    char field[600];
    snprintf(field, sizeof field, "spec.flinkConfiguration.%.*s", 500, huge + 1000);
    fo_field_errors_add(errs, FO_FE_FORBIDDEN, field, NULL, "key %s is reserved", huge);
    json_t *obj = json_pack("{s:s}", "k", huge);
    fo_field_errors_add_json(errs, FO_FE_INVALID, "spec.x", obj, NULL);
    json_decref(obj);

    const fo_field_error *e0 = fo_field_errors_get(errs, 0);
    ck_assert_uint_lt(strlen(e0->message), 400);
    char expect_value[300];
    snprintf(expect_value, sizeof expect_value, "\"%.*s\"... (%zu more bytes)", 255, huge,
             big - 255);
    ck_assert_str_eq(e0->value, expect_value);
    ck_assert_ptr_nonnull(strstr(e0->message, ": bad key"));

    const fo_field_error *e1 = fo_field_errors_get(errs, 1);
    ck_assert_uint_lt(strlen(e1->message), 1600);
    ck_assert_uint_eq(strlen(e1->field), 256 + strlen("... (268 more bytes)"));
    ck_assert_ptr_nonnull(strstr(e1->field, "... (268 more bytes)"));
    ck_assert_ptr_nonnull(strstr(e1->detail, "more bytes)"));
    ck_assert_uint_le(strlen(e1->detail), 1024 + 40);

    const fo_field_error *e2 = fo_field_errors_get(errs, 2);
    ck_assert_ptr_nonnull(strstr(e2->value, "{\"k\":\"kkk"));
    ck_assert_ptr_nonnull(strstr(e2->value, "more bytes)"));
    ck_assert_uint_lt(strlen(e2->message), 400);
    fo_field_errors_free(errs);
    free(huge);
}
END_TEST

/* Bounded (a status message, an Event): whole errors, then how many are left out; a first
 * error too long for the bound is cut at a character. */
START_TEST(field_errors_joined_within_a_bound_say_how_many_they_leave_out)
{
    fo_field_errors *errs = fo_field_errors_new();
    fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.a", NULL, "must be set");
    fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.b", NULL, "must be set");
    fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.c", NULL, "must be set");
    char *all = fo_field_errors_join_within(errs, "; ", 0);
    ck_assert_str_eq(all, "spec.a: Required value: must be set; spec.b: Required value: must "
                          "be set; spec.c: Required value: must be set");
    free(all);
    char *two = fo_field_errors_join_within(errs, "; ", 100);
    ck_assert_str_eq(two, "spec.a: Required value: must be set; and 2 more errors not shown");
    free(two);
    fo_field_errors_free(errs);
    /* a first error too long for 64 bytes: its start, cut before the two-byte character the
     * bound falls in */
    errs = fo_field_errors_new();
    fo_field_errors_add(errs, FO_FE_INVALID, "spec.d", NULL, "%s",
                        "xxxxxxxx\xc3\xa9 and more text after it than fits in the bound");
    fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.e", NULL, "must be set");
    char *cut = fo_field_errors_join_within(errs, "; ", 64);
    ck_assert_uint_le(strlen(cut), 64);
    ck_assert_str_eq(cut, "spec.d: Invalid value: xxxxxxxx...; and 1 more errors not shown");
    free(cut);
    fo_field_errors_free(errs);
}
END_TEST

START_TEST(log_lines_are_json_with_context)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fo_log_set_fd(fds[1]);
    fo_log_set_component("test");
    fo_log_ctx_set("FlinkDeployment", "ns1", "basic", NULL);
    json_t *fields = json_pack("{s:i}", "latency_us", 42);
    fo_log_fields(FO_LOG_WARN, fields, "job \"%s\" failed", "x");
    json_decref(fields);
    fo_log_debug("dropped below the level");
    fo_log_ctx_clear();
    fo_log_set_fd(-1);
    close(fds[1]);
    char buf[4096] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(buf[n - 1], '\n');
    ck_assert_ptr_null(strchr(buf, '\n') + 1 < buf + n ? strchr(strchr(buf, '\n') + 1, '\n') : NULL);
    json_error_t jerr;
    json_t *line = json_loads(buf, 0, &jerr);
    ck_assert_ptr_nonnull(line);
    ck_assert_str_eq(fo_json_str(line, "level"), "warn");
    ck_assert_str_eq(fo_json_str(line, "msg"), "job \"x\" failed");
    ck_assert_str_eq(fo_json_str(line, "namespace"), "ns1");
    ck_assert_str_eq(fo_json_str(line, "component"), "test");
    ck_assert_int_eq(json_integer_value(json_object_get(line, "latency_us")), 42);
    json_decref(line);
}
END_TEST

/* A field too large for a line (the webhook's denial reason: every field error of a spec,
 * 100 KB and more) is cut to fit; the line stays one JSON object with every other field. */
START_TEST(a_field_past_the_line_size_is_cut_and_the_line_stays_json)
{
    size_t big = 200 * 1024;
    char *reason = malloc(big + 1);
    ck_assert_ptr_nonnull(reason);
    for (size_t i = 0; i < big; i++)
        reason[i] = i % 7 == 0 ? '"' : 'r';
    reason[big] = '\0';
    FILE *sink = tmpfile(); /* not a pipe: a line may fill a pipe's buffer */
    ck_assert_ptr_nonnull(sink);
    fo_log_set_fd(fileno(sink));
    json_t *fields = json_pack("{s:s, s:s, s:s, s:i}", "uid", "u-1", "reason", reason,
                               "verdict", "denied", "latency_us", 7);
    json_object_set_new(fields, "causes", json_pack("[s]", reason));
    fo_log_fields(FO_LOG_INFO, fields, "admission %s: denied", "x");
    json_decref(fields);
    fo_log_set_fd(-1);
    rewind(sink);
    fo_strbuf out;
    fo_strbuf_init(&out, 0);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, sink)) > 0)
        fo_strbuf_append(&out, buf, n);
    fclose(sink);
    ck_assert_uint_gt(out.len, 0);
    ck_assert_int_eq(out.data[out.len - 1], '\n');
    ck_assert_ptr_eq(strchr(out.data, '\n'), out.data + out.len - 1);
    json_error_t jerr;
    json_t *line = json_loads(out.data, 0, &jerr);
    ck_assert_msg(line, "not JSON (%s): ...%s", jerr.text,
                  out.data + (out.len > 200 ? out.len - 200 : 0));
    ck_assert_str_eq(fo_json_str(line, "msg"), "admission x: denied");
    ck_assert_str_eq(fo_json_str(line, "uid"), "u-1");
    ck_assert_str_eq(fo_json_str(line, "verdict"), "denied");
    ck_assert_int_eq(json_integer_value(json_object_get(line, "latency_us")), 7);
    const char *cut = fo_json_str(line, "reason");
    ck_assert_ptr_nonnull(cut);
    ck_assert_uint_gt(strlen(cut), 1000);
    ck_assert_uint_lt(strlen(cut), big);
    ck_assert_int_eq(strncmp(cut, reason, 1000), 0);
    json_decref(line);
    fo_strbuf_release(&out);
    free(reason);
}
END_TEST

/* The one line fo_log_fields writes for fields, parsed (NULL when it is no JSON). */
static json_t *logged_line(const json_t *fields, size_t *len)
{
    FILE *sink = tmpfile(); /* not a pipe: a line may fill a pipe's buffer */
    ck_assert_ptr_nonnull(sink);
    fo_log_set_fd(fileno(sink));
    fo_log_fields(FO_LOG_INFO, fields, "admission %s: denied", "x");
    fo_log_set_fd(-1);
    rewind(sink);
    fo_strbuf out;
    fo_strbuf_init(&out, 0);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, sink)) > 0)
        fo_strbuf_append(&out, buf, n);
    fclose(sink);
    ck_assert_ptr_eq(strchr(out.data, '\n'), out.data + out.len - 1);
    *len = out.len;
    json_t *line = json_loads(out.data, 0, NULL);
    fo_strbuf_release(&out);
    return line;
}

/* The fields after a cut one are kept too, whatever the cut text holds (plain text takes no
 * more room escaped, which let the cut fill the line), and two large texts share the room. */
START_TEST(the_fields_after_a_cut_one_are_kept)
{
    size_t big = 200 * 1024;
    char *text = malloc(big + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, 'r', big);
    text[big] = '\0';
    json_t *fields = json_pack("{s:s, s:s, s:s, s:i, s:s, s:[s]}", "uid", "u-1", "reason", text,
                               "verdict", "denied", "latency_us", 7, "detail", text, "tail",
                               "kept");
    size_t len = 0;
    json_t *line = logged_line(fields, &len);
    ck_assert_msg(line, "not JSON");
    ck_assert_uint_le(len, 64 * 1024);
    ck_assert_str_eq(fo_json_str(line, "uid"), "u-1");
    ck_assert_msg(fo_json_str(line, "verdict"), "verdict dropped after the cut reason");
    ck_assert_str_eq(fo_json_str(line, "verdict"), "denied");
    ck_assert_int_eq(json_integer_value(json_object_get(line, "latency_us")), 7);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(line, "tail"), 0)), "kept");
    const char *reason = fo_json_str(line, "reason"), *detail = fo_json_str(line, "detail");
    ck_assert_msg(reason && detail, "reason %s, detail %s", reason ? "kept" : "dropped",
                  detail ? "kept" : "dropped");
    /* each cut to about half of the line, marked as cut */
    ck_assert_uint_gt(strlen(reason), 16 * 1024);
    ck_assert_uint_gt(strlen(detail), 16 * 1024);
    ck_assert_str_eq(reason + strlen(reason) - 3, "...");
    ck_assert_str_eq(detail + strlen(detail) - 3, "...");
    json_decref(line);
    json_decref(fields);
    free(text);
}
END_TEST

START_TEST(read_file_appends_whole_files_and_names_the_file_on_errors)
{
    char path[] = "/tmp/flinkop-strbuf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "0123456789", 10), 10);
    close(fd);
    fo_err err;
    fo_err_clear(&err);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 16);
    fo_strbuf_puts(&sb, "ab");
    ck_assert_int_eq(fo_strbuf_read_file(&sb, path, &err), FO_OK);
    ck_assert_str_eq(sb.data, "ab0123456789");
    ck_assert_int_eq(fo_strbuf_read_file(&sb, path, &err), FO_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, path));
    ck_assert_ptr_nonnull(strstr(err.message, "16 bytes"));
    unlink(path);
    ck_assert_int_eq(fo_strbuf_read_file(&sb, path, &err), FO_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "No such file"));
    /* a FIFO would wait for a writer, a directory cannot be read: refused at once */
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(fo_strbuf_read_file(&sb, path, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "not a regular file"));
    unlink(path);
    ck_assert_int_eq(fo_strbuf_read_file(&sb, "/", &err), FO_EINVAL);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(http_status_maps_to_result_codes)
{
    ck_assert_int_eq(fo_rc_from_http(200), FO_OK);
    ck_assert_int_eq(fo_rc_from_http(404), FO_ENOTFOUND);
    ck_assert_int_eq(fo_rc_from_http(409), FO_ECONFLICT);
    ck_assert_int_eq(fo_rc_from_http(410), FO_EGONE);
    ck_assert_int_eq(fo_rc_from_http(422), FO_EINVALID);
    ck_assert_int_eq(fo_rc_from_http(429), FO_ETOOMANY);
    ck_assert_int_eq(fo_rc_from_http(503), FO_EUNAVAIL);
    fo_err err;
    fo_err_clear(&err);
    fo_err_set(&err, FO_EIO, "read %s", "x");
    fo_err_wrap(&err, "loading %s", "file");
    ck_assert_str_eq(err.message, "loading file: read x");
}
END_TEST

/* An error message cut to its buffer never holds half a UTF-8 character: the message
 * goes into status.error, Events and JSON log lines, whose encoders refuse invalid UTF-8 (a
 * 2 KB Flink or API server message of non-ASCII text would otherwise lose the whole field). */
static bool valid_utf8(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t need = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (!need)
            return false;
        for (size_t k = 1; k < need; k++)
            if ((p[k] & 0xC0) != 0x80)
                return false;
        p += need;
    }
    return true;
}

START_TEST(a_cut_error_message_never_holds_half_a_character)
{
    /* "é" is 2 bytes, "€" 3, "𝄞" 4; every offset of the cut is tried. */
    const char *chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9d\x84\x9e"};
    char *text = malloc(FO_ERR_MSG_MAX + 16);
    for (size_t c = 0; c < 3; c++) {
        size_t w = strlen(chars[c]);
        for (size_t pad = 0; pad < w; pad++) {
            size_t n = 0;
            for (; n < pad; n++)
                text[n] = 'a';
            while (n + w < FO_ERR_MSG_MAX + 8) {
                memcpy(text + n, chars[c], w);
                n += w;
            }
            text[n] = '\0';
            fo_err err;
            fo_err_clear(&err);
            fo_err_set(&err, FO_EIO, "%s", text);
            ck_assert_msg(valid_utf8(err.message), "set: width %zu pad %zu: not UTF-8 (%zu bytes)", w, pad,
                          strlen(err.message));
            ck_assert_uint_ge(strlen(err.message), FO_ERR_MSG_MAX - 4);
            fo_err_set(&err, FO_EIO, "%s", text + pad);
            fo_err_wrap(&err, "%.*s", (int)(pad + 600), text);
            ck_assert_msg(valid_utf8(err.message), "wrap: width %zu pad %zu: not UTF-8", w, pad);
        }
    }
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("base");
    tcase_add_test(tc, strbuf_grows_and_stays_terminated);
    tcase_add_test(tc, strbuf_refuses_to_pass_its_limit_and_keeps_content);
    tcase_add_test(tc, strbuf_reserve_allocates_exactly_and_extend_writes_in_place);
    tcase_add_test(tc, a_container_copy_shares_scalars_and_owns_its_containers);
    tcase_add_test(tc, json_string_escaping_follows_rfc8259);
    tcase_add_test(tc, a_lossy_json_string_keeps_valid_text_and_marks_broken_bytes);
    tcase_add_test(tc, rfc3339_round_trips_and_rejects_garbage);
    tcase_add_test(tc, fake_clock_moves_only_when_told_and_wakes_listeners);
    tcase_add_test(tc, json_paths_get_set_and_delete);
    tcase_add_test(tc, json_equal_compares_numbers_by_value);
    tcase_add_test(tc, json_identical_means_the_same_text);
    tcase_add_test(tc, json_parse_names_line_and_respects_limit);
    tcase_add_test(tc, field_errors_read_like_kubernetes);
    tcase_add_test(tc, field_errors_cut_megabyte_values_and_keys_to_a_readable_line);
    tcase_add_test(tc, field_errors_joined_within_a_bound_say_how_many_they_leave_out);
    tcase_add_test(tc, log_lines_are_json_with_context);
    tcase_add_test(tc, a_field_past_the_line_size_is_cut_and_the_line_stays_json);
    tcase_add_test(tc, the_fields_after_a_cut_one_are_kept);
    tcase_add_test(tc, read_file_appends_whole_files_and_names_the_file_on_errors);
    tcase_add_test(tc, http_status_maps_to_result_codes);
    tcase_add_test(tc, a_cut_error_message_never_holds_half_a_character);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
