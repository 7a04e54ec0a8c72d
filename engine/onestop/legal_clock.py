"""The dossier's legal clock: stopped while the citizen supplements or pays, restarted per the policy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict
from engine.models import Dossier, ProcessInstance
from engine.onestop import tallies
from engine.org.calendar import unit_calendar
from engine.org.due_rules import POLICIES, due_mover, restarted_due
from engine.workflow import runtime


def stop_clock(session: Session, dossier: Dossier, status: int, now: datetime, actor_id: int | None,
               reason: str, instance_id: int | None = None) -> None:
    """Status 5 (supplement) or 6 (financial obligation): the clock stops until restart_clock."""
    if dossier.paused_at is not None:
        raise Conflict(f"Hồ sơ {dossier.code} đang tạm dừng tính thời gian.")
    before, counted = dossier.status, tallies.tally_of(session, dossier)
    dossier.status, dossier.paused_at = status, now
    tallies.record(session, counted, tallies.tally_of(session, dossier), now)
    record_event(session, action="clock_stopped", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 instance_id=instance_id, status_before=before, status_after=status, detail={"reason": reason})


def restart_clock(session: Session, dossier: Dossier, now: datetime, actor_id: int | None, policy: str,
                  current: "runtime.InstanceRun | None" = None) -> datetime:
    """Processing resumes (status 4): the due date moves per policy and waiting timers move with it."""
    if dossier.paused_at is None:
        raise Conflict(f"Hồ sơ {dossier.code} không ở trạng thái tạm dừng tính thời gian.")
    calendar = unit_calendar(session, dossier.deciding_unit_id)
    policy = policy if policy in POLICIES else "pause"
    old_due = dossier.due_at
    procedure = dossier.procedure
    new_due = restarted_due(calendar, policy, old_due, dossier.paused_at, now, procedure.time_limit,
                            procedure.cutoff_hour, procedure.time_limit_unit)
    if new_due != old_due:
        move = due_mover(calendar, old_due, new_due)
        _shift_timers(session, dossier, move, now, actor_id, current)
        if dossier.extended_due_at is not None:  # the apology's date moves as far as the original one
            dossier.extended_due_at = move(dossier.extended_due_at)
    before, counted = dossier.status, tallies.tally_of(session, dossier)
    dossier.due_at, dossier.paused_at, dossier.status = new_due, None, 4
    tallies.record(session, counted, tallies.tally_of(session, dossier), now)
    record_event(session, action="clock_restarted", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 instance_id=current.instance.id if current else None, status_before=before, status_after=4,
                 detail={"policy": policy, "due_before": old_due.isoformat(), "due_after": new_due.isoformat()})
    return new_due


def _shift_timers(session, dossier, move, now, actor_id, current) -> None:
    if current is not None:
        runtime.shift_timers(current, move)
    for instance_id in session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.dossier_id == dossier.id, ProcessInstance.status == "running")):
        if current is not None and instance_id == current.instance.id:
            continue
        run = runtime.open_instance(session, instance_id, now=now, actor_id=actor_id)
        runtime.shift_timers(run, move)
        runtime.save(run)
