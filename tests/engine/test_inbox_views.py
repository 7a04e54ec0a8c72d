"""Inbox views: mine, the unit's unclaimed work, due soon and overdue; searched, filtered, paged and sorted by due."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine import claim_task, complete_task, receive_dossier
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.views.inbox import list_inbox

APPLICANTS = ["Hoàng Văn Dũng", "Đỗ Thị Ánh", "Vũ Minh Tuấn"]


def receive(factory, org, when, name):
    applicant = {"name": name, "id_number": "001085012345", "phone": "0912345678", "address": "Hà Nội"}
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant=applicant, channel="direct",
                               received_at=when, receiving_unit_code="000.00.01.H99",
                               actor_id=org["motcua.tinh"], now=when)


def inbox(factory, user_id, now, **kwargs):
    with unit_of_work(factory) as s:
        page = list_inbox(s, user_id, now, **kwargs)
        return page, [item.dossier.code for item, _ in page.rows]


@pytest.fixture
def desk(factory, org, now):
    """Three dossiers at the provincial desk, received one hour apart; the officer claims the middle one."""
    codes = [receive(factory, org, now + timedelta(hours=i), name).code for i, name in enumerate(APPLICANTS)]
    with unit_of_work(factory) as s:
        page = list_inbox(s, org["motcua.tinh"], now + timedelta(hours=3), view="unit")
        middle = next(item for item, _ in page.rows if item.dossier.code == codes[1])
        claim_task(s, middle.id, org["motcua.tinh"], now + timedelta(hours=3))
    return codes


def test_mine_and_unit_views_split_claimed_from_unclaimed_work(factory, org, now, desk):
    later = now + timedelta(hours=3)
    page, codes = inbox(factory, org["motcua.tinh"], later, view="mine")
    assert codes == [desk[1]]
    page, codes = inbox(factory, org["motcua.tinh"], later, view="unit")
    assert codes == [desk[0], desk[2]]  # earliest step due first
    assert page.counts["mine"] == 1 and page.counts["unit"] == 2


def test_officers_of_other_units_and_roles_see_none_of_it(factory, org, now, desk):
    later = now + timedelta(hours=3)
    for username in ("chuyenvien.vpdk", "motcua.hoabinh"):
        for view in ("mine", "unit", "due_soon", "overdue"):
            page, codes = inbox(factory, org[username], later, view=view)
            assert codes == [] and page.total == 0, (username, view)
        assert set(page.counts.values()) == {0}


def test_completed_reception_reaches_the_specialists_unit_view(factory, org, now, desk):
    later = now + timedelta(hours=3)
    with unit_of_work(factory) as s:
        [(item, _)] = list_inbox(s, org["motcua.tinh"], later, view="mine").rows
        complete_task(s, item.id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], later)
    assert inbox(factory, org["chuyenvien.vpdk"], later, view="unit")[1] == [desk[1]]
    assert inbox(factory, org["motcua.hoabinh"], later, view="unit")[1] == []
    assert inbox(factory, org["motcua.tinh"], later, view="mine")[1] == []


def test_pages_hold_per_page_rows_in_due_order(factory, org, now, desk):
    later = now + timedelta(hours=3)
    first, codes1 = inbox(factory, org["motcua.tinh"], later, view="unit", per_page=1)
    second, codes2 = inbox(factory, org["motcua.tinh"], later, view="unit", per_page=1, page=2)
    assert (first.total, first.pages, first.per_page, first.page) == (2, 2, 1, 1)
    assert (codes1, codes2, second.page) == ([desk[0]], [desk[2]], 2)
    beyond, codes = inbox(factory, org["motcua.tinh"], later, view="unit", per_page=1, page=9)
    assert beyond.page == 2 and codes == [desk[2]]  # a page past the end shows the last one


def test_search_by_code_applicant_with_diacritics_and_procedure(factory, org, now, desk):
    later = now + timedelta(hours=3)
    officer = org["motcua.tinh"]
    assert inbox(factory, officer, later, view="unit", query=desk[2][-4:])[1] == [desk[2]]
    assert inbox(factory, officer, later, view="mine", query="đỗ thị ÁNH")[1] == [desk[1]]
    assert inbox(factory, officer, later, view="unit", query="  hoàng   văn ")[1] == [desk[0]]
    assert inbox(factory, officer, later, view="unit", query="Hoang Van")[1] == [desk[0]]  # diacritics optional
    page, codes = inbox(factory, officer, later, view="unit", query="đính chính giấy")
    assert codes == [desk[0], desk[2]] and page.counts["mine"] == 1
    assert inbox(factory, officer, later, view="unit", query="100%")[1] == []  # % is no wildcard
    assert inbox(factory, officer, later, view="unit", procedure_code="1.004227")[1] == [desk[0], desk[2]]
    page, codes = inbox(factory, officer, later, view="unit", procedure_code="9.999999")
    assert codes == [] and set(page.counts.values()) == {0}


def test_due_soon_and_overdue_follow_the_clock(factory, org, now, desk):
    officer = org["motcua.tinh"]
    # Reception has half a working day: at 12:00 all three are due within a day, none late yet.
    noon = now + timedelta(hours=3)
    page, codes = inbox(factory, officer, noon, view="due_soon")
    assert codes == desk and page.counts["overdue"] == 0
    # Tuesday 09:00: every step has passed its due time.
    tomorrow = now + timedelta(days=1)
    page, codes = inbox(factory, officer, tomorrow, view="overdue")
    assert codes == desk and page.counts["due_soon"] == 0
    assert all(timing.late for _, timing in page.rows)


def test_step_with_days_left_is_neither_due_soon_nor_overdue(factory, org, now, desk):
    later = now + timedelta(hours=3)
    with unit_of_work(factory) as s:
        [(item, _)] = list_inbox(s, org["motcua.tinh"], later, view="mine").rows
        complete_task(s, item.id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], later)
    page, codes = inbox(factory, org["chuyenvien.vpdk"], later, view="unit")
    assert codes == [desk[1]] and not page.rows[0][1].due_soon  # appraisal has six working days
    assert (page.counts["due_soon"], page.counts["overdue"]) == (0, 0)
    five_days = later + timedelta(days=7)  # the following Monday: one working day or less left
    page, codes = inbox(factory, org["chuyenvien.vpdk"], five_days, view="due_soon")
    assert codes == [desk[1]] and page.rows[0][1].due_soon


def test_unknown_view_is_refused(factory, org, now):
    with pytest.raises(ValidationFailed):
        with unit_of_work(factory) as s:
            list_inbox(s, org["motcua.tinh"], now, view="everything")
