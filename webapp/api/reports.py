"""GET /reports/summary and /reports/indicators: the periodic report on handling administrative procedures and the
QĐ 766 indicators, for leaders and administrators, of their unit and the units below it.

Who may call comes first (a leader or administrator somewhere: 403 otherwise), then the query: a parameter that
cannot be read, or a period the report refuses (from after to, longer than the engine's limit), is a 400 naming
the parameter. The period defaults to the current year so far in Vietnam time: `to` to today, `from` to the
1st of January of `to`'s year."""
from __future__ import annotations

import re
from datetime import date

from flask import g, jsonify, request

from engine import (
    check_report_period,
    clock,
    Forbidden,
    grants_of,
    periodic_report,
    report_indicators,
    REPORT_MAX_YEARS,
    REPORT_MEASURES,
    ValidationFailed,
    VN_TZ,
)

from ..db import db_session
from ..guards import MAX_ID
from . import bp
from .registry import BadRequest, endpoint, iso
from .schemas import nullable, ref

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the dates the web pages accept (guards.day)
FIELD_MAX = 255  # a procedure's field (lĩnh vực) as stored
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # YYYY-MM-DD in ASCII digits, nothing else
_ID = re.compile(r"[0-9]{1,10}")
SUMS = ("received_new", "received_total", "in_progress")  # the Figures properties, beside its fields


class BadQuery(BadRequest):
    """Query parameters the report cannot use: 400 with the errors per parameter."""

    def __init__(self, errors: dict[str, list[str]], message: str = "Tham số không hợp lệ"):
        named = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
        super().__init__(f"{message.rstrip('.')} — {named}")
        self.errors = errors


def require_reports(session, user_id: int) -> None:
    """Leaders (lanh_dao, lanh_dao_phong) and administrators, of some unit; anyone else is refused at once."""
    if not grants_of(session, user_id).report_units():
        raise Forbidden("Chỉ lãnh đạo đơn vị và quản trị viên xem được báo cáo thống kê.")


def only_known(parameters: list[dict]) -> None:
    """A parameter the report does not take is refused, not ignored: a misspelt `form` for `from` would otherwise
    give the default period's figures without a word."""
    unknown = sorted(set(request.args) - {parameter["name"] for parameter in parameters})
    if unknown:
        raise BadQuery({name[:40] or "(không tên)": ["Báo cáo không có tham số này."] for name in unknown})


