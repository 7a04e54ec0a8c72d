"""The read-only procedure catalogue, and how a procedure's kind, level and time limit read in Vietnamese."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from engine import get_procedure, search_procedures

from .auth import login_required
from .db import db_session
from .i18n import N_

bp = Blueprint("catalogue", __name__)
VARIANT_LABELS = {"one_stop": N_("Một cửa"), "on_the_spot": N_("4 tại chỗ"), "inter_agency": N_("Liên thông")}
LEVEL_LABELS = {"bo": N_("Cấp trung ương"), "tinh": N_("Cấp tỉnh"), "xa": N_("Cấp xã")}
FIELD_LABELS = {  # procedure.toml keys an `unverified` list may name
    "code": N_("Mã thủ tục"), "name": N_("Tên thủ tục"), "field": N_("Lĩnh vực"), "time_limit": N_("Thời hạn giải quyết"),
    "legal_basis": N_("Căn cứ pháp lý"), "documents": N_("Thành phần hồ sơ"), "fees": N_("Phí, lệ phí"),
    "deciding_unit": N_("Cơ quan giải quyết"), "cutoff_hour": N_("Giờ chốt tiếp nhận"), "variant": N_("Loại thủ tục"),
    "level": N_("Cấp thực hiện"), "time_limit_unit": N_("Đơn vị tính thời hạn"),
    "time_limit_with_verification": N_("Thời hạn khi phải xác minh"),
    "supplement_policy": N_("Cách tính thời hạn khi bổ sung hồ sơ"),
}


TIME_LIMIT_TEXTS = {"hours": N_("%(amount)s giờ làm việc"), "same_day": N_("Trong ngày làm việc"),
                    "days": N_("%(amount)s ngày làm việc")}


def time_limit_text(procedure, translate: bool = False) -> str:
    """'8 ngày làm việc', 'Trong ngày làm việc' for a same-day procedure, 'N giờ làm việc' for an hourly limit.

    In Vietnamese for the printed forms; `translate` gives the reader's language for the pages."""
    amount = procedure.time_limit.normalize() if procedure.time_limit is not None else 0
    text = f"{amount:f}".replace(".", ",")
    if procedure.time_limit_unit == "working_hours":
        kind = "hours"
    else:
        kind = "same_day" if amount == 0 else "days"
    return _(TIME_LIMIT_TEXTS[kind], amount=text) if translate else TIME_LIMIT_TEXTS[kind] % {"amount": text}


@bp.app_context_processor
def _labels():
    return {"VARIANT_LABELS": VARIANT_LABELS, "LEVEL_LABELS": LEVEL_LABELS, "time_limit_text": time_limit_label}


def time_limit_label(procedure) -> str:
    """The time limit on the pages, in the reader's language."""
    return time_limit_text(procedure, translate=True)


@bp.get("/procedures")
@login_required
def index():
    query = request.args.get("q", "")[:200]
    procedures = search_procedures(db_session(), query, active_only=False)
    return render_template("catalogue.html", query=query, procedures=procedures)


@bp.get("/procedures/<procedure_code>")
@login_required
def detail(procedure_code: str):
    procedure = get_procedure(db_session(), procedure_code)
    version = procedure.active_version
    notes = (version.meta or {}).get("unverified_notes", {}) if version is not None else {}
    return render_template("catalogue_detail.html", procedure=procedure, field_labels=FIELD_LABELS,
                           version=version, unverified_notes=notes)
