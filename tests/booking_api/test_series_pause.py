"""Standing orders: staff create one for a member, pause it over a holiday (its rides there
are cancelled), resume it (booked again), see each date that could not be placed and why,
cancel it with a reason and restore it; all audited."""

from __future__ import annotations

from typing import Any

from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FakeEngine


def _series(api: Api, staff: dict[str, str], member_id: str) -> dict[str, Any]:
    body = {**quote_body(), "member_id": member_id, "weekdays": [0, 2, 4],
            "start_date": "2026-12-02", "until": "2027-01-08"}  # fmt: skip
    del body["date"]
    r = api.client.post("/api/v1/series", json=body, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_paused_standing_order_is_rebooked_on_resume(api: Api, engine: FakeEngine) -> None:
    """Pausing cancels the range's rides with the reason; resuming books them again."""
    staff = api.staff()
    member, _ = api.member(staff)
    made = _series(api, staff, member["id"])
    sid = made["series_id"]
    detail = api.client.get(f"/api/v1/series/{sid}", headers=staff).json()
    unplaced = {o["date"]: o for o in detail["occurrences"] if o["status"] == "unplaced"}
    assert set(unplaced) == {"2026-12-30", "2027-01-01"}  # the year-end closure, kept with why
    assert unplaced["2026-12-30"]["code"] == "closed_day"
    assert "運休" in unplaced["2026-12-30"]["message_ja"] and unplaced["2026-12-30"]["message_en"]
    assert detail["member_number"] == member["member_number"] and detail["booked"] == 15
    pause = {"start_date": "2026-12-07", "end_date": "2026-12-11", "reason": "入院のため"}
    r = api.client.post(f"/api/v1/series/{sid}/pause", json=pause, headers=staff)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["cancelled"]) == 3  # Mon 7, Wed 9, Fri 11
    for ride_id in out["cancelled"]:
        assert engine.get_ride(ride_id).status == "cancelled"
    paused = [o["date"] for o in out["series"]["occurrences"] if o["status"] == "paused"]
    assert paused == ["2026-12-07", "2026-12-09", "2026-12-11"]
    (p,) = out["series"]["pauses"]
    assert (p["reason"], p["resumed"]) == ("入院のため", False)
    r = api.client.post(f"/api/v1/series/{sid}/pauses/{p['id']}/resume", headers=staff)
    assert r.status_code == 200, r.text
    assert len(r.json()["booked"]) == 3 and r.json()["series"]["paused"] == 0
    again = api.client.post(f"/api/v1/series/{sid}/pauses/{p['id']}/resume", headers=staff)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_resumed"
    log = api.client.get("/api/v1/audit?action=series.", headers=api.staff("admin")).json()
    assert [e["action"] for e in log[:3]] == ["series.resume", "series.pause", "series.create"]
    assert log[1]["after"]["reason"] == "入院のため"


def test_listing_per_member_and_cancel_with_reason_then_restore(api: Api) -> None:
    """Staff list one member's series; a cancellation keeps its reason and can be undone."""
    staff = api.staff()
    a, _ = api.member(staff)
    b, _ = api.member(staff)
    sa = _series(api, staff, a["id"])["series_id"]
    _series(api, staff, b["id"])
    mine = api.client.get(f"/api/v1/series?member_id={a['id']}", headers=staff).json()
    assert [s["id"] for s in mine] == [sa]
    assert len(api.client.get("/api/v1/series", headers=staff).json()) >= 2
    r = api.client.post(f"/api/v1/series/{sa}/cancel", json={"reason": "転居"}, headers=staff)
    assert r.status_code == 200 and len(r.json()["cancelled"]) == 15
    paused = api.client.post(
        f"/api/v1/series/{sa}/pause",
        json={"start_date": "2026-12-07", "end_date": "2026-12-08", "reason": "x"},
        headers=staff,
    )
    assert paused.status_code == 409
    r = api.client.post(f"/api/v1/series/{sa}/restore", json={"reason": "誤操作"}, headers=staff)
    assert r.status_code == 200, r.text
    assert len(r.json()["booked"]) == 15 and r.json()["series"]["active"]
    log = api.client.get(f"/api/v1/audit?member={a['id']}", headers=api.staff("admin")).json()
    actions = [e["action"] for e in log]
    assert actions[:2] == ["series.restore", "series.cancel"]
    assert log[1]["after"]["reason"] == "転居"


def test_bad_pauses_are_refused_in_words(api: Api) -> None:
    """A pause ending before it starts is a 422 rule; another member's series is a 404."""
    staff = api.staff()
    member, me = api.member(staff)
    sid = _series(api, staff, member["id"])["series_id"]
    bad = {"start_date": "2026-12-10", "end_date": "2026-12-07", "reason": "x"}
    r = api.client.post(f"/api/v1/series/{sid}/pause", json=bad, headers=staff)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_period"
    _, other = api.member(staff)
    assert api.client.get(f"/api/v1/series/{sid}", headers=other).status_code == 404
    assert api.client.post(f"/api/v1/series/{sid}/restore", json={}, headers=me).status_code in (
        403,
        409,
    )
