"""One land-certificate correction dossier from the desk to handover, through the pages, by four officials."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
Page, expect = sync_api.Page, sync_api.expect

from .conftest import PASSWORD, START, TABLET  # noqa: E402 - after the skip when Playwright is missing

PROCEDURE = "Đính chính Giấy chứng nhận đã cấp"
APPLICANT = {"name": "Nguyễn Thị Ánh Tuyết", "id_number": "001190054321", "phone": "0901234567",
             "address": "Số 5 ngõ Trạm, phường Hoàn Kiếm"}
REQUIRED_COMPONENTS = ("Đơn đăng ký biến động đất đai", "Bản gốc Giấy chứng nhận đã cấp")
DESK_STEP = "Tiếp nhận, kiểm tra và chuyển hồ sơ"
APPRAISAL = "Thẩm định, lập biên bản kết luận sai sót"
APPROVAL = "Phê duyệt"
TRANSFER = "Chuyển trả kết quả cho Trung tâm"
HANDOVER = "Trả kết quả cho người nộp"
UNIT_TAB = "Chưa nhận của đơn vị"
SCAN_NAME = "don-dang-ky-bien-dong.pdf"
DUE_DATE = "12/03/2026"  # 8 working days after Monday 2 March 2026, the legal limit of procedure 1.004227
# A tiny but well-formed one-page PDF, as a scanner would upload it.
SCAN_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("status").filter(has_text="Xin chào")).to_be_visible()


def follow(page: Page, link) -> None:
    """Click a link and wait for the new page to load, so what follows reads that page and not the old one."""
    with page.expect_navigation():
        link.click()


def open_task(page: Page, code: str, step: str, tab: str) -> None:
    """From the inbox tab `tab`, open the dossier's work item at `step`."""
    page.goto("/")
    follow(page, page.get_by_role("link", name=re.compile("^" + tab)))
    row = page.get_by_role("row").filter(has_text=code).filter(has_text=step)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Xử lý", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(step)


def complete_step(page: Page, step: str) -> None:
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.get_by_role("status").filter(has_text=f"Đã hoàn thành: {step}")).to_be_visible()


def inbox_text(page: Page) -> str:
    """Everything the user's inbox lists, over its own and its unit's unclaimed work."""
    texts = []
    for view in ("mine", "unit"):
        page.goto(f"/?view={view}")
        texts.append(page.locator("main").inner_text())
    return "\n".join(texts)


