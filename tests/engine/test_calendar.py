"""Legal due dates in Vietnamese working days (domain.md §4 vectors) and step budgets in working hours."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from engine.calendar import WorkCalendar, budget_due, legal_due, parse_budget
from engine.clock import VN_TZ

CAL = WorkCalendar()


@pytest.mark.parametrize("received, days, expected", [
    (date(2018, 1, 1), 7, date(2018, 1, 10)),    # New Year off: count starts 02/01
    (date(2018, 2, 9), 7, date(2018, 2, 27)),    # Tết off 14–20/02
    (date(2018, 4, 24), 21, date(2018, 5, 28)),  # Giỗ Tổ 25/04, 30/04, 01/05 off
    (date(2018, 4, 25), 21, date(2018, 5, 28)),  # received on Giỗ Tổ itself
    (date(2026, 2, 13), 3, date(2026, 2, 25)),   # Tết 2026: 16–20 February off
    (date(2026, 8, 28), 1, date(2026, 9, 3)),    # 31/08 substituted day off, 01–02/09 National Day
    (date(2026, 11, 23), 1, date(2026, 11, 25)), # 24/11 Vietnam Cultural Day from 2026
    (date(2026, 3, 2), 8, date(2026, 3, 12)),
])
def test_due_date_is_end_of_nth_working_day_after_reception(received, days, expected):
    due = legal_due(CAL, datetime.combine(received, time(9, 0), VN_TZ), Decimal(days), time(15))
    assert due == datetime.combine(expected, time(17, 0), VN_TZ)


def test_substituted_saturday_is_a_working_day():
    assert CAL.is_working_day(date(2026, 8, 22))  # make-up Saturday for 31/08/2026
    assert not CAL.is_working_day(date(2026, 8, 31))


@pytest.mark.parametrize("at, expected_day", [(time(14, 59), date(2026, 3, 2)), (time(15, 0), date(2026, 3, 3))])
def test_same_day_procedure_rolls_over_after_the_cutoff(at, expected_day):
    due = legal_due(CAL, datetime.combine(date(2026, 3, 2), at, VN_TZ), Decimal(0), time(15))
    assert due.date() == expected_day


def test_step_budget_counts_office_hours_only():
    friday_afternoon = datetime(2026, 11, 20, 16, 0, tzinfo=VN_TZ)
    # 4 office hours: 1 h on Friday, then Monday 07:30 + 3 h
    assert budget_due(CAL, friday_afternoon, "4h") == datetime(2026, 11, 23, 10, 30, tzinfo=VN_TZ)
    # half a day = half of 7.5 office hours
    assert budget_due(CAL, datetime(2026, 3, 2, 7, 30, tzinfo=VN_TZ), "0.5d") == datetime(2026, 3, 2, 11, 15,
                                                                                          tzinfo=VN_TZ)


@pytest.mark.parametrize("text", ["", "3", "ba ngày", "2w", "-1d"])
def test_budget_that_does_not_parse_is_refused(text):
    with pytest.raises(ValueError):
        parse_budget(text)
