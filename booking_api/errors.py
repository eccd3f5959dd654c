"""API errors with bilingual messages, and the handlers that shape every error body.

Every error is ``{"detail": {"code", "message", "message_ja", "message_en", ...}}``;
``message`` follows ``Accept-Language`` (Japanese unless English is preferred).
Validation errors (422) list each field with a sentence in both languages; a
control character in the path or query string is one too. No handler ever
shows a traceback.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_api.schemas.types import has_control

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered with ``status`` and a bilingual message."""

    def __init__(
        self, status: int, code: str, message_en: str, message_ja: str, **extra: Any
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja
        self.extra = extra


def not_found(what_en: str = "record", what_ja: str = "データ") -> ApiError:
    """Return the 404 used for unknown and for other members' records alike."""
    return ApiError(404, "not_found", f"No such {what_en}.", f"該当する{what_ja}が見つかりません。")


def prefers_english(request: Request) -> bool:
    """Return whether the request's ``Accept-Language`` ranks English above Japanese."""
    return prefers_english_header(request.headers.get("accept-language", ""))


def prefers_english_header(header: str) -> bool:
    """Return whether an ``Accept-Language`` value ranks English above Japanese."""
    best_lang, best_q = "ja", 0.0
    for part in header.split(","):
        bits = part.strip().split(";")
        lang = bits[0].strip().lower()[:2]
        q = 1.0
        for bit in bits[1:]:
            if bit.strip().startswith("q="):
                try:
                    q = float(bit.strip()[2:])
                except ValueError:
                    q = 0.0
        if lang in {"ja", "en"} and q > best_q:
            best_lang, best_q = lang, q
    return best_lang == "en"


def body(request: Request, code: str, en: str, ja: str, **extra: Any) -> dict[str, Any]:
    """Return the error body in the house shape."""
    message = en if prefers_english(request) else ja
    detail = {"code": code, "message": message, "message_ja": ja, "message_en": en, **extra}
    return {"detail": jsonable_encoder(detail)}


# Pydantic error type -> (English, Japanese) templates; {x} fields come from ``ctx``.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("This field is required.", "必須項目です。"),
    "string_too_short": (
        "Too short (at least {min_length} characters).",
        "{min_length}文字以上で入力してください。",
    ),
    "string_too_long": (
        "Too long (at most {max_length} characters).",
        "{max_length}文字以内で入力してください。",
    ),
    "string_pattern_mismatch": ("The format is not valid.", "形式が正しくありません。"),
    "string_type": ("Must be text.", "文字で入力してください。"),
    "int_parsing": ("Must be a whole number.", "整数で入力してください。"),
    "int_type": ("Must be a whole number.", "整数で入力してください。"),
    "int_from_float": ("Must be a whole number.", "整数で入力してください。"),
    "float_parsing": ("Must be a number.", "数値で入力してください。"),
    "float_type": ("Must be a number.", "数値で入力してください。"),
    "finite_number": ("Must be a finite number.", "有効な数値で入力してください。"),
    "bool_parsing": ("Must be true or false.", "はい・いいえで指定してください。"),
    "bool_type": ("Must be true or false.", "はい・いいえで指定してください。"),
    "greater_than_equal": ("Must be at least {ge}.", "{ge}以上で入力してください。"),
    "greater_than": ("Must be more than {gt}.", "{gt}より大きい値を入力してください。"),
    "less_than_equal": ("Must be at most {le}.", "{le}以下で入力してください。"),
    "less_than": ("Must be less than {lt}.", "{lt}未満の値を入力してください。"),
    "date_from_datetime_parsing": (
        "Must be a date (YYYY-MM-DD).",
        "日付（YYYY-MM-DD）で入力してください。",
    ),
    "date_parsing": ("Must be a date (YYYY-MM-DD).", "日付（YYYY-MM-DD）で入力してください。"),
    "date_type": ("Must be a date (YYYY-MM-DD).", "日付（YYYY-MM-DD）で入力してください。"),
    "literal_error": ("Must be one of: {expected}.", "次のいずれかを指定してください: {expected}"),
    "enum": ("Must be one of: {expected}.", "次のいずれかを指定してください: {expected}"),
    "json_invalid": (
        "The request body is not valid JSON.",
        "送信内容の形式（JSON）が正しくありません。",
    ),
    "model_attributes_type": ("Must be an object.", "オブジェクト形式で指定してください。"),
    "dict_type": ("Must be an object.", "オブジェクト形式で指定してください。"),
    "list_type": ("Must be a list.", "リスト形式で指定してください。"),
    "extra_forbidden": ("This field is not allowed.", "この項目は指定できません。"),
    "control_character": (
        "Must not contain control characters (such as NUL).",
        "制御文字（NULなど）は使えません。",
    ),
    "date_out_of_range": (
        "Must be a date from {first} to {last}.",
        "{first}から{last}までの日付で入力してください。",
    ),
}


