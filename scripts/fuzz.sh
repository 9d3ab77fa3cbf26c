#!/usr/bin/env bash
# Short fuzz run of every target (cargo-fuzz, libFuzzer). The machine's toolchain is stable;
# cargo-fuzz needs nightly flags, which RUSTC_BOOTSTRAP=1 allows.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET ...]
#        FUZZ_RUNS=N scripts/fuzz.sh    # CI: N inputs per target from seed 1, the same run every time
# Needs: cargo install cargo-fuzz --locked. Crashes land in fuzz/artifacts/TARGET/.
# Exits non-zero when a target does not build or finds a crash (its output is shown), and,
# under CI (CI=true), when cargo-fuzz is missing.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(html_extract css_parse srcset budget_parse har_import)
if ! command -v cargo-fuzz >/dev/null; then
  echo "cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
  [ "${CI:-}" = "true" ] && exit 1
  echo "fuzzing skipped" >&2
  exit 0
fi
failed=0
for t in "${targets[@]}"; do
  log=$(mktemp)
  if [ -n "${FUZZ_RUNS:-}" ]; then
    echo "== $t ($FUZZ_RUNS inputs from seed 1)"
    limit=(-runs="$FUZZ_RUNS" -seed=1)
  else
    echo "== $t ($secs s)"
    limit=(-max_total_time="$secs")
  fi
  if RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" -- "${limit[@]}" -rss_limit_mb=4096 >"$log" 2>&1; then
    grep -E "^#[0-9]+.*(DONE|pulse)|Done" "$log" | tail -1 || true
  else
    echo "!! $t failed: a build error or a crash (artifacts in fuzz/artifacts/$t/)" >&2
    tail -40 "$log" >&2
    failed=1
  fi
  rm -f "$log"
done
exit $failed
