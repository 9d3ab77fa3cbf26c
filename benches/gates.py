#!/usr/bin/env python3
"""Gates on real loads: how often `compare --runs auto` trips when nothing changed (A/A), how
often it catches the page served 15 % slower, and how many runs it used, against a fixed
--runs.

usage: benches/gates.py [--bin target/release/pagecost] [--engine static|chromium]
                        [--comparisons 100] [--max-runs 30] [--fixed 27] [--ttfb 20]
                        [--b-ttfb 23] [--quiet-period 300ms]

The demo (fixtures/demo) is served by ../shared/tools/serve.py twice on loopback: A with
--ttfb-ms T on every response, B with T (A/A) or --b-ttfb (default 1.15 T: every round trip
15 % longer). For the static engine that makes the gated times 15 % slower; in the browser
the page's own work does not grow with the delay, so B's delay must be larger for the page to
be 15 % slower (the demo: fully loaded ~ 90 ms + 4.75 x delay, FCP ~ 115 ms + 2.7 x delay, so
--ttfb 60 --b-ttfb 72). Each B case prints the median B/A ratio of every gated metric it
measured, so the slowdown is stated, not assumed. Each comparison gates three metrics at +0 % (the worst case for false
alarms): static engine ttfb, fully_loaded and bytes; browser engine fully_loaded, fcp and
lcp. A comparison "trips" when compare exits 1. Prints, per case: the share that tripped
(with its 95 % Wilson interval), the mean runs per variant used, and, with --fixed N, the
same for a fixed --runs N.
"""
import argparse, json, math, os, socket, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
serve_py = os.path.normpath(os.path.join(here, "..", "..", "shared", "tools", "serve.py"))
demo = os.path.normpath(os.path.join(here, "..", "fixtures", "demo"))
GATES = {
    "static": ["ttfb>+0%", "fully_loaded>+0%", "bytes>+0%"],
    "chromium": ["fully_loaded>+0%", "fcp>+0%", "lcp>+0%"],
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def serve(ttfb_ms):
    port = free_port()
    p = subprocess.Popen(
        [sys.executable, serve_py, demo, "--bind", f"127.0.0.1:{port}",
         "--ttfb-ms", str(ttfb_ms)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p, f"http://127.0.0.1:{port}/index.html"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("serve.py did not start")


def wilson(k, n):
    if n == 0:
        return (0.0, 0.0)
    z, p = 1.96, k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


METRICS = {
    "static": ["document_ttfb_ms", "fully_loaded_ms", "transfer_bytes"],
    "chromium": ["fully_loaded_ms", "first_contentful_paint_ms", "largest_contentful_paint_ms"],
}


def medians(side):
    return {m["name"]: m["summary"]["median"] for m in side["metrics"]
            if isinstance(m.get("summary"), dict)}


def one(bin_, a, b, engine, runs, max_runs, quiet):
    args = [bin_, "compare", a, b, "--runs", runs, "--format", "json", "-q"]
    if runs == "auto":
        args += ["--max-runs", str(max_runs)]
    if engine != "static":
        args += ["--engine", engine, "--quiet-period", quiet]
    for g in GATES[engine]:
        args += ["--fail-if", g]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"compare failed ({r.returncode}): {r.stderr.strip()}")
    c = json.loads(r.stdout)
    ma, mb = medians(c["a"]), medians(c["b"])
    ratios = {k: mb[k] / ma[k] for k in METRICS[engine] if ma.get(k) and k in mb}
    return r.returncode == 1, min(len(c["a"]["runs"]), len(c["b"]["runs"])), ratios


def case(bin_, a, b, engine, runs, n, max_runs, quiet):
    trips, used, t0, ratios = 0, 0, time.time(), {}
    for _ in range(n):
        t, u, r = one(bin_, a, b, engine, runs, max_runs, quiet)
        trips += t
        used += u
        for k, v in r.items():
            ratios.setdefault(k, []).append(v)
    lo, hi = wilson(trips, n)
    change = {k: sorted(v)[len(v) // 2] - 1 for k, v in ratios.items()}
    return trips / n, (lo, hi), used / n, time.time() - t0, change


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--engine", default="static")
    ap.add_argument("--comparisons", type=int, default=100)
    ap.add_argument("--max-runs", type=int, default=30)
    ap.add_argument("--fixed", type=int, default=0, help="also a fixed --runs N")
    ap.add_argument("--only-fixed", action="store_true", help="only the fixed --runs N")
    ap.add_argument("--ttfb", type=float, default=20.0, help="A's delay per response, ms")
    ap.add_argument("--b-ttfb", type=float, default=0.0,
                    help="B's delay per response, ms (default 1.15 x --ttfb)")
    ap.add_argument("--quiet-period", default="300ms", help="browser engine's quiet period")
    a = ap.parse_args()
    b_ttfb = a.b_ttfb or a.ttfb * 1.15
    if not os.path.exists(serve_py):
        print(f"skipped: {serve_py} not found")
        return 0
    servers = []
    try:
        sa, url_a = serve(a.ttfb)
        sa2, url_a2 = serve(a.ttfb)
        sb, url_b = serve(b_ttfb)
        servers = [sa, sa2, sb]
        print(f"engine {a.engine}; gates {' '.join(GATES[a.engine])}; A {a.ttfb} ms a response, "
              f"B {b_ttfb:.1f} ms; {a.comparisons} comparisons each")
        print(f"{'case':<34} {'tripped':>8} {'95 % interval':>15} {'runs used':>10} {'time':>7}")
        cases = [] if a.only_fixed else [
            ("A/A, --runs auto", url_a, url_a2, "auto"),
            ("B 15 % slower, --runs auto", url_a, url_b, "auto")]
        if a.fixed:
            cases += [(f"A/A, --runs {a.fixed}", url_a, url_a2, str(a.fixed)),
                      (f"B 15 % slower, --runs {a.fixed}", url_a, url_b, str(a.fixed))]
        for name, x, y, runs in cases:
            rate, (lo, hi), used, secs, change = case(
                a.bin, x, y, a.engine, runs, a.comparisons, a.max_runs, a.quiet_period)
            moved = " ".join(f"{k} {v * 100:+.1f}%" for k, v in change.items())
            print(f"{name:<34} {rate:>8.3f} {f'{lo:.3f}-{hi:.3f}':>15} {used:>10.1f} "
                  f"{secs:>6.0f}s  B/A medians: {moved}", flush=True)
    finally:
        for p in servers:
            p.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
