"""Citizen notices: render them, queue one per channel with the change that causes them, send them in a sweep.

Sending is at least once: a notice is marked `sending` and committed before the e-mail or SMS leaves, then
marked `sent` in a second transaction, so no row lock is held while a gateway is slow. A worker that dies
between the two leaves the row `sending`; once its lease runs out (`SENDING_LEASE`) another sweep claims it
again, counts the interrupted attempt and sends it again. A notice may so reach the citizen twice, but is
never lost: it ends `sent`, or `failed` after `max_attempts` where administrators see it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.errors import Conflict, NotFound
from engine.infra.mail import EmailSender, SmsAdapter
from engine.infra.sweep import Job, sweep
from engine.models import Dossier, Notification
from engine.org import access

log = logging.getLogger(__name__)

SMS_MAX_CHARS = 320
# a claim lapses after this long: it must outlast one sweep call (at most `limit` sends, each bounded by the
# gateway's timeout), or a slow sweep's rows would be claimed and sent again by another worker
SENDING_LEASE = timedelta(hours=1)


def queue_for_dossier(session: Session, dossier: Dossier, kind: str, now: datetime, **values) -> None:
    """Render the notice `kind` for a dossier event and queue it to the applicant."""
    subject, body = render(kind, dossier, **values)
    queue_notification(session, dossier=dossier, kind=kind, subject=subject, body=body, now=now)


def queue_notification(session: Session, *, dossier: Dossier, kind: str, subject: str, body: str,
                       now: datetime) -> list[Notification]:
    """One pending row per channel the applicant gave (e-mail, phone); the SMS carries the body's first paragraph."""
    applicant = dossier.applicant or {}
    rows = []
    if (email := (applicant.get("email") or "").strip()):
        rows.append(Notification(channel="email", recipient=email, body=body))
    if (phone := (applicant.get("phone") or "").strip()):
        rows.append(Notification(channel="sms", recipient=phone, body=sms_text(body)))
    for row in rows:
        row.dossier_id, row.kind, row.subject, row.created_at = dossier.id, kind, subject[:255], now
        row.state, row.attempts = "pending", 0
    session.add_all(rows)
    session.flush()
    return rows


def sms_text(body: str) -> str:
    """A body's first paragraph, cut to what a multi-part SMS carries."""
    return _clip(" ".join(body.strip().split("\n\n", 1)[0].split()), SMS_MAX_CHARS)


def render(kind: str, dossier: Dossier, **values) -> tuple[str, str]:
    """(subject, body) of a citizen notice; the body's first paragraph is a summary that stands alone as an SMS."""
    template = TEMPLATES.get(kind)
    if template is None:
        raise ValueError(f"unknown notification kind {kind!r}; known: {', '.join(TEMPLATES)}")
    subject, summary, details = template(dossier, **values)
    name = (dossier.applicant or {}).get("name", "")
    return subject, f"{summary}\n\nKính gửi ông/bà {name},\n\n{details}\n"


def _receipt(dossier: Dossier) -> tuple[str, str, str]:
    code, due = dossier.code, _when(dossier.due_at)
    return (
        f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả - hồ sơ {code}",
        f"Hồ sơ {code} ({_clip(dossier.procedure.name, 80)}) đã được tiếp nhận. Hẹn trả kết quả: {due}.",
        f"{dossier.receiving_unit.name} đã tiếp nhận hồ sơ của ông/bà.\n"
        f"Mã hồ sơ: {code}\nNội dung yêu cầu giải quyết: {dossier.procedure.name}\n"
        f"Thời gian nhận hồ sơ: {_when(dossier.received_at)}\nThời gian hẹn trả kết quả: {due}\n\n"
        "Ông/bà dùng mã hồ sơ để tra cứu tình trạng giải quyết hồ sơ.",
    )


