/* FlinkSessionJob validation: reference b.4 (DefaultValidator.validateSessionJob), every rule,
 * every error, including the jarURI allow-list and restricted-host rules. DNS goes through
 * env->resolve_host only; literal addresses and localhost are judged without it. */
#include "common/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/validate_common.h"

#define ALLOWED_SCHEMES_KEY "kubernetes.operator.user.artifacts.allowed-schemes"
#define RESTRICTED_HOSTS_KEY "kubernetes.operator.user.artifacts.disallow-restricted-hosts"
#define SCHEMES_MAX 32
#define SCHEME_BYTES 64
#define RESOLVE_MAX 16
#define URI_MAX 8192

static const char *const default_schemes[] = {"https", NULL};

/* ---- a java.net.URI-like reading of jarURI ---------------------------------------------- */

typedef struct uri_parts {
    char scheme[64];
    char host[512]; /* "" when there is no server-based host (Java's getHost() == null) */
} uri_parts;

static bool is_unreserved_or_reserved(unsigned char c)
{
    if (isalnum(c) || c >= 0x80)
        return true; /* Java allows "other" (non-ASCII) characters */
    return strchr("-_.!~*'();/?:@&=+$,[]#", c) != NULL;
}

/* Characters java.net.URI refuses anywhere (space, controls, "<>\"{}|\\^`", bad escapes). */
static bool find_illegal(const char *s, size_t *at)
{
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
                i += 2;
                continue;
            }
            *at = i;
            return true;
        }
        if (c < 0x20 || c == 0x7f || !is_unreserved_or_reserved(c)) {
            *at = i;
            return true;
        }
    }
    return false;
}

/* A DNS host name as URI.parseHostname accepts it: labels of letters, digits and '-' (not at
 * either end), the last label starting with a letter. */
static bool valid_hostname(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 253)
        return false;
    const char *label = h;
    for (const char *p = h;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t ll = (size_t)(p - label);
            if (ll == 0)
                return *p == '\0' && p > h && p[-1] == '.' ? true : false;
            if (label[0] == '-' || label[ll - 1] == '-')
                return false;
            if (*p == '\0')
                return isalpha((unsigned char)label[0]);
            label = p + 1;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-')
            return false;
    }
}

/* Fills parts; returns NULL on success or the reason text (Java's URISyntaxException style). */
static const char *parse_uri(const char *s, uri_parts *parts, char *why, size_t whylen)
{
    memset(parts, 0, sizeof *parts);
    size_t at = 0;
    size_t colon = strcspn(s, ":/?#");
    bool has_scheme = s[colon] == ':';
    if (has_scheme) {
        if (colon == 0) {
            snprintf(why, whylen, "Expected scheme name at index 0: %s", s);
            return why;
        }
        for (size_t i = 0; i < colon; i++) {
            unsigned char c = (unsigned char)s[i];
            if (!(isalpha(c) || (i > 0 && (isdigit(c) || c == '+' || c == '-' || c == '.')))) {
                snprintf(why, whylen, "Illegal character in scheme name at index %zu: %s", i, s);
                return why;
            }
        }
        if (!s[colon + 1]) {
            snprintf(why, whylen, "Expected scheme-specific part at index %zu: %s", colon + 1, s);
            return why;
        }
        snprintf(parts->scheme, sizeof parts->scheme, "%.*s", (int)colon, s);
    }
    if (find_illegal(s, &at)) {
        const char *rest = has_scheme ? s + colon + 1 : s;
        const char *what = "path";
        if (has_scheme && strncmp(rest, "//", 2) == 0 &&
            at < (size_t)(rest - s) + 2 + strcspn(rest + 2, "/?#"))
            what = "authority";
        else if (strchr(s, '?') && at > (size_t)(strchr(s, '?') - s))
            what = "query";
        snprintf(why, whylen, "Illegal character in %s at index %zu: %s", what, at, s);
        return why;
    }
    if (!has_scheme)
        return NULL;
    const char *rest = s + colon + 1;
    if (strncmp(rest, "//", 2) != 0)
        return NULL; /* opaque or authority-less: no host */
    const char *auth = rest + 2;
    size_t alen = strcspn(auth, "/?#");
    const char *host = auth;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            host = auth + i + 1;
    size_t hlen = (size_t)(auth + alen - host);
    if (hlen >= sizeof parts->host)
        return NULL;
    char h[sizeof parts->host];
    memcpy(h, host, hlen);
    h[hlen] = '\0';
    /* Split off a port; a server-based authority needs digits there (else Java falls back to
     * a registry-based authority, i.e. no host). */
    char *port = NULL;
    if (h[0] == '[') {
        char *close = strchr(h, ']');
        if (!close)
            return NULL;
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return NULL;
        close[1] = '\0';
    } else {
        port = strchr(h, ':');
        if (port)
            *port++ = '\0';
    }
    for (const char *p = port; p && *p; p++)
        if (!isdigit((unsigned char)*p))
            return NULL;
    struct in_addr a4;
    struct in6_addr a6;
    bool ok = false;
    if (h[0] == '[') {
        char inner[sizeof parts->host];
        snprintf(inner, sizeof inner, "%.*s", (int)(strlen(h) - 2), h + 1);
        ok = inet_pton(AF_INET6, inner, &a6) == 1;
    } else {
        ok = inet_pton(AF_INET, h, &a4) == 1 || valid_hostname(h);
    }
    if (ok)
        snprintf(parts->host, sizeof parts->host, "%s", h);
    return NULL;
}

