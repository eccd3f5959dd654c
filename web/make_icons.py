"""Draw the app icons (PNG) for the residents' PWA and the tablet: a rounded
blue square with a white car and 乗. Run once with any Python that has Pillow:
``python3 web/make_icons.py``; the PNGs are committed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (0, 23, 193, 255)
OUT = Path(__file__).resolve().parent.parent / "booking_api" / "static" / "resident" / "icons"


def draw(size: int, maskable: bool) -> Image.Image:
    """Return one icon; a maskable icon fills the square and keeps the car in the safe zone."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, size, size], fill=BLUE)
    else:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 5, fill=BLUE)
    s = size / 64 * (0.8 if maskable else 1.0)
    o = (size - 64 * s) / 2

    def p(x: float, y: float) -> tuple[float, float]:
        return (o + x * s, o + y * s)

    white = (255, 255, 255, 255)
    d.polygon([p(14, 30), p(20, 18), p(44, 18), p(50, 30)], fill=white)
    d.rounded_rectangle([p(9, 29), p(55, 44)], radius=int(4 * s), fill=white)
    d.polygon([p(22, 21), p(42, 21), p(46, 29), p(18, 29)], fill=BLUE)
    for cx in (19, 45):
        x, y = p(cx, 45)
        r = 5.5 * s
        d.ellipse([x - r, y - r, x + r, y + r], fill=white, outline=BLUE, width=max(1, int(2 * s)))
    d.rectangle([p(12, 33), p(17, 36)], fill=(255, 215, 0, 255))
    d.rectangle([p(47, 33), p(52, 36)], fill=(255, 215, 0, 255))
    return img


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, False).save(OUT / "icon-192.png")
    draw(512, False).save(OUT / "icon-512.png")
    draw(512, True).save(OUT / "icon-maskable-512.png")
