"""One reading of a typed phone number for login, lookup and lock-out (issue 10 §4,
issue 12 §2): every form ``notify.phone`` accepts for storage (+81, 0081, full-width
digits, any dash people type, brackets) logs in to the same account, finds the same
member in the office's search, and its failures count against that one account.
"""

from __future__ import annotations

import pytest

from booking_api.security import phone_digits_of
from tests.booking_api.conftest import PASSWORD, Api

FORMS = (
    "090-3141-5926",
    "09031415926",
    "090−3141−5926",  # U+2212 minus, as some input methods give
    "090–3141–5926",  # en dash
    "０９０ー３１４１ー５９２６",  # full-width digits, the long-vowel mark
    "０９０―３１４１―５９２６",  # horizontal bar
    "(090) 3141 5926",
    "+81 90 3141 5926",
    "+81-90-3141-5926",
    "0081 90 3141 5926",
    "＋８１ ９０ ３１４１ ５９２６",
)


def _login(api: Api, login: str, password: str) -> int:
    r = api.client.post("/api/v1/auth/login", json={"login": login, "password": password})
    return r.status_code


@pytest.mark.parametrize("form", FORMS)
def test_every_written_form_reads_as_the_stored_number(form: str) -> None:
    """The lenient reader gives the national digits notify.phone stores."""
    assert phone_digits_of(form) == "09031415926"


def test_the_lenient_fallback_stays_for_numbers_the_strict_parser_refuses() -> None:
    """A short or odd-length number (stored before the check) is still read; text is not."""
    assert phone_digits_of("0299−44−556") == "029944556"  # nine digits, any dash
    assert phone_digits_of("K0001234") is None
    assert phone_digits_of("12345") is None


def test_every_form_logs_in_and_finds_the_member(api: Api) -> None:
    """Each form logs in to the one account; the office's search finds the member by it."""
    member, _ = api.member(phone="090-3141-5926")
    staff = api.staff()
    for form in FORMS:
        assert _login(api, form, PASSWORD) == 200, form
        r = api.client.get("/api/v1/members", params={"q": form}, headers=staff)
        assert r.status_code == 200, r.text
        assert [m["id"] for m in r.json()] == [member["id"]], form


def test_failures_in_different_forms_lock_the_one_account(api: Api) -> None:
    """Five wrong passwords, each under another form, lock every form and the number."""
    member, _ = api.member(phone="090-2718-2818")
    tries = ("090−2718−2818", "+81 90 2718 2818", "０９０―２７１８―２８１８",
             "0081-90-2718-2818", "090–2718–2818")  # fmt: skip
    assert [_login(api, f, "wrong-pin") for f in tries] == [401] * 5
    assert _login(api, "09027182818", PASSWORD) == 429
    assert _login(api, member["member_number"], PASSWORD) == 429


def test_an_unknown_number_locks_under_one_key_whatever_its_form(api: Api) -> None:
    """Guesses at a number no member has count together too, so a 429 does not tell."""
    tries = ("090−1111−9999", "+81 90 1111 9999", "09011119999", "090–1111–9999",
             "０９０ー１１１１ー９９９９")  # fmt: skip
    assert [_login(api, f, "guess") for f in tries] == [401] * 5
    assert _login(api, "090-1111-9999", "guess") == 429
