"""A dossier's story: its steps as the electronic Phiếu kiểm soát (Mẫu 06) and its history in Vietnamese."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.infra.clock import VN_TZ
from engine.models import Event, Unit, User, WorkItem
from engine.views.lookup import RATINGS
from engine.views.task_context import Note, labelled_notes
from engine.workflow.tasks import task_forms
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
    notes: dict = field(default_factory=dict)  # what was submitted, as stored (the API gives it as is)
    shown: tuple[Note, ...] = ()  # the same as officials read it: field titles, enum labels, dates, numbers


@dataclass
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    label: str  # the Vietnamese sentence (printed forms, exports)
    status_before: int | None
    status_after: int | None
    detail: dict
    phrase: tuple[str, dict] = ("", {})  # (template, values): pages translate the template, then fill it


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
    forms = task_forms(session, [item for item, *_ in rows if item.data])  # one query for every step's form
    return [TimelineStep(
        work_item_id=item.id, bpmn_id=item.bpmn_id, name=item.name, unit_name=unit_name, role_key=item.role_key,
        state=item.state, ready_at=item.ready_at, due_at=item.due_at, completed_at=item.completed_at,
        completed_by=by, on_behalf_of=behalf, signature_form=item.signature_form, verdict=item.verdict,
        notes=dict(item.data or {}),
        shown=tuple(labelled_notes(forms.get(item.id, (None, None)), item.data or {})),
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
    entries = []
    for event, actor, step_name in rows:
        if _told_by_another(event):
            continue
        template, values = event_phrase(event, step_name, units)
        entries.append(HistoryEntry(
            at=event.at, actor=actor, action=event.action,
            label=template % values if values else template.replace("%%", "%"), status_before=event.status_before,
            status_after=event.status_after, detail=dict(event.detail or {}), phrase=(template, values)))
    return entries


def _told_by_another(event: Event) -> bool:
    """The clock stopping for a supplement is already told by the request itself (Mẫu 02)."""
    return event.action == "clock_stopped" and event.status_after == 5


# What each event says in the dossier's history: constant templates (the web app translates them, then fills
# the %(…)s values); an event not listed reads as its action name.
PHRASES = {
    "dossier_received": "Tiếp nhận hồ sơ",
    "dossier_submitted": "Nộp hồ sơ trực tuyến, chờ Bộ phận Một cửa kiểm tra",
    "dossier_refused": "Từ chối tiếp nhận (Mẫu 03): %(reason)s",
    "status_changed": "Chuyển trạng thái: %(before)s → %(after)s",
    "task_completed": "Hoàn thành bước: %(step)s",
    "task_cancelled": "Hủy bước: %(step)s",
    "supplement_requested": "Yêu cầu bổ sung: %(missing)s",
    "due_extended": "Gia hạn đến %(day)s",
    "withdrawal_requested": "Công dân yêu cầu rút hồ sơ: %(reason)s",
    "withdrawal_requested/": "Công dân yêu cầu rút hồ sơ",
    "dossier_stopped": "Dừng xử lý: %(reason)s",
    "fee_recorded": "Thu phí %(amount)s (biên lai số %(receipt)s)",
    "clock_stopped": "Tạm dừng tính thời gian (%(after)s): %(reason)s",
    "clock_stopped/": "Tạm dừng tính thời gian (%(after)s)",
    "clock_restarted": "%(resumed)s; hạn giải quyết mới %(day)s",
    "clock_restarted/": "%(resumed)s",
    "attachment_added": "Đính kèm tệp %(filename)s (%(component)s)",
    "attachment_added/": "Đính kèm tệp %(filename)s",
    "task_reassigned": "Giao lại %(step)s cho %(to)s",
    "task_reassigned/": "Đưa %(step)s về danh sách chung của đơn vị",
    "task_claimed": "Nhận xử lý: %(step)s",
    "task_unclaimed": "Trả lại công việc: %(step)s",
    "lookup_secret_reset": "Cấp lại mã tra cứu",
    "dossier_rated": "Người dân đánh giá: %(rating)s",
    "intake_slip_issued": "Lập %(slip)s số %(number)s",
    "notification_sent": "Đã gửi thông báo cho công dân",
    "message_retried": "Gửi lại thông điệp liên thông %(message)s",
    "message_sent": "Gửi thông điệp liên thông %(message)s từ %(unit)s",
    "message_delivered": "Nhận thông điệp liên thông %(message)s tại %(unit)s",
    "message_failed": "Gửi thông điệp liên thông %(message)s không thành công",
    "notification_failed": "Gửi thông báo cho công dân không thành công",
    "access_refused": "Truy cập bị từ chối",
    "instance_failed": "Quy trình gặp lỗi",
    "instance_retried": "Quản trị hệ thống cho quy trình chạy lại sau lỗi",
    "instance_suspended": "Quản trị hệ thống tạm ngừng quy trình: %(reason)s",
    "instance_suspended/": "Quản trị hệ thống tạm ngừng quy trình",
    "instance_resumed": "Quản trị hệ thống cho quy trình chạy tiếp",
    "instance_terminated": "Quản trị hệ thống chấm dứt quy trình: %(reason)s",
    "instance_terminated/": "Quản trị hệ thống chấm dứt quy trình",
    "instance_migrated": "Quản trị hệ thống chuyển hồ sơ từ phiên bản %(before)s sang phiên bản %(after)s của quy trình",
    "notification_resent": "Quản trị hệ thống gửi lại thông báo cho công dân",
}
# Values of a phrase that are themselves labels from a fixed list (statuses, ratings, slips): translated too.
LABEL_PARAMS = frozenset({"before", "after", "rating", "slip", "resumed"})


def event_phrase(event: Event, step_name: str | None = None, units: dict[int, str] | None = None
                 ) -> tuple[str, dict]:
    """One event as (template, values): the sentence an official reads in the history list."""
    detail, units, action = event.detail or {}, units or {}, event.action
    step = step_name or detail.get("task", "")
    values: dict = {}
    if action == "status_changed" or action == "clock_stopped":
        values = {"before": _status(event.status_before), "after": _status(event.status_after),
                  "reason": detail.get("reason", "")}
    elif action in ("task_completed", "task_cancelled", "task_claimed", "task_unclaimed"):
        values = {"step": step or "—"}
    elif action == "supplement_requested":
        values = {"missing": "; ".join(detail.get("missing") or [])}
    elif action == "due_extended":
        values = {"day": _day(detail.get("extended_due_at"))}
    elif action in ("withdrawal_requested", "dossier_stopped", "instance_suspended", "instance_terminated",
                    "dossier_refused"):
        values = {"reason": detail.get("reason") or ""}
    elif action == "fee_recorded":
        values = {"amount": format_amount(detail.get("amount")), "receipt": detail.get("receipt_no", "")}
    elif action == "clock_restarted":
        moved = detail.get("due_after") != detail.get("due_before") and detail.get("due_after")
        values = {"resumed": RESUMED.get(event.status_before, "Tiếp tục giải quyết"),
                  "day": _day(detail["due_after"]) if moved else ""}
    elif action == "attachment_added":
        values = {"filename": detail.get("filename", ""), "component": detail.get("component") or ""}
    elif action == "task_reassigned":
        values = {"step": step_name or "công việc", "to": detail.get("to_name") or ""}
    elif action == "dossier_rated":
        values = {"rating": RATINGS.get(detail.get("rating"), "—")}
    elif action == "intake_slip_issued":
        values = {"slip": SLIP_TITLES.get(detail.get("kind"), "phiếu"), "number": detail.get("number", "")}
    elif action.startswith("message_"):
        unit_id = detail.get("to_unit_id" if action == "message_delivered" else "from_unit_id")
        values = {"message": detail.get("message", ""), "unit": units.get(unit_id, "")}
    elif action == "instance_migrated":
        values = {"before": detail.get("from_version", "?"), "after": detail.get("to_version", "?")}
    template = PHRASES.get(action)
    if template is None:
        return action.replace("%", "%%"), {}
    short = PHRASES.get(action + "/")  # the same sentence without its optional part
    optional = {"withdrawal_requested": "reason", "clock_stopped": "reason", "clock_restarted": "day",
                "attachment_added": "component", "task_reassigned": "to", "instance_suspended": "reason",
                "instance_terminated": "reason"}.get(action)
    if short is not None and optional and not values.get(optional):
        template = short
    return template, values


def event_label(event: Event, step_name: str | None = None, units: dict[int, str] | None = None) -> str:
    """One event as the Vietnamese sentence an official reads in the history list."""
    template, values = event_phrase(event, step_name, units)
    return template % values if values else template.replace("%%", "%")


def _status(code: int | None) -> str:
    return STATUS_LABELS.get(code, "—") if code is not None else "—"


def _day(value: str | None) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value)
    day: date = moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()
    return day.strftime("%d/%m/%Y")
