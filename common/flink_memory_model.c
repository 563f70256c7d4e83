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
/* network.max: 1g before Flink 1.17, unlimited since (FLINK-30472); see network_range. */
static const range_options TM_NETWORK_RANGE = {
    {"taskmanager.memory.network.min", {"taskmanager.network.memory.min", NULL}, 64 * MIB},
    {"taskmanager.memory.network.max", {"taskmanager.network.memory.max", NULL}, INT64_MAX},
    {"taskmanager.memory.network.fraction", {"taskmanager.network.memory.fraction", NULL}, 0.1f},
};
#define TM_LEGACY_NETWORK_BUFFERS "taskmanager.network.numberOfBuffers"
static const size_option TM_SEGMENT_SIZE = {"taskmanager.memory.segment-size", {NULL}, 32 * KIB};

typedef struct range {
    int64_t min, max;
    double fraction;
} range;

typedef struct derive {
    const json_t *flat;
    const process_options *o;
    fo_flink_version version;
    bool process_given;       /* process_override stands for o->process */
    int64_t process_override;
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
    if ((o == &d->o->process && d->process_given) || o == d->legacy_target)
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

static fo_rc narrow(derive *d, wide v, const char *key, int64_t *out);

static fo_rc get_size(derive *d, const size_option *o, int64_t dflt, int64_t *out)
{
    if (o == &d->o->process && d->process_given) {
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
        if (end != text && !*end && mb >= 0 && mb <= INT32_MAX) { /* an int option */
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

/* Float.parseFloat (what Configuration.getFloat comes to): surrounding whitespace, decimal or
 * hexadecimal digits ("0x1p-2"), an optional f/F/d/D suffix, NaN and Infinity (which the
 * range check then refuses); the value as a float, widened as RangeFraction keeps a double. */
static bool java_float(const char *text, double *out)
{
    double v = 0;
    if (fo_flink_parse_double(text, &v)) {
        *out = (double)(float)v;
        return true;
    }
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r' || *text == '\f')
        text++;
    const char *digits = text + (*text == '+' || *text == '-');
    if (digits[0] != '0' || (digits[1] != 'x' && digits[1] != 'X'))
        return false;
    char *end = NULL;
    float f = strtof(text, &end); /* C reads Java's hexadecimal form alike */
    if (end == text || (!strchr(text, 'p') && !strchr(text, 'P')))
        return false; /* Java wants the binary exponent */
    while (*end == 'f' || *end == 'F' || *end == 'd' || *end == 'D')
        end++;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r' || *end == '\f')
        end++;
    if (*end)
        return false;
    *out = (double)f;
    return true;
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
    if (!java_float(text, &v))
        return fail(d, key, "could not parse value '%s' for key '%s' as a float", text, key);
    *out = v;
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
                "Inconsistently configured %s (%g) and its min (%s), max (%s) value: the min "
                "must not exceed the max and the fraction must be in [0, 1)",
                o->fraction.key, r->fraction, human(r->min, a), human(r->max, b));
}

static fo_rc network_range(derive *d, range *r)
{
    int64_t max =
        d->version != FO_FLINK_VERSION_UNKNOWN && d->version < FO_FLINK_V1_17 ? GIB : INT64_MAX;
    return get_range(d, &TM_NETWORK_RANGE, max, r);
}

/* Flink 1.x reads the legacy taskmanager.network.numberOfBuffers (times the segment size) as
 * the exact network memory when none of the network range options is configured (Flink 2.0
 * reads no such key). *fixed tells whether it does. */
static fo_rc legacy_network(derive *d, bool *fixed, int64_t *bytes)
{
    *fixed = false;
    const char *text = fo_json_str(d->flat, TM_LEGACY_NETWORK_BUFFERS);
    if (!text || d->version == FO_FLINK_VERSION_UNKNOWN || d->version >= FO_FLINK_V2_0 ||
        present_key(d, TM_NETWORK_RANGE.min.key, TM_NETWORK_RANGE.min.old) ||
        present_key(d, TM_NETWORK_RANGE.max.key, TM_NETWORK_RANGE.max.old) ||
        present_key(d, TM_NETWORK_RANGE.fraction.key, TM_NETWORK_RANGE.fraction.old))
        return FO_OK;
    char *end = NULL;
    long long n = strtoll(text, &end, 10);
    if (end == text || *end || n < 0 || n > INT32_MAX) /* an int option */
        return fail(d, TM_LEGACY_NETWORK_BUFFERS,
                    "could not parse value '%s' for key '%s' as an int", text,
                    TM_LEGACY_NETWORK_BUFFERS);
    int64_t page = 0;
    fo_rc rc = get_size(d, &TM_SEGMENT_SIZE, TM_SEGMENT_SIZE.dflt, &page);
    if (rc == FO_OK)
        rc = narrow(d, (wide)n * page, TM_LEGACY_NETWORK_BUFFERS, bytes);
    *fixed = rc == FO_OK;
    return rc;
}

/* ---- arithmetic ---------------------------------------------------------------------------- */

static fo_rc narrow(derive *d, wide v, const char *key, int64_t *out)
{
    if (v > INT64_MAX || v < INT64_MIN)
        return fail(d, key, "memory sizes overflow 64 bits");
    *out = (int64_t)v;
    return FO_OK;
}

/* A multiplier as BigDecimal.valueOf reads it: the digits of Java's Double.toString and the
 * power of ten they are scaled by. */
typedef struct decimal {
    uint64_t bits; /* of the double, the cache's key */
    unsigned __int128 mantissa;
    int exp10;
} decimal;

static decimal decimal_of(double m)
{
    decimal dec = {0, 0, 0};
    memcpy(&dec.bits, &m, sizeof dec.bits);
    char text[40];
    fo_flink_format_double(m, text, sizeof text);
    bool point = false;
    const char *p = text;
    for (; *p && *p != 'E'; p++) {
        if (*p == '.') {
            point = true;
        } else if (isdigit((unsigned char)*p)) {
            dec.mantissa = dec.mantissa * 10 + (unsigned)(*p - '0');
            dec.exp10 -= point;
        }
    }
    if (*p == 'E')
        dec.exp10 += atoi(p + 1);
    return dec;
}

/* The same few multipliers (the default fractions and their inverses) come with every
 * resource, and finding the shortest digits of a double costs thousands of instructions:
 * each thread keeps the last ones it read. */
#define DECIMAL_CACHE 8
static _Thread_local decimal decimal_cache[DECIMAL_CACHE];
static _Thread_local unsigned decimal_next;

static decimal cached_decimal(double m)
{
    uint64_t bits;
    memcpy(&bits, &m, sizeof bits);
    for (unsigned i = 0; i < DECIMAL_CACHE; i++)
        if (decimal_cache[i].bits == bits && (bits || decimal_cache[i].mantissa))
            return decimal_cache[i];
    decimal dec = decimal_of(m);
    decimal_cache[decimal_next++ % DECIMAL_CACHE] = dec;
    return dec;
}

/* MemorySize.multiply: BigDecimal(bytes) x BigDecimal.valueOf(m), whose digits are Java's
 * Double.toString of m, rounded towards zero. */
static fo_rc multiply(derive *d, int64_t bytes, double m, const char *key, int64_t *out)
{
    decimal dec = cached_decimal(m);
    int exp10 = dec.exp10;
    unsigned __int128 product = (unsigned __int128)bytes * dec.mantissa;
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
    bool fixed = false;
    int64_t legacy = 0;
    fo_rc rc = legacy_network(d, &fixed, &legacy);
    char a[64], b[64], c[64];
    if (rc != FO_OK || (fixed && network == legacy))
        return rc;
    if (fixed)
        return fail(d, total_key,
                    "Derived Network Memory size (%s) does not match configured Network Memory "
                    "size (%s, from %s): with Total Flink Memory and Task Heap (or Managed) "
                    "Memory configured, the Network Memory is what the other parts leave",
                    human(network, a), human(legacy, b), TM_LEGACY_NETWORK_BUFFERS);
    range nr;
    rc = network_range(d, &nr);
    if (rc != FO_OK || (network >= nr.min && network <= nr.max))
        return rc;
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
        bool fixed = false;
        rc = legacy_network(d, &fixed, &m->network_bytes);
        if (rc == FO_OK && !fixed)
            rc = network_range(d, &nr);
        if (rc == FO_OK && !fixed)
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
    bool fixed = false;
    rc = tm_managed(d, total, total_key, &m->managed_bytes);
    if (rc == FO_OK)
        rc = legacy_network(d, &fixed, &m->network_bytes);
    if (rc == FO_OK && !fixed)
        rc = network_range(d, &nr);
    if (rc == FO_OK && !fixed)
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

/* MemoryBackwardsCompatibilityUtils (Flink 1.x; Flink 2.0 reads no legacy heap key): a
 * legacy heap key stands for `target` unless that option is configured itself. */
static void map_legacy_heap(derive *d, const size_option *target)
{
    d->legacy_target = NULL;
    d->legacy_key = NULL;
    if (d->version == FO_FLINK_VERSION_UNKNOWN || d->version >= FO_FLINK_V2_0 || has(d, target))
        return;
    d->legacy_key = fo_json_str(d->flat, d->o->legacy_heap)      ? d->o->legacy_heap
                    : fo_json_str(d->flat, d->o->legacy_heap_mb) ? d->o->legacy_heap_mb
                                                                 : NULL;
    if (d->legacy_key)
        d->legacy_target = target;
}

/* One reading of the configuration, a legacy heap key standing for legacy_target. */
static fo_rc derive_reading(derive *d, const size_option *legacy_target, fo_flink_memory *m)
{
    map_legacy_heap(d, legacy_target);
    memset(m, 0, sizeof *m);
    if (!configured_fine(d) && !has(d, &d->o->flink) && !has(d, &d->o->process))
        return fail(d, d->o->process.key,
                    "Either required fine-grained memory (%s), or Total Flink Memory size (%s), "
                    "or Total Process Memory size (%s) need to be configured explicitly",
                    d->o == &JM ? JM_HEAP.key
                                : "taskmanager.memory.task.heap.size and "
                                  "taskmanager.memory.managed.size",
                    d->o->flink.key, d->o->process.key);
    return derive_all(d, m);
}

/* Does the configuration hold any key of the model (any version, either process)? Without
 * one, the sizes follow from the process size given and the version's defaults alone. */
static bool has_model_keys(const json_t *flat)
{
    static const struct {
        const char *prefix;
        size_t len;
    } prefixes[] = {
        {"taskmanager.memory.", 19}, {"jobmanager.memory.", 18}, {"taskmanager.network.", 20},
        {"taskmanager.heap.", 17},   {"jobmanager.heap.", 16},
    };
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)flat, key, v) {
        if (key[0] != 't' && key[0] != 'j')
            continue;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
            if (strncmp(key, prefixes[i].prefix, prefixes[i].len) == 0)
                return true;
    }
    return false;
}

/* Most resources give their process sizes in the spec and no memory key in the configuration:
 * the derivation is then a function of the process, the size and the version's network
 * maximum, and each thread keeps the last ones it worked out (validation runs it on every
 * admission review). Only results that worked are kept. */
typedef struct memo {
    bool used;
    fo_flink_memory_process process;
    bool old_network_max; /* before Flink 1.17 */
    int64_t process_bytes;
    fo_flink_memory m;
} memo;
#define MEMOS 8
static _Thread_local memo memos[MEMOS];
static _Thread_local unsigned memo_next;

static const memo *memo_find(fo_flink_memory_process process, bool old_max, int64_t bytes)
{
    for (unsigned i = 0; i < MEMOS; i++)
        if (memos[i].used && memos[i].process == process &&
            memos[i].old_network_max == old_max && memos[i].process_bytes == bytes)
            return &memos[i];
    return NULL;
}

fo_rc fo_flink_memory_derive(const json_t *flat, fo_flink_memory_process process,
                             const fo_flink_memory_opts *opts, fo_flink_memory *out,
                             const char **blame, fo_err *err)
{
    static const fo_flink_memory_opts no_opts = {FO_FLINK_VERSION_UNKNOWN, false, false, 0};
    if (!opts)
        opts = &no_opts;
    fo_err local;
    derive d = {flat,
                process == FO_FLINK_MEMORY_JOBMANAGER ? &JM : &TM,
                opts->version,
                opts->process_given,
                opts->process_bytes,
                NULL,
                NULL,
                NULL,
                err ? err : &local};
    fo_err_clear(d.err);
    if (blame)
        *blame = NULL;
    bool old_max = opts->version != FO_FLINK_VERSION_UNKNOWN && opts->version < FO_FLINK_V1_17;
    bool memoizable = opts->process_given && json_is_object(flat) && !has_model_keys(flat);
    const memo *known = memoizable ? memo_find(process, old_max, opts->process_bytes) : NULL;
    if (known) {
        if (out)
            *out = known->m;
        return FO_OK;
    }
    /* Flink's Kubernetes deployer (and the operator's, standalone too) sizes the pods reading
     * a legacy heap key as the process size; the standalone start scripts start the JVM
     * reading it as the JobManager's heap and the TaskManager's Flink memory: both must work. */
    fo_flink_memory m, scripts;
    fo_rc rc = derive_reading(&d, &d.o->process, &m);
    if (rc == FO_OK && opts->standalone &&
        (fo_json_str(flat, d.o->legacy_heap) || fo_json_str(flat, d.o->legacy_heap_mb)))
        rc = derive_reading(&d, d.o == &JM ? &JM_HEAP : &d.o->flink, &scripts);
    if (rc != FO_OK) {
        fo_err_wrap(d.err, "%s memory configuration failed", d.o->label);
        if (blame)
            *blame = d.blame;
        return rc;
    }
    if (memoizable)
        memos[memo_next++ % MEMOS] = (memo){true, process, old_max, opts->process_bytes, m};
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
        if (bytes > units[i].multiplier) { /* MemorySize: 1 GiB prints as 1024.000mb */
            snprintf(buf, len, "%.3f%s (%lld bytes)", (double)bytes / (double)units[i].multiplier,
                     units[i].name, (long long)bytes);
            return buf;
        }
    snprintf(buf, len, "%lld bytes", (long long)bytes);
    return buf;
}
