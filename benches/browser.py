#!/usr/bin/env python3
"""The browser engine against Lighthouse, side by side in one run, on the shared corpus's
real pages (served on loopback by ../shared/corpus/serve-corpus.sh).

usage: benches/browser.py [--bin target/release/pagecost] [--lighthouse PATH] [--rounds 3]
                          [--batch 50] [--jobs 4] [--lighthouse-batch] [--chromium-dns]

Measures, per page, in --rounds interleaved rounds (each runs both tools, the first of the
two alternating), medians: the wall time of `pagecost audit URL --engine chromium` and of a
Lighthouse run of the same URL (performance category only, headless Chromium, the same
browser), and the peak memory (PSS) of pagecost's whole process tree (pagecost and every
Chromium process it started, summed, sampled every 20 ms). Then a batch of --batch pages
(the corpus pages in turn) at --jobs in one pagecost process (every page traced: a browser
per page in flight), against Lighthouse on the same
pages: by default the sum of the measured single-run times of those pages (Lighthouse runs
one page per process, so N runs cost N single runs; labelled as computed), or with
--lighthouse-batch, N Lighthouse runs really run (about 15 s each here). The batch again
with only the pages that do not delay themselves on purpose (fully loaded within 2 s alone;
three Lighthouse test pages delay their load by design), as most pages a user batches. And the browser's
start-up: an audit of an empty page with no quiet period.
Skips what is missing (the corpus, Lighthouse, node) and says so.
"""
import argparse
import json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.normpath(os.path.join(here, "..", "..", "shared", "corpus"))


def pss_kb(pid):
    """Proportional set size: a page shared by n processes counts 1/n in each, so the sum
    over a process tree is the memory it really holds (VmRSS would count shared pages once
    per process)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for l in f:
                if l.startswith("Pss:"):
                    return int(l.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root):
    """Summed PSS of `root` and its descendants (Linux /proc)."""
    return sum(pss_kb(p) for p in process_tree(root))


def process_tree(root):
    """`root` and its descendants (Linux /proc)."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as f:
                st = f.read()
        except OSError:
            continue
        fields = dict(l.split(":", 1) for l in st.splitlines() if ":" in l)
        parent[int(d)] = int(fields.get("PPid", "0").strip() or 0)
    tree, grew = {root}, True
    while grew:
        grew = False
        for p, pp in parent.items():
            if p not in tree and pp in tree:
                tree.add(p)
                grew = True
    return tree


HUNG = []  # commands killed at their time limit


def run_measured(cmd, out=None, limit=None):
    """Wall seconds and peak tree RSS (MB) of a command (its output to the file `out`). A
    command still running after `limit` seconds is killed with its process tree (its time
    is the time it took until then) and noted in HUNG."""
    t0 = time.monotonic()
    sink = open(out, "wb") if out else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
    if limit:
        def guard():
            try:
                p.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                HUNG.append(cmd)
                for pid in process_tree(p.pid):
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
        threading.Thread(target=guard, daemon=True).start()
    peak = [0]
    def sample():
        while p.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(p.pid))
            time.sleep(0.02)
    th = threading.Thread(target=sample)
    th.start()
    _, err = p.communicate()
    th.join()
    wall = time.monotonic() - t0
    if out:
        sink.close()
    if p.returncode not in (0, 1):
        sys.stderr.write(f"{cmd[:3]} exit {p.returncode}: {err.decode()[-300:]}\n")
    return wall, peak[0] / 1024.0


QUIET_S = 1.0  # pagecost's default quiet period
LH_LIMIT_S = 90  # a Lighthouse run of a corpus page takes 11 to 23 s here; one hung 250 s+


def floor(report, jobs):
    """What the pages themselves take: each page's fully-loaded time (its own delays, as the
    browser saw them in the batch) and the quiet period after it. No engine that waits for
    a page to be done can spend less; packed perfectly on `jobs` slots, that is the batch's
    floor. Failed lookups of public hosts that took Chromium 5 s are counted apart."""
    loads = [p["load"] for p in json.load(open(report)) if "load" in p]
    own = sum(l["fully_loaded_ms"] / 1000.0 + QUIET_S for l in loads)
    stalled = sum(1 for l in loads for e in l["entries"]
                  if (e.get("error") or {}).get("kind") == "dns" and (e["duration_ms"] or 0) > 4000)
    print(f"the pages' own time in that batch: fully loaded + {QUIET_S:.0f} s quiet, summed over "
          f"{len(loads)} pages: {own:.1f} s; on {jobs} slots at best {own / jobs:.1f} s "
          f"({stalled} failed lookups of public hosts took Chromium 5 s)")


