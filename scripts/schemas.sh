#!/usr/bin/env bash
# Regenerates docs/schema/*.schema.json from the types (tests/suite/generate.rs fails when they
# are stale).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
for name in audit batch-page compare calibrate links budget history; do
  ./target/debug/pagecost generate schema "$name" > "docs/schema/$name.schema.json"
done
echo "docs/schema/ regenerated"
