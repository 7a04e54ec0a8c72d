"""Timer sweeps: fire the timers of instances whose next timer is due, one transaction per instance."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.workflow import runtime

from engine import spiff
from engine.infra.audit import record_event
from engine.infra.sweep import Job, sweep
from engine.models import Dossier, ProcessInstance


def fire_due_timers(factory: sessionmaker[Session], now: datetime, limit: int = 500) -> int:
    """Fire due timers; locked instances are skipped, a failing one is marked and the sweep goes on."""
    # strictly before now: SpiffWorkflow fires a timer only once its due time has passed
    due = (
        select(ProcessInstance.id)
        .join(Dossier, Dossier.id == ProcessInstance.dossier_id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at < now)
        .where(Dossier.paused_at.is_(None))  # the clock is stopped while the citizen supplements
        .order_by(ProcessInstance.next_timer_at)
    )

    def fire(session: Session, instance_id: int) -> None:
        run = runtime.open_instance(session, instance_id, now=now, actor_id=None)
        runtime.run_step(run, spiff.fire_timers)
        runtime.finish(run)

    def fail(session: Session, instance_id: int, exc: Exception) -> None:
        mark_failed(session, instance_id, exc.message, now)

    return sweep(factory, Job("timer of instance", due, ProcessInstance.id, fire, fail), limit)


def mark_failed(session: Session, instance_id: int, message: str, now: datetime) -> None:
    """Record an instance's failure where administrators see it; it stops being swept until retried."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return
    instance.status, instance.error, instance.updated_at = "error", message, now
    instance.next_timer_at = None  # out of the sweep's index until an administrator retries it
    record_event(session, action="instance_failed", at=now, dossier_id=instance.dossier_id,
                 instance_id=instance.id, detail={"error": message})
