"""The inbox lists the work items of the roles a user holds in each unit, in Vietnam time."""
from __future__ import annotations

from webpages import RECEPTION, inbox_items, login, receive


def test_received_dossier_appears_in_the_one_stop_officers_inbox(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    html = client.get("/").get_data(as_text=True)
    assert receipt.code in html and RECEPTION in html
    for heading in ("Mã hồ sơ", "Bước", "Nhận lúc", "Hạn bước"):
        assert f">{heading}</th>" in html
    assert "02/03/2026 09:00" in html  # ready_at 02:00 UTC shown in Asia/Ho_Chi_Minh time
    item_id = inbox_items(factory, org["motcua.tinh"])[0][0]
    assert f'href="/tasks/{item_id}"' in html


def test_received_dossier_is_not_in_another_units_inbox(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.hoabinh")
    html = client.get("/").get_data(as_text=True)
    assert receipt.code not in html
    assert "Hiện không có công việc nào đang chờ bạn xử lý." in html


def test_another_units_officer_gets_403_on_the_task_page(client, factory, org, now):
    receive(factory, org, now)
    item_id = inbox_items(factory, org["motcua.tinh"])[0][0]
    login(client, "motcua.hoabinh")
    response = client.get(f"/tasks/{item_id}")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Bạn không có vai trò xử lý công việc này tại đơn vị của nó." in html
    assert "Hoàng Văn Dũng" not in html


def test_unknown_task_is_404_in_vietnamese(client, org):
    login(client, "motcua.tinh")
    response = client.get("/tasks/999999")
    assert response.status_code == 404
    assert "Không có công việc #999999." in response.get_data(as_text=True)
