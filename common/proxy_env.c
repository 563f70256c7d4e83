#include "common/proxy_env.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* Longest scheme, host and port read; a URL or NO_PROXY entry with a longer one is no URL or
 * entry this reads (a DNS name has at most 253 characters, a port 5 digits). */
#define SCHEME_MAX 16
#define HOST_MAX 256
#define PORT_MAX 16
/* Longest proxy value read; a longer one is ignored as a value that is no URL. */
#define VALUE_MAX 2048

/* The parts of "scheme://[userinfo@]host[:port][/...]" this needs; pointers are into the
 * parsed string. */
struct url_parts {
    char scheme[SCHEME_MAX]; /* lower-cased, as Go's url.Parse has it */
    char host[HOST_MAX];     /* an IPv6 address without its brackets */
    char port[PORT_MAX];     /* "" when none is written */
    const char *userinfo;    /* NULL when none */
    size_t userinfo_len;
};

/* An IP address. An IPv4-mapped IPv6 address is held as its IPv4 address, as net.IP's Equal,
 * IsLoopback and IPNet.Contains compare it. */
struct addr {
    int af; /* AF_INET, AF_INET6 */
    unsigned char b[16];
};

static bool is_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Length of the "scheme:" at s's start followed by "//" (RFC 3986 section 3.1), 0 if none. */
static size_t scheme_len(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return 0;
    size_t n = 1;
    while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
        n++;
    return strncmp(s + n, "://", 3) == 0 ? n : 0;
}

/* Characters Go's url.Parse takes in a host name (net/url shouldEscape, encodeHost), less
 * the percent-escapes it refuses there; bytes from 0x80 on are taken as they are. */
static bool host_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || strchr("-._~!$&'()*+,;=", c);
}

static bool copy_part(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return false;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

/* Read s as "scheme://[userinfo@]host[:port][/?#...]": a host is required, a port is digits. */
static bool parse_url(const char *s, struct url_parts *u)
{
    memset(u, 0, sizeof *u);
    size_t n = scheme_len(s);
    if (!n || !copy_part(u->scheme, sizeof u->scheme, s, n))
        return false;
    for (char *p = u->scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *auth = s + n + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            at = auth + i; /* the last one, as Go's url.Parse */
    if (at) {
        u->userinfo = auth;
        u->userinfo_len = (size_t)(at - auth);
        alen -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    const char *port = NULL;
    if (alen && auth[0] == '[') {
        const char *end = memchr(auth, ']', alen);
        if (!end || end == auth + 1 ||
            !copy_part(u->host, sizeof u->host, auth + 1, (size_t)(end - auth - 1)))
            return false;
        if (end + 1 < auth + alen) {
            if (end[1] != ':')
                return false;
            port = end + 2;
        }
        for (const char *p = u->host; *p; p++)
            if (!isalnum((unsigned char)*p) && !strchr(":.%-_~", *p))
                return false;
    } else {
        const char *colon = NULL;
        for (size_t i = 0; i < alen; i++)
            if (auth[i] == ':')
                colon = auth + i;
        size_t hlen = colon ? (size_t)(colon - auth) : alen;
        if (!hlen || !copy_part(u->host, sizeof u->host, auth, hlen))
            return false;
        for (const char *p = u->host; *p; p++)
            if (!host_char((unsigned char)*p))
                return false;
        port = colon ? colon + 1 : NULL;
    }
    if (port) {
        size_t plen = (size_t)(auth + alen - port);
        if (strspn(port, "0123456789") < plen || !copy_part(u->port, sizeof u->port, port, plen))
            return false;
    }
    return true;
}

/* s (len bytes) as an IP address, as net.ParseIP reads one (no IPv6 zone, no leading zeros). */
static bool parse_ip(const char *s, size_t len, struct addr *a)
{
    static const unsigned char v4_in_v6[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char buf[64];
    if (!copy_part(buf, sizeof buf, s, len))
        return false;
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->b) == 1) {
        a->af = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, a->b) != 1)
        return false;
    a->af = AF_INET6;
    if (memcmp(a->b, v4_in_v6, sizeof v4_in_v6) == 0) {
        memmove(a->b, a->b + 12, 4);
        memset(a->b + 4, 0, 12);
        a->af = AF_INET;
    }
    return true;
}

static bool is_loopback(const struct addr *a)
{
    static const unsigned char v6_loopback[16] = {[15] = 1};
    if (a->af == AF_INET)
        return a->b[0] == 127;
    return memcmp(a->b, v6_loopback, 16) == 0;
}

/* The first `bits` bits of x and y are equal. */
static bool prefix_equal(const unsigned char *x, const unsigned char *y, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(x, y, bytes) != 0)
        return false;
    return !rest || !((x[bytes] ^ y[bytes]) & (0xffu << (8 - rest)) & 0xffu);
}

