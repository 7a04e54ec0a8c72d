"""Functions BPMN expressions may call: working-time arithmetic on the dossier's calendar, as ISO strings."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

from engine.org.calendar import WorkCalendar
from engine.infra.clock import VN_TZ


def helpers_for(calendar_of: Callable[[], WorkCalendar], now: datetime, due_at: datetime | None, code: str,
                status: int) -> dict:
    """The names a timer, condition or script sees; every date comes back with its +07:00 offset.

    `calendar_of` is called only when a helper needs the calendar, so plain steps cost no lookup.
    """

    def iso(value: datetime) -> str:
        return value.astimezone(VN_TZ).isoformat()

    def parse(value: str) -> datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(f"thời điểm '{value}' thiếu múi giờ")
        return parsed

    def working_days_before_due(n: int) -> str:
        """Start of office hours n working days before the due day ('one working day before the due date'):
        a whole working day remains to write, sign and send what the timer starts (an apology, Mẫu 04)."""
        if due_at is None:
            raise ValueError("hồ sơ không có hạn giải quyết")
        calendar = calendar_of()
        day = due_at.astimezone(VN_TZ).date()
        counted = 0
        while counted < n:
            day -= timedelta(days=1)
            if calendar.is_working_day(day):
                counted += 1
        return iso(calendar.start_of_day(day))

    return {
        "now": lambda: iso(now),
        "dossier_code": lambda: code,
        "dossier_status": lambda: status,
        "dossier_due": lambda: iso(due_at) if due_at else None,
        "working_days_before_due": working_days_before_due,
        "add_working_days": lambda value, n: iso(calendar_of().end_of_day(calendar_of().add_working_days(
            parse(value).astimezone(VN_TZ).date(), int(n)))),
        "add_working_hours": lambda value, hours: iso(calendar_of().add_working_hours(parse(value), float(hours))),
    }


def probe_helpers() -> dict:
    """Helpers bound to an imaginary dossier, to try timer expressions when a version is loaded."""
    probe_now = datetime(2030, 1, 7, 2, 0, tzinfo=timezone.utc)
    due = datetime.combine(date(2030, 1, 17), WorkCalendar().sessions[-1][1], VN_TZ)
    return helpers_for(WorkCalendar, probe_now, due, "000.00.00.H00-300107-0001", 4)
