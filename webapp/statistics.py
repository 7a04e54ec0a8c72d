"""Reports for leaders: the periodic report (screen, A4 print, Excel, PDF) and the QĐ 766 indicators."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, g, render_template, request, url_for

from engine import (clock, Forbidden, group_thousands, list_procedures, percent_text, periodic_report,
                    REPORT_COLUMNS, report_header_rows, report_indicators, report_pdf, report_table_rows,
                    report_units, report_workbook, ValidationFailed, VN_TZ)

from .auth import login_required
from .db import db_session
from .errors import error_page
from .guards import day, decimal
from .i18n import N_

bp = Blueprint("statistics", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FIELD = 255  # a procedure's field name, as the catalogue stores it
FONT_DIR = ("build", "fonts")  # under the static folder: the DejaVu fonts the front-end build copies there


@dataclass
class Choice:
    """What the form asks for: the raw values (shown back in the form) and, once checked, the parsed ones."""

    raw: dict
    unit_id: int | None = None
    start: date | None = None
    end: date | None = None
    procedure_id: int | None = None
    field: str = ""

    def query(self, **changes) -> dict:
        """The query string of this choice (links to the other views of the same report)."""
        args = {"unit": self.unit_id, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "procedure": self.procedure_id, "field": self.field or None, **changes}
        return {key: value for key, value in args.items() if value is not None}


@bp.get("/reports")
@login_required
def report():
    session = db_session()
    units = _units(session)
    choice = _read_choice()
    context = dict(units=units, choice=choice, procedures=list_procedures(session), columns=REPORT_COLUMNS)
    try:
        _check(choice)
        found = periodic_report(session, g.user.id, choice.unit_id, choice.start, choice.end,
                                procedure_id=choice.procedure_id, field_name=choice.field, now=clock.now())
    except ValidationFailed as error:
        return render_template("statistics/report.html", report=None, error=error.message,
                               field_errors=error.errors, **context), 400
    choice.unit_id = found.unit.id
    return render_template("statistics/report.html", report=found, rows=report_table_rows(found),
                           drill=_drill(choice), **_formats(), **context)


@bp.get("/reports/print")
@login_required
def report_print():
    found, choice, scope = _chosen_report()
    return render_template("print/report.html", report=found, rows=report_table_rows(found), choice=choice,
                           headers=report_header_rows(), columns=REPORT_COLUMNS, scope=scope,
                           printed_at=clock.now(), **_formats())


@bp.get("/reports.xlsx")
@login_required
def report_excel():
    found, _choice, scope = _chosen_report()
    return Response(report_workbook(found, scope), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{_filename(found, "xlsx")}"'})


@bp.get("/reports.pdf")
@login_required
def report_pdf_file():
    found, _choice, scope = _chosen_report()
    fonts = Path(current_app.static_folder, *FONT_DIR)
    return Response(report_pdf(found, fonts, clock.now(), scope), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(found, "pdf")}"'})


@bp.get("/reports/indicators")
@login_required
def indicators():
    session = db_session()
    units = _units(session)
    choice = _read_choice()
    context = dict(units=units, choice=choice, procedures=list_procedures(session))
    try:
        _check(choice)
        found = report_indicators(session, g.user.id, choice.unit_id, choice.start, choice.end,
                                  procedure_id=choice.procedure_id, now=clock.now())
    except ValidationFailed as error:
        return render_template("statistics/indicators.html", result=None, error=error.message,
                               field_errors=error.errors, **context), 400
    choice.unit_id, choice.field = found.unit.id, ""
    return render_template("statistics/indicators.html", result=found, drill=_drill(choice), **_formats(),
                           **context)


def _units(session):
    """The units whose report the user may read; officials who lead or administer none are refused."""
    units = report_units(session, g.user.id)
    if not units:
        raise Forbidden(N_("Chỉ lãnh đạo đơn vị và quản trị viên xem được báo cáo thống kê."))
    return units


def _chosen_report():
    """The report the query string asks for (the print view and the downloads); bad input is refused below."""
    session = db_session()
    _units(session)
    choice = _read_choice()
    _check(choice)
    found = periodic_report(session, g.user.id, choice.unit_id, choice.start, choice.end,
                            procedure_id=choice.procedure_id, field_name=choice.field, now=clock.now())
    choice.unit_id = found.unit.id
    return found, choice, _scope(found, list_procedures(session))


@bp.errorhandler(ValidationFailed)
def _bad_choice(error: ValidationFailed):
    """A malformed unit, procedure or period: the message and what to correct, as a bad request (400)."""
    return error_page(400, error.message, error.errors)


def _read_choice() -> Choice:
    """The form's values from the query string; defaults: this year so far (Vietnam), every procedure."""
    today = clock.now().astimezone(VN_TZ).date()
    raw = {"unit": request.args.get("unit", "").strip(),
           "from": request.args.get("from", "").strip() or today.replace(month=1, day=1).isoformat(),
           "to": request.args.get("to", "").strip() or today.isoformat(),
           "procedure": request.args.get("procedure", "").strip(), "field": request.args.get("field", "").strip()}
    return Choice(raw)


