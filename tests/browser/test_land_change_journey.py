"""A land-change registration (liên thông with the tax agency) from the desk to handover through the pages, by the
demo officials: every step appears in the inbox of the official whose turn it is, no leader's team list ever
shows a step nobody can take, and the desk sees no staffing warning. The embedded worker is off in these tests,
so the test runs the worker's delivery of the liên thông messages where it would."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                               "browser tests skipped")
Page, expect = sync_api.Page, sync_api.expect

from engine.workflow.messages import deliver_pending_messages  # noqa: E402

from .conftest import START  # noqa: E402
from .test_dossier_journey import follow, sign_in  # noqa: E402

PROCEDURE = ("Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất (chuyển nhượng, tặng cho, "
             "thừa kế, góp vốn)")
APPLICANT = "Phan Thị Hồng"
LEADERS = ("lanhdao.vpdk", "lanhdaophong.vpdk")
# (official, step name, form fields by name), in the order the process asks for them; None: the worker delivers
STEPS = [
    ("motcua.tinh", "Tiếp nhận, kiểm tra và chuyển hồ sơ",
     {"da_kiem_tra_thanh_phan": True, "loai_bien_dong": "chuyen_nhuong"}),
    ("chuyenvien.vpdk", "Thẩm định hồ sơ",
     {"so_thua": "125", "so_to_ban_do": "18", "dia_chi_thua_dat": "Số 5 ngõ 12 phố Trần Phú", "dien_tich": "85.5",
      "muc_dich_su_dung": "Đất ở tại đô thị (ODT)", "ket_qua_tham_dinh": "Thửa đất không tranh chấp",
      "de_xuat": "du_dieu_kien"}),
    ("lanhdaophong.vpdk", "Kiểm tra, trình Lãnh đạo", {"y_kien_phong": "Thống nhất, kính trình"}),
    ("lanhdao.vpdk", "Phê duyệt hồ sơ", {"quyet_dinh_phe_duyet": "dong_y"}),
    ("chuyenvien.vpdk", "Chuyển thông tin xác định nghĩa vụ tài chính",
     {"so_phieu_chuyen": "215/PCTT-CNVPĐK", "ben_chuyen_quyen": "Lê Văn Bình", "ben_nhan_quyen": APPLICANT,
      "gia_tri_hop_dong": "2500000000"}),
    None,
    ("thue.coso", "Xác định nghĩa vụ tài chính, ra thông báo nộp tiền",
     {"so_thong_bao": "1520/TB-TCS", "thue_thu_nhap_ca_nhan": "50000000", "le_phi_truoc_ba": "12500000",
      "tien_su_dung_dat": "0", "han_nop": "2026-04-06"}),
    None,
    ("thue.coso", "Xác nhận đã nộp tiền",
     {"so_chung_tu": "GNT-0001", "ngay_nop": "2026-03-02", "so_tien_da_nop": "62500000"}),
    None,
    ("motcua.tinh", "Tiếp nhận chứng từ nộp tiền, chuyển hồ sơ cấp Giấy chứng nhận", {"da_nhan_chung_tu": True}),
    ("chuyenvien.vpdk", "Thẩm định, lập tờ trình cấp Giấy chứng nhận",
     {"hinh_thuc_cap": "cap_moi", "noi_dung_to_trinh": "Cấp Giấy chứng nhận cho bên nhận chuyển nhượng"}),
    ("lanhdaophong.vpdk", "Kiểm tra, trình ký Giấy chứng nhận", {"y_kien_phong_cap_giay": "Kính trình ký"}),
    ("lanhdao.vpdk", "Ký Giấy chứng nhận", {"quyet_dinh_ky": "ky"}),
    ("vanthu.vpdk", "Chuyển trả kết quả cho Trung tâm", {"so_vao_so": "CS 04521"}),
    ("motcua.tinh", "Trả kết quả cho người nộp", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": APPLICANT}),
]


def fill(page: Page, data: dict) -> None:
    """Fill the step's form by field name, as the official would with the widget each field has."""
    for name, value in data.items():
        field = page.locator(f'[name="{name}"]')
        kind = field.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind == "input:radio":
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif kind == "input:checkbox":
            field.check() if value else field.uncheck()
        elif kind.startswith("select"):
            field.select_option(value)
        else:
            field.fill(value)


def receive(page: Page) -> str:
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    page.get_by_role("searchbox", name="Tìm thủ tục").fill("bien dong dat dai")
    follow(page, page.get_by_role("button", name="Tìm", exact=True))
    follow(page, page.get_by_role("link", name=PROCEDURE, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(PROCEDURE)
    expect(page.get_by_text("Cảnh báo: hồ sơ sẽ dừng")).to_have_count(0)  # every lane has a holder
    page.get_by_label(re.compile("^Họ và tên")).fill(APPLICANT)
    page.get_by_label("Số định danh cá nhân/CCCD").fill("001190023456")
    for checkbox in page.locator('input[name="components"]').all():
        checkbox.check()
    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    sheet = page.locator("article").inner_text()
    code = re.search(r"Mã hồ sơ:\s*(000\.00\.01\.H99-\d{6}-\d{4})", sheet)
    assert code, "the receipt shows no dossier code"
    return code.group(1)


def work_step(page: Page, code: str, step: str, data: dict) -> None:
    """The step is in the official's inbox (theirs or their unit's): open it, fill its form, complete it."""
    page.goto("/?view=unit")
    row = page.get_by_role("row").filter(has_text=code).filter(has_text=step)
    if not row.count():
        page.goto("/?view=mine")
        row = page.get_by_role("row").filter(has_text=code).filter(has_text=step)
    expect(row, f"{step} is not in this official's inbox").to_have_count(1)
    follow(page, row.get_by_role("link", name="Xử lý", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(step)
    fill(page, data)
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.get_by_role("status").filter(has_text=f"Đã hoàn thành: {step}")).to_be_visible()


def no_dead_end(official) -> None:
    """What the land office's leaders see of their unit: nothing waits for nobody."""
    for leader in LEADERS:
        page = official(leader)
        page.goto("/?view=team")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_text("Không có người xử lý")).to_have_count(0)


def test_land_change_runs_from_desk_to_handover_with_the_demo_officials(open_desk, live_server, fixed_clock):
    fixed_clock.set(START)
    pages = {}

    def official(username: str) -> Page:
        """Each official in a window of their own, signed in once."""
        if username not in pages:
            pages[username] = open_desk()
            sign_in(pages[username], username)
        return pages[username]

    code = receive(official("motcua.tinh"))
    for step in STEPS:
        if step is None:
            assert deliver_pending_messages(live_server.factory, fixed_clock.now()) == 1
            continue
        username, name, data = step
        work_step(official(username), code, name, data)
        no_dead_end(official)
    page = official("motcua.tinh")
    page.goto(f"/dossiers/{code}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đã trả kết quả")
    expect(page.get_by_text("Bước đang xử lý")).to_have_count(0)  # nothing left open
    assert not live_server.errors, live_server.errors
