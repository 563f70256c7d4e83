/* Flink's process memory model: the derivation of FLIP-49 (TaskManager) and FLIP-116
 * (JobManager) as Flink's ProcessMemoryUtils runs it, with the same order of checks, so that
 * the first problem reported is the one Flink would report. The messages keep the words of
 * Flink's IllegalConfigurationException ("Sum of configured ... exceed configured Total Flink
 * Memory"), which is what users search for. */
#include "common/flink_memory_model.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"

#define KIB 1024LL
#define MIB (1024LL * 1024)
#define GIB (1024LL * 1024 * 1024)
#define NO_DEFAULT (-1)

typedef __int128 wide; /* sums and products before the check that they fit, as Java's
                          addExact and MemorySize.multiply throw on overflow */

/* One option of the model: its key, the deprecated keys Flink still reads, its default. */
typedef struct size_option {
    const char *key;
    const char *const old[2];
    int64_t dflt; /* NO_DEFAULT: the option has none */
} size_option;

typedef struct fraction_option {
    const char *key;
    const char *const old[2];
    float dflt;
} fraction_option;

/* A part sized as a fraction of another, capped to [min, max] (RangeFraction). */
typedef struct range_options {
    size_option min, max;
    fraction_option fraction;
} range_options;

typedef struct process_options {
    const char *label;
    size_option process, flink, metaspace;
    range_options overhead;
    const char *legacy_heap, *legacy_heap_mb; /* a memory size; a number of mebibytes */
} process_options;

static const process_options JM = {
    "JobManager",
    {"jobmanager.memory.process.size", {NULL}, NO_DEFAULT},
    {"jobmanager.memory.flink.size", {NULL}, NO_DEFAULT},
    {"jobmanager.memory.jvm-metaspace.size", {NULL}, 256 * MIB},
    {{"jobmanager.memory.jvm-overhead.min", {NULL}, 192 * MIB},
     {"jobmanager.memory.jvm-overhead.max", {NULL}, GIB},
     {"jobmanager.memory.jvm-overhead.fraction", {NULL}, 0.1f}},
    "jobmanager.heap.size",
    "jobmanager.heap.mb",
};

static const size_option JM_HEAP = {"jobmanager.memory.heap.size", {NULL}, NO_DEFAULT};
static const size_option JM_OFF_HEAP = {"jobmanager.memory.off-heap.size", {NULL}, 128 * MIB};

static const process_options TM = {
    "TaskManager",
    {"taskmanager.memory.process.size", {NULL}, NO_DEFAULT},
    {"taskmanager.memory.flink.size", {NULL}, NO_DEFAULT},
    {"taskmanager.memory.jvm-metaspace.size", {NULL}, 256 * MIB},
    {{"taskmanager.memory.jvm-overhead.min", {NULL}, 192 * MIB},
     {"taskmanager.memory.jvm-overhead.max", {NULL}, GIB},
     {"taskmanager.memory.jvm-overhead.fraction", {NULL}, 0.1f}},
    "taskmanager.heap.size",
    "taskmanager.heap.mb",
};

static const size_option TM_FRAMEWORK_HEAP = {
    "taskmanager.memory.framework.heap.size", {NULL}, 128 * MIB};
static const size_option TM_FRAMEWORK_OFF_HEAP = {
    "taskmanager.memory.framework.off-heap.size", {NULL}, 128 * MIB};
static const size_option TM_TASK_HEAP = {"taskmanager.memory.task.heap.size", {NULL}, NO_DEFAULT};
static const size_option TM_TASK_OFF_HEAP = {"taskmanager.memory.task.off-heap.size", {NULL}, 0};
static const size_option TM_MANAGED = {
    "taskmanager.memory.managed.size", {"taskmanager.memory.size", NULL}, NO_DEFAULT};
