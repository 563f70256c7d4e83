# flinkop: the two commands a newcomer needs are `make demo` and `make test`.
# This file checks the Debian dependencies first (scripts/deps.sh installs them as root), then
# hands over to mk/build.mk, which can assume pkg-config finds every library.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SUB = $(MAKE) --no-print-directory -j$(JOBS) -f mk/build.mk

.PHONY: all test test-unit test-integration test-e2e valgrind demo demo-stop bench \
        bench-webhook bench-webhook-cpu bench-webhook-loop bench-webhook-paced bench-webhook-flood \
        bench-controller bench-controller-hang fuzz image-smoke deps \
        clean format crds check-crds FORCE

all: deps
	@$(SUB) VARIANT=release all

# Everything under ASan+UBSan: unit suites, integration suites, end-to-end suites.
test: deps
	@$(SUB) VARIANT=san all tests
	@scripts/run-tests.sh build/san unit integration e2e

# Pieces of `make test`, for a quicker loop. T=name runs one suite (e.g. T=test_strbuf).
test-unit test-integration test-e2e: deps
	@$(SUB) VARIANT=san all tests T=$(T)
	@scripts/run-tests.sh build/san $(patsubst test-%,%,$@)

valgrind: deps
	@$(SUB) VARIANT=release all tests T=$(T)
	@scripts/run-tests.sh --valgrind build unit

demo: all
	@scripts/demo.sh

demo-stop:
	@scripts/demo.sh --stop

bench bench-webhook bench-webhook-cpu bench-webhook-loop bench-webhook-paced bench-webhook-flood \
bench-controller bench-controller-hang: all
	@$(SUB) VARIANT=release benches
	@scripts/bench.sh $(patsubst bench-%,%,$(filter bench-%,$@))

# libFuzzer harnesses (tests/fuzz/) under clang ASan+UBSan; not part of `make test`.
# FUZZ_SECONDS=60 per harness, F=name for one (e.g. `make fuzz F=yaml FUZZ_SECONDS=300`).
fuzz: deps
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) F=$(F) scripts/fuzz.sh

# The Dockerfile's runtime stage without a container engine: its packages in a Debian root,
# the programs run there as its user, end-to-end suites against them (root; not in `make test`).
image-smoke: all
	@scripts/image-smoke.sh

# The CRDs are generated from crds/generator/schema.yaml and the Kubernetes OpenAPI.
crds check-crds: deps
	@$(SUB) VARIANT=release $@

deps:
	@scripts/deps.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

FORCE:
