"""The studio's dry-run page: designers and administrators run a version against the legal clock, officials
cannot, bad input is answered beside its field, and a draft that fails validation shows its findings."""
from __future__ import annotations

from sqlalchemy import func, select
from webpages import csrf_token, login

from engine.infra.db import unit_of_work
from engine.models import Dossier, Procedure, ProcessInstance, ProcessVersion
from engine.workflow.catalog import get_procedure

CODE = "1.004227"  # dinh-chinh-gcn: 8 working days, a supplement loop and an approval that may send it back
PAGE = f"/thiet-ke/{CODE}/phien-ban/1/chay-thu"
BASE = {"received_date": "2026-03-06", "received_time": "16:00", "pace": "budget", "mode": "one"}


def post(client, data: dict, page: str = PAGE):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={"csrf_token": token, **data})


def test_a_designer_sees_a_run_from_the_next_working_day_at_eight(client, org):
    login(client, "thietke.tinh")
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # the clock stands at Monday 2/3/2026 10:00: the next working day is Tuesday
    assert 'value="2026-03-03"' in html and 'value="08:00"' in html
    assert "Đáp ứng thời hạn luật định" in html
    assert "Tiếp nhận, kiểm tra và chuyển hồ sơ" in html and "Hạn bước" in html
    assert "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm" in html  # the deciding unit's steps
    assert "Bộ phận Một cửa nơi tiếp nhận hồ sơ" in html  # the mot_cua lane is worked where it was received


def test_an_administrator_may_run_it_and_an_official_may_not(client, org):
    login(client, "quantri.tinh")
    assert client.get(PAGE).status_code == 200
    login(client, "motcua.tinh")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=BASE).status_code in (400, 403)


def test_a_run_stores_nothing(client, org, factory):
    login(client, "thietke.tinh")
    with unit_of_work(factory) as s:
        before = (s.scalar(select(func.count()).select_from(Dossier)),
                  s.scalar(select(func.count()).select_from(ProcessInstance)))
    assert post(client, {**BASE, "mode": "all"}).status_code == 200
    with unit_of_work(factory) as s:
        assert (s.scalar(select(func.count()).select_from(Dossier)),
                s.scalar(select(func.count()).select_from(ProcessInstance))) == before


def test_every_path_marks_the_worst(client, org):
    login(client, "thietke.tinh")
    html = post(client, {**BASE, "mode": "all"}).get_data(as_text=True)
    assert "Mọi nhánh:" in html and "chậm nhất" in html and 'class="worst"' in html
    assert "Nhánh chậm nhất" in html


def test_a_forced_way_out_is_followed(client, org):
    login(client, "thietke.tinh")
    html = client.get(PAGE).get_data(as_text=True)
    assert 'name="choice-gw_tham_dinh"' in html
    response = post(client, {**BASE, "choice-gw_tham_dinh": "f_gw_bo_sung"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" in html
    assert "Tạm dừng tính thời gian" in html


def test_typed_answers_replace_the_generated_ones(client, org):
    login(client, "thietke.tinh")
    html = post(client, {**BASE, "data": '{"ut_phe_duyet": {"quyet_dinh": "tra_lai"}}'}).get_data(as_text=True)
    assert html.count('<code class="muted">ut_tham_dinh</code>') == 2  # sent back once, then approved
    assert "Đáp ứng thời hạn luật định" in html or "Vượt thời hạn luật định" in html
    response = post(client, {**BASE, "data": '{"ut_phe_duyet": {"quyet_dinh": "khong_biet"}}'})
    assert response.status_code == 200 and "Dữ liệu nhập cho bước" in response.get_data(as_text=True)
    for bad in ('{"ut_phe_duyet": ', '[1, 2]', "[" * 100_000):
        response = post(client, {**BASE, "data": bad})
        assert response.status_code == 422 and "Nhập JSON dạng" in response.get_data(as_text=True)
    response = post(client, {**BASE, "data": '{"ut_khong_co": {}}'})
    assert response.status_code == 422 and "không có bước (công việc) mã ut_khong_co" in response.get_data(as_text=True)


def test_bad_input_is_answered_beside_its_field(client, org):
    login(client, "thietke.tinh")
    response = post(client, {**BASE, "received_date": "2026-02-30", "received_time": "25:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nhập ngày tiếp nhận hợp lệ" in html and "Nhập giờ tiếp nhận dạng giờ:phút" in html
    assert "Kết quả chạy thử" not in html and "Traceback" not in html
    response = post(client, {**BASE, "received_date": "3026-03-06"})
    assert response.status_code == 422 and "năm từ 2000 đến 2100" in response.get_data(as_text=True)
    response = post(client, {**BASE, "choice-gw_tham_dinh": "f_khong_co"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "không có nhánh f_khong_co" in html
    response = post(client, {**BASE, "choice-gw_khong_co": "f_x"})
    assert response.status_code == 422 and "Không có cổng rẽ nhánh gw_khong_co" in response.get_data(as_text=True)


def test_a_draft_that_fails_validation_shows_its_findings(client, org, factory, now):
    with unit_of_work(factory) as s:
        procedure = get_procedure(s, CODE)
        active = s.get(ProcessVersion, procedure.active_version_id)
        broken = {name: xml.replace('<bpmn:lane id="lane_chuyen_vien"', '<bpmn:lane id="lane_x"', 1)
                  .replace('name="chuyen_vien"', 'name="sai vai tro"', 1) for name, xml in active.files.items()}
        s.add(ProcessVersion(procedure_id=procedure.id, number=2, process_id=active.process_id, files=broken,
                             forms=active.forms, meta=active.meta, checksum="nhap-loi", status="draft",
                             created_at=now))
        assert s.scalar(select(Procedure.id).where(Procedure.code == CODE)) == procedure.id
    login(client, "thietke.tinh")
    html = client.get(f"/thiet-ke/{CODE}/phien-ban/2/chay-thu").get_data(as_text=True)
    assert "Bản nháp chưa hợp lệ, chưa chạy thử được" in html and "sai vai tro" in html
    assert "Kết quả chạy thử" not in html


def test_the_steps_name_their_roles_and_the_fee_record_reads_as_a_sample(client, org):
    login(client, "thietke.tinh")
    html = client.get("/thiet-ke/2.000815/phien-ban/1/chay-thu").get_data(as_text=True)  # chung-thuc-ban-sao
    table = html[html.index('class="table dry-run-steps"'):]
    table = table[:table.index("</table>")]
    desk = table[table.index('<code class="muted">ut_tiep_nhan</code>'):]
    desk = desk[:desk.index("</tr>")]
    # the lane's role as the administration names it, its key below as the step's id is
    assert "<td>Công chức Bộ phận Một cửa<br><code class=\"muted\">mot_cua</code></td>" in desk
    assert all(name in table for name in ("Chuyên viên thụ lý", "Lãnh đạo đơn vị", "Văn thư"))
    assert "Mức phí phải thu: 2.000 đồng." in table
    assert ("Ghi nhận thu phí 2.000 đồng (đúng mức phải thu), biên lai số CT-000001 "
            "(số biên lai mẫu khi chạy thử).") in table
    assert "Nội dung chạy thử" not in table and "1 đồng" not in table
