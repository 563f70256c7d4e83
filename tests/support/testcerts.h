#ifndef FO_TESTCERTS_H
#define FO_TESTCERTS_H

/* A throw-away certificate authority and server certificates for TLS tests, made with
 * `certtool` (gnutls-bin, installed by scripts/deps.sh). Keys are ECDSA P-256 (fast to make).
 * Server certificates are valid for DNS localhost, IP 127.0.0.1 and any extra DNS names given
 * (fo_testcerts_issue_names: for the names given only).
 * Test code only: failures abort the test. Not thread-safe. */

typedef struct fo_testcerts {
    char *dir;     /* where every file lives (owned; removed by fo_testcerts_free) */
    char *ca_cert; /* PEM paths, owned */
    char *ca_key;
} fo_testcerts;

/* A new CA in a fresh temporary directory. */
fo_testcerts *fo_testcerts_new(void);

/* Remove the directory and free. NULL ok. */
void fo_testcerts_free(fo_testcerts *tc);

/* Issue a server certificate signed by the CA into <dir>/<name>.crt and <dir>/<name>.key.
 * extra_dns may be NULL or a comma-separated list ("flinkop-webhook.flinkop.svc").
 * Returns the two paths through cert_path/key_path (caller frees). */
void fo_testcerts_issue(fo_testcerts *tc, const char *name, const char *extra_dns,
                        char **cert_path, char **key_path);

/* A server certificate valid for the DNS names in dns_names (comma-separated, required) and
 * nothing else: not localhost, not 127.0.0.1. Common Name: name. */
void fo_testcerts_issue_names(fo_testcerts *tc, const char *name, const char *dns_names,
                              char **cert_path, char **key_path);

/* The same with a validity period ("YYYY-MM-DD HH:MM:SS", UTC): expired or not yet valid
 * certificates. */
void fo_testcerts_issue_dated(fo_testcerts *tc, const char *name, const char *valid_from,
                              const char *valid_until, char **cert_path, char **key_path);

/* A client certificate (TLS WWW client) signed by the CA with Common Name cn, into
 * <dir>/<cn>.crt and .key; valid for 30 days from now, or from valid_from to valid_until
 * (both "YYYY-MM-DD HH:MM:SS" UTC) when given. */
void fo_testcerts_issue_client(fo_testcerts *tc, const char *cn, const char *valid_from,
                               const char *valid_until, char **cert_path, char **key_path);

/* A certificate that is not signed by the CA (self-signed), for "untrusted" tests. */
void fo_testcerts_self_signed(fo_testcerts *tc, const char *name, char **cert_path,
                              char **key_path);

#endif
