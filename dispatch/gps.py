"""Whether a reported GPS position can be believed: a finite point near the city.

A tablet's position is shown on every operator's board and planned from; a NaN
or an infinity made the board's snapshot invalid JSON (every board broke) and a
point 1000 degrees north is no place at all. ``check_position`` refuses both
with ``InvalidPosition`` before anything is stored or published. The city's
bounding box comes from the map (``bbox``: south, west, north, east), widened
by a margin so a car just outside the boundary (a depot, a detour) still counts.
"""

from __future__ import annotations

import math
from typing import Any

from dispatch.domain import InvalidPosition

#: How far outside the city's bounding box a position is still believed.
DEFAULT_MARGIN_M = 5000.0
_M_PER_DEG_LAT = 111_320.0


def check_position(
    lat: Any, lon: Any, bbox: tuple[float, float, float, float] | None = None,
    *, margin_m: float = DEFAULT_MARGIN_M,
) -> tuple[float, float]:
    """Return ``(lat, lon)`` as floats, or raise ``InvalidPosition`` with bilingual messages.

    Refused: anything that is not a real number (booleans, text, NaN, ±infinity),
    a latitude outside ±90 or longitude outside ±180, and, when ``bbox`` is given,
    a point more than ``margin_m`` outside it.
    """
    try:
        if isinstance(lat, bool) or isinstance(lon, bool):
            raise TypeError
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidPosition(
            "A position needs a latitude and a longitude as numbers.",
            "位置情報には緯度と経度を数値で指定してください。",
        ) from None
    if not (math.isfinite(la) and math.isfinite(lo)):
        raise InvalidPosition(
            "The position is not a finite number (NaN or infinity).",
            "位置情報が正しい数値ではありません（NaN または無限大）。",
        )
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        raise InvalidPosition(
            "The position is not on Earth: latitude must be within ±90, longitude within ±180.",
            "位置情報が正しくありません（緯度は±90、経度は±180の範囲です）。",
        )
    if bbox is not None:
        south, west, north, east = bbox
        dlat = margin_m / _M_PER_DEG_LAT
        mid = math.radians((south + north) / 2)
        dlon = margin_m / (_M_PER_DEG_LAT * max(math.cos(mid), 0.01))
        if not (south - dlat <= la <= north + dlat and west - dlon <= lo <= east + dlon):
            km = margin_m / 1000
            raise InvalidPosition(
                f"The position is more than {km:g} km outside the service area.",
                f"位置情報がサービス区域から {km:g} km 以上離れています。",
            )
    return la, lo


def city_bbox(travel: Any) -> tuple[float, float, float, float] | None:
    """The bounding box of the engine's map (``None`` when the map does not say)."""
    box = getattr(travel, "bbox", None)
    if box is None:
        return None
    south, west, north, east = (float(x) for x in box)
    return south, west, north, east
