#!/usr/bin/env python3
"""Link-check benchmark: 1,000 links on a loopback server, checked by `pagecost links --check`,
side by side with `curl --parallel` (and lychee where installed: once with its per-host wait
set to 0 and pagecost's per-host concurrency, for fairness, and once with its defaults), in
interleaved rounds whose order turns each round. Reports the median wall time and links per
second of each, and the ratios.

usage: benches/links.py [--bin target/release/pagecost] [--n 1000] [--runs 5]
"""
import argparse, os, shutil, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
serve_py = os.path.normpath(os.path.join(here, "..", "..", "shared", "tools", "serve.py"))


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def timed(cmd, **kw):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    return time.perf_counter() - t, p.returncode, p.stderr.decode(errors="replace")[-300:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if not os.path.exists(serve_py):
        print(f"skipped: {serve_py} not found"); return 0
    site = tempfile.mkdtemp(prefix="pagecost-links-")
    os.mkdir(os.path.join(site, "p"))
    for i in range(a.n):
        with open(os.path.join(site, "p", f"{i}.html"), "w") as f:
            f.write(f"<p>page {i}</p>")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("<!doctype html><ul>" + "".join(f'<li><a href="/p/{i}.html">page {i}</a>' for i in range(a.n)) + "</ul>")
    urls = os.path.join(site, "urls.cfg")
    with open(urls, "w") as f:
        for i in range(a.n):
            f.write(f'url = "{base}/p/{i}.html"\noutput = "/dev/null"\n')
    srv = subprocess.Popen([sys.executable, serve_py, site, "--bind", f"127.0.0.1:{port}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close(); break
            except OSError:
                time.sleep(0.05)
        tools = {"pagecost": [a.bin, "links", base + "/", "--check", "-q", "--per-origin", "16", "--concurrency", "64"]}
        if shutil.which("curl"):
            tools["curl --parallel"] = ["curl", "-s", "--parallel", "--parallel-max", "64", "-K", urls]
        if shutil.which("lychee"):
            tools["lychee"] = ["lychee", "--no-progress", "--max-concurrency", "64", "--host-request-interval", "0s", "--host-concurrency", "16",
                               "--cache-exclude-status", "100..", base + "/"]
            # ... and as a user runs it, with its defaults (a pause between requests per host).
            tools["lychee (defaults)"] = ["lychee", "--no-progress", base + "/"]
        # Interleaved rounds: each round runs every tool once, in an order that turns by
        # one each round, so no tool always runs first (or after the same neighbour).
        times = {name: [] for name in tools}
        names = list(tools)
        for r in range(a.runs):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                t, code, err = timed(tools[name])
                if code not in (0,):
                    print(f"{name} exited {code}: {err}")
                times[name].append(t)
        res = {name: statistics.median(ts) for name, ts in times.items()}
        print(f"{a.n} links on a loopback server (Python ThreadingHTTPServer), median of "
              f"{a.runs} interleaved rounds")
        print(f"{'tool':18} {'wall s':>8} {'links/s':>9} {'vs pagecost':>12}")
        for name, t in res.items():
            print(f"{name:18} {t:8.3f} {a.n / t:9.0f} {t / res['pagecost']:11.2f}x")
        if "lychee" not in res:
            print("lychee: not installed (cargo install lychee --locked takes ~20 min here); skipped")
    finally:
        srv.terminate(); srv.wait(); shutil.rmtree(site)
    return 0


if __name__ == "__main__":
    sys.exit(main())
