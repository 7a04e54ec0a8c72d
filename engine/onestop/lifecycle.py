"""Dossier changes outside the BPMN flow: supplement, extension, withdrawal, stop; what the user may do now."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.workflow import runtime
from engine.org import access
from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.onestop import tallies
from engine.onestop.dossiers import get_dossier, lock_dossier
from engine.onestop.letters import issue_letter
from engine.infra.errors import Conflict, ValidationFailed
from engine.models import Dossier, ProcessInstance, WorkItem
from engine.onestop.intake_slips import MAX_ITEM_CHARS, MAX_REASON_CHARS
from engine.onestop.notices import queue_for_dossier
from engine.onestop.statuses import effective_due, on_time_verdict  # noqa: F401 - read from here too
from engine.onestop.legal_clock import restart_clock, stop_clock
from engine.org.calendar import unit_calendar

OPEN_STATUSES = {2, 4, 6}
HANDOVER_TASKS = {"ut_tra_kq_chung"}  # "Trả kết quả cho người nộp" of bpmn/common/tra_ket_qua.bpmn
MAX_EXTENSION = timedelta(days=365)  # a Mẫu 04 date further out than a year past the due date is a typing slip
MAX_MISSING = 50  # components listed in one supplement request


def request_supplement(session: Session, code: str, missing: list[str], reason: str, actor_id: int,
                       now: datetime) -> Dossier:
    """Mẫu 02 during processing: status 5; the clock stops (or not) per the procedure's policy."""
    dossier = dossier_for_action(session, code, actor_id, "request_supplement")
    errors = {}
    if not missing or not all(isinstance(m, str) and m.strip() for m in missing):
        errors["missing"] = ["Liệt kê đầy đủ các thành phần cần bổ sung (một lần)."]
    if not reason or not reason.strip():
        errors["reason"] = ["Bắt buộc nêu lý do."]
    errors.update(_overlong(reason, missing))
    if errors:
        raise ValidationFailed("Phiếu yêu cầu bổ sung chưa hợp lệ.", errors)
    if not STATE_RULES["request_supplement"](dossier):
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
    issue_letter(session, dossier.id, "supplement_request", {"missing": missing, "reason": reason}, now, actor_id,
                 from_step=instance_id is not None)
    queue_for_dossier(session, dossier, "supplement", now, missing=missing, reason=reason)


def record_supplement(session: Session, code: str, actor_id: int, now: datetime) -> Dossier:
    """The citizen supplemented: processing resumes and the due date follows the procedure's clock policy."""
    dossier = dossier_for_action(session, code, actor_id, "record_supplement")
    if not STATE_RULES["record_supplement"](dossier):
        raise Conflict(f"Hồ sơ {code} không ở trạng thái chờ bổ sung.")
    restart_clock(session, dossier, now, actor_id, dossier.procedure.supplement_policy)
    session.flush()
    return dossier


def request_withdrawal(session: Session, code: str, actor_id: int, now: datetime, reason: str = "") -> Dossier:
    """The citizen asks to withdraw: status 7 until the leader stops processing (Mẫu 05)."""
    dossier = dossier_for_action(session, code, actor_id, "withdraw")
    if _overlong(reason):
        raise ValidationFailed("Lý do quá dài.", _overlong(reason))
    if not STATE_RULES["withdraw"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể rút.")
    before, dossier.status = dossier.status, 7
    record_event(session, action="withdrawal_requested", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=before, status_after=7, detail={"reason": reason})
    session.flush()
    return dossier


def stop_dossier(session: Session, code: str, reason: str, actor_id: int, now: datetime) -> Dossier:
    """Mẫu 05: the deciding unit's leader stops processing (after a withdrawal request or on its own)."""
    dossier = dossier_for_action(session, code, actor_id, "stop")
    if not reason or not reason.strip():
        raise ValidationFailed("Thông báo dừng giải quyết cần lý do.", {"reason": ["Bắt buộc nêu lý do."]})
    if _overlong(reason):
        raise ValidationFailed("Lý do quá dài.", _overlong(reason))
    if not STATE_RULES["stop"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể dừng.")
    stage = _stage(session, dossier)
    for instance_id in session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.dossier_id == dossier.id, ProcessInstance.status == "running")):
        runtime.stop(runtime.open_instance(session, instance_id, now=now, actor_id=actor_id))
        for item in session.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id,
                                                           WorkItem.state == "ready")):
            item.state = "cancelled"
    counted = tallies.tally_of(session, dossier)
    before, dossier.status, dossier.paused_at = dossier.status, 8, None
    dossier.finished_at = dossier.finished_at or now  # the end time its verdict is judged by
    tallies.record(session, counted, tallies.tally_of(session, dossier, withdrawn=before == 7), now)
    record_event(session, action="dossier_stopped", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=before, status_after=8, detail={"reason": reason, "stage": stage})
    issue_letter(session, dossier.id, "stop", {"reason": reason, "stage": stage}, now, actor_id)
    session.flush()
    return dossier


