#!/usr/bin/env bash
# A short fuzz run of every target (or of those named as arguments), one after another:
#
#   bash fuzz/run.sh                      # 60 s per target
#   FUZZ_SECONDS=600 bash fuzz/run.sh device_detect
#
# Not part of CI. Exits non-zero when a target found a crash, an invariant violation or a slow
# input; libFuzzer then saved the input under fuzz/artifacts/<target>/. Fix the bug, copy the input
# into fuzz/regressions/<target>/ (tests/fuzz_regressions.rs replays it on every `cargo test`).
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 60)
#   FUZZ_SANITIZER   address (default) or none
#   FUZZ_TARGET_DIR  cargo target dir of the fuzz build (default /var/tmp/authwalk-fuzz-target,
#                    apart from the main crate's so the two builds never wait on each other)
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a finding (default 10)
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"
target_dir="${FUZZ_TARGET_DIR:-/var/tmp/authwalk-fuzz-target}"
timeout="${FUZZ_TIMEOUT:-10}"
all_targets=(domain_parse device_detect website_icons image_normalize)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# cargo-fuzz passes nightly-only flags (-Zsanitizer, sanitizer-coverage passes). On a machine with
# only a stable toolchain, RUSTC_BOOTSTRAP=1 makes stable rustc and cargo accept them; the stable
# toolchain ships the sanitizer runtimes (librustc-stable_rt.asan.a) that -Zsanitizer links.
if ! rustc -V | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi

# New inputs libFuzzer finds go to a scratch corpus (first directory), never into the committed
# seeds; later runs start from it and from the seeds and kept findings.
grown_root="grown"
logs="$target_dir/fuzz-logs"
mkdir -p "$logs"

# Build first, so that a build failure is never mistaken for a finding (the output says why).
echo "fuzz: building (sanitizer: $sanitizer; target dir: $target_dir)"
build=(nice -n 10 cargo fuzz build --sanitizer "$sanitizer" --target-dir "$target_dir")
if [ "$#" -eq 0 ]; then
  "${build[@]}"
else
  for target in "${targets[@]}"; do "${build[@]}" "$target"; done
fi

failed=()
summary=()
for target in "${targets[@]}"; do
  mkdir -p "$grown_root/$target" "regressions/$target"
  dict=()
  [ -f "dicts/$target.dict" ] && dict=("-dict=dicts/$target.dict")
  log="$logs/$target.log"
  echo "fuzz: $target for ${seconds}s (sanitizer: $sanitizer; log: $log)"
  status=0
  nice -n 10 cargo fuzz run --sanitizer "$sanitizer" --target-dir "$target_dir" "$target" \
    "$grown_root/$target" "corpus/$target" "regressions/$target" -- \
    -max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1 "${dict[@]}" \
    >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [ "$status" -eq 0 ]; then
    result="no finding"
  else
    result="FINDING (exit $status), see $log and artifacts/$target/"
    failed+=("$target")
    tail -n 40 "$log" >&2
  fi
  summary+=("$(printf '%-16s %12s runs %8s/s  %s' "$target" "${runs:-?}" "${rate:-?}" "$result")")
done

echo
echo "fuzz: $(date -u +%Y-%m-%d), ${seconds}s per target, sanitizer $sanitizer"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
