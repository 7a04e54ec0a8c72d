"""Working time on a unit's calendar: working days, office hours, legal due dates, step budgets, and each
unit's calendar as stored (office hours, Saturday mornings, calendar_day overrides; changed by calendar_admin)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from time import monotonic

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.infra.errors import NotFound
from engine.models import CalendarDay, Unit

DEFAULT_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
_BUDGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dh])\s*$")


@lru_cache(maxsize=1)
def _national_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(2015, 2041))


@lru_cache(maxsize=2)
def _holiday_names(language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(2015, 2041), language=language)


def national_holiday(day: date, language: str = "vi") -> str | None:
    """The name of the national holiday (or substituted day off) on `day`, in Vietnamese or English."""
    return _holiday_names("en_US" if language == "en" else "vi").get(day)


def national_working_day(day: date) -> bool:
    """A working day by the national calendar alone (a Saturday swapped into a working day counts)."""
    return _national_holidays().is_working_day(day)


@dataclass(frozen=True)
class WorkCalendar:
    """A unit's calendar: national holidays and substituted days, plus the unit's own overrides.

    Legal deadlines count whole working days (Monday–Friday, make-up days included, holidays and the
    unit's extra days off excluded). A unit that receives on Saturday mornings has office hours then,
    which step budgets in hours use, but a Saturday never counts as a legal working day.
    """

    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    saturday_morning: bool = False

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_days_off:
            return False
        if day in self.extra_working_days:
            return True
        return _national_holidays().is_working_day(day)

    def sessions_on(self, day: date) -> tuple[tuple[time, time], ...]:
        """Office hours on a given day: none on days off, mornings only on a receiving Saturday."""
        if self.is_working_day(day):
            return self.sessions
        if self.saturday_morning and day.weekday() == 5 and day not in self.extra_days_off \
                and day not in _national_holidays():
            return tuple(s for s in self.sessions if s[1] <= time(12, 0))[:1]
        return ()

    @property
    def hours_per_day(self) -> float:
        return sum(_hours_between(a, b) for a, b in self.sessions)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself is not counted)."""
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, self.sessions[-1][1], VN_TZ)

    def start_of_day(self, day: date) -> datetime:
        """When office hours open on `day`."""
        return datetime.combine(day, self.sessions[0][0], VN_TZ)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when `hours` of office time have passed after `start`."""
        local = start.astimezone(VN_TZ)
        remaining = timedelta(hours=hours)
        day = local.date()
        cursor = local
        while True:
            for opens, closes in self.sessions_on(day):
                begin = max(cursor, datetime.combine(day, opens, VN_TZ))
                end = datetime.combine(day, closes, VN_TZ)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), VN_TZ)

    def working_time_between(self, start: datetime, end: datetime,
                             pauses: list[tuple[datetime, datetime]] = ()) -> timedelta:
        """Office time from `start` to `end`, net of pauses (e.g. waiting for the citizen's supplement)."""
        total = self._office_time(start, end)
        for pause_start, pause_end in pauses:
            lo, hi = max(start, pause_start), min(end, pause_end)
            if lo < hi:
                total -= self._office_time(lo, hi)
        return total

    def remaining(self, now: datetime, due: datetime) -> timedelta:
        """Office time left until `due`; negative office time once it has passed."""
        return self._office_time(now, due) if due >= now else -self._office_time(due, now)

    def _office_time(self, start: datetime, end: datetime) -> timedelta:
        """Office time in [start, end): the first and last days clamped to the instants, the whole days between
        them from running sums (an item months overdue would otherwise walk its calendar on every inbox page)."""
        total = timedelta()
        if end <= start:
            return total
        start, end = start.astimezone(VN_TZ), end.astimezone(VN_TZ)
        first, last = start.date(), end.date()
        total += self._within(first, start, end)
        if last > first:
            total += _whole_days(self, first, last) + self._within(last, start, end)
        return total

    def _within(self, day: date, start: datetime, end: datetime) -> timedelta:
        total = timedelta()
        for opens, closes in self.sessions_on(day):
            lo = max(start, datetime.combine(day, opens, VN_TZ))
            hi = min(end, datetime.combine(day, closes, VN_TZ))
            if lo < hi:
                total += hi - lo
        return total


def _whole_days(calendar: WorkCalendar, after: date, before: date) -> timedelta:
    """Office time of the whole days strictly between two days, from each year's running sums: as cheap for an
    item months overdue as for one due tomorrow, whichever two days are asked."""
    first = after + timedelta(days=1)
    if first >= before:
        return timedelta()
    total = -_year_sums(calendar, first.year)[first.timetuple().tm_yday - 1]
    for year in range(first.year, before.year):
        total += _year_sums(calendar, year)[-1]
    return total + _year_sums(calendar, before.year)[before.timetuple().tm_yday - 1]


@lru_cache(maxsize=1 << 12)
def _year_sums(calendar: WorkCalendar, year: int) -> tuple[timedelta, ...]:
    """Office time of a year's days before each of them ([0] nothing, [i] its first i days, [-1] the whole year),
    built once per calendar and year (calendars are immutable values, so a changed one is another key)."""
    sums, total, day = [timedelta()], timedelta(), date(year, 1, 1)
    while day.year == year:
        for opens, closes in calendar.sessions_on(day):
            total += datetime.combine(day, closes) - datetime.combine(day, opens)
        sums.append(total)
        day += timedelta(days=1)
    return tuple(sums)


def parse_office_hours(text: str) -> tuple[tuple[time, time], ...]:
    """'07:30-11:30,13:30-17:00' -> sessions; ValueError when malformed or out of order."""
    sessions = []
    for part in (text or "").split(","):
        try:
            a, b = (time.fromisoformat(x.strip()) for x in part.split("-"))
        except ValueError as exc:
            raise ValueError(f"giờ làm việc '{text}' không đúng dạng HH:MM-HH:MM,HH:MM-HH:MM") from exc
        if a >= b or (sessions and a < sessions[-1][1]):
            raise ValueError(f"giờ làm việc '{text}' không theo thứ tự thời gian")
        sessions.append((a, b))
    if not sessions:
        raise ValueError("chưa khai báo giờ làm việc")
    return tuple(sessions)


def parse_budget(text: str) -> tuple[Decimal, str]:
    """'4h' -> (4, 'h'), '0.5d' -> (0.5, 'd'); ValueError for anything else."""
    match = _BUDGET.match(text or "")
    if not match:
        raise ValueError(f"thời hạn bước '{text}' không đúng dạng (ví dụ: 4h, 0.5d, 2d)")
    return Decimal(match.group(1)), match.group(2)


def budget_due(calendar: WorkCalendar, start: datetime, budget: str) -> datetime:
    """When a step that became ready at `start` with this budget is due."""
    amount, unit = parse_budget(budget)
    hours = float(amount) * (calendar.hours_per_day if unit == "d" else 1)
    return calendar.add_working_hours(start, hours)


def legal_due(calendar: WorkCalendar, received_at: datetime, days: Decimal, cutoff: time,
              cutoff_all_limits: bool = False, unit: str = "working_days") -> datetime:
    """The legal due date: end of the N-th working day after the reception day; a limit in working hours
    (`unit` "working_hours") is that much office time after reception.

    A same-day procedure (N = 0) is due at the end of the reception day, or of the next working day
    when it was received after the cut-off hour (15:00 itself still counts) or on a day off.
    """
    if unit == "working_hours":
        return calendar.add_working_hours(received_at, float(days))
    local = received_at.astimezone(VN_TZ)
    day = local.date()
    if days <= 0:
        if not calendar.is_working_day(day) or local.time() > cutoff:  # "sau 15 giờ": strictly after
            day = calendar.next_working_day(day)
        return calendar.end_of_day(day)
    if cutoff_all_limits and calendar.is_working_day(day) and local.time() > cutoff:
        day = calendar.next_working_day(day)  # e.g. the birth bundle: "nộp sau 15 giờ … ngày làm việc tiếp theo"
    whole = int(days)
    due_day = calendar.add_working_days(day, whole)
    due = calendar.end_of_day(due_day)
    fraction = float(days - whole)
    if fraction:
        due = calendar.add_working_hours(due, fraction * calendar.hours_per_day)
    return due


def _hours_between(a: time, b: time) -> float:
    return (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds() / 3600


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
        if hit is not None and monotonic() - hit[0] < SHARED_SECONDS:
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
        _shared[key] = (monotonic(), calendar)
    return calendar


def forget_calendar(session: Session, unit_id: int) -> None:
    session.info.get(_CACHE_KEY, {}).pop(unit_id, None)
    _shared.pop((str(session.get_bind().url), unit_id), None)


def forget_all_calendars() -> None:
    """Drop the shared cache (a database was emptied or restored)."""
    _shared.clear()
