"""The officials' pages for their daily work: the team and done tabs, a step nobody can take with its hand-over,
the dossier page's current steps and fee record, the grouped fee form, reception's staffing warning, search."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from engine import complete_task
from engine.infra.db import unit_of_work
from engine.models import Membership, User, WorkItem

from webpages import csrf_token, inbox_items, login, post_form, receive
from tests.engine.test_fee_record import at_fee_step


def past_the_desk(factory, org, now) -> tuple[str, int]:
    code = receive(factory, org, now).code
    with unit_of_work(factory) as s:
        desk = s.scalar(select(WorkItem.id).where(WorkItem.bpmn_id == "ut_tiep_nhan"))
        complete_task(s, desk, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        return code, s.scalar(select(WorkItem.id).where(WorkItem.bpmn_id == "ut_tham_dinh"))


def test_a_leader_hands_over_from_the_team_tab(client, factory, org, now):
    code, item_id = past_the_desk(factory, org, now)
    login(client, "lanhdao.vpdk")
    html = client.get("/?view=team").get_data(as_text=True)
    assert ">Việc của đơn vị <span class=\"count\">1</span>" in html
    assert code in html and "Chưa nhận" in html and "Người xử lý" in html
    assert re.search(rf'<option value="{org["chuyenvien.vpdk"]}">Trần Văn Minh</option>', html)
    response = client.post(f"/tasks/{item_id}/assign", data={
        "csrf_token": csrf_token(html), "assignee_id": org["chuyenvien.vpdk"], "next": "/?view=team"})
    assert response.status_code == 302 and response.headers["Location"] == "/?view=team"
    html = client.get("/?view=team").get_data(as_text=True)
    assert "Đã giao lại công việc." in html and "<td class=\"assignee\">Trần Văn Minh</td>" in html
    assert inbox_items(factory, org["chuyenvien.vpdk"])[0][0] == item_id
    login(client, "chuyenvien.vpdk")
    assert "Việc của đơn vị" not in client.get("/").get_data(as_text=True)  # not a leader


def test_a_step_nobody_can_take_is_shown_and_handed_over(client, factory, org, now):
    code, item_id = past_the_desk(factory, org, now)
    with unit_of_work(factory) as s:
        s.execute(update(User).where(User.id == org["chuyenvien.vpdk"]).values(is_active=False))
    login(client, "lanhdao.vpdk")
    html = client.get("/?view=team").get_data(as_text=True)
    assert "Không có người xử lý" in html and "Phạm Thị Hoa" in html
    login(client, "quantri.tinh")
    page = client.get("/operations/unassignable").get_data(as_text=True)
    assert code in page and f'action="/tasks/{item_id}/assign"' in page
    response = client.post(f"/tasks/{item_id}/assign", data={
        "csrf_token": csrf_token(page), "assignee_id": org["vanthu.vpdk"], "next": "/operations/unassignable"})
    assert response.headers["Location"] == "/operations/unassignable"
    assert code not in client.get("/operations/unassignable").get_data(as_text=True)
    login(client, "vanthu.vpdk")
    assert f'href="/tasks/{item_id}"' in client.get("/").get_data(as_text=True)
    assert client.get(f"/tasks/{item_id}").status_code == 200


def test_the_done_tab_lists_my_steps_newest_first(client, factory, org, now):
    code, _ = past_the_desk(factory, org, now)
    login(client, "motcua.tinh")
    html = client.get("/?view=done").get_data(as_text=True)
    assert 'aria-current="page" class="inbox-tab">Đã xử lý' in html
    assert code in html and "Tiếp nhận, kiểm tra và chuyển hồ sơ" in html and "Hoàn thành lúc" in html
    login(client, "vanthu.vpdk")
    assert "Bạn chưa hoàn thành bước nào." in client.get("/?view=done").get_data(as_text=True)


def test_the_dossier_page_links_to_its_current_step(client, factory, org, now):
    code, item_id = past_the_desk(factory, org, now)
    login(client, "chuyenvien.vpdk")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Bước đang xử lý" in html
    assert f'<a href="/tasks/{item_id}">Thẩm định, lập biên bản kết luận sai sót</a>' in html
    login(client, "motcua.tinh")  # the centre sees where it is, without a link to another unit's step
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Thẩm định, lập biên bản kết luận sai sót" in html and f'href="/tasks/{item_id}"' not in html


def test_the_fee_form_shows_the_computed_amount_grouped_and_the_dossier_its_record(client, factory, org, now):
    code = at_fee_step(factory, org, now - timedelta(hours=1))
    with unit_of_work(factory) as s:
        item_id = s.scalar(select(WorkItem.id).where(WorkItem.bpmn_id == "ut_thu_phi"))
    login(client, "motcua.hoabinh")
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert "3 trang × 2 bản = 10.000 đồng" in html
    assert re.search(r'inputmode="numeric" id="f-so_tien_phi" name="so_tien_phi" value="10.000"', html)
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Phí, lệ phí phải thu" in page and "Ghi nhận thu phí" not in page  # the step records it
    refused = client.post(f"/tasks/{item_id}", data={
        "csrf_token": csrf_token(html), "so_tien_phi": "8.000", "so_bien_lai": "0000131",
        "hinh_thuc_thanh_toan": "tien_mat"})
    assert refused.status_code == 422 and "hãy nêu lý do" in refused.get_data(as_text=True)
    done = client.post(f"/tasks/{item_id}", data={
        "csrf_token": csrf_token(html), "so_tien_phi": "10.000", "so_bien_lai": "0000131",
        "hinh_thuc_thanh_toan": "tien_mat"})
    assert done.status_code == 302
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "10.000 đồng — biên lai số 0000131" in page and "Ghi nhận thu phí" not in page


def test_the_desks_fee_form_shows_amounts_grouped(client, factory, org, now):
    code = receive(factory, org, now).code
    login(client, "motcua.tinh")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Ghi nhận thu phí" in html and "0 đồng" in html  # no fee step in this process: the desk records it
    response = post_form(client, f"/dossiers/{code}/record-fee", {"amount": "1.500.000", "receipt_no": "0000140"},
                         page_url=f"/dossiers/{code}")
    assert response.status_code == 302
    assert "1.500.000 đồng — biên lai số 0000140" in client.get(f"/dossiers/{code}").get_data(as_text=True)


def test_reception_warns_before_receiving_where_a_lane_has_nobody(client, factory, org):
    login(client, "motcua.tinh")
    assert "Cảnh báo" not in client.get("/reception/2.000889").get_data(as_text=True)
    with unit_of_work(factory) as s:
        s.execute(Membership.__table__.delete().where(Membership.user_id == org["lanhdaophong.vpdk"]))
    html = client.get("/reception/2.000889").get_data(as_text=True)
    assert "Cảnh báo: hồ sơ sẽ dừng ở bước không có người xử lý" in html
    assert "Lãnh đạo phòng chuyên môn" in html and "Kiểm tra, trình Lãnh đạo" in html
    assert 'value="receive"' in html  # a warning, not a refusal


def test_dossier_search_page_finds_names_typed_without_diacritics(client, factory, org, now):
    code = receive(factory, org, now).code
    login(client, "motcua.tinh")
    html = client.get("/dossiers?q=HOANG+van+dung").get_data(as_text=True)
    assert code in html and "Hoàng Văn Dũng" in html
    assert code in client.get("/?view=unit&q=hoang+van").get_data(as_text=True)
