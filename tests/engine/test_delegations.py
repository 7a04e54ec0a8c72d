"""Ủy quyền: a delegate acts in the delegator's role while the delegation is valid, and it shows."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine import complete_task, get_work_item

from tests.driving import open_items
from engine.infra.db import unit_of_work
from engine.onestop.delegations import create_delegation, revoke_delegation
from engine.infra.errors import Forbidden, ValidationFailed
from engine.models import WorkItem

from .test_dinh_chinh_gcn import do, receive

APPRAISAL = {"noi_dung_sai_sot": "Sai tên", "nguyen_nhan": "Nhập liệu", "de_xuat": "dinh_chinh"}


def delegate(factory, org, now, **overrides):
    values = dict(from_user_id=org["lanhdao.vpdk"], to_user_id=org["chuyenvien.vpdk"], role_key="lanh_dao",
                  unit_code="000.21.01.H99", valid_from=now, valid_to=now + timedelta(days=3),
                  signature_form="TUQ.", actor_id=org["lanhdao.vpdk"], now=now)
    values.update(overrides)
    with unit_of_work(factory) as s:
        return create_delegation(s, **values).id


def test_delegate_completes_the_approval_and_the_signature_form_is_recorded(factory, org, now):
    receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        assert [i.bpmn_id for i in open_items(s, specialist, now=now)] == []
    delegate(factory, org, now)
    with unit_of_work(factory) as s:
        [item] = open_items(s, specialist, now=now)
        assert item.bpmn_id == "ut_phe_duyet"
        assert open_items(s, specialist) == []  # without a time, only roles held count
        completion = complete_task(s, item.id, {"quyet_dinh": "dong_y"}, specialist, now)
    assert (completion.signature_form, completion.on_behalf_of) == ("TUQ.", "Lê Hoàng Nam")
    with unit_of_work(factory) as s:
        done = s.get(WorkItem, item.id)
        assert (done.completed_by_id, done.on_behalf_of_id, done.signature_form) == (
            specialist, org["lanhdao.vpdk"], "TUQ.")


def test_expired_or_revoked_delegation_gives_nothing(factory, org, now):
    receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    delegation_id = delegate(factory, org, now)
    specialist = org["chuyenvien.vpdk"]
    later = now + timedelta(days=4)
    with unit_of_work(factory) as s:
        assert open_items(s, specialist, now=later) == []
        item_id = open_items(s, org["lanhdao.vpdk"])[0].id
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            get_work_item(s, item_id, specialist, later)
    with unit_of_work(factory) as s:
        revoke_delegation(s, delegation_id, org["lanhdao.vpdk"], now)
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            complete_task(s, item_id, {"quyet_dinh": "dong_y"}, specialist, now)


def test_only_the_role_holder_can_delegate_and_only_validly(factory, org, now):
    with pytest.raises(Forbidden):
        delegate(factory, org, now, from_user_id=org["vanthu.vpdk"], actor_id=org["vanthu.vpdk"])
    with pytest.raises(ValidationFailed) as caught:
        delegate(factory, org, now, valid_to=now, signature_form="XYZ")
    assert set(caught.value.errors) == {"valid_to", "signature_form"}


def test_a_delegation_for_one_procedure_gives_nothing_in_another(factory, org, now):
    from engine import receive_dossier

    with unit_of_work(factory) as s:  # the first work item is a land one, where an uncorrelated subquery would look
        receive_dossier(s, procedure_code="dang-ky-bien-dong-dat-dai", applicant={"name": "Lê Văn Tám"},
                        channel="direct", received_at=now, receiving_unit_code="000.00.11.H99",
                        actor_id=org["motcua.hoabinh"], now=now)
    receive(factory, org, now)
    with unit_of_work(factory) as s:  # not `do`: the commune's desk sees its own land reception step too
        [desk] = open_items(s, org["motcua.tinh"])
        complete_task(s, desk.id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    delegate(factory, org, now, procedure_code="dang-ky-bien-dong-dat-dai")
    with unit_of_work(factory) as s:
        assert "ut_phe_duyet" not in [i.bpmn_id for i in open_items(s, org["chuyenvien.vpdk"], now=now)]
    delegate(factory, org, now, procedure_code="dinh-chinh-gcn")
    with unit_of_work(factory) as s:
        assert "ut_phe_duyet" in [i.bpmn_id for i in open_items(s, org["chuyenvien.vpdk"], now=now)]


def test_a_completion_names_the_next_step_its_delegate_may_take_only_while_the_delegation_holds(factory, org, now):
    """What a completion answers comes next (items_to_take) follows the same policy as the inbox: the approval is
    the specialist's next step under a valid delegation scoped to this procedure, and nobody's once it expired."""
    from engine import items_to_take

    receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    delegate(factory, org, now, procedure_code="dinh-chinh-gcn")
    done = do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        assert [i.bpmn_id for i in items_to_take(s, done.dossier_id, specialist, now)] == ["ut_phe_duyet"]
    with unit_of_work(factory) as s:
        assert items_to_take(s, done.dossier_id, specialist, now + timedelta(days=4)) == []
        assert [i.bpmn_id for i in items_to_take(s, done.dossier_id, org["lanhdao.vpdk"], now)] == ["ut_phe_duyet"]
        assert items_to_take(s, done.dossier_id, org["motcua.tinh"], now) == []
