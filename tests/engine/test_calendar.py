"""Legal due dates in Vietnamese working days (domain.md §4 vectors) and step budgets in working hours."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from engine.org.calendar import WorkCalendar, budget_due, legal_due, parse_budget
from engine.infra.clock import VN_TZ

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


@pytest.mark.parametrize("at, expected_day", [(time(15, 0), date(2026, 3, 2)), (time(15, 1), date(2026, 3, 3))])
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


def test_unit_overrides_extra_day_off_and_make_up_saturday():
    cal = WorkCalendar(extra_days_off=frozenset({date(2026, 3, 3)}), extra_working_days=frozenset({date(2026, 3, 7)}))
    # Monday 2 March + 2 working days: Tuesday 3 is off for this unit, Saturday 7 is a make-up day
    assert cal.add_working_days(date(2026, 3, 2), 2) == date(2026, 3, 5)
    assert cal.add_working_days(date(2026, 3, 5), 2) == date(2026, 3, 7)


def test_saturday_morning_adds_office_hours_but_no_legal_day():
    cal = WorkCalendar(saturday_morning=True)
    friday_late = datetime(2026, 3, 6, 16, 0, tzinfo=VN_TZ)
    assert budget_due(cal, friday_late, "3h") == datetime(2026, 3, 7, 9, 30, tzinfo=VN_TZ)
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert not cal.sessions_on(date(2025, 2, 1))  # a Saturday that is a Tết holiday stays closed


def test_office_hours_per_unit():
    from engine.org.calendar import parse_office_hours

    cal = WorkCalendar(sessions=parse_office_hours("08:00-12:00,13:00-17:00"))
    assert cal.hours_per_day == 8
    assert budget_due(cal, datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ), "0.5d") == datetime(2026, 3, 2, 12, 0,
                                                                                         tzinfo=VN_TZ)
    for bad in ("8-12", "13:00-12:00", "08:00-12:00,11:00-17:00", ""):
        with pytest.raises(ValueError):
            parse_office_hours(bad)


def test_working_time_elapsed_is_net_of_pauses_and_nights():
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)
    wednesday_9 = datetime(2026, 3, 4, 9, 0, tzinfo=VN_TZ)
    assert CAL.working_time_between(monday_9, wednesday_9).total_seconds() == 2 * 7.5 * 3600
    pause = (datetime(2026, 3, 2, 13, 30, tzinfo=VN_TZ), datetime(2026, 3, 3, 11, 30, tzinfo=VN_TZ))
    assert CAL.working_time_between(monday_9, wednesday_9, [pause]).total_seconds() == (2 * 7.5 - 7.5) * 3600


def test_remaining_working_time_turns_negative_when_late():
    due = datetime(2026, 3, 2, 17, 0, tzinfo=VN_TZ)
    assert CAL.remaining(datetime(2026, 3, 2, 16, 0, tzinfo=VN_TZ), due).total_seconds() == 3600
    assert CAL.remaining(datetime(2026, 3, 3, 8, 30, tzinfo=VN_TZ), due).total_seconds() == -3600


def test_time_overdue_across_weeks_counts_only_office_hours_of_each_calendar():
    """From a due instant before Tết 2026 to a morning weeks later: 23–27 February are the only whole working days
    between (16–20 off), plus 07:30–09:00 on 2 March. A unit with 24 February off has one day less; each calendar
    keeps its own sum."""
    due, now = datetime(2026, 2, 13, 17, 0, tzinfo=VN_TZ), datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)
    assert CAL.remaining(now, due).total_seconds() == -(5 * 7.5 + 1.5) * 3600
    unit = WorkCalendar(extra_days_off=frozenset({date(2026, 2, 24)}))
    assert unit.remaining(now, due).total_seconds() == -(4 * 7.5 + 1.5) * 3600
    assert CAL.remaining(now, due).total_seconds() == -(5 * 7.5 + 1.5) * 3600
