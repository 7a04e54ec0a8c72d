"""Counting dossiers again (engine.onestop.tallies): every one after the upgrade that brought the counters (or on
`motcua db recount`), those of a unit moved under another when it moves. The overdue stock is booked at the
dossiers' own instants, which differs from the kept counters only for dossiers whose clock was stopped after their
due date had passed."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone

from sqlalchemy import delete, or_, select, true
from sqlalchemy.orm import Session

from engine.models import Attachment, Dossier, DossierStat, Evaluation, Event, Unit
from engine.org.units import update_unit
from engine.onestop.tallies import (RATING_COUNTS, chain, contributions, forget_units, period_keys, tally_of, unit_chain,
                                    write_rows)


def rebuild(session: Session, batch: int = 5000) -> int:
    """Recompute every counter from the dossiers and the ratings; returns the number of dossiers counted."""
    session.execute(delete(DossierStat))
    forget_units(session)
    return _book(session, true(), lambda receiving, deciding: dict.fromkeys(
        unit_chain(session, receiving, deciding), 1), batch)


def _book(session: Session, condition, weights, batch: int = 5000) -> int:
    """Add what each dossier matching `condition` contributes (its ratings too) to the rows of the units
    `weights(receiving unit, deciding unit)` names, times their weight (+1 or −1); returns the dossiers read."""
    stopped_after_withdrawal = set(session.scalars(select(Event.dossier_id).where(
        Event.action == "dossier_stopped", Event.status_before == 7)))
    counted = 0
    last_id = 0
    while True:
        dossiers = list(session.scalars(select(Dossier).where(condition, Dossier.id > last_id)
                                        .order_by(Dossier.id).limit(batch)))
        if not dossiers:
            break
        kinds: dict[int, set[str]] = defaultdict(set)
        for dossier_id, kind in session.execute(select(Attachment.dossier_id, Attachment.kind).distinct().where(
                Attachment.dossier_id.in_([d.id for d in dossiers]))):
            kinds[dossier_id].add(kind)
        rows: dict[tuple, Counter] = defaultdict(Counter)
        for dossier in dossiers:
            tally = tally_of(session, dossier, withdrawn=dossier.id in stopped_after_withdrawal,
                             kinds=kinds.get(dossier.id, set()))
            units = weights(dossier.receiving_unit_id, dossier.deciding_unit_id)
            for (count, instant), n in contributions(tally).items():
                for key in period_keys(instant):
                    for unit_id, weight in units.items():
                        rows[(unit_id, *key, tally.procedure_id)][count] += weight * n
            counted += 1
        for chunk in _chunks(sorted(rows.items()), 500):
            write_rows(session, dict(chunk))
        last_id = dossiers[-1].id
        session.expunge_all()
    rows = defaultdict(Counter)
    for rating, created_at, receiving, deciding, procedure_id in session.execute(
            select(Evaluation.rating, Evaluation.created_at, Dossier.receiving_unit_id, Dossier.deciding_unit_id,
                   Dossier.procedure_id).join(Dossier, Evaluation.dossier_id == Dossier.id).where(condition)):
        count = RATING_COUNTS.get(rating)
        if count:
            for key in period_keys(_aware(created_at)):
                for unit_id, weight in weights(receiving, deciding).items():
                    rows[(unit_id, *key, procedure_id)][count] += weight
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
    """Change a unit (engine.org.units.update_unit). Moved under another unit, the dossiers of its units leave
    the counters of the units it no longer stands below and join those of its new ones, in the same transaction
    (the unit's own counters and those of the units below it stay as they are)."""
    before = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
    unit = update_unit(session, actor_id, unit_id, now, **values)
    if unit.parent_id != before.get(unit_id):
        session.flush()
        forget_units(session)
        after = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
        below = _below(after, unit_id)

        def moved(receiving: int, deciding: int) -> dict[int, int]:
            old, new = chain(before, receiving, deciding), chain(after, receiving, deciding)
            return {**dict.fromkeys(old - new, -1), **dict.fromkeys(new - old, 1)}

        _book(session, or_(Dossier.receiving_unit_id.in_(below), Dossier.deciding_unit_id.in_(below)), moved)
    return unit


def _below(parents: dict, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    return [uid for uid in parents if unit_id in chain(parents, uid)]
