"""Fares, tickets and payments: fare rules, the money ledger, products and wallets.

Pure domain code (no HTTP, no SQL): the booking API stores the rows and
answers the requests. ``fares`` may import ``dispatch``, never the web layer.
"""
