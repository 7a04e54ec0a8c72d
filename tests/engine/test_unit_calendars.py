"""Per-unit calendars stored in the database change the due dates the engine computes."""
from __future__ import annotations

from datetime import date

from engine import get_unit, receive_dossier
from engine.infra.db import unit_of_work
from engine.org.calendar import unit_calendar
from engine.org.calendar_admin import set_calendar_day, set_office_hours

from .test_dinh_chinh_gcn import APPLICANT


def test_deciding_units_day_off_moves_the_dossier_due_date(factory, org, now):
    with unit_of_work(factory) as s:
        branch = get_unit(s, "000.21.01.H99")
        set_calendar_day(s, branch.id, date(2026, 3, 5), False, "Nghỉ bù theo quyết định của tỉnh", None, now)
        set_office_hours(s, branch.id, "07:00-11:00,13:00-16:30", True, None, now)
    with unit_of_work(factory) as s:
        receipt = receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct",
                                  received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
        cal = unit_calendar(s, get_unit(s, "000.21.01.H99").id)
    assert not cal.is_working_day(date(2026, 3, 5)) and cal.saturday_morning
    # 8 working days after Monday 2 March, skipping Thursday 5: Friday 13 March, end of office hours 16:30
    assert receipt.due_at.isoformat() == "2026-03-13T16:30:00+07:00"
