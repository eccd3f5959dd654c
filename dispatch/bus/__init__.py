"""Event buses: ``InProcessBus`` (default), ``RedisBus`` (``dispatch.bus.redis``); leader locks."""

from __future__ import annotations

from dispatch.bus.base import EventBus as EventBus
from dispatch.bus.base import LeaderLock as LeaderLock
from dispatch.bus.base import Message as Message
from dispatch.bus.base import Subscription as Subscription
from dispatch.bus.memory import AlwaysLeader as AlwaysLeader
from dispatch.bus.memory import InProcessBus as InProcessBus
