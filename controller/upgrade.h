#ifndef FO_UPGRADE_H
#define FO_UPGRADE_H

/* The deploy / upgrade / suspend / resume state machine of a FlinkDeployment (reference c.5 -
 * c.7, c.9), as a pure decision: given what status records and what was observed, the one
 * step the pass takes next. The pass (controller/reconcile_deployment) executes the step,
 * writing the intent to status first whenever the step cannot be repeated safely.
 *
 * The states live in status, in the Apache operator's own fields, so a restarted controller
 * (or the Apache operator) reads them back:
 *
 *   no lastReconciledSpec ..................... new resource
 *   UPGRADING, recorded spec running ........... deploying the recorded spec
 *   UPGRADING, recorded job suspended .......... tearing the old cluster down; the recorded
 *                                                 job.upgradeMode says how it was suspended
 *                                                 (stateless: cancelled; savepoint: stopped with
 *                                                 the savepoint in jobStatus.upgradeSavepointPath;
 *                                                 last-state: JobManager deleted, HA data kept)
 *   UPGRADING, session spec != desired ......... tearing a session cluster down
 *   jobStatus.savepointInfo.triggerType UPGRADE  stop-with-savepoint in flight under triggerId
 *                                                 (chosen and recorded before it is sent; ""
 *                                                 in intents of earlier versions)
 *   DEPLOYED, recorded job suspended ........... suspended; job.upgradeMode is the mode the
 *                                                 suspend used, kept whatever the spec sets
 *                                                 while it stays suspended
 *   DEPLOYED ................................... deployed (stable once the job runs)
 *
 * Upgrade = suspend with the new spec's upgradeMode, then restore (c.6):
 *   stateless  - cancel, delete the JobManager/TaskManager Deployments and the HA data, wait
 *                until gone, deploy the new spec with a new job id and empty state;
 *   savepoint  - RUNNING job: record the intent, stop-with-savepoint, record the path together
 *                with the suspended marker, delete the cluster, deploy from the path; a job
 *                that already ended with a known savepoint path: suspend from that path; a
 *                job neither running nor ended (restarting, waiting for slots, its JobManager
 *                not answering) whose HA metadata holds a checkpoint: through last-state when
 *                kubernetes.operator.job.upgrade.last-state-fallback.enabled (default true),
 *                else it waits; a FINISHED job whose statistics Flink answered with nothing
 *                restorable, or that Flink no longer lists with no path recorded: from empty
 *                state (its state is complete), and so does an ended job whose statistics
 *                say nothing completed and it was restored from nothing (state_empty); an
 *                ended job whose latest checkpoint is not read yet: waits; otherwise without a known path, or
 *                with one older than a snapshot status records: refused ("Manual restore
 *                required");
 *   last-state - through HA data: with HA metadata holding a checkpoint, record the intent,
 *                delete the JobManager/TaskManager Deployments but keep the HA ConfigMaps,
 *                then deploy the new spec with the same job id (Flink recovers from the HA
 *                checkpoint; the old job graph is dropped from the HA ConfigMap first so the
 *                new spec's graph is used); a Flink version change goes through a savepoint
 *                instead; no HA metadata -> refused ("Manual restore required"), except for
 *                a job that ended (Flink removed its HA data): suspended from the final state
 *                the observer recorded in upgradeSavepointPath (the record says savepoint;
 *                taken over HA metadata still seen, which Flink is deleting), from empty state
 *                when it FINISHED with none or its state is empty (state_empty), else as the
 *                savepoint mode refuses or waits. Never silently degraded to stateless.
 * Suspend (job.state suspended) = the suspend half of an upgrade, the same mechanisms and
 * fallback; the record keeps the mechanism used (c.7).
 * Resume (DEPLOYED, recorded job suspended, spec running): restore as above; a cluster still
 * there (a job cancelled from outside keeps its JobManager) is torn down first, with its HA
 * data unless the restore reads it (last-state). The same cluster under a spec that asks
 * suspended is torn down as a suspend would (SUSPEND with the recorded upgradeMode), once the
 * ended job's restore source is known (a path, or Flink's statistics read and holding none):
 * that cluster is where it is read, so until then the teardown waits (REFUSE).
 * Restart of a FAILED job (c.9, kubernetes.operator.job.restart.failed): under an unchanged,
 * deployed, running spec, the suspend half of an upgrade of the spec to itself, then its
 * restore: from the checkpoint or savepoint recorded in upgradeSavepointPath (the state the
 * observer recorded when the job FAILED, taken over HA data the informer cache may still show
 * after Flink deleted it), else last-state through the HA data when it holds a checkpoint of
 * the job, else from empty state when Flink's statistics say the job's state is empty (nothing
 * completed, restored from nothing), stateless for a stateless spec; no known state -> refused
 * ("Manual restore required"), never restarted from nothing it had.
 * Session clusters: any change tears the cluster down (HA data kept) and deploys the new spec.
 * Refusals leave the running cluster untouched; the pass reports the reason in status.error
 * and a Warning event. */

#include <stdbool.h>

#include "common/flink_model.h"
#include "controller/spec_diff.h"