/* ---- restricted addresses ----------------------------------------------------------------- */

/* Java's InetAddress checks (loopback, link-local, site-local, wildcard, multicast), plus the
 * rest of "this network" 0/8 and IPv6 unique-local fc00::/7, which Java does not know. */
static bool restricted_v4(uint32_t a)
{
    return (a >> 24) == 127 || (a >> 16) == 0xa9fe || (a >> 24) == 10 || (a >> 20) == 0xac1 ||
           (a >> 16) == 0xc0a8 || (a >> 24) == 0 || (a >> 28) == 0xe;
}

static bool restricted_v6(const struct in6_addr *a)
{
    const unsigned char *b = a->s6_addr;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, 12) == 0)
        return restricted_v4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 |
                             b[15]);
    bool zero_prefix = true;
    for (int i = 0; i < 15; i++)
        zero_prefix = zero_prefix && b[i] == 0;
    if (zero_prefix && (b[15] == 0 || b[15] == 1))
        return true;                                  /* :: and ::1 */
    return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
           (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) || /* fec0::/10 site-local */
           (b[0] & 0xfe) == 0xfc ||                   /* fc00::/7 unique local */
           b[0] == 0xff;                              /* multicast */
}

/* 1 restricted, 0 not, -1 not an address. inet_aton also takes the short forms
 * ("127.1", "2130706433") that Java's resolver reads as addresses. */
static int address_restricted(const char *text)
{
    struct in_addr a4;
    struct in6_addr a6;
    char inner[128];
    if (text[0] == '[') {
        snprintf(inner, sizeof inner, "%.*s", (int)strlen(text) - 2, text + 1);
        text = inner;
    }
    if (inet_pton(AF_INET6, text, &a6) == 1)
        return restricted_v6(&a6) ? 1 : 0;
    if (inet_aton(text, &a4) == 1)
        return restricted_v4(ntohl(a4.s_addr)) ? 1 : 0;
    return -1;
}

static bool is_localhost(const char *h)
{
    size_t n = strlen(h);
    if (n && h[n - 1] == '.')
        n--;
    return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
           (n > 10 && strncasecmp(h + n - 10, ".localhost", 10) == 0);
}

/* ---- b.4 item 4 --------------------------------------------------------------------------- */

/* The operator-level artifact settings: env's own, else the two keys of the default (operator)
 * configuration, as the Apache operator reads them from its configuration; the resource's own
 * flinkConfiguration never counts (reference b.4 item 4). */
typedef struct artifact_rules {
    const char *const *schemes;
    const char *list[SCHEMES_MAX + 1];
    char text[SCHEMES_MAX][SCHEME_BYTES];
    bool allow_restricted_hosts;
} artifact_rules;

