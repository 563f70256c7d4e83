/* One keep-alive TLS connection of the webhook benchmark: raw GnuTLS, prepared requests, so
 * that the client costs little next to the servers it shares the machine with. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/bench/webhook/bench.h"

static gnutls_certificate_credentials_t g_cred;

void wb_client_trust(const char *ca_file)
{
    if (g_cred)
        gnutls_certificate_free_credentials(g_cred);
    g_cred = NULL;
    if (!ca_file)
        return;
    gnutls_certificate_allocate_credentials(&g_cred);
    gnutls_certificate_set_x509_trust_file(g_cred, ca_file, GNUTLS_X509_FMT_PEM);
}

bool wb_conn_open(wb_conn *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return false;
    gnutls_init(&c->s, GNUTLS_CLIENT);
    gnutls_set_default_priority(c->s);
    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, g_cred);
    gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_session_set_verify_cert(c->s, "localhost", 0);
    gnutls_transport_set_int(c->s, c->fd);
    int ret;
    do {
        ret = gnutls_handshake(c->s);
    } while (ret < 0 && !gnutls_error_is_fatal(ret));
    if (ret < 0) {
        fprintf(stderr, "bench: handshake: %s\n", gnutls_strerror(ret));
        return false;
    }
    return true;
}

void wb_conn_close(wb_conn *c)
{
    if (c->s) {
        gnutls_bye(c->s, GNUTLS_SHUT_WR);
        gnutls_deinit(c->s);
    }
    if (c->fd > 0)
        close(c->fd);
}

/* Send the whole request; false when the connection failed. */
static bool send_all(wb_conn *c, const char *req, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = gnutls_record_send(c->s, req + off, len - off);
        if (n < 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (n <= 0)
            return false;
        off += (size_t)n;
    }
    return true;
}

int wb_roundtrip(wb_conn *c, const char *req, size_t len)
{
    if (!send_all(c, req, len))
        return -1;
    c->have = 0;
    size_t head = 0, body = 0, got = 0;
    int status = -1;
    for (;;) {
        ssize_t n = gnutls_record_recv(c->s, c->buf + c->have, sizeof c->buf - c->have);
        if (n < 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (n <= 0)
            return -1;
        if (head) {
            got += (size_t)n;
        } else {
            c->have += (size_t)n;
            char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
            if (!end)
                continue;
            head = (size_t)(end - c->buf) + 4;
            status = atoi(c->buf + 9);
            char *cl = strcasestr(c->buf, "\r\ncontent-length:");
            if (!cl || cl > end)
                return -1;
            body = (size_t)atol(cl + 17);
            got = c->have - head;
            c->have = 0;
        }
        if (got >= body)
            return status;
    }
}
