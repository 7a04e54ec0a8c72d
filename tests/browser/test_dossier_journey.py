"""One land-certificate correction dossier from the desk to handover, through the pages, by four officials."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
Page, expect = sync_api.Page, sync_api.expect

from .conftest import PASSWORD, START, TABLET

PROCEDURE = "Đính chính Giấy chứng nhận đã cấp"
APPLICANT = {"name": "Nguyễn Thị Ánh Tuyết", "id_number": "001190054321", "phone": "0901234567",
             "address": "Số 5 ngõ Trạm, phường Hoàn Kiếm"}
REQUIRED_COMPONENTS = ("Đơn đăng ký biến động đất đai", "Bản gốc Giấy chứng nhận đã cấp")
DESK_STEP = "Tiếp nhận, kiểm tra và chuyển hồ sơ"
APPRAISAL = "Thẩm định, lập biên bản kết luận sai sót"
APPROVAL = "Phê duyệt"
TRANSFER = "Chuyển trả kết quả cho Trung tâm"
HANDOVER = "Trả kết quả cho người nộp"
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


def open_task(page: Page, code: str, step: str, tab: str | None = None) -> None:
    """From the inbox (optionally one of its tabs) open the dossier's work item at `step`."""
    page.goto("/")
    if tab:
        page.get_by_role("link", name=re.compile(tab)).click()
    row = page.get_by_role("row").filter(has_text=code).filter(has_text=step)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Xử lý").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(step)


def complete_step(page: Page, step: str) -> None:
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.get_by_role("status").filter(has_text=f"Đã hoàn thành: {step}")).to_be_visible()


def inbox_codes(page: Page) -> str:
    page.goto("/")
    return page.locator("main").inner_text()


