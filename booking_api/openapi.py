"""The OpenAPI document tells the truth about errors: every status an operation can answer.

The house error shape (``ErrorOut``) and what each status means are declared
once here (``ERROR_RESPONSES``; ``answers(409, ...)`` for a route's own
``responses=``). ``install(app)`` completes each operation from what its route
depends on, so no route has to repeat it: a login → 401, a role → 403, the
database → 503 (unreachable or busy), the engine or map → 503, a path parameter
→ 404, a body → 400 (not readable as JSON), and 422 everywhere (a field, a rule,
or a control character in the path or query string, which each text parameter's
pattern says). Codes a route declares itself (409, 429 ...) get the same shape
and description.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict

from booking_api.deps import current_account, get_db, get_engine, get_map
from booking_api.schemas.types import LINE_PATTERN


class FieldError(BaseModel):
    """One field's problem, in both languages."""

    field: str
    message: str | None = None
    message_ja: str
    message_en: str


class ErrorDetail(BaseModel):
    """What went wrong: a stable ``code`` and a sentence in Japanese and English."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    message_ja: str
    message_en: str
    errors: list[FieldError] | None = None
    retry_after_s: int | None = None


class ErrorOut(BaseModel):
    """Every error answer: ``{"detail": {...}}``."""

    detail: ErrorDetail


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
ERROR_RESPONSES: dict[int, dict[str, Any]] = {
    400: {"description": "The body could not be read as JSON, or an Idempotency-Key was reused"},
    401: {"description": "Not logged in, or the session has expired"},
    403: {"description": "This account may not do this (role, or membership not approved)"},
    404: {"description": "No such record (another member's records are not found either)"},
    409: {"description": "Refused by the record's state or a rule (e.g. the offer is taken)"},
    422: {"description": "A field is not valid (see errors), or a service rule refuses it"},
    429: {"description": "Too many attempts; try again after Retry-After", "headers": _RETRY_AFTER},
    503: {"description": "Busy or unavailable; retry after Retry-After", "headers": _RETRY_AFTER},
}
_REF = {"$ref": "#/components/schemas/ErrorOut"}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return ``responses=`` for a route that answers ``codes`` (shape and meaning from here)."""
    return {code: {"model": ErrorOut, **ERROR_RESPONSES[code]} for code in codes}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def route_errors(route: Any) -> set[int]:
    """Return the error statuses a route can answer, from what it depends on."""
    calls = set(_calls(route.dependant))
    codes = {422}
    if current_account in calls:
        codes.add(401)
    if any(getattr(c, "__qualname__", "").startswith("_role.") for c in calls):
        codes.add(403)
    if calls & {get_db, get_engine, get_map}:
        codes.add(503)
    if route.dependant.path_params:
        codes.add(404)
    if route.dependant.body_params:
        codes.add(400)
    return codes


def document(app: FastAPI) -> dict[str, Any]:
    """Return the app's OpenAPI document with every operation's error answers completed."""
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    _line_parameters(schema)
    for route in iter_route_contexts(app.routes):  # routers included in routers too
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            responses = operation["responses"]
            declared = {int(c) for c in responses if c.isdigit() and int(c) >= 400}
            for code in sorted(declared | route_errors(route)):
                given = responses.get(str(code), {})
                content = given.get("content", {}).get("application/json", {}).get("schema", {})
                if content and "HTTPValidationError" not in str(content):
                    continue  # the route documents its own body for this status
                entry = {**ERROR_RESPONSES.get(code, {"description": "Error"})}
                entry["content"] = {"application/json": {"schema": _REF}}
                responses[str(code)] = entry
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def _line_parameters(schema: dict[str, Any]) -> None:
    """Say in each text path and query parameter that control characters are refused
    (errors.RefuseControlCharacters refuses them before any route sees them).
    """
    for operations in schema["paths"].values():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param.get("in") not in {"path", "query"}:
                    continue
                for alternative in param["schema"].get("anyOf", [param["schema"]]):
                    if alternative.get("type") == "string" and "pattern" not in alternative:
                        alternative["pattern"] = LINE_PATTERN


def install(app: FastAPI) -> None:
    """Serve the completed document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