def _supplement(dossier: Dossier, *, missing: list[str] | str, reason: str) -> tuple[str, str, str]:
    items = [missing] if isinstance(missing, str) else list(missing)
    code = dossier.code
    return (
        f"Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ - hồ sơ {code}",
        f"Hồ sơ {code} cần bổ sung, hoàn thiện: {'; '.join(items)}. Lý do: {reason}",
        f"Qua xem xét, hồ sơ {code} ({dossier.procedure.name}) chưa đầy đủ, hợp lệ. "
        "Đề nghị ông/bà bổ sung, hoàn thiện hồ sơ gồm:\n"
        + "".join(f"- {item}\n" for item in items)
        + f"Lý do: {reason}\n\nThời gian bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết.",
    )


def _apology(dossier: Dossier, *, reason: str, new_due_at: datetime,
             original_due_at: datetime | None = None) -> tuple[str, str, str]:
    code, new = dossier.code, _when(new_due_at)
    original = _when(original_due_at or dossier.due_at)
    return (
        f"Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết - hồ sơ {code}",
        f"Hồ sơ {code} không thể trả kết quả đúng hẹn {original}. Thành thật xin lỗi ông/bà. "
        f"Thời gian hẹn trả kết quả lại: {new}.",
        f"Ngày {_when(dossier.received_at)[:10]}, {dossier.receiving_unit.name} đã tiếp nhận hồ sơ {code} "
        f"của ông/bà ({dossier.procedure.name}), hẹn trả kết quả lúc {original}.\n"
        f"Hồ sơ không thể giải quyết xong đúng thời hạn đã hẹn.\nLý do: {reason}\n\n"
        f"{dossier.deciding_unit.name} thành thật xin lỗi ông/bà vì sự chậm trễ này "
        f"và đề nghị gia hạn thời gian giải quyết.\nThời gian hẹn trả kết quả lại: {new}",
    )


def _result_ready(dossier: Dossier, *, place: str | None = None) -> tuple[str, str, str]:
    code, place = dossier.code, place or dossier.receiving_unit.name
    return (
        f"Kết quả giải quyết hồ sơ {code} đã sẵn sàng",
        f"Kết quả giải quyết hồ sơ {code} đã sẵn sàng. Mời ông/bà đến nhận tại {_clip(place, 120)}.",
        f"Hồ sơ {code} ({dossier.procedure.name}) đã được giải quyết xong. "
        f"Kết quả đã sẵn sàng để trả cho ông/bà tại {place}.\n"
        "Khi đến nhận, ông/bà vui lòng mang theo giấy tờ tùy thân và Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
    )


def _refusal(dossier: Dossier, *, reason: str) -> tuple[str, str, str]:
    code = dossier.code
    return (
        f"Phiếu từ chối tiếp nhận giải quyết hồ sơ - hồ sơ {code}",
        f"Hồ sơ {code} nộp trực tuyến không được tiếp nhận. Lý do: {_clip(reason, 200)}",
        f"Qua xem xét, {dossier.receiving_unit.name} thông báo không tiếp nhận, giải quyết hồ sơ {code} "
        f"({dossier.procedure.name}) của ông/bà.\nLý do: {reason}\n\n"
        f"Nếu cần được hướng dẫn thêm, ông/bà liên hệ {dossier.receiving_unit.name}.",
    )


TEMPLATES = {"receipt": _receipt, "supplement": _supplement, "apology": _apology, "result_ready": _result_ready,
             "refusal": _refusal}


