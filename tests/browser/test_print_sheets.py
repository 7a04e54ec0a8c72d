"""Printed sheets in Chromium: the receipt (Mẫu 01) with a long address on one A4 sheet, the register (Mẫu 07)
and the periodic report on one A4 landscape sheet without a blank page after, and a task page printed without
its buttons and file input."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
expect = sync_api.expect

from pypdf import PdfReader  # noqa: E402

from .conftest import START  # noqa: E402
from .test_dossier_journey import (DESK_STEP, PROCEDURE, REQUIRED_COMPONENTS, follow, open_task,  # noqa: E402
                                   sign_in)

DAY = START.replace(month=4, day=13)  # Monday 13 April 2026: no other test receives on this day
LONG_ADDRESS = ("Số nhà 123, ngõ 45 đường Điện Biên Phủ kéo dài, tổ dân phố Đồng Tâm 2, "
                "phường Phương Lâm, thành phố Hòa Bình, tỉnh Hòa Bình")
APPLICANTS = [  # the register's rows: addresses as most are, on three lines of its address column
    ("Nguyễn Thị Ánh Tuyết", "001190054301", "Tổ 5, phường Tân Thịnh, thành phố Hòa Bình, tỉnh Hòa Bình"),
    ("Trần Văn Bình", "001190054302", "Thôn Đông, xã Yên Lạc, huyện Yên Thủy, tỉnh Hòa Bình"),
    ("Lê Hoàng Phương Thảo", "001190054303", "Số 12 ngõ 34 phố Nguyễn Trãi, phường Hòa Bình, tỉnh Hòa Bình"),
]
PRINTABLE = {"portrait": {"width": 624, "height": 971},  # A4 less the @page margins, in CSS pixels
             "landscape": {"width": 1020, "height": 680}}


@pytest.fixture
def clock(fixed_clock):
    fixed_clock.set(DAY)
    yield fixed_clock
    fixed_clock.set(START)  # the server is shared by the package's tests


def printed(page) -> PdfReader:
    """The current page as Chromium prints it on A4 (the print style sheets and their @page rules apply)."""
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")
    return PdfReader(io.BytesIO(pdf))


def page_texts(reader: PdfReader) -> list[str]:
    """Each sheet's text, without the spaces pypdf puts around Vietnamese letters with diacritics."""
    return [re.sub(r"\s+", "", sheet.extract_text()) for sheet in reader.pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def receive(page, name: str, id_number: str, address: str, postal: bool = False) -> str:
    """Receive one dossier at the desk with every component ticked; the receipt is shown. Returns its code."""
    page.goto("/reception")
    follow(page, page.get_by_role("link", name=PROCEDURE, exact=True))
    page.get_by_label(re.compile("^Họ và tên")).fill(name)
    page.get_by_label("Số định danh cá nhân/CCCD").fill(id_number)
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_label("Thư điện tử").fill("nguoinop@example.vn")
    page.get_by_label("Địa chỉ", exact=True).fill(address)
    for box in page.locator("input[name=components]").all():  # several components, not only the required ones
        box.check()
    if postal:
        page.check("input[name=return_method][value=postal]")
        page.get_by_label("Địa chỉ nhận kết quả qua bưu chính").fill(LONG_ADDRESS)
    follow(page, page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True))
    confirm = page.get_by_role("checkbox", name=re.compile("đây là một hồ sơ khác"))
    if confirm.count():  # the same person's dossier was received today (the test run again on one server)
        confirm.check()
        follow(page, page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", re.IGNORECASE))
    return re.search(r"Mã hồ sơ:\s*(\S+)", page.locator("article").inner_text()).group(1)


def add_rows(page, total: int) -> None:
    """Repeat the table's data rows in turn until the table has `total` rows: a fuller register or report."""
    page.evaluate("""total => {
      const body = document.querySelector('.sheet table tbody');
      const first = body.rows.length;
      for (let i = 0; body.rows.length < total; i++) body.appendChild(body.rows[i % first].cloneNode(true));
    }""", total)


def test_the_receipt_with_a_long_address_and_its_lookup_code_prints_on_one_a4_sheet(open_desk, clock, artifacts):
    page = open_desk()
    sign_in(page, "motcua.tinh")
    name, address = APPLICANTS[0][0], LONG_ADDRESS
    code = receive(page, name, "001190054300", address, postal=True)
    # The first print is the one with the lookup code and its note: the longest the receipt gets.
    expect(page.locator(".receipt-secret")).to_be_visible()
    assert page.locator(".receipt-components tbody tr").count() >= 3
    page.emulate_media(media="print")
    page.set_viewport_size(PRINTABLE["portrait"])
    page.screenshot(path=str(artifacts / "print-sheet-mau01.png"), full_page=True)
    reader = printed(page)
    assert len(reader.pages) == 1, f"the receipt of {code} prints on {len(reader.pages)} A4 sheets"
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842), "the receipt is not printed on A4 portrait"
    text = page_texts(reader)[0]
    for part in ("GIẤYTIẾPNHẬNHỒSƠ", squeeze(address), "NGƯỜINỘPHỒSƠ", "NGƯỜITIẾPNHẬNHỒSƠ",
                 "đượclậpthành02liên", "dịchvụbưuchínhcôngích."):
        assert part in text, f"{part!r} is not on the printed receipt"


