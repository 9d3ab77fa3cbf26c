#!/usr/bin/env python3
"""Timing accuracy benchmark: pagecost's measured wait (TTFB) and receive against the delay
and bandwidth a loopback server injects, side by side with `curl -w` in the same run.

usage: benches/timing.py [--bin target/release/pagecost] [--ttfb 10,50,100,200] [--bw 500]
                        [--engine static|chromium]

The server is ../shared/tools/serve.py (it sleeps --ttfb-ms before the status line and sends
bodies at --bw-kbps kB/s). A page references N files of known sizes; pagecost audits the page
once per TTFB value, curl fetches each file once (sequentially, fresh process per URL, as a
user would time it). Error = measured - injected. Prints median and max |error| of wait and
of receive (expected receive = size / bandwidth) for both tools, and the per-request cost.

serve.py finishes a throttled response by sleeping until the bandwidth's schedule, so a
request that follows on the same keep-alive connection is read late: that is server time a
browser would measure too. The "vs server" columns subtract the TTFB the server logged for
each request (request parsed -> headers sent), isolating each client's own error.
Skips when ../shared/tools/serve.py or curl is absent.
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
serve_py = os.path.normpath(os.path.join(here, "..", "..", "shared", "tools", "serve.py"))
SIZES = [2_000, 8_000, 20_000, 50_000, 100_000, 4_000, 30_000, 75_000]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_up(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


def stats(errs):
    a = [abs(e) for e in errs]
    return statistics.median(a), max(a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--ttfb", default="10,50,100,200")
    ap.add_argument("--bw", type=float, default=500.0, help="kB/s (1 kB = 1000 B)")
    ap.add_argument("--engine", default="static", help="pagecost's engine: static or chromium")
    a = ap.parse_args()
    if not os.path.exists(serve_py):
        print(f"skipped: {serve_py} not found")
        return 0
    have_curl = shutil.which("curl") is not None
    site = tempfile.mkdtemp(prefix="pagecost-timing-")
    imgs = []
    for i, n in enumerate(SIZES):
        # .txt: a browser shows it when it is the page (an unknown type would be downloaded).
        name = f"f{i}.txt"
        with open(os.path.join(site, name), "wb") as f:
            # Printable text that does not compress away (a browser sniffs binary as a
            # download).
            f.write(os.urandom(n).hex().encode()[:n])
        imgs.append((name, n))
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("<!doctype html>" + "".join(f'<img src="{n}">' for n, _ in imgs))
    rows = []
    cpu_per_req = []
    for ttfb in [float(x) for x in a.ttfb.split(",")]:
        port = free_port()
        log = os.path.join(site, f"log-{int(ttfb)}.jsonl")
        srv = subprocess.Popen([sys.executable, serve_py, site, "--bind", f"127.0.0.1:{port}",
                                "--ttfb-ms", str(ttfb), "--bw-kbps", str(a.bw), "--log", log],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(port)
            base = f"http://127.0.0.1:{port}/"
            t0 = os.times()
            engine = ["--engine", a.engine]
            p = subprocess.run([a.bin, "audit", base, "--format", "json", "-q"] + engine, capture_output=True, text=True, check=True)
            t1 = os.times()
            load = json.loads(p.stdout)
            cpu_per_req.append(((t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)) * 1000 / len(load["entries"]))
            time.sleep(0.2)
            logged = [json.loads(l) for l in open(log)]
            server_ttfb = {}
            for rec in logged:
                server_ttfb.setdefault(rec["path"], []).append(rec["ttfb_ms"])
            pw, pr, ps = [], [], []
            # The browser's own /favicon.ico probe is not one of the page's files.
            for e in (e for e in load["entries"] if not e["url"].endswith("/favicon.ico")):
                path = "/" + e["url"].split("/", 3)[-1]
                if server_ttfb.get(path):
                    ps.append(e["timings_ms"]["wait_ms"] - server_ttfb[path].pop(0))
                name = e["url"].rsplit("/", 1)[-1]
                size = dict(imgs).get(name)
                pw.append(e["timings_ms"]["wait_ms"] - ttfb)
                if size:
                    pr.append(e["timings_ms"]["receive_ms"] - size / a.bw)
            # Like curl: one request per process, each file audited on its own.
            n_logged = len(logged)
            sw = []
            for name, size in imgs:
                one = json.loads(subprocess.run([a.bin, "audit", base + name, "--format", "json", "-q"] + engine,
                                                capture_output=True, text=True, check=True).stdout)
                sw.append(one["entries"][0]["timings_ms"]["wait_ms"] - ttfb)
            time.sleep(0.2)
            logged = [json.loads(l) for l in open(log)]
            mine = [r for r in logged[n_logged:] if r["path"] != "/favicon.ico"]
            ss = [w + ttfb - rec["ttfb_ms"] for rec, w in zip(mine, sw)]
            cw, cr, cs = [], [], []
            n_logged = len(logged)
            if have_curl:
                for name, size in imgs:
                    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w",
                                          "%{time_pretransfer} %{time_starttransfer} %{time_total}", base + name],
                                         capture_output=True, text=True, check=True).stdout.split()
                    pre, start, total = (float(x) * 1000 for x in out)
                    cw.append(start - pre - ttfb)
                    cr.append(total - start - size / a.bw)
                time.sleep(0.2)
                logged = [json.loads(l) for l in open(log)][n_logged:]
                for rec, w in zip(logged, cw):
                    cs.append(w + ttfb - rec["ttfb_ms"])
            rows.append((ttfb, pw, pr, cw, cr, ps, cs, sw, ss))
        finally:
            srv.terminate()
            srv.wait()
    shutil.rmtree(site)
    print(f"engine: {a.engine}")
    print(f"injected bandwidth {a.bw:g} kB/s; {len(SIZES)} files of {min(SIZES)}-{max(SIZES)} B per page; error = measured - injected (ms)")
    f = lambda xs: "%6.2f / %6.2f" % stats(xs) if xs else "      n/a      "
    print("one request per process (as curl -w measures): |wait error| med / max, ms")
    print(f"{'ttfb':>5} | {'pagecost':>15} | {'curl':>15} | {'pagecost vs srv':>15} | {'curl vs srv':>15} | {'recv curl':>15}")
    agg = {k: [] for k in ("sw", "cw", "ss", "cs", "pw", "ps", "pr", "cr")}
    for ttfb, pw, pr, cw, cr, ps, cs, sw, ss in rows:
        for k, v in (("sw", sw), ("cw", cw), ("ss", ss), ("cs", cs), ("pw", pw), ("ps", ps), ("pr", pr), ("cr", cr)):
            agg[k] += v
        print(f"{ttfb:5.0f} | {f(sw):>15} | {f(cw):>15} | {f(ss):>15} | {f(cs):>15} | {f(cr):>15}")
    print("whole page, 8 files at once over up to 6 keep-alive connections (what an audit does):")
    print(f"{'ttfb':>5} | {'wait':>15} | {'wait vs srv':>15} | {'receive':>15}")
    for ttfb, pw, pr, cw, cr, ps, cs, sw, ss in rows:
        print(f"{ttfb:5.0f} | {f(pw):>15} | {f(ps):>15} | {f(pr):>15}")
    pm = stats(agg["sw"])[0]
    line = f"median |wait error| (one request per process): pagecost {pm:.2f} ms"
    if agg["cw"]:
        cm = stats(agg["cw"])[0]
        if a.engine == "static":
            met = pm <= 5 and pm <= cm + 2
            line += f", curl {cm:.2f} ms; target <= 5 ms and <= curl + 2 ms: {'met' if met else 'NOT met'}"
        else:
            # The browser's own resource timing: the target is the issue's, <= 5 ms.
            line += f", curl {cm:.2f} ms; target <= 5 ms: {'met' if pm <= 5 else 'NOT met'}"
    print(line)
    # The whole page as an audit loads it, against what the server logged it waited.
    whole = stats(agg["ps"])[0]
    print(f"median |wait error| of whole pages against the server's log: pagecost {whole:.2f} ms; "
          f"target <= 5 ms: {'met' if whole <= 5 else 'NOT met'}")
    print(f"median |receive error|: pagecost {stats(agg['pr'])[0]:.2f} ms" + (f", curl {stats(agg['cr'])[0]:.2f} ms" if agg["cr"] else ""))
    print(f"pagecost CPU per request (user+sys of the whole process / requests): {statistics.median(cpu_per_req):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
