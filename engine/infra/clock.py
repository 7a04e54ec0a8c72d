"""The one source of the current time; tests swap in a clock they can move."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class SystemClock:
    """Wall-clock time as an aware UTC datetime."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until told to move; for tests and benchmarks."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(timezone.utc)

    def advance(self, **delta) -> datetime:
        self._now += timedelta(**delta)
        return self._now


_clock = SystemClock()


def now() -> datetime:
    """The current instant from the installed clock (aware, UTC)."""
    return _clock.now()


def install(clock) -> object:
    """Replace the clock; returns the previous one so callers can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous
