"""The `endpoint` decorator: registers an API route, guards it (bearer token, JSON body) and records its operation."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from flask import Blueprint, g
from flask import request as http_request
from jsonschema import Draft202012Validator

from engine import (AuthenticationFailed, clock, field_errors, MotcuaError, NotFound, user_id_for_token,
                    ValidationFailed, VN_TZ)

from ..db import db_session
from ..errors import log_refusal
from .schemas import SCHEMAS


class BadRequest(MotcuaError):
    """A body that is not a JSON object: 400 (an engine error class unknown to the status map maps to 400)."""


@dataclass(frozen=True)
class Operation:
    """One documented operation: what the OpenAPI document says about a route and method."""

    rule: str
    method: str
    summary: str
    tags: tuple[str, ...]
    auth: bool
    request: str | None  # a name in schemas.SCHEMAS
    responses: dict[int, str | None]  # status -> schema name (None: no body)
    parameters: tuple[dict, ...] = field(default_factory=tuple)
    description: str = ""
    upload: str | None = None  # the media type of a non-JSON body (e.g. application/zip)


OPERATIONS: list[Operation] = []
UPLOADS: set[str] = set()  # endpoints whose body is a file (their limit is the app's), not a JSON document
JSON_MAX_BYTES = 1_000_000  # any other API request's body; more is refused (413) before it is read
PATH_TEXT_MAX = 100  # a code in the address (dossier, procedure): longer is no code at all (404)


def endpoint(bp: Blueprint, rule: str, *, methods: list[str], summary: str, responses: dict[int, str | None],
             request: str | None = None, auth: bool = True, tags: list[str] | None = None,
             parameters: list[dict] | None = None, description: str = "", upload: str | None = None,
             authorize: Callable[[object, int], object] | None = None, deferred: bool = False):
    """Register `rule` on `bp` and document it; the view gets `body=` (validated JSON) when it takes a body.

    Who may call comes before what they send: the token, then `authorize(session, actor_id)` (an engine check
    raising Forbidden), and only then is the body read and validated. With `deferred`, the view gets `body` as
    a function instead, for an engine call that authorises on the object itself and reads the body after."""
    validator = Draft202012Validator(SCHEMAS[request]) if request else None

    def decorate(view):
        @functools.wraps(view)
        def guarded(**kwargs):
            if any(isinstance(value, str) and len(value) > PATH_TEXT_MAX for value in kwargs.values()):
                raise NotFound("Không tìm thấy địa chỉ hoặc đối tượng yêu cầu.")
            if auth:
                g.actor_id = bearer_user_id()
                if authorize is not None:
                    authorize(db_session(), g.actor_id)
            if validator is not None:
                kwargs["body"] = functools.partial(json_body, validator) if deferred else json_body(validator)
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=methods)
        if upload:
            UPLOADS.add(f"{bp.name}.{view.__name__}")
        for method in methods:
            OPERATIONS.append(Operation(bp.url_prefix + rule, method.lower(), summary, tuple(tags or ()), auth,
                                        request, responses, tuple(parameters or ()), description, upload))
        return guarded

    return decorate


def bearer_token() -> str:
    """The token of the request's `Authorization: Bearer …` header ('' when there is none)."""
    scheme, _, token = http_request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def bearer_user_id() -> int:
    """The id of the token's holder; a refused attempt is kept in the audit trail (never the token itself)."""
    token = bearer_token()
    if not token:
        log_refusal("Thiếu mã truy cập (Authorization: Bearer …).", what=f"API {http_request.method} {http_request.path}")
        raise AuthenticationFailed("Cần gửi mã truy cập: Authorization: Bearer <token>.")
    try:
        return user_id_for_token(db_session(), token, clock.now())
    except AuthenticationFailed:
        log_refusal("Mã truy cập không hợp lệ, hết hạn hoặc đã thu hồi.", what=f"API {http_request.method} {http_request.path}")
        raise


def json_body(validator: Draft202012Validator) -> dict:
    """The request's JSON object, checked against the schema the OpenAPI document publishes."""
    data = http_request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON (Content-Type: application/json).")
    errors = field_errors(validator, data)
    for path in nul_paths(data):
        errors.setdefault(path, []).append("Không được chứa ký tự NUL.")
    if errors:
        raise ValidationFailed("Dữ liệu gửi lên chưa hợp lệ.", errors)
    return data


def nul_paths(value, path: str = "") -> list[str]:
    """Field paths of strings (keys or values) holding a NUL character, which PostgreSQL text cannot store."""
    if isinstance(value, str):
        return [path or "_"] if "\x00" in value else []
    if isinstance(value, dict):
        found = [f"{path}.{key}".lstrip(".") for key in value if "\x00" in str(key)]
        return found + [p for key, item in value.items() for p in nul_paths(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in nul_paths(item, f"{path}.{index}".lstrip("."))]
    return []


def iso(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 in Vietnam time (+07:00)."""
    return moment.astimezone(VN_TZ).isoformat() if moment is not None else None


def parse_instant(text: str, field_name: str) -> datetime:
    """An ISO 8601 instant that carries its offset; anything else is a field error."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationFailed("Dữ liệu gửi lên chưa hợp lệ.",
                               {field_name: ["Cần thời điểm ISO 8601, ví dụ 2026-03-02T09:00:00+07:00."]}) from None
    if moment.tzinfo is None:
        raise ValidationFailed("Dữ liệu gửi lên chưa hợp lệ.",
                               {field_name: ["Thời điểm phải ghi rõ múi giờ, ví dụ +07:00."]})
    return moment
