#!/usr/bin/env python3
"""Asks Debian's Chromium what each media query in fixtures/media-queries.tsv evaluates to.

usage: scripts/media-oracle.py [--chromium chromium] [--check]

The table's first column is the query; the next two are Chromium's `matchMedia(q).matches`
at a 1350x940 viewport with device pixel ratio 1 and 2 (pagecost's default viewport), as
1 or 0. This script writes a page that evaluates every query, loads it with
`chromium --headless --dump-dom` (a fresh profile, a mouse configured as on a desktop, the window sized until innerWidth and
innerHeight are 1350x940) and rewrites the two columns. `--check` only reports the rows
whose answer changed, exit 1 if any (after a Chromium upgrade). The unit test
`extract::media::tests::every_query_answers_as_chromium_does` holds pagecost to the table.

Queries on device-width, device-height and device-aspect-ratio are not in the table: in
`--dump-dom` mode the screen is 800x600 whatever the window, while the browser that the
corpus was recorded with (and pagecost's browser engine) emulate a screen the viewport's
size; pagecost answers for the latter. Nor is a number written with more than 7 significant
digits: cssparser keeps numbers as f32, so `(aspect-ratio: 1.4361702127659575)` (1350/940 to
17 digits, which Chromium matches) is compared as 1.4361702 and does not match.
"""
import argparse, html, json, os, re, subprocess, sys, tempfile

TABLE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "media-queries.tsv")
# innerHeight is the window height less the headless window's own chrome, which varies with
# the profile: the height is found by trying.
WIDTH, HEIGHT = 1350, 940
# Headless Chromium has no pointing device (hover: none, pointer: none); a user's desktop
# browser has a mouse, and pagecost answers for it (its browser engine sets the same).
MOUSE = ("--blink-settings=primaryHoverType=2,availableHoverTypes=2,"
         "primaryPointerType=4,availablePointerTypes=4")


def read_table():
    rows = []
    with open(TABLE, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            rows.append(line.rstrip("\n").split("\t")[0])
    return rows


def evaluate(chromium, queries, dpr):
    window = HEIGHT
    for _ in range(3):
        env, answers = run_page(chromium, queries, dpr, window)
        if env == [WIDTH, HEIGHT, dpr]:
            return answers
        window += HEIGHT - env[1]
    sys.exit(f"the viewport is {env}, not [{WIDTH}, {HEIGHT}, {dpr}], whatever the window")


def run_page(chromium, queries, dpr, window):
    page = (
        "<!doctype html><html><body><pre id=o></pre><script>"
        f"const qs={json.dumps(queries)};"
        "document.getElementById('o').textContent=JSON.stringify({env:"
        "[innerWidth,innerHeight,devicePixelRatio],r:qs.map(q=>matchMedia(q).matches)});"
        "</script></body></html>"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index.html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        out = subprocess.run(
            [chromium, "--headless", "--no-sandbox", f"--user-data-dir={tmp}/profile", MOUSE,
             f"--window-size={WIDTH},{window}", f"--force-device-scale-factor={dpr}",
             "--dump-dom", "file://" + path],
            capture_output=True, text=True, timeout=60).stdout
    found = re.search(r'<pre id="o">(.*?)</pre>', out, re.S)
    if not found:
        sys.exit("chromium printed no result; is it installed?")
    got = json.loads(html.unescape(found.group(1)))
    return got["env"], got["r"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    queries = read_table()
    answers = [evaluate(args.chromium, queries, dpr) for dpr in (1, 2)]
    rows = [(q, int(a), int(b)) for q, a, b in zip(queries, *answers)]
    if args.check:
        old = {}
        with open(TABLE, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    q, a, b = line.rstrip("\n").split("\t")
                    old[q] = (int(a), int(b))
        changed = [r for r in rows if old.get(r[0]) != r[1:]]
        for q, a, b in changed:
            print(f"changed: {q!r}: table {old.get(q)}, chromium ({a}, {b})")
        sys.exit(1 if changed else 0)
    with open(TABLE, "w", encoding="utf-8") as f:
        f.write("# query\tdpr 1\tdpr 2 (Chromium's matchMedia at 1350x940; "
                "scripts/media-oracle.py)\n")
        for q, a, b in rows:
            f.write(f"{q}\t{a}\t{b}\n")
    print(f"{len(rows)} queries written to {TABLE}")


if __name__ == "__main__":
    main()
