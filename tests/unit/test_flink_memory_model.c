/* Flink's memory model: the sizes Flink derives for a JobManager and a TaskManager, and the
 * configurations it refuses. Expected sizes were worked out by hand from Flink's rules (fractions
 * are Java floats, products rounded down after an exact decimal multiplication): the default
 * TaskManager (1728m) gets the task heap of 402653174 bytes that Flink's start-up log prints. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_memory_model.h"

#define MIB (1024LL * 1024)

static json_t *conf(const char *json_text)
{
    json_error_t e;
    json_t *c = json_loads(json_text, 0, &e);
    ck_assert_msg(c != NULL, "bad test JSON: %s", e.text);
    return c;
}

static fo_flink_memory derive_ok(const char *json_text, fo_flink_memory_process p,
                                 fo_flink_version v)
{
    json_t *c = conf(json_text);
    fo_flink_memory m;
    fo_err err;
    const char *blame = "unset";
    fo_flink_memory_opts opts = {v, false, false, 0};
    fo_rc rc = fo_flink_memory_derive(c, p, &opts, &m, &blame, &err);
    ck_assert_msg(rc == FO_OK, "%s: %s", json_text, err.message);
    ck_assert_ptr_null(blame);
    json_decref(c);
    return m;
}

/* Refused: returns the message; *blame gets the key at fault. */
static char *derive_refused(const char *json_text, fo_flink_memory_process p, fo_flink_version v,
                            int64_t process_bytes, const char *want_blame)
{
    json_t *c = conf(json_text);
    fo_flink_memory m;
    fo_err err;
    const char *blame = NULL;
    fo_flink_memory_opts opts = {v, false, process_bytes != 0, process_bytes};
    fo_rc rc = fo_flink_memory_derive(c, p, &opts, &m, &blame, &err);
    ck_assert_msg(rc == FO_EINVAL, "%s: accepted", json_text);
    ck_assert_msg(blame && strcmp(blame, want_blame) == 0, "%s: blamed %s, not %s", json_text,
                  blame ? blame : "(null)", want_blame);
    json_decref(c);
    return strdup(err.message);
}

static void assert_contains(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "\"%s\" lacks \"%s\"", text, part);
}

START_TEST(the_default_taskmanager_gets_flinks_own_sizes)
{
    fo_flink_memory m = derive_ok("{\"taskmanager.memory.process.size\": \"1728m\"}",
                                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18);
    ck_assert_int_eq(m.process_bytes, 1728 * MIB);
    ck_assert_int_eq(m.overhead_bytes, 192 * MIB); /* 10 % is under the 192m minimum */
    ck_assert_int_eq(m.metaspace_bytes, 256 * MIB);
    ck_assert_int_eq(m.flink_bytes, 1280 * MIB);
    ck_assert_int_eq(m.managed_bytes, 536870920);          /* 0.4f of 1280m */
    ck_assert_int_eq(m.network_bytes, 134217730);          /* 0.1f of 1280m */
    ck_assert_int_eq(m.heap_bytes, 128 * MIB + 402653174); /* framework + task heap */
    ck_assert_int_eq(m.off_heap_bytes, 128 * MIB);         /* framework off-heap */

    /* Configured fractions are read as floats too: the same sizes. */
    m = derive_ok("{\"taskmanager.memory.process.size\": \"1728m\","
                  " \"taskmanager.memory.managed.fraction\": \"0.4\","
                  " \"taskmanager.memory.network.fraction\": \"0.1\"}",
                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18);
    ck_assert_int_eq(m.managed_bytes, 536870920);
    ck_assert_int_eq(m.network_bytes, 134217730);
}
END_TEST

START_TEST(the_default_jobmanager_gets_a_one_gigabyte_heap)
{
    fo_flink_memory m = derive_ok("{\"jobmanager.memory.process.size\": \"1600m\"}",
                                  FO_FLINK_MEMORY_JOBMANAGER, FO_FLINK_V1_18);
    ck_assert_int_eq(m.heap_bytes, 1024 * MIB);
    ck_assert_int_eq(m.off_heap_bytes, 128 * MIB);
    ck_assert_int_eq(m.flink_bytes, 1152 * MIB);
    ck_assert_int_eq(m.overhead_bytes, 192 * MIB);
    ck_assert_int_eq(m.network_bytes, 0);
    ck_assert_int_eq(m.managed_bytes, 0);
}
END_TEST

