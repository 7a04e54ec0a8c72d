"""liên thông: agencies' instances exchange BPMN messages through the outbox, each delivered once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import complete_task, dossier_events, receive_dossier

from tests.driving import open_items
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.workflow.messages import deliver_pending_messages, retry_message
from engine.models import Message, ProcessInstance

from ..bpmn_builder import HEAD, procedure_folder

LAND = HEAD.format(pid="tthc_lt_dat") + """
<bpmn:message id="m_yc" name="yeu_cau_thue"/><bpmn:message id="m_kq" name="ket_qua_thue"/>
<bpmn:process id="tthc_lt_dat" isExecutable="true">
  <bpmn:laneSet id="ls"><bpmn:lane id="l_cv" name="chuyen_vien"><bpmn:flowNodeRef>ut_tham_dinh</bpmn:flowNodeRef>
  <bpmn:flowNodeRef>ut_cap_giay</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="ut_tham_dinh" name="Thẩm định, chuyển thông tin thuế"/>
  <bpmn:intermediateThrowEvent id="gui_thue" name="Gửi phiếu chuyển thông tin">
    <bpmn:messageEventDefinition messageRef="m_yc"><bpmn:extensionElements>
      <spiffworkflow:messagePayload>{'dien_tich': dien_tich, 'ma_ho_so': dossier_code()}</spiffworkflow:messagePayload>
    </bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>
  <bpmn:intermediateCatchEvent id="nhan_thue" name="Nhận thông báo thuế">
    <bpmn:messageEventDefinition messageRef="m_kq"><bpmn:extensionElements>
      <spiffworkflow:messageVariable>ket_qua_thue</spiffworkflow:messageVariable>
    </bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:userTask id="ut_cap_giay" name="Cấp giấy chứng nhận"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ut_tham_dinh"/>
  <bpmn:sequenceFlow id="f2" sourceRef="ut_tham_dinh" targetRef="gui_thue"/>
  <bpmn:sequenceFlow id="f3" sourceRef="gui_thue" targetRef="nhan_thue"/>
  <bpmn:sequenceFlow id="f4" sourceRef="nhan_thue" targetRef="ut_cap_giay"/>
  <bpmn:sequenceFlow id="f5" sourceRef="ut_cap_giay" targetRef="end"/>
</bpmn:process></bpmn:definitions>
"""

TAX = HEAD.format(pid="tthc_lt_thue") + """
<bpmn:message id="m_yc" name="yeu_cau_thue"/><bpmn:message id="m_kq" name="ket_qua_thue"/>
<bpmn:process id="tthc_lt_thue" isExecutable="true">
  <bpmn:laneSet id="ls"><bpmn:lane id="l_thue" name="thue"><bpmn:flowNodeRef>ut_tinh_thue</bpmn:flowNodeRef>
  </bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="nhan_yc"><bpmn:messageEventDefinition messageRef="m_yc"><bpmn:extensionElements>
    <spiffworkflow:messageVariable>yeu_cau</spiffworkflow:messageVariable>
  </bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:startEvent>
  <bpmn:userTask id="ut_tinh_thue" name="Xác định nghĩa vụ tài chính"/>
  <bpmn:endEvent id="gui_kq"><bpmn:messageEventDefinition messageRef="m_kq"><bpmn:extensionElements>
    <spiffworkflow:messagePayload>{'so_tien': so_tien, 'dien_tich': yeu_cau['dien_tich']}</spiffworkflow:messagePayload>
  </bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="nhan_yc" targetRef="ut_tinh_thue"/>
  <bpmn:sequenceFlow id="f2" sourceRef="ut_tinh_thue" targetRef="gui_kq"/>
