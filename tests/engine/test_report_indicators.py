"""The QĐ 766 indicators of the hand-computed fixture's quarter, and the monthly trend against each month's report.
The 30 dossiers and their hand-counted figures are in tests/engine/report_fixture.py."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest

from engine import monthly_trend, periodic_report, report_indicators
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work

from tests.engine.report_fixture import NOW, Q4, Q4_TOTAL, seeded_and_rebuilt


def test_quarter_indicators(factory):
    ids = seeded_and_rebuilt(factory)
    with unit_of_work(factory) as s:
        result = report_indicators(s, ids.ld_so, ids.unit["SO"], *Q4, now=NOW)
    assert asdict(result.figures) == Q4_TOTAL
    items = {item.code: item for item in result.items}

    # 2.1: (early 7 + on time 7 + open not yet due 4) ÷ (ended 18 + open 8); 12 points, linear to 100 %
    item = items["2.1"]
    assert (item.numerator, item.denominator) == (18, 26)
    assert Fraction(item.numerator, item.denominator) == Fraction(9, 13)
    assert item.rate == pytest.approx(9 / 13)
    assert item.points == 8.31  # 9/13 × 12 = 8.3077

    # 3.3: online 5 ÷ new 23; full marks (6) at 50 %: 5/23 ÷ 0.5 × 6 = 60/23 = 2.6087
    assert (items["3.3"].numerator, items["3.3"].denominator) == (5, 23)
    assert items["3.3"].points == 2.61
    # 4.1: processed with an e-result 5 ÷ processed 16, 4 points linear: 5/16 × 4
    assert (items["4.1"].numerator, items["4.1"].denominator) == (5, 16)
    assert items["4.1"].points == 1.25
    # 4.2: digitised 9 ÷ new 23, full marks (6) at 80 %: 9/23 ÷ 0.8 × 6 = 2.9348
    assert (items["4.2"].numerator, items["4.2"].denominator) == (9, 23)
    assert items["4.2"].points == 2.93
    # 5.4: 1 − (overdue share 8/26 + bad ratings 2 ÷ ended 18) = 1 − (4/13 + 1/9) = 68/117; full marks (6) at 90 %:
    # 68/117 ÷ 0.9 × 6 = 1360/351 = 3.8746
    assert items["5.4"].rate == pytest.approx(68 / 117)
    assert items["5.4"].points == 3.87 and items["5.4"].verified_points
    # 5.x (reference only, 0 points): good 2 ÷ ratings 5
    assert (items["5.x"].numerator, items["5.x"].denominator, items["5.x"].points) == (2, 5, 0.0)

    # 2.2, per procedure: Σ working days of the dossiers ended in the quarter ÷ their number
    # (a float on SQLite, a Decimal on PostgreSQL, whose SUM of a bigint is numeric: compared as floats)
    times = {t.code: (t.ended, float(t.average_days)) for t in result.times}
    assert times["T-DD-02"] == (4, 8.75)  # PI: (5 + 10 + 12 + 8) ÷ 4
    assert times["T-DD-01"] == (9, 4.13)  # PL: 37.2 ÷ 9 = 4.133
    assert times["T-CT-01"] == (5, 0.31)  # PC: 1.53 ÷ 5 = 0.306
    # a same-day limit ("trong ngày", written 0) is compared as one working day
    assert {t.code: t.limit_days for t in result.times} == {"T-DD-01": 5, "T-DD-02": 10, "T-CT-01": 1}
    assert items["2.2"].denominator == 3  # three procedures with dossiers ended and a limit in days


def test_indicator_2_2_counts_a_same_day_procedure_done_within_the_day(factory):
    ids = seeded_and_rebuilt(factory)
    with unit_of_work(factory) as s:
        result = report_indicators(s, ids.ld_so, ids.unit["SO"], *Q4, now=NOW)
    item = {item.code: item for item in result.items}["2.2"]
    # PL 4.13 ≤ 5, PI 8.75 ≤ 10, PC 0.31 within the day: 3 of 3 procedures, 8 points
    assert (item.numerator, item.denominator, item.points) == (3, 3, 8.0)


@pytest.mark.parametrize("period, now", [
    ((date(2025, 9, 10), date(2026, 1, 20)), NOW),
    ((date(2025, 10, 1), date(2025, 12, 31)), datetime(2025, 12, 22, 12, 0, tzinfo=VN_TZ)),  # still running
])
def test_the_monthly_trend_gives_each_month_its_report(factory, period, now):
    """One query for the trend gives each month (clipped to the period) the figures of that month's report."""
    ids = seeded_and_rebuilt(factory)
    with unit_of_work(factory) as s:
        months = monthly_trend(s, ids.ld_so, ids.unit["SO"], *period, now=now)
        for item in months:
            following = (item.month + timedelta(days=32)).replace(day=1)
            first, last = max(item.month, period[0]), min(following - timedelta(days=1), period[1])
            report = periodic_report(s, ids.ld_so, ids.unit["SO"], first, last, now=now)
            assert asdict(item.figures) == asdict(report.total), item.month
    assert [m.month for m in months][0] == period[0].replace(day=1)
