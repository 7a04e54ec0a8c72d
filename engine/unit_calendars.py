"""Each unit's working calendar: its office hours, Saturday mornings and calendar_day overrides."""
from __future__ import annotations

import time
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import record_event
from .calendar import WorkCalendar, parse_office_hours
from .errors import NotFound, ValidationFailed
from .models import CalendarDay, Unit

_CACHE_KEY = "motcua_unit_calendars"
SHARED_SECONDS = 60.0  # other processes see a calendar change within this time
_shared: dict[tuple[str, int], tuple[float, WorkCalendar]] = {}


def unit_calendar(session: Session, unit_id: int) -> WorkCalendar:
    """The unit's calendar: one per unit of work, shared across units of work for up to a minute.

    Calendars change a few times a year; reading them on every task completion cost two queries.
    A change made in this process is seen at once, one made by another process within SHARED_SECONDS.
    """
    cache = session.info.setdefault(_CACHE_KEY, {})
    calendar = cache.get(unit_id)
    if calendar is None:
        key = (str(session.get_bind().url), unit_id)
        hit = _shared.get(key)
        if hit is not None and time.monotonic() - hit[0] < SHARED_SECONDS:
            cache[unit_id] = hit[1]
            return hit[1]
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(f"Không có lịch làm việc của đơn vị #{unit_id}.")
        rows = session.execute(select(CalendarDay.day, CalendarDay.working).where(CalendarDay.unit_id == unit_id))
        off, working = set(), set()
        for day, is_working in rows:
            (working if is_working else off).add(day)
        calendar = WorkCalendar(sessions=parse_office_hours(unit.office_hours), extra_days_off=frozenset(off),
                                extra_working_days=frozenset(working), saturday_morning=unit.saturday_morning)
        cache[unit_id] = calendar
        _shared[key] = (time.monotonic(), calendar)
    return calendar


def forget_calendar(session: Session, unit_id: int) -> None:
    session.info.get(_CACHE_KEY, {}).pop(unit_id, None)
    _shared.pop((str(session.get_bind().url), unit_id), None)


def forget_all_calendars() -> None:
    """Drop the shared cache (a database was emptied or restored)."""
    _shared.clear()


def set_calendar_day(session: Session, unit_id: int, day: date, working: bool, note: str, actor_id: int | None,
                     now: datetime) -> CalendarDay:
    """Declare a unit's extra day off (working=False) or swapped working day (working=True)."""
    row = session.scalar(select(CalendarDay).where(CalendarDay.unit_id == unit_id, CalendarDay.day == day))
    if row is None:
        row = CalendarDay(unit_id=unit_id, day=day, working=working, note=note)
        session.add(row)
    else:
        row.working, row.note = working, note
    forget_calendar(session, unit_id)
    record_event(session, action="calendar_day_set", at=now, actor_id=actor_id,
                 detail={"unit_id": unit_id, "day": day.isoformat(), "working": working, "note": note})
    session.flush()
    return row


def set_office_hours(session: Session, unit_id: int, office_hours: str, saturday_morning: bool,
                     actor_id: int | None, now: datetime) -> Unit:
    try:
        parse_office_hours(office_hours)
    except ValueError as exc:
        raise ValidationFailed("Giờ làm việc không hợp lệ.", {"office_hours": [str(exc)]}) from exc
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không có đơn vị #{unit_id}.")
    unit.office_hours, unit.saturday_morning = office_hours, saturday_morning
    forget_calendar(session, unit_id)
    record_event(session, action="office_hours_set", at=now, actor_id=actor_id,
                 detail={"unit_id": unit_id, "office_hours": office_hours, "saturday_morning": saturday_morning})
    session.flush()
    return unit
