#include "common/json_skim.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/strbuf.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SKIM_AVX2 1
#endif

#ifdef SKIM_AVX2

/* The most nesting followed: a bit per level in one word. */
#define SKIM_MAX_NEST 64

/* The end of the integer or literal at p when it is one this check vouches for: an integer of
 * at most 18 digits (it cannot overflow), true, false or null not followed by a letter (jansson
 * reads a run of letters as one token). NULL otherwise. */
static const unsigned char *scalar_end(const unsigned char *p, const unsigned char *end)
{
    if (*p == 't' || *p == 'f' || *p == 'n') {
        const char *word = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
        size_t n = strlen(word);
        if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
            return NULL;
        p += n;
        return p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) ? NULL : p;
    }
    const unsigned char *digits = p + (*p == '-'), *q = digits;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    size_t n = (size_t)(q - digits);
    if (n == 0 || n > 18 || (n > 1 && *digits == '0'))
        return NULL;
    if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
        return NULL; /* a real: its overflow check is strtod's */
    return q;
}

/* The \u escape whose backslash is at p: four hex digits, not NUL (refused in keys) and not a
 * surrogate (which must pair). */
static bool unicode_ok(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 6)
        return false;
    int v = 0;
    for (int i = 2; i < 6; i++) {
        int d = fo_hex_digit(p[i]);
        if (d < 0)
            return false;
        v = v * 16 + d;
    }
    return v > 0 && (v < 0xD800 || v > 0xDFFF);
}

/* The masks of 32 bytes (bit i: byte i). Byte classes come from a nibble lookup:
 * lo[c & 15] & hi[c >> 4] has a bit of 0x07 for , : [ ] { } and a bit of 0x18 for space, tab,
 * newline and carriage return, and is 0 for every other byte. */
typedef struct half {
    uint32_t odd, quote, bs, structural, space; /* odd: below 0x20 or above 0x7F */
} half;

__attribute__((target("avx2"))) static inline void classify(const unsigned char *b, half *h)
{
    const __m256i lo_table =
        _mm256_setr_epi8(0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x12, 0x04, 0x01, 0x14, 0, 0, 0x08,
                         0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x12, 0x04, 0x01, 0x14, 0, 0);
    const __m256i hi_table =
        _mm256_setr_epi8(0x10, 0, 0x09, 0x02, 0, 0x04, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0,
                         0x09, 0x02, 0, 0x04, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nibble = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i is_quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'));
    __m256i is_bs = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'));
    __m256i cls = _mm256_and_si256(
        _mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, nibble)),
        _mm256_shuffle_epi8(hi_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
    /* a signed compare: bytes from 0x80 up are negative */
    h->odd = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v));
    h->quote = (uint32_t)_mm256_movemask_epi8(is_quote);
    h->bs = (uint32_t)_mm256_movemask_epi8(is_bs);
    h->structural = ~(uint32_t)_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(_mm256_and_si256(cls, _mm256_set1_epi8(0x07)), zero));
    h->space = ~(uint32_t)_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(_mm256_and_si256(cls, _mm256_set1_epi8(0x18)), zero));
}

/* The bytes of 32 that a backslash may escape without a closer look: " \ / b f n r t. Asked
 * only of blocks with escapes. A nibble lookup, as in classify: a bit per high nibble of the
 * eight (2: " /, 5: \, 6: b f n, 7: r t), set in the low nibble's entry of those that have
 * it, so that lo[c & 15] & hi[c >> 4] is not 0 for exactly these eight bytes. */
__attribute__((target("avx2"))) static inline uint32_t simple_escapes(const unsigned char *b)
{
    const __m256i lo_table =
        _mm256_setr_epi8(0, 0, 0x0D, 0, 0x08, 0, 0x04, 0, 0, 0, 0, 0, 0x02, 0, 0x04, 0x01, 0, 0,
                         0x0D, 0, 0x08, 0, 0x04, 0, 0, 0, 0, 0, 0x02, 0, 0x04, 0x01);
    const __m256i hi_table =
        _mm256_setr_epi8(0, 0, 0x01, 0, 0, 0x02, 0x04, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
                         0, 0, 0x02, 0x04, 0x08, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i hit = _mm256_and_si256(
        _mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, nibble)),
        _mm256_shuffle_epi8(hi_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
    return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256()));
}

/* Bit i of the result: the parity of bits 0..i of m (a carry-less multiply by all ones). */
__attribute__((target("avx2,pclmul"))) static inline uint64_t prefix_xor(uint64_t m)
{
    __m128i v = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)m), _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(v);
}

#define JOIN(lo, hi, m) ((uint64_t)(lo).m | ((uint64_t)(hi).m << 32))

enum { G_VALUE, G_ARRAY_FIRST, G_OBJECT_FIRST, G_KEY, G_COLON, G_AFTER };

__attribute__((target("avx2,pclmul"))) static const unsigned char *
skim(const unsigned char *p, const unsigned char *end, unsigned max_nest)
{
    const uint64_t even = 0x5555555555555555ULL;
    if (max_nest > SKIM_MAX_NEST)
        max_nest = SKIM_MAX_NEST;
    uint64_t objects = 0; /* bit i: the container at nesting i is an object */
    unsigned nest = 0;
    int st = G_VALUE;
    uint64_t in_string = 0, escape_carry = 0; /* 0 or all ones; 0 or 1 */
    unsigned char pad[64];
    while (p < end) {
        size_t avail = (size_t)(end - p);
        const unsigned char *b = p;
        if (avail < 64) { /* the last bytes, padded with white space */
            memset(pad, ' ', sizeof pad);
            memcpy(pad, p, avail);
            b = pad;
        }
        half lo, hi;
        classify(b, &lo);
        classify(b + 32, &hi);
        uint64_t bs = JOIN(lo, hi, bs), quote = JOIN(lo, hi, quote);

        /* Escaped bytes: those after an odd-length run of backslashes (a run may start in an
         * earlier block: escape_carry). A backslash outside a string is no token byte, so the
         * grammar gives up at it before anything it seems to escape. */
        uint64_t backslash = bs & ~escape_carry;
        uint64_t follows = (backslash << 1) | escape_carry;
        uint64_t odd_starts = backslash & ~even & ~follows, even_runs;
        escape_carry = __builtin_add_overflow(odd_starts, backslash, &even_runs) ? 1 : 0;
        uint64_t escaped = (even ^ (even_runs << 1)) & follows;
        uint64_t odd = 0;
        if (escaped)
            odd = escaped & ~((uint64_t)simple_escapes(b) | (uint64_t)simple_escapes(b + 32) << 32);
        for (; odd; odd &= odd - 1) {
            unsigned i = (unsigned)__builtin_ctzll(odd);
            if (b[i] != 'u' || !unicode_ok(p + i - 1, end))
                return NULL;
        }

        /* Inside a string: from its opening quote up to, not including, its closing one. */
        uint64_t quotes = quote & ~escaped, inside = prefix_xor(quotes) ^ in_string;
        uint64_t space = JOIN(lo, hi, space);
        /* UTF-8 anywhere (the byte-wise reader checks it), a control character in a string or
         * outside one other than white space */
        if (JOIN(lo, hi, odd) & ~(space & ~inside))
            return NULL;
        uint64_t outside = ~inside & ~quotes, structural = JOIN(lo, hi, structural);
        uint64_t other = outside & ~space & ~structural; /* scalars, anything bad */
        uint64_t tokens = (outside & structural) | (quotes & inside) | (other & ~(other << 1));
        in_string = (uint64_t)0 - (inside >> 63);
        const unsigned char *next = p + 64;
        for (; tokens; tokens &= tokens - 1) {
            unsigned i = (unsigned)__builtin_ctzll(tokens);
            switch (b[i]) {
            case '"':
                if (st == G_OBJECT_FIRST || st == G_KEY)
                    st = G_COLON;
                else if (st == G_VALUE || st == G_ARRAY_FIRST)
                    st = G_AFTER;
                else
                    return NULL;
                continue;
            case ':':
                if (st != G_COLON)
                    return NULL;
                st = G_VALUE;
                continue;
            case ',':
                if (st != G_AFTER)
                    return NULL;
                st = (objects >> (nest - 1)) & 1 ? G_KEY : G_VALUE;
                continue;
            case '{':
            case '[':
                if ((st != G_VALUE && st != G_ARRAY_FIRST) || nest == max_nest)
                    return NULL;
                if (b[i] == '{') {
                    objects |= 1ULL << nest;
                    st = G_OBJECT_FIRST;
                } else {
                    objects &= ~(1ULL << nest);
                    st = G_ARRAY_FIRST;
                }
                nest++;
                continue;
            case '}':
            case ']': {
                bool object = b[i] == '}';
                if (!(st == (object ? G_OBJECT_FIRST : G_ARRAY_FIRST) ||
                      (st == G_AFTER && ((objects >> (nest - 1)) & 1) == object)))
                    return NULL;
                if (--nest == 0)
                    return p + i + 1;
                st = G_AFTER;
                continue;
            }
            default: {
                if (st != G_VALUE && st != G_ARRAY_FIRST)
                    return NULL;
                const unsigned char *e = scalar_end(p + i, end);
                if (!e)
                    return NULL;
                st = G_AFTER;
                /* the next block starts right after it, outside any string */
                next = e;
                in_string = 0;
                escape_carry = 0;
                break;
            }
            }
            break;
        }
        p = next;
    }
    return NULL; /* the input ended inside the value */
}