def issue_extension(session: Session, code: str, new_day: date, reason: str, actor_id: int,
                    now: datetime, *, legal_ground: str = "", confirmed_long: bool = False) -> Dossier:
    """Mẫu 04 from the dossier page: a leader of the deciding unit apologises and sets a new date, before the
    current due date has passed."""
    dossier = dossier_for_action(session, code, actor_id, "extend")
    if not reason or not reason.strip():
        raise ValidationFailed("Văn bản xin lỗi cần nêu lý do chậm.", {"reason": ["Bắt buộc nêu lý do."]})
    too_long = {**_overlong(reason), **{"legal_ground": v for v in _overlong(legal_ground).values()}}
    if too_long:
        raise ValidationFailed("Nội dung quá dài.", too_long)
    if not STATE_RULES["extend"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể gia hạn.")
    current = effective_due(dossier)
    if current is not None and now >= current:
        raise ValidationFailed("Đã quá hạn giải quyết: văn bản xin lỗi và gia hạn phải lập trước hạn.", {"new_day": [
            f"Hạn giải quyết {current.astimezone(VN_TZ):%H:%M %d/%m/%Y} đã qua; Mẫu 04 chỉ được lập trước hạn."]})
    if new_day > current.astimezone(VN_TZ).date() + MAX_EXTENSION:
        raise ValidationFailed(f"Ngày hẹn mới quá {MAX_EXTENSION.days} ngày sau hạn hiện tại.", {"new_day": [
            f"Ngày hẹn mới không được quá {MAX_EXTENSION.days} ngày sau hạn giải quyết hiện tại."]})
    extend_dossier_due(session, dossier, new_day, reason.strip(), actor_id, now, field="new_day",
                       legal_ground=legal_ground, confirmed_long=confirmed_long)
    session.flush()
    return dossier


def extend_dossier_due(session: Session, dossier: Dossier, new_day: date, reason: str, actor_id: int | None,
                       now: datetime, instance_id: int | None = None, field: str = "new_day", *,
                       legal_ground: str = "", confirmed_long: bool = False, ground_field: str = "legal_ground",
                       confirm_field: str = "confirm_long") -> None:
    """The one extension rule (dossier page and BPMN `extend_due`): the new due is the end of `new_day` on
    the deciding unit's calendar, after the current due; the original due stays for statistics. A dossier is
    extended once; a second extension states its legal ground (recorded), and a new date more than twice the
    legal time limit after reception must be confirmed."""
    calendar = unit_calendar(session, dossier.deciding_unit_id)
    new_due = calendar.end_of_day(new_day)
    current = effective_due(dossier)
    if current is not None and new_due <= current:
        raise ValidationFailed("Ngày hẹn mới phải sau hạn giải quyết hiện tại.",
                               {field: ["Ngày hẹn mới phải sau hạn hiện tại."]})
    legal_ground = (legal_ground or "").strip()
    if dossier.extension_count >= 1 and not legal_ground:
        raise ValidationFailed("Hồ sơ đã gia hạn một lần; lần gia hạn tiếp theo phải nêu căn cứ pháp lý.", {
            ground_field: ["Nêu căn cứ pháp lý cho phép gia hạn thêm (văn bản, điều khoản)."]})
    limit_days = _limit_in_days(dossier, calendar)
    taken = _working_days(calendar, dossier.received_at.astimezone(VN_TZ).date(), new_day)
    if limit_days and taken > 2 * limit_days and not confirmed_long:
        raise ValidationFailed("Ngày hẹn mới vượt quá hai lần thời hạn giải quyết theo quy định.", {confirm_field: [
            f"Ngày hẹn mới cách ngày tiếp nhận {taken} ngày làm việc, hơn hai lần thời hạn "
            f"{limit_days:g} ngày làm việc; đánh dấu xác nhận nếu đúng là như vậy."]})
    dossier.extended_due_at = new_due
    dossier.extension_count += 1
    dues = {"due_at": dossier.due_at.isoformat() if dossier.due_at else None, "extended_due_at": new_due.isoformat()}
    grounds = {"legal_ground": legal_ground} if legal_ground else {}
    record_event(session, action="due_extended", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 instance_id=instance_id, status_before=dossier.status, status_after=dossier.status,
                 detail={**dues, "reason": reason, "count": dossier.extension_count, **grounds})
    issue_letter(session, dossier.id, "apology", {**dues, "reason": reason, **grounds}, now, actor_id,
                 from_step=instance_id is not None)
    queue_for_dossier(session, dossier, "apology", now, reason=reason, new_due_at=new_due, original_due_at=current)


def _working_days(calendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the reception day is not counted)."""
    return sum(1 for offset in range(1, (end - start).days + 1)
               if calendar.is_working_day(start + timedelta(days=offset)))


def _limit_in_days(dossier: Dossier, calendar) -> float:
    """The procedure's legal time limit in working days (a limit in working hours as whole office days)."""
    limit = float(dossier.procedure.time_limit or 0)
    if dossier.procedure.time_limit_unit == "working_hours":
        return limit / (calendar.hours_per_day or 8)
    return limit


def dossier_actions(session: Session, dossier: Dossier, user_id: int, now: datetime) -> set[str]:
    """What the user may do on the dossier now: the same role and state rules the actions enforce."""
    grants = access.grants_of(session, user_id)
    allowed = {action for action, may in STATE_RULES.items() if may(dossier) and grants.may_take(action, dossier)}
    if any(may_act for item, may_act in open_work_items(session, dossier.id, user_id, now)
           if item.bpmn_id in HANDOVER_TASKS):
        allowed.add("handover")
    return allowed


def open_work_items(session: Session, dossier_id: int, user_id: int, now: datetime) -> list[tuple[WorkItem, bool]]:
    """The dossier's open steps and whether the user may act on each (by role or a valid delegation)."""
    grants = access.grants_of(session, user_id)
    procedure_id = session.scalar(select(Dossier.procedure_id).where(Dossier.id == dossier_id))
    items = session.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier_id, WorkItem.state == "ready")
                            .order_by(WorkItem.ready_at, WorkItem.id)).all()
    return [(item, grants.may_work(item.role_key, item.unit_id, procedure_id, now)
             and item.assignee_id in (None, user_id)) for item in items]


