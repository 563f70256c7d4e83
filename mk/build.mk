# The real build. Called from the top-level Makefile with VARIANT=release or VARIANT=san.
#   release -> build/      (-O2; what `make` and `make demo` run; valgrind uses it)
#   san     -> build/san/  (ASan + UBSan; what `make test` runs)
#
# Layout rules (add files, not rules):
#   common/*.c                     -> build/libflinkop.a
#   <dir>/*.c except main.c        -> build/lib/lib<dir>.a for webhook, controller,
#                                     tests/fakes/*, tests/support, tests/bench/webhook
#   <dir>/main.c                   -> the program named in PROGRAMS below
#   tests/{unit,integration}/test_*.c -> build/tests/<suite>/test_*  (Check suites)
#   tests/bench/*.c                -> build/bench/*

VARIANT ?= release
PKGS := libmicrohttpd libcurl jansson yaml-0.1 gnutls

ifeq ($(VARIANT),san)
B := build/san
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(VARIANT),fuzz)
# `make fuzz` (scripts/fuzz.sh): clang with coverage for libFuzzer, ASan and UBSan. Warnings
# stay warnings here: clang's set differs from gcc's, and a fuzz run must not stop on them.
B := build/fuzz
CC := clang
OPT := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=all
EXTRA_CFLAGS += -Wno-error -Wno-unknown-warning-option
else
B := build
OPT := -O2
endif

CC ?= cc
CFLAGS := -std=c11 -D_GNU_SOURCE -g $(OPT) -Wall -Wextra -Werror -Wshadow -Wformat=2 \
          -Wno-format-nonliteral -Wno-format-truncation -fno-strict-aliasing -pthread -I. \
          $(shell pkg-config --cflags $(PKGS) check) $(EXTRA_CFLAGS)
LDFLAGS := $(OPT) -pthread $(EXTRA_LDFLAGS)
LIBS := $(shell pkg-config --libs $(PKGS)) -lm
# Programs do not link libcurl: common/http_client.c loads it with dlopen (in libc since glibc
# 2.34) on first use, so a program that seldom makes a request does not map libcurl and its
# dependency chain at start. Test suites and benches link it (tests/support/testhttp.c calls it).
PROG_LIBS := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS))) -lm
CHECK_LIBS := $(shell pkg-config --libs check)

# name:main-dir:libraries (first to last; libflinkop always comes last)
PROGRAMS := flinkop-webhook:webhook:webhook \
            flinkop-controller:controller:controller \
            flinkop-fetch:controller/fetcher:controller_fetcher \
            fake-apiserver:tests/fakes/apiserver:tests_fakes_apiserver \
            fake-flink:tests/fakes/flink:tests_fakes_flink \
            flinkop-sandbox:tests/fakes/sandbox:tests_fakes_sandbox,tests_fakes_apiserver,tests_fakes_flink \
            flinkop-crdgen:crds/generator:crds_generator \
            flinkop-kubecheck:tests/tools/kubecheck:tests_tools_kubecheck

LIB_DIRS := webhook controller tests/support $(wildcard tests/fakes/*) crds/generator \
            tests/bench/webhook \
            tests/tools/kubecheck

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
libpath = $(B)/lib/lib$(subst /,_,$(1)).a
lib_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))

CORE_LIB := $(B)/libflinkop.a
CORE_SRCS := $(wildcard common/*.c)
EXISTING_LIB_DIRS := $(foreach d,$(LIB_DIRS),$(if $(call lib_srcs,$(d)),$(d)))
ALL_LIBS := $(foreach d,$(EXISTING_LIB_DIRS),$(call libpath,$(d)))

.PHONY: all tests benches fuzzers
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRCS))
	@mkdir -p $(dir $@)
	@echo "  AR    $@"
	@rm -f $@ && ar rcs $@ $^

define lib_rule
$(call libpath,$(1)): $(call obj,$(call lib_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	@echo "  AR    $$@"
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(EXISTING_LIB_DIRS),$(eval $(call lib_rule,$(d))))

# Programs whose main.c exists.
define prog_rule
$(B)/$(1): $(call obj,$(2)/main.c) $(foreach l,$(subst $(comma), ,$(3)),$(filter %/lib$(l).a,$(ALL_LIBS))) $(CORE_LIB)
	@echo "  LD    $$@"
	@$(CC) $(LDFLAGS) -o $$@ $$^ $(PROG_LIBS)
PROG_BINS += $(B)/$(1)
endef
comma := ,
$(foreach p,$(PROGRAMS),$(eval w := $(subst :, ,$(p)))\
  $(if $(wildcard $(word 2,$(w))/main.c),$(eval $(call prog_rule,$(word 1,$(w)),$(word 2,$(w)),$(word 3,$(w))))))

# Tests link every library (tests may use anything); --start-group resolves any order.
TEST_SRCS := $(wildcard tests/unit/test_*.c tests/integration/test_*.c)
# T=<name> (from the top-level Makefile) builds only the suites whose file name contains it.
ifneq ($(T),)
TEST_SRCS := $(foreach f,$(TEST_SRCS),$(if $(findstring $(T),$(notdir $(f))),$(f)))
endif
TEST_BINS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS))
$(B)/tests/%: $(B)/obj/tests/%.o $(ALL_LIBS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) $(CORE_LIB) -Wl,--end-group \
	    $(CHECK_LIBS) $(LIBS)

BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
$(B)/bench/%: $(B)/obj/tests/bench/%.o $(ALL_LIBS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) $(CORE_LIB) -Wl,--end-group $(LIBS)

# libFuzzer harnesses (VARIANT=fuzz only): tests/fuzz/fuzz_*.c -> build/fuzz/fuzzers/fuzz_*
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzzers/%,$(FUZZ_SRCS))
# They link the webhook's and the controller's libraries too (fuzz_admission runs the
# webhook's /mutate path, fuzz_java_trace the controller's status.error writer).
$(B)/fuzzers/%: $(B)/obj/tests/fuzz/%.o $(call libpath,webhook) $(call libpath,controller) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(call libpath,webhook) \
	    $(call libpath,controller) $(CORE_LIB) $(LIBS)

all: $(CORE_LIB) $(ALL_LIBS) $(PROG_BINS)
tests: $(TEST_BINS)
benches: $(BENCH_BINS)
fuzzers: $(FUZZ_BINS)

# The CRDs in crds/ are generated (install issue): `make -f mk/build.mk crds` rewrites them,
# `check-crds` fails when the committed files differ from their source.
CRDGEN_ARGS := --openapi tests/data/kubernetes-openapi/v1.35/api__v1_openapi.json \
               --source crds/generator/schema.yaml --out-dir crds \
               --pod-schema common/pod_template_schema.c
.PHONY: crds check-crds
crds: $(B)/flinkop-crdgen
	@$(B)/flinkop-crdgen $(CRDGEN_ARGS)
check-crds: $(B)/flinkop-crdgen
	@$(B)/flinkop-crdgen --check $(CRDGEN_ARGS)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
