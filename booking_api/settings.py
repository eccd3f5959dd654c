"""Settings of the whole service, read once from the environment (and an optional .env file).

This is the only module that reads the environment. ``Settings()`` is built at
start-up (``noriai`` CLI, the API's ``create_app``) and handed down; the
libraries receive the plain config objects derived from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

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
    # Web assets under versioned URLs cached for a year, responses gzip-compressed;
    # off only for the page benchmark's baseline (see booking_api.assets).
    versioned_assets: bool = True
    compress: bool = True
    demo_speed: float = 10.0
    # Drivers' tablets send the car's GPS position; off in the demo, whose simulated
    # fleet reports the positions (a real browser's location would fight it).
    tablet_gps: bool = True
    # The tablet's ナビ button hands the next stop to the device's navigation app:
    # geo (a geo: URI, Android's chooser), google (Google Maps directions URL) or apple.
    navigation_app: Literal["geo", "google", "apple"] = "geo"
    # Online purchases: which payment provider (fares.payprovider; "local" is the
    # stand-in that signs its webhooks like a real one; empty = no online sales), the
    # secret its webhooks are signed with, and where its payment page is.
    payment_provider: str = ""
    payment_webhook_secret: str = ""
    payment_page_url: str = "/pay"
    dispatch_interval_s: float = 5.0
    # Rehearsals, operator training and the multi-process tests run the service as
    # if it were another time; always 0 in production.
    clock_offset_s: float = 0.0
    # Admission control (per process): requests worked on at once, and how many may
    # wait for a slot and for how long; beyond that the answer is 503 with Retry-After
    # at once, so overload never piles up into time-outs and pool exhaustion. 0 = no limit.
    max_in_flight: int = Field(default=8, ge=0)
    max_engine_in_flight: int = Field(default=2, ge=0)
    # NORIAI_DAY_CACHE=false: the engine reads the whole day per quote (the benchmark baseline)
    day_cache: bool = True
    max_queued: int = Field(default=64, ge=0)
    queue_wait_s: float = Field(default=10.0, gt=0)
    # A quote has a latency budget of its own: one that has waited this long for a slot
    # (or would, by the queue ahead of it) is answered 503 with Retry-After at once
    # instead of late; confirmations keep queue_wait_s (booking_api.admission).
    quote_queue_wait_s: float = Field(default=0.5, gt=0)
    retry_after_s: int = Field(default=2, ge=1)
    # Database work is bounded too: a statement, a wait for a pooled connection or for
    # a lock that takes longer is given up and answered 503 instead of piling up.
    db_statement_timeout_s: float = Field(default=15.0, gt=0)
    db_pool_timeout_s: float = Field(default=10.0, gt=0)
    # Notification channels (notify.channels); a channel whose URL/host/key is empty is off.
    # Web Push (VAPID, RFC 8292): the base64url pair printed by `noriai vapid-keys`, and a
    # mailto: or https: contact the browsers' push services can reach.
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = ""
    # SMS gateway: base URL of its JSON API, the API key, the sender id or number shown.
    sms_url: str = ""
    sms_key: str = ""
    sms_sender: str = ""
    # The secret the gateway signs its delivery receipts with (HMAC-SHA256, see
    # notify.receipts); set, messages ask for receipts at <public_url>/api/v1/receipts/sms.
    # Empty: no receipts (that endpoint answers 404) and SMS stay "sent".
    sms_receipt_secret: str = ""
    # Voice-call provider (automated calls to landlines): base URL, API key, and the caller
    # id the member's phone shows (many elderly members' phones refuse hidden numbers).
    voice_url: str = ""
    voice_key: str = ""
    voice_caller_id: str = ""
    # SMTP relay for email; From is "名前 <address>"; STARTTLS unless the relay is local.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    # SMTP TLS: implicit TLS from the first byte (port 465; STARTTLS is then moot); the
    # relay's certificate is verified (against smtp_ca_file alone when set, a private
    # CA); a certificate that does not verify keeps the messages queued.
    smtp_tls: bool = False
    smtp_verify_certs: bool = True
    smtp_ca_file: str = ""
    # Email bounces (notify.dsn, notify.bounces): with a bounce domain each email's
    # envelope sender is bounce+<delivery id>@<domain>, and `noriai bounces` listens on
    # bounce_host:bounce_port for the reports the domain's MX hands on. Empty: off.
    bounce_domain: str = ""
    bounce_host: str = "127.0.0.1"
    bounce_port: int = Field(default=2525, ge=1, le=65535)
    # The notifier (noriai notifier): a message not sent within notify_give_up_after_s
    # expires and the office is told; retries wait backoff_first * 2^n, at most backoff_max.
    notify_give_up_after_s: int = Field(default=6 * 3600, gt=0)
    notify_backoff_first_s: float = Field(default=15.0, gt=0)
    notify_backoff_max_s: float = Field(default=900.0, gt=0)
    notify_batch_size: int = Field(default=50, gt=0)
    notify_poll_s: float = Field(default=1.0, gt=0)
    # The address residents open the app at (deep links in pushes and emails).
    public_url: str = "http://127.0.0.1:8000"

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
        if self.sms_receipt_secret and len(self.sms_receipt_secret) < 16:
            raise SettingsError(
                "NORIAI_SMS_RECEIPT_SECRET is shorter than 16 characters; share a long "
                "random value with the SMS gateway (or leave it empty for no receipts)"
            )
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
            wheelchair_place_cost_s=rules.wheelchair_place_cost_s,
            reoptimize_darp_share=rules.darp_share,
            day_cache=self.day_cache,
        )

    def map_dir(self) -> Path:
        """Return the city's map data folder: the city file's ``maps_dir`` where it lies (as
        ``noriai maps import`` wrote it), else the bundled ``maps/data/<maps_city>``; a
        folder without its ``city.toml`` is a ``SettingsError`` naming the path."""
        import maps

        rules = self.city_rules()
        if rules.maps_dir is None:
            return Path(maps.bundled_city_dir(rules.maps_city))
        if not (rules.maps_dir / "city.toml").is_file():
            raise SettingsError(
                f"city file [city] maps_dir = {str(rules.maps_dir)!r}: no city.toml there "
                "(give the folder `noriai maps import --out` wrote)"
            )
        return rules.maps_dir

    def maps_config(self) -> Any:
        """Return the ``maps.MapsConfig`` for this city's map folder (see ``map_dir``)."""
        import maps

        return maps.MapsConfig(data_dir=self.map_dir(), cache_dir=self.cache_dir / "maps")

    def resolved_database_url(self) -> str:
        """Return ``database_url``, or a SQLite file in the data directory by default."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'noriai.sqlite'}"

    def push_config(self) -> Any:
        """Return the ``notify.channels.push.PushConfig``, or None when no VAPID key is set."""
        from notify.channels.push import PushConfig

        if not self.vapid_private_key:
            return None
        return _channel_config(
            "NORIAI_VAPID_*",
            PushConfig,
            self.vapid_private_key,
            self.vapid_public_key,
            self.vapid_subject,
        )

    def sms_config(self) -> Any:
        """Return the ``notify.channels.sms.SmsConfig``, or None when no gateway is set."""
        from notify.channels.sms import SmsConfig

        if not self.sms_url:
            return None
        receipts = f"{self.public_url.rstrip('/')}/api/v1/receipts/sms"
        return _channel_config(
            "NORIAI_SMS_*",
            SmsConfig,
            self.sms_url,
            self.sms_key,
            self.sms_sender,
            receipts if self.sms_receipt_secret else "",
        )

    def voice_config(self) -> Any:
        """Return the ``notify.channels.voice.VoiceConfig``, or None when no provider is set."""
        from notify.channels.voice import VoiceConfig

        if not self.voice_url:
            return None
        return _channel_config(
            "NORIAI_VOICE_*", VoiceConfig, self.voice_url, self.voice_key, self.voice_caller_id
        )

    def email_config(self) -> Any:
        """Return the ``notify.channels.email.EmailConfig``, or None when no relay is set."""
        from notify.channels.email import EmailConfig

        if not self.smtp_host:
            return None
        return _channel_config(
            "NORIAI_SMTP_*",
            EmailConfig,
            self.smtp_host,
            self.smtp_port,
            self.smtp_from,
            self.smtp_user,
            self.smtp_password,
            self.smtp_starttls,
            self.smtp_tls,
            self.smtp_verify_certs,
            self.smtp_ca_file,
            self.bounce_domain,
        )

    def bounce_config(self) -> Any:
        """Return the ``notify.bounces.BounceConfig``, or None when no bounce domain is set."""
        from notify.bounces import BounceConfig

        if not self.bounce_domain:
            return None
        return _channel_config(
            "NORIAI_BOUNCE_*", BounceConfig, self.bounce_domain, self.bounce_host, self.bounce_port
        )


def _channel_config(names: str, factory: Any, *args: Any) -> Any:
    """Build a channel's config; its ValueError becomes a SettingsError naming the settings."""
    try:
        return factory(*args)
    except ValueError as exc:
        raise SettingsError(f"{names}: {exc}") from exc
