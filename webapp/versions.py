"""Procedures' internal-process versions: the list, one procedure's versions, a version with its diagrams, its
differences and the approval actions; the BPMN files the diagram viewer loads."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import (
    activate_version,
    approve_version,
    clock,
    Conflict,
    create_draft,
    may_draft,
    may_migrate,
    procedure_versions,
    reject_version,
    retire_version,
    submit_version,
    ValidationFailed,
    VERSION_STATE_LABELS,
    version_file,
    version_page,
    versions_overview,
)

from .auth import login_required
from .catalogue import time_limit_text
from .db import db_session
from .guards import day
from .i18n import N_

bp = Blueprint("versions", __name__)

# The engine's version state labels (VERSION_STATE_LABELS), marked for the English catalogue.
STATE_TEXTS = (N_("Bản nháp"), N_("Chờ phê duyệt"), N_("Đã phê duyệt"), N_("Bị từ chối"), N_("Đang áp dụng"),
               N_("Ngừng áp dụng"))
MESSAGES = {
    "submit": N_("Đã gửi phiên bản %(number)s để phê duyệt."),
    "approve": N_("Đã phê duyệt phiên bản %(number)s."),
    "reject": N_("Đã từ chối phiên bản %(number)s và trả lại người thiết kế."),
    "activate": N_("Phiên bản %(number)s đang được áp dụng cho hồ sơ mới."),
    "retire": N_("Đã ngừng áp dụng phiên bản %(number)s."),
}


@bp.app_context_processor
def _labels():
    return {"VERSION_STATE_LABELS": VERSION_STATE_LABELS}


@bp.app_template_filter("days")
def days_text(value) -> str:
    """Working days with a decimal comma: '1,53 ngày làm việc'."""
    amount = f"{value.normalize():f}".replace(".", ",") if value is not None else "0"
    return _("%(amount)s ngày làm việc", amount=amount)


@bp.app_template_filter("version_time_limit")
def version_time_limit(meta: dict) -> str:
    """The legal time limit a version's procedure.toml gives, read as the catalogue reads it ('Trong ngày làm
    việc' for a same-day procedure)."""
    limit = SimpleNamespace(time_limit=Decimal(str(meta.get("time_limit", 0))),
                            time_limit_unit=meta.get("time_limit_unit", "working_days"))
    return time_limit_text(limit, translate=True)


@bp.get("/versions")
@login_required
def index():
    return render_template("versions/index.html", overview=versions_overview(db_session(), g.user.id))


@bp.get("/versions/<code>")
@login_required
def procedure(code: str):
    return _procedure_page(code)


@bp.post("/versions/<code>/upload")
@login_required
def upload(code: str):
    """A designer's new draft: the procedure folder as a .zip, checked like a bundled folder."""
    settings = current_app.config["MOTCUA_SETTINGS"]
    package = request.files.get("package")
    session = db_session()
    try:
        if package is None or not package.filename:
            raise ValidationFailed("Chưa chọn tệp.", {"package": [_("Chọn tệp .zip của thư mục thủ tục.")]})
        version = create_draft(session, code, package.read(settings.max_bpmn_bytes + 1), settings.bpmn_path,
                               g.user.id, clock.now(), settings.max_bpmn_bytes)
    except ValidationFailed as exc:
        session.rollback()
        return _procedure_page(code, errors=exc.errors, error=exc.message, status=422)
    flash(_("Đã lưu bản nháp phiên bản %(number)s. Kiểm tra rồi gửi phê duyệt.", number=version.number), "success")
    return redirect(url_for(".version", code=code, number=version.number))


def _procedure_page(code: str, *, errors: dict | None = None, error: str | None = None, status: int = 200):
    session = db_session()
    found, versions, people = procedure_versions(session, code, g.user.id)
    return render_template("versions/procedure.html", procedure=found, versions=versions, people=people,
                           may_move=may_migrate(session, code, g.user.id), may_upload=may_draft(session, g.user.id),
                           errors=errors or {}, error=error), status


@bp.get("/versions/<code>/<int:number>")
@login_required
def version(code: str, number: int):
    return _page(code, number)


@bp.get("/versions/<code>/<int:number>/files/<path:name>")
@login_required
def file(code: str, number: int, name: str):
    response = make_response(version_file(db_session(), code, number, name, g.user.id))
    response.mimetype = "application/xml"
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/versions/<code>/<int:number>/<action>")
@login_required
def act(code: str, number: int, action: str):
    if action not in MESSAGES:
        abort(404)
    session, now = db_session(), clock.now()
    try:
        _perform(action, code, number, request.form, now)
    except ValidationFailed as exc:
        session.rollback()
        return _page(code, number, failed=action, errors=exc.errors, error=exc.message, values=request.form,
                     status=422)
    except Conflict as exc:  # the version moved on: a second click, or another administrator was quicker
        session.rollback()
        return _page(code, number, error=exc.message, status=409)
    flash(_(MESSAGES[action], number=number), "success")
    return redirect(url_for(".version", code=code, number=number))


def _perform(action: str, code: str, number: int, form, now: datetime) -> None:
    session, user_id = db_session(), g.user.id
    if action == "submit":
        submit_version(session, code, number, user_id, now)
    elif action == "approve":
        scheduled = form.get("when", "now") == "at"
        approve_version(session, code, number, user_id, now, decision_number=form.get("decision_number", ""),
                        decision_date=day(form.get("decision_date", "")),
                        signer=form.get("decision_signer", ""), scheduled=scheduled,
                        activate_at=_instant(form.get("activate_at", "")) if scheduled else None)
        if not scheduled:
            activate_version(session, code, number, user_id, now)
    elif action == "reject":
        reject_version(session, code, number, user_id, now, form.get("note", ""))
    elif action == "activate":
        activate_version(session, code, number, user_id, now)
    else:
        retire_version(session, code, number, user_id, now)


def _instant(raw: str) -> datetime | None:
    """A datetime-local value ("Áp dụng từ") as a Vietnam local instant, or None when empty or malformed (the
    engine then reports the missing instant beside the decision's other errors)."""
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=clock.VN_TZ)
    except ValueError:
        return None


def _page(code: str, number: int, *, failed: str | None = None, errors: dict | None = None,
          error: str | None = None, values=None, status: int = 200):
    page = version_page(db_session(), code, number, g.user.id)
    return render_template("versions/version.html", page=page, version=page.version, procedure=page.procedure,
                           failed=failed, errors=errors or {}, error=error, values=values or {},
                           today=clock.now().astimezone(clock.VN_TZ).date()), status
