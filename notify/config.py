"""The notifier's configuration: a frozen dataclass built by ``booking_api.settings``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path


@dataclass(frozen=True)
class NotifyConfig:
    """Timing, retry and text settings; the city's parts come from its city file."""

    catalogue_dir: Path  # the apps' catalogues: {ja,en,ja-x-easy}.json with notify.* keys
    timezone: str = "Asia/Tokyo"
    country_code: str = "81"  # national numbers 0XX... become +81XX... for providers
    public_url: str = "http://127.0.0.1:8000"  # deep links in pushes and emails
    reminder_time: time = time(18, 0)  # the evening before, local time (city file)
    quiet_start: time | None = time(21, 0)  # default quiet hours (city file)
    quiet_end: time | None = time(8, 0)
    keep_bodies_days: int = 30  # message texts are blanked after this (city file)
    purge_every_s: float = 3600.0  # how often the worker blanks the texts past that age
    give_up_after_s: int = 6 * 3600  # then the delivery expires and the office is told
    backoff_first_s: float = 15.0
    backoff_max_s: float = 15 * 60.0
    send_timeout_s: float = 10.0
    batch_size: int = 50
    concurrency: int = 8
    lease_s: float = 120.0  # a claimed row is another worker's again after this
    poll_s: float = 1.0
    call_check_s: float = 60.0  # how often a placed call's outcome is asked for
    gap_wait_s: float = 30.0  # how long an unseen log id may be an uncommitted transaction
