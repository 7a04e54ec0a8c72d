"""Administration in the engine: units, calendars, accounts, memberships, roles, delegations and API tokens are
changed by administrators only, with every field's errors at once, duplicates refused and every change audited."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    ValidationFailed,
    account_page,
    add_calendar_override,
    add_membership,
    authenticate,
    calendar_year,
    create_account,
    create_delegation,
    create_role,
    create_unit,
    delegations_page,
    get_unit,
    grants_of,
    issue_token,
    list_accounts,
    list_roles,
    list_tokens,
    preview_due,
    remove_calendar_override,
    remove_membership,
    rename_account,
    rename_role,
    reset_password,
    revoke_delegation,
    set_account_active,
    unit_form,
    unit_tree,
    update_unit,
    user_id_for_token,
    withdraw_token,
)
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.models import Event, Membership, Role
from engine.org.calendar import unit_calendar

PASSWORD = "mat-khau-thu-nghiem"
ADMIN, OFFICER, DESIGNER = "quantri.tinh", "motcua.tinh", "thietke.tinh"
NEW_UNIT = dict(code="000.22.01.H99", name="Phòng Tài nguyên và Môi trường", parent_id=None, level="tinh",
                place_name="Hòa Bình", office_hours="07:30-11:30,13:30-17:00", saturday_morning=False)


def actions(session, action):
    return [e.detail for e in session.scalars(select(Event).where(Event.action == action).order_by(Event.id))]


def unit_id(session, code="000.21.01.H99"):
    return get_unit(session, code).id


def test_only_an_administrator_administers(factory, org, now):
    calls = [
        lambda s, a: unit_tree(s, a), lambda s, a: unit_form(s, a),
        lambda s, a: create_unit(s, a, now, **NEW_UNIT),
        lambda s, a: update_unit(s, a, unit_id(s), now, **{**NEW_UNIT, "code": "000.21.01.H99"}),
        lambda s, a: calendar_year(s, a, unit_id(s), 2026),
        lambda s, a: add_calendar_override(s, a, unit_id(s), date(2026, 3, 5), False, "Nghỉ", now),
        lambda s, a: remove_calendar_override(s, a, unit_id(s), date(2026, 3, 5), now),
        lambda s, a: preview_due(s, a, unit_id(s), now, Decimal(5)),
        lambda s, a: list_accounts(s, a), lambda s, a: account_page(s, a, org["chuyenvien.vpdk"]),
        lambda s, a: create_account(s, a, username="x.y", full_name="X", password=PASSWORD, password_again=PASSWORD,
                                    now=now),
        lambda s, a: rename_account(s, a, org["chuyenvien.vpdk"], "Tên khác", now),
        lambda s, a: set_account_active(s, a, org["chuyenvien.vpdk"], False, now),
        lambda s, a: reset_password(s, a, org["chuyenvien.vpdk"], "mat-khau-moi-1", "mat-khau-moi-1", now),
        lambda s, a: add_membership(s, a, org["chuyenvien.vpdk"], 1, 1, now),
        lambda s, a: remove_membership(s, a, org["chuyenvien.vpdk"], 1, now),
        lambda s, a: list_roles(s, a), lambda s, a: create_role(s, a, "kiem_soat", "Kiểm soát", now),
        lambda s, a: rename_role(s, a, 1, "Tên mới", now),
        lambda s, a: delegations_page(s, a, now), lambda s, a: list_tokens(s, a, now),
        lambda s, a: withdraw_token(s, a, 1, now),
        lambda s, a: create_delegation(s, from_user_id=org["lanhdao.vpdk"], to_user_id=org["chuyenvien.vpdk"],
                                       role_key="lanh_dao", unit_code="000.21.01.H99", valid_from=now,
                                       valid_to=now + timedelta(days=1), signature_form="TUQ.", actor_id=a, now=now),
    ]
    for user in (OFFICER, DESIGNER):
        for number, call in enumerate(calls):
            with pytest.raises(Forbidden), unit_of_work(factory) as session:
                call(session, org[user])
                pytest.fail(f"call {number} let {user} through")


def test_a_unit_is_created_in_the_tree_with_every_error_at_once_and_a_unique_code(factory, org, now):
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as caught:
        create_unit(s, org[ADMIN], now, code="", name=" ", parent_id=None, level="", office_hours="8-5")
    assert set(caught.value.errors) == {"code", "name", "level", "office_hours"}
    with unit_of_work(factory) as s:
        province = unit_id(s, "000.00.01.H99")
        child = create_unit(s, org[ADMIN], now, **{**NEW_UNIT, "parent_id": province})
        child_id = child.id
        assert actions(s, "unit_created")[-1]["code"] == "000.22.01.H99"
    with unit_of_work(factory) as s, pytest.raises(Conflict) as taken:
        create_unit(s, org[ADMIN], now, **NEW_UNIT)
    assert taken.value.details["field"] == "code"
    with unit_of_work(factory) as s:
        tree = [(n.unit.code, n.depth) for n in unit_tree(s, org[ADMIN])]
        assert tree.index(("000.22.01.H99", 2)) == tree.index(("000.00.01.H99", 1)) + 1  # under the province
        # a unit cannot move below itself or below one of its own units
        _, parents = unit_form(s, org[ADMIN], province)
        assert child_id not in {n.unit.id for n in parents} and province not in {n.unit.id for n in parents}
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as cycle:
        update_unit(s, org[ADMIN], province, now, code="000.00.01.H99", name="Trung tâm", parent_id=child_id,
                    level="tinh", office_hours="07:30-11:30,13:30-17:00")
    assert set(cycle.value.errors) == {"parent_id"}
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as upward:
        create_unit(s, org[ADMIN], now, **{**NEW_UNIT, "code": "X1", "level": "tinh",
                                             "parent_id": unit_id(s, "000.00.11.H99")})
    assert set(upward.value.errors) == {"parent_id"}  # a province unit below a commune


def test_editing_office_hours_changes_the_calendar_at_once_and_is_audited(factory, org, now):
    with unit_of_work(factory) as s:
        branch = unit_id(s)
        assert unit_calendar(s, branch).saturday_morning is False
        update_unit(s, org[ADMIN], branch, now, code="000.21.01.H99", name="Chi nhánh VPĐKĐĐ khu vực Trung tâm",
                    parent_id=None, level="tinh", place_name="Hòa Bình", office_hours="07:00-11:00,13:00-16:30",
                    saturday_morning=True)
        calendar = unit_calendar(s, branch)
        assert calendar.saturday_morning and calendar.sessions[-1][1].hour == 16
        [event] = actions(s, "unit_updated")
        assert event["after"]["place_name"] == "Hòa Bình" and event["before"]["saturday_morning"] is False


def test_calendar_overrides_move_the_previewed_due_date_and_can_be_removed(factory, org, now):
    received = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)
    with unit_of_work(factory) as s:
        branch = unit_id(s)
        before = preview_due(s, org[ADMIN], branch, received, Decimal(8))
        assert before.isoformat() == "2026-03-12T17:00:00+07:00"
        add_calendar_override(s, org[ADMIN], branch, date(2026, 3, 5), False, "Nghỉ theo thông báo của tỉnh", now)
        assert preview_due(s, org[ADMIN], branch, received, Decimal(8)).date() == date(2026, 3, 13)
        add_calendar_override(s, org[ADMIN], branch, date(2026, 3, 7), True, "Làm bù thứ Bảy", now)
        assert preview_due(s, org[ADMIN], branch, received, Decimal(8)).date() == date(2026, 3, 12)
        year = calendar_year(s, org[ADMIN], branch, 2026)
        cells = {c.day: c for m in year.months for w in m.weeks for c in w if c}
        assert (cells[date(2026, 3, 5)].kind, cells[date(2026, 3, 7)].kind) == ("off", "swapped")
        assert cells[date(2026, 9, 2)].kind == "holiday" and cells[date(2026, 9, 2)].label == "Quốc khánh"
        assert cells[date(2026, 3, 8)].kind == "weekend" and cells[date(2026, 3, 9)].kind == "working"
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as caught:
        add_calendar_override(s, org[ADMIN], branch, date(2026, 3, 8), False, "", now)  # Sunday, no note
    assert set(caught.value.errors) == {"day", "note"}
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        add_calendar_override(s, org[ADMIN], branch, date(2026, 3, 5), False, "Lần nữa", now)
    with unit_of_work(factory) as s:
        remove_calendar_override(s, org[ADMIN], branch, date(2026, 3, 5), now)
        assert preview_due(s, org[ADMIN], branch, received, Decimal(8)).date() < date(2026, 3, 12)
        assert [e["day"] for e in actions(s, "calendar_day_cleared")] == ["2026-03-05"]
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        remove_calendar_override(s, org[ADMIN], branch, date(2026, 3, 5), now)  # Back and resubmit
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as bad:
        preview_due(s, org[ADMIN], branch, None, Decimal("-1"))
    assert set(bad.value.errors) == {"received_at", "days"}


def test_accounts_are_created_found_without_diacritics_locked_and_reset(factory, org, now):
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as caught:
        create_account(s, org[ADMIN], username="Đỗ Mai", full_name="", password="ngan", password_again="", now=now)
    assert set(caught.value.errors) == {"username", "full_name", "password"}
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as mismatch:
        create_account(s, org[ADMIN], username="ha.nguyet", full_name="Hà Thị Nguyệt", password=PASSWORD,
                       password_again=PASSWORD + "x", now=now)
    assert set(mismatch.value.errors) == {"password_again"}
    with unit_of_work(factory) as s:
        user = create_account(s, org[ADMIN], username="ha.nguyet", full_name="Hà Thị Nguyệt", password=PASSWORD,
                              password_again=PASSWORD, now=now)
        user_id = user.id
        found = list_accounts(s, org[ADMIN], "ha thi nguyet")
        assert [u.username for u, _ in found.rows] == ["ha.nguyet"]
        assert "password" not in str(actions(s, "account_created"))
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        create_account(s, org[ADMIN], username="ha.nguyet", full_name="Hà Thị Nguyệt", password=PASSWORD,
                       password_again=PASSWORD, now=now)
    with unit_of_work(factory) as s:
        token, _ = issue_token(s, "ha.nguyet", PASSWORD, now, hours=8)
        set_account_active(s, org[ADMIN], user_id, False, now)
    with unit_of_work(factory) as s:
        with pytest.raises(AuthenticationFailed):
            authenticate(s, "ha.nguyet", PASSWORD)
        with pytest.raises(AuthenticationFailed):
            user_id_for_token(s, token, now)
        assert list_accounts(s, org[ADMIN], "nguyet", active=False).total == 1
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        set_account_active(s, org[ADMIN], user_id, False, now)  # a second click
    with unit_of_work(factory) as s:
        set_account_active(s, org[ADMIN], user_id, True, now)
        reset_password(s, org[ADMIN], user_id, "mat-khau-moi-123", "mat-khau-moi-123", now)
        rename_account(s, org[ADMIN], user_id, "  Hà  Thị Nguyệt Ánh ", now)
    with unit_of_work(factory) as s:
        assert authenticate(s, "ha.nguyet", "mat-khau-moi-123").full_name == "Hà Thị Nguyệt Ánh"
        with pytest.raises(AuthenticationFailed):
            authenticate(s, "ha.nguyet", PASSWORD)
        assert [len(actions(s, a)) for a in ("account_disabled", "account_enabled", "password_reset",
                                               "account_renamed")] == [1, 1, 1, 1]
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed):
        set_account_active(s, org[ADMIN], org[ADMIN], False, now)  # never lock yourself out


def test_memberships_change_the_grants_within_the_same_unit_of_work(factory, org, now):
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        role = s.scalar(select(Role).where(Role.key == "lanh_dao_phong"))
        branch = unit_id(s)
        assert not grants_of(s, specialist).holds("lanh_dao_phong", branch)
        membership = add_membership(s, org[ADMIN], specialist, role.id, branch, now)
        assert grants_of(s, specialist).holds("lanh_dao_phong", branch)
        with pytest.raises(Conflict):
            add_membership(s, org[ADMIN], specialist, role.id, branch, now)
        remove_membership(s, org[ADMIN], specialist, membership.id, now)
        assert not grants_of(s, specialist).holds("lanh_dao_phong", branch)
        assert [e["role"] for e in actions(s, "membership_removed")] == ["lanh_dao_phong"]
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        remove_membership(s, org[ADMIN], specialist, membership.id, now)  # already gone
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as caught:
        add_membership(s, org[ADMIN], specialist, None, None, now)
    assert set(caught.value.errors) == {"role_id", "unit_id"}
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed):
        own = s.scalar(select(Membership.id).where(Membership.user_id == org[ADMIN]))
        remove_membership(s, org[ADMIN], org[ADMIN], own, now)  # an administrator keeps their own role


def test_a_role_key_is_a_lane_name_and_only_its_name_changes(factory, org, now):
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as caught:
        create_role(s, org[ADMIN], "Kiểm Soát", "", now)
    assert set(caught.value.errors) == {"key", "name"}
    with unit_of_work(factory) as s:
        role = create_role(s, org[ADMIN], "kiem_soat", "Kiểm soát viên", now)
        rename_role(s, org[ADMIN], role.id, "Cán bộ kiểm soát", now)
        assert (role.key, role.name) == ("kiem_soat", "Cán bộ kiểm soát")
        assert actions(s, "role_renamed")[0]["before"] == "Kiểm soát viên"
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        create_role(s, org[ADMIN], "kiem_soat", "Trùng", now)


def test_an_administrator_records_and_revokes_a_delegation_for_the_delegator(factory, org, now):
    values = dict(from_user_id=org["lanhdao.vpdk"], to_user_id=org["chuyenvien.vpdk"], role_key="lanh_dao",
                  unit_code="000.21.01.H99", valid_from=now, valid_to=now + timedelta(days=3),
                  signature_form="KT.", actor_id=org[ADMIN], now=now)
    with unit_of_work(factory) as s, pytest.raises(ValidationFailed) as caught:
        create_delegation(s, **{**values, "from_user_id": org["vanthu.vpdk"]})  # holds no lanh_dao there
    assert set(caught.value.errors) == {"scope"}
    with unit_of_work(factory) as s, pytest.raises(Forbidden):
        create_delegation(s, **{**values, "actor_id": org["chuyenvien.vpdk"]})  # not for someone else
    with unit_of_work(factory) as s:
        delegation = create_delegation(s, **values)
        upcoming = create_delegation(s, **{**values, "valid_from": now + timedelta(days=5),
                                           "valid_to": now + timedelta(days=6)})
        assert grants_of(s, org["chuyenvien.vpdk"]).may_work("lanh_dao", delegation.unit_id, None, now)
        page = delegations_page(s, org[ADMIN], now)
        assert {r.delegation.id: r.state for r in page.rows} == {delegation.id: "active", upcoming.id: "upcoming"}
        assert ("lanh_dao@000.21.01.H99", "Lãnh đạo đơn vị", "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm") \
            in page.scopes and not any(key.startswith("quan_tri@") for key, _, _ in page.scopes)
        assert actions(s, "delegation_created")[0]["from_user_id"] == org["lanhdao.vpdk"]
        revoke_delegation(s, delegation.id, org[ADMIN], now)
        assert not grants_of(s, org["chuyenvien.vpdk"]).may_work("lanh_dao", delegation.unit_id, None, now)
        assert [r.state for r in delegations_page(s, org[ADMIN], now, "revoked").rows] == ["revoked"]
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        revoke_delegation(s, delegation.id, org[ADMIN], now)


def test_tokens_are_listed_without_their_secret_and_revoked_by_number(factory, org, now):
    with unit_of_work(factory) as s:
        token, _ = issue_token(s, OFFICER, PASSWORD, now, hours=8)
    with unit_of_work(factory) as s:
        [(record, holder, state)] = list_tokens(s, org[ADMIN], now)
        assert (holder.username, state) == (OFFICER, "valid") and token not in str(vars(record))
        withdraw_token(s, org[ADMIN], record.id, now)
        assert actions(s, "api_token_revoked")[-1] == {"token_id": record.id, "user_id": org[OFFICER]}
    with unit_of_work(factory) as s:
        with pytest.raises(AuthenticationFailed):
            user_id_for_token(s, token, now)
        assert list_tokens(s, org[ADMIN], now)[0][2] == "revoked"
        with pytest.raises(Conflict):
            withdraw_token(s, org[ADMIN], record.id, now)
