"""Two officials acting on one dossier or work item at once: the second sees the first's change, never a stale copy."""
from __future__ import annotations

import threading
import time
from datetime import date

from sqlalchemy import func, select

from tests.driving import open_items
from engine.org.accounts import grant_role
from engine.infra.db import unit_of_work
from engine.onestop.dossiers import get_dossier
from engine.infra.errors import Conflict
from engine.onestop.lifecycle import issue_extension, request_supplement
from engine.onestop.fees import record_fee
from engine.models import Event, User
from engine.workflow.tasks import claim_task

from .test_dinh_chinh_gcn import receive


def race(factory, first, second):
    """`first` holds its transaction open while `second` runs in another; then `first` commits.

    Returns what `second` returned or the Conflict it raised."""
    outcome: list = []

    def run_second():
        try:
            with unit_of_work(factory) as s:
                outcome.append(second(s))
        except Conflict as exc:
            outcome.append(exc)

    with unit_of_work(factory) as s:
        first(s)
        thread = threading.Thread(target=run_second)
        thread.start()
        time.sleep(0.5)  # the second has read the dossier, or waits on the lock, before the first commits
    thread.join(timeout=30)
    assert not thread.is_alive() and len(outcome) == 1
    return outcome[0]


def events(factory, action):
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.action == action))


def test_a_fee_recorded_twice_at_once_is_recorded_once(factory, org, now):
    code = receive(factory, org, now).code
    desk = org["motcua.tinh"]
    second = race(factory, lambda s: record_fee(s, code, 50000, "BL-001", desk, now),
                  lambda s: record_fee(s, code, 70000, "BL-002", desk, now))
    assert isinstance(second, Conflict) and "BL-001" in second.message
    assert events(factory, "fee_recorded") == 1
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).fee_receipt_no == "BL-001"


def test_two_supplement_requests_at_once_make_one_request(factory, org, now):
    code = receive(factory, org, now).code
    officer = org["chuyenvien.vpdk"]
    second = race(factory, lambda s: request_supplement(s, code, ["Bản gốc"], "Thiếu", officer, now),
                  lambda s: request_supplement(s, code, ["Bản sao"], "Thiếu", officer, now))
    assert isinstance(second, Conflict)
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).supplement_count == 1
    assert events(factory, "supplement_requested") == 1


def test_two_extensions_at_once_are_both_counted(factory, org, now):
    code = receive(factory, org, now).code
    leader = org["lanhdao.vpdk"]
    race(factory, lambda s: issue_extension(s, code, date(2026, 3, 18), "Chờ xác minh", leader, now),
         lambda s: issue_extension(s, code, date(2026, 3, 24), "Chờ ý kiến", leader, now,
                                   legal_ground="Văn bản số 12/UBND chấp thuận gia hạn thêm"))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        assert dossier.extension_count == 2 and dossier.extended_due_at.date() == date(2026, 3, 24)


def test_two_claims_at_once_leave_the_task_with_the_first(factory, org, now):
    receive(factory, org, now)
    desk = org["motcua.tinh"]
    with unit_of_work(factory) as s:
        item_id = open_items(s, desk)[0].id
        colleague = User(username="motcua2.tinh", full_name="Lê Văn Nam", password_hash="-", created_at=now)
        s.add(colleague)
        grant_role(s, colleague, "mot_cua", "000.00.01.H99")
        s.flush()
        colleague_id = colleague.id
    second = race(factory, lambda s: claim_task(s, item_id, desk, now),
                  lambda s: claim_task(s, item_id, colleague_id, now))
    assert isinstance(second, Conflict) and "Nguyễn Thị Lan" in second.message
    assert events(factory, "task_claimed") == 1