def _check(choice: Choice) -> None:
    """Parse the choice, or refuse it with a message per field (the engine then checks the period itself)."""
    errors: dict[str, list[str]] = {}
    raw = choice.raw
    if raw["unit"]:
        choice.unit_id = decimal(raw["unit"])
        if choice.unit_id is None:
            errors["unit"] = [N_("Đơn vị không hợp lệ.")]
    if raw["procedure"]:
        choice.procedure_id = decimal(raw["procedure"])
        if choice.procedure_id is None:
            errors["procedure"] = [N_("Thủ tục không hợp lệ.")]
    for key in ("from", "to"):
        parsed = day(raw[key])
        if parsed is None:
            errors[key] = [N_("Ngày không hợp lệ (định dạng năm-tháng-ngày).")]
        setattr(choice, "start" if key == "from" else "end", parsed)
    choice.field = raw["field"]
    if len(choice.field) > MAX_FIELD:
        errors["field"] = [N_("Lĩnh vực không hợp lệ.")]
    if errors:
        raise ValidationFailed(N_("Đơn vị, thủ tục hoặc kỳ báo cáo chưa hợp lệ."), errors)


def _drill(choice: Choice):
    """The address of the dossiers behind a figure: a procedure line narrows to its procedure, a field line to
    its field; the total keeps the report's own filter."""
    def url(measure: str, line=None, procedure_id: int | None = None) -> str:
        changes = {"measure": measure}
        if line is not None and line.level == 1:
            changes["procedure"] = line.procedure_id
        elif line is not None:
            changes["field"] = line.field
        if procedure_id is not None:
            changes["procedure"] = procedure_id
        return url_for("dashboards.dossiers", **choice.query(**changes))
    return url


def _formats() -> dict:
    return {"number": _number, "percent": percent_text, "decimal_text": _decimal_text}


def _number(value) -> str:
    """A count with Vietnamese thousands separators (1.234); a dash when there is none."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return _decimal_text(value)
    return group_thousands(value)


def _decimal_text(value, places: int = 2) -> str:
    """A number with a decimal comma and no useless zeros: 3,25; 12; a dash when there is none."""
    if value is None:
        return "—"
    text = f"{float(value):,.{places}f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _scope(found, procedures) -> str:
    """The report's filter as its heading names it: a procedure or a field, if one was chosen."""
    if found.procedure_id is not None:
        name = next((p.name for p in procedures if p.id == found.procedure_id), str(found.procedure_id))
        return f"Thủ tục: {name}"
    return f"Lĩnh vực: {found.field}" if found.field else ""


def _filename(found, extension: str) -> str:
    """An ASCII file name: the unit's code and the period."""
    code = "".join(c if c.isascii() and (c.isalnum() or c in ".-") else "-" for c in found.unit.code)
    return f"bao-cao-tthc-{code}-{found.start:%Y%m%d}-{found.end:%Y%m%d}.{extension}"