def find_procedure(page: Page, words: str) -> None:
    page.get_by_role("searchbox", name="Tìm thủ tục").fill(words)
    follow(page, page.get_by_role("button", name="Tìm", exact=True))
    expect(page.get_by_role("link", name=PROCEDURE, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Chứng thực bản sao từ bản chính giấy tờ, văn bản")).to_have_count(0)


def receive_at_desk(page: Page, tmp_path) -> tuple[str, str, str]:
    """Step 1: find the procedure, fill the applicant, tick and scan the components, receive; read the receipt.

    Returns the dossier code, the lookup secret and the due time (dd/mm/yyyy HH:MM) printed on Mẫu 01.
    """
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    find_procedure(page, "dinh chinh")  # without diacritics, as officials often type
    find_procedure(page, "đính chính")
    page.get_by_role("link", name=PROCEDURE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROCEDURE)

    page.get_by_label(re.compile("^Họ và tên")).fill(APPLICANT["name"])
    page.get_by_label("Số định danh cá nhân/CCCD").fill(APPLICANT["id_number"])
    page.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    page.get_by_label("Địa chỉ", exact=True).fill(APPLICANT["address"])
    for component in REQUIRED_COMPONENTS:
        page.get_by_role("checkbox", name=re.compile(re.escape(component))).check()
    scan = tmp_path / SCAN_NAME
    scan.write_bytes(SCAN_PDF)
    page.get_by_label(f"Bản quét: {REQUIRED_COMPONENTS[0]}").set_input_files(str(scan))
    follow(page, page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True))
    confirm = page.get_by_role("checkbox", name=re.compile("đây là một hồ sơ khác"))
    if confirm.count():  # the same person's dossier was received today (by another test on this server)
        confirm.check()
        page.get_by_label(f"Bản quét: {REQUIRED_COMPONENTS[0]}").set_input_files(str(scan))
        page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", re.IGNORECASE))
    sheet = page.locator("article").inner_text()
    code = re.search(r"Mã hồ sơ:\s*(000\.00\.01\.H99-260302-\d{4})", sheet)
    assert code, "the receipt shows no dossier code of the receiving centre"
    secret = re.search(r"Mã tra cứu:\s*([A-Z0-9]{8})", sheet)
    assert secret, "the receipt shows no lookup secret"
    for component in REQUIRED_COMPONENTS:
        assert component in sheet, f"the receipt does not list {component!r}"
    assert APPLICANT["name"] in sheet
    due = re.search(r"Thời gian trả kết quả[^:]*:\s*(\d\d) giờ (\d\d) phút, ngày (\d\d) tháng (\d\d) năm (\d{4})", sheet)
    assert due, "the receipt shows no due time"
    hour, minute, day, month, year = due.groups()
    assert f"{day}/{month}/{year}" == DUE_DATE, "the receipt's due date is not 8 working days after reception"
    return code.group(1), secret.group(1), f"{day}/{month}/{year} {hour}:{minute}"


def test_dossier_travels_from_desk_to_handover_through_four_officials(open_desk, live_server, fixed_clock, artifacts,
                                                                     tmp_path):
    fixed_clock.set(START)  # the server is shared by the package's tests; this one counts its due date from here
    desk = open_desk()
    sign_in(desk, "motcua.tinh")
    code, secret, due = receive_at_desk(desk, tmp_path)
    shoot(desk, artifacts / "receipt-mau01.png")

    other_centre = open_desk()
    sign_in(other_centre, "motcua.hoabinh")
    assert code not in inbox_text(other_centre), "an officer of another centre has the dossier in her inbox"
    assert other_centre.goto(f"/dossiers/{code}").status == 404, "an officer of another centre opens the dossier"
    assert other_centre.goto(f"/reception/receipts/{code}").status == 404, "another centre reprints the receipt"

    fixed_clock.set(START.replace(minute=10))
    open_task(desk, code, DESK_STEP, tab=UNIT_TAB)
    expect(desk.locator("main")).to_contain_text(SCAN_NAME)
    desk.get_by_label("Đã kiểm tra đủ thành phần hồ sơ").check()
    complete_step(desk, DESK_STEP)
    assert code not in inbox_text(desk), "the desk still lists a dossier it has forwarded"

    fixed_clock.set(START.replace(day=3))
    leader = open_desk()
    sign_in(leader, "lanhdao.vpdk")
    assert code not in inbox_text(leader), "the leader sees the dossier before the specialist's appraisal"
    specialist = open_desk()
    sign_in(specialist, "chuyenvien.vpdk")
    follow(specialist, specialist.get_by_role("link", name=re.compile("^" + UNIT_TAB)))
    row = specialist.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text(APPRAISAL)
    expect(row).to_contain_text(APPLICANT["name"])
    shoot(specialist, artifacts / "inbox-chuyenvien.png")
    check_tablet_inbox(open_desk(TABLET, same_session_as=specialist), artifacts)
    row.get_by_role("button", name="Nhận xử lý").click()
    expect(specialist.get_by_text("Bạn đang xử lý công việc này")).to_be_visible()
    expect(specialist.get_by_role("link", name=SCAN_NAME)).to_be_visible()
    specialist.get_by_label("Nội dung sai sót").fill("Sai năm sinh của người sử dụng đất: ghi 1980, đúng là 1990")
    specialist.get_by_label("Nguyên nhân sai sót").fill("Lỗi nhập liệu khi cấp Giấy chứng nhận")
    specialist.get_by_role("radio", name="Đính chính Giấy chứng nhận", exact=True).check()
    complete_step(specialist, APPRAISAL)
    assert code not in inbox_text(specialist)

    fixed_clock.set(START.replace(day=3, hour=10))
    open_task(leader, code, APPROVAL, tab=UNIT_TAB)
    leader.get_by_role("radio", name="Đồng ý", exact=True).check()
    leader.get_by_label("Ý kiến của Lãnh đạo").fill("Đồng ý đính chính theo đề xuất.")
    complete_step(leader, APPROVAL)

    fixed_clock.set(START.replace(day=3, hour=11))
    clerk = open_desk()
    sign_in(clerk, "vanthu.vpdk")
    open_task(clerk, code, TRANSFER, tab=UNIT_TAB)
    clerk.get_by_label("Số vào sổ / số phát hành").fill("125/CNVPĐK")
    complete_step(clerk, TRANSFER)

    fixed_clock.set(START.replace(day=4))
    assert code not in inbox_text(other_centre), "another centre is offered the handover"
    open_task(desk, code, HANDOVER, tab=UNIT_TAB)
    expect(desk.locator("main")).to_contain_text("Đã xử lý xong")
    desk.get_by_role("radio", name="Tại quầy", exact=True).check()
    desk.get_by_label("Người nhận kết quả").fill(APPLICANT["name"])
    complete_step(desk, HANDOVER)

    check_dossier_page(desk, code, due)
    check_public_lookup(open_desk(), code, secret)
    assert live_server.errors == [], "the server failed on the way: " + "\n".join(live_server.errors)


def shoot(page: Page, path) -> None:
    page.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}")


