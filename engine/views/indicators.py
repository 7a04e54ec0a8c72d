"""The indicators of Quyết định 766/QĐ-TTg (Bộ chỉ số phục vụ người dân, doanh nghiệp) that the dossiers decide,
computed from the report's figures (engine.views.reports) with the formulas of the decision's specification
(domain.md §5.1). The period is the report's: flows are counted when they happen in it, stocks at its end.

Group totals (20 points for progress and results, 22 for digitisation, 22 for online service, 18 for
satisfaction) and the 6 points of indicator 5.4 are verified; the other indicators' maximum points are our reading
of the decision and are marked so on screen. A rate below the indicator's threshold scores linearly:
rate × max ÷ threshold; at or above it, full marks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Procedure, Unit
from engine.views.reports import Figures, check_period, period_figures, report_unit, time_limit_text


@dataclass
class Indicator:
    code: str  # as in the decision's specification: "2.1", "3.3" …
    name: str
    formula: str  # how it is computed, in the decision's terms
    numerator: float
    denominator: float
    rate: float | None  # numerator ÷ denominator; None when nothing was counted
    max_points: float
    threshold: float | None  # the rate that earns full marks; None: linear up to 100 %
    points: float | None
    verified_points: bool  # the maximum points are verified against the decision's text
    measure: str = ""  # the report figure a drill-down lists for the numerator


@dataclass
class ProcedureTime:
    """Indicator 2.2 for one procedure: the average working days from reception to end of the ended dossiers."""

    procedure_id: int
    code: str
    name: str
    time_limit: str
    limit_days: Decimal | None  # the legal limit in working days when it is counted in days (same day: 1)
    ended: int
    average_days: float | None


@dataclass
class Indicators:
    unit: Unit
    start: date
    end: date
    figures: Figures
    items: list[Indicator] = field(default_factory=list)
    times: list[ProcedureTime] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(item.points or 0 for item in self.items)

    @property
    def max_points(self) -> float:
        return sum(item.max_points for item in self.items)


def indicators(session: Session, user_id: int, unit_id: int | None, start: date, end: date, *,
               procedure_id: int | None = None, now: datetime) -> Indicators:
    check_period(start, end)
    unit = report_unit(session, user_id, unit_id)
    by_procedure = period_figures(session, [unit.id], start, end, now, procedure_id=procedure_id)[unit.id]
    total = Figures()
    for figures in by_procedure.values():
        total.add(figures)
    result = Indicators(unit, start, end, total)
    result.times = _times(session, by_procedure)
    result.items = compute(total, result.times)
    return result


def compute(f: Figures, times: list[ProcedureTime]) -> list[Indicator]:
    """Every indicator from the period's figures (see each formula)."""
    on_time = f.resolved_early + f.resolved_on_time + f.in_progress_not_due
    judged = f.resolved + f.in_progress
    within = [t for t in times if t.average_days is not None and t.limit_days is not None]
    ratings = f.rated_good + f.rated_neutral + f.rated_bad
    on_time_rate = on_time / judged if judged else None
    dislike_rate = f.rated_bad / f.resolved if f.resolved else 0.0
    satisfied = None if on_time_rate is None else max(0.0, 1 - ((1 - on_time_rate) + dislike_rate))
    return [
        _item("2.1", "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn",
              "(hồ sơ đã kết thúc trước hạn + đúng hạn + đang giải quyết chưa đến hạn) ÷ (hồ sơ đã kết thúc trong kỳ + "
              "đang giải quyết cuối kỳ); kết thúc là lần đầu Đã xử lý xong, Đã trả kết quả, Dừng hoặc Rút; thời gian "
              "bổ sung không tính; yêu cầu bổ sung quá một lần tính là quá hạn",
              on_time, judged, 12, None, False, "judged_on_time"),
        _item("2.2", "Thời gian giải quyết trung bình trong thời hạn",
              "số thủ tục có thời gian giải quyết trung bình (ngày làm việc từ tiếp nhận đến kết thúc, trừ thời gian "
              "bổ sung) không quá thời hạn luật định ÷ số thủ tục có hồ sơ kết thúc trong kỳ",
              sum(1 for t in within if Decimal(str(t.average_days)) <= t.limit_days), len(within), 8, None, False),
        _item("3.3", "Tỷ lệ hồ sơ trực tuyến",
              "hồ sơ nộp trực tuyến ÷ hồ sơ tiếp nhận mới trong kỳ", f.received_online, f.received_new, 6, 0.5, False,
              "received_online"),
        _item("4.1", "Tỷ lệ cấp kết quả điện tử",
              "hồ sơ xử lý xong có kết quả điện tử ÷ hồ sơ xử lý xong trong kỳ", f.e_result, f.processed, 4, None,
              False, "e_result"),
        _item("4.2", "Tỷ lệ số hóa hồ sơ",
              "hồ sơ tiếp nhận mới có thành phần được số hóa (quét tại Bộ phận Một cửa hoặc nộp trực tuyến) ÷ hồ sơ "
              "tiếp nhận mới trong kỳ", f.digitised, f.received_new, 6, 0.8, False, "digitised"),
        Indicator("5.4", "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC",
                  "100% − (tỷ lệ hồ sơ quá hạn + tỷ lệ hồ sơ bị đánh giá không hài lòng); tỷ lệ quá hạn = 100% − chỉ "
                  "số 2.1; tỷ lệ không hài lòng = đánh giá không hài lòng ÷ hồ sơ đã kết thúc trong kỳ",
                  satisfied or 0.0, 1.0, satisfied, 6, 0.9, _points(satisfied, 6, 0.9), True),
        _item("5.x", "Tỷ lệ đánh giá hài lòng (tham khảo)",
              "đánh giá hài lòng ÷ số đánh giá trong kỳ", f.rated_good, ratings, 0, None, True, "rated_good"),
    ]


def _item(code, name, formula, numerator, denominator, max_points, threshold, verified, measure="") -> Indicator:
    rate = numerator / denominator if denominator else None
    return Indicator(code, name, formula, numerator, denominator, rate, max_points, threshold,
                     _points(rate, max_points, threshold), verified, measure)


def _points(rate: float | None, max_points: float, threshold: float | None) -> float | None:
    """Full marks at the threshold; linear below it (rate × max ÷ threshold); None when nothing was counted."""
    if rate is None:
        return None
    scale = threshold or 1.0
    return round(min(rate / scale, 1.0) * max_points, 2)


def _times(session: Session, by_procedure: dict[int, Figures]) -> list[ProcedureTime]:
    """Indicator 2.2 per procedure that has dossiers ended in the period."""
    if not by_procedure:
        return []
    out = []
    for procedure in session.scalars(select(Procedure).where(Procedure.id.in_(list(by_procedure)))
                                     .order_by(Procedure.name)):
        figures = by_procedure[procedure.id]
        average = round(int(figures.work_centidays) / 100 / figures.resolved, 2) if figures.resolved else None
        days = procedure.time_limit if procedure.time_limit_unit in ("working_days", "days") else None
        if days is not None and days <= 0:  # "trong ngày": by the end of the day, or the next one after the cut-off
            days = Decimal(1)
        out.append(ProcedureTime(procedure.id, procedure.code, procedure.name, time_limit_text(procedure), days,
                                 figures.resolved, average))
    return out