def test_the_register_and_the_report_print_on_one_landscape_sheet(open_desk, clock, artifacts):
    clock.set(DAY + timedelta(days=1))  # this test's three dossiers alone on the register and in the report
    desk = open_desk()
    sign_in(desk, "motcua.tinh")
    for name, id_number, address in APPLICANTS:
        receive(desk, name, id_number, address)
    day = (DAY + timedelta(days=1)).date().isoformat()
    period = f"from={day}&to={day}"

    desk.goto(f"/register/print?{period}")
    expect(desk.locator(".register-print tbody tr")).to_have_count(len(APPLICANTS))
    leader = open_desk()
    sign_in(leader, "lanhdao.tinh")
    leader.goto(f"/reports/print?{period}")
    expect(leader.locator(".report-print tbody tr").filter(has_text="Tổng cộng")).to_have_count(1)
    # At least the field, its procedure and the total (other tests' dossiers carried over may add lines).
    assert 3 <= leader.locator(".report-print tbody tr").count() <= 10

    for page, form, last_words in ((desk, "mau07", "Kýnhận"), (leader, "report", "THỦTRƯỞNG")):
        for rows in (page.locator(".sheet tbody tr").count(), 10):
            add_rows(page, rows)
            page.emulate_media(media="print")
            page.set_viewport_size(PRINTABLE["landscape"])
            page.screenshot(path=str(artifacts / f"print-sheet-{form}-{rows}-rows.png"), full_page=True)
            # The sheet's own padding is for the screen only: on paper the @page margin alone frames it.
            assert page.locator(".sheet").evaluate("e => getComputedStyle(e).paddingLeft") == "0px"
            reader = printed(page)
            assert len(reader.pages) == 1, f"{form} with {rows} rows prints on {len(reader.pages)} sheets"
            box = reader.pages[0].mediabox
            assert (round(box.width), round(box.height)) == (842, 595), f"{form} is not on A4 landscape"
            assert last_words in page_texts(reader)[0]


def test_a_printed_task_shows_the_dossier_but_not_the_buttons(open_desk, clock, artifacts):
    page = open_desk()
    sign_in(page, "motcua.tinh")
    name, id_number, address = APPLICANTS[2]
    code = receive(page, name, "001190054399", address)
    open_task(page, code, DESK_STEP, "Chưa nhận")
    page.get_by_label("Ghi chú khi tiếp nhận").fill("Hồ sơ đủ thành phần theo quy định.")
    controls = [page.get_by_role("button", name="Nhận xử lý"), page.get_by_role("button", name="Hoàn thành bước"),
                page.locator("input[type=file]")]
    for control in controls:
        expect(control).to_be_visible()

    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "print-sheet-task.png"), full_page=True)
    for control in controls:
        expect(control).to_be_hidden()
    for shown in (page.get_by_text(code, exact=True), page.get_by_text(name, exact=True),
                  page.locator("table.components"), page.get_by_text(REQUIRED_COMPONENTS[0]).first,
                  page.get_by_label("Ghi chú khi tiếp nhận")):
        expect(shown).to_be_visible()
    text = "".join(page_texts(printed(page)))
    assert "Hoànthànhbước" not in text and "Nhậnxửlý" not in text
    assert squeeze(name) in text and "Thànhphầnhồsơ" in text
