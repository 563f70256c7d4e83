/* The webhook's admission handler in a loop, without a server: what routes.c does for one
 * request (decode, judge or change, encode, inside the request's arena window), over each
 * AdmissionReview of a directory (made by review_gen) and each route.
 *
 *   webhook_loop REVIEW_DIR DEFAULTS_YAML [ROUNDS]
 *
 * prints the handler's time per request for every body and route (the caches stay warm, so
 * this is the handler's floor; the server adds TLS, HTTP and colder caches). Figures only:
 * nothing here passes or fails, but a body that does not decode is an error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cluster_defaults.h"
#include "common/json_arena.h"
#include "common/strbuf.h"
#include "webhook/admission.h"
#include "webhook/admit_mutate.h"
#include "webhook/admit_validate.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* One request of route `mutate` or not; false when the body does not decode. */
static bool handle(const char *body, size_t len, bool mutate, const fo_cluster_defaults *cd)
{
    fo_json_arena_begin();
    fo_admission_request req;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = mutate ? fo_admission_decode_without_status(body, len, &req, &err)
                      : fo_admission_decode(body, len, &req, &err);
    if (rc != FO_OK) {
        fo_json_arena_end();
        fprintf(stderr, "webhook_loop: %s\n", err.message);
        return false;
    }
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    if (mutate) {
        fo_admit_mutate(&req, cd, &resp);
    } else {
        fo_validate_env env = {.default_flink_config = fo_cluster_defaults_flink_config(cd)};
        fo_admit_validate(&req, &env, &resp);
    }
    size_t out_len = 0, patch_bytes = 0;
    free(fo_admission_encode(req.uid, &resp, &out_len, &patch_bytes));
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    fo_json_arena_end();
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: webhook_loop REVIEW_DIR DEFAULTS_YAML [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 20000;
    fo_json_arena_install();
    fo_err err;
    fo_err_clear(&err);
    fo_strbuf yaml;
    fo_strbuf_init(&yaml, 0);
    fo_cluster_defaults *cd = NULL;
    if (fo_strbuf_read_file(&yaml, argv[2], &err) == FO_OK)
        cd = fo_cluster_defaults_parse(yaml.data, yaml.len, &err);
    fo_strbuf_release(&yaml);
    if (!cd) {
        fprintf(stderr, "webhook_loop: %s\n", err.message);
        return 1;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    int status = n ? 0 : 1;
    printf("%-28s %-9s %10s\n", "body", "route", "us/request");
    for (size_t i = 0; i < n && status == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        fo_strbuf body;
        fo_strbuf_init(&body, 0);
        if (fo_strbuf_read_file(&body, path, &err) != FO_OK) {
            fprintf(stderr, "webhook_loop: %s\n", err.message);
            status = 1;
        }
        for (int mutate = 0; mutate < 2 && status == 0; mutate++) {
            double t0 = now_us();
            for (int r = 0; r < rounds && status == 0; r++)
                if (!handle(body.data, body.len, mutate, cd))
                    status = 1;
            if (status == 0)
                printf("%-28s %-9s %10.2f\n", names[i], mutate ? "/mutate" : "/validate",
                       (now_us() - t0) / rounds);
        }
        fo_strbuf_release(&body);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    fo_cluster_defaults_unref(cd);
    return status;
}
