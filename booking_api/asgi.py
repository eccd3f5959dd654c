"""ASGI entry point for ``noriai serve`` (``uvicorn booking_api.asgi:make_app --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from booking_api.main import create_app
from booking_api.settings import Settings


def make_app() -> FastAPI:
    """Build the app from the environment's settings (one per worker process); refuses
    the development secret key, like ``noriai serve``.
    """
    settings = Settings()
    settings.require_secret_key()
    return create_app(settings)
