"""Notifications to riders: events, templates, channel choice, the outbox and its worker.

Sits beside ``fares`` between ``driver_app`` and ``dispatch`` in the import contract: it
may use ``dispatch`` (its store's ``Base``, rides) but never the web layer.
"""
