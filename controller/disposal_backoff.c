#include "controller/disposal_backoff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/backoff.h"
#include "common/jsonutil.h"

/* Failures counted at most: the wait has long reached its cap by then. */
#define MAX_FAILURES 1000

/* A non-negative decimal string of cluster_info[key] into *v. */
static bool read_num(const json_t *cluster_info, const char *key, int64_t *v)
{
    const char *s = fo_json_str(cluster_info, key);
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || *end || n < 0)
        return false;
    *v = (int64_t)n;
    return true;
}

bool fo_disposal_streak_read(const json_t *cluster_info, fo_disposal_streak *s)
{
    int64_t n = 0, next = 0;
    s->failures = 0;
    s->next_ms = 0;
    if (!read_num(cluster_info, FO_DISPOSAL_FAILURES_KEY, &n) || n < 1 ||
        !read_num(cluster_info, FO_DISPOSAL_NEXT_KEY, &next))
        return false;
    s->failures = n > MAX_FAILURES ? MAX_FAILURES : (int)n;
    s->next_ms = next;
    return true;
}

int64_t fo_disposal_wait_ms(int64_t observe_ms, int failures)
{
    return fo_backoff_doubled_ms(observe_ms, failures - 1, FO_DISPOSAL_MAX_WAIT_MS);
}

static void set_num(json_t *cluster_info, const char *key, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    json_object_set_new(cluster_info, key, json_string(buf));
}

bool fo_disposal_streak_fail(json_t *cluster_info, int64_t observe_ms, int64_t now_ms,
                             fo_disposal_streak *out)
{
    fo_disposal_streak s;
    fo_disposal_streak_read(cluster_info, &s);
    if (s.failures < MAX_FAILURES)
        s.failures++;
    int64_t wait = fo_disposal_wait_ms(observe_ms, s.failures);
    s.next_ms = now_ms + wait;
    set_num(cluster_info, FO_DISPOSAL_FAILURES_KEY, s.failures);
    set_num(cluster_info, FO_DISPOSAL_NEXT_KEY, s.next_ms);
    *out = s;
    return s.failures == 1 || (wait > fo_disposal_wait_ms(observe_ms, s.failures - 1) &&
                               wait >= FO_DISPOSAL_MAX_WAIT_MS);
}

void fo_disposal_streak_clear(json_t *cluster_info)
{
    json_object_del(cluster_info, FO_DISPOSAL_FAILURES_KEY);
    json_object_del(cluster_info, FO_DISPOSAL_NEXT_KEY);
}
