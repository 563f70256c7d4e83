#include "common/workqueue.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/backoff.h"
#include "common/log.h"

/* client-go's DefaultTypedControllerRateLimiter: 5 ms .. 1000 s per item, 10 qps burst 100. */
#define DEFAULT_BASE_MS 5
#define DEFAULT_MAX_MS (1000 * 1000)
#define DEFAULT_QPS 10.0
#define DEFAULT_BURST 100

struct delayed {
    int64_t at;   /* monotonic ms when the key becomes ready */
    uint64_t seq; /* insertion order among equal times */
    char *key;
};

/* One queued key and the tag it was queued with (see the dirty set). */
struct entry {
    char *key;
    int64_t tag;
};

/* The ready keys of one lane, FIFO: a ring of entries. An entry whose key has since moved to
 * the urgent lane, or was handed out from another entry, is stale and skipped when it reaches
 * the head (see live_head); the key queued again later gets a new entry with a new tag, so a
 * stale entry never comes back to life ahead of the keys queued before that. */
struct lane {
    struct entry *ring;
    size_t head, count, cap;
};

/* The dirty set maps a key to tag = (n << 2) | lane: the lane it waits for, and n, the number
 * of the entry queued for it (0 while a worker holds it: done() queues it). */
enum { LANE_NORMAL = 1, LANE_URGENT = 2, LANE_MASK = 3 };

/* While both lanes hold keys, every URGENT_RUN-th key comes from the normal lane. */
#define URGENT_RUN 4

struct fo_workqueue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const fo_clock *clock;
    char name[64];
    struct lane lanes[3]; /* indexed by LANE_NORMAL, LANE_URGENT; [0] unused */
    size_t ready;         /* keys ready to hand out (live entries of both lanes) */
    int urgent_run;       /* keys taken from the urgent lane in a row while both held keys */
    int64_t entries;      /* entries queued so far (the n of the tags) */
    /* sets as jansson objects (string-keyed hash tables) */
    json_t *dirty;      /* queued or to be queued: key -> its tag (the lane it goes to) */
    json_t *processing; /* held by a worker */
    json_t *failures;   /* key -> failure count */
    json_t *waiting;    /* key -> time of its live entry in the heap */
    json_t *wait_lane;  /* key -> the lane a waiting key goes to when its time comes */
    struct delayed *heap;
    size_t nheap, heapcap;
    uint64_t seq;
    int64_t base_ms, max_ms;
    fo_token_bucket bucket;
    bool shutting_down;
};

