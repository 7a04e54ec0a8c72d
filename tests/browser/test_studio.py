"""The designer's studio in the browser: a designer makes a draft, adds a step in a new lane with the modeler,
gives it a name, budget and a form written on the spot through the properties panel and the forms tab, saves,
sees what the check finds drawn on the elements, fixes it through the panel, and submits the draft for approval;
leaving with unsaved changes asks first."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree

pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                    "browser tests skipped")

from playwright.sync_api import expect  # noqa: E402

from engine.infra.db import unit_of_work  # noqa: E402
from engine.infra.settings import ROOT  # noqa: E402
from engine.spiff.elements import describe_elements  # noqa: E402
from engine.workflow.versions import get_version  # noqa: E402

from .conftest import DESK  # noqa: E402
from .test_dossier_journey import follow, sign_in  # noqa: E402
from .test_layout import layout_problems  # noqa: E402

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CODE = "1.004227"  # đính chính Giấy chứng nhận: its steps' budgets already fill the 8 working days
STEP = "Lãnh đạo phòng kiểm tra, trình ký"
FORM = "kiem_tra_trinh_ky"
SCHEMA = """{
  "title": "Lãnh đạo phòng kiểm tra",
  "type": "object",
  "required": ["y_kien"],
  "properties": {
    "y_kien": {"type": "string", "title": "Ý kiến của lãnh đạo phòng", "minLength": 1, "maxLength": 2000}
  }
}
"""
# The modeler's own API stands in for dragging from the palette: a lane under the specialists' lane, and in it a
# user task placed between the result script and the handover step. Every property is then set in the panel.
ADD_STEP = """() => {
  const modeler = window.studio.modeler;
  const modeling = modeler.get('modeling'), registry = modeler.get('elementRegistry');
  const lane = modeling.addLane(registry.get('lane_chuyen_vien'), 'bottom');
  const participant = registry.filter((e) => e.type === 'bpmn:Participant')[0];
  const before = registry.get('st_ket_qua'), after = registry.get('ut_chuyen_tra');
  const task = modeling.createShape({ type: 'bpmn:UserTask' },
    { x: after.x + after.width / 2 + 40, y: lane.y + lane.height / 2 }, participant);
  modeling.removeConnection(registry.get('f_ket_qua_chuyen_tra'));
  modeling.connect(before, task);
  modeling.connect(task, after);
  return { task: task.id, lane: lane.id };
}"""


def element(page, element_id: str):
    return page.locator(f'.djs-element[data-element-id="{element_id}"]')


def draft_of(page, code: str):
    """The designer signed in, in the editor of a new draft of the procedure's version 1."""
    sign_in(page, "thietke.tinh")
    page.goto("/thiet-ke")
    row = page.get_by_role("row").filter(has_text=code)
    follow(page, row.get_by_role("button", name="Tạo bản nháp từ phiên bản 1"))
    page.wait_for_function("() => window.studio !== undefined")
    return page


def save(page) -> None:
    with page.expect_response(re.compile(r"/luu$")):
        page.get_by_role("button", name="Lưu", exact=True).click()


