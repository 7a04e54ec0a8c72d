"""Administrators' operations on running processes: retry an instance after an error, suspend, resume and
terminate it, send a failed liên thông message again. Each checks the administrator role first and leaves
an audit event."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Message, ProcessInstance, WorkItem
from engine.org import access
from engine.workflow import messages, runtime, store

INSTANCE_STATUS_LABELS = {
    "running": "Đang chạy", "error": "Lỗi", "suspended": "Đang tạm ngừng", "terminated": "Đã chấm dứt",
    "completed": "Đã kết thúc", "stopped": "Đã dừng theo hồ sơ",
}
REASON_MAX = 1000
# action -> (the statuses it starts from, what it does, in the words of the refusal)
MOVES = {
    "retry": ({"error"}, "chạy lại"),
    "suspend": ({"running", "error"}, "tạm ngừng"),
    "resume": ({"suspended"}, "cho chạy tiếp"),
    "terminate": ({"running", "error", "suspended"}, "chấm dứt"),
}


def retry_instance(session: Session, instance_id: int, actor_id: int, now: datetime) -> None:
    """An instance in error runs again once its cause is fixed: loaded and saved through the runtime, which
    recomputes its next timer; the timer whose firing failed is still waiting, so the next sweep fires it."""
    _check_admin(session, actor_id)
    loaded = _locked(session, instance_id, "retry")
    _run_again(session, loaded, now, actor_id, "instance_retried")


def resume_instance(session: Session, instance_id: int, actor_id: int, now: datetime) -> None:
    """A suspended instance runs on: its timers come back (one already due fires at the next sweep)."""
    _check_admin(session, actor_id)
    loaded = _locked(session, instance_id, "resume")
    _run_again(session, loaded, now, actor_id, "instance_resumed")


def suspend_instance(session: Session, instance_id: int, actor_id: int, now: datetime, reason: str = "") -> None:
    """Set an instance aside: the sweeps skip it and nobody completes its steps until it is resumed."""
    _check_admin(session, actor_id)
    reason = _clean(reason)
    loaded = _locked(session, instance_id, "suspend")
    _set_status(session, loaded, "suspended", now)
    _record(session, loaded, "instance_suspended", actor_id, now, {"reason": reason} if reason else {})


def terminate_instance(session: Session, instance_id: int, actor_id: int, now: datetime, reason: str) -> int:
    """End an instance for good, with the reason the dossier's history shows; its open steps are cancelled.
    Returns how many steps were cancelled. The dossier's own status is left to its officials."""
    _check_admin(session, actor_id)
    reason = _clean(reason)
    if not reason:
        raise ValidationFailed("Hãy nêu lý do chấm dứt tiến trình.", {"reason": ["Nhập lý do chấm dứt."]})
    loaded = _locked(session, instance_id, "terminate")
    _set_status(session, loaded, "terminated", now)
    open_tasks = set(session.scalars(select(WorkItem.task_id).where(WorkItem.instance_id == instance_id,
                                                                     WorkItem.state == "ready")))
    cancelled = store.cancel_items(session, instance_id, open_tasks) if open_tasks else []
    for item_id in cancelled:
        record_event(session, action="task_cancelled", at=now, actor_id=actor_id, dossier_id=loaded.dossier.id,
                     instance_id=instance_id, work_item_id=item_id)
    _record(session, loaded, "instance_terminated", actor_id, now, {"reason": reason, "cancelled": len(cancelled)})
    return len(cancelled)


def requeue_message(session: Session, message_id: int, actor_id: int, now: datetime) -> Message:
    """A liên thông message that ended in error goes back to the queue, due at once, its attempts counted anew."""
    _check_admin(session, actor_id)
    return messages.retry_message(session, message_id, actor_id, now)


def _check_admin(session: Session, actor_id: int) -> None:
    access.check_admin(access.grants_of(session, actor_id))


def _locked(session: Session, instance_id: int, action: str) -> store.Loaded:
    """The instance locked as every step locks it (its dossier first), if `action` may start from its status."""
    loaded = store.lock_and_load_instance(session, instance_id)
    if loaded is None:
        raise NotFound(f"Không có tiến trình #{instance_id}.")
    sources, verb = MOVES[action]
    status = loaded.instance.status
    if status not in sources:
        label = INSTANCE_STATUS_LABELS.get(status, status)
        raise Conflict(f"Tiến trình #{instance_id} của hồ sơ {loaded.dossier.code} đang ở trạng thái "
                       f"\"{label}\" nên không {verb} được; hãy tải lại trang.")
    return loaded


def _run_again(session: Session, loaded: store.Loaded, now: datetime, actor_id: int, action: str) -> None:
    before = session.scalar(select(ProcessInstance.error).where(ProcessInstance.id == loaded.instance.id))
    loaded.instance.status = "running"
    run = runtime.begin(session, loaded, now=now, actor_id=actor_id)
    runtime.finish(run)  # stores status, state and the recomputed next timer under the revision read
    session.execute(update(ProcessInstance.__table__).where(ProcessInstance.__table__.c.id == loaded.instance.id)
                    .values(error=None))
    _record(session, loaded, action, actor_id, now, {"error": before} if before else {})


def _set_status(session: Session, loaded: store.Loaded, status: str, now: datetime) -> None:
    loaded.instance.status, loaded.instance.next_timer_at = status, None  # out of the timer sweep
    if not store.save_instance_status(session, loaded.instance, now):
        raise Conflict(f"Hồ sơ {loaded.dossier.code} vừa được người khác cập nhật; hãy tải lại và thử lại.")


def _record(session: Session, loaded: store.Loaded, action: str, actor_id: int, now: datetime, detail: dict) -> None:
    record_event(session, action=action, at=now, actor_id=actor_id, dossier_id=loaded.dossier.id,
                 instance_id=loaded.instance.id, detail=detail or None)
    session.flush()


def _clean(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise ValidationFailed("Lý do quá dài.", {"reason": [f"Tối đa {REASON_MAX} ký tự."]})
    return reason
