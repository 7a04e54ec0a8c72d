"""Dry run against the legal clock: step due times by hand, timers, forced and enumerated gateways, errors,
endless loops, nothing stored, and the gate every bundled procedure passes."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine import spiff
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.models import metadata
from engine.onestop.reception import receive_dossier
from engine.org.calendar import WorkCalendar
from engine.workflow.catalog import read_folder, validate_version
from engine.workflow.dry_run import (
    default_reception,
    dry_run,
    dry_run_paths,
    gate,
    gateway_choices,
    overrun_days,
    resolve_choices,
)

from ..bpmn_builder import HEAD, properties, sequence, user_task
from ..conftest import BPMN

FRIDAY_BEFORE_HOLIDAYS = datetime(2026, 4, 24, 16, 0, tzinfo=VN_TZ)  # Mon 27/4, Thu 30/4, Fri 1/5 are days off
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


def meta(**values) -> dict:
    return {"code": "T.CHAY_THU", "name": "Thủ tục chạy thử", "process_id": "tthc_thu", "time_limit": 4, **values}


def parse(xml: str):
    return spiff.parse_version({"process.bpmn": xml}, "tthc_thu")


def three_steps():
    tasks = [(f"ut_{i}", user_task(f"ut_{i}", f"Bước {i}", {"step_budget": budget}))
             for i, budget in enumerate(("1d", "2d", "1d"), start=1)]
    return parse(sequence("tthc_thu", tasks, {"chuyen_vien": [t for t, _ in tasks]}))


def process(body: str, lanes: dict[str, list[str]]) -> str:
    lane_xml = "<bpmn:laneSet id=\"ls\">" + "".join(
        f'<bpmn:lane id="lane_{name}" name="{name}">' + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>"
                                                              for n in refs) + "</bpmn:lane>"
        for name, refs in lanes.items()) + "</bpmn:laneSet>"
    return (HEAD.format(pid="tthc_thu") + f'<bpmn:process id="tthc_thu" isExecutable="true">{lane_xml}{body}'
            "</bpmn:process></bpmn:definitions>\n")


def flow(flow_id: str, source: str, target: str, condition: str | None = None, name: str = "") -> str:
    cond = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" name="{name}" sourceRef="{source}" targetRef="{target}">{cond}' \
           "</bpmn:sequenceFlow>"


def review_loop():
    """Xử lý (1d) -> Ký (1d, form: ky / tra_lai) -> gateway: tra_lai back to xử lý, else Trả kết quả (0.5d)."""
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("ut_xu_ly", "Xử lý", {"step_budget": "1d"})
        + user_task("ut_ky", "Ký", {"step_budget": "1d", "formJsonSchemaFilename": "ky.json"})
        + '<bpmn:exclusiveGateway id="gw_ky" name="Đã ký?" default="f_dong_y"/>'
        + '<bpmn:scriptTask id="st_ket_qua"><bpmn:script>ket_qua = "Đã ký: " + nguoi_ky</bpmn:script>'
          "</bpmn:scriptTask>"
        + user_task("ut_tra", "Trả kết quả", {"step_budget": "0.5d", "dossier_status": "9"})
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", "ut_xu_ly") + flow("f2", "ut_xu_ly", "ut_ky") + flow("f3", "ut_ky", "gw_ky")
        + flow("f_tra_lai", "gw_ky", "ut_xu_ly", "quyet_dinh == 'tra_lai'", "Trả lại")
        + flow("f_dong_y", "gw_ky", "st_ket_qua", name="Ký") + flow("f4", "st_ket_qua", "ut_tra")
        + flow("f5", "ut_tra", "end"))
    xml = process(body, {"chuyen_vien": ["ut_xu_ly", "ut_tra"], "lanh_dao": ["ut_ky"]})
    form = {"type": "object", "required": ["quyet_dinh"], "properties": {
        "quyet_dinh": {"type": "string", "enum": ["ky", "tra_lai"]}, "nguoi_ky": {"type": "string"}},
        "if": {"properties": {"quyet_dinh": {"const": "ky"}}}, "then": {"required": ["nguoi_ky"]}}
    return xml, {"ky.json": form}


def test_three_steps_received_friday_afternoon_before_the_holidays_are_due_as_counted_by_hand():
    run = dry_run(None, meta(), three_steps(), {}, received_at=FRIDAY_BEFORE_HOLIDAYS)
    # 1d = 7.5 office hours: Fri 16-17 (1 h), Mon 27/4 is a holiday, Tue 28/4 7:30-11:30 (4 h) + 13:30-16:00
    # 2d from Tue 16:00: Tue 1 h, Wed 29/4 7.5 h, Thu 30/4 and Fri 1/5 holidays, Mon 4/5 4 h + 2.5 h -> 16:00
    # 1d from Mon 4/5 16:00: Mon 1 h, Tue 5/5 4 h + 2.5 h -> 16:00
    expected = [("ut_1", at(24, 4, 16), at(28, 4, 16)), ("ut_2", at(28, 4, 16), at(4, 5, 16)),
                ("ut_3", at(4, 5, 16), at(5, 5, 16))]
    assert [(s.element, s.ready_at, s.due_at) for s in run.steps] == expected
    assert [s.finished_at for s in run.steps] == [due for _, _, due in expected]  # each takes its whole budget
    assert [s.verdict for s in run.steps] == ["on_time"] * 3
    assert [s.lane for s in run.steps] == ["chuyen_vien"] * 3
    # 4 working days, reception day not counted: Tue 28/4, Wed 29/4, Mon 4/5, Tue 5/5 -> end of Tue 5/5
    assert run.dossier.due_at == at(5, 5, 17)
    assert run.ended_at == at(5, 5, 16) and run.meets is True and run.error is None


def test_the_same_steps_overrun_a_three_day_limit_by_the_office_time_past_it():
    run = dry_run(None, meta(time_limit=3), three_steps(), {}, received_at=FRIDAY_BEFORE_HOLIDAYS)
    assert run.dossier.due_at == at(4, 5, 17)
    assert run.meets is False
    # Mon 4/5 17:00 -> Tue 5/5 16:00 is 6.5 office hours of 7.5
    assert overrun_days(run, WorkCalendar()) == Decimal("0.87")


def test_steps_done_at_once_end_the_run_at_reception():
    run = dry_run(None, meta(), three_steps(), {}, received_at=FRIDAY_BEFORE_HOLIDAYS, pace="immediate")
    assert [s.finished_at for s in run.steps] == [FRIDAY_BEFORE_HOLIDAYS] * 3
    assert [s.verdict for s in run.steps] == ["early"] * 3
    assert run.ended_at == FRIDAY_BEFORE_HOLIDAYS and run.meets


def test_due_date_is_the_one_reception_gives(factory, org, now):
    folder = BPMN / "dang-ky-ho-kinh-doanh"
    received = datetime(2026, 2, 27, 15, 30, tzinfo=VN_TZ)  # a Friday after the cut-off hour
    meta_, files, forms = read_folder(folder, BPMN / "common")
    parsed, _ = validate_version(meta_, files, forms)
    with unit_of_work(factory) as s:
        receipt = receive_dossier(s, procedure_code=folder.name, applicant={"name": "Nguyễn Văn Thử"},
                                  channel="direct", received_at=received, receiving_unit_code="000.00.11.H99",
                                  actor_id=None, now=now)
        run = dry_run(s, meta_, parsed, forms, received_at=received)
        assert run.dossier.due_at == receipt.due_at


def boundary_timer_process() -> str:
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("ut_xu_ly", "Xử lý", {"step_budget": "2d"})
        + '<bpmn:boundaryEvent id="bt_han" name="Quá 4 giờ làm việc" attachedToRef="ut_xu_ly">'
          "<bpmn:timerEventDefinition><bpmn:timeDate>add_working_hours(now(), 4)</bpmn:timeDate>"
          "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        + user_task("ut_nhac", "Lãnh đạo xử lý thay", {"step_budget": "1h"})
        + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end_nhac"/>'
        + flow("f1", "start", "ut_xu_ly") + flow("f2", "ut_xu_ly", "end") + flow("f3", "bt_han", "ut_nhac")
        + flow("f4", "ut_nhac", "end_nhac"))
    return process(body, {"chuyen_vien": ["ut_xu_ly"], "lanh_dao": ["ut_nhac"]})


def test_a_boundary_timer_fires_on_the_simulated_clock_and_takes_the_step_away():
    run = dry_run(None, meta(), parse(boundary_timer_process()), {}, received_at=MONDAY)
    # armed at 09:00 for 4 office hours: 09:00-11:30 (2.5 h) + 13:30-15:00; the 2-day step would end Wed 09:00
    kinds = [(s.kind, s.element) for s in run.steps]
    assert kinds == [("task", "ut_xu_ly"), ("timer", "bt_han"), ("task", "ut_nhac")]
    first, timer, escalation = run.steps
    assert timer.finished_at == at(2, 3, 15) and first.finished_at is None and "hủy" in first.note
    assert escalation.ready_at.replace(microsecond=0) == at(2, 3, 15)
    assert escalation.due_at.replace(microsecond=0) == at(2, 3, 16)
    assert "end_nhac" in [element for element, _ in run.path]


def test_done_at_once_the_step_ends_before_its_timer():
    run = dry_run(None, meta(), parse(boundary_timer_process()), {}, received_at=MONDAY, pace="immediate")
    assert [s.kind for s in run.steps] == ["task"] and run.ended_at == MONDAY


def test_a_forced_way_out_is_taken_with_form_answers_that_lead_there():
    xml, forms = review_loop()
    parsed = parse(xml)
    choices = resolve_choices(parsed, {"process.bpmn": xml}, {"gw_ky": "f_tra_lai"})
    assert choices == {"gw_ky": "ut_xu_ly"}
    run = dry_run(None, meta(), parsed, forms, received_at=MONDAY, choices=choices)
    # forced back once; the second time the generated answer ("ky", the first choice) signs
    assert [s.element for s in run.steps if s.kind == "task"] == ["ut_xu_ly", "ut_ky", "ut_xu_ly", "ut_ky", "ut_tra"]
    assert run.error is None
    assert [d.targets for d in run.decisions] == [("ut_xu_ly",), ("st_ket_qua",)]


def test_without_a_choice_the_generated_answers_decide():
    xml, forms = review_loop()
    run = dry_run(None, meta(), parse(xml), forms, received_at=MONDAY)
    assert [s.element for s in run.steps if s.kind == "task"] == ["ut_xu_ly", "ut_ky", "ut_tra"]
    assert run.dossier.finished_at == run.steps[-1].ready_at  # status 9 when "Trả kết quả" became ready


def test_an_unknown_way_out_is_refused_by_name():
    xml, _ = review_loop()
    with pytest.raises(Exception) as refused:
        resolve_choices(parse(xml), {"process.bpmn": xml}, {"gw_ky": "f_khong_co"})
    assert refused.value.errors == {"choices.gw_ky": ["Cổng Đã ký? không có nhánh f_khong_co."]}


def test_gateway_choices_are_labelled_with_the_step_they_lead_to():
    xml, _ = review_loop()
    [choice] = gateway_choices(parse(xml), {"process.bpmn": xml})
    assert choice.bpmn_id == "gw_ky" and choice.options == (("f_tra_lai", "Trả lại → Xử lý"),
                                                             ("f_dong_y", "Ký → st_ket_qua"))


def test_every_path_finds_the_worst_one():
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("ut_xu_ly", "Xử lý", {"step_budget": "1d", "formJsonSchemaFilename": "xu_ly.json"})
        + '<bpmn:exclusiveGateway id="gw" name="Cần xác minh?" default="f_ngan"/>'
        + user_task("ut_xac_minh", "Xác minh", {"step_budget": "3d"})
        + user_task("ut_tra", "Trả kết quả", {"step_budget": "0.5d"})
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", "ut_xu_ly") + flow("f2", "ut_xu_ly", "gw")
        + flow("f_dai", "gw", "ut_xac_minh", "can_xac_minh == True") + flow("f_ngan", "gw", "ut_tra")
        + flow("f3", "ut_xac_minh", "ut_tra") + flow("f4", "ut_tra", "end"))
    forms = {"xu_ly.json": {"type": "object", "properties": {"can_xac_minh": {"type": "boolean", "default": False}}}}
    paths = dry_run_paths(None, meta(time_limit=3), parse(process(body, {"chuyen_vien": [
        "ut_xu_ly", "ut_xac_minh", "ut_tra"]})), forms, received_at=MONDAY)
    assert len(paths.runs) == 2 and not paths.truncated
    short, long = paths.runs
    assert [s.element for s in short.steps] == ["ut_xu_ly", "ut_tra"] and short.meets
    assert [s.element for s in long.steps] == ["ut_xu_ly", "ut_xac_minh", "ut_tra"] and long.meets is False
    assert paths.worst == 1
    # 1d from Mon 09:00: Mon 6 h, Tue 1.5 h -> Tue 09:00; 3d (22.5 h): Tue 6, Wed 7.5, Thu 7.5, Fri 1.5 -> Fri
    # 09:00; 0.5d (3.75 h): Fri 09:00-11:30, 13:30-14:45. Three working days after Monday: due Thu 5/3 17:00
    assert long.ended_at == at(6, 3, 14, 45) and long.dossier.due_at == at(5, 3, 17)


def test_an_engine_error_is_reported_with_its_element():
    body = ('<bpmn:startEvent id="start"/>' + user_task("ut_1", "Bước 1", {"step_budget": "1d"})
            + '<bpmn:scriptTask id="st_phi" name="Tính phí"><bpmn:script>phi = muc_phi * 2</bpmn:script>'
              "</bpmn:scriptTask><bpmn:endEvent id=\"end\"/>"
            + flow("f1", "start", "ut_1") + flow("f2", "ut_1", "st_phi") + flow("f3", "st_phi", "end"))
    parsed = parse(process(body, {"chuyen_vien": ["ut_1"]}))
    run = dry_run(None, meta(), parsed, {}, received_at=MONDAY)
    assert run.error_element == "st_phi" and "muc_phi" in run.error and run.ended_at is None
    [finding] = gate(None, meta(), parsed, {})
    assert finding.is_error and finding.element == "st_phi" and finding.name == "Tính phí"


def test_a_loop_that_never_ends_is_reported_not_hung():
    body = ('<bpmn:startEvent id="start"/>' + user_task("ut_a", "Bước A", {"step_budget": "1h"})
            + user_task("ut_b", "Bước B", {"step_budget": "1h"}) + '<bpmn:exclusiveGateway id="gw" default="f_b"/>'
            + '<bpmn:endEvent id="end"/>' + flow("f1", "start", "ut_a") + flow("f2", "ut_a", "gw")
            + flow("f_a", "gw", "ut_a", "True") + flow("f_b", "gw", "ut_b") + flow("f3", "ut_b", "ut_a"))
    parsed = parse(process(body, {"chuyen_vien": ["ut_a", "ut_b"]}))
    run = dry_run(None, meta(), parsed, {}, received_at=MONDAY, max_steps=40)
    assert run.never_ends and run.ended_at is None and len(run.steps) >= 39
    [finding] = gate(None, meta(), parsed, {})
    assert finding.is_error and "không kết thúc" in finding.message and finding.element in {"ut_a", "ut_b", "gw"}


def test_a_loop_without_a_gateway_is_an_error_not_a_crash():
    body = ('<bpmn:startEvent id="start"/>' + user_task("ut_a", "Bước A") + user_task("ut_b", "Bước B")
            + '<bpmn:endEvent id="end"/>' + flow("f1", "start", "ut_a") + flow("f2", "ut_a", "ut_b")
            + flow("f3", "ut_b", "ut_a"))
    parsed = parse(process(body, {"chuyen_vien": ["ut_a", "ut_b"]}))
    run = dry_run(None, meta(), parsed, {}, received_at=MONDAY)
    assert "vòng lặp" in run.error
    assert [f.is_error for f in gate(None, meta(), parsed, {})] == [True]


def test_a_gateway_loop_is_left_when_every_path_is_explored():
    body = ('<bpmn:startEvent id="start"/>' + user_task("ut_a", "Bước A", {"step_budget": "1h"})
            + '<bpmn:exclusiveGateway id="gw" default="f_ra"/><bpmn:endEvent id="end"/>'
            + flow("f1", "start", "ut_a") + flow("f2", "ut_a", "gw") + flow("f_lai", "gw", "ut_a", "True")
            + flow("f_ra", "gw", "end"))
    parsed = parse(process(body, {"chuyen_vien": ["ut_a"]}))
    assert dry_run(None, meta(), parsed, {}, received_at=MONDAY, max_steps=30).never_ends  # as the data says
    assert gate(None, meta(), parsed, {}) == []  # a way out exists


def counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def test_nothing_is_written_and_the_partner_agency_runs_its_own_part(factory, org):
    folder = BPMN / "dang-ky-ho-kinh-doanh"
    meta_, files, forms = read_folder(folder, BPMN / "common")
    parsed, _ = validate_version(meta_, files, forms)
    with unit_of_work(factory) as s:
        before = counts(s)
        received = default_reception(WorkCalendar(), MONDAY)
        run = dry_run(s, meta_, parsed, forms, received_at=received)
        paths = dry_run_paths(s, meta_, parsed, forms, received_at=received)
        assert not s.new and not s.dirty and not s.deleted
        assert counts(s) == before
    assert received == at(3, 3, 8)
    assert run.error is None and run.meets
    partner = [s for s in run.steps if s.part != meta_["name"]]
    assert [s.element for s in partner if s.kind == "task"] == ["ut_ghi_nhan"]
    assert partner[0].unit == "Thuế cơ sở khu vực Trung tâm"
    assert all(r.error is None and not r.never_ends for r in paths.runs) and paths.worst is not None


def bundled() -> list[str]:
    return sorted(p.name for p in BPMN.iterdir() if (p / "procedure.toml").is_file())


@pytest.mark.parametrize("slug", bundled())
def test_every_bundled_procedure_passes_the_gate(factory, org, slug):
    meta_, files, forms = read_folder(BPMN / slug, BPMN / "common")
    parsed, _ = validate_version(meta_, files, forms)
    with unit_of_work(factory) as s:
        assert gate(s, meta_, parsed, forms) == []
