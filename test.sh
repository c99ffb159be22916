#!/usr/bin/env bash
# The whole test suite: install what is missing, build with warnings as
# errors, run every test under ctest, then build with AddressSanitizer +
# UndefinedBehaviorSanitizer and run the same tests again.
#   ./test.sh            both builds
#   ./test.sh --quick    the plain build only (while developing)
set -e
cd "$(dirname "$0")"
. scripts/deps.sh
recnote_deps test

export NO_COLOR=1            # tests read plain text
jobs=$(nproc)
status=0

run_suite()
{
    local dir=$1
    shift
    echo "== recnote tests: $dir"
    recnote_build "$dir" -DRECNOTE_WERROR=ON "$@" || return 1
    (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo || status=1
if [ "${1:-}" != --quick ]; then
    # detect_leaks stays on; readline and Lua free what they own at exit.
    export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DRECNOTE_SANITIZE=ON || status=1
    # clang (Debian's clang + libclang-rt-dev): its UBSan, and a fixed number
    # of libFuzzer executions of every parser (tests/fuzz/). The C tests of the
    # engine and the models run again under clang's sanitizers; the Lua and
    # REPL tests already ran under GCC's (which check float-cast-overflow too).
    if command -v clang >/dev/null 2>&1; then
        echo "== recnote tests: build-clang (clang ASan + UBSan, libFuzzer)"
        if CC=clang recnote_build build-clang -DRECNOTE_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
               -DRECNOTE_SANITIZE=ON -DRECNOTE_FUZZ=ON; then
            (cd build-clang && ctest --output-on-failure -j "$jobs" --timeout 600 \
                 -R '^(test_engine|test_models$|test_models_dice|test_models_reliability|arch)') \
                || status=1
            (set -o pipefail; cd build-clang && ctest -L fuzz -j "$jobs" -V 2>&1 |
                 awk '/^[0-9]+: Test command:/ { match($0, /fuzz_[a-z0-9]+/); name[$1] = substr($0, RSTART, RLENGTH); next }
                      /^[0-9]+: Done [0-9]+ runs/ { n = $1; sub(/^[0-9]+: /, ""); printf "  %-18s %s\n", name[n], $0; next }
                      /tests passed|tests failed|runtime error|ERROR: / { print }') || status=1
        else
            status=1
        fi
    else
        echo "== clang not found: the clang UBSan and libFuzzer runs are skipped (apt-get install clang)"
    fi
fi
exit $status
