"""The periodic report of the hand-computed fixture: the department's quarter by field and procedure, its
sub-units and what each leader may not see, and periods inside a month, across a year boundary and still running.
The 30 dossiers and their hand-counted figures are in tests/engine/report_fixture.py."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

import pytest

from engine import periodic_report
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import Forbidden

from tests.engine.report_fixture import (FIELD_CHUNG_THUC, FIELD_DAT_DAI, NOW, PROCEDURE_PI, PROCEDURE_PL,
                                         PROCEDURES, Q4, Q4_TOTAL, SUB_UNIT_PA, SUB_UNIT_PB, figures,
                                         seeded_and_rebuilt)


def test_quarter_report_of_the_department_and_its_sub_units(factory):
    ids = seeded_and_rebuilt(factory)
    with unit_of_work(factory) as s:
        report = periodic_report(s, ids.ld_so, ids.unit["SO"], *Q4, now=NOW)
        assert report.as_of == datetime(2026, 1, 1, 0, 0, tzinfo=VN_TZ)
        assert asdict(report.total) == Q4_TOTAL
        assert report.total.received_total == 26 and report.total.in_progress == 8  # 3 + 23; 26 − 18
        assert [(line.label, line.level) for line in report.lines] == [
            ("Chứng thực", 0), (PROCEDURES["PC"][1], 1),
            ("Đất đai", 0), (PROCEDURES["PI"][1], 1), (PROCEDURES["PL"][1], 1)]
        lines = {line.label: line for line in report.lines}
        assert asdict(lines["Chứng thực"].figures) == FIELD_CHUNG_THUC
        assert asdict(lines[PROCEDURES["PC"][1]].figures) == FIELD_CHUNG_THUC  # the field's only procedure
        assert asdict(lines["Đất đai"].figures) == FIELD_DAT_DAI
        assert asdict(lines[PROCEDURES["PI"][1]].figures) == PROCEDURE_PI
        assert asdict(lines[PROCEDURES["PL"][1]].figures) == PROCEDURE_PL
        assert lines[PROCEDURES["PI"][1]].time_limit == "10 ngày làm việc"

        by_field = periodic_report(s, ids.ld_so, ids.unit["SO"], *Q4, field_name="Chứng thực", now=NOW)
        assert asdict(by_field.total) == FIELD_CHUNG_THUC
        by_procedure = periodic_report(s, ids.ld_so, ids.unit["SO"], *Q4, procedure_id=ids.procedure["PI"], now=NOW)
        assert asdict(by_procedure.total) == PROCEDURE_PI

    with unit_of_work(factory) as s:  # the sub-unit's own leader (their unit by default) …
        own = periodic_report(s, ids.ld_pa, None, *Q4, now=NOW)
        assert own.unit.id == ids.unit["PA"]
        assert asdict(own.total) == SUB_UNIT_PA
        with pytest.raises(Forbidden):  # … sees neither the department nor the other sub-unit
            periodic_report(s, ids.ld_pa, ids.unit["SO"], *Q4, now=NOW)
        with pytest.raises(Forbidden):
            periodic_report(s, ids.ld_pa, ids.unit["PB"], *Q4, now=NOW)
    with unit_of_work(factory) as s:  # the department's leader choosing a sub-unit
        other = periodic_report(s, ids.ld_so, ids.unit["PB"], *Q4, now=NOW)
        assert asdict(other.total) == SUB_UNIT_PB


def test_periods_inside_a_month_across_a_year_and_up_to_now(factory):
    """The prefix sums at other edges: days within one month; December to January (year and month rows of
    another year); a period still running (its end after now): a dossier due later today is not yet overdue."""
    ids = seeded_and_rebuilt(factory)
    with unit_of_work(factory) as s:
        inside = periodic_report(s, ids.ld_so, ids.unit["SO"], date(2025, 10, 6), date(2025, 10, 17), now=NOW)
        across = periodic_report(s, ids.ld_so, ids.unit["SO"], date(2025, 12, 15), date(2026, 1, 15), now=NOW)
        running_now = datetime(2025, 12, 22, 12, 0, tzinfo=VN_TZ)
        running = periodic_report(s, ids.ld_so, ids.unit["SO"], date(2025, 12, 1), date(2025, 12, 31),
                                  now=running_now)
    assert asdict(inside.total) == figures(  # 6–17 October 2025
        carried_over=2,  # D02, D30 (received 1/10, ends 7/10); D01 and D04 ended on 1/10 and 2/10
        received_online=2, received_direct=5,  # D05 D11 | D06 D10 D12 D24 D25
        inter_agency=3, on_the_spot=2,  # D10 D11 D12 | D24 D25
        digitised=6,  # D05 D11 online; D06 D10 D12 D25 scanned
        resolved=5, resolved_early=3, resolved_on_time=2,  # D30 D05 D10 | D24 D25
        processed=5, e_result=3,  # D05 D10 D25
        work_centidays=1140,  # D30 420 + D05 200 + D10 500 + D24 13 + D25 7
        in_progress_not_due=3, in_progress_overdue=1,  # D06 D11 D12 | D02
        returned=2, rated_good=1,  # D05 D24 | D05
    )
    assert asdict(across.total) == figures(  # 15 December 2025 – 15 January 2026
        carried_over=3,  # D02, D16, D29
        received_online=1, received_direct=6,  # D15 | D14 D17 D18 D22 D23 D27
        inter_agency=1, on_the_spot=1, digitised=1,  # D14 | D27 | D15
        resolved=2, resolved_on_time=1, resolved_late=1, processed=2,  # D23 | D22
        work_centidays=1400,  # D23 5 days + D22 9 days (1 January is a holiday)
        in_progress_not_due=1,  # D16 (paused)
        in_progress_overdue=7,  # D02 D29 D17 and, due in January, D27 (2/1) D14 (6/1) D15 (8/1) D18 (12/1)
        rated_good=1,  # D23 at 00:15 on 1/1/2026
    )
    assert running.as_of == running_now
    assert asdict(running.total) == figures(  # December 2025 seen at noon on 22 December
        carried_over=1,  # D02
        received_direct=4, received_postal=1,  # D16 D17 D14 D22 (09:00 on 22/12) | D29
        inter_agency=2,  # D14 D29
        in_progress_not_due=4,  # D16 (paused), D17 (due at 17:00 today), D14, D22
        in_progress_overdue=2,  # D02, D29
    )
