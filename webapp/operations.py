"""Administrators' operations pages: the morning overview, instances in error or suspended, liên thông messages
and citizen notices not delivered, steps nobody can take, one dossier's processes, and the audit trail."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import (
    AUDIT_ACTION_NAMES,
    AuditFilter,
    audit_trail,
    audit_workbook,
    clock,
    Conflict,
    dossier_operations,
    INSTANCE_STATUS_LABELS,
    operations_overview,
    queued_messages,
    queued_notifications,
    requeue_message,
    resend_notification,
    resume_instance,
    retry_instance,
    suspend_instance,
    terminate_instance,
    troubled_instances,
    unassignable_items,
    ValidationFailed,
)

from .auth import login_required, safe_next
from .db import db_session
from .guards import day, decimal
from .i18n import N_
from .reports import XLSX_TYPE

bp = Blueprint("operations", __name__, url_prefix="/operations")

INSTANCE_ACTIONS = {
    "retry": (lambda s, i, u, now, form: retry_instance(s, i, u, now), N_("Tiến trình #%(id)s đã chạy lại.")),
    "suspend": (lambda s, i, u, now, form: suspend_instance(s, i, u, now, form.get("reason", "")),
                N_("Tiến trình #%(id)s đã tạm ngừng.")),
    "resume": (lambda s, i, u, now, form: resume_instance(s, i, u, now), N_("Tiến trình #%(id)s chạy tiếp.")),
    "terminate": (lambda s, i, u, now, form: terminate_instance(s, i, u, now, form.get("reason", "")),
                  N_("Tiến trình #%(id)s đã chấm dứt.")),
}
# The engine's instance status labels (INSTANCE_STATUS_LABELS), marked for the English catalogue.
STATUS_TEXTS = (N_("Đang chạy"), N_("Lỗi"), N_("Đang tạm ngừng"), N_("Đã chấm dứt"), N_("Đã kết thúc"),
                N_("Đã dừng theo hồ sơ"))


@bp.app_context_processor
def _labels():
    return {"INSTANCE_STATUS_LABELS": INSTANCE_STATUS_LABELS}


@bp.get("")
@login_required
def overview():
    return render_template("operations/overview.html", counts=operations_overview(db_session(), g.user.id,
                                                                                   clock.now()))


@bp.get("/instances")
@login_required
def instances():
    return _instances_page()


@bp.post("/instances/<int:instance_id>/<action>")
@login_required
def act_on_instance(instance_id: int, action: str):
    if action not in INSTANCE_ACTIONS:
        abort(404)
    perform, message = INSTANCE_ACTIONS[action]
    back = safe_next(request.form.get("next"), url_for(".instances"))
    try:
        perform(db_session(), instance_id, g.user.id, clock.now(), request.form)
    except ValidationFailed as exc:
        db_session().rollback()
        return _instances_page(error=exc.message, failed=(instance_id, action), errors=exc.errors, status=422)
    except Conflict as exc:  # a second click, or another administrator was quicker
        db_session().rollback()
        return _instances_page(error=exc.message, status=409)
    flash(_(message, id=instance_id), "success")
    return redirect(back)


@bp.get("/messages")
@login_required
def messages():
    return _messages_page()


@bp.post("/messages/<int:message_id>/retry")
@login_required
def retry_message(message_id: int):
    try:
        requeue_message(db_session(), message_id, g.user.id, clock.now())
    except Conflict as exc:
        db_session().rollback()
        return _messages_page(error=exc.message, status=409)
    flash(_("Thông điệp #%(id)s đã vào lại hàng đợi.", id=message_id), "success")
    return redirect(url_for(".messages"))


@bp.get("/notifications")
@login_required
def notifications():
    return _notifications_page()


@bp.post("/notifications/<int:notification_id>/resend")
@login_required
def resend(notification_id: int):
    try:
        resend_notification(db_session(), notification_id, g.user.id, clock.now())
    except Conflict as exc:
        db_session().rollback()
        return _notifications_page(error=exc.message, status=409)
    flash(_("Thông báo #%(id)s sẽ được gửi lại.", id=notification_id), "success")
    return redirect(url_for(".notifications"))


@bp.get("/unassignable")
@login_required
def unassignable():
    return render_template("operations/unassignable.html",
                           rows=unassignable_items(db_session(), g.user.id, clock.now()))


@bp.get("/dossiers/<code>")
@login_required
def dossier(code: str):
    return render_template("operations/dossier.html", page=dossier_operations(db_session(), code, g.user.id))


@bp.get("/audit")
@login_required
def audit():
    wanted, errors = _audit_filter()
    try:  # the engine checks the administrator first, so a bad date never shows an outsider the page
        page = audit_trail(db_session(), g.user.id, wanted, decimal(request.args.get("page")) or 1)
    except ValidationFailed as exc:
        return _audit_page(wanted, None, {**exc.errors, **errors}, 422)
    return _audit_page(wanted, None if errors else page, errors, 422 if errors else 200)


@bp.get("/audit.xlsx")
@login_required
def audit_excel():
    wanted, errors = _audit_filter()
    content = audit_workbook(db_session(), g.user.id, wanted)
    if errors:
        raise ValidationFailed(N_("Bộ lọc chưa hợp lệ."), errors)
    filename = f"nhat-ky-{clock.now().astimezone(clock.VN_TZ):%Y%m%d-%H%M}.xlsx"
    return Response(content, mimetype=XLSX_TYPE, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _instances_page(*, error: str | None = None, failed=None, errors=None, status: int = 200):
    rows = troubled_instances(db_session(), g.user.id)
    return render_template("operations/instances.html", rows=rows, error=error, failed=failed,
                           errors=errors or {}, values=request.form if failed else {}), status


def _messages_page(*, error: str | None = None, status: int = 200):
    return render_template("operations/messages.html", rows=queued_messages(db_session(), g.user.id),
                           error=error), status


def _notifications_page(*, error: str | None = None, status: int = 200):
    return render_template("operations/notifications.html", rows=queued_notifications(db_session(), g.user.id),
                           error=error), status


def _audit_page(wanted: AuditFilter, page, errors: dict, status: int):
    query = {key: value for key, value in (("user", wanted.username), ("code", wanted.code),
                                           ("action", wanted.action),
                                           ("from", wanted.start.isoformat() if wanted.start else ""),
                                           ("to", wanted.end.isoformat() if wanted.end else "")) if value}
    return render_template("operations/audit.html", wanted=wanted, page=page, errors=errors, query=query,
                           actions=AUDIT_ACTION_NAMES, raw=request.args), status


def _audit_filter() -> tuple[AuditFilter, dict]:
    errors: dict[str, list[str]] = {}
    args = request.args
    start, end = _day(args.get("from"), "start", errors), _day(args.get("to"), "end", errors)
    wanted = AuditFilter(username=args.get("user", "").strip()[:80], code=args.get("code", "").strip()[:80],
                         action=args.get("action", "").strip()[:60], start=start, end=end)
    return wanted, errors


def _day(raw: str | None, field: str, errors: dict) -> date | None:
    if not raw:
        return None
    parsed = day(raw)
    if parsed is None:
        errors[field] = [N_("Ngày không hợp lệ (định dạng năm-tháng-ngày).")]
    return parsed
