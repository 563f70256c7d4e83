#ifndef FO_CTL_KUBE_IO_H
#define FO_CTL_KUBE_IO_H

/* The process's side of the seams (controller/ctl_io.h): fo_ctl_kube over the informer caches
 * and the kube client, fo_ctl_events over the Event recorder (Flink is reached through a
 * common/flink_rest client the process makes). The structs are filled with callbacks whose
 * ctx is the object given; those objects must outlive every pass. Thread-safe. */

#include "common/informer.h"
#include "common/kube_client.h"
#include "common/kube_events.h"
#include "controller/ctl_io.h"

typedef struct fo_ctl_kube_io {
    fo_kube_client *kc;                        /* borrowed */
    fo_informer *informers[FO_CTL_KIND_COUNT]; /* borrowed; one per kind */
} fo_ctl_kube_io;

/* Point kube at io. */
void fo_ctl_kube_io_bind(fo_ctl_kube_io *io, fo_ctl_kube *kube);

/* Point events at a recorder (borrowed). */
void fo_ctl_events_io_bind(fo_kube_events *ev, fo_ctl_events *events);

#endif
