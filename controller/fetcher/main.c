/* flinkop-fetch: download one job artifact (a jar) into a directory; the program an init
 * container runs so the jar is in a shared volume before Flink starts (common/artifact_fetch).
 *
 *   flinkop-fetch --uri URI --dest DIR [--sha256 HEX] [--max-bytes N] [--timeout SECONDS]
 *                 [--s3-endpoint URL] [--ca-file PEM] [--log-level L]
 *
 * Every flag has an environment equivalent (FLINKOP_URI, FLINKOP_DEST, FLINKOP_SHA256,
 * FLINKOP_MAX_BYTES, FLINKOP_TIMEOUT, FLINKOP_S3_ENDPOINT, FLINKOP_CA_FILE, FLINKOP_LOG_LEVEL);
 * a flag wins over its variable. S3 credentials and region come from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION (or AWS_DEFAULT_REGION).
 * On success the final path is printed on stdout. Exit status: 0 fetched (or, for local:,
 * present), 1 the fetch failed (nothing left in DIR), 2 bad usage (a malformed URI included).
 * Logs are JSON lines on stderr, one per attempt. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/artifact_fetch.h"
#include "common/artifact_uri.h"
#include "common/log.h"

/* The largest --timeout: a day. */
#define MAX_TIMEOUT_S 86400L

/* Set by the signal handler: a lock-free atomic may be written there (C11 7.14.1.1). */
static atomic_int g_stop;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a lock-free atomic_int for the signal handler");

static void on_signal(int sig)
{
    (void)sig;
    atomic_store_explicit(&g_stop, 1, memory_order_relaxed);
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: flinkop-fetch --uri URI --dest DIR [options]\n"
        "  --uri URI            https, http, s3 (s3a, s3p), file or local URI   FLINKOP_URI\n"
        "  --dest DIR           directory the artifact is saved in              FLINKOP_DEST\n"
        "  --sha256 HEX         expected SHA-256 of the artifact                FLINKOP_SHA256\n"
        "  --max-bytes N        largest artifact (default 1073741824)           "
        "FLINKOP_MAX_BYTES\n"
        "  --timeout SECONDS    all attempts together (default 600)             FLINKOP_TIMEOUT\n"
        "  --s3-endpoint URL    S3-compatible store, path-style (e.g. MinIO)    "
        "FLINKOP_S3_ENDPOINT\n"
        "  --ca-file PEM        CA bundle for https (default: system store)     FLINKOP_CA_FILE\n"
        "  --log-level LEVEL    debug, info, warn, error                        "
        "FLINKOP_LOG_LEVEL\n"
        "S3 credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; region:\n"
        "AWS_REGION or AWS_DEFAULT_REGION (default us-east-1); none: unsigned requests.\n"
        "Prints the saved file's path. Exit: 0 ok, 1 fetch failed, 2 usage error.\n");
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static bool parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || *s == '-' || *s == '+')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

typedef struct config {
    const char *uri, *dest, *sha256, *max_bytes, *timeout, *s3_endpoint, *ca_file, *log_level;
} config;

