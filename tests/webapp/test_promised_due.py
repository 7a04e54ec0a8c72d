"""The due date the receipt (Mẫu 01) promised is kept as it was; a supplement pause moves the legal due and an
apology sets the extended one, each in its own field, and each form prints the one it is about."""
from __future__ import annotations

from datetime import date, timedelta

from engine import get_dossier
from engine.infra.db import unit_of_work
from engine.onestop.lifecycle import record_supplement, request_supplement

from tests.webapp.webpages import login, post_form, receive


def test_the_promised_date_survives_a_supplement_pause_and_an_extension(client, factory, org, now):
    receipt = receive(factory, org, now)
    code = receipt.code
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        request_supplement(s, code, ["Bản sao CCCD"], "Bản sao không rõ", specialist, now + timedelta(hours=1))
    with unit_of_work(factory) as s:  # the citizen brings it three days later: the clock stood still meanwhile
        record_supplement(s, code, specialist, now + timedelta(days=3))
    login(client, "lanhdao.vpdk")
    page = f"/dossiers/{code}"
    assert post_form(client, f"{page}/extend", {"new_day": "2026-03-18", "reason": "Chờ xác minh"}, page).status_code == 302
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        promised, moved, extended = dossier.promised_due_at, dossier.due_at, dossier.extended_due_at
    assert promised == receipt.due_at  # 12/03/2026 17:00, as printed at reception
    assert moved > promised and extended.date() == date(2026, 3, 18)

    login(client, "motcua.tinh")
    receipt_again = client.get(f"/reception/receipts/{code}").get_data(as_text=True)
    assert "17 giờ 00 phút, ngày 12 tháng 03 năm 2026" in receipt_again  # the reprint promises what was promised
    sheet = client.get(f"{page}/mau-06").get_data(as_text=True)
    assert "12/03/2026 17:00" in sheet and "sau thời gian tạm dừng để bổ sung hồ sơ" in sheet
    assert "18/03/2026" in sheet
