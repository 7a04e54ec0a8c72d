"""The date a dossier is really due: an extension moves with a supplement pause; finished and overdue, defined once."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.onestop.dossiers import get_dossier
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import issue_extension, record_supplement, request_supplement
from engine.models import Dossier
from engine.views.register import register_note
from engine.onestop.statuses import effective_due, is_finished, is_overdue

from .test_dinh_chinh_gcn import receive

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)


def test_a_supplement_pause_moves_the_extended_due_date_too(factory, org, now):
    code = receive(factory, org, now).code
    with unit_of_work(factory) as s:
        issue_extension(s, code, date(2026, 3, 18), "Chờ xác minh thực địa", org["lanhdao.vpdk"], now)
        request_supplement(s, code, ["Bản sao CCCD"], "Bản sao không rõ", org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:  # paused one working day: Monday 09:00 → Tuesday 09:00
        dossier = record_supplement(s, code, org["chuyenvien.vpdk"], now + timedelta(days=1))
        assert dossier.extended_due_at.astimezone(VN_TZ) == datetime(2026, 3, 19, 17, 0, tzinfo=VN_TZ)
        assert effective_due(dossier) == dossier.extended_due_at > dossier.due_at
        evening = datetime(2026, 3, 18, 20, 0, tzinfo=VN_TZ)  # past the old extended date, not the real one
        assert not is_overdue(dossier, evening) and "Quá hạn" not in register_note(dossier, evening)


def test_an_extension_more_than_a_year_past_the_due_date_is_refused(factory, org, now):
    receipt = receive(factory, org, now)
    due_day = receipt.due_at.astimezone(VN_TZ).date()
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as s:
        issue_extension(s, receipt.code, due_day + timedelta(days=366), "Chậm", org["lanhdao.vpdk"], now)
    assert list(caught.value.errors) == ["new_day"]
    with unit_of_work(factory) as s:
        issue_extension(s, receipt.code, due_day + timedelta(days=365), "Chậm", org["lanhdao.vpdk"], now,
                        confirmed_long=True)  # far past twice the legal limit: confirmed by the leader
        assert get_dossier(s, receipt.code).extension_count == 1


def dossier(status=4, due_days=3, extended_days=None, paused=False) -> Dossier:
    return Dossier(status=status, due_at=MORNING + timedelta(days=due_days),
                   extended_due_at=MORNING + timedelta(days=extended_days) if extended_days is not None else None,
                   paused_at=MORNING if paused else None)


@pytest.mark.parametrize("case, overdue", [
    (dict(), False),
    (dict(due_days=-1), True),
    (dict(due_days=-1, extended_days=2), False),  # the apology's new date counts
    (dict(due_days=-3, extended_days=-1), True),
    (dict(due_days=-1, paused=True), False),  # the clock is stopped while the citizen supplements
    (dict(due_days=-1, status=9), False), (dict(due_days=-1, status=10), False),
    (dict(due_days=-1, status=8), False), (dict(due_days=-1, status=3), False),
])
def test_overdue_means_open_running_and_past_the_effective_due_date(case, overdue):
    assert is_overdue(dossier(**case), MORNING) is overdue


def test_finished_dossiers_are_refused_stopped_processed_or_returned():
    assert [code for code in range(1, 11) if is_finished(dossier(status=code))] == [3, 8, 9, 10]
    assert effective_due(Dossier(due_at=None, extended_due_at=None)) is None


def test_a_limit_in_working_hours_counts_office_hours():
    """4 working hours received at 16:00 on a working day: 1 hour that afternoon, 3 the next morning."""
    from datetime import datetime, time
    from decimal import Decimal

    from engine.infra.clock import VN_TZ
    from engine.org.calendar import WorkCalendar, legal_due

    received = datetime(2026, 3, 2, 16, 0, tzinfo=VN_TZ)  # Monday
    due = legal_due(WorkCalendar(), received, Decimal(4), time(15, 0), unit="working_hours")
    assert due == datetime(2026, 3, 3, 10, 30, tzinfo=VN_TZ)
    friday = datetime(2026, 3, 6, 16, 30, tzinfo=VN_TZ)  # half an hour on Friday, the rest on Monday
    assert legal_due(WorkCalendar(), friday, Decimal(4), time(15, 0), unit="working_hours") == \
        datetime(2026, 3, 9, 11, 0, tzinfo=VN_TZ)


def test_reception_honours_a_limit_in_working_hours(factory, org, tmp_path):
    from datetime import datetime

    from engine import receive_dossier
    from engine.infra.clock import VN_TZ
    from engine.infra.db import unit_of_work
    from engine.workflow.catalog import load_procedure
    from tests.bpmn_builder import linear_user_tasks, procedure_folder

    received = datetime(2026, 3, 2, 16, 0, tzinfo=VN_TZ)
    folder = procedure_folder(tmp_path, "theo-gio", linear_user_tasks("tthc_theo_gio", 1), "tthc_theo_gio",
                              time_limit=4, time_limit_unit="working_hours")
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, received)
        receipt = receive_dossier(s, procedure_code="theo-gio", applicant={"name": "Lê Văn Tám"}, channel="direct",
                                  received_at=received, receiving_unit_code="000.00.01.H99",
                                  actor_id=org["motcua.tinh"], now=received)
    assert receipt.due_at == datetime(2026, 3, 3, 10, 30, tzinfo=VN_TZ)
