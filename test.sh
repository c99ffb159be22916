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
fi
exit $status