static const range_options TM_MANAGED_RANGE = {
    {NULL, {NULL}, 0},
    {NULL, {NULL}, INT64_MAX},
    {"taskmanager.memory.managed.fraction", {NULL}, 0.4f},
};
/* network.max: 1g before Flink 1.17, unlimited since (FLINK-30469); see network_range. */
static const range_options TM_NETWORK_RANGE = {
    {"taskmanager.memory.network.min", {"taskmanager.network.memory.min", NULL}, 64 * MIB},
    {"taskmanager.memory.network.max", {"taskmanager.network.memory.max", NULL}, INT64_MAX},
    {"taskmanager.memory.network.fraction", {"taskmanager.network.memory.fraction", NULL}, 0.1f},
};
#define TM_LEGACY_NETWORK_BUFFERS "taskmanager.network.numberOfBuffers"

typedef struct range {
    int64_t min, max;
    double fraction;
} range;

typedef struct derive {
    const json_t *flat;
    const process_options *o;
    fo_flink_version version;
    int64_t process_override; /* > 0: the spec's memory, standing for o->process */
    /* A legacy heap key standing for the option the deployment mode reads it as. */
    const size_option *legacy_target;
    const char *legacy_key;
    const char *blame;
    fo_err *err;
} derive;

/* ---- reading options ----------------------------------------------------------------------- */

/* The key the configuration holds for the option (the option's own or a deprecated one). */
static const char *present_key(const derive *d, const char *key, const char *const *old)
{
    if (!key)
        return NULL;
    if (fo_json_str(d->flat, key))
        return key;
    for (size_t i = 0; i < 2 && old[i]; i++)
        if (fo_json_str(d->flat, old[i]))
            return old[i];
    return NULL;
}

static bool has(const derive *d, const size_option *o)
{
    if ((o == &d->o->process && d->process_override > 0) || o == d->legacy_target)
        return true;
    return present_key(d, o->key, o->old) != NULL;
}

__attribute__((format(printf, 3, 4))) static fo_rc fail(derive *d, const char *key, const char *fmt,
                                                        ...)
{
    if (d->legacy_target && key && strcmp(key, d->legacy_target->key) == 0)
        key = d->legacy_key; /* the key the user wrote */
    d->blame = key;
    va_list ap;
    va_start(ap, fmt);
    fo_err_setv(d->err, FO_EINVAL, fmt, ap);
    va_end(ap);
    return FO_EINVAL;
}

static const char *human(int64_t bytes, char *buf)
{
    return fo_flink_memory_human(bytes, buf, 64);
}

static fo_rc get_size(derive *d, const size_option *o, int64_t dflt, int64_t *out)
{
    if (o == &d->o->process && d->process_override > 0) {
        *out = d->process_override;
        return FO_OK;
    }
    const char *key = o == d->legacy_target ? d->legacy_key : present_key(d, o->key, o->old);
    if (!key) {
        *out = dflt;
        return FO_OK;
    }
    const char *text = fo_json_str(d->flat, key);
    fo_err perr;
    fo_err_clear(&perr);
    if (key == d->o->legacy_heap_mb) {
        char *end = NULL;
        long long mb = strtoll(text, &end, 10);
        if (end != text && !*end && mb >= 0 && mb <= INT64_MAX / MIB) {
            *out = mb * MIB;
            return FO_OK;
        }
        return fail(d, key, "cannot read '%s' of config option '%s' as a number of mebibytes", text,
                    key);
    }
    if (fo_flink_memory_parse_flink(text, out, &perr) != FO_OK)
        return fail(d, key, "cannot read memory size from config option '%s': %s", key,
                    perr.message);
    return FO_OK;
}

/* Configuration.getFloat: the text as a Java float (then widened, as RangeFraction keeps a
 * double). */
static fo_rc get_fraction(derive *d, const fraction_option *o, double *out)
{
    const char *key = present_key(d, o->key, o->old);
    if (!key) {
        *out = (double)o->dflt;
        return FO_OK;
    }
    const char *text = fo_json_str(d->flat, key);
    double v = 0;
    if (!fo_flink_parse_double(text, &v) || !isfinite((float)v))
        return fail(d, key, "could not parse value '%s' for key '%s' as a float", text, key);
    *out = (double)(float)v;
    return FO_OK;
}

