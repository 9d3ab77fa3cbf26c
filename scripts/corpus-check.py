#!/usr/bin/env python3
"""Compare what pagecost requests with what headless Chromium requested on the real pages
of ../shared/corpus (see its README). Skips cleanly when the corpus is absent.

usage: scripts/corpus-check.py [--bin target/release/pagecost] [--engine static|chromium]
                               [--no-serve] [--verbose]

Per page: browser requests, pagecost requests, matched, missed, extra (each with a reason),
and transferred bytes of both. URLs are compared without fragments.

With --engine chromium every request the browser made counts, scripts' included (no "by-js"
set is put apart), and Chromium's own /favicon.ico probe, which the HARs leave out, is not
counted as extra.

For the static engine, requests created by scripts at run time are out of reach and are listed
apart as "by-js", shown rather than guessed: xhr/fetch and blob:/filesystem: URLs, and every URL
that pagecost's browser engine, loading the same page, says a script requested (its initiator
is a script, or it was referenced by a stylesheet or document a script requested). Bytes are
compared over the matched requests whose size the browser recorded (its HAR has -1 for
aborted media).

A page pagecost fails to audit is counted, not dropped: every URL the browser requested
there is missed (recall falls), and the row says why it failed.
"""
import argparse, json, os, re, subprocess, sys, urllib.request

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


def har_sizes(page_id):
    """URL -> transfer bytes as Chromium recorded them (None when unknown)."""
    with open(os.path.join(corpus, "browser", page_id + ".har")) as f:
        har = json.load(f)
    sizes = {}
    for e in har["log"]["entries"]:
        r = e["response"]
        t = r.get("_transferSize", -1)
        if t is None or t < 0:
            h, b = r.get("headersSize", -1), r.get("bodySize", -1)
            t = h + b if h >= 0 and b >= 0 else None
        sizes[e["request"]["url"].split("#")[0]] = t
    return sizes


def script_made(bin, url):
    """The URLs pagecost's browser engine says a script requested on this page, each with
    the script that did (or the script-made sheet or document that referenced it); None
    when the browser engine cannot load the page."""
    p = subprocess.run([bin, "audit", url, "--engine", "chromium", "--format", "json", "-q"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None
    # A URL requested more than once (a page that fetches itself) is judged by its first
    # request.
    entries = {}
    for e in json.loads(p.stdout)["entries"]:
        entries.setdefault(e["url"].split("#")[0], e)

    def by(u, seen=()):
        init = entries.get(u, {}).get("initiator") or {}
        if init.get("type") == "script" or init.get("kind") == "script":
            return init.get("url") or "a script"
        parent = (init.get("url") or "").split("#")[0]
        if parent in entries and parent not in seen and parent != u:
            return by(parent, seen + (u,))
        return None

    return {u: why for u in entries if (why := by(u))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "pagecost"))
    ap.add_argument("--engine", default="static", choices=["static", "chromium"])
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
            # The static engine gives up on a public host after 10 s; the browser has no time
            # limit per request (the audit's bounds the page).
            limit = ["--timeout", "10s"] if a.engine == "static" else []
            p = subprocess.run([a.bin, "audit", url, "--format", "json", "-q", "--engine", a.engine, *limit],
                               capture_output=True, text=True)
            if p.returncode != 0:
                # Counted: every URL the browser requested there is missed.
                rows.append((page_id, len(browser_urls(page_id)), "ERROR " + p.stderr.strip()))
                continue
            load = json.loads(p.stdout)
            ours = {e["url"].split("#")[0]: e for e in load["entries"]}
            theirs = browser_urls(page_id)
            if a.engine == "chromium":
                # blob: and filesystem: URLs are objects in the page (new ids each load), no request.
                ours = {u: e for u, e in ours.items() if not u.endswith("/favicon.ico")}
                theirs = [x for x in theirs if not x[2].startswith(("blob:", "filesystem:"))]
            sizes = har_sizes(page_id)
            static_kinds = {u for t, _, u in theirs if t not in ("xhr", "fetch")}
            by_js = {u for t, _, u in theirs if u not in static_kinds or u.startswith(("blob:", "filesystem:"))}
            if a.engine == "chromium":
                by_js = set()
            static = {u for t, _, u in theirs} - by_js
            why = {}
            if a.engine == "static":
                made = script_made(a.bin, url)
                if made is None:
                    print(f"{page_id}: the browser engine could not load it; by-js shows only "
                          f"xhr/fetch/blob", file=sys.stderr)
                    made = {}
                for u in sorted(static & set(made)):
                    by_js.add(u)
                    static.discard(u)
                    why[u] = made[u]
            if a.verbose:
                for u in sorted(by_js):
                    print(f"{page_id}: by-js {u} (by {why.get(u, 'xhr/fetch/blob')})"
                          f"{'  (requested by pagecost)' if u in ours else ''}", file=sys.stderr)
            matched = static & set(ours)
            missed = sorted(static - set(ours))
            extra = sorted(set(ours) - static - by_js)
            extra_reasons = {u: ("lazy image (Chromium loads those near the viewport only)" if ours[u].get("lazy") else "unexplained") for u in extra}
            known = [u for u in matched if sizes.get(u) is not None]
            b_bytes = sum(sizes[u] for u in known)
            o_bytes = sum(ours[u]["transfer_bytes"] for u in known)
            rows.append((page_id, len(static | by_js), len(by_js), len(ours), len(matched), missed, extra_reasons,
                         b_bytes, o_bytes, len(matched) - len(known)))
    finally:
        if not a.no_serve:
            subprocess.run([os.path.join(corpus, "serve-corpus.sh"), "stop", run], stdout=subprocess.DEVNULL)
    print(f"{'page':20} {'browser':>7} {'by-js':>5} {'ours':>5} {'match':>5} {'missed':>6} {'extra':>5} {'browser B':>10} {'ours B':>10} {'diff':>7}")
    tm = tb = to = 0
    for r in rows:
        if len(r) == 3:
            pid, nb, err = r
            tb += nb
            print(f"{pid:20} {nb:7} {'':>5} {'':>5} {0:5} {nb:6}  failed, all missed: {err}")
            continue
        pid, nb, njs, no, nm, missed, extra, bb, ob, unknown = r
        tm += nm; tb += nb - njs; to += len(extra) + nm
        diff = (ob - bb) / bb * 100 if bb else 0
        note = f"  ({unknown} matched with size unknown to the browser)" if unknown else ""
        print(f"{pid:20} {nb:7} {njs:5} {no:5} {nm:5} {len(missed):6} {len(extra):5} {bb:10} {ob:10} {diff:+6.1f}%{note}")
        if a.verbose:
            for u in missed:
                print(f"    missed {u}")
            for u, why in extra.items():
                print(f"    extra  {u}: {why}")
    if tb and to:
        scope = ("every network request the browser made" if a.engine == "chromium"
                 else "requests a browser makes without running JavaScript")
        print(f"recall {tm / tb:.3f}  precision {tm / to:.3f}  ({scope}; engine {a.engine})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
