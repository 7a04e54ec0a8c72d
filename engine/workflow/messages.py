"""The liên thông message bus: deliver each queued message once to the instance waiting for it, or start
the partner agency's process; failures are retried with back-off, then left for an administrator."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.workflow import runtime

from engine import spiff
from engine.infra.audit import record_event
from engine.workflow.catalog import version_bundle
from engine.infra.errors import Conflict, NotFound
from engine.infra.sweep import Job, sweep
from engine.models import Dossier, Message, Procedure, ProcessInstance


def deliver_pending_messages(factory: sessionmaker[Session], now: datetime, limit: int = 200,
                             max_attempts: int = 5) -> int:
    """One transaction per message: the receiver's new state and the message's 'delivered' mark are
    committed together, so a crash in between delivers it again later and never twice."""
    due = (
        select(Message.id).where(Message.state == "pending")
        .where((Message.next_attempt_at.is_(None)) | (Message.next_attempt_at <= now))
        .order_by(Message.id)
    )

    def deliver(session: Session, message_id: int) -> None:
        deliver_message(session, session.get(Message, message_id), now)

    def fail(session: Session, message_id: int, exc: Exception) -> None:
        _record_failure(session, message_id, exc.message, now, max_attempts)

    return sweep(factory, Job("message", due, Message.id, deliver, fail), limit)


def deliver_message(session: Session, message: Message, now: datetime) -> ProcessInstance:
    dossier = session.scalar(select(Dossier).where(Dossier.code == message.correlation))
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {message.correlation}.")
    receiver = _waiting_instance(session, dossier.id, message)
    if receiver is not None:
        run = runtime.open_instance(session, receiver.id, now=now, actor_id=None)
        runtime.run_step(run, spiff.deliver, message.payload)
        runtime.finish(run)
    else:
        version_id, unit_id = _starting_version(session, message.name)
        receiver = runtime.start_instance(session, dossier, now=now, actor_id=None, version_id=version_id,
                                          unit_id=unit_id or dossier.deciding_unit_id, first_message=message.payload)
    message.state, message.receiver_instance_id, message.delivered_at = "delivered", receiver.id, now
    message.error = None
    sender_unit = session.scalar(select(ProcessInstance.unit_id).where(ProcessInstance.id == message.sender_instance_id))
    record_event(session, action="message_delivered", at=now, dossier_id=dossier.id, instance_id=receiver.id,
                 detail={"message": message.name, "message_id": message.id, "from_unit_id": sender_unit,
                         "to_unit_id": receiver.unit_id})
    session.flush()
    return receiver


def retry_message(session: Session, message_id: int, actor_id: int, now: datetime) -> Message:
    """An administrator sends a message that ended in error back to the queue."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"Không có thông điệp #{message_id}.")
    if message.state != "error":
        raise Conflict("Chỉ thông điệp đang lỗi mới gửi lại được.")
    message.state, message.attempts, message.next_attempt_at = "pending", 0, None
    record_event(session, action="message_retried", at=now, actor_id=actor_id,
                 detail={"message": message.name, "message_id": message.id, "correlation": message.correlation})
    session.flush()
    return message


def _waiting_instance(session: Session, dossier_id: int, message: Message) -> ProcessInstance | None:
    candidates = session.scalars(select(ProcessInstance).where(
        ProcessInstance.dossier_id == dossier_id, ProcessInstance.status == "running",
        ProcessInstance.id != message.sender_instance_id).order_by(ProcessInstance.id))
    return next((i for i in candidates if message.name in (i.waiting_for or [])), None)


def _starting_version(session: Session, name: str) -> tuple[int, int | None]:
    """The active process version whose start event catches this message, and its deciding unit."""
    rows = session.execute(select(Procedure.active_version_id, Procedure.deciding_unit_id)
                           .where(Procedure.active_version_id.is_not(None)))
    for version_id, unit_id in rows:
        if name in spiff.start_message_names(version_bundle(session, version_id).parsed):
            return version_id, unit_id
    raise NotFound(f"Không có quy trình nào đang chờ hoặc bắt đầu bằng thông điệp '{name}'.")


def _record_failure(session: Session, message_id: int, error: str, now: datetime, max_attempts: int) -> None:
    message = session.get(Message, message_id)
    message.attempts += 1
    message.error = error
    message.next_attempt_at = now + timedelta(minutes=2 ** (message.attempts - 1))
    if message.attempts >= max_attempts:
        message.state = "error"  # visible to administrators, who can retry it
        dossier_id = session.scalar(select(ProcessInstance.dossier_id)
                                    .where(ProcessInstance.id == message.sender_instance_id))
        record_event(session, action="message_failed", at=now, dossier_id=dossier_id,
                     detail={"message": message.name, "message_id": message.id, "error": error})
