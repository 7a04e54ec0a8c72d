"""A dossier's story: its steps as the electronic Phiếu kiểm soát (Mẫu 06) and its history in Vietnamese."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.infra.clock import VN_TZ
from engine.models import Event, Unit, User, WorkItem
from engine.views.lookup import RATINGS
from engine.onestop.letters import latest_letter
from engine.onestop.fees import format_amount
from engine.onestop.statuses import STATUS_LABELS

# Bookkeeping that says nothing to an official reading the dossier's history.
NOISE = {"task_claimed", "task_unclaimed", "message_retried", "notification_sent"}
SLIP_TITLES = {"supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)",
               "refusal": "Phiếu từ chối tiếp nhận hồ sơ (Mẫu 03)"}
RESUMED = {5: "Đã nhận bổ sung, tiếp tục giải quyết", 6: "Đã hoàn thành nghĩa vụ tài chính, tiếp tục giải quyết"}


@dataclass(frozen=True)
class TimelineStep:
    work_item_id: int
    bpmn_id: str
    name: str
    unit_name: str
    role_key: str
    state: str
    ready_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    on_behalf_of: str | None
    signature_form: str | None
    verdict: str | None
    notes: dict = field(default_factory=dict)


@dataclass
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    label: str
    status_before: int | None
    status_after: int | None
    detail: dict


def dossier_timeline(session: Session, dossier_id: int) -> list[TimelineStep]:
    """Every step of the dossier (all its instances), with who completed it and on whose behalf."""
    completer, principal = aliased(User), aliased(User)
    rows = session.execute(
        select(WorkItem, Unit.name, completer.full_name, principal.full_name)
        .join(Unit, Unit.id == WorkItem.unit_id)
        .outerjoin(completer, completer.id == WorkItem.completed_by_id)
        .outerjoin(principal, principal.id == WorkItem.on_behalf_of_id)
        .where(WorkItem.dossier_id == dossier_id)
        .order_by(WorkItem.ready_at, WorkItem.id)
    ).all()
    return [TimelineStep(
        work_item_id=item.id, bpmn_id=item.bpmn_id, name=item.name, unit_name=unit_name, role_key=item.role_key,
        state=item.state, ready_at=item.ready_at, due_at=item.due_at, completed_at=item.completed_at,
        completed_by=by, on_behalf_of=behalf, signature_form=item.signature_form, verdict=item.verdict,
        notes=dict(item.data or {}),
    ) for item, unit_name, by, behalf in rows]


@dataclass(frozen=True)
class SignedRecord:
    """The latest letter of one kind, what it says, and who signed it (TUQ./KT. when a delegate signed)."""

    at: datetime
    content: dict
    signer: str | None
    on_behalf_of: str | None
    signature_form: str | None


def latest_signed(session: Session, dossier_id: int, kind: str) -> SignedRecord | None:
    """The newest letter of `kind` (supplement_request, apology, stop) as the dossier's printed form shows it."""
    letter = latest_letter(session, dossier_id, kind)
    if letter is None:
        return None
    signers = {letter.issued_by_id, letter.on_behalf_of_id} - {None}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(signers))).all()) if signers else {}
    return SignedRecord(letter.issued_at, dict(letter.content or {}), names.get(letter.issued_by_id),
                        names.get(letter.on_behalf_of_id), letter.signature_form)


def dossier_history(session: Session, dossier_id: int) -> list[HistoryEntry]:
    """The audit trail of the dossier, oldest first, each event told as one Vietnamese sentence."""
    rows = session.execute(
        select(Event, User.full_name, WorkItem.name)
        .outerjoin(User, User.id == Event.actor_id)
        .outerjoin(WorkItem, WorkItem.id == Event.work_item_id)
        .where(Event.dossier_id == dossier_id, Event.action.not_in(NOISE))
        .order_by(Event.at, Event.id)
    ).all()
    units = dict(session.execute(select(Unit.id, Unit.name)).all()) if any(
        e.action.startswith("message_") for e, _, _ in rows) else {}
    return [HistoryEntry(at=event.at, actor=actor, action=event.action,
                         label=event_label(event, step_name, units), status_before=event.status_before,
                         status_after=event.status_after, detail=dict(event.detail or {}))
            for event, actor, step_name in rows if not _told_by_another(event)]


def _told_by_another(event: Event) -> bool:
    """The clock stopping for a supplement is already told by the request itself (Mẫu 02)."""
    return event.action == "clock_stopped" and event.status_after == 5


