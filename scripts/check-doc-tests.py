#!/usr/bin/env python3
"""Every test the docs name exists where they say.

Reads README.md and docs/**/*.md. A name written `tests/FILE.rs::NAME`, or in backticks after
`tests/FILE.rs` in the same table cell or line (`tests/audit.rs` `NAME`, `NAME2`), must be a
function of that file; a name in backticks with no file before it that reads as a test's
(snake_case, five words or more; OpenMetrics families `pagecost_*` aside) must be a function
of some file under tests/ or src/. Prints each dangling name with where it is named; exit 1
if there is one.

usage: python3 scripts/check-doc-tests.py
"""
import glob, os, re, sys

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
QUALIFIED = re.compile(r"(tests/[\w/]+\.rs)::(\w+)")
TEST_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+){4,}")
SPAN = re.compile(r"`([^`]+)`|(\|)")
FN = re.compile(r"\bfn\s+(\w+)")


def functions(paths):
    found = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            found[os.path.relpath(p, root)] = set(FN.findall(f.read()))
    return found


def main():
    code = functions(glob.glob(os.path.join(root, "tests", "**", "*.rs"), recursive=True)
                     + glob.glob(os.path.join(root, "src", "**", "*.rs"), recursive=True))
    everywhere = set().union(*code.values())
    docs = [os.path.join(root, "README.md")] + sorted(
        glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True))
    dangling, named = [], 0
    for d in docs:
        with open(d, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for no, line in enumerate(lines, 1):
            where = f"{os.path.relpath(d, root)}:{no}"
            for file, name in QUALIFIED.findall(line):
                named += 1
                if name not in code.get(file, set()):
                    dangling.append(f"{where}: {file}::{name} (no such function in {file})")
            file = None
            for span, bar in SPAN.findall(line):
                if bar:  # a new table cell
                    file = None
                elif re.fullmatch(r"tests/[\w/]+\.rs", span):
                    file = span
                elif TEST_NAME.fullmatch(span) and not span.startswith("pagecost_"):
                    named += 1
                    if file and span not in code.get(file, set()):
                        dangling.append(f"{where}: {span} (no such function in {file})")
                    elif not file and span not in everywhere:
                        dangling.append(f"{where}: {span} (no such function under tests/ or src/)")
    for d in dangling:
        print(d)
    print(f"{named} test names in the docs, {len(dangling)} dangling")
    return 1 if dangling else 0


if __name__ == "__main__":
    sys.exit(main())