def _when(instant: datetime) -> str:
    return instant.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def send_pending_notifications(factory: sessionmaker[Session], now: datetime, email_sender: EmailSender | None,
                               sms_adapter: SmsAdapter | None, max_attempts: int, limit: int = 100) -> int:
    """Send due notifications oldest first, each claimed, sent and marked in turn; returns how many were sent.

    A channel without a sender is left pending; a failed send is counted and retried with back-off on a later
    sweep until `max_attempts`, and never stops the others. Rows another worker is claiming are skipped.
    """
    senders = {"email": email_sender, "sms": sms_adapter}
    channels = [channel for channel, sender in senders.items() if sender is not None]
    if not channels:
        return 0
    due = (
        select(Notification.id)
        .where(Notification.state.in_(("pending", "sending")), Notification.channel.in_(channels))
        .where((Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now))
        .order_by(Notification.created_at, Notification.id)
    )
    job = Job("notification", due, Notification.id,
              work=lambda session, row_id: _claim(session, row_id, now, max_attempts),
              fail=lambda session, row_id, exc: _record_failure(
                  session, session.get(Notification, row_id), f"{type(exc).__name__}: {exc}", now, max_attempts),
              failures=(Exception,),  # any gateway error is counted and the sweep goes on
              deliver=lambda notice: _send(notice, email_sender, sms_adapter, now),
              finish=lambda session, row_id: _mark_sent(session, row_id, now))
    return sweep(factory, job, limit)


def _claim(session: Session, notification_id: int, now: datetime, max_attempts: int) -> tuple | None:
    """Mark a due notice `sending` under a lease; returns what the send needs, None when it is not to be sent."""
    notification = session.get(Notification, notification_id)
    if notification.state == "sending":  # its lease ran out: the worker stopped before recording the outcome
        log.warning("notification %s was left sending; the attempt counts as failed", notification_id)
        _record_failure(session, notification, "interrupted while sending", now, max_attempts)
        if notification.state == "failed":
            return None
    notification.state, notification.next_attempt_at = "sending", now + SENDING_LEASE
    return notification.channel, notification.recipient, notification.subject, notification.body


def _send(notice: tuple, email_sender: EmailSender | None, sms_adapter: SmsAdapter | None, now: datetime) -> None:
    channel, recipient, subject, body = notice
    if channel == "email":
        email_sender.send(recipient, subject, body, date=now)
    else:
        sms_adapter.send(recipient, body)


def _mark_sent(session: Session, notification_id: int, now: datetime) -> None:
    notification = session.get(Notification, notification_id)
    notification.state, notification.sent_at = "sent", now
    record_event(session, action="notification_sent", at=now, dossier_id=notification.dossier_id,
                 detail=_detail(notification))


def _record_failure(session: Session, notification: Notification, error: str, now: datetime,
                    max_attempts: int) -> None:
    notification.attempts += 1
    notification.last_error = _clip(error, 1000)
    # back off 1, 2, 4, 8… minutes so a short gateway outage does not use up every attempt
    notification.state = "pending"
    notification.next_attempt_at = now + timedelta(minutes=2 ** (notification.attempts - 1))
    if notification.attempts >= max_attempts:
        notification.state = "failed"
        record_event(session, action="notification_failed", at=now, dossier_id=notification.dossier_id,
                     detail={**_detail(notification), "attempts": notification.attempts,
                             "error": notification.last_error})


def resend_notification(session: Session, notification_id: int, actor_id: int, now: datetime) -> Notification:
    """An administrator sends a notice that failed back to the outbox: due at once, its attempts counted anew."""
    access.check_admin(access.grants_of(session, actor_id))
    notification = session.get(Notification, notification_id, with_for_update=True)
    if notification is None:
        raise NotFound(f"Không có thông báo #{notification_id}.")
    if notification.state != "failed":
        raise Conflict("Chỉ thông báo gửi không thành công mới gửi lại được; hãy tải lại trang.")
    record_event(session, action="notification_resent", at=now, actor_id=actor_id, dossier_id=notification.dossier_id,
                 detail={**_detail(notification), "attempts": notification.attempts, "error": notification.last_error})
    notification.state, notification.attempts, notification.next_attempt_at = "pending", 0, now
    session.flush()
    return notification


def _detail(notification: Notification) -> dict:
    return {"notification_id": notification.id, "channel": notification.channel, "kind": notification.kind}
