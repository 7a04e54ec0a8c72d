"""The dossier area: finding a dossier, its page (facts, steps, history, actions), files and printed forms."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _

from engine import (
    CHANNELS,
    check_upload,
    clock,
    current_steps,
    dossier_actions,
    dossier_diagram,
    dossier_history,
    dossier_timeline,
    fee_in_steps,
    format_amount,
    handover_item,
    is_overdue,
    issue_extension,
    latest_signed,
    list_attachments,
    on_time_verdict,
    read_attachment,
    record_fee,
    record_supplement,
    request_supplement,
    request_withdrawal,
    RETURN_METHODS,
    search_dossiers,
    STATUS_LABELS,
    stop_dossier,
    store_attachment,
    ValidationFailed,
    view_dossier,
)

from .auth import login_required
from .db import db_session
from .display import vn_time, working_time
from .guards import decimal
from .i18n import N_

bp = Blueprint("dossiers", __name__)

MESSAGES = {
    "request-supplement": N_("Đã lập yêu cầu bổ sung hồ sơ (Mẫu 02); thông báo cho người nộp đã xếp hàng gửi."),
    "record-supplement": N_("Đã ghi nhận hồ sơ bổ sung; tiếp tục giải quyết."),
    "extend": N_("Đã gia hạn và lập văn bản xin lỗi (Mẫu 04); thông báo cho người nộp đã xếp hàng gửi."),
    "withdraw": N_("Đã ghi nhận yêu cầu rút hồ sơ của công dân."),
    "stop": N_("Đã dừng giải quyết hồ sơ (Mẫu 05)."),
    "record-fee": N_("Đã ghi nhận thu phí, lệ phí."),
}


@bp.get("/dossiers")
@login_required
def search():
    query = request.args.get("q", "").strip()[:200]
    status = request.args.get("status", type=int)
    status = status if status in STATUS_LABELS else None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = search_dossiers(db_session(), g.user.id, query, status=status, page=page)
    return render_template("dossiers.html", found=found, query=query, status=status)


@bp.get("/dossiers/<code>")
@login_required
def view(code: str):
    return render_template("dossier.html", **_page(code))


@bp.post("/dossiers/<code>/<action>")
@login_required
def act(code: str, action: str):
    if action not in MESSAGES:
        abort(404)
    session, now = db_session(), clock.now()
    view_dossier(session, code, g.user.id, now)
    form = request.form
    try:
        _perform(action, code, form, now)
    except ValidationFailed as exc:
        session.rollback()
        page = {**_page(code), "failed": action, "errors": exc.errors, "error": exc.message, "values": form}
        return render_template("dossier.html", **page), 422
    flash(_(MESSAGES[action]), "success")
    return redirect(url_for(".view", code=code))


SUPPLIED_COMPONENT = "Hồ sơ bổ sung"  # how the documents brought for a supplement are listed among the files
MAX_SUPPLIED_FILES = 20


def _supplied_files() -> list[tuple[str, bytes]]:
    """The documents the citizen brought for the supplement (scans, optional), each checked like a reception scan."""
    uploads = [upload for upload in request.files.getlist("supplied") if upload and upload.filename]
    if len(uploads) > MAX_SUPPLIED_FILES:
        raise ValidationFailed("Quá nhiều tệp.", {"supplied": [f"Tối đa {MAX_SUPPLIED_FILES} tệp mỗi lần."]})
    files, problems = [], []
    for upload in uploads:
        data = upload.read()
        try:
            check_upload(upload.filename, data, current_app.config["MOTCUA_SETTINGS"].attachment_max_bytes)
        except ValidationFailed as exc:
            problems += [message for messages in exc.errors.values() for message in messages] or [exc.message]
        files.append((upload.filename, data))
    if problems:
        raise ValidationFailed("Tệp bổ sung không nhận được; chưa ghi nhận gì.", {"supplied": problems})
    return files


def _perform(action: str, code: str, form, now) -> None:
    session, user_id = db_session(), g.user.id
    if action == "request-supplement":
        missing = [line.strip() for line in form.get("missing", "").splitlines() if line.strip()]
        request_supplement(session, code, missing, form.get("reason", ""), user_id, now)
    elif action == "record-supplement":
        supplied = _supplied_files()  # checked before anything is written
        dossier = record_supplement(session, code, user_id, now)
        settings = current_app.config["MOTCUA_SETTINGS"]
        for filename, data in supplied:
            store_attachment(session, storage_dir=settings.attachment_dir, dossier_id=dossier.id, filename=filename,
                             data=data, actor_id=user_id, now=now, component=SUPPLIED_COMPONENT,
                             max_bytes=settings.attachment_max_bytes)
    elif action == "extend":
        issue_extension(session, code, _parse_day(form.get("new_day", "")), form.get("reason", ""),
                        user_id, now, legal_ground=form.get("legal_ground", ""),
                        confirmed_long=form.get("confirm_long") == "yes")
    elif action == "withdraw":
        request_withdrawal(session, code, user_id, now, form.get("reason", "").strip())
    elif action == "stop":
        stop_dossier(session, code, form.get("reason", ""), user_id, now)
    else:
        record_fee(session, code, _parse_amount(form.get("amount", "")), form.get("receipt_no", ""),
                             user_id, now)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed("Ngày hẹn mới không hợp lệ.", {"new_day": [_("Nhập ngày hẹn mới hợp lệ.")]}) from None


def _parse_amount(text: str) -> int:
    digits = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    amount = decimal(digits)
    if amount is None:
        raise ValidationFailed("Số tiền không hợp lệ.", {"amount": [_("Số tiền phải là số nguyên không âm (đồng).")]})
    return amount


def _page(code: str) -> dict:
    """Everything the dossier page shows, read after the access check."""
    session, now = db_session(), clock.now()
    dossier = view_dossier(session, code, g.user.id, now)
    procedure = dossier.procedure
    return {
        "dossier": dossier, "procedure": procedure, "channel": CHANNELS.get(dossier.channel, dossier.channel),
        "return_method": RETURN_METHODS.get(dossier.return_method, dossier.return_method),
        "overdue": is_overdue(dossier, now),
        "verdict": on_time_verdict(dossier),
        "steps": dossier_timeline(session, dossier.id), "history": dossier_history(session, dossier.id),
        "actions": dossier_actions(session, dossier, g.user.id, now)
        - ({"record_fee"} if fee_in_steps(session, dossier) else set()),  # the process's fee step records it
        "current_steps": current_steps(session, dossier, g.user.id, now),
        "handover": handover_item(session, dossier.id, g.user.id, now),
        "attachments": list_attachments(session, dossier.id),
        "diagram": dossier_diagram(session, code, g.user.id, now),
        "fee_default": sum(int(fee.get("amount") or 0) for fee in procedure.fees or []),
        "fee_paid": format_amount(dossier.fee_paid_amount) if dossier.fee_paid_amount is not None else None,
        "prints": {kind: latest_signed(session, dossier.id, kind) is not None
                   for kind in ("supplement_request", "apology", "stop")},
        "failed": None, "errors": {}, "error": None, "values": {},
    }


@bp.get("/dossiers/<code>/diagram")
@login_required
def diagram(code: str):
    """The dossier's processes for the diagram viewer: each BPMN file with its elements' standing."""
    found = dossier_diagram(db_session(), code, g.user.id, clock.now(), with_xml=True)
    return jsonify({"code": found.code, "diagrams": [
        {"key": shown.key, "label": diagram_label(part, shown), "xml": shown.xml,
         "lanes": dict(shown.lane_roles),  # a lane is named by its role's key: the viewer shows the role's name
         "elements": {element.id: _element_data(element) for element in shown.elements if element.state != "pending"}}
        for part in found.parts for shown in part.diagrams]})


@bp.app_template_global()
def diagram_label(part, shown) -> str:
    """A diagram's tab: whose process it is (the dossier's, or a partner agency's liên thông part), or a sub-process."""
    if shown.called:
        return _("Quy trình con: %(name)s", name=shown.name)
    if part.partner:
        return _("Liên thông: %(unit)s", unit=part.unit_name)
    return _("Quy trình chính: %(unit)s", unit=part.unit_name)


