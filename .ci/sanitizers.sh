#!/usr/bin/env bash
# Sanitized builds and fuzzing (docs/reliability.md), with clang:
#  1. ASan + UBSan: the whole ctest suite (unit, vectors, every ISA vs the
#     reference, conformance, the C API, the fuzz corpus replays), built with
#     PIXELPACT_FUZZ=ON, which also builds the libFuzzer harnesses;
#  2. each harness fuzzed for FUZZ_SECONDS (default 60; two at a time, the
#     TSan build beside the third: one process per core), seeded with the test
#     suite's documents and the regression corpus; any crash, sanitizer report,
#     leak, timeout or broken property fails CI and leaves the input in
#     build/sanitize/fuzz-artifacts (add it to cpp/fuzz/corpus/NAME/ with the fix);
#  3. TSan: the tests that run threads, while the encoded-image harness
#     (JPEG/PNG bytes, fuzz_encoded) is fuzzed for ENCODED_SECONDS (default 60) (batches on the thread pool, one pipeline
#     and its plan cache shared across threads, thread-local C errors).
# No suppressions. Needs clang and libclang-rt-dev (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
ENCODED_SECONDS=${ENCODED_SECONDS:-60}  # beside the TSan tests: the CI time it adds is measured in docs/reliability.md
JOBS=${JOBS:-2}
CLANG=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo)
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
start=$SECONDS

echo "== ASan + UBSan: build (library, ctest suite, fuzz harnesses)"
cmake -S . -B build/sanitize -G Ninja "${CLANG[@]}" -DPIXELPACT_FUZZ=ON -DPIXELPACT_BUILD_TESTS=ON >/dev/null
cmake --build build/sanitize -j "$JOBS"
echo "== ASan + UBSan: ctest ($((SECONDS - start)) s so far)"
ctest --test-dir build/sanitize --output-on-failure -j "$JOBS"

echo "== fuzzing, ${FUZZ_SECONDS} s per harness, two at a time; the TSan build meanwhile ($((SECONDS - start)) s so far)"
seeds=build/sanitize/fuzz-seeds
python cpp/fuzz/write_seeds.py "$seeds/contract"
mkdir -p build/sanitize/fuzz-artifacts
fuzz() {  # fuzz NAME: one harness for FUZZ_SECONDS; prints its figures or its failure
  local name=$1 work=build/sanitize/fuzz-corpus/$1 log=build/sanitize/fuzz-$1.log seconds=${2:-$FUZZ_SECONDS} max_len=${3:-4096}
  mkdir -p "$work" "$seeds/$name"   # $work: the fuzzer's growing corpus (kept between local runs)
  if ! build/sanitize/cpp/fuzz/pixelpact_fuzz_$name -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 \
      -max_len="$max_len" -len_control=0 -print_final_stats=1 -artifact_prefix=build/sanitize/fuzz-artifacts/$name- \
      "$work" "$seeds/$name" cpp/fuzz/corpus/$name >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzzer $name failed: input in build/sanitize/fuzz-artifacts/" >&2
    return 1
  fi
  echo "-- $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions," \
       "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log") per second, corpus $(ls "$work" | wc -l) files, no failure"
}
cmake -S . -B build/tsan -G Ninja "${CLANG[@]}" -DPIXELPACT_SANITIZE=thread -DPIXELPACT_BUILD_TESTS=ON >/dev/null
fuzz contract & first=$!
fuzz run_shape & second=$!
failed=0
wait $first || failed=1
wait $second || failed=1
[ "$failed" = 0 ] || exit 1
fuzz differential & third=$!
cmake --build build/tsan -j 1 --target pixelpact_unit_tests pixelpact_c_api_tests >build/tsan/build.log 2>&1 \
  || { tail -n 40 build/tsan/build.log; exit 1; }
wait $third || exit 1

echo "== TSan: threaded tests, beside the encoded-image fuzzer ($((SECONDS - start)) s so far)"
# fuzz_encoded: JPEG/PNG files (seeds: cpp/fuzz/corpus/encoded, written by
# write_image_seeds.py) through image_info and run_encoded; up to 8 KiB inputs.
fuzz encoded "$ENCODED_SECONDS" 8192 & fourth=$!
ctest --test-dir build/tsan --output-on-failure -R '^(unit|c_api)$' || { kill $fourth; exit 1; }
wait $fourth || exit 1
echo "== sanitizers and fuzzing: $((SECONDS - start)) s"