def _ja_choices(expected: str) -> str:
    """Write pydantic's ``'a', 'b' or 'c'`` as Japanese lists them: ``a、b、c``."""
    parts = [p.strip().strip("'\"") for p in expected.replace(" or ", ", ").split(",")]
    return "、".join(p for p in parts if p)


def field_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Translate pydantic's error list into field-level bilingual messages."""
    out: list[dict[str, str]] = []
    for err in errors:
        ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
        kind = str(err.get("type", ""))
        field = ".".join(str(p) for p in err.get("loc", ()))
        if kind == "value_error" and "error" in (err.get("ctx") or {}):
            exc = err["ctx"]["error"]
            en = str(getattr(exc, "message_en", exc))
            ja = str(getattr(exc, "message_ja", en))
        elif kind in _MESSAGES:
            en_t, ja_t = _MESSAGES[kind]
            ctx_ja = {k: _ja_choices(v) if k == "expected" else v for k, v in ctx.items()}
            try:
                en, ja = en_t.format(**ctx), ja_t.format(**ctx_ja)
            except (KeyError, IndexError):
                en, ja = en_t, ja_t
        else:
            en = str(err.get("msg", "Invalid value."))
            ja = "入力内容が正しくありません。"
        out.append({"field": field, "message_en": en, "message_ja": ja})
    return out


def _rule_violations(errors: list[Any]) -> list[Any]:
    """Return the errors' rule exceptions (with a ``code``) if every error is one, else []."""
    found = [
        (e.get("ctx") or {}).get("error")
        for e in errors
        if e.get("type") == "value_error"
    ]
    named = [x for x in found if isinstance(getattr(x, "code", None), str)]
    return named if errors and len(named) == len(errors) else []


def control_character_fields(scope: Scope) -> list[str]:
    """Return where the request's path or query string holds a control character."""
    found = ["path"] if has_control(scope.get("path", "")) else []
    query = bytes(scope.get("query_string", b"")).decode("utf-8", "replace")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if has_control(name) or has_control(value):
            found.append(f"query.{name}")
    return found


class RefuseControlCharacters:
    """ASGI middleware: a path or query string with a control character (NUL, DEL, C1)
    gets the 422 of a validation error before any route sees it (PostgreSQL refuses NUL).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fields = control_character_fields(scope) if scope["type"] == "http" else []
        if not fields:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        en, ja = _MESSAGES["control_character"]
        message = en if prefers_english(request) else ja
        errors = [
            {"field": f, "message_en": en, "message_ja": ja, "message": message} for f in fields
        ]
        content = body(
            request,
            "validation_error",
            "Some fields are not valid: " + "; ".join(f"{f}: {en}" for f in fields),
            "入力内容に誤りがあります: " + "、".join(f"{f}: {ja}" for f in fields),
            errors=errors,
        )
        await JSONResponse(content, status_code=422)(scope, receive, send)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Return every method some route answers at the request's path (routes are one per
    method, so the router's own 405 named only the first route's).
    """
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and route.methods and regex.match(request.url.path):
            methods |= set(route.methods)
    return sorted(methods)


def install_handlers(app: FastAPI) -> None:
    """Install the handlers that give every error the house shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.extra["retry_after_s"])}
            if "retry_after_s" in exc.extra
            else None
        )
        content = body(request, exc.code, exc.message_en, exc.message_ja, **exc.extra)
        return JSONResponse(content, status_code=exc.status, headers=headers)

    app.add_middleware(RefuseControlCharacters)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = list(exc.errors())
        errors = field_errors(raw)
        english = prefers_english(request)
        for e in errors:
            e["message"] = e["message_en"] if english else e["message_ja"]
        rules = _rule_violations(raw)
        if rules:
            # Every error is a named rule the schema cannot express (more carers than
            # the party): answer with the rule's code and its own words, no field path.
            content = body(
                request,
                rules[0].code,
                " ".join(r.message_en for r in rules),
                "".join(r.message_ja for r in rules),
                errors=errors,
            )
            return JSONResponse(content, status_code=422)
        content = body(
            request,
            "validation_error",
            "Some fields are not valid: "
            + "; ".join(f"{e['field']}: {e['message_en']}" for e in errors),
            "入力内容に誤りがあります: "
            + "、".join(f"{e['field']}: {e['message_ja']}" for e in errors),
            errors=errors,
        )
        return JSONResponse(content, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            en, ja, code = "Not found.", "見つかりません。", "not_found"
        elif exc.status_code == 405:
            en, ja, code = "Method not allowed.", "この操作はできません。", "method_not_allowed"
        else:
            en, ja, code = str(exc.detail), str(exc.detail), "http_error"
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(app, request))}
        content = body(request, code, en, ja)
        return JSONResponse(content, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        content = body(
            request,
            "internal_error",
            "Something went wrong on our side; nothing was changed. Please try again.",
            "システムで問題が発生しました。変更は行われていません。もう一度お試しください。",
        )
        return JSONResponse(content, status_code=500)