def test_a_designer_draws_a_step_fixes_what_the_check_finds_and_submits(open_desk, live_server, artifacts):
    page = open_desk(DESK)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    sign_in(page, "thietke.tinh")
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Thiết kế"))
    page.screenshot(path=str(artifacts / "studio-list.png"))
    row = page.get_by_role("row").filter(has_text=CODE)
    follow(page, row.get_by_role("button", name="Tạo bản nháp từ phiên bản 1"))
    expect(page).to_have_url(re.compile(f"/thiet-ke/{re.escape(CODE)}/2$"))
    expect(page.get_by_role("status").filter(has_text="Đã tạo bản nháp phiên bản 2")).to_be_visible()
    page.wait_for_function("() => window.studio !== undefined")
    expect(page.locator("#findings")).to_contain_text("Không có lỗi hay cảnh báo.")
    assert layout_problems(page, "studio", "desk", artifacts) == []
    page.screenshot(path=str(artifacts / "studio-editor.png"))

    ids = page.evaluate(ADD_STEP)
    expect(page.get_by_role("status")).to_have_text("Có thay đổi chưa lưu.")

    # a form for the step, written and tried in the forms tab
    page.get_by_role("tab", name="Biểu mẫu").click()
    page.get_by_label("Biểu mẫu mới (tên tệp, không dấu)").fill(FORM)
    page.get_by_role("button", name="Thêm biểu mẫu").click()
    expect(page.locator("#form-title")).to_have_text(f"{FORM}.json")
    page.get_by_label("JSON Schema (các trường và ràng buộc)").fill(SCHEMA)
    preview = page.locator("#form-preview")
    expect(preview.get_by_label("Ý kiến của lãnh đạo phòng")).to_be_visible()
    page.get_by_role("button", name="Thử kiểm tra").click()
    expect(preview.locator(".field-error")).to_have_text("Bắt buộc nhập.")
    preview.get_by_label("Ý kiến của lãnh đạo phòng").fill("Đồng ý trình ký")
    page.get_by_role("button", name="Thử kiểm tra").click()
    expect(page.locator("#preview-verdict")).to_have_text("Dữ liệu thử hợp lệ theo biểu mẫu.")
    page.screenshot(path=str(artifacts / "studio-forms.png"))

    # the step's name, budget and form through the properties panel
    page.get_by_role("tab", name="Sơ đồ quy trình").click()
    element(page, ids["task"]).click()
    panel = page.locator("#properties")
    expect(panel.get_by_label("Thời hạn của bước")).to_be_visible()
    panel.get_by_label("Tên", exact=True).fill(STEP)
    panel.get_by_label("Thời hạn của bước").fill("1d")
    panel.get_by_label("Biểu mẫu (JSON Schema)").select_option(f"{FORM}.json")
    panel.get_by_label("Giao diện biểu mẫu (UI schema)").select_option(f"{FORM}.uischema.json")
    panel.get_by_label("Trạng thái hồ sơ").select_option("4")
    with page.expect_response(re.compile(r"/kiem-tra$")):  # "Kiểm tra" looks at what is on screen, saves nothing
        page.get_by_role("button", name="Kiểm tra").click()
    expect(page.get_by_role("status")).to_contain_text("Đã kiểm tra")
    expect(page.locator("#findings .finding-error .finding-where", has_text=ids["task"])).to_be_visible()
    with unit_of_work(live_server.factory) as session:
        assert STEP not in get_version(session, CODE, 2).files["process.bpmn"]
    save(page)

    # the new lane has no role yet: the step is refused a lane, drawn in red on the diagram and listed
    marked = element(page, ids["task"])
    expect(marked).to_have_class(re.compile(r"\bfinding-error\b"))
    expect(page.locator(f'.finding-badge[data-element="{ids["task"]}"]')).to_be_visible()
    finding = page.locator("#findings .finding-error").filter(
        has=page.locator(".finding-where", has_text=ids["task"]))
    expect(finding).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("bản nháp còn")
    page.screenshot(path=str(artifacts / "studio-finding.png"))
    page.get_by_role("button", name="Gửi phê duyệt").click()  # blocked, with the errors shown
    expect(page.get_by_role("status")).to_contain_text("Chưa gửi được")
    expect(page).to_have_url(re.compile(f"/thiet-ke/{re.escape(CODE)}/2$"))
    element(page, "ut_tiep_nhan").click()
    finding.click()  # choosing a finding selects its element
    expect(panel.locator(".bio-properties-panel-header-label")).to_have_text(STEP)

    # the fix: the lane takes the department heads' role, chosen in the panel
    box = element(page, ids["lane"]).bounding_box()
    page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)
    panel.get_by_label("Vai trò xử lý (tên làn)").select_option("lanh_dao_phong")
    save(page)
    expect(element(page, ids["task"])).not_to_have_class(re.compile(r"\bfinding-error\b"))
    expect(page.locator("#findings .finding-error .finding-where", has_text=ids["task"])).to_have_count(0)

    # one working day more than the legal limit allows: the appraisal gives up that day
    if page.locator("#findings .finding-error").count():
        expect(page.locator("#findings .finding-error")).to_contain_text("vượt thời hạn luật định")
    element(page, "ut_tham_dinh").click()
    panel.get_by_label("Thời hạn của bước").fill("5d")
    with page.expect_event("dialog") as leaving:  # leaving with unsaved changes asks first
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("link", name="← Xưởng thiết kế").click()
    assert leaving.value.type == "beforeunload"
    expect(page).to_have_url(re.compile(f"/thiet-ke/{re.escape(CODE)}/2$"))
    save(page)
    expect(page.locator("#findings .finding-error")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Đã lưu lúc")
    page.screenshot(path=str(artifacts / "studio-fixed.png"))

    with unit_of_work(live_server.factory) as session:
        stored = get_version(session, CODE, 2)
        xml, forms = stored.files["process.bpmn"], stored.forms
    assert f'name="{STEP}"' in xml and 'name="lanh_dao_phong"' in xml
    assert '<spiffworkflow:property name="formJsonSchemaFilename" value="kiem_tra_trinh_ky.json"' in xml
    assert '<spiffworkflow:property name="step_budget" value="1d"' in xml
    assert forms[f"{FORM}.json"]["required"] == ["y_kien"]

    if page.locator("#studio-dry-run").count():  # the dry run, where it has landed: the new step is on the way
        editor = page.url
        follow(page, page.locator("#studio-dry-run"))
        follow(page, page.locator("main form").get_by_role("button", name="Chạy thử"))
        expect(page.locator(".dry-run-result").first).to_contain_text(STEP)
        page.screenshot(path=str(artifacts / "studio-dry-run.png"))
        page.goto(editor)
        page.wait_for_function("() => window.studio !== undefined")

    with page.expect_navigation(url=re.compile(f"/versions/{re.escape(CODE)}/2$")):
        page.get_by_role("button", name="Gửi phê duyệt").click()
    expect(page.get_by_role("status").filter(has_text="Đã gửi phiên bản 2 để phê duyệt.")).to_be_visible()
    expect(page.locator("h1 .state-badge")).to_have_text("Chờ phê duyệt")
    assert script_errors == []
    assert live_server.errors == []


ROUND_TRIP = """async (xml) => {
  const modeler = window.studio.modeler;
  const { warnings } = await modeler.importXML(xml);
  const { xml: saved } = await modeler.saveXML({ format: true });
  return { saved, warnings: warnings.map((w) => w.message) };
}"""


def test_every_bundled_diagram_keeps_what_motcua_and_spiffarena_read_through_the_modeler(open_desk, live_server):
    """Opening and saving a file in the modeler keeps every spiffworkflow extension (properties, scripts, message
    payloads …), lane, condition and timer: the studio can edit the bundled procedures and SpiffArena's files."""
    page = draft_of(open_desk(DESK), "2.000815")
    files = sorted((ROOT / "bpmn").glob("*/*.bpmn"))
    assert len(files) > 10
    for path in files:
        xml = path.read_text(encoding="utf-8")
        result = page.evaluate(ROUND_TRIP, xml)
        name = str(path.relative_to(ROOT / "bpmn"))
        assert result["warnings"] == [], name
        assert describe_elements({name: result["saved"]}) == describe_elements({name: xml}), name
        assert extensions(result["saved"]) == extensions(xml), name


def extensions(xml: str) -> list[tuple[str, str, str]]:
    """Every spiffworkflow element with its attributes and text, in document order."""
    root = etree.fromstring(xml.encode("utf-8"))
    return [(node.tag, json.dumps(dict(node.attrib), sort_keys=True), (node.text or "").strip())
            for node in root.iter(f"{{{SPIFF}}}*")]


# Each element of a diagram selected in turn: the type the properties panel's header names (once the panel shows
# that element), for every element whose type reads in English (all ASCII, as no Vietnamese wording is).
HEADER_TYPES = """async (xml) => {
  const modeler = window.studio.modeler;
  await modeler.importXML(xml);
  const registry = modeler.get('elementRegistry'), selection = modeler.get('selection');
  const english = {};
  for (const element of registry.filter((e) => e.type !== 'label')) {
    selection.select(element);
    let header = null;
    for (let tries = 0; tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const id = document.querySelector('#properties input[name="id"]');
      header = document.querySelector('#properties .bio-properties-panel-header-type');
      if (header && id && id.value === element.id) break;
    }
    const type = header ? header.textContent : '(no header)';
    if (/^[\\x00-\\x7f]*$/.test(type)) english[element.type] = type;
  }
  return english;
}"""


def test_the_properties_panel_names_element_types_and_dossier_actions_in_vietnamese(open_desk, live_server):
    page = draft_of(open_desk(DESK), "1.001612")
    panel = page.locator("#properties")
    expect(panel.locator(".bio-properties-panel-header-type")).to_have_text("Sơ đồ cộng tác")  # nothing selected
    element(page, "ut_tiep_nhan").click()
    expect(panel.locator(".bio-properties-panel-header-type")).to_have_text("Công việc của cán bộ (user task)")
    expect(panel.locator(".bio-properties-panel-header-type")).to_have_css("text-transform", "uppercase")
    offered = panel.get_by_label("Thao tác trên hồ sơ").locator("option").all_text_contents()
    assert "Xác định phí, lệ phí phải thu (đầu bước thu phí)" in offered
    assert "Ghi nhận thu phí, lệ phí (cuối bước thu phí)" in offered
    assert [text for text in offered if text.isascii()] == []  # no action shown by its key
    page.get_by_role("tab", name="Biểu mẫu").click()
    expect(page.get_by_role("textbox", name=re.compile(r"^Giao diện biểu mẫu \(UI schema\)"))).to_be_visible()

    for path in sorted((ROOT / "bpmn").glob("*/*.bpmn")):  # every element type the bundled procedures draw
        english = page.evaluate(HEADER_TYPES, path.read_text(encoding="utf-8"))
        assert english == {}, path.relative_to(ROOT / "bpmn")