/* A Flink list value: items separated by ';' (Flink's list format) or ',', blanks around them
 * ignored, empty ones skipped. */
static void parse_schemes(const char *value, artifact_rules *r)
{
    size_t n = 0;
    for (const char *p = value; *p && n < SCHEMES_MAX;) {
        size_t len = strcspn(p, ";,");
        const char *b = p, *e = p + len;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if (e > b && (size_t)(e - b) < SCHEME_BYTES) {
            memcpy(r->text[n], b, (size_t)(e - b));
            r->text[n][e - b] = '\0';
            r->list[n] = r->text[n];
            n++;
        }
        p += len + (p[len] ? 1 : 0);
    }
    r->list[n] = NULL;
    if (n > 0)
        r->schemes = r->list;
}

static void artifact_rules_of(const fo_validate_env *env, artifact_rules *r)
{
    r->schemes = env && env->allowed_jar_schemes ? env->allowed_jar_schemes : NULL;
    r->allow_restricted_hosts = env && env->allow_restricted_hosts;
    const json_t *conf = env ? env->default_flink_config : NULL;
    const char *schemes = json_is_object(conf) ? fo_json_str(conf, ALLOWED_SCHEMES_KEY) : NULL;
    if (!r->schemes && schemes)
        parse_schemes(schemes, r);
    if (!r->schemes)
        r->schemes = default_schemes;
    const char *disallow = json_is_object(conf) ? fo_json_str(conf, RESTRICTED_HOSTS_KEY) : NULL;
    if (disallow && strcasecmp(disallow, "false") == 0)
        r->allow_restricted_hosts = true;
}

static void check_jar_uri(const char *jar, const fo_validate_env *env, fo_field_errors *errs)
{
    const char *field = "spec.job.jarURI";
    if (!jar)
        return; /* an empty jar is uploaded; entryClass must be on the cluster's classpath */
    if (strlen(jar) > URI_MAX) {
        fo_field_errors_add(errs, FO_FE_TOO_LONG, field, NULL, "jarURI longer than %d bytes",
                            URI_MAX);
        return;
    }
    uri_parts u;
    char why[URI_MAX + 128];
    if (parse_uri(jar, &u, why, sizeof why)) {
        fo_field_errors_add(errs, FO_FE_INVALID, field, jar, "jarURI is not a valid URI: %s", why);
        return;
    }
    if (!u.scheme[0]) {
        fo_field_errors_add(errs, FO_FE_INVALID, field, jar, "jarURI must include a scheme");
        return;
    }
    artifact_rules rules;
    artifact_rules_of(env, &rules);
    const char *const *allowed = rules.schemes;
    bool ok = false;
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; allowed[i]; i++) {
        ok = ok || strcasecmp(allowed[i], u.scheme) == 0;
        int w = snprintf(list + used, sizeof list - used, "%s", i ? ", " : "");
        used += w > 0 && (size_t)w < sizeof list - used ? (size_t)w : 0;
        for (const char *p = allowed[i]; *p && used + 1 < sizeof list; p++)
            list[used++] = (char)tolower((unsigned char)*p);
        list[used] = '\0';
    }
    if (!ok) {
        fo_field_errors_add(errs, FO_FE_INVALID, field, jar,
                            "jarURI scheme '%s' is not in the allowlist [%s]. Configure '%s' to "
                            "extend the allowlist.",
                            u.scheme, list, ALLOWED_SCHEMES_KEY);
        return;
    }
    bool http = strcasecmp(u.scheme, "http") == 0 || strcasecmp(u.scheme, "https") == 0;
    if (!http || rules.allow_restricted_hosts)
        return;
    if (!u.host[0]) {
        fo_field_errors_add(errs, FO_FE_INVALID, field, jar,
                            "jarURI must include a host for http/https schemes");
        return;
    }
    int r = address_restricted(u.host);
    if (r < 0 && is_localhost(u.host))
        r = 1;
    if (r < 0 && env && env->resolve_host) {
        char addrs[RESOLVE_MAX][64];
        int n = env->resolve_host(env->ctx, u.host, addrs, RESOLVE_MAX);
        if (n == 0) {
            fo_field_errors_add(errs, FO_FE_INVALID, field, jar,
                                "jarURI host '%s' cannot be resolved", u.host);
            return;
        }
        /* Every address counts, not only the first: DNS may hand out any of them. */
        for (int i = 0; i < n && i < RESOLVE_MAX; i++) {
            addrs[i][63] = '\0';
            if (address_restricted(addrs[i]) == 1)
                r = 1;
        }
    }
    if (r == 1)
        fo_field_errors_add(errs, FO_FE_INVALID, field, jar,
                            "jarURI host '%s' resolves to a restricted address", u.host);
}

