"""The receipt (Mẫu 01) and the supplement request (Mẫu 02) print on one A4 sheet with their signature blocks."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
expect = sync_api.expect

from .conftest import START  # noqa: E402
from .test_dossier_journey import APPLICANT, PROCEDURE, find_procedure, receive_at_desk, sign_in  # noqa: E402

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")


def printed_pages(page) -> int:
    """How many A4 sheets the browser prints the current page on (the print style sheet applies)."""
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")
    return len(PAGE_OBJECT.findall(pdf))


def test_the_receipt_and_the_supplement_request_each_fit_one_a4_page(open_desk, artifacts, tmp_path, fixed_clock):
    fixed_clock.set(START)  # the server is shared by the package's tests: the receipt's code is of 2 March
    page = open_desk()
    sign_in(page, "motcua.tinh")
    code, _, _ = receive_at_desk(page, tmp_path)
    expect(page.locator(".signatures")).to_be_visible()
    page.screenshot(path=str(artifacts / "print-mau01.png"), full_page=True)
    assert printed_pages(page) == 1, f"the receipt of {code} prints on more than one sheet"

    page.goto("/reception")
    find_procedure(page, "đính chính")
    page.get_by_role("link", name=PROCEDURE, exact=True).click()
    page.get_by_label(re.compile("^Họ và tên")).fill(APPLICANT["name"])
    page.get_by_label("Số định danh cá nhân/CCCD").fill(APPLICANT["id_number"])
    page.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    page.get_by_label("Địa chỉ", exact=True).fill(APPLICANT["address"])
    page.get_by_role("button", name=re.compile("lập Phiếu yêu cầu bổ sung")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("yêu cầu bổ sung", re.IGNORECASE))
    expect(page.locator(".signatures")).to_be_visible()
    page.screenshot(path=str(artifacts / "print-mau02.png"), full_page=True)
    assert printed_pages(page) == 1, "the supplement request prints on more than one sheet"
