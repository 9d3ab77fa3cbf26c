#!/usr/bin/env bash
# The whole benchmark set, one command: builds the release binary, then runs each bench and
# prints its table. Peers (wget, curl, lychee, Lighthouse) are run side by side where they are
# installed and named as missing where they are not. Needs ../shared/tools (gen-site.py,
# serve.py) beside the checkout for the loopback sites; what is missing is skipped.
#
#   bash benches/run.sh            # everything; each bench prints how long it took
#   bash benches/run.sh perf       # one of: perf extract links timing timing-browser browser har-memory history floor gates gates-browser
set -euo pipefail
cd "$(dirname "$0")/.."
only="${1:-all}"
cargo build --release --quiet
bin=target/release/pagecost

# bench NAME TITLE COMMAND...: runs COMMAND under a heading when NAME is selected.
bench() {
  local name=$1 title=$2
  shift 2
  [ "$only" = all ] || [ "$only" = "$name" ] || return 0
  echo "== $title =="
  local t0=$SECONDS
  "$@"
  echo "($name took $((SECONDS - t0)) s)"
  echo
}

bench perf "whole audits, scale, memory, batch (benches/perf.py)" python3 benches/perf.py --bin "$bin"
bench extract "extraction throughput (cargo bench --bench extract)" cargo bench --quiet --bench extract
bench links "link checking (benches/links.py)" python3 benches/links.py --bin "$bin"
bench timing "timing accuracy against injected delays (benches/timing.py)" python3 benches/timing.py --bin "$bin"
bench timing-browser "timing accuracy of the browser engine (benches/timing.py --engine chromium)" python3 benches/timing.py --bin "$bin" --engine chromium
# Lighthouse: $LIGHTHOUSE (its cli/index.js) or `lighthouse` on PATH; about 8 minutes.
bench browser "the browser engine against Lighthouse (benches/browser.py)" python3 benches/browser.py --bin "$bin" ${LIGHTHOUSE:+--lighthouse "$LIGHTHOUSE"}
bench har-memory "peak memory of reading a big HAR (benches/har_memory.py)" python3 benches/har_memory.py
bench floor "against the floor: nginx, curl with the URL list, HTTP/1.1 and HTTP/2, N up to 10,000 (benches/floor.py)" python3 benches/floor.py --bin "$bin"
bench gates "gates on real loads: A/A false alarms, a page 15 % slower, runs used (benches/gates.py)" python3 benches/gates.py --bin "$bin" --fixed 10
bench gates-browser "gates on real loads, browser engine (benches/gates.py --engine chromium; B 20 % more delay, the page about 15 % slower; about 75 minutes)" python3 benches/gates.py --bin "$bin" --engine chromium --comparisons 100 --max-runs 10 --ttfb 60 --b-ttfb 72
bench history "the history database: --save's cost, history of 10,000 runs (benches/history.py)" python3 benches/history.py --bin "$bin"
echo "(all selected benches: $SECONDS s)"
