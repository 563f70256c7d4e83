/* fo_kube_status_body_to_err (common/kube_status.h) on arbitrary bytes as the body of an API
 * server error answer (or of whatever proxy answered instead), and fo_kube_status_to_err on
 * what parses, as a watch's ERROR event hands it over (HTTP status 0: the Status's own code).
 * The first input byte picks the HTTP status, the second whether the message has a prefix;
 * the rest is the body. Properties:
 *  - an error answer never decodes as FO_OK, and the code is the one fo_kube_status_rc gives
 *    for the status and the Status's reason;
 *  - the message starts with the prefix, then the Status's message as far as it fits (cut at
 *    a character boundary, never dropped), or "HTTP <status>" for a body that is not a Status;
 *  - for a body that is valid UTF-8 the message is valid UTF-8 (status and Events are JSON). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/kube_status.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    json_decref(j);
    return j != NULL;
}

/* The Status in body, as the client takes it (an object with a "kind"), or NULL. */
static json_t *status_of(const char *body, size_t len)
{
    json_t *st = len ? json_loadb(body, len, 0, NULL) : NULL;
    if (st && !fo_json_str(st, "kind")) {
        json_decref(st);
        st = NULL;
    }
    return st;
}

static void check(int http, const json_t *st, const char *body, size_t len, const char *what,
                  const fo_err *err, fo_rc rc)
{
    FUZZ_CHECK(rc != FO_OK && err->rc == rc, "rc %d, err.rc %d", (int)rc, (int)err->rc);
    const char *reason = st ? fo_json_str(st, "reason") : NULL;
    FUZZ_CHECK(rc == fo_kube_status_rc(err->http_status, reason), "rc %d for HTTP %d, reason %s",
               (int)rc, err->http_status, reason);
    const char *m = err->message;
    if (what) {
        size_t n = strlen(what);
        FUZZ_CHECK(strncmp(m, what, n) == 0 && strncmp(m + n, ": ", 2) == 0, "prefix: %s", m);
        m += n + 2;
    }
    const char *smsg = st ? fo_json_str(st, "message") : NULL;
    if (smsg && *smsg) {
        size_t n = strlen(m), want = strlen(smsg);
        FUZZ_CHECK(n > 0 && strncmp(m, smsg, n < want ? n : want) == 0 &&
                       (n >= want || strlen(err->message) >= FO_ERR_MSG_MAX - 4),
                   "the Status's message (%zu bytes) kept as \"%.80s\" (%zu bytes)", want, m, n);
    } else if (!st) {
        char head[32];
        int n = snprintf(head, sizeof head, "HTTP %d", http);
        FUZZ_CHECK(strncmp(m, head, (size_t)n) == 0, "no \"%s\": %s", head, m);
    }
    if (valid_utf8(body, len))
        FUZZ_CHECK(valid_utf8(err->message, strlen(err->message)),
                   "a message of a UTF-8 body is not UTF-8: %s", err->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504};
    if (size < 2 || size > FUZZ_MAX_INPUT)
        return 0;
    int http = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
    const char *what = data[1] & 1 ? "create pods ns/x" : NULL;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;

    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_kube_status_body_to_err(http, body, len, what, &err);
    json_t *st = status_of(body, len);
    FUZZ_CHECK(err.http_status == http, "http_status %d for %d", err.http_status, http);
    check(http, st, body, len, what, &err, rc);

    /* a watch's ERROR event: no HTTP status, the Status's code instead */
    if (json_is_object(st)) {
        fo_err_clear(&err);
        rc = fo_kube_status_to_err(0, st, what, &err);
        check(err.http_status, st, body, len, what, &err, rc);
    }
    json_decref(st);
    return 0;
}
