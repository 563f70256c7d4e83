#include "common/json_fingerprint.h"

#include <math.h>
#include <string.h>

/* A 64-bit mix of 64-bit words (the multiply-xorshift finaliser of splitmix64), fed eight
 * bytes at a time: a template of a few KB costs a few thousand instructions. */
#define K1 0x9e3779b97f4a7c15ull
#define K2 0xbf58476d1ce4e5b9ull
#define K3 0x94d049bb133111ebull

static uint64_t mix(uint64_t h, uint64_t w)
{
    uint64_t z = h ^ (w + K1 + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * K2;
    z = (z ^ (z >> 27)) * K3;
    return z ^ (z >> 31);
}

/* Bytes with their length first, so that no two sequences run together. */
static uint64_t mix_bytes(uint64_t h, const char *s, size_t n)
{
    h = mix(h, n);
    uint64_t w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = mix(h, w);
    }
    if (n) {
        w = 0;
        memcpy(&w, s, n);
        h = mix(h, w);
    }
    return h;
}

/* A tag per type keeps 1 apart from "1" and [] apart from {}. */
enum { T_NULL = 1, T_FALSE, T_TRUE, T_INT, T_REAL, T_STRING, T_ARRAY, T_OBJECT };

static uint64_t walk(uint64_t h, const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT: {
        /* Members in any order: each member is hashed on its own and the results summed (a
         * sum does not depend on the order); null members are left out. */
        uint64_t sum = 0;
        size_t n = 0;
        const char *key;
        size_t key_len;
        json_t *m;
        json_object_keylen_foreach((json_t *)v, key, key_len, m)
        {
            if (json_is_null(m))
                continue;
            sum += walk(mix_bytes(T_OBJECT, key, key_len), m);
            n++;
        }
        return mix(mix(mix(h, T_OBJECT), n), sum);
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        h = mix(mix(h, T_ARRAY), n);
        for (size_t i = 0; i < n; i++)
            h = walk(h, json_array_get(v, i));
        return h;
    }
    case JSON_STRING:
        return mix_bytes(mix(h, T_STRING), json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return mix(mix(h, T_INT), (uint64_t)json_integer_value(v));
    case JSON_REAL: {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9.2e18) /* integral: as the API server writes it back */
            return mix(mix(h, T_INT), (uint64_t)(int64_t)d);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(mix(h, T_REAL), bits);
    }
    case JSON_TRUE:
        return mix(h, T_TRUE);
    case JSON_FALSE:
        return mix(h, T_FALSE);
    case JSON_NULL:
        break;
    }
    return mix(h, T_NULL);
}

uint64_t fo_json_fingerprint(const json_t *v)
{
    return walk(0, v);
}