static fo_rc get_range(derive *d, const range_options *o, int64_t max_default, range *r)
{
    fo_rc rc = get_size(d, &o->min, o->min.dflt, &r->min);
    if (rc == FO_OK)
        rc = get_size(d, &o->max, max_default, &r->max);
    if (rc == FO_OK)
        rc = get_fraction(d, &o->fraction, &r->fraction);
    if (rc != FO_OK)
        return rc;
    if (r->min <= r->max && r->fraction >= 0 && r->fraction < 1)
        return FO_OK;
    char a[64], b[64];
    const char *key = present_key(d, o->fraction.key, o->fraction.old);
    if (r->min > r->max)
        key = present_key(d, o->min.key, o->min.old) ? present_key(d, o->min.key, o->min.old)
                                                     : present_key(d, o->max.key, o->max.old);
    return fail(d, key,
                "inconsistently configured %s (%g) and its min (%s), max (%s) value: the min "
                "must not exceed the max and the fraction must be in [0, 1)",
                o->fraction.key, r->fraction, human(r->min, a), human(r->max, b));
}

static fo_rc network_range(derive *d, range *r)
{
    int64_t max =
        d->version != FO_FLINK_VERSION_UNKNOWN && d->version < FO_FLINK_V1_17 ? GIB : INT64_MAX;
    return get_range(d, &TM_NETWORK_RANGE, max, r);
}

/* ---- arithmetic ---------------------------------------------------------------------------- */

static fo_rc narrow(derive *d, wide v, const char *key, int64_t *out)
{
    if (v > INT64_MAX || v < INT64_MIN)
        return fail(d, key, "memory sizes overflow 64 bits");
    *out = (int64_t)v;
    return FO_OK;
}

/* MemorySize.multiply: BigDecimal(bytes) x BigDecimal.valueOf(m), whose digits are Java's
 * Double.toString of m, rounded towards zero. */
static fo_rc multiply(derive *d, int64_t bytes, double m, const char *key, int64_t *out)
{
    char text[40];
    fo_flink_format_double(m, text, sizeof text);
    unsigned __int128 mantissa = 0;
    int exp10 = 0;
    bool point = false;
    const char *p = text;
    for (; *p && *p != 'E'; p++) {
        if (*p == '.') {
            point = true;
        } else if (isdigit((unsigned char)*p)) {
            mantissa = mantissa * 10 + (unsigned)(*p - '0');
            exp10 -= point;
        }
    }
    if (*p == 'E')
        exp10 += atoi(p + 1);
    unsigned __int128 product = (unsigned __int128)bytes * mantissa;
    for (; exp10 < 0 && product; exp10++)
        product /= 10;
    for (; exp10 > 0 && product; exp10--) {
        if (product > (unsigned __int128)INT64_MAX)
            break;
        product *= 10;
    }
    return narrow(d, product > (unsigned __int128)INT64_MAX ? (wide)INT64_MAX + 1 : (wide)product,
                  key, out);
}

static int64_t cap(int64_t v, const range *r)
{
    return v > r->max ? r->max : v < r->min ? r->min : v;
}

static fo_rc with_fraction(derive *d, int64_t base, const range *r, const char *key, int64_t *out)
{
    fo_rc rc = multiply(d, base, r->fraction, key, out);
    *out = cap(*out, r);
    return rc;
}

static fo_rc with_inverse_fraction(derive *d, int64_t base, const range *r, const char *key,
                                   int64_t *out)
{
    fo_rc rc = multiply(d, base, r->fraction / (1 - r->fraction), key, out);
    *out = cap(*out, r);
    return rc;
}

/* ---- JVM metaspace and overhead ------------------------------------------------------------ */

static const char *process_key(const derive *d)
{
    return d->o->process.key;
}

/* From the total Flink memory; with a configured process size the overhead is what is left,
 * and must lie within its range. */
