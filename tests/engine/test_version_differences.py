"""What a reviewer sees changed between two versions: steps, roles, budgets against the legal limit, form fields,
scripts and conditions, timers and messages; and what the version pages let each user do."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine import Forbidden
from engine.infra.db import unit_of_work
from engine.views.versions import version_file, version_page, versions_overview
from engine.workflow.catalog import load_procedure
from engine.workflow.differences import version_differences
from engine.workflow.versions import get_version
from tests.bpmn_builder import HEAD, properties, procedure_folder

PID = "tthc_so_sanh"


def process(*, name_a, lane_b, budget_b, script, condition, timer, message, extra_step=False) -> str:
    step_c = (f'<bpmn:userTask id="ut_c" name="Trình ký">{properties({"step_budget": "1d"})}</bpmn:userTask>'
              if extra_step else "")
    after_b = "ut_c" if extra_step else "tm"
    flow_c = ('<bpmn:sequenceFlow id="f_c" sourceRef="ut_c" targetRef="tm"/>' if extra_step else "")
    return HEAD.format(pid=PID) + f"""<bpmn:message id="msg" name="{message}"/>
<bpmn:process id="{PID}" isExecutable="true">
<bpmn:laneSet id="ls">
 <bpmn:lane id="l1" name="mot_cua"><bpmn:flowNodeRef>ut_a</bpmn:flowNodeRef></bpmn:lane>
 <bpmn:lane id="l2" name="{lane_b}"><bpmn:flowNodeRef>ut_b</bpmn:flowNodeRef>{"<bpmn:flowNodeRef>ut_c</bpmn:flowNodeRef>" if extra_step else ""}</bpmn:lane>
