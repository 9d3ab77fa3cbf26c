#!/usr/bin/env python3
"""Replays the mutants a cargo-mutants run missed against the current tree: applies each
missed mutant's diff (-p0), runs `cargo test --lib -q FILTER...`, reverts. A diff that no
longer applies (the code changed) is reported STALE. Tells whether new tests kill them.

usage: python3 scripts/mutants-replay.py MUTANTS_OUT_DIR [FILTER...]
       (MUTANTS_OUT_DIR holds mutants.out/, as written by `cargo mutants -o DIR`)
"""
import json, os, subprocess, sys
out, filt = sys.argv[1], sys.argv[2:]
tree = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
d = json.load(open(f"{out}/mutants.out/outcomes.json"))
missed = [o for o in d["outcomes"] if o["summary"] == "MissedMutant"]
print(f"{len(missed)} missed mutants to replay", flush=True)
caught = stale = 0
for o in missed:
    name = o["scenario"]["Mutant"]["name"]
    diff = f"{out}/mutants.out/{o['diff_path']}"
    dry = subprocess.run(["patch", "-p0", "-s", "--dry-run", "-f", "-i", diff], cwd=tree, capture_output=True)
    if dry.returncode != 0:
        stale += 1
        print("STALE  " + name, flush=True)
        continue
    subprocess.run(["patch", "-p0", "-s", "-i", diff], cwd=tree, check=True)
    try:
        r = subprocess.run(["cargo", "test", "--lib", "-q"] + filt, cwd=tree, capture_output=True, text=True)
    finally:
        subprocess.run(["patch", "-p0", "-s", "-R", "-i", diff], cwd=tree, check=True)
    ok = r.returncode != 0
    caught += ok
    print(("CAUGHT " if ok else "MISSED ") + name, flush=True)
print(f"{caught} caught, {stale} stale, {len(missed) - caught - stale} missed of {len(missed)}")