static fo_rc jvm_from_flink(derive *d, fo_flink_memory *m)
{
    range ov;
    fo_rc rc = get_size(d, &d->o->metaspace, d->o->metaspace.dflt, &m->metaspace_bytes);
    if (rc == FO_OK)
        rc = get_range(d, &d->o->overhead, d->o->overhead.max.dflt, &ov);
    int64_t base = 0;
    if (rc == FO_OK)
        rc = narrow(d, (wide)m->flink_bytes + m->metaspace_bytes, d->o->flink.key, &base);
    if (rc != FO_OK)
        return rc;
    if (!has(d, &d->o->process)) {
        rc = with_inverse_fraction(d, base, &ov, d->o->flink.key, &m->overhead_bytes);
        if (rc == FO_OK)
            rc = narrow(d, (wide)base + m->overhead_bytes, d->o->flink.key, &m->process_bytes);
        return rc;
    }
    if ((rc = get_size(d, &d->o->process, NO_DEFAULT, &m->process_bytes)) != FO_OK)
        return rc;
    m->overhead_bytes = m->process_bytes - base;
    if (m->overhead_bytes >= ov.min && m->overhead_bytes <= ov.max)
        return FO_OK;
    char a[64], b[64], c[64], e[64], f[64];
    return fail(d, process_key(d),
                "Derived JVM Overhead size (%s) is not in configured JVM Overhead range [%s, "
                "%s]: it is the Total Process Memory (%s) minus the Total Flink Memory and the "
                "JVM Metaspace (%s together)",
                human(m->overhead_bytes, a), human(ov.min, b), human(ov.max, c),
                human(m->process_bytes, e), human(base, f));
}

static fo_rc jvm_from_process(derive *d, fo_flink_memory *m)
{
    range ov;
    fo_rc rc = get_size(d, &d->o->process, NO_DEFAULT, &m->process_bytes);
    if (rc == FO_OK)
        rc = get_size(d, &d->o->metaspace, d->o->metaspace.dflt, &m->metaspace_bytes);
    if (rc == FO_OK)
        rc = get_range(d, &d->o->overhead, d->o->overhead.max.dflt, &ov);
    if (rc == FO_OK)
        rc = with_fraction(d, m->process_bytes, &ov, process_key(d), &m->overhead_bytes);
    if (rc != FO_OK)
        return rc;
    if ((wide)m->metaspace_bytes + m->overhead_bytes <= m->process_bytes) {
        m->flink_bytes = m->process_bytes - m->metaspace_bytes - m->overhead_bytes;
        return FO_OK;
    }
    char a[64], b[64], c[64];
    return fail(d, process_key(d),
                "Sum of configured JVM Metaspace (%s) and JVM Overhead (%s) exceed configured "
                "Total Process Memory (%s)",
                human(m->metaspace_bytes, a), human(m->overhead_bytes, b),
                human(m->process_bytes, c));
}

/* ---- the JobManager's Flink memory --------------------------------------------------------- */

static fo_rc jm_from_heap(derive *d, fo_flink_memory *m)
{
    fo_rc rc = get_size(d, &JM_HEAP, NO_DEFAULT, &m->heap_bytes);
    if (rc == FO_OK)
        rc = get_size(d, &JM_OFF_HEAP, JM_OFF_HEAP.dflt, &m->off_heap_bytes);
    if (rc == FO_OK)
        rc = narrow(d, (wide)m->heap_bytes + m->off_heap_bytes, JM_HEAP.key, &m->flink_bytes);
    if (rc != FO_OK || !has(d, &d->o->flink))
        return rc;
    int64_t total = 0;
    if ((rc = get_size(d, &d->o->flink, NO_DEFAULT, &total)) != FO_OK)
        return rc;
    if (total == m->flink_bytes)
        return FO_OK;
    char a[64], b[64], c[64];
    return fail(d, JM_HEAP.key,
                "Sum of the configured JVM Heap Memory (%s) and the configured or default "
                "Off-heap Memory (%s) does not match the configured Total Flink Memory (%s): "
                "configure only one of JVM Heap and Total Flink Memory, or make them agree",
                human(m->heap_bytes, a), human(m->off_heap_bytes, b), human(total, c));
}

static fo_rc jm_from_total(derive *d, const char *total_key, fo_flink_memory *m)
{
    fo_rc rc = get_size(d, &JM_OFF_HEAP, JM_OFF_HEAP.dflt, &m->off_heap_bytes);
    if (rc != FO_OK)
        return rc;
    if (m->flink_bytes > m->off_heap_bytes) {
        m->heap_bytes = m->flink_bytes - m->off_heap_bytes;
        return FO_OK;
    }
    char a[64], b[64];
    return fail(d, total_key,
                "The Total Flink Memory (%s) is less than the configured Off-heap Memory (%s), "
                "which leaves nothing for the JVM heap",
                human(m->flink_bytes, a), human(m->off_heap_bytes, b));
}

