"""The report counters (engine.models.DossierStat), kept in the same transaction as every change they count.

A dossier's *tally* is what it contributes to the counters as it stands: received (when, by which channel), ended
(when, how, with which verdict), handed over, refused at intake, and the instant its legal due passes while it is
open with its clock running. Whatever changes a dossier takes its tally before and after and books the
difference (`record`), into a row per unit (the receiving and the deciding unit and every unit above them: a
report of a unit includes its sub-units) and grain (day, month, year) of the instant each count belongs to.

Flows are booked at their own instants (a postal dossier received yesterday counts yesterday). The overdue stock
keeps history as it was: a change to an overdue booking whose instant has passed is booked now (a dossier that
became overdue on the 3rd and closed on the 10th was overdue between those days in every later report), while a
booking still in the future is simply moved or withdrawn."""
from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.models import COUNTS, Attachment, Dossier, DossierStat, Event, Procedure, Unit
from engine.onestop.statuses import on_time_verdict
from engine.org.calendar import WorkCalendar, unit_calendar
from engine.workflow.tasks import verdict as step_verdict

RECEIVED_CHANNELS = {"direct": "received_direct", "online": "received_online", "postal": "received_postal"}
VARIANT_COUNTS = {"inter_agency": "received_inter_agency", "on_the_spot": "received_on_the_spot"}
RATING_COUNTS = {3: "rated_good", 2: "rated_neutral", 1: "rated_bad"}
NOT_RECEIVED = frozenset({1, 3})  # submitted online and waiting, or refused at intake: never received
CLOSED = frozenset({8, 9, 10})  # stopped (or withdrawn), processed, result handed over
PAUSED = frozenset({5, 6})  # waiting for the citizen's supplement or a financial obligation
COUNTED_KINDS = frozenset({"component", "result"})  # the attachments a tally reads: scans, electronic results
_UNITS_KEY, _VARIANTS_KEY, _HELD_KEY = "motcua_tally_units", "motcua_tally_variants", "motcua_tally_held"


@dataclass(frozen=True)
class Tally:
    """What one dossier contributes to the counters, as it stands (see the module's docstring)."""

    procedure_id: int
    unit_ids: tuple[int, ...]  # receiving and deciding units and all units above them, each once
    received_at: datetime | None  # None: not received (waiting online submission, refused at intake)
    channel: str
    variant: str
    digitised: bool  # its components were scanned or submitted online (QĐ 766 số hóa)
    due_at: datetime | None  # the legal due, moved by supplement pauses (never the extended one)
    clock_running: bool  # open and not paused: its overdue booking stands at due_at
    end_at: datetime | None  # first of processed (9), stopped or withdrawn (8), handed over (10)
    end_kind: str | None  # processed / stopped / withdrawn
    verdict: str | None  # early / on_time / late (engine.onestop.statuses.on_time_verdict)
    work_centidays: int  # working time from reception to end net of pauses, 1/100 working day
    e_result: bool  # processed with an electronic result attached
    returned_at: datetime | None
    refused_at: datetime | None


def tally_of(session: Session, dossier: Dossier, *, withdrawn: bool | None = None,
             kinds: set[str] | None = None) -> Tally:
    """The dossier's tally. `withdrawn` says whether a stop (8) followed the citizen's withdrawal request, `kinds`
    which kinds of attachment it has; by default they are read (the audit trail only for stopped dossiers)."""
    received = dossier.status not in NOT_RECEIVED
    closed = received and dossier.status in CLOSED
    end_at = (dossier.finished_at or dossier.returned_at) if closed else None
    if kinds is None:
        kinds = _attachment_kinds(session, dossier.id) if received else set()
    end_kind = None
    if end_at is not None:
        if dossier.status == 8:
            if withdrawn is None:
                withdrawn = _withdrawn(session, dossier.id)
            end_kind = "withdrawn" if withdrawn else "stopped"
        else:
            end_kind = "processed"
    return Tally(
        procedure_id=dossier.procedure_id,
        unit_ids=unit_chain(session, dossier.receiving_unit_id, dossier.deciding_unit_id),
        received_at=dossier.received_at if received else None, channel=dossier.channel,
        variant=_variant(session, dossier.procedure_id),
        digitised=received and (dossier.channel == "online" or "component" in kinds),
        due_at=dossier.due_at if received else None,
        clock_running=received and end_at is None and dossier.paused_at is None and dossier.status not in PAUSED,
        end_at=end_at, end_kind=end_kind,
        verdict=(on_time_verdict(dossier) or _verdict_without_finish(dossier, end_at)) if end_at else None,
        work_centidays=_work_centidays(session, dossier, end_at) if end_at else 0,
        e_result=end_kind == "processed" and "result" in kinds,
        returned_at=dossier.returned_at if received and dossier.status == 10 else None,
        refused_at=dossier.finished_at if dossier.status == 3 else None,
    )


