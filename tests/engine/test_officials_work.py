"""Officials' daily work: search without diacritics, the leader's team list with its hand-overs, the list of steps
done, steps nobody can take, and the lanes reception warns about."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import assign_task, assignable_users, claim_task, complete_task, list_inbox, receive_dossier
from engine.infra import migrate
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.infra.errors import Forbidden, ValidationFailed
from engine.models import Dossier, Membership, User, WorkItem
from engine.onestop.staffing import unstaffed_lanes
from engine.org.accounts import get_unit
from engine.views.operations import unassignable_items
from engine.views.inbox import items_to_take
from engine.views.search import search_dossiers
from engine.views.worklists import current_steps, list_done, list_team, tab_counts

from ..migrating import all_rows, database_at, insert_rows

CENTRE, LAND_OFFICE = "000.00.01.H99", "000.21.01.H99"
NAMES = ["Nguyễn Văn Kiểm Thử", "Nguyen Van Kiem", "Đỗ Thị Ánh", "ĐẶNG QUỐC ĐẠT"]


def receive(factory, org, now, name, id_number=None, procedure="dinh-chinh-gcn"):
    applicant = {"name": name, **({"id_number": id_number} if id_number else {})}
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code=procedure, applicant=applicant, channel="direct",
                               received_at=now, receiving_unit_code=CENTRE, actor_id=org["motcua.tinh"], now=now).code


def found(factory, user_id, query, **options) -> list[str]:
    with unit_of_work(factory) as s:
        return [d.applicant["name"] for d in search_dossiers(s, user_id, query, **options).dossiers]


def test_dossier_search_ignores_case_and_diacritics(factory, org, now):
    codes = [receive(factory, org, now + timedelta(minutes=i), name, f"0010990001{i:02d}")
             for i, name in enumerate(NAMES)]
    officer = org["motcua.tinh"]
    assert found(factory, officer, "nguyen van kiem thu") == ["Nguyễn Văn Kiểm Thử"]
    assert found(factory, officer, "NGUYỄN VĂN KIỂM") == ["Nguyen Van Kiem", "Nguyễn Văn Kiểm Thử"]  # newest first
    assert found(factory, officer, "kiem thu") == ["Nguyễn Văn Kiểm Thử"]  # any part of the name
    assert found(factory, officer, "do thi anh") == ["Đỗ Thị Ánh"]
    assert found(factory, officer, "dang quoc dat") == found(factory, officer, "Đặng Quốc Đạt") == ["ĐẶNG QUỐC ĐẠT"]
    assert found(factory, officer, "  đỗ   thị ") == ["Đỗ Thị Ánh"]  # spaces as typed do not matter
    assert found(factory, officer, "0010990001") == list(reversed(NAMES))  # the start of the id numbers
    assert found(factory, officer, "001099000102") == ["Đỗ Thị Ánh"]  # the id number
    assert found(factory, officer, "van kiem") == ["Nguyen Van Kiem", "Nguyễn Văn Kiểm Thử"]  # words from their start
    assert found(factory, officer, "guyen") == found(factory, officer, "kiem van") == []  # not inside nor reordered
    assert found(factory, officer, codes[1].lower()) == ["Nguyen Van Kiem"]  # the code in lower case
    assert found(factory, officer, "nguyen%kiem") == found(factory, officer, "%") == []  # no wildcards
    assert found(factory, org["motcua.hoabinh"], "nguyen") == []  # another unit's dossiers stay hidden


def test_inbox_search_ignores_case_and_diacritics(factory, org, now):
    for i, name in enumerate(NAMES):
        receive(factory, org, now + timedelta(minutes=i), name)
    with unit_of_work(factory) as s:
        page = list_inbox(s, org["motcua.tinh"], now + timedelta(hours=1), view="unit", query="DO THI ANH")
        assert [item.dossier.applicant["name"] for item, _ in page.rows] == ["Đỗ Thị Ánh"]
        page = list_inbox(s, org["motcua.tinh"], now + timedelta(hours=1), view="unit", query="dinh chinh giay")
        assert page.total == len(NAMES) and page.counts["unit"] == len(NAMES)  # the procedure's name


def test_the_migration_folds_the_names_of_dossiers_already_received(request, factory, org, now, db_engine):
    receive(factory, org, now, "Nguyễn Văn Kiểm Thử", "001099000123")
    rows = all_rows(db_engine)
    old = database_at(request, db_engine.dialect.name, "0011")
    with old.begin() as conn:
        insert_rows(conn, rows)
    migrate.upgrade(old)
    old_factory = make_sessionmaker(old)
    with unit_of_work(old_factory) as s:
        assert s.scalar(select(Dossier.search_text)).endswith(" nguyen van kiem thu 001099000123")
    assert found(old_factory, org["motcua.tinh"], "kiem thu") == ["Nguyễn Văn Kiểm Thử"]


def at_appraisal(factory, org, now) -> int:
    """A land-certificate correction past the desk: its appraisal waits at the land office (chuyên viên)."""
    receive(factory, org, now, "Hoàng Văn Dũng")
    with unit_of_work(factory) as s:
        [(item, _)] = list_inbox(s, org["motcua.tinh"], now, view="unit").rows
        complete_task(s, item.id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        return s.scalar(select(WorkItem.id).where(WorkItem.bpmn_id == "ut_tham_dinh"))


def team(factory, user_id, now):
    with unit_of_work(factory) as s:
        page = list_team(s, user_id, now)
        return page, [(r.item.bpmn_id, r.assignee, r.nobody, [name for _, name in r.candidates]) for r in page.rows]


def test_a_leader_sees_the_units_open_work_and_hands_it_over_from_the_list(factory, org, now):
    item_id = at_appraisal(factory, org, now)
    leader, specialist = org["lanhdao.vpdk"], org["chuyenvien.vpdk"]
    page, rows = team(factory, leader, now)
    assert rows == [("ut_tham_dinh", None, False, ["Trần Văn Minh"])] and page.counts["team"] == 1
    with unit_of_work(factory) as s:
        assert "team" not in tab_counts(s, specialist, now)  # only leaders have the team list
        assert list_team(s, specialist, now).rows == []
        assign_task(s, item_id, specialist, leader, now)
    assert team(factory, leader, now)[1] == [("ut_tham_dinh", "Trần Văn Minh", False, ["Trần Văn Minh"])]
    with unit_of_work(factory) as s:
        assert [i.id for i, _ in list_inbox(s, specialist, now, view="mine").rows] == [item_id]
        with pytest.raises(Forbidden):  # the centre's leader does not lead the land office
            assign_task(s, item_id, None, org["motcua.tinh"], now)
    assert team(factory, org["lanhdao.hoabinh"], now)[1] == []  # another unit's leader sees none of it


def test_a_step_nobody_can_take_is_flagged_and_handed_to_an_official_of_its_unit(factory, org, now):
    item_id = at_appraisal(factory, org, now)
    leader, clerk = org["lanhdao.vpdk"], org["vanthu.vpdk"]
    with unit_of_work(factory) as s:  # the only chuyên viên of the land office leaves
        s.execute(update(User).where(User.id == org["chuyenvien.vpdk"]).values(is_active=False))
    page, rows = team(factory, leader, now)
    assert rows == [("ut_tham_dinh", None, True, ["Hà Minh Tuấn", "Lê Hoàng Nam", "Phạm Thị Hoa"])]
    with unit_of_work(factory) as s:
        [stuck] = unassignable_items(s, org["quantri.tinh"], now)
        assert (stuck.id, [name for _, name in stuck.officials]) == (item_id, ["Hà Minh Tuấn", "Lê Hoàng Nam",
                                                                               "Phạm Thị Hoa"])
        assert list_inbox(s, clerk, now, view="unit").total == 0  # not the clerk's role: nobody sees it
        with pytest.raises(ValidationFailed):  # only an official of the step's unit
            assign_task(s, item_id, org["motcua.tinh"], leader, now)
    with unit_of_work(factory) as s:
        assign_task(s, item_id, clerk, leader, now)
    with unit_of_work(factory) as s:
        assert unassignable_items(s, org["quantri.tinh"], now) == []  # handed over: no longer stuck
        assert team(factory, leader, now)[1][0][1:3] == ("Phạm Thị Hoa", False)
        assert [i.id for i, _ in list_inbox(s, clerk, now, view="mine").rows] == [item_id]
        assert [i.id for i in items_to_take(s, s.get(WorkItem, item_id).dossier_id, clerk, now)] == [item_id]  # what comes next
        complete_task(s, item_id, {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Lỗi nhập liệu",
                                   "de_xuat": "dinh_chinh"}, clerk, now)
    with unit_of_work(factory) as s:
        assert s.get(WorkItem, item_id).completed_by_id == clerk


def test_an_administrator_hands_over_only_a_step_nobody_can_take(factory, org, now):
    item_id = at_appraisal(factory, org, now)
    admin = org["quantri.tinh"]
    with unit_of_work(factory) as s, pytest.raises(Forbidden):  # someone holds the role: the leader's call
        assign_task(s, item_id, org["chuyenvien.vpdk"], admin, now)
    with unit_of_work(factory) as s:
        s.execute(update(User).where(User.id == org["chuyenvien.vpdk"]).values(is_active=False))
    with unit_of_work(factory) as s:
        assert [u.full_name for u in assignable_users(s, item_id, admin, now)] == [
            "Hà Minh Tuấn", "Lê Hoàng Nam", "Phạm Thị Hoa"]
        assign_task(s, item_id, org["lanhdaophong.vpdk"], admin, now)
    with unit_of_work(factory) as s:
        assert s.get(WorkItem, item_id).assignee_id == org["lanhdaophong.vpdk"]


def test_the_done_list_holds_my_completed_steps_newest_first_by_pages(factory, org, now):
    officer = org["motcua.tinh"]
    for i in range(3):
        receive(factory, org, now + timedelta(minutes=i), f"Người nộp {i}")
    with unit_of_work(factory) as s:
        items = [item for item, _ in list_inbox(s, officer, now, view="unit").rows]
    for minutes, item in enumerate(items, start=10):
        with unit_of_work(factory) as s:
            claim_task(s, item.id, officer, now)
            complete_task(s, item.id, {"da_kiem_tra_thanh_phan": True}, officer, now + timedelta(minutes=minutes))
    with unit_of_work(factory) as s:
        first = list_done(s, officer, now, per_page=2)
        second = list_done(s, officer, now, per_page=2, page=2)
        assert [i.id for i in first.rows] == [items[2].id, items[1].id] and first.has_next
        assert [i.id for i in second.rows] == [items[0].id] and not second.has_next
        assert [i.id for i in list_done(s, officer, now, query="nguoi nop 1").rows] == [items[1].id]
        assert list_done(s, org["chuyenvien.vpdk"], now).rows == []
        assert first.counts["unit"] == 0  # the other tabs' badges come with it


def test_a_dossiers_current_steps_link_for_who_may_open_them(factory, org, now):
    at_appraisal(factory, org, now)
    with unit_of_work(factory) as s:
        dossier = s.scalar(select(Dossier))
        [step] = current_steps(s, dossier, org["chuyenvien.vpdk"], now)
        assert (step.name, step.may_open, step.assignee) == ("Thẩm định, lập biên bản kết luận sai sót", True, None)
        assert current_steps(s, dossier, org["lanhdao.vpdk"], now)[0].may_open  # leads the unit
        assert not current_steps(s, dossier, org["motcua.tinh"], now)[0].may_open


def test_reception_warns_of_lanes_nobody_holds_where_the_steps_go(factory, org, now):
    with unit_of_work(factory) as s:
        centre, ward = get_unit(s, CENTRE).id, get_unit(s, "000.00.11.H99").id
        assert unstaffed_lanes(s, "dang-ky-bien-dong-dat-dai", [centre], now) == []
        s.execute(Membership.__table__.delete().where(Membership.user_id == org["lanhdaophong.vpdk"]))
    with unit_of_work(factory) as s:
        [lane] = unstaffed_lanes(s, "dang-ky-bien-dong-dat-dai", [centre], now)
        assert (lane.role_key, lane.unit_name) == ("lanh_dao_phong", "Chi nhánh Văn phòng Đăng ký đất đai khu vực "
                                                                      "Trung tâm")
        assert lane.steps == ("Kiểm tra, trình Lãnh đạo", "Kiểm tra, trình ký Giấy chứng nhận")
        # a commune procedure worked where it is received: the province centre has no chuyên viên of its own
        lanes = unstaffed_lanes(s, "chung-thuc-ban-sao", [centre, ward], now)
        assert {(lane.receiving, lane.role_key) for lane in lanes} == {
            ("Trung tâm Phục vụ hành chính công tỉnh", role) for role in ("chuyen_vien", "lanh_dao", "van_thu")}


def test_the_demo_organisation_holds_every_bundled_lane(factory, org, now):
    """Each procedure received where it naturally is (the deciding unit's own desk, else the province centre)."""
    from engine.models import Procedure

    with unit_of_work(factory) as s:
        desks = {m.unit_id for m in s.scalars(select(Membership)) if m.role.key == "mot_cua"}
        procedures = s.scalars(select(Procedure).where(Procedure.active_version_id.is_not(None))).all()
        assert len(procedures) >= 10
        for procedure in procedures:
            receiving = procedure.deciding_unit_id if procedure.deciding_unit_id in desks else get_unit(s, CENTRE).id
            assert unstaffed_lanes(s, procedure.slug, [receiving], now) == [], procedure.slug