/* ---- the TaskManager's Flink memory -------------------------------------------------------- */

typedef struct tm_parts {
    int64_t framework_heap, framework_off_heap, task_heap, task_off_heap;
} tm_parts;

static fo_rc tm_fixed_parts(derive *d, tm_parts *t)
{
    fo_rc rc = get_size(d, &TM_FRAMEWORK_HEAP, TM_FRAMEWORK_HEAP.dflt, &t->framework_heap);
    if (rc == FO_OK)
        rc =
            get_size(d, &TM_FRAMEWORK_OFF_HEAP, TM_FRAMEWORK_OFF_HEAP.dflt, &t->framework_off_heap);
    if (rc == FO_OK)
        rc = get_size(d, &TM_TASK_OFF_HEAP, TM_TASK_OFF_HEAP.dflt, &t->task_off_heap);
    return rc;
}

static void tm_fill(fo_flink_memory *m, const tm_parts *t)
{
    m->heap_bytes = t->framework_heap + t->task_heap;
    m->off_heap_bytes = t->framework_off_heap + t->task_off_heap;
}

static fo_rc sum_exceeds_with_task_heap(derive *d, const tm_parts *t, int64_t managed,
                                        int64_t total, const char *total_key)
{
    char a[64], b[64], c[64], e[64], f[64], g[64];
    return fail(d, total_key,
                "Sum of configured Framework Heap Memory (%s), Framework Off-Heap Memory (%s), "
                "Task Heap Memory (%s), Task Off-Heap Memory (%s) and Managed Memory (%s) exceed "
                "configured Total Flink Memory (%s)",
                human(t->framework_heap, a), human(t->framework_off_heap, b),
                human(t->task_heap, c), human(t->task_off_heap, e), human(managed, f),
                human(total, g));
}

/* With total Flink memory and task heap configured, the network memory is what is left over,
 * and must lie within its range. */
static fo_rc tm_network_left_over(derive *d, int64_t network, const char *total_key)
{
    range nr;
    fo_rc rc = network_range(d, &nr);
    if (rc != FO_OK || (network >= nr.min && network <= nr.max))
        return rc;
    char a[64], b[64], c[64];
    return fail(d, total_key,
                "Derived Network Memory size (%s) is not in configured Network Memory range [%s, "
                "%s]: with Total Flink Memory and Task Heap (or Managed) Memory configured, the "
                "Network Memory is what the other parts leave of the Total Flink Memory",
                human(network, a), human(nr.min, b), human(nr.max, c));
}

static fo_rc tm_managed(derive *d, int64_t total, const char *total_key, int64_t *managed)
{
    if (has(d, &TM_MANAGED))
        return get_size(d, &TM_MANAGED, NO_DEFAULT, managed);
    range mr;
    fo_rc rc = get_range(d, &TM_MANAGED_RANGE, INT64_MAX, &mr);
    return rc == FO_OK ? with_fraction(d, total, &mr, total_key, managed) : rc;
}

/* Task heap and managed memory configured (the fine-grained way). */
static fo_rc tm_from_fine(derive *d, fo_flink_memory *m)
{
    tm_parts t = {0, 0, 0, 0};
    fo_rc rc = tm_fixed_parts(d, &t);
    if (rc == FO_OK)
        rc = get_size(d, &TM_TASK_HEAP, NO_DEFAULT, &t.task_heap);
    if (rc == FO_OK)
        rc = get_size(d, &TM_MANAGED, NO_DEFAULT, &m->managed_bytes);
    int64_t excl = 0;
    if (rc == FO_OK)
        rc = narrow(d,
                    (wide)t.framework_heap + t.framework_off_heap + t.task_heap + t.task_off_heap +
                        m->managed_bytes,
                    TM_TASK_HEAP.key, &excl);
    if (rc != FO_OK)
        return rc;
    tm_fill(m, &t);
    if (!has(d, &d->o->flink)) {
        range nr;
        rc = network_range(d, &nr);
        if (rc == FO_OK)
            rc = with_inverse_fraction(d, excl, &nr, TM_TASK_HEAP.key, &m->network_bytes);
        if (rc == FO_OK)
            rc = narrow(d, (wide)excl + m->network_bytes, TM_TASK_HEAP.key, &m->flink_bytes);
        return rc;
    }
    if ((rc = get_size(d, &d->o->flink, NO_DEFAULT, &m->flink_bytes)) != FO_OK)
        return rc;
    if (excl > m->flink_bytes)
        return sum_exceeds_with_task_heap(d, &t, m->managed_bytes, m->flink_bytes, d->o->flink.key);
    m->network_bytes = m->flink_bytes - excl;
    return tm_network_left_over(d, m->network_bytes, d->o->flink.key);
}

