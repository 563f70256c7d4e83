#ifndef FO_CTL_OWN_WRITES_H
#define FO_CTL_OWN_WRITES_H

/* The versions of each FlinkDeployment this process has replaced by writes of its own, so that
 * a pass never acts on one of them. A pass decides from the informer's copy of its resource and
 * writes the status it decided with a resourceVersion precondition; the informer sees that
 * write later, through the watch. Until it does, a pass reads the status from before it: a
 * teardown the last pass already finished, a deploy it already launched. The precondition of
 * that pass's own status write fails (409), but only after the pass has acted on the cluster:
 * when the FlinkDeployment's informer lags the Deployments' one (a watch ended and reopening,
 * a relist after 410, the API server's watch cache behind), a pass that read the record of a
 * teardown next to the JobManager Deployment the previous pass had just created deleted that
 * new cluster. Kubernetes gives resourceVersions no order a client may read, but every write
 * noted here was conditional on the version it replaced, so the object went from that version
 * straight to the write's: a cached version that is none of the replaced ones is at or past
 * the last write. Entries live only while the cache lags: a pass that finds the cache caught
 * up (or the resource gone) forgets the resource.
 *
 * Every function is thread-safe (passes run on several workers). */

#include <stdbool.h>

typedef struct fo_own_writes fo_own_writes;

/* How many replaced versions are kept per resource (the oldest go first: a cache that lags
 * this many writes of one resource is no longer told). */
#define FO_OWN_WRITES_MAX_PER_RESOURCE 16

/* An empty record. NULL when out of memory. */
fo_own_writes *fo_own_writes_new(void);
void fo_own_writes_free(fo_own_writes *w); /* NULL ok */

/* A write of ns/name conditional on resourceVersion `replaced` succeeded, and its answer holds
 * the object at `now` (NULL: the answer did not say): `replaced` is no longer current. A NULL
 * or empty `replaced` (an unconditional write) notes nothing, and neither does a write whose
 * answer is still at `replaced`: the API server stores nothing for a write that leaves the
 * object as it was (a status the CRD's schema prunes to the one stored), and the version
 * stays current; noted, every later pass would wait for a version that never comes. */
void fo_own_writes_note(fo_own_writes *w, const char *ns, const char *name, const char *replaced,
                        const char *now);

/* True when `seen`, the resourceVersion of the cached ns/name, is a version this process has
 * replaced: the cache has not caught up with its own writes, and nothing may be decided from
 * it. Otherwise false, and ns/name is forgotten (the cache holds the last write or a later
 * version); `seen` NULL (the resource is gone) forgets it too. */
bool fo_own_writes_behind(fo_own_writes *w, const char *ns, const char *name, const char *seen);

/* How many resources have versions noted (for tests). */
int fo_own_writes_count(fo_own_writes *w);

#endif
