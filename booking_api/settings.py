"""Settings of the whole service, read once from the environment (and an optional .env file).

This is the only module that reads the environment. ``Settings()`` is built at
start-up (``noriai`` CLI, the API's ``create_app``) and handed down; the
libraries receive the plain config objects derived from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import AliasChoices, Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from booking_api.city import CITIES_DIR, CityFileError, CityRules, load_city
from booking_api.clientaddr import parse_networks

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The key a fresh checkout runs with; only the demo and the tests may use it.
DEV_SECRET_KEY = "dev-only-change-me"


class SettingsError(ValueError):
    """A configuration value is missing or wrong."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("noriai"))


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("noriai"))


class Settings(BaseSettings):
    """All configuration. Environment variables use the ``NORIAI_`` prefix, except
    ``DATABASE_URL`` and ``REDIS_URL``.
    """

    model_config = SettingsConfigDict(env_prefix="NORIAI_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="", validation_alias=AliasChoices("DATABASE_URL", "NORIAI_DATABASE_URL")
    )
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("REDIS_URL", "NORIAI_REDIS_URL")
    )
    data_dir: Path = Field(default_factory=_default_data_dir)
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    city: str = "kamisu"
    timezone: str = "Asia/Tokyo"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = DEV_SECRET_KEY
    city_file: Path | None = None
    token_ttl_s: int = 12 * 3600
    # Failed logins per account (every way to name it) in the window, and in a day;
    # per client address over any logins, known or not (see booking_api.security).
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    login_max_failures_per_day: int = 20
    login_max_failures_per_address: int = 20
    # Online registrations per client address and per phone number in the window.
    registration_max_per_address: int = 5
    registration_max_per_phone: int = 3
    registration_window_s: int = 3600
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses
    # or CIDR blocks, comma-separated. Empty: the socket's peer is the client.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    workers: int = 1
    demo_speed: float = 10.0
    # Drivers' tablets send the car's GPS position; off in the demo, whose simulated
    # fleet reports the positions (a real browser's location would fight it).
    tablet_gps: bool = True
    dispatch_interval_s: float = 5.0
    # Rehearsals, operator training and the multi-process tests run the service as
    # if it were another time; always 0 in production.
    clock_offset_s: float = 0.0
    # Admission control (per process): requests worked on at once, and how many may
    # wait for a slot and for how long; beyond that the answer is 503 with Retry-After
    # at once, so overload never piles up into time-outs and pool exhaustion. 0 = no limit.
    max_in_flight: int = Field(default=8, ge=0)
    max_engine_in_flight: int = Field(default=2, ge=0)
    max_queued: int = Field(default=64, ge=0)
    queue_wait_s: float = Field(default=10.0, gt=0)
    retry_after_s: int = Field(default=2, ge=1)
    # Database work is bounded too: a statement, a wait for a pooled connection or for
    # a lock that takes longer is given up and answered 503 instead of piling up.
    db_statement_timeout_s: float = Field(default=15.0, gt=0)
    db_pool_timeout_s: float = Field(default=10.0, gt=0)

    _rules: CityRules | None = PrivateAttr(default=None)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        """Accept ``10.0.0.1, 10.1.0.0/16`` from the environment; refuse what is no address."""
        if isinstance(value, str):
            value = [v for v in (p.strip() for p in value.split(",")) if v]
        if isinstance(value, list | tuple):
            parse_networks(tuple(str(v) for v in value))
        return value

    def require_secret_key(self) -> None:
        """Raise SettingsError unless a real secret key is set (every process but the demo
        and the tests: a key everyone can read in the source protects nothing).
        """
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 16:
            raise SettingsError(
                "NORIAI_SECRET_KEY is the development value or shorter than 16 characters; "
                "set a long random value (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')"
            )

    def model_post_init(self, context: Any, /) -> None:
        """Read the city rules at once, so a bad rules file is reported at start-up."""
        path = self.city_file or CITIES_DIR / f"{self.city}.toml"
        try:
            self._rules = load_city(path)
        except CityFileError as exc:
            raise SettingsError(str(exc)) from exc

    def city_rules(self) -> CityRules:
        """Return the service rules from ``city_file`` or the bundled ``cities/<city>.toml``."""
        assert self._rules is not None
        return self._rules

    def engine_config(self) -> Any:
        """Return the ``dispatch.EngineConfig`` with the city's hold and late-cancel rules."""
        from dispatch.config import EngineConfig

        rules = self.city_rules()
        return EngineConfig(
            timezone=rules.timezone,
            offer_hold_s=rules.offer_hold_s,
            late_cancel_notice_s=rules.late_cancel_min * 60,
            taps=rules.taps,
            calendar=rules.calendar,
            booking_horizon_days=rules.booking_horizon_days,
        )

    def maps_config(self) -> Any:
        """Return the ``maps.MapsConfig`` for this city (data bundled in ``maps/data/<city>``)."""
        import maps

        return maps.MapsConfig.bundled(
            self.city_rules().maps_city, cache_dir=self.cache_dir / "maps"
        )

    def resolved_database_url(self) -> str:
        """Return ``database_url``, or a SQLite file in the data directory by default."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'noriai.sqlite'}"