START_TEST(fractions_are_java_floats_multiplied_exactly)
{
    /* 4g: overhead 0.1f x 4g = 429496736 (in range), Flink memory 3597035104, managed 0.4f
     * of it rounded down, network 0.1f of it (the 1g cap is gone since Flink 1.17). */
    fo_flink_memory m = derive_ok("{\"taskmanager.memory.process.size\": \"4g\"}",
                                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_17);
    ck_assert_int_eq(m.overhead_bytes, 429496736);
    ck_assert_int_eq(m.flink_bytes, 3597035104LL);
    ck_assert_int_eq(m.managed_bytes, 1438814063);
    ck_assert_int_eq(m.network_bytes, 359703515);
    ck_assert_int_eq(m.heap_bytes, 128 * MIB + 1530082070);

    /* Where the decimal product and the double one differ: network = 1039086800932 bytes
     * (everything but the network) x 0.11111111295076065 (0.1f / (1 - 0.1f)) is
     * 115454090903.99999..., rounded down; the double multiplication rounds it up to ...904. */
    m = derive_ok("{\"taskmanager.memory.task.heap.size\": \"1037744623652\","
                  " \"taskmanager.memory.managed.size\": \"1g\"}",
                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_17);
    ck_assert_int_eq(m.network_bytes, 115454090903LL);
}
END_TEST

START_TEST(fine_grained_sizes_build_the_total_upwards)
{
    /* Task heap and managed size: network is 0.1f / (1 - 0.1f) of the rest (149130811 of
     * 1280m), the overhead the same fraction of Flink memory + metaspace, raised to 192m. */
    fo_flink_memory m = derive_ok("{\"taskmanager.memory.task.heap.size\": \"512m\","
                                  " \"taskmanager.memory.managed.size\": \"512m\"}",
                                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18);
    ck_assert_int_eq(m.network_bytes, 149130811);
    ck_assert_int_eq(m.flink_bytes, 1280 * MIB + 149130811);
    ck_assert_int_eq(m.overhead_bytes, 192 * MIB);
    ck_assert_int_eq(m.process_bytes, 1961070139);

    /* The JobManager's heap alone: Flink memory = heap + 128m off-heap. */
    m = derive_ok("{\"jobmanager.memory.heap.size\": \"2g\"}", FO_FLINK_MEMORY_JOBMANAGER,
                  FO_FLINK_V1_18);
    ck_assert_int_eq(m.flink_bytes, 2048 * MIB + 128 * MIB);
    ck_assert_int_eq(m.heap_bytes, 2048 * MIB);
}
END_TEST

START_TEST(a_taskmanager_too_small_for_its_fixed_parts_is_refused)
{
    char *msg = derive_refused("{\"taskmanager.memory.process.size\": \"768m\"}",
                               FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18, 0,
                               "taskmanager.memory.process.size");
    assert_contains(msg, "TaskManager memory configuration failed: Sum of configured Framework "
                         "Heap Memory (128.000mb (134217728 bytes))");
    assert_contains(msg, "Managed Memory (128.000mb (134217730 bytes)) and Network Memory "
                         "(64.000mb (67108864 bytes)) exceed configured Total Flink Memory "
                         "(320.000mb (335544320 bytes))");
    assert_contains(msg, "Total Process Memory 768.000mb");
    free(msg);

    /* The same size from the spec (process_bytes) is blamed on the process size too. */
    msg =
        derive_refused("{\"taskmanager.memory.process.size\": \"8g\"}", FO_FLINK_MEMORY_TASKMANAGER,
                       FO_FLINK_V1_18, 768 * MIB, "taskmanager.memory.process.size");
    assert_contains(msg, "320.000mb");
    free(msg);
}
END_TEST

START_TEST(metaspace_and_overhead_larger_than_the_process_are_refused)
{
    char *msg = derive_refused("{\"taskmanager.memory.process.size\": \"400m\"}",
                               FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18, 0,
                               "taskmanager.memory.process.size");
    assert_contains(msg, "Sum of configured JVM Metaspace (256.000mb (268435456 bytes)) and JVM "
                         "Overhead (192.000mb (201326592 bytes)) exceed configured Total Process "
                         "Memory (400.000mb (419430400 bytes))");
    free(msg);
}
END_TEST

