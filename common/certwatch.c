#include "common/certwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/filewatch.h"
#include "common/log.h"

/* Longest certificate chain accepted in the certificate file. */
#define MAX_CHAIN 8

struct pair {
    gnutls_pcert_st pcerts[MAX_CHAIN];
    unsigned npcerts;
    gnutls_privkey_t key;
    char fingerprint[65];
    int64_t not_before_s, not_after_s; /* the leaf's validity (Unix time); -1 when unknown */
    int64_t retired_ms; /* monotonic time it was replaced; 0 while served */
    struct pair *next;  /* retired list */
};

struct fo_certwatch {
    pthread_mutex_t mu;
    char *cert_path, *key_path;
    fo_filewatch cert_watch, key_watch;
    struct pair *current;
    struct pair *retired; /* newest first */
    uint64_t generation;
    char last_error[FO_ERR_MSG_MAX]; /* of the last refused change (the polling thread's) */
    bool forced; /* the polling thread's: the next check is a retry or recheck */
};

static void pair_free(struct pair *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->npcerts; i++)
        gnutls_pcert_deinit(&p->pcerts[i]);
    if (p->key)
        gnutls_privkey_deinit(p->key);
    free(p);
}

/* Read a whole file with a size limit into a gnutls datum (caller frees data). */
static fo_rc read_file(const char *what, const char *path, gnutls_datum_t *out, fo_err *err)
{
    out->data = NULL;
    out->size = 0;
    /* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fo_err_set(err, FO_EIO, "%s %s: %s", what, path, strerror(errno));
    struct stat st;
    fo_rc rc = FO_OK;
    if (fstat(fd, &st) != 0) {
        rc = fo_err_set(err, FO_EIO, "%s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fo_err_set(err, FO_EINVAL, "%s %s: not a regular file", what, path);
        goto out;
    }
    if (st.st_size <= 0 || (uint64_t)st.st_size > FO_CERTWATCH_MAX_FILE_BYTES) {
        rc = fo_err_set(err, st.st_size <= 0 ? FO_EINVAL : FO_ELIMIT,
                        "%s %s: size %lld is outside 1..%u bytes", what, path,
                        (long long)st.st_size, FO_CERTWATCH_MAX_FILE_BYTES);
        goto out;
    }
    size_t want = (size_t)st.st_size;
    out->data = malloc(want + 1);
    if (!out->data) {
        rc = fo_err_set(err, FO_ENOMEM, "%s %s: out of memory", what, path);
        goto out;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(fd, out->data + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    out->data[got] = '\0';
    out->size = (unsigned)got;
    if (got == 0)
        rc = fo_err_set(err, FO_EINVAL, "%s %s: empty", what, path);
out:
    close(fd);
    if (rc != FO_OK) {
        free(out->data);
        out->data = NULL;
    }
    return rc;
}

/* DER encoding of a public key (caller frees with gnutls_free), or data NULL. */
static gnutls_datum_t pubkey_der(gnutls_pubkey_t pk)
{
    gnutls_datum_t d = {NULL, 0};
    if (gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &d) < 0)
        d.data = NULL;
    return d;
}

/* The key belongs to the leaf certificate when their public keys are the same. */
static bool key_matches(gnutls_privkey_t key, gnutls_pubkey_t leaf)
{
    gnutls_pubkey_t from_key = NULL;
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    bool same = false;
    if (gnutls_pubkey_init(&from_key) < 0)
        return false;
    if (gnutls_pubkey_import_privkey(from_key, key, 0, 0) < 0)
        goto out;
    a = pubkey_der(from_key);
    b = pubkey_der(leaf);
    same = a.data && b.data && a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
out:
    gnutls_free(a.data);
    gnutls_free(b.data);
    gnutls_pubkey_deinit(from_key);
    return same;
}

/* The pair of cert_pem and key_pem, named cert_name and key_name in messages (which never
 * quote them). NULL with err when either does not parse or the key is not the leaf's. */
