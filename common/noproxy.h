#ifndef FO_NOPROXY_H
#define FO_NOPROXY_H

/* The NO_PROXY decision for one host, as libcurl 7.88 makes it (lib/noproxy.c,
 * Curl_check_noproxy), for the one case where libcurl cannot make it itself: http_client gives
 * libcurl a URL whose host is a tls_server_name, and libcurl would match the list against that
 * name instead of the host the request goes to.
 *
 * The list is what CURLOPT_NOPROXY and no_proxy/NO_PROXY hold: patterns separated by commas or
 * blanks; "*" alone matches every host. A host name matches a pattern equal to it or to one of
 * its parent domains ("example.com" and ".example.com" match example.com and www.example.com,
 * not nonexample.com), case-insensitively, a trailing dot on either ignored. An IPv4 or IPv6
 * address (the latter in brackets or not) matches an equal address or a CIDR range
 * ("10.0.0.0/8", "fd00::/8"); names never match addresses or the reverse. Pure, thread-safe. */

#include <stdbool.h>

/* True when no_proxy (NULL or "" = an empty list) says host is reached without a proxy. */
bool fo_noproxy_matches(const char *host, const char *no_proxy);

#endif
