"""The one validation: every finding at once, each on its file, element, name and line; what motcua cannot run
is refused at load instead of failing at reception; bad input is a finding, never a traceback."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import complete_task, fire_due_timers, receive_dossier
from engine import spiff
from engine.infra.db import unit_of_work
from engine.infra.errors import InvalidProcess, ValidationFailed
from engine.models import Procedure, ProcessInstance, WorkItem
from engine.workflow.catalog import load_procedure, load_procedures, read_folder
from engine.workflow.forms import form_validator
from engine.workflow.helpers import probe_helpers
from engine.workflow.packages import read_package
from engine.workflow.validation import TRIAL_AT as PROBE_NOW, validate_package
from tests.driving import open_items

from ..bpmn_builder import HEAD, procedure_folder, script_task, sequence, user_task

META = {"code": "T.kiem-tra", "name": "Thủ tục kiểm tra", "process_id": "tthc_kt", "time_limit": 5,
        "deciding_unit": "000.21.01.H99"}
FORM = {"type": "object", "properties": {"ghi_chu": {"type": "string"}}}


def validate(factory, xml: str, forms: dict | None = None, meta: dict | None = None, files: dict | None = None):
    with unit_of_work(factory) as s:
        return validate_package(s, "kiem-tra", meta or META, files or {"process.bpmn": xml}, forms or {})


def errors(report) -> list[tuple[str | None, str]]:
    return [(f.element, f.message) for f in report.errors]


def one_error(report, element: str, fragment: str):
    found = [f for f in report.errors if f.element == element and fragment in f.message]
    assert found, errors(report)
    return found[0]


def process(nodes: list[tuple[str, str]], lanes: dict | None = None, extra: str = "") -> str:
    return sequence("tthc_kt", nodes, {"chuyen_vien": [n for n, _ in nodes]} if lanes is None else lanes, extra)


def test_every_finding_comes_at_once_with_file_element_name_and_line(factory, org):
    xml = process([("ut_a", user_task("ut_a", "Tiếp nhận")), ("ut_b", user_task("ut_b", "Thẩm định")),
                   ("st_tinh", script_task("st_tinh", "phi = 1")),
                   ("svc", '<bpmn:serviceTask id="svc" name="Gọi dịch vụ thuế"/>')],
                  {"chuyen_vien": ["st_tinh", "svc"]}).replace("><", ">\n<")
    line = {element: n for n, text in enumerate(xml.splitlines(), 1) for element in ("ut_a", "svc")
            if f'id="{element}"' in text}
    report = validate(factory, xml, {"bad.json": {"type": "string"}})
    assert not report.ok and report.parsed is None and report.digest is None
    lane_a = one_error(report, "ut_a", "nằm ngoài mọi làn")
    assert (lane_a.file, lane_a.name, lane_a.line) == ("process.bpmn", "Tiếp nhận", line["ut_a"])
    one_error(report, "ut_b", "nằm ngoài mọi làn")
    service = one_error(report, "svc", "serviceTask")
    assert (service.name, service.line) == ("Gọi dịch vụ thuế", line["svc"]) and line["svc"] > line["ut_a"]
    assert any(f.file == "bad.json" and "\"type\": \"object\"" in f.message for f in report.errors)


def test_load_raises_invalid_process_carrying_the_whole_list(tmp_path, factory, org, now):
    xml = process([("ut_a", user_task("ut_a", "A")), ("ut_b", user_task("ut_b", "B"))], {})
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, procedure_folder(tmp_path, "kt", xml, "tthc_kt"), None, now)
    assert [f.element for f in caught.value.findings if f.is_error] == ["ut_a", "ut_b"]
    assert caught.value.element == "ut_a" and caught.value.message == caught.value.findings[0].message


@pytest.mark.parametrize("tag", ["manualTask", "task"])
def test_manual_and_plain_tasks_are_human_work_in_a_lane(tmp_path, factory, org, now, tag):
    """Outside a lane they are refused; in a lane they become work items an official completes."""
    node = f'<bpmn:{tag} id="mt_a" name="Kiểm tra bản giấy"/>'
    one_error(validate(factory, process([("mt_a", node)], {})), "mt_a", "nằm ngoài mọi làn")
    xml = process([("mt_a", node)])
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "kt", xml, "tthc_kt"), None, now)
        receive_dossier(s, procedure_code="kt", applicant={"name": "Lê Văn Tám"}, channel="direct", received_at=now,
                        receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    with unit_of_work(factory) as s:
        item = open_items(s, org["chuyenvien.vpdk"])[0]
        assert (item.bpmn_id, item.role_key) == ("mt_a", "chuyen_vien")
        complete_task(s, item.id, {}, org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(ProcessInstance.status)) == "completed"


def test_a_lane_that_is_no_role_is_refused_and_a_role_nobody_holds_is_a_warning(factory, org, now):
    from engine.models import Delegation, Role, Unit

    xml = process([("ut_a", user_task("ut_a", "A")), ("ut_b", user_task("ut_b", "B")),
                   ("ut_c", user_task("ut_c", "C"))],
                  {"khong_co_vai_tro": ["ut_a"], "phong_1": ["ut_b"], "kiem_soat": ["ut_c"]})
    xml = xml.replace('name="phong_1"', 'name="Phòng 1"')
    with unit_of_work(factory) as s:
        s.add(Role(key="kiem_soat", name="Kiểm soát viên"))
    report = validate(factory, xml)
    one_error(report, "ut_a", "không phải vai trò nào")
    one_error(report, "ut_b", "phải là mã vai trò")
    assert [(f.element, "'kiem_soat' tại đơn vị 000.21.01.H99" in f.message) for f in report.warnings] == [
        ("ut_c", True)]
    with unit_of_work(factory) as s:  # a delegation valid now staffs the role
        unit = s.scalar(select(Unit.id).where(Unit.code == "000.21.01.H99"))
        s.add(Delegation(from_user_id=org["lanhdao.vpdk"], to_user_id=org["chuyenvien.vpdk"], role_key="kiem_soat",
                         unit_id=unit, signature_form="TUQ.", valid_from=now - timedelta(days=1),
                         valid_to=now + timedelta(days=30), created_at=now))
    with unit_of_work(factory) as s:
        report = validate_package(s, "kiem-tra", META, {"process.bpmn": xml}, {}, now=now)
    assert report.warnings == []


def test_a_task_in_a_called_process_is_worked_in_the_lane_of_its_caller(factory, org):
    called = sequence("tthc_con", [("ut_con", user_task("ut_con", "Bước con"))])
    call = '<bpmn:callActivity id="ca" name="Gọi" calledElement="tthc_con"/>'
    files = {"process.bpmn": process([("ca", call)]), "con.bpmn": called}
    assert validate(factory, "", files=files).ok
    files["process.bpmn"] = process([("ca", call)], {})
    one_error(validate(factory, "", files=files), "ut_con", "hoạt động gọi nó cũng không thuộc làn nào")


@pytest.mark.parametrize("node, element, fragment", [
    ('<bpmn:businessRuleTask id="br" name="Tra bảng"/>', "br", "DMN"),
    ('<bpmn:scriptTask id="xs" scriptFormat="javascript"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>', "xs",
     "chỉ chạy kịch bản Python"),
    ('<bpmn:scriptTask id="xs"/>', "xs", "không có kịch bản"),
], ids=["business-rule", "javascript", "empty-script"])
def test_activities_without_an_implementation_are_refused_naming_them(factory, org, node, element, fragment):
    one_error(validate(factory, process([(element, node)], {})), element, fragment)


def test_a_data_store_is_refused_naming_it(factory, org):
    extra = '<bpmn:dataStoreReference id="kho" name="Kho" dataStoreRef="ds"/>'
    xml = process([("st", script_task("st", "x = 1"))], {}, extra).replace(
        "</bpmn:process>", '</bpmn:process><bpmn:dataStore id="ds" name="Kho hồ sơ"/>')
    report = validate(factory, xml)
    one_error(report, "kho", "kho dữ liệu")
    one_error(report, "ds", "kho dữ liệu")


def gateway(branches: str) -> str:
    return f'<bpmn:eventBasedGateway id="cho"/>{branches}'


MESSAGE = """<bpmn:intermediateCatchEvent id="nhan_tl"><bpmn:messageEventDefinition messageRef="m_tl">
<bpmn:extensionElements><spiffworkflow:messageVariable>tra_loi</spiffworkflow:messageVariable></bpmn:extensionElements>
</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>"""
TIMER = """<bpmn:intermediateCatchEvent id="het_han"><bpmn:timerEventDefinition>
<bpmn:timeDuration>{duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"""
GATEWAY_FLOWS = """<bpmn:sequenceFlow id="g1" sourceRef="cho" targetRef="nhan_tl"/>
<bpmn:sequenceFlow id="g2" sourceRef="cho" targetRef="het_han"/>
<bpmn:sequenceFlow id="g3" sourceRef="nhan_tl" targetRef="ut_tl"/><bpmn:sequenceFlow id="g4" sourceRef="ut_tl" targetRef="end_tl"/>
<bpmn:sequenceFlow id="g5" sourceRef="het_han" targetRef="ut_qh"/><bpmn:sequenceFlow id="g6" sourceRef="ut_qh" targetRef="end_qh"/>
<bpmn:userTask id="ut_tl" name="Xử lý trả lời"/><bpmn:userTask id="ut_qh" name="Xử lý quá hạn"/>
<bpmn:endEvent id="end_tl"/><bpmn:endEvent id="end_qh"/>"""


def gateway_process(duration: str = "PT2H", second: str = MESSAGE) -> str:
    """start -> ut_a -> event-based gateway: a reply (message) or the deadline (timer)."""
    nodes = "".join([user_task("ut_a", "Gửi yêu cầu"), gateway(second + TIMER.format(duration=duration))])
    flows = ('<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="ut_a"/>'
             '<bpmn:sequenceFlow id="f1" sourceRef="ut_a" targetRef="cho"/>')
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l" name="chuyen_vien"><bpmn:flowNodeRef>ut_a</bpmn:flowNodeRef>'
             '<bpmn:flowNodeRef>ut_tl</bpmn:flowNodeRef><bpmn:flowNodeRef>ut_qh</bpmn:flowNodeRef></bpmn:lane>'
             '</bpmn:laneSet>')
    return (HEAD.format(pid="tthc_kt") + '<bpmn:message id="m_tl" name="tra_loi"/>'
            f'<bpmn:process id="tthc_kt" isExecutable="true">{lanes}<bpmn:startEvent id="start"/>{nodes}'
            f'{GATEWAY_FLOWS}{flows}</bpmn:process></bpmn:definitions>')


def test_an_event_based_gateway_arms_its_timer_and_awaits_its_message(tmp_path, factory, org, now):
    xml = gateway_process()
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "kt", xml, "tthc_kt"), None, now)
        receive_dossier(s, procedure_code="kt", applicant={"name": "Lê Văn Tám"}, channel="direct", received_at=now,
                        receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    with unit_of_work(factory) as s:
        complete_task(s, open_items(s, org["chuyenvien.vpdk"])[0].id, {}, org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:
        instance = s.scalar(select(ProcessInstance))
        assert instance.next_timer_at == now + timedelta(hours=2)  # armed, so the sweep will fire it
        assert instance.waiting_for == ["tra_loi"]  # awaited, so the bus will deliver it
    assert fire_due_timers(factory, now + timedelta(hours=2, seconds=1)) == 1
    with unit_of_work(factory) as s:
        assert [i.bpmn_id for i in open_items(s, org["chuyenvien.vpdk"])] == ["ut_qh"]


def test_a_message_reaches_the_event_based_gateway_that_waits_for_it():
    parsed = spiff.parse_version({"process.bpmn": gateway_process()}, "tthc_kt")
    sender = spiff.parse_version({"gui.bpmn": HEAD.format(pid="gui") + """<bpmn:message id="m_tl" name="tra_loi"/>
<bpmn:process id="gui" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:endEvent id="e">
<bpmn:messageEventDefinition messageRef="m_tl"><bpmn:extensionElements>
<spiffworkflow:messagePayload>{'ket_qua': 'dong_y'}</spiffworkflow:messagePayload></bpmn:extensionElements>
</bpmn:messageEventDefinition></bpmn:endEvent><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
</bpmn:process></bpmn:definitions>"""}, "gui")
    engine = spiff.make_script_engine(probe_helpers())
    workflow = spiff.new_workflow(parsed, engine)
    spiff.advance(workflow, PROBE_NOW)
    spiff.complete_user_task(workflow, PROBE_NOW, spiff.ready_user_tasks(workflow)[0].task_id, {})
    assert spiff.waiting_message_names(workflow) == ["tra_loi"]
    assert spiff.next_timer_due(workflow) == PROBE_NOW + timedelta(hours=2)
    thrower = spiff.new_workflow(sender, engine)
    spiff.advance(thrower, PROBE_NOW)
    spiff.deliver(workflow, PROBE_NOW, spiff.drain_events(thrower)[0])
    assert [t.bpmn_id for t in spiff.ready_user_tasks(workflow)] == ["ut_tl"]
    assert spiff.workflow_data(workflow) == {} and spiff.next_timer_due(workflow) is None


@pytest.mark.parametrize("second, fragment", [
    (TIMER.format(duration="PT1H").replace("het_han", "nhan_tl"), "chỉ được có một nhánh hẹn giờ"),
    ('<bpmn:intermediateCatchEvent id="nhan_tl"><bpmn:conditionalEventDefinition><bpmn:condition>x</bpmn:condition>'
     '</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>', "phải là sự kiện chờ thông điệp"),
], ids=["two-timers", "conditional"])
def test_event_based_gateways_motcua_cannot_wait_on_are_refused(factory, org, second, fragment):
    one_error(validate(factory, gateway_process(second=second)), "cho", fragment)


def timer_process(kind: str, text: str) -> str:
    event = (f'<bpmn:intermediateCatchEvent id="cho_tg"><bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}>'
             '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    return process([("cho_tg", event), ("ut_a", user_task("ut_a", "Sau hẹn giờ"))])


@pytest.mark.parametrize("kind, text, due", [
    ("timeDuration", "PT1H", timedelta(hours=1)),
    ("timeDuration", '"PT1H"', timedelta(hours=1)),
    ("timeCycle", "R3/PT1H", timedelta(hours=1)),
    ("timeDate", "2026-03-02T13:00:00+07:00", timedelta(hours=4)),
], ids=["bare-duration", "quoted-duration", "bare-cycle", "bare-date-with-offset"])
def test_timers_written_the_camunda_way_or_quoted_are_armed_at_reception(tmp_path, factory, org, now, kind, text,
                                                                        due):
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "kt", timer_process(kind, text), "tthc_kt"), None, now)
        receive_dossier(s, procedure_code="kt", applicant={"name": "Lê Văn Tám"}, channel="direct", received_at=now,
                        receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(ProcessInstance.next_timer_at)) == now + due


@pytest.mark.parametrize("kind, text, fragment", [
    ("timeDate", "2026-03-02T13:00:00", "thiếu múi giờ"),
    ("timeDuration", "", "không có biểu thức"),
    ("timeDuration", "ba ngày nữa", "không phải ISO 8601"),
    ("timeCycle", "R3/PT1X", "không phải ISO 8601 hợp lệ"),
], ids=["naive-date", "empty", "words", "bad-cycle"])
def test_timers_that_give_no_usable_instant_are_refused_at_load(factory, org, kind, text, fragment):
    one_error(validate(factory, timer_process(kind, text)), "cho_tg", fragment)


def test_a_process_calling_itself_is_refused_instead_of_starting_without_end(factory, org):
    call = '<bpmn:callActivity id="ca_lai" name="Gọi lại" calledElement="tthc_kt"/>'
    one_error(validate(factory, process([("ca_lai", call)])), "ca_lai", "gọi vòng")


def test_names_read_but_never_set_are_warnings_and_what_fails_at_reception_is_an_error(factory, org):
    later = process([("ut_a", user_task("ut_a", "Nhập", {"formJsonSchemaFilename": "f.json"})),
                     ("st", script_task("st", "ket_qua = ghi_chu + ghi_chu_sai"))])
    report = validate(factory, later, {"f.json": FORM})
    assert [(f.element, "'ghi_chu_sai'" in f.message) for f in report.warnings] == [("st", True)]
    first = process([("st", script_task("st", "ket_qua = chua_co + 1")), ("ut_a", user_task("ut_a", "Nhập"))])
    one_error(validate(factory, first), "st", "khi tiếp nhận hồ sơ")


def test_a_loop_that_no_person_or_timer_stops_is_refused(factory, org):
    loop = ('<bpmn:exclusiveGateway id="vong" default="f_lai"/>'
            '<bpmn:sequenceFlow id="f_lai" sourceRef="vong" targetRef="st"/>')
    xml = process([("st", script_task("st", "n = 1")), ("vong", "")], extra=loop).replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="vong" targetRef="end"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="vong" targetRef="end">'
        '<bpmn:conditionExpression>n &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>')
    report = validate(factory, xml)
    assert any("vòng lặp không có điểm dừng" in m for _, m in errors(report)), errors(report)


def test_spiffarena_ui_schema_naming_is_accepted(factory, org):
    props = {"formJsonSchemaFilename": "nhap-schema.json", "formUiSchemaFilename": "nhap-uischema.json"}
    xml = process([("ut_a", user_task("ut_a", "Nhập", props))])
    report = validate(factory, xml, {"nhap-schema.json": FORM, "nhap-uischema.json": {"ui:order": ["ghi_chu"]}})
    assert report.ok, errors(report)


@pytest.mark.parametrize("ref, fragment", [
    ("https://example.invalid/schema.json", "trỏ ra ngoài biểu mẫu"),
    ("chung.json#/$defs/so", "trỏ ra ngoài biểu mẫu"),
    ("#/$defs/khong_co", "không trỏ tới phần nào"),
], ids=["remote", "other-file", "missing-pointer"])
def test_a_form_ref_that_is_not_a_local_pointer_is_refused(factory, org, ref, fragment):
    form = {"type": "object", "$defs": {"so": {"type": "integer"}}, "properties": {"so": {"$ref": ref}}}
    report = validate(factory, process([("ut_a", user_task("ut_a", "Nhập"))]), {"f.json": form})
    assert any(f.file == "f.json" and fragment in f.message for f in report.errors), errors(report)
    local = {**form, "properties": {"so": {"$ref": "#/$defs/so"}}}
    assert validate(factory, process([("ut_a", user_task("ut_a", "Nhập"))]), {"f.json": local}).ok


def test_the_form_checker_never_fetches_a_url(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the form checker opened a URL")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    schema = {"type": "object", "properties": {"so": {"$ref": "https://example.invalid/so.json"}}}
    with pytest.raises(Exception) as caught:
        list(form_validator(schema).iter_errors({"so": 1}))
    assert "example.invalid" in str(caught.value) and not isinstance(caught.value, AssertionError)


# Bad input: a finding naming the file, never a traceback.

def folder_with(tmp_path, name: str, data: bytes):
    folder = procedure_folder(tmp_path, "kt", process([("ut_a", user_task("ut_a", "A"))]), "tthc_kt")
    (folder / name).write_bytes(data)
    return folder


DOCTYPE = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'


@pytest.mark.parametrize("data, fragment", [
    (DOCTYPE.format(enc="UTF-16").encode("utf-16"), "UTF-16"),
    (DOCTYPE.format(enc="UTF-32").encode("utf-32"), "UTF-32"),
    ("<?xml version='1.0'?><định_nghĩa/>".encode("latin-1", "replace") + b"\xe9\xff", "không phải văn bản UTF-8"),
], ids=["utf-16", "utf-32", "latin-1"])
def test_files_that_are_not_utf8_are_refused_naming_them(tmp_path, data, fragment):
    with pytest.raises(InvalidProcess) as caught:
        read_folder(folder_with(tmp_path, "process.bpmn", data), None)
    assert caught.value.file == "process.bpmn" and fragment in caught.value.message


@pytest.mark.parametrize("xml, fragment", [
    (DOCTYPE.format(enc="UTF-8"), "DOCTYPE"),
    ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE d +AFs-+ADw-!ENTITY x +ACI-hi+ACI-+AD4-+AF0-+AD4-<d>&x;</d>',
     "không phải XML hợp lệ"),
    ("<a>" * 100_000 + "</a>" * 100_000, "Excessive depth"),
    (HEAD.format(pid="p") + "<!-- " + "x" * 2_100_000 + " --></bpmn:definitions>", "lớn hơn giới hạn"),
], ids=["doctype", "utf-7-declaration", "deep", "oversized"])
def test_hostile_xml_is_a_finding(factory, org, xml, fragment):
    report = validate(factory, xml)
    assert [(f.file, fragment in f.message) for f in report.errors] == [("process.bpmn", True)], errors(report)


@pytest.mark.parametrize("name, data", [
    ("forms/f.json", b"[" * 100_000 + b"]" * 100_000),
    ("forms/f.json", json.dumps(json.loads("[" * 60 + "]" * 60)).encode()),
    ("procedure.toml", b"a = " + b"[" * 100_000 + b"]" * 100_000),
], ids=["json-100000", "json-60", "toml-100000"])
def test_json_or_toml_nested_too_deep_is_a_finding(tmp_path, name, data):
    folder = folder_with(tmp_path, name, data)
    with pytest.raises(InvalidProcess) as caught:
        read_folder(folder, None)
    assert caught.value.file == name.split("/")[-1] and "lồng nhau quá sâu" in caught.value.message
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in folder.rglob("*"):
            if path.is_file():
                zipped.writestr(str(path.relative_to(folder)), path.read_bytes())
    with pytest.raises(ValidationFailed) as refused:
        read_package(archive.getvalue())
    assert [(f["file"], "lồng nhau quá sâu" in f["message"]) for f in refused.value.details["findings"]] == [
        (name.split("/")[-1], True)]


def test_a_form_handed_over_already_parsed_but_too_deep_is_a_finding(factory, org):
    deep: dict = {}
    node = deep
    for _ in range(200):
        node["items"] = {}
        node = node["items"]
    report = validate(factory, process([("ut_a", user_task("ut_a", "Nhập"))]), {"f.json": {"type": "object",
                                                                                        "properties": deep}})
    assert [(f.file, "lồng nhau quá sâu" in f.message) for f in report.errors] == [("f.json", True)]


def test_load_procedures_loads_the_good_folders_and_leaves_nothing_of_a_bad_one(tmp_path, factory, org, now):
    procedure_folder(tmp_path, "tot", process([("ut_a", user_task("ut_a", "A"))]), "tthc_kt", code="T.tot")
    procedure_folder(tmp_path, "xau", process([("ut_a", user_task("ut_a", "A"))], {}), "tthc_kt", code="T.xau")
    (tmp_path / "hong").mkdir()
    (tmp_path / "hong" / "procedure.toml").write_bytes(b"code = [[[")
    with unit_of_work(factory) as s:
        before = s.scalar(select(func.count(Procedure.id)))
        results = {r.slug: r for r in load_procedures(s, tmp_path, now)}
    assert not results["tot"].refused and results["tot"].version == 1
    assert results["xau"].refused and [f.element for f in results["xau"].findings if f.is_error] == ["ut_a"]
    assert results["hong"].refused and results["hong"].findings[0].file == "procedure.toml"
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count(Procedure.id))) == before + 1
        assert s.scalar(select(Procedure.id).where(Procedure.slug == "xau")) is None
        assert s.scalar(select(func.count(WorkItem.id))) == 0