@bp.app_template_global()
def diagram_tab(part, shown) -> str:
    """The tab's short name; its panel's heading says the rest (diagram_label)."""
    if shown.called:
        return shown.name
    return _("Liên thông: %(unit)s", unit=part.unit_name) if part.partner else _("Quy trình chính")


def _element_data(element) -> dict:
    """What the viewer marks on one element; a current step carries its due time, told as the page tells it."""
    run = element.open_run
    data = {"state": element.state, "late": element.late}
    if run is not None and run.due_at is not None:
        data["due"] = (_("Quá hạn: hạn %(time)s", time=vn_time(run.due_at)) if run.late
                       else _("Hạn %(time)s", time=vn_time(run.due_at)))
        data["remaining"] = working_time(run.remaining, run.day_hours)
    return data


@bp.get("/dossiers/<code>/attachments/<int:attachment_id>")
@login_required
def attachment(code: str, attachment_id: int):
    session, now = db_session(), clock.now()
    dossier = view_dossier(session, code, g.user.id, now)
    settings = current_app.config["MOTCUA_SETTINGS"]
    found, data = read_attachment(session, attachments_dir(settings), attachment_id, g.user.id, now)
    if found.dossier_id != dossier.id:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                         download_name=found.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def attachments_dir(settings) -> Path:
    """Where the dossiers' files are kept: MOTCUA_STORAGE_DIR, shared by every host (or the instance folder)."""
    return settings.attachment_dir


@bp.get("/dossiers/<code>/mau-06")
@login_required
def print_control_sheet(code: str):
    session = db_session()
    dossier = view_dossier(session, code, g.user.id, clock.now())
    return render_template("print/mau06.html", dossier=dossier, procedure=dossier.procedure,
                           steps=dossier_timeline(session, dossier.id))


@bp.get("/dossiers/<code>/mau-<number>")
@login_required
def print_notice(code: str, number: str):
    """Mẫu 02 (supplement during processing), 04 (apology and extension), 05 (stop): the latest such letter."""
    templates = {"02": ("supplement_request", "print/mau02_xu_ly.html"),
                 "04": ("apology", "print/mau04.html"), "05": ("stop", "print/mau05.html")}
    if number not in templates:
        abort(404)
    kind, template = templates[number]
    session = db_session()
    dossier = view_dossier(session, code, g.user.id, clock.now())
    record = latest_signed(session, dossier.id, kind)
    if record is None:
        abort(404)
    instants = {key: datetime.fromisoformat(value) for key, value in record.content.items()
                if key.endswith("_at") and isinstance(value, str)}
    return render_template(template, dossier=dossier, procedure=dossier.procedure, record=record,
                           content=record.content, instants=instants, fee_paid=format_amount(dossier.fee_paid_amount)
                           if dossier.fee_paid_amount is not None else None)
