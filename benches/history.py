#!/usr/bin/env python3
"""The history database's costs (issue #16's targets):

1. What `--save` adds to an audit on SQLite: the demo page audited N times with and
   without `--save`, interleaved, medians and the median of the paired differences
   (target: at most 5 ms).
2. `history` over 10,000 stored runs: the runs imported from JSON lines (a demo load with
   its start spread over 100 days), then `history PAGE` rendered as table, JSON, CSV and
   HTML, median of 5 each (target: under 1 s each); the import's rate beside it.

usage: cargo build --release && python3 benches/history.py [--rounds 25] [--runs 10000]
       (--bin path: another binary)
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..")


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root, **kw)
    return (time.perf_counter() - t) * 1000


def save_overhead(bin, tmp, rounds):
    db = os.path.join(tmp, "save.sqlite")
    plain = ["audit", "fixtures/demo/", "-q", "--format", "json"]
    saved = plain + ["--save", "--db", db, "--label", "bench=save"]
    timed([bin] + saved)  # creates the database: the schema is not what a save costs
    a, b = [], []
    for i in range(rounds):
        pair = [(a, plain), (b, saved)] if i % 2 == 0 else [(b, saved), (a, plain)]
        for out, args in pair:
            out.append(timed([bin] + args))
    diffs = [y - x for x, y in zip(a, b)]
    return statistics.median(a), statistics.median(b), statistics.median(diffs)


def many_runs(bin, tmp, n):
    line = subprocess.run([bin, "audit", "fixtures/demo/", "--format", "jsonl", "-q"], cwd=root,
                          check=True, capture_output=True, text=True).stdout.strip()
    page = json.loads(line)
    start = page["load"]["started_unix_ms"]
    jsonl = os.path.join(tmp, "runs.jsonl")
    with open(jsonl, "w") as f:
        for i in range(n):
            page["load"]["started_unix_ms"] = start - (n - i) * 864_000  # 100 days in all
            page["load"]["fully_loaded_ms"] = 20 + (i * 7919 % 100) / 10
            f.write(json.dumps(page) + "\n")
    db = os.path.join(tmp, "many.sqlite")
    t = timed([bin, "history", "import", jsonl, "--db", db])
    renders = {}
    for fmt in ["table", "json", "csv", "html"]:
        renders[fmt] = statistics.median(
            timed([bin, "history", "fixtures/demo/", "--db", db, "--format", fmt]) for _ in range(5))
    size = os.path.getsize(db)
    return t, renders, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(root, "target", "release", "pagecost"))
    ap.add_argument("--rounds", type=int, default=25)
    ap.add_argument("--runs", type=int, default=10_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, saved, diff = save_overhead(a.bin, tmp, a.rounds)
        print(f"| measure | value | target |\n|---|---|---|")
        print(f"| audit of the demo, median of {a.rounds} | {plain:.1f} ms | |")
        print(f"| the same with --save (SQLite) | {saved:.1f} ms | |")
        verdict = "met" if diff <= 5 else "NOT met"
        print(f"| --save adds (median of paired differences) | {diff:+.1f} ms | <= 5 ms: {verdict} |")
        took, renders, size = many_runs(a.bin, tmp, a.runs)
        print(f"| history import of {a.runs:,} runs | {took / 1000:.1f} s ({a.runs / took * 1000:,.0f} runs/s), database {size / 1e6:.1f} MB | |")
        for fmt, ms in renders.items():
            verdict = "met" if ms < 1000 else "NOT met"
            print(f"| history of {a.runs:,} runs, --format {fmt} | {ms:.0f} ms | < 1 s: {verdict} |")


if __name__ == "__main__":
    sys.exit(main())
