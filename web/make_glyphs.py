"""Write the basemap's glyph ranges: signed-distance-field (SDF) glyph PBFs that
MapLibre GL JS draws map labels with (the format of mapbox/node-fontnik).

Why: MapLibre draws CJK ideographs, kana and hangul itself from the device's fonts,
but every other character of a label (the digits in 国道124号, Latin letters,
fullwidth brackets, ㈱) comes from a glyph range file of 256 code points. An empty
range leaves those characters out of the label. The ranges are drawn here from Noto
Sans CJK JP Regular (SIL Open Font License 1.1, Debian's fonts-noto-cjk), offline,
with Pillow (FreeType) and SciPy's distance transform; the files are committed under
``booking_api/static/glyphs/`` with the licence beside them, and ``npm run build``
(``web/build.mjs``) runs this script again.

Run: ``.venv/bin/python web/make_glyphs.py [--font PATH] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

ROOT = Path(__file__).resolve().parent.parent
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_INDEX = 0  # Noto Sans CJK JP in the collection
LICENCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
STACK = "Noto Sans CJK JP Regular"  # the style's text-font; the route maps it to SLUG
SLUG = "noto-sans-cjk-jp-regular"
OUT = ROOT / "booking_api" / "static" / "glyphs" / SLUG
# Latin, Latin Extended-A, general punctuation (‐ – … ※), CJK symbols (、「」々), enclosed
# CJK (㈱ ㈲) and fullwidth forms (（ ） １ Ａ): what Japanese place and road names use
# besides the ideographs and kana that MapLibre draws from the device's fonts.
RANGES = (0, 256, 8192, 12288, 12800, 65280)
# Of enclosed CJK only the bracketed and circled ideographs (㈱ ㈲ ㊤): the rest of that
# block is large and not seen in names. A range not shipped is drawn locally by MapLibre.
ONLY = {12800: ((0x3220, 0x3243), (0x3280, 0x32B0))}
# What MapLibre always draws locally (localIdeographFontFamily), left out of the files.
LOCAL = ((0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF))

SIZE_PX = 24  # the size MapLibre's glyph PBFs are drawn at (its ONE_EM)
BUFFER_PX = 3  # the SDF border around each glyph bitmap
RADIUS_PX = 8  # distance spread: MapLibre's shader reads 8 px per 1.0 (SDF_PX)
CUTOFF = 0.25  # the glyph's edge sits at 1 - CUTOFF = 0.75 (the shader's 192/256)
SCALE = 4  # glyphs are rasterised this many times larger, then sampled down


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, value: int | bytes, *, signed: bool = False) -> bytes:
    if isinstance(value, bytes):
        return _varint(number << 3 | 2) + _varint(len(value)) + value
    if signed:
        value = (value << 1) ^ (value >> 63)  # zigzag (sint32)
    return _varint(number << 3) + _varint(value)


def sdf_glyph(font: ImageFont.FreeTypeFont, char: str, ascender_px: int) -> bytes:
    """One glyph message (id, SDF bitmap, width, height, left, top, advance) for ``char``
    drawn with ``font`` (loaded at SIZE_PX * SCALE). ``top`` is measured from the
    ascender, as node-fontnik writes it, so MapLibre places it as its local glyphs.
    """
    advance = round(font.getlength(char) / SCALE)
    x0, y0, x1, y1 = font.getbbox(char, anchor="ls")
    fields = [_field(1, ord(char))]
    if x1 <= x0 or y1 <= y0:  # a space: metrics only
        fields += [_field(3, 0), _field(4, 0), _field(5, 0, signed=True),
                   _field(6, -ascender_px, signed=True), _field(7, advance)]  # fmt: skip
        return b"".join(fields)
    left = x0 // SCALE
    top = -(y0 // SCALE)  # pixels above the baseline
    width = -(-x1 // SCALE) - left
    height = top + -(-y1 // SCALE)
    w, h = width + 2 * BUFFER_PX, height + 2 * BUFFER_PX
    img = Image.new("L", (w * SCALE, h * SCALE), 0)
    ImageDraw.Draw(img).text(
        ((BUFFER_PX - left) * SCALE, (BUFFER_PX + top) * SCALE), char, font=font, fill=255,
        anchor="ls",
    )  # fmt: skip
    inside = np.asarray(img) >= 128
    # signed distance in output pixels, positive outside the outline
    dist = (distance_transform_edt(~inside) - distance_transform_edt(inside)) / SCALE
    dist = dist.reshape(h, SCALE, w, SCALE).mean(axis=(1, 3))
    value = np.clip(255 - 255 * (dist / RADIUS_PX + CUTOFF), 0, 255).round().astype(np.uint8)
    fields += [
        _field(2, value.tobytes()), _field(3, width), _field(4, height),
        _field(5, left, signed=True), _field(6, top - ascender_px, signed=True),
        _field(7, advance),
    ]  # fmt: skip
    return b"".join(fields)


def glyph_range(
    font: ImageFont.FreeTypeFont, cmap: set[int], start: int, ascender_px: int
) -> bytes:
    """The PBF of one range ``start .. start+255``: a glyphs message with one fontstack."""
    glyphs = [
        _field(3, sdf_glyph(font, chr(cp), ascender_px))
        for cp in range(start, start + 256)
        if cp in cmap and cp >= 0x20 and not any(a <= cp <= b for a, b in LOCAL)
        and any(a <= cp <= b for a, b in ONLY.get(start, ((cp, cp),)))
    ]
    stack = _field(1, STACK.encode()) + _field(2, f"{start}-{start + 255}".encode())
    return _field(1, stack + b"".join(glyphs))


def main() -> None:
    """Write every range of RANGES and the font's licence to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--font", type=Path, default=FONT)
    parser.add_argument("--index", type=int, default=FONT_INDEX)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    tt: TTFont = (
        TTCollection(args.font).fonts[args.index]
        if args.font.suffix == ".ttc"
        else TTFont(args.font)
    )
    cmap = set(tt.getBestCmap())
    ascender_px = round(tt["hhea"].ascent * SIZE_PX / tt["head"].unitsPerEm)
    font = ImageFont.truetype(str(args.font), SIZE_PX * SCALE, index=args.index)
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for start in RANGES:
        data = glyph_range(font, cmap, start, ascender_px)
        (args.out / f"{start}-{start + 255}.pbf").write_bytes(data)
        total += len(data)
    if LICENCE.is_file():
        shutil.copyfile(LICENCE, args.out / "COPYRIGHT-fonts-noto-cjk.txt")
    name = tt["name"]
    (args.out / "README.md").write_text(
        f"# {STACK}: glyph ranges for the basemap's labels\n\n"
        f"Signed-distance-field glyphs (MapLibre / node-fontnik PBF, {SIZE_PX} px, buffer "
        f"{BUFFER_PX}, radius {RADIUS_PX}) drawn by `web/make_glyphs.py` from "
        f"{name.getDebugName(4)} {name.getDebugName(5)}.\n\n"
        f"Font: {name.getDebugName(0)} {name.getDebugName(13)}\n"
        "The licence (SIL Open Font License 1.1) is in `COPYRIGHT-fonts-noto-cjk.txt` "
        "(Debian's fonts-noto-cjk copyright file). These files are a rendering of the "
        "font, distributed under the same licence; the Reserved Font Name is not used.\n\n"
        "Ideographs, hiragana, katakana and hangul are not in the files: MapLibre draws "
        "them with the device's own fonts.\n",
        encoding="utf-8",
    )
    print(f"glyphs: {len(RANGES)} ranges, {total} bytes in {args.out}")


if __name__ == "__main__":
    main()
