#!/usr/bin/env python3
"""Reads OpenMetrics text with prometheus_client's parser (the reference implementation's
Python port) and prints what it understood as JSON: {family: {"type", "unit", "help",
"samples": [{"name", "labels", "value"}]}}. A text the parser refuses exits 1 with its
message.

usage: scripts/read-openmetrics.py FILE     (- for stdin)
Needs: pip install prometheus_client.
"""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.stdin.read() if argv[0] == "-" else open(argv[0], encoding="utf-8").read()
    out = {}
    try:
        for family in text_string_to_metric_families(text):
            out[family.name] = {
                "type": family.type,
                "unit": family.unit,
                "help": family.documentation,
                "samples": [
                    {"name": s.name, "labels": s.labels, "value": s.value}
                    for s in family.samples
                ],
            }
    except Exception as e:  # the parser raises ValueError and friends
        print(f"{argv[0]}: not valid OpenMetrics: {e}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