/* Is ip inside the CIDR range e ("10.0.0.0/8", "2001:db8::/32"), as net.ParseCIDR and
 * IPNet.Contains have it? *is_cidr says whether e is one at all. A range written as an
 * IPv4-mapped IPv6 address holds the IPv4 addresses its last 32 bits cover when its prefix
 * keeps the whole "::ffff:" (96 bits or more); a shorter one masks part of that away, leaving
 * an IPv6 network ("::ffff:0:0/80" is "::/80") that holds no IPv4 address. */
static bool cidr_contains(const char *e, const struct addr *ip, bool *is_cidr)
{
    *is_cidr = false;
    const char *slash = strchr(e, '/');
    struct addr net;
    if (!slash || !parse_ip(e, (size_t)(slash - e), &net))
        return false;
    const char *digits = slash + 1;
    size_t nd = strspn(digits, "0123456789");
    if (nd == 0 || digits[nd] != '\0')
        return false;
    unsigned bits = 0;
    for (size_t i = 0; i < nd && bits <= 128; i++) /* leading zeros are fine, as Go's dtoi */
        bits = bits * 10 + (unsigned)(digits[i] - '0');
    bool written_v6 = memchr(e, ':', (size_t)(slash - e)) != NULL;
    if (bits > (written_v6 ? 128u : 32u))
        return false;
    *is_cidr = true;
    if (written_v6 && net.af == AF_INET && bits < 96) {
        unsigned char v6[16] = {[10] = 0xff, [11] = 0xff};
        memcpy(v6 + 12, net.b, 4);
        return ip && ip->af == AF_INET6 && prefix_equal(ip->b, v6, bits);
    }
    if (written_v6 && net.af == AF_INET) /* mapped: the mask's last 32 bits apply */
        bits -= 96;
    return ip && ip->af == net.af && prefix_equal(ip->b, net.b, bits);
}

/* net.SplitHostPort: "host:port" or "[host]:port"; false when entry is neither. */
static bool split_host_port(const char *e, const char **host, size_t *hlen, const char **port)
{
    const char *colon = strrchr(e, ':');
    if (!colon)
        return false;
    const char *h = e;
    size_t n = (size_t)(colon - e), from_open = 0, from_close = 0;
    if (e[0] == '[') {
        const char *end = strchr(e, ']');
        if (!end || end + 1 != colon)
            return false;
        h = e + 1;
        n = (size_t)(end - e - 1);
        from_open = 1;
        from_close = (size_t)(end + 1 - e);
    } else if (memchr(e, ':', n)) {
        return false;
    }
    if (strchr(e + from_open, '[') || strchr(e + from_close, ']'))
        return false;
    *host = h;
    *hlen = n;
    *port = colon + 1;
    return true;
}

/* Does the NO_PROXY entry e (trimmed, lower-cased, not empty, not "*") say that host (lower-
 * cased; ip its address, NULL for a name) at port is reached directly? httpproxy's config.init
 * and its matchers: a CIDR range, then an address with an optional port, then a name. */
static bool entry_matches(const char *e, const char *host, const struct addr *ip, const char *port)
{
    bool is_cidr;
    bool inside = cidr_contains(e, ip, &is_cidr);
    if (is_cidr)
        return inside;
    const char *h = e, *want_port = "";
    size_t hlen = strlen(e);
    if (split_host_port(e, &h, &hlen, &want_port) && hlen == 0)
        return false; /* ":80": no host, ignored */
    bool port_ok = !*want_port || strcmp(want_port, port) == 0;
    struct addr a;
    if (parse_ip(h, hlen, &a))
        return ip && port_ok && a.af == ip->af && memcmp(a.b, ip->b, a.af == AF_INET ? 4 : 16) == 0;
    if (ip)
        return false; /* names never match addresses */
    if (hlen >= 2 && h[0] == '*' && h[1] == '.') {
        h++;
        hlen--;
    }
    bool whole = h[0] != '.'; /* "example.com" matches example.com itself too */
    if (whole && hlen > 0 && strlen(host) == hlen && strncmp(host, h, hlen) == 0)
        return port_ok;
    /* a suffix match: ".example.com" (or the "." Go puts before "example.com") ends host */
    size_t n = strlen(host), sfx = hlen + (whole ? 1 : 0);
    if (n < sfx)
        return false;
    const char *tail = host + n - sfx;
    if (whole && tail[0] != '.')
        return false;
    return strncmp(tail + (whole ? 1 : 0), h, hlen) == 0 && port_ok;
}

