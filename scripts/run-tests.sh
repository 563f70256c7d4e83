#!/bin/bash
# run-tests.sh [--valgrind] BUILD_DIR SUITE...
# Runs the Check suites (unit, integration) and end-to-end scripts (e2e) of a build.
# T=<name> runs only suites whose name contains <name>. Prints one line per suite and the log
# of each failure; exits non-zero when any suite failed.
set -u
valgrind=0
if [ "${1:-}" = --valgrind ]; then valgrind=1; shift; fi
bin=$(cd "$1" && pwd); shift
root=$(cd "$(dirname "$0")/.." && pwd)
logs="$bin/test-logs"
mkdir -p "$logs"

export FO_BIN_DIR="$bin" FO_SRC_DIR="$root" FO_TEST_DATA="$root/tests/data"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export CK_DEFAULT_TIMEOUT="${CK_DEFAULT_TIMEOUT:-120}"
[ $valgrind = 1 ] && export CK_FORK=no CK_DEFAULT_TIMEOUT=600

failed=()
total=0
start_all=$(date +%s)
run_one() {
    local name=$1; shift
    local log="$logs/$name.log"
    total=$((total + 1))
    local t0; t0=$(date +%s%N)
    if timeout --kill-after=10 "${SUITE_TIMEOUT:-900}" "$@" >"$log" 2>&1; then
        printf '  PASS  %-40s %6d ms\n' "$name" $(( ($(date +%s%N) - t0) / 1000000 ))
    else
        printf '  FAIL  %-40s (log: %s)\n' "$name" "$log"
        tail -n 40 "$log" | sed 's/^/        /'
        failed+=("$name")
    fi
}

for suite in "$@"; do
    case $suite in
    unit|integration)
        for t in "$bin"/tests/$suite/test_*; do
            [ -x "$t" ] || continue
            name=$(basename "$t")
            # a binary left in build/ by a suite since deleted is not a suite any more
            [ -f "$root/tests/$suite/$name.c" ] || continue
            [ -n "${T:-}" ] && [[ $name != *"$T"* ]] && continue
            if [ $valgrind = 1 ]; then
                run_one "$name" valgrind -q --error-exitcode=99 --leak-check=full \
                    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
                    --suppressions="$root/tests/valgrind.supp" "$t"
            else
                run_one "$name" "$t"
            fi
        done ;;
    e2e)
        for t in "$root"/tests/e2e/test_*.sh; do
            [ -f "$t" ] || continue
            name=$(basename "$t" .sh)
            [ -n "${T:-}" ] && [[ $name != *"$T"* ]] && continue
            run_one "$name" bash "$t"
        done ;;
    *) echo "run-tests: unknown suite $suite" >&2; exit 2 ;;
    esac
done

echo "  $total suites, ${#failed[@]} failed, $(( $(date +%s) - start_all )) s"
[ ${#failed[@]} -eq 0 ]
