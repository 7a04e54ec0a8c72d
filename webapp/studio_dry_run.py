"""The studio's dry run: a draft run in memory from a chosen reception instant against the legal clock."""
from __future__ import annotations

import json
from datetime import datetime, time

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from engine import DRY_RUN_MODES, DRY_RUN_PACES, ValidationFailed, VN_TZ, clock, dry_run_page

from .auth import login_required
from .db import db_session
from .guards import day
from .i18n import N_

bp = Blueprint("studio_dry_run", __name__)

PACE_LABELS = {"budget": N_("Mỗi bước dùng hết thời hạn của bước (trường hợp chậm nhất)"),
               "immediate": N_("Mỗi bước hoàn thành ngay khi đến lượt")}
MODE_LABELS = {"one": N_("Một nhánh (theo điều kiện hoặc nhánh đã chọn)"),
               "all": N_("Mọi nhánh (tối đa 64 nhánh), chỉ ra nhánh chậm nhất")}
CHOICE_PREFIX = "choice-"
MAX_DATA_CHARS = 20_000


@bp.route("/thiet-ke/<code>/phien-ban/<int:number>/chay-thu", methods=["GET", "POST"])
@login_required
def run(code: str, number: int):
    """GET: the form with a run from the next working day at 08:00; POST: the run the designer asked for."""
    session, now = db_session(), clock.now()
    if request.method == "GET":
        return _render(dry_run_page(session, code, number, g.user.id, now))
    form = request.form
    errors: dict[str, list[str]] = {}
    received_at = _reception(form, errors)
    pace, mode = form.get("pace", "budget"), form.get("mode", "one")
    if pace not in DRY_RUN_PACES:
        errors["pace"] = [_("Chọn một nhịp xử lý trong danh sách.")]
    if mode not in DRY_RUN_MODES:
        errors["mode"] = [_("Chọn chạy một nhánh hay mọi nhánh.")]
    choices = {key[len(CHOICE_PREFIX):]: value for key, value in form.items() if key.startswith(CHOICE_PREFIX)}
    data = _typed_data(form.get("data", ""), errors)
    try:
        page = dry_run_page(session, code, number, g.user.id, now, received_at=received_at, pace=pace, mode=mode,
                            choices=choices, data=data, run=not errors)
    except ValidationFailed as exc:  # a gateway or way out the version does not have
        errors.update(exc.errors)
        page = dry_run_page(session, code, number, g.user.id, now, received_at=received_at, pace=pace, mode=mode,
                            run=False)
        page.choices = choices
    return _render(page, errors, form, 422 if errors else 200)


def _reception(form, errors: dict[str, list[str]]) -> datetime | None:
    """The reception instant typed as a date (dd/mm/yyyy picker, YYYY-MM-DD) and a time (HH:MM), Vietnam time."""
    raw_day, raw_time = form.get("received_date", ""), form.get("received_time", "").strip()
    received_day = day(raw_day)
    if received_day is None:
        errors["received_date"] = [_("Nhập ngày tiếp nhận hợp lệ (ngày/tháng/năm, năm từ 2000 đến 2100).")]
    try:
        at = time.fromisoformat(raw_time) if len(raw_time) == 5 else None
    except ValueError:
        at = None
    if at is None:
        errors["received_time"] = [_("Nhập giờ tiếp nhận dạng giờ:phút, ví dụ 08:00.")]
    if received_day is None or at is None:
        return None
    return datetime.combine(received_day, at, VN_TZ)


def _typed_data(raw: str, errors: dict[str, list[str]]) -> dict[str, dict]:
    """Form answers the designer typed: JSON {"step id": {"field": value}}; empty when none."""
    raw = raw.strip()
    if not raw:
        return {}
    message = _('Nhập JSON dạng {"mã bước": {"tên trường": giá trị}}, tối đa %(count)s ký tự.', count=MAX_DATA_CHARS)
    try:
        data = json.loads(raw) if len(raw) <= MAX_DATA_CHARS else None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in data.items()):
        errors["data"] = [message]
        return {}
    return data


def _render(page, errors: dict | None = None, values=None, status: int = 200):
    local = page.received_at.astimezone(VN_TZ) if page.received_at else None
    shown = {"received_date", "received_time", "pace", "mode", "data", *(f"choices.{gw.bpmn_id}" for gw in page.gateways)}
    unplaced = [message for key, messages in (errors or {}).items() if key not in shown for message in messages]
    return render_template("studio/dry_run.html", page=page, errors=errors or {}, values=values, unplaced=unplaced,
                           default_date=f"{local:%Y-%m-%d}" if local else "",
                           default_time=f"{local:%H:%M}" if local else "08:00",
                           pace_labels=PACE_LABELS, mode_labels=MODE_LABELS, choice_prefix=CHOICE_PREFIX), status
