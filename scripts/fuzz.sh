#!/usr/bin/env bash
# Runs the libFuzzer harnesses (tests/fuzz/) for as long as you like.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      default: 3600 s each, every target
#   FUZZ_PARALLEL=3 scripts/fuzz.sh 7200       three targets at a time (default: all at once)
#
# Builds build-clang (clang, ASan + UBSan with float-cast-overflow, libFuzzer)
# when needed, then runs each target niced, growing its corpus in
# build-clang/tests/fuzz/corpus/TARGET from the committed seeds. A crash is
# written to build-clang/fuzz-artifacts/TARGET/ (crash-*, leak-*, timeout-*)
# and named in the summary; logs go to build-clang/fuzz-logs/TARGET.log. To
# keep a crash as a regression seed, copy it into tests/fuzz/seeds/TARGET/.
set -u
cd "$(dirname "$0")/.."
secs=${1:-3600}
shift || true
all=(csv libsvm libffm movielens safetensors notebook word2vec columnar)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
command -v clang >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
if [ ! -x build-clang/tests/fuzz/fuzz_csv ]; then
    CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug -DRECNOTE_SANITIZE=ON \
        -DRECNOTE_FUZZ=ON >/dev/null || exit 1
fi
flock /tmp/recnote-cpu.lock cmake --build build-clang -j2 >/dev/null || exit 1
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p build-clang/fuzz-logs
parallel=${FUZZ_PARALLEL:-${#targets[@]}}
run_one()
{
    local t=$1 corpus=build-clang/tests/fuzz/corpus/$1 art=build-clang/fuzz-artifacts/$1/
    mkdir -p "$corpus" "$art"
    local TIMEFORMAT='%U %S' rc cpu
    # the CPU seconds it used (user + system): the fuzzers run niced, so a busy
    # machine gives them less than the wall-clock time asked for
    cpu=$( { time nice -n 19 build-clang/tests/fuzz/fuzz_"$t" -max_total_time="$secs" \
        -max_len=65536 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
        -artifact_prefix="$art" "$corpus" "tests/fuzz/seeds/$t" \
        >"build-clang/fuzz-logs/$t.log" 2>&1; } 2>&1 )
    rc=$?
    echo "$cpu" | awk '{ printf "cpu_seconds: %.0f\n", $1 + $2 }' >>"build-clang/fuzz-logs/$t.log"
    echo "$t: exit $rc"
}
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then wait -n; running=$((running - 1)); fi
done
wait
echo "== fuzz summary ($secs s per target)"
status=0
for t in "${targets[@]}"; do
    log=build-clang/fuzz-logs/$t.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corp=$(ls build-clang/tests/fuzz/corpus/$t | wc -l)
    cpu=$(sed -n 's/^cpu_seconds: *//p' "$log" | tail -1)
    crashes=$(ls build-clang/fuzz-artifacts/$t/ 2>/dev/null | wc -l)
    printf '%-12s %12s executions  %6s CPU s  corpus %5s  crashes %s\n' "$t" "${runs:-?}" \
        "${cpu:-?}" "$corp" "$crashes"
    [ "$crashes" -eq 0 ] || { status=1; ls build-clang/fuzz-artifacts/$t/; grep -m3 -E "ERROR|runtime error" "$log"; }
done
exit $status
