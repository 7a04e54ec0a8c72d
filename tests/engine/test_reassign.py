"""A unit's leader hands open work to another holder of its role there, or back to the unit's pool."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import claim_task, create_user, dossier_events, grant_role
from engine.infra.db import unit_of_work
from engine.infra.errors import Forbidden, ValidationFailed
from engine.views.inbox import list_inbox
from engine.models import Event, WorkItem
from engine.workflow.tasks import assign_task, assignable_users

from .test_dinh_chinh_gcn import do, receive

PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture
def appraisal(factory, org, now):
    """The appraisal step waiting at the land registry, claimed by its specialist; a second specialist there."""
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    with unit_of_work(factory) as s:
        second = create_user(s, "chuyenvien2.vpdk", "Nguyễn Văn Bình", PASSWORD, now)
        grant_role(s, second, "chuyen_vien", "000.21.01.H99")
        item = s.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_tham_dinh"))
        claim_task(s, item.id, org["chuyenvien.vpdk"], now)
        return {"item_id": item.id, "second": second.id, "code": receipt.code}


def test_leader_hands_the_step_to_a_second_specialist(factory, org, now, appraisal):
    leader, first, second = org["lanhdao.vpdk"], org["chuyenvien.vpdk"], appraisal["second"]
    with unit_of_work(factory) as s:
        names = [u.full_name for u in assignable_users(s, appraisal["item_id"], leader, now)]
        assert names == ["Nguyễn Văn Bình", "Trần Văn Minh"]
        assign_task(s, appraisal["item_id"], second, leader, now)
    with unit_of_work(factory) as s:
        assert [i.id for i, _ in list_inbox(s, second, now, view="mine").rows] == [appraisal["item_id"]]
        assert list_inbox(s, first, now, view="mine").rows == []
        event = s.scalar(select(Event).where(Event.action == "task_reassigned"))
        assert (event.actor_id, event.detail["from"], event.detail["to"]) == (leader, first, second)
        assert event.detail["to_name"] == "Nguyễn Văn Bình"


def test_leader_returns_the_step_to_the_units_pool(factory, org, now, appraisal):
    with unit_of_work(factory) as s:
        assign_task(s, appraisal["item_id"], None, org["lanhdao.vpdk"], now)
    with unit_of_work(factory) as s:
        assert s.get(WorkItem, appraisal["item_id"]).assignee_id is None
        unit_view = list_inbox(s, appraisal["second"], now, view="unit")
        assert [i.id for i, _ in unit_view.rows] == [appraisal["item_id"]]
        actions = [e.action for e in dossier_events(s, s.get(WorkItem, appraisal["item_id"]).dossier_id)]
        assert actions[-1] == "task_reassigned"


@pytest.mark.parametrize("username", ["chuyenvien.vpdk", "lanhdao.hoabinh", "motcua.tinh"])
def test_only_a_leader_of_the_items_unit_may_reassign(factory, org, now, appraisal, username):
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            assign_task(s, appraisal["item_id"], appraisal["second"], org[username], now)
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            assignable_users(s, appraisal["item_id"], org[username], now)
    with unit_of_work(factory) as s:
        assert s.get(WorkItem, appraisal["item_id"]).assignee_id == org["chuyenvien.vpdk"]


@pytest.mark.parametrize("username", ["vanthu.vpdk", "chuyenvien.hoabinh"])
def test_assignee_must_hold_the_steps_role_in_its_unit(factory, org, now, appraisal, username):
    with pytest.raises(ValidationFailed) as refused:
        with unit_of_work(factory) as s:
            assign_task(s, appraisal["item_id"], org[username], org["lanhdao.vpdk"], now)
    assert "assignee_id" in refused.value.errors
    with unit_of_work(factory) as s:
        assert s.get(WorkItem, appraisal["item_id"]).assignee_id == org["chuyenvien.vpdk"]
        assert s.scalar(select(Event.id).where(Event.action == "task_reassigned")) is None
