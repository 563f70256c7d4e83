#include "common/json_read.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/json_skim.h"
#include "common/strbuf.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "skip_plain reads eight bytes at a time as a little-endian word"
#endif

typedef struct reader {
    const unsigned char *p, *start, *end;
    fo_err *err;
    const fo_json_read_filter *filter; /* NULL: build everything */
    bool big_integers_as_reals;        /* the filter's options, with or without a member fn */
    size_t max_weight, weight;         /* of what is built so far (in the current item) */
    int item_state;                    /* the filter's, or 0 */
    bool over_weight;                  /* charge() stopped the read */
    bool *nul_key_built;               /* the filter's, or NULL */
    char *scratch; /* unescaped string text */
    size_t scratch_cap;
} reader;

/* Byte classes inside a string: C_PLAIN bytes are copied as they are, the rest need a look. */
enum { C_PLAIN, C_QUOTE, C_ESCAPE, C_CONTROL, C_UTF8 };
static const unsigned char string_class[256] = {
    [0x00 ... 0x1F] = C_CONTROL,
    ['"'] = C_QUOTE,
    ['\\'] = C_ESCAPE,
    [0x80 ... 0xFF] = C_UTF8,
};

static bool fail(reader *r, const unsigned char *at, fo_rc rc, const char *why)
{
    if (rc == FO_ENOMEM) {
        fo_err_set(r->err, FO_ENOMEM, "out of memory reading JSON");
        return false;
    }
    /* Line and column of the offending byte; the column counts characters, as jansson's. */
    int line = 1, col = 1;
    for (const unsigned char *q = r->start; q < at && q < r->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else if ((*q & 0xC0) != 0x80) {
            col++;
        }
    }
    if (at >= r->end)
        fo_err_set(r->err, rc, "invalid JSON at line %d, column %d: %s near end of input", line,
                   col, why);
    else
        fo_err_set(r->err, rc, "invalid JSON at line %d, column %d: %s", line, col, why);
    return false;
}

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static int hex4(const unsigned char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = fo_hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The code point of the \u escape at s ('\\' 'u' and 4 hex digits, and its low surrogate when
 * it is a high one); *used gets the bytes consumed. -1 when invalid (message in *why). */
static int32_t unicode_escape(const unsigned char *s, const unsigned char *end, size_t *used,
                              const char **why)
{
    *why = "invalid Unicode escape";
    if (end - s < 6)
        return -1;
    int v = hex4(s + 2);
    if (v < 0)
        return -1;
    *used = 6;
    if (v >= 0xDC00 && v <= 0xDFFF) {
        *why = "invalid Unicode escape: a low surrogate without a high one";
        return -1;
    }
    if (v < 0xD800 || v > 0xDBFF)
        return v;
    *why = "invalid Unicode escape: a high surrogate without a low one";
    if (end - s < 12 || s[6] != '\\' || s[7] != 'u')
        return -1;
    int lo = hex4(s + 8);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return -1;
    *used = 12;
    return ((v - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
}

/* The first byte at or after p that is not C_PLAIN, or end. Sixteen bytes at a time with SSE2
 * (a signed compare below 0x20 catches control characters and every byte >= 0x80 at once),
 * then eight at a time (the "has a zero byte" bit tricks; their false positives only ever sit
 * above a true one, so the lowest flagged byte is the first special byte: little-endian
 * loads), then byte by byte near the end of the buffer. */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                    _mm_cmpeq_epi8(v, backslash)),
                                       _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t special = (((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w) & high;
        if (special)
            return p + (__builtin_ctzll(special) >> 3);
        p += 8;
    }
    while (p < end && string_class[*p] == C_PLAIN)
        p++;
    return p;
}

#ifdef __SSE2__
/* Text full of simple escapes (\" \\ \/ \b \f \n \r \t), such as JSON inside a string
 * (last-applied-configuration, lastReconciledSpec), sixteen bytes at a time from p, which is
 * not an escaped byte: returns the first byte that needs a closer look (the closing quote, a
 * control character, a UTF-8 lead byte, or the backslash of a \u or invalid escape), or a point
 * less than sixteen bytes from end. Returning to the byte loop at every escape costs several
 * times more; plain text is left to skip_plain, which is cheaper per short string. */
static const unsigned char *skip_escaped_text(const unsigned char *p, const unsigned char *end)
{
    p = fo_json_skim_escaped_text(p, end); /* 32 bytes a round with AVX2; the rest here */
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20), slash = _mm_set1_epi8('/'), b = _mm_set1_epi8('b'),
                  f = _mm_set1_epi8('f'), n = _mm_set1_epi8('n'), r = _mm_set1_epi8('r'),
                  t = _mm_set1_epi8('t');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i is_quote = _mm_cmpeq_epi8(v, quote), is_bs = _mm_cmpeq_epi8(v, backslash);
        unsigned q = (unsigned)_mm_movemask_epi8(is_quote);
        unsigned bs = (unsigned)_mm_movemask_epi8(is_bs);
        /* a signed compare below 0x20 catches control characters and every byte >= 0x80 */
        unsigned odd = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, space));
        /* The bytes the backslashes escape (bit 16: the next block's first byte): each
         * backslash's next byte, unless backslashes come in runs, where every other one. */
        unsigned esc = fo_json_escaping_backslashes(bs) << 1;
        __m128i simple = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(is_quote, is_bs),
                         _mm_or_si128(_mm_cmpeq_epi8(v, slash), _mm_cmpeq_epi8(v, b))),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, f), _mm_cmpeq_epi8(v, n)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, r), _mm_cmpeq_epi8(v, t))));
        /* an escaped byte that is no simple escape stops at its backslash (bit i - 1: p[0] is
         * never escaped) */
        unsigned not_simple = esc & 0xFFFF & ~(unsigned)_mm_movemask_epi8(simple);
        unsigned stop = ((q | odd) & ~esc) | (not_simple >> 1);
        if (stop)
            return p + __builtin_ctz(stop);
        /* a backslash in the last byte escapes the next block's first: begin there */
        p += esc & 0x10000 ? 15 : 16;
    }
    return p;
}
#endif

