#include "common/base64.h"

#include <stdint.h>
#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t fo_base64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

size_t fo_base64_encode_into(char *out, const void *data, size_t len)
{
    const unsigned char *in = data;
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = '=';
    }
    return o;
}

char *fo_base64_encode(const void *in, size_t len)
{
    char *out = malloc(fo_base64_encoded_len(len) + 1);
    if (!out)
        return NULL;
    out[fo_base64_encode_into(out, in, len)] = '\0';
    return out;
}

static int digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

char *fo_base64_decode(const char *in, size_t len, size_t *out_len)
{
    char *out = malloc(len / 4 * 3 + 3);
    if (!out)
        return NULL;
    size_t n = 0, got = 0, pad = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n')
            continue;
        int d = c == '=' ? 0 : digit(c);
        /* a character after padding, or one outside the alphabet */
        if (d < 0 || (pad && c != '=')) {
            free(out);
            return NULL;
        }
        if (c == '=')
            pad++;
        acc = acc << 6 | (uint32_t)d;
        if (++got == 4) {
            out[n++] = (char)(acc >> 16);
            out[n++] = (char)(acc >> 8);
            out[n++] = (char)acc;
            got = 0;
            acc = 0;
        }
    }
    /* complete quanta only; at most two '=' and only in the last one ("A===" is invalid) */
    if (got != 0 || pad > 2 || (pad && n < 3)) {
        free(out);
        return NULL;
    }
    n -= pad;
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}
