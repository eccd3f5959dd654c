"""The OpenAPI document states every bound in JSON Schema words clients read.

A bound pydantic cannot place on the type (after a validator) reaches the document
as ``ge``/``le``: enforced by the server, invisible to clients and to the fuzzer,
which then sends "valid" numbers the server refuses.
"""

from __future__ import annotations

from typing import Any

from tests.booking_api.conftest import Api

PYDANTIC_ONLY = {"ge", "le", "gt", "lt", "multiple_of", "min_length", "max_length"}


def _leaks(node: Any, path: str, out: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") in {"integer", "number", "string"} and PYDANTIC_ONLY & set(node):
            out.append(f"{path}: {sorted(PYDANTIC_ONLY & set(node))}")
        for key, value in node.items():
            _leaks(value, f"{path}/{key}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _leaks(value, f"{path}[{i}]", out)


def test_no_bound_is_written_in_pydantic_words(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    found: list[str] = []
    _leaks(document, "", found)
    assert not found, "\n".join(found)
    # and the bounds that were fixed are there in JSON Schema's words
    expected = document["components"]["schemas"]["BroadcastIn"]["properties"]["expected"]
    assert (expected["minimum"], expected["maximum"]) == (0, 1_000_000)
