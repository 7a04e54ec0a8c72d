"""Receiving once in a real browser: Back and send the desk form again makes no second dossier; an online
submission is checked and received from the reception page, which fits the desk screen and a tablet."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
expect = sync_api.expect

from sqlalchemy import func, select  # noqa: E402

from engine.infra.db import unit_of_work  # noqa: E402
from engine.models import Dossier  # noqa: E402
from engine.onestop.reception import receive_for_integration  # noqa: E402
from engine.org.accounts import user_by_username  # noqa: E402

from .conftest import DESK, START, TABLET_PORTRAIT  # noqa: E402
from .test_dossier_journey import PROCEDURE, REQUIRED_COMPONENTS, follow, sign_in  # noqa: E402
from .test_layout import layout_problems  # noqa: E402


def dossiers_of(live_server, id_number: str) -> int:
    with unit_of_work(live_server.factory) as s:
        return s.scalar(select(func.count()).select_from(Dossier)
                        .where(Dossier.applicant["id_number"].as_string() == id_number))


def test_back_and_send_again_shows_the_first_receipt_instead_of_a_second_dossier(open_desk, live_server,
                                                                                 fixed_clock):
    fixed_clock.set(START)
    page = open_desk()
    sign_in(page, "motcua.tinh")
    page.goto("/reception")
    follow(page, page.get_by_role("link", name=PROCEDURE, exact=True))
    page.get_by_label(re.compile("^Họ và tên")).fill("Lâm Thị Gửi Hai Lần")
    page.get_by_label("Số định danh cá nhân/CCCD").fill("001199000777")
    for component in REQUIRED_COMPONENTS:
        page.get_by_role("checkbox", name=re.compile(re.escape(component))).check()
    follow(page, page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True))
    first = re.search(r"Mã hồ sơ:\s*(\S+)", page.locator("article").inner_text()).group(1)

    page.go_back()  # the officer is unsure it went through, goes back and sends the same form again
    expect(page.get_by_role("heading", level=1)).to_have_text(PROCEDURE)
    follow(page, page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True))
    shown = page.locator("body").inner_text()
    # The browser kept the form (its one-time token with it): the first receipt; or it loaded a fresh form
    # with the fields kept: the officer is asked whether this is another dossier of the same person.
    assert (first in shown and "lần gửi đầu" in shown) or "cùng số định danh 001199000777" in shown, shown[:500]
    assert dossiers_of(live_server, "001199000777") == 1


SEND_TWICE_AT_ONCE = """async () => {
  const form = document.querySelector('form.reception-form');
  const data = new FormData(form);
  data.set('action', 'receive');
  const sent = await Promise.all([1, 2].map(() => fetch(location.href, {method: 'POST', body: data})));
  return sent.map(answer => answer.url.replace(location.origin, ''));
}"""


def test_the_same_form_sent_twice_at_once_makes_one_dossier(open_desk, live_server, fixed_clock):
    """A double click that reaches the server twice: both POSTs carry the form's one-time token."""
    fixed_clock.set(START)
    page = open_desk()
    sign_in(page, "motcua.tinh")
    page.goto("/reception")
    follow(page, page.get_by_role("link", name=PROCEDURE, exact=True))
    page.get_by_label(re.compile("^Họ và tên")).fill("Lâm Văn Bấm Hai Lần")
    page.get_by_label("Số định danh cá nhân/CCCD").fill("001199000888")
    for component in REQUIRED_COMPONENTS:
        page.get_by_role("checkbox", name=re.compile(re.escape(component))).check()
    landed = sorted(page.evaluate(SEND_TWICE_AT_ONCE))
    receipt = landed[0]
    assert receipt.startswith("/reception/receipts/") and landed[1] == receipt + "?repeated=1", landed
    assert dossiers_of(live_server, "001199000888") == 1


def test_an_online_submission_is_checked_and_received_from_the_reception_page(open_desk, live_server, fixed_clock,
                                                                            artifacts):
    fixed_clock.set(START)
    with unit_of_work(live_server.factory) as s:
        desk_id = user_by_username(s, "motcua.tinh").id
        code = receive_for_integration(
            s, actor_id=desk_id, procedure_code="dinh-chinh-gcn", channel="online", received_at=START, now=START,
            applicant={"name": "Đặng Thị Trực Tuyến", "id_number": "001190088888"},
            components=[REQUIRED_COMPONENTS[0] + ", tài sản gắn liền với đất theo Mẫu số 11/ĐK"]).code
    page = open_desk()
    sign_in(page, "motcua.tinh")
    problems = []
    for name, screen in (("desk", DESK), ("tablet-portrait", TABLET_PORTRAIT)):
        page.set_viewport_size(screen)
        page.goto("/reception")
        expect(page.get_by_role("heading", name=re.compile("Hồ sơ nộp trực tuyến chờ kiểm tra"))).to_be_visible()
        problems += layout_problems(page, "reception-online-list", name, artifacts)
        follow(page, page.get_by_role("row").filter(has_text=code).get_by_role("link", name="Kiểm tra"))
        problems += layout_problems(page, "reception-online-check", name, artifacts)
    assert not problems, "\n".join(problems)

    page.get_by_role("checkbox", name=re.compile(re.escape(REQUIRED_COMPONENTS[1]))).check()
    follow(page, page.get_by_role("button", name="Tiếp nhận hồ sơ (in Mẫu 01)"))
    sheet = page.locator("article").inner_text()
    assert code in sheet and re.search(r"Quyển số: 2026, Số thứ tự: \d+", sheet)
    assert "Mã tra cứu: đã cấp khi nộp trực tuyến" in sheet
    page.goto("/reception")
    assert code not in page.locator("main").inner_text()
