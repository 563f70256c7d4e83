#include "common/clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FO_CLOCK_MAX_LISTENERS 16

struct listener {
    fo_clock_listener fn;
    void *ctx;
};

struct fo_clock {
    bool fake;
    pthread_mutex_t mu;
    int64_t wall_ms;
    int64_t mono_ms;
    struct listener listeners[FO_CLOCK_MAX_LISTENERS];
};

static struct fo_clock real_clock = {.fake = false, .mu = PTHREAD_MUTEX_INITIALIZER};

const fo_clock *fo_clock_real(void)
{
    return &real_clock;
}

static int64_t read_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fo_clock_real_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The struct is logically const to readers; the mutex is the only thing that changes. */
static fo_clock *mut(const fo_clock *c)
{
    return (fo_clock *)(uintptr_t)c;
}

int64_t fo_clock_now_ms(const fo_clock *c)
{
    if (!c || !c->fake)
        return read_ms(CLOCK_REALTIME);
    pthread_mutex_lock(&mut(c)->mu);
    int64_t v = c->wall_ms;
    pthread_mutex_unlock(&mut(c)->mu);
    return v;
}

int64_t fo_clock_mono_ms(const fo_clock *c)
{
    if (!c || !c->fake)
        return read_ms(CLOCK_MONOTONIC);
    pthread_mutex_lock(&mut(c)->mu);
    int64_t v = c->mono_ms;
    pthread_mutex_unlock(&mut(c)->mu);
    return v;
}

bool fo_clock_is_fake(const fo_clock *c)
{
    return c && c->fake;
}

fo_clock *fo_clock_fake_new(int64_t start_ms)
{
    fo_clock *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fake = true;
    pthread_mutex_init(&c->mu, NULL);
    c->wall_ms = start_ms;
    c->mono_ms = 0;
    return c;
}

void fo_clock_fake_advance(fo_clock *c, int64_t ms)
{
    if (!c || !c->fake)
        return;
    struct listener copy[FO_CLOCK_MAX_LISTENERS];
    pthread_mutex_lock(&c->mu);
    c->wall_ms += ms;
    c->mono_ms += ms;
    memcpy(copy, c->listeners, sizeof copy);
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < FO_CLOCK_MAX_LISTENERS; i++)
        if (copy[i].fn)
            copy[i].fn(copy[i].ctx);
}

bool fo_clock_subscribe(const fo_clock *c, fo_clock_listener fn, void *ctx)
{
    if (!c || !c->fake)
        return true;
    fo_clock *m = mut(c);
    bool ok = false;
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < FO_CLOCK_MAX_LISTENERS; i++) {
        if (!m->listeners[i].fn) {
            m->listeners[i].fn = fn;
            m->listeners[i].ctx = ctx;
            ok = true;
            break;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

void fo_clock_unsubscribe(const fo_clock *c, fo_clock_listener fn, void *ctx)
{
    if (!c || !c->fake)
        return;
    fo_clock *m = mut(c);
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < FO_CLOCK_MAX_LISTENERS; i++) {
        if (m->listeners[i].fn == fn && m->listeners[i].ctx == ctx) {
            m->listeners[i].fn = NULL;
            m->listeners[i].ctx = NULL;
        }
    }
    pthread_mutex_unlock(&m->mu);
}

void fo_clock_free(fo_clock *c)
{
    if (!c || !c->fake)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

char *fo_clock_format_rfc3339(int64_t epoch_ms, bool micro, char *buf, size_t len)
{
    time_t secs = (time_t)(epoch_ms / 1000);
    int64_t frac_ms = epoch_ms % 1000;
    if (frac_ms < 0) {
        frac_ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    if (micro)
        snprintf(buf, len, "%s.%06dZ", base, (int)frac_ms * 1000);
    else
        snprintf(buf, len, "%sZ", base);
    return buf;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool fo_clock_parse_rfc3339(const char *s, int64_t *epoch_ms)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) < 20)
        return false;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    const char *p = s + 19;
    int64_t frac_ms = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        int64_t scale = 100;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac_ms += (*p - '0') * scale;
            scale /= 10;
            n++;
            p++;
        }
        if (n == 0)
            return false;
    }
    int64_t offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return false;
        offset_min = (int64_t)oh * 60 + om;
        if (*p == '-')
            offset_min = -offset_min;
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + se - offset_min * 60;
    *epoch_ms = secs * 1000 + frac_ms;
    return true;
}
