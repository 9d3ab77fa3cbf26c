#!/usr/bin/env python3
"""Peak memory of reading a big HAR: a browser-like HAR of N entries (default 160,000,
about 300 MB: each entry with 12 request and 14 response headers, a page document with its
HTML), read by `pagecost links HAR`, `pagecost audit HAR --format json` and `--format
table`. Peak RSS of each process (wait4's ru_maxrss), its wall time, and the ratio to the
HAR's size. docs/benchmarks.md quotes this.

usage: cargo build --release && python3 benches/har_memory.py [--entries 160000]
       (PAGECOST_BIN=path: another binary)
"""
import statistics, argparse, json, os, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
binary = os.environ.get("PAGECOST_BIN", os.path.join(here, "..", "target", "release", "pagecost"))


def headers(n, prefix):
    return [{"name": f"{prefix}-{i}", "value": "v" * 40 + str(i)} for i in range(n)]


def entry(i, page_html):
    url = f"https://cdn{i % 50}.example/assets/{i:06d}/file-{i}.js?v={i * 7919 % 100000}"
    content = {"size": 1000 + i % 5000, "mimeType": "application/javascript"}
    if page_html is not None:
        url = "https://site.example/"
        content = {"size": len(page_html), "mimeType": "text/html", "text": page_html}
    return {
        "pageref": "page_1",
        "startedDateTime": "2026-01-10T10:00:00.000Z",
        "time": 20.5 + i % 100,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/2", "cookies": [],
                    "headers": headers(12, "x-req"), "queryString": [], "headersSize": 600,
                    "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "cookies": [],
                     "headers": headers(14, "x-res"), "content": content, "redirectURL": "",
                     "headersSize": 700, "bodySize": content["size"]},
        "cache": {},
        "timings": {"blocked": 0.5, "dns": -1, "connect": -1, "ssl": -1, "send": 0.2,
                    "wait": 15 + i % 50, "receive": 3},
        "_transferSize": content["size"] + 700,
        "_resourceType": "document" if page_html is not None else "script",
    }


def write_har(path, n):
    links = "".join(f'<a href="/p{i}">page {i}</a>\n' for i in range(2000))
    html = f"<!doctype html><title>big</title>{links}"
    with open(path, "w") as f:
        f.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},')
        f.write('"pages": [{"id": "page_1", "title": "big", "startedDateTime": '
                '"2026-01-10T10:00:00.000Z", "pageTimings": {"onLoad": 900}}], "entries": [')
        for i in range(n):
            if i:
                f.write(",")
            f.write(json.dumps(entry(i, html if i == 0 else None)))
        f.write("]}}")


def measure(args):
    start = time.monotonic()
    p = subprocess.Popen([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    err = p.stderr.read().decode(errors="replace").strip()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"pagecost {' '.join(args)}: exit {code}: {err}")
    return wall, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=160_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(binary):
        sys.exit("build first: cargo build --release")
    with tempfile.TemporaryDirectory() as tmp:
        har = os.path.join(tmp, "big.har")
        write_har(har, a.entries)
        size = os.path.getsize(har)
        print(f"HAR: {a.entries} entries, {size / 1e6:.0f} MB")
        commands = [
            ("links HAR", ["links", har]),
            ("audit HAR --format json", ["audit", har, "--format", "json", "-q"]),
            ("audit HAR (table)", ["audit", har, "-q"]),
        ]
        # Interleaved rounds: each runs every command once; medians.
        got = {label: [] for label, _ in commands}
        for _ in range(a.runs):
            for label, args in commands:
                got[label].append(measure(args))
        print(f"medians of {a.runs} interleaved rounds")
        print(f"{'command':<38} {'wall s':>7} {'peak RSS':>10} {'x HAR size':>10}")
        for label, runs in got.items():
            wall = statistics.median(w for w, _ in runs)
            rss = statistics.median(r for _, r in runs)
            print(f"{label:<38} {wall:7.1f} {rss / 1e9:8.2f} GB {rss / size:9.2f}x")


if __name__ == "__main__":
    main()