START_TEST(a_jobmanager_without_room_for_a_heap_is_refused)
{
    char *msg =
        derive_refused("{\"jobmanager.memory.process.size\": \"512m\"}", FO_FLINK_MEMORY_JOBMANAGER,
                       FO_FLINK_V1_18, 0, "jobmanager.memory.process.size");
    assert_contains(msg, "JobManager memory configuration failed: The Total Flink Memory "
                         "(64.000mb (67108864 bytes)) is less than the configured Off-heap "
                         "Memory (128.000mb (134217728 bytes))");
    free(msg);
    msg = derive_refused("{\"jobmanager.memory.flink.size\": \"100m\"}", FO_FLINK_MEMORY_JOBMANAGER,
                         FO_FLINK_V1_18, 0, "jobmanager.memory.flink.size");
    free(msg);
}
END_TEST

START_TEST(sizes_that_do_not_add_up_are_refused)
{
    char *msg = derive_refused("{\"jobmanager.memory.heap.size\": \"1g\","
                               " \"jobmanager.memory.flink.size\": \"2g\"}",
                               FO_FLINK_MEMORY_JOBMANAGER, FO_FLINK_V1_18, 0,
                               "jobmanager.memory.heap.size");
    assert_contains(msg, "does not match the configured Total Flink Memory (2.000gb");
    free(msg);

    /* Flink memory 1g of a 4g process leaves 2816m of overhead, over its 1g maximum. */
    msg = derive_refused("{\"taskmanager.memory.flink.size\": \"1g\"}", FO_FLINK_MEMORY_TASKMANAGER,
                         FO_FLINK_V1_18, 4096 * MIB, "taskmanager.memory.process.size");
    assert_contains(msg, "Derived JVM Overhead size (2.750gb (2952790016 bytes)) is not in "
                         "configured JVM Overhead range [192.000mb (201326592 bytes), 1024.000mb "
                         "(1073741824 bytes)]");
    free(msg);
    /* Both given and consistent: fine. */
    json_t *c = conf("{\"taskmanager.memory.flink.size\": \"1g\"}");
    fo_flink_memory m;
    fo_flink_memory_opts opts = {FO_FLINK_V1_18, false, true, 1536 * MIB};
    ck_assert_int_eq(fo_flink_memory_derive(c, FO_FLINK_MEMORY_TASKMANAGER, &opts, &m, NULL, NULL),
                     FO_OK);
    ck_assert_int_eq(m.overhead_bytes, 256 * MIB);
    json_decref(c);
}
END_TEST

START_TEST(the_network_maximum_follows_the_flink_version)
{
    /* Network memory is what task heap, managed and the framework leave of 8g: 2816m, over
     * the 1g maximum of Flink 1.16 and within the unlimited one of 1.17. */
    const char *text = "{\"taskmanager.memory.task.heap.size\": \"4g\","
                       " \"taskmanager.memory.managed.size\": \"1g\","
                       " \"taskmanager.memory.flink.size\": \"8g\"}";
    char *msg = derive_refused(text, FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_16, 0,
                               "taskmanager.memory.flink.size");
    assert_contains(msg, "Derived Network Memory size (2.750gb (2952790016 bytes)) is not in "
                         "configured Network Memory range");
    free(msg);
    fo_flink_memory m = derive_ok(text, FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_17);
    ck_assert_int_eq(m.network_bytes, 2816 * MIB);
    /* A configured maximum applies to every version; its deprecated key is read too. */
    msg = derive_refused("{\"taskmanager.memory.task.heap.size\": \"4g\","
                         " \"taskmanager.memory.managed.size\": \"1g\","
                         " \"taskmanager.memory.flink.size\": \"8g\","
                         " \"taskmanager.network.memory.max\": \"2g\"}",
                         FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_19, 0,
                         "taskmanager.memory.flink.size");
    free(msg);
}
END_TEST

