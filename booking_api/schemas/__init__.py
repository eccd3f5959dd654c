"""Request and response schemas of the API (separate from the domain types)."""
