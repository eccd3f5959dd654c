"""The feeds served at stable URLs, the staff's open-data download and ``noriai export``,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy.orm import Session

from booking_api.cli import main
from dispatch.store.tables import RideRow
from tests.booking_api.conftest import HOME_A, Api
from tests.booking_api.fakes import jst
from tests.feeds.gtfs_check import problems
from tests.feeds.test_gofs import errors

HOSPITAL_A = (35.89998, 140.623187)  # 白十字総合病院, area A
HASAKI_D = (35.75682, 140.81373)  # the Hasaki branch office, area D
HOME_C = (35.78, 140.80)


def _unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_gtfs_is_public_cacheable_and_valid(api: Api) -> None:
    """/gtfs/flex.zip needs no login, passes the Flex validator, carries an ETag and
    Cache-Control: public, and answers 304 to a current If-None-Match."""
    r = api.client.get("/gtfs/flex.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["cache-control"].startswith("public")
    assert problems(_unzip(r.content)) == []
    again = api.client.get("/gtfs/flex.zip", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert api.client.get("/gtfs/flex.zip").content == r.content


def test_gofs_discovery_lists_files_that_are_served_and_valid(api: Api) -> None:
    """Every URL gofs.json lists is served, and each file is valid against its schema."""
    r = api.client.get("/gofs/gofs.json")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    doc = r.json()
    assert errors("gofs", doc) == []
    for lang in ("ja", "en"):
        for feed in doc["data"][lang]["feeds"]:
            path = urlparse(feed["url"]).path
            if feed["name"] == "wait_time":
                w = api.client.get(path, params={"pickup_lat": HOME_A[0], "pickup_lon": HOME_A[1]})
                assert w.status_code == 200 and w.json()["data"]["wait_times"][0]["wait_time"] > 0
                continue
            got = api.client.get(path)
            assert got.status_code == 200, path
            assert errors(feed["name"], got.json()) == [], path
    zones = api.client.get("/gofs/en/zones.json").json()["data"]["zones"]["features"]
    assert {"Kamisu north", "Hasaki south"} <= {f["properties"]["name"] for f in zones}


def test_gofs_refuses_what_it_cannot_answer(api: Api) -> None:
    """An unknown language or file, a point off the globe, half a drop-off: 422 with words."""
    assert api.client.get("/gofs/fr/zones.json").status_code == 422
    assert api.client.get("/gofs/ja/fares.json").status_code == 422
    off = api.client.get("/gofs/ja/wait_time", params={"pickup_lat": 91, "pickup_lon": 140})
    assert off.status_code == 422
    half = api.client.get(
        "/gofs/ja/wait_time",
        params={"pickup_lat": HOME_A[0], "pickup_lon": HOME_A[1], "drop_off_lat": 35.8},
    )
    assert half.status_code == 422 and half.json()["detail"]["code"] == "drop_off_incomplete"


def _ride(
    n: int, day: date, hour: int, src: tuple[float, float], dst: tuple[float, float]
) -> RideRow:
    start = jst(day.year, day.month, day.day, hour, 0)
    board = start + timedelta(minutes=5)
    return RideRow(
        id=f"OD{n:04d}", member_id=f"m{n % 5}", pickup_lat=src[0], pickup_lon=src[1],
        dropoff_lat=dst[0], dropoff_lon=dst[1], depart_at=start, party_size=1, channel="online",
        status="completed", service_date=day, pickup_window_start=start,
        pickup_window_end=start + timedelta(minutes=15), latest_dropoff=start + timedelta(hours=1),
        picked_up_at=board, dropped_off_at=board + timedelta(minutes=15),
        estimated_pickup=board, estimated_dropoff=board + timedelta(minutes=15),
        created_at=start - timedelta(days=1),
    )  # fmt: skip


def _november_rides(api: Api) -> None:
    """Rides home (A) → hospital (A): six at 9, seven at 10; one rider's only ride C → D."""
    with Session(api.db) as s:
        for i, d in enumerate((2, 4, 6, 10, 12, 16)):
            s.add(_ride(i, date(2026, 11, d), 9, HOME_A, HOSPITAL_A))
        for i, d in enumerate((2, 4, 5, 6, 10, 12, 16)):
            s.add(_ride(10 + i, date(2026, 11, d), 10, HOME_A, HOSPITAL_A))
        s.add(_ride(99, date(2026, 11, 12), 14, HOME_C, HASAKI_D))
        s.commit()


