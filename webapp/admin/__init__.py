"""Administration pages for the administrator role: units and their calendars, users, roles, delegations and API
tokens. Every page and action is checked by the engine's access policy."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template

from engine import Conflict, ValidationFailed, VN_TZ

from ..db import db_session
from ..i18n import N_

bp = Blueprint("admin", __name__, url_prefix="/admin")

SECTIONS = (("admin.units", N_("Đơn vị")), ("admin.users", N_("Người dùng")), ("admin.roles", N_("Vai trò")),
            ("admin.delegations", N_("Ủy quyền")), ("admin.tokens", N_("Mã truy cập API")))


def submit(call, page, message: str, target, failed: str = ""):
    """Post/Redirect/Get: run the one engine call; on success flash `message` and redirect to `target` (or to
    `target(result)`); on a
    refusal roll back and show the page again with the errors beside the fields (422), or a clear message when
    something was already done or taken (409)."""
    try:
        result = call()
    except ValidationFailed as exc:
        db_session().rollback()
        return page(failed=failed, errors=exc.errors, error=exc.message, status=422)
    except Conflict as exc:
        db_session().rollback()
        field = exc.details.get("field")
        return page(failed=failed, errors={field: [exc.message]} if field else {}, error=exc.message, status=409)
    flash(message, "success")
    return redirect(target(result) if callable(target) else target)


def render(section: str, template: str, status: int = 200, **context):
    """An administration page under its section's tab."""
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("failed", "")
    return render_template(template, sections=SECTIONS, section=section, **context), status


def int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def day_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def local_time_or_none(text: str | None) -> datetime | None:
    """A datetime-local input (Vietnam time)."""
    try:
        return datetime.fromisoformat((text or "").strip()).replace(tzinfo=VN_TZ)
    except ValueError:
        return None


def decimal_or_none(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


from . import grants, people, units  # noqa: E402,F401  (their routes join the blueprint)
