"""Fare rules: categories, companions and carers, area pairs, versions by date (fares.rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fares.errors import FareConfigError
from fares.rules import Party, parse_fare_table, parse_payment

TABLE = {
    "categories": {"general": 300, "senior": 300, "disability": 150, "child": 150, "preschool": 0},
    "default_category": "general",
    "companion_yen": 300,
    "free_companions": 1,
    "free_companion_categories": ["disability"],
    "carers_ride_free": True,
    "area_pairs": [{"areas": ["A", "D"], "yen": {"general": 500, "disability": 250}}],
    "versions": [
        {
            "effective_from": "2027-04-01",
            "categories": {
                "general": 400,
                "senior": 300,
                "disability": 200,
                "child": 200,
                "preschool": 0,
            },
        },
    ],
}
DAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("category", "yen"),
    [
        ("general", 300),
        ("senior", 300),
        ("disability", 150),
        ("child", 150),
        ("preschool", 0),
        ("unknown", 300),
    ],
)
def test_a_member_alone_pays_their_category(category: str, yen: int) -> None:
    """Each category has its own fare; an unknown one pays as the default category."""
    assert parse_fare_table(TABLE).fare(Party(category), DAY).total_yen == yen


def test_carers_ride_free_and_companions_pay() -> None:
    """A carer rides free; each companion pays the companion fare."""
    fare = parse_fare_table(TABLE).fare(Party("general", companions=2, carers=1), DAY)
    assert fare.total_yen == 300 + 2 * 300
    assert [(x.who, x.count, x.yen_each) for x in fare.lines] == [
        ("member", 1, 300),
        ("companion", 2, 300),
        ("carer", 1, 0),
    ]


def test_the_first_companion_of_a_disability_handbook_holder_is_free() -> None:
    """free_companions applies only to free_companion_categories."""
    table = parse_fare_table(TABLE)
    assert table.fare(Party("disability", companions=2), DAY).total_yen == 150 + 300
    assert table.fare(Party("senior", companions=2), DAY).total_yen == 300 + 600


def test_carers_pay_as_companions_when_the_city_says_so() -> None:
    """Without carers_ride_free a carer is a paying companion."""
    table = parse_fare_table({**TABLE, "carers_ride_free": False})
    assert table.fare(Party("general", carers=1), DAY).total_yen == 600


def test_an_area_pair_has_its_own_fare_either_way() -> None:
    """A → D and D → A cost the pair's fare; a category the pair does not list pays flat."""
    table = parse_fare_table(TABLE)
    assert table.fare(Party("general"), DAY, ("A", "D")).total_yen == 500
    assert table.fare(Party("general"), DAY, ("D", "A")).total_yen == 500
    assert table.fare(Party("disability"), DAY, ("D", "A")).total_yen == 250
    assert table.fare(Party("senior"), DAY, ("A", "D")).total_yen == 300
    assert table.fare(Party("general"), DAY, ("A", "B")).total_yen == 300


def test_a_new_version_applies_from_its_date_only() -> None:
    """The rule of the ride's day applies: the day before keeps the old fare."""
    table = parse_fare_table(TABLE)
    before = table.fare(Party("general"), date(2027, 3, 31))
    after = table.fare(Party("general"), date(2027, 4, 1))
    assert (before.total_yen, before.version[:11]) == (300, "1970-01-01#")
    assert (after.total_yen, after.version[:11]) == (400, "2027-04-01#")
    # what the version does not name carries over
    assert table.rule_on(date(2027, 4, 1)).companion_yen == 300


@pytest.mark.parametrize(
    "bad",
    [
        {"categories": {"general": -1}},
        {"categories": {"general": 1.5}},
        {"categories": {"general": 300}, "default_category": "senior"},
        {"categories": {"general": 300}, "versions": [{"categories": {"general": 1}}]},
        {
            "categories": {"general": 300, "child": 1},
            "versions": [{"effective_from": "2027-01-01", "categories": {"general": 1}}],
        },
        {
            "categories": {"general": 300},
            "versions": [{"effective_from": "2027-01-01"}, {"effective_from": "2026-01-01"}],
        },
        {"categories": {"general": 300}, "area_pairs": [{"areas": ["A", "B"], "yen": {"x": 1}}]},
    ],
)
def test_a_bad_table_is_refused(bad: dict[str, object]) -> None:
    """Negative or fractional yen, unknown categories, versions out of order are refused."""
    with pytest.raises(FareConfigError):
        parse_fare_table(bad)


def test_payment_methods_must_be_known() -> None:
    """An on-board method the system does not know is a city-file error."""
    assert parse_payment({"payment_methods": ["cash", "qr"]}).methods == ("cash", "qr")
    with pytest.raises(FareConfigError):
        parse_payment({"payment_methods": ["bitcoin"]})


@given(
    category=st.sampled_from(["general", "senior", "disability", "child", "preschool"]),
    companions=st.integers(0, 10),
    carers=st.integers(0, 10),
    day=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_fare_properties(category: str, companions: int, carers: int, day: date) -> None:
    """The total is the sum of the lines, never negative, counts everyone once, and carers
    never cost more than companions would."""
    table = parse_fare_table(TABLE)
    fare = table.fare(Party(category, companions, carers), day)
    assert fare.total_yen == sum(x.count * x.yen_each for x in fare.lines) >= 0
    assert sum(x.count for x in fare.lines) == 1 + companions + carers
    as_companions = table.fare(Party(category, companions + carers, 0), day)
    assert fare.total_yen <= as_companions.total_yen
    assert fare.version == table.version_of(table.rule_on(day))


def test_the_version_names_the_rule_by_its_day_and_content() -> None:
    """The same rule always has the same version; a rule edited in place (same day, other
    yen, companions or default category) gets another one, so a booking shows which priced
    it."""
    table = parse_fare_table(TABLE)
    again = parse_fare_table(TABLE)
    day = date(2027, 4, 1)
    version = table.fare(Party("general"), day).version
    assert version == again.fare(Party("general"), day).version
    assert version.startswith("2027-04-01#") and len(version) == len("2027-04-01#") + 8
    assert version != table.fare(Party("general"), date(2027, 3, 31)).version
    rule = table.rule_on(day)
    edits = [
        replace(rule, categories={**rule.categories, "general": 450}),
        replace(rule, companion_yen=rule.companion_yen + 50),
        replace(rule, carers_ride_free=not rule.carers_ride_free),
    ]
    versions = {table.version_of(r) for r in edits} | {version}
    assert len(versions) == 4
    other_default = replace(table, default_category="senior")
    assert other_default.version_of(rule) != version