</bpmn:process></bpmn:definitions>
"""
FORM_LAND = {"type": "object", "properties": {"dien_tich": {"type": "number"}}}
FORM_TAX = {"type": "object", "properties": {"so_tien": {"type": "integer"}}}


@pytest.fixture
def lien_thong(tmp_path, factory, org, now):
    land = LAND.replace('name="Thẩm định, chuyển thông tin thuế"/>',
                        'name="Thẩm định, chuyển thông tin thuế">' + _form("dat.json") + '</bpmn:userTask>')
    tax = TAX.replace('name="Xác định nghĩa vụ tài chính"/>',
                      'name="Xác định nghĩa vụ tài chính">' + _form("thue.json") + '</bpmn:userTask>')
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "lt-dat", land, "tthc_lt_dat", {"dat.json": FORM_LAND}),
                       None, now)
        load_procedure(s, procedure_folder(tmp_path, "lt-thue", tax, "tthc_lt_thue", {"thue.json": FORM_TAX},
                                           deciding_unit="000.30.01.H99"), None, now)
        return receive_dossier(s, procedure_code="lt-dat", applicant={"name": "Phan Văn Lợi"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)


def _form(name):
    from ..bpmn_builder import properties

    return properties({"formJsonSchemaFilename": name})


def work(factory, org, user, bpmn_id, data, now):
    with unit_of_work(factory) as s:
        item = next(i for i in open_items(s, org[user]) if i.bpmn_id == bpmn_id)
        complete_task(s, item.id, data, org[user], now)


def test_partner_agency_process_starts_answers_and_the_timeline_shows_each_hop(factory, org, now, lien_thong):
    work(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {"dien_tich": 120.5}, now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(Message.state)) == "pending"  # queued with the sender's save
        assert open_items(s, org["thue.coso"]) == []
    assert deliver_pending_messages(factory, now) == 1
    assert deliver_pending_messages(factory, now) == 0  # delivered once
    with unit_of_work(factory) as s:
        [item] = open_items(s, org["thue.coso"])  # the tax officer's own inbox, in the tax unit
        assert item.bpmn_id == "ut_tinh_thue" and open_items(s, org["chuyenvien.vpdk"]) == []
    work(factory, org, "thue.coso", "ut_tinh_thue", {"so_tien": 2_500_000}, now)
    assert deliver_pending_messages(factory, now) == 1
    with unit_of_work(factory) as s:
        [item] = open_items(s, org["chuyenvien.vpdk"])
        assert item.bpmn_id == "ut_cap_giay"
        instances = s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert [i.status for i in instances] == ["running", "completed"]
        assert '"so_tien":2500000' in instances[0].state
        hops = [(e.action, e.detail["message"]) for e in dossier_events(s, instances[0].dossier_id)
                if e.action.startswith("message_")]
        assert hops == [("message_sent", "yeu_cau_thue"), ("message_delivered", "yeu_cau_thue"),
                        ("message_sent", "ket_qua_thue"), ("message_delivered", "ket_qua_thue")]


def test_crash_between_receiver_save_and_commit_loses_nothing_and_duplicates_nothing(factory, org, now,
                                                                                     lien_thong, monkeypatch):
    work(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {"dien_tich": 80}, now)
    import engine.workflow.messages as bus

    real = bus.record_event

    def crash(*args, **kwargs):
        if kwargs.get("action") == "message_delivered":
            raise RuntimeError("máy chủ mất điện")
        return real(*args, **kwargs)

    monkeypatch.setattr(bus, "record_event", crash)
    with pytest.raises(RuntimeError):
        deliver_pending_messages(factory, now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(Message.state)) == "pending"
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 1  # the partner start rolled back
    monkeypatch.setattr(bus, "record_event", real)
    assert deliver_pending_messages(factory, now) == 1
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 2
        assert len(open_items(s, org["thue.coso"])) == 1


def test_message_nobody_can_receive_ends_in_error_and_can_be_retried(factory, org, now, lien_thong):
    work(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {"dien_tich": 80}, now)
    with unit_of_work(factory) as s:
        s.execute(Message.__table__.update().values(name="khong_ai_nhan"))
    from datetime import timedelta

    for attempt in range(3):
        assert deliver_pending_messages(factory, now + timedelta(hours=attempt), max_attempts=3) == 0
    with unit_of_work(factory) as s:
        message = s.scalar(select(Message))
        assert message.state == "error" and message.attempts == 3 and "khong_ai_nhan" in message.error
        s.execute(Message.__table__.update().values(name="yeu_cau_thue"))
        retry_message(s, message.id, org["lanhdao.vpdk"], now)
    assert deliver_pending_messages(factory, now + timedelta(hours=5)) == 1


def test_second_procedure_started_by_the_same_message_is_refused(tmp_path, factory, org, now, lien_thong):
    from engine.infra.errors import InvalidProcess

    copy = TAX.replace("tthc_lt_thue", "tthc_lt_thue_2")
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, procedure_folder(tmp_path, "lt-thue-2", copy, "tthc_lt_thue_2"), None, now)
    assert "yeu_cau_thue" in caught.value.message and "lt-thue" in caught.value.message


def test_unknown_dossier_action_is_refused_at_load(tmp_path, factory, now):
    from engine.infra.errors import InvalidProcess

    from ..bpmn_builder import properties, sequence

    node = ('<bpmn:intermediateThrowEvent id="act_x">' + properties({"dossier_action": "xoa_ho_so"})
            + '</bpmn:intermediateThrowEvent>')
    xml = sequence("tthc_act", [("act_x", node)])
    with pytest.raises(InvalidProcess) as caught:
        with unit_of_work(factory) as s:
            load_procedure(s, procedure_folder(tmp_path, "act", xml, "tthc_act"), None, now)
    assert caught.value.element == "act_x" and "xoa_ho_so" in caught.value.message
