"""Counting every dossier again (engine.onestop.tallies): after the upgrade that brought the counters, or when units
were regrouped. The overdue stock is booked at the dossiers' own instants, which differs from the kept counters
only for dossiers whose clock was stopped after their due date had passed."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.models import Attachment, Dossier, DossierStat, Evaluation, Event, Unit
from engine.org.units import update_unit
from engine.onestop.tallies import RATING_COUNTS, contributions, forget_units, period_keys, tally_of, unit_chain, write_rows


def rebuild(session: Session, batch: int = 5000) -> int:
    """Recompute every counter from the dossiers and the ratings; returns the number of dossiers counted."""
    session.execute(delete(DossierStat))
    forget_units(session)
    stopped_after_withdrawal = set(session.scalars(select(Event.dossier_id).where(
        Event.action == "dossier_stopped", Event.status_before == 7)))
    counted = 0
    last_id = 0
    while True:
        dossiers = list(session.scalars(select(Dossier).where(Dossier.id > last_id).order_by(Dossier.id).limit(batch)))
        if not dossiers:
            break
        kinds: dict[int, set[str]] = defaultdict(set)
        for dossier_id, kind in session.execute(select(Attachment.dossier_id, Attachment.kind).distinct().where(
                Attachment.dossier_id.between(dossiers[0].id, dossiers[-1].id))):
            kinds[dossier_id].add(kind)
        rows: dict[tuple, Counter] = defaultdict(Counter)
        for dossier in dossiers:
            tally = tally_of(session, dossier, withdrawn=dossier.id in stopped_after_withdrawal,
                             kinds=kinds.get(dossier.id, set()))
            for (count, instant), n in contributions(tally).items():
                for key in period_keys(instant):
                    for unit_id in tally.unit_ids:
                        rows[(unit_id, *key, tally.procedure_id)][count] += n
            counted += 1
        for chunk in _chunks(sorted(rows.items()), 500):
            write_rows(session, dict(chunk))
        last_id = dossiers[-1].id
        session.expunge_all()
    rows = defaultdict(Counter)
    for rating, created_at, receiving, deciding, procedure_id in session.execute(
            select(Evaluation.rating, Evaluation.created_at, Dossier.receiving_unit_id, Dossier.deciding_unit_id,
                   Dossier.procedure_id).join(Dossier, Evaluation.dossier_id == Dossier.id)):
        count = RATING_COUNTS.get(rating)
        if count:
            for key in period_keys(_aware(created_at)):
                for unit_id in unit_chain(session, receiving, deciding):
                    rows[(unit_id, *key, procedure_id)][count] += 1
    for chunk in _chunks(sorted(rows.items()), 500):
        write_rows(session, dict(chunk))
    return counted


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def counters_missing(session: Session) -> bool:
    """Dossiers exist but no counter does: a database upgraded from before the counters, to be rebuilt once."""
    return (session.scalar(select(Dossier.id).limit(1)) is not None
            and session.scalar(select(DossierStat.unit_id).limit(1)) is None)


def ensure_counters(session: Session) -> int | None:
    """After an upgrade: rebuild the counters of a database that has dossiers but none yet."""
    return rebuild(session) if counters_missing(session) else None


def update_unit_recounted(session: Session, actor_id: int, unit_id: int, now: datetime, **values):
    """Change a unit (engine.org.units.update_unit); moving it under another unit counts every dossier again, in
    the same transaction, since the counters of the units above it change (a rare administrator's act)."""
    before = session.get(Unit, unit_id)
    parent_before = before.parent_id if before is not None else None
    unit = update_unit(session, actor_id, unit_id, now, **values)
    if unit.parent_id != parent_before:
        session.flush()
        rebuild(session)
    return unit
