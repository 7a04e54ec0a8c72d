"""Timer sweeps: fire the timers of instances whose next timer is due, one transaction per instance."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.workflow import runtime

from engine import spiff
from engine.infra.audit import record_event
from engine.infra.db import is_postgresql, unit_of_work
from engine.infra.errors import MotcuaError
from engine.models import Dossier, ProcessInstance

log = logging.getLogger(__name__)


def fire_due_timers(factory: sessionmaker[Session], now: datetime, limit: int = 500) -> int:
    """Fire due timers; locked instances are skipped, a failing one is marked and the sweep goes on."""
    fired, handled = 0, set()
    while len(handled) < limit:
        try:
            with unit_of_work(factory) as session:
                instance_id = _claim_due(session, now, handled)
                if instance_id is None:
                    break
                handled.add(instance_id)  # at most once per sweep, whatever happens to it
                run = runtime.open_instance(session, instance_id, now=now, actor_id=None)
                runtime.run_step(run, spiff.fire_timers)
                runtime.finish(run)
                fired += 1
        except MotcuaError as exc:
            log.warning("timer of instance %s failed: %s", instance_id, exc.message)
            mark_failed(factory, instance_id, exc.message, now)
    return fired


def _claim_due(session: Session, now: datetime, skip: set[int]) -> int | None:
    # strictly before now: SpiffWorkflow fires a timer only once its due time has passed
    statement = (
        select(ProcessInstance.id)
        .join(Dossier, Dossier.id == ProcessInstance.dossier_id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at < now)
        .where(Dossier.paused_at.is_(None))  # the clock is stopped while the citizen supplements
        .order_by(ProcessInstance.next_timer_at)
        .limit(1)
    )
    if skip:
        statement = statement.where(ProcessInstance.id.not_in(skip))
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True, of=ProcessInstance)
    return session.scalar(statement)


def mark_failed(factory: sessionmaker[Session], instance_id: int, message: str, now: datetime) -> None:
    """Record an instance's failure where administrators see it; it stops being swept until retried."""
    with unit_of_work(factory) as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            return
        instance.status, instance.error, instance.updated_at = "error", message, now
        instance.next_timer_at = None  # out of the sweep's index until an administrator retries it
        record_event(session, action="instance_failed", at=now, dossier_id=instance.dossier_id,
                     instance_id=instance.id, detail={"error": message})