/* httpproxy's useProxy: false when host:port is reached without a proxy. */
static bool use_proxy(const char *host, const char *port, const char *no_proxy)
{
    if (strcmp(host, "localhost") == 0)
        return false;
    struct addr ipbuf, *ip = NULL;
    /* netip.ParseAddr takes an IPv6 zone ("fe80::1%eth0"); the zone is never compared */
    size_t iplen = strchr(host, ':') ? strcspn(host, "%") : strlen(host);
    if (parse_ip(host, iplen, &ipbuf)) {
        ip = &ipbuf;
        if (is_loopback(ip))
            return false;
    }
    if (!no_proxy)
        return true;
    char lower[HOST_MAX], entry[HOST_MAX + PORT_MAX + 8];
    size_t i = 0;
    for (; host[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)host[i]);
    lower[i] = '\0';
    for (const char *p = no_proxy; *p;) {
        size_t len = strcspn(p, ",");
        const char *s = p, *end = p + len;
        p = *end ? end + 1 : end;
        while (s < end && isspace((unsigned char)*s))
            s++;
        while (end > s && isspace((unsigned char)end[-1]))
            end--;
        if (s == end || (size_t)(end - s) >= sizeof entry)
            continue;
        for (size_t k = 0; k < (size_t)(end - s); k++)
            entry[k] = (char)tolower((unsigned char)s[k]);
        entry[end - s] = '\0';
        if (strcmp(entry, "*") == 0 || entry_matches(entry, lower, ip, port))
            return false;
    }
    return true;
}

static const char *nonempty(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : NULL;
}

