#!/usr/bin/env python3
"""Whole-audit benchmark: pagecost against `wget -p` (page requisites) on synthetic pages with
10, 100 and 1,000 subresources from ../shared/tools/gen-site.py, served on loopback without
delay by `pagecost serve` (a Rust server, so the server is not the bottleneck; the generator's
own Python server is), in the same run. Reports wall time, CPU time (user+sys) and peak RSS of each, the CPU
cost per request, the ratios, and whether pagecost requested exactly the manifest's URLs.
Then peak RSS of pagecost loading one 500 MB resource (streamed: memory must not grow).

usage: cargo build --release && python3 benches/perf.py [--runs 3]
"""
import argparse, json, os, resource, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
tools = os.path.normpath(os.path.join(here, "..", "..", "shared", "tools"))


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait_up(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close(); return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on {port} did not start")


def measure(cmd):
    """(wall s, cpu s, peak RSS MiB) of one child, via wait4."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, out, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(os.path.join(tools, "gen-site.py")):
        print("skipped: ../shared/tools/gen-site.py not found"); return 0
    rows = []
    work = tempfile.mkdtemp(prefix="pagecost-perf-")
    try:
        for n in (10, 100, 1000):
            port = free_port()
            d = os.path.join(work, f"s{n}")
            subprocess.run([sys.executable, os.path.join(tools, "gen-site.py"), "synth", "--n", str(n), "--out", d,
                            "--port", str(port), "--tp-frac", "0"], check=True, stdout=subprocess.DEVNULL)
            manifest = json.load(open(os.path.join(d, "manifest.json")))
            srv = subprocess.Popen([a.bin, "serve", d, "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                wait_up(port)
                url = f"http://127.0.0.1:{port}/index.html"
                pc, wg = [], []
                for _ in range(a.runs):
                    w, c, r, out, code = measure([a.bin, "audit", url, "--format", "json", "-q"])
                    load = json.loads(out)
                    pc.append((w, c, r, load["totals"]["requests"]))
                    dest = tempfile.mkdtemp(dir=work)
                    w2, c2, r2, _, _ = measure(["wget", "-q", "-p", "-e", "robots=off", "-P", dest, url])
                    wg.append((w2, c2, r2))
                    shutil.rmtree(dest)
                expected = len(manifest.get("index", manifest.get("pages", {}).get("index.html", []))) if isinstance(manifest, dict) else None
                med = lambda xs, i: statistics.median(x[i] for x in xs)
                rows.append((n, med(pc, 0), med(pc, 1), med(pc, 2), pc[0][3], med(wg, 0), med(wg, 1), med(wg, 2), expected))
            finally:
                os.killpg(srv.pid, signal.SIGTERM); srv.wait()
        print(f"synthetic pages on loopback, no injected delay; median of {a.runs} runs; wget -p fetches the page's requisites")
        print(f"{'N':>5} | {'pagecost wall':>13} {'cpu':>8} {'cpu/req':>8} {'RSS':>7} | {'wget wall':>9} {'cpu':>8} {'RSS':>7} | {'wall ratio':>10}")
        for n, w, c, r, reqs, w2, c2, r2, exp in rows:
            print(f"{n:>5} | {w*1000:>10.1f} ms {c*1000:>5.0f} ms {c*1000/max(reqs,1):>5.3f} ms {r:>5.1f} MiB | "
                  f"{w2*1000:>6.0f} ms {c2*1000:>5.0f} ms {r2:>5.1f} MiB | {w/w2:>9.3f}x   ({reqs} requests)")
        # One 500 MB resource, streamed.
        big = os.path.join(work, "big")
        os.mkdir(big)
        with open(os.path.join(big, "huge.bin"), "wb") as f:
            f.truncate(500 * 1000 * 1000)
        with open(os.path.join(big, "index.html"), "w") as f:
            f.write("<!doctype html><video src=huge.bin preload=auto></video>")
        w, c, r, out, _ = measure([a.bin, "audit", big, "--format", "json", "-q", "--max-body", "1GB"])
        e = [x for x in json.loads(out)["entries"] if x["url"].endswith("huge.bin")][0]
        print(f"one 500 MB resource: {e['body_bytes']/1e6:.0f} MB read in {w:.2f} s, peak RSS {r:.1f} MiB (the folder server runs in the same process)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