/* scan_string for every string the fast path below does not take. */
__attribute__((noinline)) static bool scan_string_slow(reader *r, const unsigned char **text,
                                                       size_t *raw_len, bool *escaped)
{
    const unsigned char *p = r->p + 1, *end = r->end;
    *text = p;
    *escaped = false;
    for (;;) {
        p = skip_plain(p, end);
        if (p >= end)
            return fail(r, p, FO_EINVAL, "unterminated string");
        switch (string_class[*p]) {
        case C_QUOTE:
            *raw_len = (size_t)(p - *text);
            r->p = p + 1;
            return true;
        case C_ESCAPE: {
            *escaped = true;
            if (p + 1 >= end)
                return fail(r, p, FO_EINVAL, "unterminated string");
            unsigned char e = p[1];
            if (e == 'u') {
                size_t used = 0;
                const char *why = NULL;
                if (unicode_escape(p, end, &used, &why) < 0)
                    return fail(r, p, FO_EINVAL, why);
                p += used;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                       e == 'r' || e == 't') {
                p += 2;
#ifdef __SSE2__
                p = skip_escaped_text(p, end);
#endif
            } else {
                return fail(r, p, FO_EINVAL, "invalid escape");
            }
            break;
        }
        case C_CONTROL:
            return fail(r, p, FO_EINVAL,
                        *p == '\n' ? "unexpected newline in a string"
                                   : "control character in a string (must be escaped)");
        default: { /* C_UTF8 */
            size_t n = utf8_len(p, end);
            if (!n)
                return fail(r, p, FO_EINVAL, "invalid UTF-8");
            p += n;
        }
        }
    }
}

/* Check the string whose opening quote is at r->p and move past its closing quote. Its raw
 * text is [*text, *text + *raw_len); *escaped says whether it needs unescaping. Most strings
 * of a Kubernetes object (keys, names, images, quantities) are plain and end within sixteen
 * bytes: one SSE2 block answers them here, inlined into the parser, without the call and
 * register saves of the general scanner, which costs as much again for a short string. */
