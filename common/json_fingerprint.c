#include "common/json_fingerprint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t mix(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* A tag byte before each value keeps ["a","b"] apart from ["ab"] and 1 apart from "1". */
static uint64_t mix_tag(uint64_t h, char tag)
{
    return mix(h, &tag, 1);
}

/* Strings and keys go in with their length, so that no two sequences run together. */
static uint64_t mix_bytes(uint64_t h, const char *s, size_t n)
{
    uint64_t len = n;
    return mix(mix(h, &len, sizeof len), s, n);
}

static uint64_t mix_number(uint64_t h, const json_t *v)
{
    char text[40];
    int n;
    double d = json_number_value(v);
    if (json_is_integer(v))
        n = snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else if (d == floor(d) && fabs(d) < 9.2e18) /* integral: as the API server writes it back */
        n = snprintf(text, sizeof text, "%lld", (long long)d);
    else
        n = snprintf(text, sizeof text, "%.17g", d);
    return mix_bytes(mix_tag(h, 'n'), text, (size_t)n);
}

typedef struct member {
    const char *key;
    size_t len;
    const json_t *value;
} member;

static int by_key(const void *a, const void *b)
{
    const member *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static uint64_t walk(uint64_t h, const json_t *v);

/* Members in key order, null members left out. */
static uint64_t walk_object(uint64_t h, const json_t *obj)
{
    size_t n = json_object_size(obj), used = 0;
    member stack[16];
    member *m = n <= 16 ? stack : malloc(n * sizeof *m);
    if (!m) /* out of memory: a fingerprint no written value has, so "changed" */
        return mix_tag(h, '!');
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)obj, key, key_len, value)
    {
        if (!json_is_null(value))
            m[used++] = (member){key, key_len, value};
    }
    qsort(m, used, sizeof *m, by_key);
    h = mix_tag(h, '{');
    for (size_t i = 0; i < used; i++)
        h = walk(mix_bytes(h, m[i].key, m[i].len), m[i].value);
    if (m != stack)
        free(m);
    return mix_tag(h, '}');
}

static uint64_t walk(uint64_t h, const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT:
        return walk_object(h, v);
    case JSON_ARRAY: {
        h = mix_tag(h, '[');
        for (size_t i = 0; i < json_array_size(v); i++)
            h = walk(h, json_array_get(v, i));
        return mix_tag(h, ']');
    }
    case JSON_STRING:
        return mix_bytes(mix_tag(h, 's'), json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
    case JSON_REAL:
        return mix_number(h, v);
    case JSON_TRUE:
        return mix_tag(h, 't');
    case JSON_FALSE:
        return mix_tag(h, 'f');
    case JSON_NULL:
        break;
    }
    return mix_tag(h, '0');
}

uint64_t fo_json_fingerprint(const json_t *v)
{
    return walk(FNV_OFFSET, v);
}
