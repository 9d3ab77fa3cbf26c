#!/usr/bin/env python3
"""Compare what pagecost requests with what headless Chromium requested on the real pages
of ../shared/corpus (see its README). Skips cleanly when the corpus is absent.

usage: scripts/corpus-check.py [--bin target/release/pagecost] [--no-serve] [--verbose]

Per page: browser requests, pagecost requests, matched, missed, extra, and transferred bytes
of both. URLs are compared without fragments; blob:/filesystem: URLs and requests the
browser made from scripts (xhr/fetch) are listed apart: a static tool cannot see them.
"""
import argparse, json, os, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.normpath(os.path.join(here, "..", "..", "shared", "corpus"))


def browser_urls(page_id):
    out = []
    with open(os.path.join(corpus, "browser", page_id + ".urls.txt")) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) == 3:
                out.append((parts[0], parts[1], parts[2]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--no-serve", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(corpus):
        print(f"corpus not found at {corpus}: skipped")
        return 0
    run = "/tmp/pagecost-corpus-check"
    if not a.no_serve:
        subprocess.run([os.path.join(corpus, "serve-corpus.sh"), "start", run], check=True, stdout=subprocess.DEVNULL)
    results = {}
    with open(os.path.join(os.path.join(corpus, "browser", "results.tsv"))) as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            results[c[0]] = int(c[4])
    rows = []
    try:
        with open(os.path.join(corpus, "pages.tsv")) as f:
            pages = [l.rstrip("\n").split("\t") for l in f if not l.startswith("#") and l.strip()]
        for page_id, url, *_ in pages:
            p = subprocess.run([a.bin, "audit", url, "--format", "json", "-q", "--timeout", "10s"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                rows.append((page_id, "ERROR " + p.stderr.strip()))
                continue
            load = json.loads(p.stdout)
            ours = {e["url"].split("#")[0]: e for e in load["entries"]}
            theirs = browser_urls(page_id)
            script_made = [u for t, s, u in theirs if t in ("xhr", "fetch") or u.startswith(("blob:", "filesystem:"))]
            static = {u for t, s, u in theirs if not (t in ("xhr", "fetch") or u.startswith(("blob:", "filesystem:")))}
            matched = static & set(ours)
            missed = sorted(static - set(ours))
            extra = sorted(set(ours) - static)
            rows.append((page_id, len(theirs), len(script_made), len(ours), len(matched), missed, extra,
                         results.get(page_id, 0), load["totals"]["transfer_bytes"]))
    finally:
        if not a.no_serve:
            subprocess.run([os.path.join(corpus, "serve-corpus.sh"), "stop", run], stdout=subprocess.DEVNULL)
    print(f"{'page':20} {'browser':>7} {'by-js':>5} {'ours':>5} {'match':>5} {'missed':>6} {'extra':>5} {'browser B':>10} {'ours B':>10} {'diff':>7}")
    tm = tb = to = 0
    for r in rows:
        if len(r) == 2:
            print(f"{r[0]:20} {r[1]}")
            continue
        pid, nb, njs, no, nm, missed, extra, bb, ob = r
        tm += nm; tb += nb - njs; to += no
        diff = (ob - bb) / bb * 100 if bb else 0
        print(f"{pid:20} {nb:7} {njs:5} {no:5} {nm:5} {len(missed):6} {len(extra):5} {bb:10} {ob:10} {diff:+6.1f}%")
        if a.verbose:
            for u in missed:
                print(f"    missed {u}")
            for u in extra:
                print(f"    extra  {u}")
    if tb and to:
        print(f"recall {tm / tb:.3f}  precision {tm / to:.3f}  (static requests only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
