#!/usr/bin/env python3
"""pagecost against the floor (issue #17): fetching a page's subresources when the URL list
is handed over in advance. Synthetic pages of N = 10, 100, 1,000 and 10,000 resources
(../shared/tools/gen-site.py synth, sizes 1k/5k/20k) served by nginx (Debian's nginx-light,
started here on loopback with its own configuration, stopped after), over HTTP/1.1 and over
HTTPS with HTTP/2 (a self-signed certificate made here; --insecure), and over HTTP/1.1 by
`pagecost serve` too. Per round, interleaved, each tool once:

  pagecost audit URL                 discovers the URLs (HTML, CSS) and fetches them
  curl --parallel --parallel-max 6   the URL list given in advance, 6 connections (HTTP/1.1)
  curl --http2 --parallel            the URL list given in advance, multiplexed (HTTP/2)
  wget -p                            page requisites (HTTP/1.1, one connection, saves to tmpfs)

Medians of the rounds: wall, CPU (user+sys, wait4), peak RSS (GNU time), CPU per request
and per MB; the ratios; the targets judged. Then batches: 100 and 1,000 pages of 20 requests
at --jobs 8, wall per page and peak RSS.

usage: cargo build --release && python3 benches/floor.py [--rounds 5] [--sizes 10,100,1000,10000]
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from perf import free_port, wait_up, measure, fmt_rss, tools  # noqa: E402

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def synth(work, n, tag):
    d = os.path.join(work, f"{tag}{n}")
    subprocess.run([sys.executable, os.path.join(tools, "gen-site.py"), "synth", "--n", str(n), "--out", d,
                    "--sizes", "1k,5k,20k", "--tp-frac", "0", "--port", "1"], check=True, stdout=subprocess.DEVNULL)
    m = json.load(open(os.path.join(d, "manifest.json")))
    paths = ["/index.html"] + [r["url"] for r in m["pages"]["/index.html"]["resources"]]
    return d, paths


def certificate(work):
    key, crt = os.path.join(work, "key.pem"), os.path.join(work, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, crt


def start_nginx(work, sites, key, crt):
    """One nginx: per site an HTTP/1.1 port and an HTTPS + HTTP/2 port. Returns (process, ports)."""
    prefix = os.path.join(work, "nginx")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    ports, servers = {}, []
    for name, root in sites.items():
        p1, p2 = free_port(), free_port()
        ports[name] = (p1, p2)
        servers.append(f"server {{ listen 127.0.0.1:{p1}; root {root}; }}")
        servers.append(f"server {{ listen 127.0.0.1:{p2} ssl http2; root {root}; "
                       f"ssl_certificate {crt}; ssl_certificate_key {key}; }}")
    temp = " ".join(f"{k}_temp_path {prefix}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;
events {{ worker_connections 8192; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 60s;
  http2_max_concurrent_streams 128; include /etc/nginx/mime.types; default_type application/octet-stream; {temp}
  {' '.join(servers)} }}
""")
    proc = subprocess.Popen([NGINX, "-p", prefix, "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    for p1, p2 in ports.values():
        wait_up(p1)
        wait_up(p2)
    return proc, ports


def curl_config(work, name, origin, paths):
    cfg = os.path.join(work, f"curl-{name}.cfg")
    with open(cfg, "w") as f:
        for p in paths:
            f.write(f'url = "{origin}{p}"\noutput = "/dev/null"\n')
    return cfg


def median_of(runs, i):
    vals = [r[i] for r in runs if r[i] is not None]
    return statistics.median(vals) if vals else None


def round_of(bin, n, paths, urls, cfgs, have, res):
    """One round: every tool once on every server of this N."""
    for proto, url in urls.items():
        args = [bin, "audit", url, "--format", "json", "-q"] + (["--insecure"] if url.startswith("https") else [])
        w, c, r, out, code = measure(args)
        load = json.loads(out)
        res.setdefault(("pagecost", proto), []).append((w, c, r, load["totals"]["requests"], load["totals"]["transfer_bytes"]))
    if have["curl"]:
        res.setdefault(("curl", "h1"), []).append(measure(["curl", "-s", "--parallel", "--parallel-max", "6", "-K", cfgs["h1"]])[:3])
        res.setdefault(("curl", "h2"), []).append(measure(["curl", "-s", "-k", "--http2", "--parallel", "--parallel-max", "100", "-K", cfgs["h2"]])[:3])
    if have["wget"]:
        dest = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        res.setdefault(("wget", "h1"), []).append(measure(["wget", "-q", "-p", "-e", "robots=off", "-P", dest, urls["h1"]])[:3])
        shutil.rmtree(dest)


def report(rows):
    """The table; each N says how many interleaved rounds its medians are of (N = 10,000 runs
    fewer: a round of it takes tens of seconds)."""
    counts = ", ".join(f"N={n}: {r}" for n, _, r in rows)
    print(f"nginx {nginx_version()} on loopback; medians of interleaved rounds ({counts}); cpu = user+sys")
    print(f"{'N':>6} {'server':>14} | {'pagecost wall':>13} {'cpu':>8} {'cpu/req':>9} {'cpu/MB':>8} {'RSS':>9} | {'floor':>14} {'wall':>9} {'cpu':>8} | {'vs floor':>8} | {'wget -p':>9} {'vs wget':>7}")
    figures = {}
    for n, res, _ in rows:
        for proto, server, floor in (("h1", "nginx h1", "curl -Z 6"), ("h2", "nginx h2+TLS", "curl --http2"), ("serve", "pagecost serve", "")):
            pc = res.get(("pagecost", proto))
            if not pc:
                continue
            w, c, r = median_of(pc, 0), median_of(pc, 1), median_of(pc, 2)
            reqs, nbytes = pc[0][3], pc[0][4]
            figures[(n, proto)] = (w, c, r, reqs)
            line = f"{n:>6} {server:>14} | {w*1000:>10.1f} ms {c*1000:>5.0f} ms {c*1000/reqs:>6.3f} ms {c*1000/(nbytes/1e6):>5.2f} ms {fmt_rss(r)} | "
            fl = res.get(("curl", proto)) if floor else None
            if fl:
                fw, fc = median_of(fl, 0), median_of(fl, 1)
                figures[(n, proto, "floor")] = fw
                line += f"{floor:>14} {fw*1000:>6.1f} ms {fc*1000:>5.0f} ms | {w/fw:>7.2f}x | "
            else:
                line += f"{'':>14} {'':>9} {'':>8} | {'':>8} | "
            wg = res.get(("wget", "h1")) if proto == "h1" else None
            if wg:
                ww = median_of(wg, 0)
                line += f"{ww*1000:>6.0f} ms {w/ww:>6.2f}x"
            print(line + f"   ({reqs} requests)")
    return figures


def targets(figures):
    def get(*k):
        return figures.get(k)
    print("targets:")
    h1, fl1 = get(1000, "h1"), get(1000, "h1", "floor")
    if h1 and fl1:
        w, c, r, reqs = h1
        print(f"  N=1,000 HTTP/1.1: wall {w/fl1:.2f}x curl's (<= 1.0: {'met' if w <= fl1 else 'NOT met'}); "
              f"CPU {c*1000/reqs:.3f} ms/request (<= 0.08: {'met' if c*1000/reqs <= 0.08 else 'NOT met'}); "
              f"peak RSS {fmt_rss(r).strip()} (< 64 MiB: {'met' if r is not None and r < 64 else 'NOT met'})")
    h2, fl2 = get(1000, "h2"), get(1000, "h2", "floor")
    if h2 and fl2:
        print(f"  N=1,000 HTTPS + HTTP/2: wall {h2[0]/fl2:.2f}x curl --http2's (<= 1.0: {'met' if h2[0] <= fl2 else 'NOT met'})")
    big = get(10000, "h1")
    if big and h1:
        ratio = big[0] / h1[0]
        print(f"  N=10,000: wall {ratio:.1f}x the N=1,000 figure (<= 10.5: {'met' if ratio <= 10.5 else 'NOT met'}); "
              f"peak RSS {fmt_rss(big[2]).strip()} (< 64 MiB: {'met' if big[2] is not None and big[2] < 64 else 'NOT met'})")


def nginx_version():
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().split("/")[-1]


def batches(bin, work, port, rounds):
    print(f"batch audits of pages of 20 requests at --jobs 8 (nginx, HTTP/1.1), median of {rounds}:")
    print(f"{'pages':>6} | {'wall':>9} {'per page':>9} {'cpu':>8} {'peak RSS':>9}")
    per_page = {}
    for pages in (100, 1000):
        lst = os.path.join(work, f"batch{pages}.txt")
        with open(lst, "w") as f:
            for i in range(pages):
                f.write(f"http://127.0.0.1:{port}/index.html?page={i}\n")
        runs = [measure([bin, "audit", "--input-file", lst, "--jobs", "8", "--format", "jsonl", "-q"]) for _ in range(rounds)]
        w, c = median_of(runs, 0), median_of(runs, 1)
        rss = max((x[2] for x in runs if x[2] is not None), default=None)
        per_page[pages] = (w / pages, rss)
        print(f"{pages:>6} | {w*1000:>6.0f} ms {w*1000/pages:>6.2f} ms {c*1000:>5.0f} ms {fmt_rss(rss)}")
    (a, _), (b, rss) = per_page[100], per_page[1000]
    # Linear in pages: the cost per page does not grow with the batch. It may fall (the
    # process start-up and the last pages' tail are spread over more pages), so only a rise
    # past 10 % fails.
    print(f"  1,000 pages: {b/a:.2f}x the 100-page batch's wall per page (at most 10 % above: {'met' if b/a <= 1.10 else 'NOT met'}); "
          f"peak RSS {fmt_rss(rss).strip()} (< 64 MiB: {'met' if rss is not None and rss < 64 else 'NOT met'})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="10,100,1000,10000")
    a = ap.parse_args()
    if not NGINX:
        print("nginx is not installed (apt-get install nginx-light): skipped"); return 0
    if not os.path.exists(os.path.join(tools, "gen-site.py")):
        print("../shared/tools/gen-site.py not found: skipped"); return 0
    have = {t: shutil.which(t) for t in ("curl", "wget")}
    sizes = [int(x) for x in a.sizes.split(",")]
    work = tempfile.mkdtemp(prefix="pagecost-floor-")
    os.chmod(work, 0o755)  # nginx's workers run as an unprivileged user
    nginx = serve = None
    try:
        sites = {}
        lists = {}
        for n in sizes:
            d, paths = synth(work, n, "s")
            sites[f"s{n}"], lists[n] = d, paths
        batch_dir, _ = synth(work, 19, "batch")
        sites["batch"] = batch_dir
        key, crt = certificate(work)
        nginx, ports = start_nginx(work, sites, key, crt)
        rows = []
        for n in sizes:
            p1, p2 = ports[f"s{n}"]
            ps = free_port()
            serve = subprocess.Popen([a.bin, "serve", sites[f"s{n}"], "--port", str(ps)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
            wait_up(ps)
            urls = {"h1": f"http://127.0.0.1:{p1}/index.html", "h2": f"https://127.0.0.1:{p2}/index.html",
                    "serve": f"http://127.0.0.1:{ps}/index.html"}
            cfgs = {"h1": curl_config(work, f"h1-{n}", f"http://127.0.0.1:{p1}", lists[n]),
                    "h2": curl_config(work, f"h2-{n}", f"https://127.0.0.1:{p2}", lists[n])}
            res = {}
            rounds = a.rounds if n < 10000 else max(3, a.rounds // 2)
            for _ in range(rounds):
                round_of(a.bin, n, lists[n], urls, cfgs, have, res)
            os.killpg(serve.pid, signal.SIGTERM); serve.wait(); serve = None
            rows.append((n, res, rounds))
        figures = report(rows)
        targets(figures)
        batches(a.bin, work, ports["batch"][0], a.rounds)
    finally:
        for p in (serve, nginx):
            if p:
                os.killpg(p.pid, signal.SIGTERM); p.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
