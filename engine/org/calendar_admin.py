"""A unit's working calendar as administrators keep it: the year's month grids, local overrides added and
removed, office hours, and a preview of the legal due date it gives."""
from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import CalendarDay, Unit
from engine.org import access
from engine.org.calendar import (
    forget_calendar,
    legal_due,
    national_holiday,
    national_working_day,
    parse_office_hours,
    unit_calendar,
)

FIRST_YEAR, LAST_YEAR = 2015, 2040  # the years the national holiday table covers
CUTOFF = time(15, 0)  # the default cut-off hour of same-day procedures
MAX_PREVIEW_DAYS = 365


@dataclass(frozen=True)
class CalendarCell:
    """One day of a month grid: kind is working, weekend, saturday (a receiving Saturday morning), holiday,
    off (the unit's extra day off) or swapped (a working day by the unit's or the national calendar)."""

    day: date
    kind: str
    label: str
    override: bool


@dataclass(frozen=True)
class CalendarMonth:
    month: int
    weeks: list[list[CalendarCell | None]]  # Monday first; None pads the first and last weeks


@dataclass(frozen=True)
class CalendarYear:
    unit: Unit
    year: int
    months: list[CalendarMonth]
    overrides: list[CalendarDay]
    working_days: int


def calendar_year(session: Session, actor_id: int, unit_id: int, year: int, language: str = "vi") -> CalendarYear:
    """The unit's year: weekends, national holidays (named in `language`), its overrides, its working-day count."""
    access.check_admin(access.grants_of(session, actor_id))
    unit = _unit(session, unit_id)
    year = min(max(int(year), FIRST_YEAR), LAST_YEAR)
    overrides = list(session.scalars(select(CalendarDay).where(
        CalendarDay.unit_id == unit.id, CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))
    by_day = {row.day: row for row in overrides}
    grid = months.Calendar(firstweekday=0)
    shown, working = [], 0
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = [_cell(day, by_day.get(day), unit.saturday_morning, language) if day.month == month else None
                     for day in week]
            working += sum(1 for c in cells if c and c.kind in ("working", "swapped"))
            weeks.append(cells)
        shown.append(CalendarMonth(month, weeks))
    return CalendarYear(unit, year, shown, overrides, working)


def add_calendar_override(session: Session, actor_id: int, unit_id: int, day: date | None, working: bool,
                          note: str, now: datetime) -> CalendarDay:
    """An extra day off on what would be a working day, or a working day on what would be a day off."""
    access.check_admin(access.grants_of(session, actor_id))
    unit = _unit(session, unit_id)
    note = " ".join((note or "").split())
    errors = {}
    if day is None:
        errors["day"] = ["Chọn ngày."]
    elif not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors["day"] = ["Chỉ khai báo được ngày từ năm 2015 đến năm 2040."]
    elif national_working_day(day) == working:
        errors["day"] = ["Ngày này đã là ngày làm việc theo lịch chung." if working
                         else "Ngày này đã là ngày nghỉ theo lịch chung."]
    if not note:
        errors["note"] = ["Ghi căn cứ (ví dụ số quyết định hoặc thông báo của tỉnh)."]
    elif len(note) > 255:
        errors["note"] = ["Ghi chú tối đa 255 ký tự."]
    if errors:
        raise ValidationFailed("Ngày điều chỉnh chưa hợp lệ.", errors)
    if session.scalar(select(CalendarDay.id).where(CalendarDay.unit_id == unit.id, CalendarDay.day == day)):
        raise Conflict(f"Ngày {day:%d/%m/%Y} đã có điều chỉnh; hãy xóa điều chỉnh cũ trước.", field="day")
    return set_calendar_day(session, unit.id, day, working, note, actor_id, now)


def remove_calendar_override(session: Session, actor_id: int, unit_id: int, day: date, now: datetime) -> None:
    access.check_admin(access.grants_of(session, actor_id))
    unit = _unit(session, unit_id)
    if not clear_calendar_day(session, unit.id, day, actor_id, now):
        raise Conflict(f"Ngày {day:%d/%m/%Y} không còn điều chỉnh nào để xóa.")


def preview_due(session: Session, actor_id: int, unit_id: int, received_at: datetime | None,
                days: Decimal | None) -> datetime:
    """When a dossier received at `received_at` with a limit of `days` working days falls due on this unit's
    calendar, by the rule reception applies (the reception day is not counted)."""
    access.check_admin(access.grants_of(session, actor_id))
    unit = _unit(session, unit_id)
    errors = {}
    if received_at is None or not FIRST_YEAR <= received_at.year <= LAST_YEAR - 2:
        errors["received_at"] = ["Nhập ngày giờ tiếp nhận (từ năm 2015 đến năm 2038)."]
    if days is None or not 0 <= days <= MAX_PREVIEW_DAYS or days != days.quantize(Decimal("0.1")):
        errors["days"] = ["Số ngày làm việc từ 0 đến 365, tối đa một chữ số thập phân."]
    if errors:
        raise ValidationFailed("Chưa tính được hạn giải quyết.", errors)
    return legal_due(unit_calendar(session, unit.id), received_at.astimezone(VN_TZ), days, CUTOFF)


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không có đơn vị #{unit_id}.")
    return unit


def _cell(day: date, override: CalendarDay | None, saturday_morning: bool, language: str) -> CalendarCell:
    if override is not None:
        return CalendarCell(day, "swapped" if override.working else "off", override.note, True)
    holiday = national_holiday(day, language)
    if national_working_day(day):
        return CalendarCell(day, "swapped" if day.weekday() >= 5 else "working", "", False)
    if holiday:
        return CalendarCell(day, "holiday", holiday, False)
    if day.weekday() == 5 and saturday_morning:
        return CalendarCell(day, "saturday", "", False)
    return CalendarCell(day, "weekend", "", False)


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


def clear_calendar_day(session: Session, unit_id: int, day: date, actor_id: int | None, now: datetime) -> bool:
    """Remove a unit's override of `day`; False when it had none."""
    row = session.scalar(select(CalendarDay).where(CalendarDay.unit_id == unit_id, CalendarDay.day == day))
    if row is None:
        return False
    session.delete(row)
    forget_calendar(session, unit_id)
    record_event(session, action="calendar_day_cleared", at=now, actor_id=actor_id,
                 detail={"unit_id": unit_id, "day": day.isoformat(), "working": row.working, "note": row.note})
    session.flush()
    return True


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
