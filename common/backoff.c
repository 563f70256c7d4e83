#include "common/backoff.h"

#include <math.h>

fo_rc fo_backoff_init(fo_backoff *b, int64_t initial_ms, int64_t max_ms, double factor,
                      double jitter, uint64_t seed)
{
    /* the negated comparisons also refuse NaN */
    if (initial_ms < 0 || max_ms < initial_ms || !(factor >= 1) || !(jitter >= 0) || !(jitter <= 1))
        return FO_EINVAL;
    b->initial_ms = initial_ms;
    b->max_ms = max_ms;
    b->factor = factor;
    b->jitter = jitter;
    b->attempt = 0;
    b->rng = seed;
    return FO_OK;
}

/* splitmix64: small, fast, and every seed (0 too) gives a good sequence. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* x^n by squaring (exact for powers of two, within an ulp or two of pow otherwise). Written
 * here so the programs need not load libm for it (a third of a MiB of resident pages). */
static double power(double x, uint32_t n)
{
    double r = 1;
    while (n) {
        if (n & 1)
            r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

int64_t fo_backoff_next_ms(fo_backoff *b)
{
    double max = (double)b->max_ms;
    double base = (double)b->initial_ms * power(b->factor, b->attempt);
    if (!(base <= max)) /* also catches overflow to infinity */
        base = max;
    if (b->attempt < UINT32_MAX)
        b->attempt++;
    double d = base;
    if (b->jitter > 0) {
        double u = (double)(next_random(&b->rng) >> 11) / 9007199254740992.0; /* [0, 1) */
        d = base * (1 + b->jitter * (2 * u - 1));
    }
    /* At the cap answer max_ms itself: (double)max_ms may be 2^63, which no int64 holds. */
    if (d >= max)
        return b->max_ms;
    if (d < 0)
        d = 0;
    /* llround for 0 <= d < 2^63 (a fraction exists only below 2^52) */
    int64_t whole = (int64_t)d;
    return d - (double)whole >= 0.5 ? whole + 1 : whole;
}

int64_t fo_backoff_doubled_ms(int64_t first_ms, int times, int64_t cap_ms)
{
    int64_t cap = first_ms > cap_ms ? first_ms : cap_ms;
    int64_t d = first_ms;
    for (int i = 0; i < times && d < cap; i++)
        d = d > cap / 2 ? cap : d * 2;
    return d < cap ? d : cap;
}

void fo_backoff_reset(fo_backoff *b)
{
    b->attempt = 0;
}

fo_rc fo_token_bucket_init(fo_token_bucket *tb, double qps, int burst, int64_t now_ms)
{
    if (!(qps > 0) || isinf(qps) || burst < 1)
        return FO_EINVAL;
    tb->qps = qps;
    tb->burst = burst;
    tb->tokens = burst;
    tb->last_ms = now_ms;
    return FO_OK;
}

double fo_token_bucket_tokens(const fo_token_bucket *tb, int64_t now_ms)
{
    double elapsed = now_ms > tb->last_ms ? (double)(now_ms - tb->last_ms) : 0;
    double tokens = tb->tokens + elapsed * tb->qps / 1000.0;
    return tokens > tb->burst ? tb->burst : tokens;
}

int64_t fo_token_bucket_reserve(fo_token_bucket *tb, int64_t now_ms)
{
    /* golang.org/x/time/rate Reserve(): refill for the time passed (up to burst), take one
     * token even if that makes the count negative, and wait until it is paid back. */
    double tokens = fo_token_bucket_tokens(tb, now_ms) - 1;
    tb->tokens = tokens;
    if (now_ms > tb->last_ms)
        tb->last_ms = now_ms;
    if (tokens >= 0)
        return 0;
    /* the epsilon keeps float noise (1000/qps * n) from adding a whole millisecond; a wait
     * beyond 64 bits (a tiny qps) saturates */
    double wait = ceil(-tokens * 1000.0 / tb->qps - 1e-9);
    return wait >= 9223372036854775807.0 ? INT64_MAX : (int64_t)wait;
}
