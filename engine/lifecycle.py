"""Dossier changes outside the BPMN flow: supplement, extension, withdrawal, stop, fee; who may do which now."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runtime
from .access import LEADER_ROLES, NO_DOSSIER_ROLES
from .audit import record_event
from .clock import VN_TZ
from .dossiers import get_dossier, lock_dossier
from .errors import Conflict, Forbidden, ValidationFailed
from .delegations import may_act_clause
from .models import Dossier, Membership, ProcessInstance, Role, WorkItem
from .outbox import queue_for_dossier
from .statuses import effective_due
from .legal_clock import restart_clock, stop_clock
from .timeline import format_amount
from .unit_calendars import unit_calendar

OPEN_STATUSES = {2, 4, 6}
HANDOVER_TASKS = {"ut_tra_kq_chung"}  # "Trả kết quả cho người nộp" of bpmn/common/tra_ket_qua.bpmn
MAX_EXTENSION = timedelta(days=365)  # a Mẫu 04 date further out than a year past the due date is a typing slip
MAX_FEE = 10**13  # đồng: above any levy, so a slip of the keyboard is caught before it reaches the register


def request_supplement(session: Session, code: str, missing: list[str], reason: str, actor_id: int,
                       now: datetime) -> Dossier:
    """Mẫu 02 during processing: status 5; the clock stops (or not) per the procedure's policy."""
    dossier = _dossier_for(session, code, actor_id, "request_supplement")
    errors = {}
    if not missing or not all(isinstance(m, str) and m.strip() for m in missing):
        errors["missing"] = ["Liệt kê đầy đủ các thành phần cần bổ sung (một lần)."]
    if not reason or not reason.strip():
        errors["reason"] = ["Bắt buộc nêu lý do."]
    if errors:
        raise ValidationFailed("Phiếu yêu cầu bổ sung chưa hợp lệ.", errors)
    if not _STATE_RULES["request_supplement"](dossier):
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
    dossier = _dossier_for(session, code, actor_id, "record_supplement")
    if not _STATE_RULES["record_supplement"](dossier):
        raise Conflict(f"Hồ sơ {code} không ở trạng thái chờ bổ sung.")
    restart_clock(session, dossier, now, actor_id, dossier.procedure.supplement_policy)
    session.flush()
    return dossier


def request_withdrawal(session: Session, code: str, actor_id: int, now: datetime, reason: str = "") -> Dossier:
    """The citizen asks to withdraw: status 7 until the leader stops processing (Mẫu 05)."""
    dossier = _dossier_for(session, code, actor_id, "withdraw")
    if not _STATE_RULES["withdraw"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể rút.")
    before, dossier.status = dossier.status, 7
    record_event(session, action="withdrawal_requested", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=before, status_after=7, detail={"reason": reason})
    session.flush()
    return dossier


def stop_dossier(session: Session, code: str, reason: str, actor_id: int, now: datetime) -> Dossier:
    """Mẫu 05: the deciding unit's leader stops processing (after a withdrawal request or on its own)."""
    dossier = _dossier_for(session, code, actor_id, "stop")
    if not reason or not reason.strip():
        raise ValidationFailed("Thông báo dừng giải quyết cần lý do.", {"reason": ["Bắt buộc nêu lý do."]})
    if not _STATE_RULES["stop"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể dừng.")
    stage = _stage(session, dossier)
    for instance_id in session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.dossier_id == dossier.id, ProcessInstance.status == "running")):
        run = runtime.open_instance(session, instance_id, now=now, actor_id=actor_id)
        run.instance.status, run.instance.next_timer_at = "stopped", None
        for item in session.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id,
                                                           WorkItem.state == "ready")):
            item.state = "cancelled"
    before, dossier.status, dossier.paused_at = dossier.status, 8, None
    record_event(session, action="dossier_stopped", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=before, status_after=8, detail={"reason": reason, "stage": stage})
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


