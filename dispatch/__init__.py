"""Noriai's live dispatch: state machines, persistence, the engine, the event bus, the simulator."""

from __future__ import annotations

from dispatch.config import EngineConfig as EngineConfig