def receive_at_desk(page: Page, tmp_path) -> tuple[str, str, str]:
    """Step 1: find the procedure, fill the applicant, tick and scan the components, receive; read the receipt."""
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    search = page.get_by_role("searchbox").or_(page.get_by_label(re.compile("Tìm thủ tục")))
    search.first.fill("dinh chinh")  # without diacritics, as officials often type
    search.first.press("Enter")
    expect(page.get_by_role("link", name=PROCEDURE)).to_be_visible()
    search.first.fill("đính chính")
    search.first.press("Enter")
    page.get_by_role("link", name=PROCEDURE).click()

    page.get_by_label("Họ và tên").fill(APPLICANT["name"])
    page.get_by_label(re.compile("Số định danh|CCCD|Căn cước")).first.fill(APPLICANT["id_number"])
    page.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    page.get_by_label("Địa chỉ").first.fill(APPLICANT["address"])
    for component in REQUIRED_COMPONENTS:
        page.get_by_role("checkbox", name=re.compile(re.escape(component))).check()
    scan = tmp_path / "don-dang-ky-bien-dong.pdf"
    scan.write_bytes(SCAN_PDF)
    page.locator("input[type=file]").first.set_input_files(str(scan))
    page.get_by_role("button", name=re.compile("^Tiếp nhận")).click()

    expect(page.get_by_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", exact=False)).to_be_visible()
    body = page.locator("body").inner_text()
    code = re.search(r"000\.00\.01\.H99-260302-\d+", body)
    assert code, "the receipt shows no dossier code of the receiving centre"
    secret = re.search(r"Mã tra cứu[^:]*:\s*([A-Z0-9][A-Z0-9 \-]{5,})", body)
    assert secret, "the receipt shows no lookup secret"
    for component in REQUIRED_COMPONENTS:
        assert component in body, f"the receipt does not list {component!r}"
    assert APPLICANT["name"] in body
    assert DUE_DATE in body, "the receipt's due date is not 8 working days after reception"
    return code.group(0), secret.group(1).strip(), body


def test_dossier_travels_from_desk_to_handover_through_four_officials(open_desk, live_server, fixed_clock,
                                                                     artifacts, tmp_path):
    desk = open_desk()
    sign_in(desk, "motcua.tinh")
    code, secret, _receipt = receive_at_desk(desk, tmp_path)
    desk.screenshot(path=str(artifacts / "receipt-mau01.png"), full_page=True)
    print(f"\nreceipt: {artifacts / 'receipt-mau01.png'} ({code})")

    other_desk = open_desk()
    sign_in(other_desk, "motcua.hoabinh")
    assert code not in inbox_codes(other_desk), "an officer of another centre sees the dossier"
    response = other_desk.goto(f"/dossiers/{code}")
    assert response.status == 403, "an officer of another centre opens the dossier page"

    fixed_clock.set(START.replace(minute=10))
    open_task(desk, code, DESK_STEP)
    desk.get_by_label("Đã kiểm tra đủ thành phần hồ sơ").check()
    complete_step(desk, DESK_STEP)
    assert code not in inbox_codes(desk)

    fixed_clock.set(START.replace(day=3))
    specialist = open_desk()
    sign_in(specialist, "chuyenvien.vpdk")
    specialist.goto("/")
    specialist.get_by_role("link", name=re.compile("Chưa nhận")).click()
    expect(specialist.get_by_role("row").filter(has_text=code)).to_have_count(1)
    specialist.screenshot(path=str(artifacts / "inbox-chuyenvien.png"), full_page=True)
    print(f"inbox: {artifacts / 'inbox-chuyenvien.png'}")
    tablet_inbox(open_desk, artifacts)
    open_task(specialist, code, APPRAISAL, tab="Chưa nhận")
    specialist.get_by_role("button", name="Nhận xử lý").click()
    expect(specialist.get_by_text("Bạn đang xử lý công việc này")).to_be_visible()
    specialist.get_by_label("Nội dung sai sót").fill("Sai năm sinh của người sử dụng đất: 1980 thay vì 1990")
    specialist.get_by_label("Nguyên nhân sai sót").fill("Lỗi nhập liệu khi cấp Giấy chứng nhận")
    specialist.get_by_role("radio", name="Đính chính Giấy chứng nhận", exact=True).check()
    complete_step(specialist, APPRAISAL)

    leader = open_desk()
    sign_in(leader, "lanhdao.vpdk")
    open_task(leader, code, APPROVAL)
    leader.get_by_role("radio", name="Đồng ý", exact=True).check()
    leader.get_by_label("Ý kiến của Lãnh đạo").fill("Đồng ý đính chính theo đề xuất.")
    complete_step(leader, APPROVAL)

    clerk = open_desk()
    sign_in(clerk, "vanthu.vpdk")
    open_task(clerk, code, TRANSFER)
    clerk.get_by_label("Số vào sổ / số phát hành").fill("125/CNVPĐK")
    complete_step(clerk, TRANSFER)

    fixed_clock.set(START.replace(day=4))
    open_task(desk, code, HANDOVER)
    desk.get_by_role("radio", name="Tại quầy", exact=True).check()
    desk.get_by_label("Người nhận kết quả").fill(APPLICANT["name"])
    complete_step(desk, HANDOVER)

    check_dossier_page(desk, code)
    citizen = open_desk()
    check_public_lookup(citizen, code, secret)


def tablet_inbox(open_desk, artifacts) -> None:
    tablet = open_desk(TABLET)
    sign_in(tablet, "chuyenvien.vpdk")
    tablet.screenshot(path=str(artifacts / "inbox-chuyenvien-tablet.png"), full_page=True)
    print(f"inbox on a tablet: {artifacts / 'inbox-chuyenvien-tablet.png'}")
    overflow = tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the inbox scrolls sideways by {overflow}px on a {TABLET['width']}px tablet"


def check_dossier_page(page: Page, code: str) -> None:
    page.goto(f"/dossiers/{code}")
    main = page.locator("main")
    expect(main).to_contain_text("Đã trả kết quả")
    expect(main).to_contain_text(DUE_DATE)
    text = main.inner_text()
    for step, who in ((DESK_STEP, "Nguyễn Thị Lan"), (APPRAISAL, "Trần Văn Minh"), (APPROVAL, "Lê Hoàng Nam"),
                      (TRANSFER, "Phạm Thị Hoa"), (HANDOVER, "Nguyễn Thị Lan")):
        rows = page.get_by_role("row").filter(has_text=step).filter(has_text=who)
        assert rows.count() >= 1, f"the timeline does not show {step!r} done by {who}"
    assert text.count(code) >= 1


def check_public_lookup(page: Page, code: str, secret: str) -> None:
    page.goto("/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Mã tra cứu").fill(secret)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("main")).to_contain_text("Đã trả kết quả")
    expect(page.locator("main")).not_to_contain_text(APPLICANT["id_number"])