static inline bool scan_string(reader *r, const unsigned char **text, size_t *raw_len,
                               bool *escaped)
{
#ifdef __SSE2__
    const unsigned char *p = r->p + 1;
    if (r->end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            if (p[k] == '"') {
                *text = p;
                *raw_len = k;
                *escaped = false;
                r->p = p + k + 1;
                return true;
            }
        }
    }
#endif
    return scan_string_slow(r, text, raw_len, escaped);
}

/* The byte a simple escape stands for, by the letter after the backslash (" \\ / stand for
 * themselves). */
static const unsigned char simple_escape[256] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
    ['f'] = '\f', ['n'] = '\n',   ['r'] = '\r', ['t'] = '\t',
};

/* Decode the checked \u escape at *s into *o; both move past it. */
static inline void put_unicode_escape(const unsigned char **s, const unsigned char *end, char **o)
{
    size_t used = 0;
    const char *why = NULL;
    int32_t cp = unicode_escape(*s, end, &used, &why); /* checked by scan_string */
    *o += utf8_put((uint32_t)cp, *o);
    *s += used;
}

/* Unescape a checked string into r->scratch; returns its length, or (size_t)-1 when out of
 * memory. */
static size_t unescape(reader *r, const unsigned char *s, size_t raw_len)
{
    /* sixteen bytes of slack: the block loop stores whole blocks */
    if (raw_len + 17 > r->scratch_cap) {
        size_t cap = raw_len + 17 > 256 ? raw_len + 17 : 256;
        char *b = realloc(r->scratch, cap);
        if (!b)
            return (size_t)-1;
        r->scratch = b;
        r->scratch_cap = cap;
    }
    char *o = r->scratch;
    const unsigned char *end = s + raw_len;
#ifdef __SSE2__
    /* Sixteen bytes a round, whatever the escapes in them: the block is stored whole, then
     * again from each escaped byte on, over the backslash before it, and that byte is put
     * right. Nothing waits on where the previous escape ended, as a loop from escape to escape
     * does (text full of escapes, such as JSON inside a string, had one every 6-8 bytes). The
     * loads reach 32 bytes from s: the input must hold them (they need not be in the string).
     * The output never runs ahead of the input, so 16 bytes of slack hold every store. */
    const __m128i backslash = _mm_set1_epi8('\\');
    while (end - s >= 16 && r->end - s >= 32) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        _mm_storeu_si128((__m128i *)(void *)o, v);
        unsigned esc = fo_json_escaping_backslashes(
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)));
        unsigned len = esc & 0x8000 ? 15 : 16; /* its escaped byte is in the next block */
        esc &= 0x7FFF;
        unsigned done = 0; /* bytes of the block written */
        for (; esc; esc &= esc - 1) {
            unsigned i = (unsigned)__builtin_ctz(esc);
            if (s[i + 1] == 'u') { /* rare: the byte loop below takes it */
                len = i;
                break;
            }
            o += i - done;
            _mm_storeu_si128((__m128i *)(void *)o,
                             _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1)));
            *o = (char)simple_escape[s[i + 1]];
            done = i + 1;
        }
        o += len - done;
        s += len;
        if (len < 15) /* stopped at a \u escape */
            put_unicode_escape(&s, end, &o);
    }
#endif
    while (s < end) {
        if (*s != '\\') {
            *o++ = (char)*s++;
            continue;
        }
        if (s[1] == 'u') {
            put_unicode_escape(&s, end, &o);
            continue;
        }
        *o++ = (char)simple_escape[s[1]];
        s += 2;
    }
    return (size_t)(o - r->scratch);
}

