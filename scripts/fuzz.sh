#!/usr/bin/env bash
# Short fuzz run of every target (cargo-fuzz, libFuzzer). The machine's toolchain is stable;
# cargo-fuzz needs nightly flags, which RUSTC_BOOTSTRAP=1 allows.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET ...]
# Needs: cargo install cargo-fuzz --locked. Crashes land in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(html_extract css_parse srcset budget_parse har_import)
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz not installed (cargo install cargo-fuzz --locked): skipped"; exit 0; }
for t in "${targets[@]}"; do
  echo "== $t ($secs s)"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 \
    | grep -E "^#[0-9]+.*(DONE|pulse)|Done|ERROR|panicked|SUMMARY" | tail -3 || true
done