START_TEST(values_flink_cannot_read_are_blamed_on_their_key)
{
    char *msg = derive_refused("{\"taskmanager.memory.process.size\": \"2g\","
                               " \"taskmanager.memory.framework.heap.size\": \"lots\"}",
                               FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18, 0,
                               "taskmanager.memory.framework.heap.size");
    assert_contains(msg, "cannot read memory size from config option "
                         "'taskmanager.memory.framework.heap.size'");
    free(msg);
    msg = derive_refused("{\"taskmanager.memory.process.size\": \"2g\","
                         " \"taskmanager.network.memory.fraction\": \"half\"}",
                         FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18, 0,
                         "taskmanager.network.memory.fraction");
    free(msg);
    msg = derive_refused("{\"jobmanager.memory.process.size\": \"2g\","
                         " \"jobmanager.memory.jvm-overhead.fraction\": \"1.0\"}",
                         FO_FLINK_MEMORY_JOBMANAGER, FO_FLINK_V1_18, 0,
                         "jobmanager.memory.jvm-overhead.fraction");
    assert_contains(msg, "must be in [0, 1)");
    free(msg);
    msg = derive_refused("{\"jobmanager.memory.process.size\": \"2g\","
                         " \"jobmanager.memory.jvm-overhead.min\": \"2g\"}",
                         FO_FLINK_MEMORY_JOBMANAGER, FO_FLINK_V1_18, 0,
                         "jobmanager.memory.jvm-overhead.min");
    free(msg);
}
END_TEST

START_TEST(nothing_to_size_the_process_by_is_refused)
{
    const char *texts[] = {
        "{}",
        "{\"taskmanager.memory.task.heap.size\": \"1g\"}", /* half of the fine-grained pair */
        "{\"taskmanager.memory.managed.size\": \"1g\"}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *msg = derive_refused(texts[i], FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18, 0,
                                   "taskmanager.memory.process.size");
        assert_contains(msg, "Either required fine-grained memory (taskmanager.memory.task.heap"
                             ".size and taskmanager.memory.managed.size), or Total Flink Memory "
                             "size (taskmanager.memory.flink.size), or Total Process Memory size "
                             "(taskmanager.memory.process.size) need to be configured explicitly");
        free(msg);
    }
    /* Flink 2.0 reads no legacy heap key */
    char *msg = derive_refused("{\"taskmanager.heap.size\": \"2g\"}", FO_FLINK_MEMORY_TASKMANAGER,
                               FO_FLINK_V2_0, 0, "taskmanager.memory.process.size");
    free(msg);
    /* a process size of 0 (resource.memory: "0") is a size, and too small */
    json_t *c = conf("{\"taskmanager.memory.process.size\": \"2g\"}");
    fo_flink_memory_opts zero = {FO_FLINK_V1_18, false, true, 0};
    const char *blame = NULL;
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_TASKMANAGER, &zero, NULL, &blame, NULL),
        FO_EINVAL);
    ck_assert_str_eq(blame, "taskmanager.memory.process.size");
    json_decref(c);
}
END_TEST

/* Flink 1.x's legacy taskmanager.network.numberOfBuffers sets the network memory exactly
 * (times the 32 KiB segment), unless a network range option is set; Flink 2.0 ignores it. */
START_TEST(legacy_network_buffers_set_the_network_memory_in_flink_1)
{
    const char *text = "{\"taskmanager.memory.process.size\": \"1728m\","
                       " \"taskmanager.network.numberOfBuffers\": \"4096\"}";
    fo_flink_memory m = derive_ok(text, FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_15);
    ck_assert_int_eq(m.network_bytes, 128 * MIB);
    ck_assert_int_eq(m.heap_bytes, 128 * MIB + 402653176);
    m = derive_ok(text, FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V2_0);
    ck_assert_int_eq(m.network_bytes, 134217730); /* the fraction */
    /* the process size follows from Flink memory whatever the network takes */
    m = derive_ok("{\"taskmanager.memory.flink.size\": \"2g\","
                  " \"taskmanager.network.numberOfBuffers\": \"2048\"}",
                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_15);
    ck_assert_int_eq(m.process_bytes, 2684354564LL); /* 2g + 256m + 0.1f/0.9f of 2304m */
    ck_assert_int_eq(m.network_bytes, 64 * MIB);
    /* with task heap, managed and Flink memory, the rest must be exactly the buffers */
    char *msg = derive_refused("{\"taskmanager.memory.task.heap.size\": \"1g\","
                               " \"taskmanager.memory.managed.size\": \"512m\","
                               " \"taskmanager.memory.flink.size\": \"2g\","
                               " \"taskmanager.network.numberOfBuffers\": \"2048\"}",
                               FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_15, 0,
                               "taskmanager.memory.flink.size");
    assert_contains(msg, "does not match configured Network Memory size (64.000mb");
    free(msg);
}
END_TEST

