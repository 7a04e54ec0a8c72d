"""liên thông delivery under a worker killed with SIGKILL mid-batch: nothing lost, nothing twice."""
from __future__ import annotations

import signal
from collections import Counter

from sqlalchemy import func, select

from engine import complete_task, receive_dossier

from tests.driving import open_items
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.models import Event, Message, ProcessInstance, WorkItem

from ..bpmn_builder import procedure_folder
from .test_messages import FORM_LAND, FORM_TAX, LAND, TAX, _form
from .test_worker_reliability import scalar, start_worker, wait_until, worker_url  # noqa: F401 - fixture

COUNT = 150


def delivered(factory) -> int:
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(Message).where(Message.state == "delivered"))


def test_worker_killed_mid_delivery_loses_and_duplicates_nothing(db_engine, factory, org, now, worker_url, tmp_path):
    land = LAND.replace('name="Thẩm định, chuyển thông tin thuế"/>',
                        'name="Thẩm định, chuyển thông tin thuế">' + _form("dat.json") + '</bpmn:userTask>')
    tax = TAX.replace('name="Xác định nghĩa vụ tài chính"/>',
                      'name="Xác định nghĩa vụ tài chính">' + _form("thue.json") + '</bpmn:userTask>')
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "lt-dat", land, "tthc_lt_dat", {"dat.json": FORM_LAND}), None, now)
        load_procedure(s, procedure_folder(tmp_path, "lt-thue", tax, "tthc_lt_thue", {"thue.json": FORM_TAX},
                                           deciding_unit="000.30.01.H99"), None, now)
        for _ in range(COUNT):
            receive_dossier(s, procedure_code="lt-dat", applicant={"name": "Phan Văn Lợi"}, channel="direct",
                            received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)
    with unit_of_work(factory) as s:
        for item in open_items(s, specialist, limit=COUNT):
            complete_task(s, item.id, {"dien_tich": 50.0}, specialist, now)
    name = f"motcua_msg_{tmp_path.name[-12:]}"
    worker = start_worker(worker_url, tmp_path, name)
    wait_until(lambda: delivered(factory) >= 10, "ten deliveries", workers=[worker])
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)
    if db_engine.dialect.name == "postgresql":
        wait_until(lambda: scalar(db_engine, "SELECT count(*) FROM pg_stat_activity WHERE application_name = :n",
                                  n=name) == 0, "the killed worker's session to end")
    before = delivered(factory)
    assert 10 <= before < COUNT, f"the worker was not killed mid-batch: {before} delivered"
    second = start_worker(worker_url, tmp_path, f"{name}_2")
    second.communicate(timeout=300)
    assert second.returncode == 0
    with unit_of_work(factory) as s:
        assert Counter(s.scalars(select(Message.state))) == {"delivered": COUNT}
        per_dossier = Counter(s.scalars(select(ProcessInstance.dossier_id)))
        assert set(per_dossier.values()) == {2}, "every dossier has exactly one partner instance"
        tax_items = s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.bpmn_id == "ut_tinh_thue"))
        assert tax_items == COUNT
        hops = s.scalar(select(func.count()).select_from(Event).where(Event.action == "message_delivered"))
        assert hops == COUNT
