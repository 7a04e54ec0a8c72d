"""Who may list, open, claim and complete a work item — the same answer from the engine, the pages and the API.

The item is the desk step of a dossier received at the province centre (role mot_cua, unit 000.00.01.H99).
An officer holding the same role at another unit, and a designer at the very same unit, are refused everything;
the rightful officer is allowed everything (so a refusal can never come from a broken setup); every refused
attempt through the pages or the API leaves an `access_refused` event naming who tried.
"""
from __future__ import annotations

import pytest
import versionpages
from apicalls import call, token_for
from webpages import PASSWORD, RECEPTION, csrf_token, login, receive

from engine import (
    Forbidden,
    claim_task,
    complete_task,
    create_user,
    get_work_item,
    grant_role,
    refusals,
    reject_version,
    submit_version,
    view_dossier,
)
from engine.infra.db import unit_of_work
from engine.views.inbox import list_inbox

OPERATIONS = ("list", "open_item", "claim", "complete", "open_dossier")
OUTSIDERS = ("motcua.hoabinh", "thietke.tinh")
OWNER = "motcua.tinh"
DESK_DATA = {"da_kiem_tra_thanh_phan": True, "ghi_chu_tiep_nhan": "Đủ thành phần"}


@pytest.fixture
def desk_item(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as session:
        page = list_inbox(session, org[OWNER], now, view="unit")
        item = next(item for item, _ in page.rows if item.dossier.code == receipt.code and item.name == RECEPTION)
        return item.id, receipt.code


def engine_attempt(factory, user_id, operation, item_id, code, now) -> bool:
    """True when the engine lets the user do it, False when it refuses with Forbidden."""
    with unit_of_work(factory) as session:
        try:
            if operation == "list":
                return any(item.id == item_id for view in ("mine", "unit", "due_soon", "overdue")
                           for item, _ in list_inbox(session, user_id, now, view=view).rows)
            if operation == "open_item":
                get_work_item(session, item_id, user_id, now)
            elif operation == "claim":
                claim_task(session, item_id, user_id, now)
            elif operation == "complete":
                complete_task(session, item_id, DESK_DATA, user_id, now)
            else:
                view_dossier(session, code, user_id, now)
        except Forbidden:
            return False
    return True


def page_attempt(client, operation, item_id, code) -> bool:
    if operation == "list":
        return any(f"/tasks/{item_id}\"" in client.get(f"/?view={view}").get_data(as_text=True)
                   for view in ("mine", "unit", "due_soon", "overdue"))
    token = csrf_token(client.get("/").get_data(as_text=True) if client.get("/").status_code == 200
                       else client.get("/procedures").get_data(as_text=True))
    response = {
        "open_item": lambda: client.get(f"/tasks/{item_id}"),
        "claim": lambda: client.post(f"/tasks/{item_id}/claim", data={"csrf_token": token}),
        "complete": lambda: client.post(f"/tasks/{item_id}", data={"csrf_token": token,
                                                                    "da_kiem_tra_thanh_phan": "true"}),
        "open_dossier": lambda: client.get(f"/dossiers/{code}"),
    }[operation]()
    refused = 404 if operation == "open_dossier" else 403  # another unit's dossier code: as if none existed
    assert response.status_code in (200, 302, refused), (operation, response.status_code)
    return response.status_code != refused


def api_attempt(client, token, operation, item_id, code) -> bool:
    if operation == "list":
        return any(row["id"] == item_id for view in ("mine", "unit")
                   for row in call(client, "GET", f"/api/v1/work-items?view={view}", token=token).get_json()["items"])
    response = {
        "open_item": lambda: call(client, "GET", f"/api/v1/work-items/{item_id}", token=token),
        "claim": lambda: call(client, "POST", f"/api/v1/work-items/{item_id}/claim", token=token),
        "complete": lambda: call(client, "POST", f"/api/v1/work-items/{item_id}/complete", token=token,
                                 json={"data": DESK_DATA}),
        "open_dossier": lambda: call(client, "GET", f"/api/v1/dossiers/{code}", token=token),
    }[operation]()
    refused = 404 if operation == "open_dossier" else 403  # another unit's dossier code: as if none existed
    assert response.status_code in (200, refused), (operation, response.status_code, response.get_json())
    return response.status_code == 200


def refused_by(factory, user_id) -> int:
    with unit_of_work(factory) as session:
        return sum(1 for event in refusals(session, limit=1000) if event.actor_id == user_id)


def expected_matrix():
    matrix = {(user, op): False for user in OUTSIDERS for op in OPERATIONS}
    matrix.update({(OWNER, op): True for op in OPERATIONS})
    return matrix


def test_engine_matrix(factory, org, now, desk_item):
    item_id, code = desk_item
    seen = {(user, op): engine_attempt(factory, org[user], op, item_id, code, now)
            for user in (*OUTSIDERS, OWNER) for op in OPERATIONS}
    assert seen == expected_matrix()


def test_pages_matrix_and_every_refusal_is_logged(app, factory, org, desk_item):
    item_id, code = desk_item
    seen = {}
    for user in (*OUTSIDERS, OWNER):
        client = app.test_client()
        login(client, user)
        before = refused_by(factory, org[user])
        for op in OPERATIONS:
            seen[user, op] = page_attempt(client, op, item_id, code)
        refused_ops = [op for op in OPERATIONS if op != "list" and not seen[user, op]]
        assert refused_by(factory, org[user]) - before == len(refused_ops), user
    assert seen == expected_matrix()


def test_api_matrix_and_every_refusal_is_logged(client, factory, org, desk_item):
    item_id, code = desk_item
    seen = {}
    for user in (*OUTSIDERS, OWNER):
        token = token_for(client, user)
        before = refused_by(factory, org[user])
        for op in OPERATIONS:
            seen[user, op] = api_attempt(client, token, op, item_id, code)
        refused_ops = [op for op in OPERATIONS if op != "list" and not seen[user, op]]
        assert refused_by(factory, org[user]) - before == len(refused_ops), user
    assert seen == expected_matrix()


def test_a_citizen_without_the_secret_learns_nothing(client, app, factory, org, now):
    receipt = receive(factory, org, now)
    wrong = "AAAAAAAA" if receipt.secret != "AAAAAAAA" else "BBBBBBBB"
    answers = [
        call(client, "GET", f"/api/v1/public/dossiers/{receipt.code}?secret={wrong}"),
        call(client, "GET", f"/api/v1/public/dossiers/{receipt.code}"),
        call(client, "GET", f"/api/v1/dossiers/{receipt.code}"),  # no token
        call(client, "GET", "/api/v1/public/dossiers/000.00.01.H99-260302-9999?secret=" + receipt.secret),
    ]
    citizen = app.test_client()
    token = csrf_token(citizen.get(f"/tra-cuu?code={receipt.code}").get_data(as_text=True))
    answers.append(citizen.post("/tra-cuu", data={"csrf_token": token, "code": receipt.code,
                                                              "secret": wrong}))
    for response in answers:
        assert response.status_code in (400, 401, 404, 422)
        text = response.get_data(as_text=True)
        for secret_fact in ("Hoàng Văn Dũng", "Đính chính", "001085012345", "0912345678", "Đang xử lý",
                            "Được tiếp nhận"):
            assert secret_fact not in text, (response.request.path, secret_fact)
    with unit_of_work(factory) as session:
        logged = [event.detail for event in refusals(session, limit=1000)]
    assert len(logged) >= 4 and not any(receipt.secret in str(detail) for detail in logged)


# ---- The version pages: designers and administrators read them; only an administrator of the procedure's level
# who did not author the version approves or rejects it; an officer sees none of them. ----
VERSION_OPERATIONS = ("list", "procedure", "version", "diagram", "approve", "reject")
VERSION_PAGE = f"/versions/{versionpages.CODE}/2"
VERSION_MATRIX = {
    "motcua.tinh": dict.fromkeys(VERSION_OPERATIONS, False),
    "thietke.tinh": {**dict.fromkeys(VERSION_OPERATIONS, True), "approve": False, "reject": False},
    "thietke.quantri": {**dict.fromkeys(VERSION_OPERATIONS, True), "approve": False, "reject": False},
    "quantri.tinh": dict.fromkeys(VERSION_OPERATIONS, True),
}


@pytest.fixture
def authored_version(factory, org, now, tmp_path):
    """Version 2, sent back once and resubmitted by a user who is both designer and administrator: its author."""
    number = versionpages.second_version(factory, now, tmp_path)
    with unit_of_work(factory) as session:
        both = create_user(session, "thietke.quantri", "Hà Minh Châu", PASSWORD, now)
        grant_role(session, both, "thiet_ke", "000.00.01.H99")
        grant_role(session, both, "quan_tri", "000.00.01.H99")
        reject_version(session, versionpages.SLUG, number, org["quantri.tinh"], now, "Làm lại")
        submit_version(session, versionpages.SLUG, number, both.id, now)
        return both.id


def version_attempt(client, operation) -> bool:
    pages = {"list": "/versions", "procedure": f"/versions/{versionpages.CODE}", "version": VERSION_PAGE,
             "diagram": f"{VERSION_PAGE}/files/process.bpmn"}
    if operation in pages:
        response = client.get(pages[operation])
    else:
        token = csrf_token(client.get("/procedures").get_data(as_text=True))
        data = {"csrf_token": token, **({"note": "Chưa đạt"} if operation == "reject" else {
            "decision_number": "1/QĐ", "decision_date": "2026-03-01", "decision_signer": "A", "when": "now"})}
        response = client.post(f"{VERSION_PAGE}/{operation}", data=data)
    assert response.status_code in (200, 302, 403), (operation, response.status_code)
    return response.status_code != 403


def test_version_pages_matrix_and_every_refusal_is_logged(app, factory, org, authored_version):
    ids = {**org, "thietke.quantri": authored_version}
    seen = {}
    # the rightful administrator last: approving changes the version's state for everyone after
    for user in ("motcua.tinh", "thietke.tinh", "thietke.quantri", "quantri.tinh"):
        client = app.test_client()
        login(client, user)
        before = refused_by(factory, ids[user])
        operations = [op for op in VERSION_OPERATIONS if op != "reject"] if user == "quantri.tinh" \
            else VERSION_OPERATIONS  # the administrator approves; rejecting it next would be a conflict
        seen[user] = {op: version_attempt(client, op) for op in operations}
        assert refused_by(factory, ids[user]) - before == sum(not ok for ok in seen[user].values()), user
    expected = {user: {op: ok for op, ok in row.items() if op in seen[user]} for user, row in VERSION_MATRIX.items()}
    assert seen == expected


def test_the_author_administrator_is_told_why_they_cannot_approve(app, authored_version):
    client = app.test_client()
    login(client, "thietke.quantri")
    assert "Phê duyệt</button>" not in client.get(VERSION_PAGE).get_data(as_text=True)
    assert not version_attempt(client, "approve")
    token = csrf_token(client.get("/procedures").get_data(as_text=True))
    refused = client.post(f"{VERSION_PAGE}/approve", data={"csrf_token": token, "decision_number": "1/QĐ",
                                                           "decision_date": "2026-03-01", "decision_signer": "A"})
    assert "không được tự phê duyệt" in refused.get_data(as_text=True)


# ---- The operations pages: only an administrator reads them or acts; each refused attempt is logged once. ----
OPERATIONS_PAGES = ("/operations", "/operations/instances", "/operations/messages", "/operations/notifications",
                    "/operations/unassignable", "/operations/audit", "/operations/audit.xlsx")
OPERATIONS_POSTS = ("instances/{instance}/retry", "instances/{instance}/suspend", "instances/{instance}/resume",
                    "instances/{instance}/terminate", "messages/{message}/retry", "notifications/{notice}/resend")


@pytest.fixture
def operated(factory, org, now):
    """A dossier, its running instance, a failed liên thông message and a failed notice, for the POSTs to aim at."""
    from sqlalchemy import select

    from engine.models import Message, Notification, ProcessInstance

    receipt = receive(factory, org, now)
    with unit_of_work(factory) as session:
        instance = session.scalar(select(ProcessInstance))
        message = Message(name="ket_qua", correlation=receipt.code, payload={}, state="error", attempts=5,
                          sender_instance_id=instance.id, created_at=now)
        notice = Notification(dossier_id=instance.dossier_id, kind="receipt", channel="sms", recipient="0912345678",
                              body="b", state="failed", attempts=5, created_at=now)
        session.add_all([message, notice])
        session.flush()
        return {"instance": instance.id, "message": message.id, "notice": notice.id, "code": receipt.code}


def test_operations_pages_only_for_the_administrator_and_every_refusal_is_logged(app, factory, org, operated):
    pages = (*OPERATIONS_PAGES, f"/operations/dossiers/{operated['code']}")
    posts = [f"/operations/{path.format(**operated)}" for path in OPERATIONS_POSTS]
    for user in ("motcua.tinh", "thietke.tinh"):
        client = app.test_client()
        login(client, user)
        token = csrf_token(client.get("/procedures").get_data(as_text=True))
        for url in pages:
            before = refused_by(factory, org[user])
            assert client.get(url).status_code == 403, (user, url)
            assert refused_by(factory, org[user]) - before == 1, (user, url)
        for url in posts:
            before = refused_by(factory, org[user])
            assert client.post(url, data={"csrf_token": token, "reason": "Thử"}).status_code == 403, (user, url)
            assert refused_by(factory, org[user]) - before == 1, (user, url)
    client = app.test_client()
    login(client, "quantri.tinh")
    for url in pages:
        assert client.get(url).status_code == 200, url
    token = csrf_token(client.get("/operations").get_data(as_text=True))
    # suspend, resume, then terminate: each starts from where the one before left the instance
    for url in [posts[1], posts[2], posts[3], posts[4], posts[5]]:
        assert client.post(url, data={"csrf_token": token, "reason": "Hồ sơ thử"}).status_code == 302, url
    assert refused_by(factory, org["quantri.tinh"]) == 0


# ---- The administration pages: only an administrator opens them or posts to them; an officer and a designer get
# 403 on every one, and each refusal is logged once. ----
@pytest.fixture
def admin_targets(factory, org, now):
    """What the administration posts act on: a unit, a membership, a delegation, an API token, a role."""
    from datetime import timedelta

    from sqlalchemy import select

    from engine import create_delegation, issue_token
    from engine.models import Membership, Role, Unit

    with unit_of_work(factory) as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "000.21.01.H99"))
        membership_id = session.scalar(select(Membership.id).where(Membership.user_id == org["vanthu.vpdk"]))
        delegation = create_delegation(session, from_user_id=org["lanhdao.vpdk"], to_user_id=org["chuyenvien.vpdk"],
                                       role_key="lanh_dao", unit_code="000.21.01.H99", valid_from=now,
                                       valid_to=now + timedelta(days=3), signature_form="TUQ.",
                                       actor_id=org["lanhdao.vpdk"], now=now)
        issue_token(session, "motcua.tinh", PASSWORD, now, hours=8)
        role_id = session.scalar(select(Role.id).where(Role.key == "van_thu"))
        return {"unit": unit_id, "membership": membership_id, "delegation": delegation.id, "token": 1,
                "role": role_id, "user": org["vanthu.vpdk"], "from": org["lanhdao.vpdk"],
                "to": org["chuyenvien.vpdk"]}


