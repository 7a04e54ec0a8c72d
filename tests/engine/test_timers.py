"""The worker fires due timers on the engine's clock and records where each instance stands next."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import fire_due_timers, receive_dossier

from tests.driving import open_items
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.models import ProcessInstance, WorkItem

from ..bpmn_builder import procedure_folder, properties, user_task

BOUNDARY = """
<bpmn:boundaryEvent id="bt_han" attachedToRef="ut_xu_ly" cancelActivity="true">
  <bpmn:timerEventDefinition><bpmn:timeDuration>"PT2H"</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
<bpmn:userTask id="ut_qua_han" name="Xử lý hồ sơ quá hạn">{props}</bpmn:userTask>
<bpmn:sequenceFlow id="f_han" sourceRef="bt_han" targetRef="ut_qua_han"/>
<bpmn:sequenceFlow id="f_qh_end" sourceRef="ut_qua_han" targetRef="end2"/>
<bpmn:endEvent id="end2"/>
"""


def timer_process() -> str:
    from ..bpmn_builder import sequence

    xml = sequence("tthc_timer", [("ut_xu_ly", user_task("ut_xu_ly", "Xử lý", {}))],
                   {"chuyen_vien": ["ut_xu_ly", "ut_qua_han"]}, extra=BOUNDARY.format(props=properties({})))
    return xml


def test_boundary_timer_fires_when_the_clock_passes_it(tmp_path, factory, org, now):
    folder = procedure_folder(tmp_path, "timer", timer_process(), "tthc_timer")
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, now)
        receive_dossier(s, procedure_code="timer", applicant={"name": "Lê Văn Tám"}, channel="online",
                        received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    with unit_of_work(factory) as s:
        instance = s.scalar(select(ProcessInstance))
        assert instance.next_timer_at == now + timedelta(hours=2)
    assert fire_due_timers(factory, now + timedelta(hours=1, minutes=59)) == 0
    assert fire_due_timers(factory, now + timedelta(hours=2, seconds=1)) == 1
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 0  # fired once
    with unit_of_work(factory) as s:
        items = {i.bpmn_id: i.state for i in s.scalars(select(WorkItem))}
        assert items == {"ut_xu_ly": "cancelled", "ut_qua_han": "ready"}
        assert [i.bpmn_id for i in open_items(s, org["chuyenvien.vpdk"])] == ["ut_qua_han"]
        assert s.scalar(select(ProcessInstance.next_timer_at)) is None


def test_intermediate_timer_waits_working_hours_on_the_calendar(tmp_path, factory, org, now):
    """A posting period: wait 4 office hours after the first step (Monday 09:00: 2 h 30 before lunch, 1 h 30 after → 15:00)."""
    from ..bpmn_builder import sequence

    wait = ('<bpmn:intermediateCatchEvent id="ict_niem_yet" name="Niêm yết">'
            '<bpmn:timerEventDefinition><bpmn:timeDate>add_working_hours(now(), 4)</bpmn:timeDate>'
            '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    nodes = [("ut_a", user_task("ut_a", "Lập thông báo")), ("ict_niem_yet", wait),
             ("ut_b", user_task("ut_b", "Kết thúc niêm yết"))]
    xml = sequence("tthc_wait", nodes, {"chuyen_vien": ["ut_a", "ict_niem_yet", "ut_b"]})
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "wait", xml, "tthc_wait"), None, now)
        receive_dossier(s, procedure_code="wait", applicant={"name": "Cầm Thị Hương"}, channel="postal",
                        received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    from engine import complete_task

    with unit_of_work(factory) as s:
        item = open_items(s, org["chuyenvien.vpdk"])[0]
        complete_task(s, item.id, {}, org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(ProcessInstance.next_timer_at)) == now.replace(hour=15, minute=0)
    assert fire_due_timers(factory, now.replace(hour=14, minute=59)) == 0
    assert fire_due_timers(factory, now.replace(hour=15, minute=1)) == 1
    with unit_of_work(factory) as s:
        assert [i.bpmn_id for i in open_items(s, org["chuyenvien.vpdk"])] == ["ut_b"]
