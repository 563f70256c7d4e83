/* The webhook's handler turns a large review away while another large one is handled (the
 * lock the handler takes for reviews over FO_WEBHOOK_HEAVY_BODY_BYTES), with 429 and
 * Retry-After, counted as verdict busy; the handler is called directly, as the server would.
 * And the server's own refusals are counted by their reason. */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/httpd.h"
#include "common/jsonutil.h"
#include "common/metrics.h"
#include "webhook/webhook.h"
#include "webhook/webhook_internal.h"

/* Holds the webhook's large-review lock, as the handler of another large review would, until
 * told to let go. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool holding, release;
} g_holder = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};

static void *hold_heavy(void *arg)
{
    fo_webhook *wh = arg;
    pthread_mutex_lock(&wh->heavy);
    pthread_mutex_lock(&g_holder.mu);
    g_holder.holding = true;
    pthread_cond_broadcast(&g_holder.cv);
    while (!g_holder.release)
        pthread_cond_wait(&g_holder.cv, &g_holder.mu);
    pthread_mutex_unlock(&g_holder.mu);
    pthread_mutex_unlock(&wh->heavy);
    return NULL;
}

START_TEST(a_large_review_while_another_is_handled_gets_429_with_retry_after)
{
    fo_err err;
    fo_webhook_opts opts = {0};
    fo_webhook *wh = fo_webhook_new(&opts, &err);
    ck_assert_ptr_nonnull(wh);
    size_t len = FO_WEBHOOK_HEAVY_BODY_BYTES + 1;
    char *body = malloc(len + 1);
    memset(body, ' ', len);
    body[len] = '\0';
    fo_http_request req = {.method = "POST", .path = "/mutate", .body = body, .body_len = len,
                           .remote_addr = "10.0.0.1"};
    fo_http_response resp;
    fo_http_response_init(&resp);

    pthread_t holder;
    ck_assert_int_eq(pthread_create(&holder, NULL, hold_heavy, wh), 0);
    pthread_mutex_lock(&g_holder.mu);
    while (!g_holder.holding)
        pthread_cond_wait(&g_holder.cv, &g_holder.mu);
    pthread_mutex_unlock(&g_holder.mu);
    fo_webhook_handle(wh, &req, &resp);
    /* the handler turned away without touching the other's lock: still held */
    ck_assert_int_ne(pthread_mutex_trylock(&wh->heavy), 0);
    pthread_mutex_lock(&g_holder.mu);
    g_holder.release = true;
    pthread_cond_broadcast(&g_holder.cv);
    pthread_mutex_unlock(&g_holder.mu);
    pthread_join(holder, NULL);

    ck_assert_int_eq(resp.status, 429);
    json_t *st = json_loadb(resp.body, resp.body_len, 0, NULL);
    ck_assert_str_eq(fo_json_str(st, "reason"), "TooManyRequests");
    ck_assert_ptr_nonnull(strstr(fo_json_str(st, "message"), "another review of more than"));
    json_decref(st);
    bool retry_after = false;
    for (size_t i = 0; i < resp.nheaders; i++)
        retry_after = retry_after || (strcmp(resp.headers[i].name, "Retry-After") == 0 &&
                                      strcmp(resp.headers[i].value, "1") == 0);
    ck_assert(retry_after);
    ck_assert_double_eq(
        fo_counter_value(wh->requests, (const char *[]){"/mutate", "busy"}), 1);
    fo_http_response_release(&resp);
    free(body);
    fo_webhook_free(wh);
}
END_TEST

/* What the server answers without the handler is counted by why: the body's size (413, and
 * 429 when the server holds too much) or its framing (400 for ambiguous lengths, 501 for an
 * unknown transfer coding: bad requests, not large ones). */
START_TEST(requests_the_server_refuses_are_counted_by_why)
{
    fo_err err;
    fo_webhook_opts opts = {0};
    fo_webhook *wh = fo_webhook_new(&opts, &err);
    ck_assert_ptr_nonnull(wh);
    fo_webhook_refused(wh, "/mutate", 413);
    fo_webhook_refused(wh, "/mutate", 429);
    fo_webhook_refused(wh, "/mutate", 400);
    fo_webhook_refused(wh, "/validate", 501);
    ck_assert_double_eq(fo_counter_value(wh->requests, (const char *[]){"/mutate", "too_large"}),
                        1);
    ck_assert_double_eq(fo_counter_value(wh->requests, (const char *[]){"/mutate", "busy"}), 1);
    ck_assert_double_eq(
        fo_counter_value(wh->requests, (const char *[]){"/mutate", "bad_request"}), 1);
    ck_assert_double_eq(
        fo_counter_value(wh->requests, (const char *[]){"/validate", "bad_request"}), 1);
    ck_assert_double_eq(
        fo_counter_value(wh->requests, (const char *[]){"/validate", "too_large"}), 0);
    fo_webhook_free(wh);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("webhook_heavy");
    TCase *tc = tcase_create("heavy");
    tcase_add_test(tc, a_large_review_while_another_is_handled_gets_429_with_retry_after);
    tcase_add_test(tc, requests_the_server_refuses_are_counted_by_why);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