static struct pair *parse_pair(const gnutls_datum_t *cert_pem, const gnutls_datum_t *key_pem,
                               const char *cert_path, const char *key_path, fo_err *err)
{
    struct pair *p = calloc(1, sizeof *p);
    int ret;
    if (!p) {
        fo_err_set(err, FO_ENOMEM, "certificate: out of memory");
        goto fail;
    }
    p->npcerts = MAX_CHAIN;
    ret = gnutls_pcert_list_import_x509_raw(p->pcerts, &p->npcerts, cert_pem,
                                            GNUTLS_X509_FMT_PEM,
                                            GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
    if (ret < 0 || p->npcerts == 0) {
        p->npcerts = 0;
        fo_err_set(err, FO_EINVAL, "certificate %s: %s", cert_path,
                   ret < 0 ? gnutls_strerror(ret) : "no certificate in file");
        goto fail;
    }
    if (gnutls_privkey_init(&p->key) < 0) {
        fo_err_set(err, FO_ENOMEM, "key: out of memory");
        goto fail;
    }
    ret = gnutls_privkey_import_x509_raw(p->key, key_pem, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (ret < 0) {
        fo_err_set(err, FO_EINVAL, "key %s: %s", key_path, gnutls_strerror(ret));
        goto fail;
    }
    if (!key_matches(p->key, p->pcerts[0].pubkey)) {
        fo_err_set(err, FO_EINVAL, "key %s does not belong to certificate %s", key_path,
                   cert_path);
        goto fail;
    }
    unsigned char digest[32];
    size_t dlen = sizeof digest;
    if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &p->pcerts[0].cert, digest, &dlen) < 0 ||
        dlen != sizeof digest) {
        fo_err_set(err, FO_EINVAL, "certificate %s: cannot compute its fingerprint",
                   cert_path);
        goto fail;
    }
    for (size_t i = 0; i < dlen; i++) {
        static const char hex[] = "0123456789abcdef";
        p->fingerprint[2 * i] = hex[digest[i] >> 4];
        p->fingerprint[2 * i + 1] = hex[digest[i] & 15];
    }
    p->fingerprint[64] = '\0';
    p->not_before_s = p->not_after_s = -1;
    gnutls_x509_crt_t leaf;
    if (gnutls_x509_crt_init(&leaf) >= 0) {
        if (gnutls_x509_crt_import(leaf, &p->pcerts[0].cert, GNUTLS_X509_FMT_DER) >= 0) {
            p->not_before_s = (int64_t)gnutls_x509_crt_get_activation_time(leaf);
            p->not_after_s = (int64_t)gnutls_x509_crt_get_expiration_time(leaf);
        }
        gnutls_x509_crt_deinit(leaf);
    }
    return p;
fail:
    pair_free(p);
    return NULL;
}

static struct pair *load_pair(const char *cert_path, const char *key_path, fo_err *err)
{
    gnutls_datum_t cert_pem = {NULL, 0}, key_pem = {NULL, 0};
    struct pair *p = NULL;
    if (read_file("certificate", cert_path, &cert_pem, err) == FO_OK &&
        read_file("key", key_path, &key_pem, err) == FO_OK)
        p = parse_pair(&cert_pem, &key_pem, cert_path, key_path, err);
    /* Never keep key material around longer than needed. */
    if (key_pem.data)
        explicit_bzero(key_pem.data, key_pem.size);
    free(cert_pem.data);
    free(key_pem.data);
    return p;
}

fo_rc fo_certwatch_check_pem(const char *cert_pem, const char *key_pem, const char *cert_name,
                             const char *key_name, fo_err *err)
{
    gnutls_datum_t c = {(unsigned char *)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t k = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    struct pair *p = parse_pair(&c, &k, cert_name, key_name, err);
    if (!p)
        return err ? err->rc : FO_EINVAL;
    pair_free(p);
    return FO_OK;
}

static void utc_text(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "%lld", (long long)t);
}

/* Whether the pair's leaf is outside its validity period at now_s: then err says why, and
 * *later whether it becomes valid by waiting (not valid yet). */
static bool outside_validity(const struct pair *p, const char *cert_path, int64_t now_s,
                             fo_err *err, bool *later)
{
    char when[32];
    *later = false;
    if (p->not_after_s >= 0 && now_s > p->not_after_s) {
        utc_text(p->not_after_s, when);
        fo_err_set(err, FO_EINVAL, "certificate %s expired at %s", cert_path, when);
        return true;
    }
    if (p->not_before_s >= 0 && now_s < p->not_before_s) {
        utc_text(p->not_before_s, when);
        fo_err_set(err, FO_EINVAL, "certificate %s is not valid before %s", cert_path, when);
        *later = true;
        return true;
    }
    return false;
}

static int64_t now_s(void)
{
    return fo_clock_now_ms(fo_clock_real()) / 1000;
}

fo_certwatch *fo_certwatch_new(const char *cert_path, const char *key_path, fo_err *err)
{
    fo_certwatch *cw = calloc(1, sizeof *cw);
    if (!cw) {
        fo_err_set(err, FO_ENOMEM, "certwatch: out of memory");
        return NULL;
    }
    pthread_mutex_init(&cw->mu, NULL);
    cw->cert_path = strdup(cert_path);
    cw->key_path = strdup(key_path);
    if (!cw->cert_path || !cw->key_path || !fo_filewatch_init(&cw->cert_watch, cert_path) ||
        !fo_filewatch_init(&cw->key_watch, key_path)) {
        fo_err_set(err, FO_ENOMEM, "certwatch: out of memory");
        goto fail;
    }
    cw->current = load_pair(cert_path, key_path, err);
    if (!cw->current)
        goto fail;
    cw->generation = 1;
    /* Served all the same: there is no other, and a renewed pair is taken up by the watch
     * within a poll, where exiting would wait for the restart's back-off. */
    fo_err validity;
    bool later;
    if (outside_validity(cw->current, cert_path, now_s(), &validity, &later))
        fo_log_warn("serving a certificate clients will refuse: %s", validity.message);
    return cw;
fail:
    fo_certwatch_free(cw);
    return NULL;
}