static bool parse_string(reader *r, bool build, json_t **out)
{
    const unsigned char *text;
    size_t raw_len;
    bool escaped;
    if (!scan_string(r, &text, &raw_len, &escaped))
        return false;
    if (!build)
        return true;
    if (!escaped) {
        *out = json_stringn_nocheck((const char *)text, raw_len);
    } else {
        size_t n = unescape(r, text, raw_len);
        *out = n == (size_t)-1 ? NULL : json_stringn_nocheck(r->scratch, n);
    }
    return *out ? true : fail(r, r->p, FO_ENOMEM, NULL);
}

static bool is_digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* The digits [p, end) as the magnitude of a json_int_t of that sign, if it fits. */
static bool integer_fits(const unsigned char *p, const unsigned char *end, bool neg,
                         uint64_t *out)
{
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* RFC 8259 section 6. Integers (no fraction, no exponent) must fit in json_int_t, unless the
 * filter reads bigger ones as reals; reals must not overflow (jansson's two numeric errors).
 * Both are checked also where nothing is built. */
static bool parse_number(reader *r, bool build, json_t **out, int *type)
{
    const unsigned char *s = r->p, *p = r->p, *end = r->end;
    bool neg = false, real = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (!is_digit(p, end))
        return fail(r, s, FO_EINVAL, "invalid token");
    if (*p == '0') {
        p++;
        if (is_digit(p, end))
            return fail(r, s, FO_EINVAL, "invalid number: leading zero");
    } else {
        while (is_digit(p, end))
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (!is_digit(p, end))
            return fail(r, p, FO_EINVAL, "invalid number: digits expected after '.'");
        while (is_digit(p, end))
            p++;
        real = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(p, end))
            return fail(r, p, FO_EINVAL, "invalid number: digits expected in the exponent");
        while (is_digit(p, end))
            p++;
        real = true;
    }
    r->p = p;
    if (!real) {
        uint64_t v;
        if (integer_fits(s + neg, p, neg, &v)) {
            *type = JSON_INTEGER;
            if (build) {
                json_int_t iv = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)v)
                                    : (json_int_t)v;
                if (!(*out = json_integer(iv)))
                    return fail(r, s, FO_ENOMEM, NULL);
            }
            return true;
        }
        if (!r->big_integers_as_reals)
            return fail(r, s, FO_EINVAL, neg ? "too big negative integer" : "too big integer");
        /* read below as the float64 it came from */
    }
    *type = JSON_REAL;
    size_t n = (size_t)(p - s);
    char small[64];
    char *text = n < sizeof small ? small : malloc(n + 1);
    if (!text)
        return fail(r, s, FO_ENOMEM, NULL);
    memcpy(text, s, n);
    text[n] = '\0';
    errno = 0;
    double d = strtod(text, NULL);
    bool overflow = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
    if (text != small)
        free(text);
    if (overflow)
        return fail(r, s, FO_EINVAL, "real number overflow");
    if (build && !(*out = json_real(d)))
        return fail(r, s, FO_ENOMEM, NULL);
    return true;
}