void fo_proxy_env_from_environ(fo_proxy_env *out)
{
    out->http_proxy = nonempty(getenv("HTTP_PROXY"), getenv("http_proxy"));
    out->https_proxy = nonempty(getenv("HTTPS_PROXY"), getenv("https_proxy"));
    out->no_proxy = nonempty(getenv("NO_PROXY"), getenv("no_proxy"));
    const char *method = getenv("REQUEST_METHOD");
    out->cgi = method && *method;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A proxy's "user[:password]" as Go's url.Parse reads it (net/url validUserinfo, then the user
 * and the password, split at the first ':', unescaped), appended to out (when not NULL) with
 * every decoded byte but the unreserved ones percent-encoded again: libcurl decodes the user
 * and the password as Go does, but ends them at the first '@' where Go ends them at the last,
 * so a raw "@" (a user "alice@corp") would cut the URL in the wrong place. False when Go
 * refuses the userinfo (a character outside validUserinfo's, a '%' without two hex digits). */
static bool recode_userinfo(const char *s, size_t n, fo_strbuf *out)
{
    bool colon = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!unreserved(c) && !strchr("!$&'()*+,;=:%@", c))
            return false;
        if (c == ':' && !colon) {
            colon = true;
            if (out && fo_strbuf_putc(out, ':') != FO_OK)
                return false;
            continue;
        }
        if (c == '%') {
            int hi = i + 2 < n ? hex_value((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value((unsigned char)s[i + 2]) : -1;
            if (lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (!out)
            continue;
        char esc[4];
        snprintf(esc, sizeof esc, "%%%02X", c);
        if (unreserved(c) ? fo_strbuf_putc(out, (char)c) != FO_OK
                          : fo_strbuf_puts(out, esc) != FO_OK)
            return false;
    }
    return true;
}

/* What a proxy variable's value is to httpproxy's parseProxy. */
enum proxy_value {
    PROXY_NONE,  /* unset, or a value Go ignores: url.Parse refuses it, with "http://" before
                  * it too */
    PROXY_URL,   /* a proxy URL with a host */
    PROXY_BOGUS, /* a value url.Parse takes, but only as a proxy no request reaches: parseProxy
                  * reads "http://" followed by "scheme://..." that is no URL (a port that is no
                  * number, a space, a backslash in the user) as a proxy named after the scheme
                  * ("http://http:/..."), and keeps "proxy.corp:3128 " (trailing blank) as the
                  * scheme "proxy.corp" with no host; the requests it applies to fail, here
                  * too, never going direct */
};

/* Does Go's url.Parse take value, which has no "scheme://", without an error? It does when the
 * value starts with a scheme ("proxy.corp:" then anything), and otherwise unless its first
 * path segment holds a ':' ("10.0.0.1:3128 "); percent-escapes are not checked. */
static bool go_parses_without_scheme(const char *value)
{
    size_t n = 0;
    if (isalpha((unsigned char)value[0]))
        for (n = 1; isalnum((unsigned char)value[n]) || (value[n] && strchr("+-.", value[n]));)
            n++;
    if (n && value[n] == ':')
        return true;
    return !memchr(value, ':', strcspn(value, "/?#"));
}

/* httpproxy's parseProxy: a value without "scheme://" is read as "http://" followed by it. */
static enum proxy_value read_proxy(const char *value, char *buf, size_t cap, struct url_parts *p)
{
    if (!value || !*value || is_ctl(value))
        return PROXY_NONE; /* url.Parse refuses control bytes wherever they are */
    bool scheme = scheme_len(value) > 0;
    if (strlen(value) + 8 > cap)
        return PROXY_BOGUS; /* set, and longer than this reads: never ignored */
    snprintf(buf, cap, "%s%s", scheme ? "" : "http://", value);
    if (parse_url(buf, p) &&
        (!p->userinfo || recode_userinfo(p->userinfo, p->userinfo_len, NULL)))
        return PROXY_URL;
    return scheme || go_parses_without_scheme(value) ? PROXY_BOGUS : PROXY_NONE;
}

/* The parsed proxy px as libcurl's CURLOPT_PROXY takes it (fo_proxy_env_curl_proxy). */
static fo_rc curl_proxy(const struct url_parts *px, char **out, fo_err *err)
{
    *out = NULL;
    const char *scheme = px->scheme, *def_port;
    if (strcmp(scheme, "http") == 0) {
        def_port = "80";
    } else if (strcmp(scheme, "https") == 0) {
        def_port = "443";
    } else if (strcmp(scheme, "socks5") == 0 || strcmp(scheme, "socks5h") == 0) {
        scheme = "socks5h"; /* Go's SOCKS5 dialer sends the server's name to the proxy */
        def_port = "1080";
    } else {
        return fo_err_set(err, FO_EINVAL,
                          "the proxy's scheme \"%s\" is not http, https, socks5 or socks5h",
                          px->scheme);
    }
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    bool v6 = strchr(px->host, ':') != NULL;
    fo_rc rc = fo_strbuf_printf(&sb, "%s://", scheme);
    if (rc == FO_OK && px->userinfo) {
        if (!recode_userinfo(px->userinfo, px->userinfo_len, &sb))
            rc = FO_ENOMEM; /* checked before: only an append fails here */
        else
            rc = fo_strbuf_putc(&sb, '@');
    }
    if (rc == FO_OK)
        rc = fo_strbuf_printf(&sb, "%s%s%s:%s", v6 ? "[" : "", px->host, v6 ? "]" : "",
                              *px->port ? px->port : def_port);
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    *out = fo_strbuf_take(&sb);
    return FO_OK;
}

fo_rc fo_proxy_env_curl_proxy(const char *proxy_url, char **out, fo_err *err)
{
    *out = NULL;
    struct url_parts px;
    if (!proxy_url || is_ctl(proxy_url) || !parse_url(proxy_url, &px) ||
        (px.userinfo && !recode_userinfo(px.userinfo, px.userinfo_len, NULL)))
        return fo_err_set(err, FO_EINVAL, "not a URL \"scheme://[user[:password]@]host[:port]\"");
    return curl_proxy(&px, out, err);
}

fo_rc fo_proxy_env_for_url(const fo_proxy_env *env, const char *url, char **proxy, fo_err *err)
{
    *proxy = NULL;
    struct url_parts req, px;
    if (!url || is_ctl(url) || !parse_url(url, &req))
        return fo_err_set(err, FO_EINVAL, "%s: not a URL with a host", url ? url : "(null)");
    const char *value = NULL, *var = NULL, *port = req.port;
    if (strcmp(req.scheme, "https") == 0) {
        value = env->https_proxy;
        var = "HTTPS_PROXY";
        port = *port ? port : "443";
    } else if (strcmp(req.scheme, "http") == 0) {
        value = env->http_proxy;
        var = "HTTP_PROXY";
        port = *port ? port : "80";
    }
    char buf[VALUE_MAX];
    enum proxy_value kind = read_proxy(value, buf, sizeof buf, &px);
    if (kind == PROXY_NONE)
        return FO_OK;
    if (env->cgi && strcmp(var, "HTTP_PROXY") == 0)
        return fo_err_set(err, FO_EINVAL,
                          "HTTP_PROXY is not used in a CGI program (REQUEST_METHOD is set): "
                          "golang.org/s/cgihttpproxy");
    if (!use_proxy(req.host, port, env->no_proxy))
        return FO_OK;
    /* the value is never quoted: it may hold a password */
    if (kind == PROXY_BOGUS)
        return fo_err_set(err, FO_EINVAL,
                          "%s: not a proxy URL \"[scheme://][user[:password]@]host[:port]\" "
                          "(client-go would reach no proxy with it)",
                          var);
    fo_rc rc = curl_proxy(&px, proxy, err);
    if (rc != FO_OK)
        fo_err_wrap(err, "%s", var);
    return rc;
}