def check_tablet_inbox(tablet: Page, artifacts) -> None:
    tablet.goto("/")
    follow(tablet, tablet.get_by_role("link", name=re.compile("^" + UNIT_TAB)))
    shoot(tablet, artifacts / "inbox-chuyenvien-tablet.png")
    overflow = tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the inbox scrolls sideways by {overflow}px on a {TABLET['width']}px wide tablet"
    tablet.context.close()


def fact(page: Page, term: str) -> str:
    """The value next to a term of the page's facts list (dt/dd)."""
    pair = page.locator("dl div").filter(has=page.locator("dt", has_text=re.compile(f"^{term}$")))
    return pair.locator("dd").first.inner_text().strip()


def check_dossier_page(page: Page, code: str, due: str) -> None:
    page.goto(f"/dossiers/{code}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Đã trả kết quả")
    expect(heading).to_contain_text("Trước hạn")  # finished on 3 March, due 12 March: early, as a step would be
    assert fact(page, "Hạn trả kết quả") == due, "the dossier page and the receipt disagree on the due date"
    for step, who in ((DESK_STEP, "Nguyễn Thị Lan"), (APPRAISAL, "Trần Văn Minh"), (APPROVAL, "Lê Hoàng Nam"),
                      (TRANSFER, "Phạm Thị Hoa"), (HANDOVER, "Nguyễn Thị Lan")):
        expect(page.get_by_role("row").filter(has_text=step).filter(has_text=who)).to_have_count(1)
    expect(page.get_by_role("link", name=SCAN_NAME)).to_be_visible()


def check_public_lookup(page: Page, code: str, secret: str) -> None:
    page.goto("/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Mã tra cứu").fill("SAIMA123" if secret != "SAIMA123" else "SAIMA124")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_role("alert")).to_contain_text("Không tìm thấy hồ sơ")
    expect(page.locator("main")).not_to_contain_text(PROCEDURE)
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Mã tra cứu").fill(secret)
    page.get_by_role("button", name="Tra cứu").click()
    main = page.locator("main")
    expect(main).to_contain_text("Đã trả kết quả")
    expect(main).to_contain_text(code)
    expect(main).not_to_contain_text(APPLICANT["id_number"])
