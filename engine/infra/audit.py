"""The audit trail: every state change is one appended event row."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Event


def record_event(
    session: Session, *, action: str, at: datetime, actor_id: int | None = None,
    dossier_id: int | None = None, instance_id: int | None = None, work_item_id: int | None = None,
    status_before: int | None = None, status_after: int | None = None, detail: dict | None = None,
) -> Event:
    """Append one event; all columns are always set so a flush batches them into one INSERT."""
    event = Event(
        action=action, at=at, actor_id=actor_id, dossier_id=dossier_id, instance_id=instance_id,
        work_item_id=work_item_id, status_before=status_before, status_after=status_after,
        detail=detail,
    )
    session.add(event)
    return event


def record_refusal(session: Session, *, at: datetime, actor_id: int | None, what: str, reason: str,
                   detail: dict | None = None) -> Event:
    """A refused attempt (no right, wrong secret, bad token): written by the entry point in its own
    transaction, so the refusal is kept although the refused work is rolled back."""
    return record_event(session, action="access_refused", at=at, actor_id=actor_id,
                        detail={"what": what, "reason": reason, **(detail or {})})


def refusals(session: Session, limit: int = 100) -> list[Event]:
    """The latest refused attempts, newest first."""
    return list(session.scalars(select(Event).where(Event.action == "access_refused")
                                .order_by(Event.id.desc()).limit(limit)))


def dossier_events(session: Session, dossier_id: int) -> list[Event]:
    """The dossier's trail, oldest first."""
    return list(session.scalars(select(Event).where(Event.dossier_id == dossier_id).order_by(Event.id)))
