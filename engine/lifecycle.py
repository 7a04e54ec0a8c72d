"""Dossier changes outside the BPMN flow: supplement requests and the clock, withdrawal, stop, verdicts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runtime
from .audit import record_event
from .dossiers import get_dossier
from .errors import Conflict, Forbidden, ValidationFailed
from .models import Dossier, Membership, ProcessInstance, Role, WorkItem
from .outbox import queue_for_dossier
from .legal_clock import restart_clock, stop_clock

OPEN_STATUSES = {2, 4, 6}


def request_supplement(session: Session, code: str, missing: list[str], reason: str, actor_id: int,
                       now: datetime) -> Dossier:
    """Mẫu 02 during processing: status 5; the clock stops (or not) per the procedure's policy."""
    dossier = _dossier_for(session, code, actor_id)
    errors = {}
    if not missing or not all(isinstance(m, str) and m.strip() for m in missing):
        errors["missing"] = ["Liệt kê đầy đủ các thành phần cần bổ sung (một lần)."]
    if not reason or not reason.strip():
        errors["reason"] = ["Bắt buộc nêu lý do."]
    if errors:
        raise ValidationFailed("Phiếu yêu cầu bổ sung chưa hợp lệ.", errors)
    if dossier.status not in OPEN_STATUSES:
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể yêu cầu bổ sung.")
    mark_supplement_requested(session, dossier, missing, reason, now, actor_id)
    session.flush()
    return dossier


def mark_supplement_requested(session: Session, dossier: Dossier, missing: list[str], reason: str, now: datetime,
                              actor_id: int | None, instance_id: int | None = None) -> None:
    """Status 5 and the clock stopped; the count feeds the one-request rule; the citizen is told."""
    stop_clock(session, dossier, 5, now, actor_id, reason, instance_id)
    dossier.supplement_count += 1
    record_event(session, action="supplement_requested", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 instance_id=instance_id, detail={"missing": missing, "reason": reason,
                                                  "count": dossier.supplement_count})
    queue_for_dossier(session, dossier, "supplement", now, missing=missing, reason=reason)


def record_supplement(session: Session, code: str, actor_id: int, now: datetime) -> Dossier:
    """The citizen supplemented: processing resumes and the due date follows the procedure's clock policy."""
    dossier = _dossier_for(session, code, actor_id)
    if dossier.status != 5:
        raise Conflict(f"Hồ sơ {code} không ở trạng thái chờ bổ sung.")
    restart_clock(session, dossier, now, actor_id, dossier.procedure.supplement_policy)
    session.flush()
    return dossier


def request_withdrawal(session: Session, code: str, actor_id: int, now: datetime, reason: str = "") -> Dossier:
    dossier = _dossier_for(session, code, actor_id)
    if dossier.status not in OPEN_STATUSES | {5}:
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể rút.")
    before, dossier.status = dossier.status, 7
    record_event(session, action="withdrawal_requested", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=before, status_after=7, detail={"reason": reason})
    session.flush()
    return dossier


def stop_dossier(session: Session, code: str, reason: str, actor_id: int, now: datetime) -> Dossier:
    """Mẫu 05: the deciding unit's leader stops processing (after a withdrawal request or on its own)."""
    dossier = _dossier_for(session, code, actor_id, role="lanh_dao")
    if not reason or not reason.strip():
        raise ValidationFailed("Thông báo dừng giải quyết cần lý do.", {"reason": ["Bắt buộc nêu lý do."]})
    if dossier.status not in OPEN_STATUSES | {5, 7}:
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể dừng.")
    for instance_id in session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.dossier_id == dossier.id, ProcessInstance.status == "running")):
        run = runtime.open_instance(session, instance_id, now=now, actor_id=actor_id)
        run.instance.status, run.instance.next_timer_at = "stopped", None
        for item in session.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id,
                                                           WorkItem.state == "ready")):
            item.state = "cancelled"
    before, dossier.status, dossier.paused_at = dossier.status, 8, None
    record_event(session, action="dossier_stopped", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=before, status_after=8, detail={"reason": reason})
    session.flush()
    return dossier


def on_time_verdict(dossier: Dossier) -> str | None:
    """Statistics' verdict once finished: against the due date (never the extended one); more than one
    supplement request during processing counts as late."""
    if dossier.finished_at is None or dossier.due_at is None:
        return None
    if dossier.supplement_count > 1 or dossier.finished_at > dossier.due_at:
        return "late"
    return "on_time"


def _dossier_for(session: Session, code: str, actor_id: int, role: str | None = None) -> Dossier:
    """The dossier, if the actor holds a role (or the given role) in its receiving or deciding unit."""
    dossier = get_dossier(session, code)
    query = (select(Membership.id).join(Role, Membership.role_id == Role.id)
             .where(Membership.user_id == actor_id,
                    Membership.unit_id.in_({dossier.receiving_unit_id, dossier.deciding_unit_id})))
    if role:
        query = query.where(Role.key == role, Membership.unit_id == dossier.deciding_unit_id)
    if session.scalar(query.limit(1)) is None:
        raise Forbidden("Bạn không có quyền thực hiện thao tác này với hồ sơ.")
    return dossier
