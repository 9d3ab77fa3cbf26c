#!/usr/bin/env bash
# The whole benchmark set, one command: builds the release binary, then runs each bench and
# prints its table. Peers (wget, curl, lychee, Lighthouse) are run side by side where they are
# installed and named as missing where they are not. Needs ../shared/tools (gen-site.py,
# serve.py) beside the checkout for the loopback sites; what is missing is skipped.
#
#   bash benches/run.sh            # everything (about 2 minutes on 2 cores)
#   bash benches/run.sh perf       # one of: perf extract links timing
set -euo pipefail
cd "$(dirname "$0")/.."
only="${1:-all}"
cargo build --release --quiet
bin=target/release/pagecost
run() { [ "$only" = all ] || [ "$only" = "$1" ]; }
if run perf; then
  echo "== whole audits, scale, memory, batch (benches/perf.py) =="
  python3 benches/perf.py --bin "$bin"
  echo
fi
if run extract; then
  echo "== extraction throughput (cargo bench --bench extract) =="
  cargo bench --quiet --bench extract 2>/dev/null
  echo
fi
if run links; then
  echo "== link checking (benches/links.py) =="
  python3 benches/links.py --bin "$bin"
  echo
fi
if run timing; then
  echo "== timing accuracy against injected delays (benches/timing.py) =="
  python3 benches/timing.py --bin "$bin"
fi
