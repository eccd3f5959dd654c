"""The simulator's outputs: a JSON report, a PNG chart and a KPI table for the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROWS = [
    ("requests", "requests"),
    ("served", "served"),
    ("rejected", "rejected"),
    ("wheelchair_rejected", "wheelchair riders refused"),
    ("broken_promises", "broken promises"),
    ("pickup_deviation_mean_min", "pickup deviation mean (min)"),
    ("pickup_deviation_p95_min", "pickup deviation p95 (min)"),
    ("ride_time_ratio_mean", "ride time / direct"),
    ("vehicle_km", "vehicle-km"),
    ("vehicle_hours", "vehicle-hours"),
    ("passengers_per_vehicle_hour", "passengers / vehicle-hour"),
    ("shared_ride_share", "shared-ride share"),
]


def table(report: dict[str, Any]) -> str:
    """Return the KPI table of the engine and both baselines as aligned text."""
    cols = [("engine", report), ("no sharing", report["no_sharing"])]
    cols.append(("offline", report["offline"]))
    lines = [f"{'':30}" + "".join(f"{name:>12}" for name, _ in cols)]
    for key, label in ROWS:
        lines.append(f"{label:30}" + "".join(f"{d.get(key, ''):>12}" for _, d in cols))
    return "\n".join(lines)


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write ``report.json`` and ``kpis.png`` into ``out``; return both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    path_json = out / "report.json"
    path_json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    names = ["engine", "no sharing", "offline"]
    data = [report, report["no_sharing"], report["offline"]]
    keys = [
        ("served", "served rides"),
        ("vehicle_km", "vehicle-km"),
        ("passengers_per_vehicle_hour", "passengers / vehicle-hour"),
        ("shared_ride_share", "shared-ride share"),
    ]
    fig, axes = plt.subplots(1, len(keys), figsize=(14, 3.6))
    for ax, (key, label) in zip(axes, keys, strict=True):
        ax.bar(names, [float(d.get(key, 0)) for d in data], color=["#1f77b4", "#aaaaaa", "#2ca02c"])
        ax.set_title(label)
        ax.tick_params(axis="x", labelrotation=20)
    fig.suptitle(f"{report.get('scenario', '')}: {report.get('vehicles', '')} vehicles, "
                 f"seed {report.get('seed', '')}")
    fig.tight_layout()
    path_png = out / "kpis.png"
    fig.savefig(path_png, dpi=100)
    plt.close(fig)
    return path_json, path_png
