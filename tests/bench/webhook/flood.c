/* The webhook benchmark's flood mode: many clients at once sending the reviews that cost the
 * webhook the most memory, with 200 / 429 counts and the peak RSS after each shape. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tests/bench/webhook/bench.h"
#include "tests/support/procstat.h"
#include "tests/support/testutil.h"

typedef struct flooder {
    pthread_t th;
    int port;
    const char *req;
    size_t len;
    int64_t start_ns;
    int rounds;
    int ok, busy, other;
} flooder;

static void *flood_work(void *arg)
{
    flooder *f = arg;
    wb_conn *c = malloc(sizeof *c);
    bool open = wb_conn_open(c, f->port);
    while (wb_now_ns() < f->start_ns) {
    }
    for (int i = 0; open && i < f->rounds; i++) {
        int st = wb_roundtrip(c, f->req, f->len);
        f->ok += st == 200;
        f->busy += st == 429;
        f->other += st != 200 && st != 429;
        if (st < 0) { /* the connection is gone: a new one for the next round */
            wb_conn_close(c);
            open = wb_conn_open(c, f->port);
        }
    }
    f->other += open ? 0 : 1;
    wb_conn_close(c);
    free(c);
    return NULL;
}

/* create-basic.json's object with `add` under spec.podTemplate.metadata.annotations (or
 * spec.flinkConfiguration when config is set): n members, each `size` bytes of text. */
static char *flood_body(const char *base_text, size_t n, size_t size, bool config)
{
    json_t *doc = json_loads(base_text, 0, NULL);
    json_t *spec =
        json_object_get(json_object_get(json_object_get(doc, "request"), "object"), "spec");
    json_t *members = json_object();
    char *text = malloc(size + 1);
    memset(text, 'x', size);
    text[size] = '\0';
    for (size_t i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%zu", i);
        json_object_set_new(members, key, json_string(text));
    }
    free(text);
    if (config) {
        json_object_set_new(spec, "flinkConfiguration", members);
    } else {
        json_t *tpl = json_object_get(spec, "podTemplate");
        if (!tpl)
            json_object_set_new(spec, "podTemplate", tpl = json_object());
        json_object_set_new(tpl, "metadata", json_pack("{s:o}", "annotations", members));
    }
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}

/* Many clients at once, each sending the same review `rounds` times, with shapes that cost the
 * webhook the most memory per byte or per request; prints how many got 200 and 429 and the
 * webhook's peak RSS after each. What docs/install.md sizes the memory limit by. */
int wb_flood_main(const char *webhook, const char *dir)
{
    wb_setup s;
    wb_setup_init(&s, dir);
    int port;
    pid_t pid = wb_start_server(&s, webhook, WB_WEBHOOK, NULL, &port, 20000);
    fo_test_sleep_ms(300);
    printf("webhook flood: peak RSS (VmHWM) idle %.1f MiB\n",
           fo_proc_vm_kib(pid, "VmHWM") / 1024.0);
    const struct {
        const char *name, *route;
        size_t n, size;
        bool config;
        int clients, rounds;
    } shapes[] = {
        /* just under the reader's bound (weight 50,000: a key and a string weigh 2) */
        {"24,000 template annotations (0.3 MB)", "/mutate", 24000, 1, false, 100, 3},
        {"24,000 configuration keys (0.3 MB)", "/validate", 24000, 1, true, 100, 3},
        /* the largest body the webhook reads (7 MiB), in long strings */
        {"1,100 template annotations of 6 KB (6.6 MB)", "/mutate", 1100, 6000, false, 10, 2},
        {"1,100 configuration values of 6 KB (6.6 MB)", "/validate", 1100, 6000, true, 10, 2},
        /* what an API server can send: an object of at most 3 MiB */
        {"500 template annotations of 6 KB (3 MB)", "/mutate", 500, 6000, false, 20, 3},
    };
    flooder *f = calloc(128, sizeof *f);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        char *body = flood_body(s.bodies[0], shapes[k].n, shapes[k].size, shapes[k].config);
        char *req = wb_make_request(shapes[k].route, body);
        size_t len = strlen(req);
        int64_t start = wb_now_ns() + 500 * 1000000LL; /* time to connect everyone */
        for (int i = 0; i < shapes[k].clients; i++) {
            f[i] = (flooder){.port = port,
                             .req = req,
                             .len = len,
                             .start_ns = start,
                             .rounds = shapes[k].rounds};
            pthread_create(&f[i].th, NULL, flood_work, &f[i]);
        }
        int ok = 0, busy = 0, other = 0;
        for (int i = 0; i < shapes[k].clients; i++) {
            pthread_join(f[i].th, NULL);
            ok += f[i].ok;
            busy += f[i].busy;
            other += f[i].other;
        }
        printf("  %-44s %-9s %3d clients x %d: %4d ok, %4d 429, %d other; peak RSS %.1f MiB\n",
               shapes[k].name, shapes[k].route, shapes[k].clients, shapes[k].rounds, ok, busy,
               other, fo_proc_vm_kib(pid, "VmHWM") / 1024.0);
        free(req);
        free(body);
    }
    free(f);
    fo_test_stop(pid, SIGTERM, 20000);
    wb_setup_release(&s);
    return 0;
}
