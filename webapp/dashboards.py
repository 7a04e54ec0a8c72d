"""The leaders' dashboard: trend per month, sub-units side by side, procedures with most late dossiers, and the
dossiers behind any figure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _

from engine import (clock, dossiers_behind, list_procedures, monthly_trend, most_late, periodic_report,
                    report_units, unit_comparison, ValidationFailed, VN_TZ)

from .auth import login_required
from .db import db_session
from .errors import error_page
from .guards import day, decimal
from .i18n import N_

bp = Blueprint("dashboards", __name__)

# What each figure counts, as the drill-down's heading names it: every column of the report and its sums.
MEASURE_LABELS = {
    "carried_over": N_("Hồ sơ kỳ trước chuyển qua"),
    "received_online": N_("Hồ sơ mới tiếp nhận trực tuyến"),
    "received_direct": N_("Hồ sơ mới tiếp nhận trực tiếp"),
    "received_postal": N_("Hồ sơ mới tiếp nhận qua dịch vụ bưu chính công ích"),
    "inter_agency": N_("Hồ sơ mới tiếp nhận của thủ tục liên thông"),
    "on_the_spot": N_("Hồ sơ mới tiếp nhận của thủ tục 4 tại chỗ"),
    "digitised": N_("Hồ sơ mới tiếp nhận được số hóa"),
    "resolved": N_("Hồ sơ đã giải quyết"),
    "resolved_early": N_("Hồ sơ giải quyết trước hạn"),
    "resolved_on_time": N_("Hồ sơ giải quyết đúng hạn"),
    "resolved_late": N_("Hồ sơ giải quyết quá hạn"),
    "processed": N_("Hồ sơ đã xử lý xong"),
    "stopped": N_("Hồ sơ dừng giải quyết"),
    "withdrawn": N_("Hồ sơ rút theo yêu cầu của người nộp"),
    "e_result": N_("Hồ sơ có kết quả điện tử"),
    "work_centidays": N_("Thời gian giải quyết"),
    "in_progress_not_due": N_("Hồ sơ đang giải quyết trong hạn"),
    "in_progress_overdue": N_("Hồ sơ đang giải quyết quá hạn"),
    "returned": N_("Hồ sơ đã trả kết quả"),
    "refused": N_("Hồ sơ trực tuyến không được tiếp nhận"),
    "rated_good": N_("Hồ sơ được đánh giá hài lòng"),
    "rated_neutral": N_("Hồ sơ được đánh giá bình thường"),
    "rated_bad": N_("Hồ sơ được đánh giá không hài lòng"),
    "received_new": N_("Hồ sơ mới tiếp nhận trong kỳ"),
    "received_total": N_("Tổng số hồ sơ tiếp nhận"),
    "in_progress": N_("Hồ sơ đang giải quyết"),
    "judged_on_time": N_("Hồ sơ giải quyết trước hạn, đúng hạn và đang giải quyết chưa đến hạn"),
}
TREND_MEASURES = ("received_new", "resolved", "resolved_late")
UNIT_MEASURES = ("received_total", "resolved", "resolved_late", "in_progress_overdue")
CARD_MEASURES = ("received_total", "resolved", "in_progress_overdue")
MAX_FIELD = 255


@dataclass(frozen=True)
class Choice:
    """What the query string asks for: the unit (None: the user's first), the period, a procedure or field."""

    unit_id: int | None
    start: date
    end: date
    procedure_id: int | None
    field: str

    def query(self, **changes) -> dict:
        """The query string of a page of this choice (drill-down, dashboard, report), with `changes` applied."""
        values = {"unit": self.unit_id, "from": self.start.isoformat(), "to": self.end.isoformat(),
                  "procedure": self.procedure_id, "field": self.field or None, **changes}
        return {key: value for key, value in values.items() if value is not None and value != ""}


@bp.get("/dashboard")
@login_required
def index():
    session, now = db_session(), clock.now()
    try:
        choice = _choice()
        report = periodic_report(session, g.user.id, choice.unit_id, choice.start, choice.end,
                                 procedure_id=choice.procedure_id, now=now)
        trend = monthly_trend(session, g.user.id, report.unit.id, choice.start, choice.end,
                              procedure_id=choice.procedure_id, now=now)
        units = unit_comparison(session, g.user.id, report.unit.id, choice.start, choice.end,
                                procedure_id=choice.procedure_id, now=now)
    except ValidationFailed as error:
        return error_page(400, error.message, error.errors)
    choice = Choice(report.unit.id, choice.start, choice.end, choice.procedure_id, "")
    months = [(item, _month_span(item.month, choice)) for item in trend]
    return render_template(
        "dashboards/index.html", choice=choice, unit=report.unit, total=report.total,
        months=months, units=units, late=most_late(report), unit_options=report_units(session, g.user.id),
        procedures=list_procedures(session), labels=MEASURE_LABELS, percent=percent,
        chart=_chart_data(choice, months, units), drill=_drill(choice), today=now.astimezone(VN_TZ).date())


@bp.get("/reports/dossiers")
@login_required
def dossiers():
    session, now = db_session(), clock.now()
    measure = request.args.get("measure", "").strip()
    try:
        choice = _choice()
        page = _page_number()
        found = dossiers_behind(session, g.user.id, choice.unit_id, choice.start, choice.end, measure,
                                procedure_id=choice.procedure_id, field_name=choice.field, page=page, now=now)
    except ValidationFailed as error:
        return error_page(400, error.message, error.errors)
    units = report_units(session, g.user.id)
    unit = next((u for u in units if u.id == choice.unit_id), units[0])
    choice = Choice(unit.id, choice.start, choice.end, choice.procedure_id, choice.field)
    procedure = next((p for p in list_procedures(session) if p.id == choice.procedure_id), None)
    from_dashboard = request.args.get("back") == "dashboard"  # else the periodic report's figure
    if from_dashboard:
        back = (url_for(".index", **choice.query(field=None)), _("Về bảng điều khiển"))
    else:
        back = (url_for("statistics.report", **choice.query()), _("Về báo cáo"))
    pages = {number: url_for(".dossiers", **choice.query(measure=measure, page=number,
                                                       back="dashboard" if from_dashboard else None))
             for number in {found.page - 1, found.page + 1} if 1 <= number <= found.pages}
    return render_template("dashboards/dossiers.html", found=found,
                           title=_(MEASURE_LABELS.get(measure, measure)), unit=unit, choice=choice,
                           procedure=procedure, back=back, pages=pages)


def percent(rate: float | None) -> str:
    """A share as Vietnamese print shows it (95,5 %); a dash when nothing was judged."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def _choice() -> Choice:
    """The unit, period, procedure and field from the query string; defaults: the user's first report unit, from
    1 January of this year to today (Vietnam). Malformed values are refused (the engine checks the period)."""
    errors: dict[str, list[str]] = {}
    today = clock.now().astimezone(VN_TZ).date()
    unit_id = _number("unit", errors, N_("Đơn vị không hợp lệ."))
    procedure_id = _number("procedure", errors, N_("Thủ tục không hợp lệ."))
    start = _date("from", today.replace(month=1, day=1), errors)
    end = _date("to", today, errors)
    field = request.args.get("field", "").strip()
    if len(field) > MAX_FIELD:
        errors["field"] = [N_("Lĩnh vực không hợp lệ.")]
    if errors:
        raise ValidationFailed(N_("Đơn vị, thủ tục hoặc khoảng thời gian chưa hợp lệ."), errors)
    return Choice(unit_id, start, end, procedure_id, field)


def _number(name: str, errors: dict, message: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = decimal(raw)
    if value is None or value == 0:
        errors[name] = [message]
    return value


def _date(name: str, default: date, errors: dict) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    parsed = day(raw)
    if parsed is None:
        errors[name] = [N_("Ngày không hợp lệ (định dạng năm-tháng-ngày).")]
        return default
    return parsed


def _page_number() -> int:
    raw = request.args.get("page", "").strip()
    number = decimal(raw) if raw else 1
    if not number or number > 100_000:
        raise ValidationFailed(N_("Số trang không hợp lệ."), {"page": [N_("Số trang là số nguyên dương.")]})
    return number


def _month_span(month: date, choice: Choice) -> tuple[date, date]:
    """The part of the month inside the period: a drill-down from the trend lists that part only."""
    following = (month + timedelta(days=32)).replace(day=1)
    return max(month, choice.start), min(following - timedelta(days=1), choice.end)


def _drill(choice: Choice):
    """url(measure, **changes): the drill-down of one figure of the dashboard, coming back to the dashboard."""
    def url(measure: str, **changes) -> str:
        return url_for(".dossiers", **choice.query(measure=measure, back="dashboard", **changes))
    return url


def _chart_data(choice: Choice, months, units) -> dict:
    """The charts' numbers (the same the tables show) and where a click on each bar or point leads."""
    drill = _drill(choice)
    trend = {
        "labels": [_month_label(item.month) for item, _span in months],
        "datasets": [{"key": measure, "label": _(MEASURE_LABELS[measure]),
                      "values": [getattr(item.figures, measure) for item, _span in months],
                      "links": [drill(measure, **{"from": first.isoformat(), "to": last.isoformat()})
                                for _item, (first, last) in months]}
                     for measure in TREND_MEASURES],
    }
    rates = [None if item.figures.on_time_rate is None else round(item.figures.on_time_rate * 100, 1)
             for item in units]
    comparison = {
        "labels": [item.unit.name for item in units],
        "datasets": [{"key": measure, "label": _(MEASURE_LABELS[measure]),
                      "values": [getattr(item.figures, measure) for item in units],
                      "links": [drill(measure, unit=item.unit.id) for item in units]}
                     for measure in UNIT_MEASURES]
        + [{"key": "on_time_rate", "label": _("Tỷ lệ đúng hạn (%)"), "values": rates, "links": []}],
    }
    return {"trend": trend, "units": comparison}


def _month_label(month: date) -> str:
    return _("Tháng %(month)s/%(year)s", month=month.month, year=month.year)
