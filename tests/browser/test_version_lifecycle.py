"""The lifecycle in the browser, as its users go through it: a designer uploads a changed version and submits it
but cannot approve it; the administrator reads the differences, approves with the decision and activates; a new
dossier follows version 2 while a running one stays on version 1; after a dry run the administrator moves a
second running dossier; then creates a unit, a role and a desk officer who receives work at once."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                    "browser tests skipped")

from playwright.sync_api import expect  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine import receive_dossier  # noqa: E402
from engine.infra.db import unit_of_work  # noqa: E402
from engine.infra.settings import ROOT  # noqa: E402
from engine.models import Dossier, ProcessInstance, ProcessVersion, User  # noqa: E402

from .conftest import DESK, PASSWORD  # noqa: E402
from .test_dossier_journey import follow, sign_in  # noqa: E402

SLUG, CODE = "cap-ban-sao-trich-luc-ho-tich", "2.000635"
SIGNING, RENAMED = "Ký bản sao trích lục", "Ký, đóng dấu bản sao trích lục"


def changed_folder() -> bytes:
    buffer = io.BytesIO()
    folder = ROOT / "bpmn" / SLUG
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                if path.name == "process.bpmn":
                    text = text.replace(f'name="{SIGNING}"', f'name="{RENAMED}"', 1)
                archive.writestr(f"{SLUG}/{path.relative_to(folder).as_posix()}", text)
    return buffer.getvalue()


def receive(live_server, now) -> str:
    with unit_of_work(live_server.factory) as session:
        officer = session.scalar(select(User.id).where(User.username == "motcua.hoabinh"))
        return receive_dossier(session, procedure_code=CODE, applicant={"name": "Trần Thị Bích"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.11.H99", actor_id=officer, now=now).code


def version_of(live_server, code: str) -> int:
    with unit_of_work(live_server.factory) as session:
        return session.scalar(select(ProcessVersion.number).join(ProcessInstance,
                                                                  ProcessInstance.process_version_id == ProcessVersion.id)
                              .join(Dossier, Dossier.id == ProcessInstance.dossier_id).where(Dossier.code == code))


def test_a_version_goes_from_upload_to_running_dossiers(open_desk, live_server, fixed_clock, artifacts):
    now = fixed_clock.now()
    running, second = receive(live_server, now), receive(live_server, now)

    designer = open_desk(DESK)
    sign_in(designer, "thietke.tinh")
    designer.goto(f"/versions/{CODE}")
    designer.get_by_label(re.compile("Tải lên phiên bản mới")).set_input_files(
        files=[{"name": f"{SLUG}.zip", "mimeType": "application/zip", "buffer": changed_folder()}])
    follow(designer, designer.get_by_role("button", name="Lưu bản nháp"))
    expect(designer).to_have_url(re.compile(f"/versions/{CODE}/2$"))
    follow(designer, designer.get_by_role("button", name="Gửi phê duyệt"))
    expect(designer.get_by_text("Đã gửi phiên bản 2 để phê duyệt.")).to_be_visible()
    expect(designer.get_by_role("button", name="Phê duyệt", exact=True)).to_have_count(0)
    token = designer.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    forced = designer.request.post(f"{live_server.url}/versions/{CODE}/2/approve",
                                   form={"csrf_token": token, "decision_number": "1/QĐ", "decision_date": "2026-03-01",
                                         "decision_signer": "Ai đó", "when": "now"})
    assert forced.status == 403

    admin = open_desk(DESK)
    sign_in(admin, "quantri.tinh")
    admin.goto(f"/versions/{CODE}/2")
    expect(admin.locator(".diagram svg[data-element-id]")).to_have_count(2)
    expect(admin.locator(".diagram").nth(1).locator(".diff-changed").first).to_be_attached()
    expect(admin.get_by_role("table").filter(has_text=RENAMED).first).to_be_visible()
    admin.get_by_label("Số quyết định phê duyệt quy trình nội bộ").fill("215/QĐ-UBND")
    admin.get_by_label("Ngày ký quyết định").fill("2026-02-27")
    admin.get_by_label("Người ký quyết định").fill("Nguyễn Văn Hải")
    admin.get_by_label("Áp dụng ngay").check()
    follow(admin, admin.get_by_role("button", name="Phê duyệt", exact=True))
    expect(admin.get_by_text("Đã phê duyệt phiên bản 2.")).to_be_visible()
    admin.screenshot(path=str(artifacts / "lifecycle-approved.png"), full_page=True)

    fresh = receive(live_server, now)
    assert (version_of(live_server, fresh), version_of(live_server, running)) == (2, 1)

    admin.goto(f"/versions/{CODE}")
    follow(admin, admin.get_by_role("link", name=re.compile("Chuyển hồ sơ đang xử lý")))
    row = admin.get_by_role("row").filter(has_text=second)
    expect(row).to_contain_text("1 → 2")
    row.get_by_role("checkbox").check()
    admin.screenshot(path=str(artifacts / "lifecycle-dry-run.png"), full_page=True)
    follow(admin, admin.get_by_role("button", name="Chuyển các hồ sơ đã chọn"))
    expect(admin.get_by_text("Đã chuyển 1/1 hồ sơ")).to_be_visible()
    assert (version_of(live_server, second), version_of(live_server, running)) == (2, 1)

    admin.goto("/admin/units/new")
    admin.get_by_label("Mã định danh điện tử").fill("000.00.12.H99")
    admin.get_by_label("Tên đơn vị").fill("Trung tâm Phục vụ hành chính công phường Tân Phong")
    admin.locator("#level").select_option("xa")
    admin.get_by_label("Địa danh").fill("Tân Phong")
    follow(admin, admin.get_by_role("button", name="Lưu"))
    expect(admin.get_by_text("Trung tâm Phục vụ hành chính công phường Tân Phong").first).to_be_visible()
    admin.goto("/admin/roles")
    admin.get_by_label("Mã vai trò (tên làn trong BPMN)").fill("tu_phap")
    admin.locator("#name").fill("Công chức tư pháp – hộ tịch")
    follow(admin, admin.get_by_role("button", name="Thêm vai trò"))
    expect(admin.get_by_text("tu_phap").first).to_be_visible()
    admin.goto("/admin/users/new")
    admin.get_by_label("Họ và tên").fill("Hà Thị Thu Trang")
    admin.get_by_label("Tên đăng nhập").fill("tuphap.hoabinh")
    admin.locator("#password").fill(PASSWORD)
    admin.locator("#password-again").fill(PASSWORD)
    follow(admin, admin.get_by_role("button", name="Tạo tài khoản"))
    admin.get_by_label("Vai trò").select_option(label="Công chức Bộ phận Một cửa (mot_cua)")
    admin.get_by_label("Tại đơn vị").select_option(label="· · Trung tâm Phục vụ hành chính công phường Hòa Bình (000.00.11.H99)")  # two levels down
    follow(admin, admin.get_by_role("button", name="Giao vai trò"))
    admin.screenshot(path=str(artifacts / "lifecycle-new-user.png"), full_page=True)

    officer = open_desk(DESK)
    sign_in(officer, "tuphap.hoabinh")
    officer.goto("/?view=unit")
    expect(officer.get_by_role("row").filter(has_text=running).first).to_be_visible()
    assert not live_server.errors
