"""The dossier page's process diagram: the list of steps on the page, the viewer's data from its endpoint, and
the endpoint refusing whoever the dossier page refuses."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.infra.db import unit_of_work
from engine.models import Event, WorkItem
from tests.driving import do

from webpages import RECEPTION, login, receive


def test_the_page_lists_the_steps_beside_the_diagram(client, factory, org, now):
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now + timedelta(minutes=10))
    login(client, "chuyenvien.vpdk")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    section = html[html.index('class="card dossier-diagram"'):]
    section = section[:section.index("</section>")]
    assert "Sơ đồ quy trình" in section and f'data-diagram-url="/dossiers/{code}/diagram"' in section
    assert 'role="tablist"' in section and "Quy trình con: Yêu cầu bổ sung, hoàn thiện hồ sơ" in section
    done = section[section.index('data-element="ut_tiep_nhan"'):]
    assert all(text in done[:600] for text in ("Đã thực hiện", RECEPTION, "Nguyễn Thị Lan"))
    current = section[section.index('data-element="ut_tham_dinh"'):]
    assert "Đang xử lý" in current[:600] and "hạn bước" in current[:600]
    assert 'class="step-pending"' in section  # the approval and what follows it
    assert "build/dossier_diagram.js" in html and "build/dossier_diagram.css" in html


def test_the_viewer_reads_each_diagram_with_its_elements_standing(client, factory, org, now):
    code = receive(factory, org, now).code
    login(client, "motcua.tinh")
    response = client.get(f"/dossiers/{code}/diagram")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]  # as every signed-in page
    data = response.get_json()
    assert data["code"] == code
    main = data["diagrams"][0]
    assert main["label"] == "Quy trình chính: Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm"
    assert "bpmndi:BPMNDiagram" in main["xml"]
    desk = main["elements"]["ut_tiep_nhan"]
    assert desk["state"] == "current" and desk["late"] is False and desk["due"].startswith("Hạn ")
    assert main["elements"]["start"] == {"state": "done", "late": False}
    assert "ut_tham_dinh" not in main["elements"]  # pending elements are left out: the viewer draws them plain
    # the lanes are named by role keys; the viewer shows the roles' names as the administration keeps them
    assert main["lanes"] == {"mot_cua": "Công chức Bộ phận Một cửa", "chuyen_vien": "Chuyên viên thụ lý",
                             "lanh_dao": "Lãnh đạo đơn vị", "van_thu": "Văn thư"}
    assert data["diagrams"][1]["lanes"] == {"chuyen_vien": "Chuyên viên thụ lý",
                                            "mot_cua": "Công chức Bộ phận Một cửa"}
    assert [d["label"] for d in data["diagrams"][1:]] == [
        "Quy trình con: Yêu cầu bổ sung, hoàn thiện hồ sơ",
        "Quy trình con: Trả kết quả giải quyết thủ tục hành chính",
        "Quy trình con: Xin lỗi và đề nghị gia hạn thời gian giải quyết"]


def test_a_late_step_says_so_on_the_diagram(client, factory, org, now, fixed_clock):
    code = receive(factory, org, now).code
    with unit_of_work(factory) as s:
        due = s.scalar(select(WorkItem.due_at).where(WorkItem.bpmn_id == "ut_tiep_nhan"))
    fixed_clock.set(due + timedelta(hours=2))
    login(client, "motcua.tinh")
    desk = client.get(f"/dossiers/{code}/diagram").get_json()["diagrams"][0]["elements"]["ut_tiep_nhan"]
    assert desk["late"] is True and desk["due"].startswith("Quá hạn: hạn ")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert 'class="step-current late"' in html


def test_the_diagram_is_refused_to_whoever_may_not_see_the_dossier(client, factory, org, now):
    code = receive(factory, org, now).code
    for outsider in ("motcua.hoabinh", "thietke.tinh"):
        login(client, outsider)
        page = client.get(f"/dossiers/{code}").status_code
        response = client.get(f"/dossiers/{code}/diagram")
        assert page in (403, 404) and response.status_code == page  # the page's answer, whichever it gives
        assert "bpmn" not in response.get_data(as_text=True).lower()
    with unit_of_work(factory) as s:
        refused = s.scalars(select(Event.actor_id).where(Event.action == "access_refused")).all()
    assert refused.count(org["motcua.hoabinh"]) == 2 and refused.count(org["thietke.tinh"]) == 2
    login(client, "motcua.tinh")
    assert client.get("/dossiers/000.00.01.H99-260302-9999/diagram").status_code == 404


def test_signing_in_comes_before_the_diagram(client, factory, org, now):
    code = receive(factory, org, now).code
    response = client.get(f"/dossiers/{code}/diagram")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