static bool literal(reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    /* jansson reads a whole run of letters as one token: "truex" is invalid */
    const unsigned char *q = r->p + n;
    if (q < r->end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
        return false;
    r->p = q;
    return true;
}

static bool parse_value(reader *r, int st, bool build, unsigned depth, json_t **out, int *type);

/* Add to the weight of what is built (fo_json_read_filter.max_weight); false past it. */
static inline bool charge(reader *r, size_t units)
{
    if (!r->max_weight || (r->weight += units) <= r->max_weight)
        return true;
    r->over_weight = true;
    fo_err_set(r->err, FO_ELIMIT, "more than %zu JSON values (an object counts 3, each of its "
               "keys 1 more)", r->max_weight);
    return false;
}

static bool parse_object(reader *r, int st, bool build, unsigned depth, json_t **out)
{
    json_t *obj = NULL;
    char *key_copy = NULL;
    if (build && !(obj = json_object()))
        return fail(r, r->p, FO_ENOMEM, NULL);
    r->p++; /* '{' */
    skip_ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        *out = obj;
        return true;
    }
    for (;;) {
        if (r->p >= r->end || *r->p != '"') {
            fail(r, r->p, FO_EINVAL, "string or '}' expected");
            goto error;
        }
        const unsigned char *text;
        size_t raw_len;
        bool escaped;
        if (!scan_string(r, &text, &raw_len, &escaped))
            goto error;
        const char *key = (const char *)text;
        size_t key_len = raw_len;
        if (escaped) {
            key_len = unescape(r, text, raw_len);
            if (key_len == (size_t)-1 || !(key_copy = malloc(key_len + 1))) {
                fail(r, r->p, FO_ENOMEM, NULL);
                goto error;
            }
            memcpy(key_copy, r->scratch, key_len);
            key = key_copy; /* may hold NUL (json_read.h) */
        }
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':') {
            fail(r, r->p, FO_EINVAL, "':' expected");
            goto error;
        }
        r->p++;
        skip_ws(r);
        int skip = -1, type = -1;
        int child = st == 0 ? 0 : r->filter->member(r->filter->ctx, st, key, key_len, &skip);
        bool build_child = build && skip < 0;
        if (build_child && !charge(r, 1)) /* the key */
            goto error;
        json_t *value = NULL;
        if (!parse_value(r, child, build_child, depth, &value, &type))
            goto error;
        if (skip >= 0 && (size_t)skip < r->filter->nskipped && r->filter->skipped_types)
            r->filter->skipped_types[skip] = type;
        if (build_child && json_object_setn_new_nocheck(obj, key, key_len, value) != 0) {
            fail(r, r->p, FO_ENOMEM, NULL);
            goto error;
        }
        /* only an escape (\u0000) puts a NUL in a key: a raw one is refused by the scan */
        if (build_child && key_copy && r->nul_key_built && memchr(key, '\0', key_len))
            *r->nul_key_built = true;
        free(key_copy);
        key_copy = NULL;
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            *out = obj;
            return true;
        }
        fail(r, r->p, FO_EINVAL, "',' or '}' expected");
        goto error;
    }
error:
    free(key_copy);
    json_decref(obj);
    return false;
}

static bool parse_array(reader *r, int st, bool build, unsigned depth, json_t **out)
{
    /* Every element of an array read in state st != 0 gets the state the filter gives a
     * member without a key; elements cannot be skipped. */
    int child = 0;
    if (st != 0) {
        int skip = -1;
        child = r->filter->member(r->filter->ctx, st, NULL, 0, &skip);
    }
    json_t *arr = NULL;
    if (build && !(arr = json_array()))
        return fail(r, r->p, FO_ENOMEM, NULL);
    r->p++; /* '[' */
    skip_ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        *out = arr;
        return true;
    }
    for (;;) {
        json_t *value = NULL;
        int type;
        if (!parse_value(r, child, build, depth, &value, &type))
            goto error;
        if (build && json_array_append_new(arr, value) != 0) {
            fail(r, r->p, FO_ENOMEM, NULL);
            goto error;
        }
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            *out = arr;
            return true;
        }
        fail(r, r->p, FO_EINVAL, "',' or ']' expected");
        goto error;
    }
error:
    json_decref(arr);
    return false;
}

/* An object in the filter's item_state: weighed on its own, its own 3 included (already
 * charged to the enclosing scope when built: moved here). */
static bool parse_item(reader *r, int st, bool build, unsigned depth, json_t **out)
{
    size_t own = build ? 3 : 0;
    size_t outer = r->weight - own;
    const unsigned char *start = r->p;
    r->weight = own;
    bool ok = parse_object(r, st, build, depth, out);
    if (!ok && r->over_weight && r->filter->item_over_at &&
        *r->filter->item_over_at == (size_t)-1)
        *r->filter->item_over_at = (size_t)(start - r->start);
    r->weight = outer;
    return ok;
}

/* One value at r->p (no leading white space). depth counts the values this one is nested in,
 * as jansson counts them. */
