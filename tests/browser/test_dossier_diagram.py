"""An official opens a dossier mid-way and reads its process diagram: the done step green, the current one marked
with its due time (red once late), the called sub-processes a tab away, the whole at the desk's 1366×768, and a
sensible print."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
expect = sync_api.expect

from .conftest import DESK, START  # noqa: E402 - after the skip when Playwright is missing
from .test_dossier_journey import (  # noqa: E402
    APPRAISAL, DESK_STEP, UNIT_TAB, complete_step, open_task, receive_at_desk, sign_in)
from .test_layout import layout_problems  # noqa: E402

CANVAS = ".dossier-diagram-canvas"
SUPPLEMENT_TAB = "Yêu cầu bổ sung, hoàn thiện hồ sơ"


def element(page, bpmn_id: str):
    return page.locator(f'{CANVAS} g.djs-element[data-element-id="{bpmn_id}"]')


@pytest.fixture
def dossier_midway(open_desk, fixed_clock, tmp_path):
    """A land-certificate correction received and forwarded by the desk: the appraisal is the current step."""
    fixed_clock.set(START)
    desk = open_desk(DESK)
    sign_in(desk, "motcua.tinh")
    code = receive_at_desk(desk, tmp_path)[0]
    fixed_clock.set(START.replace(minute=10))
    open_task(desk, code, DESK_STEP, tab=UNIT_TAB)
    desk.get_by_label("Đã kiểm tra đủ thành phần hồ sơ").check()
    complete_step(desk, DESK_STEP)
    desk.context.close()
    yield code
    fixed_clock.set(START)  # the server is shared by the package's tests


def test_an_official_sees_the_current_step_marked_on_the_dossiers_diagram(open_desk, live_server, fixed_clock,
                                                                         dossier_midway, artifacts):
    code = dossier_midway
    fixed_clock.set(START.replace(hour=11))
    page = open_desk(DESK)
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    sign_in(page, "chuyenvien.vpdk")
    page.goto(f"/dossiers/{code}")
    section = page.locator(".dossier-diagram")
    expect(section.get_by_role("heading", name="Sơ đồ quy trình")).to_be_visible()

    expect(element(page, "ut_tham_dinh")).to_have_class(re.compile(r"\bdiagram-current\b"))
    expect(element(page, "ut_tiep_nhan")).to_have_class(re.compile(r"\bdiagram-done\b"))
    expect(element(page, "f_tiep_nhan_tham_dinh")).to_have_class(re.compile(r"\bdiagram-done\b"))
    expect(element(page, "ut_phe_duyet")).not_to_have_class(re.compile(r"\bdiagram-"))
    expect(element(page, "ut_tham_dinh")).not_to_have_class(re.compile(r"\bdiagram-late\b"))
    due = page.locator(f'{CANVAS} .djs-overlays[data-container-id="ut_tham_dinh"] .diagram-due')
    expect(due).to_have_text(re.compile(r"^Hạn \d\d/\d\d/2026 \d\d:\d\d$"))
    expect(due).not_to_have_class(re.compile(r"\blate\b"))
    expect(page.locator("#dossier-diagram-status")).to_be_hidden()
    # the lanes read the roles' names, not the role keys the BPMN names them by
    for lane, role in (("lane_mot_cua", "Công chức Bộ phận Một cửa"), ("lane_chuyen_vien", "Chuyên viên thụ lý"),
                       ("lane_lanh_dao", "Lãnh đạo đơn vị"), ("lane_van_thu", "Văn thư")):
        shown = element(page, lane).locator(".djs-visual text").text_content()  # its lines' tspans, run together
        assert shown.replace(" ", "") == role.replace(" ", ""), (lane, shown)
    # the due-time note sits clear of the gateway's label beside the step
    label = page.locator(f'{CANVAS} g.djs-element[data-element-id="gw_tham_dinh_label"]').bounding_box()
    note = due.bounding_box()
    assert not (note["x"] < label["x"] + label["width"] and label["x"] < note["x"] + note["width"]
                and note["y"] < label["y"] + label["height"] and label["y"] < note["y"] + note["height"]), (note, label)
    current = section.locator('li[data-element="ut_tham_dinh"]')
    expect(current).to_contain_text("Đang xử lý")
    expect(current).to_contain_text(APPRAISAL)
    expect(section.locator('li[data-element="ut_tiep_nhan"]')).to_contain_text("Nguyễn Thị Lan")

    # the diagram fits the card at the desk's screen: nothing outside the canvas, no sideways scroll
    canvas, step = page.locator(CANVAS).bounding_box(), element(page, "ut_tham_dinh").bounding_box()
    assert canvas["width"] > 900 and canvas["x"] + canvas["width"] <= DESK["width"]
    for shape in ("start", "ut_tiep_nhan", "ut_tham_dinh", "ut_chuyen_tra"):
        box = element(page, shape).bounding_box()
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1, shape
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"] + 1, shape
    assert step["width"] > 40  # fitted, yet still readable
    assert layout_problems(page, "dossier-diagram", "desk", artifacts) == []
    assert refused == []
    section.scroll_into_view_if_needed()
    page.locator(CANVAS).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dossier-diagram-desk.png"))
    section.screenshot(path=str(artifacts / "dossier-diagram-section.png"))

    # zoom buttons, then back to the whole diagram
    viewport = page.locator(f"{CANVAS} svg .viewport").first
    fitted = viewport.get_attribute("transform")
    section.get_by_role("button", name="Phóng to sơ đồ").click()
    expect(viewport).not_to_have_attribute("transform", fitted or "")
    section.get_by_role("button", name="Vừa khung").click()
    expect(viewport).to_have_attribute("transform", fitted or "")

    # a called sub-process is a tab away; its list of steps replaces the main one
    tab = section.get_by_role("tab", name=re.compile("^" + re.escape(SUPPLEMENT_TAB)))
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(element(page, "ut_lap_phieu_bo_sung")).to_be_attached()
    expect(element(page, "ut_tham_dinh")).to_have_count(0)
    expect(section.get_by_role("tabpanel")).to_have_count(1)
    expect(section.get_by_role("tabpanel")).to_contain_text("Lập Phiếu yêu cầu bổ sung")
    page.keyboard.press("ArrowLeft")  # the ARIA tabs pattern: back to the main process
    expect(element(page, "ut_tham_dinh")).to_have_class(re.compile(r"\bdiagram-current\b"))

    page.emulate_media(media="print")
    expect(section.get_by_role("tablist")).to_be_hidden()
    expect(section.locator(".diagram-toolbar")).to_be_hidden()
    expect(section.locator(".diagram-steps").nth(1)).to_be_visible()  # every list prints
    section.screenshot(path=str(artifacts / "dossier-diagram-print.png"))
    assert live_server.errors == []


def test_a_late_current_step_is_red_with_its_due_time(open_desk, live_server, fixed_clock, dossier_midway,
                                                      artifacts):
    fixed_clock.set(START.replace(day=20))  # the appraisal's budget ran out days ago
    page = open_desk(DESK)
    sign_in(page, "chuyenvien.vpdk")
    page.goto(f"/dossiers/{dossier_midway}")
    expect(element(page, "ut_tham_dinh")).to_have_class(re.compile(r"\bdiagram-late\b"))
    due = page.locator(f'{CANVAS} .djs-overlays[data-container-id="ut_tham_dinh"] .diagram-due')
    expect(due).to_have_class(re.compile(r"\blate\b"))
    expect(due).to_have_text(re.compile(r"^Quá hạn: hạn \d\d/\d\d/2026"))
    color = due.evaluate("node => getComputedStyle(node).backgroundColor")
    assert color == "rgb(179, 38, 30)", color
    expect(page.locator('.dossier-diagram li[data-element="ut_tham_dinh"]')).to_contain_text("Quá hạn")
    page.locator(CANVAS).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dossier-diagram-late.png"))
    assert live_server.errors == []
