"""Administrators' operations: retry an instance in error, suspend, resume, terminate; send a failed message or
notice again; the steps nobody can take; the counts of the landing page. Only administrators, every act audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from engine import (
    Conflict,
    Forbidden,
    ValidationFailed,
    complete_task,
    dossier_history,
    fire_due_timers,
    operations_overview,
    queued_messages,
    queued_notifications,
    receive_dossier,
    requeue_message,
    resend_notification,
    resume_instance,
    retry_instance,
    suspend_instance,
    terminate_instance,
    troubled_instances,
    unassignable_items,
)
from engine.infra.db import unit_of_work
from engine.models import Delegation, Event, Membership, Message, Notification, ProcessInstance, User, WorkItem

from .test_worker_reliability import failing_timer_process, receive_many

ADMIN, OFFICER, DESIGNER = "quantri.tinh", "chuyenvien.vpdk", "thietke.tinh"


def instance_of(factory, dossier_id) -> ProcessInstance:
    with unit_of_work(factory) as session:
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier_id))
        session.expunge(instance)
        return instance


def items_of(factory, instance_id) -> dict[str, str]:
    with unit_of_work(factory) as session:
        return dict(session.execute(select(WorkItem.bpmn_id, WorkItem.state)
                                    .where(WorkItem.instance_id == instance_id)).all())


def actions_of(factory, instance_id) -> list[tuple[str, int | None]]:
    with unit_of_work(factory) as session:
        return list(session.execute(select(Event.action, Event.actor_id).where(Event.instance_id == instance_id,
                                                                               Event.action.like("instance_%"))
                                    .order_by(Event.id)))


def broken(factory, tmp_path, now) -> tuple[int, str]:
    """A timer dossier whose stored state cannot be read: the sweep marks it in error; returns (id, good state)."""
    dossier_id, = receive_many(factory, tmp_path, now, 1)
    instance = instance_of(factory, dossier_id)
    with unit_of_work(factory) as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                        .values(state='{"serializer_version": "0.0"}'))
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 0
    assert instance_of(factory, dossier_id).status == "error"
    return instance.id, instance.state


def operate(factory, operation, *args, **kwargs):
    with unit_of_work(factory) as session:
        return operation(session, *args, **kwargs)


def test_an_instance_in_error_runs_again_after_the_fix_and_its_timer_fires(factory, org, now, tmp_path):
    instance_id, good_state = broken(factory, tmp_path, now)
    with unit_of_work(factory) as session:  # the fix: the state is restored
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(state=good_state))
    later = now + timedelta(hours=4)
    operate(factory, retry_instance, instance_id, org[ADMIN], later)
    with unit_of_work(factory) as session:
        instance = session.get(ProcessInstance, instance_id)
        assert (instance.status, instance.error) == ("running", None)
        assert instance.next_timer_at == now + timedelta(hours=2)  # recomputed from the state: overdue, so due
    with pytest.raises(Conflict, match="không chạy lại được"):
        operate(factory, retry_instance, instance_id, org[ADMIN], later)  # a second click
    assert fire_due_timers(factory, later) == 1
    assert items_of(factory, instance_id) == {"ut_xu_ly": "cancelled", "ut_qua_han": "ready"}
    assert actions_of(factory, instance_id) == [("instance_failed", None), ("instance_retried", org[ADMIN])]


def test_a_retried_instance_that_fails_again_is_marked_again(factory, org, now, tmp_path):
    dossier_id, = receive_many(factory, tmp_path, now, 1, "timer-loi", failing_timer_process(), "tthc_timer_loi")
    fire_due_timers(factory, now + timedelta(hours=2))
    instance = instance_of(factory, dossier_id)
    assert instance.status == "error" and instance.next_timer_at is None
    operate(factory, retry_instance, instance.id, org[ADMIN], now + timedelta(hours=3))
    assert instance_of(factory, dossier_id).next_timer_at == now + timedelta(hours=1)
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 0
    assert instance_of(factory, dossier_id).status == "error"
    assert [a for a, _ in actions_of(factory, instance.id)] == ["instance_failed", "instance_retried", "instance_failed"]


def test_a_suspended_instance_is_skipped_by_the_sweep_and_its_steps_wait_until_it_resumes(factory, org, now, tmp_path):
    dossier_id, = receive_many(factory, tmp_path, now, 1)
    instance_id = instance_of(factory, dossier_id).id
    operate(factory, suspend_instance, instance_id, org[ADMIN], now, "Chờ sửa quy trình")
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 0
    with unit_of_work(factory) as session:
        item_id = session.scalar(select(WorkItem.id).where(WorkItem.instance_id == instance_id))
    with pytest.raises(Conflict, match="không còn chạy"):
        operate(factory, complete_task, item_id, {}, org[OFFICER], now)
    with pytest.raises(Conflict):
        operate(factory, suspend_instance, instance_id, org[ADMIN], now)
    operate(factory, resume_instance, instance_id, org[ADMIN], now + timedelta(hours=3))
    assert instance_of(factory, dossier_id).next_timer_at == now + timedelta(hours=2)
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 1
    assert items_of(factory, instance_id) == {"ut_xu_ly": "cancelled", "ut_qua_han": "ready"}
    with unit_of_work(factory) as session:
        labels = [entry.label for entry in dossier_history(session, dossier_id)]
    assert "Quản trị hệ thống tạm ngừng quy trình: Chờ sửa quy trình" in labels
    assert "Quản trị hệ thống cho quy trình chạy tiếp" in labels


def test_terminating_takes_a_reason_cancels_the_open_steps_and_is_told_in_the_history(factory, org, now, tmp_path):
    dossier_id, = receive_many(factory, tmp_path, now, 1)
    instance_id = instance_of(factory, dossier_id).id
    with pytest.raises(ValidationFailed) as refused:
        operate(factory, terminate_instance, instance_id, org[ADMIN], now, "   ")
    assert "reason" in refused.value.errors
    assert operate(factory, terminate_instance, instance_id, org[ADMIN], now, "Hồ sơ nhập trùng") == 1
    instance = instance_of(factory, dossier_id)
    assert (instance.status, instance.next_timer_at) == ("terminated", None)
    assert items_of(factory, instance_id) == {"ut_xu_ly": "cancelled"}
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 0
    with pytest.raises(Conflict, match="Đã chấm dứt"):
        operate(factory, terminate_instance, instance_id, org[ADMIN], now, "Lần nữa")
    with unit_of_work(factory) as session:
        labels = [entry.label for entry in dossier_history(session, dossier_id)]
        assert labels[-2:] == ["Hủy bước: Xử lý", "Quản trị hệ thống chấm dứt quy trình: Hồ sơ nhập trùng"]
        assert troubled_instances(session, org[ADMIN]) == []


@pytest.mark.parametrize("username", [OFFICER, DESIGNER])
def test_only_an_administrator_operates(factory, org, now, tmp_path, username):
    instance_id, _ = broken(factory, tmp_path, now)
    user = org[username]
    for operation, args in ((retry_instance, ()), (suspend_instance, ()), (resume_instance, ()),
                            (terminate_instance, ("Lý do",)), (requeue_message, ()), (resend_notification, ())):
        with pytest.raises(Forbidden):
            operate(factory, operation, instance_id, user, now, *args)
    for read in (troubled_instances, queued_messages, queued_notifications):
        with pytest.raises(Forbidden):
            operate(factory, read, user)
    with pytest.raises(Forbidden):
        operate(factory, operations_overview, user, now)
    with unit_of_work(factory) as session:
        assert session.get(ProcessInstance, instance_id).status == "error"


def test_a_failed_message_goes_back_to_the_queue_once(factory, org, now, tmp_path):
    dossier_id, = receive_many(factory, tmp_path, now, 1)
    instance = instance_of(factory, dossier_id)
    with unit_of_work(factory) as session:
        code = session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance.id)).dossier.code
        message = Message(name="ket_qua_thue", correlation=code, payload={}, state="error", attempts=5,
                          error="không có quy trình nào chờ", sender_instance_id=instance.id, created_at=now,
                          next_attempt_at=now + timedelta(minutes=16))
        session.add(message)
        session.flush()
        message_id = message.id
    with unit_of_work(factory) as session:
        [row] = queued_messages(session, org[ADMIN])
        assert (row.state, row.attempts, row.error) == ("error", 5, "không có quy trình nào chờ")
    operate(factory, requeue_message, message_id, org[ADMIN], now)
    with unit_of_work(factory) as session:
        message = session.get(Message, message_id)
        assert (message.state, message.attempts, message.next_attempt_at) == ("pending", 0, None)
    with pytest.raises(Conflict):
        operate(factory, requeue_message, message_id, org[ADMIN], now)


def test_a_failed_notice_is_sent_again_with_its_attempts_counted_anew(factory, org, now, tmp_path):
    dossier_id, = receive_many(factory, tmp_path, now, 1)
    with unit_of_work(factory) as session:
        notice = Notification(dossier_id=dossier_id, kind="receipt", channel="email", recipient="a@example.vn",
                              subject="s", body="b", state="failed", attempts=5, last_error="SMTP 550",
                              created_at=now)
        session.add(notice)
        session.flush()
        notice_id = notice.id
    later = now + timedelta(hours=1)
    operate(factory, resend_notification, notice_id, org[ADMIN], later)
    with unit_of_work(factory) as session:
        notice = session.get(Notification, notice_id)
        assert (notice.state, notice.attempts, notice.next_attempt_at) == ("pending", 0, later)
        event = session.scalar(select(Event).where(Event.action == "notification_resent"))
        assert (event.actor_id, event.dossier_id, event.detail["error"]) == (org[ADMIN], dossier_id, "SMTP 550")
        assert [row.state for row in queued_notifications(session, org[ADMIN])] == ["pending"]
    with pytest.raises(Conflict):
        operate(factory, resend_notification, notice_id, org[ADMIN], later)


def test_a_step_nobody_holds_or_is_delegated_is_listed(factory, org, now, tmp_path):
    dossier_id, = receive_many(factory, tmp_path, now, 1)  # ut_xu_ly: chuyen_vien at 000.21.01.H99

    def listed():
        with unit_of_work(factory) as session:
            return [(row.step, row.role_key) for row in unassignable_items(session, org[ADMIN], now)]

    assert listed() == []
    with unit_of_work(factory) as session:
        unit_id = session.scalar(select(WorkItem.unit_id).where(WorkItem.dossier_id == dossier_id))
        session.execute(update(User).where(User.id == org[OFFICER]).values(is_active=False))
    assert listed() == [("Xử lý", "chuyen_vien")]  # its only holder's account is disabled
    with unit_of_work(factory) as session:
        session.execute(update(User).where(User.id == org[OFFICER]).values(is_active=True))
        session.execute(delete(Membership).where(Membership.user_id == org[OFFICER]))
        session.add(Delegation(from_user_id=org["lanhdao.vpdk"], to_user_id=org["vanthu.vpdk"], role_key="chuyen_vien",
                               unit_id=unit_id, signature_form="TUQ.", valid_from=now - timedelta(days=1),
                               valid_to=now + timedelta(days=1), created_at=now))
    assert listed() == []  # a delegate may take it
    with unit_of_work(factory) as session:
        session.execute(update(Delegation).values(valid_to=now))
        assert operations_overview(session, org[ADMIN], now).unassignable == 1
    assert listed() == [("Xử lý", "chuyen_vien")]  # the delegation has run out


def test_the_landing_counts_each_kind_of_problem(factory, org, now, tmp_path):
    broken(factory, tmp_path, now)
    with unit_of_work(factory) as session:
        counts = operations_overview(session, org[ADMIN], now)
    assert (counts.errored, counts.suspended, counts.failed_messages, counts.failed_notifications,
            counts.unassignable) == (1, 0, 0, 0, 0)
    assert counts.problems == 1