def record(session: Session, before: Tally | None, after: Tally | None, now: datetime) -> None:
    """Book the difference between the dossier's tally before and after a change, in this transaction."""
    if before == after:
        return
    deltas: Counter = Counter()
    for tally, sign in ((after, 1), (before, -1)):
        if tally is None:
            continue
        for (count, instant), n in contributions(tally).items():
            deltas[(count, instant)] += sign * n
    procedure_id = (after or before).procedure_id  # a dossier never changes procedure
    unit_ids = tuple(sorted(set((after.unit_ids if after else ()) + (before.unit_ids if before else ()))))
    rows: dict[tuple, Counter] = defaultdict(Counter)
    for (count, instant), n in deltas.items():
        if not n:
            continue
        if count == "overdue" and instant < now:
            instant = now  # history stands: the change to a passed booking happens now
        for key in period_keys(instant):
            for unit_id in unit_ids:
                rows[(unit_id, *key, procedure_id)][count] += n
    write_rows(session, rows)


def hold(session: Session, dossier: Dossier) -> None:
    """The dossier is being received (engine.onestop.reception.set_received) and not booked yet: a file attached
    before `book_reception` is counted there, with the rest of its tally, not also on its own."""
    session.info.setdefault(_HELD_KEY, weakref.WeakSet()).add(dossier)


def book_reception(session: Session, dossier: Dossier, now: datetime) -> None:
    """Book a dossier just received: its whole tally, with whatever files it already has."""
    session.info.get(_HELD_KEY, set()).discard(dossier)
    record(session, None, tally_of(session, dossier), now)


def attachment_observer(session: Session, dossier: Dossier, kind: str):
    """Before a file of `kind` is attached to the (locked) dossier: what it changes, booked by the returned
    callable once it is attached (a first scanned component makes a received dossier digitised at its reception, a
    first result file gives a processed one its electronic result at its end), whenever it comes; None if nothing."""
    if kind not in COUNTED_KINDS or dossier in session.info.get(_HELD_KEY, ()):
        return None
    kinds = _attachment_kinds(session, dossier.id)
    if kind in kinds:
        return None
    tally = tally_of(session, dossier, kinds=kinds)
    return lambda now: record(session, tally, tally_of(session, dossier, kinds=kinds | {kind}), now)


def status_observer(run, before: int, after: int):
    """The runtime's status projection (engine.workflow.actions.use_status_observer): a move that changes what
    the dossier counts (ending, handing over, pausing or resuming its clock) takes the tally before and after."""
    if not _counted_move(before, after):
        return None
    dossier = run.dossier  # the mapped dossier, with the run's pending changes
    kinds = _attachment_kinds(run.session, dossier.id)  # a status move attaches nothing: read once
    tally = tally_of(run.session, dossier, kinds=kinds)
    return lambda: record(run.session, tally, tally_of(run.session, dossier, kinds=kinds), run.now)


def _counted_move(before: int, after: int) -> bool:
    return any((before in group) != (after in group) for group in (CLOSED, PAUSED, NOT_RECEIVED, {10}))


def contributions(tally: Tally) -> Counter:
    """(count, instant) → n: what the tally adds to the counters."""
    out: Counter = Counter()
    if tally.refused_at is not None:
        out[("refused", tally.refused_at)] += 1
    if tally.received_at is None:
        return out
    at = tally.received_at
    out[(RECEIVED_CHANNELS.get(tally.channel, "received_direct"), at)] += 1
    if tally.variant in VARIANT_COUNTS:
        out[(VARIANT_COUNTS[tally.variant], at)] += 1
    if tally.digitised:
        out[("received_digitised", at)] += 1
    if tally.end_at is not None:
        end = tally.end_at
        out[("closed", end)] += 1
        if tally.verdict:
            out[(f"closed_{tally.verdict}", end)] += 1
        out[({"processed": "closed_processed"}.get(tally.end_kind, tally.end_kind), end)] += 1
        if tally.e_result:
            out[("e_result", end)] += 1
        if tally.work_centidays:
            out[("work_centidays", end)] += tally.work_centidays
        if tally.due_at is not None and end > tally.due_at:  # it was overdue from its due until it closed
            out[("overdue", tally.due_at)] += 1
            out[("overdue", end)] -= 1
    elif tally.clock_running and tally.due_at is not None:
        out[("overdue", tally.due_at)] += 1
    if tally.returned_at is not None:
        out[("returned", tally.returned_at)] += 1
    return out


