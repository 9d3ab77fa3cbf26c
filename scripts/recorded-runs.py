#!/usr/bin/env python3
"""Turns the runs of a `pagecost audit --runs N --format json` into fixtures/runs/recorded.json:
one row per run of the chosen metrics, for the simulation test of `--runs auto`
(src/verdict/gate.rs). Standard library only.

    pagecost audit fixtures/demo --engine chromium --runs 120 --format json -o runs.json
    python3 scripts/recorded-runs.py runs.json "what was recorded" > fixtures/runs/recorded.json
"""
import json
import sys

METRICS = ["fully_loaded_ms", "first_contentful_paint_ms", "largest_contentful_paint_ms"]


def main():
    path, about = sys.argv[1], sys.argv[2]
    runs = json.load(open(path))["runs"]
    series = {m["name"]: m["values"] for m in runs["metrics"]}
    missing = [m for m in METRICS if m not in series]
    if missing:
        sys.exit(f"{path}: no {', '.join(missing)} (record with the browser engine)")
    n = min(len(series[m]) for m in METRICS)
    rows = [[series[m][i] for m in METRICS] for i in range(n)]
    out = {"about": about, "metrics": METRICS, "runs": rows}
    json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
