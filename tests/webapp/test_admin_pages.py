"""The administration pages as an administrator uses them: units and their calendars, users, roles, delegations
and API tokens; refused forms keep what was typed (never a password) with the errors beside the fields; a second
submission is told why; a user made through the pages works their inbox."""
from __future__ import annotations

import re

from apicalls import call, token_for
from sqlalchemy import select
from webpages import APPRAISAL, PASSWORD, csrf_token, login, post_form, receive

from engine import complete_task
from engine.infra.db import unit_of_work
from engine.models import Event, Role, Unit, User
from tests.driving import open_items

ADMIN = "quantri.tinh"
BRANCH = "000.21.01.H99"


def admin_client(app):
    client = app.test_client()
    login(client, ADMIN)
    return client


def events(factory, action):
    with unit_of_work(factory) as session:
        return [e.detail for e in session.scalars(select(Event).where(Event.action == action).order_by(Event.id))]


def row_id(factory, model, **where):
    with unit_of_work(factory) as session:
        return session.scalar(select(model.id).filter_by(**where))


def test_every_admin_page_renders_for_the_administrator_and_the_menu_leads_there(app, factory, org):
    client = admin_client(app)
    unit_id = row_id(factory, Unit, code=BRANCH)
    assert re.search(r'<a href="/admin/">Quản trị</a>', client.get("/versions").get_data(as_text=True))
    for url in ("/admin/", "/admin/units", "/admin/units/new", f"/admin/units/{unit_id}",
                f"/admin/units/{unit_id}/calendar?year=2026", "/admin/users", "/admin/users/new",
                f"/admin/users/{org['chuyenvien.vpdk']}", "/admin/roles", "/admin/delegations", "/admin/tokens"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'aria-current="page">Quản trị</a>' in response.get_data(as_text=True), url


def test_a_unit_a_role_and_a_user_made_through_the_pages_work_the_inbox(app, client, factory, org, now):
    admin = admin_client(app)
    province = row_id(factory, Unit, code="000.00.01.H99")
    unit = post_form(admin, "/admin/units/new", {
        "code": "000.22.01.H99", "name": "Phòng Tư pháp", "level": "tinh", "parent_id": str(province),
        "place_name": "Hòa Bình", "office_hours": "07:30-11:30,13:30-17:00", "saturday_morning": "on"})
    assert unit.status_code == 302
    tree = admin.get("/admin/units").get_data(as_text=True)
    assert "Đã tạo đơn vị Phòng Tư pháp." in tree and 'class="tree-name depth-1"' in tree
    role = post_form(admin, "/admin/roles", {"key": "tu_phap", "name": "Công chức tư pháp"}, "/admin/roles")
    assert role.status_code == 302
    made = post_form(admin, "/admin/users/new", {"username": "ha.nguyet", "full_name": "Hà Thị Nguyệt",
                                                 "password": "mat-khau-moi-1", "password_again": "mat-khau-moi-1"})
    user_id = row_id(factory, User, username="ha.nguyet")
    assert made.status_code == 302 and made.headers["Location"] == f"/admin/users/{user_id}"
    page = f"/admin/users/{user_id}"
    for key, unit_code in (("tu_phap", "000.22.01.H99"), ("chuyen_vien", BRANCH)):
        granted = post_form(admin, f"{page}/memberships", {"role_id": str(row_id(factory, Role, key=key)),
                                                           "unit_id": str(row_id(factory, Unit, code=unit_code))}, page)
        assert granted.status_code == 302
    assert "Công chức tư pháp" in admin.get(page).get_data(as_text=True)
    receive(factory, org, now)
    with unit_of_work(factory) as session:
        [desk] = open_items(session, org["motcua.tinh"])
        complete_task(session, desk.id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    login(client, "ha.nguyet", "mat-khau-moi-1")
    assert APPRAISAL in client.get("/?view=unit").get_data(as_text=True)
    assert [len(events(factory, a)) for a in ("unit_created", "role_created", "account_created",
                                               "membership_added")] == [1, 1, 1, 2]


def test_empty_forms_show_every_error_beside_its_field_and_keep_what_was_typed(app, factory, org):
    admin = admin_client(app)
    refused = post_form(admin, "/admin/units/new", {"code": "", "name": "Phòng Nội vụ", "level": "",
                                                    "office_hours": "7h-11h"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert html.count('class="field-error"') == 3 and 'value="Phòng Nội vụ"' in html
    refused = post_form(admin, "/admin/users/new", {"username": "", "full_name": "Hà Thị Nguyệt",
                                                    "password": "ngan-qua", "password_again": "khac-han-1"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Tên đăng nhập chỉ gồm" in html and "không khớp" in html
    assert 'value="Hà Thị Nguyệt"' in html and "ngan-qua" not in html and "khac-han-1" not in html
    refused = post_form(admin, "/admin/roles", {"key": "Tư Pháp", "name": ""}, "/admin/roles")
    assert refused.status_code == 422 and 'value="Tư Pháp"' in refused.get_data(as_text=True)
    refused = post_form(admin, "/admin/delegations", {}, "/admin/delegations")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and html.count('class="field-error"') == 6
    assert not events(factory, "unit_created") and not events(factory, "account_created")


def test_back_and_resubmit_is_told_what_already_happened(app, factory, org):
    admin = admin_client(app)
    form = {"code": "000.22.01.H99", "name": "Phòng Tư pháp", "level": "tinh", "office_hours": "07:30-11:30"}
    token = csrf_token(admin.get("/admin/units/new").get_data(as_text=True))
    assert admin.post("/admin/units/new", data={"csrf_token": token, **form}).status_code == 302
    again = admin.post("/admin/units/new", data={"csrf_token": token, **form})
    assert again.status_code == 409 and "Mã 000.22.01.H99 đã được dùng" in again.get_data(as_text=True)
    page = f"/admin/users/{org['chuyenvien.vpdk']}"
    assert post_form(admin, f"{page}/disable", {}, page).status_code == 302
    twice = admin.post(f"{page}/disable", data={"csrf_token": token})
    assert twice.status_code == 409 and "Tài khoản đã bị khóa." in twice.get_data(as_text=True)
    assert len(events(factory, "unit_created")) == len(events(factory, "account_disabled")) == 1


def test_names_are_found_without_diacritics(app, org):
    html = admin_client(app).get("/admin/users?q=tran+van+minh").get_data(as_text=True)
    assert "Trần Văn Minh" in html and "Lê Hoàng Nam" not in html


def test_the_calendar_shows_holidays_takes_overrides_and_previews_the_due_date(app, factory, org):
    admin = admin_client(app)
    unit_id = row_id(factory, Unit, code=BRANCH)
    page = f"/admin/units/{unit_id}/calendar"
    html = admin.get(f"{page}?year=2026").get_data(as_text=True)
    assert 'class="cal-holiday" title="02/09/2026 — Nghỉ lễ, Tết: Quốc khánh"' in html
    preview = f"{page}?year=2026&received_at=2026-03-02T09:00&days=8"
    assert "hạn trả kết quả 12/03/2026 17:00" in admin.get(preview).get_data(as_text=True)
    added = post_form(admin, page, {"day": "2026-03-05", "working": "0", "note": "Nghỉ theo thông báo của tỉnh"})
    assert added.status_code == 302 and added.headers["Location"].endswith("year=2026")
    html = admin.get(preview).get_data(as_text=True)
    assert "hạn trả kết quả 13/03/2026 17:00" in html and "cal-off cal-override" in html
    refused = post_form(admin, page, {"day": "2026-03-08", "working": "0", "note": ""})
    assert refused.status_code == 422 and "đã là ngày nghỉ" in refused.get_data(as_text=True)
    removed = post_form(admin, f"{page}/2026-03-05/remove", {}, page)
    assert removed.status_code == 302
    again = post_form(admin, f"{page}/2026-03-05/remove", {}, page)
    assert again.status_code == 409 and "không còn điều chỉnh" in again.get_data(as_text=True)
    bad = admin.get(f"{page}?received_at=hom-nay&days=abc")
    assert bad.status_code == 422 and bad.get_data(as_text=True).count('class="field-error"') == 2


def test_a_locked_or_reset_account_loses_its_session_and_its_tokens(app, factory, org):
    admin, officer = admin_client(app), app.test_client()
    login(officer, "chuyenvien.vpdk")
    token = token_for(app.test_client(), "chuyenvien.vpdk")
    assert officer.get("/").status_code == 200
    page = f"/admin/users/{org['chuyenvien.vpdk']}"
    reset = post_form(admin, f"{page}/password", {"password": "mat-khau-moi-1", "password_again": "mat-khau-moi-1"},
                      page)
    assert reset.status_code == 302 and "mat-khau-moi-1" not in str(events(factory, "password_reset"))
    assert officer.get("/").status_code == 302  # signed out: the password it signed in with is gone
    login(officer, "chuyenvien.vpdk", "mat-khau-moi-1")
    assert officer.get("/").status_code == 200
    assert post_form(admin, f"{page}/disable", {}, page).status_code == 302
    assert officer.get("/").status_code == 302
    assert login(officer, "chuyenvien.vpdk", "mat-khau-moi-1").status_code == 401
    assert call(app.test_client(), "GET", "/api/v1/work-items", token=token).status_code == 401
    assert post_form(admin, f"{page}/enable", {}, page).status_code == 302
    assert login(officer, "chuyenvien.vpdk", "mat-khau-moi-1").status_code == 302


def test_delegations_and_tokens_are_recorded_and_revoked_from_their_pages(app, factory, org):
    admin = admin_client(app)
    token = token_for(app.test_client(), "motcua.tinh")
    form = {"from_user_id": str(org["lanhdao.vpdk"]), "to_user_id": str(org["chuyenvien.vpdk"]),
            "scope": f"lanh_dao@{BRANCH}", "procedure_code": "", "valid_from": "2026-03-02T08:00",
            "valid_to": "2026-03-06T17:00", "signature_form": "KT."}
    made = post_form(admin, "/admin/delegations", form)
    assert made.status_code == 302
    html = admin.get("/admin/delegations?state=active").get_data(as_text=True)
    assert "Lê Hoàng Nam" in html and "Trần Văn Minh" in html and "Đang hiệu lực" in html
    delegation_id = re.search(r'/admin/delegations/(\d+)/revoke', html).group(1)
    assert post_form(admin, f"/admin/delegations/{delegation_id}/revoke", {}, "/admin/delegations").status_code == 302
    assert "Đã thu hồi" in admin.get("/admin/delegations?state=revoked").get_data(as_text=True)
    html = admin.get("/admin/tokens").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in html and token not in html
    token_id = re.search(r'/admin/tokens/(\d+)/revoke', html).group(1)
    assert post_form(admin, f"/admin/tokens/{token_id}/revoke", {}, "/admin/tokens").status_code == 302
    assert call(app.test_client(), "GET", "/api/v1/work-items", token=token).status_code == 401
    assert [len(events(factory, a)) for a in ("delegation_created", "delegation_revoked")] == [1, 1]


def test_the_english_pages_are_translated(app, org):
    admin = admin_client(app)
    html = admin.get("/admin/users?lang=en").get_data(as_text=True)
    assert "Add user" in html and "Thêm người dùng" not in html
