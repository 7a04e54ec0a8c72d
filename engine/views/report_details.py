"""What leaders read at a glance beside the report: the trend per month, the sub-units side by side, the procedures
with most late dossiers, and the dossiers behind any figure (the drill-down), listed from the dossiers themselves
with the same rules the counters follow (engine.onestop.tallies)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.infra.errors import ValidationFailed
from engine.models import COUNTS, Attachment, Dossier, DossierStat, Evaluation, Event, Procedure, Unit
from engine.org import access
from engine.onestop.statuses import STATUS_LABELS, VERDICT_LABELS, on_time_verdict
from engine.onestop.tallies import CLOSED, NOT_RECEIVED, PAUSED
from engine.views.reports import (SUM_MEASURES, MEASURES, Figures, Report, ReportLine, _as_of, _figures,
                                  _overdue_not_yet, check_period, field_is, period_figures, report_unit, subtree_ids)

PER_PAGE = 50
RATING_MEASURES = {"rated_good": 3, "rated_neutral": 2, "rated_bad": 1}


@dataclass
class MonthFigures:
    month: date  # its first day
    figures: Figures


@dataclass
class UnitFigures:
    unit: Unit
    figures: Figures


def monthly_trend(session: Session, user_id: int, unit_id: int | None, start: date, end: date, *,
                  procedure_id: int | None = None, now: datetime) -> list[MonthFigures]:
    """Each month of the period (clipped to it) with its figures, as period_figures would give them month by month,
    from one query: the counters summed over the procedures by grain and period, prefix sums taken here."""
    check_period(start, end)
    unit = report_unit(session, user_id, unit_id)
    spans = []  # (month, first day, the day after the last counted one)
    month = start.replace(day=1)
    while month <= end:
        following = (month + timedelta(days=32)).replace(day=1)
        last = min(following - timedelta(days=1), end)
        as_of = _as_of(last, now)
        spans.append((month, max(month, start), min(last + timedelta(days=1),
                                                      as_of.astimezone(VN_TZ).date() + timedelta(days=1))))
        month = following
    days = {day for _, first, after in spans for day in (first, after)}
    sums = _sums_by_period(session, unit.id, days, procedure_id)
    running = _as_of(end, now)
    running_day = running.astimezone(VN_TZ).date() + timedelta(days=1)
    pending = sum(_overdue_not_yet(session, [unit.id], running, running_day, procedure_id, "").values())
    out = []
    for month, first, after in spans:
        figures = _figures(_prefix_of(sums, first), _prefix_of(sums, after))
        if pending and after == running_day:
            figures.in_progress_overdue -= pending
            figures.in_progress_not_due += pending
        out.append(MonthFigures(month, figures))
    return out


def _sums_by_period(session: Session, unit_id: int, days: set[date], procedure_id: int | None) -> dict:
    """(grain, period) → count → sum over the unit's procedures, for the rows the prefix sums of `days` read."""
    first, last = min(days), max(days)
    wanted = [and_(DossierStat.grain == "y", DossierStat.period < last.replace(month=1, day=1)),
              and_(DossierStat.grain == "m", DossierStat.period >= first.replace(month=1, day=1),
                   DossierStat.period < last.replace(day=1))]
    wanted += [and_(DossierStat.grain == "d", DossierStat.period >= day.replace(day=1), DossierStat.period < day)
               for day in days if day.day != 1]
    columns = [DossierStat.__table__.c[name] for name in COUNTS]
    query = (select(DossierStat.grain, DossierStat.period, *[func.sum(c) for c in columns])
             .where(DossierStat.unit_id == unit_id, or_(*wanted)).group_by(DossierStat.grain, DossierStat.period))
    if procedure_id is not None:
        query = query.where(DossierStat.procedure_id == procedure_id)
    return {(grain, period): dict(zip(COUNTS, (int(v or 0) for v in values)))
            for grain, period, *values in session.execute(query)}


def _prefix_of(sums: dict, day: date) -> dict:
    """Everything counted before `day`: earlier years, earlier months of its year, earlier days of its month."""
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    total = dict.fromkeys(COUNTS, 0)
    for (grain, period), counts in sums.items():
        if (grain == "y" and period < year) or (grain == "m" and year <= period < month) or (
                grain == "d" and month <= period < day):
            for name, value in counts.items():
                total[name] += value
    return total