def query_id(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    value = int(raw) if _ID.fullmatch(raw) else 0
    if not 1 <= value <= MAX_ID:
        raise BadQuery({name: [f"Cần một số nguyên từ 1 đến {MAX_ID}."]})
    return value


def query_day(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = date.fromisoformat(raw) if _DAY.fullmatch(raw) else None
    except ValueError:
        value = None
    if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise BadQuery({name: [f"Cần một ngày dạng YYYY-MM-DD, từ năm {FIRST_YEAR} đến năm {LAST_YEAR}."]})
    return value


def query_text(name: str, max_length: int) -> str:
    raw = request.args.get(name, "")
    if len(raw) > max_length:
        raise BadQuery({name: [f"Tối đa {max_length} ký tự."]})
    return raw.strip()


def query_period() -> tuple[date, date]:
    """`from` and `to` (both included); by default the current year so far, in Vietnam time."""
    start, end = query_day("from"), query_day("to")
    if end is None:
        end = clock.now().astimezone(VN_TZ).date()
    if start is None:
        start = end.replace(month=1, day=1)
    try:
        check_report_period(start, end)
    except ValidationFailed as error:
        raise BadQuery(error.errors, error.message) from None
    return start, end


def figures(f) -> dict:
    # Whole numbers whatever the database summed them as (PostgreSQL's sum of a bigint column is a numeric).
    out = {name: int(getattr(f, name)) for name in (*REPORT_MEASURES, *SUMS)}
    out["on_time_rate"] = number(f.on_time_rate)
    return out


def number(value) -> float | int | None:
    """A JSON number (a Decimal would be written as a string), None kept."""
    if value is None or isinstance(value, int):
        return value
    return float(value)


def unit_of(unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name}


ID_PARAMETER = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DAY_PARAMETER = {"type": "string", "format": "date", "maxLength": 10,
                 "pattern": f"^(20[0-9]{{2}}|{LAST_YEAR})-[0-9]{{2}}-[0-9]{{2}}$"}
FILTERS = [
    {"name": "unit", "in": "query", "required": False, "schema": ID_PARAMETER,
     "description": "Mã số đơn vị (id); mặc định: đơn vị đầu tiên (theo mã đơn vị) người gọi được xem báo cáo. "
                    "Số liệu gồm cả các đơn vị trực thuộc."},
    {"name": "from", "in": "query", "required": False, "schema": DAY_PARAMETER,
     "description": f"Từ ngày (tính cả ngày này), YYYY-MM-DD theo giờ Việt Nam, năm {FIRST_YEAR}–{LAST_YEAR}; "
                    "mặc định: ngày 1 tháng 1 của năm chứa `to`"},
    {"name": "to", "in": "query", "required": False, "schema": DAY_PARAMETER,
     "description": f"Đến ngày (tính cả ngày này), YYYY-MM-DD theo giờ Việt Nam; mặc định: hôm nay. Không trước "
                    f"`from`, cách `from` không quá {REPORT_MAX_YEARS} năm."},
    {"name": "procedure", "in": "query", "required": False, "schema": ID_PARAMETER,
     "description": "Chỉ một thủ tục (id); không có thủ tục này: báo cáo không có dòng nào"},
]
FIELD = {"name": "field", "in": "query", "required": False, "schema": {"type": "string", "maxLength": FIELD_MAX},
         "description": "Chỉ một lĩnh vực (đúng tên lĩnh vực của thủ tục)"}
SUMMARY_PARAMETERS = FILTERS + [FIELD]
REFUSALS = {400: "Error", 403: "Error", 404: "Error"}
ACCESS = ("Chỉ lãnh đạo (lanh_dao, lanh_dao_phong) và quản trị viên, cho đơn vị của mình và các đơn vị trực thuộc: "
          "tài khoản khác và đơn vị không được xem trả 403; đơn vị không có: 404. Tham số sai hoặc không có trong "
          f"danh sách, `from` sau `to` hoặc kỳ dài quá {REPORT_MAX_YEARS} năm: 400, fields nêu tham số.")


@endpoint(bp, "/reports/summary", methods=["GET"], tags=["Báo cáo"], parameters=SUMMARY_PARAMETERS,
          authorize=require_reports, responses={200: "ReportSummary", **REFUSALS},
          summary="Báo cáo tình hình, kết quả giải quyết TTHC của một đơn vị trong kỳ",
          description="Mỗi lĩnh vực một dòng (level 0) và mỗi thủ tục của nó một dòng (level 1), cùng dòng tổng. "
                      "Số liệu đang giải quyết tính tại as_of: cuối kỳ, hoặc bây giờ nếu kỳ chưa hết. " + ACCESS)
def report_summary():
    only_known(SUMMARY_PARAMETERS)
    session, now = db_session(), clock.now()
    unit_id, procedure_id = query_id("unit"), query_id("procedure")
    field_name = query_text("field", FIELD_MAX)
    start, end = query_period()
    report = periodic_report(session, g.actor_id, unit_id, start, end, procedure_id=procedure_id,
                             field_name=field_name, now=now)
    return jsonify({
        "unit": unit_of(report.unit), "from": report.start.isoformat(), "to": report.end.isoformat(),
        "as_of": iso(report.as_of), "total": figures(report.total),
        "lines": [{"level": line.level, "label": line.label, "field": line.field, "procedure_id": line.procedure_id,
                   "procedure_code": line.procedure_code, "time_limit": line.time_limit,
                   "figures": figures(line.figures)} for line in report.lines],
    })


@endpoint(bp, "/reports/indicators", methods=["GET"], tags=["Báo cáo"], parameters=FILTERS,
          authorize=require_reports, responses={200: "ReportIndicators", **REFUSALS},
          summary="Các chỉ số Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766/QĐ-TTg) của một đơn vị trong kỳ",
          description="Mỗi chỉ số: công thức, tử số, mẫu số, tỷ lệ, điểm; times: thời gian giải quyết trung bình "
                      "của từng thủ tục có hồ sơ kết thúc trong kỳ (chỉ số 2.2). " + ACCESS)
def report_indicators_view():
    only_known(FILTERS)
    session, now = db_session(), clock.now()
    unit_id, procedure_id = query_id("unit"), query_id("procedure")
    start, end = query_period()
    found = report_indicators(session, g.actor_id, unit_id, start, end, procedure_id=procedure_id, now=now)
    return jsonify({
        "unit": unit_of(found.unit), "from": found.start.isoformat(), "to": found.end.isoformat(),
        "points": number(found.points), "max_points": number(found.max_points),
        "items": [{"code": i.code, "name": i.name, "formula": i.formula, "numerator": number(i.numerator),
                   "denominator": number(i.denominator), "rate": number(i.rate), "threshold": number(i.threshold),
                   "max_points": number(i.max_points), "points": number(i.points),
                   "verified_points": i.verified_points} for i in found.items],
        "times": [{"procedure_id": t.procedure_id, "code": t.code, "name": t.name, "time_limit": t.time_limit,
                   "ended": int(t.ended), "average_days": number(t.average_days)} for t in found.times],
    })


# The answers' JSON Schemas, published with the others in the OpenAPI document's components.
COUNT = {"type": "integer"}
RATE = nullable({"type": "number"})
FIGURES = {
    "type": "object", "required": [*REPORT_MEASURES, *SUMS, "on_time_rate"],
    "description": "Số hồ sơ. carried_over: kỳ trước chuyển qua; received_online/direct/postal: tiếp nhận mới "
                   "trong kỳ theo kênh; resolved: đã kết thúc trong kỳ (resolved_early/on_time/late: trước hạn, "
                   "đúng hạn, quá hạn); in_progress_not_due/overdue: đang giải quyết tại as_of, chưa đến hạn / "
                   "quá hạn; work_centidays: tổng thời gian giải quyết, phần trăm ngày làm việc; on_time_rate: "
                   "tỷ lệ trước hạn, đúng hạn (chỉ số 2.1), null khi không có hồ sơ.",
    "properties": {**{name: COUNT for name in (*REPORT_MEASURES, *SUMS)}, "on_time_rate": RATE},
}
UNIT = {"type": "object", "required": ["id", "code", "name"],
        "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}}}
DAY = {"type": "string", "format": "date"}
REPORT_LINE = {
    "type": "object",
    "required": ["level", "label", "field", "procedure_id", "procedure_code", "time_limit", "figures"],
    "properties": {
        "level": {"enum": [0, 1], "description": "0: lĩnh vực (cộng các thủ tục của nó); 1: một thủ tục"},
        "label": {"type": "string"}, "field": {"type": "string"},
        "procedure_id": nullable({"type": "integer"}), "procedure_code": {"type": "string"},
        "time_limit": {"type": "string", "description": "Thời hạn giải quyết theo quy định, vd. 10 ngày làm việc"},
        "figures": ref("ReportFigures"),
    },
}
REPORT_SUMMARY = {
    "type": "object", "required": ["unit", "from", "to", "as_of", "total", "lines"],
    "properties": {"unit": ref("ReportUnit"), "from": DAY, "to": DAY,
                   "as_of": {"type": "string", "format": "date-time",
                             "description": "Thời điểm tính số đang giải quyết (+07:00)"},
                   "total": ref("ReportFigures"), "lines": {"type": "array", "items": ref("ReportLine")}},
}
NUMBER = {"type": "number"}
INDICATOR = {
    "type": "object",
    "required": ["code", "name", "formula", "numerator", "denominator", "rate", "threshold", "max_points", "points",
                 "verified_points"],
    "properties": {
        "code": {"type": "string", "description": "Số hiệu chỉ số, vd. 2.1"}, "name": {"type": "string"},
        "formula": {"type": "string"}, "numerator": NUMBER, "denominator": NUMBER, "rate": nullable(NUMBER),
        "threshold": nullable({**NUMBER, "description": "Tỷ lệ đạt điểm tối đa; null: tuyến tính đến 100%"}),
        "max_points": NUMBER, "points": nullable(NUMBER),
        "verified_points": {"type": "boolean", "description": "Điểm tối đa đã đối chiếu với văn bản quyết định"},
    },
}
PROCEDURE_TIME = {
    "type": "object", "required": ["procedure_id", "code", "name", "time_limit", "ended", "average_days"],
    "properties": {"procedure_id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                   "time_limit": {"type": "string"}, "ended": COUNT,
                   "average_days": nullable({**NUMBER, "description": "Ngày làm việc trung bình"})},
}
REPORT_INDICATORS = {
    "type": "object", "required": ["unit", "from", "to", "points", "max_points", "items", "times"],
    "properties": {"unit": ref("ReportUnit"), "from": DAY, "to": DAY, "points": NUMBER, "max_points": NUMBER,
                   "items": {"type": "array", "items": ref("Indicator")},
                   "times": {"type": "array", "items": ref("ProcedureTime")}},
}
SCHEMAS = {"ReportFigures": FIGURES, "ReportUnit": UNIT, "ReportLine": REPORT_LINE, "ReportSummary": REPORT_SUMMARY,
           "Indicator": INDICATOR, "ProcedureTime": PROCEDURE_TIME, "ReportIndicators": REPORT_INDICATORS}
