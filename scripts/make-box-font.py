#!/usr/bin/env python3
"""Writes fixtures/fonts/box.ttf: a valid 3.5 kB TrueType font that draws one box for every
character of Basic Latin to Latin Extended-B, Greek, Cyrillic, Latin Extended Additional,
general punctuation and currency symbols.

Tests serve it wherever a page asks for a web font. A font that fails to decode (a few bytes
of junk) makes Chromium fall back to the next face of a family and request it too, which
hides which face a browser really picks (`unicode-range`, the last declared face). The font
is committed; this script only documents how it was made (`pip install fonttools`).
"""
import os
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

RANGES = [(0x20, 0x24F), (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
          (0x20A0, 0x20CF)]


def main():
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "box"])
    fb.setupCharacterMap({c: "box" for lo, hi in RANGES for c in range(lo, hi + 1)})
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((500, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "box": pen.glyph()})
    fb.setupHorizontalMetrics({".notdef": (600, 0), "box": (600, 100)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Box", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "fonts", "box.ttf")
    fb.save(out)
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
