"""The open data's words: the data dictionary (every column in Japanese and English) and README.

Kept apart from ``feeds.opendata`` (the tables and their suppression) so each stays short.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feeds.opendata import OpenDataConfig


def _column(name: str, kind: str, ja: str, en: str) -> dict[str, str]:
    return {"name": name, "type": kind, "description_ja": ja, "description_en": en}


_SUPPRESSED = _column(
    "suppressed",
    "integer",
    "1 = 件数が閾値未満などのため秘匿（空欄）",
    "1 = withheld (blank): "
    "below the threshold, or withheld so that totals cannot reveal a small count",
)
_AREA_JA = "運行エリア（other = エリア外）、all = 合計"
_AREA_EN = "service area (other = outside the areas); all = total"
TABLES: dict[str, tuple[str, str, list[dict[str, str]]]] = {
    "rides_by_area_hour.csv": (
        "完了した乗車の件数（日種別 × 乗車エリア × 降車エリア × 乗車時刻）",
        "Completed rides by day type × origin area × destination area × pickup hour",
        [
            _column(
                "day_type",
                "string",
                "weekday 平日 / saturday 土曜 / sunday_holiday 日曜・祝日",
                "weekday / saturday / sunday_holiday (national or city holiday)",
            ),
            _column("origin_area", "string", "乗車地点の運行エリア", "service area of the pickup"),
            _column(
                "destination_area", "string", "降車地点の運行エリア", "service area of the drop-off"
            ),
            _column("hour", "integer", "乗車時刻（時、現地時間）", "pickup hour (local time)"),
            _column("rides", "integer", "乗車件数（予約1件 = 1）", "rides (one booking = 1)"),
            _column(
                "passengers",
                "integer",
                "乗車人数（同乗者を含む）",
                "people carried (companions included)",
            ),
            _SUPPRESSED,
        ],
    ),
    "on_time.csv": (
        "定時運行率（約束した迎車時間帯内に到着した乗車の割合）、乗車エリア別",
        "On-time performance (share of rides picked up inside the promised window) by origin area",
        [
            _column("origin_area", "string", _AREA_JA, _AREA_EN),
            _column("rides", "integer", "完了した乗車の件数", "completed rides"),
            _column("on_time_share", "number", "定時の割合（0〜1）", "share on time (0..1)"),
            _SUPPRESSED,
        ],
    ),
    "shared_rides.csv": (
        "乗合率（同じ車両で他の乗車と時間が重なった乗車の割合）、乗車エリア別",
        "Shared-ride share (rides that overlapped another ride on the same vehicle) by origin area",
        [
            _column("origin_area", "string", _AREA_JA, _AREA_EN),
            _column("rides", "integer", "完了した乗車の件数", "completed rides"),
            _column("shared_share", "number", "乗合の割合（0〜1）", "share shared (0..1)"),
            _SUPPRESSED,
        ],
    ),
    "registrations.csv": (
        "登録の経路別（online オンライン / phone 電話 / counter 窓口）の申請数と承認済み会員数",
        "Registrations by channel (online / phone / counter): applications and approved members",
        [
            _column("channel", "string", "登録経路、all = 合計", "channel; all = total"),
            _column("applications", "integer", "当月の申請数", "applications in the month"),
            _column(
                "approved_members",
                "integer",
                "月末時点の承認済み会員数",
                "approved members at the end of the month",
            ),
            _column(
                "share_of_approved",
                "number",
                "承認済み会員に占める割合（0〜1）",
                "share of the approved members (0..1)",
            ),
            _SUPPRESSED,
        ],
    ),
}


def dictionary(
    month: str, config: OpenDataConfig, city_ja: str, city_en: str, kpi: dict[str, Any]
) -> bytes:
    """Return ``data_dictionary.json``: title, licence, suppression rule, KPI, every column."""
    doc = {
        "title_ja": f"{city_ja} デマンドタクシー 利用状況 {month}",
        "title_en": f"{city_en} demand taxi ridership, {month}",
        "month": month,
        "publisher_ja": config.publisher_ja,
        "publisher_en": config.publisher_en,
        "licence": {
            "id": config.licence_id,
            "name": config.licence_name,
            "url": config.licence_url,
        },
        "encoding": "UTF-8 with BOM, CRLF",
        "suppression": {
            "threshold": config.min_cell,
            "rule_ja": f"{config.min_cell} 未満の件数（0 を含む）は空欄。合計から差し引いて"
            "小さな件数が分からないよう、追加で空欄にするセルがあります。",
            "rule_en": f"Counts below {config.min_cell} (zero included) are blank; further cells "
            "are blanked so that no total minus the shown cells reveals a small count.",
        },
        "kpi": {**kpi, "online_registration_target": config.online_target},
        "tables": [
            {"file": name, "description_ja": ja, "description_en": en, "columns": cols}
            for name, (ja, en, cols) in TABLES.items()
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def readme(
    month: str, config: OpenDataConfig, city_ja: str, city_en: str, kpi: dict[str, Any]
) -> bytes:
    """Return ``README.md``: licence, attribution, the online-registration KPI, the files."""
    share = kpi["online_registration_share"]
    shown = "—" if share is None else f"{share:.1%}"
    lines = [
        f"# {city_ja} デマンドタクシー 利用状況 {month} / {city_en} demand taxi ridership",
        "",
        f"ライセンス / Licence: {config.licence_name} ({config.licence_url})",
        f"出典 / Attribution: {config.publisher_ja} / {config.publisher_en}",
        "",
        f"オンライン登録の割合 / Online registration share: {shown} "
        f"(目標 / target {config.online_target:.0%})",
        "",
        f"{config.min_cell} 未満の件数は空欄です（suppressed = 1）。"
        f" Counts below {config.min_cell} are blank (suppressed = 1).",
        "",
        "| file | 内容 | contents |",
        "|---|---|---|",
        *(f"| {name} | {ja} | {en} |" for name, (ja, en, _) in TABLES.items()),
        "",
        "列の説明は data_dictionary.json にあります。"
        " Columns are described in data_dictionary.json.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
