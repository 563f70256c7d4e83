#ifndef FKA_GC_H
#define FKA_GC_H

/* Garbage collection and the namespace/CRD cleanup controllers of the fake API server
 * (kube-api-semantics.md §8). See gc.c. Thread-safe. */

#include <stdbool.h>

#include "tests/fakes/apiserver/server.h"

/* automatic: run passes on a background thread after writes (and once a second). */
fka_gc *fka_gc_new(fka_server *srv, bool automatic);

/* Stop the thread and free. NULL is fine. */
void fka_gc_free(fka_gc *gc);

/* Run passes now until nothing more is to be done (bounded), on the calling thread. */
void fka_gc_run(fka_gc *gc);

#endif