static fo_rc tm_from_total(derive *d, const char *total_key, fo_flink_memory *m)
{
    tm_parts t = {0, 0, 0, 0};
    int64_t total = m->flink_bytes;
    fo_rc rc = tm_fixed_parts(d, &t);
    if (rc != FO_OK)
        return rc;
    if (has(d, &TM_TASK_HEAP)) {
        rc = get_size(d, &TM_TASK_HEAP, NO_DEFAULT, &t.task_heap);
        if (rc == FO_OK)
            rc = tm_managed(d, total, total_key, &m->managed_bytes);
        if (rc != FO_OK)
            return rc;
        tm_fill(m, &t);
        wide excl = (wide)t.framework_heap + t.framework_off_heap + t.task_heap + t.task_off_heap +
                    m->managed_bytes;
        if (excl > total)
            return sum_exceeds_with_task_heap(d, &t, m->managed_bytes, total, total_key);
        m->network_bytes = total - (int64_t)excl;
        return tm_network_left_over(d, m->network_bytes, total_key);
    }
    range nr;
    rc = tm_managed(d, total, total_key, &m->managed_bytes);
    if (rc == FO_OK)
        rc = network_range(d, &nr);
    if (rc == FO_OK)
        rc = with_fraction(d, total, &nr, total_key, &m->network_bytes);
    if (rc != FO_OK)
        return rc;
    wide rest = (wide)t.framework_heap + t.framework_off_heap + t.task_off_heap + m->managed_bytes +
                m->network_bytes;
    if (rest > total) {
        char a[64], b[64], c[64], e[64], f[64], g[64];
        return fail(d, total_key,
                    "Sum of configured Framework Heap Memory (%s), Framework Off-Heap Memory "
                    "(%s), Task Off-Heap Memory (%s), Managed Memory (%s) and Network Memory (%s) "
                    "exceed configured Total Flink Memory (%s)",
                    human(t.framework_heap, a), human(t.framework_off_heap, b),
                    human(t.task_off_heap, c), human(m->managed_bytes, e),
                    human(m->network_bytes, f), human(total, g));
    }
    t.task_heap = total - (int64_t)rest;
    tm_fill(m, &t);
    return FO_OK;
}

/* ---- the three ways ------------------------------------------------------------------------ */

static bool configured_fine(const derive *d)
{
    return d->o == &JM ? has(d, &JM_HEAP) : has(d, &TM_TASK_HEAP) && has(d, &TM_MANAGED);
}

static fo_rc flink_from_total(derive *d, const char *total_key, fo_flink_memory *m)
{
    return d->o == &JM ? jm_from_total(d, total_key, m) : tm_from_total(d, total_key, m);
}

static fo_rc derive_all(derive *d, fo_flink_memory *m)
{
    bool jm = d->o == &JM;
    fo_rc rc;
    if (configured_fine(d)) {
        rc = jm ? jm_from_heap(d, m) : tm_from_fine(d, m);
        return rc == FO_OK ? jvm_from_flink(d, m) : rc;
    }
    if (has(d, &d->o->flink)) {
        rc = get_size(d, &d->o->flink, NO_DEFAULT, &m->flink_bytes);
        if (rc == FO_OK)
            rc = flink_from_total(d, d->o->flink.key, m);
        return rc == FO_OK ? jvm_from_flink(d, m) : rc;
    }
    rc = jvm_from_process(d, m);
    if (rc != FO_OK)
        return rc;
    rc = flink_from_total(d, process_key(d), m);
    if (rc == FO_EINVAL) {
        char a[64], b[64], c[64];
        size_t n = strlen(d->err->message);
        snprintf(d->err->message + n, sizeof d->err->message - n,
                 " (the Total Flink Memory is the Total Process Memory %s minus the JVM "
                 "Metaspace %s and the JVM Overhead %s)",
                 human(m->process_bytes, a), human(m->metaspace_bytes, b),
                 human(m->overhead_bytes, c));
    }
    return rc;
}