def event_label(event: Event, step_name: str | None = None, units: dict[int, str] | None = None) -> str:
    """One event as the sentence an official reads in the history list."""
    detail, units = event.detail or {}, units or {}
    action = event.action
    if action == "dossier_received":
        return "Tiếp nhận hồ sơ"
    if action == "status_changed":
        return f"Chuyển trạng thái: {_status(event.status_before)} → {_status(event.status_after)}"
    if action == "task_completed":
        return f"Hoàn thành bước: {step_name or detail.get('task', '')}"
    if action == "task_cancelled":
        return f"Hủy bước: {step_name or ''}".rstrip(": ")
    if action == "supplement_requested":
        return f"Yêu cầu bổ sung: {'; '.join(detail.get('missing') or [])}"
    if action == "due_extended":
        return f"Gia hạn đến {_day(detail.get('extended_due_at'))}"
    if action == "withdrawal_requested":
        reason = detail.get("reason")
        return f"Công dân yêu cầu rút hồ sơ: {reason}" if reason else "Công dân yêu cầu rút hồ sơ"
    if action == "dossier_stopped":
        return f"Dừng xử lý: {detail.get('reason', '')}"
    if action == "fee_recorded":
        return f"Thu phí {format_amount(detail.get('amount'))} (biên lai số {detail.get('receipt_no', '')})"
    if action == "clock_stopped":
        return f"Tạm dừng tính thời gian ({_status(event.status_after)}): {detail.get('reason', '')}".rstrip(": ")
    if action == "clock_restarted":
        moved = detail.get("due_after") != detail.get("due_before") and detail.get("due_after")
        resumed = RESUMED.get(event.status_before, "Tiếp tục giải quyết")
        return f"{resumed}; hạn giải quyết mới {_day(detail['due_after'])}" if moved else resumed
    if action == "attachment_added":
        component = detail.get("component")
        return f"Đính kèm tệp {detail.get('filename', '')}" + (f" ({component})" if component else "")
    if action == "task_reassigned":
        step = step_name or "công việc"
        to_name = detail.get("to_name")
        return f"Giao lại {step} cho {to_name}" if to_name else f"Đưa {step} về danh sách chung của đơn vị"
    if action == "task_claimed":
        return f"Nhận xử lý: {step_name or ''}".rstrip(": ")
    if action == "task_unclaimed":
        return f"Trả lại công việc: {step_name or ''}".rstrip(": ")
    if action == "lookup_secret_reset":
        return "Cấp lại mã tra cứu"
    if action == "dossier_rated":
        return f"Người dân đánh giá: {RATINGS.get(detail.get('rating'), '—')}"
    if action == "intake_slip_issued":
        return f"Lập {SLIP_TITLES.get(detail.get('kind'), 'phiếu')} số {detail.get('number', '')}".strip()
    if action == "notification_sent":
        return "Đã gửi thông báo cho công dân"
    if action == "message_retried":
        return f"Gửi lại thông điệp liên thông {detail.get('message', '')}".strip()
    if action == "message_sent":
        return f"Gửi thông điệp liên thông {detail.get('message', '')} từ {units.get(detail.get('from_unit_id'), '')}".strip()
    if action == "message_delivered":
        return (f"Nhận thông điệp liên thông {detail.get('message', '')} tại "
                f"{units.get(detail.get('to_unit_id'), '')}").strip()
    if action == "message_failed":
        return f"Gửi thông điệp liên thông {detail.get('message', '')} không thành công"
    if action == "notification_failed":
        return "Gửi thông báo cho công dân không thành công"
    if action == "access_refused":
        return "Truy cập bị từ chối"
    if action == "instance_failed":
        return "Quy trình gặp lỗi"
    if action == "instance_retried":
        return "Quản trị hệ thống cho quy trình chạy lại sau lỗi"
    if action == "instance_suspended":
        reason = detail.get("reason")
        return f"Quản trị hệ thống tạm ngừng quy trình: {reason}" if reason else "Quản trị hệ thống tạm ngừng quy trình"
    if action == "instance_resumed":
        return "Quản trị hệ thống cho quy trình chạy tiếp"
    if action == "instance_terminated":
        return f"Quản trị hệ thống chấm dứt quy trình: {detail.get('reason', '')}".rstrip(": ")
    if action == "instance_migrated":
        return (f"Quản trị hệ thống chuyển hồ sơ từ phiên bản {detail.get('from_version', '?')} sang phiên bản "
                f"{detail.get('to_version', '?')} của quy trình")
    if action == "notification_resent":
        return "Quản trị hệ thống gửi lại thông báo cho công dân"
    return action


def _status(code: int | None) -> str:
    return STATUS_LABELS.get(code, "—") if code is not None else "—"


def _day(value: str | None) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value)
    day: date = moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()
    return day.strftime("%d/%m/%Y")