def issue_extension(session: Session, code: str, new_day: date, reason: str, actor_id: int,
                    now: datetime) -> Dossier:
    """Mẫu 04 from the dossier page: a leader of the deciding unit apologises and sets a new date."""
    dossier = _dossier_for(session, code, actor_id, "extend")
    if not reason or not reason.strip():
        raise ValidationFailed("Văn bản xin lỗi cần nêu lý do chậm.", {"reason": ["Bắt buộc nêu lý do."]})
    if not _STATE_RULES["extend"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể gia hạn.")
    if new_day > effective_due(dossier).astimezone(VN_TZ).date() + MAX_EXTENSION:
        raise ValidationFailed(f"Ngày hẹn mới quá {MAX_EXTENSION.days} ngày sau hạn hiện tại.", {"new_day": [
            f"Ngày hẹn mới không được quá {MAX_EXTENSION.days} ngày sau hạn giải quyết hiện tại."]})
    extend_dossier_due(session, dossier, new_day, reason.strip(), actor_id, now, field="new_day")
    session.flush()
    return dossier


def extend_dossier_due(session: Session, dossier: Dossier, new_day: date, reason: str, actor_id: int | None,
                       now: datetime, instance_id: int | None = None, field: str = "new_day") -> None:
    """The one extension rule (dossier page and BPMN `extend_due`): the new due is the end of `new_day` on
    the deciding unit's calendar, after the current due; the original due stays for statistics."""
    new_due = unit_calendar(session, dossier.deciding_unit_id).end_of_day(new_day)
    current = effective_due(dossier)
    if current is not None and new_due <= current:
        raise ValidationFailed("Ngày hẹn mới phải sau hạn giải quyết hiện tại.",
                               {field: ["Ngày hẹn mới phải sau hạn hiện tại."]})
    dossier.extended_due_at = new_due
    dossier.extension_count += 1
    record_event(session, action="due_extended", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 instance_id=instance_id, status_before=dossier.status, status_after=dossier.status,
                 detail={"due_at": dossier.due_at.isoformat() if dossier.due_at else None,
                         "extended_due_at": new_due.isoformat(), "reason": reason,
                         "count": dossier.extension_count})
    queue_for_dossier(session, dossier, "apology", now, reason=reason, new_due_at=new_due, original_due_at=current)


def record_fee(session: Session, code: str, amount: int, receipt_no: str, actor_id: int, now: datetime) -> Dossier:
    """The one-stop desk of the receiving unit records the fee paid, once, with its receipt number."""
    dossier = _dossier_for(session, code, actor_id, "record_fee")
    errors = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        errors["amount"] = ["Số tiền phải là số nguyên không âm (đồng)."]
    elif amount > MAX_FEE:
        errors["amount"] = [f"Số tiền không được vượt quá {format_amount(MAX_FEE)}."]
    if not receipt_no or not receipt_no.strip():
        errors["receipt_no"] = ["Bắt buộc nhập số biên lai."]
    elif len(receipt_no.strip()) > 100:
        errors["receipt_no"] = ["Số biên lai dài quá 100 ký tự."]
    if errors:
        raise ValidationFailed("Thông tin thu phí chưa hợp lệ.", errors)
    if dossier.fee_paid_amount is not None:
        raise Conflict(f"Hồ sơ {code} đã được ghi nhận thu phí (biên lai số {dossier.fee_receipt_no}).")
    if not _STATE_RULES["record_fee"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể thu phí.")
    dossier.fee_paid_amount, dossier.fee_receipt_no, dossier.fee_paid_at = amount, receipt_no.strip(), now
    record_event(session, action="fee_recorded", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 detail={"amount": amount, "receipt_no": dossier.fee_receipt_no})
    session.flush()
    return dossier


def dossier_actions(session: Session, dossier: Dossier, user_id: int, now: datetime) -> set[str]:
    """What the user may do on the dossier now: the same role and state rules the actions enforce."""
    roles = _roles_at(session, dossier, user_id)
    allowed = {action for action, may in _ROLE_RULES.items()
               if may(dossier, roles) and _STATE_RULES[action](dossier)}
    if any(may_act for item, may_act in open_work_items(session, dossier.id, user_id, now)
           if item.bpmn_id in HANDOVER_TASKS):
        allowed.add("handover")
    return allowed


def open_work_items(session: Session, dossier_id: int, user_id: int, now: datetime) -> list[tuple[WorkItem, bool]]:
    """The dossier's open steps and whether the user may act on each (by role or a valid delegation)."""
    rows = session.execute(select(WorkItem, may_act_clause(user_id, now))
                           .where(WorkItem.dossier_id == dossier_id, WorkItem.state == "ready")
                           .order_by(WorkItem.ready_at, WorkItem.id)).all()
    return [(item, bool(may_act) and item.assignee_id in (None, user_id)) for item, may_act in rows]


def handover_item(session: Session, dossier_id: int, user_id: int, now: datetime) -> WorkItem | None:
    """The open handover step ("Trả kết quả cho người nộp") the user may complete, if any."""
    return next((item for item, may_act in open_work_items(session, dossier_id, user_id, now)
                 if may_act and item.bpmn_id in HANDOVER_TASKS), None)


def _roles_at(session: Session, dossier: Dossier, user_id: int) -> set[tuple[str, int]]:
    """(role key, unit id) the user holds in the dossier's receiving or deciding unit; designers and
    administrators are left out, their membership gives no hold on citizens' dossiers."""
    return set(session.execute(
        select(Role.key, Membership.unit_id).join(Membership, Membership.role_id == Role.id)
        .where(Membership.user_id == user_id, Role.key.not_in(NO_DOSSIER_ROLES),
               Membership.unit_id.in_({dossier.receiving_unit_id, dossier.deciding_unit_id}))).all())


def _any_role(dossier: Dossier, roles: set) -> bool:
    return bool(roles)


def _leader(dossier: Dossier, roles: set) -> bool:
    return any(key in LEADER_ROLES and unit == dossier.deciding_unit_id for key, unit in roles)


def _lanh_dao(dossier: Dossier, roles: set) -> bool:
    return ("lanh_dao", dossier.deciding_unit_id) in roles


def _desk(dossier: Dossier, roles: set) -> bool:
    return ("mot_cua", dossier.receiving_unit_id) in roles


_ROLE_RULES = {
    "request_supplement": _any_role, "record_supplement": _any_role, "withdraw": _any_role,
    "extend": _leader, "stop": _lanh_dao, "record_fee": _desk,
}
_STATE_RULES = {
    "request_supplement": lambda d: d.status in OPEN_STATUSES and d.paused_at is None,
    "record_supplement": lambda d: d.status == 5,
    "withdraw": lambda d: d.status in OPEN_STATUSES | {5},
    "extend": lambda d: d.status in OPEN_STATUSES | {5} and d.due_at is not None,
    "stop": lambda d: d.status in OPEN_STATUSES | {5, 7},
    "record_fee": lambda d: d.fee_paid_amount is None and d.status not in {3, 8},
}


def _dossier_for(session: Session, code: str, actor_id: int, action: str) -> Dossier:
    """The dossier, if the actor's roles in its receiving or deciding unit allow `action`; locked and re-read,
    so the state checks that follow see any concurrent change and two requests cannot both pass them."""
    dossier = get_dossier(session, code)
    if not _ROLE_RULES[action](dossier, _roles_at(session, dossier, actor_id)):
        raise Forbidden("Bạn không có quyền thực hiện thao tác này với hồ sơ.")
    return lock_dossier(session, dossier.id)


def _stage(session: Session, dossier: Dossier) -> str:
    """The step the dossier had reached when stopped (for Mẫu 05): its open steps, else the last one done."""
    names = list(session.scalars(select(WorkItem.name).where(WorkItem.dossier_id == dossier.id,
                                                             WorkItem.state == "ready").order_by(WorkItem.id)))
    if not names:
        last = session.scalar(select(WorkItem.name).where(WorkItem.dossier_id == dossier.id,
                                                         WorkItem.state == "completed")
                              .order_by(WorkItem.completed_at.desc(), WorkItem.id.desc()).limit(1))
        names = [last] if last else []
    return "; ".join(names)