</bpmn:laneSet>
<bpmn:startEvent id="start"/>
<bpmn:userTask id="ut_a" name="{name_a}">{properties({"step_budget": "4h", "formJsonSchemaFilename": "a.json"})}</bpmn:userTask>
<bpmn:scriptTask id="st"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
<bpmn:exclusiveGateway id="gw" default="f_no"/>
<bpmn:userTask id="ut_b" name="Thẩm định">{properties({"step_budget": budget_b})}</bpmn:userTask>
{step_c}
<bpmn:intermediateCatchEvent id="tm" name="Chờ"><bpmn:timerEventDefinition><bpmn:timeDuration>{timer}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end_msg" name="Báo kết quả"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:endEvent>
<bpmn:endEvent id="end_no"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="ut_a"/>
<bpmn:sequenceFlow id="f1" sourceRef="ut_a" targetRef="st"/>
<bpmn:sequenceFlow id="f2" sourceRef="st" targetRef="gw"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="ut_b"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no"/>
<bpmn:sequenceFlow id="f3" sourceRef="ut_b" targetRef="{after_b}"/>
{flow_c}
<bpmn:sequenceFlow id="f4" sourceRef="tm" targetRef="end_msg"/>
</bpmn:process></bpmn:definitions>
"""


FORM_1 = {"type": "object", "required": ["ho_ten"], "properties": {
    "ho_ten": {"type": "string", "title": "Họ tên"}, "ghi_chu": {"type": "string", "title": "Ghi chú"},
    "so_to": {"type": "integer", "title": "Số tờ"}}}
FORM_2 = {"type": "object", "required": ["ho_ten", "so_to"], "properties": {
    "ho_ten": {"type": "string", "title": "Họ và tên"}, "so_to": {"type": "integer", "title": "Số tờ"},
    "ngay": {"type": "string", "title": "Ngày"}}}


def two_versions(factory, now, tmp_path):
    first = process(name_a="Tiếp nhận", lane_b="chuyen_vien", budget_b="1d", script="x = 1", condition="x == 1",
                    timer="'PT1H'", message="ket_qua")
    second = process(name_a="Tiếp nhận hồ sơ", lane_b="lanh_dao", budget_b="2d", script="x = 2\ny = x",
                     condition="x == 2", timer="'PT2H'", message="ket_qua_moi", extra_step=True)
    for xml, form, limit in ((first, FORM_1, 3), (second, FORM_2, 4)):
        folder = procedure_folder(tmp_path, "so-sanh", xml, PID, forms={"a.json": form}, time_limit=limit)
        with unit_of_work(factory) as session:
            load_procedure(session, folder, None, now)


def test_the_differences_name_every_kind_of_change(factory, org, now, tmp_path):
    two_versions(factory, now, tmp_path)
    with unit_of_work(factory) as session:
        found = version_differences(session, get_version(session, "so-sanh", 1), get_version(session, "so-sanh", 2))
    steps = {row.element: row for row in found.steps}
    assert (steps["ut_c"].change, steps["ut_c"].after["lane"], steps["ut_c"].after["budget"]) == (
        "added", "lanh_dao", "1d")
    assert (steps["ut_a"].change, steps["ut_a"].aspects) == ("changed", ("name",))
    assert steps["ut_b"].aspects == ("lane", "budget")
    assert (steps["ut_b"].before["lane"], steps["ut_b"].after["lane"]) == ("chuyen_vien", "lanh_dao")
    before, after = found.budgets
    assert (before.worst_days, before.limit_days) == (Decimal("1.53"), 3)
    assert (after.worst_days, after.limit_days, after.fits) == (Decimal("3.53"), 4, True)
    assert after.worst_path == ("Tiếp nhận hồ sơ", "Thẩm định", "Trình ký")
    fields = {(row.field, row.change) for row in found.fields}
    assert fields == {("ngay", "added"), ("ghi_chu", "removed"), ("ho_ten", "changed"), ("so_to", "changed")}
    so_to = next(row for row in found.fields if row.field == "so_to")
    assert (so_to.before["required"], so_to.after["required"]) == (False, True)
    texts = {row.element: row for row in found.texts}
    assert set(texts) == {"st", "f_yes"} and texts["f_yes"].kind == "condition"
    assert "-x = 1" in texts["st"].diff and "+x = 2" in texts["st"].diff and "+y = x" in texts["st"].diff
    assert [(t.element, t.before, t.after) for t in found.timers] == [
        ("tm", "timeDuration: 'PT1H'", "timeDuration: 'PT2H'")]
    assert [(m.element, m.before, m.after) for m in found.messages] == [
        ("end_msg", ("thrown", "ket_qua"), ("thrown", "ket_qua_moi"))]
    assert not found.empty


def test_a_version_compared_with_itself_shows_no_difference(factory, org, now, tmp_path):
    two_versions(factory, now, tmp_path)
    with unit_of_work(factory) as session:
        second = get_version(session, "so-sanh", 2)
        assert version_differences(session, second, second).empty


def test_the_pages_read_model_offers_each_user_only_what_they_may_do(factory, org, now, tmp_path):
    two_versions(factory, now, tmp_path)
    with unit_of_work(factory) as session:
        admin = version_page(session, "so-sanh", 2, org["quantri.tinh"])
        assert admin.actions == ("approve", "reject")
        assert [v.number for v, _ in admin.diagrams] == [1, 2] and admin.differences.newer == 2
        assert version_page(session, "so-sanh", 2, org["thietke.tinh"]).actions == ()
        assert version_page(session, "so-sanh", 1, org["quantri.tinh"]).actions == ("retire",)
        assert version_page(session, "so-sanh", 1, org["quantri.tinh"]).compared is None
        overview = versions_overview(session, org["quantri.tinh"])
        assert [(w.code, w.number, w.may_review) for w in overview.waiting] == [("T.so-sanh", 2, True)]
        assert "<bpmn:process" in version_file(session, "so-sanh", 2, "process.bpmn", org["thietke.tinh"])
        for reader in (lambda: versions_overview(session, org["motcua.tinh"]),
                       lambda: version_page(session, "so-sanh", 2, org["lanhdao.vpdk"]),
                       lambda: version_file(session, "so-sanh", 2, "process.bpmn", org["chuyenvien.vpdk"])):
            with pytest.raises(Forbidden):
                reader()
