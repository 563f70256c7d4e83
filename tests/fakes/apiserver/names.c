#include "tests/fakes/apiserver/names.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Messages from k8s.io/apimachinery/pkg/util/validation (v1.35). */
#define MSG_SUBDOMAIN                                                                              \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "      \
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "    \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define MSG_LABEL1123                                                                              \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "       \
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "       \
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define MSG_LABEL1035                                                                              \
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "      \
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "        \
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One DNS label of [a-z0-9]([-a-z0-9]*[a-z0-9])? between s and e. */
static bool label_ok(const char *s, const char *e)
{
    if (e <= s || !lower_alnum(s[0]) || !lower_alnum(e[-1]))
        return false;
    for (const char *p = s; p < e; p++)
        if (!lower_alnum(*p) && *p != '-')
            return false;
    return true;
}

static bool subdomain_ok(const char *name)
{
    const char *s = name;
    for (;;) {
        const char *dot = strchr(s, '.');
        const char *e = dot ? dot : s + strlen(s);
        if (!label_ok(s, e))
            return false;
        if (!dot)
            return true;
        s = dot + 1;
    }
}

int fka_name_problems(fka_name_rule rule, const char *name, const char *out[2])
{
    size_t n = strlen(name);
    int count = 0;
    bool ok;
    const char *msg;
    switch (rule) {
    case FKA_NAME_LABEL1035:
        ok = label_ok(name, name + n) && isalpha((unsigned char)name[0]);
        msg = MSG_LABEL1035;
        break;
    case FKA_NAME_LABEL1123:
        ok = label_ok(name, name + n);
        msg = MSG_LABEL1123;
        break;
    default:
        ok = subdomain_ok(name);
        msg = MSG_SUBDOMAIN;
        break;
    }
    if (rule == FKA_NAME_SUBDOMAIN ? n > 253 : n > 63)
        out[count++] = rule == FKA_NAME_SUBDOMAIN ? "must be no more than 253 characters"
                                                  : "must be no more than 63 characters";
    if (!ok)
        out[count++] = msg;
    return count;
}

/* k8s.io/apimachinery/pkg/api/validate/content (v1.35): IsLabelKey. */
#define QN_NAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QN_NAME_MSG                                                                                \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "   \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "        \
    "validation is '" QN_NAME_FMT "')"
static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$ over s[0..n). */
static bool qn_name_ok(const char *s, size_t n)
{
    if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

int fka_qualified_name_problems(const char *value, char out[FKA_QN_MAX_PROBLEMS][FKA_QN_MSG_MAX])
{
    int n = 0;
    const char *slash = strchr(value, '/');
    if (slash && strchr(slash + 1, '/')) {
        snprintf(out[n++], FKA_QN_MSG_MAX,
                 "a valid label key %s with an optional DNS subdomain prefix and '/' (e.g. "
                 "'example.com/MyName')",
                 QN_NAME_MSG);
        return n;
    }
    const char *name = value;
    if (slash) {
        size_t plen = (size_t)(slash - value);
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%.*s", (int)(plen < 299 ? plen : 299), value);
        if (plen == 0) {
            snprintf(out[n++], FKA_QN_MSG_MAX, "prefix part must be non-empty");
        } else {
            if (plen > 253)
                snprintf(out[n++], FKA_QN_MSG_MAX, "prefix part must be no more than 253 bytes");
            if (plen >= sizeof prefix || !subdomain_ok(prefix))
                snprintf(out[n++], FKA_QN_MSG_MAX, "prefix part %s", MSG_SUBDOMAIN);
        }
        name = slash + 1;
    }
    size_t len = strlen(name);
    if (len == 0)
        snprintf(out[n++], FKA_QN_MSG_MAX, "name part must be non-empty");
    else if (len > 63)
        snprintf(out[n++], FKA_QN_MSG_MAX, "name part must be no more than 63 bytes");
    if (!qn_name_ok(name, len))
        snprintf(out[n++], FKA_QN_MSG_MAX, "name part %s", QN_NAME_MSG);
    return n;
}

const char *fka_name_segment_problem(const char *name)
{
    if (strcmp(name, ".") == 0)
        return "may not be '.'";
    if (strcmp(name, "..") == 0)
        return "may not be '..'";
    if (strchr(name, '/'))
        return "may not contain '/'";
    if (strchr(name, '%'))
        return "may not contain '%'";
    return NULL;
}

void fka_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = getrandom(p + got, len - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < len) {
        /* Not security-relevant: names and UIDs only need to differ. */
        static __thread unsigned seed;
        if (!seed)
            seed = (unsigned)time(NULL) ^ (unsigned)(size_t)&seed;
        for (; got < len; got++)
            p[got] = (unsigned char)(rand_r(&seed) & 0xff);
    }
}

void fka_name_generate(const char *prefix, char *out, size_t len)
{
    /* k8s.io/apiserver names.SimpleNameGenerator: cut the prefix to 63-5 characters, so a
     * generated name fits a DNS label whatever the kind. */
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char r[5];
    char suffix[6];
    fka_random(r, sizeof r);
    for (int i = 0; i < 5; i++)
        suffix[i] = alphabet[r[i] % (sizeof alphabet - 1)];
    suffix[5] = '\0';
    snprintf(out, len, "%.*s%s", 58, prefix, suffix);
}

void fka_uuid(char *out, size_t len)
{
    unsigned char b[16];
    fka_random(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}
