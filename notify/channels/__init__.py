"""Delivery channels: each one sends a :class:`~notify.channels.base.Message` to a provider."""
