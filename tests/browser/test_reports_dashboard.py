"""A leader opens the dashboard: the charts drawn beside their tables, a number opens the dossiers behind it, a
dossier's code opens its page."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
expect = sync_api.expect

from .conftest import DESK, START  # noqa: E402 - after the skip when Playwright is missing
from .test_dossier_journey import follow, receive_at_desk, sign_in  # noqa: E402
from .test_layout import layout_problems  # noqa: E402

# How many pixels of the canvas are painted: a chart that failed to draw leaves it transparent.
PAINTED = """(canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) painted++;
  return painted;
}"""


@pytest.fixture
def clock(fixed_clock):
    yield fixed_clock
    fixed_clock.set(START)  # the server is shared by the package's tests


def test_a_leader_goes_from_a_dashboard_figure_to_the_dossier(open_desk, live_server, clock, artifacts, tmp_path):
    clock.set(START.replace(hour=10))
    desk = open_desk(DESK)
    sign_in(desk, "motcua.tinh")
    code = receive_at_desk(desk, tmp_path)[0]
    desk.context.close()
    # Read at the end of the working day: the figures count whole days, the lists up to the instant they are read,
    # and other tests on this shared server receive on 2 March too.
    clock.set(START.replace(hour=18))

    page = open_desk(DESK)
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    sign_in(page, "lanhdao.vpdk")
    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bảng điều khiển")
    for chart in ("#trend-chart", "#units-chart"):
        canvas = page.locator(chart)
        expect(canvas).to_have_attribute("data-ready", "true")
        expect(canvas).to_be_visible()
        page.wait_for_timeout(400)  # the bars grow in for 300 ms
        assert canvas.evaluate(PAINTED) > 1000, f"{chart} is blank"
    march = page.locator("#trend-table tbody tr").filter(has_text="Tháng 3/2026")
    received = march.get_by_role("link").first  # the dossiers received new in March
    count = int(received.inner_text())
    assert count >= 3  # the two demo dossiers and this test's, at least: the server is shared
    expect(page.locator("#units-table tbody tr")).to_have_count(1)  # the branch has no sub-units
    assert layout_problems(page, "dashboard", "desk", artifacts) == []
    page.screenshot(path=str(artifacts / "dashboard-desk.png"), full_page=True)

    follow(page, received)
    assert "/reports/dossiers?" in page.url and "measure=received_new" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ mới tiếp nhận trong kỳ")
    expect(page.locator(".drill-total")).to_have_text(f"{count} hồ sơ")
    expect(page.locator(".drill-table tbody tr")).to_have_count(min(count, 50))
    expect(page.get_by_role("link", name="Về bảng điều khiển")).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard-drill-down.png"), full_page=True)

    follow(page, page.get_by_role("link", name=code, exact=True))
    assert page.url.endswith(f"/dossiers/{code}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(re.escape(code)))
    assert refused == []
