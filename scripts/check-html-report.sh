#!/usr/bin/env bash
# Renders the demo's HTML report (and the compare demo's) in headless Chromium, saves PNG
# screenshots at 1350 px wide, and fails if the page logged any console error.
# Needs Debian's chromium (apt-get install -y chromium). usage: scripts/check-html-report.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/html-check}
mkdir -p "$out"
command -v chromium >/dev/null || { echo "chromium not installed (apt-get install -y chromium): skipped"; exit 0; }
cargo build --release -q
bin=target/release/pagecost
$bin audit fixtures/demo/ --format html -q -o "$out/demo.html"
$bin compare fixtures/compare/blog/index.html fixtures/compare/blog/with-ads.html \
  --serve-also securepubads.g.doubleclick.net=fixtures/compare/adnet \
  --serve-also tpc.googlesyndication.com=fixtures/compare/adnet --runs 3 -q --format html -o "$out/compare.html"
status=0
for page in demo compare; do
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1350,1600 --enable-logging=stderr --v=0 \
    --screenshot="$out/$page.png" "file://$PWD/$out/$page.html" 2> "$out/$page.log" >/dev/null || true
  rm -rf "$profile"
  if grep -E 'CONSOLE|Uncaught' "$out/$page.log" | grep -v 'dbus' ; then
    echo "console errors in $page.html"; status=1
  fi
  [ -s "$out/$page.png" ] || { echo "no screenshot for $page"; status=1; }
  echo "$out/$page.png"
done
exit $status
