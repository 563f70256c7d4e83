#ifndef FO_WH_RESOLVE_H
#define FO_WH_RESOLVE_H

/* A time-bounded DNS lookup for the restricted-host check of session-job jar URIs
 * (fo_validate_env.resolve_host). getaddrinfo cannot be cancelled, so each lookup runs on a
 * short-lived detached thread; the caller waits at most FO_RESOLVE_TIMEOUT_MS and then gives
 * up (-1: the check is skipped, admission never hangs on DNS). At most FO_RESOLVE_MAX_PENDING
 * lookups run at once; past that the call answers -1 immediately. Answers are kept for
 * FO_RESOLVE_CACHE_MS (a name that does not resolve, FO_RESOLVE_NEGATIVE_CACHE_MS), the
 * last FO_RESOLVE_CACHE_ENTRIES names, so that the session jobs of one artifact host do not
 * each wait on DNS (glibc keeps no cache, and containers seldom run nscd); a lookup that
 * finishes after its caller gave up still fills the cache for the next one. Failures are not
 * kept. Callers asking for a name whose lookup is running wait for that one instead of
 * starting another, unless it has run longer than a caller waits. Thread-safe. */

#include <netdb.h>

/* How long one admission request waits for DNS (the API server's default call timeout is
 * 10 s; the whole answer must come well before). */
#define FO_RESOLVE_TIMEOUT_MS 1000
#define FO_RESOLVE_MAX_PENDING 16
#define FO_RESOLVE_CACHE_MS 30000
#define FO_RESOLVE_NEGATIVE_CACHE_MS 5000
#define FO_RESOLVE_CACHE_ENTRIES 64

/* The fo_validate_env.resolve_host callback: textual addresses of host into out (up to max),
 * the count (0 when the name does not resolve), or -1 when the lookup could not be done in
 * time. ctx is unused. */
int fo_wh_resolve_host(void *ctx, const char *host, char out[][64], int max);

/* What does the lookups: getaddrinfo, or for tests a function that answers as it would (its
 * results are released with freeaddrinfo). NULL restores getaddrinfo. */
typedef int (*fo_wh_getaddrinfo_fn)(const char *host, const char *service,
                                    const struct addrinfo *hints, struct addrinfo **res);
void fo_wh_resolve_use(fo_wh_getaddrinfo_fn fn);

/* Lookups started so far (getaddrinfo threads), and those still running, for tests of the
 * cache. */
unsigned long fo_wh_resolve_lookups_started(void);
int fo_wh_resolve_lookups_running(void);

#endif