static void on_tick(void *ctx)
{
    fo_workqueue *q = ctx;
    pthread_mutex_lock(&q->mu);
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

fo_workqueue *fo_workqueue_new(const fo_workqueue_opts *opts)
{
    static const fo_workqueue_opts none;
    if (!opts)
        opts = &none;
    if (opts->base_delay_ms < 0 || opts->max_delay_ms < 0 || opts->qps < 0 || opts->burst < 0)
        return NULL;
    fo_workqueue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->clock = opts->clock ? opts->clock : fo_clock_real();
    snprintf(q->name, sizeof q->name, "%s", opts->name ? opts->name : "workqueue");
    q->base_ms = opts->base_delay_ms ? opts->base_delay_ms : DEFAULT_BASE_MS;
    q->max_ms = opts->max_delay_ms ? opts->max_delay_ms : DEFAULT_MAX_MS;
    if (q->max_ms < q->base_ms ||
        fo_token_bucket_init(&q->bucket, opts->qps > 0 ? opts->qps : DEFAULT_QPS,
                             opts->burst > 0 ? opts->burst : DEFAULT_BURST,
                             fo_clock_mono_ms(q->clock)) != FO_OK) {
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    q->dirty = json_object();
    q->processing = json_object();
    q->failures = json_object();
    q->waiting = json_object();
    q->wait_lane = json_object();
    if (!q->dirty || !q->processing || !q->failures || !q->waiting || !q->wait_lane ||
        !fo_clock_subscribe(q->clock, on_tick, q)) {
        fo_workqueue_free(q);
        return NULL;
    }
    return q;
}

void fo_workqueue_free(fo_workqueue *q)
{
    if (!q)
        return;
    fo_clock_unsubscribe(q->clock, on_tick, q);
    for (int l = LANE_NORMAL; l <= LANE_URGENT; l++) {
        struct lane *ln = &q->lanes[l];
        for (size_t i = 0; i < ln->count; i++)
            free(ln->ring[(ln->head + i) % ln->cap].key);
        free(ln->ring);
    }
    for (size_t i = 0; i < q->nheap; i++)
        free(q->heap[i].key);
    free(q->heap);
    json_decref(q->dirty);
    json_decref(q->processing);
    json_decref(q->failures);
    json_decref(q->waiting);
    json_decref(q->wait_lane);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static bool key_ok(const fo_workqueue *q, const char *key)
{
    if (key && *key && strlen(key) <= FO_WORKQUEUE_MAX_KEY)
        return true;
    fo_log_warn("%s: key ignored (empty or longer than %d bytes)", q->name, FO_WORKQUEUE_MAX_KEY);
    return false;
}

static bool lane_push(struct lane *ln, const char *key, int64_t tag)
{
    if (ln->count == ln->cap) {
        size_t cap = ln->cap ? ln->cap * 2 : 64;
        struct entry *ring = malloc(cap * sizeof *ring);
        if (!ring)
            return false;
        for (size_t i = 0; i < ln->count; i++)
            ring[i] = ln->ring[(ln->head + i) % ln->cap];
        free(ln->ring);
        ln->ring = ring;
        ln->cap = cap;
        ln->head = 0;
    }
    char *copy = strdup(key);
    if (!copy)
        return false;
    ln->ring[(ln->head + ln->count) % ln->cap] = (struct entry){.key = copy, .tag = tag};
    ln->count++;
    return true;
}

static char *lane_pop(struct lane *ln)
{
    char *key = ln->ring[ln->head].key;
    ln->head = (ln->head + 1) % ln->cap;
    ln->count--;
    return key;
}

static int64_t dirty_tag(fo_workqueue *q, const char *key)
{
    return json_integer_value(json_object_get(q->dirty, key));
}

static int dirty_lane(fo_workqueue *q, const char *key)
{
    return (int)(dirty_tag(q, key) & LANE_MASK);
}

/* Drop the stale entries at the head of lane l; true when a live key is left at its head:
 * the entry its key was last queued with (so it waits for this lane, and no worker holds it). */
static bool live_head(fo_workqueue *q, int l)
{
    struct lane *ln = &q->lanes[l];
    while (ln->count > 0) {
        const struct entry *e = &ln->ring[ln->head];
        if (dirty_tag(q, e->key) == e->tag && !json_object_get(q->processing, e->key))
            return true;
        free(lane_pop(ln));
    }
    return false;
}

/* Queue a new entry for key, dirty for `lane` and held by no worker; false when out of
 * memory (nothing changed then). */
static bool queue_entry(fo_workqueue *q, const char *key, int lane)
{
    int64_t tag = ((q->entries + 1) << 2) | lane;
    if (!lane_push(&q->lanes[lane], key, tag))
        return false;
    q->entries++;
    json_object_set_new(q->dirty, key, json_integer(tag));
    return true;
}

/* Key is dirty for its lane and no worker holds it: make it ready there. */
static void push_ready(fo_workqueue *q, const char *key)
{
    if (!queue_entry(q, key, dirty_lane(q, key))) {
        json_object_del(q->dirty, key);
        fo_log_error("%s: out of memory, key dropped", q->name);
        return;
    }
    q->ready++;
    pthread_cond_signal(&q->cv);
}

static void add_locked(fo_workqueue *q, const char *key, int lane)
{
    if (q->shutting_down)
        return;
    int have = dirty_lane(q, key);
    if (have >= lane)
        return;
    if (json_object_get(q->processing, key)) {
        json_object_set_new(q->dirty, key, json_integer(lane));
        return; /* done() queues it again, in the lane it waits for */
    }
    if (have == 0) {
        json_object_set_new(q->dirty, key, json_integer(lane));
        push_ready(q, key);
        return;
    }
    /* Ready in the normal lane already: it moves (its old entry goes stale), still one key. */
    if (!queue_entry(q, key, lane))
        fo_log_error("%s: out of memory, key left in the normal lane", q->name);
}

/* ---- the delay heap (min-heap on (at, seq)) ---- */

static bool earlier(const struct delayed *a, const struct delayed *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_swap(struct delayed *h, size_t i, size_t j)
{
    struct delayed t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static bool heap_push(fo_workqueue *q, int64_t at, const char *key)
{
    if (q->nheap == q->heapcap) {
        size_t cap = q->heapcap ? q->heapcap * 2 : 64;
        struct delayed *h = realloc(q->heap, cap * sizeof *h);
        if (!h)
            return false;
        q->heap = h;
        q->heapcap = cap;
    }
    char *copy = strdup(key);
    if (!copy)
        return false;
    size_t i = q->nheap++;
    q->heap[i] = (struct delayed){.at = at, .seq = q->seq++, .key = copy};
    while (i > 0 && earlier(&q->heap[i], &q->heap[(i - 1) / 2])) {
        heap_swap(q->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return true;
}

static struct delayed heap_pop(fo_workqueue *q)
{
    struct delayed top = q->heap[0];
    q->heap[0] = q->heap[--q->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->nheap && earlier(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->nheap && earlier(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            break;
        heap_swap(q->heap, i, m);
        i = m;
    }
    return top;
}

/* Move every delayed key whose time has come into the ready queue. Entries superseded by an
 * earlier time for the same key are dropped here (lazy deletion). */
static void promote_locked(fo_workqueue *q, int64_t now)
{
    while (q->nheap > 0 && q->heap[0].at <= now) {
        struct delayed d = heap_pop(q);
        json_t *live = json_object_get(q->waiting, d.key);
        if (live && json_integer_value(live) == d.at) {
            int lane = (int)json_integer_value(json_object_get(q->wait_lane, d.key));
            json_object_del(q->waiting, d.key);
            json_object_del(q->wait_lane, d.key);
            add_locked(q, d.key, lane == LANE_URGENT ? LANE_URGENT : LANE_NORMAL);
        }
        free(d.key);
    }
}

/* ---- public ---- */

void fo_workqueue_add(fo_workqueue *q, const char *key)
{
    if (!key_ok(q, key))
        return;
    pthread_mutex_lock(&q->mu);
    add_locked(q, key, LANE_NORMAL);
    pthread_mutex_unlock(&q->mu);
}

void fo_workqueue_add_urgent(fo_workqueue *q, const char *key)
{
    if (!key_ok(q, key))
        return;
    pthread_mutex_lock(&q->mu);
    add_locked(q, key, LANE_URGENT);
    pthread_mutex_unlock(&q->mu);
}

/* add_after into lane: a key already waiting keeps the earlier time and the more urgent lane. */
static void add_after(fo_workqueue *q, const char *key, int64_t delay_ms, int lane)
{
    if (!key_ok(q, key))
        return;
    pthread_mutex_lock(&q->mu);
    if (q->shutting_down) {
        pthread_mutex_unlock(&q->mu);
        return;
    }
    if (delay_ms <= 0) {
        add_locked(q, key, lane);
        pthread_mutex_unlock(&q->mu);
        return;
    }
    int64_t at = fo_clock_mono_ms(q->clock) + delay_ms;
    json_t *live = json_object_get(q->waiting, key);
    if (!live || at < json_integer_value(live)) {
        if (heap_push(q, at, key)) {
            json_object_set_new(q->waiting, key, json_integer(at));
            pthread_cond_broadcast(&q->cv); /* sleepers may need an earlier deadline */
        } else {
            fo_log_error("%s: out of memory, delayed key dropped", q->name);
            lane = 0;
        }
    }
    if (lane > json_integer_value(json_object_get(q->wait_lane, key)))
        json_object_set_new(q->wait_lane, key, json_integer(lane));
    pthread_mutex_unlock(&q->mu);
}

void fo_workqueue_add_after(fo_workqueue *q, const char *key, int64_t delay_ms)
{
    add_after(q, key, delay_ms, LANE_NORMAL);
}

void fo_workqueue_add_after_urgent(fo_workqueue *q, const char *key, int64_t delay_ms)
{
    add_after(q, key, delay_ms, LANE_URGENT);
}

int64_t fo_workqueue_when(fo_workqueue *q, const char *key)
{
    if (!key_ok(q, key))
        return 0;
    pthread_mutex_lock(&q->mu);
    json_t *f = json_object_get(q->failures, key);
    int64_t n = f ? json_integer_value(f) : 0;
    json_object_set_new(q->failures, key, json_integer(n + 1));
    /* base * 2^n, capped (new() made sure max >= base) */
    int times = n > INT32_MAX ? INT32_MAX : (int)n;
    int64_t item = fo_backoff_doubled_ms(q->base_ms, times, q->max_ms);
    int64_t overall = fo_token_bucket_reserve(&q->bucket, fo_clock_mono_ms(q->clock));
    pthread_mutex_unlock(&q->mu);
    return item > overall ? item : overall;
}

void fo_workqueue_add_rate_limited(fo_workqueue *q, const char *key)
{
    if (!key_ok(q, key))
        return;
    fo_workqueue_add_after(q, key, fo_workqueue_when(q, key));
}

void fo_workqueue_forget(fo_workqueue *q, const char *key)
{
    if (!key)
        return;
    pthread_mutex_lock(&q->mu);
    json_object_del(q->failures, key);
    pthread_mutex_unlock(&q->mu);
}

int fo_workqueue_num_requeues(fo_workqueue *q, const char *key)
{
    if (!key)
        return 0;
    pthread_mutex_lock(&q->mu);
    json_t *f = json_object_get(q->failures, key);
    int n = f ? (int)json_integer_value(f) : 0;
    pthread_mutex_unlock(&q->mu);
    return n;
}

size_t fo_workqueue_len(fo_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    promote_locked(q, fo_clock_mono_ms(q->clock));
    size_t n = q->ready;
    pthread_mutex_unlock(&q->mu);
    return n;
}

/* The next ready key (q->ready > 0): the urgent lane's first, except that while both lanes
 * hold keys every URGENT_RUN-th comes from the normal lane, so neither starves. */
static char *pop_locked(fo_workqueue *q)
{
    bool urgent = live_head(q, LANE_URGENT), normal = live_head(q, LANE_NORMAL);
    if (!urgent && !normal) { /* cannot happen: every ready key has a live entry */
        fo_log_error("%s: %zu ready keys counted but none queued", q->name, q->ready);
        q->ready = 0;
        return NULL;
    }
    int l = LANE_NORMAL;
    if (urgent && !(normal && q->urgent_run >= URGENT_RUN - 1)) {
        l = LANE_URGENT;
        q->urgent_run = normal ? q->urgent_run + 1 : 0;
    } else {
        q->urgent_run = 0;
    }
    char *key = lane_pop(&q->lanes[l]);
    q->ready--;
    json_object_set_new(q->processing, key, json_true());
    json_object_del(q->dirty, key);
    return key;
}

static fo_rc get(fo_workqueue *q, char **key, bool block)
{
    *key = NULL;
    fo_rc rc = FO_OK;
    bool fake = fo_clock_is_fake(q->clock);
    pthread_mutex_lock(&q->mu);
    for (;;) {
        promote_locked(q, fo_clock_mono_ms(q->clock));
        if (q->ready > 0 && (*key = pop_locked(q)) != NULL)
            break;
        if (q->shutting_down) {
            rc = FO_ESHUTDOWN;
            break;
        }
        if (!block) {
            rc = FO_ENOTFOUND;
            break;
        }
        if (q->nheap > 0 && !fake) {
            /* The real clock's monotonic time is CLOCK_MONOTONIC, as is the condvar's. */
            int64_t at = q->heap[0].at;
            struct timespec ts = {.tv_sec = at / 1000, .tv_nsec = (at % 1000) * 1000000};
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
        } else {
            /* No deadline, or a fake clock: fo_clock_fake_advance wakes us through on_tick. */
            pthread_cond_wait(&q->cv, &q->mu);
        }
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

fo_rc fo_workqueue_get(fo_workqueue *q, char **key)
{
    return get(q, key, true);
}

fo_rc fo_workqueue_try_get(fo_workqueue *q, char **key)
{
    return get(q, key, false);
}

void fo_workqueue_done(fo_workqueue *q, const char *key)
{
    if (!key)
        return;
    pthread_mutex_lock(&q->mu);
    json_object_del(q->processing, key);
    if (json_object_get(q->dirty, key))
        push_ready(q, key);
    pthread_mutex_unlock(&q->mu);
}

void fo_workqueue_shutdown(fo_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    q->shutting_down = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

bool fo_workqueue_shutting_down(fo_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    bool s = q->shutting_down;
    pthread_mutex_unlock(&q->mu);
    return s;
}