/* ---- entry point ------------------------------------------------------------------------- */

void fo_validate_session_job(const json_t *obj, const fo_validate_env *env, fo_field_errors *errs)
{
    if (!errs || fo_validate_is_canary(obj))
        return;
    fo_flink_view v;
    if (fo_flink_view_init_as(&v, obj, FO_FLINK_SESSION_JOB, errs) != FO_OK) {
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec", NULL, "spec must be an object");
        return;
    }

    fo_validate_noeffect_session_job(v.deployment_name, errs);
    if (!env || !env->keys_read_without_nul)
        fo_validate_keys_without_nul(obj, errs);
    /* 1: Apache throws (HTTP 500) on a missing deploymentName; say what is missing. */
    char msg[512];
    if (!v.deployment_name || !*v.deployment_name)
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.deploymentName", NULL,
                            "the name of the session cluster (a FlinkDeployment without job in "
                            "the same namespace) must be set");
    else if (!fo_flink_name_is_valid(v.deployment_name))
        fo_field_errors_add(errs, FO_FE_INVALID, "spec.deploymentName", v.deployment_name, "%s",
                            fo_validate_name_message(msg, sizeof msg, v.deployment_name));
    /* 2 */
    if (!v.job.raw)
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.job", NULL,
                            "The job spec should not be empty");
    fo_validate_job_enums(&v.job, errs);

    /* 3 */
    fo_rc lrc = FO_OK;
    json_t *last = fo_flink_last_reconciled_spec_for_rules(obj, &lrc);
    if (lrc != FO_OK)
        fo_field_errors_warn(errs, "status.reconciliationStatus.lastReconciledSpec cannot be "
                                   "parsed; rules comparing with the deployed spec were skipped");
    const char *old_name = fo_json_str(last, "deploymentName");
    if (old_name && v.deployment_name && strcmp(old_name, v.deployment_name) != 0)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, "spec.deploymentName", NULL,
                            "The deploymentName can't be changed");
    json_decref(last);

    /* 4 */
    check_jar_uri(v.job.jar_uri, env, errs);

    /* 5-8 need the session cluster; unknown (no callback) or absent means skip. */
    if (!env || !env->lookup_deployment || !v.deployment_name || !v.namespace_)
        return;
    json_t *cluster = env->lookup_deployment(env->ctx, v.namespace_, v.deployment_name);
    if (!cluster)
        return;
    fo_flink_view c;
    if (fo_flink_view_init(&c, cluster, NULL) == FO_OK) {
        if (c.job.raw)
            fo_field_errors_add(errs, FO_FE_INVALID, "spec.deploymentName", v.deployment_name,
                                "Can not submit session job to application cluster");
        if (!c.name || strcmp(c.name, v.deployment_name) != 0)
            fo_field_errors_add(errs, FO_FE_INVALID, "spec.deploymentName", v.deployment_name,
                                "The session job's cluster id is not match with the session "
                                "cluster");
        const json_t *layers[2] = {c.flink_configuration, v.flink_configuration};
        const char *fields[2] = {"FlinkDeployment spec.flinkConfiguration",
                                 "spec.flinkConfiguration"};
        json_t *conf =
            fo_validate_effective_conf(env, v.namespace_, c.flink_version, layers, fields, 2, errs,
                                       NULL);
        fo_validate_job_spec(&v.job, NULL, conf, errs);
        fo_validate_autoscaler(conf, env, errs);
        json_decref(conf);
    }
    json_decref(cluster);
}
