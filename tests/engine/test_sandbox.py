"""BPMN scripts and expressions run sandboxed: attacks are refused at load, business scripts run."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import complete_task, receive_dossier

from tests.driving import open_items
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.infra.errors import InvalidProcess
from engine.models import ProcessInstance, Procedure
from engine.spiff import make_script_engine
from engine.workflow import runtime

from ..bpmn_builder import procedure_folder, script_task, sequence, user_task

ATTACKS = {
    "import": "x = __import__('os').system('touch /tmp/motcua-pwned')",
    "open": "x = open('/etc/passwd').read()",
    "subclasses": "x = ().__class__.__base__.__subclasses__()",
    "format": "x = '{0.__class__}'.format(1)",
    "eval": "x = eval('1+1')",
    "exec": "exec('y = 1')",
    "import statement": "import os",
    "underscore name": "_secret = 1",
}


def gateway_process(condition: str) -> str:
    from xml.sax.saxutils import escape

    return sequence("tthc_gw", [("gw", '<bpmn:exclusiveGateway id="gw" default="f_default"/>')], extra=(
        f'<bpmn:sequenceFlow id="f_attack" sourceRef="gw" targetRef="end">'
        f'<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>'
    )).replace('<bpmn:sequenceFlow id="f1" sourceRef="gw"', '<bpmn:sequenceFlow id="f_default" sourceRef="gw"')


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_attacking_script_is_refused_at_load_naming_the_element(tmp_path, factory, now, attack):
    xml = sequence("tthc_attack", [("st_tinh_phi", script_task("st_tinh_phi", ATTACKS[attack]))])
    folder = procedure_folder(tmp_path, "attack", xml, "tthc_attack")
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, folder, None, now)
    assert caught.value.element == "st_tinh_phi"
    assert "st_tinh_phi" in caught.value.message
    with unit_of_work(factory) as s:
        assert s.scalar(select(Procedure.id)) is None  # nothing half-written


def test_gateway_condition_attack_is_refused(tmp_path, factory, now):
    folder = procedure_folder(tmp_path, "gw", gateway_process("__import__('os').system('id') == 0"), "tthc_gw")
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, folder, None, now)
    assert caught.value.element == "gw"


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_sandbox_refuses_attacks_even_if_they_reach_run_time(attack):
    engine = make_script_engine()
    data = {}
    with pytest.raises(Exception):
        engine.environment.execute(ATTACKS[attack], data)
    assert "x" not in data


def test_getattr_on_dunder_through_a_variable_is_blocked_at_run_time():
    engine = make_script_engine()
    with pytest.raises(Exception) as caught:
        engine.environment.execute("y = getattr(x, '__class__')", {"x": 1})
    assert "getattr" in str(caught.value) or "__class__" in str(caught.value)


def test_business_scripts_run_in_the_sandbox():
    env = make_script_engine().environment
    data = {"trang": [2, 3], "gia": 2000, "ban": [{"so_trang": 2}, {"so_trang": 5}]}
    env.execute(
        "phi = sum([gia if i < 2 else gia // 2 for i in range(sum(trang))])\n"
        "chi_tiet = {b['so_trang']: b['so_trang'] * gia for b in ban}\n"
        "danh_sach = sorted(list(chi_tiet.values()), reverse=True)\n"
        "tong = 0\nfor v in danh_sach:\n    tong += v\n"
        "ok = all(v > 0 for v in danh_sach) and max(danh_sach) == 10000 and len(danh_sach) == 2\n",
        data,
    )
    assert data["phi"] == 2000 * 2 + 1000 * 3
    assert data["chi_tiet"] == {2: 4000, 5: 10000}
    assert data["tong"] == 14000 and data["ok"] is True
    assert env.evaluate("phi < 200000 and len(danh_sach) == 2", data) is True


def test_a_loaded_instance_runs_its_scripts_in_the_sandbox(tmp_path, factory, org, now):
    """The serialized state does not carry the script engine; every load re-attaches the sandbox."""
    xml = sequence("tthc_sc", [
        ("ut_1", user_task("ut_1", "Nhập", {})),
        ("st_1", script_task("st_1", "tong = sum([so for so in range(4)])")),
        ("ut_2", user_task("ut_2", "Xem", {})),
    ], {"chuyen_vien": ["ut_1", "st_1", "ut_2"]})
    folder = procedure_folder(tmp_path, "sc", xml, "tthc_sc")
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, now)
        receipt = receive_dossier(s, procedure_code="sc", applicant={"name": "A"}, channel="direct",
                                  received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    with unit_of_work(factory) as s:
        instance_id = s.scalar(select(ProcessInstance.id))
        run = runtime.open_instance(s, instance_id, now=now, actor_id=None)
        assert type(run.workflow.script_engine.environment).__name__ == "RestrictedEnvironment"
    with unit_of_work(factory) as s:
        item = open_items(s, org["chuyenvien.vpdk"])[0]
        complete_task(s, item.id, {}, org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:
        run = runtime.open_instance(s, instance_id, now=now, actor_id=None)
        ready = [t for t in run.workflow.tasks.values() if t.task_spec.name == "ut_2"][0]
        assert ready.data["tong"] == 6
    assert receipt.code