void fo_certwatch_free(fo_certwatch *cw)
{
    if (!cw)
        return;
    pair_free(cw->current);
    while (cw->retired) {
        struct pair *next = cw->retired->next;
        pair_free(cw->retired);
        cw->retired = next;
    }
    fo_filewatch_release(&cw->cert_watch);
    fo_filewatch_release(&cw->key_watch);
    free(cw->cert_path);
    free(cw->key_path);
    pthread_mutex_destroy(&cw->mu);
    free(cw);
}

/* Free retired pairs nobody can still be using (caller holds the mutex). */
static void prune_retired(fo_certwatch *cw, int64_t now_ms)
{
    struct pair **pp = &cw->retired;
    while (*pp) {
        struct pair *p = *pp;
        if (now_ms - p->retired_ms >= (int64_t)FO_CERTWATCH_RETIRE_S * 1000) {
            *pp = p->next;
            pair_free(p);
        } else {
            pp = &p->next;
        }
    }
}

fo_rc fo_certwatch_check(fo_certwatch *cw, bool *reloaded, fo_err *err)
{
    if (reloaded)
        *reloaded = false;
    /* Both looks, always: a change seen on one file must not hide the other's. */
    bool cert_changed = fo_filewatch_changed(&cw->cert_watch);
    bool key_changed = fo_filewatch_changed(&cw->key_watch);
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    if (!cert_changed && !key_changed) {
        pthread_mutex_lock(&cw->mu);
        prune_retired(cw, now);
        pthread_mutex_unlock(&cw->mu);
        return FO_OK;
    }
    bool forced = cw->forced;
    cw->forced = false;
    fo_err local;
    fo_err_clear(&local);
    struct pair *p = load_pair(cw->cert_path, cw->key_path, &local);
    /* Tried again at the next check, files changed or not: a failure that may pass (out of
     * file descriptors or memory, a certificate not valid yet). */
    bool retry = !p && (local.rc == FO_EIO || local.rc == FO_ENOMEM);
    if (p && outside_validity(p, cw->cert_path, now_s(), &local, &retry)) {
        pair_free(p);
        p = NULL;
    }
    if (!p) {
        if (retry) {
            fo_filewatch_forget(&cw->cert_watch);
            fo_filewatch_forget(&cw->key_watch);
            cw->forced = true;
        }
        /* reported once per reason, not at every retry or recheck; a new pair is reported
         * whatever its reason (one refused for the reason of the last is news too) */
        if (forced && strcmp(cw->last_error, local.message) == 0)
            return FO_OK;
        fo_log_error("tls certificate change refused, still serving the previous one: %s",
                     local.message);
        snprintf(cw->last_error, sizeof cw->last_error, "%s", local.message);
        if (err)
            *err = local;
        return local.rc;
    }
    cw->last_error[0] = '\0';
    pthread_mutex_lock(&cw->mu);
    struct pair *old = cw->current;
    old->retired_ms = now;
    old->next = cw->retired;
    cw->retired = old;
    cw->current = p;
    cw->generation++;
    prune_retired(cw, now);
    pthread_mutex_unlock(&cw->mu);
    fo_log_info("tls certificate reloaded: sha256 %s", p->fingerprint);
    if (reloaded)
        *reloaded = true;
    return FO_OK;
}

void fo_certwatch_recheck(fo_certwatch *cw)
{
    fo_filewatch_forget(&cw->cert_watch);
    fo_filewatch_forget(&cw->key_watch);
    cw->forced = true;
}

uint64_t fo_certwatch_generation(const fo_certwatch *cw)
{
    fo_certwatch *m = (fo_certwatch *)cw; /* the mutex is not part of the value */
    pthread_mutex_lock(&m->mu);
    uint64_t g = m->generation;
    pthread_mutex_unlock(&m->mu);
    return g;
}

void fo_certwatch_fingerprint(const fo_certwatch *cw, char out[65])
{
    fo_certwatch *m = (fo_certwatch *)cw;
    pthread_mutex_lock(&m->mu);
    memcpy(out, m->current ? m->current->fingerprint : "", m->current ? 65 : 1);
    pthread_mutex_unlock(&m->mu);
}

bool fo_certwatch_current(fo_certwatch *cw, struct gnutls_pcert_st **pcerts, unsigned *npcerts,
                          struct gnutls_privkey_st **key)
{
    pthread_mutex_lock(&cw->mu);
    struct pair *p = cw->current;
    if (p) {
        *pcerts = p->pcerts;
        *npcerts = p->npcerts;
        *key = p->key;
    }
    pthread_mutex_unlock(&cw->mu);
    return p != NULL;
}