/* Legacy heap keys (Flink 1.x) stand for an option that is not configured itself: the process
 * size for the pods (Flink's Kubernetes deployer), and in standalone mode also the JobManager
 * heap and TaskManager Flink memory for the JVM the start scripts launch. */
START_TEST(legacy_heap_keys_are_read_as_the_deployment_mode_reads_them)
{
    json_t *c = conf("{\"jobmanager.heap.size\": \"1600m\", \"taskmanager.heap.mb\": \"1280\"}");
    fo_flink_memory m;
    fo_flink_memory_opts native = {FO_FLINK_V1_18, false, false, 0},
                         standalone = {FO_FLINK_V1_18, true, false, 0};
    ck_assert_int_eq(fo_flink_memory_derive(c, FO_FLINK_MEMORY_JOBMANAGER, &native, &m, NULL, NULL),
                     FO_OK);
    ck_assert_int_eq(m.process_bytes, 1600 * MIB);
    ck_assert_int_eq(m.heap_bytes, 1024 * MIB);
    /* standalone: the pods are sized the same; the scripts' reading (1600m of heap) works */
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_JOBMANAGER, &standalone, &m, NULL, NULL), FO_OK);
    ck_assert_int_eq(m.process_bytes, 1600 * MIB);
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_TASKMANAGER, &native, &m, NULL, NULL), FO_OK);
    ck_assert_int_eq(m.process_bytes, 1280 * MIB); /* a number of mebibytes */
    json_decref(c);

    /* the key it stands for wins; the legacy one still stands for another that is not set */
    c = conf("{\"taskmanager.memory.flink.size\": \"1280m\", \"taskmanager.heap.size\": \"2g\"}");
    ck_assert_int_eq(fo_flink_memory_derive(c, FO_FLINK_MEMORY_TASKMANAGER, &native, &m, NULL,
                                            NULL),
                     FO_OK);
    ck_assert_int_eq(m.process_bytes, 2048 * MIB); /* process 2g over Flink memory 1280m */
    json_decref(c);
    c = conf("{\"jobmanager.memory.heap.size\": \"1g\", \"jobmanager.heap.size\": \"1g\"}");
    const char *blame = NULL;
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_JOBMANAGER, &native, &m, &blame, NULL),
        FO_EINVAL); /* 1g of heap does not fit in a 1g process */
    ck_assert_str_eq(blame, "jobmanager.heap.size");
    json_decref(c);
    /* standalone: the scripts read it as the heap, which must agree with Flink memory */
    c = conf("{\"jobmanager.memory.flink.size\": \"1g\", \"jobmanager.heap.size\": \"2g\"}");
    ck_assert_int_eq(fo_flink_memory_derive(c, FO_FLINK_MEMORY_JOBMANAGER, &native, &m, NULL,
                                            NULL),
                     FO_OK);
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_JOBMANAGER, &standalone, &m, &blame, NULL),
        FO_EINVAL);
    ck_assert_str_eq(blame, "jobmanager.heap.size");
    json_decref(c);
    c = conf("{\"taskmanager.heap.size\": \"512m\"}");
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_TASKMANAGER, &native, &m, &blame, NULL),
        FO_EINVAL);
    ck_assert_str_eq(blame, "taskmanager.heap.size");
    json_decref(c);
    c = conf("{\"taskmanager.heap.mb\": \"4294967296\"}"); /* an int option */
    ck_assert_int_eq(
        fo_flink_memory_derive(c, FO_FLINK_MEMORY_TASKMANAGER, &native, &m, &blame, NULL),
        FO_EINVAL);
    ck_assert_str_eq(blame, "taskmanager.heap.mb");
    json_decref(c);
}
END_TEST

/* Float.parseFloat's forms: a suffix, and hexadecimal digits. */
START_TEST(fractions_are_read_as_java_reads_floats)
{
    fo_flink_memory m = derive_ok("{\"taskmanager.memory.process.size\": \"1728m\","
                                  " \"taskmanager.memory.managed.fraction\": \"0x1.99999ap-2\","
                                  " \"taskmanager.memory.network.fraction\": \" 0.1f \"}",
                                  FO_FLINK_MEMORY_TASKMANAGER, FO_FLINK_V1_18);
    ck_assert_int_eq(m.managed_bytes, 536870920); /* 0x1.99999ap-2 is 0.4f */
    ck_assert_int_eq(m.network_bytes, 134217730);
}
END_TEST