ORDINARY_S = 2.0  # a page fully loaded later than this, alone, delays itself on purpose


def fully_loaded_s(report):
    """A single audit's fully-loaded time in seconds, None when it has none."""
    try:
        ms = json.load(open(report)).get("fully_loaded_ms")
    except (OSError, ValueError):
        return None
    return None if ms is None else ms / 1000.0


def batch(a, run, name, pages, single_lh, lighthouse):
    """A batch of a.batch pages (`pages` in turn) at a.jobs in one pagecost process: its
    time and memory, the pages' own time (the floor), and Lighthouse on the same pages
    (`lighthouse`: (path, chrome) or None), measured or computed from `single_lh`."""
    urls = [pages[i % len(pages)] for i in range(a.batch)]
    lst = os.path.join(run, f"{name}.txt")
    with open(lst, "w") as f:
        f.write("\n".join(urls) + "\n")
    report = os.path.join(run, f"{name}.json")
    bw, brss = run_measured([a.bin, "audit", "--input-file", lst, *engine(a),
                             "--jobs", str(a.jobs), "--format", "json", "-q"], report)
    print(f"batch of {a.batch} pages ({len(pages)} in turn) at --jobs {a.jobs}: pagecost "
          f"{bw:.1f} s ({bw / a.batch:.2f} s a page), peak PSS of the process tree {brss:.0f} MB")
    floor(report, a.jobs)
    if not lighthouse:
        print("Lighthouse: not installed (npm install lighthouse; --lighthouse PATH)")
        return
    lh, chrome = lighthouse
    if a.lighthouse_batch:
        HUNG.clear()
        lb = sum(run_measured(lighthouse_cmd(lh, u, chrome, a), limit=LH_LIMIT_S)[0] for u in urls)
        how = f"{a.batch} runs measured"
        if HUNG:
            how += (f"; {len(HUNG)} hung and were killed at {LH_LIMIT_S} s, "
                    f"counted as the time they took")
    else:
        lb = sum(single_lh[u] for u in urls)
        how = f"computed: {a.batch} x the single-run time measured above for each page"
    print(f"Lighthouse on the same {a.batch} pages: {lb:.1f} s ({how}); "
          f"ratio {bw / lb:.3f} (target <= 0.05)")


# Both tools give Chromium the same extra switches. By default the system's resolver
# (Chromium's own DNS client is off): on a machine without public DNS, as here, Chromium's
# client sometimes takes 5 s to fail a lookup the system fails at once, at random, which
# measures the machine's resolver, not the tool. --chromium-dns keeps Chromium's client.
SYSTEM_DNS = ["--disable-features=AsyncDns"]


def browser_switches(a):
    return [] if a.chromium_dns else SYSTEM_DNS


def engine(a):
    """pagecost's arguments for the browser engine with the bench's switches."""
    return ["--engine", "chromium"] + [f"--browser-flag={f}" for f in browser_switches(a)]