def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_staff_download_the_months_open_data(api: Api) -> None:
    """A staff member gets November as a zip of CSV tables, dictionary, README and licence;
    the lone C → D ride is blank; residents and strangers are refused, as is a month not over."""
    _november_rides(api)
    staff = api.staff()
    r = api.client.get("/api/v1/open-data/2026-11.zip", headers=staff)
    assert r.status_code == 200, r.text
    assert "noriai-open-data-2026-11.zip" in r.headers["content-disposition"]
    files = _unzip(r.content)
    assert {"rides_by_area_hour.csv", "on_time.csv", "shared_rides.csv", "registrations.csv",
            "data_dictionary.json", "README.md", "LICENSE.txt"} == set(files)  # fmt: skip
    grid = {(x["origin_area"], x["destination_area"], x["hour"]): x
            for x in _csv(files["rides_by_area_hour.csv"])}  # fmt: skip
    assert grid[("A", "A", "10")]["rides"] == "7"
    assert grid[("C", "D", "14")]["rides"] == "" and grid[("C", "D", "14")]["suppressed"] == "1"
    # The month's total (14) less the 7 shown would leave the lone ride alone: 9 h goes blank too.
    assert grid[("A", "A", "9")]["rides"] == ""
    totals = {x["origin_area"]: x["rides"] for x in _csv(files["on_time.csv"])}
    assert totals["all"] == "14" and totals["C"] == ""
    assert json.loads(files["data_dictionary.json"])["licence"]["id"] == "CC-BY-4.0"
    _, resident = api.member(staff)
    assert api.client.get("/api/v1/open-data/2026-11.zip", headers=resident).status_code == 403
    assert api.client.get("/api/v1/open-data/2026-11.zip").status_code == 401
    december = api.client.get("/api/v1/open-data/2026-12.zip", headers=staff)
    assert december.status_code == 422 and december.json()["detail"]["code"] == "month_not_over"
    assert api.client.get("/api/v1/open-data/2026-13.zip", headers=staff).status_code == 422
    year_0 = api.client.get("/api/v1/open-data/0000-01.zip", headers=staff)
    assert year_0.status_code == 422 and year_0.json()["detail"]["code"] == "bad_month"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("NORIAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    return tmp_path


def test_export_commands_write_the_feeds(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``noriai export gtfs|gofs|open-data --out DIR`` write the same feeds as served; a file
    as DIR, or a bad month, is one line on stderr and exit 2."""
    assert main(["export", "gtfs", "--out", str(env / "gtfs")]) == 0
    assert problems(_unzip((env / "gtfs" / "flex.zip").read_bytes())) == []
    assert main(["export", "gofs", "--out", str(env / "gofs")]) == 0
    discovery = json.loads((env / "gofs" / "gofs.json").read_text(encoding="utf-8"))
    assert errors("gofs", discovery) == []
    for lang in ("ja", "en"):
        for feed in discovery["data"][lang]["feeds"]:
            if feed["name"] != "wait_time":
                doc = json.loads((env / "gofs" / lang / f"{feed['name']}.json").read_text("utf-8"))
                assert errors(feed["name"], doc) == []
    (env / "a-file").write_text("x")
    capsys.readouterr()
    assert main(["export", "gtfs", "--out", str(env / "a-file")]) == 2
    assert (
        capsys.readouterr().err.strip() == f"noriai: --out {env / 'a-file'} is a file, not a folder"
    )
    assert main(["db", "upgrade"]) == 0
    assert main(["export", "open-data", "--month", "2026-13", "--out", str(env / "od")]) == 2
    assert "not a month" in capsys.readouterr().err
    assert main(["export", "open-data", "--month", "2020-01", "--out", str(env / "od")]) == 0
    assert (env / "od" / "rides_by_area_hour.csv").is_file()
    assert (env / "od" / "LICENSE.txt").read_text("utf-8").startswith("Creative Commons")
    future = (datetime.now() + timedelta(days=62)).strftime("%Y-%m")
    assert main(["export", "open-data", "--month", future, "--out", str(env / "od")]) == 2
    assert "not over yet" in capsys.readouterr().err