/* Sizes given by the spec over a configuration without memory keys are remembered per thread:
 * asked again, the same; a configuration with a model key of any kind is worked out anew. */
START_TEST(remembered_sizes_are_the_sizes_and_configuration_keys_still_count)
{
    json_t *plain = conf("{\"taskmanager.numberOfTaskSlots\": \"2\"}");
    json_t *tuned = conf("{\"taskmanager.memory.managed.fraction\": \"0.2\"}");
    fo_flink_memory_opts opts = {FO_FLINK_V1_18, false, true, 1728 * MIB};
    fo_flink_memory a, b, c;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(fo_flink_memory_derive(plain, FO_FLINK_MEMORY_TASKMANAGER, &opts, &a,
                                                NULL, NULL),
                         FO_OK);
        ck_assert_int_eq(a.managed_bytes, 536870920);
        ck_assert_int_eq(a.heap_bytes, 128 * MIB + 402653174);
    }
    ck_assert_int_eq(
        fo_flink_memory_derive(tuned, FO_FLINK_MEMORY_TASKMANAGER, &opts, &b, NULL, NULL), FO_OK);
    ck_assert_int_lt(b.managed_bytes, a.managed_bytes); /* 0.2 of 1280m */
    opts.version = FO_FLINK_V1_16;                       /* another network maximum */
    ck_assert_int_eq(
        fo_flink_memory_derive(plain, FO_FLINK_MEMORY_JOBMANAGER, &opts, &c, NULL, NULL), FO_OK);
    ck_assert_int_eq(c.network_bytes, 0); /* a JobManager: not the TaskManager's sizes */
    ck_assert_int_eq(c.heap_bytes, 1152 * MIB);
    json_decref(plain);
    json_decref(tuned);
}
END_TEST

START_TEST(sizes_are_printed_as_flink_prints_them)
{
    char buf[64];
    ck_assert_str_eq(fo_flink_memory_human(0, buf, sizeof buf), "0 bytes");
    ck_assert_str_eq(fo_flink_memory_human(1023, buf, sizeof buf), "1023 bytes");
    ck_assert_str_eq(fo_flink_memory_human(1024, buf, sizeof buf), "1024 bytes");
    ck_assert_str_eq(fo_flink_memory_human(1536, buf, sizeof buf), "1.500kb (1536 bytes)");
    ck_assert_str_eq(fo_flink_memory_human(1024 * MIB, buf, sizeof buf),
                     "1024.000mb (1073741824 bytes)");
    ck_assert_str_eq(fo_flink_memory_human(2048 * MIB, buf, sizeof buf),
                     "2.000gb (2147483648 bytes)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flink_memory_model");
    TCase *tc = tcase_create("flink_memory_model");
    tcase_add_test(tc, the_default_taskmanager_gets_flinks_own_sizes);
    tcase_add_test(tc, the_default_jobmanager_gets_a_one_gigabyte_heap);
    tcase_add_test(tc, fractions_are_java_floats_multiplied_exactly);
    tcase_add_test(tc, fine_grained_sizes_build_the_total_upwards);
    tcase_add_test(tc, a_taskmanager_too_small_for_its_fixed_parts_is_refused);
    tcase_add_test(tc, metaspace_and_overhead_larger_than_the_process_are_refused);
    tcase_add_test(tc, a_jobmanager_without_room_for_a_heap_is_refused);
    tcase_add_test(tc, sizes_that_do_not_add_up_are_refused);
    tcase_add_test(tc, the_network_maximum_follows_the_flink_version);
    tcase_add_test(tc, values_flink_cannot_read_are_blamed_on_their_key);
    tcase_add_test(tc, nothing_to_size_the_process_by_is_refused);
    tcase_add_test(tc, legacy_network_buffers_set_the_network_memory_in_flink_1);
    tcase_add_test(tc, fractions_are_read_as_java_reads_floats);
    tcase_add_test(tc, legacy_heap_keys_are_read_as_the_deployment_mode_reads_them);
    tcase_add_test(tc, remembered_sizes_are_the_sizes_and_configuration_keys_still_count);
    tcase_add_test(tc, sizes_are_printed_as_flink_prints_them);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
