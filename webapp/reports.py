"""The unit's register (Mẫu 07, sổ theo dõi hồ sơ): on screen, as an Excel file and as a print view."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template, request

from engine import clock, COLUMNS, register_rows, register_units, register_workbook, ValidationFailed, VN_TZ

from .auth import login_required
from .db import db_session
from .guards import day, decimal
from .i18n import N_

bp = Blueprint("reports", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/register")
@login_required
def register():
    session = db_session()
    units = register_units(session, g.user.id)
    if not units:
        return render_template("register.html", units=[], unit=None, rows=[], start=None, end=None)
    try:
        unit_id, start, end = _choice(units)
    except ValidationFailed as error:
        return render_template("register.html", units=units, unit=None, rows=[], error=error.message,
                               field_errors=error.errors, start=request.args.get("from", ""),
                               end=request.args.get("to", "")), 422
    rows = register_rows(session, unit_id, start, end, g.user.id, now=clock.now())
    return render_template("register.html", units=units, unit=_unit(units, unit_id), rows=rows,
                           start=start, end=end, columns=COLUMNS)


@bp.get("/register.xlsx")
@login_required
def register_excel():
    unit, start, end, rows = _chosen_register()
    filename = f"so-theo-doi-ho-so-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return Response(register_workbook(rows, unit.name, start, end), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/register/print")
@login_required
def register_print():
    unit, start, end, rows = _chosen_register()
    return render_template("print/mau07.html", unit=unit, rows=rows, start=start, end=end,
                           columns=COLUMNS, today=clock.now().astimezone(VN_TZ).date(), printed_at=clock.now())


def _chosen_register():
    """The unit, period and rows the query string asks for (the download and the print view share them)."""
    session = db_session()
    units = register_units(session, g.user.id)
    unit_id, start, end = _choice(units)
    rows = register_rows(session, unit_id, start, end, g.user.id, now=clock.now())
    return _unit(units, unit_id), start, end, rows


def _choice(units) -> tuple[int, date, date]:
    """Unit id and period from the query string; defaults: the first unit, this month so far (Vietnam)."""
    errors: dict[str, list[str]] = {}
    raw_unit = request.args.get("unit", "")
    unit_id = units[0].id if units and not raw_unit else None
    if raw_unit:
        unit_id = decimal(raw_unit)
        if unit_id is None:
            errors["unit"] = [N_("Đơn vị không hợp lệ.")]
    today = clock.now().astimezone(VN_TZ).date()
    start = _date(request.args.get("from"), today.replace(day=1), "from", errors)
    end = _date(request.args.get("to"), today, "to", errors)
    if not errors and start > end:
        errors["from"] = [N_("Từ ngày phải trước hoặc bằng đến ngày.")]
    if errors or unit_id is None:
        raise ValidationFailed(N_("Đơn vị hoặc khoảng thời gian chưa hợp lệ."),
                               errors or {"unit": [N_("Chọn đơn vị.")]})
    return unit_id, start, end


def _date(raw: str | None, default: date, field: str, errors: dict) -> date:
    if not raw:
        return default
    parsed = day(raw)
    if parsed is None:
        errors[field] = [N_("Ngày không hợp lệ (định dạng năm-tháng-ngày).")]
        return default
    return parsed


def _unit(units, unit_id: int):
    """The chosen unit; register_rows has already refused a unit the user holds no role in."""
    return next(unit for unit in units if unit.id == unit_id)