def period_keys(instant: datetime) -> tuple[tuple[str, date], ...]:
    """The (grain, period) rows an instant counts in: its Vietnam day, month and year."""
    day = instant.astimezone(VN_TZ).date()
    return ("y", day.replace(month=1, day=1)), ("m", day.replace(day=1)), ("d", day)


def write_rows(session: Session, rows: dict[tuple, Counter]) -> None:
    """Add the counts to their rows, creating missing ones: one statement, rows in key order (so two transactions
    adding to the same rows lock them in the same order)."""
    if not rows:
        return
    values = [{"unit_id": u, "grain": g, "period": p, "procedure_id": pid, **{c: counts.get(c, 0) for c in COUNTS}}
              for (u, g, p, pid), counts in sorted(rows.items())]
    session.execute(_upsert(session.get_bind().dialect.name), values)


@lru_cache(maxsize=None)
def _upsert(dialect: str):
    """The upsert adding a row's counts, built once per dialect; executed with many rows, sent as one batch."""
    table = DossierStat.__table__
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(index_elements=["unit_id", "grain", "period", "procedure_id"],
                                           set_={c: table.c[c] + statement.excluded[c] for c in COUNTS})


def record_rating(session: Session, dossier: Dossier, rating: int, now: datetime) -> None:
    """A citizen's rating of the dossier (hài lòng / bình thường / không hài lòng), counted when given."""
    count = RATING_COUNTS.get(rating)
    if count is None:
        return
    units = unit_chain(session, dossier.receiving_unit_id, dossier.deciding_unit_id)
    write_rows(session, {(u, *key, dossier.procedure_id): Counter({count: 1})
                         for key in period_keys(now) for u in units})


def unit_chain(session: Session, *unit_ids: int) -> tuple[int, ...]:
    """The units and every unit above them, each once, in id order."""
    parents = session.info.get(_UNITS_KEY)
    if parents is None:
        parents = session.info[_UNITS_KEY] = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
    return tuple(sorted(chain(parents, *unit_ids)))


def chain(parents: dict[int, int | None], *unit_ids: int) -> set[int]:
    """The units and every unit above them, by the parent of each unit."""
    found: set[int] = set()
    for unit_id in unit_ids:
        while unit_id is not None and unit_id not in found:
            found.add(unit_id)
            unit_id = parents.get(unit_id)
    return found


def forget_units(session: Session) -> None:
    """Called by whatever changes the unit tree within a unit of work."""
    session.info.pop(_UNITS_KEY, None)


def _attachment_kinds(session: Session, dossier_id: int) -> set[str]:
    return set(session.scalars(select(Attachment.kind).where(Attachment.dossier_id == dossier_id).distinct()))


def _withdrawn(session: Session, dossier_id: int) -> bool:
    return session.scalar(select(func.count()).select_from(Event).where(
        Event.dossier_id == dossier_id, Event.action == "dossier_stopped", Event.status_before == 7)) > 0


def _variant(session: Session, procedure_id: int) -> str:
    variants = session.info.setdefault(_VARIANTS_KEY, {})
    if procedure_id not in variants:
        variants[procedure_id] = session.scalar(select(Procedure.variant).where(Procedure.id == procedure_id)) or ""
    return variants[procedure_id]


def _verdict_without_finish(dossier: Dossier, end_at: datetime) -> str | None:
    """A dossier handed over (10) without a recorded processing end is judged at its hand-over."""
    if dossier.due_at is None:
        return None
    return "late" if dossier.supplement_count > 1 else step_verdict(dossier.due_at, end_at)


def _work_centidays(session: Session, dossier: Dossier, end_at: datetime) -> int:
    """QĐ 766 indicator 2.2's processing time on the deciding unit's calendar (work_centidays)."""
    return work_centidays(unit_calendar(session, dossier.deciding_unit_id), dossier.received_at, end_at,
                          dossier.promised_due_at, dossier.due_at)


def work_centidays(calendar: WorkCalendar, received_at: datetime, end_at: datetime,
                   promised_due_at: datetime | None, due_at: datetime | None) -> int:
    """QĐ 766 indicator 2.2's processing time: office time from reception to the end, less the supplement and
    payment pauses (the office time the legal due moved by), in hundredths of the calendar's working day."""
    spent = calendar.working_time_between(received_at, end_at)
    if promised_due_at is not None and due_at is not None and due_at > promised_due_at:
        spent -= calendar.working_time_between(promised_due_at, due_at)
    hours = Decimal(str(calendar.hours_per_day)) or Decimal(8)
    days = Decimal(max(spent.total_seconds(), 0)) / Decimal(3600) / hours
    return int((days * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

