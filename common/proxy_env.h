#ifndef FO_PROXY_ENV_H
#define FO_PROXY_ENV_H

/* The proxy for a request as Go's http.ProxyFromEnvironment chooses it
 * (golang.org/x/net/http/httpproxy), which client-go uses when a kubeconfig cluster has no
 * proxy-url; common/http_client.h applies it for clients made with FO_HTTP_PROXY_ENV_GO.
 *
 * Where this differs from libcurl's own reading of the environment (CURLOPT_PROXY,
 * CURLOPT_NOPROXY):
 * - Only HTTP_PROXY (http URLs), HTTPS_PROXY (https URLs) and NO_PROXY are read, the upper-case
 *   name first and the lower-case one when it is unset or empty; ALL_PROXY is never read.
 * - While REQUEST_METHOD is set (a CGI program, whose HTTP_PROXY a client may have set through
 *   its "Proxy:" header) a request that HTTP_PROXY would send through a proxy fails.
 * - A value without "scheme://" is read as http://; a proxy without a port gets its scheme's
 *   (http 80, https 443, socks5 1080), where libcurl would take 1080; socks5 and socks5h ask
 *   the proxy to resolve the server's name. A value Go's url.Parse refuses, with http://
 *   before it too, is ignored as Go ignores it ("10.0.0.1:3128 "); one it takes as a proxy no
 *   request reaches ("http://proxy.corp:31x8", "proxy.corp:3128 " with a trailing blank: Go
 *   then dials a proxy named after the scheme, or one without a host) fails the requests it
 *   applies to, where going direct would bypass the proxy meant for them.
 * - A user and password in the proxy URL are decoded as Go decodes them (percent-escapes, the
 *   last '@' ending them) and given to libcurl percent-encoded.
 * - Requests to "localhost" and to loopback addresses (127.0.0.0/8, ::1) never use a proxy.
 * - NO_PROXY is a comma-separated list, each entry trimmed and lower-cased: "*" (anywhere)
 *   means no proxy for any host; an IP address ("10.1.2.3", "2001:db8::1") or a CIDR range
 *   ("10.0.0.0/8") matches addresses only; a name matches itself and its subdomains
 *   ("example.com"), its subdomains only with a leading dot (".example.com"; "*.example.com"
 *   is the same), and names never match addresses. A name or address may carry a port
 *   ("example.com:8443", "10.1.2.3:443", "[2001:db8::1]:443"), which must then equal the
 *   request's (its scheme's default when the URL has none); a bracketed IPv6 address without a
 *   port matches nothing.
 * Names are compared as written (ASCII): Go's IDNA conversion of non-ASCII names is not done.
 *
 * Pure (fo_proxy_env_from_environ reads the environment), thread-safe. */

#include <stdbool.h>

#include "common/rc.h"

typedef struct fo_proxy_env {
    const char *http_proxy;  /* for http URLs; NULL or "" = none */
    const char *https_proxy; /* for https URLs */
    const char *no_proxy;
    bool cgi; /* running as a CGI program: an http URL's proxy is refused */
} fo_proxy_env;

/* The process's values as Go reads them: HTTP_PROXY, else http_proxy (a variable set to ""
 * counts as unset); HTTPS_PROXY, else https_proxy; NO_PROXY, else no_proxy; cgi when
 * REQUEST_METHOD is set and not empty. The strings are borrowed from the environment: valid
 * until it is changed (setenv, unsetenv). Not thread-safe against those. */
void fo_proxy_env_from_environ(fo_proxy_env *out);

/* The proxy a request to url (http or https; any other scheme has none) goes through: *proxy
 * is what fo_proxy_env_curl_proxy makes of the variable's value (caller frees), or NULL for a
 * direct connection. FO_EINVAL (*proxy NULL) when url has no host, when the value is one Go
 * reads as a proxy no request reaches (above) or its scheme is not http, https, socks5 or
 * socks5h, and in a CGI program for an http URL that HTTP_PROXY would send through a proxy; the message names the
 * variable, never its value (which may hold a password). */
fo_rc fo_proxy_env_for_url(const fo_proxy_env *env, const char *url, char **proxy, fo_err *err);

/* proxy_url ("scheme://[user[:password]@]host[:port][/...]", what Go's url.Parse reads) as the
 * string libcurl's CURLOPT_PROXY takes to reach the proxy Go's transport reaches:
 * "<scheme>://[user[:password]@]host:port", the port always written (http 80, https 443,
 * socks5 1080; libcurl would take 1080 for http), socks5 written socks5h, the user and the
 * password decoded as Go decodes them and percent-encoded again for libcurl. *out is a heap
 * string (caller frees). FO_EINVAL when proxy_url is no such URL or its scheme (any case) is
 * not http, https, socks5 or socks5h; the message never quotes proxy_url. */
fo_rc fo_proxy_env_curl_proxy(const char *proxy_url, char **out, fo_err *err);

#endif