def handover_item(session: Session, dossier_id: int, user_id: int, now: datetime) -> WorkItem | None:
    """The open handover step ("Trả kết quả cho người nộp") the user may complete, if any."""
    return next((item for item, may_act in open_work_items(session, dossier_id, user_id, now)
                 if may_act and item.bpmn_id in HANDOVER_TASKS), None)


STATE_RULES = {
    "request_supplement": lambda d: d.status in OPEN_STATUSES and d.paused_at is None,
    "record_supplement": lambda d: d.status == 5,
    "withdraw": lambda d: d.status in OPEN_STATUSES | {5},
    "extend": lambda d: d.status in OPEN_STATUSES | {5} and d.due_at is not None,
    "stop": lambda d: d.status in OPEN_STATUSES | {5, 7},
    "record_fee": lambda d: d.fee_paid_amount is None and d.status not in {1, 3, 8},  # see onestop.fees
    "intake": lambda d: d.status == 1,  # an online submission the desk checks: receive or refuse (onestop.online)
}


def _overlong(reason: str, missing: list = ()) -> dict[str, list[str]]:
    """The bounds of a dossier action's free text, the same as the desk's intake slips keep."""
    errors = {}
    if len(reason or "") > MAX_REASON_CHARS:
        errors["reason"] = [f"Tối đa {MAX_REASON_CHARS} ký tự."]
    if len(missing) > MAX_MISSING or any(isinstance(m, str) and len(m) > MAX_ITEM_CHARS for m in missing):
        errors["missing"] = [f"Tối đa {MAX_MISSING} thành phần, mỗi thành phần tối đa {MAX_ITEM_CHARS} ký tự."]
    return errors


def dossier_for_action(session: Session, code: str, actor_id: int, action: str) -> Dossier:
    """The dossier, if the actor's roles in its receiving or deciding unit allow `action`; locked and re-read,
    so the state checks that follow see any concurrent change and two requests cannot both pass them."""
    dossier = get_dossier(session, code)
    access.check_dossier_action(access.grants_of(session, actor_id), action, dossier)
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
