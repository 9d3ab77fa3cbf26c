#!/usr/bin/env python3
"""Whole-audit benchmark: pagecost against `wget -p` (page requisites) on synthetic pages with
10, 100 and 1,000 subresources from ../shared/tools/gen-site.py, served on loopback without
delay by `pagecost serve` (a Rust server, so the server is not the bottleneck; the generator's
own Python server is), in the same run. Reports wall time, CPU time (user+sys) and peak RSS of each, the CPU
cost per request, the ratios, and whether pagecost requested exactly the manifest's URLs.
Then peak RSS of pagecost loading one 500 MB resource (streamed: memory must not grow).

usage: cargo build --release && python3 benches/perf.py [--runs 5]
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


TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def measure(cmd):
    """(wall s, cpu s, peak RSS MiB or None, stdout, exit code) of one command.

    CPU (user+sys) comes from wait4. Peak RSS does not: a child forked from this Python process
    starts with Python's resident set in its high-water mark, which survives exec, so wait4's
    ru_maxrss would report Python's size for small tools. GNU time forks the command from its
    own small process and reports the command's own peak (%M), so it is used when installed.
    """
    rss_file = tempfile.NamedTemporaryFile(prefix="pagecost-rss-", delete=False)
    rss_file.close()
    full = [TIME, "-f", "%M", "-o", rss_file.name] + cmd if TIME else cmd
    t = time.perf_counter()
    p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    rss = None
    if TIME:
        try:
            rss = int(open(rss_file.name).read().split()[-1]) / 1024
        except (ValueError, IndexError):
            pass
    os.unlink(rss_file.name)
    return wall, ru.ru_utime + ru.ru_stime, rss, out, os.waitstatus_to_exitcode(status)


def fmt_rss(r):
    return f"{r:>5.1f} MiB" if r is not None else f"{'?':>9}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lighthouse-runs", type=int, default=1)
    a = ap.parse_args()
    if not os.path.exists(os.path.join(tools, "gen-site.py")):
        print("skipped: ../shared/tools/gen-site.py not found"); return 0
    have = {t: shutil.which(t) for t in ("wget", "curl", "lighthouse")}
    have["lighthouse"] = os.environ.get("LIGHTHOUSE") or have["lighthouse"]
    chrome = os.environ.get("CHROME_PATH") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if not chrome:
        have["lighthouse"] = None
    rows = []
    work = tempfile.mkdtemp(prefix="pagecost-perf-")
    try:
        for n in (10, 100, 1000):
            port = free_port()
            d = os.path.join(work, f"s{n}")
            subprocess.run([sys.executable, os.path.join(tools, "gen-site.py"), "synth", "--n", str(n), "--out", d,
                            "--port", str(port), "--tp-frac", "0"], check=True, stdout=subprocess.DEVNULL)
            manifest = json.load(open(os.path.join(d, "manifest.json")))
            page = manifest["pages"]["/index.html"]
            origin = manifest["first_party_origin"]
            expected = {origin + "/index.html"} | {r["origin"] + r["url"] for r in page["resources"]}
            # curl is told the URL list in advance (no parsing, no discovery): a floor for
            # fetching the same bytes over 6 connections, not a tool that audits a page.
            curl_cfg = os.path.join(work, f"curl{n}.cfg")
            with open(curl_cfg, "w") as f:
                for u in sorted(expected):
                    f.write(f'url = "{u}"\noutput = "/dev/null"\n')
            srv = subprocess.Popen([a.bin, "serve", d, "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                wait_up(port)
                url = f"{origin}/index.html"
                res = {"pagecost": [], "wget": [], "wget_disk": [], "curl": [], "lighthouse": []}
                agree = None
                for rnd in range(a.runs):  # interleaved: each round runs every tool once
                    w, c, r, out, code = measure([a.bin, "audit", url, "--format", "json", "-q"])
                    load = json.loads(out)
                    got = {e["url"] for e in load["entries"]}
                    agree = got == expected
                    res["pagecost"].append((w, c, r, load["totals"]["requests"], load["totals"]["transfer_bytes"]))
                    if have["wget"]:
                        # wget -p must write what it fetches (it parses the files it saved):
                        # on tmpfs when there is one, so disk speed does not count against it.
                        dest = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else work)
                        res["wget"].append(measure(["wget", "-q", "-p", "-e", "robots=off", "-P", dest, url])[:3])
                        shutil.rmtree(dest)
                        # ... and as a user runs it, saving into a folder on the work disk.
                        dest = tempfile.mkdtemp(dir=work)
                        res["wget_disk"].append(measure(["wget", "-q", "-p", "-e", "robots=off", "-P", dest, url])[:3])
                        shutil.rmtree(dest)
                    if have["lighthouse"] and rnd < a.lighthouse_runs:
                        # Lighthouse as a user runs it (performance category, default settings,
                        # headless Chromium); seconds per page, so fewer rounds.
                        env = dict(os.environ, CHROME_PATH=chrome)
                        t0 = time.perf_counter()
                        subprocess.run([have["lighthouse"], url, "--quiet", "--output=json", "--output-path=/dev/null",
                                        "--only-categories=performance",
                                        "--chrome-flags=--headless=new --no-sandbox"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                        res["lighthouse"].append(time.perf_counter() - t0)
                    if have["curl"]:
                        res["curl"].append(measure(["curl", "-s", "--parallel", "--parallel-max", "6", "-K", curl_cfg])[:3])
                rows.append((n, res, agree))
            finally:
                os.killpg(srv.pid, signal.SIGTERM); srv.wait()
        med = lambda xs, i: statistics.median(x[i] for x in xs if x[i] is not None) if any(x[i] is not None for x in xs) else None
        print(f"synthetic pages (gen-site.py synth) served by `pagecost serve` on loopback, no injected delay;")
        print(f"median of {a.runs} interleaved rounds; wall = elapsed, cpu = user+sys of the process tree")
        print(f"{'N':>5} | {'pagecost wall':>13} {'cpu':>7} {'cpu/req':>9} {'cpu/MB':>8} {'RSS':>9} | {'wget -p wall':>12} {'cpu':>7} {'RSS':>9} | {'wget disk':>9} | {'curl -Z':>7} | {'vs wget':>7} {'vs disk':>7} {'vs curl':>7}")
        for n, res, agree in rows:
            pc = res["pagecost"]
            w, c, r, reqs, nbytes = med(pc, 0), med(pc, 1), med(pc, 2), pc[0][3], pc[0][4]
            per_mb = c * 1000 / max(nbytes / 1e6, 1e-9)
            line = f"{n:>5} | {w*1000:>10.1f} ms {c*1000:>4.0f} ms {c*1000/max(reqs,1):>6.3f} ms {per_mb:>5.2f} ms {fmt_rss(r)} | "
            if res["wget"]:
                w2, c2, r2 = med(res["wget"], 0), med(res["wget"], 1), med(res["wget"], 2)
                line += f"{w2*1000:>9.0f} ms {c2*1000:>4.0f} ms {fmt_rss(r2)} | "
            else:
                line += f"{'not installed':>31} | "
            w4 = med(res["wget_disk"], 0) if res["wget_disk"] else None
            line += f"{w4*1000:>6.0f} ms | " if w4 else f"{'-':>9} | "
            w3 = med(res["curl"], 0) if res["curl"] else None
            line += f"{w3*1000:>4.0f} ms | " if w3 else f"{'-':>7} | "
            line += f"{w/w2:>6.2f}x " if res["wget"] else f"{'-':>7} "
            line += f"{w/w4:>6.2f}x " if w4 else f"{'-':>7} "
            line += f"{w/w3:>6.2f}x" if w3 else f"{'-':>7}"
            line += f"   ({reqs} requests{', exactly the manifest' if agree else ', NOT the manifest'})"
            print(line)
        if not have["lighthouse"]:
            print("lighthouse: not installed, or no Chromium for it (LIGHTHOUSE=path, CHROME_PATH=path): skipped")
        else:
            print(f"lighthouse (performance category, default settings, headless Chromium), median of {a.lighthouse_runs}:")
            for n, res, _ in rows:
                lw, pw = statistics.median(res["lighthouse"]), med(res["pagecost"], 0)
                print(f"{n:>5} | lighthouse {lw:>6.2f} s | pagecost {pw*1000:>6.1f} ms | {pw/lw:.4f}x ({lw/pw:.0f} times faster)")
        print("curl -Z: curl --parallel --parallel-max 6 over the page's URL list given in advance (fetch only)")
        fstype = subprocess.run(["stat", "-f", "-c", "%T", work], capture_output=True, text=True).stdout.strip() or "?"
        print(f"wget -p saves what it fetches: 'wget -p' columns write to /dev/shm (tmpfs), 'wget disk' to {os.path.dirname(work)} ({fstype})")
        print("cpu/req and cpu/MB: pagecost's CPU divided by its requests and by the megabytes it transferred")
        # Batch audits: 50, 100 and 200 distinct pages (the 10-resource page under different
        # query strings) at a fixed --jobs 4; linear growth keeps the time per page constant.
        port = free_port()
        d = os.path.join(work, "s10")
        srv = subprocess.Popen([a.bin, "serve", d, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_up(port)
            print(f"batch audits at --jobs 4 (pages of 11 requests; median of {a.runs})")
            print(f"{'pages':>6} | {'wall':>9} {'per page':>9} {'cpu':>8} {'RSS':>9} | jsonl lines")
            for pages in (50, 100, 200):
                lst = os.path.join(work, f"batch{pages}.txt")
                with open(lst, "w") as f:
                    for i in range(pages):
                        f.write(f"http://127.0.0.1:{port}/index.html?page={i}\n")
                runs = [measure([a.bin, "audit", "--input-file", lst, "--jobs", "4", "--format", "jsonl", "-q"])
                        for _ in range(a.runs)]
                w, c = statistics.median(x[0] for x in runs), statistics.median(x[1] for x in runs)
                rss = max((x[2] for x in runs if x[2] is not None), default=None)
                lines = len(runs[0][3].splitlines())
                print(f"{pages:>6} | {w*1000:>6.0f} ms {w*1000/pages:>6.2f} ms {c*1000:>5.0f} ms {fmt_rss(rss)} | {lines}")
        finally:
            os.killpg(srv.pid, signal.SIGTERM); srv.wait()
        # One 500 MB resource, streamed.
        big = os.path.join(work, "big")
        os.mkdir(big)
        with open(os.path.join(big, "huge.bin"), "wb") as f:
            f.truncate(500 * 1000 * 1000)
        with open(os.path.join(big, "index.html"), "w") as f:
            f.write("<!doctype html><video src=huge.bin preload=auto></video>")
        w, c, r, out, _ = measure([a.bin, "audit", big, "--format", "json", "-q", "--max-body", "1GB"])
        e = [x for x in json.loads(out)["entries"] if x["url"].endswith("huge.bin")][0]
        print(f"one 500 MB resource: {e['body_bytes']/1e6:.0f} MB read in {w:.2f} s, peak RSS {fmt_rss(r).strip()} (the folder server runs in the same process)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
