#!/usr/bin/env python3
"""Validates JSON outputs against a pagecost JSON Schema (draft 2020-12).

usage: scripts/validate-json.py SCHEMA FILE...
A FILE ending in .jsonl is one document per line; `--each` before the files treats a
top-level array as one document per element (a batch's --format json).
Needs: pip install jsonschema. Exit 0 when every document is valid, 1 otherwise (each error
printed with its path), 2 on bad usage.
"""
import json
import sys

import jsonschema


def documents(path, each):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            return [json.loads(line) for line in f if line.strip()]
        doc = json.load(f)
    return doc if each and isinstance(doc, list) else [doc]


def main(argv):
    each = "--each" in argv
    args = [a for a in argv if a != "--each"]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in args[1:]:
        for i, doc in enumerate(documents(path, each)):
            for e in validator.iter_errors(doc):
                bad += 1
                where = "/".join(str(p) for p in e.absolute_path)
                print(f"{path} [{i}] /{where}: {e.message[:300]}")
    print(f"{len(args) - 1} file(s) checked against {args[0]}: {bad} error(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
