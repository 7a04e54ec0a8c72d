"""SQL statements of the task page and of completing a step: few, and the same at step 10 as at step 1."""
from __future__ import annotations

from sqlalchemy import event

from engine import receive_dossier
from engine.infra.db import unit_of_work
from engine.workflow.catalog import load_procedure
from tests.bpmn_builder import linear_user_tasks, procedure_folder
from tests.driving import open_items

from webpages import csrf_token, login

STEPS = 10
FORM = {"type": "object", "additionalProperties": False, "required": ["ket_qua"],
        "properties": {"ket_qua": {"type": "string", "title": "Kết quả"}, "so_trang": {"type": "integer"},
                       "dat": {"type": "boolean"}}}


def test_task_page_and_completion_statements_stay_few_and_flat_along_the_history(client, db_engine, factory, org,
                                                                                  now, tmp_path):
    folder = procedure_folder(tmp_path, "muoi-buoc", linear_user_tasks("tthc_muoi", STEPS, form="f.json"),
                              "tthc_muoi", {"f.json": FORM}, time_limit=10)
    official = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, now)
        code = receive_dossier(s, procedure_code="muoi-buoc", applicant={"name": "Nguyễn Văn A"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now).code
    login(client, "chuyenvien.vpdk")
    statements = []
    event.listen(db_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    pages, posts = [], []
    for step in range(1, STEPS + 1):
        with unit_of_work(factory) as s:
            [item_id] = [i.id for i in open_items(s, official, now=now) if i.dossier.code == code]
        statements.clear()
        page = client.get(f"/tasks/{item_id}")
        pages.append(len(statements))
        statements.clear()
        response = client.post(f"/tasks/{item_id}", data={
            "csrf_token": csrf_token(page.get_data(as_text=True)), "ket_qua": f"Bước {step} đạt",
            "so_trang": str(step), "dat": "on"})
        posts.append(len(statements))
        assert response.status_code == 302, response.get_data(as_text=True)
    assert max(posts) <= 15, posts
    assert posts[-1] <= posts[0], posts  # the last step creates no next item: one INSERT fewer
    assert len(set(pages[1:])) == 1, pages  # from step 2 on (the first has no earlier step to label)