/* MemoryBackwardsCompatibilityUtils: a legacy heap key counts only when none of the three
 * ways is configured, as the option the deployment mode reads it as. */
static void map_legacy_heap(derive *d, bool standalone)
{
    if (configured_fine(d) || has(d, &d->o->flink) || has(d, &d->o->process))
        return;
    d->legacy_key = fo_json_str(d->flat, d->o->legacy_heap)      ? d->o->legacy_heap
                    : fo_json_str(d->flat, d->o->legacy_heap_mb) ? d->o->legacy_heap_mb
                                                                 : NULL;
    if (d->legacy_key)
        d->legacy_target = !standalone ? &d->o->process : d->o == &JM ? &JM_HEAP : &d->o->flink;
}

static bool legacy_network(const derive *d)
{
    return d->o == &TM && fo_json_str(d->flat, TM_LEGACY_NETWORK_BUFFERS) &&
           !present_key(d, TM_NETWORK_RANGE.min.key, TM_NETWORK_RANGE.min.old) &&
           !present_key(d, TM_NETWORK_RANGE.max.key, TM_NETWORK_RANGE.max.old) &&
           !present_key(d, TM_NETWORK_RANGE.fraction.key, TM_NETWORK_RANGE.fraction.old);
}

fo_rc fo_flink_memory_derive(const json_t *flat, fo_flink_memory_process process,
                             const fo_flink_memory_opts *opts, fo_flink_memory *out,
                             const char **blame, fo_err *err)
{
    static const fo_flink_memory_opts no_opts = {FO_FLINK_VERSION_UNKNOWN, false, 0};
    if (!opts)
        opts = &no_opts;
    fo_err local;
    derive d = {flat,          process == FO_FLINK_MEMORY_JOBMANAGER ? &JM : &TM,
                opts->version, opts->process_bytes,
                NULL,          NULL,
                NULL,          err ? err : &local};
    fo_err_clear(d.err);
    if (blame)
        *blame = NULL;
    map_legacy_heap(&d, opts->standalone);
    if (!configured_fine(&d) && !has(&d, &d.o->flink) && !has(&d, &d.o->process))
        return fo_err_set(d.err, FO_ENOTFOUND, "%s memory: none of %s, %s and %s is configured",
                          d.o->label, d.o == &JM ? JM_HEAP.key : "task heap and managed size",
                          d.o->flink.key, d.o->process.key);
    if (legacy_network(&d))
        return fo_err_set(d.err, FO_ENOTFOUND,
                          "TaskManager memory: the legacy %s sizes the network memory "
                          "(removed in Flink 2.0), which this model does not follow",
                          TM_LEGACY_NETWORK_BUFFERS);
    fo_flink_memory m;
    memset(&m, 0, sizeof m);
    fo_rc rc = derive_all(&d, &m);
    if (rc != FO_OK) {
        fo_err_wrap(d.err, "%s memory configuration failed", d.o->label);
        if (blame)
            *blame = d.blame;
        return rc;
    }
    if (out)
        *out = m;
    return FO_OK;
}

const char *fo_flink_memory_process_key(fo_flink_memory_process process)
{
    return process == FO_FLINK_MEMORY_JOBMANAGER ? JM.process.key : TM.process.key;
}

char *fo_flink_memory_human(int64_t bytes, char *buf, size_t len)
{
    static const struct {
        const char *name;
        int64_t multiplier;
    } units[] = {{"tb", 1024 * GIB}, {"gb", GIB}, {"mb", MIB}, {"kb", KIB}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (bytes >= units[i].multiplier) {
            snprintf(buf, len, "%.3f%s (%lld bytes)", (double)bytes / (double)units[i].multiplier,
                     units[i].name, (long long)bytes);
            return buf;
        }
    snprintf(buf, len, "%lld bytes", (long long)bytes);
    return buf;
}
