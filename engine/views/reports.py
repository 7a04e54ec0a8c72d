"""The periodic report on handling administrative procedures (tình hình, kết quả giải quyết TTHC), read from the
report counters (engine.models.DossierStat) in a few indexed queries whatever the number of dossiers.

Every figure of a period [start, end] (Vietnam dates, both included) is a difference of two prefix sums of the
counters: what was counted before the end minus what was counted before the start. A prefix sum reads, per
procedure, the year rows before the year, the month rows of the year before the month and the day rows of the
month before the day: at most a few dozen rows per procedure, and only the year rows for a calendar year.

Lines follow the law's report form: received (carried over from the previous period; new online, direct, by
post), resolved (before, on, after the due date), in progress at the end (not yet due, overdue), plus stopped,
withdrawn, handed over, refused at intake, liên thông and 4 tại chỗ counts."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.infra.errors import NotFound, ValidationFailed
from engine.infra.text import fold
from engine.models import COUNTS, Dossier, DossierStat, Procedure, Unit
from engine.onestop.tallies import PAUSED, CLOSED, NOT_RECEIVED
from engine.org import access

MAX_YEARS = 5  # a longer period is refused: reports are per month, quarter, half-year, year
OTHER_FIELD = "Khác"  # the line of procedures whose field (lĩnh vực) is not filled in


def field_is(name: str):
    """SQL condition on Procedure: of the field (lĩnh vực) a report line names."""
    return or_(Procedure.field == "", Procedure.field.is_(None)) if name == OTHER_FIELD else Procedure.field == name


@dataclass
class Figures:
    """One line of the report (a procedure, a field, a unit or the total). Counts are of dossiers."""

    carried_over: int = 0  # received before the period and not ended at its start (kỳ trước chuyển qua)
    received_online: int = 0  # new in the period, by channel (trực tuyến / trực tiếp / bưu chính công ích)
    received_direct: int = 0
    received_postal: int = 0
    inter_agency: int = 0  # of the new: liên thông procedures
    on_the_spot: int = 0  # of the new: 4 tại chỗ procedures
    digitised: int = 0  # of the new: components digitised (scanned at the desk or submitted online)
    resolved: int = 0  # ended in the period: processed (9/10), stopped by the authority or withdrawn (8)
    resolved_early: int = 0  # … before the due date (an earlier day), on it, after it (or after > 1 supplement)
    resolved_on_time: int = 0
    resolved_late: int = 0
    processed: int = 0  # of the ended: processed (a result or a refusal after appraisal)
    stopped: int = 0  # of the ended: stopped by the authority (Mẫu 05)
    withdrawn: int = 0  # of the ended: stopped at the citizen's request
    e_result: int = 0  # of the processed: with an electronic result
    work_centidays: int = 0  # Σ processing time of the ended, hundredths of a working day
    in_progress_not_due: int = 0  # open at the end of the period, due date not passed (or clock stopped)
    in_progress_overdue: int = 0  # open at the end of the period, past the due date
    returned: int = 0  # results handed over in the period
    refused: int = 0  # online submissions refused at intake in the period (never received)
    rated_good: int = 0  # citizens' ratings given in the period
    rated_neutral: int = 0
    rated_bad: int = 0

    @property
    def received_new(self) -> int:
        return self.received_online + self.received_direct + self.received_postal

    @property
    def received_total(self) -> int:
        return self.carried_over + self.received_new

    @property
    def in_progress(self) -> int:
        return self.in_progress_not_due + self.in_progress_overdue

    @property
    def on_time_rate(self) -> float | None:
        """Share judged on time (QĐ 766 indicator 2.1): (early + on time + open not yet due) ÷ (ended + open)."""
        judged = self.resolved + self.in_progress
        return (self.resolved_early + self.resolved_on_time + self.in_progress_not_due) / judged if judged else None

    def add(self, other: "Figures") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


MEASURES = tuple(item.name for item in fields(Figures))  # what a drill-down may ask for, plus the sums below
SUM_MEASURES = ("received_new", "received_total", "in_progress", "judged_on_time")  # the last: indicator 2.1


@dataclass
class ReportLine:
    label: str
    figures: Figures
    level: int = 0  # 0: a field (lĩnh vực); 1: a procedure of it
    field: str = ""
    procedure_id: int | None = None
    procedure_code: str = ""
    time_limit: str = ""  # the procedure's legal time limit, as published (e.g. "10 ngày làm việc")


@dataclass
class Report:
    unit: Unit
    start: date
    end: date
    as_of: datetime  # the in-progress columns are counted at this instant (the period's end, or now)
    lines: list[ReportLine] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    procedure_id: int | None = None
    field: str = ""


def report_units(session: Session, user_id: int) -> list[Unit]:
    """Units whose report the user may open: those they lead or administer, and every unit below them."""
    roots = access.grants_of(session, user_id).report_units()
    if not roots:
        return []
    units = {unit.id: unit for unit in session.scalars(select(Unit).order_by(Unit.code))}
    ids: list[int] = []
    for unit_id in units:
        if unit_id in roots:
            ids += [i for i in subtree_ids(session, unit_id) if i not in ids]
    return [units[i] for i in ids]


def report_unit(session: Session, user_id: int, unit_id: int | None) -> Unit:
    """The unit the user asked for, if they may see its report (403 otherwise); the first one by default."""
    units = report_units(session, user_id)
    access.check(bool(units), "Chỉ lãnh đạo đơn vị và quản trị viên xem được báo cáo thống kê.")
    if unit_id is None:
        return units[0]
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        if session.get(Unit, unit_id) is None:
            raise NotFound("Không có đơn vị này.")
        access.check(False, "Ông/bà chỉ xem được báo cáo của đơn vị mình và các đơn vị trực thuộc.")
    return unit


def check_period(start: date, end: date) -> None:
    errors = {}
    if start > end:
        errors["from"] = ["Từ ngày phải trước hoặc bằng đến ngày."]
    elif end > _add_years(start, MAX_YEARS):
        errors["to"] = [f"Mỗi báo cáo tối đa {MAX_YEARS} năm."]
    if errors:
        raise ValidationFailed("Kỳ báo cáo không hợp lệ.", errors)


def periodic_report(session: Session, user_id: int, unit_id: int | None, start: date, end: date, *,
                    procedure_id: int | None = None, field_name: str = "", now: datetime) -> Report:
    """The report of the unit (with its sub-units) for the period, a line per field and per procedure."""
    check_period(start, end)
    unit = report_unit(session, user_id, unit_id)
    report = Report(unit, start, end, as_of=_as_of(end, now), procedure_id=procedure_id, field=field_name)
    by_procedure = period_figures(session, [unit.id], start, end, now, procedure_id=procedure_id,
                                  field_name=field_name)[unit.id]
    procedures = {p.id: p for p in session.scalars(select(Procedure).where(Procedure.id.in_(list(by_procedure))))}
    by_field: dict[str, list[int]] = defaultdict(list)
    for pid in by_procedure:
        by_field[procedures[pid].field or OTHER_FIELD].append(pid)
    for field_label in sorted(by_field, key=_sort_key):
        subtotal = Figures()
        lines = []
        for pid in sorted(by_field[field_label], key=lambda p: _sort_key(procedures[p].name)):
            procedure, figures = procedures[pid], by_procedure[pid]
            subtotal.add(figures)
            lines.append(ReportLine(procedure.name, figures, 1, field_label, pid, procedure.code,
                                    time_limit_text(procedure)))
        report.lines.append(ReportLine(field_label, subtotal, 0, field_label))
        report.lines.extend(lines)
        report.total.add(subtotal)
    return report


def period_figures(session: Session, unit_ids: list[int], start: date, end: date, now: datetime, *,
                   procedure_id: int | None = None, field_name: str = "") -> dict[int, dict[int, Figures]]:
    """unit id → procedure id → figures of the period, for the given units (each with its sub-units)."""
    as_of = _as_of(end, now)
    open_day = min(end + timedelta(days=1), as_of.astimezone(VN_TZ).date() + timedelta(days=1))
    before_start, before_end = _prefix(start), _prefix(open_day)
    columns = [DossierStat.__table__.c[name] for name in COUNTS]
    query = (select(DossierStat.unit_id, DossierStat.procedure_id,
                    *[func.sum(c).filter(before_start).label(f"s_{c.name}") for c in columns],
                    *[func.sum(c).filter(before_end).label(f"e_{c.name}") for c in columns])
             .where(DossierStat.unit_id.in_(unit_ids), or_(before_start, before_end))
             .group_by(DossierStat.unit_id, DossierStat.procedure_id))
    if procedure_id is not None:
        query = query.where(DossierStat.procedure_id == procedure_id)
    if field_name:
        query = query.where(DossierStat.procedure_id.in_(select(Procedure.id).where(field_is(field_name))))
    out: dict[int, dict[int, Figures]] = {unit_id: {} for unit_id in unit_ids}
    for row in session.execute(query).mappings():
        s = {name: int(row[f"s_{name}"] or 0) for name in COUNTS}  # PostgreSQL sums bigints as numeric
        e = {name: int(row[f"e_{name}"] or 0) for name in COUNTS}
        out[row["unit_id"]][row["procedure_id"]] = _figures(s, e)
    pending = _overdue_not_yet(session, unit_ids, as_of, open_day, procedure_id, field_name)
    for (unit_id, pid), n in pending.items():
        figures = out[unit_id].get(pid)
        if figures is not None:
            figures.in_progress_overdue -= n
            figures.in_progress_not_due += n
    return out


def _figures(s: dict, e: dict) -> Figures:
    """Figures of a period from the prefix sums before its start (s) and before its end (e)."""
    def flow(name: str) -> int:
        return e[name] - s[name]

    open_start = _received(s) - s["closed"]
    open_end = _received(e) - e["closed"]
    overdue = e["overdue"]
    return Figures(
        carried_over=open_start, received_online=flow("received_online"), received_direct=flow("received_direct"),
        received_postal=flow("received_postal"), inter_agency=flow("received_inter_agency"),
        on_the_spot=flow("received_on_the_spot"), digitised=flow("received_digitised"), resolved=flow("closed"),
        resolved_early=flow("closed_early"), resolved_on_time=flow("closed_on_time"),
        resolved_late=flow("closed_late"), processed=flow("closed_processed"), stopped=flow("stopped"),
        withdrawn=flow("withdrawn"), e_result=flow("e_result"), work_centidays=flow("work_centidays"),
        in_progress_not_due=open_end - overdue, in_progress_overdue=overdue, returned=flow("returned"),
        refused=flow("refused"), rated_good=flow("rated_good"), rated_neutral=flow("rated_neutral"),
        rated_bad=flow("rated_bad"))


def _received(prefix: dict) -> int:
    return prefix["received_online"] + prefix["received_direct"] + prefix["received_postal"]


def _prefix(day: date):
    """Rows counting everything before `day` (Vietnam date): earlier years, earlier months of its year, earlier
    days of its month."""
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    return or_(and_(DossierStat.grain == "y", DossierStat.period < year),
               and_(DossierStat.grain == "m", DossierStat.period >= year, DossierStat.period < month),
               and_(DossierStat.grain == "d", DossierStat.period >= month, DossierStat.period < day))


def _overdue_not_yet(session, unit_ids, as_of, open_day, procedure_id, field_name) -> dict:
    """Open dossiers whose due falls on the last counted day but after `as_of` (later today): the day's row
    already counts them overdue. Few rows: one day's due dates, read through the index on due_at."""
    day_end = datetime.combine(open_day, time(0), VN_TZ)
    if as_of >= day_end:
        return {}
    out: dict = defaultdict(int)
    query = (select(Dossier.procedure_id, Dossier.receiving_unit_id, Dossier.deciding_unit_id)
             .where(Dossier.due_at > as_of, Dossier.due_at < day_end, Dossier.paused_at.is_(None),
                    Dossier.status.not_in(sorted(CLOSED | PAUSED | NOT_RECEIVED))))
    if procedure_id is not None:
        query = query.where(Dossier.procedure_id == procedure_id)
    if field_name:
        query = query.where(Dossier.procedure_id.in_(select(Procedure.id).where(field_is(field_name))))
    rows = session.execute(query).all()
    if rows:
        below = {unit_id: set(subtree_ids(session, unit_id)) for unit_id in unit_ids}
        for pid, receiving, deciding in rows:
            for unit_id, ids in below.items():
                if receiving in ids or deciding in ids:
                    out[(unit_id, pid)] += 1
    return out


def subtree_ids(session: Session, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for uid, parent in session.execute(select(Unit.id, Unit.parent_id)):
        children[parent].append(uid)
    out, stack = [], [unit_id]
    while stack:
        current = stack.pop()
        if current not in out:
            out.append(current)
            stack.extend(children.get(current, []))
    return out


def time_limit_text(procedure: Procedure) -> str:
    units = {"working_days": "ngày làm việc", "days": "ngày", "working_hours": "giờ làm việc", "months": "tháng"}
    amount = f"{procedure.time_limit.normalize():f}".replace(".", ",") if procedure.time_limit is not None else ""
    return f"{amount} {units.get(procedure.time_limit_unit, procedure.time_limit_unit)}".strip()


def _as_of(end: date, now: datetime) -> datetime:
    """The instant the in-progress columns are counted at: the end of the period, or now if that is later."""
    return min(datetime.combine(end + timedelta(days=1), time(0), VN_TZ), now)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _sort_key(text: str) -> str:
    return fold(text)  # Vietnamese order, near enough: "Đất đai" before "Hộ tịch"
