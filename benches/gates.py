#!/usr/bin/env python3
"""Gates on real loads: how often `compare --runs auto` trips when nothing changed (A/A), how
often it catches the page served 15 % slower, and how many runs it used, against a fixed
--runs.

usage: benches/gates.py [--bin target/release/pagecost] [--engine static|chromium]
                        [--comparisons 100] [--max-runs 30] [--fixed 27] [--ttfb 20]

The demo (fixtures/demo) is served by ../shared/tools/serve.py twice on loopback: A with
--ttfb-ms T on every response, B with T (A/A) or 1.15 T (the page 15 % slower: every round
trip 15 % longer). Each comparison gates three metrics at +0 % (the worst case for false
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


def one(bin_, a, b, engine, runs, max_runs):
    args = [bin_, "compare", a, b, "--runs", runs, "--format", "json", "-q"]
    if runs == "auto":
        args += ["--max-runs", str(max_runs)]
    if engine != "static":
        args += ["--engine", engine]
    for g in GATES[engine]:
        args += ["--fail-if", g]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"compare failed ({r.returncode}): {r.stderr.strip()}")
    c = json.loads(r.stdout)
    return r.returncode == 1, min(len(c["a"]["runs"]), len(c["b"]["runs"]))


def case(bin_, a, b, engine, runs, n, max_runs):
    trips, used, t0 = 0, 0, time.time()
    for _ in range(n):
        t, u = one(bin_, a, b, engine, runs, max_runs)
        trips += t
        used += u
    lo, hi = wilson(trips, n)
    return trips / n, (lo, hi), used / n, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--engine", default="static")
    ap.add_argument("--comparisons", type=int, default=100)
    ap.add_argument("--max-runs", type=int, default=30)
    ap.add_argument("--fixed", type=int, default=0, help="also a fixed --runs N")
    ap.add_argument("--only-fixed", action="store_true", help="only the fixed --runs N")
    ap.add_argument("--ttfb", type=float, default=20.0, help="A's delay per response, ms")
    a = ap.parse_args()
    if not os.path.exists(serve_py):
        print(f"skipped: {serve_py} not found")
        return 0
    servers = []
    try:
        sa, url_a = serve(a.ttfb)
        sa2, url_a2 = serve(a.ttfb)
        sb, url_b = serve(a.ttfb * 1.15)
        servers = [sa, sa2, sb]
        print(f"engine {a.engine}; gates {' '.join(GATES[a.engine])}; A {a.ttfb} ms a response, "
              f"B {a.ttfb * 1.15:.1f} ms; {a.comparisons} comparisons each")
        print(f"{'case':<34} {'tripped':>8} {'95 % interval':>15} {'runs used':>10} {'time':>7}")
        cases = [] if a.only_fixed else [
            ("A/A, --runs auto", url_a, url_a2, "auto"),
            ("B 15 % slower, --runs auto", url_a, url_b, "auto")]
        if a.fixed:
            cases += [(f"A/A, --runs {a.fixed}", url_a, url_a2, str(a.fixed)),
                      (f"B 15 % slower, --runs {a.fixed}", url_a, url_b, str(a.fixed))]
        for name, x, y, runs in cases:
            rate, (lo, hi), used, secs = case(a.bin, x, y, a.engine, runs, a.comparisons,
                                              a.max_runs)
            print(f"{name:<34} {rate:>8.3f} {f'{lo:.3f}-{hi:.3f}':>15} {used:>10.1f} "
                  f"{secs:>6.0f}s", flush=True)
    finally:
        for p in servers:
            p.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
