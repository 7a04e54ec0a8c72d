"""The generated period and its calendar: from START (1 January 2024) to NOW (31 December 2026, 15:00), the
report's YEAR (2025), the national working-day calendar every generated unit keeps (CALENDAR, with the default
cutoff), Days (working days and legal due dates, looked up in dicts), office_time (a random instant in office
hours)."""
from __future__ import annotations

import random
from datetime import date, datetime, time as clock_time, timedelta
from decimal import Decimal

from engine.infra.clock import VN_TZ
from engine.org.calendar import WorkCalendar, legal_due

START = date(2024, 1, 1)
NOW = datetime(2026, 12, 31, 15, 0, tzinfo=VN_TZ)  # a Thursday afternoon
YEAR = (date(2025, 1, 1), date(2025, 12, 31))  # the report's period
CALENDAR = WorkCalendar()  # every generated unit keeps the default calendar (national holidays, 7:30-17:00)
CUTOFF = clock_time(15, 0)  # Procedure.cutoff_hour's default


class Days:
    """The working-day calendar of the generated period, looked up in a dict."""

    def __init__(self):
        self.working: dict[date, bool] = {}
        self.due_cache: dict[tuple, datetime] = {}

    def is_working(self, day: date) -> bool:
        value = self.working.get(day)
        if value is None:
            value = self.working[day] = CALENDAR.is_working_day(day)
        return value

    def next_open(self, instant: datetime, rng: random.Random) -> datetime:
        """The instant itself if it is in office hours, else the next opening of the office, a little after."""
        local = instant.astimezone(VN_TZ)
        day, moment = local.date(), local.time()
        if self.is_working(day):
            if clock_time(7, 30) <= moment < clock_time(11, 30) or clock_time(13, 30) <= moment < clock_time(17, 0):
                return local
            if moment < clock_time(7, 30):
                return datetime.combine(day, clock_time(7, 30), VN_TZ) + timedelta(minutes=rng.randrange(60))
            if moment < clock_time(13, 30):
                return datetime.combine(day, clock_time(13, 30), VN_TZ) + timedelta(minutes=rng.randrange(60))
        day += timedelta(days=1)
        while not self.is_working(day):
            day += timedelta(days=1)
        return datetime.combine(day, clock_time(7, 30), VN_TZ) + timedelta(minutes=rng.randrange(90))

    def due(self, received: datetime, limit: int) -> datetime:
        local = received.astimezone(VN_TZ)
        key = (local.date(), limit, local.time() > CUTOFF)
        value = self.due_cache.get(key)
        if value is None:
            value = self.due_cache[key] = legal_due(CALENDAR, local, Decimal(limit), CUTOFF)
        return value

    def add_working(self, instant: datetime, days: int) -> datetime:
        return CALENDAR.end_of_day(CALENDAR.add_working_days(instant.astimezone(VN_TZ).date(), days))


def office_time(day: date, rng: random.Random) -> datetime:
    minute = rng.randrange(450)  # 7:30-11:30 and 13:30-17:00
    start = clock_time(7, 30) if minute < 240 else clock_time(13, 30)
    return datetime.combine(day, start, VN_TZ) + timedelta(minutes=minute % 240, seconds=rng.randrange(60))