def unit_comparison(session: Session, user_id: int, unit_id: int | None, start: date, end: date, *,
                    procedure_id: int | None = None, now: datetime) -> list[UnitFigures]:
    """The unit's direct sub-units side by side (each with its own sub-units); the unit itself if it has none."""
    check_period(start, end)
    unit = report_unit(session, user_id, unit_id)
    children = list(session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))) or [unit]
    by_unit = period_figures(session, [u.id for u in children], start, end, now, procedure_id=procedure_id)
    out = []
    for child in children:
        figures = Figures()
        for item in by_unit[child.id].values():
            figures.add(item)
        out.append(UnitFigures(child, figures))
    return out


def most_late(report: Report, limit: int = 10) -> list[ReportLine]:
    """Procedures of the report with most dossiers ended late or open past their due date."""
    def late(line: ReportLine) -> int:
        return line.figures.resolved_late + line.figures.in_progress_overdue

    lines = [line for line in report.lines if line.level == 1 and late(line) > 0]
    return sorted(lines, key=lambda line: (-late(line), line.label))[:limit]


@dataclass
class DossierLine:
    code: str
    procedure_name: str
    applicant_name: str
    received_at: datetime | None
    due_at: datetime | None  # the legal due (moved by supplement pauses); statistics judge against it
    end_at: datetime | None
    status_label: str
    verdict_label: str
    viewable: bool = False  # the reader may open the dossier (a leader above its units reads only its figures)


@dataclass
class DossierPage:
    measure: str
    lines: list[DossierLine]
    total: int
    page: int
    pages: int