def admin_requests(t):
    """Every administration page (GET) and form (POST), in an order an administrator can run them all."""
    user, unit = f"/admin/users/{t['user']}", f"/admin/units/{t['unit']}"
    return [
        ("GET", "/admin/", None), ("GET", "/admin/units", None), ("GET", "/admin/units/new", None),
        ("GET", unit, None), ("GET", f"{unit}/calendar?year=2026&received_at=2026-03-02T09:00&days=8", None),
        ("GET", "/admin/users?q=van", None), ("GET", "/admin/users/new", None), ("GET", user, None),
        ("GET", "/admin/roles", None), ("GET", "/admin/delegations", None), ("GET", "/admin/tokens", None),
        ("POST", "/admin/units/new", {"code": "000.22.01.H99", "name": "Phòng Tư pháp", "level": "tinh",
                                      "office_hours": "07:30-11:30,13:30-17:00"}),
        ("POST", unit, {"code": "000.21.01.H99", "name": "Chi nhánh VPĐKĐĐ", "level": "tinh",
                        "place_name": "Hòa Bình", "office_hours": "07:30-11:30,13:30-17:00"}),
        ("POST", f"{unit}/calendar", {"day": "2026-03-05", "working": "0", "note": "Nghỉ theo thông báo"}),
        ("POST", f"{unit}/calendar/2026-03-05/remove", {}),
        ("POST", "/admin/users/new", {"username": "ha.nguyet", "full_name": "Hà Thị Nguyệt",
                                      "password": "mat-khau-moi-1", "password_again": "mat-khau-moi-1"}),
        ("POST", f"{user}/name", {"full_name": "Phạm Thị Hoa"}),
        ("POST", f"{user}/password", {"password": "mat-khau-moi-1", "password_again": "mat-khau-moi-1"}),
        ("POST", f"{user}/disable", {}), ("POST", f"{user}/enable", {}),
        ("POST", f"{user}/memberships/{t['membership']}/remove", {}),
        ("POST", f"{user}/memberships", {"role_id": str(t["role"]), "unit_id": str(t["unit"])}),
        ("POST", "/admin/roles", {"key": "tu_phap", "name": "Công chức tư pháp"}),
        ("POST", f"/admin/roles/{t['role']}", {"name": "Văn thư đơn vị"}),
        ("POST", "/admin/delegations", {"from_user_id": str(t["from"]), "to_user_id": str(t["to"]),
                                        "scope": "lanh_dao@000.21.01.H99", "valid_from": "2026-03-02T08:00",
                                        "valid_to": "2026-03-04T17:00", "signature_form": "KT."}),
        ("POST", f"/admin/delegations/{t['delegation']}/revoke", {}),
        ("POST", f"/admin/tokens/{t['token']}/revoke", {}),
    ]


def test_admin_pages_matrix_and_every_refusal_is_logged(app, factory, org, admin_targets):
    requests = admin_requests(admin_targets)
    for user in ("motcua.tinh", "thietke.tinh", "quantri.tinh"):
        client = app.test_client()
        login(client, user)
        token = csrf_token(client.get("/procedures").get_data(as_text=True))
        before = refused_by(factory, org[user])
        statuses = [(url, (client.get(url) if method == "GET" else
                           client.post(url, data={"csrf_token": token, **data})).status_code)
                    for method, url, data in requests]
        if user == "quantri.tinh":
            assert [s for s in statuses if s[1] not in (200, 302)] == [], statuses
            assert refused_by(factory, org[user]) == before
        else:
            assert [s for s in statuses if s[1] != 403] == [], (user, statuses)
            assert refused_by(factory, org[user]) - before == len(requests), user
