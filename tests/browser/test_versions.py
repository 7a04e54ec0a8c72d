"""An administrator compares a waiting version with the active one: two diagrams side by side at the desk's
1366×768, what changed coloured, the page's policy blocking nothing the viewer needs, and a sensible print."""
from __future__ import annotations

import re
import shutil

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                    "browser tests skipped")

from playwright.sync_api import expect  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from engine.infra.db import unit_of_work  # noqa: E402
from engine.models import ProcessVersion  # noqa: E402
from engine.infra.settings import ROOT  # noqa: E402
from engine.workflow.catalog import load_procedure  # noqa: E402

from .conftest import DESK  # noqa: E402
from .test_dossier_journey import follow, sign_in  # noqa: E402
from .test_layout import layout_problems  # noqa: E402

SLUG, CODE = "dinh-chinh-gcn", "1.004227"
RENAMED = "Phê duyệt kết quả đính chính"
MARKERS = ".djs-element.diff-added, .djs-element.diff-removed, .djs-element.diff-changed"


@pytest.fixture
def waiting_version(live_server, fixed_clock, tmp_path):
    """Version 2 of the land-certificate correction: the approval step renamed, the appraisal budget shortened."""
    folder = tmp_path / SLUG
    shutil.copytree(ROOT / "bpmn" / SLUG, folder)
    bpmn = folder / "process.bpmn"
    xml = bpmn.read_text(encoding="utf-8")
    bpmn.write_text(xml.replace('name="Phê duyệt">', f'name="{RENAMED}">', 1).replace('value="6d"', 'value="5d"', 1),
                    encoding="utf-8")
    with unit_of_work(live_server.factory) as session:
        return load_procedure(session, folder, ROOT / "bpmn" / "common", fixed_clock.now()).version


def waiting_count(live_server) -> int:
    """Versions waiting for approval on the shared server (the studio's test may have submitted one too)."""
    with unit_of_work(live_server.factory) as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion)
                              .where(ProcessVersion.status == "submitted"))


def test_the_waiting_version_is_shown_beside_the_active_one_with_its_changes_coloured(
        open_desk, live_server, waiting_version, artifacts):
    waiting = waiting_count(live_server)
    page = open_desk(DESK)
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    sign_in(page, "quantri.tinh")
    expect(page).to_have_url(re.compile(r"/operations$"))  # administrators start on the operations overview
    follow(page, page.get_by_role("link", name=f"Chờ phê duyệt: {waiting}"))
    expect(page).to_have_url(re.compile(r"/versions$"))
    expect(page.get_by_role("heading", name=f"Chờ phê duyệt: {waiting}")).to_be_visible()
    follow(page, page.get_by_role("link", name=re.compile(f"phiên bản {waiting_version}$")))

    diagrams = page.locator(".diagram")
    expect(diagrams.locator("svg[data-element-id]")).to_have_count(2)
    expect(page.locator("#diagram-status")).to_be_hidden()
    expect(page.locator(MARKERS).first).to_be_attached()
    assert page.locator(".diagram").nth(1).locator(".diff-changed").count() >= 1
    expect(diagrams.nth(1).get_by_text("Phê duyệt kết quả")).to_be_visible()  # bpmn-js wraps the label
    older, newer = (diagrams.nth(i).bounding_box() for i in (0, 1))
    assert abs(older["y"] - newer["y"]) < 1 and newer["x"] > older["x"] + older["width"] - 1
    assert older["width"] > 500 and newer["width"] > 500
    assert refused == []
    assert layout_problems(page, "version", "desk", artifacts) == []
    page.locator(".diagram-pair").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "versions-desk.png"))
    page.screenshot(path=str(artifacts / "versions-desk-full.png"), full_page=True)

    # zooming the newer diagram moves the older one to the same place
    box = newer
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    for _ in range(4):
        page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    viewports = diagrams.locator("svg .viewport")
    expect(viewports.nth(1)).not_to_have_attribute("transform", viewports.nth(0).get_attribute("transform") or "")
    page.wait_for_function("""() => {
        const [a, b] = [...document.querySelectorAll('.diagram svg .viewport')]
            .map(v => v.getAttribute('transform').match(/-?[0-9.]+/g).map(Number));
        return a[0] > 0.6 && a.every((value, i) => Math.abs(value - b[i]) < 0.5);
    }""")
    page.locator(".diagram-pair").screenshot(path=str(artifacts / "versions-zoomed.png"))

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".version-actions")).to_be_hidden()
    page.screenshot(path=str(artifacts / "versions-print.png"), full_page=True)
