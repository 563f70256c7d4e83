#ifndef FO_TESTHTTP_H
#define FO_TESTHTTP_H

/* A small libcurl client for the suites that test our HTTP servers (httpd, certwatch): one
 * request per call, the whole reply kept. Test code only; failures are in the reply. */

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

typedef struct fo_test_reply {
    long status;
    CURLcode cc;
    fo_strbuf body;
    fo_strbuf headers;
    char error[CURL_ERROR_SIZE];
} fo_test_reply;

typedef struct fo_test_request {
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    bool chunked_upload;
    const char *content_type;
    const char *extra_header;
    const char *cainfo;
    bool close_after; /* ask for Connection: close */
} fo_test_request;

/* Send the request; r is initialised here and released with fo_test_reply_release. */
void fo_test_perform(const fo_test_request *o, fo_test_reply *r);
void fo_test_reply_release(fo_test_reply *r);

/* Does the reply carry this header line (case-insensitive substring)? */
bool fo_test_has_header(const fo_test_reply *r, const char *line);

#endif