def lighthouse_cmd(lh, url, chrome, a):
    flags = " ".join(["--headless=new", "--no-sandbox"] + browser_switches(a))
    return ["node", lh, url, "--only-categories=performance", "--output=json",
            "--output-path=/dev/null", "--quiet", f"--chrome-path={chrome}",
            f"--chrome-flags={flags}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--lighthouse", default=shutil.which("lighthouse"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--lighthouse-batch", action="store_true")
    ap.add_argument("--chromium-dns", action="store_true",
                    help="keep Chromium's own DNS client (default: the system's, for both tools)")
    a = ap.parse_args()
    if not os.path.isdir(corpus):
        print(f"skipped: {corpus} not found")
        return 0
    chrome = shutil.which("chromium") or os.environ.get("CHROME")
    if not chrome:
        print("skipped: no chromium")
        return 0
    lh = a.lighthouse
    if lh and not lh.endswith(".js") and os.path.islink(lh):
        lh = os.path.realpath(lh)
    have_lh = bool(lh) and shutil.which("node") is not None
    pages = [l.split("\t")[1] for l in open(os.path.join(corpus, "pages.tsv"))
             if l.strip() and not l.startswith("#")]
    run = tempfile.mkdtemp(prefix="pagecost-bench-browser-")
    subprocess.run(["bash", os.path.join(corpus, "serve-corpus.sh"), "start", run],
                   check=True, stdout=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        rows = []
        one = os.path.join(run, "one.json")
        for url in pages:
            # Interleaved: each round runs both tools, the first of the two alternating.
            pcs, lws, fully = [], [], []
            for r in range(a.rounds):
                first_pc = r % 2 == 0 or not have_lh
                if not first_pc:
                    lws.append(run_measured(lighthouse_cmd(lh, url, chrome, a))[0])
                pcs.append(run_measured([a.bin, "audit", url, *engine(a), "--format", "json",
                                         "-q"], one))
                fully.append(fully_loaded_s(one))
                if first_pc and have_lh:
                    lws.append(run_measured(lighthouse_cmd(lh, url, chrome, a))[0])
            med = statistics.median
            done = [f for f in fully if f is not None]
            rows.append((url, med(p[0] for p in pcs), med(p[1] for p in pcs),
                         med(lws) if lws else None, med(done) if done else None))
        print(f"one page: pagecost --engine chromium against Lighthouse (performance only), "
              f"the same Chromium ({len(pages)} corpus pages; medians of {a.rounds} "
              f"interleaved rounds per page, the first tool alternating); extra switches for "
              f"both: {' '.join(browser_switches(a)) or 'none'}")
        print(f"{'page':<58} {'pagecost s':>10} {'peak PSS MB':>11} {'Lighthouse s':>12} {'ratio':>6}")
        for url, pc, rss, lw, _ in rows:
            lws = f"{lw:12.2f}" if lw else f"{'n/a':>12}"
            ratio = f"{pc / lw:6.3f}" if lw else f"{'n/a':>6}"
            print(f"{url[-58:]:<58} {pc:10.2f} {rss:11.0f} {lws} {ratio}")
        med_pc = statistics.median(r[1] for r in rows)
        med_rss = statistics.median(r[2] for r in rows)
        line = f"median: pagecost {med_pc:.2f} s, peak PSS of the process tree {med_rss:.0f} MB"
        if have_lh:
            med_lh = statistics.median(r[3] for r in rows)
            line += f"; Lighthouse {med_lh:.2f} s; ratio {med_pc / med_lh:.3f} (target <= 0.2)"
        print(line)
        # The batch: every corpus page in turn; then only the pages that do not delay
        # themselves on purpose (fully loaded within ORDINARY_S in the single run above).
        single_lh = {r[0]: r[3] for r in rows}
        batch(a, run, "all", pages, single_lh, (lh, chrome) if have_lh else None)
        ordinary = [r[0] for r in rows if r[4] is not None and r[4] < ORDINARY_S]
        if ordinary and len(ordinary) < len(pages):
            print(f"-- the same without the {len(pages) - len(ordinary)} pages that delay "
                  f"themselves on purpose (fully loaded after {ORDINARY_S:.0f} s alone):")
            batch(a, run, "ordinary", ordinary, single_lh, (lh, chrome) if have_lh else None)
        # Start-up: an empty page, no quiet period.
        empty = os.path.join(run, "empty")
        os.makedirs(empty)
        with open(os.path.join(empty, "index.html"), "w") as f:
            f.write("<!doctype html><title>empty</title>")
        walls = [run_measured([a.bin, "audit", empty, *engine(a), "--quiet-period", "1ms",
                               "--format", "json", "-q"]) for _ in range(5)]
        w = statistics.median(x[0] for x in walls)
        r = statistics.median(x[1] for x in walls)
        print(f"browser start-up (an empty page, no quiet period, median of 5): {w:.2f} s, "
              f"peak PSS {r:.0f} MB")
    finally:
        subprocess.run(["bash", os.path.join(corpus, "serve-corpus.sh"), "stop", run],
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(run, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
