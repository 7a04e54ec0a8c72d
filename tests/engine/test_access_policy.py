"""The one access policy: grants read once per unit of work, delegations limited to their procedure everywhere."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from engine import Forbidden, complete_task, grants_of, view_dossier
from engine.infra.db import unit_of_work
from engine.onestop.delegations import create_delegation, revoke_delegation

from tests.driving import open_items

from .test_dinh_chinh_gcn import do, receive

APPRAISAL = {"noi_dung_sai_sot": "Sai tên", "nguyen_nhan": "Nhập liệu", "de_xuat": "dinh_chinh"}


def delegate_to_tax_officer(factory, org, now, procedure_code):
    """The land registry's leader lets the tax officer (no role at the registry or the centre) approve for
    three days, for one procedure only."""
    with unit_of_work(factory) as s:
        return create_delegation(s, from_user_id=org["lanhdao.vpdk"], to_user_id=org["thue.coso"],
                                 role_key="lanh_dao", unit_code="000.21.01.H99", valid_from=now,
                                 valid_to=now + timedelta(days=3), signature_form="TUQ.",
                                 actor_id=org["lanhdao.vpdk"], now=now, procedure_code=procedure_code).id


def at_approval(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    return receipt


def test_a_delegate_for_another_procedure_cannot_open_the_dossier(factory, org, now):
    receipt = at_approval(factory, org, now)  # a dinh-chinh-gcn dossier waiting at lanh_dao@VPĐK
    delegate_to_tax_officer(factory, org, now, "dang-ky-bien-dong-dat-dai")
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            view_dossier(s, receipt.code, org["thue.coso"], now)
    with unit_of_work(factory) as s:
        assert open_items(s, org["thue.coso"], now=now) == []


def test_a_delegate_for_the_procedure_opens_and_works_the_dossier_while_valid(factory, org, now):
    receipt = at_approval(factory, org, now)
    delegation_id = delegate_to_tax_officer(factory, org, now, "dinh-chinh-gcn")
    with unit_of_work(factory) as s:
        assert view_dossier(s, receipt.code, org["thue.coso"], now).code == receipt.code
        [item] = open_items(s, org["thue.coso"], now=now)
        assert item.bpmn_id == "ut_phe_duyet"
    with pytest.raises(Forbidden):  # the delegation has ended
        with unit_of_work(factory) as s:
            view_dossier(s, receipt.code, org["thue.coso"], now + timedelta(days=4))
    with unit_of_work(factory) as s:
        revoke_delegation(s, delegation_id, org["lanhdao.vpdk"], now)
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            complete_task(s, item.id, {"quyet_dinh": "dong_y"}, org["thue.coso"], now)


def test_grants_are_read_once_per_unit_of_work(factory, org, now):
    receipt = at_approval(factory, org, now)
    statements = []
    with unit_of_work(factory) as s:
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(s.get_bind(), "before_cursor_execute", listener)
        try:
            first = grants_of(s, org["lanhdao.vpdk"])
            view_dossier(s, receipt.code, org["lanhdao.vpdk"], now)
            open_items(s, org["lanhdao.vpdk"], now=now)
            assert grants_of(s, org["lanhdao.vpdk"]) is first
        finally:
            event.remove(s.get_bind(), "before_cursor_execute", listener)
    assert sum(1 for sql in statements if "membership" in sql.lower()) == 1
