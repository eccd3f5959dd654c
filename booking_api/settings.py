"""Settings of the whole service, read once from the environment (and an optional .env file).

This is the only module that reads the environment. ``Settings()`` is built at
start-up (``noriai`` CLI, the API's ``create_app``) and handed down; the
libraries receive the plain config objects derived from it.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


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
    secret_key: str = "dev-only-change-me"

    def resolved_database_url(self) -> str:
        """Return ``database_url``, or a SQLite file in the data directory by default."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'noriai.sqlite'}"