/* Returns 0 to go on, -1 after --help, or the exit status. */
static int parse_config(int argc, char **argv, config *c, fo_artifact_fetch_opts *o)
{
    *c = (config){
        .uri = env("FLINKOP_URI"),
        .dest = env("FLINKOP_DEST"),
        .sha256 = env("FLINKOP_SHA256"),
        .max_bytes = env("FLINKOP_MAX_BYTES"),
        .timeout = env("FLINKOP_TIMEOUT"),
        .s3_endpoint = env("FLINKOP_S3_ENDPOINT"),
        .ca_file = env("FLINKOP_CA_FILE"),
        .log_level = env("FLINKOP_LOG_LEVEL"),
    };
    static const struct option opts[] = {
        {"uri", required_argument, NULL, 'u'},     {"dest", required_argument, NULL, 'd'},
        {"sha256", required_argument, NULL, 's'},  {"max-bytes", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'}, {"s3-endpoint", required_argument, NULL, 'e'},
        {"ca-file", required_argument, NULL, 'c'}, {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            c->uri = optarg;
            break;
        case 'd':
            c->dest = optarg;
            break;
        case 's':
            c->sha256 = optarg;
            break;
        case 'm':
            c->max_bytes = optarg;
            break;
        case 't':
            c->timeout = optarg;
            break;
        case 'e':
            c->s3_endpoint = optarg;
            break;
        case 'c':
            c->ca_file = optarg;
            break;
        case 'l':
            c->log_level = optarg;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "flinkop-fetch: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    fo_log_level level = FO_LOG_INFO;
    if (c->log_level && !fo_log_parse_level(c->log_level, &level)) {
        fprintf(stderr, "flinkop-fetch: --log-level: %s is not debug, info, warn or error\n",
                c->log_level);
        return 2;
    }
    fo_log_set_level(level);
    if (!c->uri) {
        fprintf(stderr, "flinkop-fetch: --uri is required\n");
        return 2;
    }
    fo_artifact_uri u;
    fo_err err;
    fo_rc rc = fo_artifact_uri_parse(c->uri, &u, &err);
    bool local = rc == FO_OK && u.scheme == FO_ARTIFACT_LOCAL;
    fo_artifact_uri_release(&u);
    if (rc != FO_OK) {
        fprintf(stderr, "flinkop-fetch: --uri: %s\n", err.message);
        return 2;
    }
    if (!c->dest && !local) {
        fprintf(stderr, "flinkop-fetch: --dest is required\n");
        return 2;
    }
    if (c->sha256 && !fo_artifact_sha256_hex_valid(c->sha256)) {
        fprintf(stderr, "flinkop-fetch: --sha256: %.80s is not 64 hexadecimal digits\n", c->sha256);
        return 2;
    }
    unsigned long long v = 0;
    if (c->max_bytes && !parse_u64(c->max_bytes, 1, UINT64_MAX, &v)) {
        fprintf(stderr, "flinkop-fetch: --max-bytes: %s is not a positive number of bytes\n",
                c->max_bytes);
        return 2;
    }
    o->max_bytes = c->max_bytes ? v : 0;
    if (c->timeout && !parse_u64(c->timeout, 1, MAX_TIMEOUT_S, &v)) {
        fprintf(stderr, "flinkop-fetch: --timeout: %s is not a number of seconds from 1 to %ld\n",
                c->timeout, MAX_TIMEOUT_S);
        return 2;
    }
    o->timeout_ms = c->timeout ? (long)v * 1000 : 0;
    if (c->s3_endpoint && fo_artifact_s3_endpoint_check(c->s3_endpoint, &err) != FO_OK) {
        fprintf(stderr, "flinkop-fetch: %s\n", err.message);
        return 2;
    }
    o->dest_dir = c->dest;
    o->sha256_hex = c->sha256;
    o->s3_endpoint = c->s3_endpoint;
    o->ca_file = c->ca_file;
    o->aws_access_key_id = env("AWS_ACCESS_KEY_ID");
    o->aws_secret_access_key = env("AWS_SECRET_ACCESS_KEY");
    o->aws_session_token = env("AWS_SESSION_TOKEN");
    o->aws_region = env("AWS_REGION") ? env("AWS_REGION") : env("AWS_DEFAULT_REGION");
    if (!o->aws_access_key_id != !o->aws_secret_access_key) {
        fprintf(stderr, "flinkop-fetch: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: "
                        "set both, or neither for a public bucket\n");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    fo_log_set_component("fetch");
    config c;
    fo_artifact_fetch_opts o = {.stop = &g_stop};
    int st = parse_config(argc, argv, &c, &o);
    if (st)
        return st < 0 ? 0 : st;

    /* A pod being deleted sends SIGTERM: stop, and leave no temporary file behind. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    fo_err err;
    fo_err_clear(&err);
    char *path = NULL;
    fo_rc rc = fo_artifact_fetch(c.uri, &o, &path, &err);
    if (rc != FO_OK) {
        /* Name what was being fetched (redacted) unless the message already has its URL: it may
         * be about the directory or a local file. */
        char shown[FO_ARTIFACT_URI_MAX + 16];
        fo_artifact_uri_redact(c.uri, shown, sizeof shown);
        if (strstr(err.message, "://"))
            fo_log_error("artifact fetch failed: %s", err.message);
        else
            fo_log_error("artifact fetch of %s failed: %s", shown, err.message);
        return 1;
    }
    fo_log_info("artifact saved: %s", path);
    printf("%s\n", path);
    int out = fflush(stdout) == 0 ? 0 : 1;
    free(path);
    return out;
}