typedef enum fo_upgrade_action {
    FO_UP_NOTHING,         /* nothing to deploy (a new resource created suspended) */
    FO_UP_CONVERGE,        /* the spec is reconciled: keep the owned objects as desired */
    FO_UP_RECORD,          /* record the new spec, touch nothing (IGNORE-class change) */
    FO_UP_DEPLOY,          /* intent (recorded spec = desired, UPGRADING, job id), create */
    FO_UP_FINISH_DEPLOY,   /* UPGRADING towards the recorded spec: apply, mark DEPLOYED */
    FO_UP_SUSPEND,         /* intent (suspended marker, UPGRADING), then start tearing down */
    FO_UP_STOP_SAVEPOINT,  /* intent (savepoint trigger), then stop-with-savepoint */
    FO_UP_AWAIT_SAVEPOINT, /* poll the stop-with-savepoint trigger */
    FO_UP_DELETE_CLUSTER,  /* delete the JobManager (and TaskManager) Deployment */
    FO_UP_WAIT,            /* deletion in progress: come back soon */
    FO_UP_MARK_SUSPENDED,  /* teardown done and the spec asks suspended: record it DEPLOYED */
    FO_UP_REFUSE,          /* cannot proceed safely: report, touch nothing */
} fo_upgrade_action;

/* "CONVERGE", "DEPLOY", ... for logs and tests. */
const char *fo_upgrade_action_name(fo_upgrade_action a);

typedef struct fo_upgrade_input {
    bool has_last;                    /* a lastReconciledSpec is recorded */
    fo_flink_recon_state recon_state; /* reconciliationStatus.state */
    bool application;                 /* the desired spec has a job */
    bool specs_equal;                 /* recorded and desired specs mean the same */
    fo_diff_type diff;                /* class of the difference (when not equal) */
    fo_flink_job_state last_job_state;
    fo_flink_upgrade_mode last_mode; /* recorded job.upgradeMode (how it was suspended) */
    fo_flink_job_state want_job_state;
    fo_flink_upgrade_mode want_mode;
    bool cluster_present;         /* JobManager or TaskManager Deployment exists */
    bool cluster_deleting;        /* every one that exists is terminating */
    fo_flink_job_status job;      /* observed job state */
    bool rest_ok;                 /* Flink answered this pass */
    bool savepoint_pending;       /* an upgrade savepoint trigger is recorded */
    bool savepoint_path_known;    /* jobStatus.upgradeSavepointPath is set */
    /* jobStatus.upgradeSavepointPath is older than a snapshot status records of the job
     * (fo_observe_restore_path_superseded): restoring it would take the job back */
    bool savepoint_path_superseded;
    /* The job ended (globally terminal) and its restore source is not known: no
     * upgradeSavepointPath, and this pass did not read Flink's statistics of the job (the read
     * failed, or Flink was not asked: silent, the job not observed). Flink may still hold its
     * latest checkpoint; a later pass reads it. False when Flink answers without the job
     * (nothing can be read of it any more). */
    bool restore_source_unknown;
    /* The job ended and this pass read its statistics: nothing restorable (no path). */
    bool restore_source_none;
    /* The job ended, no upgradeSavepointPath is recorded, and its JobManager answers but no
     * longer lists it (Flink purged it after jobstore.expiration-time): nothing more can ever
     * be read of it. */
    bool job_forgotten;
    /* The job ended and this pass read its statistics (GET /jobs/:id/checkpoints, checkpointing
     * on): no checkpoint or savepoint completed (counts.completed 0, no latest completed) and
     * it was restored from nothing (latest.restored null). Its state is empty: a deploy from
     * empty state loses nothing. */
    bool state_empty;
    bool savepoint_dir;           /* a savepoint directory is configured */
    bool ha_enabled;              /* high availability configured */
    bool ha_metadata;             /* HA ConfigMaps with a checkpoint exist */
    bool ha_job_map;              /* the job's HA ConfigMap exists, checkpoint or not */
    bool ha_maps_present;         /* an HA ConfigMap of the cluster exists (or is being deleted) */
    bool flink_version_changed;   /* spec.flinkVersion differs from the recorded one */
    bool want_ha_enabled;         /* the desired spec configures high availability too */
    bool last_state_fallback;     /* kubernetes.operator.job.upgrade.last-state-fallback.enabled */
    bool restart_failed;          /* kubernetes.operator.job.restart.failed, the job seen FAILED */
    bool can_stop_with_savepoint; /* capability of this build */
    bool can_last_state;          /* capability of this build */
} fo_upgrade_input;

typedef struct fo_upgrade_step {
    fo_upgrade_action action;
    /* SUSPEND: the mechanism, recorded as the suspended spec's job.upgradeMode.
     * DEPLOY: how state is restored (stateless: none; savepoint: upgradeSavepointPath;
     * last-state: HA data, job id kept). */
    fo_flink_upgrade_mode mode;
    bool initial_savepoint;  /* DEPLOY: restore from job.initialSavepointPath (first deploy,
                                savepoint redeploy) */
    bool delete_ha_data;     /* DELETE_CLUSTER: remove the HA ConfigMaps too */
    bool spec_changed_event; /* queue a SpecChanged event for this step */
    bool last_state_fallback; /* SUSPEND: a savepoint upgrade goes through last-state (c.6) */
    bool restart;            /* SUSPEND: the restart of a FAILED job (c.9) */
    bool final_state;        /* SUSPEND: an ended job restored from its final state (or, a
                                FINISHED one without any or one whose state is empty, from
                                empty state) in place of the mechanism its upgradeMode names */
    const char *reason;      /* REFUSE and WAIT: why (a static sentence) */
} fo_upgrade_step;

/* The next step. Pure. */
fo_upgrade_step fo_upgrade_next(const fo_upgrade_input *in);

/* Recovery of a JobManager Deployment that vanished under a deployed, running spec (c.9):
 * allowed for session clusters, stateless jobs and HA setups; else false with the reason. */
bool fo_upgrade_can_recover(const fo_upgrade_input *in, const char **reason);

#endif
