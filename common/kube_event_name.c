#include "common/kube_event_name.h"

#include <stdio.h>
#include <string.h>

/* FNV-1a, 64 bits (draft-eastlake-fnv: offset basis and prime). */
#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

/* "." and 16 hex digits after the object's part. */
#define HASH_PART 17

static uint64_t fnv_add(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV64_PRIME;
    }
    return h;
}

uint64_t fo_kube_event_hash(const char *identity, unsigned probe)
{
    uint64_t h = fnv_add(FNV64_OFFSET, identity ? identity : "", identity ? strlen(identity) : 0);
    if (probe > 0) {
        char num[16];
        int n = snprintf(num, sizeof num, "%u", probe);
        h = fnv_add(h, "", 1); /* the NUL byte: no identity holds one */
        h = fnv_add(h, num, (size_t)n);
    }
    return h;
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

void fo_kube_event_name(const char *object_name, const char *identity, unsigned probe, char *out)
{
    /* A DNS-1123 subdomain is labels of [a-z0-9-] joined by '.', each starting and ending
     * with a letter or digit. Upper case is lowered; a '.' goes only after a letter or
     * digit, and a '-' only where a label is already under way; anything else becomes '-'. */
    const size_t max = FO_KUBE_EVENT_NAME_MAX - HASH_PART;
    size_t n = 0;
    for (const char *s = object_name ? object_name : ""; *s && n < max; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (is_alnum(c))
            out[n++] = c;
        else if (c == '.' && n > 0 && is_alnum(out[n - 1]))
            out[n++] = '.';
        else if (c != '.' && n > 0 && out[n - 1] != '.')
            out[n++] = '-';
    }
    while (n > 0 && !is_alnum(out[n - 1]))
        n--;
    unsigned long long h = (unsigned long long)fo_kube_event_hash(identity, probe);
    if (n == 0)
        snprintf(out, FO_KUBE_EVENT_NAME_MAX + 1, "%016llx", h);
    else
        snprintf(out + n, FO_KUBE_EVENT_NAME_MAX + 1 - n, ".%016llx", h);
}