def dossiers_behind(session: Session, user_id: int, unit_id: int | None, start: date, end: date, measure: str, *,
                    procedure_id: int | None = None, field_name: str = "", page: int = 1,
                    now: datetime) -> DossierPage:
    """The dossiers one figure of the report counts, newest first, PER_PAGE a page."""
    if measure not in MEASURES and measure not in SUM_MEASURES or measure == "work_centidays":
        raise ValidationFailed("Chỉ tiêu không hợp lệ.", {"measure": ["Chọn một cột của báo cáo."]})
    check_period(start, end)
    unit = report_unit(session, user_id, unit_id)
    units = subtree_ids(session, unit.id)
    begin, finish = datetime.combine(start, time(0), VN_TZ), _as_of(end, now)
    query = (select(Dossier, Procedure.name).join(Procedure, Procedure.id == Dossier.procedure_id)
             .where(or_(Dossier.receiving_unit_id.in_(units), Dossier.deciding_unit_id.in_(units)),
                    _condition(measure, begin, finish, _due_day_start(session))))
    if procedure_id is not None:
        query = query.where(Dossier.procedure_id == procedure_id)
    if field_name:
        query = query.where(field_is(field_name))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(page, 1)
    chosen = session.execute(query.order_by(Dossier.received_at.desc(), Dossier.id.desc())
                             .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    grants = access.grants_of(session, user_id)
    lines = [DossierLine(d.code, name, (d.applicant or {}).get("name", ""),
                         None if d.status in NOT_RECEIVED else d.received_at, d.due_at, _end(d),
                         STATUS_LABELS.get(d.status, ""), VERDICT_LABELS.get(_verdict(d) or "", ""),
                         access.may_view_dossier(session, grants, d, now))
             for d, name in chosen]
    return DossierPage(measure, lines, total, page, max(1, -(-total // PER_PAGE)))


def _due_day_start(session: Session):
    """SQL: the start (Vietnam time, UTC+7 all year) of the day of the dossier's due, as its stored UTC instant."""
    if session.get_bind().dialect.name == "postgresql":
        seven = literal_column("interval '7 hours'")
        return func.date_trunc("day", Dossier.due_at + seven) - seven
    return func.datetime(func.date(Dossier.due_at, "+7 hours"), "-7 hours")


def _end(dossier: Dossier) -> datetime | None:
    return (dossier.finished_at or dossier.returned_at) if dossier.status in CLOSED else None


def _verdict(dossier: Dossier) -> str | None:
    if dossier.status not in CLOSED:
        return None
    verdict = on_time_verdict(dossier)
    if verdict is None and dossier.returned_at is not None and dossier.due_at is not None:
        verdict = "late" if dossier.supplement_count > 1 or dossier.returned_at > dossier.due_at else (
            "early" if dossier.returned_at.astimezone(VN_TZ).date() < dossier.due_at.astimezone(VN_TZ).date()
            else "on_time")
    return verdict


def _condition(measure: str, begin: datetime, finish: datetime, due_day_start):
    """The SQL condition of a figure over [begin, finish) (the drill-down's counterpart of tallies.contributions);
    verdicts as engine.onestop.statuses.on_time_verdict gives them: late after the due instant or after more than
    one supplement request, early on an earlier (Vietnam) day than the due day, on time otherwise."""
    received = Dossier.status.not_in(sorted(NOT_RECEIVED))
    end_at = func.coalesce(Dossier.finished_at, Dossier.returned_at)
    closed = and_(received, Dossier.status.in_(sorted(CLOSED)))
    in_time = and_(Dossier.supplement_count <= 1, end_at <= Dossier.due_at)
    new = and_(received, Dossier.received_at >= begin, Dossier.received_at < finish)
    ended = and_(closed, end_at >= begin, end_at < finish)
    open_at = and_(received, Dossier.received_at < finish, or_(~Dossier.status.in_(sorted(CLOSED)), end_at >= finish))
    overdue = and_(open_at, Dossier.due_at < finish, Dossier.paused_at.is_(None),
                   Dossier.status.not_in(sorted(PAUSED)))
    withdrawn = exists().where(Event.dossier_id == Dossier.id, Event.action == "dossier_stopped",
                               Event.status_before == 7)
    variant = Procedure.variant  # the query joins the dossier's procedure
    kind = lambda name: exists().where(Attachment.dossier_id == Dossier.id, Attachment.kind == name)  # noqa: E731
    rating = lambda value: exists().where(Evaluation.dossier_id == Dossier.id, Evaluation.rating == value,  # noqa: E731
                                          Evaluation.created_at >= begin, Evaluation.created_at < finish)
    conditions = {
        "carried_over": and_(received, Dossier.received_at < begin,
                             or_(~Dossier.status.in_(sorted(CLOSED)), end_at >= begin)),
        "received_online": and_(new, Dossier.channel == "online"),
        "received_direct": and_(new, Dossier.channel == "direct"),
        "received_postal": and_(new, Dossier.channel == "postal"),
        "received_new": new,
        "inter_agency": and_(new, variant == "inter_agency"),
        "on_the_spot": and_(new, variant == "on_the_spot"),
        "digitised": and_(new, or_(Dossier.channel == "online", kind("component"))),
        "resolved": ended,
        "resolved_early": and_(ended, in_time, end_at < due_day_start),
        "resolved_on_time": and_(ended, in_time, end_at >= due_day_start),
        "resolved_late": and_(ended, or_(Dossier.supplement_count > 1, end_at > Dossier.due_at)),
        "processed": and_(ended, Dossier.status.in_((9, 10))),
        "stopped": and_(ended, Dossier.status == 8, ~withdrawn),
        "withdrawn": and_(ended, Dossier.status == 8, withdrawn),
        "e_result": and_(ended, Dossier.status.in_((9, 10)), kind("result")),
        "in_progress": open_at,
        "in_progress_overdue": overdue,
        "in_progress_not_due": and_(open_at, ~overdue),
        "returned": and_(Dossier.status == 10, Dossier.returned_at >= begin, Dossier.returned_at < finish),
        "refused": and_(Dossier.status == 3, Dossier.finished_at >= begin, Dossier.finished_at < finish),
    }
    conditions["received_total"] = or_(conditions["carried_over"], new)
    conditions["judged_on_time"] = or_(and_(ended, in_time), conditions["in_progress_not_due"])
    for name, value in RATING_MEASURES.items():
        conditions[name] = rating(value)
    return conditions[measure]
