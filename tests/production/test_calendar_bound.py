"""A unit's calendar changed by another process is used here within the documented bound (60 s): each process
keeps a calendar for at most calendar.SHARED_SECONDS."""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from engine.infra.db import unit_of_work
from engine.models import Unit
from engine.org import calendar

DAY = date(2026, 3, 4)  # a Wednesday, a working day
CHANGE = """
import sys
from datetime import date, datetime, timezone
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work
from engine.org.calendar_admin import set_calendar_day
with unit_of_work(make_sessionmaker(make_engine(sys.argv[1]))) as session:
    set_calendar_day(session, int(sys.argv[2]), date(2026, 3, 4), False, "Nghỉ bù", None, datetime.now(timezone.utc))
"""


def test_a_calendar_change_made_by_another_process_is_used_here_within_the_bound(factory, org, db_engine,
                                                                                  monkeypatch):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("the cache does not depend on the database; one backend is enough")
    clock = [1000.0]
    monkeypatch.setattr(calendar, "monotonic", lambda: clock[0])
    with unit_of_work(factory) as session:
        unit_id = session.query(Unit.id).filter(Unit.code == "000.21.01.H99").scalar()
        assert calendar.unit_calendar(session, unit_id).is_working_day(DAY)
    changed = subprocess.run([sys.executable, "-c", CHANGE, str(db_engine.url), str(unit_id)], capture_output=True,
                             text=True, timeout=60)
    assert changed.returncode == 0, changed.stderr
    clock[0] += calendar.SHARED_SECONDS - 1
    with unit_of_work(factory) as session:  # still within the bound: this process may use what it read
        assert calendar.unit_calendar(session, unit_id).is_working_day(DAY)
    clock[0] += 1
    with unit_of_work(factory) as session:  # the bound has passed: the other process's change is used
        assert not calendar.unit_calendar(session, unit_id).is_working_day(DAY)
    assert calendar.SHARED_SECONDS == 60  # the bound the README's production section states