/* fo_json_skim_escaped_text with AVX2: the SSE2 loop of json_read.c (skip_escaped_text) on
 * 32 bytes a round. */
__attribute__((target("avx2"))) static const unsigned char *
escaped_text(const unsigned char *p, const unsigned char *end)
{
    const __m256i quote = _mm256_set1_epi8('"'), backslash = _mm256_set1_epi8('\\'),
                  space = _mm256_set1_epi8(0x20);
    while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
        uint32_t q = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote));
        uint32_t bs = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash));
        /* a signed compare: control characters, and every byte from 0x80 up */
        uint32_t odd = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(space, v));
        /* the bytes the backslashes escape (bit 32: the next block's first byte): each
         * backslash's next byte, unless backslashes come in runs, where every other one */
        uint64_t esc = (uint64_t)fo_json_escaping_backslashes(bs) << 1;
        /* an escaped byte that is no simple escape stops at its backslash (bit i - 1: p[0] is
         * never escaped) */
        uint32_t not_simple = (uint32_t)esc & ~simple_escapes(p);
        uint32_t stop = ((q | odd) & ~(uint32_t)esc) | (not_simple >> 1);
        if (stop)
            return p + __builtin_ctz(stop);
        /* a backslash in the last byte escapes the next block's first: begin there */
        p += esc >> 32 ? 31 : 32;
    }
    return p;
}

static bool have_avx2_pclmul(void)
{
    static int known = -1; /* the same answer for every thread: a race writes it twice */
    int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (k < 0) {
        __builtin_cpu_init();
        k = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") ? 1 : 0;
        __atomic_store_n(&known, k, __ATOMIC_RELAXED);
    }
    return k == 1;
}

#endif

const unsigned char *fo_json_skim_escaped_text(const unsigned char *p, const unsigned char *end)
{
#ifdef SKIM_AVX2
    if (have_avx2_pclmul())
        return escaped_text(p, end);
#else
    (void)end;
#endif
    return p;
}

const unsigned char *fo_json_skim_container(const unsigned char *p, const unsigned char *end,
                                            unsigned max_nest)
{
#ifdef SKIM_AVX2
    if (p < end && (*p == '{' || *p == '[') && max_nest > 0 && have_avx2_pclmul())
        return skim(p, end, max_nest);
#else
    (void)p;
    (void)end;
    (void)max_nest;
#endif
    return NULL;
}
