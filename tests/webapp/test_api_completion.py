"""A completion through the API answers what comes next: the dossier's new status and the steps the caller may take."""
from __future__ import annotations

from sqlalchemy import event

from apicalls import DOSSIER, call, token_for
from webpages import RECEPTION

from engine import receive_dossier
from engine.infra.db import unit_of_work
from engine.workflow.catalog import load_procedure
from tests.bpmn_builder import linear_user_tasks, procedure_folder

STEPS = 10
FORM = {"type": "object", "additionalProperties": False, "required": ["ket_qua"],
        "properties": {"ket_qua": {"type": "string", "title": "Kết quả", "maxLength": 200}}}


def test_each_answer_names_the_next_step_and_its_links_lead_through_the_dossier_without_the_inbox(
        client, db_engine, factory, org, now, tmp_path):
    folder = procedure_folder(tmp_path, "muoi-buoc", linear_user_tasks("tthc_muoi", STEPS, form="f.json"),
                              "tthc_muoi", {"f.json": FORM}, time_limit=10)
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, now)
        code = receive_dossier(s, procedure_code="muoi-buoc", applicant={"name": "Nguyễn Văn A"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now).code
    token = token_for(client, "chuyenvien.vpdk")
    first = call(client, "GET", "/api/v1/work-items?view=unit", token=token).get_json()["items"]
    [item] = [row for row in first if row["dossier_code"] == code]  # the only time the inbox is read
    statements, counts = [], []

    def count(*args):
        statements.append(args[2])

    event.listen(db_engine, "before_cursor_execute", count)
    complete_url = f"/api/v1/work-items/{item['id']}/complete"
    for step in range(1, STEPS + 1):
        statements.clear()
        answer = call(client, "POST", complete_url, token=token, json={"data": {"ket_qua": f"Bước {step} đạt"}})
        counts.append(len(statements))
        body = answer.get_json()
        assert answer.status_code == 200, body
        assert body["dossier_code"] == code and isinstance(body["status_after"], int) and body["status_label"]
        if step == STEPS:
            assert body["next_items"] == []
            break
        [following] = body["next_items"]
        assert (following["name"], following["role_key"], following["unit_code"]) == (
            f"Bước {step + 1}", "chuyen_vien", "000.21.01.H99")
        assert following["claimed"] is False and following["due_at"].endswith("+07:00")
        assert following["unit_name"] and set(following["links"]) == {"self", "claim", "complete"}
        claimed = call(client, "POST", following["links"]["claim"], token=token)
        assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "chuyenvien.vpdk"
        complete_url = following["links"]["complete"]
    event.remove(db_engine, "before_cursor_execute", count)
    print("statements per API completion:", counts)
    assert max(counts) <= 15 and counts[-1] <= counts[0], counts  # the answer's query added one; still flat
    assert call(client, "GET", f"/api/v1/dossiers/{code}", token=token).get_json()["timeline"][-1]["state"] == \
        "completed"


def test_desk_completion_names_no_step_of_another_role_and_gives_the_status_label(client, org):
    desk = token_for(client, "motcua.tinh")
    code = call(client, "POST", "/api/v1/dossiers", token=desk, json=DOSSIER).get_json()["code"]
    rows = call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
    [step] = [row for row in rows if row["dossier_code"] == code and row["name"] == RECEPTION]
    answer = call(client, "POST", f"/api/v1/work-items/{step['id']}/complete", token=desk,
                  json={"data": {"da_kiem_tra_thanh_phan": True}}).get_json()
    assert answer["status_after"] == 4 and answer["status_label"] == "Đang xử lý"
    assert answer["next_items"] == []  # the appraisal is the specialist's
    specialist = token_for(client, "chuyenvien.vpdk")
    [appraisal] = [row for row in call(client, "GET", "/api/v1/work-items?view=unit", token=specialist)
                   .get_json()["items"] if row["dossier_code"] == code]
    assert appraisal["role_key"] == "chuyen_vien"
