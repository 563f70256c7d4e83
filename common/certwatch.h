#ifndef FO_CERTWATCH_H
#define FO_CERTWATCH_H

/* A TLS certificate and key read from two PEM files and re-read when the files change, so a
 * running HTTPS server (common/httpd) picks up a rotated Secret without a restart.
 *
 *     fo_certwatch *cw = fo_certwatch_new("/tls/tls.crt", "/tls/tls.key", &err);
 *     srv = fo_httpd_start(&(fo_httpd_opts){.tls = cw, ...}, &err);
 *     every second: fo_certwatch_check(cw, &err);   // reload loop of the process
 *     fo_httpd_stop(srv); fo_certwatch_free(cw);     // the server goes first
 *
 * The certificate file may hold a chain (leaf first). The key must be the leaf's key: a new
 * pair that does not parse, whose key does not match its certificate, or whose certificate is
 * expired or not valid yet, is refused and the old pair keeps being served (the check returns
 * the error, and logs it once per reason). A change that failed for a reason that may pass (out
 * of file descriptors or memory, a certificate not valid yet) is tried again at every check
 * until it loads or the files change. Changes are seen through symlinks (common/filewatch),
 * as Kubernetes swaps a `..data` symlink. Files must be regular files (a FIFO is refused,
 * never waited on).
 *
 * New TLS handshakes use the newest good pair; handshakes already running keep the pair they
 * started with (replaced pairs are kept for FO_CERTWATCH_RETIRE_S before they are freed).
 * With GnuTLS, a home of GnuTLS together with httpd. All functions are thread-safe. */

#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"

/* Largest certificate or key file accepted. */
#define FO_CERTWATCH_MAX_FILE_BYTES (256u * 1024)
/* How long a replaced pair stays alive for handshakes that picked it before the swap. */
#define FO_CERTWATCH_RETIRE_S 600

typedef struct fo_certwatch fo_certwatch;

/* Load the pair. Returns NULL with err (naming the file and the problem) when a file is
 * missing, too large, not PEM, or the key does not belong to the certificate. A certificate
 * outside its validity period is served (there is no other) with a warning logged. */
fo_certwatch *fo_certwatch_new(const char *cert_path, const char *key_path, fo_err *err);

/* Free everything. Call after the servers using it stopped. NULL ok. */
void fo_certwatch_free(fo_certwatch *cw);

/* Look at both files; when either changed (or a retry or recheck is due), load the pair again
 * and swap it in. Returns FO_OK when nothing changed or the new pair is now served (*reloaded
 * tells which; may be NULL), or an error with err when the new pair was refused (the old one
 * stays; logged at error). A retry refused for the reason already returned returns FO_OK with
 * *reloaded false: each reason is reported once. */
fo_rc fo_certwatch_check(fo_certwatch *cw, bool *reloaded, fo_err *err);

/* Make the next fo_certwatch_check load the pair again whether the files changed or not (a
 * reload asked for by hand: SIGHUP). */
void fo_certwatch_recheck(fo_certwatch *cw);

/* How many pairs were loaded successfully (1 after fo_certwatch_new). */
uint64_t fo_certwatch_generation(const fo_certwatch *cw);

/* SHA-256 fingerprint of the served leaf certificate as lower-case hex (65 bytes with NUL). */
void fo_certwatch_fingerprint(const fo_certwatch *cw, char out[65]);

/* Whether cert_pem (a PEM chain, leaf first) and key_pem (its PEM key) make a pair that TLS can
 * use: both parse and the key is the leaf's. Errors name cert_name or key_name, never quote the
 * PEM. The validity period is not looked at. */
fo_rc fo_certwatch_check_pem(const char *cert_pem, const char *key_pem, const char *cert_name,
                             const char *key_name, fo_err *err);

/* For httpd's GnuTLS certificate callback: the served pair. The objects stay valid for at least
 * FO_CERTWATCH_RETIRE_S after a swap, and until fo_certwatch_free. Returns false when there
 * is none (never after a successful fo_certwatch_new). */
struct gnutls_pcert_st;
struct gnutls_privkey_st;
bool fo_certwatch_current(fo_certwatch *cw, struct gnutls_pcert_st **pcerts, unsigned *npcerts,
                          struct gnutls_privkey_st **key);

#endif
