"""The read-only procedure catalogue, and how a procedure's kind, level and time limit read in Vietnamese."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from engine import get_procedure
from engine import intake

from .auth import login_required
from .db import db_session

bp = Blueprint("catalogue", __name__)
VARIANT_LABELS = {"one_stop": "Một cửa", "on_the_spot": "4 tại chỗ", "inter_agency": "Liên thông"}
LEVEL_LABELS = {"bo": "Cấp trung ương", "tinh": "Cấp tỉnh", "xa": "Cấp xã"}
FIELD_LABELS = {  # procedure.toml keys an `unverified` list may name
    "code": "Mã thủ tục", "name": "Tên thủ tục", "field": "Lĩnh vực", "time_limit": "Thời hạn giải quyết",
    "legal_basis": "Căn cứ pháp lý", "documents": "Thành phần hồ sơ", "fees": "Phí, lệ phí",
    "deciding_unit": "Cơ quan giải quyết", "cutoff_hour": "Giờ chốt tiếp nhận", "variant": "Loại thủ tục",
    "level": "Cấp thực hiện",
}


def time_limit_text(procedure) -> str:
    """'8 ngày làm việc', 'Trong ngày làm việc' for a same-day procedure, 'N giờ làm việc' for an hourly limit."""
    amount = procedure.time_limit.normalize() if procedure.time_limit is not None else 0
    text = f"{amount:f}".replace(".", ",")
    if procedure.time_limit_unit == "working_hours":
        return f"{text} giờ làm việc"
    return "Trong ngày làm việc" if amount == 0 else f"{text} ngày làm việc"


@bp.app_context_processor
def _labels():
    return {"VARIANT_LABELS": VARIANT_LABELS, "LEVEL_LABELS": LEVEL_LABELS, "time_limit_text": time_limit_text}


@bp.get("/procedures")
@login_required
def index():
    query = request.args.get("q", "")[:200]
    procedures = intake.search_procedures(db_session(), query, active_only=False)
    return render_template("catalogue.html", query=query, procedures=procedures)


@bp.get("/procedures/<procedure_code>")
@login_required
def detail(procedure_code: str):
    procedure = get_procedure(db_session(), procedure_code)
    return render_template("catalogue_detail.html", procedure=procedure, field_labels=FIELD_LABELS,
                           version=procedure.active_version)
