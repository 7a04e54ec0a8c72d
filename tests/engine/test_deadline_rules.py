"""Load-time refusals for deadlines: budgets over the legal limit, timers without a usable date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import receive_dossier
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.infra.errors import InvalidProcess
from engine.models import ProcessInstance

from ..bpmn_builder import procedure_folder, sequence, user_task


def steps(*budgets):
    return [(f"ut_{i}", user_task(f"ut_{i}", f"Bước {i}", {"step_budget": b})) for i, b in enumerate(budgets)]


def lanes(nodes):
    return {"chuyen_vien": [n for n, _ in nodes]}


def test_budgets_over_the_legal_limit_are_refused_naming_the_worst_path(tmp_path, factory, org, now):
    nodes = steps("1d", "2d", "4h")
    xml = sequence("tthc_budget", nodes, lanes(nodes))
    folder = procedure_folder(tmp_path, "budget", xml, "tthc_budget", time_limit=3)
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, folder, None, now)
    assert "ut_0 → ut_1 → ut_2" in caught.value.message and "3" in caught.value.message


def test_budgets_within_the_limit_load_even_with_a_send_back_loop(tmp_path, factory, org, now):
    review = user_task("ut_1", "Bước 1", {"step_budget": "2d", "formJsonSchemaFilename": "xem_xet.json"})
    nodes = steps("1d")[:1] + [("ut_1", review), ("gw", '<bpmn:exclusiveGateway id="gw" default="f3"/>')]
    back = ('<bpmn:sequenceFlow id="f_back" sourceRef="gw" targetRef="ut_0">'
            '<bpmn:conditionExpression>tra_lai == True</bpmn:conditionExpression></bpmn:sequenceFlow>')
    xml = sequence("tthc_loop", nodes, {"chuyen_vien": ["ut_0", "ut_1", "gw"]}, extra=back)
    form = {"type": "object", "properties": {"tra_lai": {"type": "boolean", "default": False}}}
    with unit_of_work(factory) as s:
        assert load_procedure(s, procedure_folder(tmp_path, "loop", xml, "tthc_loop", {"xem_xet.json": form},
                                                  time_limit=3), None, now).created


TIMER = ('<bpmn:boundaryEvent id="bt_nhac" attachedToRef="ut_0" cancelActivity="false">'
         '<bpmn:timerEventDefinition><bpmn:{kind}>{expr}</bpmn:{kind}></bpmn:timerEventDefinition>'
         '</bpmn:boundaryEvent><bpmn:sequenceFlow id="f_nhac" sourceRef="bt_nhac" targetRef="end_nhac"/>'
         '<bpmn:endEvent id="end_nhac"/>')


@pytest.mark.parametrize("kind, expr, fragment", [
    ("timeDate", '"2030-01-10T08:00:00"', "thiếu múi giờ"),
    ("timeDate", '"ngày mai"', "không hợp lệ"),
    ("timeDuration", '"3 ngày"', "không hợp lệ"),
    ("timeDate", "working_days_before_due(1) + 1", "lỗi"),
])
def test_timer_without_a_usable_date_is_refused_at_load(tmp_path, factory, now, kind, expr, fragment):
    nodes = steps("1d")
    xml = sequence("tthc_t", nodes, lanes(nodes), extra=TIMER.format(kind=kind, expr=expr))
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, procedure_folder(tmp_path, "t", xml, "tthc_t"), None, now)
    assert caught.value.element == "bt_nhac" and fragment in caught.value.message


def test_timer_one_working_day_before_the_due_date(tmp_path, factory, org, now):
    nodes = steps("1d")
    xml = sequence("tthc_t", nodes, lanes(nodes),
                   extra=TIMER.format(kind="timeDate", expr="working_days_before_due(1)"))
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "t", xml, "tthc_t", time_limit=3), None, now)
        receipt = receive_dossier(s, procedure_code="t", applicant={"name": "Lò Văn Páo"}, channel="direct",
                                  received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
        next_timer = s.scalar(select(ProcessInstance.next_timer_at))
    # due Thursday 5 March 17:00 (3 working days after Monday 2); reminder Wednesday 4 March when office hours
    # open (07:30): a whole working day remains for what the reminder starts, such as an apology letter
    assert receipt.due_at == now.replace(day=5, hour=17)
    assert next_timer == now.replace(day=4, hour=7, minute=30)


def test_lane_mapped_to_an_unknown_unit_is_refused_at_load(tmp_path, factory, org, now):
    nodes = steps("1d")
    folder = procedure_folder(tmp_path, "u", sequence("tthc_u", nodes, lanes(nodes)), "tthc_u")
    with open(folder / "procedure.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[lanes]\nchuyen_vien = "999.99.99.H00"\n')
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, folder, None, now)
    assert caught.value.element == "ut_0" and "999.99.99.H00" in caught.value.message
