#include "common/noproxy.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest address text looked at, as libcurl's buffers (a longer one cannot match). */
#define ADDR_MAX 128

enum kind { NAME, IPV4, IPV6 };

/* Is addr (of family af) inside net/bits? bits 0 means the whole address, as libcurl reads a
 * pattern without a prefix length. An IPv6 prefix ending inside a byte is read as documented
 * (libcurl 7.88's Curl_cidr6_match inverts the test of that last byte). */
static bool in_range(int af, const unsigned char *addr, const char *net, unsigned bits)
{
    unsigned char want[16];
    unsigned total = af == AF_INET ? 32 : 128;
    if (bits > total || inet_pton(af, net, want) != 1)
        return false;
    if (bits == 0)
        bits = total;
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(addr, want, bytes) != 0)
        return false;
    return !rest || !((addr[bytes] ^ want[bytes]) & (0xffu << (8 - rest)) & 0xffu);
}

/* Does one pattern (tok, len bytes, not empty) match the host? */
static bool pattern_matches(enum kind k, const char *name, size_t namelen,
                            const unsigned char *addr, const char *tok, size_t len)
{
    if (k == NAME) {
        if (tok[len - 1] == '.')
            len--;
        if (len && tok[0] == '.') {
            tok++;
            len--;
        }
        if (len == namelen)
            return strncasecmp(tok, name, len) == 0;
        return len < namelen && name[namelen - len - 1] == '.' &&
               strncasecmp(tok, name + namelen - len, len) == 0;
    }
    char net[ADDR_MAX];
    if (len >= sizeof net)
        return false;
    memcpy(net, tok, len);
    net[len] = '\0';
    unsigned bits = 0;
    char *slash = strchr(net, '/');
    if (slash) {
        bits = (unsigned)atoi(slash + 1);
        *slash = '\0';
    }
    return in_range(k == IPV4 ? AF_INET : AF_INET6, addr, net, bits);
}

bool fo_noproxy_matches(const char *host, const char *no_proxy)
{
    if (!host || !*host || !no_proxy || !*no_proxy)
        return false;
    if (strcmp(no_proxy, "*") == 0)
        return true;
    char name[ADDR_MAX];
    size_t namelen = strlen(host);
    unsigned char addr[16];
    enum kind k = NAME;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end || (size_t)(end - host - 1) >= sizeof name)
            return false;
        namelen = (size_t)(end - host - 1);
        memcpy(name, host + 1, namelen);
        name[namelen] = '\0';
        host = name;
    }
    if (inet_pton(AF_INET, host, addr) == 1)
        k = IPV4;
    else if (inet_pton(AF_INET6, host, addr) == 1)
        k = IPV6;
    else if (host == name)
        return false; /* brackets around something that is no address */
    else if (host[namelen - 1] == '.')
        namelen--;
    const char *p = no_proxy;
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        if (len && pattern_matches(k, host, namelen, addr, p, len))
            return true;
        p += len;
    }
    return false;
}
