"""The legal clock's rules as arithmetic: a dossier's due date at reception, and where it moves on restart."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from decimal import Decimal

from engine.infra.clock import VN_TZ
from engine.org.calendar import WorkCalendar, legal_due

POLICIES = {"pause", "restart", "continue"}


def cutoff_time(text: str | None) -> time:
    """'15:00' -> 15:00, the hour after which a same-day dossier counts from the next working day."""
    hours, minutes = (text or "15:00").split(":")
    return time(int(hours), int(minutes))


def reception_due(calendar: WorkCalendar, received_at: datetime, meta: dict) -> datetime:
    """The due date reception gives a dossier of a version with this procedure.toml (its catalogue fields are
    the active version's, see catalog.apply_meta)."""
    return legal_due(calendar, received_at, Decimal(str(meta["time_limit"])), cutoff_time(meta.get("cutoff_hour")),
                     bool(meta.get("cutoff_all_limits", False)), meta.get("time_limit_unit", "working_days"))


def restarted_due(calendar: WorkCalendar, policy: str, old_due: datetime, paused_at: datetime, now: datetime,
                  time_limit: Decimal, cutoff_hour: str, time_limit_unit: str) -> datetime:
    """The due date when processing resumes at `now` after a stop at `paused_at`: later by the office time
    paused ("pause"), counted afresh from now ("restart"), or unchanged ("continue")."""
    policy = policy if policy in POLICIES else "pause"
    if policy == "pause":
        paused = calendar.working_time_between(paused_at, now)
        return calendar.add_working_hours(old_due, paused.total_seconds() / 3600) if paused else old_due
    if policy == "restart":
        return legal_due(calendar, now, Decimal(time_limit), cutoff_time(cutoff_hour), unit=time_limit_unit)
    return old_due


def due_mover(calendar: WorkCalendar, old_due: datetime, new_due: datetime) -> Callable[[datetime], datetime]:
    """Moves any instant as the due date moved: by the same working time later, or the same span earlier."""
    later = new_due > old_due
    hours = calendar.working_time_between(*sorted((old_due, new_due))).total_seconds() / 3600

    def move(due: datetime) -> datetime:
        if not later:
            return due - (old_due - new_due)
        moved = calendar.add_working_hours(due, hours)
        local, opens, closes = due.astimezone(VN_TZ), calendar.sessions[0][0], calendar.sessions[-1][1]
        if local.time() == opens and moved.astimezone(VN_TZ).time() == closes:
            # an instant set when office hours open (an apology reminder) stays at an opening, not at the
            # equal office-time instant when the day before closes
            return calendar.start_of_day(calendar.next_working_day(moved.astimezone(VN_TZ).date()))
        return moved

    return move