static bool parse_value(reader *r, int st, bool build, unsigned depth, json_t **out, int *type)
{
    *out = NULL;
    if (!build && st == 0 && depth < FO_JSON_READ_MAX_DEPTH && r->p < r->end &&
        (*r->p == '{' || *r->p == '[')) {
        /* A container nothing will read: the fast check, when it can vouch for it. This value
         * is depth + 1 deep; the children of its containers at nesting n, depth + 1 + n. */
        const unsigned char *e =
            fo_json_skim_container(r->p, r->end, FO_JSON_READ_MAX_DEPTH - (depth + 1));
        if (e) {
            *type = *r->p == '{' ? JSON_OBJECT : JSON_ARRAY;
            r->p = e;
            return true;
        }
    }
    if (++depth > FO_JSON_READ_MAX_DEPTH)
        return fail(r, r->p, FO_EINVAL, "maximum parsing depth reached");
    if (r->p >= r->end)
        return fail(r, r->p, FO_EINVAL, "a value expected");
    if (build && !charge(r, *r->p == '{' ? 3 : 1))
        return false;
    switch (*r->p) {
    case '{':
        *type = JSON_OBJECT;
        if (st != 0 && st == r->item_state)
            return parse_item(r, st, build, depth, out);
        return parse_object(r, st, build, depth, out);
    case '[':
        *type = JSON_ARRAY;
        return parse_array(r, st, build, depth, out);
    case '"':
        *type = JSON_STRING;
        return parse_string(r, build, out);
    case 't':
        *type = JSON_TRUE;
        if (!literal(r, "true", 4))
            return fail(r, r->p, FO_EINVAL, "invalid token");
        *out = build ? json_true() : NULL;
        return true;
    case 'f':
        *type = JSON_FALSE;
        if (!literal(r, "false", 5))
            return fail(r, r->p, FO_EINVAL, "invalid token");
        *out = build ? json_false() : NULL;
        return true;
    case 'n':
        *type = JSON_NULL;
        if (!literal(r, "null", 4))
            return fail(r, r->p, FO_EINVAL, "invalid token");
        *out = build ? json_null() : NULL;
        return true;
    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
            return parse_number(r, build, out, type);
        return fail(r, r->p, FO_EINVAL, "invalid token");
    }
}

/* One value at the start of buf; *used is where it ends, or the whole input must be it when
 * used is NULL. */
static json_t *read_value(const char *buf, size_t len, const fo_json_read_filter *filter,
                          size_t *used, fo_err *err)
{
    reader r = {.p = (const unsigned char *)buf,
                .start = (const unsigned char *)buf,
                .end = (const unsigned char *)buf + len,
                .err = err,
                .filter = filter && filter->member ? filter : NULL,
                .big_integers_as_reals = filter && filter->big_integers_as_reals,
                .max_weight = filter ? filter->max_weight : 0,
                .nul_key_built = filter ? filter->nul_key_built : NULL,
                .item_state =
                    filter && filter->member && filter->max_weight ? filter->item_state : 0};
    if (r.filter && r.filter->item_over_at)
        *r.filter->item_over_at = (size_t)-1;
    if (r.filter && r.filter->skipped_types)
        for (size_t i = 0; i < r.filter->nskipped; i++)
            r.filter->skipped_types[i] = -1;
    fo_err_clear(err);
    json_t *v = NULL;
    int type;
    skip_ws(&r);
    if (!parse_value(&r, r.filter ? r.filter->root_state : 0, true, 0, &v, &type))
        goto out;
    if (used) {
        *used = (size_t)(r.p - r.start);
        goto out;
    }
    skip_ws(&r);
    if (r.p != r.end) {
        fail(&r, r.p, FO_EINVAL, "end of input expected");
        json_decref(v);
        v = NULL;
    }
out:
    free(r.scratch);
    return v;
}

json_t *fo_json_read(const char *buf, size_t len, const fo_json_read_filter *filter, fo_err *err)
{
    return read_value(buf, len, filter, NULL, err);
}

json_t *fo_json_read_value(const char *buf, size_t len, const fo_json_read_filter *filter,
                           size_t *used, fo_err *err)
{
    size_t at = 0;
    json_t *v = read_value(buf, len, filter, &at, err);
    if (used)
        *used = at;
    return v;
}
