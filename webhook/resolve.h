#ifndef FO_WH_RESOLVE_H
#define FO_WH_RESOLVE_H

/* A time-bounded DNS lookup for the restricted-host check of session-job jar URIs
 * (fo_validate_env.resolve_host). getaddrinfo cannot be cancelled, so each lookup runs on a
 * short-lived detached thread; the caller waits at most FO_RESOLVE_TIMEOUT_MS and then gives
 * up (-1: the check is skipped, admission never hangs on DNS). At most FO_RESOLVE_MAX_PENDING
 * lookups run at once; past that the call answers -1 immediately. Thread-safe. */

/* How long one admission request waits for DNS (the API server's default call timeout is
 * 10 s; the whole answer must come well before). */
#define FO_RESOLVE_TIMEOUT_MS 1000
#define FO_RESOLVE_MAX_PENDING 16

/* The fo_validate_env.resolve_host callback: textual addresses of host into out (up to max),
 * the count (0 when the name does not resolve), or -1 when the lookup could not be done in
 * time. ctx is unused. */
int fo_wh_resolve_host(void *ctx, const char *host, char out[][64], int max);

#endif
