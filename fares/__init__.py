"""Fares, tickets and payments: fare rules, the money ledger, products and wallets, the
figures the city reports, and the online payment provider's adapter.

Domain code (no web layer, no SQL): the booking API stores the rows and answers
the requests. ``fares`` may import ``dispatch``, never the web layer. The one
server here is ``fares.standin``, the payment provider's local stand-in for the
demo and the tests (a stdlib page that signs its webhooks), run by ``noriai
pay-standin`` (``fares.cli``); the domain modules never import it (import-linter).
"""
