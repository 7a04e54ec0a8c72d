"""Request guards for every page and API call: no NUL characters, bounded ids, plain decimal numbers, the proxy."""
from __future__ import annotations

import re
from datetime import date

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the integer primary keys of both databases
SCAN_SLOTS = {"reception.intake_form": 12, "inbox.complete": 1}  # posts that take scans, and how many at once
_DECIMAL = re.compile(r"[0-9]{1,15}")  # ASCII digits only: str.isdigit() also takes '²' and '١'


class BoundedInt(IntegerConverter):
    """`<int:…>` in every route, capped so a huge id is a 404 and never reaches the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def day(raw: str | None) -> date | None:
    """A date typed as YYYY-MM-DD (a date input's value) within 2000–2100, or None for anything else."""
    try:
        value = date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return value if 2000 <= value.year <= 2100 else None


def decimal(raw: str | None) -> int | None:
    """A non-negative whole number written in ASCII digits, or None for anything else."""
    text = (raw or "").strip()
    return int(text) if _DECIMAL.fullmatch(text) else None


def _refuse_nul() -> None:
    """PostgreSQL text cannot hold NUL; a NUL in the address, the form or a file name is a bad request."""
    texts = [request.path, *(k + v for k, v in request.args.items(multi=True))]
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
            "application/x-www-form-urlencoded", "multipart/form-data"}:
        texts += [k + v for k, v in request.form.items(multi=True)]
        texts += [k + (f.filename or "") for k, f in request.files.items(multi=True)]
    if any("\x00" in text for text in texts):
        raise BadRequest("Yêu cầu chứa ký tự không hợp lệ.")


def init_app(app: Flask, proxy_hops: int = 0) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.before_request(_refuse_nul)
    if proxy_hops:  # only behind a trusted reverse proxy: the client address then comes from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops)
